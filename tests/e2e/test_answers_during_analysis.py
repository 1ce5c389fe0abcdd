"""Requests right after an edit of a large plan: the analysis runs off the event loop, and hover
and code actions answer meanwhile from the previous analysis for the lines the edit left alone.

Whichever finishes first (the analysis of the edit, or the request's short wait for it), the
answer must be right for the text the editor has now: the assertions below hold either way.
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
    extract,
    find_line,
    init_params,
    wait_for_diagnostics,
    wait_until_indexed,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
ENC = "utf-16"
MILESTONES = 400


def _plan() -> str:
    out = ["# Project Status", "", "**Current Milestone:** Area 0", ""]
    for i in range(MILESTONES):
        out += [
            f"## Milestone: Area {i}",
            "",
            f"**Goal:** Area {i} works end to end without manual steps",
            f"**Phase:** Phase {i // 10}",
            f"**Target:** Week {i + 1}",
            "",
            "**Acceptance Criteria:**",
            f"- [ ] Area {i} performance is acceptable",
            f"- [x] p95 latency of area {i} under 200 ms in the load test",
            "",
        ]
    return "\n".join(out) + "\n"


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("during-analysis")
    (root / ".milestone-lsp.toml").write_text("debounce_ms = 0\n", encoding="utf-8")
    (root / "STATUS.md").write_text(_plan(), encoding="utf-8")
    lsp_client.root = root  # type: ignore[attr-defined]
    capabilities = client_capabilities("visual-studio-code")
    await lsp_client.initialize_session(init_params(root, capabilities))
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


def _insert_line(doc: Doc, line: int, text: str) -> None:
    at = lsp.Position(line=line, character=0)
    doc.apply([lsp.TextEdit(range=lsp.Range(start=at, end=at), new_text=text + "\n")])


async def test_a_quick_fix_right_after_an_edit_above_it_edits_the_moved_line(
    client: LanguageClient,
) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    doc = Doc(client, root / "STATUS.md", ENC)
    needle = f"Area {MILESTONES - 50} performance is acceptable"
    await wait_for_diagnostics(
        client, doc.uri, lambda ds: sum(str(d.code) == "MS101" for d in ds) >= MILESTONES
    )
    for round_ in range(3):
        _insert_line(doc, 2, f"A note added above everything ({round_}).")
        line = find_line(doc.text, needle)
        point = lsp.Position(line=line, character=8)
        actions = await client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
                range=lsp.Range(start=point, end=point),
                context=lsp.CodeActionContext(diagnostics=[]),
            )
        )
        fixes = [
            a
            for a in actions or []
            if isinstance(a, lsp.CodeAction)
            and a.kind == lsp.CodeActionKind.QuickFix
            and any(str(d.code) == "MS101" for d in a.diagnostics or [])
        ]
        rewrites = [a for a in fixes if not a.title.startswith("Suppress")]
        assert rewrites, "the MS101 rewrites of the criterion below the edit are offered"
        for fix in fixes:
            assert fix.diagnostics is not None
            assert all(d.range.start.line == line for d in fix.diagnostics)
            assert fix.edit is not None
            for edit in edits_by_uri(fix.edit)[doc.uri]:
                assert edit.range.start.line == line
                if fix in rewrites:  # replaces the criterion (a suppression goes above it)
                    assert extract(doc.text, edit.range, ENC) == needle
    doc.close()


async def test_hover_right_after_an_edit_is_about_the_new_text(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    doc = Doc(client, root / "STATUS.md", ENC)
    await wait_for_diagnostics(client, doc.uri, lambda ds: len(ds) >= MILESTONES)
    for round_ in range(3):
        _insert_line(doc, 3, f"Another note ({round_}).")
        name = f"Area {MILESTONES - 10 - round_}"
        line = find_line(doc.text, f"## Milestone: {name}\n".rstrip())
        hover = await client.text_document_hover_async(
            lsp.HoverParams(
                text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
                position=lsp.Position(line=line, character=16),
            )
        )
        assert hover is not None
        assert isinstance(hover.contents, lsp.MarkupContent)
        assert name in hover.contents.value
        assert hover.range is not None and hover.range.start.line == line
    # The analysis of the last edit still publishes, for the last version.
    await wait_for_diagnostics(
        client, doc.uri, lambda ds: sum(str(d.code) == "MS101" for d in ds) >= MILESTONES
    )
    doc.close()
