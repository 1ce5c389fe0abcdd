"""The summaries every view shows agree with the rules about the same text: a conditional
approval is named as such (not "not logged"), and a phase claim the rules measure is one the
hover can compute."""

from __future__ import annotations

from milestone_lsp.core.summaries import (
    computed_for_claim,
    lens_title,
    milestone_hover,
    milestone_summary,
)
from milestone_lsp.rules.progress_claims import judge
from tests.rulecheck import load

MILESTONES = """# Milestones

## Milestone: Search Live

**Goal:** Customers find a parcel by tracking number
**Phase:** Phase 2

**Acceptance Criteria:**
- [x] Search returns the parcel in <300ms P95

**Approval Required:** Yes
"""

DECISIONS = """# Decisions

## 2026-02-18: Milestone "Search Live" Approved

**Decision:** Conditional approval (load test in production first)
"""

STATUS = """# Project Status

## Phase 2 Deliverables (50%)
- [x] Search index
- [ ] Search page
- [ ] Search analytics
"""


def test_a_conditional_approval_is_named_in_the_summary() -> None:
    ws = load({"milestones.md": MILESTONES, "DECISIONS.md": DECISIONS})
    summary = milestone_summary(ws, ws.milestones()[0])
    assert summary.approval_date is None  # not final: completion still waits for it
    assert summary.approval_text == (
        "required, conditionally approved on 2026-02-18 (conditions open)"
    )
    assert "conditionally approved on 2026-02-18" in milestone_hover(summary)
    assert lens_title(summary).endswith("approval conditional")


def test_without_any_entry_the_approval_is_not_logged() -> None:
    ws = load({"milestones.md": MILESTONES})
    assert milestone_summary(ws, ws.milestones()[0]).approval_text == "required, not logged"


def test_the_hover_computes_the_phase_claim_the_rule_measures() -> None:
    ws = load({"STATUS.md": STATUS})
    doc = ws.get("STATUS.md")
    assert doc is not None
    (claim,) = [c for c in doc.claims if c.subject == "phase"]
    computed = computed_for_claim(ws, doc, claim, "criteria")
    assert computed is not None and (computed.done, computed.total) == (1, 3)
    verdict = judge(ws, doc, claim, "criteria", 0.0)
    assert verdict is not None  # 50% stated, 1 of 3 ticked: the rule reports it
    assert verdict.expected is not None and verdict.expected.tally == computed
