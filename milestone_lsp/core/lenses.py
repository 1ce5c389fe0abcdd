"""Code lenses where progress is defined or claimed: milestone and deliverable headings, and the
milestone, phase and overall lines of a STATUS.md — the computed figure beside the stated one.

Each lens carries the position whose hover explains it, so that clicking a lens opens exactly
the hover's summary. The figures are the Calculation Method's (:mod:`milestone_lsp.core.progress`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from milestone_lsp.core.model import Document, ProgressClaim
from milestone_lsp.core.positions import Position, Range
from milestone_lsp.core.progress import (
    ProgressMethod,
    Tally,
    bar,
    criteria_tally,
    deliverable_done,
    format_percent,
    phase_progress,
)
from milestone_lsp.core.summaries import computed_for_claim, lens_title, milestone_summary
from milestone_lsp.core.workspace import Workspace

_PHASE = re.compile(r"\bphase\s+[\w.]+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ProgressLens:
    """One lens: the line it sits on, its title, and where its hover summary is."""

    range: Range
    title: str
    at: Position


def _stated(claim: ProgressClaim | None) -> str | None:
    if claim is None:
        return None
    if claim.percent is not None:
        return format_percent(claim.percent.value)
    if claim.count is not None:
        return f"{claim.count.done}/{claim.count.total}"
    return None


def _computed(tally: Tally) -> str:
    ticked = f"; {tally.ticked} ticked" if tally.ticked is not None else ""
    counted = f"{tally.done}/{tally.total} {tally.noun}{ticked}"
    return f"computed {format_percent(tally.percent)} ({counted})"


def _with_stated(title: str, claim: ProgressClaim | None) -> str:
    stated = _stated(claim)
    return f"{title} · stated {stated}" if stated else title


def _claim_point(claim: ProgressClaim) -> Position:
    """A position inside the claim but off its name: there the hover explains the claim."""
    if claim.percent is not None:
        return claim.percent.range.start
    if claim.count is not None:
        return claim.count.range.start
    return claim.range.start


def phase_lines(doc: Document) -> list[tuple[str, Range]]:
    """STATUS.md lines about a phase: ``## Phase 2 Deliverables`` and ``Phase: Phase 2 - ...``."""
    out: list[tuple[str, Range]] = []
    for section in doc.status_sections:
        if section.kind == "phase_deliverables" and section.phase:
            out.append((section.phase, section.heading.range))
        phase = section.fields.get("phase")
        if phase is not None and phase.value_range is not None:
            named = _PHASE.search(phase.value)
            if named is not None:
                out.append((named.group(0), phase.value_range))
    return out


def phase_at(doc: Document, pos: Position) -> str | None:
    """The phase a STATUS.md phase line names at ``pos``."""
    for phase, where in phase_lines(doc):
        if where.contains(pos):
            return phase
    return None


def phase_hover(ws: Workspace, doc: Document, phase: str) -> str:
    """Markdown hover for a phase: its deliverables complete (Calculation Method › Phase)."""
    tally = phase_progress(ws, phase, doc)
    lines = [f"**{phase.strip().title()}**", ""]
    if tally is None or tally.total == 0:
        lines.append(f"No deliverables of {phase.strip()} are listed in the workspace.")
        return "\n".join(lines)
    lines += [
        f"`{bar(tally.percent)} {format_percent(tally.percent)}`",
        "",
        f"- Deliverables complete: {tally.done}/{tally.total} ({format_percent(tally.percent)})",
        f"- Counting: {tally.explain()}",
    ]
    return "\n".join(lines)


def progress_lenses(ws: Workspace, doc: Document, method: ProgressMethod) -> list[ProgressLens]:
    """Every progress lens of ``doc``, in document order, one per line."""
    out: list[ProgressLens] = []
    for m in doc.milestones:
        if m.is_update:
            continue
        title = _with_stated(lens_title(milestone_summary(ws, m, method)), m.claim)
        out.append(ProgressLens(m.heading.range, title, m.name_range.start))
    for d in doc.deliverables:
        tally = criteria_tally(ws, d.name, d.criteria, "success criteria met")
        state = "complete" if deliverable_done(ws, d.name) else "open"
        title = f"{_computed(tally)} · {state}" if tally is not None else state
        out.append(ProgressLens(d.heading.range, _with_stated(title, d.claim), d.name_range.start))
    if doc.status_sections:
        claimed: set[int] = set()
        for claim in doc.claims:
            if claim.subject not in ("overall", "milestone", "phase", "deliverable"):
                continue
            tally = computed_for_claim(ws, doc, claim, method)
            if tally is None or tally.total == 0:
                continue
            claimed.add(claim.range.start.line)
            out.append(
                ProgressLens(
                    claim.range, _with_stated(_computed(tally), claim), _claim_point(claim)
                )
            )
        for ref in doc.references:
            line = ref.range.start.line
            if ref.kind != "milestone" or ref.context != "milestones" or line in claimed:
                continue
            milestone = ws.find_milestone(ref.name)
            if milestone is None:
                continue
            summary = milestone_summary(ws, milestone, method)
            if summary.progress is None:
                continue
            claimed.add(line)
            out.append(ProgressLens(ref.range, _computed(summary.progress), ref.range.start))
        for phase, where in phase_lines(doc):
            if where.start.line in claimed:
                continue
            tally = phase_progress(ws, phase, doc)
            if tally is None or tally.total == 0:
                continue
            out.append(ProgressLens(where, _computed(tally), where.start))
    out.sort(key=lambda lens: (lens.range.start.line, lens.range.start.character))
    return out
