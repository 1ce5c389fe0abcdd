"""An older VS Code (1.65): UTF-16 positions, push diagnostics, documentChanges with CreateFile;
CRLF and emoji documents; configuration changes and invalid settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient, client_capabilities

from tests.e2e.conftest import (
    SERVER,
    Doc,
    apply_workspace_edit,
    copy_examples,
    edits_by_uri,
    extract,
    find_line,
    init_params,
    wait_for_diagnostics,
    wait_for_log,
    wait_until_indexed,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
ENC = "utf-16"
CRLF_DOC = (
    "# Launch 🚀\r\n\r\n"
    "## Milestone: Launch Ready\r\n\r\n"
    "**Goal:** The app ships to every user\r\n"
    "**Phase:** Phase 5\r\n\r\n"
    "**Acceptance Criteria:**\r\n"
    "- [ ] 🚀🚀 Launch performance is acceptable\r\n"
    "- [x] Release tests passing (12/12)\r\n\r\n"
    "**Deliverables:**\r\n"
    "1. Release Pipeline\r\n\r\n"
    "**Value Delivered:**\r\n"
    "Users install the app.\r\n\r\n"
    "**Approval Required:** No\r\n"
)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_examples(tmp_path_factory.mktemp("vscode"))
    (root / "DECISIONS.md").unlink()
    (root / "launch.md").write_bytes(CRLF_DOC.encode("utf-8"))
    return root


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient, root: Path):  # type: ignore[no-untyped-def]
    lsp_client.set_configuration({}, section="milestoneLsp")
    result = await lsp_client.initialize_session(
        init_params(root, client_capabilities("visual-studio-code"), {"milestoneLsp": {}})
    )
    lsp_client.init_result = result  # type: ignore[attr-defined]
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


def has(code: str, line: int | None = None) -> Any:
    return lambda ds: any(
        str(d.code) == code and (line is None or d.range.start.line == line) for d in ds
    )


async def test_utf16_negotiated(client: LanguageClient) -> None:
    caps = client.init_result.capabilities  # type: ignore[attr-defined]
    assert caps.position_encoding in (None, lsp.PositionEncodingKind.Utf16)
    assert caps.diagnostic_provider is None


async def test_emoji_crlf_positions(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "launch.md", ENC)
    line = find_line(doc.text, "Launch performance")
    diags = await wait_for_diagnostics(client, doc.uri, has("MS101", line))
    d = next(d for d in diags if str(d.code) == "MS101")
    assert d.range.start.character == 6
    # Two emoji = 4 UTF-16 code units; the line has no "\r" in it.
    raw = "🚀🚀 Launch performance is acceptable"
    assert d.range.end.character == 6 + len(raw.encode("utf-16-le")) // 2
    assert extract(doc.text, d.range, ENC) == raw
    result = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
            range=d.range,
            context=lsp.CodeActionContext(diagnostics=[d], only=[lsp.CodeActionKind.QuickFix]),
        )
    )
    actions = [a for a in result or [] if isinstance(a, lsp.CodeAction)]
    assert actions and actions[0].edit is not None
    assert actions[0].edit.document_changes  # VS Code takes documentChanges
    example = next(a for a in actions if a.title.startswith("Rewrite as example"))
    assert example.edit is not None
    doc.apply(edits_by_uri(example.edit)[doc.uri])
    assert "\n" not in doc.text.replace("\r\n", "")  # line endings kept
    await wait_for_diagnostics(client, doc.uri, lambda ds: not has("MS101", line)(ds))
    doc.close()


async def test_hover_on_emoji_line(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "launch.md", ENC)
    result = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
            position=doc.pos("performance is acceptable"),
        )
    )
    assert result is not None and result.range is not None
    assert extract(doc.text, result.range, ENC) == "🚀🚀 Launch performance is acceptable"
    doc.close()


async def test_log_approval_creates_decisions(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    line = find_line(doc.text, "## Milestone: MVP Functional") + 1
    here = lsp.Range(
        start=lsp.Position(line=line, character=0), end=lsp.Position(line=line, character=0)
    )
    result = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
            range=here,
            context=lsp.CodeActionContext(
                diagnostics=[], only=["source.milestone-lsp.logApproval"]
            ),
        )
    )
    actions = [a for a in result or [] if isinstance(a, lsp.CodeAction)]
    assert len(actions) == 1 and actions[0].edit is not None
    changes = actions[0].edit.document_changes or []
    assert isinstance(changes[0], lsp.CreateFile)
    assert changes[0].uri == (root / "DECISIONS.md").as_uri()
    new = apply_workspace_edit({}, actions[0].edit, ENC)[changes[0].uri]
    assert new.startswith("# Decisions")
    assert 'Milestone "MVP Functional" PENDING' in new
    doc.close()


async def test_configuration_change(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    await wait_for_diagnostics(client, doc.uri, has("MS101"), since=doc.initial)
    client.set_configuration({"rules": {"MS101": "off"}}, section="milestoneLsp")
    before = client.diagnostics.get(doc.uri)
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={}))
    await wait_for_diagnostics(client, doc.uri, lambda ds: not has("MS101")(ds), since=before)
    client.set_configuration({}, section="milestoneLsp")
    before = client.diagnostics.get(doc.uri)
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={}))
    await wait_for_diagnostics(client, doc.uri, has("MS101"), since=before)
    doc.close()


async def test_invalid_configuration_keeps_server_up(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    await wait_for_diagnostics(client, doc.uri, has("MS101"), since=doc.initial)
    shown = len(client.messages)
    client.set_configuration(
        {"debounceMs": "soon", "rules": {"MS101": "off"}}, section="milestoneLsp"
    )
    before = client.diagnostics.get(doc.uri)
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={}))
    # The valid key still applies; the invalid one is reported and falls back to its default.
    await wait_for_diagnostics(client, doc.uri, lambda ds: not has("MS101")(ds), since=before)
    new = client.messages[shown:]
    assert any("debounceMs" in m.message for m in new)
    assert all(m.type == lsp.MessageType.Warning for m in new)
    symbols = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=doc.uri))
    )
    assert symbols
    client.set_configuration({}, section="milestoneLsp")
    before = client.diagnostics.get(doc.uri)
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={}))
    await wait_for_diagnostics(client, doc.uri, has("MS101"), since=before)
    doc.close()


async def test_settings_switch_off_symbols_and_folding(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    await wait_for_diagnostics(client, doc.uri, since=doc.initial)
    client.set_configuration(
        {"documentSymbols": False, "foldingRanges": False}, section="milestoneLsp"
    )
    before = client.diagnostics.get(doc.uri)
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={}))
    await wait_for_log(client, "editor keys ['documentSymbols', 'foldingRanges']")
    ident = lsp.TextDocumentIdentifier(uri=doc.uri)
    assert not await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(text_document=ident)
    )
    assert not await client.text_document_folding_range_async(
        lsp.FoldingRangeParams(text_document=ident)
    )
    client.set_configuration({}, section="milestoneLsp")
    before = client.diagnostics.get(doc.uri)
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={}))
    await wait_for_diagnostics(client, doc.uri, since=before)
    doc.close()
