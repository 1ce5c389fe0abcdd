"""What git says about the history of a workspace, as plain data: commits, changed files and the
markdown files after each commit.

:mod:`milestone_lsp.project.gitlog` reads these from git; :mod:`milestone_lsp.core.history`
computes the progress figures from them. Cheap to import: ``check`` asks git whether its files
are committed without loading the history model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """A commit: id, parents, committer time (epoch and ISO 8601) and subject line."""

    sha: str
    parents: tuple[str, ...]
    timestamp: int
    date: str
    subject: str

    @property
    def short(self) -> str:
        """The abbreviated id shown to people."""
        return self.sha[:7]


@dataclass(frozen=True, slots=True)
class Change:
    """One file changed by a commit (git's raw status letter: A, M, D, R, C, T)."""

    status: str
    old_path: str
    new_path: str
    old_blob: str
    new_blob: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The markdown files (``path → blob id``) after a commit, and what the commit changed."""

    commit: CommitInfo
    files: Mapping[str, str]
    changes: tuple[Change, ...] = ()
    baseline: bool = False
