"""Git plumbing for the progress history: commits, renames and file contents, read-only.

Everything goes through ``git`` subprocesses with argument lists (never a shell): ``rev-parse``
to find the repository, ``log --raw -M`` for the commits that changed markdown files (with
renames), ``ls-tree`` for the starting state after ``--since``, and one ``cat-file --batch`` for
every distinct file content. Nothing is checked out and the work tree is never touched.

:mod:`milestone_lsp.project.history` turns what this module reads into the history; this module
stays cheap to import (``check`` asks it whether its files are committed on every run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from milestone_lsp.core.files import MARKDOWN_SUFFIXES

if TYPE_CHECKING:
    from milestone_lsp.core.commits import Change, CommitInfo

# Markdown files anywhere below the workspace folder (git's default pathspec lets * match /).
PATHSPECS = tuple(f"*{suffix}" for suffix in MARKDOWN_SUFFIXES)
EMPTY_TREE_STATE: dict[str, str] = {}


class GitError(Exception):
    """Git cannot give the history; the message says why and what could be done."""


@dataclass(frozen=True, slots=True)
class Repository:
    """Where the workspace sits in its repository."""

    workdir: Path
    toplevel: Path
    head: str
    shallow: bool


def git_executable() -> str:
    """The git program, or a :class:`GitError` saying how to get it."""
    found = shutil.which("git")
    if found is None:
        raise GitError(
            "git is not installed or not on PATH; install git (e.g. `apt-get install git`) "
            "to read the progress history"
        )
    return found


# A cloned repository's own config can name programs git runs (core.fsmonitor, diff drivers,
# textconv); the history never needs them, so they are switched off for every call.
SAFE_CONFIG: tuple[str, ...] = (
    "-c",
    "core.quotePath=false",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.untrackedCache=false",
    "-c",
    "diff.external=",
)


def _run(
    args: Sequence[str], cwd: Path, *, stdin: bytes | None = None, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ)
    # Stable, machine-readable output whatever the user's configuration and locale.
    env.update({"LC_ALL": "C", "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0"})
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    try:
        done = subprocess.run(
            [git_executable(), *SAFE_CONFIG, *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            env=env,
            check=False,
        )
    except OSError as exc:
        raise GitError(f"cannot run git in {cwd}: {exc.strerror or exc}") from exc
    if check and done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed in {cwd}: {detail[-1] if detail else 'no output'}")
    return done


def _inside_repository(folder: Path) -> bool:
    """Whether ``folder`` or a parent holds ``.git`` (no process: the cheap negative answer)."""
    folder = folder.resolve()
    return any((f / ".git").exists() for f in (folder, *folder.parents))


def _tracked_below(folder: Path, files: Sequence[Path]) -> bool | None:
    """Whether git tracks one of ``files`` (all below ``folder``); ``None`` when git cannot say."""
    if not folder.is_dir() or not _inside_repository(folder):
        return None
    specs = [":(literal)" + os.path.relpath(f, folder) for f in files]
    try:
        listed = _run(["ls-files", "-z", "--", *specs], folder, check=False)
    except GitError:
        return None
    if listed.returncode != 0:
        return None
    return bool(listed.stdout.strip(b"\0"))


def any_committed(paths: Iterable[Path]) -> bool:
    """Whether git tracks at least one of ``paths`` (``False`` outside a repository or without
    git): a file that was never committed has no history to read.

    One ``git ls-files`` from the files' common folder; per folder only when that fails (files
    from several repositories).
    """
    files = [p.absolute() for p in paths]
    if not files:
        return False
    common = Path(os.path.commonpath([str(f.parent) for f in files]))
    found = _tracked_below(common, files)
    if found is not None:
        return found
    by_folder: dict[Path, list[Path]] = {}
    for f in files:
        by_folder.setdefault(f.parent, []).append(f)
    return any(_tracked_below(folder, group) for folder, group in by_folder.items())


def open_repository(path: Path) -> Repository:
    """The repository holding ``path``; a clear :class:`GitError` when there is none."""
    if not path.exists():
        raise GitError(f"{path} does not exist; give the folder of the milestone files")
    workdir = path if path.is_dir() else path.parent
    # One process in the common case: top level, shallowness and HEAD together.
    probe = _run(
        ["rev-parse", "--show-toplevel", "--is-shallow-repository", "HEAD"], workdir, check=False
    )
    lines = probe.stdout.decode("utf-8", "replace").splitlines()
    if probe.returncode == 0 and len(lines) == 3:
        return Repository(workdir, Path(lines[0]), lines[2].strip(), lines[1].strip() == "true")
    probe = _run(["rev-parse", "--show-toplevel", "--is-shallow-repository"], workdir, check=False)
    if probe.returncode != 0:
        raise GitError(
            f"{workdir.resolve()} is not inside a git repository, so there is no history to read; "
            "run `git init` and commit the milestone files, or run this in a clone of the "
            "project"
        )
    lines = probe.stdout.decode("utf-8", "replace").splitlines()
    toplevel = Path(lines[0]) if lines else workdir
    shallow = len(lines) > 1 and lines[1].strip() == "true"
    head = _run(["rev-parse", "--verify", "--quiet", "HEAD"], workdir, check=False)
    if head.returncode != 0:
        raise GitError(
            f"the repository at {toplevel} has no commits yet; commit the milestone files "
            "first (`git add` and `git commit`)"
        )
    return Repository(workdir, toplevel, head.stdout.decode().strip(), shallow)


def resolve(repo: Repository, rev: str) -> str:
    """The commit a revision names, or a :class:`GitError` saying it is unknown."""
    if not rev or rev.startswith("-"):
        raise GitError(f"{rev!r} is not a revision; give a commit, tag or branch name")
    found = _run(
        ["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], repo.workdir, check=False
    )
    if found.returncode != 0:
        hint = " (the clone is shallow: `git fetch --unshallow` brings the rest)"
        raise GitError(
            f"unknown revision {rev!r}; give a commit, tag or branch of this repository"
            + (hint if repo.shallow else "")
        )
    return found.stdout.decode().strip()


def _parse_log(raw: bytes) -> list[tuple[CommitInfo, list[Change]]]:
    """Commits and their raw changes from ``git log --raw -z`` with our record format."""
    # The commit model is the history's: ``check`` asks only whether files are committed.
    from milestone_lsp.core.commits import Change, CommitInfo

    out: list[tuple[CommitInfo, list[Change]]] = []
    for record in raw.decode("utf-8", "replace").split("\x1e"):
        if not record.strip("\n\x00"):
            continue
        # With -z git ends the header with NUL; without file changes there may be none.
        header, _, rest = record.partition("\x00")
        header = header.rstrip("\n")
        fields = header.split("\x1f")
        if len(fields) < 5:
            continue
        sha, parents, ctime, date, subject = fields[:5]
        info = CommitInfo(
            sha=sha,
            parents=tuple(parents.split()),
            timestamp=int(ctime or 0),
            date=date,
            subject=subject,
        )
        tokens = [token.strip("\n") for token in rest.split("\x00")]
        changes: list[Change] = []
        i = 0
        while i < len(tokens):
            meta = tokens[i]
            if not meta.startswith(":"):
                i += 1
                continue
            parts = meta[1:].split()
            if len(parts) < 5:
                i += 1
                continue
            old_blob, new_blob, status = parts[2], parts[3], parts[4][0]
            if status in "RC" and i + 2 < len(tokens):
                changes.append(Change(status, tokens[i + 1], tokens[i + 2], old_blob, new_blob))
                i += 3
            elif i + 1 < len(tokens):
                path = tokens[i + 1]
                changes.append(Change(status, path, path, old_blob, new_blob))
                i += 2
            else:
                i += 1
        out.append((info, changes))
    return out


_FORMAT = "--format=%x1e%H%x1f%P%x1f%ct%x1f%cI%x1f%s"


def commits(repo: Repository, since: str | None = None) -> list[tuple[CommitInfo, list[Change]]]:
    """The first-parent commits (oldest first) that changed markdown files below the workspace."""
    revs = [f"{since}..HEAD"] if since else ["HEAD"]
    raw = _run(
        [
            "log",
            "--first-parent",
            "--diff-merges=first-parent",
            "--reverse",
            _FORMAT,
            "--raw",
            "-z",
            "-M",
            "--no-abbrev",
            "--relative",
            *revs,
            "--",
            *PATHSPECS,
        ],
        repo.workdir,
    )
    return _parse_log(raw.stdout)


def commit_info(repo: Repository, rev: str) -> CommitInfo:
    raw = _run(["log", "-1", _FORMAT, rev], repo.workdir).stdout
    parsed = _parse_log(raw)
    if not parsed:
        raise GitError(f"cannot read commit {rev}")
    return parsed[0][0]


def tree_state(repo: Repository, rev: str) -> dict[str, str]:
    """``path → blob`` of the markdown files below the workspace at ``rev``."""
    # ls-tree takes path prefixes, not patterns: list the folder's tree and keep the markdown.
    # Run in the workspace folder, it lists that folder only, with paths relative to it.
    raw = _run(["ls-tree", "-r", "-z", rev], repo.workdir).stdout
    state: dict[str, str] = {}
    for entry in raw.decode("utf-8", "replace").split("\x00"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob" and path.endswith(MARKDOWN_SUFFIXES):
            state[path] = parts[2]
    return state


def read_blobs(repo: Repository, blobs: Iterable[str]) -> dict[str, bytes]:
    """The contents of many blobs through one ``git cat-file --batch``."""
    wanted = sorted(set(blobs))
    if not wanted:
        return {}
    raw = _run(["cat-file", "--batch"], repo.workdir, stdin="\n".join(wanted).encode() + b"\n")
    data = raw.stdout
    out: dict[str, bytes] = {}
    pos = 0
    while pos < len(data):
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) < 3:  # "<sha> missing"
            continue
        size = int(header[2])
        out[header[0].decode()] = data[pos : pos + size]
        pos += size + 1
    return out
