"""Projects on disk: which folders are projects, and the files of the projects a path touches.

The rule itself (a folder with a settings file or a STATUS.md, nearest upward, never above the
boundary) is :mod:`milestone_lsp.core.projects`; this module looks at the disk for it. The
boundary is the nearest folder upward with ``.git``, else with a settings file, else the folder
named (:func:`~milestone_lsp.settings.config.find_workspace_root`).

``check PATH`` reads the projects PATH touches: the project PATH is in, and every project below
PATH — each with all of its files, so cross-file rules see the project's whole plan — and no
other project's files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from milestone_lsp.core.files import discover
from milestone_lsp.core.projects import ProjectLayout, is_status_file
from milestone_lsp.settings.config import CONFIG_FILE_NAME, config_file_in, find_workspace_root


def is_project_folder(folder: Path, memo: dict[Path, bool] | None = None) -> bool:
    """Whether ``folder`` holds a settings file or a STATUS.md (any case)."""
    if memo is not None:
        known = memo.get(folder)
        if known is None:
            known = memo[folder] = is_project_folder(folder)
        return known
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    if CONFIG_FILE_NAME in names or any(is_status_file(n) for n in names):
        return True
    return "pyproject.toml" in names and config_file_in(folder) is not None


def project_root(
    path: Path, boundary: Path | None = None, memo: dict[Path, bool] | None = None
) -> Path:
    """The project of a file or folder on disk (resolved)."""
    start = path.resolve()
    folder = start if start.is_dir() else start.parent
    stop = (boundary or find_workspace_root(folder)).resolve()
    for candidate in (folder, *folder.parents):
        if is_project_folder(candidate, memo):
            return candidate
        if candidate == stop:
            break
    return stop if folder.is_relative_to(stop) else folder


@dataclass(slots=True)
class Touched:
    """The projects one or more paths touch, and every markdown file of each."""

    layout: ProjectLayout
    files: dict[Path, list[Path]] = field(default_factory=dict)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def roots(self) -> list[Path]:
        """The touched project roots, sorted."""
        return sorted(self.files)


def touched_projects(targets: list[Path]) -> Touched:
    """The projects ``targets`` touch, with their markdown files (nested projects apart)."""
    boundaries: set[Path] = set()
    roots: set[Path] = set()
    wanted: set[Path] = set()
    walked: dict[Path, list[Path]] = {}
    skipped: list[tuple[Path, str]] = []
    memo: dict[Path, bool] = {}
    for target in targets:
        try:
            resolved = target.resolve()
        except (OSError, RuntimeError):
            continue  # discover() reports it
        boundary = find_workspace_root(resolved).resolve()
        boundaries.add(boundary)
        top = project_root(resolved, boundary, memo)
        roots.add(top)
        wanted.add(top)
        if top in walked:
            continue
        found = discover([top], boundary)
        skipped += found.skipped
        walked[top] = found.files
        for file in found.files:
            folder = file.resolve().parent
            for candidate in (folder, *folder.parents):
                if candidate == top:
                    break
                if is_project_folder(candidate, memo):
                    roots.add(candidate)
                    if resolved.is_dir() and candidate.is_relative_to(resolved):
                        wanted.add(candidate)  # a project below the folder named
                    break
    layout = ProjectLayout(boundaries, roots)
    touched = Touched(layout, {root: [] for root in sorted(wanted)}, skipped)
    seen: set[Path] = set()
    for files in walked.values():
        for file in files:
            real = file.resolve()
            if real in seen:
                continue
            seen.add(real)
            root = layout.root_of(real)
            if root in touched.files:
                touched.files[root].append(file)
    return touched
