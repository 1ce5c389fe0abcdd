"""Progress summaries shown by the editor: hover text, code lens titles, reports, recomputation.

Everything here is computed from the workspace model with the specification's Calculation Method
(:mod:`milestone_lsp.core.progress`) and returned as plain strings, dictionaries or text edits.
Whether a criterion is vague is decided by the caller (a callable), which keeps this module
independent of the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.model import (
    Deliverable,
    Document,
    Item,
    Milestone,
    ProgressClaim,
    Reference,
)
from milestone_lsp.core.progress import (
    ProgressMethod,
    Tally,
    bar,
    criteria_tally,
    deliverable_done,
    deliverable_ticked,
    deliverables_tally,
    format_percent,
    milestone_progress,
    overall_progress,
    percent_slack,
    phase_claim_progress,
)
from milestone_lsp.core.syntax import normalize_name
from milestone_lsp.core.workspace import Workspace

# Whether a criterion (in the document at the given path) is one MS101 reports: the shells
# pass the rule's own judgement, suppressions and settings included, so a count of vague
# criteria in any view is the count of MS101 findings.
IsVague = Callable[[Item, str], bool]


def _never_vague(_item: Item, _path: str) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class MilestoneSummary:
    """What the editor says about one milestone."""

    name: str
    criteria: Tally | None
    deliverables: Tally | None
    progress: Tally | None
    approval_required: bool | None
    approval_date: str | None
    vague: int
    unverified: int
    conditional_date: str | None = None  # a conditional approval, logged but not yet final

    @property
    def approval_text(self) -> str:
        """``not required`` / ``required, logged on DATE`` / ``required, conditionally approved
        on DATE (conditions open)`` / ``required, not logged``."""
        if not self.approval_required:
            return "not required"
        if self.approval_date:
            return f"required, logged on {self.approval_date}"
        if self.conditional_date:
            return f"required, conditionally approved on {self.conditional_date} (conditions open)"
        return "required, not logged"

    @property
    def approval_short(self) -> str:
        """The approval state in two words, for a code lens."""
        if not self.approval_required:
            return "no approval needed"
        if self.approval_date:
            return "approval logged"
        return "approval conditional" if self.conditional_date else "approval pending"


def unverified_deliverables(ws: Workspace, milestone: Milestone) -> list[str]:
    """Deliverables of the milestone ticked or tagged complete (where it lists them, or in a
    status list) whose own success criteria are not all met."""
    out: list[str] = []
    for item in milestone.deliverable_items:
        if not item.counts or not (item.claims_done or deliverable_ticked(ws, item.text, item)):
            continue
        definition = ws.find_deliverable(item.text)
        if definition is None:
            continue
        tally = criteria_tally(ws, definition.name, definition.criteria, "success criteria")
        if tally is not None and tally.done < tally.total:
            out.append(definition.name)
    return out


def milestone_summary(
    ws: Workspace,
    milestone: Milestone,
    method: ProgressMethod = "criteria",
    is_vague: IsVague = _never_vague,
) -> MilestoneSummary:
    """The progress summary of a milestone, counted across the workspace."""
    definition = ws.find_milestone(milestone.name) or milestone
    criteria = criteria_tally(ws, definition.name, definition.criteria, "acceptance criteria met")
    deliverables = deliverables_tally(ws, definition)
    approval = ws.approval_for(definition)
    conditional = next(
        (e for e in ws.decisions_for(definition.name) if e.outcome == "conditional"), None
    )
    vague = sum(1 for c in definition.criteria if c.counts and is_vague(c, definition.path))
    return MilestoneSummary(
        name=definition.name,
        criteria=criteria,
        deliverables=deliverables,
        progress=milestone_progress(ws, definition, method),
        approval_required=definition.approval_required,
        approval_date=approval.date if approval is not None else None,
        vague=vague,
        unverified=len(unverified_deliverables(ws, definition)),
        conditional_date=(conditional.date or "an undated entry") if conditional else None,
    )


def _ratio(tally: Tally | None) -> str:
    if tally is None:
        return "none listed"
    text = f"{tally.done}/{tally.total} ({format_percent(tally.percent)})"
    if tally.ticked is not None:
        text += f"; {tally.ticked} ticked, {tally.done} verified complete"
    return text


def milestone_hover(summary: MilestoneSummary) -> str:
    """Markdown hover for a milestone heading."""
    percent = summary.progress.percent if summary.progress is not None else 0.0
    lines = [
        f"**Milestone: {summary.name}**",
        "",
        f"`{bar(percent)} {format_percent(percent)}`",
        "",
        f"- Acceptance criteria met: {_ratio(summary.criteria)}",
        f"- Deliverables complete: {_ratio(summary.deliverables)}",
        f"- Approval: {summary.approval_text}",
        f"- Vague criteria: {summary.vague}",
        f"- Unverified completions: {summary.unverified}",
    ]
    return "\n".join(lines)


def lens_title(summary: MilestoneSummary) -> str:
    """``4/6 criteria · 2/4 deliverables · approval pending``."""
    parts = []
    if summary.criteria is not None:
        parts.append(f"{summary.criteria.done}/{summary.criteria.total} criteria")
    if summary.deliverables is not None:
        d = summary.deliverables
        ticked = f" ({d.ticked} ticked)" if d.ticked is not None else ""
        parts.append(f"{d.done}/{d.total} deliverables{ticked}")
    parts.append(summary.approval_short)
    return " · ".join(parts)


def deliverable_hover(ws: Workspace, deliverable: Deliverable) -> str:
    """Markdown hover for a deliverable: its status and criteria met."""
    tally = criteria_tally(ws, deliverable.name, deliverable.criteria, "success criteria met")
    done = deliverable_done(ws, deliverable.name)
    lines = [
        f"**Deliverable: {deliverable.name}**",
        "",
        f"- Status: {'COMPLETE' if done else 'not complete'}",
        f"- Success criteria met: {_ratio(tally)}",
    ]
    target = deliverable.field_value("contributes_to")
    if target:
        lines.append(f"- Contributes to: {target.strip()}")
    return "\n".join(lines)


def reference_hover(
    ws: Workspace, ref: Reference, method: ProgressMethod, is_vague: IsVague = _never_vague
) -> str | None:
    """Markdown hover for a name that refers to a milestone or deliverable."""
    if ref.kind in ("milestone", "any"):
        milestone = ws.find_milestone(ref.name)
        if milestone is not None:
            summary = milestone_summary(ws, milestone, method, is_vague)
            status = "COMPLETE" if _complete(summary.progress) else "not complete"
            return milestone_hover(summary).replace("\n\n`", f"\n\nStatus: {status}\n\n`", 1)
    if ref.kind in ("deliverable", "any"):
        deliverable = ws.find_deliverable(ref.name)
        if deliverable is not None:
            return deliverable_hover(ws, deliverable)
    return f"**{ref.name}**\n\nNot defined anywhere in the workspace."


def _complete(tally: Tally | None) -> bool:
    return tally is not None and tally.total > 0 and tally.done == tally.total


# --- progress claims ---------------------------------------------------------------------------


def computed_for_claim(
    ws: Workspace, doc: Document, claim: ProgressClaim, method: ProgressMethod
) -> Tally | None:
    """What the workspace says the claimed number should be."""
    if claim.subject == "overall":
        return overall_progress(ws, doc, method)
    if claim.subject in ("milestone", "report") and claim.name:
        milestone = ws.find_milestone(claim.name)
        return milestone_progress(ws, milestone, method) if milestone is not None else None
    if claim.subject == "phase":
        return phase_claim_progress(ws, doc, claim)
    if claim.subject == "deliverable" and claim.name:
        deliverable = ws.find_deliverable(claim.name)
        if deliverable is None:
            return None
        return criteria_tally(ws, deliverable.name, deliverable.criteria, "success criteria met")
    if claim.subject == "tests" and claim.count is not None:
        noun = f"{claim.name or ''} tests passing".strip()
        return Tally(claim.count.done, claim.count.total, noun, "count")
    return None


def stated_percent(claim: ProgressClaim) -> float | None:
    """The percentage written in the claim."""
    return claim.percent.value if claim.percent is not None else None


def claim_differs(claim: ProgressClaim, computed: Tally | None, tolerance: float) -> bool:
    """Whether the stated percentage differs from the computed one by more than ``tolerance``."""
    stated = stated_percent(claim)
    if stated is None or computed is None or computed.total == 0:
        return False
    return abs(stated - computed.percent) > percent_slack(tolerance)


def claim_hover(claim: ProgressClaim, computed: Tally | None) -> str:
    """Markdown hover for a progress claim: stated vs computed, with the counting."""
    stated = []
    if claim.percent is not None:
        stated.append(format_percent(claim.percent.value))
    if claim.count is not None:
        stated.append(f"{claim.count.done}/{claim.count.total}")
    about = f" — {claim.name}" if claim.name else ""
    lines = [f"**Progress claim ({claim.subject}{about})**", ""]
    lines.append(f"- Stated: {' '.join(stated) or 'nothing'}")
    if computed is None:
        lines.append("- Computed: cannot be computed from the workspace")
    else:
        lines.append(f"- Computed: {format_percent(computed.percent)}")
        lines.append(f"- Counting: {computed.explain()}")
    return "\n".join(lines)


def recompute_edits(
    ws: Workspace, doc: Document, method: ProgressMethod, tolerance: float = 0.0
) -> list[TextEdit]:
    """Edits that replace every stated percentage and count with the computed values."""
    edits: list[TextEdit] = []
    seen: set[tuple[int, int]] = set()
    for claim in doc.claims:
        if claim.subject == "tests":
            computed = computed_for_claim(ws, doc, claim, method)
        else:
            computed = computed_for_claim(ws, doc, claim, method)
        if computed is None or computed.total == 0:
            continue
        if claim.percent is not None and claim_differs(claim, computed, tolerance):
            key = (claim.percent.range.start.line, claim.percent.range.start.character)
            if key not in seen:
                seen.add(key)
                new = f"{round(computed.percent)}%"
                edits.append(TextEdit(doc.path, claim.percent.range, new))
        count = claim.count
        if (
            count is not None
            and claim.subject != "tests"
            and (count.done, count.total) != (computed.done, computed.total)
        ):
            key = (count.range.start.line, count.range.start.character)
            if key not in seen:
                seen.add(key)
                edits.append(TextEdit(doc.path, count.range, f"{computed.done}/{computed.total}"))
    return edits


def workspace_progress(
    ws: Workspace, doc: Document | None, method: ProgressMethod
) -> dict[str, Any]:
    """Overall and per-milestone progress as data, plus a readable text."""
    overall = overall_progress(ws, doc, method)
    milestones: list[dict[str, Any]] = []
    text_lines: list[str] = []
    if overall is not None:
        text_lines.append(f"Overall: {bar(overall.percent)} {overall.explain()}")
    for m in ws.milestones():
        summary = milestone_summary(ws, m, method)
        tally = summary.progress
        pct = round(tally.percent, 1) if tally is not None else 0.0
        milestones.append(
            {
                "name": m.name,
                "percent": pct,
                "done": tally.done if tally is not None else 0,
                "total": tally.total if tally is not None else 0,
                "approval": summary.approval_text,
            }
        )
        text_lines.append(f"{m.name}: {bar(pct)} {format_percent(pct)} · {lens_title(summary)}")
    return {
        "overall": {
            "percent": round(overall.percent, 1) if overall is not None else 0.0,
            "done": overall.done if overall is not None else 0,
            "total": overall.total if overall is not None else 0,
        },
        "milestones": milestones,
        "text": "\n".join(text_lines),
    }


def milestone_at_line(doc: Document, line: int) -> Milestone | None:
    """The milestone whose section contains ``line``."""
    for m in doc.milestones:
        if m.heading.range.start.line <= line <= max(m.end_line, m.heading.range.start.line):
            return m
    return None


def find_milestone_by_name(ws: Workspace, name: str) -> Milestone | None:
    """A milestone definition by (normalised) name."""
    return ws.find_milestone(name) or next(
        (m for m in ws.milestones() if normalize_name(m.name) == normalize_name(name)), None
    )
