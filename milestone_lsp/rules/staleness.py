"""Documentation lag: a STATUS.md that the rest of the workspace has overtaken (MS601)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.findings import Finding, Fix, Related, Severity
from milestone_lsp.core.model import Decision, Document, Item, Milestone, Status
from milestone_lsp.core.positions import Range
from milestone_lsp.core.progress import milestone_complete, milestones_list, unmet_criteria
from milestone_lsp.core.syntax import normalize_name
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.approvals import current_phase_field, phase_number
from milestone_lsp.rules.completion import box_edit, resolve_entry, retag_edit, status_entries
from milestone_lsp.rules.registry import RuleContext, rule

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _basename(path: str) -> str:
    return posixpath.basename(path.replace("\\", "/"))


def _is_log(doc: Document) -> bool:
    """Whether a document is a decision log (DECISIONS.md, decision-log.md, …)."""
    return "decision" in _basename(doc.path).lower()


def _logged_entries(ws: Workspace) -> list[Decision]:
    """Dated decision-log entries that record something that happened (drafts excluded)."""
    return ws.cached(
        "staleness.logged_entries",
        lambda: [
            e
            for doc in ws
            if _is_log(doc)
            for e in doc.decisions
            if e.outcome != "pending" and e.date
        ],
    )


def _done_by_log(ws: Workspace, milestone: Milestone) -> Decision | None:
    """The approval, or (where none is needed) the completion entry, that closed a milestone."""
    approval = ws.approval_for(milestone)
    if approval is not None:
        return approval
    if milestone.approval_required is True:
        return None
    return next(
        (e for e in ws.decisions_for(milestone.name) if e.kind == "completion" and e.date), None
    )


def _ticked_in_list(doc: Document, milestone: Milestone) -> bool:
    key = normalize_name(milestone.name)
    return any(i.is_done and normalize_name(i.text) == key for i in milestones_list(doc))


def _current_milestone(ctx: RuleContext) -> Iterator[Finding]:
    seen: set[tuple[int, int]] = set()
    for ref in ctx.doc.references:
        if ref.context != "current_milestone" or ref.kind != "milestone":
            continue
        milestone = ctx.ws.find_milestone(ref.name)
        if milestone is None:
            continue
        closed = _done_by_log(ctx.ws, milestone)
        if closed is not None:
            verb = "approved" if closed.approves else "logged complete"
            how = f"{verb} on {closed.date} in {_basename(closed.path)}"
            related = [Related(closed.path, closed.heading.text_range, f"{verb} {closed.date}")]
        elif _ticked_in_list(ctx.doc, milestone):
            how = "ticked complete in this document's Milestones list"
            related = []
        else:
            continue
        slot = (ref.range.start.line, ref.range.start.character)
        if slot in seen:
            continue
        seen.add(slot)
        message = (
            f"STATUS names '{milestone.name}' as the current milestone, but it was {how}. "
            f"Move the current milestone on to the next one"
        )
        yield ctx.finding(message, ref.range, related=related)


def _current_phase(ctx: RuleContext) -> Iterator[Finding]:
    fld = current_phase_field(ctx.doc)
    if fld is None or fld.value_range is None:
        return
    current = phase_number(fld.value)
    # Phase numbers once per workspace, not once per STATUS document.
    phases = ctx.ws.cached(
        "staleness.phases", lambda: [(phase_number(m.phase), m) for m in ctx.ws.milestones()]
    )
    in_phase = [m for phase, m in phases if phase == current]
    if not in_phase:
        return
    closed = [_done_by_log(ctx.ws, m) for m in in_phase]
    if any(c is None for c in closed):
        return
    last = max((c for c in closed if c is not None), key=lambda c: c.date)
    names = ", ".join(f"'{m.name}'" for m in in_phase)
    message = (
        f"STATUS says the current phase is {fld.value.strip()}, but every milestone of that "
        f"phase ({names}) is closed in {_basename(last.path)}, last on {last.date}. Advance the "
        f"phase, or note why the project stays in it"
    )
    related = [Related(last.path, last.heading.text_range, f"closed {last.date}")]
    yield ctx.finding(message, fld.value_range, related=related)


def _last_updated(ctx: RuleContext) -> Iterator[Finding]:
    fld = ctx.doc.fields.get("last_updated")
    if fld is None:
        for section in ctx.doc.status_sections:
            fld = section.fields.get("last_updated")
            if fld is not None:
                break
    if fld is None or fld.value_range is None:
        return
    m = _ISO_DATE.search(fld.value)
    if m is None:
        return
    stated = m.group(0)
    newer = [e for e in _logged_entries(ctx.ws) if e.date > stated]
    if not newer:
        return
    latest = max(newer, key=lambda e: e.date)
    start = fld.value_range.start
    offset = (
        ctx.lines[start.line].find(stated, start.character) if start.line < len(ctx.lines) else -1
    )
    rng = (
        Range.of(start.line, offset, start.line, offset + len(stated))
        if offset >= 0
        else fld.value_range
    )
    message = (
        f"STATUS was last updated on {stated}, but {_basename(latest.path)} has "
        f"{len(newer)} later entr{'y' if len(newer) == 1 else 'ies'}, the latest on {latest.date} "
        f"('{latest.name}'). Bring STATUS up to date and change the date"
    )
    related = [Related(latest.path, latest.heading.text_range, f"logged {latest.date}")]
    yield ctx.finding(message, rng, related=related)


def _says_open(item: Item) -> bool:
    """Whether an entry says, by an empty box or an open status tag, that it is not done."""
    if not item.counts or item.claims_done:
        return False
    if item.tag is not None and item.tag.status in (Status.BLOCKED, Status.FAILED):
        return False  # a stated obstacle: the lead knows something the criteria do not say
    if item.box_range is not None:
        return True
    return item.tag is not None and item.tag.status in (Status.IN_PROGRESS, Status.NEXT)


def _close_fix(ctx: RuleContext, item: Item) -> Fix | None:
    edits: list[TextEdit] = []
    box = box_edit(ctx.doc.path, item, "x")
    if box is not None:
        edits.append(box)
    if item.tag is not None and item.tag.status is not Status.DONE:
        retag = retag_edit(ctx.doc.path, ctx.lines, item.tag, "COMPLETE")
        if retag is not None:
            edits.append(retag)
    if not edits:
        return None
    title = "Tick it and mark it COMPLETE" if len(edits) == 2 or box is None else "Tick it"
    return Fix(title, tuple(edits), "unsafe")


def _open_but_complete(ctx: RuleContext) -> Iterator[Finding]:
    """Entries STATUS still shows open whose definition the workspace shows verified complete."""
    method = ctx.config.progress_method
    for item, hint in status_entries(ctx.doc):
        if not _says_open(item):
            continue
        found = resolve_entry(ctx.ws, item, hint)
        if found is None:
            continue
        kind, definition = found
        where = _basename(definition.path)
        if kind == "deliverable":
            counted = [c for c in definition.criteria if c.counts]
            if not counted or unmet_criteria(ctx.ws, definition.name, definition.criteria):
                continue
            n = len(counted)
            evidence = (
                "its only success criterion is met"
                if n == 1
                else "both its success criteria are met"
                if n == 2
                else f"all {n} of its success criteria are met"
            ) + f" ({where})"
        else:
            if not isinstance(definition, Milestone) or not milestone_complete(
                ctx.ws, definition, method
            ):
                continue
            approval = ctx.ws.approval_for(definition)
            evidence = f"its acceptance criteria are all met ({where})" + (
                f" and its approval is logged on {approval.date}"
                if approval is not None and approval.date
                else ""
            )
        shown = "open" if item.tag is None else f"as {item.tag.raw.strip('()[]*_ -')}"
        message = (
            f"STATUS still shows {kind} '{definition.name}' {shown}, but {evidence}. "
            f"Tick it and mark it complete, or add the criterion that is still missing"
        )
        related = [Related(definition.path, definition.name_range, f"{kind} definition")]
        fix = _close_fix(ctx, item)
        yield ctx.finding(message, item.text_range, related=related, fixes=[fix] if fix else [])


@rule(
    "MS601",
    "stale-status",
    Severity.INFORMATION,
    "STATUS.md lags behind what the workspace shows.",
    fix="unsafe",
    scope="workspace",
)
def stale_status(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A STATUS document that the rest of the workspace has overtaken:

    - its current milestone (`**Current Milestone:**`, or `- Milestone:` under Current State)
      is already approved in DECISIONS.md, logged complete there (when it needs no approval),
      or ticked in the same document's Milestones list;
    - its current phase is one whose milestones are all approved or logged complete;
    - its `Last updated` date is older than the newest entry of the decision log
      (DECISIONS.md or another file whose name contains "decision"). Drafted entries still
      marked PENDING do not count;
    - an entry it still shows open (an empty box, or IN PROGRESS / NEXT) names a deliverable
      whose success criteria are all met, or a milestone that is verified complete (criteria
      met and, where required, approval logged) — the lag the specification warns about.

    A milestone whose criteria are all met but whose approval is still awaited is legitimately
    current, so met criteria alone are not reported.

    Why:
    "Anti-Patterns" names "Documentation lag" — not updating STATUS.md after completion — and
    "Approval Gates › Approval Process" ends with advancing to the next milestone or phase once
    the approval is logged. A STATUS that still shows the finished milestone misleads every
    reader, and the progress figures computed from it.

    Example that fires:
    `Last updated: 2026-02-10` in STATUS.md while DECISIONS.md has
    `## 2026-02-16: Milestone "MVP Functional" Approved`; or `**Current Milestone:** MVP
    Functional` after that entry.

    Example that does not:
    `Last updated: 2026-02-20` with the newest decision on 2026-02-16, and a current milestone
    that has no approval or completion entry yet.

    Fix safety:
    Unsafe, and only for an entry still shown open: the fix ticks it and marks it COMPLETE,
    which records a completion — right once the lead has checked the work (Verification
    Process), so it is offered in the editor and never applied by fix-all. The other cases have
    no fix: bringing STATUS up to date means rewriting its content, not just its date.
    """
    if not ctx.doc.status_sections or _is_log(ctx.doc):
        return
    yield from _current_milestone(ctx)
    yield from _current_phase(ctx)
    yield from _last_updated(ctx)
    yield from _open_but_complete(ctx)
