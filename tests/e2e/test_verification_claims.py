"""The verification-claim rules through the real server in both client profiles: MS214
(criteria ticked while the whole testing checklist is open), MS215 (a section marked complete
while the testing section for the same subject has open entries), MS216 (a ticked entry whose
own description says it is a placeholder), MS217 (tests claimed to pass with no result
recorded).

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
CODES = ["MS214", "MS215", "MS216", "MS217"]


@pytest_lsp.fixture(scope="module", config=SERVER, params=sorted(PROFILES))
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    profile = str(request.param)
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    root = factory.mktemp(f"verification-{profile}")
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


async def test_completed_phase_names_its_open_tests(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    doc = Doc(client, root / "MS215" / "PROGRESS.md", client.encoding)  # type: ignore[attr-defined]
    diagnostics = await wait_for_diagnostics(
        client, doc.uri, lambda ds: any(str(d.code) == "MS215" for d in ds)
    )
    lines = doc.text.splitlines()
    claim = lines.index("### Phase 1: Authentication & Sessions (Completed)")
    (phase,) = [d for d in diagnostics if str(d.code) == "MS215" and d.range.start.line == claim]
    assert "'Authentication' (line" in phase.message
    assert "an open entry ('Login works end-to-end')" in phase.message
    related = [r.location.range.start.line for r in phase.related_information or []]
    assert related == [lines.index("- [ ] Login works end-to-end")]
    # A phase whose testing section is all ticked is not reported.
    done = lines.index("### Phase 2: Rate Limiting (Completed)")
    assert not [d for d in diagnostics if str(d.code) == "MS215" and d.range.start.line == done]
    doc.close()


async def test_a_recorded_result_silences_the_test_claim(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    for name in ("STATUS.md", "DECISIONS.md", "RELEASE.md"):
        doc = Doc(client, root / "MS217" / name, client.encoding)  # type: ignore[attr-defined]
        diagnostics = await wait_for_diagnostics(client, doc.uri, lambda ds: True)
        assert not [d for d in diagnostics if str(d.code) == "MS217"], name
        doc.close()
