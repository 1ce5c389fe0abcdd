"""The shapes of docs/FORMATS.md, one fixture each (tests/fixtures/formats/): what the criteria
inventory lists, and what the model makes of milestone headings and criteria tables."""

from __future__ import annotations

from pathlib import Path

from milestone_lsp.core.inventory import Criterion, criteria_inventory
from milestone_lsp.core.model import Status
from milestone_lsp.core.parser import parse
from milestone_lsp.core.progress import milestone_progress
from milestone_lsp.core.workspace import Workspace

FORMATS = Path(__file__).resolve().parents[1] / "fixtures" / "formats"


def inventory(name: str) -> list[Criterion]:
    path = FORMATS / name
    return criteria_inventory(parse(path.read_text(encoding="utf-8"), str(path)))


def states(found: list[Criterion]) -> list[tuple[int, bool | None, bool, str]]:
    return [(c.line, c.checked, c.partial, c.shape) for c in found]


def test_criteria_table_rows_with_status_and_verification() -> None:
    found = inventory("table_milestone.md")
    assert states(found) == [
        (10, True, False, "table"),
        (11, False, False, "table"),
        (12, False, False, "table"),
    ]
    # The "How to verify" cell belongs to the criterion.
    assert found[0].text == "Search answers in under 300 ms at p95 — k6 run search.js on staging"
    assert {c.owner for c in found} == {"M2 — Search"}


def test_table_milestone_in_the_model() -> None:
    path = FORMATS / "table_milestone.md"
    doc = parse(path.read_text(encoding="utf-8"), str(path))
    [m] = doc.milestones
    assert m.name == "Search" and m.number == "M2"
    assert [c.state for c in m.criteria] == ["checked", "unchecked", "unchecked"]
    tally = milestone_progress(Workspace([doc]), m, "criteria")
    assert tally is not None and (tally.done, tally.total) == (1, 3)


def test_milestone_and_deliverable_headings() -> None:
    path = FORMATS / "headings.md"
    doc = parse(path.read_text(encoding="utf-8"), str(path))
    assert [(m.number, m.name) for m in doc.milestones] == [
        ("1", "Import"),
        ("M3", "Export"),
        ("M4", "Sharing"),
    ]
    assert [d.name for d in doc.deliverables] == ["Share Service"]
    found = inventory("headings.md")
    # [~] and 🚧 are partial: started, not met.
    assert states(found) == [
        (5, True, False, "checklist"),
        (6, False, False, "checklist"),
        (11, False, True, "checklist"),
        (12, False, False, "checklist"),
        (17, True, False, "checklist"),
        (18, False, True, "checklist"),
        (23, False, False, "checklist"),
    ]


def test_containers_bold_lead_in_plain_label_and_heading() -> None:
    found = inventory("containers.md")
    assert [(c.line, c.shape) for c in found] == [
        (4, "inline"),
        (7, "list"),
        (10, "list"),
        (11, "list"),
        (16, "list"),
    ]
    assert found[0].text.startswith("The CLI installs")
    assert found[-1].owner == "Sprint 2 — Sync"
    # The task list under "### Tasks" is work, not criteria.
    assert not any("Implement" in c.text for c in found)


def test_given_when_then_is_one_criterion_per_scenario() -> None:
    found = inventory("scenarios.md")
    assert [(c.line, c.end_line, c.checked, c.shape) for c in found] == [
        (8, 9, True, "scenario"),  # fenced; ✅ on its heading
        (15, 15, None, "scenario"),
    ]
    assert found[0].text.startswith("Given a registered user When they submit the right")


def test_a_document_that_is_a_criteria_list() -> None:
    found = inventory("ACCEPTANCE_CRITERIA.md")
    assert [(c.line, c.owner, c.checked, c.withdrawn) for c in found] == [
        (3, "AC-1: Accounts", None, False),
        (4, "AC-1: Accounts", None, False),
        (7, "AC-2: Audit", True, False),
        (8, "AC-2: Audit", None, True),  # struck through: withdrawn
    ]


def test_feature_lists_changelogs_and_task_lists_are_not_criteria() -> None:
    assert inventory("not_criteria.md") == []


def test_phase_sprint_and_version_headings_with_criteria_are_milestones() -> None:
    text = (
        "# Roadmap\n\n"
        "## Phase 2: Search\n\nGoal: find parcels.\n\nAcceptance criteria:\n"
        "- [x] p95 under 300 ms\n- [ ] typo tolerance\n\n"
        "## Sprint 3 — Sync\n\n### Exit criteria\n- [ ] sync of 10,000 records under 60 s\n\n"
        "## v1.0 — Launch\n\n**Definition of Done:**\n- [ ] signed installers\n\n"
        "## Phase 4: Later\n\n- a plain list of ideas\n"
    )
    doc = parse(text, "ROADMAP.md")
    assert [(m.number, m.name, len(m.criteria)) for m in doc.milestones] == [
        ("2", "Search", 2),
        ("3", "Sync", 1),
        ("v1.0", "Launch", 1),
    ]
    # Without criteria of its own, a phase heading stays a status section.
    assert [s.name for s in doc.status_sections] == ["Phase 4: Later"]


def test_a_status_field_under_a_milestone_heading_is_its_completion_tag() -> None:
    text = (
        "# Plan\n\n## M4: Export\n\n**Status:** ✅ COMPLETE — shipped in v2\n\n"
        "### Exit criteria\n\n- [x] CSV export\n- [ ] PDF export\n\n"
        "## M5: Import (IN PROGRESS)\n\n**Status:** Done\n"
    )
    doc = parse(text, "plan.md")
    export, imported = doc.milestones
    assert export.tag is not None and export.tag.from_field
    assert export.tag.status is Status.DONE
    assert text.splitlines()[export.tag.range.start.line].startswith("**Status:**")
    # A milestone with nothing but a Status field is still a definition, not a progress update.
    assert not export.is_update
    # The heading's own tag wins over the field below it.
    assert imported.tag is not None and not imported.tag.from_field
    assert imported.tag.status is Status.IN_PROGRESS


def test_front_matter_status_belongs_to_the_first_heading_s_milestone() -> None:
    text = (
        '---\ntitle: "Milestone 7 - Audit"\nstatus: "done"\ntarget: 2026-06-30\n---\n\n'
        "# Milestone 7 - Audit\n\n## Acceptance criteria\n\n- [x] Writes logged\n\n"
        "## Milestone 8: Later\n"
    )
    doc = parse(text, "milestone-7.md")
    first, later = doc.milestones
    assert first.tag is not None and first.tag.from_field and first.tag.status is Status.DONE
    start = first.tag.range.start
    assert (start.line, text.splitlines()[2][start.character :]) == (2, 'done"')
    assert later.tag is None
    # Fresh and per-section parses agree, and a changed front matter is read again.
    assert parse(text, "x.md", chunked=False).milestones[0].tag == first.tag
    reopened = parse(text.replace('"done"', '"in progress"'), "milestone-7.md")
    assert reopened.milestones[0].tag is not None
    assert reopened.milestones[0].tag.status is Status.IN_PROGRESS


def test_front_matter_without_a_status_or_before_prose_changes_nothing() -> None:
    assert parse("---\ntitle: X\n---\n\n# Milestone 1: X\n", "a.md").milestones[0].tag is None
    doc = parse("---\nstatus: done\n---\n\n# Notes\n\n## Milestone: Y\n", "b.md")
    assert doc.milestones[0].tag is None  # the first heading is not the milestone
