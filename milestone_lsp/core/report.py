"""The Milestone Status Report ("Status Reporting › Milestone Status Report"), computed.

One generator serves the ``report`` command line and the server's status report command, so the
two agree to the character: :func:`build_report` turns the workspace model (plus the findings the
caller got from the rules engine) into a :class:`StatusReport`, and :func:`render_markdown` /
:func:`report_to_json` write that one value out. Nothing here reads files or imports the rules;
the caller decides which findings exist, which keeps this module pure.

How each part is decided:

* **Status** — ``COMPLETE`` when every counted criterion (or deliverable, by the progress method)
  is met; otherwise ``BLOCKED`` when a criterion, a deliverable or the milestone's STATUS.md entry
  is tagged BLOCKED; otherwise ``IN PROGRESS`` when something is met or STATUS.md names it as the
  current milestone; otherwise ``PLANNED``.
* **Criteria** — met ones get ✓; an unmet one keeps the status written on it (``(BLOCKED)``);
  otherwise, in a milestone under way, the first unmet criterion is ``IN PROGRESS`` and the
  others are ``NEXT`` (work on a milestone's criteria runs in the order they are listed).
* **Deliverables** — ``COMPLETE`` by the Calculation Method's own test; otherwise the status
  written on the entry or on a STATUS.md entry of the same name; otherwise ``IN PROGRESS`` when
  some of its success criteria are met, ``NEXT`` in a milestone under way, ``NOT VERIFIED`` in
  a milestone whose criteria are all met, else ``PLANNED``.
* **Blockers** — unmet criteria, items tagged BLOCKED, and the findings at warning or above
  that concern the milestone: inside its definition, inside the definitions and reports of its
  deliverables, or on a line of another document that names it or one of its deliverables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from milestone_lsp.core.findings import Finding, Severity
from milestone_lsp.core.model import Document, Item, Milestone, Section, Status
from milestone_lsp.core.positions import split_lines
from milestone_lsp.core.progress import (
    ProgressMethod,
    criteria_tally,
    criterion_met,
    deliverable_done,
    deliverable_ticked,
    format_percent,
    milestones_list,
)
from milestone_lsp.core.summaries import milestone_summary
from milestone_lsp.core.syntax import normalize_name
from milestone_lsp.core.workspace import Workspace

REPORT_JSON_VERSION = 1

MET = "✓"
IN_PROGRESS = "IN PROGRESS"
NEXT = "NEXT"
BLOCKED = "BLOCKED"
PLANNED = "PLANNED"
COMPLETE = "COMPLETE"
NOT_VERIFIED = "NOT VERIFIED"

_TAG_LABELS = {
    Status.IN_PROGRESS: IN_PROGRESS,
    Status.NEXT: NEXT,
    Status.BLOCKED: BLOCKED,
    Status.PLANNED: PLANNED,
    Status.FAILED: BLOCKED,
}


@dataclass(frozen=True, slots=True)
class Location:
    """A 1-based line in a workspace document."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class CriterionLine:
    """One acceptance criterion and where it stands."""

    text: str
    met: bool
    state: str
    category: str | None
    location: Location


@dataclass(frozen=True, slots=True)
class DeliverableLine:
    """One deliverable of the milestone and where it stands."""

    name: str
    state: str
    defined: bool
    location: Location


@dataclass(frozen=True, slots=True)
class TestLine:
    """A test count written in a STATUS document."""

    name: str
    done: int
    total: int
    location: Location

    @property
    def percent(self) -> float:
        """Passing share (0 when nothing was counted)."""
        return 100.0 * self.done / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class StatedProgress:
    """A percentage somebody wrote for this milestone."""

    percent: float
    location: Location


@dataclass(frozen=True, slots=True)
class Blocker:
    """Something that stands between the milestone and its approval."""

    kind: str  # "criterion" | "blocked" | "finding"
    text: str
    location: Location
    code: str | None = None
    severity: str | None = None

    def render(self) -> str:
        """One bullet's text."""
        if self.kind == "finding":
            return f"{self.location} {self.code}: {self.text}"
        if self.kind == "blocked":
            return f"Blocked: {self.text} ({self.location})"
        return f"Criterion not met: {self.text}"


@dataclass(slots=True)
class StatusReport:
    """Everything a Milestone Status Report says, as data."""

    milestone: str
    location: Location
    status: str
    phase: str | None
    method: ProgressMethod
    percent: float
    done: int
    total: int
    counting: str
    stated: list[StatedProgress]
    approval_required: bool | None
    approval_date: str | None
    approval_text: str
    criteria: list[CriterionLine] = field(default_factory=list)
    deliverables: list[DeliverableLine] = field(default_factory=list)
    tests: list[TestLine] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)


# --- choosing the milestone ---------------------------------------------------------------------


def _by_path(docs: Iterable[Document]) -> list[Document]:
    return sorted(docs, key=lambda d: (d.path.count("/"), d.path))


def status_documents(ws: Workspace) -> list[Document]:
    """STATUS documents, the shallowest first (the project's own STATUS.md before sub-projects)."""
    return _by_path(ws.status_documents())


def current_milestone(ws: Workspace) -> Milestone | None:
    """The milestone STATUS.md names as the current one (Current State or Progress section)."""
    for doc in status_documents(ws):
        for ref in doc.references:
            if ref.context == "current_milestone" and ref.kind == "milestone":
                found = ws.find_milestone(ref.name)
                if found is not None:
                    return found
    return None


def milestone_names(ws: Workspace) -> list[str]:
    """The names of every milestone definition, in workspace order."""
    return [m.name for m in ws.milestones()]


def unknown_milestone_message(ws: Workspace, name: str | None) -> str:
    """Why no milestone could be chosen, and which names would work."""
    names = milestone_names(ws)
    if not names:
        return (
            "no milestone definitions (## Milestone: Name) found in the workspace; "
            "define one, or run `milestone-lsp init` to start from the templates"
        )
    known = ", ".join(repr(n) for n in names)
    if name:
        return f"no milestone named {name!r}; known milestones: {known}"
    return (
        "STATUS.md names no current milestone (Current State › Milestone: Name); "
        f"name one of the known milestones: {known}"
    )


# --- building ----------------------------------------------------------------------------------


def _loc(path: str, line: int) -> Location:
    return Location(path, line + 1)


def _tag_of(item: Item) -> str | None:
    status = item.status
    return _TAG_LABELS.get(status) if status is not None else None


def _listed_entry(ws: Workspace, milestone: Milestone) -> Item | None:
    key = normalize_name(milestone.name)
    for doc in status_documents(ws):
        for item in milestones_list(doc):
            if normalize_name(item.text) == key:
                return item
    return None


def _status_tags(ws: Workspace, name: str) -> list[str]:
    """Statuses written next to ``name`` in STATUS documents (``Performance Tuning (NEXT)``)."""
    key = normalize_name(name)
    out: list[str] = []
    for doc in status_documents(ws):
        for ref in doc.references:
            if ref.tag is not None and normalize_name(ref.name) == key:
                label = _TAG_LABELS.get(ref.tag)
                if label is not None:
                    out.append(label)
    return out


def _is_current(ws: Workspace, milestone: Milestone) -> bool:
    current = current_milestone(ws)
    return current is not None and normalize_name(current.name) == normalize_name(milestone.name)


def _stated(ws: Workspace, milestone: Milestone) -> list[StatedProgress]:
    key = normalize_name(milestone.name)
    out = []
    for doc in _by_path(ws):
        for claim in doc.claims:
            if (
                claim.subject == "milestone"
                and claim.name
                and claim.percent is not None
                and normalize_name(claim.name) == key
            ):
                out.append(
                    StatedProgress(claim.percent.value, _loc(doc.path, claim.range.start.line))
                )
    return out


def _tests(ws: Workspace) -> list[TestLine]:
    out = []
    for doc in status_documents(ws):
        for claim in doc.claims:
            if claim.subject == "tests" and claim.count is not None:
                out.append(
                    TestLine(
                        claim.name or "Tests",
                        claim.count.done,
                        claim.count.total,
                        _loc(doc.path, claim.range.start.line),
                    )
                )
    return out


def _sections_of(ws: Workspace, names: set[str]) -> list[Section]:
    out: list[Section] = []
    for doc in ws:
        for section in [*doc.milestones, *doc.deliverables, *doc.reports]:
            if normalize_name(section.name) in names:
                out.append(section)
        for entry in doc.decisions:
            if entry.subject and normalize_name(entry.subject) in names:
                out.append(entry)
    return out


def relevant_findings(
    ws: Workspace, milestone: Milestone, deliverables: Sequence[str], findings: Iterable[Finding]
) -> list[Finding]:
    """Findings at warning or above about the milestone or one of its deliverables."""
    names = {normalize_name(milestone.name)} | {normalize_name(n) for n in deliverables}
    names.discard("")
    spans: dict[str, list[tuple[int, int]]] = {}
    for section in _sections_of(ws, names):
        start = section.heading.range.start.line
        spans.setdefault(section.path, []).append((start, max(section.end_line, start)))
    lines_cache: dict[str, list[str]] = {}
    out = []
    for f in findings:
        if f.severity.rank > Severity.WARNING.rank:
            continue
        line = f.range.start.line
        if any(a <= line <= b for a, b in spans.get(f.path, [])):
            out.append(f)
            continue
        doc = ws.get(f.path)
        if doc is None:
            continue
        if f.path not in lines_cache:
            lines_cache[f.path] = split_lines(doc.text)
        lines = lines_cache[f.path]
        text = normalize_name(lines[line]) if 0 <= line < len(lines) else ""
        if any(_names_in(text, name) for name in names):
            out.append(f)
    return sorted(out, key=Finding.sort_key)


def _names_in(text: str, name: str) -> bool:
    at = text.find(name)
    while at >= 0:
        before = text[at - 1] if at > 0 else " "
        after_at = at + len(name)
        after = text[after_at] if after_at < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            return True
        at = text.find(name, at + 1)
    return False


def build_report(
    ws: Workspace,
    milestone: Milestone,
    method: ProgressMethod = "criteria",
    findings: Iterable[Finding] = (),
) -> StatusReport:
    """The Milestone Status Report of ``milestone``, computed from the workspace."""
    definition = ws.find_milestone(milestone.name) or milestone
    summary = milestone_summary(ws, definition, method)
    tally = summary.progress
    complete = tally is not None and tally.total > 0 and tally.done == tally.total
    criteria_items = [c for c in definition.criteria if c.counts]
    deliverable_items = [d for d in definition.deliverable_items if d.counts]
    met = [criterion_met(ws, definition.name, c) for c in criteria_items]
    entry = _listed_entry(ws, definition)
    tagged_blocked = [c for c, ok in zip(criteria_items, met, strict=True) if not ok]
    tagged_blocked = [c for c in tagged_blocked if _tag_of(c) == BLOCKED]
    done_deliverables = [deliverable_done(ws, d.text, d) for d in deliverable_items]
    blocked_deliverables = [
        d
        for d, ok in zip(deliverable_items, done_deliverables, strict=True)
        if not ok and (_tag_of(d) == BLOCKED or BLOCKED in _status_tags(ws, d.text))
    ]
    if complete:
        status = COMPLETE
    elif (
        tagged_blocked or blocked_deliverables or (entry is not None and _tag_of(entry) == BLOCKED)
    ):
        status = BLOCKED
    elif (
        (tally is not None and tally.done > 0)
        or any(done_deliverables)
        or _is_current(ws, definition)
    ):
        status = IN_PROGRESS
    else:
        status = PLANNED
    under_way = status in (IN_PROGRESS, BLOCKED)

    report = StatusReport(
        milestone=definition.name,
        location=_loc(definition.path, definition.heading.range.start.line),
        status=status,
        phase=definition.phase.strip() if definition.phase else None,
        method=method,
        percent=tally.percent if tally is not None else 0.0,
        done=tally.done if tally is not None else 0,
        total=tally.total if tally is not None else 0,
        counting=tally.noun if tally is not None else "acceptance criteria or deliverables listed",
        stated=_stated(ws, definition),
        approval_required=summary.approval_required,
        approval_date=summary.approval_date,
        approval_text=summary.approval_text,
    )

    first_open = True
    for item, ok in zip(criteria_items, met, strict=True):
        if ok:
            state = MET
        else:
            state = _tag_of(item) or (IN_PROGRESS if under_way and first_open else NEXT)
            first_open = False
        report.criteria.append(
            CriterionLine(
                item.text, ok, state, item.category, _loc(definition.path, item.range.start.line)
            )
        )

    for item, ok in zip(deliverable_items, done_deliverables, strict=True):
        found = ws.find_deliverable(item.text)
        if ok:
            state = COMPLETE
        else:
            tags = [t for t in [_tag_of(item), *_status_tags(ws, item.text)] if t]
            if deliverable_ticked(ws, item.text, item):
                # Ticked or tagged complete, but its success criteria are open: completed
                # means verified, so the report says what the tick lacks (MS201 says where).
                state = NOT_VERIFIED
            elif tags:
                state = tags[0]
            elif found is not None and (
                (t := criteria_tally(ws, found.name, found.criteria, "met")) is not None
                and t.done > 0
            ):
                state = IN_PROGRESS
            elif complete:
                state = NOT_VERIFIED
            else:
                state = NEXT if under_way else PLANNED
        report.deliverables.append(
            DeliverableLine(
                item.text,
                state,
                found is not None,
                _loc(definition.path, item.range.start.line),
            )
        )

    report.tests = _tests(ws)

    for line in report.criteria:
        if not line.met:
            kind = "blocked" if line.state == BLOCKED else "criterion"
            report.blockers.append(Blocker(kind, line.text, line.location))
    for d in report.deliverables:
        if d.state == BLOCKED:
            report.blockers.append(Blocker("blocked", d.name, d.location))
    concerned = relevant_findings(ws, definition, [d.text for d in deliverable_items], findings)
    for f in concerned:
        report.blockers.append(
            Blocker(
                "finding",
                f.message,
                _loc(f.path, f.range.start.line),
                f.code,
                f.severity.value,
            )
        )

    report.next_steps = _next_steps(ws, definition, report, complete, bool(concerned))
    return report


def _next_steps(
    ws: Workspace, milestone: Milestone, report: StatusReport, complete: bool, findings: bool
) -> list[str]:
    steps = [
        f"Verify {d.name} and mark it complete" if d.state == NOT_VERIFIED else f"Complete {d.name}"
        for d in report.deliverables
        if d.state != COMPLETE
    ]
    steps += [f"Meet criterion: {c.text}" for c in report.criteria if not c.met]
    for t in report.tests if not complete else []:
        if t.done < t.total:
            failing = t.total - t.done
            steps.append(f"Fix the failing {t.name} tests ({failing} of {t.total} failing)")
    if findings:
        steps.append("Resolve the findings listed under Blockers (`milestone-lsp check`)")
    if complete:
        if report.approval_required and report.approval_date is None:
            steps.append("Request approval, then log the decision in DECISIONS.md")
        elif not ws.decisions_for(milestone.name):
            steps.append("Log the completion in DECISIONS.md")
        else:
            following = _following(ws, milestone)
            steps.append(f"Advance to {following}" if following else "Advance to the next phase")
    elif report.approval_required:
        steps.append("Request approval once every criterion is met")
    return steps


def _following(ws: Workspace, milestone: Milestone) -> str | None:
    names = [m.name for m in ws.milestones()]
    for doc in status_documents(ws):
        listed = [i.text for i in milestones_list(doc)]
        if listed:
            names = listed
            break
    keys = [normalize_name(n) for n in names]
    key = normalize_name(milestone.name)
    if key in keys and keys.index(key) + 1 < len(names):
        return names[keys.index(key) + 1]
    return None


# --- writing -----------------------------------------------------------------------------------


def render_markdown(report: StatusReport) -> str:
    """The report in the specification's Milestone Status Report layout."""
    lines = [f"# Milestone Status: {report.milestone}", "", "## Summary"]
    lines.append(f"- Status: {report.status}")
    if report.total:
        lines.append(
            f"- Progress: {format_percent(report.percent)} "
            f"({report.done} of {report.total} {report.counting})"
        )
    else:
        lines.append(f"- Progress: 0% (no {report.counting})")
    differing: dict[str, list[str]] = {}
    for stated in report.stated:
        # A whole-number statement of 33.3% (or 87.5% stated as 88%) is not a disagreement.
        if round(stated.percent) != round(report.percent):
            differing.setdefault(format_percent(stated.percent), []).append(str(stated.location))
    for percent, places in differing.items():
        lines.append(f"- Stated elsewhere: {percent} ({', '.join(places)})")
    if report.phase:
        lines.append(f"- Phase: {report.phase}")
    lines.append(f"- Approval: {report.approval_text}")

    lines += ["", "## Acceptance Criteria"]
    for c in report.criteria:
        if c.met:
            lines.append(f"- [x] {c.text} {MET}")
        else:
            lines.append(f"- [ ] {c.text} ({c.state})")
    if not report.criteria:
        lines.append("- None listed")

    lines += ["", "## Deliverables"]
    for d in report.deliverables:
        box = "x" if d.state == COMPLETE else " "
        lines.append(f"- [{box}] {d.name} ({d.state})")
    if not report.deliverables:
        lines.append("- None listed")

    lines += ["", "## Test Status"]
    for t in report.tests:
        lines.append(f"- {t.name}: {t.done}/{t.total} passing ({format_percent(t.percent)})")
    if not report.tests:
        lines.append("- No test counts recorded in STATUS.md")

    lines += ["", "## Blockers"]
    lines += [f"- {b.render()}" for b in report.blockers] or ["None"]

    lines += ["", "## Next Steps"]
    lines += [f"{n}. {step}" for n, step in enumerate(report.next_steps, 1)] or ["None"]
    return "\n".join(escape_html(line) for line in lines) + "\n"


_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


def escape_html(line: str) -> str:
    """``line`` with every ``<`` outside code spans written as ``&lt;``.

    The report quotes names and criteria from plan files; a ``<script>`` or ``<img
    onerror=…>`` there would be raw HTML in the report, run by whatever renders it. Escaped,
    it reads as the text it is; inside a code span it is already text, and stays as written.
    """
    if "<" not in line:
        return line
    out: list[str] = []
    last = 0
    for span in _CODE_SPAN.finditer(line):
        out.append(line[last : span.start()].replace("<", "&lt;"))
        out.append(span.group(0))
        last = span.end()
    out.append(line[last:].replace("<", "&lt;"))
    return "".join(out)


def _location_json(loc: Location) -> dict[str, Any]:
    return {"path": loc.path, "line": loc.line}


def report_to_json(report: StatusReport) -> dict[str, Any]:
    """The same report as JSON-ready data (documented in the README, versioned)."""
    return {
        "version": REPORT_JSON_VERSION,
        "milestone": report.milestone,
        "location": _location_json(report.location),
        "status": report.status,
        "phase": report.phase,
        "progress": {
            "percent": round(report.percent, 1),
            "done": report.done,
            "total": report.total,
            "counting": report.counting,
            "method": report.method,
        },
        "stated": [{"percent": s.percent, **_location_json(s.location)} for s in report.stated],
        "approval": {
            "required": report.approval_required,
            "logged": report.approval_date,
            "text": report.approval_text,
        },
        "criteria": [
            {
                "text": c.text,
                "met": c.met,
                "state": "MET" if c.met else c.state,
                "category": c.category,
                **_location_json(c.location),
            }
            for c in report.criteria
        ],
        "deliverables": [
            {
                "name": d.name,
                "state": d.state,
                "defined": d.defined,
                **_location_json(d.location),
            }
            for d in report.deliverables
        ],
        "tests": [
            {
                "name": t.name,
                "done": t.done,
                "total": t.total,
                "percent": round(t.percent, 1),
                **_location_json(t.location),
            }
            for t in report.tests
        ],
        "blockers": [
            {
                "kind": b.kind,
                "text": b.text,
                "code": b.code,
                "severity": b.severity,
                **_location_json(b.location),
            }
            for b in report.blockers
        ],
        "next_steps": list(report.next_steps),
    }


def status_report(ws: Workspace, milestone: Milestone, method: ProgressMethod) -> str:
    """A Milestone Status Report without rule findings, as markdown."""
    return render_markdown(build_report(ws, milestone, method))
