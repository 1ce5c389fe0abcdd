"""Turning core text edits into a WorkspaceEdit the client can apply."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lsprotocol import types as lsp

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.lsp.state import MilestoneServer


def workspace_edit(ls: MilestoneServer, edits: Iterable[TextEdit]) -> lsp.WorkspaceEdit:
    """A WorkspaceEdit in the richest form the client supports.

    documentChanges (with versions) when the client takes them; a file that does not exist yet is
    created with ``CreateFile`` when the client supports that, else the edit goes to ``changes``.
    """
    edits = list(edits)
    document_changes = bool(ls.capability("workspace", "workspace_edit", "document_changes"))
    operations = ls.capability("workspace", "workspace_edit", "resource_operations") or []
    create = any(getattr(op, "value", op) == "create" for op in operations)
    missing = any(not ls.exists(e.path) for e in edits)
    if missing and not create:
        document_changes = False
    return ls.conv.workspace_edit(
        edits,
        ls.index_for,
        version_for=ls.version_for,
        exists=ls.exists,
        document_changes=document_changes,
        create_files=create,
    )


def decisions_path(ls: MilestoneServer, near: str) -> str:
    """The DECISIONS.md of the project of ``near`` (an existing one, else a new one in the
    project's folder)."""
    for doc in ls.workspace_for(near):
        if Path(doc.path).name.lower() == "decisions.md":
            return doc.path
    root = ls.projects.root_for(near)
    folder = root if root.is_absolute() else Path(near).parent
    return str(folder / "DECISIONS.md")
