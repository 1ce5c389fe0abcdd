"""Protocol fuzzing of the real server over a raw stdio pipe.

A seeded generator writes hostile bytes: messages framed with every header spelling, wrong
Content-Lengths (shorter and longer than the body), garbage between messages, writes split at
random points, bodies that are no JSON (truncated, invalid UTF-8, nested 10^5 deep, numbers of
5,000 digits), JSON that is no request (wrong types, missing fields, ids of every type, random
method names) and, rarely, a message above the size limit or a stream that cannot be followed.
After each case a well-formed request (the sentinel) is sent. The properties:

- every request whose id can be read gets exactly one answer, within a bound; no id is ever
  answered twice; the sentinel is always answered — or the process has exited, with its reason
  in the log and a non-zero code;
- after such an exit (and at the end), a fresh server serves the same document correctly: the
  same text (documentState), the same diagnostics, a hover.

``WIRE_FUZZ_CASES`` (default 300, ``make test``) and ``WIRE_FUZZ_SEED`` choose the run;
``make fuzz`` runs 10,000 cases. The figures of the last campaign are in docs/RELIABILITY.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import copy_examples
from tests.robustness.rawlsp import RawServer, frame, notification, request

pytestmark = pytest.mark.asyncio(loop_scope="function")

CASES = int(os.environ.get("WIRE_FUZZ_CASES", "300"))
SEED = int(os.environ.get("WIRE_FUZZ_SEED", "20261203"))
BOUND = 10.0  # seconds within which every readable request must be answered
MAX_MESSAGE = 1_000_000  # the server's --max-message-size in this run

HEADERS = [
    "Content-Length: {n}\r\n\r\n",
    "content-length: {n}\r\n\r\n",
    "CONTENT-LENGTH:{n}\r\n\r\n",
    "Content-Length:   {n} \t\r\n\r\n",
    "Content-Length: {n}\n\n",
    "Content-Length: {n}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n",
    "content-type: application/json\ncontent-length: {n}\n\n",
]
METHODS = [
    "textDocument/hover",
    "textDocument/completion",
    "textDocument/documentSymbol",
    "textDocument/foldingRange",
    "textDocument/codeAction",
    "textDocument/codeLens",
    "textDocument/definition",
    "workspace/executeCommand",
    "workspace/symbol",
    "no/suchMethod",
    "$/private",
    "",
    "textDocument/",
    "x" * 300,
]
_READABLE_ID = re.compile(rb'"id"\s*:\s*(-?\d{1,18}|"(?:[^"\\\r\n]|\\.){0,256}")(?=\s*[,}])')


@dataclass
class Case:
    """The bytes of one case, and the requests in it whose id the server can read."""

    pieces: list[bytes] = field(default_factory=list)
    readable: list[Any] = field(default_factory=list)
    ids: list[Any] = field(default_factory=list)
    fatal: bool = False


class Generator:
    def __init__(self, seed: int, uri: str, text: str) -> None:
        self.rng = random.Random(seed)
        self.uri = uri
        self.text = text
        self.next_id = 1000

    def fresh_id(self) -> Any:
        self.next_id += 1
        return self.next_id if self.rng.random() < 0.6 else f"r-{self.next_id}"

    def json_value(self, depth: int = 0) -> Any:
        r = self.rng.random()
        if depth > 3 or r < 0.35:
            return self.rng.choice(
                [None, True, False, 0, -1, 2**31, 2**63, 1.5, -0.0, "", "x", "é😀", 10**30]
            )
        if r < 0.65:
            return [self.json_value(depth + 1) for _ in range(self.rng.randint(0, 3))]
        keys = ["uri", "line", "character", "textDocument", "position", "range", "command"]
        return {self.rng.choice(keys): self.json_value(depth + 1) for _ in range(3)}

    def params(self, method: str) -> Any:
        position = {"line": self.rng.randint(0, 60), "character": self.rng.randint(0, 80)}
        document = {"uri": self.uri}
        good: dict[str, Any] = {
            "textDocument/hover": {"textDocument": document, "position": position},
            "textDocument/completion": {"textDocument": document, "position": position},
            "textDocument/definition": {"textDocument": document, "position": position},
            "textDocument/documentSymbol": {"textDocument": document},
            "textDocument/foldingRange": {"textDocument": document},
            "textDocument/codeLens": {"textDocument": document},
            "textDocument/codeAction": {
                "textDocument": document,
                "range": {"start": position, "end": position},
                "context": {"diagnostics": []},
            },
            "workspace/executeCommand": {
                "command": self.rng.choice(
                    ["milestone-lsp.serverInfo", "milestone-lsp.documentState", "nope"]
                ),
                "arguments": [{"uri": self.uri}],
            },
            "workspace/symbol": {"query": "M"},
        }
        if method in good and self.rng.random() < 0.7:
            return good[method]
        return self.json_value()

    def message(self) -> tuple[dict[str, Any], Any]:
        """A request (its id) or, sometimes, a notification (``None``)."""
        if self.rng.random() < 0.12:
            whole = self.rng.random() < 0.7
            change: dict[str, Any] = {"text": self.text}
            if not whole:
                change = {
                    "range": {
                        "start": {"line": 0, "character": 0},
                        "end": {"line": 0, "character": 0},
                    },
                    "text": "",
                }
            params = {
                "textDocument": {"uri": self.uri, "version": self.next_id},
                "contentChanges": [change],
            }
            self.next_id += 1
            return notification("textDocument/didChange", params), None
        method = self.rng.choice(METHODS)
        msg_id = self.fresh_id()
        return request(msg_id, method, self.params(method)), msg_id

    def header(self) -> str:
        return self.rng.choice(HEADERS)

    def garbage(self) -> bytes:
        kind = self.rng.random()
        if kind < 0.3:
            return bytes(self.rng.randrange(256) for _ in range(self.rng.randint(1, 200))).replace(
                b"ength", b"ENGTx"
            )
        if kind < 0.6:
            return b"\r\n" * self.rng.randint(1, 4)
        return self.rng.choice([b"{}", b"[1,2]", b"null\r\n", b"hello world\r\n\r\n", b"\x00\xff"])

    def body_mutation(self, body: bytes) -> bytes:
        r = self.rng.random()
        if r < 0.2:
            return body[: self.rng.randint(0, len(body) - 1)]  # truncated
        if r < 0.3:
            at = self.rng.randint(0, len(body))
            return body[:at] + b"\xff\xfe\xc3(" + body[at:]  # not UTF-8
        if r < 0.4:
            return body.replace(b'"params": ', b'"params": ' + b"[" * 100_000, 1) + b"]" * 100_000
        if r < 0.5:
            return body.replace(b'"params": ', b'"params": 1' + b"7" * 5000 + b', "p": ', 1)
        if r < 0.6:
            return body.replace(b'"jsonrpc": "2.0", ', b"", 1)  # no jsonrpc
        if r < 0.7:
            return body.replace(b'"method": ', b'"method": 5, "m": ', 1)  # method not a string
        if r < 0.8:
            return body.replace(b'"id": ', b'"id": [1], "i": ', 1)  # id of a wrong type
        if r < 0.9:
            return self.rng.choice([b"[" + body + b"]", b"17", b'"text"', b"null", b"{}"])
        return body.replace(b'"params": ', b'"params": "' + b"\\u00e9" * 50 + b'", "p": ', 1)

    def case(self) -> Case:
        out = Case()
        last_short = False
        for _ in range(self.rng.randint(1, 3)):
            r = self.rng.random()
            if r < 0.002:
                out.pieces.append(b"not a message at all\r\n" * 60_000)  # 1.3 MB: lost
                out.fatal = True
                return out
            if r < 0.12 and not last_short:
                out.pieces.append(self.garbage())
                continue
            message, msg_id = self.message()
            body = json.dumps(message).encode()
            if msg_id is not None:
                out.ids.append(msg_id)
            last_short = False
            if r < 0.42:  # well framed, any header spelling
                data = frame(body, header=self.header())
                readable = True
            elif r < 0.62:  # JSON mutations, well framed
                body = self.body_mutation(body)
                data = frame(body, header=self.header())
                readable = _READABLE_ID.search(body) is not None and msg_id is not None
                if readable:
                    match = _READABLE_ID.search(body)
                    assert match is not None
                    try:
                        readable = json.loads(match.group(1)) == msg_id
                    except ValueError:  # the mutation landed inside the id
                        readable = False
            elif r < 0.76:  # Content-Length shorter than the body
                data = b"Content-Length: %d\r\n\r\n" % self.rng.randint(1, len(body) - 1) + body
                readable = True
                last_short = True
            elif r < 0.99:  # Content-Length longer than the body
                extra = self.rng.choice([1, 7, 100, 10_000])
                data = b"Content-Length: %d\r\n\r\n" % (len(body) + extra) + body
                readable = True
            else:  # above the size limit
                declared = self.rng.choice([MAX_MESSAGE + 1, 10**12])
                data = b"Content-Length: %d\r\n\r\n" % declared + body
                readable = True
            if readable and msg_id is not None:
                out.readable.append(msg_id)
            out.pieces.append(data)
        return out

    def split(self, data: bytes) -> list[bytes]:
        """The bytes in the pieces a pipe might deliver (sometimes one byte at a time)."""
        if self.rng.random() < 0.7 or len(data) < 2:
            return [data]
        cuts = sorted(self.rng.sample(range(1, len(data)), min(len(data) - 1, 4)))
        return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


async def open_status(server: RawServer, uri: str, text: str) -> None:
    opened = {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
    server.write(frame(notification("textDocument/didOpen", {"textDocument": opened})))


async def serves_the_document(root: Path, uri: str, text: str) -> list[str]:
    """A fresh server: the document's text as the server holds it, a hover, its diagnostics."""
    server = await RawServer.start("--max-message-size", str(MAX_MESSAGE))
    await server.initialize(root)
    await open_status(server, uri, text)
    arguments = {"command": "milestone-lsp.documentState", "arguments": [{"uri": uri}]}
    server.write(frame(request("state", "workspace/executeCommand", arguments)))
    state = (await server.answer("state"))["result"]
    assert state["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert state["outOfSync"] is False
    hover = {"textDocument": {"uri": uri}, "position": {"line": 2, "character": 3}}
    server.write(frame(request("hover", "textDocument/hover", hover)))
    assert "result" in await server.answer("hover")
    deadline = time.monotonic() + BOUND
    while not (
        published := [
            m["params"]
            for m in server.notifications("textDocument/publishDiagnostics")
            if m["params"]["uri"] == uri
        ]
    ):
        assert time.monotonic() < deadline, "no diagnostics for the document"
        await asyncio.sleep(0.05)
    codes = sorted(str(d.get("code")) for d in published[-1]["diagnostics"])
    code, stderr = await server.finish()
    assert code == 0 and "Traceback" not in stderr, stderr
    return codes


async def test_protocol_fuzz(tmp_path: Path) -> None:
    root = copy_examples(tmp_path / "ws")
    path = root / "STATUS.md"
    uri, text = path.as_uri(), path.read_text(encoding="utf-8")
    reference = await serves_the_document(root, uri, text)
    assert reference, "the demo STATUS.md has findings"
    gen = Generator(SEED, uri, text)
    stats: Counter[str] = Counter()
    server: RawServer | None = None
    started = time.monotonic()
    for n in range(CASES):
        if server is None:
            server = await RawServer.start("--max-message-size", str(MAX_MESSAGE))
            await server.initialize(root, msg_id=f"init-{n}")
            await open_status(server, uri, text)
        case = gen.case()
        sentinel = f"sentinel-{n}"
        pieces = [*case.pieces, frame(request(sentinel, "workspace/executeCommand", {
            "command": "milestone-lsp.serverInfo", "arguments": []}))]  # fmt: skip
        for piece in pieces:
            for part in gen.split(piece):
                server.write(part)
                if len(pieces) > 1 and gen.rng.random() < 0.3:
                    await server.drain()
        await server.drain()
        stats["cases"] += 1
        stats["requests"] += len(case.ids)
        stats["readable"] += len(case.readable)
        try:
            gone = case.fatal or await exited(server, sentinel)
        except AssertionError as exc:
            shown = [p[:400] for p in case.pieces]
            raise AssertionError(f"case {n} (seed {SEED}): {shown!r}\n{exc}") from None
        if gone:
            code, stderr = await server.wait(BOUND + 20)
            assert code == 1, stderr[-3000:]
            assert "cannot be followed any more" in stderr and "Traceback" not in stderr
            stats["exits"] += 1
            check_answers(server, stats)
            server = None
            assert await serves_the_document(root, uri, text) == reference
            continue
        try:
            await server.answer(sentinel, BOUND)
            deadline = time.monotonic() + BOUND
            for msg_id in case.readable:
                await server.answer(msg_id, max(0.1, deadline - time.monotonic()))
        except AssertionError as exc:
            shown = [p[:300] for p in case.pieces]
            raise AssertionError(f"case {n} (seed {SEED}): {shown!r}\n{exc}") from None
        # Answers still on their way are counted at the end: none may come twice.
        if n % 500 == 499:
            code, stderr = await server.finish(BOUND + 20)
            assert code == 0 and "Traceback" not in stderr, stderr[-3000:]
            check_answers(server, stats)
            server = None
    if server is not None:
        code, stderr = await server.finish(BOUND + 20)
        assert code == 0 and "Traceback" not in stderr, stderr[-3000:]
        check_answers(server, stats)
    assert await serves_the_document(root, uri, text) == reference
    stats["seconds"] = round(time.monotonic() - started)
    print(f"\nprotocol fuzz (seed {SEED}): " + ", ".join(f"{k} {v}" for k, v in stats.items()))


async def exited(server: RawServer, sentinel: str) -> bool:
    """Whether the process exits instead of answering the sentinel within the bound."""
    try:
        await server.answer(sentinel, BOUND)
    except AssertionError:
        if server.process.returncode is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.process.wait(), 1)
        if server.process.returncode is None:
            raise
        return True
    return False


def check_answers(server: RawServer, stats: Counter[str]) -> None:
    answered = Counter(m.get("id") for m in server.received if "method" not in m)
    twice = {k: v for k, v in answered.items() if v > 1 and k is not None}
    assert not twice, f"answered more than once: {twice}"
    stats["answers"] += sum(answered.values())
