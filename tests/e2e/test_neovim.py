"""Neovim 0.11's capabilities: UTF-8 positions; pull without refresh, so diagnostics are pushed.

One server for the module; tests that edit a document close it at the end, which makes the
server fall back to the file on disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
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
    wait_until_indexed,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
ENC = "utf-8"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_examples(tmp_path_factory.mktemp("nvim"))
    (root / "launch.md").write_text(
        "# Launch 🚀\n\n"
        "## Milestone: Launch Ready\n\n"
        "**Goal:** The 🚀 app ships to 100% of users\n"
        "**Phase:** Phase 5\n\n"
        "**Acceptance Criteria:**\n"
        "- [ ] 🚀 Launch performance is acceptable\n"
        "- [x] Release tests passing (12/12)\n\n"
        "**Deliverables:**\n"
        "1. Release Pipeline\n\n"
        "**Value Delivered:**\n"
        "Users install the app.\n\n"
        "**Approval Required:** No\n",
        encoding="utf-8",
    )
    return root


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient, root: Path):  # type: ignore[no-untyped-def]
    applied: list[lsp.ApplyWorkspaceEditParams] = []

    @lsp_client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        applied.append(params)
        return lsp.ApplyWorkspaceEditResult(applied=True)

    lsp_client.applied = applied  # type: ignore[attr-defined]
    result = await lsp_client.initialize_session(
        init_params(root, client_capabilities("neovim@v0.11"))
    )
    lsp_client.init_result = result  # type: ignore[attr-defined]
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


def has(code: str, line: int | None = None) -> Any:
    def check(diags: Any) -> bool:
        return any(
            str(d.code) == code and (line is None or d.range.start.line == line) for d in diags
        )

    return check


def lacks(code: str, line: int | None = None) -> Any:
    def check(diags: Any) -> bool:
        return not has(code, line)(diags)

    return check


async def actions_at(
    client: LanguageClient, doc: Doc, rng: lsp.Range, diags: list[lsp.Diagnostic], only: Any = None
) -> list[lsp.CodeAction]:
    result = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
            range=rng,
            context=lsp.CodeActionContext(diagnostics=diags, only=only),
        )
    )
    return [a for a in result or [] if isinstance(a, lsp.CodeAction)]


# --- initialize --------------------------------------------------------------------------------


async def test_utf8_negotiated_and_push(client: LanguageClient) -> None:
    caps = client.init_result.capabilities  # type: ignore[attr-defined]
    assert caps.position_encoding == lsp.PositionEncodingKind.Utf8
    assert caps.diagnostic_provider is None  # pull without refresh -> push
    sync = caps.text_document_sync
    assert sync is not None and sync.change == lsp.TextDocumentSyncKind.Incremental
    assert caps.inlay_hint_provider and caps.code_lens_provider and caps.rename_provider


async def test_indexing_progress_reported(client: LanguageClient) -> None:
    kinds = [type(v).__name__ for values in client.progress_reports.values() for v in values]
    assert "WorkDoneProgressBegin" in kinds and "WorkDoneProgressEnd" in kinds


# --- diagnostics -------------------------------------------------------------------------------


async def test_diagnostics_fields(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    line = find_line(doc.text, "Performance is acceptable")
    diags = await wait_for_diagnostics(client, doc.uri, has("MS101", line))
    vague = next(d for d in diags if str(d.code) == "MS101" and d.range.start.line == line)
    assert vague.source == "milestone-lsp"
    assert vague.code_description is not None
    assert vague.code_description.href.endswith("MS101.md")
    assert extract(doc.text, vague.range, ENC) == "Performance is acceptable"
    doc.close()


async def test_related_information_cross_file(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "deliverables.md", ENC)
    line = find_line(doc.text, "Milestone: MVP Functionality")
    diags = await wait_for_diagnostics(client, doc.uri, has("MS401", line))
    d = next(d for d in diags if str(d.code) == "MS401")
    assert extract(doc.text, d.range, ENC) == "MVP Functionality"
    doc.close()


async def test_emoji_positions_utf8(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "launch.md", ENC)
    line = find_line(doc.text, "Launch performance is acceptable")
    diags = await wait_for_diagnostics(client, doc.uri, has("MS101", line))
    d = next(d for d in diags if str(d.code) == "MS101")
    # "- [ ] " is 6 bytes; the emoji is 4 bytes in UTF-8.
    assert d.range.start.character == 6
    assert extract(doc.text, d.range, ENC) == "🚀 Launch performance is acceptable"
    assert d.range.end.character == len(doc.text.splitlines()[line].encode("utf-8"))
    doc.close()


async def test_placeholder_name_reported(client: LanguageClient, root: Path) -> None:
    path = root / "draft.md"
    path.write_text(
        "# Plan 🚀\n\n## Milestone: [Milestone name]\n\n**Goal:** Operators see every parcel 🗺️\n",
        encoding="utf-8",
    )
    doc = Doc(client, path, ENC)
    diags = await wait_for_diagnostics(client, doc.uri, has("MS002", 2))
    d = next(d for d in diags if str(d.code) == "MS002" and d.range.start.line == 2)
    assert extract(doc.text, d.range, ENC) == "[Milestone name]"
    assert "template placeholder" in d.message and "real name" in d.message
    doc.close()


# --- code actions ------------------------------------------------------------------------------


async def test_quick_fix_rewrite_applied(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    line = find_line(doc.text, "Code quality is good")
    diags = await wait_for_diagnostics(client, doc.uri, has("MS101", line))
    d = [d for d in diags if str(d.code) == "MS101" and d.range.start.line == line]
    actions = await actions_at(client, doc, d[0].range, d)
    fixes = [a for a in actions if a.kind == lsp.CodeActionKind.QuickFix]
    assert len(fixes) >= 2 and all(a.edit is not None for a in fixes)
    # First the criterion with a slot for its bar (still reported until filled), then an
    # example with figures on its own subject, which settles the finding.
    assert fixes[0].title.startswith("Rewrite with a slot to fill: 'Code quality is good: <")
    example = next(a for a in fixes if a.title.startswith("Rewrite as example"))
    before = doc.text.splitlines()
    edit = example.edit
    assert edit is not None
    doc.apply(edits_by_uri(edit)[doc.uri])
    after = doc.text.splitlines()
    changed = [n for n, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [line]
    await wait_for_diagnostics(client, doc.uri, lacks("MS101", line))
    doc.close()


async def test_quick_fix_reference_applied(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "deliverables.md", ENC)
    line = find_line(doc.text, "MVP Functionality")
    diags = await wait_for_diagnostics(client, doc.uri, has("MS401", line))
    d = [d for d in diags if str(d.code) == "MS401"]
    actions = await actions_at(client, doc, d[0].range, d, [lsp.CodeActionKind.QuickFix])
    assert actions and all(a.kind == lsp.CodeActionKind.QuickFix for a in actions)
    assert actions[0].edit is not None
    doc.apply(edits_by_uri(actions[0].edit)[doc.uri])
    assert "Milestone: MVP Functional\n" in doc.text
    await wait_for_diagnostics(client, doc.uri, lacks("MS401"))
    doc.close()


async def test_missing_section_stub_applied(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    line = find_line(doc.text, "## Milestone: Enhanced Features")
    diags = await wait_for_diagnostics(client, doc.uri, has("MS001"))
    d = [d for d in diags if str(d.code) == "MS001"]
    actions = await actions_at(client, doc, d[0].range, d, [lsp.CodeActionKind.QuickFix])
    assert actions and actions[0].edit is not None
    doc.apply(edits_by_uri(actions[0].edit)[doc.uri])
    assert "**Value Delivered:**" in doc.text.split("## Milestone: Enhanced Features")[1]
    await wait_for_diagnostics(client, doc.uri, lacks("MS001"))
    assert line >= 0
    doc.close()


async def test_fix_all(client: LanguageClient, root: Path) -> None:
    # The stated percentages of STATUS.md have safe fixes (MS302); MS001's stubs in
    # milestones.md hold placeholders, so fix-all leaves them to the quick fix.
    doc = Doc(client, root / "STATUS.md", ENC)
    diags = await wait_for_diagnostics(client, doc.uri, has("MS302"))
    whole = lsp.Range(start=lsp.Position(line=0, character=0), end=doc.pos("## Next P0"))
    actions = await actions_at(client, doc, whole, list(diags), ["source.fixAll.milestone-lsp"])
    assert [a.kind for a in actions] == ["source.fixAll.milestone-lsp"]
    # Offered without its edit to a client that resolves actions: computing the rounds of
    # fix-all waits until the user picks it.
    assert actions[0].edit is None and actions[0].data is not None
    resolved = await client.code_action_resolve_async(actions[0])
    assert resolved.edit is not None
    doc.apply(edits_by_uri(resolved.edit)[doc.uri])
    await wait_for_diagnostics(client, doc.uri, lacks("MS302"))
    doc.close()


async def test_source_actions_templates(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    end = len(doc.text.splitlines())
    here = lsp.Range(
        start=lsp.Position(line=end, character=0), end=lsp.Position(line=end, character=0)
    )
    actions = await actions_at(client, doc, here, [], [lsp.CodeActionKind.Source])
    kinds = {str(a.kind) for a in actions}
    # At the end of a milestones file (still in its last milestone): new definitions and that
    # milestone's checklist fit; a STATUS.md skeleton does not, nor a deliverable's checklist.
    for kind in ("milestone", "deliverable", "milestoneVerification"):
        assert f"source.milestone-lsp.insertTemplate.{kind}" in kinds
    for kind in ("status", "deliverableVerification"):
        assert f"source.milestone-lsp.insertTemplate.{kind}" not in kinds
    template = next(a for a in actions if str(a.kind).endswith("insertTemplate.milestone"))
    assert template.edit is not None
    texts = apply_workspace_edit({doc.uri: doc.text}, template.edit, ENC)
    new = texts[doc.uri]
    assert new.startswith(doc.text)
    added = new[len(doc.text) :]
    assert "## Milestone: [Name]" in added and "**Acceptance Criteria:**" in added
    assert "**Approval Required:**" in added
    doc.close()


async def test_source_action_log_approval(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    line = find_line(doc.text, "## Milestone: MVP Functional") + 2
    here = lsp.Range(
        start=lsp.Position(line=line, character=0), end=lsp.Position(line=line, character=0)
    )
    actions = await actions_at(client, doc, here, [], ["source.milestone-lsp.logApproval"])
    assert len(actions) == 1 and actions[0].edit is not None
    decisions = (root / "DECISIONS.md").as_uri()
    edits = edits_by_uri(actions[0].edit)
    assert list(edits) == [decisions]
    text = (root / "DECISIONS.md").read_text(encoding="utf-8")
    new = apply_workspace_edit({decisions: text}, actions[0].edit, ENC)[decisions]
    assert new.startswith(text)
    assert 'Milestone "MVP Functional" PENDING' in new
    doc.close()


async def test_source_action_recompute_progress(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "STATUS.md", ENC)
    here = lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=0))
    actions = await actions_at(client, doc, here, [], ["source.milestone-lsp.recomputeProgress"])
    assert len(actions) == 1 and actions[0].edit is not None
    new = apply_workspace_edit({doc.uri: doc.text}, actions[0].edit, ENC)[doc.uri]
    assert new != doc.text
    assert "**Overall:** 20% (1/5 milestones complete)" in new  # verified, not ticked
    doc.close()


# --- hover -------------------------------------------------------------------------------------


async def hover(client: LanguageClient, uri: str, pos: lsp.Position) -> str | None:
    result = await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=pos)
    )
    if result is None:
        return None
    assert isinstance(result.contents, lsp.MarkupContent)
    return result.contents.value


async def test_hover_milestone_heading(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    text = await hover(client, doc.uri, doc.pos("## Milestone: MVP Functional", 5))
    assert text is not None
    assert "1/5 (20%)" in text  # criteria met
    assert "1/3" in text and "2 ticked" in text  # deliverables verified complete, and ticked
    assert "██" in text and "░" in text
    assert "required, not logged" in text
    assert "Vague criteria: 2" in text
    text = await hover(client, doc.uri, doc.pos("## Milestone: Foundation Complete", 5))
    assert text is not None and "4/4 (100%)" in text and "not required" in text
    doc.close()


async def test_hover_reference_and_claim(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "STATUS.md", ENC)
    text = await hover(client, doc.uri, doc.pos("- [x] Authentication Complete", 8))
    assert text is not None and "Authentication Complete" in text and "4/4" in text
    text = await hover(client, doc.uri, doc.pos("45% (2/5"))
    assert text is not None and "Stated: 45%" in text and "1 of 5" in text and "2 ticked" in text
    doc.close()


async def test_hover_vague_criterion(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    text = await hover(client, doc.uri, doc.pos("Code quality is good", 3))
    assert text is not None and "good" in text and "`" in text
    doc.close()


async def test_hover_nothing(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    assert await hover(client, doc.uri, lsp.Position(line=1, character=0)) is None
    doc.close()


# --- symbols, folding, navigation ---------------------------------------------------------------


async def test_document_symbols(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    result = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=doc.uri))
    )
    assert result is not None
    symbols = [s for s in result if isinstance(s, lsp.DocumentSymbol)]
    names = [s.name for s in symbols]
    assert names[:3] == ["Foundation Complete", "Authentication Complete", "MVP Functional"]
    assert all(s.kind == lsp.SymbolKind.Module for s in symbols)
    mvp = symbols[2]
    assert mvp.selection_range.start.line == find_line(doc.text, "## Milestone: MVP Functional")
    kinds = {c.kind for c in mvp.children or []}
    assert kinds == {lsp.SymbolKind.Boolean, lsp.SymbolKind.Class}
    doc.close()


async def test_folding_ranges(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    result = await client.text_document_folding_range_async(
        lsp.FoldingRangeParams(text_document=lsp.TextDocumentIdentifier(uri=doc.uri))
    )
    assert result
    starts = {r.start_line for r in result}
    assert find_line(doc.text, "## Milestone: Foundation Complete") in starts
    assert find_line(doc.text, "**Acceptance Criteria:**") in starts
    doc.close()


async def test_definition_and_references_across_files(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "STATUS.md", ENC)
    pos = doc.pos("- [x] Authentication Complete", 8)
    ident = lsp.TextDocumentIdentifier(uri=doc.uri)
    found = await client.text_document_definition_async(
        lsp.DefinitionParams(text_document=ident, position=pos)
    )
    assert isinstance(found, list) and len(found) == 1
    loc = found[0]
    assert isinstance(loc, lsp.Location)
    assert loc.uri == (root / "milestones.md").as_uri()
    milestones = (root / "milestones.md").read_text(encoding="utf-8")
    assert loc.range.start.line == find_line(milestones, "## Milestone: Authentication Complete")
    refs = await client.text_document_references_async(
        lsp.ReferenceParams(
            text_document=ident,
            position=pos,
            context=lsp.ReferenceContext(include_declaration=True),
        )
    )
    assert refs is not None
    uris = {r.uri for r in refs}
    assert {(root / n).as_uri() for n in ("STATUS.md", "milestones.md", "deliverables.md")} <= uris
    doc.close()


async def test_rename_across_files(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "deliverables.md", ENC)
    pos = doc.pos("### Deliverable: Session Middleware", 20)
    ident = lsp.TextDocumentIdentifier(uri=doc.uri)
    prep = await client.text_document_prepare_rename_async(
        lsp.PrepareRenameParams(text_document=ident, position=pos)
    )
    assert isinstance(prep, lsp.PrepareRenamePlaceholder)
    assert prep.placeholder == "Session Middleware"
    edit = await client.text_document_rename_async(
        lsp.RenameParams(text_document=ident, position=pos, new_name="Session Layer")
    )
    assert edit is not None
    by_uri = edits_by_uri(edit)
    assert (root / "STATUS.md").as_uri() in by_uri and doc.uri in by_uri
    assert (root / "milestones.md").as_uri() in by_uri
    texts = {u: Path(u.removeprefix("file://")).read_text(encoding="utf-8") for u in by_uri}
    new = apply_workspace_edit(texts, edit, ENC)
    assert all("Session Middleware" not in t for t in new.values())
    assert "- [ ] Session Layer (COMPLETE)" in new[(root / "STATUS.md").as_uri()]
    doc.close()


async def test_workspace_symbols(client: LanguageClient) -> None:
    result = await client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="auth"))
    assert result is not None
    names = {s.name for s in result}
    assert {"Authentication Complete", "Auth Provider Integration"} <= names


# --- completion, lens, inlay hints ---------------------------------------------------------------


async def complete(client: LanguageClient, uri: str, pos: lsp.Position) -> list[lsp.CompletionItem]:
    result = await client.text_document_completion_async(
        lsp.CompletionParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=pos)
    )
    if isinstance(result, lsp.CompletionList):
        return list(result.items)
    return list(result or [])


async def test_completion(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "deliverables.md", ENC)
    # Milestone names after "Contributes To" (the line under the label).
    line = find_line(doc.text, "Milestone: Authentication Complete")
    items = await complete(client, doc.uri, lsp.Position(line=line, character=len("Milestone: ")))
    labels = [i.label for i in items]
    assert "MVP Functional" in labels and "Foundation Complete" in labels
    # Section labels in template order on an empty line of a deliverable.
    blank = find_line(doc.text, "**Phase:** Phase 1") + 1
    doc.apply(
        [
            lsp.TextEdit(
                range=lsp.Range(
                    start=lsp.Position(line=blank, character=0),
                    end=lsp.Position(line=blank, character=0),
                ),
                new_text="**",
            )
        ]
    )
    items = await complete(client, doc.uri, lsp.Position(line=blank, character=2))
    ordered = [i.label for i in sorted(items, key=lambda i: i.sort_text or "")]
    assert ordered[:3] == ["Phase", "Owner", "Scope"]
    # Criterion skeletons in a checklist item.
    doc.apply(
        [
            lsp.TextEdit(
                range=lsp.Range(
                    start=lsp.Position(line=blank, character=0),
                    end=lsp.Position(line=blank, character=2),
                ),
                new_text="- [ ] ",
            )
        ]
    )
    items = await complete(client, doc.uri, lsp.Position(line=blank, character=6))
    assert "Unit test coverage >80%" in [i.label for i in items]
    doc.close()


async def test_code_lens(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    lenses = await client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=doc.uri))
    )
    assert lenses
    by_line = {lens.range.start.line: lens for lens in lenses}
    mvp = by_line[find_line(doc.text, "## Milestone: MVP Functional")]
    assert mvp.command is not None
    assert mvp.command.title == "1/5 criteria · 1/3 deliverables (2 ticked) · approval pending"
    result = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=mvp.command.command, arguments=mvp.command.arguments)
    )
    assert "MVP Functional" in result["markdown"]
    doc.close()


async def test_inlay_hints(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "STATUS.md", ENC)
    end = len(doc.text.splitlines())
    hints = await client.text_document_inlay_hint_async(
        lsp.InlayHintParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
            range=lsp.Range(
                start=lsp.Position(line=0, character=0), end=lsp.Position(line=end, character=0)
            ),
        )
    )
    assert hints
    overall = find_line(doc.text, "**Overall:**")
    hint = next(h for h in hints if h.position.line == overall)
    assert hint.label == "computed 20%"
    assert hint.position.character == doc.pos("45%", 3).character
    doc.close()


# --- commands ----------------------------------------------------------------------------------


async def execute(client: LanguageClient, command: str, *args: Any) -> Any:
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=command, arguments=list(args))
    )


async def test_command_status_report(client: LanguageClient, root: Path) -> None:
    uri = (root / "milestones.md").as_uri()
    result = await execute(
        client, "milestone-lsp.statusReport", {"uri": uri, "milestone": "MVP Functional"}
    )
    markdown = result["markdown"]
    assert markdown.startswith("# Milestone Status: MVP Functional")
    for heading in (
        "## Summary",
        "## Acceptance Criteria",
        "## Deliverables",
        "## Test Status",
        "## Blockers",
        "## Next Steps",
    ):
        assert heading in markdown


async def test_command_workspace_progress(client: LanguageClient) -> None:
    result = await execute(client, "milestone-lsp.workspaceProgress")
    assert result["overall"] == {"percent": 20.0, "done": 1, "total": 5}
    names = [m["name"] for m in result["milestones"]]
    assert "MVP Functional" in names
    mvp = next(m for m in result["milestones"] if m["name"] == "MVP Functional")
    assert (mvp["done"], mvp["total"]) == (1, 5)
    assert isinstance(result["text"], str) and result["text"]


async def test_command_insert_template_and_recompute(client: LanguageClient, root: Path) -> None:
    applied: list[lsp.ApplyWorkspaceEditParams] = client.applied  # type: ignore[attr-defined]
    doc = Doc(client, root / "STATUS.md", ENC)
    count = len(applied)
    result = await execute(
        client,
        "milestone-lsp.insertTemplate",
        {"uri": doc.uri, "kind": "milestoneVerification", "line": 2},
    )
    assert result == {"applied": True}
    edit = applied[count].edit
    new = apply_workspace_edit({doc.uri: doc.text}, edit, ENC)[doc.uri]
    # Named after STATUS.md's current milestone, not a placeholder.
    assert "## Milestone Verification: MVP Functional" in new
    result = await execute(client, "milestone-lsp.recomputeProgress", {"uri": doc.uri})
    assert result["applied"] is True
    new = apply_workspace_edit({doc.uri: doc.text}, applied[-1].edit, ENC)[doc.uri]
    assert "**Overall:** 20%" in new
    doc.close()


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("milestone-lsp.statusReport", []),
        ("milestone-lsp.statusReport", ["not an object"]),
        ("milestone-lsp.statusReport", [{"uri": 3}]),
        ("milestone-lsp.recomputeProgress", [{"uri": "file:///nowhere/STATUS.md"}]),
        ("milestone-lsp.insertTemplate", [{"uri": "file:///x.md", "kind": "poem", "line": 0}]),
        ("milestone-lsp.noSuchCommand", []),
    ],
)
async def test_command_wrong_arguments(
    client: LanguageClient, root: Path, command: str, args: list[Any]
) -> None:
    if command == "milestone-lsp.insertTemplate":
        args = [{**args[0], "uri": (root / "STATUS.md").as_uri()}]
    with pytest.raises(JsonRpcException):
        await execute(client, command, *args)
    # ... and the server still answers.
    result = await execute(client, "milestone-lsp.workspaceProgress")
    assert "overall" in result


# --- robustness --------------------------------------------------------------------------------


async def test_request_for_closed_document(client: LanguageClient, root: Path) -> None:
    uri = (root / "nowhere.md").as_uri()
    assert await hover(client, uri, lsp.Position(line=0, character=0)) is None
    symbols = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert not symbols


async def test_position_past_end_of_line(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "milestones.md", ENC)
    line = find_line(doc.text, "## Milestone: MVP Functional")
    text = await hover(client, doc.uri, lsp.Position(line=line, character=500))
    assert text is not None and "MVP Functional" in text
    # A line past the end clamps to the last line (an empty one here): no hover, no error.
    assert await hover(client, doc.uri, lsp.Position(line=10_000, character=3)) is None
    items = await complete(client, doc.uri, lsp.Position(line=line, character=999))
    assert isinstance(items, list)
    doc.close()
