"""The server's state: documents, the parsed workspace, settings, indexing — and the
interface every feature module depends on.

Feature modules (:mod:`milestone_lsp.lsp.hover`, ``.diagnostics``, ...) import
:class:`MilestoneServer` and :func:`guarded` from here, never from
:mod:`milestone_lsp.lsp.server`, which imports them to register their handlers: imports point
one way.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, cast

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from milestone_lsp import __version__
from milestone_lsp.core.files import MARKDOWN_SUFFIXES, discover, read_text
from milestone_lsp.core.positions import LineIndex, line_index
from milestone_lsp.core.projects import ProjectLayout, Projects, is_status_file
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.lsp import deferred
from milestone_lsp.lsp.convert import Converter, encoding_of, path_to_uri, uri_to_path
from milestone_lsp.lsp.protocol import MilestoneProtocol

if TYPE_CHECKING:
    from milestone_lsp.core.findings import Finding
    from milestone_lsp.core.model import Document
    from milestone_lsp.settings.config import Config, ConfigError

log = logging.getLogger("milestone_lsp.lsp.server")

# Seconds an analysis running off the event loop waits, at one point between its rules, for
# the handlers running on the loop (see MilestoneServer.give_way).
GIVE_WAY_FOR = 1.0

P = ParamSpec("P")
R = TypeVar("R")


class MilestoneServer(LanguageServer):
    """milestone-lsp's server state: the parsed workspace, settings and open documents."""

    def __init__(self) -> None:
        super().__init__(
            "milestone-lsp",
            __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
            protocol_cls=MilestoneProtocol,
        )
        # One workspace per project (core/projects.py): no cross-file fact crosses projects.
        self.projects = Projects(ProjectLayout([], []))
        # The editor's workspace folders, the boundaries projects are found within.
        self.folders: list[Path] = []
        self._config: Config | None = None
        self.config_path: Path | None = None
        # The first workspace folder (git history, relative paths in logs and reports).
        self.root: Path | None = None
        # The editor's settings (merged), and each project's settings read with them.
        self.editor_settings: dict[str, Any] = {}
        self._project_configs: dict[Path, Config] = {}
        # While indexing: documents arrive in bulk and the layout was made from the file list.
        self._bulk = False
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
        # Findings per path with the (document, project workspace, its version, settings) they
        # were made for.
        self.findings_cache: dict[
            str, tuple[tuple[Document, Workspace, int, Config], list[Finding]]
        ] = {}
        # The analysis of each document running off the event loop, with the state it is of.
        self.in_flight: dict[
            str,
            tuple[
                tuple[Document, Workspace, int, Config],
                asyncio.Future[tuple[list[Finding], float] | None],
            ],
        ] = {}
        # Seconds the last analysis of each document took.
        self.analysis_seconds: dict[str, float] = {}
        # One analysis at a time (the engine keeps per-section results between analyses).
        self.check_lock = threading.RLock()
        # How many handlers are running a step on the event loop right now (not while they
        # await), and how many times the loop waits for ``check_lock``: an analysis running
        # off the loop gives way to the first (see ``give_way``), never to the second.
        self.stepping = 0
        self.lock_wanted = 0
        # Documents not analysed because they are above max_file_size: path -> size in bytes.
        self.oversized: dict[str, int] = {}
        # Open documents whose analysis took longer than request_time_budget_ms: path -> ms.
        # They are re-analysed on save only, until an analysis fits the budget again.
        self.slow: dict[str, int] = {}
        # Paths of such documents changed since they were last parsed.
        self.unparsed: set[str] = set()
        # Documents opened and not yet checked since: their first parse and check start from
        # empty caches, a one-off cost of opening that the budget (which is about the cost of
        # an edit) does not count.
        self.opening: set[str] = set()
        # The config file whose MS903 findings were published last, if any.
        self.config_diagnostics_uri: str | None = None
        # The settings keys the editor sent (initializationOptions, workspace/configuration).
        self.editor_keys: list[str] = []

    @property
    def config(self) -> Config:
        """The settings of the first workspace folder (defaults until the first reload).

        They govern what the server does as a whole — when to lint, size and time limits; what
        a document's rules say follows its own project's settings (:meth:`config_for`).
        """
        if self._config is None:
            self._config = deferred.config.Config()
        return self._config

    @config.setter
    def config(self, value: Config) -> None:
        self._config = value

    # -- projects ------------------------------------------------------------------------------

    def workspace_for(self, path: str) -> Workspace:
        """The workspace of the project ``path`` belongs to."""
        return self.projects.workspace_for(path)

    def config_for(self, path: str) -> Config:
        """The settings of the project ``path`` belongs to (its config file, then the editor's)."""
        root = self.projects.root_for(path)
        found = self._project_configs.get(root)
        if found is None:
            if self.root is not None and root == self.root.resolve():
                found = self.config
            else:
                loaded = deferred.config.load_config(root, self.editor_settings or None)
                self._report_settings_errors(list(loaded.errors))
                found = loaded.config
            self._project_configs[root] = found
        return found

    def default_workspace(self) -> Workspace:
        """The project a request names no document of is about: the first project of the first
        workspace folder that has a STATUS document, else the project of that folder."""
        for root in sorted(self.projects.workspaces):
            ws = self.projects.workspaces[root]
            if ws.status_documents() and (self.root is None or root.is_relative_to(self.root)):
                return ws
        anchor = self.root / "STATUS.md" if self.root is not None else Path("STATUS.md")
        return self.projects.workspace_for(str(anchor))

    def project_roots(self, paths: list[Path]) -> set[Path]:
        """The folders among those of ``paths`` (up to their boundary) that are projects."""
        memo: dict[Path, bool] = {}
        layout = ProjectLayout(self.folders, ())
        roots: set[Path] = set()
        for path in paths:
            if not path.is_absolute():
                continue  # an untitled buffer: a project of its own
            if is_status_file(path.name):
                roots.add(path.parent)  # an unsaved STATUS.md counts too
            boundary = layout.boundary_of(path.parent)
            for folder in (path.parent, *path.parent.parents):
                if folder in roots or deferred.layout.is_project_folder(folder, memo):
                    roots.add(folder)
                    break
                if boundary is None or folder == boundary:
                    break
        return roots

    def relayout(self) -> bool:
        """Recompute which folders are projects; move documents that changed project."""
        known = [Path(doc.path) for doc in self.projects]
        layout = ProjectLayout(self.folders, self.project_roots(known))
        moved = self.projects.relayout(layout)
        if moved:
            self._project_configs.clear()
        return moved

    def add_document(self, doc: Document) -> None:
        """Put a parsed document into its project (a new or removed STATUS.md re-lays out)."""
        new = self.projects.get(doc.path) is None
        self.projects.add(doc)
        if new and not self._bulk and is_status_file(Path(doc.path).name):
            self.relayout()

    def remove_document(self, path: str) -> None:
        """Forget a document (a removed STATUS.md re-lays out)."""
        self.projects.remove(path)
        if not self._bulk and is_status_file(Path(path).name):
            self.relayout()

    # -- capabilities --------------------------------------------------------------------------

    @property
    def sends_encoded(self) -> bool:
        """Whether answers may be pre-serialised JSON (:class:`~milestone_lsp.lsp.encoded.Encoded`).

        Only through :class:`MilestoneProtocol`, which writes such payloads as they are; a
        server built on another protocol class (in tests) gets plain protocol objects.
        """
        return isinstance(self.protocol, MilestoneProtocol)

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
        doc = self.projects.get(path)
        if doc is None:
            return None
        cached = self._indexes.get(path)
        if cached is not None and cached[0] is doc.text:
            return cached[1]
        # Shared with the rules and the next didChange; made from the parse's lines when it
        # kept them (an open document's).
        index = line_index(doc.text, doc.lines or None)
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
        return self.projects.get(path) is not None or Path(path).exists()

    def document(self, uri: str) -> Document | None:
        """The parsed document of an open or indexed URI (parsed now if changes are pending)."""
        path = uri_to_path(uri)
        if path in self.unparsed and uri in self.open_uris:
            # Over the time budget, changes are parsed when a feature needs the document, so
            # that its answers (and fixes) always match the editor's text.
            self.update_open(uri)
        return self.projects.get(path)

    def update_open(self, uri: str) -> Document:
        """Re-parse an open document from the editor's text (an empty one above the size limit)."""
        parse = deferred.parser.parse
        text = self.workspace.get_text_document(uri).source
        path = uri_to_path(uri)
        self.unparsed.discard(path)
        known = self.projects.get(path)
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
            if (
                known is not None
                and known.text == text
                and (known.parts or path not in self.opening)
            ):
                # didSave, or a change that restored the text: nothing to parse. A document
                # just opened that the workspace index read from disk is parsed again as an
                # edited one, which keeps its parts for the edits to come.
                return known
            started = time.perf_counter()
            edited = getattr(self.protocol, "edited_lines", {}).pop(uri, None)
            lines = edited[1] if edited is not None and edited[0] is text else None
            doc = parse(text, path, editing=True, lines=lines)
            self.note_analysis_time(path, time.perf_counter() - started)
        self.add_document(doc)
        return doc

    def note_analysis_time(self, path: str, seconds: float) -> None:
        """Record how long analysing ``path`` took; over the budget it is linted on save only.

        The first parse and check of a document after it is opened are not counted: the budget
        is what an edit may cost, and the edits after them re-use their per-section work."""
        budget = self.config.request_time_budget_ms
        if path in self.opening:
            return
        if budget > 0 and seconds * 1000 > budget:
            spent = max(budget + 1, round(seconds * 1000))
            self.slow[path] = max(spent, self.slow.get(path, 0))

    def analysis_limit(self, path: str) -> Finding | None:
        """The MS902 finding of a document skipped for its size, if it was."""
        size = self.oversized.get(path)
        if size is None:
            return None
        return deferred.meta.analysis_limit_finding(path, size, self.config.max_file_size)

    def over_budget(self, path: str) -> Finding | None:
        """The MS902 finding of a document whose analysis took longer than the time budget."""
        spent = self.slow.get(path)
        if spent is None:
            return None
        return deferred.meta.time_limit_finding(path, spent, self.config.request_time_budget_ms)

    def may_read(self, path: str) -> bool:
        """Whether the server may read ``path`` from disk: a markdown file below a workspace root.

        Symlinks are resolved first, so a link inside the workspace that points elsewhere is
        refused like the place it points to.
        """
        if not path.lower().endswith(MARKDOWN_SUFFIXES):
            return False
        roots = list(self.folders)
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
            if self.projects.get(path) is not None:
                self.remove_document(path)
                self.disk_mtimes.pop(path, None)
                return True
            return False
        if self.disk_mtimes.get(path) == mtime and self.projects.get(path) is not None:
            return False
        result = read_text(p, self.config.max_file_size or None)
        if result.text is None:
            if result.oversize is not None:
                self.oversized[path] = result.oversize
            elif result.error is not None:
                self.log_info(f"{path} not read: {result.error}", lsp.MessageType.Log)
            if self.projects.get(path) is not None:
                # The file became unreadable: forget its old text rather than keep stale data.
                self.remove_document(path)
                self.disk_mtimes.pop(path, None)
                return True
            return False
        self.oversized.pop(path, None)
        self.disk_mtimes[path] = mtime
        self.add_document(deferred.parser.parse(result.text, path))
        return True

    def refresh_from_disk(self) -> bool:
        """Re-read every indexed file that changed on disk (when files cannot be watched)."""
        changed = False
        for path in list(self.disk_mtimes):
            changed |= self.read_from_disk(path)
        return changed

    def display_path(self, path: str) -> str:
        """The path relative to its project's root (for include/exclude globs)."""
        root = self.projects.root_for(path)
        try:
            return Path(path).resolve().relative_to(root).as_posix()
        except (ValueError, OSError):
            return Path(path).name

    # -- configuration -------------------------------------------------------------------------

    async def reload_config(self) -> None:
        """Merge initializationOptions, workspace/configuration and the config file (file wins)."""
        settings_module = deferred.config
        section = settings_module.EDITOR_SECTION
        settings: dict[str, Any] = {}
        for source in (self.init_settings, self.client_settings):
            if isinstance(source, dict):
                inner = source.get(section)
                settings.update(inner if isinstance(inner, dict) else source)
        if self.capability("workspace", "configuration"):
            try:
                result = await asyncio.wait_for(
                    self.workspace_configuration_async(
                        lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section=section)])
                    ),
                    timeout=5,
                )
                if result and isinstance(result[0], dict):
                    settings.update(result[0])
            except Exception as exc:  # the client may not answer: keep what we have
                log.warning("workspace/configuration failed: %s", exc)
        self.editor_settings = settings
        self._project_configs.clear()
        start = self.root or Path.cwd()
        loaded = settings_module.load_config(start, settings or None)
        self.editor_keys = sorted(settings)
        self.log_info(
            f"settings read: editor keys {sorted(settings)}, file {loaded.path}",
            lsp.MessageType.Log,
        )
        errors: list[ConfigError] = list(loaded.errors)
        try:
            rules = deferred.catalogue.all_rules()
            errors += settings_module.unknown_rule_errors(
                loaded, [r.code for r in rules], [r.name for r in rules]
            )
            # Unknown rule keys of the config file are MS903 findings in that file instead.
            checking = deferred.checking
            keys = {f"rules.{key}" for key in checking.unknown_file_rule_keys(loaded)}
            errors = [e for e in errors if not (e.file == str(loaded.path) and e.key in keys)]
            self.publish_config_findings(checking.config_findings(loaded, str(loaded.path)))
        except Exception:
            log.exception("cannot load the rule catalogue")
        self.config = loaded.config
        self.config_path = loaded.path
        # The size limit may have changed: open documents are re-measured against it.
        for uri in sorted(self.open_uris):
            with contextlib.suppress(Exception):
                self.update_open(uri)
        self._report_settings_errors(errors)

    def _report_settings_errors(self, errors: list[ConfigError]) -> None:
        """Log every settings problem; show each one to the user once."""
        for error in errors:
            message = f"milestone-lsp settings: {error.key}: {error.problem}"
            if error.file:
                message += f" ({error.file})"
            self.log_info(message, lsp.MessageType.Warning)
            if message not in self._shown_errors:
                self._shown_errors.add(message)
                with contextlib.suppress(Exception):  # no client attached (unit use)
                    self.window_show_message(
                        lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=message)
                    )

    def publish_config_findings(self, findings: list[Finding]) -> None:
        """Show MS903 findings on the config file (and withdraw those of an earlier file)."""
        uris: dict[str, list[lsp.Diagnostic]] = {}
        if self.config_diagnostics_uri is not None:
            uris[self.config_diagnostics_uri] = []
        texts = {f.path: read_text(Path(f.path)).text or "" for f in findings}
        for finding in findings:
            diagnostic = self.conv.diagnostic(
                finding, lambda p: LineIndex(texts.get(p, "")), self.config.rule_docs_url
            )
            uris.setdefault(path_to_uri(finding.path), []).append(diagnostic)
        self.config_diagnostics_uri = path_to_uri(findings[0].path) if findings else None
        for uri, diagnostics in uris.items():
            with contextlib.suppress(Exception):  # no client attached (unit use)
                self.text_document_publish_diagnostics(
                    lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
                )

    # -- workspace indexing --------------------------------------------------------------------

    async def index_workspace(self, folders: list[Path] | None = None) -> None:
        """Parse every markdown file below the workspace folders (or ``folders``), reporting
        $/progress; the projects are laid out from the file list first, so nothing moves later."""
        try:
            targets = [f for f in (self.folders if folders is None else folders) if f.is_dir()]
            if not targets:
                return
            loop = asyncio.get_running_loop()
            files: list[Path] = []
            for folder in targets:
                found = await loop.run_in_executor(None, discover, [folder], folder)
                for skipped, why in found.skipped:
                    self.log_info(f"{skipped} not read: {why}", lsp.MessageType.Log)
                for path in found.files:
                    if nameable(path):
                        files.append(path)
                    else:
                        self.log_info(
                            f"{shown_name(path)} not read: its name is not valid UTF-8, so it "
                            "has no URI an editor could open; rename it",
                            lsp.MessageType.Log,
                        )
            known = [Path(doc.path) for doc in self.projects]
            roots = await loop.run_in_executor(None, self.project_roots, [*known, *files])
            if self.projects.relayout(ProjectLayout(self.folders, roots)):
                self._project_configs.clear()
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
            total = len(files)
            self._bulk = True
            for n, path in enumerate(files, 1):
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
            where = ", ".join(str(f) for f in targets)
            self.log_info(
                f"indexed {total} markdown files below {where} "
                f"({len(self.projects.workspaces)} projects)"
            )
        except Exception as exc:
            log.exception("indexing failed")
            with contextlib.suppress(Exception):  # no client attached (unit use)
                self.window_show_message(
                    lsp.ShowMessageParams(
                        type=lsp.MessageType.Error,
                        message=(
                            f"milestone-lsp: indexing failed ({type(exc).__name__}: {exc}); "
                            "findings that need other files may be missing. The server log "
                            "has the details; please report it"
                        ),
                    )
                )
        finally:
            self._bulk = False
            self.indexed.set()

    def forget_folder(self, folder: Path) -> None:
        """Drop the documents below a removed workspace folder (open ones stay)."""
        for doc in list(self.projects):
            path = Path(doc.path)
            inside = path.is_absolute() and path.is_relative_to(folder)
            if inside and path_to_uri(doc.path) not in self.open_uris:
                self.projects.remove(doc.path)
                self.disk_mtimes.pop(doc.path, None)
        self.relayout()

    def give_way(self, longest: float = GIVE_WAY_FOR) -> float:
        """Called off the event loop by an analysis between its rules: while a handler runs on
        the loop (a request being answered, a change being parsed), wait — ``longest``
        seconds at most — so that it has the interpreter to itself instead of half of it.
        Never while the loop waits for the analysis' lock. Returns the seconds waited (not
        the analysis' own time)."""
        if not self.stepping or self.lock_wanted:
            return 0.0
        started = time.monotonic()
        deadline = started + longest
        while self.stepping and not self.lock_wanted and time.monotonic() < deadline:
            time.sleep(0.001)  # sleeping lets the loop's thread run
        return time.monotonic() - started

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
            server = args[0] if args else None
            try:
                if isinstance(server, MilestoneServer):
                    return await _Stepping(func(*args, **kwargs), server)
                return await func(*args, **kwargs)
            except JsonRpcException:
                raise
            except Exception as exc:
                log.exception("%s failed", func.__name__)
                if isinstance(server, MilestoneServer):
                    server.log_info(
                        f"{func.__name__} failed: {type(exc).__name__}: {exc}",
                        lsp.MessageType.Error,
                    )
                return default()

        return wrapper

    return decorate


class _Stepping(Generic[R]):
    """Awaits a handler's coroutine, counting each of its steps on the event loop in
    ``server.stepping`` (the time it runs, not the time it waits)."""

    __slots__ = ("_coro", "_server")

    def __init__(self, coro: Awaitable[R], server: MilestoneServer) -> None:
        self._coro = coro
        self._server = server

    def __await__(self) -> Generator[Any, Any, R]:
        steps = self._coro.__await__()
        server = self._server
        sent: Any = None
        thrown: BaseException | None = None
        while True:
            server.stepping += 1
            try:
                yielded = steps.send(sent) if thrown is None else steps.throw(thrown)
            except StopIteration as done:
                return cast(R, done.value)
            finally:
                server.stepping -= 1
            try:
                sent, thrown = (yield yielded), None
            except BaseException as exc:  # a cancellation goes to the handler, as await does
                sent, thrown = None, exc


def none() -> None:
    """The answer of a failed handler that returns nothing."""
    return None


def empty() -> list[Any]:
    """The answer of a failed handler that returns a list."""
    return []


def failed() -> dict[str, Any]:
    """The answer of a failed command."""
    return {"error": "the command failed; see the server log"}


def nameable(path: Path) -> bool:
    """Whether ``path`` is valid UTF-8, as a ``file://`` URI needs (POSIX names are bytes)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_name(path: Path) -> str:
    """``path`` for a message, the bytes that are not UTF-8 written as escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")
