"""Which templates fit where the cursor is, what they are about, and where they go.

A template is offered when it makes sense for the kind of document (a milestone definition in a
milestones file, a Deliverable Verification checklist where a deliverable is, the STATUS.md
skeleton in an empty STATUS.md) and names what the cursor is in: the milestone whose section
holds the cursor, the deliverable, the milestone a STATUS.md line or a decision names. It is
inserted at a block boundary — after the section the cursor is in when the template is a
section of the same level, else after the block (paragraph, list, table, fence) the cursor is
in — so it never splits a list, a table or a definition. Its heading takes the level the
document already uses for that kind.

Every template can also be written as an LSP snippet: ``[placeholders]`` become tab stops.
Pure: the model in, text and positions out.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from itertools import accumulate
from typing import TYPE_CHECKING, Literal

from milestone_lsp.core.blocks import document_blocks
from milestone_lsp.core.model import (
    Deliverable,
    Document,
    Heading,
    Milestone,
    Reference,
    Report,
)
from milestone_lsp.core.partscan import headings_in_order, model_by_part
from milestone_lsp.core.positions import split_lines
from milestone_lsp.core.summaries import milestone_at_line
from milestone_lsp.core.templates import render
from milestone_lsp.core.workspace import Workspace

if TYPE_CHECKING:
    # Only the types: the report module is loaded when a report is made.
    from milestone_lsp.core.report import Location, StatusReport

DocumentKind = Literal[
    "status", "decisions", "milestones", "deliverables", "report", "empty", "other"
]

# The kinds of template, in the order they are offered.
OfferKind = Literal[
    "milestone",
    "deliverable",
    "status",
    "milestoneVerification",
    "deliverableVerification",
    "statusReport",
    "approval",
]
OFFER_KINDS: tuple[OfferKind, ...] = (
    "milestone",
    "deliverable",
    "status",
    "milestoneVerification",
    "deliverableVerification",
    "statusReport",
    "approval",
)
# The heading level each template is written with (Milestone Template, Deliverable Template...).
TEMPLATE_LEVEL: dict[OfferKind, int] = {
    "milestone": 2,
    "deliverable": 3,
    "status": 1,
    "milestoneVerification": 2,
    "deliverableVerification": 2,
    "statusReport": 1,
    "approval": 2,
}


def document_kind(doc: Document) -> DocumentKind:
    """What a document is for, from its structure and then its file name."""
    name = os.path.basename(doc.path).lower()
    if name == "status.md":
        return "status"
    if name == "decisions.md":
        return "decisions"
    # Definitions first: a milestones file titled "# Milestones" is not a STATUS.md.
    if any(not m.is_update for m in doc.milestones):
        return "milestones"
    if doc.deliverables:
        return "deliverables"
    if doc.status_sections:
        return "status"
    if doc.decisions:
        return "decisions"
    if doc.reports:
        return "report"
    if not doc.text.strip():
        return "empty"
    return "other"


@dataclass(frozen=True, slots=True)
class Target:
    """What the cursor is in: a milestone and/or a deliverable (either may be unknown)."""

    milestone: Milestone | None = None
    deliverable: Deliverable | None = None


def _section_at(
    sections: list[Deliverable] | list[Report], line: int
) -> Deliverable | Report | None:
    for s in sections:
        if s.heading.range.start.line <= line <= max(s.end_line, s.heading.range.start.line):
            return s
    return None


def _references_near(doc: Document, line: int) -> list[Reference]:
    """The references that may be on ``line``: those of the part holding it (a part's
    references are read from its own lines), else all of them."""
    parts, starts = doc.parts, doc.part_starts
    if not parts or len(starts) != len(parts):
        return doc.references
    at = bisect_right(starts, line) - 1
    return parts[at].references if 0 <= at < len(parts) else doc.references


def target_at(ws: Workspace, doc: Document, line: int) -> Target:
    """The milestone and deliverable the cursor is in (definitions resolved in the workspace).

    Inside a definition: that one (a deliverable's milestone is its Contributes To). On a line
    that names one (a STATUS.md list entry, a decision's subject, a report's heading): that one.
    """
    milestone: Milestone | None = None
    deliverable: Deliverable | None = None
    here = milestone_at_line(doc, line)
    if here is not None:
        milestone = ws.find_milestone(here.name) or here
    found = _section_at(doc.deliverables, line)
    if isinstance(found, Deliverable):
        deliverable = ws.find_deliverable(found.name) or found
        contributes = found.field_value("contributes_to")
        if milestone is None and contributes:
            milestone = ws.find_milestone(contributes)
    report = _section_at(doc.reports, line)
    if isinstance(report, Report):
        if report.kind == "deliverable_verification":
            deliverable = deliverable or ws.find_deliverable(report.name)
        else:
            milestone = milestone or ws.find_milestone(report.name)
    for ref in _references_near(doc, line):
        if ref.range.start.line != line:
            continue
        if ref.kind in ("milestone", "any") and milestone is None:
            milestone = ws.find_milestone(ref.name)
        if ref.kind in ("deliverable", "any") and deliverable is None:
            deliverable = ws.find_deliverable(ref.name)
    for entry in doc.decisions:
        start = entry.heading.range.start.line
        if start <= line <= max(entry.end_line, start) and entry.subject and milestone is None:
            milestone = ws.find_milestone(entry.subject)
    return Target(milestone, deliverable)


def current_milestone(ws: Workspace, doc: Document) -> Milestone | None:
    """The milestone a STATUS.md names as current (this document's first, then any)."""
    for source in (doc, *ws.status_documents()):
        for ref in source.references:
            if ref.context == "current_milestone" and ref.kind == "milestone":
                found = ws.find_milestone(ref.name)
                if found is not None:
                    return found
    return None


def pending_approval(ws: Workspace) -> Milestone | None:
    """The first milestone that requires an approval not logged yet."""
    for m in ws.milestones():
        if m.approval_required and ws.approval_for(m) is None:
            return m
    return None


@dataclass(frozen=True, slots=True)
class Fit:
    """A template that fits the cursor's place: its kind and what it is about."""

    kind: OfferKind
    milestone: Milestone | None = None
    deliverable: Deliverable | None = None


def fitting(ws: Workspace, doc: Document, line: int) -> list[Fit]:
    """The templates that make sense at ``line`` of ``doc``, each with its subject."""
    kind = document_kind(doc)
    here = target_at(ws, doc, line)
    out: list[Fit] = []
    if kind in ("milestones", "empty", "other"):
        out.append(Fit("milestone"))
    if kind in ("milestones", "deliverables", "empty", "other"):
        out.append(Fit("deliverable", here.milestone))
    if kind == "empty" or (kind == "status" and not doc.status_sections):
        out.append(Fit("status", current_milestone(ws, doc)))
    about = here.milestone
    if about is None and kind in ("status", "decisions", "report"):
        about = current_milestone(ws, doc)
    if about is not None and kind in ("milestones", "status", "report"):
        out.append(Fit("milestoneVerification", about))
    if here.deliverable is not None and kind in ("deliverables", "milestones", "status", "report"):
        out.append(Fit("deliverableVerification", here.milestone, here.deliverable))
    if about is not None and kind in ("milestones", "status", "report"):
        out.append(Fit("statusReport", about))
    approval = about
    if kind == "decisions" and (
        approval is None or approval.approval_required is False or ws.approval_for(approval)
    ):
        # In the decision log the cursor is rarely "in" the milestone to approve: the one
        # that waits for its approval is meant.
        approval = pending_approval(ws) or approval
    if (
        approval is not None
        and kind in ("milestones", "status", "decisions", "report")
        and approval.approval_required is not False
        and ws.approval_for(approval) is None
    ):
        out.append(Fit("approval", approval))
    return out


# --- where it goes ------------------------------------------------------------------------------


def heading_level(ws: Workspace, doc: Document, kind: OfferKind) -> int:
    """The level the document (else the workspace) writes headings of this kind at."""

    def first_level(docs: list[Document]) -> int | None:
        for d in docs:
            sections: list[Milestone] | list[Deliverable] | list[Report]
            if kind == "milestone":
                sections = [m for m in d.milestones if not m.is_update]
            elif kind == "deliverable":
                sections = d.deliverables
            elif kind in ("milestoneVerification", "deliverableVerification"):
                sections = [r for r in d.reports if r.kind.endswith("verification")]
            else:
                return None
            if sections:
                return sections[0].heading.level
        return None

    if kind in ("milestoneVerification", "deliverableVerification"):
        # A checklist sits beside the definition it verifies, at the same level.
        own = first_level([doc])
        if own is None and doc.milestones:
            own = doc.milestones[0].heading.level
        return own if own is not None else TEMPLATE_LEVEL[kind]
    level = first_level([doc]) or first_level(sorted(ws, key=lambda d: d.path))
    return level or TEMPLATE_LEVEL[kind]


def set_heading_level(block: str, level: int) -> str:
    """``block`` with its first heading at ``level``."""
    return re.sub(r"^#{1,6}(?= )", "#" * level, block, count=1)


def insertion_line(doc: Document, line: int, level: int) -> int:
    """The line before which a block starting with a level-``level`` heading goes.

    Never inside a definition, checklist, decision entry or STATUS.md section: after the one
    the cursor is in. Never inside a section headed at ``level`` either (a sibling goes beside
    it, not into it): after that section. Elsewhere — a parent section's text, a document
    without headings — after the block the cursor is in (a whole list, table or fence), or at
    once when the cursor is on a blank line between blocks.
    """
    lines = doc.lines or split_lines(doc.text)
    count = len(lines)
    if count == 0 or not doc.text:
        return 0
    line = max(0, min(line, count))
    ends: list[int] = []
    headings, starts, section_starts, furthest = _layout(doc)
    # Of the sections that start at or above ``line``, the furthest end: past ``line``, it is
    # that of a section holding ``line`` (and the furthest of those).
    before = bisect_right(section_starts, line)
    if before and furthest[before - 1] > line:
        ends.append(furthest[before - 1])
    # The last heading at or above ``line`` of level ``level`` or higher, and the next one
    # after it: walked from where ``line`` falls among the headings.
    at = bisect_right(starts, line)
    owner = next((h for h in reversed(headings[:at]) if h.level <= level), None)
    if owner is not None and owner.level == level:
        after = bisect_right(starts, owner.range.start.line)
        later = next((h for h in headings[after:] if h.level <= level), None)
        ends.append(later.range.start.line if later is not None else count)
    if ends:
        return min(max(ends), count)
    return _after_block(doc, lines, line)


_Layout = tuple[list[Heading], list[int], list[int], list[int]]
# The layout of the last document asked about (see _layout).
_laid_out: tuple[Document, _Layout] | None = None


def _spans_in(part: Document) -> list[tuple[int, int]]:
    """The first line of each section of ``part`` and the line after its end, in order."""
    sections = [
        *part.milestones,
        *part.deliverables,
        *part.reports,
        *part.decisions,
        *part.status_sections,
    ]
    return sorted(
        (s.heading.range.start.line, max(s.end_line, s.heading.range.start.line) + 1)
        for s in sections
    )


def _span_starts_in(part: Document) -> list[int]:
    return [start for start, _end in _spans_in(part)]


def _span_ends_in(part: Document) -> list[int]:
    return [end for _start, end in _spans_in(part)]


def _layout(doc: Document) -> _Layout:
    """``doc``'s headings sorted by line and their lines; the first lines of its sections
    (definitions, checklists, decisions, STATUS.md sections) in order, and for each the
    furthest line after the end of it and of every section starting before it. Made once per
    document (each template offered for a code action asks), and per part: a part's headings
    and sections lie within its lines, so the parts' sorted lists end to end are the whole
    document's, and after an edit only the parts it touched are read again."""
    global _laid_out
    known = _laid_out  # read once: the status report command runs in a worker thread
    if known is not None and known[0] is doc:
        return known[1]
    layout = (
        *headings_in_order(doc),
        model_by_part(doc, "placement section starts", _span_starts_in),
        list(accumulate(model_by_part(doc, "placement section ends", _span_ends_in), max)),
    )
    _laid_out = (doc, layout)
    return layout


def prepare(doc: Document) -> None:
    """Work out ``doc``'s layout ahead of the first template offered in it (reading every
    part of a large plan takes a while; afterwards an edit re-reads only its own parts)."""
    _layout(doc)


def _after_block(doc: Document, lines: list[str], line: int) -> int:
    """The first line after the block holding ``line`` (a whole list, table, fence...)."""
    count = len(lines)
    if line >= count:
        return count
    if not lines[line].strip() and line not in doc.fenced_lines:
        # Between blocks, unless the blank line is inside a loose list.
        blocks = document_blocks(lines)
        inside = [b for b in blocks if b.kind == "item" and b.start < line < b.end]
        if not inside:
            return line
    blocks = document_blocks(lines)
    block = next((b for b in blocks if b.start <= line < max(b.end, b.start + 1)), None)
    if block is None:
        following = [b for b in blocks if b.start > line]
        return following[0].start if following else count
    end = block.end
    if block.kind == "item":
        # A list is a run of items; it ends at the first other block.
        for b in blocks:
            if b.start < end:
                continue
            if b.kind != "item":
                break
            end = max(end, b.end)
    return min(end, count)


# --- the text -----------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\[(?!\s?\]|x\]|X\])[^\[\]\n]{2,}\]")


def placeholders(text: str) -> list[str]:
    """The ``[bracketed placeholders]`` of a template (checkboxes are not placeholders)."""
    return [m.group(0) for m in _PLACEHOLDER.finditer(text)]


def as_snippet(text: str) -> str:
    """``text`` as an LSP snippet: each placeholder a tab stop (the same text, the same stop),
    the cursor at the end; ``$``, ``}`` and ``\\`` escaped."""
    stops: dict[str, int] = {}
    out: list[str] = []
    last = 0

    def escape(chunk: str) -> str:
        return chunk.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")

    for m in _PLACEHOLDER.finditer(text):
        out.append(escape(text[last : m.start()]))
        number = stops.setdefault(m.group(0), len(stops) + 1)
        out.append(f"${{{number}:{escape(m.group(0))}}}")
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out) + "$0"


def relative_report(report: StatusReport, root: str) -> StatusReport:
    """The report with every location relative to the project root."""

    def rel(loc: Location) -> Location:
        if not root or not os.path.isabs(loc.path):
            return loc
        try:
            path = os.path.relpath(loc.path, root).replace(os.sep, "/")
        except ValueError:  # another drive on Windows
            return loc
        return replace(loc, path=path)

    report.location = rel(report.location)
    report.stated = [replace(s, location=rel(s.location)) for s in report.stated]
    report.criteria = [replace(c, location=rel(c.location)) for c in report.criteria]
    report.deliverables = [replace(d, location=rel(d.location)) for d in report.deliverables]
    report.tests = [replace(t, location=rel(t.location)) for t in report.tests]
    report.blockers = [replace(b, location=rel(b.location)) for b in report.blockers]
    return report


def _phase_number(milestone: Milestone | None) -> str:
    digits = "".join(ch for ch in (milestone.phase or "") if ch.isdigit()) if milestone else ""
    return digits or "N"


def template_block(fit: Fit, level: int) -> str:
    """The text of a definition or checklist template for ``fit`` (``-`` bullets, ``\\n``).

    The status report and the approval entry are computed from the workspace elsewhere.
    """
    milestone = fit.milestone.name if fit.milestone is not None else "[Milestone name]"
    if fit.kind == "milestone":
        block = render("milestone")
    elif fit.kind == "deliverable":
        block = render("deliverable", phase=_phase_number(fit.milestone), milestone=milestone)
    elif fit.kind == "status":
        block = render("status", phase=_phase_number(fit.milestone), milestone=milestone)
    elif fit.kind == "milestoneVerification":
        block = render("milestoneVerification", name=milestone)
    elif fit.kind == "deliverableVerification":
        name = fit.deliverable.name if fit.deliverable is not None else "[Deliverable name]"
        block = render("deliverableVerification", name=name)
    else:
        raise ValueError(f"{fit.kind} is not a text template")
    return block if fit.kind == "status" else set_heading_level(block, level)
