"""The documents and files the server follows: open, change, save, close, watched files and
configuration changes, and the ``milestone-lsp.documentState`` command.

Each handler updates the state (:class:`~milestone_lsp.lsp.state.MilestoneServer`) and then
asks :mod:`milestone_lsp.lsp.diagnostics` for what must be published again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams

from milestone_lsp import __version__
from milestone_lsp.core.files import MARKDOWN_SUFFIXES
from milestone_lsp.core.positions import LineIndex
from milestone_lsp.lsp import diagnostics, history
from milestone_lsp.lsp.convert import uri_to_path
from milestone_lsp.lsp.state import MilestoneServer, failed, guarded, none

# The names of config files whose change reloads the settings (config.CONFIG_FILE_NAME too).
SETTINGS_FILES = (".milestone-lsp.toml", "pyproject.toml")
# Answers what the server holds for one document (version, size, SHA-256 of the text), so a
# user can check that the editor and the server agree on a buffer's text.
DOCUMENT_STATE = "milestone-lsp.documentState"
# What the server runs with: version, root, position encoding and where its settings came
# from (Neovim's :checkhealth milestone_lsp shows it).
SERVER_INFO = "milestone-lsp.serverInfo"

log = logging.getLogger("milestone_lsp.lsp.server")


def register(server: MilestoneServer) -> None:
    """Register the document lifecycle, watched-file and configuration handlers."""

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    @guarded(none)
    async def did_open(ls: MilestoneServer, params: lsp.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.open_uris.add(uri)
        ls.opening.add(uri_to_path(uri))
        ls.update_open(uri)
        if not ls.watching:
            ls.refresh_from_disk()
        await diagnostics.document_changed(ls, uri, immediate=True)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    @guarded(none)
    async def did_change(ls: MilestoneServer, params: lsp.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = uri_to_path(uri)
        if path in ls.slow:
            # Over the time budget: linted on save; parsed when a feature asks for it.
            ls.unparsed.add(path)
            return
        ls.update_open(uri)
        if ls.config.lint_on == "change":
            await diagnostics.document_changed(ls, uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    @guarded(none)
    async def did_save(ls: MilestoneServer, params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = uri_to_path(uri)
        if Path(path).name in SETTINGS_FILES:
            await ls.reload_config()
            await diagnostics.publish_all(ls)
            return
        if uri in ls.open_uris and path in ls.slow:
            ls.slow.pop(path, None)  # measure again: the budget or the file may have changed
            ls.update_open(uri)
        if not ls.watching:
            ls.refresh_from_disk()
        await diagnostics.document_changed(ls, uri, immediate=True)
        history.schedule(ls)  # a commit may have followed the save

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    @guarded(none)
    async def did_close(ls: MilestoneServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.open_uris.discard(uri)
        task = ls.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        path = uri_to_path(uri)
        # The file on disk is the truth again (or the document is gone, if it was never saved).
        ls.remove_document(path)
        ls.disk_mtimes.pop(path, None)
        ls.oversized.pop(path, None)
        ls.slow.pop(path, None)
        ls.unparsed.discard(path)
        ls.opening.discard(path)
        ls.read_from_disk(path)
        if not ls.pull_mode:
            ls.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )
        diagnostics.forget(ls, uri)
        await diagnostics.dependents_changed(ls)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    @guarded(none)
    async def did_change_configuration(
        ls: MilestoneServer, params: lsp.DidChangeConfigurationParams
    ) -> None:
        settings = params.settings
        if isinstance(settings, dict) and settings:
            ls.client_settings = settings
        await ls.reload_config()
        await diagnostics.publish_all(ls)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded(none)
    async def did_change_watched_files(
        ls: MilestoneServer, params: lsp.DidChangeWatchedFilesParams
    ) -> None:
        config_changed = False
        for change in params.changes:
            path = uri_to_path(change.uri)
            if Path(path).name in SETTINGS_FILES:
                config_changed = True
                continue
            if not path.lower().endswith(MARKDOWN_SUFFIXES):
                continue
            if change.type == lsp.FileChangeType.Deleted:
                if change.uri not in ls.open_uris:
                    ls.remove_document(path)
                    ls.disk_mtimes.pop(path, None)
            else:
                ls.disk_mtimes.pop(path, None)
                ls.read_from_disk(path)
        # A STATUS.md or a settings file that appeared or went away moves project boundaries.
        ls.relayout()
        if config_changed:
            await ls.reload_config()
        await diagnostics.publish_all(ls)
        history.schedule(ls)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    @guarded(none)
    async def did_change_workspace_folders(
        ls: MilestoneServer, params: lsp.DidChangeWorkspaceFoldersParams
    ) -> None:
        # Requests wait for the new folders to be indexed, as they wait for the first indexing.
        ls.indexed.clear()
        removed = [Path(uri_to_path(f.uri)).resolve() for f in params.event.removed]
        added = [Path(uri_to_path(f.uri)).resolve() for f in params.event.added]
        ls.folders = [f for f in ls.folders if f not in removed]
        ls.folders += [f for f in added if f not in ls.folders]
        ls.root = ls.folders[0] if ls.folders else None
        for folder in removed:
            ls.forget_folder(folder)
        await ls.index_workspace(added)
        ls.relayout()
        await diagnostics.publish_all(ls)

    @server.command(SERVER_INFO)
    @guarded(failed)
    async def cmd_server_info(ls: MilestoneServer, *args: Any) -> dict[str, Any]:
        """Version, root, position encoding and settings sources of this server."""
        await ls.ready()
        return server_info(ls)

    @server.command(DOCUMENT_STATE)
    @guarded(failed)
    async def document_state(ls: MilestoneServer, *args: Any) -> dict[str, Any]:
        """What the server holds for one open document: compare it with the editor's buffer."""
        first: Any = args[0] if args else None
        as_dict = getattr(first, "_asdict", None)
        if callable(as_dict):
            first = as_dict()
        uri = first.get("uri") if isinstance(first, dict) else None
        if not isinstance(uri, str) or not uri:
            raise JsonRpcInvalidParams(
                f"{DOCUMENT_STATE}: expected one argument {{'uri': <document URI>}}"
            )
        if uri not in ls.open_uris:
            raise JsonRpcInvalidParams(
                f"{DOCUMENT_STATE}: {uri} is not open; open it in the editor first"
            )
        text = ls.workspace.get_text_document(uri).source
        path = uri_to_path(uri)
        return {
            "uri": uri,
            "version": ls.workspace.get_text_document(uri).version,
            "characters": len(text),
            "lines": len(LineIndex(text).lines),
            "sha256": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
            "positionEncoding": ls.conv.encoding,
            "analysed": path not in ls.oversized,
            "lintedOnSaveOnly": path in ls.slow,
            # A change could not be applied: the text above is not the editor's.
            "outOfSync": uri in getattr(ls.protocol, "out_of_sync", ()),
        }


def server_info(ls: MilestoneServer) -> dict[str, Any]:
    """The answer of ``milestone-lsp.serverInfo``."""
    return {
        "version": __version__,
        "root": str(ls.root) if ls.root is not None else None,
        "positionEncoding": ls.conv.encoding,
        "configFile": str(ls.config_path) if ls.config_path is not None else None,
        "editorSettings": list(ls.editor_keys),
        "diagnostics": "pull" if ls.pull_mode else "push",
        "indexedDocuments": len(ls.projects),
        # What the server keeps per open document: all 0 once every document is closed.
        "openDocumentState": {
            "open": len(ls.open_uris),
            "texts": len(ls.workspace.text_documents),
            "pending": len(ls.pending),
            "outOfSync": len(getattr(ls.protocol, "out_of_sync", ())),
            "slow": len(ls.slow),
            **diagnostics.kept(ls),
        },
    }


async def watch_files(ls: MilestoneServer) -> None:
    """Ask the client to report changes to markdown and config files, where it allows that."""
    if not ls.capability("workspace", "did_change_watched_files", "dynamic_registration"):
        return
    watchers = [
        lsp.FileSystemWatcher(glob_pattern=pattern)
        for pattern in ("**/*.md", "**/*.markdown", *(f"**/{name}" for name in SETTINGS_FILES))
    ]
    try:
        await asyncio.wait_for(
            ls.client_register_capability_async(
                lsp.RegistrationParams(
                    registrations=[
                        lsp.Registration(
                            id="milestone-lsp-watch",
                            method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=lsp.DidChangeWatchedFilesRegistrationOptions(
                                watchers=watchers
                            ),
                        )
                    ]
                )
            ),
            timeout=5,
        )
        ls.watching = True
    except Exception as exc:
        log.warning("cannot register file watchers: %s", exc)
