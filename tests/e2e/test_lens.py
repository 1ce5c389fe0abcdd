"""Code lenses where progress is claimed, through the real server (VS Code's and Neovim's
capability sets): STATUS.md's milestone, phase and overall lines and deliverable headings show
the computed figure beside the stated one, and a lens's command answers exactly the hover of
its line."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient, client_capabilities

from tests.e2e.conftest import (
    SERVER,
    Doc,
    copy_examples,
    find_line,
    init_params,
    wait_until_indexed,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
PROFILES = {"visual-studio-code": "utf-16", "neovim": "utf-8"}


@pytest_lsp.fixture(scope="module", config=SERVER, params=sorted(PROFILES))
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    profile = str(request.param)
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    root = copy_examples(factory.mktemp(f"lens-{profile}"))
    await lsp_client.initialize_session(init_params(root, client_capabilities(profile)))
    lsp_client.root = root  # type: ignore[attr-defined]
    lsp_client.encoding = PROFILES[profile]  # type: ignore[attr-defined]
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def lenses_of(client: LanguageClient, doc: Doc) -> dict[int, lsp.CodeLens]:
    result = await client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=doc.uri))
    )
    return {lens.range.start.line: lens for lens in result or []}


async def hover_text(client: LanguageClient, uri: str, position: lsp.Position) -> str:
    result = await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=position)
    )
    assert result is not None and isinstance(result.contents, lsp.MarkupContent)
    return result.contents.value


async def test_status_lines_show_computed_beside_stated(client: LanguageClient) -> None:
    doc = Doc(client, client.root / "STATUS.md", client.encoding)  # type: ignore[attr-defined]
    by_line = await lenses_of(client, doc)
    titles = {line: lens.command.title for line, lens in by_line.items() if lens.command}
    current = find_line(doc.text, "- Milestone: MVP Functional (65% complete)")
    assert titles[current] == "computed 20% (1/5 acceptance criteria met) · stated 65%"
    overall = find_line(doc.text, "**Overall:**")
    # Two milestones are ticked; one of them still waits for its approval.
    assert titles[overall] == "computed 20% (1/5 milestones complete; 2 ticked) · stated 45%"
    assert titles[find_line(doc.text, "- [x] Foundation Complete")].startswith("computed 100%")
    assert "Phase 1 deliverables" in titles[find_line(doc.text, "## Phase 1 Deliverables")]
    assert "Phase 2 deliverables" in titles[find_line(doc.text, "- Phase: Phase 2")]
    assert find_line(doc.text, "- [ ] v1 Release") not in titles  # defined nowhere: no figure
    doc.close()


async def test_deliverable_headings_have_lenses(client: LanguageClient) -> None:
    doc = Doc(client, client.root / "deliverables.md", client.encoding)  # type: ignore[attr-defined]
    by_line = await lenses_of(client, doc)
    heading = find_line(doc.text, "### Deliverable:")
    lens = by_line[heading]
    assert lens.command is not None and "success criteria met" in lens.command.title
    doc.close()


@pytest.mark.parametrize("name", ["STATUS.md", "milestones.md", "deliverables.md"])
async def test_clicking_a_lens_opens_the_hover_summary(client: LanguageClient, name: str) -> None:
    doc = Doc(client, client.root / name, client.encoding)  # type: ignore[attr-defined]
    by_line = await lenses_of(client, doc)
    assert by_line
    for lens in by_line.values():
        assert lens.command is not None
        (argument,) = lens.command.arguments or []
        result = await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command=lens.command.command, arguments=[argument])
        )
        position = lsp.Position(**argument["position"])
        assert position.line == lens.range.start.line
        assert result["markdown"] and result["markdown"] in await hover_text(
            client, doc.uri, position
        )
    doc.close()
