"""Suppressing a finding from the editor: the quick fix, then MS904 when a reason is required.

Both client profiles; the server applies the settings given as initializationOptions.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient, client_capabilities

from tests.e2e.conftest import (
    SERVER,
    Doc,
    edits_by_uri,
    init_params,
    wait_for_diagnostics,
    wait_until_indexed,
)

CLIENTS = {"vscode": ("visual-studio-code", "utf-16"), "neovim": ("neovim", "utf-8")}
TEXT = """\
## Milestone: Search Live 🔎

**Goal:** Users find any parcel by its tracking number
**Phase:** Phase 3

**Acceptance Criteria:**
- [ ] Search returns a result in <300ms P95
- [ ] Performance is acceptable

**Deliverables:**
1. Search index

**Value Delivered:** Users can find a parcel without calling support

**Approval Required:** No
"""


@pytest_lsp.fixture(config=SERVER, params=sorted(CLIENTS))
async def client(  # type: ignore[no-untyped-def]
    lsp_client: LanguageClient, tmp_path: Path, request: pytest.FixtureRequest
):
    (tmp_path / ".milestone-lsp.toml").write_text("debounce_ms = 0\n", encoding="utf-8")
    (tmp_path / "milestones.md").write_text(TEXT, encoding="utf-8")
    name, _ = CLIENTS[request.param]
    await lsp_client.initialize_session(
        init_params(
            tmp_path,
            client_capabilities(name),
            {"milestoneLsp": {"requireSuppressionReason": True}},
        )
    )
    await wait_until_indexed(lsp_client)
    lsp_client.encoding = CLIENTS[request.param][1]  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


def on_line(code: str, line: int):  # type: ignore[no-untyped-def]
    return lambda ds: any(str(d.code) == code and d.range.start.line == line for d in ds)


async def test_suppress_then_give_a_reason(client: LanguageClient, tmp_path: Path) -> None:
    encoding = client.encoding  # type: ignore[attr-defined]
    doc = Doc(client, tmp_path / "milestones.md", encoding)
    diagnostics = await wait_for_diagnostics(client, doc.uri, on_line("MS101", 7))
    vague = [d for d in diagnostics if str(d.code) == "MS101" and d.range.start.line == 7]
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
            range=vague[0].range,
            context=lsp.CodeActionContext(diagnostics=vague, only=[lsp.CodeActionKind.QuickFix]),
        )
    )
    titles = [a.title for a in actions or [] if isinstance(a, lsp.CodeAction)]
    assert "Suppress MS101 on this line (add a reason)" in titles
    suppress = next(
        a
        for a in actions or []
        if isinstance(a, lsp.CodeAction) and a.title.startswith("Suppress MS101")
    )
    assert suppress.edit is not None
    doc.apply(edits_by_uri(suppress.edit)[doc.uri])
    # The criterion is no longer reported; the placeholder reason is (a reason is required).
    after = await wait_for_diagnostics(
        client, doc.uri, lambda ds: not on_line("MS101", 8)(ds) and on_line("MS904", 7)(ds)
    )
    assert "MS901" not in [str(d.code) for d in after]
    placeholder = "[why this is acceptable]"
    start = doc.pos(placeholder)
    end = doc.pos(placeholder, len(placeholder))
    doc.apply(
        [lsp.TextEdit(range=lsp.Range(start=start, end=end), new_text="signed off by the customer")]
    )
    await wait_for_diagnostics(
        client, doc.uri, lambda ds: not on_line("MS904", 7)(ds) and not on_line("MS101", 8)(ds)
    )
