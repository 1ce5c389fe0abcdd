"""The status report as the CLI and the server both make it: one workspace view, one generator.

The report names files and repeats the rules' messages, and both mention paths. The server keeps
absolute paths and the command line keeps paths relative to the working directory, so both
hand their documents to :func:`rebase`, which parses them again under paths relative to the
workspace root. The rules then run over that one view, and :mod:`milestone_lsp.core.report`
writes the result. This module never imports pygls or lsprotocol.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from milestone_lsp.core.files import read_text
from milestone_lsp.core.findings import Finding
from milestone_lsp.core.model import Milestone
from milestone_lsp.core.parser import parse
from milestone_lsp.core.report import (
    StatusReport,
    build_report,
    current_milestone,
    unknown_milestone_message,
)
from milestone_lsp.core.summaries import find_milestone_by_name
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.project.checking import is_milestone_document, load_config_or_errors
from milestone_lsp.project.layout import project_root, touched_projects
from milestone_lsp.rules.engine import check_document
from milestone_lsp.settings.config import Config


class ReportError(Exception):
    """No report can be made; the message says why and what to do."""


def relative_path(path: str | Path, root: Path) -> str:
    """``path`` relative to ``root`` with forward slashes (as given when outside the root)."""
    p = Path(path)
    try:
        return p.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return p.as_posix()


def rebase(texts: Iterable[tuple[str | Path, str]], root: Path) -> Workspace:
    """A workspace of ``(path, text)`` documents parsed under root-relative paths."""
    ws = Workspace()
    for path, text in sorted(
        ((relative_path(p, root), t) for p, t in texts), key=lambda pair: pair[0]
    ):
        ws.add(parse(text, path))
    return ws


def load(root: Path, config: Config) -> tuple[Workspace, list[str]]:
    """Every markdown document of the project at ``root`` (nested projects apart), read from
    disk; unreadable files as messages."""
    touched = touched_projects([root])
    project = project_root(root)
    texts: list[tuple[str | Path, str]] = []
    errors = [f"{path}: {why}" for path, why in touched.skipped]
    for path in touched.files.get(project, []):
        got = read_text(path, config.max_file_size or None)
        if got.text is None:
            errors.append(f"{path}: {got.error}")
            continue
        texts.append((path, got.text))
    return rebase(texts, root), errors


def findings(ws: Workspace, config: Config) -> list[Finding]:
    """The rules' findings over every checked document of the workspace."""
    out: list[Finding] = []
    for doc in ws:
        if is_milestone_document(doc, doc.path, config):
            out.extend(check_document(ws, doc, config))
    out.sort(key=Finding.sort_key)
    return out


def choose_milestone(ws: Workspace, name: str | None) -> Milestone:
    """The milestone called ``name``, else STATUS.md's current one; :class:`ReportError` if none."""
    found = find_milestone_by_name(ws, name) if name else current_milestone(ws)
    if found is None:
        raise ReportError(unknown_milestone_message(ws, name))
    return found


def make_report(ws: Workspace, config: Config, name: str | None) -> StatusReport:
    """The status report of a milestone (named, or the current one) in a rebased workspace."""
    milestone = choose_milestone(ws, name)
    return build_report(ws, milestone, config.progress_method, findings(ws, config))


def open_workspace(start: Path) -> tuple[Workspace, Config, list[str]]:
    """The workspace that ``start`` belongs to, its settings, and files that could not be read.

    Raises :class:`ReportError` when ``start`` does not exist or the settings are invalid.
    """
    if not start.exists():
        raise ReportError(f"{start}: no such folder; name the workspace folder with --workspace")
    root = project_root(start)
    loaded, problems = load_config_or_errors(root)
    if problems:
        raise ReportError("; ".join(problems))
    ws, errors = load(root, loaded.config)
    return ws, loaded.config, errors
