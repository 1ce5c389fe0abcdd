"""Running ``milestone-lsp`` as CI and users do: a subprocess of this interpreter."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType


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


def load_script(name: str) -> ModuleType:
    """``scripts/NAME.py`` imported as a module (the repository's scripts are not a package)."""
    path = Path(__file__).resolve().parents[1] / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
