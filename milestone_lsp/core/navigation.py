"""Outline, folding and name navigation across the workspace: definitions, references, rename.

A *name* is a milestone or deliverable name. It is defined by a ``Milestone:``/``Deliverable:``
heading and referenced from STATUS lists, Current Milestone, Contributes To, Dependencies, a
milestone's Deliverables list and DECISIONS.md entries. Names are compared normalised
(:func:`~milestone_lsp.core.syntax.normalize_name`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.model import Document, Item, Section
from milestone_lsp.core.positions import Position, Range, split_lines
from milestone_lsp.core.syntax import normalize_name
from milestone_lsp.core.workspace import Workspace

NameKind = Literal["milestone", "deliverable"]
SymbolKind = Literal[
    "milestone", "deliverable", "criterion", "report", "decision", "section", "item"
]


@dataclass(slots=True)
class Symbol:
    """One entry of a document outline."""

    name: str
    kind: SymbolKind
    range: Range
    selection_range: Range
    detail: str = ""
    children: list[Symbol] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """Where a name is written."""

    path: str
    range: Range
    is_definition: bool


def _section_range(section: Section, lines: list[str]) -> Range:
    end = max(section.end_line, section.heading.range.start.line)
    end = min(end, len(lines) - 1)
    while end > section.heading.range.start.line and not lines[end].strip():
        end -= 1
    return Range.of(section.heading.range.start.line, 0, end, len(lines[end]))


def _item_symbol(item: Item, kind: SymbolKind) -> Symbol:
    box = "[x] " if item.is_done else ("[ ] " if item.state is not None else "")
    return Symbol(item.text or "(empty)", kind, item.range, item.text_range, box.strip())


def document_symbols(doc: Document) -> list[Symbol]:
    """Milestones (with criteria and deliverables), deliverables, reports, decisions, sections."""
    lines = split_lines(doc.text)
    out: list[Symbol] = []
    for m in doc.milestones:
        sym = Symbol(m.name, "milestone", _section_range(m, lines), m.name_range, m.phase or "")
        sym.children += [_item_symbol(c, "criterion") for c in m.criteria]
        sym.children += [_item_symbol(d, "deliverable") for d in m.deliverable_items]
        out.append(sym)
    for d in doc.deliverables:
        sym = Symbol(d.name, "deliverable", _section_range(d, lines), d.name_range, d.phase or "")
        sym.children += [_item_symbol(c, "criterion") for c in d.criteria]
        out.append(sym)
    for r in doc.reports:
        sym = Symbol(r.name, "report", _section_range(r, lines), r.name_range, r.kind)
        sym.children += [_item_symbol(i, "item") for i in r.items if i.state is not None]
        out.append(sym)
    for e in doc.decisions:
        out.append(Symbol(e.name, "decision", _section_range(e, lines), e.name_range, e.date))
    for s in doc.status_sections:
        sym = Symbol(s.name, "section", _section_range(s, lines), s.name_range, s.kind)
        sym.children += [_item_symbol(i, "item") for i in s.items if i.depth == 0]
        out.append(sym)
    out.sort(key=lambda s: (s.range.start.line, s.range.start.character))
    return out


def folding_ranges(doc: Document) -> list[tuple[int, int]]:
    """(start line, end line) of every section and every checklist of two or more items."""
    lines = split_lines(doc.text)
    out: set[tuple[int, int]] = set()
    sections: list[Section] = [
        *doc.milestones,
        *doc.deliverables,
        *doc.reports,
        *doc.decisions,
        *doc.status_sections,
    ]
    for section in sections:
        r = _section_range(section, lines)
        if r.end.line > r.start.line:
            out.add((r.start.line, r.end.line))
        for fld in section.fields.values():
            if len(fld.items) >= 2:
                start = fld.line
                end = max(i.range.end.line for i in fld.items)
                if end > start:
                    out.add((start, end))
    return sorted(out)


# --- names -------------------------------------------------------------------------------------


def _kind_of_reference(ws: Workspace, name: str, kind: str) -> NameKind | None:
    if kind in ("milestone", "any") and ws.find_milestone(name) is not None:
        return "milestone"
    if kind in ("deliverable", "any") and ws.find_deliverable(name) is not None:
        return "deliverable"
    if kind == "milestone":
        return "milestone"
    if kind == "deliverable":
        return "deliverable"
    return None


def _spots(doc: Document) -> list[tuple[str, Range, str, bool]]:
    """(name, range, kind, is_definition) of every name written in the document."""
    out: list[tuple[str, Range, str, bool]] = []
    for m in doc.milestones:
        out.append((m.name, m.name_range, "milestone", not m.is_update))
        out += [(i.text, i.text_range, "deliverable", False) for i in m.deliverable_items]
    for d in doc.deliverables:
        out.append((d.name, d.name_range, "deliverable", True))
    for r in doc.references:
        out.append((r.name, r.range, r.kind, False))
    for e in doc.decisions:
        if e.subject and e.subject_range is not None:
            out.append((e.subject, e.subject_range, "milestone", False))
    return out


def name_at(ws: Workspace, doc: Document, pos: Position) -> tuple[NameKind, str, Range] | None:
    """The milestone or deliverable name under ``pos``: its kind, canonical name and range."""
    for name, rng, kind, _definition in _spots(doc):
        if rng.contains(pos):
            resolved = _kind_of_reference(ws, name, kind)
            if resolved is None:
                continue
            found = ws.find_milestone(name) if resolved == "milestone" else None
            found_d = ws.find_deliverable(name) if resolved == "deliverable" else None
            canonical = found.name if found else (found_d.name if found_d else name)
            return resolved, canonical, rng
    return None


def _matches(written: str, target: str) -> bool:
    a, b = normalize_name(written), normalize_name(target)
    return bool(a) and (a == b or a + " complete" == b)


def occurrences(ws: Workspace, kind: NameKind, name: str) -> list[Occurrence]:
    """Every place in the workspace where the name is defined or referenced."""
    out: list[Occurrence] = []
    seen: set[tuple[str, Range]] = set()
    for doc in sorted(ws, key=lambda d: d.path):
        for written, rng, spot_kind, definition in _spots(doc):
            if spot_kind not in (kind, "any") or not _matches(written, name):
                continue
            if (doc.path, rng) in seen:
                continue
            seen.add((doc.path, rng))
            out.append(Occurrence(doc.path, rng, definition and spot_kind == kind))
    return out


def definitions(ws: Workspace, kind: NameKind, name: str) -> list[Occurrence]:
    """Where the name is defined."""
    return [o for o in occurrences(ws, kind, name) if o.is_definition]


def rename_edits(ws: Workspace, kind: NameKind, name: str, new_name: str) -> list[TextEdit]:
    """Edits renaming every occurrence of ``name`` (a short form keeps being short)."""
    new_name = new_name.strip()
    edits: list[TextEdit] = []
    short_new = new_name[: -len(" Complete")] if new_name.lower().endswith(" complete") else None
    for occ in occurrences(ws, kind, name):
        doc = ws.get(occ.path)
        if doc is None:
            continue
        lines = split_lines(doc.text)
        written = lines[occ.range.start.line][occ.range.start.character : occ.range.end.character]
        if normalize_name(written) == normalize_name(name):
            edits.append(TextEdit(occ.path, occ.range, new_name))
        elif short_new is not None:
            edits.append(TextEdit(occ.path, occ.range, short_new))
        else:
            edits.append(TextEdit(occ.path, occ.range, new_name))
    return edits


def workspace_symbols(ws: Workspace, query: str) -> list[tuple[str, NameKind, str, Range]]:
    """(name, kind, path, range) of definitions whose name contains ``query`` (case-insensitive)."""
    q = query.lower().strip()
    out: list[tuple[str, NameKind, str, Range]] = []
    for doc in sorted(ws, key=lambda d: d.path):
        for m in doc.milestones:
            if not m.is_update and q in m.name.lower():
                out.append((m.name, "milestone", doc.path, m.name_range))
        for d in doc.deliverables:
            if q in d.name.lower():
                out.append((d.name, "deliverable", doc.path, d.name_range))
    return out
