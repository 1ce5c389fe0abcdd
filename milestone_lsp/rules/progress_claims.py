"""Progress rules: stated percentages against the Calculation Method (MS301), and counts that
contradict their own percentage or the list they summarise (MS302).

Every number somebody wrote about progress is a :class:`~milestone_lsp.core.model.ProgressClaim`.
:func:`expected_tally` finds what the Calculation Method gives for the same thing; :func:`judge`
decides which rule, if any, a claim breaks, so that each claim is reported at most once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.findings import Finding, Fix, Related, Severity
from milestone_lsp.core.model import (
    Count,
    Deliverable,
    Document,
    Milestone,
    Percent,
    ProgressClaim,
    Report,
    Section,
)
from milestone_lsp.core.positions import Range
from milestone_lsp.core.progress import (
    SECTION_LIST_NOUN,
    ProgressMethod,
    Tally,
    criteria_tally,
    format_percent,
    milestone_progress,
    overall_progress,
    percent_slack,
    phase_claim_progress,
    section_list_tally,
)
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.registry import RuleContext, rule

Verdict = Literal["own-numbers", "count-vs-list", "computed"]
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_FRACTION = re.compile(r"(\d+)(\s*/\s*)(\d+)")


@dataclass(frozen=True, slots=True)
class Expected:
    """What the Calculation Method gives for a claim, and where it was counted."""

    tally: Tally
    source: str
    related: Related | None = None


@dataclass(frozen=True, slots=True)
class Judgement:
    """A claim that breaks MS301 or MS302, with the values it should state."""

    verdict: Verdict
    claim: ProgressClaim
    expected: Expected | None
    percent: float | None  # the exact percentage the claim should state, if it states one
    count: tuple[int, int] | None  # the count it should state, if it states one


# --- what the workspace computes ------------------------------------------------------------------


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


_list_tally = section_list_tally


def _enclosing(doc: Document, line: int) -> Section | None:
    """The milestone, deliverable or report whose lines contain ``line``."""
    sections: list[Section] = [*doc.milestones, *doc.deliverables, *doc.reports]
    for section in sections:
        if section.heading.range.start.line <= line <= section.end_line:
            return section
    return None


def _milestone_expected(
    ws: Workspace, milestone: Milestone, method: ProgressMethod
) -> Expected | None:
    tally = milestone_progress(ws, milestone, method)
    if tally is None or not tally.total:
        return None
    noun = "Acceptance Criteria" if tally.basis == "criteria" else "Deliverables"
    source = f"(definition in {_basename(milestone.path)}, {noun})"
    return Expected(
        tally, source, Related(milestone.path, milestone.name_range, "milestone definition")
    )


def _deliverable_expected(ws: Workspace, deliverable: Deliverable) -> Expected | None:
    tally = criteria_tally(ws, deliverable.name, deliverable.criteria, "success criteria met")
    if tally is None:
        return None
    return Expected(
        tally,
        f"(definition in {_basename(deliverable.path)})",
        Related(deliverable.path, deliverable.name_range, "deliverable definition"),
    )


def _section_expected(ws: Workspace, section: Section, method: ProgressMethod) -> Expected | None:
    """Progress of the definition or report a claim sits in."""
    if isinstance(section, Milestone):
        if section.is_update:
            tally = _list_tally(section.deliverable_items, "deliverables complete")
            if tally is not None:
                return Expected(tally, "in the Deliverables list below it")
            found = ws.find_milestone(section.name)
            return _milestone_expected(ws, found, method) if found is not None else None
        return _milestone_expected(ws, section, method)
    if isinstance(section, Deliverable):
        return _deliverable_expected(ws, ws.find_deliverable(section.name) or section)
    if isinstance(section, Report):
        milestone = ws.find_milestone(section.name)
        if milestone is not None:
            return _milestone_expected(ws, milestone, method)
        deliverable = ws.find_deliverable(section.name)
        if deliverable is not None:
            return _deliverable_expected(ws, deliverable)
        tally = _list_tally(section.criteria, "criteria met")
        if tally is not None:
            return Expected(tally, "in the report's criteria list")
    return None


def expected_for(
    ws: Workspace, doc: Document, claim: ProgressClaim, method: ProgressMethod
) -> Expected | None:
    """What the Calculation Method gives for the thing a claim is about, if it is known."""
    line = claim.range.start.line
    if claim.subject == "tests":
        return None
    if claim.subject in ("overall", "report", "deliverable") or (
        claim.subject == "milestone" and claim.section is None
    ):
        # A "Progress:" field inside a definition is that definition's progress.
        section = _enclosing(doc, line)
        if section is not None:
            return _section_expected(ws, section, method)
    if claim.subject == "overall":
        if claim.count is not None and not _counts_milestones(claim.unit):
            return None  # "(12/30 tasks)": not what the Calculation Method's Overall counts
        tally = overall_progress(ws, doc, method)
        if tally is None or not tally.total:
            return None
        if tally.basis == "list":
            return Expected(tally, "in the Milestones list")
        return Expected(tally, "among the milestone definitions of the workspace")
    if claim.subject == "milestone":
        milestone = ws.find_milestone(claim.name or "")
        return _milestone_expected(ws, milestone, method) if milestone is not None else None
    if claim.subject == "phase":
        return _phase_expected(ws, doc, claim)
    return None


def _counts_milestones(unit: str | None) -> bool:
    """Whether the word after a count leaves it about milestones: ``milestones``, ``complete``,
    or no word at all (``2/5 (40%)``)."""
    if not unit or not unit[0].isalpha():
        return True
    return unit.startswith("milestone") or unit in ("complete", "completed", "done")


def _phase_expected(ws: Workspace, doc: Document, claim: ProgressClaim) -> Expected | None:
    tally = phase_claim_progress(ws, doc, claim)
    if tally is None or not tally.total:
        return None
    if tally.noun == SECTION_LIST_NOUN:
        return Expected(tally, "in the list below it")
    source = (
        "in the phase's deliverables list"
        if tally.basis == "list"
        else "among the deliverable definitions of the phase"
    )
    return Expected(tally, source)


# --- which rule a claim breaks --------------------------------------------------------------------


def _count_percent(count: Count) -> float:
    return 100.0 * count.done / count.total


def judge(
    ws: Workspace, doc: Document, claim: ProgressClaim, method: ProgressMethod, tolerance: float
) -> Judgement | None:
    """The one rule a claim breaks (MS302 before MS301), or ``None`` when it holds."""
    pct, cnt = claim.percent, claim.count
    tolerance = percent_slack(tolerance)  # "33.33%" for one third is right, even at 0
    if cnt is not None and (cnt.total <= 0 or cnt.done > cnt.total):
        cnt = None  # "0/0" or "35/32" is not a progress count we can reason about
    expected = expected_for(ws, doc, claim, method)
    tally = expected.tally if expected is not None else None
    tally_count = (tally.done, tally.total) if tally is not None else None
    if pct is not None and cnt is not None and abs(_count_percent(cnt) - pct.value) > tolerance:
        own = (cnt.done, cnt.total)
        if tally is None:
            return Judgement("own-numbers", claim, expected, _count_percent(cnt), None)
        if own == tally_count:
            return Judgement("own-numbers", claim, expected, tally.percent, None)
        if abs(tally.percent - pct.value) <= tolerance:
            return Judgement("own-numbers", claim, expected, None, tally_count)
        return Judgement("own-numbers", claim, expected, tally.percent, tally_count)
    if tally is None or not tally.total:
        return None
    count_wrong = cnt is not None and (cnt.done, cnt.total) != tally_count
    pct_wrong = pct is not None and abs(tally.percent - pct.value) > tolerance
    if count_wrong and tally.basis == "list":
        return Judgement(
            "count-vs-list", claim, expected, tally.percent if pct_wrong else None, tally_count
        )
    if count_wrong or pct_wrong:
        return Judgement(
            "computed",
            claim,
            expected,
            tally.percent if pct_wrong else None,
            tally_count if count_wrong else None,
        )
    return None


def judgements(ctx: RuleContext) -> list[Judgement]:
    """Every claim of the document that breaks MS301 or MS302."""
    out = []
    for claim in ctx.doc.claims:
        found = judge(
            ctx.ws, ctx.doc, claim, ctx.config.progress_method, ctx.config.percent_tolerance
        )
        if found is not None:
            out.append(found)
    return out


# --- fixes and messages ---------------------------------------------------------------------------


def percent_text(exact: float, tolerance: float) -> str:
    """The shortest rounding of ``exact`` (half up) that the tolerance accepts: 87.5 → ``88``."""
    text = ""
    for digits in (0, 1, 2):
        quantum = Decimal(1).scaleb(-digits)
        value = Decimal(repr(exact)).quantize(quantum, rounding=ROUND_HALF_UP)
        text = str(value)
        if abs(float(value) - exact) <= tolerance:
            break
    return text


def _slice(lines: list[str], rng: Range) -> str | None:
    if rng.start.line != rng.end.line or rng.start.line >= len(lines):
        return None
    return lines[rng.start.line][rng.start.character : rng.end.character]


def _percent_edit(ctx: RuleContext, percent: Percent, exact: float) -> TextEdit | None:
    old = _slice(ctx.lines, percent.range)
    if old is None or _NUMBER.search(old) is None:
        return None
    new = _NUMBER.sub(percent_text(exact, ctx.config.percent_tolerance), old, count=1)
    return TextEdit(ctx.doc.path, percent.range, new)


def _count_edit(ctx: RuleContext, count: Count, done: int, total: int) -> TextEdit | None:
    old = _slice(ctx.lines, count.range)
    if old is None or _FRACTION.search(old) is None:
        return None
    new = _FRACTION.sub(lambda m: f"{done}{m.group(2)}{total}", old, count=1)
    return TextEdit(ctx.doc.path, count.range, new)


def _fix(ctx: RuleContext, j: Judgement) -> Fix | None:
    edits: list[TextEdit] = []
    shown: list[str] = []
    tolerance = ctx.config.percent_tolerance
    if j.percent is not None and j.claim.percent is not None:
        edit = _percent_edit(ctx, j.claim.percent, j.percent)
        if edit is not None:
            edits.append(edit)
            shown.append(percent_text(j.percent, tolerance) + "%")
    if j.count is not None and j.claim.count is not None:
        edit = _count_edit(ctx, j.claim.count, *j.count)
        if edit is not None:
            edits.append(edit)
            shown.append(f"{j.count[0]}/{j.count[1]}")
    if not edits:
        return None
    return Fix(f"Change to {' and '.join(shown)}", tuple(edits), "safe")


def _subject(claim: ProgressClaim, doc: Document) -> str:
    name = claim.name or ""
    if claim.subject == "phase" and not name:
        owner = next((s for s in doc.status_sections if s.claim is claim), None)
        name = (owner.phase or owner.name) if owner is not None else ""
    section = _enclosing(doc, claim.range.start.line)
    if claim.subject == "overall" and section is not None:
        return f"The progress of '{section.name}'"
    return {
        "overall": "Overall progress",
        "milestone": f"The progress of milestone '{name}'",
        "phase": f"The progress of {name or 'the phase'}",
        "deliverable": f"The progress of deliverable '{name}'",
        "report": f"The progress in the status report on '{name}'",
        "tests": f"The '{name}' test count" if name else "The test count",
    }[claim.subject]


def _stated(claim: ProgressClaim) -> str:
    parts = []
    if claim.percent is not None:
        parts.append(claim.percent.raw.strip())
    if claim.count is not None:
        parts.append(f"{claim.count.done}/{claim.count.total}")
    return " and ".join(parts)


def _counting(expected: Expected) -> str:
    """``2 of 5 milestones are complete in the Milestones list: 40%``."""
    tally = expected.tally
    verb = "is" if tally.done == 1 else "are"
    noun = tally.noun
    verified = " verified" if tally.ticked is not None else ""
    for suffix in (" complete", " met"):
        if noun.endswith(suffix):
            noun = f"{noun[: -len(suffix)]} {verb}{verified}{suffix}"
            break
    ticked = f", {tally.ticked} ticked" if tally.ticked is not None else ""
    return (
        f"{tally.done} of {tally.total} {noun} {expected.source}{ticked}: "
        f"{format_percent(tally.percent)}"
    )


def _changes(j: Judgement, tolerance: float) -> str:
    """``Change 45% to 40%`` for the numbers the fix rewrites."""
    parts = []
    claim = j.claim
    if j.percent is not None and claim.percent is not None:
        parts.append(f"{claim.percent.raw.strip()} to {percent_text(j.percent, tolerance)}%")
    if j.count is not None and claim.count is not None:
        old = f"{claim.count.done}/{claim.count.total}"
        parts.append(f"{old} to {j.count[0]}/{j.count[1]}")
    return "Change " + " and ".join(parts) if parts else ""


def _range(j: Judgement) -> Range:
    claim = j.claim
    pct, cnt = claim.percent, claim.count
    if j.verdict == "own-numbers" and pct is not None and cnt is not None:
        first, last = sorted(
            (pct.range, cnt.range), key=lambda r: (r.start.line, r.start.character)
        )
        if first.start.line == last.end.line:
            return Range(first.start, last.end)
    if j.verdict == "count-vs-list" and cnt is not None:
        return cnt.range
    if pct is not None:
        return pct.range
    return cnt.range if cnt is not None else claim.range


def _related(j: Judgement) -> list[Related]:
    return [j.expected.related] if j.expected is not None and j.expected.related else []


@rule(
    "MS301",
    "progress-mismatch",
    Severity.WARNING,
    "A stated progress percentage differs from what the Calculation Method gives.",
    fix="safe",
    scope="workspace",
)
def progress_mismatch(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A stated progress percentage (or count) that differs from what the Calculation Method
    gives for the same thing by more than `percent_tolerance` (default 1.0 point, so 87% and
    88% both pass for 28/32 = 87.5%; at 0, a figure to two decimals such as 33.33% for one in
    three is right): the Overall line (completed / listed milestones, from the document's
    Milestones list, else from the milestone definitions), the Current Milestone and a
    milestone's `- 65%` in a list (met / all acceptance criteria of its definition, or
    completed / listed deliverables with `progress_method = "deliverables"` or when it has no
    criteria), a Phase figure (completed / listed deliverables of the phase), a deliverable
    heading (met / all success criteria), a status report's Progress, and a progress-update
    heading such as `## Milestone: Authentication Complete (25% complete)` (the deliverables
    listed beneath it, as the specification's lifecycle example counts them). Stated counts
    must match exactly. When the thing's definition or list is nowhere in the workspace,
    nothing is reported.

    The message shows both numbers and the counting. When a claim's own numbers disagree
    (`45% (2/5)`) or its count contradicts the list it summarises, MS302 reports it instead.

    Why:
    "Progress Tracking › Calculation Method" defines every percentage as a ratio of things
    that can be counted in the documents. A number that nobody recomputed drifts from the
    work; readers and approval decisions rely on it.

    Example that fires:
    `**Current Milestone:** MVP Functional (65% complete)` while 1 of the 5 acceptance criteria
    of `MVP Functional` is ticked (20%).

    Example that does not:
    `- [ ] MVP Functional (Phase 2) - 20%` for that milestone, or `Integration: 28/32 (87%)`.

    Fix safety:
    Safe: the fix writes the computed value (rounded half up to the precision the tolerance
    needs) in place of the stated one; the number is derived from the workspace itself.
    """
    tolerance = ctx.config.percent_tolerance
    for j in judgements(ctx):
        if j.verdict != "computed" or j.expected is None:
            continue
        message = (
            f"{_subject(j.claim, ctx.doc)} is stated as {_stated(j.claim)}, but "
            f"{_counting(j.expected)}. {_changes(j, tolerance)}, or update the items it counts"
        )
        fix = _fix(ctx, j)
        yield ctx.finding(message, _range(j), related=_related(j), fixes=[fix] if fix else [])


@rule(
    "MS302",
    "count-mismatch",
    Severity.WARNING,
    "A stated count contradicts its own percentage or the list it summarises.",
    fix="safe",
    scope="workspace",
)
def count_mismatch(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    Progress numbers that contradict each other: a count and the percentage written next to it
    (`Integration: 28/32 (92%)` — 28/32 is 87.5%; `**Overall:** 45% (2/5 milestones
    complete)` — 2/5 is 40%), or a count that contradicts the list it summarises
    (`(3/5 milestones complete)` above a Milestones list with 2 of 5 ticked). The percentage
    may differ from the count by `percent_tolerance` (default 1.0 point); counts must match
    exactly. Counts about something other than milestones (`12/30 tasks`) are only checked
    against their own percentage.

    Each claim is reported once: here when its own numbers, or its count and the list,
    disagree; under MS301 (progress-mismatch) when they agree with each other but not with
    what the workspace computes.

    Why:
    "Progress Tracking › In STATUS.md" and "Status Reporting" write each figure as a count
    with its percentage; "Progress Tracking › Calculation Method" makes the percentage the
    count's ratio. When the two disagree at least one is wrong, and readers cannot tell which.

    Example that fires:
    ```markdown
    ## Test Status
    - Integration: 28/32 (92%)
    ```

    Example that does not:
    ```markdown
    - Integration: 28/32 (87%)
    - Smoke: 3/5 (60%)
    ```

    Fix safety:
    Safe: the fix keeps whichever number agrees with the workspace (the list, or the
    Calculation Method) and rewrites the other; with nothing to compare against, the count is
    kept and the percentage recomputed from it, since a count is the more precise of the two.
    """
    tolerance = ctx.config.percent_tolerance
    for j in judgements(ctx):
        if j.verdict == "computed":
            continue
        claim = j.claim
        subject = _subject(claim, ctx.doc)
        assert claim.count is not None
        own = f"{claim.count.done}/{claim.count.total}"
        if j.verdict == "own-numbers":
            assert claim.percent is not None
            message = (
                f"{subject} states {_stated(claim)}, but {own} is "
                f"{format_percent(_count_percent(claim.count))}"
            )
            if j.expected is not None:
                message += f" (and {_counting(j.expected)})"
        else:
            assert j.expected is not None
            message = f"{subject} states {own}, but {_counting(j.expected)}"
        changes = _changes(j, tolerance)
        message += f". {changes}" if changes else ""
        fix = _fix(ctx, j)
        yield ctx.finding(message, _range(j), related=_related(j), fixes=[fix] if fix else [])
