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
