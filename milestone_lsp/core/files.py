"""Finding and reading the milestone markdown of a workspace on disk.

Reads only markdown files below the root (after resolving symlinks), skips VCS, dependency and
virtualenv folders and git-ignored paths, and never raises for a file that vanished or cannot be
decoded: such files are reported back to the caller instead.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

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
    # Size in bytes when the file was not read for being above the size limit.
    oversize: int | None = None


@dataclass(slots=True)
class Discovery:
    """Markdown files found below a root, and paths skipped with the reason."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def _too_large(size: int, max_size: int) -> str:
    return (
        f"file is {size:,} bytes, above the limit of {max_size:,}; split it or raise max_file_size"
    )


def _read_at_most(handle: BinaryIO, limit: int) -> bytes:
    """Up to ``limit`` bytes of ``handle``, in chunks: ``read(limit)`` would allocate all of
    ``limit`` at once, whatever the file's size."""
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = handle.read(min(left, 1 << 16))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def resolve_problem(exc: OSError | RuntimeError) -> str:
    """Why a named path could not be resolved, in words (Python < 3.13 raises RuntimeError for
    a symlink loop, later versions OSError ELOOP)."""
    if isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP:
        return "symlink loop; not read"
    return f"cannot resolve path: {exc.strerror or exc}"


def read_text(path: Path, max_size: int | None = None) -> ReadResult:
    """Read a UTF-8 (optionally BOM-prefixed) text file; never raises.

    Only regular files are read: a FIFO or a device named ``*.md`` would block or never end.
    The size limit is checked before reading and enforced while reading (the file may grow).
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        return ReadResult(path, None, exc.strerror or str(exc))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return ReadResult(path, None, "not a regular file (a FIFO or device?); not read")
        if max_size is not None and info.st_size > max_size:
            return ReadResult(path, None, _too_large(info.st_size, max_size), oversize=info.st_size)
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read() if max_size is None else _read_at_most(handle, max_size + 1)
    except OSError as exc:
        return ReadResult(path, None, exc.strerror or str(exc))
    finally:
        os.close(fd)
    if max_size is not None and len(data) > max_size:
        return ReadResult(path, None, _too_large(len(data), max_size), oversize=len(data))
    if b"\x00" in data[:8192]:
        return ReadResult(
            path,
            None,
            "binary file (contains NUL bytes); not read, rename it if it is not markdown",
        )
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data[3:].decode("utf-8") if bom else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ReadResult(
            path, None, f"not valid UTF-8 (byte {exc.start}); not read, save it as UTF-8"
        )
    return ReadResult(path, text, had_bom=bom)


# git runs programs named in a repository's own config (core.fsmonitor, for one) when it
# looks at the index; a cloned repository must never get to run anything through us. So the
# hook is switched off and the index is not consulted: only the ignore rules are read.
_GIT_SAFE = ("-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false")


def _git_ignored(root: Path, candidates: list[Path]) -> set[Path]:
    if not candidates or not (root / ".git").exists():
        return set()
    try:
        proc = subprocess.run(
            ["git", *_GIT_SAFE, "-C", str(root), "check-ignore", "--no-index", "--stdin", "-z"],
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
            out.skipped.append((given, resolve_problem(exc)))
            continue
        if given.is_file():
            if resolved not in seen:
                seen.add(resolved)
                out.files.append(given)
            continue
        if not given.is_dir():
            reason = "not a regular file; not read" if given.exists() else "no such file or folder"
            out.skipped.append((given, reason))
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
                    out.skipped.append((path, "symlink loop; not read, fix or remove the link"))
                    continue
                if not real.is_relative_to(boundary):
                    why = f"symlink to {real}, outside {boundary}; not read (name it to check it)"
                    out.skipped.append((path, why))
                    continue
                if real in seen:
                    continue
                seen.add(real)
                found.append(path)
        ignored = _git_ignored(boundary, [p.resolve() for p in found])
        out.files.extend(p for p in found if p.resolve() not in ignored)
    return out


def has_root_marker(folder: Path) -> bool:
    """Whether ``folder`` is a project root: it has a config file, ``.git``, or a pyproject.toml
    with a ``[tool.milestone-lsp]`` table."""
    if any((folder / marker).exists() for marker in ROOT_MARKERS):
        return True
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        try:
            return "[tool.milestone-lsp]" in pyproject.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    return False
