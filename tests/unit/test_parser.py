"""The parser against every structure of the specification, with exact ranges."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from milestone_lsp.core.model import Status
from milestone_lsp.core.parser import parse
from milestone_lsp.core.positions import Range, encode_column
from milestone_lsp.core.progress import milestone_progress, overall_progress
from milestone_lsp.core.workspace import Workspace

SHARED = Path(__file__).resolve().parents[3] / "shared"
# The specification is the one text file in the shared seed folder (absent in a bare clone).
SEED = next(iter(sorted((SHARED / "seed").glob("*.txt"))), SHARED / "seed" / "missing")
CORPUS = SHARED / "corpus" / "real"
REPO = Path(__file__).resolve().parents[2]

MILESTONE = """\
# Plan

## Milestone: Foundation Complete

**Goal:** Repository, build, and test infrastructure operational
**Phase:** Phase 0
**Target:** Week 1

**Acceptance Criteria:**
- [x] Build system runs successfully (make build, make test)
- [ ] Unit test framework configured
* [X] CI pipeline green on main branch ✓
+ [~] Code coverage reporting enabled
- ~~Documentation structure established~~

**Deliverables:**
1. Makefile with build/test/clean targets
2. Test framework (testing package, mocks)

**Value Delivered:**
Developers can build, test, and verify code changes

**Approval Required:** No (foundation work)
"""


def text_at(source: str, rng: Range) -> str:
    lines = source.splitlines()
    assert rng.start.line == rng.end.line
    return lines[rng.start.line][rng.start.character : rng.end.character]


def test_milestone_fields_and_ranges() -> None:
    doc = parse(MILESTONE, "m.md")
    (m,) = doc.milestones
    assert m.name == "Foundation Complete"
    assert text_at(MILESTONE, m.name_range) == "Foundation Complete"
    assert m.heading.level == 2
    assert m.field_value("goal") == "Repository, build, and test infrastructure operational"
    goal = m.fields["goal"]
    assert text_at(MILESTONE, goal.label_range) == "Goal"
    assert goal.value_range is not None
    assert text_at(MILESTONE, goal.value_range) == goal.value
    assert m.phase == "Phase 0"
    assert m.field_value("target") == "Week 1"
    assert m.approval_required is False
    assert m.field_value("value_delivered") == "Developers can build, test, and verify code changes"
    assert [d.text for d in m.deliverable_items] == [
        "Makefile with build/test/clean targets",
        "Test framework (testing package, mocks)",
    ]
    states = [(c.text, c.state, c.struck) for c in m.criteria]
    assert states == [
        ("Build system runs successfully (make build, make test)", "checked", False),
        ("Unit test framework configured", "unchecked", False),
        ("CI pipeline green on main branch", "checked", False),
        ("Code coverage reporting enabled", "partial", False),
        ("Documentation structure established", None, True),
    ]
    ci = m.criteria[2]
    assert ci.bullet == "*"
    assert [mark.raw for mark in ci.marks] == ["✓"]
    assert text_at(MILESTONE, ci.text_range) == "CI pipeline green on main branch"
    assert ci.box_range is not None and text_at(MILESTONE, ci.box_range) == "[X]"
    # Struck-through items are withdrawn and do not count.
    tally = milestone_progress(Workspace([doc]), m)
    assert tally is not None and (tally.done, tally.total) == (2, 4)


def test_label_variants_and_sub_headings() -> None:
    source = """\
### Milestone 2: API Layer Complete (COMPLETED)

**Goal**: API layer serves every endpoint
Phase: Phase 1

#### Acceptance Criteria

**Functional:**
- [ ] Endpoints match the OpenAPI contract

**Testing:**
- [x] Integration tests passing (15/15)

#### Deliverables
- Core API
"""
    (m,) = parse(source).milestones
    assert m.name == "API Layer Complete"
    assert m.number == "2"
    assert m.tag is not None and m.tag.status is Status.DONE
    assert text_at(source, m.tag.range) == "(COMPLETED)"
    assert m.field_value("goal") == "API layer serves every endpoint"
    assert m.phase == "Phase 1"
    assert [(c.category, c.text) for c in m.criteria] == [
        ("Functional", "Endpoints match the OpenAPI contract"),
        ("Testing", "Integration tests passing (15/15)"),
    ]
    assert [d.text for d in m.deliverable_items] == ["Core API"]


def test_short_milestone_heading_and_progress_annotation() -> None:
    doc = parse("## M2 — Authentication Complete (25% complete)\n\n**Deliverables:**\n- [x] A\n")
    (m,) = doc.milestones
    assert m.name == "Authentication Complete"
    assert m.claim is not None and m.claim.percent is not None
    assert m.claim.percent.value == 25.0
    assert m.is_update


def test_look_alikes_are_reports_not_definitions() -> None:
    source = """\
## Milestone Verification: Authentication Complete

- [x] All deliverables complete
- [ ] Full test suite passing

# Milestone Status: MVP Functional

## Summary
- Status: IN PROGRESS
- Progress: 65%

## Deliverable Verification: Token Validation
- [x] Tests run and passing

# Milestone Complete: Authentication
"""
    doc = parse(source)
    assert doc.milestones == []
    kinds = [(r.kind, r.name) for r in doc.reports]
    assert kinds == [
        ("milestone_verification", "Authentication Complete"),
        ("milestone_status", "MVP Functional"),
        ("deliverable_verification", "Token Validation"),
        ("milestone_complete", "Authentication"),
    ]
    status = doc.reports[1]
    assert status.status is not None and status.status.status is Status.IN_PROGRESS
    (claim,) = [c for c in doc.claims if c.subject == "report"]
    assert claim.name == "MVP Functional"
    assert claim.percent is not None and claim.percent.value == 65


def test_deliverable_with_tasks() -> None:
    source = """\
### Deliverable 1.1: Build system

**Phase:** Phase 0
**Owner:** Codex-Worker-1
**Scope:**
- Makefile
**Output:** Makefile with targets
**Success Criteria:**
- [ ] `make build` exits 0
**Testing:** run make
**Dependencies:** none
**Contributes To:** Milestone: Foundation Complete

**Tasks:**
- Task 1.1.1 (Makefile)
- Task 1.1.2 (Scripts)
"""
    (d,) = parse(source).deliverables
    assert d.name == "Build system"
    assert d.field_value("owner") == "Codex-Worker-1"
    assert [c.text for c in d.criteria] == ["`make build` exits 0"]
    assert d.field_value("contributes_to") == "Milestone: Foundation Complete"
    assert [(t.number, t.name) for t in d.tasks] == [
        ("1.1.1", "(Makefile)"),
        ("1.1.2", "(Scripts)"),
    ]


def test_status_md_progress_claims() -> None:
    source = """\
# Project Status

## Progress

**Overall:** 45% (2/5 milestones complete)

**Current Milestone:** MVP Functional (65% complete)
  - [x] Deliverable 1: Core API (COMPLETE)
  - [ ] Deliverable 3: Integration Tests (IN PROGRESS)

## Milestones
- [x] Foundation Complete (Phase 0)
- [x] Authentication Complete (Phase 1)
- [ ] MVP Functional (Phase 2) - 65%
- [ ] Enhanced Features (Phase 3) - PLANNED
- [ ] v1 Release (Phase 4) - PLANNED

## Test Status
- Unit: 147/147 passing (100%)
- Integration: 28/32 (87%)
"""
    doc = parse(source, "STATUS.md")
    overall = next(c for c in doc.claims if c.subject == "overall")
    assert overall.percent is not None and overall.percent.value == 45
    assert text_at(source, overall.percent.range) == "45%"
    assert overall.count is not None and (overall.count.done, overall.count.total) == (2, 5)
    assert text_at(source, overall.count.range) == "2/5"
    assert overall.unit == "milestones"
    current = next(c for c in doc.claims if c.section == "current")
    assert current.name == "MVP Functional"
    assert current.name_range is not None and text_at(source, current.name_range) == current.name
    listed = next(c for c in doc.claims if c.section == "milestones")
    assert listed.name == "MVP Functional" and listed.percent is not None
    assert text_at(source, listed.percent.range) == "65%"
    tests = [c for c in doc.claims if c.subject == "tests"]
    assert [(c.name, c.count.done if c.count else None) for c in tests] == [
        ("Unit", 147),
        ("Integration", 28),
    ]
    section = doc.status_section("milestones")
    assert section is not None
    tags = [i.tag.status if i.tag else None for i in section.items]
    assert tags == [None, None, None, Status.PLANNED, Status.PLANNED]
    assert [i.phase for i in section.items][:2] == ["Phase 0", "Phase 1"]
    ws = Workspace([doc])
    tally = overall_progress(ws, doc, "criteria")
    assert tally is not None and (tally.done, tally.total) == (2, 5)
    deliverable_items = doc.status_sections[0].fields["current_milestone"].items
    assert [(i.text, i.tag.status if i.tag else None) for i in deliverable_items] == [
        ("Deliverable 1: Core API", Status.DONE),
        ("Deliverable 3: Integration Tests", Status.IN_PROGRESS),
    ]


def test_decisions_entries() -> None:
    source = """\
## 2026-02-16: Milestone "MVP Functional" Approved

**Context:** Phase 2 complete, all acceptance criteria met
**Evidence:**
- All deliverables complete (4/4)

**Decision:** Approved to advance to Phase 3
**Next Milestone:** Enhanced Features

## 2026-02-10: Foundation Milestone Complete

**Context:** Phase 0 complete

## 2026-02-18: Milestone "Enhanced Features" Approved

**Decision:** Conditional approval (fix X first)
"""
    doc = parse(source, "DECISIONS.md")
    first, second, third = doc.decisions
    assert (first.date, first.kind, first.subject, first.outcome) == (
        "2026-02-16",
        "approval",
        "MVP Functional",
        "approved",
    )
    assert first.subject_range is not None
    assert text_at(source, first.subject_range) == "MVP Functional"
    assert first.field_value("context") == "Phase 2 complete, all acceptance criteria met"
    assert [i.text for i in first.items_of("evidence")] == ["All deliverables complete (4/4)"]
    assert second.kind == "completion" and second.subject == "Foundation"
    assert "Foundation Complete" in second.subject_candidates
    assert second.outcome == "none"
    assert third.outcome == "conditional" and not third.approves


def test_emoji_and_cjk_ranges_in_utf16() -> None:
    source = (
        "## Milestone: 🚀 发布\n\n**Acceptance Criteria:**\n- [ ] 🎉中文 Unit test coverage >80%\n"
    )
    (m,) = parse(source).milestones
    assert m.name == "🚀 发布"
    (c,) = m.criteria
    line = source.splitlines()[3]
    assert c.text_range.start.character == 6  # code points
    assert encode_column(line, c.text_range.start.character, "utf-16") == 6
    assert encode_column(line, c.text_range.end.character, "utf-16") == len(line) + 1
    assert encode_column(line, c.text_range.end.character, "utf-8") == len(line.encode("utf-8"))
    assert line[c.text_range.start.character : c.text_range.end.character] == c.text


def _shape(doc: object) -> object:
    from milestone_lsp.core.outline import to_jsonable

    data = to_jsonable(doc)
    assert isinstance(data, dict)
    data.pop("path", None)
    return data


def test_crlf_parses_to_the_same_model() -> None:
    lf = MILESTONE
    crlf = MILESTONE.replace("\n", "\r\n")
    assert _shape(parse(crlf)) == _shape(parse(lf))


def test_fences_front_matter_comments_tabs() -> None:
    source = """\
---
title: Plan
---
<!-- ## Milestone: Hidden -->
```markdown
## Milestone: Example Only
```

## Milestone: Real\tOne

**Goal:**\tShip it
"""
    doc = parse(source)
    assert [m.name for m in doc.milestones] == ["Real\tOne"]
    assert doc.milestones[0].field_value("goal") == "Ship it"
    assert 4 in doc.fenced_lines


def test_tables_of_criteria() -> None:
    source = """\
## Milestone: Tables

**Acceptance Criteria:**

| Criterion | Status |
|-----------|--------|
| Unit coverage >80% | ✅ |
| Docs published | IN PROGRESS |
"""
    (m,) = parse(source).milestones
    assert [(c.text, c.is_done) for c in m.criteria] == [
        ("Unit coverage >80%", True),
        ("Docs published", False),
    ]
    assert text_at(source, m.criteria[0].text_range) == "Unit coverage >80%"


def test_never_raises_on_odd_input() -> None:
    for text in ["", "\x00", "\r", "#", "- [", "```", "| a |\n|-|", "\ud800", "#" * 10_000]:
        parse(text)
    parse("- " * 2000 + "x")


def test_seed_yields_no_milestones() -> None:
    if not SEED.exists():
        pytest.skip("specification not available")
    doc = parse(SEED.read_text(encoding="utf-8"))
    assert doc.milestones == [] and doc.deliverables == []


def test_seed_templates_unfenced_define_milestones_and_deliverables() -> None:
    if not SEED.exists():
        pytest.skip("specification not available")
    unfenced = "\n".join(
        line for line in SEED.read_text(encoding="utf-8").splitlines() if not line.startswith("```")
    )
    doc = parse(unfenced)
    definitions = [m.name for m in doc.milestones if not m.is_update]
    assert definitions == [
        "[Name]",
        "Foundation Complete",
        "MVP Functional",
        "Authentication Complete",
    ]
    assert [d.name for d in doc.deliverables] == ["[Name]", "Auth Provider Integration"]
    mvp = doc.milestones[2]
    assert len(mvp.criteria) == 6 and mvp.approval_required is True
    auth = doc.deliverables[1]
    assert re.search("Authentication Complete", auth.field_value("contributes_to") or "")
    assert len(auth.criteria) == 6


CORPUS_FILES = sorted(CORPUS.glob("*.md")) if CORPUS.is_dir() else []


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_real_corpus_parses(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    doc = parse(text, str(path))
    for heading in doc.headings:
        assert 0 <= heading.range.start.line < doc.line_count


def test_corpus_is_present_when_shared_exists() -> None:
    if SHARED.exists():
        assert CORPUS_FILES, "corpus folder exists but no files were collected"


def test_examples_outline() -> None:
    ws = Workspace(
        parse(p.read_text(encoding="utf-8"), str(p))
        for p in sorted((REPO / "examples").glob("*.md"))
    )
    names = [m.name for m in ws.milestones()]
    assert "MVP Functional" in names


LIST_FIELDS = """\
## Milestones

### M1 — Parser

- **Kind**: foundation
- **Status**: shipped (v0.2)
- **Depends on**: —
- **Status**: planned

**Goal.** Parse the language.

**In scope.**
- **Status**: a status bar in the editor
"""


def test_bold_list_entries_under_a_definition_heading_are_its_status_and_dependencies() -> None:
    doc = parse(LIST_FIELDS, "MILESTONES.md")
    (m,) = doc.milestones
    assert (m.number, m.name) == ("M1", "Parser")
    status = m.fields["status"]
    # The first entry is the field; a second one and entries under another label are content.
    assert (status.value, status.line) == ("shipped (v0.2)", 5)
    assert status.value_range == Range.of(5, 14, 5, 28)
    assert [(r.name, r.context, r.range) for r in doc.references] == [
        ("—", "dependencies", Range.of(6, 18, 6, 19))
    ]
    assert "kind" not in m.fields  # only Status and Dependencies are read from list entries
