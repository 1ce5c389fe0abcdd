"""Completion candidates for milestone documents, chosen from the text before the cursor.

* at the start of a line in a definition: the template's section labels, in template order;
* after ``Phase:``: the phases used in the workspace (and the next one);
* after Contributes To / Dependencies / Current Milestone (or on the lines below them): names;
* in a checklist item: criterion skeletons such as ``Unit test coverage >80%``;
* after ``(`` or `` - `` at the end of a list item: status tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from milestone_lsp.core.model import Document
from milestone_lsp.core.positions import Position, line_index
from milestone_lsp.core.templates import DELIVERABLE_LABELS, MILESTONE_LABELS
from milestone_lsp.core.workspace import Workspace

CandidateKind = Literal["label", "status", "phase", "milestone", "deliverable", "criterion"]

STATUS_TAGS = ("COMPLETE", "IN PROGRESS", "NEXT", "PLANNED", "BLOCKED")
CRITERION_SKELETONS = (
    "Unit test coverage >80%",
    "Integration tests passing (N/N)",
    "API response time <200ms P95",
    "Zero critical security vulnerabilities",
    "Documentation includes API examples",
    "Smoke tests passing (all scenarios)",
    "No new linter warnings",
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One completion: the label shown, the text inserted, its kind and its sort rank."""

    label: str
    insert: str
    kind: CandidateKind
    rank: int
    detail: str = ""
    start: int = -1  # column where the replaced text starts; -1 = the word before the cursor


_NAME_FIELD = re.compile(
    r"^\s*(?:[-*+]\s+)?\**(contributes to|dependencies|current milestone|milestone)\**\s*:\**\s*",
    re.IGNORECASE,
)
_LABEL_START = re.compile(r"^\s*\**[A-Za-z ]*$")
_PHASE = re.compile(r"\bphase\**\s*:\**\s*(?:phase\s*)?\S*$", re.IGNORECASE)
_CHECKBOX = re.compile(r"^\s*[-*+]\s+\[[ xX]\]\s+\S*$")
_TAG_SPOT = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+.*\S(?:\s+\(|\s+-\s+)[A-Z ]*$")


def _context_field(doc: Document, line: int) -> str | None:
    """The field whose block contains ``line`` (label key), if any."""
    best: tuple[int, str] | None = None
    for section in [*doc.milestones, *doc.deliverables]:
        for key, fld in section.fields.items():
            end = fld.end_line if fld.end_line >= fld.line else fld.line
            if fld.line <= line <= end and (best is None or fld.line > best[0]):
                best = (fld.line, key)
    return best[1] if best else None


def _section_kind(doc: Document, line: int) -> str | None:
    for m in doc.milestones:
        if m.heading.range.start.line <= line <= max(m.end_line, m.heading.range.start.line):
            return "milestone"
    for d in doc.deliverables:
        if d.heading.range.start.line <= line <= max(d.end_line, d.heading.range.start.line):
            return "deliverable"
    return None


def _names(ws: Workspace, kinds: tuple[str, ...]) -> list[Candidate]:
    # Asked for on every keystroke after "Contributes To:": kept until the workspace changes.
    return ws.cached(("completion.names", kinds), lambda: _names_uncached(ws, kinds))


def _names_uncached(ws: Workspace, kinds: tuple[str, ...]) -> list[Candidate]:
    out: list[Candidate] = []
    if "milestone" in kinds:
        out += [
            Candidate(m.name, m.name, "milestone", i, m.phase or "")
            for i, m in enumerate(ws.milestones())
        ]
    if "deliverable" in kinds:
        out += [
            Candidate(d.name, d.name, "deliverable", 100 + i, d.phase or "")
            for i, d in enumerate(ws.deliverables())
        ]
    return out


def _at(c: Candidate, start: int) -> Candidate:
    return Candidate(c.label, c.insert, c.kind, c.rank, c.detail, start)


def _phases(ws: Workspace) -> list[Candidate]:
    numbers: set[int] = set()
    phases = [m.phase for m in ws.milestones()] + [d.phase for d in ws.deliverables()]
    for phase in phases:
        found = re.search(r"\d+", phase or "")
        if found:
            numbers.add(int(found.group(0)))
    wanted = sorted(numbers | {max(numbers, default=-1) + 1})
    return [Candidate(f"Phase {n}", f"Phase {n}", "phase", n) for n in wanted]


def complete(ws: Workspace, doc: Document, pos: Position) -> list[Candidate]:
    """Candidates for the cursor at ``pos`` in ``doc``, each knowing what it replaces."""
    lines = line_index(doc.text).lines
    if not 0 <= pos.line < len(lines):
        return []
    before = lines[pos.line][: pos.character]
    word = re.search(r"[\w*]*$", before)
    word_start = word.start() if word else pos.character
    out = []
    for c in _complete(ws, doc, pos):
        start = c.start if c.start >= 0 else word_start
        out.append(Candidate(c.label, c.insert, c.kind, c.rank, c.detail, start))
    return out


def _complete(ws: Workspace, doc: Document, pos: Position) -> list[Candidate]:
    lines = line_index(doc.text).lines
    if not 0 <= pos.line < len(lines):
        return []
    before = lines[pos.line][: pos.character]
    m = _NAME_FIELD.match(before)
    if m is not None:
        label = m.group(1).lower()
        kinds = ("milestone", "deliverable") if label == "dependencies" else ("milestone",)
        return [_at(c, m.end()) for c in _names(ws, kinds)]
    if _PHASE.search(before):
        return _phases(ws)
    field = _context_field(doc, pos.line)
    if field in ("contributes_to", "dependencies") and before.strip().startswith(
        ("-", "*", "+", "")
    ):
        kinds = ("milestone",) if field == "contributes_to" else ("milestone", "deliverable")
        if not _CHECKBOX.match(before):
            bullet = re.match(r"^\s*(?:[-*+]\s+)?", before)
            return [_at(c, bullet.end() if bullet else 0) for c in _names(ws, kinds)]
    box = _CHECKBOX.match(before)
    if box:
        start = before.index("]") + 2
        return [
            Candidate(s, s, "criterion", i, "measurable criterion", start)
            for i, s in enumerate(CRITERION_SKELETONS)
        ]
    if _TAG_SPOT.match(before):
        close = ")" if before.rstrip().endswith("(") or "(" in before.split()[-1:] else ""
        return [Candidate(t, t + close, "status", i) for i, t in enumerate(STATUS_TAGS)]
    if _LABEL_START.match(before):
        kind = _section_kind(doc, pos.line)
        labels: tuple[str, ...]
        if kind == "milestone":
            labels = MILESTONE_LABELS
        elif kind == "deliverable":
            labels = DELIVERABLE_LABELS
        else:
            labels = MILESTONE_LABELS + tuple(
                x for x in DELIVERABLE_LABELS if x not in MILESTONE_LABELS
            )
        start = len(before) - len(before.lstrip())
        return [
            Candidate(label, f"**{label}:** ", "label", i, "section", start)
            for i, label in enumerate(labels)
        ]
    return []
