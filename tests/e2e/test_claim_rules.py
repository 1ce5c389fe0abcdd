"""The claim rules through the real server in both client profiles: MS210 (a tick whose own
note says its check is still to run), MS211 (a readiness or completion claim over open
entries), MS212 (a PLANNED section with done entries), MS213 (a done row below 100%).

Each fixture is a project's PROGRESS.md (a folder fixture brings its own); the server publishes
exactly the findings of the fixture's ``.expected`` file for it, at the columns of the negotiated
encoding (the fixtures hold ✅ and dashes, so UTF-8 and UTF-16 columns differ on those lines).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from milestone_lsp.core.positions import LineIndex, Position
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
CODES = ["MS210", "MS211", "MS212", "MS213"]


@pytest_lsp.fixture(scope="module", config=SERVER, params=sorted(PROFILES))
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    profile = str(request.param)
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    root = factory.mktemp(f"claims-{profile}")
    for code in CODES:
        source = FIXTURES / code if (FIXTURES / code).is_dir() else FIXTURES / f"{code}.md"
        rule_project(root, code, source, "PROGRESS.md")
    await start_session(lsp_client, root, profile)
    yield
    await lsp_client.shutdown_session()


def _expected(code: str, text: str, encoding: str) -> list[tuple[int, int, int, int]]:
    """The fixture's ranges in PROGRESS.md (code points) at the columns of ``encoding``."""
    index = LineIndex(text)
    out = []
    for line in (FIXTURES / f"{code}.expected").read_text(encoding="utf-8").splitlines():
        path, span, found = line.split()
        if found != code or path not in ("PROGRESS.md", f"{code}.md"):
            continue
        start, end = span.split("-")
        (sl, sc), (el, ec) = (tuple(int(v) for v in p.split(":")) for p in (start, end))
        s = index.to_encoding(Position(sl, sc), encoding)  # type: ignore[arg-type]
        e = index.to_encoding(Position(el, ec), encoding)  # type: ignore[arg-type]
        out.append((*s, *e))
    return sorted(out)


@pytest.mark.parametrize("code", CODES)
async def test_findings_at_the_claim(client: LanguageClient, code: str) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    encoding: str = client.encoding  # type: ignore[attr-defined]
    doc = Doc(client, root / code / "PROGRESS.md", encoding)  # type: ignore[arg-type]
    diagnostics = await wait_for_diagnostics(
        client, doc.uri, lambda ds: any(str(d.code) == code for d in ds)
    )
    mine = [d for d in diagnostics if str(d.code) == code]
    got = sorted(
        (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
        for d in mine
    )
    assert got == _expected(code, doc.text, encoding)
    assert all(d.severity is not None and d.severity <= 2 for d in mine)  # warnings
    doc.close()


async def test_release_claim_names_the_open_entries(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    doc = Doc(client, root / "MS211" / "PROGRESS.md", client.encoding)  # type: ignore[attr-defined]
    diagnostics = await wait_for_diagnostics(
        client, doc.uri, lambda ds: any(str(d.code) == "MS211" for d in ds)
    )
    claim = doc.text.splitlines().index("**Project Status: ✅ READY FOR RELEASE**")
    (release,) = [d for d in diagnostics if str(d.code) == "MS211" and d.range.start.line == claim]
    assert "2 entries of the release checklist" in release.message
    assert "'Tag v1.0.0'" in release.message
    related = sorted(r.location.range.start.line for r in release.related_information or [])
    lines = doc.text.splitlines()
    assert related == [
        lines.index("- [ ] Tag v1.0.0"),
        lines.index("- [ ] Publish to the registry"),
    ]
    doc.close()
