"""Approval gates: a milestone that needs approval, is complete or left behind, and has none
logged (MS501).

The fix drafts an entry for DECISIONS.md in the Approval Log Format, with the evidence counted
from the workspace and the decision itself left PENDING: the tool may gather evidence, but only a
person can approve, so the draft never satisfies the rule until somebody records the decision.
"""

from __future__ import annotations

import datetime
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from milestone_lsp.core.edits import TextEdit, close_open_fence
from milestone_lsp.core.findings import Finding, Fix, Related, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import Decision, Document, Field, Milestone
from milestone_lsp.core.positions import Range, line_ending, line_index
from milestone_lsp.core.progress import criteria_tally, deliverables_tally, milestones_list
from milestone_lsp.core.syntax import COUNT, normalize_name
from milestone_lsp.core.textmemo import per_text
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.completion import completion_claims
from milestone_lsp.rules.registry import RuleContext, rule

DECISIONS_FILE = "DECISIONS.md"
_PHASE_NUMBER = re.compile(r"(?i)\bphase\s*[:#\-–—]?\s*(\d+(?:\.\d+)?)")
_BARE_NUMBER = lazy(r"^\s*(\d+(?:\.\d+)?)\b")


@dataclass(frozen=True, slots=True)
class Trigger:
    """Why a milestone needs its approval now, and where to report it."""

    milestone: Milestone
    range: Range
    reason: str


# --- phases ---------------------------------------------------------------------------------------


def phase_number(text: str | None) -> float | None:
    """``Phase 2 - MVP Implementation`` → 2.0; ``2`` → 2.0; anything else → ``None``."""
    if not text:
        return None
    m = _PHASE_NUMBER.search(text) or _BARE_NUMBER().match(text)
    return float(m.group(1)) if m is not None else None


def current_phase_field(doc: Document) -> Field | None:
    """The field of a STATUS document that states the project's current phase."""
    if not doc.status_sections:
        return None
    candidates: list[Field | None] = [doc.fields.get("current_phase")]
    for section in doc.status_sections:
        if section.kind in ("current_state", "progress"):
            candidates += [section.fields.get("current_phase"), section.fields.get("phase")]
    candidates.append(doc.fields.get("phase"))
    for fld in candidates:
        if fld is not None and fld.value_range is not None and phase_number(fld.value) is not None:
            return fld
    return None


# --- claims and approvals -------------------------------------------------------------------------


def _gated(milestone: Milestone) -> bool:
    value = (milestone.field_value("approval_required") or "").lower()
    if "/" in value.split("(")[0]:
        return False  # the template's unfilled "Yes/No"
    return milestone.approval_required is True and not milestone.is_update


def _completion_entries(ws: Workspace, doc: Document) -> list[tuple[Milestone, Decision]]:
    """Completion logs (``## DATE: X Milestone Complete``) that record no approval."""
    out = []
    for entry in doc.decisions:
        # An entry with a decision (approved, conditional, rejected, pending) is judged by it.
        if entry.kind != "completion" or entry.outcome != "none" or entry.subject_range is None:
            continue
        for name in entry.subject_candidates:
            milestone = ws.find_milestone(name)
            if milestone is not None:
                out.append((milestone, entry))
                break
    return out


def _triggers_in(ws: Workspace, doc: Document) -> list[Trigger]:
    """Places in ``doc`` that mark a milestone complete (any milestone, gated or not)."""
    out: list[Trigger] = []
    for claim in completion_claims(ws, doc):
        if isinstance(claim.definition, Milestone):
            where = posixpath.basename(doc.path.replace("\\", "/"))
            out.append(Trigger(claim.definition, claim.range, f"{claim.how} in {where}"))
    for milestone, entry in _completion_entries(ws, doc):
        assert entry.subject_range is not None
        out.append(Trigger(milestone, entry.subject_range, f"logged complete on {entry.date}"))
    return out


def _claimed_anywhere(ws: Workspace) -> frozenset[int]:
    """Ids of milestones that some document of the workspace marks complete (cached)."""
    return ws.cached(
        "approvals.claimed_anywhere",
        lambda: frozenset(id(t.milestone) for doc in ws for t in _triggers_in(ws, doc)),
    )


def _pending(ws: Workspace, milestone: Milestone) -> Decision | None:
    return next((e for e in ws.decisions_for(milestone.name) if e.outcome == "pending"), None)


def _refusal(ws: Workspace, milestone: Milestone) -> Decision | None:
    entries = [
        e for e in ws.decisions_for(milestone.name) if e.outcome in ("conditional", "rejected")
    ]
    return max(entries, key=lambda e: e.date) if entries else None


# --- the drafted approval entry -------------------------------------------------------------------


def decisions_document(ws: Workspace) -> Document | None:
    """The workspace's DECISIONS.md (else the document holding the most dated entries)."""
    return ws.cached("approvals.decisions_document", lambda: _find_decisions_document(ws))


def _find_decisions_document(ws: Workspace) -> Document | None:
    named = [
        d for d in ws if posixpath.basename(d.path.replace("\\", "/")).upper() == "DECISIONS.MD"
    ]
    if named:
        return sorted(named, key=lambda d: (d.path.count("/"), d.path))[0]
    logs = [
        d
        for d in ws
        if d.decisions and "decision" in posixpath.basename(d.path.replace("\\", "/")).lower()
    ]
    return max(logs, key=lambda d: len(d.decisions)) if logs else None


def _first_status_document(ws: Workspace) -> Document | None:
    docs = sorted(ws.status_documents(), key=lambda d: (d.path.count("/"), d.path))
    return docs[0] if docs else None


def _status_document(ws: Workspace, doc: Document) -> Document:
    if doc.status_sections:
        return doc
    first = ws.cached("approvals.first_status_document", lambda: _first_status_document(ws))
    return first if first is not None else doc


def _next_milestone(ws: Workspace, doc: Document, milestone: Milestone) -> str | None:
    listed = milestones_list(_status_document(ws, doc))
    key = normalize_name(milestone.name)
    names = [i.text for i in listed]
    keys = [normalize_name(n) for n in names]
    if key in keys and keys.index(key) + 1 < len(names):
        following = ws.find_milestone(names[keys.index(key) + 1])
        return following.name if following is not None else None
    here = phase_number(milestone.phase)
    if here is None:
        return None
    return ws.cached(("approvals.next_by_phase", here), lambda: _first_after(ws, here))


def _first_after(ws: Workspace, here: float) -> str | None:
    """The name of the first milestone of the lowest phase after ``here``."""
    later = [m for m in ws.milestones() if (phase_number(m.phase) or -1) > here]
    return min(later, key=lambda m: phase_number(m.phase) or 0).name if later else None


def _test_evidence(ws: Workspace, milestone: Milestone) -> list[str]:
    lines = [f"{i.text} (acceptance criterion)" for i in milestone.criteria if COUNT.search(i.text)]
    return lines + ws.cached("approvals.test_counts", lambda: _test_counts(ws))


def _test_counts(ws: Workspace) -> list[str]:
    """The test counts that STATUS documents state, as evidence lines."""
    lines = []
    for status in ws.status_documents():
        for claim in status.claims:
            if claim.subject == "tests" and claim.count is not None:
                label = claim.name or "Tests"
                lines.append(
                    f"{label}: {claim.count.done}/{claim.count.total} "
                    f"(current, from {posixpath.basename(status.path)})"
                )
    return lines


def approval_entry(
    ws: Workspace, doc: Document, trigger: Trigger, level: int, today: str, newline: str
) -> str:
    """An Approval Log Format entry with evidence filled in and the decision left PENDING."""
    m = trigger.milestone
    evidence = []
    deliverables = deliverables_tally(ws, m)
    if deliverables is not None:
        evidence.append(f"Deliverables complete ({deliverables.done}/{deliverables.total})")
    criteria = criteria_tally(ws, m.name, m.criteria, "acceptance criteria met")
    if criteria is not None:
        evidence.append(f"Acceptance criteria met ({criteria.done}/{criteria.total})")
    evidence += _test_evidence(ws, m)
    if not evidence:
        evidence.append("[Evidence presented to the user: deliverables, tests, reports]")
    phase = f"{m.phase} milestone" if m.phase else "Milestone"
    lines = [
        f'{"#" * level} {today}: Milestone "{m.name}" Approval PENDING',
        "",
        f"**Context:** {phase} {trigger.reason}; approval requested",
        "**Evidence:**",
        *(f"- {e}" for e in evidence),
        "",
        '**Decision:** PENDING — record the user\'s answer ("Approved", "Conditional approval '
        '(fix X first)" or "Rejected (reason)") and retitle this entry to match',
    ]
    following = _next_milestone(ws, doc, m)
    if following is not None:
        lines.append(f"**Next Milestone:** {following}")
    return newline.join(lines) + newline


@per_text(2)
def _line_ending(text: str) -> str:
    # Once per text, not per finding: indexing a 10k-line file took 5 ms each time.
    return line_ending(text)


def _approval_fix(ws: Workspace, doc: Document, trigger: Trigger) -> Fix:
    """The drafted entry, shared by every finding about the same milestone and reason.

    Every STATUS document of a large workspace can report the same left-behind milestone, and
    the draft's evidence lists the test counts of all of them: building it once per finding
    made the findings' size (and the time to draft them) grow with the square of the files.
    """
    today = datetime.date.today().isoformat()
    where: tuple[str, str] | None = None
    if decisions_document(ws) is None:
        folder = posixpath.dirname(_status_document(ws, doc).path.replace("\\", "/"))
        path = posixpath.join(folder, DECISIONS_FILE) if folder else DECISIONS_FILE
        where = (path, _line_ending(doc.text))
    following = _next_milestone(ws, doc, trigger.milestone)
    key = ("approvals.fix", id(trigger.milestone), trigger.reason, today, where, following)
    return ws.cached(key, lambda: _draft_fix(ws, doc, trigger, today))


def _draft_fix(ws: Workspace, doc: Document, trigger: Trigger, today: str) -> Fix:
    log = decisions_document(ws)
    if log is None:
        folder = posixpath.dirname(_status_document(ws, doc).path.replace("\\", "/"))
        path = posixpath.join(folder, DECISIONS_FILE) if folder else DECISIONS_FILE
        newline = _line_ending(doc.text)
        text = f"# Decisions{newline}{newline}" + approval_entry(
            ws, doc, trigger, 2, today, newline
        )
        # An edit at 0:0 of a path that is not in the workspace creates that file.
        edit = TextEdit(path, Range.of(0, 0, 0, 0), text)
    else:
        index = line_index(log.text)
        newline = _line_ending(log.text)
        level = log.decisions[0].heading.level if log.decisions else 2
        body = log.text
        lead = "" if body.endswith(newline * 2) or not body else newline
        if body and not body.endswith(newline):
            lead = newline * 2
        closing = close_open_fence(index.lines, log.fenced_lines, newline)
        if closing:
            lead = ("" if body.endswith(newline) else newline) + closing + newline
        text = lead + approval_entry(ws, doc, trigger, level, today, newline)
        end = index.end()
        edit = TextEdit(log.path, Range(end, end), text)
    return Fix(
        f"Draft a PENDING approval entry for '{trigger.milestone.name}' in {DECISIONS_FILE}",
        (edit,),
        "unsafe",
    )


# --- the rule -------------------------------------------------------------------------------------


def _triggers(ws: Workspace, doc: Document) -> list[Trigger]:
    """Where ``doc`` shows a gated, unapproved milestone as done or left behind."""
    out = [
        t for t in _triggers_in(ws, doc) if _gated(t.milestone) and not ws.approval_for(t.milestone)
    ]
    fld = current_phase_field(doc)
    current = phase_number(fld.value) if fld is not None else None
    if fld is None or fld.value_range is None or current is None:
        return out
    claimed = _claimed_anywhere(ws)
    reported = {id(t.milestone) for t in out}
    folders = ws.cached("approvals.status_folders", lambda: _status_folders(ws))
    for m, here in ws.cached("approvals.unapproved_gates", lambda: _unapproved_gates(ws)):
        owners = _owners(folders, m.path)
        if owners is not None and doc.path not in owners:
            continue  # another project's milestone: its own STATUS.md's phase decides
        if here < current and id(m) not in claimed and id(m) not in reported:
            reason = f"left behind (the current phase is {fld.value.strip()})"
            out.append(Trigger(m, fld.value_range, reason))
    return out


def _folder(path: str) -> str:
    return posixpath.dirname(path.replace("\\", "/"))


def _status_folders(ws: Workspace) -> dict[str, frozenset[str]]:
    """The folders that hold a STATUS document, with the paths of those documents."""
    out: dict[str, set[str]] = {}
    for d in ws.status_documents():
        out.setdefault(_folder(d.path), set()).add(d.path)
    return {folder: frozenset(paths) for folder, paths in out.items()}


def _owners(folders: dict[str, frozenset[str]], path: str) -> frozenset[str] | None:
    """The STATUS documents a definition in ``path`` belongs to: those nearest above it.

    A workspace may hold several projects, each with its own STATUS.md; a project's current
    phase says nothing about another project's milestones. ``None`` when no STATUS document
    sits in a folder above the definition (then every STATUS document speaks for it).
    """
    folder = _folder(path)
    while True:
        found = folders.get(folder)
        if found is not None:
            return found
        parent = posixpath.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _unapproved_gates(ws: Workspace) -> list[tuple[Milestone, float]]:
    """Gated milestones with a phase and no logged approval, with their phase numbers."""
    out = []
    for m in ws.milestones():
        here = phase_number(m.phase)
        if _gated(m) and here is not None and ws.approval_for(m) is None:
            out.append((m, here))
    return out


def _message(ws: Workspace, trigger: Trigger, pending: Decision | None) -> str:
    m = trigger.milestone
    head = (
        f"Milestone '{m.name}' requires approval (Approval Required: Yes) and is {trigger.reason}"
    )
    if pending is not None:
        return (
            f"{head}, but its approval entry of {pending.date} in "
            f"{posixpath.basename(pending.path)} is still PENDING. Record the user's decision "
            f"there"
        )
    refusal = _refusal(ws, m)
    if refusal is not None:
        outcome = "a conditional approval" if refusal.outcome == "conditional" else "a rejection"
        return (
            f"{head}, but the latest entry ({refusal.date}) records {outcome}. Address it, "
            f"present the evidence again and log the approval once it is given"
        )
    return (
        f"{head}, but {DECISIONS_FILE} has no approval entry for it. Present the evidence, wait "
        f"for the user's explicit approval, then log it"
    )


@rule(
    "MS501",
    "missing-approval",
    Severity.ERROR,
    "A milestone that requires approval is complete or left behind, and no approval is logged.",
    fix="unsafe",
    scope="workspace",
)
def missing_approval(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A milestone whose definition says `Approval Required: Yes` that the workspace shows as
    finished — ticked or tagged COMPLETE in a STATUS.md list, its heading tagged COMPLETE or ✅,
    a verification checklist or status report with `Status: COMPLETE`, or a completion entry
    in DECISIONS.md — or whose phase the project has left (STATUS.md's current Phase is a later
    one), while no DECISIONS.md entry approves it. Both of the specification's log forms
    count as approval: `## DATE: Milestone "X" Approved`, and `## DATE: X Milestone Complete`
    whose `**Decision:**` says approved. A conditional approval, a rejection, or an entry whose
    decision is still PENDING do not.

    The finding is reported where the completion is claimed (the STATUS.md entry, the heading,
    the report's Status, the completion log entry), once per place; when nothing claims the
    milestone complete but the project's phase has moved past it, on the current Phase value
    in STATUS.md. The definition's `Approval Required` field is the related location. When a
    workspace holds several projects, each with its own STATUS.md, a STATUS.md's phase speaks
    for the milestones defined in its folder and below (unless a nearer STATUS.md does).

    Why:
    "Approval Gates › Approval Process" requires the lead to wait for explicit approval and
    to log it in DECISIONS.md before advancing; "Approval Gates › Approval Log Format" gives
    the entry's shape, and "Anti-Patterns" lists advancing phases without user consent. The
    default severity is error because this is the one gate the specification makes
    mandatory, and the rule only fires for milestones whose own definition opts into it.

    Example that fires:
    ```markdown
    ## Milestones
    - [x] Authentication Complete (Phase 1)
    ```
    with `**Approval Required:** Yes` in its definition and nothing about it in DECISIONS.md.

    Example that does not:
    The same entry once DECISIONS.md has `## 2026-02-14: Authentication Milestone Complete`
    with `**Decision:** Approved to advance to Phase 2`; or a milestone with
    `**Approval Required:** No (foundation work)`.

    Fix safety:
    Unsafe. The fix appends a draft entry to DECISIONS.md (creating the file next to STATUS.md
    when the workspace has none) in the Approval Log Format: deliverable, criteria and test
    counts from the workspace as evidence, and the decision written as a visible PENDING
    placeholder. An approval nobody gave is never written, so the finding stays — pointing at
    the draft — until a person records the decision.
    """
    ws, doc = ctx.ws, ctx.doc
    for trigger in _triggers(ws, doc):
        m = trigger.milestone
        pending = _pending(ws, m)
        related = []
        gate = m.fields.get("approval_required")
        if gate is not None:
            related.append(Related(m.path, gate.label_range, "Approval Required: Yes"))
        if pending is not None:
            related.append(Related(pending.path, pending.heading.text_range, "PENDING approval"))
        fixes: Sequence[Fix] = [] if pending is not None else [_approval_fix(ws, doc, trigger)]
        yield ctx.finding(
            _message(ws, trigger, pending), trigger.range, related=related, fixes=fixes
        )
