"""The Milestone Status Report: the generator over real workspaces, and ``milestone-lsp report``.

Expectations for ``examples/`` come from its planted problems (examples/README.md): MVP Functional
has 1 of 5 criteria met and is stated as 65% in three places; its vague criteria, the ticked but
unverified Integration Tests and the misspelt Contributes To are the findings that concern it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from milestone_lsp.core.report import (
    BLOCKED,
    COMPLETE,
    IN_PROGRESS,
    MET,
    NEXT,
    NOT_VERIFIED,
    PLANNED,
    StatusReport,
    render_markdown,
    report_to_json,
    status_report,
)
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.project import reporting
from milestone_lsp.settings.config import Config, load_config
from tests.clirun import run_cli, run_python

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def examples() -> tuple[Workspace, Config]:
    config = load_config(EXAMPLES).config
    ws, errors = reporting.load(EXAMPLES, config)
    assert errors == []
    return ws, config


def report_of(name: str | None) -> StatusReport:
    ws, config = examples()
    return reporting.make_report(ws, config, name)


def finding_blockers(report: StatusReport) -> list[tuple[str, int, str | None]]:
    return [
        (b.location.path, b.location.line, b.code) for b in report.blockers if b.kind == "finding"
    ]


# --- the generator over examples/ ----------------------------------------------------------------


def test_current_milestone_is_the_one_status_md_names() -> None:
    assert report_of(None).milestone == "MVP Functional"


def test_mvp_functional_counts_and_states() -> None:
    report = report_of("MVP Functional")
    assert report.status == IN_PROGRESS
    assert (report.done, report.total, report.counting) == (1, 5, "acceptance criteria met")
    assert [(s.location.path, s.location.line, s.percent) for s in report.stated] == [
        ("STATUS.md", 7, 65.0),
        ("STATUS.md", 14, 65.0),
        ("STATUS.md", 22, 65.0),
    ]
    assert [c.state for c in report.criteria] == [MET, IN_PROGRESS, NEXT, NEXT, NEXT]
    assert [c.category for c in report.criteria] == [
        "Functional",
        "Functional",
        "Testing",
        "Testing",
        "Quality",
    ]
    # Core API: all success criteria met; Integration Tests: ticked in STATUS.md's Progress with
    # none of its success criteria met (MS201), so not verified; Performance Tuning: NEXT there.
    assert [(d.name, d.state) for d in report.deliverables] == [
        ("Core API", COMPLETE),
        ("Integration Tests", NOT_VERIFIED),
        ("Performance Tuning", NEXT),
    ]
    assert [(t.name, t.done, t.total) for t in report.tests] == [
        ("Unit", 147, 147),
        ("Integration", 28, 32),
        ("Smoke", 3, 5),
    ]
    assert report.approval_required is True and report.approval_date is None


def test_mvp_functional_blockers_are_its_unmet_criteria_and_its_findings() -> None:
    report = report_of("MVP Functional")
    unmet = [b.text for b in report.blockers if b.kind == "criterion"]
    assert unmet == [c.text for c in report.criteria if not c.met]
    assert finding_blockers(report) == [
        ("STATUS.md", 7, "MS301"),
        ("STATUS.md", 14, "MS301"),
        ("STATUS.md", 16, "MS201"),
        ("STATUS.md", 22, "MS301"),
        ("deliverables.md", 71, "MS209"),  # Core API, one of its deliverables
        ("deliverables.md", 98, "MS401"),
        ("milestones.md", 60, "MS101"),
        ("milestones.md", 63, "MS101"),
    ]
    # Findings about other milestones (MS501 on Authentication Complete, MS001 on Enhanced
    # Features) and information-level ones (MS203) are not this milestone's blockers.
    codes = {code for _p, _l, code in finding_blockers(report)}
    assert not codes & {"MS501", "MS001", "MS203", "MS202"}


def test_complete_milestone_waiting_for_approval() -> None:
    report = report_of("Authentication Complete")
    assert report.status == COMPLETE
    assert all(c.state == MET for c in report.criteria)
    assert [(d.name, d.state) for d in report.deliverables] == [
        ("Auth Provider Integration", COMPLETE),
        ("Session Middleware", NOT_VERIFIED),
    ]
    assert finding_blockers(report) == [
        ("STATUS.md", 21, "MS501"),
        ("STATUS.md", 28, "MS202"),
        ("deliverables.md", 71, "MS209"),  # Core API depends on it
    ]
    assert report.next_steps[-1] == "Request approval, then log the decision in DECISIONS.md"
    # Project-wide failing tests are not this finished milestone's next step.
    assert not any("failing" in step for step in report.next_steps)


def test_planned_milestone() -> None:
    report = report_of("enhanced features")  # names compare normalised
    assert report.milestone == "Enhanced Features"
    assert report.status == PLANNED
    assert [c.state for c in report.criteria] == [NEXT, NEXT]
    assert [d.state for d in report.deliverables] == [PLANNED]
    assert finding_blockers(report) == [("milestones.md", 75, "MS001")]


def test_markdown_follows_the_specification_layout() -> None:
    text = render_markdown(report_of("MVP Functional"))
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "# Milestone Status: MVP Functional",
        "## Summary",
        "## Acceptance Criteria",
        "## Deliverables",
        "## Test Status",
        "## Blockers",
        "## Next Steps",
    ]
    assert "- Status: IN PROGRESS\n- Progress: 20% (1 of 5 acceptance criteria met)\n" in text
    assert "- Stated elsewhere: 65% (STATUS.md:7, STATUS.md:14, STATUS.md:22)\n" in text
    assert "- [ ] End-to-end workflow script `scripts/e2e.sh` exits 0 (IN PROGRESS)\n" in text
    assert "- [ ] Code quality is good (NEXT)\n" in text
    assert "- Integration: 28/32 passing (87.5%)\n" in text
    steps = re.findall(r"^(\d+)\. ", text, re.MULTILINE)
    assert steps == [str(n) for n in range(1, len(steps) + 1)]


def test_json_is_the_same_data() -> None:
    report = report_of("MVP Functional")
    data = report_to_json(report)
    assert data["version"] == 1
    assert data["progress"] == {
        "percent": 20.0,
        "done": 1,
        "total": 5,
        "counting": "acceptance criteria met",
        "method": "criteria",
    }
    assert [c["state"] for c in data["criteria"]] == ["MET", IN_PROGRESS, NEXT, NEXT, NEXT]
    assert [b["text"] for b in data["blockers"]] == [b.text for b in report.blockers]
    assert data["next_steps"] == report.next_steps
    json.dumps(data)  # serialisable as is


def test_deliverables_method_counts_deliverables() -> None:
    ws, config = examples()
    config = config.model_copy(update={"progress_method": "deliverables"})
    report = reporting.make_report(ws, config, "MVP Functional")
    # Integration Tests is ticked but unverified: it does not count as complete.
    assert (report.done, report.total, report.counting) == (1, 3, "deliverables complete")


def test_editor_status_report_uses_the_same_generator() -> None:
    """The source action's report (no rule findings) is the generator's output too."""
    ws, config = examples()
    milestone = reporting.choose_milestone(ws, "MVP Functional")
    text = status_report(ws, milestone, config.progress_method)
    full = render_markdown(reporting.make_report(ws, config, "MVP Functional"))
    assert text.split("## Blockers")[0] == full.split("## Blockers")[0]
    assert "MS301" not in text and "MS301" in full


# --- statuses written in the documents ---------------------------------------------------------

MILESTONES = """# Milestones

## Milestone: Search Ready

**Goal:** Customers find a parcel by its tracking number
**Phase:** Phase 1

**Acceptance Criteria:**
- [x] `GET /search?q=ID` returns HTTP 200 for a known ID
- [ ] Search tests passing (12/12)
- [ ] Index rebuild finishes in under 60 s (BLOCKED)

**Deliverables:**
1. Search Endpoint
2. Search Index

**Value Delivered:**
Customers look up a parcel without calling support.

**Approval Required:** No

## Milestone: Exports Ready

**Goal:** Accountants download a month of parcels as CSV
**Phase:** Phase 2

**Acceptance Criteria:**
- [ ] `GET /export?month=2026-01` returns a CSV file with HTTP 200
- [ ] Export tests passing (8/8)

**Deliverables:**
1. CSV Export

**Value Delivered:**
Accountants reconcile invoices without asking engineering.

**Approval Required:** No
"""

STATUS = """# Project Status

## Current State
- Phase: Phase 1
- Milestone: Search Ready (33% complete)

## Milestones
- [ ] Search Ready (Phase 1) - 33%
- [ ] Exports Ready (Phase 2) - 0%

## Test Status
- Unit: 40/40 (100%)
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / ".milestone-lsp.toml").write_text("", encoding="utf-8")
    (tmp_path / "milestones.md").write_text(MILESTONES, encoding="utf-8")
    (tmp_path / "STATUS.md").write_text(STATUS, encoding="utf-8")
    return tmp_path


def test_blocked_criterion_blocks_the_milestone(project: Path) -> None:
    ws, config, errors = reporting.open_workspace(project)
    assert errors == []
    report = reporting.make_report(ws, config, None)
    assert report.milestone == "Search Ready"
    assert report.status == BLOCKED
    assert [c.state for c in report.criteria] == [MET, IN_PROGRESS, BLOCKED]
    assert [(b.kind, b.text) for b in report.blockers] == [
        ("criterion", "Search tests passing (12/12)"),
        ("blocked", "Index rebuild finishes in under 60 s"),
    ]
    # 33% stated for 33.3% computed is not a disagreement worth a line.
    assert "Stated elsewhere" not in render_markdown(report)


def test_clean_workspace_has_no_finding_blockers(project: Path) -> None:
    ws, config, _ = reporting.open_workspace(project)
    assert reporting.findings(ws, config) == []
    report = reporting.make_report(ws, config, "Exports Ready")
    assert report.status == PLANNED
    assert all(b.kind == "criterion" for b in report.blockers)


# --- the command line ----------------------------------------------------------------------------


def test_cli_report_defaults_to_the_current_milestone() -> None:
    default = run_cli("report", cwd=EXAMPLES)
    named = run_cli("report", "MVP Functional", cwd=EXAMPLES)
    assert default.returncode == 0, default.stderr
    assert default.stdout == named.stdout == render_markdown(report_of("MVP Functional"))


def test_cli_report_from_a_subfolder_and_with_workspace(tmp_path: Path) -> None:
    here = run_cli("report", cwd=EXAMPLES)
    there = run_cli("report", "--workspace", str(EXAMPLES), cwd=tmp_path)
    assert there.returncode == 0, there.stderr
    assert there.stdout == here.stdout


def test_cli_report_json_and_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = run_cli(
        "report", "Authentication Complete", "--format", "json", "-o", str(out), cwd=EXAMPLES
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data == report_to_json(report_of("Authentication Complete"))


def test_cli_unknown_milestone_lists_the_known_ones() -> None:
    proc = run_cli("report", "MVP Functionality", cwd=EXAMPLES)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "no milestone named 'MVP Functionality'" in proc.stderr
    for name in ("Foundation Complete", "Authentication Complete", "MVP Functional"):
        assert repr(name) in proc.stderr


def test_cli_without_current_milestone_asks_for_a_name(project: Path) -> None:
    (project / "STATUS.md").write_text("# Project Status\n\n## Milestones\n- [ ] Search Ready\n")
    proc = run_cli("report", cwd=project)
    assert proc.returncode == 2
    assert "names no current milestone" in proc.stderr
    assert "'Search Ready'" in proc.stderr and "'Exports Ready'" in proc.stderr


def test_cli_without_milestones_says_how_to_start(tmp_path: Path) -> None:
    (tmp_path / ".milestone-lsp.toml").write_text("", encoding="utf-8")
    (tmp_path / "README.md").write_text("# Nothing to see\n", encoding="utf-8")
    proc = run_cli("report", cwd=tmp_path)
    assert proc.returncode == 2
    assert "milestone-lsp init" in proc.stderr


def test_cli_missing_workspace_folder(tmp_path: Path) -> None:
    proc = run_cli("report", "-w", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "no such folder" in proc.stderr


def test_cli_never_imports_the_protocol_libraries(tmp_path: Path) -> None:
    code = (
        "import sys, io, contextlib\n"
        "import milestone_lsp.cli.main as cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert cli.main(['init', {str(tmp_path / 'new')!r}]) == 0\n"
        f"    assert cli.main(['report', '-w', {str(EXAMPLES)!r}]) == 0\n"
        f"    assert cli.main(['progress', '-w', {str(EXAMPLES)!r}]) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')))\n"
    )
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_raw_html_from_plan_files_is_escaped_in_the_markdown(project: Path) -> None:
    # Issue: the report repeated raw HTML from the plan files, run by whatever renders it.
    plan = project / "milestones.md"
    text = plan.read_text(encoding="utf-8")
    text = text.replace(
        "- [ ] Search tests passing (12/12)",
        '- [ ] Search tests passing (12/12) <img src=x onerror="alert(1)"> `a<b`',
    ).replace("2. Search Index", "2. Search Index <script>alert(2)</script>")
    plan.write_text(text, encoding="utf-8")
    proc = run_cli("report", "Search Ready", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert "<img" not in proc.stdout and "<script>" not in proc.stdout
    assert '&lt;img src=x onerror="alert(1)">' in proc.stdout
    assert "Search Index &lt;script>alert(2)&lt;/script>" in proc.stdout
    assert "`a<b`" in proc.stdout  # inside a code span it is text already
