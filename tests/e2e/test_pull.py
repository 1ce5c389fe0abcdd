"""A client with pull diagnostics *and* refresh support gets pull, never push."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    SERVER,
    Doc,
    codes,
    copy_examples,
    find_line,
    init_params,
    wait_for_refresh,
    wait_until_indexed,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
ENC = "utf-16"

PULL_CAPABILITIES = lsp.ClientCapabilities(
    general=lsp.GeneralClientCapabilities(position_encodings=[lsp.PositionEncodingKind.Utf16]),
    text_document=lsp.TextDocumentClientCapabilities(
        synchronization=lsp.TextDocumentSyncClientCapabilities(did_save=True),
        diagnostic=lsp.DiagnosticClientCapabilities(related_document_support=True),
    ),
    workspace=lsp.WorkspaceClientCapabilities(
        configuration=True,
        diagnostics=lsp.DiagnosticWorkspaceClientCapabilities(refresh_support=True),
        workspace_edit=lsp.WorkspaceEditClientCapabilities(document_changes=True),
    ),
    window=lsp.WindowClientCapabilities(work_done_progress=True),
)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_examples(tmp_path_factory.mktemp("pull"))


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient, root: Path):  # type: ignore[no-untyped-def]
    result = await lsp_client.initialize_session(init_params(root, PULL_CAPABILITIES))
    lsp_client.init_result = result  # type: ignore[attr-defined]
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def pull(client: LanguageClient, uri: str) -> list[lsp.Diagnostic]:
    report = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
    return list(report.items)


async def test_pull_announced(client: LanguageClient) -> None:
    caps = client.init_result.capabilities  # type: ignore[attr-defined]
    assert isinstance(caps.diagnostic_provider, lsp.DiagnosticOptions)
    assert caps.diagnostic_provider.inter_file_dependencies


async def test_pull_document_and_no_push(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    items = await pull(client, doc.uri)
    line = find_line(doc.text, "Performance is acceptable")
    assert any(str(d.code) == "MS101" and d.range.start.line == line for d in items)
    assert all(d.source == "milestone-lsp" for d in items)
    # A request after didOpen has been answered, so any push would have arrived by now.
    assert client.diagnostics == {}
    doc.close()


async def test_workspace_pull(client: LanguageClient, root: Path) -> None:
    report = await client.workspace_diagnostic_async(
        lsp.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    by_uri = {i.uri: i for i in report.items}
    deliverables = by_uri[(root / "deliverables.md").as_uri()]
    assert isinstance(deliverables, lsp.WorkspaceFullDocumentDiagnosticReport)
    assert "MS401" in codes(deliverables.items)


async def test_cross_file_change_requests_refresh(client: LanguageClient, root: Path) -> None:
    status = Doc(client, root / "STATUS.md", ENC)
    milestones = Doc(client, root / "milestones.md", ENC)
    before = client.diagnostic_refresh_count
    line = find_line(milestones.text, "Performance is acceptable")
    milestones.apply(
        [
            lsp.TextEdit(
                range=lsp.Range(
                    start=lsp.Position(line=line, character=3),
                    end=lsp.Position(line=line, character=4),
                ),
                new_text="x",
            )
        ]
    )
    await wait_for_refresh(client, before)
    assert client.diagnostics == {}
    status.close()
    milestones.close()


async def pull_report(
    client: LanguageClient, uri: str, previous: str | None
) -> lsp.RelatedFullDocumentDiagnosticReport | lsp.RelatedUnchangedDocumentDiagnosticReport:
    report = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), previous_result_id=previous
        )
    )
    assert isinstance(
        report,
        (lsp.RelatedFullDocumentDiagnosticReport, lsp.RelatedUnchangedDocumentDiagnosticReport),
    )
    return report


async def test_unchanged_diagnostics_answer_unchanged(client: LanguageClient, root: Path) -> None:
    """A pull with the result id of the diagnostics the client holds answers ``unchanged``
    while they stay the same; a change of a finding sends the full list with a new id."""
    doc = Doc(client, root / "milestones.md", ENC)
    first = await pull_report(client, doc.uri, None)
    assert isinstance(first, lsp.RelatedFullDocumentDiagnosticReport)
    assert first.result_id
    again = await pull_report(client, doc.uri, first.result_id)
    assert isinstance(again, lsp.RelatedUnchangedDocumentDiagnosticReport)
    assert again.result_id == first.result_id
    # An id the client does not hold (or none) gets the full list.
    stale = await pull_report(client, doc.uri, "not-an-id")
    assert isinstance(stale, lsp.RelatedFullDocumentDiagnosticReport)
    assert stale.items == first.items

    # A keystroke typed and taken back: two new versions, the same findings.
    at = doc.pos("Developers can build")
    doc.apply([lsp.TextEdit(range=lsp.Range(start=at, end=at), new_text="🚀")])
    end = lsp.Position(line=at.line, character=at.character + 2)  # one emoji: 2 UTF-16 units
    doc.apply([lsp.TextEdit(range=lsp.Range(start=at, end=end), new_text="")])
    same = await pull_report(client, doc.uri, first.result_id)
    assert isinstance(same, lsp.RelatedUnchangedDocumentDiagnosticReport)
    assert same.result_id == first.result_id

    # A new vague criterion: a new finding, so the full list under a new id.
    line = find_line(doc.text, "Coverage report published on every pull request")
    start = lsp.Position(line=line + 1, character=0)
    doc.apply(
        [
            lsp.TextEdit(
                range=lsp.Range(start=start, end=start), new_text="- [ ] Performance is good\n"
            )
        ]
    )
    changed = await pull_report(client, doc.uri, first.result_id)
    assert isinstance(changed, lsp.RelatedFullDocumentDiagnosticReport)
    assert changed.result_id not in (None, first.result_id)
    assert any(str(d.code) == "MS101" and d.range.start.line == line + 1 for d in changed.items)
    old = await pull_report(client, doc.uri, first.result_id)
    assert isinstance(old, lsp.RelatedFullDocumentDiagnosticReport)
    kept = await pull_report(client, doc.uri, changed.result_id)
    assert isinstance(kept, lsp.RelatedUnchangedDocumentDiagnosticReport)
    doc.close()


async def test_workspace_pull_answers_unchanged(client: LanguageClient, root: Path) -> None:
    first = await client.workspace_diagnostic_async(
        lsp.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    held = [
        lsp.PreviousResultId(uri=i.uri, value=i.result_id)
        for i in first.items
        if isinstance(i, lsp.WorkspaceFullDocumentDiagnosticReport) and i.result_id
    ]
    assert held and len(held) == len(first.items)
    second = await client.workspace_diagnostic_async(
        lsp.WorkspaceDiagnosticParams(previous_result_ids=held)
    )
    assert {i.uri for i in second.items} == {p.uri for p in held}
    for item in second.items:
        assert isinstance(item, lsp.WorkspaceUnchangedDocumentDiagnosticReport)
        assert item.result_id == next(p.value for p in held if p.uri == item.uri)
