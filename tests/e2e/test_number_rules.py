"""The checks of numbers a document states about itself, through the real server in both client
profiles: MS304 (a directory's count in a file tree), MS305 (a test class's count against the
tests its section names), MS307 (two update dates), MS308 (an overall percentage beside its
parts), MS309 (a header count against the heading of its section), MS310 (a gate's count of
finished child issues, with its quick fix) and MS311 (a change from an earlier version against
that version's figure).

Each rule's fixture is opened as a document of a project of its own; the server publishes
exactly the findings of the fixture's ``.expected`` file, and MS310's quick fix changes the
count it names and nothing else on the line or elsewhere.
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
CODES = ["MS304", "MS305", "MS307", "MS308", "MS309", "MS310", "MS311"]


@pytest_lsp.fixture(scope="module", config=SERVER, params=sorted(PROFILES))
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    profile = str(request.param)
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    root = factory.mktemp(f"numbers-{profile}")
    for code in CODES:
        rule_project(root, code, FIXTURES / f"{code}.md", "STATUS.md")
    await start_session(lsp_client, root, profile)
    yield
    await lsp_client.shutdown_session()


def _expected(code: str) -> list[tuple[int, int, int, int]]:
    """``(start line, start char, end line, end char)`` in code points, from the fixture."""
    out = []
    for line in (FIXTURES / f"{code}.expected").read_text(encoding="utf-8").splitlines():
        _path, span, found = line.split()
        assert found == code
        start, end = span.split("-")
        (sl, sc), (el, ec) = (tuple(int(v) for v in p.split(":")) for p in (start, end))
        out.append((sl, sc, el, ec))
    return sorted(out)


def _columns(text: str, line: int, encoding: str) -> list[int]:
    """Code-point column → the client's column, for each position of one line."""
    out = [0]
    for ch in text.splitlines()[line]:
        width = len(ch.encode("utf-16-le")) // 2 if encoding == "utf-16" else len(ch.encode())
        out.append(out[-1] + width)
    return out


@pytest.mark.parametrize("code", CODES)
async def test_findings_are_published_where_the_fixture_says(
    client: LanguageClient, code: str
) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    encoding: str = client.encoding  # type: ignore[attr-defined]
    doc = Doc(client, root / code / "STATUS.md", encoding)
    diagnostics = await wait_for_diagnostics(
        client, doc.uri, lambda ds: any(str(d.code) == code for d in ds)
    )
    mine = [d for d in diagnostics if str(d.code) == code]
    got = sorted(
        (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
        for d in mine
    )
    # The fixtures hold non-ASCII marks (✅, –): columns are in the negotiated encoding.
    want = []
    for sl, sc, el, ec in _expected(code):
        start_cols, end_cols = _columns(doc.text, sl, encoding), _columns(doc.text, el, encoding)
        want.append((sl, start_cols[sc], el, end_cols[ec]))
    assert got == sorted(want)
    assert all(d.severity == lsp.DiagnosticSeverity.Warning for d in mine)
    assert all(any(ch.isdigit() for ch in d.message) for d in mine), "messages carry the figures"
    doc.close()


async def test_gate_count_quick_fix_rewrites_the_count_only(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    encoding: str = client.encoding  # type: ignore[attr-defined]
    doc = Doc(client, root / "MS310" / "STATUS.md", encoding)
    diagnostics = await wait_for_diagnostics(
        client, doc.uri, lambda ds: any(str(d.code) == "MS310" for d in ds)
    )
    first = min(
        (d for d in diagnostics if str(d.code) == "MS310"),
        key=lambda d: (d.range.start.line, d.range.start.character),
    )
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
        and a.diagnostics[0].code == "MS310"
        and not a.title.startswith("Suppress")
    ]
    assert [f.title for f in fixes] == ["Change to 2/3"]
    assert fixes[0].edit is not None
    new = apply_workspace_edit({doc.uri: doc.text}, fixes[0].edit, encoding)[doc.uri]
    before, after = doc.text.splitlines(), new.splitlines()
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [first.range.start.line]
    assert after[first.range.start.line] == before[first.range.start.line].replace(
        "1/3 done", "2/3 done"
    )
    doc.close()
