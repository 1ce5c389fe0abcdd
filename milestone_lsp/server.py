"""The language server: document state, configuration, indexing, and every LSP feature's handler.

Handlers are a few lines each: fetch the document, call the feature glue in
:mod:`milestone_lsp.features` (which calls the pure core), return the result. Every handler is
wrapped by :func:`guarded`, so an unexpected exception is logged and answered with an empty result
instead of taking the server down.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import time
from collections.abc import Awaitable, Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from milestone_lsp import __version__
from milestone_lsp.convert import Converter, encoding_of, path_to_uri, uri_to_path
from milestone_lsp.core.files import MARKDOWN_SUFFIXES, discover, read_text
from milestone_lsp.core.positions import LineIndex
from milestone_lsp.core.workspace import Workspace

if TYPE_CHECKING:
    # Imported when first used, not at start-up: the settings model (pydantic) and the parser
    # (markdown-it) cost ~0.15 s that `initialize` need not wait for.
    from milestone_lsp.config import Config
    from milestone_lsp.core.findings import Finding
    from milestone_lsp.core.model import Document

# The names of config files whose change reloads the settings (config.CONFIG_FILE_NAME too).
SETTINGS_FILES = (".milestone-lsp.toml", "pyproject.toml")

log = logging.getLogger("milestone_lsp.server")

P = ParamSpec("P")
R = TypeVar("R")


class MilestoneProtocol(LanguageServerProtocol):
    """The protocol, preferring UTF-8 positions whenever the client offers them."""

    @lsp_method(lsp.INITIALIZE)
    def lsp_initialize(
        self, params: lsp.InitializeParams
    ) -> Generator[Any, Any, lsp.InitializeResult]:
        """Put UTF-8 first among the client's encodings (no conversion cost), then initialize."""
        general = params.capabilities.general
        offered = list(general.position_encodings or []) if general is not None else []
        if general is not None and lsp.PositionEncodingKind.Utf8 in offered:
            offered.remove(lsp.PositionEncodingKind.Utf8)
            general.position_encodings = [lsp.PositionEncodingKind.Utf8, *offered]
        result: lsp.InitializeResult = yield from super().lsp_initialize(params)
        return result


class MilestoneServer(LanguageServer):
    """milestone-lsp's server state: the parsed workspace, settings and open documents."""

    def __init__(self) -> None:
        super().__init__(
            "milestone-lsp",
            __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
            protocol_cls=MilestoneProtocol,
        )
        self.model = Workspace()
        self._config: Config | None = None
        self.config_path: Path | None = None
        self.root: Path | None = None
        self.init_settings: Any = None
        self.client_settings: Any = None
        self.open_uris: set[str] = set()
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.pull_mode = False
        self.watching = False
        self.indexed = asyncio.Event()
        self.disk_mtimes: dict[str, float] = {}
        self._indexes: dict[str, tuple[str, LineIndex]] = {}
        self._shown_errors: set[str] = set()
        # Findings per path with the (document, workspace version, config) they were made for.
        self.findings_cache: dict[str, tuple[tuple[Document, int, Config], list[Finding]]] = {}

    @property
    def config(self) -> Config:
        """The effective settings (defaults until the first reload)."""
        if self._config is None:
            from milestone_lsp.config import Config

            self._config = Config()
        return self._config

    @config.setter
    def config(self, value: Config) -> None:
        self._config = value

    # -- capabilities --------------------------------------------------------------------------

    @property
    def conv(self) -> Converter:
        """The converter for the negotiated position encoding."""
        try:
            return Converter(encoding_of(self.workspace.position_encoding))
        except RuntimeError:
            return Converter()

    def capability(self, *path: str) -> Any:
        """A nested client capability (``None`` when absent)."""
        value: Any = self.client_capabilities
        for part in path:
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    # -- documents -----------------------------------------------------------------------------

    def index_for(self, path: str) -> LineIndex | None:
        """A line index of the current text of ``path`` (cached per text)."""
        doc = self.model.get(path)
        if doc is None:
            return None
        cached = self._indexes.get(path)
        if cached is not None and cached[0] is doc.text:
            return cached[1]
        index = LineIndex(doc.text)
        self._indexes[path] = (doc.text, index)
        return index

    def version_for(self, path: str) -> int | None:
        """The editor's version of an open document."""
        uri = path_to_uri(path)
        if uri not in self.open_uris:
            return None
        return self.workspace.get_text_document(uri).version

    def exists(self, path: str) -> bool:
        """Whether ``path`` is a known document or a file on disk."""
        return self.model.get(path) is not None or Path(path).exists()

    def document(self, uri: str) -> Document | None:
        """The parsed document of an open or indexed URI."""
        return self.model.get(uri_to_path(uri))

    def update_open(self, uri: str) -> Document:
        """Re-parse an open document from the editor's text."""
        from milestone_lsp.core.parser import parse

        text = self.workspace.get_text_document(uri).source
        path = uri_to_path(uri)
        known = self.model.get(path)
        if known is not None and known.text == text:
            return known  # didSave, or a change that restored the text: nothing to re-parse
        doc = parse(text, path)
        self.model.add(doc)
        return doc

    def read_from_disk(self, path: str) -> bool:
        """(Re-)read a file that is not open; ``True`` when the model changed."""
        if path_to_uri(path) in self.open_uris:
            return False
        p = Path(path)
        try:
            mtime = p.stat().st_mtime
        except OSError:
            if self.model.get(path) is not None:
                self.model.remove(path)
                self.disk_mtimes.pop(path, None)
                return True
            return False
        if self.disk_mtimes.get(path) == mtime and self.model.get(path) is not None:
            return False
        result = read_text(p, self.config.max_file_size or None)
        if result.text is None:
            return False
        from milestone_lsp.core.parser import parse

        self.disk_mtimes[path] = mtime
        self.model.add(parse(result.text, path))
        return True

    def refresh_from_disk(self) -> bool:
        """Re-read every indexed file that changed on disk (when files cannot be watched)."""
        changed = False
        for path in list(self.disk_mtimes):
            changed |= self.read_from_disk(path)
        return changed

    def display_path(self, path: str) -> str:
        """The path relative to the workspace root (for include/exclude globs)."""
        if self.root is not None:
            try:
                return Path(path).resolve().relative_to(self.root.resolve()).as_posix()
            except (ValueError, OSError):
                pass
        return Path(path).name

    # -- configuration -------------------------------------------------------------------------

    async def reload_config(self) -> None:
        """Merge initializationOptions, workspace/configuration and the config file (file wins)."""
        from milestone_lsp.config import (
            EDITOR_SECTION,
            ConfigError,
            load_config,
            unknown_rule_errors,
        )

        settings: dict[str, Any] = {}
        for source in (self.init_settings, self.client_settings):
            if isinstance(source, dict):
                inner = source.get(EDITOR_SECTION)
                settings.update(inner if isinstance(inner, dict) else source)
        if self.capability("workspace", "configuration"):
            try:
                result = await asyncio.wait_for(
                    self.workspace_configuration_async(
                        lsp.ConfigurationParams(
                            items=[lsp.ConfigurationItem(section=EDITOR_SECTION)]
                        )
                    ),
                    timeout=5,
                )
                if result and isinstance(result[0], dict):
                    settings.update(result[0])
            except Exception as exc:  # the client may not answer: keep what we have
                log.warning("workspace/configuration failed: %s", exc)
        start = self.root or Path.cwd()
        loaded = load_config(start, settings or None)
        self.log_info(
            f"settings read: editor keys {sorted(settings)}, file {loaded.path}",
            lsp.MessageType.Log,
        )
        errors: list[ConfigError] = list(loaded.errors)
        try:
            from milestone_lsp.rules.registry import all_rules

            rules = all_rules()
            errors += unknown_rule_errors(loaded, [r.code for r in rules], [r.name for r in rules])
        except Exception:
            log.exception("cannot load the rule catalogue")
        self.config = loaded.config
        self.config_path = loaded.path
        for error in errors:
            message = f"milestone-lsp settings: {error.key}: {error.problem}"
            if error.file:
                message += f" ({error.file})"
            self.log_info(message, lsp.MessageType.Warning)
            if message not in self._shown_errors:
                self._shown_errors.add(message)
                self.window_show_message(
                    lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=message)
                )

    # -- workspace indexing --------------------------------------------------------------------

    async def index_workspace(self) -> None:
        """Parse every markdown file below the root, reporting $/progress."""
        try:
            if self.root is None or not self.root.is_dir():
                return
            found = await asyncio.get_running_loop().run_in_executor(
                None, discover, [self.root], self.root
            )
            token: str | None = None
            if self.capability("window", "work_done_progress"):
                token = f"milestone-lsp-index-{os.getpid()}-{time.monotonic_ns()}"
                try:
                    await asyncio.wait_for(self.work_done_progress.create_async(token), 5)
                    self.work_done_progress.begin(
                        token,
                        lsp.WorkDoneProgressBegin(
                            title="milestone-lsp: indexing", percentage=0, cancellable=False
                        ),
                    )
                except Exception:
                    token = None
            total = len(found.files)
            for n, path in enumerate(found.files, 1):
                self.read_from_disk(str(path))
                if token is not None and (n % 20 == 0 or n == total):
                    self.work_done_progress.report(
                        token,
                        lsp.WorkDoneProgressReport(
                            message=f"{n}/{total} files", percentage=int(100 * n / total)
                        ),
                    )
                if n % 50 == 0:
                    await asyncio.sleep(0)
            if token is not None:
                self.work_done_progress.end(
                    token, lsp.WorkDoneProgressEnd(message=f"indexed {total} files")
                )
            self.log_info(f"indexed {total} markdown files below {self.root}")
        except Exception:
            log.exception("indexing failed")
        finally:
            self.indexed.set()

    async def ready(self) -> None:
        """Wait (briefly) until the initial indexing is done."""
        if not self.indexed.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.indexed.wait(), timeout=30)

    # -- messages ------------------------------------------------------------------------------

    def log_info(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        """``window/logMessage`` and the log file."""
        log.info(message)
        with contextlib.suppress(Exception):  # no client attached (unit use)
            self.window_log_message(lsp.LogMessageParams(type=kind, message=message))


def guarded(
    default: Callable[[], R],
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Catch and log every exception of a handler; answer with ``default()`` instead.

    JSON-RPC errors raised on purpose (wrong command arguments) still reach the client.
    """

    def decorate(func: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(func)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return await func(*args, **kwargs)
            except JsonRpcException:
                raise
            except Exception as exc:
                log.exception("%s failed", func.__name__)
                server = args[0] if args else None
                if isinstance(server, MilestoneServer):
                    server.log_info(
                        f"{func.__name__} failed: {type(exc).__name__}: {exc}",
                        lsp.MessageType.Error,
                    )
                return default()

        return wrapper

    return decorate


def _none() -> None:
    return None


def _empty() -> list[Any]:
    return []


def create_server() -> MilestoneServer:
    """A server with every feature registered."""
    from milestone_lsp.features import (
        actions,
        commands,
        completion,
        diagnostics,
        hover,
        lens,
        navigation,
        symbols,
    )

    server = MilestoneServer()

    @server.feature(lsp.INITIALIZE)
    @guarded(_none)
    async def initialize(ls: MilestoneServer, params: lsp.InitializeParams) -> None:
        root = params.root_path or (uri_to_path(params.root_uri) if params.root_uri else None)
        if root is None and params.workspace_folders:
            root = uri_to_path(params.workspace_folders[0].uri)
        ls.root = Path(root) if root else None
        ls.init_settings = params.initialization_options
        ls.pull_mode = diagnostics.use_pull(ls)
        if ls.pull_mode:
            diagnostics.register_pull(ls)

    @server.feature(lsp.INITIALIZED)
    @guarded(_none)
    async def initialized(ls: MilestoneServer, params: lsp.InitializedParams) -> None:
        ls.log_info(
            f"milestone-lsp {__version__}: root {ls.root}, positions {ls.conv.encoding}, "
            f"{'pull' if ls.pull_mode else 'push'} diagnostics"
        )
        await ls.reload_config()
        await watch_files(ls)
        await ls.index_workspace()
        await diagnostics.publish_all(ls)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    @guarded(_none)
    async def did_open(ls: MilestoneServer, params: lsp.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.open_uris.add(uri)
        ls.update_open(uri)
        if not ls.watching:
            ls.refresh_from_disk()
        await diagnostics.document_changed(ls, uri, immediate=True)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    @guarded(_none)
    async def did_change(ls: MilestoneServer, params: lsp.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.update_open(uri)
        if ls.config.lint_on == "change":
            await diagnostics.document_changed(ls, uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    @guarded(_none)
    async def did_save(ls: MilestoneServer, params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = uri_to_path(uri)
        if Path(path).name in SETTINGS_FILES:
            await ls.reload_config()
            await diagnostics.publish_all(ls)
            return
        if not ls.watching:
            ls.refresh_from_disk()
        await diagnostics.document_changed(ls, uri, immediate=True)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    @guarded(_none)
    async def did_close(ls: MilestoneServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.open_uris.discard(uri)
        task = ls.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        path = uri_to_path(uri)
        # The file on disk is the truth again (or the document is gone, if it was never saved).
        ls.model.remove(path)
        ls.disk_mtimes.pop(path, None)
        ls.read_from_disk(path)
        if not ls.pull_mode:
            ls.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )
        await diagnostics.dependents_changed(ls)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    @guarded(_none)
    async def did_change_configuration(
        ls: MilestoneServer, params: lsp.DidChangeConfigurationParams
    ) -> None:
        settings = params.settings
        if isinstance(settings, dict) and settings:
            ls.client_settings = settings
        await ls.reload_config()
        await diagnostics.publish_all(ls)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded(_none)
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
                    ls.model.remove(path)
                    ls.disk_mtimes.pop(path, None)
            else:
                ls.disk_mtimes.pop(path, None)
                ls.read_from_disk(path)
        if config_changed:
            await ls.reload_config()
        await diagnostics.publish_all(ls)

    diagnostics.register(server)
    actions.register(server)
    hover.register(server)
    symbols.register(server)
    navigation.register(server)
    completion.register(server)
    lens.register(server)
    commands.register(server)
    return server


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


def setup_logging(log_file: str | None, level: str) -> None:
    """Log to a file (never to stdout, which carries the protocol) or to stderr."""
    handler: logging.Handler = (
        logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler()
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
) -> int:
    """Run the server over stdio (default), TCP or WebSocket."""
    setup_logging(log_file, log_level)
    server = create_server()
    if tcp:
        server.start_tcp(host, port)
    elif ws:
        server.start_ws(host, port)
    else:
        server.start_io()
    return 0
