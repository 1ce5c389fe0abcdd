"""Scope creep: deliverables added to a milestone after it had started (MS602).

Whether a deliverable was there from the start is a fact of the project's history, not of the
text, so this rule reports only what the git history (:mod:`milestone_lsp.core.history`) found.
The CLI's ``check`` and the language server compute that history (the server in the background)
and hand it over with :func:`provide`; without it — no git repository, git missing, or not
computed yet — the rule reports nothing.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from milestone_lsp.core.findings import Finding, Severity
from milestone_lsp.core.model import Document, Milestone
from milestone_lsp.core.positions import split_lines
from milestone_lsp.core.syntax import normalize_name
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.registry import RuleContext, rule

if TYPE_CHECKING:
    # Only the history computes these; `check` without one never loads that module.
    from milestone_lsp.core.history import ScopeCreep

# The additions found for a workspace, by (milestone, deliverable) normalised names.
_PROVIDED: weakref.WeakKeyDictionary[Workspace, dict[tuple[str, str], ScopeCreep]] = (
    weakref.WeakKeyDictionary()
)


def provide(ws: Workspace, additions: Sequence[ScopeCreep]) -> None:
    """Hand the history's scope-creep findings to the rule for ``ws`` (replacing earlier ones)."""
    _PROVIDED[ws] = {(c.milestone_key, c.deliverable_key): c for c in additions}


def provided(ws: Workspace) -> dict[tuple[str, str], ScopeCreep] | None:
    """What was handed over for ``ws`` (``None`` when the history is not known); for a
    snapshot, what was handed over for the workspace it was taken of."""
    found = _PROVIDED.get(ws)
    if found is None and ws.origin is not None:
        found = _PROVIDED.get(ws.origin)
    return found


def _revised_in_log(ws: Workspace, deliverable_key: str) -> bool:
    """Whether a decision-log entry names the deliverable: the plan revision was recorded."""
    for doc in ws:
        if not doc.decisions:
            continue
        lines = split_lines(doc.text)
        for entry in doc.decisions:
            start = entry.heading.range.start.line
            body = " ".join(lines[start : entry.end_line + 1])
            if deliverable_key in normalize_name(body):
                return True
    return False


def _milestones_in(doc: Document) -> Iterable[Milestone]:
    return doc.milestones


def _day(iso: str) -> str:
    return iso[:10]


@rule(
    "MS602",
    "scope-creep",
    Severity.INFORMATION,
    "A deliverable was added to a milestone after the milestone had started.",
    scope="workspace",
)
def scope_creep(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A deliverable listed under a milestone (its definition, or a progress update of it) that
    the git history shows was added after the milestone had started. A milestone has started
    at the first commit where any of these holds: one of its criteria (or deliverables) is
    done, it carries an IN PROGRESS or COMPLETE tag, STATUS names it as the current milestone,
    the STATUS Milestones list marks it in progress or done, or a document states a progress
    above 0% for it. The message names the commit
    that added the deliverable and the one at which the milestone had started.

    The rule needs the history: it runs in `milestone-lsp check` when the workspace is inside
    a git repository and at least one checked file is committed (a file that never was has no
    history), and in the language server once the history has been read in the background.
    A deliverable named in a decision-log entry (the plan revision was recorded) is not
    reported, and neither is one that has not been committed yet (the history ends at `HEAD`).

    Why:
    "Anti-Patterns" lists "Scope creep": adding deliverables mid-phase without revising the
    plan. A deliverable that slips in after work began moves the milestone's percentage
    backwards, hides the growth from whoever approved the plan, and makes "Approval Gates"
    judge a different milestone from the one that was agreed.

    Example that fires:
    `3. Monitoring dashboard` under the Deliverables of `## Milestone: Foundation`, added in
    a commit made after another commit had ticked Foundation's first acceptance criterion.

    Example that does not:
    The same deliverable when it was listed before the milestone started, or when
    DECISIONS.md has an entry that names "Monitoring dashboard" (the revised plan).

    Fix safety:
    No fix: whether the deliverable moves to a later milestone or the plan revision is logged
    is a decision for the lead and the person who approves the milestone.
    """
    additions = provided(ctx.ws)
    if not additions:
        return
    for milestone in _milestones_in(ctx.doc):
        key = normalize_name(milestone.name)
        definition = ctx.ws.find_milestone(milestone.name)
        if definition is not None:
            key = normalize_name(definition.name)
        for item in milestone.deliverable_items:
            if not item.counts or item.depth != 0:
                continue
            found = additions.get((key, normalize_name(item.text)))
            if found is None or _revised_in_log(ctx.ws, found.deliverable_key):
                continue
            message = (
                f"Deliverable '{item.text.strip()}' was added to milestone '{milestone.name}' in "
                f"commit {found.added.short} ({_day(found.added.date)}, "
                f'"{found.added.subject}"), after the milestone had started in '
                f"{found.started.short} ({_day(found.started.date)}). Move it to a later "
                "milestone, or record the plan revision in DECISIONS.md naming the deliverable"
            )
            yield ctx.finding(message, item.text_range)
