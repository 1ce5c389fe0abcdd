"""Statements of state that disagree, through the real server in both client profiles: MS321
(a summary's completed phases against the phase headings marked complete), MS209 for a
milestone whose ``- **Status**:`` entry says shipped while a milestone its ``- **Depends on**:``
entry names by number says planned, MS322 (one named item listed as failed and as passed) and
MS503 (a gate decision of a dated decision log that names no decider while others do).

Each fixture is opened as a document of a project of its own; the server publishes exactly the
findings its ``.expected`` file lists for it, in the negotiated position encoding.
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
    rule_project,
    start_session,
    wait_for_diagnostics,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
# (code, fixture file, its name in the .expected file, its name in the project)
CASES = [
    ("MS321", FIXTURES / "MS321.md", "MS321.md", "ROADMAP.md"),
    ("MS209", FIXTURES / "MS209" / "roadmap.md", "roadmap.md", "ROADMAP.md"),
    ("MS322", FIXTURES / "MS322.md", "MS322.md", "STATUS.md"),
    ("MS503", FIXTURES / "MS503.md", "MS503.md", "DECISIONS.md"),
]


@pytest_lsp.fixture(scope="module", config=SERVER, params=sorted(PROFILES))
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    profile = str(request.param)
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    root = factory.mktemp(f"state-{profile}")
    for code, source, _name, target in CASES:
        rule_project(root, code, source, target)
    await start_session(lsp_client, root, profile)
    yield
    await lsp_client.shutdown_session()


def _expected(code: str, name: str) -> list[tuple[int, int, int, int]]:
    """``(start line, start char, end line, end char)`` in code points, from the fixture."""
    out = []
    for line in (FIXTURES / f"{code}.expected").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        path, span, found = line.split()
        assert found == code
        if path != name:
            continue
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


@pytest.mark.parametrize(("code", "source", "name", "target"), CASES, ids=[c[0] for c in CASES])
async def test_findings_are_published_where_the_fixture_says(
    client: LanguageClient, code: str, source: Path, name: str, target: str
) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    encoding: str = client.encoding  # type: ignore[attr-defined]
    doc = Doc(client, root / code / target, encoding)
    diagnostics = await wait_for_diagnostics(
        client, doc.uri, lambda ds: any(str(d.code) == code for d in ds)
    )
    mine = [d for d in diagnostics if str(d.code) == code]
    got = sorted(
        (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
        for d in mine
    )
    want = []
    for sl, sc, el, ec in _expected(code, name):
        start_cols, end_cols = _columns(doc.text, sl, encoding), _columns(doc.text, el, encoding)
        want.append((sl, start_cols[sc], el, end_cols[ec]))
    assert want, "the fixture lists findings for this file"
    assert got == sorted(want)
    assert all(d.severity == lsp.DiagnosticSeverity.Warning for d in mine)
    assert all(any(ch.isdigit() for ch in d.message) for d in mine), "messages carry the figures"
    doc.close()
