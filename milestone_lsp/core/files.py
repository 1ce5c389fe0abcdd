"""Finding and reading the milestone markdown of a workspace on disk.

Reads only markdown files below the root (after resolving symlinks), skips VCS, dependency and
virtualenv folders and git-ignored paths, and never raises for a file that vanished or cannot be
decoded: such files are reported back to the caller instead.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "env",
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        "site-packages",
        "dist",
        "build",
        ".idea",
    }
)
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
ROOT_MARKERS = (".milestone-lsp.toml", ".git")


@dataclass(slots=True)
class ReadResult:
    """Text of a file, or why it could not be read."""

    path: Path
    text: str | None
    error: str | None = None
    had_bom: bool = False


@dataclass(slots=True)
class Discovery:
    """Markdown files found below a root, and paths skipped with the reason."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def read_text(path: Path, max_size: int | None = None) -> ReadResult:
    """Read a UTF-8 (optionally BOM-prefixed) text file; never raises."""
    try:
        size = path.stat().st_size
        if max_size is not None and size > max_size:
            return ReadResult(
                path, None, f"file is {size:,} bytes, above the limit of {max_size:,}"
            )
        data = path.read_bytes()
    except OSError as exc:
        return ReadResult(path, None, exc.strerror or str(exc))
    if b"\x00" in data[:8192]:
        return ReadResult(path, None, "binary file (contains NUL bytes)")
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data[3:].decode("utf-8") if bom else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ReadResult(path, None, f"not valid UTF-8 (byte {exc.start})")
    return ReadResult(path, text, had_bom=bom)


def _git_ignored(root: Path, candidates: list[Path]) -> set[Path]:
    if not candidates or not (root / ".git").exists():
        return set()
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "--stdin", "-z"],
            input="\0".join(str(p.relative_to(root)) for p in candidates).encode(),
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return set()
    return {root / p for p in proc.stdout.decode(errors="replace").split("\0") if p}


def discover(paths: Iterable[Path], root: Path | None = None) -> Discovery:
    """Markdown files named or found below the given paths, in sorted order."""
    out = Discovery()
    seen: set[Path] = set()
    for given in paths:
        try:
            resolved = given.resolve()
        except (OSError, RuntimeError) as exc:
            out.skipped.append((given, f"cannot resolve path: {exc}"))
            continue
        if given.is_file():
            if resolved not in seen:
                seen.add(resolved)
                out.files.append(given)
            continue
        if not given.is_dir():
            out.skipped.append((given, "no such file or directory"))
            continue
        boundary = (root or given).resolve()
        found: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(given, followlinks=False):
            dirnames[:] = sorted(
                d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".")
            )
            for name in sorted(filenames):
                if not name.lower().endswith(MARKDOWN_SUFFIXES):
                    continue
                path = Path(dirpath) / name
                try:
                    real = path.resolve()
                except (OSError, RuntimeError):
                    out.skipped.append((path, "symlink loop"))
                    continue
                if not real.is_relative_to(boundary):
                    out.skipped.append((path, "points outside the workspace"))
                    continue
                if real in seen:
                    continue
                seen.add(real)
                found.append(path)
        ignored = _git_ignored(boundary, [p.resolve() for p in found])
        out.files.extend(p for p in found if p.resolve() not in ignored)
    return out


def find_root(start: Path) -> Path:
    """The workspace root: nearest folder upward with a marker file, else the start folder."""
    here = start if start.is_dir() else start.parent
    here = here.resolve()
    for folder in (here, *here.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                if "[tool.milestone-lsp]" in pyproject.read_text(
                    encoding="utf-8", errors="replace"
                ):
                    return folder
            except OSError:
                pass
    return here
