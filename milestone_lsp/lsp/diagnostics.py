"""Diagnostics: push (debounced per document) or pull (when the client can also be told to
refresh), never both; cross-file changes re-evaluate every open document."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import json
import logging
import os
import time
import weakref
from collections.abc import Callable, Hashable, Iterator
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from milestone_lsp.core.findings import Finding, carried_over
from milestone_lsp.core.positions import split_lines
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.lsp import deferred
from milestone_lsp.lsp.convert import path_to_uri, uri_to_path
from milestone_lsp.lsp.encoded import Encoded, encode
from milestone_lsp.lsp.state import MilestoneServer

if TYPE_CHECKING:
    from milestone_lsp.core.model import Document
    from milestone_lsp.settings.config import Config

log = logging.getLogger(__name__)

# What a document's findings are made from: the document, its project, the project's version
# and the settings.
_Key = tuple["Document", Workspace, int, "Config"]

# Seconds a request that shows findings (code action, hover) waits for the analysis of an edit
# before it answers from the previous one, for the lines the edit left alone (editors ask again
# when the diagnostics change).
ANSWER_WITHIN = 0.025
# An analysis runs off the event loop when the document's last one took this long or more
# (seconds), or when there was none yet (opening a document starts from empty caches).
OFF_LOOP_AFTER = 0.06
# Turns of the event loop an analysis lets go by before it starts off the loop, so that the
# requests read with a change are answered first.
_REQUEST_TURNS = 4
# Seconds a cross-file re-evaluation waits, so that a burst of changes is handled once.
DEPENDENTS_DELAY = 0.05


def use_pull(ls: MilestoneServer) -> bool:
    """Pull only for clients with pull diagnostics *and* refresh support (cross-file updates)."""
    return bool(
        ls.capability("text_document", "diagnostic")
        and ls.capability("workspace", "diagnostics", "refresh_support")
    )


def _current(ls: MilestoneServer, path: str) -> tuple[_Key, list[Finding] | None] | None:
    """The key the findings of ``path`` are made for now, and the findings if they are known
    (None: the document is not known)."""
    doc = ls.projects.get(path)
    if doc is None:
        return None
    ws = ls.workspace_for(path)
    key: _Key = (doc, ws, ws.version, ls.config_for(path))
    cached = ls.findings_cache.get(path)
    if cached is not None and _same(cached[0], key):
        return key, cached[1]
    return key, None


def _same(a: _Key, b: _Key) -> bool:
    return a[0] is b[0] and a[1] is b[1] and a[2] == b[2] and a[3] is b[3]


def _store(ls: MilestoneServer, path: str, key: _Key, findings: list[Finding], took: float) -> None:
    ls.note_analysis_time(path, took)
    ls.analysis_seconds[path] = took
    ls.opening.discard(path)  # checked once: from now on its analyses count against the budget
    ls.findings_cache[path] = (key, findings)


def findings_for(ls: MilestoneServer, path: str) -> list[Finding]:
    """The findings of one document under the current settings ([] when it is not checked)."""
    skipped = ls.analysis_limit(path)  # above max_file_size: one MS902, nothing else
    if skipped is not None:
        return [skipped]
    # Publishing, code actions and pull requests ask for the same findings between two edits:
    # compute them once per (document, its project and that project's version, settings).
    current = _current(ls, path)
    if current is None:
        return []
    key, findings = current
    if findings is None:
        # On the event loop: the documents cannot change meanwhile. The lock waits for an
        # analysis running off the loop (its caches are the engine's, one analysis at a time),
        # which must not give way to this handler meanwhile.
        ls.lock_wanted += 1
        try:
            ls.check_lock.acquire()
        finally:
            ls.lock_wanted -= 1
        try:
            started = time.perf_counter()
            findings = deferred.checking.checked_findings(
                key[1], key[0], ls.display_path(path), key[3]
            )
            took = time.perf_counter() - started
        finally:
            ls.check_lock.release()
        _store(ls, path, key, findings, took)
    return _with_budget_notice(ls, path, findings)


# Per server: workspace -> (its version, a snapshot of it at that version), so that the
# analyses of the documents of one project version share one snapshot (and its memos).
_snapshots: weakref.WeakKeyDictionary[
    MilestoneServer, weakref.WeakKeyDictionary[Workspace, tuple[int, Workspace]]
] = weakref.WeakKeyDictionary()


def _snapshot(ls: MilestoneServer, ws: Workspace) -> Workspace:
    per_server = _snapshots.setdefault(ls, weakref.WeakKeyDictionary())
    known = per_server.get(ws)
    if known is not None and known[0] == ws.version:
        return known[1]
    snap = ws.snapshot()
    per_server[ws] = (ws.version, snap)
    return snap


async def analysed(ls: MilestoneServer, path: str) -> None:
    """Make the findings of ``path`` known, analysing off the event loop.

    Requests that do not need findings (hover, completion, symbols) are answered meanwhile: on
    a large plan an analysis takes longer than a request may wait. The analysis reads a
    snapshot of the project, so the edits that arrive meanwhile do not reach it; its result is
    kept under the state it was made for (stale by then, it is still what a code action can
    use for lines the later edits did not touch). An analysis whose document changed again
    before it could start is skipped: the later change asks for its own.
    """
    if ls.analysis_limit(path) is not None:
        return
    current = _current(ls, path)
    if current is None or current[1] is not None:
        return
    key = current[0]
    running = ls.in_flight.get(path)
    last = ls.analysis_seconds.get(path)
    if running is None and last is not None and last < OFF_LOOP_AFTER:
        # Quick enough to run on the loop: a request waits less for it than the hand-over
        # to a thread and back costs every edit.
        findings_for(ls, path)
        return
    if running is None or not _same(running[0], key):
        # The requests that came with the change go first: while it runs, the analysis shares
        # the interpreter with the event loop.
        for _ in range(_REQUEST_TURNS):
            await asyncio.sleep(0)
        current = _current(ls, path)
        if current is None or current[1] is not None or current[0][0] is not key[0]:
            return  # analysed meanwhile, or changed again: that change asks for its own
        key = current[0]
        running = ls.in_flight.get(path)
        if running is None or not _same(running[0], key):
            running = (key, _start(ls, path, key))
            ls.in_flight[path] = running
    with contextlib.suppress(Exception):  # logged when it ended; the caller analyses again
        await asyncio.shield(running[1])


def _start(
    ls: MilestoneServer, path: str, key: _Key
) -> asyncio.Future[tuple[list[Finding], float] | None]:
    snap = _snapshot(ls, key[1])
    display = ls.display_path(path)
    live = key[1]
    version = ls.version_for(path)

    def superseded() -> bool:
        # The document or its project changed again (the editor's version moves as soon as a
        # change arrives, before it is parsed): a later analysis is wanted instead, and this
        # one would only take the interpreter from the requests about the new text.
        return (
            live.version != key[2]
            or ls.projects.get(path) is not key[0]
            or ls.version_for(path) != version
        )

    waited = [0.0]

    def stop() -> bool:
        # Between two rules: the handlers running on the loop go first, then whether the
        # result is still wanted.
        waited[0] += ls.give_way()
        return superseded()

    def work() -> tuple[list[Finding], float] | None:
        with ls.check_lock:
            if superseded():
                return None
            started = time.perf_counter()
            try:
                found = deferred.checking.checked_findings(snap, key[0], display, key[3], stop=stop)
            except deferred.engine.Cancelled:
                return None
            # What the analysis took, not the time it gave to the loop's handlers.
            return found, time.perf_counter() - started - waited[0]

    future = asyncio.ensure_future(asyncio.to_thread(work))

    def done(f: asyncio.Future[tuple[list[Finding], float] | None]) -> None:
        if ls.in_flight.get(path, (None, None))[1] is f:
            ls.in_flight.pop(path, None)
        if not ls.in_flight:
            # The snapshot served the analyses of one project version; its memos go with it.
            _snapshots.pop(ls, None)
        if f.cancelled() or f.exception() is not None:
            if not f.cancelled():
                log.error("linting %s failed", path, exc_info=f.exception())
            return
        result = f.result()
        latest = _current(ls, path)
        if result is not None and (latest is None or latest[1] is None):
            # Kept unless findings of the current state were made meanwhile on the loop.
            _store(ls, path, key, *result)

    future.add_done_callback(done)
    return future


async def findings_within(
    ls: MilestoneServer, path: str, seconds: float, near: tuple[int, int] | None = None
) -> list[Finding]:
    """The findings of ``path`` for a request that cannot wait for a whole analysis.

    Waits up to ``seconds`` for the analysis of the current text (started now if none is
    running); past that, answers with the previous analysis' findings that the edits since left
    alone (:func:`~milestone_lsp.core.findings.carried_over`), so that a code action right after
    an edit of a large plan answers at once for the rest of the document. With ``near`` (first
    and last line), the answer may hold only the findings that meet those lines.
    """
    skipped = ls.analysis_limit(path)
    if skipped is not None:
        return [skipped]
    current = _current(ls, path)
    if current is None:
        return []
    if current[1] is None:
        task = asyncio.ensure_future(analysed(ls, path))
        # Not worth waiting for when the document's last analysis took longer than that.
        if ls.analysis_seconds.get(path, 0.0) < seconds:
            await asyncio.wait({task}, timeout=seconds)
        current = _current(ls, path)
        if current is None:
            return []
    if current[1] is not None:
        return _with_budget_notice(ls, path, current[1])
    previous = ls.findings_cache.get(path)
    if previous is None:
        return findings_for(ls, path)  # nothing to answer from: analysed now
    old, doc = previous[0][0], current[0][0]
    carried = carried_over(
        previous[1],
        path,
        old.lines or split_lines(old.text),
        doc.lines or split_lines(doc.text),
        near,
    )
    return _with_budget_notice(ls, path, carried)


def _with_budget_notice(ls: MilestoneServer, path: str, findings: list[Finding]) -> list[Finding]:
    """``findings`` plus MS902 when the document's analysis is over the time budget."""
    notice = ls.over_budget(path)
    return [notice, *findings] if notice is not None else list(findings)


# Per server: path -> {id(finding): (finding, encoding, settings, diagnostic)} of the last
# conversion. The engine hands out the same Finding object again only for a section whose
# lines did not change, so its diagnostic (positions included) is still right.
_converted: weakref.WeakKeyDictionary[
    MilestoneServer, dict[str, dict[int, tuple[Finding, object, object, lsp.Diagnostic]]]
] = weakref.WeakKeyDictionary()
# Per server: path -> {what a diagnostic is made of: diagnostic} of the last conversion, for
# findings that cross-file rules make afresh on every check but that did not change.
_by_value: weakref.WeakKeyDictionary[
    MilestoneServer, dict[str, tuple[object, dict[Hashable, lsp.Diagnostic]]]
] = weakref.WeakKeyDictionary()


def _value_key(
    lines_of: Callable[[str], list[str] | None], f: Finding, encoding: object
) -> Hashable | None:
    """Everything a finding's diagnostic depends on, the text of the lines it points at included."""
    places: list[tuple[str, object, object]] = []
    for path, rng in ((f.path, f.range), *((r.path, r.range) for r in f.related)):
        lines = lines_of(path)
        if lines is None:
            return None
        count = len(lines)
        first, last = rng.start.line, rng.end.line
        places.append(
            (
                path,
                lines[first] if 0 <= first < count else count,
                lines[last] if 0 <= last < count else count,
            )
        )
    return (
        encoding,
        f.code,
        f.severity,
        f.message,
        f.range,
        tuple(f.tags),
        tuple(f.related),
        tuple(places),
    )


# Per server: uri -> (what the last publish was made from, its diagnostics), to drop a publish
# of the very same state again (opening a document used to publish it two or three times). A
# re-opened document, another version, a change elsewhere in the workspace or new settings
# is a new state and is always published.
_published: weakref.WeakKeyDictionary[
    MilestoneServer, dict[str, tuple[tuple[object, ...], list[lsp.Diagnostic]]]
] = weakref.WeakKeyDictionary()


# Per server: uri -> {id(diagnostic): (diagnostic, its JSON)} of the last publish.
_encoded: weakref.WeakKeyDictionary[
    MilestoneServer, dict[str, dict[int, tuple[lsp.Diagnostic, str]]]
] = weakref.WeakKeyDictionary()


# Per server: uri -> (result id, diagnostics) of the last pull report. An id stands for one
# list of diagnostics: it is kept while a pull finds the very same list and replaced when the
# list differs, so a client that sends it back holds exactly the current diagnostics. Like the
# conversions above, it is kept for every document a workspace pull reports, open or not.
_results: weakref.WeakKeyDictionary[
    MilestoneServer, dict[str, tuple[str, list[lsp.Diagnostic]]]
] = weakref.WeakKeyDictionary()
# Ids are never re-used within a process (an id from before a close, or another document's,
# never matches by chance); the process start in each id tells them apart across restarts.
_result_ids = itertools.count(1)
_RUN = f"{os.getpid():x}.{time.time_ns():x}"


def result_id(ls: MilestoneServer, uri: str, items: list[lsp.Diagnostic]) -> str:
    """The result id of ``items`` as the diagnostics of ``uri`` (the last one when unchanged)."""
    results = _results.setdefault(ls, {})
    last = results.get(uri)
    if last is not None and last[1] == items:
        return last[0]
    made = f"{_RUN}.{next(_result_ids)}"
    results[uri] = (made, items)
    return made


def forget(ls: MilestoneServer, uri: str) -> None:
    """Drop what was kept of a closed document's last publish (it would stay until exit)."""
    _published.get(ls, {}).pop(uri, None)
    _encoded.get(ls, {}).pop(uri, None)
    _results.get(ls, {}).pop(uri, None)


def kept(ls: MilestoneServer) -> dict[str, int]:
    """How many documents the publish caches hold (``serverInfo``, the soak bench)."""
    return {"published": len(_published.get(ls, {})), "encoded": len(_encoded.get(ls, {}))}


def diagnostics_for(ls: MilestoneServer, uri: str) -> list[lsp.Diagnostic]:
    """LSP diagnostics of one document (conversions of unchanged findings are re-used)."""
    conv = ls.conv
    path = uri_to_path(uri)
    config = ls.config_for(path)
    findings = findings_for(ls, path)
    per_path = _converted.setdefault(ls, {})
    previous = per_path.get(path, {})
    current: dict[int, tuple[Finding, object, object, lsp.Diagnostic]] = {}
    value_path = _by_value.setdefault(ls, {})
    known = value_path.get(path)
    old_values = known[1] if known is not None and known[0] is config else {}
    values: dict[Hashable, lsp.Diagnostic] = {}
    out: list[lsp.Diagnostic] = []
    looked_up: dict[str, list[str] | None] = {}

    def lines_of(where: str) -> list[str] | None:
        if where not in looked_up:
            index = ls.index_for(where)
            looked_up[where] = index.lines if index is not None else None
        return looked_up[where]

    for f in findings:
        entry = previous.get(id(f))
        if entry is not None and entry[0] is f and entry[1] == conv.encoding and entry[2] is config:
            current[id(f)] = entry
            out.append(entry[3])
            continue
        key = _value_key(lines_of, f, conv.encoding)
        diagnostic = old_values.get(key) if key is not None else None
        if diagnostic is None:
            diagnostic = conv.diagnostic(f, ls.index_for, config.rule_docs_url)
        if key is not None:
            values[key] = diagnostic
        if not f.related:
            current[id(f)] = (f, conv.encoding, config, diagnostic)
        out.append(diagnostic)
    per_path[path] = current
    value_path[path] = (config, values)
    return out


def publish(ls: MilestoneServer, uri: str) -> None:
    """Push the diagnostics of one open document."""
    if ls.pull_mode or uri not in ls.open_uris or uri in getattr(ls.protocol, "out_of_sync", ()):
        return  # out of sync: its diagnostics were withdrawn (lsp/protocol.py)
    document = ls.workspace.get_text_document(uri)
    path = uri_to_path(uri)
    parsed = ls.projects.get(path)
    if (
        parsed is not None
        and path not in ls.unparsed
        and path not in ls.oversized
        and parsed.text != document.source
    ):
        # A change the editor has sent but the change handler has not parsed yet (a re-publish
        # for another file ran in between): these findings are of the previous text and must
        # not go out under the new version. The change handler publishes the new ones.
        return
    try:
        items = diagnostics_for(ls, uri)
    except Exception:
        log.exception("linting %s failed", uri)
        return
    version = document.version
    ws = ls.workspace_for(path)
    state = (document, ls.projects.get(path), ls.config_for(path), ws, version, ws.version)
    published = _published.setdefault(ls, {})
    last = published.get(uri)
    if (
        last is not None
        and all(a is b for a, b in zip(last[0][:4], state[:4], strict=True))
        and last[0][4:] == state[4:]
        and last[1] == items
    ):
        return  # the client has exactly these, made from exactly this state
    # The first publish since the document was opened (versions only grow while it is open).
    before = last[0][4] if last is not None else None
    opening = not isinstance(before, int) or version is None or version <= before
    published[uri] = (state, items)
    try:
        _send(ls, uri, version, items)
    finally:
        if opening:
            # The model, caches and diagnostics of a newly opened document live as long as it
            # stays open; taking them out of the collector's generations keeps each later full
            # collection (35–45 ms at 10k lines, a pause in the middle of typing) small.
            gc.freeze()
            if parsed is not None:
                _prepare_requests(parsed)


def _prepare_requests(doc: Document) -> None:
    """Off the event loop, read what hover, completion and code actions use about a newly
    opened document (its names per part, the layout templates go in), so that the first of
    them does not wait for a read of every part (~0.1 s for a 100k-line plan)."""
    from milestone_lsp.lsp.templates import prepare  # imports the parser: not at start-up

    def work() -> None:
        try:
            prepare(doc)
        except Exception:  # only a head start: the request reads what it needs itself
            log.exception("preparing the requests of %s failed", doc.path)

    task = asyncio.ensure_future(asyncio.to_thread(work))
    _preparing.add(task)  # held until it ends: the loop keeps only a weak reference
    task.add_done_callback(_preparing.discard)


_preparing: set[asyncio.Future[None]] = set()


def _send(ls: MilestoneServer, uri: str, version: int | None, items: list[lsp.Diagnostic]) -> None:
    if not ls.sends_encoded:
        ls.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=items, version=version)
        )
        return
    # The same JSON pygls would write, with each unchanged diagnostic serialised only once.
    texts = _encoded.setdefault(ls, {})
    previous = texts.get(uri, {})
    current: dict[int, tuple[lsp.Diagnostic, str]] = {}
    parts: list[str] = []
    for item in items:
        entry = previous.get(id(item))
        if entry is None or entry[0] is not item:
            entry = (item, encode(item))
        current[id(item)] = entry
        parts.append(entry[1])
    texts[uri] = current
    head = f'{{"uri":{json.dumps(uri)},'
    if version is not None:
        head += f'"version":{int(version)},'
    params = Encoded(head + '"diagnostics":[' + ",".join(parts) + "]}")
    ls.protocol.notify(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params)


def refresh(ls: MilestoneServer) -> None:
    """Ask a pull client to pull again."""
    try:
        ls.workspace_diagnostic_refresh(None)
    except Exception:
        log.exception("diagnostic refresh failed")
        return
    ls.log_info("diagnostics refresh requested", lsp.MessageType.Log)


async def publish_all(ls: MilestoneServer) -> None:
    """Re-evaluate every open document (settings or another file changed)."""
    await ls.ready()
    if ls.pull_mode:
        refresh(ls)
        return
    # Held like a change's: a document opened while the workspace was being indexed is first
    # analysed here, and a collection between its analysis and its publish would scan all of
    # it (~0.4 s for a 100k-line plan).
    with _collect_after():
        for uri in sorted(ls.open_uris):
            publish(ls, uri)


async def dependents_changed(ls: MilestoneServer, changed: str | None = None) -> None:
    """Re-evaluate the open documents other than ``changed``, once per burst of changes.

    Re-linting every open document after every change is quadratic when many documents change
    at once (50 open files edited together kept the server busy for minutes): calls made while
    a re-evaluation is scheduled join it, and documents with a lint of their own pending wait
    for that one.
    """
    if ls.pull_mode:
        refresh(ls)
        return
    if ls.dependents_task is not None and not ls.dependents_task.done():
        return
    if changed is not None and ls.open_uris <= {changed}:
        # Nothing else is open, and ``changed`` was just published: a later change of the
        # burst schedules its own re-evaluation, which publishes this document too.
        return

    async def run() -> None:
        await asyncio.sleep(DEPENDENTS_DELAY)  # let the rest of a burst of changes arrive
        # ``changed`` is published again too: a later change of the burst may concern it.
        for uri in sorted(ls.open_uris):
            with _collect_after():  # as for a change: no collection before the publish
                if uri not in ls.pending:
                    await analysed(ls, uri_to_path(uri))
                if uri not in ls.pending and uri in ls.open_uris:
                    publish(ls, uri)

    ls.dependents_task = asyncio.ensure_future(run())


# The changes being analysed and published with the collector held, and whether it was
# enabled when the first of them began.
_holds = 0
_was_enabled = False


@contextlib.contextmanager
def _collect_after() -> Iterator[None]:
    """Hold the cyclic garbage collector from a change's analysis until its diagnostics are
    sent. The analysis pauses the collector while it runs (``gc_paused``); re-enabled at its
    end, the collector would scan the analysis' young objects at once, before the conversion
    and the publish, on every keystroke (3–4 ms at 10k lines). Held to here, that collection
    runs after the diagnostics are on their way."""
    global _holds, _was_enabled
    if _holds == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _holds += 1
    try:
        yield
    finally:
        _holds -= 1
        if _holds == 0 and _was_enabled:
            gc.enable()


async def document_changed(ls: MilestoneServer, uri: str, *, immediate: bool = False) -> None:
    """Lint ``uri`` after the debounce delay, then the documents that depend on it."""
    previous = ls.pending.pop(uri, None)
    if previous is not None:
        previous.cancel()
    version = ls.workspace.get_text_document(uri).version

    async def run() -> None:
        delay = 0 if immediate else ls.config.debounce_ms / 1000
        if delay:
            await asyncio.sleep(delay)
        await ls.ready()
        # Dropped when the document was closed or changed again meanwhile.
        if uri not in ls.open_uris or ls.workspace.get_text_document(uri).version != version:
            return
        if ls.pending.get(uri) is task:
            ls.pending.pop(uri, None)
        if ls.pull_mode:
            refresh(ls)
            return
        with _collect_after():
            await analysed(ls, uri_to_path(uri))
            if uri not in ls.open_uris or ls.workspace.get_text_document(uri).version != version:
                return  # changed again meanwhile: that change publishes
            publish(ls, uri)
        await dependents_changed(ls, uri)

    task = asyncio.ensure_future(run())
    ls.pending[uri] = task


def register_pull(ls: MilestoneServer) -> None:
    """Register the pull handlers (only for clients that get pull diagnostics)."""

    @ls.feature(
        lsp.TEXT_DOCUMENT_DIAGNOSTIC,
        lsp.DiagnosticOptions(
            identifier="milestone-lsp", inter_file_dependencies=True, workspace_diagnostics=True
        ),
    )
    async def document_diagnostic(
        ls: MilestoneServer, params: lsp.DocumentDiagnosticParams
    ) -> lsp.RelatedFullDocumentDiagnosticReport | lsp.RelatedUnchangedDocumentDiagnosticReport:
        uri = params.text_document.uri
        try:
            await ls.ready()
            await analysed(ls, uri_to_path(uri))
            items = diagnostics_for(ls, uri)
        except Exception:
            log.exception("pull diagnostics failed")
            return lsp.RelatedFullDocumentDiagnosticReport(items=[])
        made = result_id(ls, uri, items)
        if params.previous_result_id == made:
            # The client holds exactly these diagnostics: nothing to send again.
            return lsp.RelatedUnchangedDocumentDiagnosticReport(result_id=made)
        return lsp.RelatedFullDocumentDiagnosticReport(items=items, result_id=made)

    @ls.feature(lsp.WORKSPACE_DIAGNOSTIC)
    async def workspace_diagnostic(
        ls: MilestoneServer, params: lsp.WorkspaceDiagnosticParams
    ) -> lsp.WorkspaceDiagnosticReport:
        await ls.ready()
        previous = {p.uri: p.value for p in params.previous_result_ids}
        reports: list[Any] = []
        for doc in sorted(ls.projects, key=lambda d: d.path):
            try:
                uri = path_to_uri(doc.path)
                await analysed(ls, doc.path)
                items = diagnostics_for(ls, uri)
            except Exception:
                log.exception("workspace diagnostics failed for %s", doc.path)
                continue
            made = result_id(ls, uri, items)
            version = ls.version_for(doc.path)
            if previous.get(uri) == made:
                reports.append(
                    lsp.WorkspaceUnchangedDocumentDiagnosticReport(
                        uri=uri, result_id=made, version=version
                    )
                )
                continue
            reports.append(
                lsp.WorkspaceFullDocumentDiagnosticReport(
                    uri=uri, items=items, version=version, result_id=made
                )
            )
        return lsp.WorkspaceDiagnosticReport(items=reports)


def register(server: MilestoneServer) -> None:
    """Nothing static to register: push happens from the sync handlers, pull at initialize."""
