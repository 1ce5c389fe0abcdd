"""Verification checklists and approval evidence checked against the workspace (MS208).

A verification checklist (``## Milestone Verification: X``) or a status report ticks summary
lines — "All acceptance criteria met", "All deliverables complete", "User approval obtained" —
and an approval entry in DECISIONS.md lists them as evidence, often with a count
("All deliverables complete (4/4)"). Each of those lines is a claim the workspace can check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from milestone_lsp.core.findings import Finding, Fix, Related, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import Deliverable, Item, Milestone, Report, Section
from milestone_lsp.core.progress import Tally, criteria_tally, deliverables_tally, unmet_criteria
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.completion import box_edit
from milestone_lsp.rules.registry import RuleContext, rule

_CRITERIA = lazy(
    r"^\W*all\s+(?:the\s+|its\s+)?(?:(?:acceptance|success|exit)\s+)?criteria\b"
    r"(?:\s+(?:are|were|have been))?\s+(?:met|passed|passing|satisfied|checked|verified|green)\b",
    re.IGNORECASE,
)
_DELIVERABLES = lazy(
    r"^\W*all\s+(?:the\s+|its\s+)?deliverables\b(?:\s+(?:are|were|have been))?\s+"
    r"(?:complete|completed|done|delivered|finished|verified)\b",
    re.IGNORECASE,
)
_APPROVAL = lazy(
    r"^\W*(?:(?:user|stakeholder|customer|owner|client)(?:'s)?\s+)?approval\s+"
    r"(?:obtained|given|received|granted|logged)\b",
    re.IGNORECASE,
)
_COUNT = lazy(r"\(\s*(\d+)\s*/\s*(\d+)\s*\)")

_VERIFICATIONS = ("milestone_verification", "deliverable_verification", "milestone_status")


@dataclass(frozen=True, slots=True)
class _Claim:
    """One summary line, what it is about, and whether a tick makes it (checklists) or the line
    itself does (evidence in a decision entry)."""

    item: Item
    subject: Milestone | Deliverable
    where: str  # "The checklist about 'X'" / "The decision entry of 2026-02-16 about 'X'"
    ticked_claim: bool
    in_approval: bool = False  # evidence inside the approval itself: it need not cite itself


def _subject(ws: Workspace, name: str | None) -> Milestone | Deliverable | None:
    if not name:
        return None
    return ws.find_milestone(name) or ws.find_deliverable(name)


def _lines(section: Section) -> Iterator[Item]:
    seen: set[int] = set()
    groups = [f.items for f in section.fields.values()] + [f.items for f in section.unknown_fields]
    if isinstance(section, Report):
        groups.append(section.items)
    for group in groups:
        for item in group:
            if id(item) not in seen and item.counts:
                seen.add(id(item))
                yield item


def _claims(ctx: RuleContext) -> Iterator[_Claim]:
    for report in ctx.doc.reports:
        if report.kind not in _VERIFICATIONS:
            continue
        subject = _subject(ctx.ws, report.name)
        if subject is None:
            continue
        where = f"The checklist about '{subject.name}'"
        for item in _lines(report):
            if item.box_range is not None and item.is_done:
                yield _Claim(item, subject, where, True)
    for entry in ctx.doc.decisions:
        if entry.outcome == "pending":
            continue  # a draft awaiting the user's answer asserts nothing yet
        subject = _subject(ctx.ws, entry.subject)
        if subject is None:
            continue
        where = (
            f"The decision entry{' of ' + entry.date if entry.date else ''} about '{subject.name}'"
        )
        for item in _lines(entry):
            if item.box_range is None or item.is_done:
                yield _Claim(item, subject, where, False, entry.approves)


def _are(n: int) -> str:
    return "is" if n == 1 else "are"


def _n(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _stated(item: Item) -> tuple[int, int] | None:
    found = _COUNT().search(item.text)
    return (int(found.group(1)), int(found.group(2))) if found else None


def _contradiction(ws: Workspace, claim: _Claim) -> str | None:
    """What the workspace says against the claim, or ``None`` when it agrees."""
    text = claim.item.text
    subject = claim.subject
    kind = "acceptance" if isinstance(subject, Milestone) else "success"
    tally: Tally | None
    if _CRITERIA().search(text):
        tally = criteria_tally(ws, subject.name, subject.criteria, "met")
        if tally is None:
            return None
        stated = _stated(claim.item)
        if tally.done < tally.total:
            unmet = unmet_criteria(ws, subject.name, subject.criteria)
            shown = ", ".join(f"'{i.text}'" for i in unmet[:2])
            more = f" and {len(unmet) - 2} more" if len(unmet) > 2 else ""
            return (
                f"only {tally.done} of its {tally.total} {kind} criteria {_are(tally.done)} met; "
                f"open: {shown}{more}"
            )
        if stated is not None and stated != (tally.done, tally.total):
            return (
                f"it has {_n(tally.total, kind + ' criterion', kind + ' criteria')}, all met, "
                f"not {stated[0]}/{stated[1]}"
            )
        return None
    if _DELIVERABLES().search(text) and isinstance(subject, Milestone):
        tally = deliverables_tally(ws, subject)
        if tally is None:
            return None
        stated = _stated(claim.item)
        if tally.done < tally.total:
            return (
                f"only {tally.done} of its {tally.total} deliverables {_are(tally.done)} "
                f"verified complete"
            )
        if stated is not None and stated != (tally.done, tally.total):
            listed = _n(tally.total, "deliverable", "deliverables")
            return f"it lists {listed}, all complete, not {stated[0]}/{stated[1]}"
        return None
    if (
        _APPROVAL().search(text)
        and not claim.in_approval
        and isinstance(subject, Milestone)
        and subject.approval_required
        and ws.approval_for(subject) is None
    ):
        return "no approval of it is logged in the decision log"
    return None


@rule(
    "MS208",
    "contradicted-evidence",
    Severity.WARNING,
    "A verification checklist or approval entry asserts something the workspace contradicts.",
    fix="unsafe",
    scope="workspace",
)
def contradicted_evidence(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A summary line of a verification checklist, status report or decision entry that the
    workspace contradicts:

    - a ticked "All acceptance criteria met" / "All success criteria met" while some criteria
      of the milestone or deliverable are not met anywhere in the workspace;
    - a ticked "All deliverables complete" while some of the milestone's deliverables are not
      verified complete;
    - a ticked "User approval obtained" while the milestone requires approval and the decision
      log has none;
    - the same lines as evidence in a decision entry ("All deliverables complete (4/4)"),
      including a count that differs from the workspace's.

    Lines are read only where they are about a milestone or deliverable the workspace defines;
    entries still PENDING assert nothing.

    Why:
    "Verification Process" lists these checks as the lead's checklist before a completion is
    claimed, and "Approval Gates › Approval Log Format" records them as the evidence an
    approval rests on. A ticked checklist line that the definitions contradict is the "False
    completion" of "Anti-Patterns", one level up.

    Example that fires:
    ```markdown
    ## Milestone Verification: MVP Functional
    - [x] All acceptance criteria met
    ```
    while the definition of MVP Functional has `- [ ] Integration tests passing (32/32)`.

    Example that does not:
    the same checklist line once every criterion is ticked (in the definition or in the
    checklist itself), or `- [ ] All acceptance criteria met` left open.

    Fix safety:
    Unsafe, for checklist lines only: the fix unticks the line, withdrawing a claim somebody
    made; right when the workspace is current. Decision entries are a record, so no fix
    rewrites them.
    """
    for claim in _claims(ctx):
        against = _contradiction(ctx.ws, claim)
        if against is None:
            continue
        verb = "ticks" if claim.ticked_claim else "states"
        message = f"{claim.where} {verb} '{claim.item.text}', but {against}. " + (
            "Untick it until that holds, or bring the definition up to date"
            if claim.ticked_claim
            else "Correct the evidence, or bring the definition up to date"
        )
        related = [Related(claim.subject.path, claim.subject.name_range, "definition")]
        fixes: list[Fix] = []
        if claim.ticked_claim:
            edit = box_edit(ctx.doc.path, claim.item, " ")
            if edit is not None:
                fixes.append(Fix("Untick it", (edit,), "unsafe"))
        yield ctx.finding(message, claim.item.text_range, related=related, fixes=fixes)
