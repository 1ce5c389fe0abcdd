"""Hostile and broken input through the real server: each gets a clear error or a bounded,
documented degradation, the server keeps answering, and nothing is written to disk.

One server session (Neovim 0.11's capabilities: UTF-8 positions, push diagnostics) serves a copy
of the demo workspace salted with hostile files. Every test ends by checking that the server
still answers; the last one checks that the workspace on disk is exactly what the tests
themselves made of it. The table in docs/RELIABILITY.md lists each case with its test.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import stat
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, client_capabilities

from tests.e2e.conftest import (
    SERVER,
    TIMEOUT,
    close_doc,
    codes,
    copy_examples,
    init_params,
    open_doc,
    wait_until_indexed,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

DOCUMENT_STATE = "milestone-lsp.documentState"
SECRET = "Secret Outside Milestone"
BIG = 11_000_000  # above the default max_file_size of 10,000,000 bytes


class Disk:
    """The files the tests expect below the workspace root (what they wrote themselves)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.expected = snapshot(root)

    def write(self, path: Path, data: bytes) -> None:
        path.write_bytes(data)
        self.expected = snapshot(self.root)

    def delete(self, path: Path) -> None:
        path.unlink()
        self.expected = snapshot(self.root)

    def replace_with_fifo(self, path: Path) -> None:
        path.unlink()
        os.mkfifo(path)
        self.expected = snapshot(self.root)


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every entry below ``root``: content hash (or link target / kind) and permission bits."""
    out: dict[str, tuple[str, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                digest = "link:" + os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                digest = f"kind:{stat.S_IFMT(info.st_mode)}"
            out[str(path.relative_to(root))] = (digest, stat.S_IMODE(info.st_mode))
    return out


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("outside")
    secret = folder / "secret.md"
    secret.write_text(
        f"# Plan\n\n## Milestone: {SECRET}\n\n**Goal:** never seen by the server\n",
        encoding="utf-8",
    )
    return secret


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory, outside: Path) -> Path:
    root = copy_examples(tmp_path_factory.mktemp("hostile"))
    # The default debounce, as editors get it: bursts of changes are linted once.
    (root / ".milestone-lsp.toml").write_text("debounce_ms = 150\n", encoding="utf-8")
    (root / "bad-utf8.md").write_bytes(b"# Status\n\nProgress: 50%\n\xff\xfe broken \xc3\x28\n")
    (root / "binary.md").write_bytes(bytes(range(256)) * 64)
    (root / "loop.md").symlink_to(root / "loop.md")
    (root / "outside.md").symlink_to(outside)
    (root / "outside-dir").symlink_to(outside.parent, target_is_directory=True)
    return root


@pytest.fixture(scope="module")
def disk(root: Path) -> Disk:
    return Disk(root)


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient, root: Path, disk: Disk):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(init_params(root, client_capabilities("neovim")))
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


# -- helpers ------------------------------------------------------------------------------------


async def next_notification(client: LanguageClient, method: str, timeout: float) -> None:
    """Wait up to ``timeout`` for the next ``method`` notification.

    The waiting future is never cancelled: pytest-lsp would fail on the next notification
    when it tries to resolve a cancelled future (so no ``asyncio.wait_for`` here).
    """
    waiter = asyncio.wrap_future(client.protocol.wait_for_notification(method))
    await asyncio.wait({waiter}, timeout=timeout)


async def wait_for_diagnostics(
    client: LanguageClient,
    uri: str,
    predicate: Callable[[Sequence[lsp.Diagnostic]], bool] = lambda _d: True,
    timeout: float = TIMEOUT,
    *,
    since: object = None,
) -> Sequence[lsp.Diagnostic]:
    """The first published diagnostics of ``uri`` (newer than ``since``) matching ``predicate``.

    ``since`` defaults to what was published before the document's latest :func:`open_fresh`.
    """
    if since is None:
        since = _STALE.pop(uri, None)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        current = client.diagnostics.get(uri)
        if current is not None and current is not since and predicate(current):
            return current
        remaining = deadline - loop.time()
        assert remaining > 0, f"diagnostics of {uri} never matched; last: {codes(current or [])}"
        await next_notification(client, lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, remaining)


async def wait_for_log(client: LanguageClient, needle: str) -> None:
    """Wait until the server has logged a message containing ``needle``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not any(needle in m.message for m in client.log_messages):
        remaining = deadline - loop.time()
        assert remaining > 0, f"the server never logged {needle!r}"
        await next_notification(client, lsp.WINDOW_LOG_MESSAGE, remaining)


async def still_answers(client: LanguageClient) -> None:
    """A command that needs the whole workspace answers within the timeout."""
    result = await asyncio.wait_for(
        client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="milestone-lsp.workspaceProgress", arguments=[])
        ),
        TIMEOUT,
    )
    assert isinstance(result, dict)


async def command(client: LanguageClient, name: str, *arguments: Any) -> Any:
    return await asyncio.wait_for(
        client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command=name, arguments=list(arguments))
        ),
        TIMEOUT,
    )


async def configure(client: LanguageClient, settings: dict[str, Any]) -> None:
    """Send editor settings and wait until the server has re-read them."""
    before = len(client.log_messages)
    client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"milestoneLsp": settings})
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not any("settings read" in m.message for m in client.log_messages[before:]):
        assert loop.time() < deadline, "the server never re-read its settings"
        await next_notification(client, lsp.WINDOW_LOG_MESSAGE, 1)


def watched(client: LanguageClient, path: Path, kind: lsp.FileChangeType) -> None:
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(changes=[lsp.FileEvent(uri=path.as_uri(), type=kind)])
    )


async def request_raw(client: LanguageClient, method: str, params: Any) -> Any:
    """A request with hand-written JSON params (values the typed client refuses to build)."""
    return await asyncio.wait_for(client.protocol.send_request_async(method, params), TIMEOUT)


# Diagnostics published for a URI before its latest didOpen: stale for the test that opens it.
_STALE: dict[str, object] = {}


def open_fresh(client: LanguageClient, path: Path, text: str | None = None) -> str:
    """didOpen; the next :func:`wait_for_diagnostics` of the URI ignores older publications."""
    _STALE[path.as_uri()] = client.diagnostics.get(path.as_uri())
    return open_doc(client, path, text)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines()) if needle in line)


# -- broken files on disk -----------------------------------------------------------------------


async def test_invalid_utf8_and_binary_files_are_skipped_with_a_reason(
    client: LanguageClient,
) -> None:
    await wait_for_log(client, "bad-utf8.md not read: not valid UTF-8")
    await wait_for_log(client, "binary.md not read: binary file")
    await still_answers(client)


async def test_symlink_loop_and_links_out_of_the_workspace_are_not_read(
    client: LanguageClient, root: Path, outside: Path
) -> None:
    await wait_for_log(client, "loop.md not read: symlink loop")
    await wait_for_log(client, "outside.md not read: symlink to")
    progress = await command(client, "milestone-lsp.workspaceProgress")
    assert SECRET not in str(progress)
    for uri in (outside.as_uri(), (root / "outside.md").as_uri(), (root / "loop.md").as_uri()):
        with pytest.raises(JsonRpcException, match="no such document"):
            await command(client, "milestone-lsp.statusReport", {"uri": uri})
    await still_answers(client)


# -- big and deep documents ---------------------------------------------------------------------


async def test_five_megabyte_document(client: LanguageClient, root: Path) -> None:
    head = (root / "STATUS.md").read_text(encoding="utf-8")
    filler = "Notes from the weekly meeting; nothing here states progress.\n\n"
    text = head + filler * ((5_000_000 - len(head)) // len(filler))
    assert len(text.encode()) > 4_900_000
    path = root / "big" / "STATUS.md"
    uri = open_fresh(client, path, text)
    diags = await wait_for_diagnostics(client, uri, timeout=120)
    assert "MS302" in codes(diags)  # analysed: the findings of the head are there
    state = await command(client, DOCUMENT_STATE, {"uri": uri})
    # Over the time budget the document is linted on save only, and MS902 says so.
    assert ("MS902" in codes(diags)) == state["lintedOnSaveOnly"]
    end = lsp.Position(line=line_of(text, "nothing here") + 1, character=0)
    hover = await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=end)
    )
    assert hover is None or isinstance(hover, lsp.Hover)
    close_doc(client, uri)
    await still_answers(client)


async def test_document_above_max_file_size_gets_ms902_only(
    client: LanguageClient, root: Path
) -> None:
    text = "# Status\n\n- [ ] Performance is acceptable\n" + "x" * (BIG - 50) + "\n"
    path = root / "huge" / "STATUS.md"
    uri = open_fresh(client, path, text)
    diags = await wait_for_diagnostics(client, uri, timeout=60)
    assert codes(diags) == ["MS902"]
    assert "max_file_size" in diags[0].message and diags[0].range.start.line == 0
    state = await command(client, DOCUMENT_STATE, {"uri": uri})
    assert state["analysed"] is False and state["characters"] == len(text)
    close_doc(client, uri)
    await still_answers(client)


async def test_line_of_100000_characters(client: LanguageClient, root: Path) -> None:
    long_line = "- [ ] Performance is acceptable " + "and fast " * 11_200
    assert len(long_line) > 100_000
    text = "## Milestone: Long Lines\n\n**Acceptance Criteria:**\n" + long_line + "\n"
    uri = open_fresh(client, root / "long-line.md", text)
    diags = await wait_for_diagnostics(client, uri, lambda ds: "MS101" in codes(ds), timeout=30)
    ms101 = next(d for d in diags if str(d.code) == "MS101")
    assert ms101.range.start.line == 3
    hover = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=3, character=len(long_line) - 1),
        )
    )
    assert hover is None or isinstance(hover, lsp.Hover)
    close_doc(client, uri)
    await still_answers(client)


@pytest.mark.parametrize(
    "text",
    [
        "## Milestone: Deep\n\n**Acceptance Criteria:**\n" + "- " * 10_000 + "x\n",
        "## Milestone: Deep\n\n**Acceptance Criteria:**\n" + "> " * 10_000 + "- [ ] x\n",
        "".join("  " * i + "- [ ] level\n" for i in range(0, 10_000, 50)) + "1. " * 10_000,
    ],
    ids=["lists", "quotes", "indented"],
)
async def test_ten_thousand_nesting_levels(
    client: LanguageClient, root: Path, text: str, request: pytest.FixtureRequest
) -> None:
    uri = open_fresh(client, root / f"deep-{request.node.callspec.id}.md", text)
    await wait_for_diagnostics(client, uri)
    symbols = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert symbols is not None
    folding = await client.text_document_folding_range_async(
        lsp.FoldingRangeParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert folding is None or isinstance(folding, Sequence)
    close_doc(client, uri)
    await still_answers(client)


# -- limits as settings -------------------------------------------------------------------------


async def test_time_budget_degrades_to_lint_on_save_with_ms902(
    client: LanguageClient, root: Path
) -> None:
    # 300 kB of status: parsing it takes well over a millisecond on any machine.
    text = (root / "STATUS.md").read_text(encoding="utf-8") * 300
    await configure(client, {"requestTimeBudgetMs": 1})
    try:
        uri = open_fresh(client, root / "slow" / "STATUS.md", text)
        # Opening is not counted against the budget (its caches start empty): linted in full.
        opened = await wait_for_diagnostics(client, uri, lambda ds: "MS302" in codes(ds))
        assert "MS902" not in codes(opened)
        state = await command(client, DOCUMENT_STATE, {"uri": uri})
        assert state["lintedOnSaveOnly"] is False
        # The first edit over the budget turns linting on change off, and MS902 says so.
        top = lsp.Position(line=0, character=0)
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[
                    lsp.TextDocumentContentChangePartial(
                        range=lsp.Range(start=top, end=top), text="\n"
                    )
                ],
            )
        )
        diags = await wait_for_diagnostics(client, uri, lambda ds: "MS902" in codes(ds))
        notice = next(d for d in diags if str(d.code) == "MS902")
        assert "request_time_budget_ms" in notice.message
        assert "MS302" in codes(diags)  # the analysis that was done is still reported
        state = await command(client, DOCUMENT_STATE, {"uri": uri})
        assert state["lintedOnSaveOnly"] is True
        # Not linted on change any more, but features still answer for the current text.
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=3),
                content_changes=[
                    lsp.TextDocumentContentChangePartial(
                        range=lsp.Range(start=top, end=top),
                        text="## Milestone: Freshly Typed\n\n**Goal:** seen at once\n\n",
                    )
                ],
            )
        )
        symbols = await client.text_document_document_symbol_async(
            lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        assert "Freshly Typed" in str(symbols)
    finally:
        await configure(client, {})
    # Saved under the default budget, the document is linted on change again.
    client.text_document_did_save(
        lsp.DidSaveTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    await wait_for_diagnostics(client, uri, lambda ds: "MS902" not in codes(ds))
    close_doc(client, uri)
    await still_answers(client)


async def test_max_file_size_is_a_setting(client: LanguageClient, root: Path) -> None:
    await configure(client, {"maxFileSize": 500})
    try:
        uri = open_fresh(client, root / "STATUS.md")
        diags = await wait_for_diagnostics(client, uri, lambda ds: codes(ds) == ["MS902"])
        assert "above the limit of 500" in diags[0].message
        close_doc(client, uri)
    finally:
        await configure(client, {})
    await still_answers(client)


# -- files that change under the server ---------------------------------------------------------


async def test_file_that_disappears_or_becomes_unreadable(
    client: LanguageClient, root: Path, disk: Disk
) -> None:
    extra = root / "extra-milestones.md"
    disk.write(
        extra,
        b"## Milestone: Vanishing Act\n\n**Goal:** here, then gone\n**Phase:** Phase 9\n",
    )
    watched(client, extra, lsp.FileChangeType.Created)
    await wait_for_progress(client, lambda p: "Vanishing Act" in str(p))
    disk.replace_with_fifo(extra)  # a FIFO would block a plain read() forever
    watched(client, extra, lsp.FileChangeType.Changed)
    await wait_for_progress(client, lambda p: "Vanishing Act" not in str(p))
    disk.delete(extra)
    watched(client, extra, lsp.FileChangeType.Deleted)
    await still_answers(client)


async def wait_for_progress(client: LanguageClient, predicate: Any) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not predicate(await command(client, "milestone-lsp.workspaceProgress")):
        assert loop.time() < deadline, "the workspace never reached the expected state"
        await asyncio.sleep(0.05)


async def test_decisions_deleted_while_status_is_open(
    client: LanguageClient, root: Path, disk: Disk
) -> None:
    uri = open_fresh(client, root / "STATUS.md")
    before = await wait_for_diagnostics(client, uri)
    assert not any(str(d.code) == "MS203" and d.range.start.line == 19 for d in before)
    decisions = root / "DECISIONS.md"
    saved = decisions.read_bytes()
    disk.delete(decisions)
    watched(client, decisions, lsp.FileChangeType.Deleted)
    # Nothing verifies 'Foundation Complete' any more: MS203 appears on its line.
    await wait_for_diagnostics(
        client,
        uri,
        lambda ds: any(str(d.code) == "MS203" and d.range.start.line == 19 for d in ds),
        since=before,
    )
    disk.write(decisions, saved)
    watched(client, decisions, lsp.FileChangeType.Created)
    await wait_for_diagnostics(
        client,
        uri,
        lambda ds: not any(str(d.code) == "MS203" and d.range.start.line == 19 for d in ds),
    )
    close_doc(client, uri)
    await still_answers(client)


# -- bad settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"debounce_ms = 0\nrules = {MS101 = \n", "(syntax): line 2, column 18"),
        (b'debounce_ms = "fast"\n', "debounce_ms: must be a whole number"),
        (b"debounce_ms = 0\nmax_file_sise = 5\n", "max_file_sise: unknown setting"),
        (b"debounce_ms = 0\n[rules]\nMS101 = 'loud'\n", "rules.MS101: must be one of"),
    ],
    ids=["toml-syntax", "wrong-type", "unknown-key", "bad-severity"],
)
async def test_invalid_config_file_is_reported_and_defaults_used(
    client: LanguageClient, root: Path, disk: Disk, content: bytes, expected: str
) -> None:
    config = root / ".milestone-lsp.toml"
    saved = config.read_bytes()
    before = len(client.messages)
    disk.write(config, content)
    try:
        watched(client, config, lsp.FileChangeType.Changed)
        await wait_for_message(client, expected, before)
        await still_answers(client)
    finally:
        disk.write(config, saved)
        watched(client, config, lsp.FileChangeType.Changed)


async def wait_for_message(client: LanguageClient, needle: str, since: int) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not any(needle in m.message for m in client.messages[since:]):
        assert loop.time() < deadline, (
            f"no window/showMessage with {needle!r}: {[m.message for m in client.messages]}"
        )
        await next_notification(client, lsp.WINDOW_SHOW_MESSAGE, 1)


async def test_invalid_client_settings_are_reported_and_ignored(
    client: LanguageClient, root: Path
) -> None:
    before = len(client.messages)
    await configure(
        client, {"maxFileSize": -5, "lintOn": "sometimes", "noSuchSetting": True, "rules": 7}
    )
    try:
        for needle in ("maxFileSize", "lintOn", "noSuchSetting: unknown setting", "rules"):
            await wait_for_message(client, needle, before)
        uri = open_fresh(client, root / "STATUS.md")
        diags = await wait_for_diagnostics(client, uri)
        assert "MS302" in codes(diags) and "MS902" not in codes(diags)  # defaults in force
        close_doc(client, uri)
    finally:
        await configure(client, {})
    await still_answers(client)


# -- bad requests -------------------------------------------------------------------------------


async def test_out_of_range_positions(client: LanguageClient, root: Path) -> None:
    uri = open_fresh(client, root / "STATUS.md")
    doc = lsp.TextDocumentIdentifier(uri=uri)
    for line, character in [(10**6, 0), (0, 10**6), (2**31 - 1, 2**31 - 1), (40, 10**5)]:
        position = lsp.Position(line=line, character=character)
        where = lsp.Range(start=position, end=position)
        hover = await client.text_document_hover_async(
            lsp.HoverParams(text_document=doc, position=position)
        )
        assert hover is None or isinstance(hover, lsp.Hover)
        await client.text_document_completion_async(
            lsp.CompletionParams(text_document=doc, position=position)
        )
        await client.text_document_definition_async(
            lsp.DefinitionParams(text_document=doc, position=position)
        )
        await client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=doc, range=where, context=lsp.CodeActionContext(diagnostics=[])
            )
        )
    close_doc(client, uri)
    await still_answers(client)


class RawSession:
    """The server over stdio with hand-written JSON, for messages a typed client cannot send."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, root: Path) -> RawSession:
        process = await asyncio.create_subprocess_exec(
            *SERVER.server_command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        session = cls(process)
        await session.request(1, "initialize", {"capabilities": {}, "rootUri": root.as_uri()})
        session.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        return session

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        length = 0
        while (line := await self.process.stdout.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        assert length, "the server closed its output"
        message: dict[str, Any] = json.loads(await self.process.stdout.readexactly(length))
        return message

    async def request(self, msg_id: int, method: str, params: Any) -> dict[str, Any]:
        """Send a request and return its response (skipping notifications in between)."""
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        while True:
            message = await asyncio.wait_for(self.receive(), TIMEOUT)
            if message.get("id") == msg_id and "method" not in message:
                return message

    async def finish(self) -> tuple[int, str]:
        """Close stdin (the editor quits) and return the exit code and everything on stderr."""
        assert self.process.stdin is not None and self.process.stderr is not None
        self.process.stdin.close()
        code = await asyncio.wait_for(self.process.wait(), TIMEOUT)
        return code, (await self.process.stderr.read()).decode(errors="replace")


async def test_negative_positions_get_an_invalid_params_error(root: Path) -> None:
    session = await RawSession.start(root)
    uri = (root / "STATUS.md").as_uri()
    text = (root / "STATUS.md").read_text(encoding="utf-8")
    session.send(
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
            },
        }
    )
    msg_id = 10
    for line, character in [(-1, 0), (0, -5), (-3, -3)]:
        position = {"line": line, "character": character}
        for method, params in [
            ("textDocument/hover", {"textDocument": {"uri": uri}, "position": position}),
            ("textDocument/completion", {"textDocument": {"uri": uri}, "position": position}),
            (
                "textDocument/codeAction",
                {
                    "textDocument": {"uri": uri},
                    "range": {"start": {"line": 0, "character": 0}, "end": position},
                    "context": {"diagnostics": []},
                },
            ),
        ]:
            msg_id += 1
            answer = await session.request(msg_id, method, params)
            assert answer["error"]["code"] == -32602, answer
            assert "must be whole numbers >= 0" in answer["error"]["message"]
    # A didChange with a negative position is reported and ignored (the text stays whole),
    # and the document is marked out of sync.
    session.send(
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": -1, "character": 0},
                            "end": {"line": 0, "character": 3},
                        },
                        "text": "X",
                    }
                ],
            },
        }
    )
    state = await session.request(
        99, "workspace/executeCommand", {"command": DOCUMENT_STATE, "arguments": [{"uri": uri}]}
    )
    assert state["result"]["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert state["result"]["version"] == 1
    # The editor applied that change: the server's text is not the editor's any more.
    assert state["result"]["outOfSync"] is True
    wrong = await session.request(
        100, "workspace/executeCommand", {"command": DOCUMENT_STATE, "arguments": [7]}
    )
    assert wrong["error"]["code"] == -32602
    code, stderr = await session.finish()
    assert code == 0
    # The client's mistakes are logged in one line each, not as server tracebacks.
    assert "Traceback" not in stderr, stderr
    assert "invalid parameters" in stderr


async def test_editor_quitting_mid_answer_leaves_no_traceback(root: Path) -> None:
    """The editor closes its end of the pipes while answers are still being written."""
    session = await RawSession.start(root)
    assert session.process.stdout is not None
    transport = session.process._transport  # type: ignore[attr-defined]
    transport.get_pipe_transport(1).close()  # stop reading the server's output
    for n in range(5):
        session.send(
            {
                "jsonrpc": "2.0",
                "id": 100 + n,
                "method": "workspace/executeCommand",
                "params": {"command": "milestone-lsp.workspaceProgress", "arguments": []},
            }
        )
    code, stderr = await session.finish()
    assert code == 0
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


async def test_unknown_command_and_wrong_arguments(client: LanguageClient, root: Path) -> None:
    with pytest.raises(JsonRpcException, match=r"milestone-lsp\.noSuchCommand"):
        await command(client, "milestone-lsp.noSuchCommand")
    uri = (root / "STATUS.md").as_uri()
    cases: list[tuple[str, Sequence[Any], str]] = [
        ("milestone-lsp.statusReport", [], "expected one argument"),
        ("milestone-lsp.statusReport", [42], "expected an object"),
        ("milestone-lsp.statusReport", [{"uri": 5}], "'uri' must be"),
        ("milestone-lsp.statusReport", [{"uri": uri, "milestone": 3}], "'milestone' must be"),
        ("milestone-lsp.statusReport", [{"uri": "file:///nowhere/x.md"}], "no such document"),
        ("milestone-lsp.insertTemplate", [{"uri": uri, "kind": "poem"}], "'kind' must be"),
        ("milestone-lsp.insertTemplate", [{"uri": uri, "kind": "milestone", "line": -1}], "line"),
        (DOCUMENT_STATE, [{"uri": uri}], "is not open"),
        (DOCUMENT_STATE, ["STATUS.md"], "expected one argument"),
    ]
    for name, arguments, message in cases:
        with pytest.raises(JsonRpcException, match=message):
            await command(client, name, *arguments)
    await still_answers(client)


async def test_requests_cancelled_midway(client: LanguageClient, root: Path) -> None:
    uri = open_fresh(client, root / "STATUS.md")
    await wait_for_diagnostics(client, uri)
    futures = []
    for n in range(20):
        msg_id = f"cancel-me-{n}"
        futures.append(
            client.protocol.send_request(
                lsp.WORKSPACE_EXECUTE_COMMAND,
                lsp.ExecuteCommandParams(command="milestone-lsp.workspaceProgress", arguments=[]),
                msg_id=msg_id,
            )
        )
        futures.append(
            client.protocol.send_request(
                lsp.TEXT_DOCUMENT_HOVER,
                lsp.HoverParams(
                    text_document=lsp.TextDocumentIdentifier(uri=uri),
                    position=lsp.Position(line=6, character=20),
                ),
                msg_id=f"{msg_id}-hover",
            )
        )
        client.protocol.notify(lsp.CANCEL_REQUEST, lsp.CancelParams(id=msg_id))
        client.protocol.notify(lsp.CANCEL_REQUEST, lsp.CancelParams(id=f"{msg_id}-hover"))
    # Cancelling an id that was never sent, or twice, is harmless too.
    client.protocol.notify(lsp.CANCEL_REQUEST, lsp.CancelParams(id="never-sent"))
    for future in futures:
        # Each one ends: with its answer, or with the RequestCancelled error.
        with contextlib.suppress(JsonRpcException):
            await asyncio.wait_for(asyncio.wrap_future(future), TIMEOUT)
    close_doc(client, uri)
    await still_answers(client)


async def test_did_change_for_a_document_never_opened(client: LanguageClient, root: Path) -> None:
    uri = (root / "milestones.md").as_uri()
    start = lsp.Position(line=0, character=0)
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=7),
            content_changes=[
                lsp.TextDocumentContentChangePartial(
                    range=lsp.Range(start=start, end=start), text="# changed\n"
                )
            ],
        )
    )
    await wait_for_log(client, f"didChange for {uri}, which is not open: ignored")
    assert uri not in client.diagnostics
    await still_answers(client)


async def test_fifty_documents_edited_concurrently(client: LanguageClient, root: Path) -> None:
    base = (root / "STATUS.md").read_text(encoding="utf-8")
    overall = line_of(base, "**Overall:**")  # MS302 is reported on this line
    texts = {}
    for n in range(50):
        uri = open_fresh(client, root / "fifty" / f"team-{n:02}-status.md", base)
        texts[uri] = base
    rounds = 5
    # Interleaved: every round edits every document before any answer is awaited.
    for round_ in range(rounds):
        for n, uri in enumerate(texts):
            insert = f"- note {round_} for team {n} 😀\n"
            at = lsp.Position(line=2, character=0)
            client.text_document_did_change(
                lsp.DidChangeTextDocumentParams(
                    text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2 + round_),
                    content_changes=[
                        lsp.TextDocumentContentChangePartial(
                            range=lsp.Range(start=at, end=at), text=insert
                        )
                    ],
                )
            )
            lines = texts[uri].split("\n")
            texts[uri] = "\n".join([*lines[:2], insert.rstrip("\n"), *lines[2:]])
    states = await asyncio.gather(*(command(client, DOCUMENT_STATE, {"uri": uri}) for uri in texts))
    for state in states:
        assert state["sha256"] == hashlib.sha256(texts[state["uri"]].encode()).hexdigest()
        assert state["version"] == 1 + rounds
    moved = overall + rounds
    for uri in texts:
        await wait_for_diagnostics(
            client,
            uri,
            lambda ds: any(str(d.code) == "MS302" and d.range.start.line == moved for d in ds),
        )
        close_doc(client, uri)
    await still_answers(client)


async def test_check_reports_unreadable_inputs_without_hanging(tmp_path: Path) -> None:
    """The command line meets the same files: each is named with the reason, none blocks."""
    work = tmp_path / "work"
    work.mkdir()
    os.mkfifo(work / ".milestone-lsp.toml")
    os.mkfifo(work / "fifo.md")
    (work / "bad.md").write_bytes(b"# Status\n\xff\xfe\n")
    (work / "STATUS.md").write_text("# Project Status\n\nProgress: 50%\n", encoding="utf-8")

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*SERVER.server_command[:-1], "check", "."],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    result = check()
    assert ".milestone-lsp.toml: (file): is not a regular file" in result.stderr
    assert result.returncode == 2
    (work / ".milestone-lsp.toml").unlink()
    (work / ".milestone-lsp.toml").write_text("", encoding="utf-8")
    result = check()
    assert "fifo.md: not a regular file" in result.stderr
    assert "bad.md: not valid UTF-8 (byte 9); not read, save it as UTF-8" in result.stderr
    assert "Traceback" not in result.stderr


# -- nothing written ----------------------------------------------------------------------------


async def test_nothing_was_written_to_disk(client: LanguageClient, root: Path, disk: Disk) -> None:
    await still_answers(client)
    assert snapshot(root) == disk.expected
