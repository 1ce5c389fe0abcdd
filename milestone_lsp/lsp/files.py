"""File operations: links that follow a renamed or moved plan file, and an index that follows
files created, deleted and renamed in the editor.

``workspace/willRenameFiles`` answers with a WorkspaceEdit that rewrites every link and plain
mention of the old path in the project (:func:`milestone_lsp.core.links.rename_edits`); the
editor applies it before it moves the files, VS Code after its usual prompt. The ``did*``
notifications update the parsed workspace at once, so that no restart is needed and the links
to a file are judged again (MS404). Clients without file operations (Neovim's plugin sends
them itself) still have the watched-files notifications of :mod:`milestone_lsp.lsp.documents`.
"""

from __future__ import annotations

import os
from pathlib import Path

from lsprotocol import types as lsp

from milestone_lsp.core.files import MARKDOWN_SUFFIXES, discover
from milestone_lsp.core.links import rename_edits
from milestone_lsp.lsp import diagnostics
from milestone_lsp.lsp.convert import path_to_uri, uri_to_path
from milestone_lsp.lsp.edits import workspace_edit
from milestone_lsp.lsp.state import MilestoneServer, guarded, none

_MARKDOWN_GLOB = "**/*.{" + ",".join(s.lstrip(".") for s in MARKDOWN_SUFFIXES) + "}"
_FILTERS = [
    lsp.FileOperationFilter(
        scheme="file",
        pattern=lsp.FileOperationPattern(
            glob=_MARKDOWN_GLOB,
            matches=lsp.FileOperationPatternKind.File,
            options=lsp.FileOperationPatternOptions(ignore_case=True),
        ),
    ),
    # A folder move moves the plan files inside it.
    lsp.FileOperationFilter(
        scheme="file",
        pattern=lsp.FileOperationPattern(glob="**/*", matches=lsp.FileOperationPatternKind.Folder),
    ),
]
FILE_OPERATIONS = lsp.FileOperationRegistrationOptions(filters=_FILTERS)


def _below(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)


def forget(ls: MilestoneServer, path: str) -> list[str]:
    """Drop a file (or every document below a folder) from the index; the paths dropped."""
    gone = [d.path for d in list(ls.projects) if d.path == path or _below(d.path, path)]
    for p in gone:
        if path_to_uri(p) in ls.open_uris:
            continue  # the editor's text stays the truth until it closes the document
        ls.remove_document(p)
        ls.disk_mtimes.pop(p, None)
        ls.findings_cache.pop(p, None)
    return gone


def learn(ls: MilestoneServer, path: str) -> None:
    """Read a new file (or every markdown file below a new folder) into the index."""
    if os.path.isdir(path):
        for found in discover([Path(path)], ls.root).files:
            ls.read_from_disk(str(found))
    elif path.lower().endswith(MARKDOWN_SUFFIXES):
        ls.disk_mtimes.pop(path, None)
        ls.read_from_disk(path)


def _clear(ls: MilestoneServer, paths: list[str]) -> None:
    """Withdraw the diagnostics of documents that no longer exist."""
    if ls.pull_mode:
        return
    for p in paths:
        if path_to_uri(p) not in ls.open_uris:
            ls.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=path_to_uri(p), diagnostics=[])
            )


def register(server: MilestoneServer) -> None:
    """Register willRenameFiles and the didCreate/didRename/didDelete notifications."""

    def _no_edit() -> lsp.WorkspaceEdit | None:
        return None

    @server.feature(lsp.WORKSPACE_WILL_RENAME_FILES, FILE_OPERATIONS)
    @guarded(_no_edit)
    async def will_rename_files(
        ls: MilestoneServer, params: lsp.RenameFilesParams
    ) -> lsp.WorkspaceEdit | None:
        await ls.ready()
        renames = [
            (uri_to_path(f.old_uri), uri_to_path(f.new_uri))
            for f in params.files
            if f.old_uri.startswith("file:") and f.new_uri.startswith("file:")
        ]
        # Links to a renamed file are updated wherever they are (a link may cross projects).
        edits = [e for ws in ls.projects.workspaces.values() for e in rename_edits(ws, renames)]
        ls.log_info(
            f"willRenameFiles: {len(renames)} file(s), {len(edits)} link(s) updated",
            lsp.MessageType.Log,
        )
        return workspace_edit(ls, edits) if edits else None

    @server.feature(lsp.WORKSPACE_DID_RENAME_FILES, FILE_OPERATIONS)
    @guarded(none)
    async def did_rename_files(ls: MilestoneServer, params: lsp.RenameFilesParams) -> None:
        gone: list[str] = []
        for f in params.files:
            old, new = uri_to_path(f.old_uri), uri_to_path(f.new_uri)
            gone += forget(ls, old)
            learn(ls, new)
        await _changed(ls, gone)

    @server.feature(lsp.WORKSPACE_DID_CREATE_FILES, FILE_OPERATIONS)
    @guarded(none)
    async def did_create_files(ls: MilestoneServer, params: lsp.CreateFilesParams) -> None:
        for f in params.files:
            learn(ls, uri_to_path(f.uri))
        await _changed(ls, [])

    @server.feature(lsp.WORKSPACE_DID_DELETE_FILES, FILE_OPERATIONS)
    @guarded(none)
    async def did_delete_files(ls: MilestoneServer, params: lsp.DeleteFilesParams) -> None:
        gone: list[str] = []
        for f in params.files:
            gone += forget(ls, uri_to_path(f.uri))
        await _changed(ls, gone)


async def _changed(ls: MilestoneServer, gone: list[str]) -> None:
    # A file that is not markdown (or not indexed) changes no document, yet links to it are
    # judged afresh: the workspace's version says so to every cache.
    for ws in ls.projects.workspaces.values():
        ws.touch()
    _clear(ls, gone)
    await diagnostics.publish_all(ls)
