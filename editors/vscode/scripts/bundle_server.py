"""Install the milestone-lsp server and its dependencies into ``bundled/libs`` for the .vsix.

Layout (read by ``bundled/tool/launch.py``)::

    bundled/libs/cp311/  cp312/  cp313/   packages whose files differ per CPython (pydantic-core)
    bundled/libs/common/                  everything that is identical for all of them

Each version is installed with ``pip install --target --python-version X.Y --only-binary=:all:
--platform manylinux...`` so one machine builds for all three; then the top-level entries that are
byte-identical in every version folder move to ``common/`` to keep the .vsix small.

The result is cached: a fingerprint of the package's sources and this script is stored next to it,
and an unchanged fingerprint skips the work (a warm ``npm run package`` takes seconds).

Usage: python3 scripts/bundle_server.py [--force]
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

EXTENSION = Path(__file__).resolve().parent.parent
REPO = EXTENSION.parent.parent
LIBS = EXTENSION / "bundled" / "libs"
FINGERPRINT = LIBS / ".fingerprint"

PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
# pydantic-core publishes manylinux_2_17 (alias manylinux2014) wheels; the .vsix targets linux-x64.
PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_17_x86_64")


def fingerprint() -> str:
    """Hash of everything that decides what ends up in bundled/libs."""
    digest = hashlib.sha256()
    sources = [REPO / "pyproject.toml", Path(__file__).resolve()]
    sources += sorted(
        p
        for p in (REPO / "milestone_lsp").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    for path in sources:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    digest.update(repr((PYTHON_VERSIONS, PLATFORMS)).encode())
    return digest.hexdigest()


def run(command: list[str]) -> None:
    """Run a command, echoing it; fail loudly."""
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True)


def tree_digest(path: Path) -> str:
    """Content hash of a file or folder (names and bytes), for deduplication."""
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        digest.update(str(file.relative_to(path.parent)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def build_wheel(work: Path) -> Path:
    """Build milestone-lsp's own wheel (pure Python) from the repository."""
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(work),
            str(REPO),
        ]
    )
    wheels = sorted(work.glob("milestone_lsp-*.whl"))
    if not wheels:
        raise SystemExit(f"no milestone_lsp wheel was built in {work}")
    return wheels[-1]


def install_for(version: str, wheel: Path, target: Path) -> None:
    """Install the wheel and its dependencies for one CPython version into target."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-compile",
        "--no-warn-conflicts",
        "--target",
        str(target),
        "--python-version",
        version,
        "--implementation",
        "cp",
        "--only-binary=:all:",
    ]
    for platform in PLATFORMS:
        command += ["--platform", platform]
    run([*command, str(wheel)])
    # Console scripts point at the build machine's Python: useless inside the .vsix.
    shutil.rmtree(target / "bin", ignore_errors=True)


def split_common(staging: Path) -> None:
    """Move entries identical in every version folder to common/, the rest to cpXY/."""
    folders = {version: staging / f"cp{version.replace('.', '')}" for version in PYTHON_VERSIONS}
    first = next(iter(folders.values()))
    common = staging / "common"
    common.mkdir()
    for entry in sorted(first.iterdir()):
        digests = {
            tree_digest(folder / entry.name) if (folder / entry.name).exists() else None
            for folder in folders.values()
        }
        if len(digests) == 1 and None not in digests:
            shutil.move(str(entry), common / entry.name)
            for folder in folders.values():
                if folder != first:
                    shutil.rmtree(folder / entry.name) if (folder / entry.name).is_dir() else (
                        folder / entry.name
                    ).unlink()


def main() -> int:
    """Build bundled/libs unless the fingerprint says it is current."""
    force = "--force" in sys.argv[1:]
    wanted = fingerprint()
    if not force and FINGERPRINT.exists() and FINGERPRINT.read_text().strip() == wanted:
        print(f"bundled/libs is up to date ({wanted[:12]})")
        return 0
    with tempfile.TemporaryDirectory(prefix="milestone-lsp-bundle-") as tmp:
        work = Path(tmp)
        wheel = build_wheel(work / "wheel")
        staging = work / "libs"
        for version in PYTHON_VERSIONS:
            install_for(version, wheel, staging / f"cp{version.replace('.', '')}")
        split_common(staging)
        shutil.rmtree(LIBS, ignore_errors=True)
        LIBS.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staging, LIBS)
    FINGERPRINT.write_text(wanted + "\n")
    per_version = sorted(p.name for p in (LIBS / "cp311").iterdir())
    print(
        f"bundled/libs built for CPython {', '.join(PYTHON_VERSIONS)}; "
        f"version-specific: {', '.join(per_version)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
