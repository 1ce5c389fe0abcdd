"""Readable outline and JSON form of parsed documents (the ``parse`` command's output)."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

from milestone_lsp.core.inventory import criteria_inventory, inventory_summary
from milestone_lsp.core.model import Document
from milestone_lsp.core.progress import (
    ProgressMethod,
    deliverables_tally,
    format_percent,
    milestone_progress,
    overall_progress,
)
from milestone_lsp.core.workspace import Workspace


def to_jsonable(value: Any) -> Any:
    """Convert model objects (dataclasses, enums, sets) into JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # A document's text, lines and per-section parts are inputs, not parse results.
        skip = ("text", "parts", "part_starts", "lines") if isinstance(value, Document) else ()
        out = {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in skip
        }
        return out
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return value


def _line(n: int) -> str:
    return f"L{n + 1}"


def outline(ws: Workspace, doc: Document, method: ProgressMethod = "criteria") -> list[str]:
    """Lines of a readable outline of one document, with computed progress."""
    out = [doc.path]
    criteria = criteria_inventory(doc)
    if not doc.is_milestone_document and not criteria:
        out.append("  (no milestone structure and no criteria recognised)")
        return out
    out.append(f"  recognised: {inventory_summary(doc, criteria)}")
    overall = overall_progress(ws, doc, method) if doc.status_sections else None
    if overall is not None:
        out.append(f"  overall: {overall.explain()}")
    for m in doc.milestones:
        head = f"  {_line(m.heading.range.start.line)} milestone {m.name!r}"
        if m.is_update:
            head += " (progress update)"
        if m.phase:
            head += f" · {m.phase}"
        tally = milestone_progress(ws, m, method)
        if tally is not None:
            head += f" · {tally.explain()}"
        out.append(head)
        deliverables = deliverables_tally(ws, m)
        if deliverables is not None and (tally is None or tally.basis != "deliverables"):
            out.append(f"      deliverables: {deliverables.explain()}")
        for c in m.criteria:
            box = "x" if c.is_done else " "
            category = f"{c.category}: " if c.category else ""
            out.append(f"      [{box}] {category}{c.text}")
    for d in doc.deliverables:
        head = f"  {_line(d.heading.range.start.line)} deliverable {d.name!r}"
        if d.phase:
            head += f" · {d.phase}"
        target = d.field_value("contributes_to")
        if target:
            head += f" → {target}"
        out.append(head)
        for c in d.criteria:
            out.append(f"      [{'x' if c.is_done else ' '}] {c.text}")
        for t in d.tasks:
            out.append(f"      task {t.number or ''} {t.name}".rstrip())
    for r in doc.reports:
        status = f" · {r.status.raw}" if r.status else ""
        out.append(
            f"  {_line(r.heading.range.start.line)} {r.kind.replace('_', ' ')} {r.name!r}{status}"
        )
    for e in doc.decisions:
        about = f" about {e.subject!r}" if e.subject else ""
        out.append(
            f"  {_line(e.heading.range.start.line)} decision {e.date} {e.kind}{about}: {e.outcome}"
        )
    for s in doc.status_sections:
        out.append(f"  {_line(s.heading.range.start.line)} status section {s.name!r} ({s.kind})")
    for claim in doc.claims:
        stated = []
        if claim.percent is not None:
            stated.append(format_percent(claim.percent.value))
        if claim.count is not None:
            stated.append(f"{claim.count.done}/{claim.count.total}")
        about = f" {claim.name!r}" if claim.name else ""
        line = _line(claim.range.start.line)
        out.append(f"  {line} claim {claim.subject}{about}: {' '.join(stated)}")
    if criteria:
        out.append("  criteria:")
    owner = None
    for crit in criteria:
        if crit.owner != owner:
            owner = crit.owner
            out.append(f"    {owner}")
        box = {True: "x", False: "~" if crit.partial else " ", None: "-"}[crit.checked]
        out.append(f"      {_line(crit.line)} [{box}] {crit.shape}: {crit.text}")
    return out
