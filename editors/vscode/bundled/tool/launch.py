"""Start the milestone-lsp server bundled in the VS Code extension.

The extension ships its Python dependencies in ``bundled/libs``: ``common/`` holds pure-Python
packages, ``cpXY/`` the ones compiled for CPython X.Y (pydantic-core). This launcher puts the folder
for the running interpreter in front of ``sys.path`` (and of ``PYTHONPATH``, for the server's child
processes) and runs ``milestone_lsp serve`` over stdio.

stdout is the protocol channel: every message of ours goes to stderr, which the editor shows in
the ``milestone-lsp`` output channel.
"""

from __future__ import annotations

import os
import runpy
import sys

LIBS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "libs")


def bundled_folders() -> list[str]:
    """The folders to prepend to sys.path for this interpreter, or exit with a clear reason."""
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    versioned = os.path.join(LIBS, tag)
    if sys.implementation.name != "cpython" or not os.path.isdir(versioned):
        available = sorted(
            f"3.{name[3:]}" for name in os.listdir(LIBS) if name.startswith("cp3")
        ) if os.path.isdir(LIBS) else []
        sys.stderr.write(
            f"milestone-lsp: the bundled server has no build for {sys.implementation.name} "
            f"{sys.version_info.major}.{sys.version_info.minor} (built for CPython "
            f"{', '.join(available) or 'nothing'}). Choose one of those in milestoneLsp.interpreter "
            'or set milestoneLsp.importStrategy to "fromEnvironment".\n'
        )
        raise SystemExit(3)
    return [versioned, os.path.join(LIBS, "common")]


def main() -> None:
    """Run ``python -m milestone_lsp serve`` with the bundled libraries first on sys.path."""
    folders = bundled_folders()
    sys.path[0:0] = folders
    # Child processes of the server (the git history reader runs as `python -m milestone_lsp...`)
    # need the same libraries: they inherit them through PYTHONPATH.
    inherited = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([*folders, *([inherited] if inherited else [])])
    sys.argv = ["milestone_lsp", "serve", *sys.argv[1:]]
    runpy.run_module("milestone_lsp", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
