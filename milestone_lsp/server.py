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
import gc
import hashlib
import inspect
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from urllib.parse import unquote

from cattrs import transform_error
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from milestone_lsp import __version__
from milestone_lsp.convert import Converter, encoding_of, path_to_uri, uri_to_path
from milestone_lsp.core.files import MARKDOWN_SUFFIXES, discover, read_text
from milestone_lsp.core.positions import LineIndex, PositionEncoding, line_index
from milestone_lsp.core.workspace import Workspace

if TYPE_CHECKING:
    # Imported when first used, not at start-up: the settings model (pydantic) and the parser
    # (markdown-it) cost ~0.15 s that `initialize` need not wait for.
    from milestone_lsp.config import Config
    from milestone_lsp.core.findings import Finding
    from milestone_lsp.core.model import Document

# The names of config files whose change reloads the settings (config.CONFIG_FILE_NAME too).
SETTINGS_FILES = (".milestone-lsp.toml", "pyproject.toml")
# Answers what the server holds for one document (version, size, SHA-256 of the text), so a
# user can check that the editor and the server agree on a buffer's text.
DOCUMENT_STATE = "milestone-lsp.documentState"

log = logging.getLogger("milestone_lsp.server")

P = ParamSpec("P")
R = TypeVar("R")


class QuietWriter:
    """pygls' writer, silent once the client has gone.

    An editor that quits (Neovim's ``:qa``) closes the pipes while answers may still be on their
    way; every later write would log a BrokenPipeError traceback. The first failed write is
    logged once, and the rest are dropped until stdin ends and the server exits.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.gone = False

    def close(self) -> Any:
        """Close the underlying stream (already closed is fine)."""
        with contextlib.suppress(OSError, ValueError):
            return self.inner.close()
        return None

    def write(self, data: bytes) -> Any:
        """Write ``data``, or drop it once the client has closed the connection."""
        if self.gone:
            return None
        try:
            return self.inner.write(data)
        except (BrokenPipeError, ConnectionResetError, ValueError) as exc:
            self.gone = True
            log.info("the client closed the connection (%s): no more output", exc)
            if isinstance(self.inner, StdoutWriter):
                # Unflushed bytes would make the interpreter complain again at exit.
                with contextlib.suppress(OSError):
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return None


# Writes of pre-serialised messages still in flight on an asynchronous transport.
_writes: set[asyncio.Future[Any]] = set()


class MilestoneProtocol(LanguageServerProtocol):
    """The protocol, preferring UTF-8 positions whenever the client offers them."""

    def set_writer(self, writer: Any, include_headers: bool = True) -> None:
        """Send through a :class:`QuietWriter`."""
        super().set_writer(QuietWriter(writer), include_headers)

    def _send_data(self, data: Any) -> None:
        """Write a message whose params or result is already JSON (``Encoded``) as it is."""
        from milestone_lsp.features.encoded import Encoded, message

        payload = getattr(data, "params" if hasattr(data, "method") else "result", None)
        if not isinstance(payload, Encoded) or self.writer is None:
            super()._send_data(data)
            return
        body = message(data, payload)
        if self._include_headers:
            body = (
                f"Content-Length: {len(body)}\r\n"
                f"Content-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n{body}"
            )
        written = self.writer.write(body.encode(self.CHARSET))
        if inspect.isawaitable(written):
            task = asyncio.ensure_future(written)
            _writes.add(task)
            task.add_done_callback(_writes.discard)

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

    def structure_message(self, data: dict[str, Any]) -> Any:
        """Decode one incoming message; answer a request whose parameters are invalid.

        pygls drops a message it cannot decode (a negative line number, say) without a word,
        and a client then waits for that answer forever. Here a request gets an InvalidParams
        error naming the bad fields, a notification is reported in the log, and the message is
        then ignored.
        """
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            method = data.get("method")
            if not isinstance(method, str):
                raise
            cause = exc.__cause__
            where = "; ".join(transform_error(cause)) if cause is not None else exc.message
            message = (
                f"{method}: invalid parameters ({where}). Positions, lines and characters "
                "must be whole numbers >= 0; fix the request and send it again"
            )
            log.warning(message)
            if "id" in data:
                self._send_response(
                    data["id"], error=lsp.ResponseError(code=exc.code, message=message)
                )
            else:
                self.notify(
                    lsp.WINDOW_LOG_MESSAGE,
                    lsp.LogMessageParams(type=lsp.MessageType.Warning, message=message),
                )
            # Not "2.0": handle_message skips it (with a debug-level note) instead of failing.
            return lsp.LogMessageNotification(
                params=lsp.LogMessageParams(type=lsp.MessageType.Log, message=message),
                jsonrpc="ignored",
            )

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: lsp.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        """Apply incremental changes with LSP's own line and column rules, then call the handler.

        pygls' built-in version splits lines with :meth:`str.splitlines` (form feeds, U+2028 and
        other characters that LSP does not count as line ends) and can land between the ``\r``
        and ``\n`` of a CRLF pair, so the server's text drifts from the editor's.
        A change for a document that was never opened is reported and ignored.
        """
        uri = params.text_document.uri
        documents = self.workspace.text_documents
        key = next((k for k in (uri, unquote(uri)) if k in documents), None)
        if key is None:
            message = (
                f"didChange for {uri}, which is not open: ignored. The editor must send "
                "textDocument/didOpen before changing a document."
            )
            log.warning(message)
            self.notify(
                lsp.WINDOW_LOG_MESSAGE,
                lsp.LogMessageParams(type=lsp.MessageType.Warning, message=message),
            )
            return
        current = documents[key]
        text = current.source
        encoding = encoding_of(self.workspace.position_encoding)
        for change in params.content_changes:
            text = apply_content_change(text, change, encoding)
        # The same TextDocument object, with the new text: caches keyed on it stay valid.
        current.apply_change(lsp.TextDocumentContentChangeWholeDocument(text=text))
        current.version = params.text_document.version
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None


def apply_content_change(
    text: str, change: lsp.TextDocumentContentChangeEvent, encoding: PositionEncoding
) -> str:
    """``text`` after one didChange content change, positions in the negotiated encoding.

    Positions follow the LSP rules: lines end at ``\n``, ``\r\n`` or ``\r``; a column past
    the end of its line means the end of the line (never inside a CRLF pair); a line past the
    end means the end of the document; a column inside a character (half a surrogate pair)
    means the start of that character. A range given end-first is read start-first.
    """
    if not isinstance(change, lsp.TextDocumentContentChangePartial):
        return change.text
    index = line_index(text)  # usually built already, for the diagnostics of this text
    rng = change.range
    start = index.offset(index.from_encoding(rng.start.line, rng.start.character, encoding))
    end = index.offset(index.from_encoding(rng.end.line, rng.end.character, encoding))
    if end < start:
        start, end = end, start
    return text[:start] + change.text + text[end:]


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
        # The scheduled re-evaluation of open documents after a cross-file change, if any.
        self.dependents_task: asyncio.Task[None] | None = None
        self.pull_mode = False
        self.watching = False
        self.indexed = asyncio.Event()
        self.disk_mtimes: dict[str, float] = {}
        self._indexes: dict[str, tuple[str, LineIndex]] = {}
        self._shown_errors: set[str] = set()
        # Findings per path with the (document, workspace version, config) they were made for.
        self.findings_cache: dict[str, tuple[tuple[Document, int, Config], list[Finding]]] = {}
        # Documents not analysed because they are above max_file_size: path -> size in bytes.
        self.oversized: dict[str, int] = {}
        # Open documents whose analysis took longer than request_time_budget_ms: path -> ms.
        # They are re-analysed on save only, until an analysis fits the budget again.
        self.slow: dict[str, int] = {}
        # Paths of such documents changed since they were last parsed.
        self.unparsed: set[str] = set()

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
        index = line_index(doc.text)  # shared with the rules and the next didChange
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
        """The parsed document of an open or indexed URI (parsed now if changes are pending)."""
        path = uri_to_path(uri)
        if path in self.unparsed and uri in self.open_uris:
            # Over the time budget, changes are parsed when a feature needs the document, so
            # that its answers (and fixes) always match the editor's text.
            self.update_open(uri)
        return self.model.get(path)

    def update_open(self, uri: str) -> Document:
        """Re-parse an open document from the editor's text (an empty one above the size limit)."""
        from milestone_lsp.core.parser import parse

        text = self.workspace.get_text_document(uri).source
        path = uri_to_path(uri)
        self.unparsed.discard(path)
        known = self.model.get(path)
        limit = self.config.max_file_size
        size = len(text) if limit <= 0 or len(text) * 4 <= limit else len(text.encode("utf-8"))
        if 0 < limit < size:
            # Above the limit the document is not parsed at all: its findings are one MS902.
            self.oversized[path] = size
            if known is not None and known.text == "":
                return known
            doc = parse("", path)
        else:
            self.oversized.pop(path, None)
            if known is not None and known.text == text:
                return known  # didSave, or a change that restored the text: nothing to parse
            started = time.perf_counter()
            doc = parse(text, path)
            self.note_analysis_time(path, time.perf_counter() - started)
        self.model.add(doc)
        return doc

    def note_analysis_time(self, path: str, seconds: float) -> None:
        """Record how long analysing ``path`` took; over the budget it is linted on save only."""
        budget = self.config.request_time_budget_ms
        if budget > 0 and seconds * 1000 > budget:
            spent = max(budget + 1, round(seconds * 1000))
            self.slow[path] = max(spent, self.slow.get(path, 0))

    def analysis_limit(self, path: str) -> Finding | None:
        """The MS902 finding of a document skipped for its size, if it was."""
        from milestone_lsp.rules.meta import analysis_limit_finding

        size = self.oversized.get(path)
        if size is None:
            return None
        return analysis_limit_finding(path, size, self.config.max_file_size)

    def over_budget(self, path: str) -> Finding | None:
        """The MS902 finding of a document whose analysis took longer than the time budget."""
        from milestone_lsp.rules.meta import time_limit_finding

        spent = self.slow.get(path)
        if spent is None:
            return None
        return time_limit_finding(path, spent, self.config.request_time_budget_ms)

    def may_read(self, path: str) -> bool:
        """Whether the server may read ``path`` from disk: a markdown file below a workspace root.

        Symlinks are resolved first, so a link inside the workspace that points elsewhere is
        refused like the place it points to.
        """
        if not path.lower().endswith(MARKDOWN_SUFFIXES):
            return False
        roots = [self.root] if self.root is not None else []
        with contextlib.suppress(RuntimeError):
            roots += [Path(uri_to_path(f.uri)) for f in self.workspace.folders.values()]
        try:
            real = Path(path).resolve()
            return any(real.is_relative_to(root.resolve()) for root in roots)
        except (OSError, RuntimeError, ValueError):
            return False

    def read_from_disk(self, path: str) -> bool:
        """(Re-)read a file that is not open; ``True`` when the model changed."""
        if path_to_uri(path) in self.open_uris:
            return False
        p = Path(path)
        if not self.may_read(path):
            return False
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
            if result.oversize is not None:
                self.oversized[path] = result.oversize
            elif result.error is not None:
                self.log_info(f"{path} not read: {result.error}", lsp.MessageType.Log)
            if self.model.get(path) is not None:
                # The file became unreadable: forget its old text rather than keep stale data.
                self.model.remove(path)
                self.disk_mtimes.pop(path, None)
                return True
            return False
        from milestone_lsp.core.parser import parse

        self.oversized.pop(path, None)
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
        # The size limit may have changed: open documents are re-measured against it.
        for uri in sorted(self.open_uris):
            with contextlib.suppress(Exception):
                self.update_open(uri)
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
            for skipped, why in found.skipped:
                self.log_info(f"{skipped} not read: {why}", lsp.MessageType.Log)
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


def _failed() -> dict[str, Any]:
    return {"error": "the command failed; see the server log"}


def create_server() -> MilestoneServer:
    """A server with every feature registered."""
    from milestone_lsp.features import (
        actions,
        commands,
        completion,
        diagnostics,
        history,
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
        history.schedule(ls)  # MS602 needs the git history: read it in the background

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
        path = uri_to_path(uri)
        if path in ls.slow:
            # Over the time budget: linted on save; parsed when a feature asks for it.
            ls.unparsed.add(path)
            return
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
        if uri in ls.open_uris and path in ls.slow:
            ls.slow.pop(path, None)  # measure again: the budget or the file may have changed
            ls.update_open(uri)
        if not ls.watching:
            ls.refresh_from_disk()
        await diagnostics.document_changed(ls, uri, immediate=True)
        history.schedule(ls)  # a commit may have followed the save

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
        ls.oversized.pop(path, None)
        ls.slow.pop(path, None)
        ls.unparsed.discard(path)
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
        history.schedule(ls)

    @server.command(DOCUMENT_STATE)
    @guarded(_failed)
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
        }

    diagnostics.register(server)
    actions.register(server)
    hover.register(server)
    symbols.register(server)
    navigation.register(server)
    completion.register(server)
    lens.register(server)
    commands.register(server)
    history.register(server)
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


class ClientMistakes(logging.Filter):
    """Keep pygls' tracebacks for our bugs, not for requests the client got wrong.

    pygls logs every error answer with a traceback at ERROR level, and every message it cannot
    decode twice. A command called with wrong arguments (InvalidParams raised on purpose) or a
    request with a negative position (answered by :meth:`MilestoneProtocol.structure_message`,
    which logs its own one-line warning) is the client's mistake: one INFO line, or nothing.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Shorten or drop a record about a client mistake; keep every other record."""
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, JsonRpcInvalidParams):
            if not logging.getLogger().isEnabledFor(logging.INFO):
                return False
            record.msg, record.args = f"{record.getMessage()}: {error.message}", ()
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.INFO, "INFO"
            return True
        text = str(record.msg)
        return not (
            text.startswith("Unable to deserialize message")
            or (text.startswith("Unknown message") and "jsonrpc='ignored'" in record.getMessage())
        )


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
) -> int:
    """Run the server over stdio (default), TCP or WebSocket."""
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
        server.start_io()
    return 0
