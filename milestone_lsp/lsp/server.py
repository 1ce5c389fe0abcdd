"""The language server: creates the server, registers every feature, runs it.

This module only wires things together. The state and the interface features use live in
:mod:`milestone_lsp.lsp.state`, the adaptations of pygls internals in
:mod:`milestone_lsp.lsp.protocol`, and each feature in a module of its own
(:mod:`milestone_lsp.lsp.hover`, ``.diagnostics``, ...). Every handler is wrapped by
:func:`~milestone_lsp.lsp.state.guarded`, so an unexpected exception is logged and answered
with an empty result instead of taking the server down.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path

from lsprotocol import types as lsp

from milestone_lsp import __version__
from milestone_lsp.lsp import (
    actions,
    catalogue,
    commands,
    completion,
    diagnostics,
    documents,
    files,
    history,
    hover,
    lens,
    links,
    navigation,
    symbols,
)
from milestone_lsp.lsp.convert import uri_to_path
from milestone_lsp.lsp.documents import watch_files
from milestone_lsp.lsp.protocol import DEFAULT_MAX_MESSAGE_SIZE, ClientMistakes, serve_stdio
from milestone_lsp.lsp.state import MilestoneServer, guarded, none


def create_server() -> MilestoneServer:
    """A server with every feature registered."""
    server = MilestoneServer()

    @server.feature(lsp.INITIALIZE)
    @guarded(none)
    async def initialize(ls: MilestoneServer, params: lsp.InitializeParams) -> None:
        folders = [Path(uri_to_path(f.uri)) for f in params.workspace_folders or []]
        root = params.root_path or (uri_to_path(params.root_uri) if params.root_uri else None)
        if not folders and root:
            folders = [Path(root)]
        # Each workspace folder is a boundary that projects are found within.
        ls.folders = [f.resolve() for f in folders if f.is_absolute()]
        ls.root = ls.folders[0] if ls.folders else None
        ls.init_settings = params.initialization_options
        ls.pull_mode = diagnostics.use_pull(ls)
        if ls.pull_mode:
            diagnostics.register_pull(ls)

    @server.feature(lsp.INITIALIZED)
    @guarded(none)
    async def initialized(ls: MilestoneServer, params: lsp.InitializedParams) -> None:
        ls.log_info(
            f"milestone-lsp {__version__}: root {ls.root}, positions {ls.conv.encoding}, "
            f"{'pull' if ls.pull_mode else 'push'} diagnostics"
        )
        await ls.reload_config()
        await watch_files(ls)
        await ls.index_workspace()
        await diagnostics.publish_all(ls)
        history.schedule(ls)  # MS602 needs the git history: read it in the background

    documents.register(server)
    diagnostics.register(server)
    actions.register(server)
    hover.register(server)
    symbols.register(server)
    navigation.register(server)
    completion.register(server)
    lens.register(server)
    commands.register(server)
    history.register(server)
    links.register(server)
    files.register(server)
    catalogue.register(server)
    return server


def setup_logging(log_file: str | None, level: str) -> None:
    """Log to a file (never to stdout, which carries the protocol) or to stderr."""
    handler: logging.Handler = (
        logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler()
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ClientMistakes())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))


def main(
    *,
    tcp: bool = False,
    ws: bool = False,
    host: str = "127.0.0.1",
    port: int = 2087,
    log_file: str | None = None,
    log_level: str = "warning",
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
) -> int:
    """Run the server over stdio (default), TCP or WebSocket; the exit code."""
    setup_logging(log_file, log_level)
    server = create_server()
    # Start-up objects (protocol types, handlers) live as long as the process: take them out
    # of the collector's generations so that no collection scans them again.
    gc.enable()
    gc.freeze()
    if tcp:
        server.start_tcp(host, port)
    elif ws:
        server.start_ws(host, port)
    else:
        return serve_stdio(server, max_message_size)
    return 0
