"""Running ``milestone-lsp`` as CI and users do: a subprocess of this interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m milestone_lsp ARGS`` in ``cwd``; output captured as text, never raising."""
    return subprocess.run(
        [sys.executable, "-m", "milestone_lsp", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -c CODE`` with this interpreter (a fresh process: nothing already imported)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
