"""Edge cases of the structure, criteria and reference rules beyond their fixtures."""

from __future__ import annotations

import re

from milestone_lsp.rules import measurability
from milestone_lsp.rules.criteria import activity_wording, measurable_rewrites
from milestone_lsp.rules.sections import closest_label, is_placeholder_value
from milestone_lsp.settings.config import Config
from tests.rulecheck import apply_fix, describe, load, run

TEMPLATE_GAP = (
    "## Milestone: Search Live\n"
    "\n"
    "**Goal:** Customers find any parcel by tracking number\n"
    "**Phase:** Phase 3\n"
    "\n"
    "**Acceptance Criteria:**\n"
    "- [ ] Search returns the parcel in <300ms P95\n"
)


def test_missing_section_fix_keeps_crlf_line_endings() -> None:
    text = TEMPLATE_GAP.replace("\n", "\r\n")
    texts = {"m.md": text}
    [finding] = run(texts, "MS001")
    after = apply_fix(texts, finding, 0)["m.md"]
    assert "\r\n**Deliverables:**\r\n1. [Deliverable name]" in after
    assert "\n" not in after.replace("\r\n", "")
    assert run({"m.md": after}, "MS001") == []


def test_missing_section_fix_follows_plain_label_style() -> None:
    text = (
        "## Milestone 1: Search Live\n\n"
        "Goal: Customers find any parcel by tracking number\n\n"
        "Deliverables:\n- Search API\n\n"
        "Value Delivered: parcels are found\n"
    )
    texts = {"m.md": text}
    [finding] = run(texts, "MS001")
    after = apply_fix(texts, finding, 0)["m.md"]
    assert "Goal: Customers find any parcel by tracking number\nPhase: [Phase N]\n" in after
    assert "\nApproval Required: [Yes/No]\n" in after
    assert run({"m.md": after}, "MS001") == []


def test_missing_section_stubs_stay_out_of_a_fence_that_is_never_closed() -> None:
    # The last label is followed by a fence that runs to the end of the file: stubs written
    # after it would be code, and each fix-all would add them again.
    text = (
        "## Milestone: Foundation Complete\n\n**Phase:** Phase 0\n\n**Acceptance Criteria:**\n\n"
        "**Deliverables:**\n````\n```"
    )
    texts = {"m.md": text}
    [finding] = run(texts, "MS001")
    after = apply_fix(texts, finding, 0)["m.md"]
    assert after.endswith("**Approval Required:** [Yes/No]\n````\n```")
    assert run({"m.md": after}, "MS001") == []
    # A closed fence is the label's content: the stubs go after it.
    closed = text + "`\n"
    [finding] = run({"m.md": closed}, "MS001")
    after = apply_fix({"m.md": closed}, finding, 0)["m.md"]
    assert after.index("````\n````") < after.index("**Value Delivered:**")
    assert run({"m.md": after}, "MS001") == []


def test_required_sections_come_from_the_settings() -> None:
    config = Config.model_validate(
        {"required_sections": {"milestone": ["Goal", "Phase", "Acceptance Criteria", "Risks"]}}
    )
    findings = run({"m.md": TEMPLATE_GAP}, "MS001", config)
    assert len(findings) == 1
    assert "'Risks'" in findings[0].message
    after = apply_fix({"m.md": TEMPLATE_GAP}, findings[0], 0)
    assert "**Risks:**\n[To be written]" in after["m.md"]
    assert run(after, "MS001", config) == []


def test_a_single_template_section_is_free_form_prose() -> None:
    text = "## Milestone 2: Build A Real CLI\n\nGoal: usable from the terminal\n\n- step one\n"
    assert run({"m.md": text}, "MS001") == []


def test_readme_mentioning_milestones_is_silent() -> None:
    text = "# Tool\n\nOur next milestone is the CLI. Deliverables: see the wiki.\n"
    assert run({"README.md": text}) == []


def test_misspelling_detection_leaves_real_labels_alone() -> None:
    assert closest_label("Acceptence Criteria") == "acceptance criteria"
    assert closest_label("Dependancies") == "dependencies"
    for label in ("Entry Criteria", "Notes", "Risks", "Tasks", "Input", "Testing Strategy"):
        assert closest_label(label) is None, label


def test_placeholder_values() -> None:
    assert is_placeholder_value("[One sentence outcome]")
    assert is_placeholder_value("Yes/No")
    assert not is_placeholder_value("[docs](docs/index.md)")
    assert not is_placeholder_value("Phase 2")


def test_every_rewrite_is_measurable_for_the_analyzer() -> None:
    for text in (
        "Performance is acceptable",
        "Code quality is good",
        "Most tests passing",
        "Documentation is complete",
        "Security is robust",
        "Login works properly",
        "Release is ready",
    ):
        verdict = measurability.analyze(text)
        assert not verdict.measurable, text
        options = measurable_rewrites(text, verdict, [], [])
        assert options, text
        (slot_title, slotted), *examples = options
        assert slot_title.startswith("Rewrite with a slot to fill")
        assert measurability.analyze(slotted).placeholder, slotted
        filled = re.sub(r"<[^<>]+>", lambda m: "5" if m.group(0) == "<N>" else "`x`", slotted)
        assert measurability.analyze(filled).measurable, filled
        for title, option in examples:
            assert title.startswith("Rewrite as example")
            check = measurability.analyze(option)
            assert check.measurable and not check.placeholder, option


def test_vague_criterion_honours_configured_words() -> None:
    text = (
        "## Milestone: Export\n\n**Goal:** CSV export\n**Phase:** Phase 1\n\n"
        "**Acceptance Criteria:**\n- [ ] Export writes the zstd format\n"
        "- [ ] Performance is acceptable\n"
    )
    assert describe(run({"m.md": text}, "MS101")) == ["m.md 7:6-7:31 MS101"]
    config = Config.model_validate({"extra_vague_words": ["zstd"], "allowed_words": ["acceptable"]})
    assert describe(run({"m.md": text}, "MS101", config)) == ["m.md 6:6-6:35 MS101"]


def test_activity_wording() -> None:
    assert activity_wording("Make progress on features") == "Make progress"
    assert activity_wording("Work on auth") == "Work on"
    assert activity_wording("Improve performance") == "Improve"
    assert activity_wording("Improve P95 latency to under 200ms") is None
    assert activity_wording("Improve search", open_change=False) is None
    for name in ("API layer complete", "Continuous Delivery", "Polish & Performance", "Release"):
        assert activity_wording(name) is None, name


def test_unknown_reference_needs_definitions_of_its_kind() -> None:
    status = "# Status\n\n## Milestones\n- [x] Foundation Complete (Phase 0)\n"
    assert run({"STATUS.md": status}, "MS401") == []


def test_approval_draft_is_not_appended_inside_an_open_fence() -> None:
    # DECISIONS.md ends in a code block that is never closed: an entry appended after it would
    # be code, so the draft closes the fence first and is then read as a decision.
    texts = {
        "STATUS.md": "# Project Status\n\n## Milestones\n- [x] Authentication Complete (Phase 1)\n",
        "milestones.md": (
            "## Milestone: Authentication Complete\n\n**Phase:** Phase 1\n\n"
            "**Acceptance Criteria:**\n- [x] Auth test suite passing (47/47)\n\n"
            "**Approval Required:** Yes\n"
        ),
        "DECISIONS.md": "# Decisions\n\n```text\nmake test\n",
    }
    findings = [f for f in run(texts, "MS501") if f.path == "STATUS.md"]
    assert findings and findings[0].fixes
    after = apply_fix(texts, findings[0], 0)["DECISIONS.md"]
    assert after.startswith("# Decisions\n\n```text\nmake test\n```\n\n## ")
    decisions = load({"DECISIONS.md": after}).get("DECISIONS.md")
    assert decisions is not None
    [decision] = decisions.decisions
    assert "Authentication Complete" in decision.heading.text


def test_a_projects_phase_does_not_leave_another_projects_milestones_behind() -> None:
    # Two projects under one root, each with its own STATUS.md: the search project's Phase 3
    # leaves its own Phase 1 gate behind, and says nothing about the billing project's.
    milestone = (
        "## Milestone: {name}\n\n**Phase:** Phase 1\n\n"
        "**Acceptance Criteria:**\n- [ ] Test suite passing (10/10)\n\n"
        "**Approval Required:** Yes\n"
    )
    status = "# Project Status\n\n## Current State\n- Phase: {phase}\n"
    texts = {
        "search/STATUS.md": status.format(phase="Phase 3"),
        "search/plan/milestones.md": milestone.format(name="Search Live"),
        "billing/STATUS.md": status.format(phase="Phase 1"),
        "billing/milestones.md": milestone.format(name="Invoices Sent"),
    }
    left_behind = [
        (f.path, f.message.split("'")[1]) for f in run(texts, "MS501") if "left behind" in f.message
    ]
    assert left_behind == [("search/STATUS.md", "Search Live")]
    # With one STATUS.md for both, its phase speaks for every milestone below it.
    texts["STATUS.md"] = status.format(phase="Phase 3")
    del texts["search/STATUS.md"], texts["billing/STATUS.md"]
    left_behind = [f.message.split("'")[1] for f in run(texts, "MS501")]
    assert sorted(left_behind) == ["Invoices Sent", "Search Live"]


OWN_FORMAT = (
    "# Roadmap\n\n"
    "## Phase 1: Foundations\n\n"
    "### Milestone 1: Search Live\n\n"
    "**Goal:** Customers find any parcel by tracking number\n\n"
    "**Value Delivered:** fewer support calls\n\n"
    "**Acceptance Criteria:**\n- [ ] Search returns the parcel in <300ms P95\n\n"
    "### Milestone 2: Notifications Live\n\n"
    "**Goal:** Customers get a push message for every status change\n\n"
    "**Value Delivered:** customers stop asking\n\n"
    "**Acceptance Criteria:**\n- [ ] Push sent within 60 s of every status change\n"
)


def test_a_consistent_own_format_is_not_held_to_labels_it_never_uses() -> None:
    # Two milestones, neither writes Deliverables or Approval Required, and a "## Phase 1"
    # heading above them gives their phase: nothing is missing from their own format.
    assert run({"m.md": OWN_FORMAT}, "MS001") == []
    # One of them writing Approval Required makes it part of the format: the other lacks it.
    text = OWN_FORMAT.replace(
        "**Value Delivered:** fewer support calls\n",
        "**Value Delivered:** fewer support calls\n\n**Approval Required:** Yes\n",
    )
    [finding] = run({"m.md": text}, "MS001")
    assert "Notifications Live" in finding.message and "'Approval Required'" in finding.message
    assert "'Phase'" not in finding.message and "'Deliverables'" not in finding.message


def test_short_headings_and_generic_labels_are_a_teams_own_format() -> None:
    text = (
        "## M2 — Search\n\n**Goal:** find parcels\n\n**Deliverables:**\n- Search API\n\n"
        "### Exit criteria\n\n- p95 under 300 ms\n"
    )
    assert run({"m.md": text}, "MS001") == []
    # The kind word with only labels any plan has (Goal, Deliverables) is not the template.
    plain = text.replace("## M2 — Search", "## Milestone 2: Search")
    assert run({"m.md": plain}, "MS001") == []


def test_required_sections_in_the_settings_hold_every_definition() -> None:
    config = Config.model_validate(
        {"required_sections": {"milestone": ["Goal", "Phase", "Approval Required"]}}
    )
    text = (
        "## M2 — Search\n\n**Goal:** find parcels\n\n**Acceptance Criteria:**\n- p95 under 300 ms\n"
    )
    [finding] = run({"m.md": text}, "MS001", config)
    assert "'Phase'" in finding.message and "'Approval Required'" in finding.message


def test_missing_section_stubs_are_an_editor_fix_only() -> None:
    [finding] = run({"m.md": TEMPLATE_GAP}, "MS001")
    assert [fix.applicability for fix in finding.fixes] == ["unsafe"]


def test_a_phase_heading_or_note_gives_the_phase() -> None:
    body = (
        "**Goal:** g\n\n**Value Delivered:** v\n\n**Approval Required:** No\n\n"
        "**Deliverables:**\n- d\n\n**Acceptance Criteria:**\n- [ ] p95 < 300 ms\n"
    )
    text = (
        "## Milestone: Written\n\n**Phase:** Phase 1\n\n" + body + "\n## Phase 2: Growth\n\n"
        "### Milestone: Under A Phase Heading\n\n" + body + "\n"
        "## Milestone: Noted On Its Heading (Phase 3)\n\n" + body + "\n"
        "## Milestone: Nowhere\n\n" + body
    )
    findings = run({"m.md": text}, "MS001")
    assert [f.message.split("'")[1] for f in findings] == ["Nowhere"]
