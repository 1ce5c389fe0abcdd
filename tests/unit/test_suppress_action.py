"""The "Suppress <code> on this line (add a reason)" quick fix (core/suppression.py): the finding
goes away, nothing else the document says changes, and the reason is a visible placeholder."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from milestone_lsp.core.edits import apply_edits
from milestone_lsp.core.findings import Finding
from milestone_lsp.core.parser import parse
from milestone_lsp.core.positions import LineIndex
from milestone_lsp.core.suppression import REASON_PLACEHOLDER, suppression_edits
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.engine import check_document
from milestone_lsp.settings.config import Config

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "real"

DOC = """\
## Milestone: Search Live

**Goal:** Users find any parcel by its tracking number
**Phase:** Phase 3

**Acceptance Criteria:**
- [ ] Performance is acceptable
- [ ] Search returns a result in <300ms P95
  - [ ] Results are good
- [ ] Code quality is good

| Criterion | Status |
|---|---|
| Documentation is complete | ✅ |

**Deliverables:**
1. Search index

**Value Delivered:** Users can find a parcel without calling support

**Approval Required:** No
"""


def findings_of(text: str, path: str = "milestones.md") -> list[Finding]:
    doc = parse(text, path, chunked=False)
    return check_document(Workspace([doc]), doc, Config())


def suppressed(text: str, finding: Finding) -> str:
    index = LineIndex(text)
    doc = parse(text, finding.path, chunked=False)
    found = suppression_edits(
        finding.path,
        index.lines,
        doc.fenced_lines,
        finding.range.start.line,
        finding.code,
        index.line_ending(),
    )
    assert found is not None
    _title, edits = found
    return apply_edits(text, edits)


def shape(text: str) -> tuple[object, ...]:
    """What the model says about the document, line numbers aside."""
    doc = parse(text, "milestones.md", chunked=False)
    return tuple(
        (
            m.name,
            tuple(sorted(m.fields)),
            tuple((c.text, c.state) for c in m.criteria),
            tuple(i.text for i in m.deliverable_items),
        )
        for m in doc.milestones
    )


def signature(findings: list[Finding]) -> Counter[tuple[str, str]]:
    return Counter((f.code, f.message) for f in findings)


def test_each_finding_of_the_example_can_be_suppressed_alone() -> None:
    before = findings_of(DOC)
    vague = [f for f in before if f.code == "MS101"]
    assert len(vague) >= 3  # list items, a nested item and a table row
    for finding in before:
        if finding.code in ("MS901", "MS902", "MS904"):
            continue
        after_text = suppressed(DOC, finding)
        assert REASON_PLACEHOLDER in after_text
        assert shape(after_text) == shape(DOC), finding
        after = findings_of(after_text)
        expected = signature(before)
        expected[(finding.code, finding.message)] -= 1
        assert signature(after) == +expected, finding


def test_a_later_list_item_is_suppressed_without_splitting_the_list() -> None:
    finding = next(f for f in findings_of(DOC) if f.code == "MS101" and f.range.start.line == 9)
    text = suppressed(DOC, finding)
    lines = text.splitlines()
    at = next(n for n, line in enumerate(lines) if "disable-next-line" in line)
    assert lines[at].startswith("  <!--")  # inside the item above: one list
    assert lines[at + 1] == "- [ ] Code quality is good"


def test_a_table_row_gets_a_pair_around_the_table() -> None:
    finding = next(f for f in findings_of(DOC) if f.code == "MS101" and f.range.start.line == 13)
    text = suppressed(DOC, finding)
    assert "<!-- milestone-lsp-disable MS101 -- " in text
    assert "<!-- milestone-lsp-enable MS101 -->" in text
    assert not [f for f in findings_of(text) if f.code == "MS101" and "Documentation" in f.message]


def test_inside_fenced_code_the_pair_goes_around_the_block() -> None:
    # A comment inside the fence would be an example, not a directive: the block is wrapped.
    text = "# Layout\n\n```\napp/  (1 file)\n  a.tsx\n  b.tsx\n```\n\nAfter.\n"
    lines = text.splitlines()
    fenced = parse(text, "STATUS.md", chunked=False).fenced_lines
    found = suppression_edits("STATUS.md", lines, fenced, 3, "MS304", "\n")
    assert found is not None
    title, edits = found
    assert title == "Suppress MS304 in this code block (add a reason)"
    after = apply_edits(text, edits).splitlines()
    assert after[2].startswith("<!-- milestone-lsp-disable MS304 -- ")
    assert after[3:8] == lines[2:7]
    assert after[8] == "<!-- milestone-lsp-enable MS304 -->"
    assert after[9:] == lines[7:]
    assert [f for f in findings_of(text, "STATUS.md") if f.code == "MS304"]
    assert not [f for f in findings_of(apply_edits(text, edits), "STATUS.md") if f.code == "MS304"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.md"))[:70], ids=lambda p: p.name)
def test_suppressing_keeps_every_real_files_structure(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    name = path.name.split("__")[-1]
    before = findings_of(text, name)
    for finding in [f for f in before if f.code not in ("MS901", "MS902", "MS904")][:15]:
        after_text = suppressed(text, finding)
        assert shape(after_text) == shape(text), (finding.code, finding.range.start.line)
        remaining = [
            f
            for f in findings_of(after_text, name)
            if f.code == finding.code and f.message == finding.message
        ]
        assert len(remaining) < sum(
            1 for f in before if f.code == finding.code and f.message == finding.message
        ), (finding.code, finding.range.start.line, finding.message)
