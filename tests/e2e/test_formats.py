"""A team's own milestone format through the real server (VS Code's and Neovim's capability
sets): a `## M2 — Search` milestone whose exit criteria are a table with a Status column gets
its symbol, its hover with the computed progress, and its lens."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient, client_capabilities

from tests.e2e.conftest import (
    SERVER,
    Doc,
    extract,
    find_line,
    init_params,
    wait_for_diagnostics,
    wait_until_indexed,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
PROFILES = {"visual-studio-code": "utf-16", "neovim": "utf-8"}
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "formats" / "table_milestone.md"


@pytest_lsp.fixture(scope="module", config=SERVER, params=sorted(PROFILES))
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    profile = str(request.param)
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    root = factory.mktemp(f"formats-{profile}")
    (root / ".milestone-lsp.toml").write_text("debounce_ms = 0\n", encoding="utf-8")
    shutil.copy(FIXTURE, root / "MILESTONES.md")
    await lsp_client.initialize_session(init_params(root, client_capabilities(profile)))
    lsp_client.root = root  # type: ignore[attr-defined]
    lsp_client.encoding = PROFILES[profile]  # type: ignore[attr-defined]
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


def _doc(client: LanguageClient) -> Doc:
    return Doc(client, client.root / "MILESTONES.md", client.encoding)  # type: ignore[attr-defined]


async def test_table_milestone_symbol_has_its_criteria(client: LanguageClient) -> None:
    doc = _doc(client)
    result = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=doc.uri))
    )
    assert result is not None
    flat: list[lsp.DocumentSymbol] = []
    stack = [s for s in result if isinstance(s, lsp.DocumentSymbol)]
    while stack:
        sym = stack.pop()
        flat.append(sym)
        stack.extend(sym.children or [])
    [milestone] = [s for s in flat if s.kind == lsp.SymbolKind.Module]
    assert "Search" in milestone.name
    criteria = [s for s in flat if s.kind == lsp.SymbolKind.Boolean]
    assert len(criteria) == 3
    assert any("300 ms" in s.name for s in criteria)
    doc.close()


async def test_table_milestone_hover_and_lens_show_progress(client: LanguageClient) -> None:
    doc = _doc(client)
    heading = find_line(doc.text, "## M2 — Search")
    hover = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri), position=doc.pos("Search\n")
        )
    )
    assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
    assert "Acceptance criteria met: 1/3 (33.3%)" in hover.contents.value
    lenses = await client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=doc.uri))
    )
    titles = [
        lens.command.title
        for lens in lenses or []
        if lens.range.start.line == heading and lens.command is not None
    ]
    assert any(t.startswith("1/3 criteria") for t in titles), titles
    doc.close()


async def test_status_field_and_front_matter_status_are_completion_claims(
    client: LanguageClient,
) -> None:
    """A front-matter `status: done` and a `**Status:** ✅ Complete` field (CRLF, emoji) each
    claim their milestone complete: MS201 sits on the Status value, in the client's encoding."""
    root: Path = client.root  # type: ignore[attr-defined]
    source = FIXTURE.with_name("status_fields.md")
    (root / "milestone-7.md").write_bytes(source.read_bytes())
    doc = Doc(client, root / "milestone-7.md", client.encoding)  # type: ignore[attr-defined]
    diagnostics = await wait_for_diagnostics(
        client, doc.uri, lambda ds: sum(str(d.code) == "MS201" for d in ds) == 2
    )
    found = sorted(
        (d.range.start.line, extract(doc.text, d.range, client.encoding))  # type: ignore[attr-defined]
        for d in diagnostics
        if str(d.code) == "MS201"
    )
    assert found == [(2, "done"), (14, "✅ Complete")]
    doc.close()
