"""Edge cases of the completion, progress, approval and staleness rules beyond their fixtures."""

from __future__ import annotations

from milestone_lsp.core.findings import Severity
from milestone_lsp.core.parser import parse
from milestone_lsp.core.progress import criterion_key
from milestone_lsp.rules.meta import analysis_limit_finding
from milestone_lsp.rules.progress_claims import percent_text
from milestone_lsp.settings.config import Config
from tests.rulecheck import apply_fix, describe, run

GATED = (
    "## Milestone: Authentication Complete\n\n"
    "**Goal:** Users sign in with OAuth\n**Phase:** Phase 1\n\n"
    "**Acceptance Criteria:**\n- [x] Auth test suite passing (47/47)\n\n"
    "**Approval Required:** Yes\n"
)
STATUS = "# Project Status\n\n## Milestones\n- [x] Authentication Complete (Phase 1)\n"


def test_approval_fix_creates_decisions_next_to_status() -> None:
    texts = {"docs/milestones.md": GATED, "docs/STATUS.md": STATUS}
    [finding] = run(texts, "MS501")
    assert finding.severity is Severity.ERROR
    [fix] = finding.fixes
    assert fix.applicability == "unsafe"
    [edit] = fix.edits
    assert edit.path == "docs/DECISIONS.md"  # a path outside the workspace: create the file
    after = apply_fix(texts, finding, 0)
    entry = after["docs/DECISIONS.md"]
    assert entry.startswith("# Decisions\n\n## ")
    assert 'Milestone "Authentication Complete" Approval PENDING' in entry
    assert "- Acceptance criteria met (1/1)" in entry
    assert "Auth test suite passing (47/47)" in entry
    log = parse(entry, "docs/DECISIONS.md")
    assert [d.outcome for d in log.decisions] == ["pending"]
    # The draft approves nothing: the finding stays, now pointing at it, without a second draft.
    [again] = run(after, "MS501")
    assert "PENDING" in again.message and not again.fixes


def test_approval_fix_appends_in_the_logs_line_endings() -> None:
    log = "# Decisions\r\n\r\n### 2026-02-10: Foundation Milestone Complete\r\n"
    texts = {"m.md": GATED, "STATUS.md": STATUS, "DECISIONS.md": log}
    [finding] = run(texts, "MS501")
    after = apply_fix(texts, finding, 0)["DECISIONS.md"]
    assert after.startswith(log + "\r\n### ")  # the log's heading level, after a blank line
    assert "\n" not in after.replace("\r\n", "")


def test_recorded_approval_satisfies_the_gate() -> None:
    log = (
        "# Decisions\n\n## 2026-02-14: Authentication Milestone Complete\n\n"
        "**Decision:** Approved to advance to Phase 2\n"
    )
    assert run({"m.md": GATED, "STATUS.md": STATUS, "DECISIONS.md": log}, "MS501") == []
    rejected = log.replace("Approved to advance", "Rejected (coverage below 80%)")
    [finding] = run({"m.md": GATED, "STATUS.md": STATUS, "DECISIONS.md": rejected}, "MS501")
    assert "rejection" in finding.message


def test_percent_tolerance_is_configurable() -> None:
    criteria = "".join(
        f"- [{'x' if i < 7 else ' '}] Check {i} passes `make c{i}`\n" for i in range(8)
    )
    defn = f"## Milestone: Hardening\n\n**Phase:** Phase 4\n\n**Acceptance Criteria:**\n{criteria}"
    for stated in ("87%", "88%"):  # 7/8 = 87.5%
        status = f"# Status\n\n## Milestones\n- [ ] Hardening (Phase 4) - {stated}\n"
        assert run({"m.md": defn, "STATUS.md": status}, "MS301") == []
        strict = Config.model_validate({"percent_tolerance": 0.25})
        [finding] = run({"m.md": defn, "STATUS.md": status}, "MS301", strict)
        assert "87.5%" in finding.message
        after = apply_fix({"m.md": defn, "STATUS.md": status}, finding, 0)
        assert "- 87.5%" in after["STATUS.md"]


def test_percent_text_rounds_half_up() -> None:
    assert percent_text(87.5, 1.0) == "88"
    assert percent_text(100 * 2 / 3, 1.0) == "67"
    assert percent_text(100 * 2 / 3, 0.1) == "66.7"
    assert percent_text(40.0, 0.0) == "40"


def test_counts_of_other_things_are_only_checked_against_their_percentage() -> None:
    status = (
        "# Status\n\n## Progress\n\n**Overall:** 40% (12/30 tasks)\n\n"
        "## Milestones\n- [x] A\n- [ ] B\n- [ ] C\n"
    )
    assert run({"STATUS.md": status}, "MS302") == []
    assert describe(run({"STATUS.md": status}, "MS301")) == []


def test_no_definition_means_no_progress_finding() -> None:
    status = "# Status\n\n**Current Milestone:** Somewhere Else (65% complete)\n"
    assert run({"STATUS.md": status}, "MS301") == []


def test_progress_field_inside_a_definition_is_that_definitions_progress() -> None:
    defn = (
        "## Milestone: Export\n\n**Phase:** Phase 1\n**Progress:** 50%\n\n"
        "**Acceptance Criteria:**\n- [x] CSV export of every parcel\n- [x] Export under 60 s\n"
    )
    [finding] = run({"m.md": defn}, "MS301")
    assert "'Export'" in finding.message and "100%" in finding.message


def test_criterion_key_ignores_result_notes_but_not_thresholds() -> None:
    assert criterion_key("Auth tests passing (100%)") == criterion_key(
        "Auth tests passing (47/47) 100% ✓"
    )
    assert criterion_key("Latency (<500ms P95)") != criterion_key("Latency (<400ms P95)")


def test_verification_checklist_meets_the_definitions_criteria() -> None:
    defn = GATED.replace("- [x] Auth", "- [ ] Auth")
    report = (
        "## Milestone Verification: Authentication Complete\n\n**Acceptance Criteria:**\n"
        "- [x] Auth test suite passing (47/47) 100% ✓\n\n**Status:** COMPLETE\n"
    )
    assert run({"m.md": defn, "STATUS.md": STATUS, "r.md": report}, "MS201") == []
    assert len(run({"m.md": defn, "STATUS.md": STATUS}, "MS201")) == 1


def test_stale_status_ignores_pending_drafts() -> None:
    status = "# Status\n\nLast updated: 2026-02-20\n\n## Milestones\n- [ ] A\n"
    log = (
        '# Decisions\n\n## 2026-02-25: Milestone "A" Approval PENDING\n\n'
        "**Decision:** PENDING — record the user's answer\n"
    )
    assert run({"STATUS.md": status, "DECISIONS.md": log}, "MS601") == []
    logged = log.replace("PENDING — record the user's answer", "Approved")
    assert len(run({"STATUS.md": status, "DECISIONS.md": logged}, "MS601")) == 1


def test_analysis_limit_finding() -> None:
    finding = analysis_limit_finding("big.md", 12_000_000, 10_000_000)
    assert finding.code == "MS902"
    assert finding.severity is Severity.INFORMATION
    assert "12,000,000" in finding.message and "max_file_size" in finding.message
    assert (finding.range.start.line, finding.range.start.character) == (0, 0)
    line = analysis_limit_finding("big.md", 200_000, 100_000, line=41)
    assert line.range.start.line == 41 and "Line 42" in line.message
