"""Templates that fit their place, through the real server with VS Code's and Neovim's
capability sets: what is offered in which document and section, what it is named after, where
it is inserted (never inside a list), project-relative paths in a status report, the same set
from the insertTemplate command as from the code actions, snippet tab stops only for clients
that take snippet edits — and every inserted template checks clean apart from its visible
placeholders (``milestone-lsp check`` on the result)."""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient, client_capabilities

from milestone_lsp.core.positions import LineIndex
from milestone_lsp.core.syntax import normalize_name
from tests.clirun import run_cli
from tests.e2e.conftest import (
    SERVER,
    Doc,
    apply_workspace_edit,
    copy_examples,
    edits_by_uri,
    find_line,
    init_params,
    wait_until_indexed,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
PROFILES = {"visual-studio-code": "utf-16", "neovim": "utf-8"}
TEMPLATE_ACTION = re.compile(
    r"^source\.milestone-lsp\.(insertTemplate\.(\w+)|statusReport|logApproval)$"
)
PLACEHOLDER = re.compile(r"\[(?![ xX]\])[^\[\]]{2,}\]")


@pytest_lsp.fixture(scope="module", config=SERVER, params=sorted(PROFILES))
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    profile = str(request.param)
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    root = copy_examples(factory.mktemp(f"templates-{profile}"))
    applied: list[lsp.ApplyWorkspaceEditParams] = []

    @lsp_client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        applied.append(params)
        return lsp.ApplyWorkspaceEditResult(applied=True)

    await lsp_client.initialize_session(init_params(root, client_capabilities(profile)))
    lsp_client.root = root  # type: ignore[attr-defined]
    lsp_client.encoding = PROFILES[profile]  # type: ignore[attr-defined]
    lsp_client.applied = applied  # type: ignore[attr-defined]
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


def kind_of(action: lsp.CodeAction) -> str:
    match = TEMPLATE_ACTION.match(str(action.kind))
    assert match is not None, action.kind
    if match.group(2):
        return match.group(2)
    return "statusReport" if match.group(1) == "statusReport" else "approval"


async def offered(client: LanguageClient, doc: Doc, line: int) -> list[lsp.CodeAction]:
    here = lsp.Range(
        start=lsp.Position(line=line, character=0), end=lsp.Position(line=line, character=0)
    )
    result = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
            range=here,
            context=lsp.CodeActionContext(diagnostics=[], only=[lsp.CodeActionKind.Source]),
        )
    )
    return [
        a
        for a in result or []
        if isinstance(a, lsp.CodeAction) and TEMPLATE_ACTION.match(str(a.kind))
    ]


async def execute(client: LanguageClient, arg: dict[str, Any]) -> Any:
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="milestone-lsp.insertTemplate", arguments=[arg])
    )


async def test_what_fits_where(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    enc = client.encoding  # type: ignore[attr-defined]
    milestones = Doc(client, root / "milestones.md", enc)
    inside = find_line(milestones.text, "- [ ] Performance is acceptable")
    titles = {kind_of(a): a.title for a in await offered(client, milestones, inside)}
    assert set(titles) == {
        "milestone",
        "deliverable",
        "milestoneVerification",
        "statusReport",
        "approval",
    }
    assert titles["milestoneVerification"].endswith('"MVP Functional"')  # the one the cursor is in
    assert titles["deliverable"].endswith('(contributes to "MVP Functional")')
    milestones.close()

    deliverables = Doc(client, root / "deliverables.md", enc)
    line = find_line(deliverables.text, "**Success Criteria:**") + 1
    kinds = {kind_of(a): a for a in await offered(client, deliverables, line)}
    assert set(kinds) == {"deliverable", "deliverableVerification"}
    heading = next(
        deliverables.text.splitlines()[n]
        for n in range(line, -1, -1)
        if deliverables.text.splitlines()[n].startswith("### Deliverable:")
    )
    assert kinds["deliverableVerification"].title.endswith(f'"{heading.split(": ", 1)[1]}"')
    deliverables.close()

    status = Doc(client, root / "STATUS.md", enc)
    kinds_here = {kind_of(a) for a in await offered(client, status, 2)}
    assert "milestone" not in kinds_here and "deliverable" not in kinds_here
    assert "status" not in kinds_here  # STATUS.md has its sections already
    assert {"milestoneVerification", "statusReport"} <= kinds_here
    status.close()


async def test_the_command_offers_the_same_set(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    for name, needle in (
        ("milestones.md", "Performance is acceptable"),
        ("STATUS.md", "## Milestones"),
    ):
        doc = Doc(client, root / name, client.encoding)  # type: ignore[attr-defined]
        line = find_line(doc.text, needle)
        actions = await offered(client, doc, line)
        listed = await execute(client, {"uri": doc.uri, "line": line})
        assert [(t["kind"], t["title"]) for t in listed["templates"]] == [
            (kind_of(a), a.title) for a in actions
        ]
        doc.close()


async def test_inside_a_list_the_template_goes_after_the_section(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    enc = client.encoding  # type: ignore[attr-defined]
    doc = Doc(client, root / "milestones.md", enc)
    inside = find_line(doc.text, "- [ ] Performance is acceptable")
    applied: list[lsp.ApplyWorkspaceEditParams] = client.applied  # type: ignore[attr-defined]
    before = len(applied)
    result = await execute(client, {"uri": doc.uri, "kind": "milestone", "line": inside})
    assert result == {"applied": True}
    new = apply_workspace_edit({doc.uri: doc.text}, applied[before].edit, enc)[doc.uri]
    old_lines, new_lines = doc.text.splitlines(), new.splitlines()
    # The criteria list and the rest of MVP Functional are untouched and together.
    start = find_line(doc.text, "## Milestone: MVP Functional")
    end = find_line(doc.text, "## Milestone: Enhanced Features")
    assert new_lines[start:end] == old_lines[start:end]
    assert new_lines[end : end + 2] == ["## Milestone: [Name]", ""]
    assert new.count("## Milestone: Enhanced Features") == 1
    doc.close()


async def test_a_status_report_has_project_relative_paths(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    enc = client.encoding  # type: ignore[attr-defined]
    doc = Doc(client, root / "STATUS.md", enc)
    action = next(a for a in await offered(client, doc, 2) if kind_of(a) == "statusReport")
    assert action.edit is not None
    inserted = "".join(e.new_text for e in edits_by_uri(action.edit)[doc.uri])
    assert "# Milestone Status: MVP Functional" in inserted
    assert str(root) not in inserted and "STATUS.md:" in inserted
    doc.close()


async def test_snippet_text_for_the_editor_to_insert(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    doc = Doc(client, root / "deliverables.md", client.encoding)  # type: ignore[attr-defined]
    line = find_line(doc.text, "**Success Criteria:**")
    result = await execute(
        client, {"uri": doc.uri, "kind": "deliverable", "line": line, "snippet": True}
    )
    assert result["applied"] is False and result["uri"] == doc.uri
    snippet = result["snippet"]
    assert re.search(r"\$\{1:\[Name\]\}", snippet) and snippet.endswith("$0")
    assert re.search(r"\$\{\d+:\[Who builds it\]\}", snippet)
    assert "- [ ] " in snippet  # checkboxes are no tab stops
    assert client.applied == [] or all(  # type: ignore[attr-defined]
        "Deliverable" not in str(p.label)
        for p in client.applied  # type: ignore[attr-defined]
    )
    # Plain text for clients without snippet edits: no tab stops in the code action.
    action = next(a for a in await offered(client, doc, line) if kind_of(a) == "deliverable")
    assert action.edit is not None
    text = "".join(e.new_text for e in edits_by_uri(action.edit)[doc.uri])
    assert "${" not in text and "[Who builds it]" in text
    doc.close()


def check_json(root: Path) -> list[dict[str, Any]]:
    done = run_cli("check", "--format", "json", "--exit-zero", ".", cwd=root)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout)["findings"])


BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?")


def findings_by_line(root: Path, findings: list[dict[str, Any]]) -> Counter[tuple[str, str, str]]:
    """(path, code, text of the finding's line) for findings not on a placeholder line."""
    out: Counter[tuple[str, str, str]] = Counter()
    for f in findings:
        text = LineIndex((root / f["path"]).read_text(encoding="utf-8")).lines[
            f["range"]["start"]["line"]
        ]
        # MS002 is the rule about template text still in place: its findings are the
        # visible placeholders themselves, and so is any finding on a placeholder's line.
        if f["code"] != "MS002" and not PLACEHOLDER.search(text):
            out[(f["path"], f["code"], text)] += 1
    return out


def restated(finding: tuple[str, str, str], baseline: Counter[tuple[str, str, str]]) -> bool:
    """Whether a status report's line restates an item that has the same finding already
    (a vague criterion, an unverified completion): the report copies the plan's state."""
    _, code, text = finding
    item = normalize_name(BULLET.sub("", text).rstrip(" ✓"))
    return any(c == code and normalize_name(BULLET.sub("", t)) == item for _, c, t in baseline)


PLACES = [
    ("milestones.md", "- [ ] Performance is acceptable"),
    ("milestones.md", "# Parcel Tracker"),
    ("deliverables.md", "**Success Criteria:**"),
    ("STATUS.md", "## Milestones"),
    ("STATUS.md", "## Current State"),
    ("DECISIONS.md", "## "),
]


async def test_every_inserted_template_checks_clean_but_for_its_placeholders(
    client: LanguageClient, tmp_path: Path
) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    enc = client.encoding  # type: ignore[attr-defined]
    baseline = findings_by_line(root, check_json(root))
    tried = 0
    for name, needle in PLACES:
        doc = Doc(client, root / name, enc)
        for action in await offered(client, doc, find_line(doc.text, needle)):
            assert action.edit is not None
            copy = tmp_path / f"{tried:02d}"
            shutil.copytree(root, copy)
            texts = {p.as_uri(): p.read_text(encoding="utf-8") for p in root.glob("*.md")}
            for uri, text in apply_workspace_edit(texts, action.edit, enc).items():
                (copy / Path(uri.removeprefix(root.as_uri() + "/"))).write_text(
                    text, encoding="utf-8"
                )
            after = findings_by_line(copy, check_json(copy))
            new = after - baseline
            if kind_of(action) == "statusReport":
                new = Counter({f: n for f, n in new.items() if not restated(f, baseline)})
            assert not new, f"{action.title} at {name}:{needle!r} adds findings: {sorted(new)}"
            tried += 1
        doc.close()
    assert tried >= 10


@pytest_lsp.fixture(scope="module", config=SERVER)
async def snippet_client(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = copy_examples(tmp_path_factory.mktemp("templates-snippets"))
    capabilities = copy.deepcopy(client_capabilities("visual-studio-code"))
    assert capabilities.workspace is not None and capabilities.workspace.workspace_edit is not None
    capabilities.workspace.workspace_edit.snippet_edit_support = True
    await lsp_client.initialize_session(init_params(root, capabilities))
    lsp_client.root = root  # type: ignore[attr-defined]
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_tab_stops_for_clients_that_take_snippet_edits(
    snippet_client: LanguageClient,
) -> None:
    root: Path = snippet_client.root  # type: ignore[attr-defined]
    doc = Doc(snippet_client, root / "milestones.md", "utf-16")
    action = next(
        a
        for a in await offered(
            snippet_client, doc, find_line(doc.text, "Performance is acceptable")
        )
        if kind_of(a) == "milestone"
    )
    assert action.edit is not None and action.edit.document_changes
    change = action.edit.document_changes[0]
    assert isinstance(change, lsp.TextDocumentEdit)
    (edit,) = change.edits
    assert isinstance(edit, lsp.SnippetTextEdit)
    assert "${1:[Name]}" in edit.snippet.value and "- [ ] ${" in edit.snippet.value
    doc.close()


async def quick_fixes(client: LanguageClient, doc: Doc, line: int) -> list[lsp.CodeAction]:
    here = lsp.Range(
        start=lsp.Position(line=line, character=8), end=lsp.Position(line=line, character=8)
    )
    result = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
            range=here,
            context=lsp.CodeActionContext(diagnostics=[], only=[lsp.CodeActionKind.QuickFix]),
        )
    )
    return [a for a in result or [] if isinstance(a, lsp.CodeAction)]


def _slot_fix(actions: list[lsp.CodeAction]) -> lsp.CodeAction:
    return next(a for a in actions if a.title.startswith("Rewrite with a slot to fill"))


async def test_criterion_rewrite_slots_are_tab_stops_for_clients_that_take_snippets(
    snippet_client: LanguageClient,
) -> None:
    root: Path = snippet_client.root  # type: ignore[attr-defined]
    doc = Doc(snippet_client, root / "milestones.md", "utf-16")
    line = find_line(doc.text, "Performance is acceptable")
    fix = _slot_fix(await quick_fixes(snippet_client, doc, line))
    assert fix.edit is not None and fix.edit.document_changes
    (change,) = fix.edit.document_changes
    assert isinstance(change, lsp.TextDocumentEdit)
    (edit,) = change.edits
    assert isinstance(edit, lsp.SnippetTextEdit)
    snippet = edit.snippet.value
    assert snippet.startswith("Performance is acceptable: ${1:<metric>} within ${2:<N>} ")
    assert snippet.endswith("$0")
    # The criterion's own text is kept, and only the slots are tab stops.
    assert re.sub(r"\$\{\d+:([^}]*)\}|\$0", r"\1", snippet) in fix.title
    # The rule's other fix (an example with figures) has no slots and stays plain text.
    for other in await quick_fixes(snippet_client, doc, line):
        if other.title != fix.title and other.edit is not None and other.edit.document_changes:
            for c in other.edit.document_changes:
                assert isinstance(c, lsp.TextDocumentEdit)
                assert not any(isinstance(e, lsp.SnippetTextEdit) for e in c.edits)
    doc.close()


async def test_criterion_rewrite_is_plain_text_for_other_clients(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    doc = Doc(client, root / "milestones.md", client.encoding)  # type: ignore[attr-defined]
    line = find_line(doc.text, "Performance is acceptable")
    fix = _slot_fix(await quick_fixes(client, doc, line))
    assert fix.edit is not None
    (edit,) = edits_by_uri(fix.edit)[doc.uri]
    assert edit.new_text.startswith("Performance is acceptable: <metric> within <N> ")
    assert "${" not in edit.new_text
    doc.close()
