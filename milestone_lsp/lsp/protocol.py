"""Every adaptation of pygls internals, in one place.

Each override below names the pygls behaviour it corrects; ``tests/unit/test_protocol.py``
holds one test per override that fails if pygls changes under it (pygls is pinned ``<3``: those
tests say what an upgrade breaks). Nothing else in the package subclasses or patches pygls.

- :class:`QuietWriter` — pygls' writer raises (and logs a traceback) for every write after the
  client has closed the pipe.
- :meth:`MilestoneProtocol.set_writer` — installs that writer.
- :meth:`MilestoneProtocol._send_data` — pygls serialises every outgoing message with cattrs;
  messages whose payload we already hold as JSON (:class:`~milestone_lsp.lsp.encoded.Encoded`)
  are written as they are.
- :meth:`MilestoneProtocol.lsp_initialize` — pygls takes the client's first position encoding;
  we prefer UTF-8 whenever it is offered (no conversion cost).
- :meth:`MilestoneProtocol.structure_message` — pygls drops a message it cannot decode without
  answering it.
- :meth:`MilestoneProtocol.lsp_text_document__did_change` — pygls applies incremental changes
  with :meth:`str.splitlines`, which does not follow LSP's line rules.
- :class:`ClientMistakes` — pygls logs a client's mistakes with full tracebacks.
- :func:`serve_stdio` and :class:`Framer` — pygls' stdio reader matches one exact spelling of
  ``Content-Length``, never recovers from a wrong length and allocates a body of any declared
  size; this reader tolerates header case, spaces and LF-only lines, re-synchronises on the
  next header, refuses a message above ``--max-message-size`` unread, and exits 1 with one log
  line when the stream cannot be followed.
- :meth:`MilestoneProtocol.receive_frame` / :meth:`~MilestoneProtocol.receive_payload` —
  pygls answers neither invalid JSON (-32700 here) nor an invalid request (-32600), lets a
  request before ``initialize`` wait for an index that never starts (-32002 here, at once) and
  drops requests after ``shutdown`` (-32600 here).
- :meth:`MilestoneProtocol.mark_out_of_sync` / :meth:`~MilestoneProtocol.held_back` — pygls
  drops a didChange it cannot decode, and the server's text silently leaves the editor's; here
  the document is marked out of sync, the user told, and requests about it refused until it is
  reopened or its whole text sent.
- :meth:`MilestoneProtocol._run_generator` — pygls lets a cancelled handler's CancelledError
  escape from its built-in generator handlers (logged by asyncio; the request never answered).
- :meth:`MilestoneProtocol._execute_handler` — pygls keeps the future of every handler its
  built-in generators wait for (one per edit) until the process exits.
- :meth:`MilestoneProtocol.settle` — pygls leaves handlers still running at the end of input
  to ``asyncio.run``; they are cancelled while the loop still runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from cattrs import transform_error
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.io_ import StdoutWriter
from pygls.protocol import LanguageServerProtocol, lsp_method

from milestone_lsp.core.positions import PositionEncoding, line_index, note_no_cr
from milestone_lsp.lsp.convert import encoding_of
from milestone_lsp.lsp.encoded import Encoded, message

log = logging.getLogger("milestone_lsp.lsp.server")

JSONRPC_VERSION = "2.0"
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
SERVER_NOT_INITIALIZED = -32002
REQUEST_FAILED = -32803


def _why_not_json(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc).splitlines()[0][:200]


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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initialize_seen = False
        # Open documents whose text no longer follows the editor's: uri -> why.
        self.out_of_sync: dict[str, str] = {}
        self.max_message_size = DEFAULT_MAX_MESSAGE_SIZE
        # uri -> the text of its last single-edit change and that text's lines (see
        # apply_change_to_lines), for the parse of that text.
        self.edited_lines: dict[str, tuple[str, list[str]]] = {}

    # -- messages from the client: decoding, validation and the lifecycle -----------------------
    #
    # pygls' reader hands every body to json.loads and handle_message: invalid JSON or a
    # message without "jsonrpc" is logged with a traceback and never answered (the client waits
    # on that id forever), a request before initialize waits for handlers that wait for an
    # index that never starts, and a request after shutdown is dropped without an answer.

    async def receive_frame(self, frame: Frame, framer: Framer) -> None:
        """Decode one framed message and pass it on; answer what cannot be decoded."""
        if frame.oversize is not None:
            self.refuse_oversize(frame)
            return
        body = frame.body
        try:
            payload = json.loads(body.decode("utf-8"))
        except (ValueError, RecursionError) as exc:
            if isinstance(exc, UnicodeDecodeError):
                why = f"not valid UTF-8 (byte {exc.start})"
            else:
                why = f"not valid JSON ({_why_not_json(exc)})"
            declared = frame.declared is not None and frame.note is None
            at = json_prefix(body) if declared else None
            if at is not None and at < len(body):
                # Declared too long: a whole message, then the start of the next one.
                framer.buf[0:0] = body[at:]
                log.warning(
                    "client mistake: Content-Length %d, but the body was %d bytes",
                    frame.declared,
                    at,
                )
                body = body[:at]
            longer = None
            if at is None and declared and not isinstance(exc, UnicodeDecodeError):
                longer = await framer.extend(body)
                if longer is not None:
                    log.warning(
                        "client mistake: Content-Length %d, but the body was %d bytes",
                        frame.declared,
                        len(longer),
                    )
                    body = longer
            try:
                payload = json.loads(body.decode("utf-8"))
            except UnicodeDecodeError as again:
                self.undecodable(
                    body, PARSE_ERROR, f"not valid UTF-8 (byte {again.start})", frame.note
                )
                return
            except (ValueError, RecursionError):
                self.undecodable(body, PARSE_ERROR, why, frame.note)
                return
        else:
            if frame.note is not None:
                log.warning("client mistake: %s", frame.note)
        self.receive_payload(payload)

    def receive_payload(self, payload: Any) -> None:
        """Check one decoded message against JSON-RPC and the LSP lifecycle, then handle it."""
        if isinstance(payload, list):
            # A JSON-RPC batch, which LSP does not use: each request in it is refused by id.
            ids = [
                m.get("id")
                for m in payload
                if isinstance(m, dict)
                and isinstance(m.get("id"), int | str)
                and not isinstance(m.get("id"), bool)
            ]
            why = "a batch of messages (a JSON array), which LSP does not use; send each alone"
            log.warning("client mistake: %s; ignored", why)
            for msg_id in ids:
                self.answer_error(msg_id, INVALID_REQUEST, why)
            return
        if not isinstance(payload, dict):
            why = f"a message must be a JSON object, not a JSON {type(payload).__name__}"
            self.invalid(None, None, why)
            return
        msg_id = payload.get("id")
        id_ok = isinstance(msg_id, int | str) and not isinstance(msg_id, bool)
        method = payload.get("method")
        if payload.get("jsonrpc") != JSONRPC_VERSION:
            self.invalid(
                msg_id if id_ok else None,
                method,
                'not a JSON-RPC 2.0 message ("jsonrpc": "2.0" is missing)',
            )
            return
        if "method" in payload and not isinstance(method, str):
            self.invalid(msg_id if id_ok else None, None, "the method must be a string")
            return
        if "id" in payload and not id_ok:
            self.invalid(None, method, "the id must be a number or a string")
            return
        if method is None:
            if "id" not in payload:
                self.invalid(None, None, "neither a request, a notification nor a response")
                return
        elif "id" in payload:
            if not self.initialize_seen and method != lsp.INITIALIZE:
                self.answer_error(
                    msg_id,
                    SERVER_NOT_INITIALIZED,
                    f"{method}: the server is not initialized; send initialize first",
                )
                return
            if self._shutdown:
                self.invalid(
                    msg_id, method, "the server is shutting down (after shutdown only exit)"
                )
                return
            if method == lsp.INITIALIZE:
                if self.initialize_seen:
                    self.invalid(msg_id, method, "initialize was already sent")
                    return
                self.initialize_seen = True
        elif method != lsp.EXIT and (not self.initialize_seen or self._shutdown):
            when = "before initialize" if not self.initialize_seen else "after shutdown"
            log.info("client mistake: %s %s: ignored", method, when)
            return
        if method is not None and self.held_back(method, payload):
            return
        try:
            message = self.structure_message(payload)
        except JsonRpcException as exc:
            log.warning("client mistake: %s: %s", method or "response", exc.message)
            if method is not None and "id" in payload:
                self.answer_error(msg_id, exc.code, f"{method}: {exc.message}")
            return
        except (Exception, RecursionError) as exc:
            log.warning("client mistake: %s: cannot be decoded (%s)", method or "response", exc)
            if method is not None and "id" in payload:
                self.answer_error(msg_id, INVALID_PARAMS, f"{method}: cannot be decoded ({exc})")
            return
        self.handle_message(message)

    def answer_error(self, msg_id: Any, code: int, message: str) -> None:
        """An error answer to request ``msg_id``."""
        self._send_response(msg_id, error=lsp.ResponseError(code=code, message=message))

    def invalid(self, msg_id: Any, method: Any, why: str) -> None:
        """Log and (when its id is known) answer an invalid request: one line, no traceback."""
        what = method if isinstance(method, str) else "message"
        log.warning("client mistake: %s: %s; ignored", what, why)
        if msg_id is not None:
            self.answer_error(msg_id, INVALID_REQUEST, f"{what}: {why}")

    def undecodable(self, body: bytes, code: int, why: str, note: str | None = None) -> None:
        """A body that is no JSON: answered by the id found in it, if any; a change that could
        not be read puts its document out of sync."""
        msg_id = readable_id(body)
        method = readable_method(body)
        what = method or "message"
        framing = f" ({note})" if note is not None else ""
        log.warning("client mistake: %s of %d bytes%s: %s; ignored", what, len(body), framing, why)
        if method == lsp.TEXT_DOCUMENT_DID_CHANGE and (uri := readable_uri(body)) is not None:
            self.mark_out_of_sync(uri, f"a change was {why}")
        if msg_id is not None:
            self.answer_error(msg_id, code, f"{what}: {why}")

    def refuse_oversize(self, frame: Frame) -> None:
        """A message above the size limit: skipped unread, answered when its id is known."""
        why = (
            f"{frame.oversize:,} bytes, above the limit of {self.max_message_size:,} "
            "(milestone-lsp serve --max-message-size)"
        )
        msg_id = readable_id(frame.body)
        method = readable_method(frame.body)
        what = method or "message"
        framing = f" ({frame.note})" if frame.note is not None else ""
        log.warning("client mistake: %s of %s%s; not read", what, why, framing)
        if method == lsp.TEXT_DOCUMENT_DID_CHANGE and (uri := readable_uri(frame.body)):
            self.mark_out_of_sync(uri, f"a change of {why} was not read")
        if msg_id is not None:
            self.answer_error(msg_id, INVALID_REQUEST, f"{what}: a message of {why}; not read")

    # -- documents out of step with the editor --------------------------------------------------

    def open_key(self, uri: str) -> str | None:
        """The key of an open document in pygls' workspace (the URI as sent, or unquoted)."""
        documents = self.workspace.text_documents
        return next((k for k in (uri, unquote(uri)) if k in documents), None)

    def mark_out_of_sync(self, uri: str, why: str) -> None:
        """Stop answering about an open document whose change could not be applied."""
        key = self.open_key(uri)
        if key is None or key in self.out_of_sync:
            return
        self.out_of_sync[key] = why
        name = key.rsplit("/", 1)[-1]
        message = (
            f"milestone-lsp: {name} is out of step with the editor ({why}). Close and reopen "
            "it; until then milestone-lsp shows nothing for it rather than wrong answers."
        )
        log.warning("%s: %s", key, message)
        self.notify(
            lsp.WINDOW_SHOW_MESSAGE,
            lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=message),
        )
        self.notify(
            lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
            lsp.PublishDiagnosticsParams(uri=key, diagnostics=[]),
        )

    def held_back(self, method: str, payload: dict[str, Any]) -> bool:
        """Whether a message about a document out of sync is answered here (an error) or
        dropped; open, close and a change with the whole text bring the document back."""
        params = payload.get("params")
        document = params.get("textDocument") if isinstance(params, dict) else None
        uri = document.get("uri") if isinstance(document, dict) else None
        key = self.open_key(uri) if isinstance(uri, str) else None
        if key is None or key not in self.out_of_sync:
            return False
        if method in (lsp.TEXT_DOCUMENT_DID_OPEN, lsp.TEXT_DOCUMENT_DID_CLOSE):
            del self.out_of_sync[key]
            log.info("%s: in step again (%s)", key, method)
            return False
        if method == lsp.TEXT_DOCUMENT_DID_CHANGE:
            assert isinstance(params, dict)
            changes = params.get("contentChanges")
            whole = [
                n
                for n, change in enumerate(changes if isinstance(changes, list) else [])
                if isinstance(change, dict) and "range" not in change
            ]
            if not whole:
                log.info("%s: change ignored, the document is out of sync", key)
                return True
            assert isinstance(changes, list)
            params["contentChanges"] = changes[whole[-1] :]
            del self.out_of_sync[key]
            log.info("%s: in step again (the whole text was sent)", key)
            return False
        if "id" in payload:
            self.answer_error(
                payload["id"],
                REQUEST_FAILED,
                f"{method}: {key.rsplit('/', 1)[-1]} is out of step with the editor "
                f"({self.out_of_sync[key]}); close and reopen it",
            )
            return True
        return False

    def _execute_handler(
        self,
        msg_id: Any,
        handler: Any,
        callback: Any,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        """Run a handler; forget its future once it is done.

        pygls files the future of every handler that one of its built-in generator handlers
        waits for (ours behind ``didChange``, ``didOpen``, ``executeCommand``, ...) under a
        fresh uuid in ``_request_futures``, and never removes it: one future, its task and its
        result kept for every edit until the process exits.
        """
        futures = self._request_futures
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None

        def forget(future: Any) -> None:
            if futures.get(msg_id) is future:
                del futures[msg_id]

        def done(future: Any) -> None:
            # Later, on the loop: a cancel runs this at once, while pygls' shutdown handler
            # is iterating over the futures (or in a worker thread, for a thread handler).
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(forget, future)
            else:
                forget(future)
            callback(future)

        super()._execute_handler(msg_id, handler, done, args, kwargs)

    def _run_generator(
        self, future: Any, *, gen: Generator[Any, Any, Any], result_future: Any
    ) -> None:
        """Pass a cancelled inner handler on as a cancelled request.

        pygls' built-in handlers (``workspace/executeCommand``, ``initialize``, ...) are
        generators that wait for ours; when ours is cancelled (the editor cancels, or the
        server exits with requests still waiting for the index), pygls calls
        ``future.result()``, the CancelledError escapes into asyncio's callback (logged as a
        traceback) and the request is never answered.
        """
        if future is not None and future.cancelled():
            gen.close()
            if not result_future.done():
                result_future.cancel()
            return
        super()._run_generator(future, gen=gen, result_future=result_future)

    async def settle(self) -> None:
        """Cancel the handlers still running when the input ends, and wait for them.

        pygls leaves them to ``asyncio.run``, which cancels them after the loop has stopped
        reading; a request still waiting for the index then ended with a CancelledError
        logged at exit. Cancelled here, each is answered as cancelled (or dropped by
        :class:`QuietWriter`) while the loop still runs.
        """
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)

    def set_writer(self, writer: Any, include_headers: bool = True) -> None:
        """Send through a :class:`QuietWriter`."""
        super().set_writer(QuietWriter(writer), include_headers)

    def _send_data(self, data: Any) -> None:
        """Write a message whose params or result is already JSON (``Encoded``) as it is."""
        payload = getattr(data, "params" if hasattr(data, "method") else "result", None)
        if not isinstance(payload, Encoded) or self.writer is None:
            super()._send_data(data)
            return
        body = message(data, payload).encode(self.CHARSET)
        if self._include_headers:
            # Content-Length counts bytes (pygls counts characters of its ASCII-only JSON).
            header = (
                f"Content-Length: {len(body)}\r\n"
                f"Content-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n"
            )
            body = header.encode(self.CHARSET) + body
        written = self.writer.write(body)
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
            elif method == lsp.TEXT_DOCUMENT_DID_CHANGE:
                params = data.get("params")
                document = params.get("textDocument") if isinstance(params, dict) else None
                uri = document.get("uri") if isinstance(document, dict) else None
                if isinstance(uri, str):
                    # The editor applied the change; without it the text is not the editor's.
                    self.mark_out_of_sync(uri, "a change had invalid parameters")
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
        self.edited_lines.pop(uri, None)
        changes = params.content_changes
        if len(changes) == 1 and isinstance(changes[0], lsp.TextDocumentContentChangePartial):
            # One edit (a keystroke): its lines too, from the lines of the text it edits, so
            # that the parse of the new text does not split it all again.
            text, lines = apply_change_to_lines(text, changes[0], encoding)
            if lines is not None:
                self.edited_lines[uri] = (text, lines)
        else:
            for change in changes:
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


def apply_change_to_lines(
    text: str, change: lsp.TextDocumentContentChangePartial, encoding: PositionEncoding
) -> tuple[str, list[str] | None]:
    """:func:`apply_content_change`, and the new text's lines made from the old text's: those
    above and below the edit are the same strings, the edited ones are split again. ``None``
    for the lines when a line end may be a carriage return (in the text or in the change):
    then only a split of the whole text says where the lines end."""
    index = line_index(text)  # usually built already, for the diagnostics of this text
    if "\r" in change.text or index._has_cr():
        return apply_content_change(text, change, encoding), None
    rng = change.range
    first = index.from_encoding(rng.start.line, rng.start.character, encoding)
    last = index.from_encoding(rng.end.line, rng.end.character, encoding)
    start = index.offset(first)
    # Within one line (a keystroke) the end is counted from the start: each offset adds up the
    # lengths of the lines above it.
    end = (
        start + last.character - first.character if last.line == first.line else index.offset(last)
    )
    if end < start:
        start, end, first, last = end, start, last, first
    lines = index.lines
    edited = lines[first.line][: first.character] + change.text + lines[last.line][last.character :]
    new_lines = [*lines[: first.line], *edited.split("\n"), *lines[last.line + 1 :]]
    new_text = text[:start] + change.text + text[end:]
    note_no_cr(new_text)  # neither the text nor the change holds one
    return new_text, new_lines


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


# --- reading the client's stream ---------------------------------------------------------------
#
# pygls' reader (pygls.io_.run_async) matches `^Content-Length: (\d+)\r\n$` exactly and reads
# the body with one read of that many bytes: a lower-case header name, two spaces after the
# colon or LF-only lines are never matched, a wrong length glues leftover bytes onto the next
# header, and from then on the server is alive but deaf; a huge length allocates the body up
# front (MemoryError). The reader below replaces it for stdio (serve_stdio).

DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024
# The longest header block and the most bytes skipped without finding a message: beyond them
# the stream cannot be followed any more.
HEADER_LIMIT = 64 * 1024
GARBAGE_LIMIT = 1024 * 1024
# How long the client may pause inside a message before what it sent is taken as the message.
PAUSE = 1.0
# Of a message above the size limit, the bytes kept to find its id.
KEPT = 64 * 1024
CHUNK = 64 * 1024

_HEADER = re.compile(rb"[ \t]*([!-9;-~]+)[ \t]*:[ \t]*(.*?)[ \t]*")
# Where the next message may start: its Content-Length header, anywhere (a body that was
# declared too short leaves its tail in front of it, with no line end in between).
_HEADER_START = re.compile(rb"(?i)content-length[ \t]*:")
# Where a header block may begin (LSP defines these two headers).
_HEADER_NAME = re.compile(rb"(?i)content-(?:length|type)[ \t]*:")
_ID = re.compile(rb'"id"\s*:\s*(-?\d{1,18}|"(?:[^"\\\r\n]|\\.){0,256}")(?=\s*[,}])')
_METHOD = re.compile(rb'"method"\s*:\s*"([A-Za-z0-9_$/.-]{1,200})"')
_URI = re.compile(rb'"uri"\s*:\s*"((?:[^"\\\r\n]|\\.){1,4096})"')


class StreamLost(Exception):
    """The client's bytes cannot be split into messages any more."""


@dataclass(slots=True)
class Frame:
    """One message as the stream delivered it: its body, or only the start of one too large to
    read (``oversize`` bytes declared), and a note when the framing was wrong."""

    body: bytes
    declared: int | None = None
    oversize: int | None = None
    note: str | None = None


class Framer:
    """Splits the client's bytes into messages, tolerating the mistakes clients make.

    Header names in any case, spaces or tabs around the colon and LF-only lines are accepted.
    A ``Content-Length`` that is too long is noticed when the next header arrives or the
    client pauses with a complete JSON value sent; one that is too short, when the body does
    not parse but does with the bytes up to the next header. Bytes between messages are
    skipped. A body above ``max_size`` is skipped in chunks, never allocated.
    """

    def __init__(self, chunks: asyncio.Queue[bytes], max_size: int) -> None:
        self.chunks = chunks
        self.max_size = max_size
        self.buf = bytearray()
        self.eof = False

    async def fill(self, timeout: float | None = None) -> bool | None:
        """Append the next chunk: ``True``, ``False`` at end of input, ``None`` on a pause."""
        if self.eof:
            return False
        try:
            if timeout is None:
                data = await self.chunks.get()
            else:
                data = await asyncio.wait_for(self.chunks.get(), timeout)
        except TimeoutError:
            return None
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def take(self, n: int) -> bytes:
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    async def next_frame(self) -> Frame | None:
        """The next message, or ``None`` at the end of the input."""
        while True:
            skip = len(self.buf) - len(self.buf.lstrip(b" \t\r\n"))
            del self.buf[:skip]
            if self.buf:
                break
            if not await self.fill():
                return None
        headers = await self._headers()
        if headers is None:
            return await self._garbage()
        length = headers.get(b"content-length", b"")
        if not length.isdigit():
            body = await self._until_next_header()
            what = "invalid" if length else "no"
            return Frame(body, note=f"{what} Content-Length header")
        declared = int(length)
        if declared > self.max_size:
            return await self._oversize(declared)
        return await self._body(declared)

    async def _headers(self) -> dict[bytes, bytes] | None:
        """The header block at the start of the buffer (consumed), ``None`` if it is none."""
        fields: dict[bytes, bytes] = {}
        pos = 0
        while True:
            end = self.buf.find(b"\n", pos)
            if end < 0:
                if len(self.buf) > HEADER_LIMIT:
                    return None  # no header is that long: bytes to skip
                if not await self.fill():
                    return fields or None
                continue
            line = bytes(self.buf[pos:end]).rstrip(b"\r")
            if not line.strip():
                del self.buf[: end + 1]
                return fields
            match = _HEADER.fullmatch(line)
            if match is None:
                return None
            fields[match.group(1).lower()] = match.group(2)
            pos = end + 1
            if pos > HEADER_LIMIT:
                return None

    async def _until_next_header(self, start: int = 0) -> bytes:
        """The bytes up to the next header (or a pause, or the end of input), consumed."""
        while True:
            match = _HEADER_START.search(self.buf, start)
            if match is not None and match.start() > 0:
                return self.take(match.start())
            if len(self.buf) > GARBAGE_LIMIT:
                raise StreamLost(f"{len(self.buf)} bytes without a message header")
            start = max(start, len(self.buf) - 32)  # only new bytes are searched next time
            if not await self.fill(PAUSE):
                return self.take(len(self.buf))

    async def _garbage(self) -> Frame:
        body = await self._until_next_header(1)
        return Frame(body, note=f"{len(body)} bytes that are not a message header")

    async def _body(self, declared: int) -> Frame:
        scanned = 0
        while len(self.buf) < declared:
            at = cut(self.buf, max(0, scanned - 32))
            if at is not None:
                body = self.take(at)
                return Frame(
                    body,
                    declared,
                    note=f"Content-Length {declared}, but the next message began after "
                    f"{len(body)} bytes",
                )
            scanned = len(self.buf)
            got = await self.fill(PAUSE)
            if got is None and (at := self._end_on_pause()) is not None:
                body = self.take(at)
                return Frame(
                    body,
                    declared,
                    note=f"Content-Length {declared}, but the body ended after {len(body)} bytes",
                )
            if got is None:
                got = await self.fill()
            if got is False:
                return Frame(self.take(len(self.buf)), declared, note="input ended in a message")
        return Frame(self.take(declared), declared)

    def _end_on_pause(self) -> int | None:
        """Where the body ends when the client pauses before sending all it declared: after
        the whole JSON value it starts with, or else before the next message's header (the
        client waits for an answer; the bytes it declared will never come)."""
        at = json_prefix(self.buf)
        if at is not None:
            return at
        match = _HEADER_START.search(self.buf, 1)
        return match.start() if match is not None else None

    async def extend(self, body: bytes) -> bytes | None:
        """``body`` with the bytes up to the next header, when together they are one JSON
        value (the client declared a length shorter than its body); they are consumed."""
        while len(self.buf) <= GARBAGE_LIMIT:
            ends = [m.start() for m in _HEADER_NAME.finditer(self.buf)][:64]
            for end in [*ends, len(self.buf)]:
                if end and complete_json(body + self.buf[:end]):
                    return body + self.take(end)
            if ends or not await self.fill(PAUSE):
                return None  # the next message has begun, or the client waits: no such body
        return None

    async def _oversize(self, declared: int) -> Frame:
        """Skip a body above the limit. Its first ``KEPT`` bytes are kept (to find its id): a
        small message declared too large ends in them, before the next header or where the
        client pauses, and the stream goes on from there."""
        kept = bytearray()
        left = declared
        while left > 0 and len(kept) < KEPT:
            if not self.buf:
                got = await self.fill(PAUSE)
                if got is None:
                    at = json_prefix(kept)
                    if at is None and (header := _HEADER_START.search(kept, 1)) is not None:
                        at = header.start()
                    if at is not None:
                        self.buf[0:0] = kept[at:]
                        del kept[at:]
                        return Frame(
                            bytes(kept),
                            declared,
                            oversize=declared,
                            note=f"Content-Length {declared}, but the body ended after "
                            f"{len(kept)} bytes",
                        )
                    got = await self.fill()
                if got is False:
                    break
                continue
            take = min(left, len(self.buf), KEPT - len(kept))
            start = max(0, len(kept) - 32)
            kept += self.take(take)
            left -= take
            at = cut(kept, start)
            if at is not None:
                self.buf[0:0] = kept[at:]
                del kept[at:]
                return Frame(
                    bytes(kept),
                    declared,
                    oversize=declared,
                    note=f"Content-Length {declared}, but the next message began after "
                    f"{len(kept)} bytes",
                )
        while left > 0:  # a body that large was really sent: skipped, never held
            if not self.buf and not await self.fill():
                break
            take = min(left, len(self.buf))
            del self.buf[:take]
            left -= take
        return Frame(bytes(kept), declared, oversize=declared)


def cut(data: bytes | bytearray, start: int = 0, stop: int | None = None) -> int | None:
    """Where a whole JSON value ends and the next message's header begins in ``data``,
    between ``start`` and ``stop``: the body of a message declared longer than it is."""
    for match in _HEADER_START.finditer(data, start, len(data) if stop is None else stop):
        at = match.start()
        if at and bytes(data[:at]).rstrip().endswith(b"}") and complete_json(data[:at]):
            return at
    return None


def json_prefix(data: bytes | bytearray) -> int | None:
    """The length in bytes of the whole JSON value ``data`` starts with, if it does."""
    text = bytes(data).decode("utf-8", "surrogateescape")
    start = len(text) - len(text.lstrip())
    try:
        _, end = json.JSONDecoder().raw_decode(text, start)
    except (ValueError, RecursionError):
        return None
    return len(text[:end].encode("utf-8", "surrogateescape"))


def complete_json(data: bytes | bytearray) -> bool:
    """Whether ``data`` is one whole JSON value."""
    try:
        json.loads(data)
    except (ValueError, RecursionError):
        return False
    return True


def readable_id(data: bytes) -> int | str | None:
    """The id of a message that could not be decoded, when it can be read."""
    match = _ID.search(data)
    if match is None:
        return None
    try:
        value = json.loads(match.group(1))
    except ValueError:
        return None
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None


def readable_method(data: bytes) -> str | None:
    """The method of a message that could not be decoded, when it can be read."""
    match = _METHOD.search(data)
    return match.group(1).decode("ascii") if match is not None else None


def readable_uri(data: bytes) -> str | None:
    """The document URI of a message that could not be decoded, when it can be read."""
    match = _URI.search(data)
    if match is None:
        return None
    try:
        text = json.loads(b'"' + match.group(1) + b'"')
    except ValueError:
        return None
    return text if isinstance(text, str) else None


def _pump(fd: int, loop: asyncio.AbstractEventLoop, chunks: asyncio.Queue[bytes]) -> None:
    """Read stdin in a daemon thread (a blocked read never keeps the process from exiting)."""
    while True:
        try:
            data = os.read(fd, CHUNK)
        except OSError:
            data = b""
        try:
            loop.call_soon_threadsafe(chunks.put_nowait, data)
        except RuntimeError:  # the loop is closed: the server is exiting
            return
        if not data:
            return


def serve_stdio(server: Any, max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE) -> int:
    """Run ``server`` over stdin/stdout with :class:`Framer`; the process's exit code.

    Replaces pygls' ``start_io``; the exit code is 0 after ``shutdown`` + ``exit`` or when the
    client closes stdin, 1 after ``exit`` without ``shutdown`` and when the stream is lost.
    """
    protocol: MilestoneProtocol = server.protocol
    protocol.max_message_size = max_message_size
    server._stop_event = threading.Event()
    protocol.set_writer(StdoutWriter(sys.stdout.buffer))

    async def loop() -> int:
        chunks: asyncio.Queue[bytes] = asyncio.Queue()
        reader = threading.Thread(
            target=_pump,
            args=(sys.stdin.buffer.fileno(), asyncio.get_running_loop(), chunks),
            name="milestone-lsp-stdin",
            daemon=True,
        )
        reader.start()
        framer = Framer(chunks, max_message_size)
        try:
            while (frame := await framer.next_frame()) is not None:
                await protocol.receive_frame(frame, framer)
        except StreamLost as exc:
            log.error(
                "the client's messages cannot be followed any more (%s): exiting so that "
                "the editor starts the server again",
                exc,
            )
            return 1
        finally:
            await protocol.settle()
        return 0

    try:
        return asyncio.run(loop())
    except SystemExit as exc:  # pygls' exit handler
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        return 0
    finally:
        server.shutdown()
