"""A summary of the completed phases against the phase headings marked complete (MS321).

A document's summary (the lines above its first phase heading) may say which phases are done:
``**Completed:** Phases 0-6`` names a set; a bold ``**Phase 6 Complete**`` line in that summary
says where the work stands. Each phase heading (``## Phase 8: CLI - ✓ COMPLETE``) says its own
status with a tag or a mark. The two disagree when a heading outside the stated set is marked
complete, or a heading inside it is marked open. Phase headings with no status say nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from milestone_lsp.core.findings import Finding, Related, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import Heading, Status
from milestone_lsp.core.positions import Range
from milestone_lsp.core.syntax import strip_trailers
from milestone_lsp.rules.registry import RuleContext, rule

_UNIT = r"(?:phase|stage|sprint|milestone)"
_HEAD = re.compile(rf"(?i)^\W*({_UNIT})\s+(\d+)\b")
# "**Completed:** Phases 0-6 (…)", "Completed phases: 0–6", "Done: Phase 1 through 3".
_RANGE = lazy(
    rf"(?i)^[\s>*_-]*(?:completed|complete|done|finished)\s*[*_]*\s*:\s*[*_]*\s*"
    rf"({_UNIT})s?\s+(\d+)\s*(?:-|–|—|to|through)\s*(\d+)\b"
)
# "**Phase 6 Complete** - …" at the start of a summary line.
_HEADLINE = lazy(
    rf"(?i)^[\s>]*\*\*\s*(?:✅|✓|✔)?\s*({_UNIT})\s+(\d+)\s+(?:complete|completed|done|finished)"
    r"\s*[!.]?\s*\*\*"
)


@dataclass(frozen=True, slots=True)
class _Claim:
    """A summary line's statement of the completed phases."""

    line: int
    range: Range
    first: int  # lowest phase said complete
    last: int  # highest phase said complete
    upto: bool  # "Phase N Complete": only later phases are compared
    unit: str
    text: str


def _heading_status(h: Heading) -> Status | None:
    _, trailers = strip_trailers(h.text)
    said = {t.status for t in trailers if t.status is not None and t.kind in ("tag", "mark")}
    if len(said) != 1:
        return None  # no status, or two that disagree
    return next(iter(said))


@rule(
    "MS321",
    "completed-phases-mismatch",
    Severity.WARNING,
    "The summary's completed phases disagree with the phase headings marked complete.",
)
def completed_phases_mismatch(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A summary line above the first phase heading that states which phases are complete —
    `**Completed:** Phases 0-6`, or a bold headline `**Phase 6 Complete**` — while a phase
    heading of the same document says otherwise: a phase outside the stated range is marked
    complete (`## Phase 8: CLI ✓ COMPLETE`), or one inside it is marked in progress, planned
    or blocked (for a headline: the phase it names). The summary line is reported, and so is
    each heading it contradicts. Only headings of the unit the summary names (Phase, Stage,
    Sprint, Milestone) are compared.

    Why:
    Progress Tracking asks a status document to say where the project stands. A summary that
    lags behind (or runs ahead of) the phases it sums up tells the reader the wrong phase,
    and the next one named after it may already be done.

    Example that fires:
    `**Completed:** Phases 0-2` above `## Phase 3: Sync ✅ COMPLETE`.

    Example that does not:
    The same once the summary says `Phases 0-3`, or while Phase 3's heading has no status.

    Fix safety:
    No fix: whether the summary or the heading is stale is the author's call.
    """
    heads: list[tuple[Heading, str, int, Status]] = []
    first_phase_line: int | None = None
    for h in ctx.doc.headings:
        m = _HEAD.match(h.text)
        if m is None:
            continue
        if first_phase_line is None:
            first_phase_line = h.range.start.line
        status = _heading_status(h)
        if status is not None:
            heads.append((h, m.group(1).lower(), int(m.group(2)), status))
    if first_phase_line is None or not heads:
        return
    fenced = ctx.doc.fenced_lines
    claims: list[_Claim] = []
    for line in range(min(first_phase_line, len(ctx.lines))):
        if line in fenced:
            continue
        raw = ctx.lines[line]
        r = _RANGE().match(raw)
        if r is not None:
            unit, a, b = r.group(1).lower(), int(r.group(2)), int(r.group(3))
            if a <= b:
                span = Range.of(line, len(raw) - len(raw.lstrip()), line, r.end())
                claims.append(_Claim(line, span, a, b, False, unit, f"{unit}s {a}–{b}"))
            continue
        hl = _HEADLINE().match(raw)
        if hl is not None:
            n = int(hl.group(2))
            span = Range.of(line, hl.start(1), line, hl.end(0))
            unit = hl.group(1).lower()
            claims.append(
                _Claim(line, span, n, n, True, unit, f"'{unit.capitalize()} {n} complete'")
            )
    if not claims:
        return
    reported: set[int] = set()
    for claim in claims:
        wrong: list[tuple[Heading, int, Status]] = []
        for h, unit, n, status in heads:
            if unit != claim.unit:
                continue
            inside = claim.first <= n <= claim.last
            if status is Status.DONE:
                contradicts = n > claim.last or (not claim.upto and n < claim.first)
            else:
                contradicts = n == claim.last if claim.upto else inside
            if contradicts:
                wrong.append((h, n, status))
        if not wrong:
            continue
        parts = [
            f"{claim.unit.capitalize()} {n} is marked "
            f"{'complete' if s is Status.DONE else 'open'} "
            f"(line {h.range.start.line + 1})"
            for h, n, s in wrong[:3]
        ]
        said = (
            f"gives {claim.text} as where the work stands"
            if claim.upto
            else f"lists the completed {claim.unit}s as {claim.text}"
        )
        yield ctx.finding(
            f"The summary {said}, but {'; '.join(parts)}. "
            f"Bring the summary and the phase headings into line",
            claim.range,
            related=[Related(ctx.doc.path, h.text_range, "phase heading") for h, _, _ in wrong],
        )
        for h, n, s in wrong:
            if h.range.start.line in reported:
                continue
            reported.add(h.range.start.line)
            state = "complete" if s is Status.DONE else "not complete"
            yield ctx.finding(
                f"{claim.unit.capitalize()} {n} is marked {state}, but the summary "
                f"(line {claim.line + 1}) {said}. "
                f"Correct the heading or the summary",
                h.text_range,
                related=[Related(ctx.doc.path, claim.range, "summary")],
            )
