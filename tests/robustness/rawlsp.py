"""The server over a raw stdio pipe: bytes written as a hostile client writes them, every
message the server sends collected as it comes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

SERVER = [sys.executable, "-m", "milestone_lsp", "serve"]


def frame(message: Any, *, header: str = "Content-Length: {n}\r\n\r\n") -> bytes:
    """A message with the header the format names (``{n}``: the body's length in bytes)."""
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return header.format(n=len(body)).encode() + body


def request(msg_id: Any, method: str, params: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not None:
        out["params"] = params
    return out


def notification(method: str, params: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        out["params"] = params
    return out


class RawServer:
    """One server process; :meth:`answer` waits for the answer to an id."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.received: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()
        self.stderr = b""
        self.reader = asyncio.ensure_future(self._read())
        self.err_reader = asyncio.ensure_future(self._read_stderr())

    @classmethod
    async def start(cls, *args: str) -> RawServer:
        process = await asyncio.create_subprocess_exec(
            *SERVER,
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def initialize(self, root: Path, msg_id: Any = 1, **capabilities: Any) -> None:
        self.write(
            frame(
                request(
                    msg_id, "initialize", {"capabilities": capabilities, "rootUri": root.as_uri()}
                )
            )
        )
        answer = await self.answer(msg_id)
        assert "result" in answer, answer
        self.write(frame(notification("initialized", {})))

    def write(self, data: bytes) -> None:
        assert self.process.stdin is not None
        if not self.process.stdin.is_closing():
            self.process.stdin.write(data)

    async def drain(self) -> None:
        assert self.process.stdin is not None
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            await self.process.stdin.drain()

    async def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            length = None
            while True:
                line = await stdout.readline()
                if not line:
                    self.arrived.set()
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            assert length is not None, "a header block without Content-Length"
            self.received.append(json.loads(await stdout.readexactly(length)))
            self.arrived.set()

    async def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        self.stderr = await self.process.stderr.read()

    def answers(self, msg_id: Any) -> list[dict[str, Any]]:
        """Every answer so far to ``msg_id`` (responses, not the server's own requests)."""
        return [m for m in self.received if "method" not in m and m.get("id") == msg_id]

    async def answer(self, msg_id: Any, timeout: float = 10.0) -> dict[str, Any]:
        """The answer to ``msg_id``, waiting up to ``timeout`` seconds for it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (found := self.answers(msg_id)):
            left = deadline - loop.time()
            if left <= 0 or self.reader.done():
                raise AssertionError(
                    f"no answer to id {msg_id!r} within {timeout} s "
                    f"(exited: {self.process.returncode}); stderr: {self.stderr[-2000:]!r}"
                )
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), min(left, 0.5))
        return found[0]

    def notifications(self, method: str) -> list[dict[str, Any]]:
        return [m for m in self.received if m.get("method") == method and "id" not in m]

    async def finish(self, timeout: float = 10.0) -> tuple[int, str]:
        """Close stdin; the exit code and everything on stderr."""
        assert self.process.stdin is not None
        if not self.process.stdin.is_closing():
            self.process.stdin.close()
        return await self.wait(timeout)

    async def wait(self, timeout: float = 10.0) -> tuple[int, str]:
        """Wait for the process to exit by itself; the exit code and stderr."""
        try:
            code = await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise
        await asyncio.wait_for(self.err_reader, timeout)
        await asyncio.wait_for(self.reader, timeout)
        return code, self.stderr.decode(errors="replace")
