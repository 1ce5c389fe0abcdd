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
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import sys
from collections.abc import Generator
from typing import Any
from urllib.parse import unquote

from cattrs import transform_error
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.io_ import StdoutWriter
from pygls.protocol import LanguageServerProtocol, lsp_method

from milestone_lsp.core.positions import PositionEncoding, line_index
from milestone_lsp.lsp.convert import encoding_of
from milestone_lsp.lsp.encoded import Encoded, message

log = logging.getLogger("milestone_lsp.lsp.server")


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
