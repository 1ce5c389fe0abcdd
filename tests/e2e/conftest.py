"""Helpers for end-to-end tests: the real server over stdio, driven by pytest-lsp.

Tests never sleep: they wait for the next notification with a timeout and check the state again.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from milestone_lsp.core.positions import LineIndex, PositionEncoding

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "milestone_lsp", "serve"])
TIMEOUT = 10.0


def copy_examples(dest: Path) -> Path:
    """A private copy of the demo workspace (with a root marker so discovery stops there)."""
    shutil.copytree(EXAMPLES, dest, dirs_exist_ok=True)
    (dest / ".milestone-lsp.toml").write_text("debounce_ms = 0\n", encoding="utf-8")
    return dest


def init_params(
    root: Path, capabilities: lsp.ClientCapabilities, options: Any = None
) -> lsp.InitializeParams:
    """InitializeParams for a workspace rooted at ``root``."""
    return lsp.InitializeParams(
        capabilities=capabilities,
        root_uri=root.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        initialization_options=options,
    )


def open_doc(client: LanguageClient, path: Path, text: str | None = None, version: int = 1) -> str:
    """Send didOpen for ``path`` (its text on disk unless given) and return its URI."""
    uri = path.as_uri()
    if text is None:
        text = path.read_bytes().decode("utf-8")
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(
                uri=uri, language_id="markdown", version=version, text=text
            )
        )
    )
    return uri


def close_doc(client: LanguageClient, uri: str) -> None:
    """Send didClose."""
    client.text_document_did_close(
        lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )


async def wait_for_diagnostics(
    client: LanguageClient,
    uri: str,
    predicate: Callable[[Sequence[lsp.Diagnostic]], bool] = lambda _d: True,
    timeout: float = TIMEOUT,
    *,
    since: object = None,
) -> Sequence[lsp.Diagnostic]:
    """Wait until the latest published diagnostics of ``uri`` satisfy ``predicate``.

    ``since``: a list previously read from ``client.diagnostics`` — only a newer publication
    counts (each publication stores a new list).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        current = client.diagnostics.get(uri)
        fresh = since is None or current is not since
        if current is not None and fresh and predicate(current):
            return current
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(
                f"diagnostics of {uri} never matched; last: "
                f"{[(d.code, d.range.start.line) for d in current or []]}"
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), remaining
            )


def codes(diagnostics: Sequence[lsp.Diagnostic]) -> list[str]:
    """The codes of a list of diagnostics."""
    return [str(d.code) for d in diagnostics]


def apply_text_edits(text: str, edits: Sequence[lsp.TextEdit], encoding: PositionEncoding) -> str:
    """Apply LSP text edits (positions in ``encoding``) to ``text``."""
    index = LineIndex(text)
    spans = []
    for e in edits:
        start = index.offset(
            index.from_encoding(e.range.start.line, e.range.start.character, encoding)
        )
        end = index.offset(index.from_encoding(e.range.end.line, e.range.end.character, encoding))
        spans.append((start, end, e.new_text))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def edits_by_uri(edit: lsp.WorkspaceEdit) -> dict[str, list[lsp.TextEdit]]:
    """The text edits of a WorkspaceEdit per URI (documentChanges or changes)."""
    out: dict[str, list[lsp.TextEdit]] = {}
    for change in edit.document_changes or []:
        if isinstance(change, lsp.TextDocumentEdit):
            out.setdefault(change.text_document.uri, []).extend(
                e for e in change.edits if isinstance(e, lsp.TextEdit)
            )
    for uri, edits in (edit.changes or {}).items():
        out.setdefault(uri, []).extend(edits)
    return out


def apply_workspace_edit(
    texts: dict[str, str], edit: lsp.WorkspaceEdit, encoding: PositionEncoding
) -> dict[str, str]:
    """New texts per URI after applying ``edit`` (created files start empty)."""
    out = dict(texts)
    for uri, edits in edits_by_uri(edit).items():
        out[uri] = apply_text_edits(out.get(uri, ""), edits, encoding)
    return out


def change_doc(
    client: LanguageClient, uri: str, version: int, edits: Sequence[lsp.TextEdit]
) -> None:
    """Send incremental didChange events, one per edit, in order."""
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                lsp.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in edits
            ],
        )
    )


def find_line(text: str, needle: str) -> int:
    """The 0-based number of the first line containing ``needle``."""
    for n, line in enumerate(LineIndex(text).lines):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in text")


def extract(text: str, rng: lsp.Range, encoding: PositionEncoding) -> str:
    """The text a wire range covers, decoded with ``encoding``."""
    index = LineIndex(text)
    start = index.offset(index.from_encoding(rng.start.line, rng.start.character, encoding))
    end = index.offset(index.from_encoding(rng.end.line, rng.end.character, encoding))
    return text[start:end]


def reversed_edits(edits: Sequence[lsp.TextEdit]) -> list[lsp.TextEdit]:
    """Edits from last to first, so applying them one by one keeps earlier ranges valid."""
    return sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)


class Doc:
    """An open document: its text as the client sees it, and its version."""

    def __init__(self, client: LanguageClient, path: Path, encoding: PositionEncoding) -> None:
        self.client = client
        self.path = path
        self.encoding = encoding
        self.text = path.read_bytes().decode("utf-8")
        self.version = 1
        # Diagnostics published before this open (stale for this test): see ``since``.
        self.initial = client.diagnostics.get(path.as_uri())
        self.uri = open_doc(client, path, self.text)

    def apply(self, edits: Sequence[lsp.TextEdit]) -> None:
        """Apply edits locally and send them as incremental changes."""
        ordered = reversed_edits(edits)
        self.text = apply_text_edits(self.text, ordered, self.encoding)
        self.version += 1
        change_doc(self.client, self.uri, self.version, ordered)

    def type_text(self, line: int, character: int, typed: str) -> None:
        """Type ``typed`` one character per didChange, starting at a wire position."""
        for ch in typed:
            pos = lsp.Position(line=line, character=character)
            self.apply([lsp.TextEdit(range=lsp.Range(start=pos, end=pos), new_text=ch)])
            character += (
                len(ch.encode("utf-8"))
                if self.encoding == "utf-8"
                else len(ch.encode("utf-16-le")) // 2
            )

    def close(self) -> None:
        """didClose (the server falls back to the file on disk)."""
        close_doc(self.client, self.uri)

    def pos(self, needle: str, offset: int = 0) -> lsp.Position:
        """The wire position of ``needle`` (plus ``offset`` code points) in the text."""
        index = LineIndex(self.text)
        at = self.text.index(needle) + offset
        p = index.position(at)
        line, character = index.to_encoding(p, self.encoding)
        return lsp.Position(line=line, character=character)


# The two client profiles every rule is tested with, and the position encoding each negotiates.
PROFILES: dict[str, PositionEncoding] = {"visual-studio-code": "utf-16", "neovim": "utf-8"}


def rule_project(root: Path, code: str, source: Path, name: str) -> Path:
    """A project folder ``root/code`` holding a rule's fixture: the fixture folder itself, or
    the fixture file saved as ``name``; with an empty debounce so that edits publish at once."""
    folder = root / code
    if source.is_dir():
        shutil.copytree(source, folder)
    else:
        folder.mkdir()
        shutil.copy(source, folder / name)
    (folder / ".milestone-lsp.toml").write_text("debounce_ms = 0\n", encoding="utf-8")
    return folder


async def start_session(lsp_client: LanguageClient, root: Path, profile: str) -> None:
    """Initialise the server on ``root`` with a client profile's capabilities, remember the
    root and encoding on the client (``client.root``, ``client.encoding``) and wait until the
    workspace is indexed."""
    await lsp_client.initialize_session(init_params(root, client_capabilities(profile)))
    lsp_client.root = root  # type: ignore[attr-defined]
    lsp_client.encoding = PROFILES[profile]  # type: ignore[attr-defined]
    await wait_until_indexed(lsp_client)


async def wait_until_indexed(client: LanguageClient) -> None:
    """Commands answer once the initial indexing is done: one round trip waits for it."""
    await asyncio.wait_for(
        client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="milestone-lsp.workspaceProgress", arguments=[])
        ),
        TIMEOUT,
    )


def rule_exists(code: str) -> bool:
    """Whether a rule is registered (rules are being written concurrently)."""
    try:
        from milestone_lsp.rules.catalogue import by_name_or_code

        return by_name_or_code(code) is not None
    except Exception:
        return False


async def wait_for_refresh(client: LanguageClient, before: int, timeout: float = TIMEOUT) -> None:
    """Wait until the server has asked for a diagnostics refresh (it logs each request)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while client.diagnostic_refresh_count <= before:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError("no workspace/diagnostic/refresh request")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(client.wait_for_notification(lsp.WINDOW_LOG_MESSAGE), remaining)


async def wait_for_log(client: LanguageClient, needle: str, timeout: float = TIMEOUT) -> None:
    """Wait until the server has logged (at any time) a message containing ``needle``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if any(needle in m.message for m in client.log_messages):
            return
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"the server never logged {needle!r}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(client.wait_for_notification(lsp.WINDOW_LOG_MESSAGE), remaining)
