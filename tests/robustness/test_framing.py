"""A client that gets the framing, the JSON or the lifecycle wrong, over a raw stdio pipe.

Each case is one the server used to answer with silence: it stayed alive but never answered
again after a framing mistake, died of a huge Content-Length, answered a request sent before
``initialize`` 31 s later, none after ``shutdown``, and gave invalid JSON no answer at all.
Every request whose id can be read gets exactly one answer; when the stream cannot be
followed, the server says so in one line and exits non-zero so that the editor restarts it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import copy_examples
from tests.robustness.rawlsp import RawServer, frame, notification, request

pytestmark = pytest.mark.asyncio(loop_scope="function")

PROGRESS = {"command": "milestone-lsp.workspaceProgress", "arguments": []}
DOCUMENT_STATE = "milestone-lsp.documentState"


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return copy_examples(tmp_path / "ws")


async def started(root: Path, *args: str) -> RawServer:
    server = await RawServer.start(*args)
    await server.initialize(root)
    return server


def progress(msg_id: int) -> dict[str, Any]:
    return request(msg_id, "workspace/executeCommand", PROGRESS)


async def finished_cleanly(server: RawServer) -> str:
    code, stderr = await server.finish()
    assert code == 0, stderr
    assert "Traceback" not in stderr, stderr
    return stderr


@pytest.mark.parametrize(
    "header",
    [
        "content-length: {n}\r\n\r\n",
        "CONTENT-LENGTH:{n}\r\n\r\n",
        "Content-Length:  {n}  \r\n\r\n",
        "Content-Length:\t{n}\r\n\r\n",
        "Content-Length: {n}\n\n",
        "content-type: application/vscode-jsonrpc; charset=utf-8\nContent-Length: {n}\n\n",
        "Content-Length: {n}\r\nX-Extra: 1\r\n\r\n",
    ],
)
async def test_header_variants_are_read(root: Path, header: str) -> None:
    server = await started(root)
    server.write(frame(progress(2), header=header))
    assert "result" in await server.answer(2)
    server.write(frame(progress(3)))  # and the stream is still in step
    assert "result" in await server.answer(3)
    await finished_cleanly(server)


async def test_wrong_content_lengths_are_recovered(root: Path) -> None:
    server = await started(root)
    body = json.dumps(progress(2)).encode()
    # Too short, with the next message right behind it.
    server.write(b"Content-Length: 10\r\n\r\n" + body + frame(progress(3)))
    assert "result" in await server.answer(2)
    assert "result" in await server.answer(3)
    # Too long, the client then waits for the answer.
    body = json.dumps(progress(4)).encode()
    server.write(b"Content-Length: %d\r\n\r\n" % (len(body) + 100) + body)
    assert "result" in await server.answer(4)
    # Too long, with the next message right behind it.
    body = json.dumps(progress(5)).encode()
    server.write(b"Content-Length: %d\r\n\r\n" % (len(body) + 10_000) + body + frame(progress(6)))
    assert "result" in await server.answer(5)
    assert "result" in await server.answer(6)
    # Garbage between messages.
    server.write(b"\r\nnot a header at all\r\n\r\n{}{}\n" + frame(progress(7)))
    assert "result" in await server.answer(7)
    # Split writes: a header in three pieces, the body in two.
    data = frame(progress(8))
    for piece in (data[:5], data[5:17], data[17:40], data[40:]):
        server.write(piece)
        await server.drain()
        await asyncio.sleep(0.05)
    assert "result" in await server.answer(8)
    stderr = await finished_cleanly(server)
    assert "Content-Length 10, but the body was" in stderr
    assert "but the body ended after" in stderr


async def test_a_huge_content_length_is_refused_without_allocating_it(root: Path) -> None:
    server = await started(root)
    body = json.dumps(progress(2)).encode()
    started_at = time.monotonic()
    server.write(b"Content-Length: 1000000000000\r\n\r\n" + body)
    answer = await server.answer(2)
    assert answer["error"]["code"] == -32600
    assert "1,000,000,000,000 bytes, above the limit of 67,108,864" in answer["error"]["message"]
    assert time.monotonic() - started_at < 8
    server.write(frame(progress(3)))
    assert "result" in await server.answer(3)
    # The limit is a setting; a message above it is skipped unread and the next one answered.
    await finished_cleanly(server)
    small = await started(root, "--max-message-size", "1000")
    big = request(2, "workspace/executeCommand", {**PROGRESS, "arguments": ["x" * 5000]})
    small.write(frame(big) + frame(progress(3)))
    refused = await small.answer(2)
    assert refused["error"]["code"] == -32600 and "above the limit of 1,000" in str(refused)
    assert "result" in await small.answer(3)
    await finished_cleanly(small)


@pytest.mark.parametrize(
    ("garbage", "why"),
    [
        (b"not a message\r\n" * 150_000, "bytes without a message header"),
        (b"x" * 2_000_000, "bytes without a message header"),
        (b"Content-Length: 5\r\nX-Long: " + b"y" * 2_000_000, "bytes without a message header"),
    ],
)
async def test_a_stream_that_cannot_be_followed_exits_non_zero(
    root: Path, garbage: bytes, why: str
) -> None:
    server = await started(root)
    server.write(garbage)
    code, stderr = await server.wait(20)
    assert code == 1
    lines = [line for line in stderr.splitlines() if "cannot be followed" in line]
    assert len(lines) == 1 and why in lines[0], stderr
    assert "Traceback" not in stderr


async def test_invalid_json_and_invalid_requests_are_answered(root: Path) -> None:
    server = await started(root)
    server.write(frame(b'{"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "par'))
    assert (await server.answer(2))["error"]["code"] == -32700
    server.write(frame({"id": 3, "method": "workspace/executeCommand", "params": PROGRESS}))
    missing = await server.answer(3)
    assert missing["error"]["code"] == -32600 and "jsonrpc" in missing["error"]["message"]
    server.write(frame({"jsonrpc": "2.0", "id": 4, "method": 17}))
    assert (await server.answer(4))["error"]["code"] == -32600
    server.write(frame({"jsonrpc": "2.0", "id": "five", "method": "no/suchMethod"}))
    assert "error" in await server.answer("five")
    deep = b'{"jsonrpc": "2.0", "id": 6, "method": "x", "params": ' + b"[" * 100_000
    server.write(frame(deep + b"]" * 100_000 + b"}"))
    assert "error" in await server.answer(6)
    big = b'{"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover", "params": ' + b"9" * 5000
    server.write(frame(big + b"}"))
    assert "error" in await server.answer(7)
    server.write(frame([progress(8)]) + frame(b"17") + frame(b"null") + frame(progress(9)))
    assert "result" in await server.answer(9)
    batch = await server.answer(8)  # a batch is no LSP message: each request is refused
    assert batch["error"]["code"] == -32600 and "batch" in batch["error"]["message"]
    stderr = await finished_cleanly(server)
    mistakes = [line for line in stderr.splitlines() if "client mistake" in line]
    assert len(mistakes) >= 8, stderr


async def test_requests_before_initialize_and_after_shutdown(root: Path) -> None:
    server = await RawServer.start()
    sent = time.monotonic()
    server.write(frame(progress(1)))
    early = await server.answer(1)
    assert early["error"]["code"] == -32002
    assert time.monotonic() - sent < 5  # at once, not after waiting for an index
    await server.initialize(root, msg_id=2)
    server.write(frame(request(3, "shutdown")))
    assert (await server.answer(3))["result"] is None
    server.write(frame(progress(4)))
    late = await server.answer(4)
    assert late["error"]["code"] == -32600 and "shutting down" in late["error"]["message"]
    server.write(frame(notification("exit")))
    code, stderr = await server.wait()
    assert code == 0 and "Traceback" not in stderr


async def test_an_undecodable_change_puts_the_document_out_of_sync(root: Path) -> None:
    server = await started(root)
    uri = (root / "STATUS.md").as_uri()
    text = (root / "STATUS.md").read_text(encoding="utf-8")
    opened = {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
    server.write(frame(notification("textDocument/didOpen", {"textDocument": opened})))
    change = {
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [
            {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
             "text": "XX"}
        ],
    }  # fmt: skip
    body = json.dumps(notification("textDocument/didChange", change)).encode()
    server.write(frame(body.replace(b'"XX"', b'"\xff\xfe"')))  # not UTF-8
    hover = {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}
    server.write(frame(request(2, "textDocument/hover", hover)))
    refused = await server.answer(2)
    assert refused["error"]["code"] == -32803
    assert "out of step with the editor" in refused["error"]["message"]
    shown = [m["params"]["message"] for m in server.notifications("window/showMessage")]
    assert any("STATUS.md is out of step" in m and "reopen" in m for m in shown), shown
    withdrawn = [
        m["params"] for m in server.notifications("textDocument/publishDiagnostics")
        if m["params"]["uri"] == uri
    ]  # fmt: skip
    assert withdrawn and withdrawn[-1]["diagnostics"] == []
    # Later incremental changes cannot be applied either; a change with the whole text can.
    server.write(frame(notification("textDocument/didChange", {**change, "textDocument": {
        "uri": uri, "version": 3}})))  # fmt: skip
    new = "YY" + text
    whole = {"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": new}]}
    server.write(frame(notification("textDocument/didChange", whole)))
    server.write(frame(request(3, "textDocument/hover", hover)))
    assert "result" in await server.answer(3)
    arguments = {"command": DOCUMENT_STATE, "arguments": [{"uri": uri}]}
    server.write(frame(request(4, "workspace/executeCommand", arguments)))
    state = (await server.answer(4))["result"]
    assert state["sha256"] == hashlib.sha256(new.encode()).hexdigest()
    assert state["outOfSync"] is False and state["version"] == 4
    await finished_cleanly(server)


async def test_a_closed_document_leaves_no_state_behind(root: Path) -> None:
    server = await started(root)
    uri = (root / "STATUS.md").as_uri()
    text = (root / "STATUS.md").read_text(encoding="utf-8")
    opened = {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
    info = {"command": "milestone-lsp.serverInfo", "arguments": []}
    for n in range(3):
        server.write(frame(notification("textDocument/didOpen", {"textDocument": opened})))
        server.write(frame(request(f"open-{n}", "workspace/executeCommand", info)))
        state = (await server.answer(f"open-{n}"))["result"]["openDocumentState"]
        assert state["open"] == 1 and state["texts"] == 1
        closing = {"textDocument": {"uri": uri}}
        server.write(frame(notification("textDocument/didClose", closing)))
        server.write(frame(request(f"closed-{n}", "workspace/executeCommand", info)))
        state = (await server.answer(f"closed-{n}"))["result"]["openDocumentState"]
        # The last publish of a closed document used to be kept until exit.
        assert set(state.values()) == {0}, state
    await finished_cleanly(server)
