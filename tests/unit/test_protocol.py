"""One test per adaptation of pygls internals in :mod:`milestone_lsp.lsp.protocol`.

pygls is pinned ``<3``; each test drives the real pygls machinery in process (the protocol of
a real server, pygls' own message classes and dispatch) and fails if pygls changes the
behaviour an override corrects or the hook it overrides, so an upgrade says what it breaks.
End-to-end versions of the same behaviours run over stdio in tests/e2e and tests/robustness.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol
from pygls.server import JsonRPCServer

from milestone_lsp.core.positions import PositionEncoding, split_lines
from milestone_lsp.lsp.encoded import Encoded
from milestone_lsp.lsp.protocol import (
    ClientMistakes,
    Frame,
    Framer,
    MilestoneProtocol,
    QuietWriter,
    StreamLost,
    apply_change_to_lines,
    apply_content_change,
)
from milestone_lsp.lsp.server import create_server
from milestone_lsp.lsp.state import MilestoneServer

TIMEOUT = 10


class Sink:
    """A writer that keeps what pygls writes and wakes a waiter on every write."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.written = asyncio.Event()

    def write(self, data: bytes) -> None:
        self.data += data
        self.written.set()

    def close(self) -> None:
        pass

    def frames(self) -> list[tuple[str, dict[str, Any]]]:
        """The (header, body) of every message written so far."""
        out = []
        rest = bytes(self.data)
        while rest:
            head, _, rest = rest.partition(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1]) for line in head.split(b"\r\n") if b"Length" in line
            )
            body, rest = rest[:length], rest[length:]
            out.append((head.decode(), json.loads(body)))
        return out

    async def wait_for(self, key: str, value: Any) -> dict[str, Any]:
        """The first message whose ``key`` is ``value`` (waits for it, bounded)."""

        async def found() -> dict[str, Any]:
            while True:
                for _, body in self.frames():
                    if body.get(key) == value:
                        return body
                self.written.clear()
                await self.written.wait()

        return await asyncio.wait_for(found(), TIMEOUT)


def started() -> tuple[MilestoneServer, Sink]:
    server = create_server()
    sink = Sink()
    server.protocol.set_writer(sink)
    return server, sink


def receive(server: MilestoneServer, message: dict[str, Any]) -> None:
    """Hand one message to pygls as its reader does: structure it, then dispatch it."""
    protocol = server.protocol
    protocol.handle_message(protocol.structure_message(message))


def initialize_params(encodings: list[str]) -> dict[str, Any]:
    return {
        "processId": None,
        "rootUri": None,
        "capabilities": {"general": {"positionEncodings": encodings}},
    }


# -- QuietWriter / set_writer ----------------------------------------------------------------


class ClosedPipe:
    def __init__(self) -> None:
        self.calls = 0

    def write(self, data: bytes) -> None:
        self.calls += 1
        raise BrokenPipeError(32, "Broken pipe")

    def close(self) -> None:
        raise OSError("already closed")


def test_pygls_installs_its_writers_through_set_writer() -> None:
    # The QuietWriter is installed by overriding set_writer; pygls' stdio transport must
    # still go through it (if it assigned `protocol.writer` directly, the override is dead).
    assert "self.protocol.set_writer(" in inspect.getsource(JsonRPCServer._start_io_async)
    assert list(inspect.signature(JsonRPCProtocol.set_writer).parameters) == [
        "self",
        "writer",
        "include_headers",
    ]


def test_writes_after_the_client_closed_the_pipe_are_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = create_server()
    pipe = ClosedPipe()
    server.protocol.set_writer(pipe)
    assert isinstance(server.protocol.writer, QuietWriter)
    caplog.set_level(logging.INFO)
    params = lsp.LogMessageParams(type=lsp.MessageType.Info, message="hello")
    for _ in range(3):
        server.protocol.notify(lsp.WINDOW_LOG_MESSAGE, params)  # pygls alone re-raises
    assert pipe.calls == 1
    assert sum("closed the connection" in r.getMessage() for r in caplog.records) == 1
    assert not any(r.exc_info for r in caplog.records)
    server.protocol.writer.close()  # closing a closed pipe is fine


# -- _send_data: pre-serialised payloads ------------------------------------------------------


def test_encoded_results_are_framed_as_pygls_frames_its_own() -> None:
    server, sink = started()
    server.protocol._send_response(1, result={"a": [1, 2]})
    server.protocol._send_response(2, result=Encoded('{"a":[1,2]}'))
    server.protocol.notify(lsp.WINDOW_LOG_MESSAGE, Encoded('{"type":3,"message":"é"}'))
    (h1, plain), (h2, encoded), (_, note) = sink.frames()
    assert plain == {"jsonrpc": "2.0", "id": 1, "result": {"a": [1, 2]}}
    assert encoded == {"jsonrpc": "2.0", "id": 2, "result": {"a": [1, 2]}}
    assert note == {
        "jsonrpc": "2.0",
        "method": lsp.WINDOW_LOG_MESSAGE,
        "params": {"type": 3, "message": "é"},
    }
    # Same headers as pygls' own (its Content-Type, a Content-Length in bytes of UTF-8).
    strip = [line for line in h1.split("\r\n") if not line.startswith("Content-Length")]
    assert strip == [line for line in h2.split("\r\n") if not line.startswith("Content-Length")]


# -- lsp_initialize: UTF-8 first --------------------------------------------------------------


async def test_utf8_is_chosen_whenever_the_client_offers_it() -> None:
    server, sink = started()
    receive(
        server,
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": initialize_params(
                [lsp.PositionEncodingKind.Utf16, lsp.PositionEncodingKind.Utf8]
            ),
        },
    )
    answer = await sink.wait_for("id", 1)
    assert answer["result"]["capabilities"]["positionEncoding"] == "utf-8"
    # pygls itself takes the client's first choice, from the list the override reorders.
    assert "choose_position_encoding" in inspect.getsource(LanguageServerProtocol.lsp_initialize)


async def test_utf16_stays_when_the_client_offers_only_utf16() -> None:
    server, sink = started()
    receive(
        server,
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": initialize_params([lsp.PositionEncodingKind.Utf16]),
        },
    )
    answer = await sink.wait_for("id", 1)
    assert answer["result"]["capabilities"]["positionEncoding"] == "utf-16"


# -- structure_message: requests with invalid parameters are answered -------------------------


def test_pygls_still_refuses_invalid_parameters_with_an_exception() -> None:
    protocol = create_server().protocol
    with pytest.raises(JsonRpcInvalidParams):
        LanguageServerProtocol.structure_message(
            protocol,
            {
                "jsonrpc": "2.0",
                "id": 5,
                "method": "textDocument/hover",
                "params": {
                    "textDocument": {"uri": "file:///x.md"},
                    "position": {"line": -1, "character": 0},
                },
            },
        )


async def test_a_request_with_invalid_parameters_gets_an_error_answer() -> None:
    server, sink = started()
    receive(
        server,
        {
            "jsonrpc": "2.0",
            "id": 7,
            "method": "textDocument/hover",
            "params": {
                "textDocument": {"uri": "file:///x.md"},
                "position": {"line": -1, "character": 0},
            },
        },
    )
    answer = await sink.wait_for("id", 7)
    assert answer["error"]["code"] == JsonRpcInvalidParams.CODE
    assert "textDocument/hover: invalid parameters" in answer["error"]["message"]


# -- lsp_text_document__did_change: LSP's line rules ------------------------------------------


def test_pygls_did_change_handler_is_the_one_overridden() -> None:
    # The override replaces pygls' handler by name; if pygls renames it, ours never runs.
    assert hasattr(LanguageServerProtocol, "lsp_text_document__did_change")
    assert (
        MilestoneProtocol.lsp_text_document__did_change
        is not LanguageServerProtocol.lsp_text_document__did_change
    )


async def test_incremental_changes_follow_lsp_line_rules() -> None:
    server, sink = started()
    receive(
        server,
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": initialize_params([lsp.PositionEncodingKind.Utf16]),
        },
    )
    await sink.wait_for("id", 1)
    uri = "untitled:protocol-test.md"
    text = "a\fb\r\nc\u2028d\r\n"  # a form feed and U+2028 are not line ends for LSP
    receive(
        server,
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
            },
        },
    )
    receive(
        server,
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": 1, "character": 0},
                            "end": {"line": 1, "character": 1},
                        },
                        "text": "C",
                    }
                ],
            },
        },
    )
    document = server.workspace.get_text_document(uri)
    assert document.source == "a\fb\r\nC\u2028d\r\n"
    assert document.version == 2


def test_apply_content_change_never_splits_a_crlf_pair() -> None:
    change = lsp.TextDocumentContentChangePartial(
        range=lsp.Range(start=lsp.Position(0, 99), end=lsp.Position(0, 99)), text="!"
    )
    assert apply_content_change("ab\r\ncd", change, "utf-16") == "ab!\r\ncd"


# -- ClientMistakes: one line, not a traceback -------------------------------------------------


def test_pygls_logs_client_mistakes_in_the_shapes_the_filter_shortens() -> None:
    # The filter matches pygls' own log texts; they must still be what pygls writes.
    source = inspect.getsource(JsonRPCProtocol)
    assert "Unable to deserialize message" in source
    assert "Unknown message" in source


def test_client_mistakes_become_one_line() -> None:
    keep = ClientMistakes()
    error = JsonRpcInvalidParams("milestone-lsp.statusReport: expected an object")
    record = logging.LogRecord(
        "pygls", logging.ERROR, __file__, 1, "Failed to handle request %s", (3,), None
    )
    record.exc_info = (type(error), error, None)
    logging.getLogger().setLevel(logging.INFO)
    assert keep.filter(record)
    assert record.levelno == logging.INFO and record.exc_info is None
    assert record.getMessage().endswith("expected an object")
    noise = logging.LogRecord(
        "pygls", logging.ERROR, __file__, 1, "Unable to deserialize message\n...", (), None
    )
    assert not keep.filter(noise)
    ours = logging.LogRecord("milestone_lsp", logging.ERROR, __file__, 1, "a bug", (), None)
    assert keep.filter(ours)


# -- Framer / serve_stdio: reading the client's stream ----------------------------------------


class Bytes:
    """pygls' async reader interface over fixed bytes (then end of input)."""

    def __init__(self, data: bytes) -> None:
        self.stream = __import__("io").BytesIO(data)

    async def readline(self) -> bytes:
        line: bytes = self.stream.readline()
        return line

    async def readexactly(self, n: int) -> bytes:
        data: bytes = self.stream.read(n)
        return data


def body_of(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode()


PROGRESS_REQUEST = {
    "jsonrpc": "2.0",
    "id": 3,
    "method": "workspace/executeCommand",
    "params": {"command": "milestone-lsp.serverInfo", "arguments": []},
}


async def test_pygls_reader_still_reads_only_its_exact_header() -> None:
    # The reason serve_stdio replaces pygls' reader: a lower-case header name (or LF-only
    # lines, or two spaces after the colon) is never matched, and the message is lost.
    from pygls.io_ import run_async

    server, sink = started()
    body = body_of(PROGRESS_REQUEST)
    data = b"content-length: %d\r\n\r\n" % len(body) + body
    await run_async(__import__("threading").Event(), Bytes(data), server.protocol)
    await asyncio.sleep(0.05)
    assert sink.data == b""
    assert 'rb"^Content-Length: (\\d+)\\r\\n$"' in inspect.getsource(run_async)


async def frames_of(data: bytes, max_size: int = 1 << 20, split: int = 7) -> list[Frame]:
    chunks: asyncio.Queue[bytes] = asyncio.Queue()
    for n in range(0, len(data), split):  # split writes: 7 bytes at a time
        chunks.put_nowait(data[n : n + split])
    chunks.put_nowait(b"")
    framer = Framer(chunks, max_size)
    out = []
    while (got := await framer.next_frame()) is not None:
        out.append(got)
    return out


async def test_framer_reads_every_header_spelling() -> None:
    body = body_of(PROGRESS_REQUEST)
    spellings = [
        b"Content-Length: %d\r\n\r\n",
        b"content-length:%d\r\n\r\n",
        b"CONTENT-LENGTH:  %d \t\r\n\r\n",
        b"Content-Length: %d\n\n",
        b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: %d\r\n\r\n",
    ]
    data = b"".join(s % len(body) + body for s in spellings)
    frames = await frames_of(data)
    assert [f.body for f in frames] == [body] * len(spellings)
    assert all(f.note is None for f in frames)


async def test_framer_recovers_wrong_lengths_and_skips_garbage() -> None:
    body = body_of(PROGRESS_REQUEST)
    good = b"Content-Length: %d\r\n\r\n" % len(body) + body
    longer = b"Content-Length: %d\r\n\r\n" % (len(body) + 30) + body
    frames = await frames_of(longer + good + b"junk\r\n" + good)
    assert frames[0].body == body and "next message began" in (frames[0].note or "")
    assert frames[1].body == body and frames[1].note is None
    assert frames[2].body == b"junk\r\n" and "not a message header" in (frames[2].note or "")
    assert frames[3].body == body and frames[3].note is None


async def test_framer_skips_a_message_above_the_limit_without_reading_it() -> None:
    body = body_of({**PROGRESS_REQUEST, "params": {"text": "x" * 500_000}})
    data = b"Content-Length: %d\r\n\r\n" % len(body) + body
    frames = await frames_of(data, max_size=1000, split=4096)
    assert len(frames) == 1 and frames[0].oversize == len(body)
    assert len(frames[0].body) <= 64 * 1024  # only its start, kept to find the id


async def test_framer_gives_up_on_a_stream_without_messages() -> None:
    with pytest.raises(StreamLost):
        await frames_of(b"no header here\r\n" * 100_000, split=4096)


# -- receive_payload: JSON-RPC validity and the lifecycle ---------------------------------------


async def test_requests_outside_the_lifecycle_are_answered_at_once() -> None:
    server, sink = started()
    protocol = server.protocol
    assert isinstance(protocol, MilestoneProtocol)
    protocol.receive_payload(PROGRESS_REQUEST)
    early = await sink.wait_for("id", 3)
    assert early["error"]["code"] == -32002
    protocol.receive_payload({"id": 4, "method": "shutdown"})
    assert (await sink.wait_for("id", 4))["error"]["code"] == -32600
    # pygls drops a request after shutdown without an answer; here it gets one.
    protocol._shutdown = True
    protocol.initialize_seen = True
    protocol.receive_payload({**PROGRESS_REQUEST, "id": 5})
    late = await sink.wait_for("id", 5)
    assert late["error"]["code"] == -32600 and "shutting down" in late["error"]["message"]


def test_pygls_drops_requests_after_shutdown_silently() -> None:
    server, sink = started()
    server.protocol._shutdown = True
    receive(server, {**PROGRESS_REQUEST, "id": 6})
    assert sink.data == b""


# -- _run_generator: a cancelled inner handler -----------------------------------------------


async def test_a_cancelled_handler_behind_a_builtin_is_answered_as_cancelled() -> None:
    server, _sink = started()
    protocol = server.protocol
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    inner: asyncio.Future[Any] = loop.create_future()
    inner.cancel()
    result: asyncio.Future[Any] = loop.create_future()

    def builtin() -> Any:
        yield None
        return "never"

    gen = builtin()
    next(gen)
    protocol._run_generator(inner, gen=gen, result_future=result)
    assert result.cancelled()
    # pygls' own version lets the CancelledError out of the callback.
    gen2 = builtin()
    next(gen2)
    with pytest.raises(asyncio.CancelledError):
        JsonRPCProtocol._run_generator(
            protocol, inner, gen=gen2, result_future=loop.create_future()
        )
    assert errors == []


# -- out of sync --------------------------------------------------------------------------------


async def test_a_document_out_of_sync_is_not_answered_until_it_gets_whole_text() -> None:
    server, sink = started()
    protocol = server.protocol
    assert isinstance(protocol, MilestoneProtocol)
    protocol.receive_payload(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": initialize_params([lsp.PositionEncodingKind.Utf16]),
        }
    )
    await sink.wait_for("id", 1)
    uri = "file:///tmp/STATUS.md"
    protocol.receive_payload(
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": "A"}
            },
        }
    )
    protocol.mark_out_of_sync(uri, "a change was not valid UTF-8")
    hover = {
        "jsonrpc": "2.0",
        "id": 9,
        "method": "textDocument/hover",
        "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}},
    }
    protocol.receive_payload(hover)
    refused = await sink.wait_for("id", 9)
    assert refused["error"]["code"] == -32803
    change = {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "B"}]}
    protocol.receive_payload(
        {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": change}
    )
    assert protocol.out_of_sync == {}
    assert protocol.workspace.get_text_document(uri).source == "B"


# -- _execute_handler: the futures of handlers behind pygls' built-in generators ------------------


async def test_handlers_behind_builtins_are_forgotten_once_done() -> None:
    server, sink = started()
    protocol = server.protocol
    assert isinstance(protocol, MilestoneProtocol)
    protocol.receive_payload(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": initialize_params([lsp.PositionEncodingKind.Utf16]),
        }
    )
    await sink.wait_for("id", 1)
    uri = "file:///tmp/STATUS.md"
    item = {"uri": uri, "languageId": "markdown", "version": 1, "text": "# Status\n"}
    protocol.receive_payload(
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": item}}
    )
    for version in range(2, 12):
        change = {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"text": "x"}],
        }
        protocol.receive_payload(
            {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": change}
        )
    for _ in range(50):
        await asyncio.sleep(0.01)
    assert protocol._request_futures == {}


async def test_pygls_keeps_the_futures_of_handlers_behind_its_generators() -> None:
    server, _sink = started()
    protocol = server.protocol

    async def handler() -> None:
        return None

    JsonRPCProtocol._execute_handler(protocol, "inner", handler, callback=lambda _f: None)
    await asyncio.sleep(0.01)
    assert "inner" in protocol._request_futures  # pygls never removes it


_EDIT_TEXTS = st.lists(
    st.sampled_from(["", "a", "é", "🚀", "中", "\n", "\r", "\r\n", "- [ ] x", "  ", "\t"]),
    max_size=8,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(
    _EDIT_TEXTS,
    _EDIT_TEXTS,
    st.tuples(st.integers(-1, 6), st.integers(-1, 9), st.integers(-1, 6), st.integers(-1, 9)),
    st.sampled_from(["utf-8", "utf-16", "utf-32"]),
)
def test_a_change_applied_to_the_lines_gives_the_lines_of_the_new_text(
    text: str, inserted: str, where: tuple[int, int, int, int], encoding: PositionEncoding
) -> None:
    """The lines made from the edited text's lines (those around the edit kept) are the new
    text's own, and the text is the one the change makes; with a carriage return anywhere the
    lines are left to a split of the whole text."""
    l0, c0, l1, c1 = where
    change = lsp.TextDocumentContentChangePartial(
        range=lsp.Range(
            start=lsp.Position(line=max(0, l0), character=max(0, c0)),
            end=lsp.Position(line=max(0, l1), character=max(0, c1)),
        ),
        text=inserted,
    )
    new_text, lines = apply_change_to_lines(text, change, encoding)
    assert new_text == apply_content_change(text, change, encoding)
    if "\r" in text or "\r" in inserted:
        assert lines is None
    else:
        assert lines == split_lines(new_text)
