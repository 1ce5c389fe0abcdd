"""The checks of what a completion rests on, through the real server in both client profiles:
MS208 (a verification checklist or approval evidence the workspace contradicts), MS601's lag in
the specification's direction (STATUS still showing open what is verified complete), and the
dependency graph — MS405 (cycles), MS209 (complete before a dependency), with go-to-definition
and references on dependency entries — and MS306 (test counts that contradict each other).

Each rule's fixture folder is a project of its own; the server publishes exactly the findings
of the fixture's ``.expected`` file for the document opened, and the editor-only quick fix
changes the line it names and nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    PROFILES,
    SERVER,
    Doc,
    apply_workspace_edit,
    rule_project,
    start_session,
    wait_for_diagnostics,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
CASES = [
    ("MS208", "verification.md"),
    ("MS601", "STATUS.md"),
    ("MS405", "deliverables.md"),
    ("MS209", "deliverables.md"),
    ("MS306", "STATUS.md"),
]
WITH_FIX = {"MS208", "MS601", "MS306"}  # the others leave the choice to the author: no fix
UNSAFE = {"MS208", "MS601"}  # fixes that record a judgement: offered, never applied by fix-all


@pytest_lsp.fixture(scope="module", config=SERVER, params=sorted(PROFILES))
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    profile = str(request.param)
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    root = factory.mktemp(f"verification-{profile}")
    for code, _name in CASES:
        rule_project(root, code, FIXTURES / code, "")
    await start_session(lsp_client, root, profile)
    yield
    await lsp_client.shutdown_session()


def _expected(code: str, name: str) -> list[tuple[int, int, int, int]]:
    """``(start line, start char, end line, end char)`` in code points, from the fixture."""
    out = []
    for line in (FIXTURES / f"{code}.expected").read_text(encoding="utf-8").splitlines():
        path, span, found = line.split()
        if path != name or found != code:
            continue
        start, end = span.split("-")
        (sl, sc), (el, ec) = (tuple(int(v) for v in p.split(":")) for p in (start, end))
        out.append((sl, sc, el, ec))
    return sorted(out)


@pytest.mark.parametrize(("code", "name"), CASES)
async def test_findings_and_quick_fix(client: LanguageClient, code: str, name: str) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    doc = Doc(client, root / code / name, client.encoding)  # type: ignore[attr-defined]
    diagnostics = await wait_for_diagnostics(
        client, doc.uri, lambda ds: any(str(d.code) == code for d in ds)
    )
    mine = [d for d in diagnostics if str(d.code) == code]
    # The fixtures are ASCII, so code points and both encodings' columns coincide.
    got = sorted(
        (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
        for d in mine
    )
    assert got == _expected(code, name)
    if code not in WITH_FIX:
        doc.close()
        return

    # The first finding that has a fix of its own (not the suppression every finding offers).
    for first in sorted(mine, key=lambda d: (d.range.start.line, d.range.start.character)):
        actions = await client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
                range=first.range,
                context=lsp.CodeActionContext(diagnostics=[first], only=["quickfix"]),
            )
        )
        fixes = [
            a
            for a in actions or []
            if isinstance(a, lsp.CodeAction)
            and a.diagnostics
            and a.diagnostics[0].code == code
            and not a.title.startswith("Suppress")
        ]
        if fixes:
            break
    assert fixes, "a finding offers its quick fix in the editor"
    fix = fixes[0]
    assert fix.edit is not None
    new = apply_workspace_edit({doc.uri: doc.text}, fix.edit, client.encoding)[doc.uri]  # type: ignore[attr-defined]
    before, after = doc.text.splitlines(), new.splitlines()
    assert len(before) == len(after)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [first.range.start.line]
    doc.close()


async def test_dependency_entries_navigate(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    doc = Doc(client, root / "MS209" / "deliverables.md", client.encoding)  # type: ignore[attr-defined]
    entry = doc.pos("- Search Index", 2)
    found = await client.text_document_definition_async(
        lsp.DefinitionParams(text_document=lsp.TextDocumentIdentifier(uri=doc.uri), position=entry)
    )
    locations = found if isinstance(found, list) else [found]
    assert [
        (loc.uri, loc.range.start.line) for loc in locations if isinstance(loc, lsp.Location)
    ] == [(doc.uri, doc.text.splitlines().index("### Deliverable: Search Index"))]
    refs = await client.text_document_references_async(
        lsp.ReferenceParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
            position=entry,
            context=lsp.ReferenceContext(include_declaration=False),
        )
    )
    lines = sorted(r.range.start.line for r in refs or [])
    assert len(lines) == 2  # the Dependencies entries of Search Page and Audit Export
    doc.close()


async def test_fix_all_leaves_the_unsafe_fixes_alone(client: LanguageClient) -> None:
    """Ticking or unticking records a judgement, so source.fixAll never does it."""
    root: Path = client.root  # type: ignore[attr-defined]
    for code, name in CASES:
        if code not in UNSAFE:
            continue
        doc = Doc(client, root / code / name, client.encoding)  # type: ignore[attr-defined]
        wanted = code
        await wait_for_diagnostics(
            client, doc.uri, lambda ds, wanted=wanted: any(str(d.code) == wanted for d in ds)
        )
        whole = lsp.Range(
            start=lsp.Position(line=0, character=0),
            end=lsp.Position(line=len(doc.text.splitlines()), character=0),
        )
        actions = await client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
                range=whole,
                context=lsp.CodeActionContext(diagnostics=[], only=["source.fixAll"]),
            )
        )
        for action in actions or []:
            if isinstance(action, lsp.CodeAction) and action.edit is not None:
                new = apply_workspace_edit({doc.uri: doc.text}, action.edit, client.encoding)  # type: ignore[attr-defined]
                for line in _expected(code, name):
                    assert new[doc.uri].splitlines()[line[0]] == doc.text.splitlines()[line[0]]
        doc.close()
