"""Dependencies as a graph: cycles (MS405) and completions ahead of what they depend on (MS209).

A deliverable's (or milestone's) **Dependencies:** entries are references (the parser records
them with the context ``dependencies``, so definition, references and rename already follow
them). An entry that names a defined deliverable or milestone is an edge; "Phase 0 complete"
is an edge to every milestone of that phase; anything else ("OAuth credentials configured")
is a precondition the workspace cannot check and is left alone. Names written with their kind
("Deliverable: Auth Provider") that match nothing are MS401's (unknown-reference).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from milestone_lsp.core.findings import Finding, Related, Severity
from milestone_lsp.core.graphs import strongly_connected
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import Deliverable, Document, Milestone, Reference, Status
from milestone_lsp.core.progress import (
    ProgressMethod,
    criteria_tally,
    deliverable_done,
    deliverable_ticked,
    milestone_complete,
    milestone_progress,
)
from milestone_lsp.core.syntax import normalize_name, status_of_word
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.registry import RuleContext, rule

Definition = Milestone | Deliverable
_PHASE = lazy(r"^\W*phase\s+(\d+)\b.*\b(?:complete|completed|done|finished|approved)\b", re.I)


@dataclass(frozen=True, slots=True)
class Edge:
    """One Dependencies entry of ``source`` and what it names."""

    source: Definition
    ref: Reference
    target: Definition | None
    phase: str | None = None  # "0" for "Phase 0 complete"


def _key(d: Definition) -> tuple[str, str]:
    return ("milestone" if isinstance(d, Milestone) else "deliverable", normalize_name(d.name))


def dependency_refs(doc: Document, section: Definition) -> list[Reference]:
    """The Dependencies entries written inside ``section``."""
    start, end = section.heading.range.start.line, section.end_line
    return [
        r
        for r in doc.references
        if r.context == "dependencies" and start <= r.range.start.line <= end
    ]


def _target(ws: Workspace, ref: Reference) -> Definition | None:
    return ws.find_deliverable(ref.name) or ws.find_milestone(ref.name)


def _by_number(doc: Document, ref: Reference) -> list[Milestone]:
    """Milestones of ``doc`` an entry names by number only (``M03, M05``), each once.

    Every part of the entry must be a number the document's own milestone headings carry;
    an entry with any other word in it is a precondition and names nothing."""
    numbers = {m.number.lower(): m for m in doc.milestones if m.number and not m.is_update}
    if not numbers:
        return []
    text = re.sub(r"\s*\([^)]*\)\s*$", "", ref.name)
    parts = [p.strip(" *_`.") for p in re.split(r",|;|\band\b|&", text)]
    found: list[Milestone] = []
    for part in parts:
        target = numbers.get(part.lower())
        if target is None:
            return []
        if target not in found:
            found.append(target)
    return found


def _edges_of(ws: Workspace, doc: Document) -> list[Edge]:
    out: list[Edge] = []
    deps = [r for r in doc.references if r.context == "dependencies"]
    if not deps:
        return out  # most documents: no Dependencies entries, nothing to walk
    sections: list[Definition] = [*doc.deliverables, *doc.milestones]
    for section in sections:
        if isinstance(section, Milestone) and section.is_update:
            continue
        start, end = section.heading.range.start.line, section.end_line
        for ref in (r for r in deps if start <= r.range.start.line <= end):
            target = _target(ws, ref)
            phase = None
            if target is None:
                numbered = _by_number(doc, ref)
                if numbered:
                    out.extend(Edge(section, ref, m) for m in numbered)
                    continue
                found = _PHASE().match(ref.name)
                phase = found.group(1) if found else None
            out.append(Edge(section, ref, target, phase))
    return out


def dependency_edges(ws: Workspace) -> list[Edge]:
    """Every dependency entry of the workspace, computed once per version of it."""
    return ws.cached("dependencies.edges", lambda: [e for doc in ws for e in _edges_of(ws, doc)])


def _cyclic(ws: Workspace) -> set[tuple[tuple[str, str], tuple[str, str]]]:
    """Edges (source key, target key) that lie on a cycle of definitions."""

    def compute() -> set[tuple[tuple[str, str], tuple[str, str]]]:
        graph: dict[tuple[str, str], set[tuple[str, str]]] = {}
        for e in dependency_edges(ws):
            if e.target is not None:
                graph.setdefault(_key(e.source), set()).add(_key(e.target))
        component: dict[tuple[str, str], int] = {}
        for number, members in enumerate(strongly_connected(graph)):
            for member in members:
                component[member] = number
        return {
            (a, b)
            for a, targets in graph.items()
            for b in targets
            if a == b or (component.get(a) is not None and component.get(a) == component.get(b))
        }

    return ws.cached("dependencies.cyclic", compute)


def _path_back(ws: Workspace, start: tuple[str, str], goal: tuple[str, str]) -> list[str]:
    """Names on a shortest dependency path from ``start`` to ``goal`` (for the message)."""
    names: dict[tuple[str, str], str] = {}
    graph: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for e in dependency_edges(ws):
        if e.target is not None:
            names[_key(e.source)] = e.source.name
            names[_key(e.target)] = e.target.name
            graph.setdefault(_key(e.source), []).append(_key(e.target))
    previous: dict[tuple[str, str], tuple[str, str] | None] = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        if node == goal:
            break
        for child in graph.get(node, []):
            if child not in previous:
                previous[child] = node
                queue.append(child)
    if goal not in previous:
        return []
    path: list[str] = []
    step: tuple[str, str] | None = goal
    while step is not None:
        path.append(names.get(step, step[1]))
        step = previous[step]
    return list(reversed(path))


@rule(
    "MS405",
    "dependency-cycle",
    Severity.WARNING,
    "Deliverables or milestones depend on each other in a circle.",
    scope="workspace",
)
def dependency_cycle(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A Dependencies entry that closes a circle: deliverable A depends on B, and B (directly or
    through others) depends on A, or something depends on itself. Each entry on the circle is
    reported where it is written, with the way back as related information. Entries that name
    nothing the workspace defines are not part of the graph.

    Why:
    The deliverable template's Dependencies section says what must exist first. A circle means
    nothing on it can ever start, so the plan cannot be executed as written — the kind of gap
    "Common Pitfalls" asks a lead to catch before work begins.

    Example that fires:
    `**Dependencies:** - Search Page` under Deliverable: Search Index, and
    `**Dependencies:** - Search Index` under Deliverable: Search Page.

    Example that does not:
    Search Page depends on Search Index, and Search Index depends on nothing defined.

    Fix safety:
    No fix: which dependency is wrong is the author's call.
    """
    cyclic = _cyclic(ctx.ws)
    if not cyclic:
        return
    for edge in _edges_of(ctx.ws, ctx.doc):
        if edge.target is None:
            continue
        pair = (_key(edge.source), _key(edge.target))
        if pair not in cyclic:
            continue
        if pair[0] == pair[1]:
            how = "on itself"
        else:
            back = _path_back(ctx.ws, pair[1], pair[0])
            how = (
                "on '"
                + edge.target.name
                + "', which depends "
                + (
                    "back on it"
                    if len(back) <= 2
                    else "through " + " → ".join(back[1:-1]) + " on it"
                )
            )
        message = (
            f"'{edge.source.name}' depends {how}: a dependency cycle, so none of them can start. "
            f"Remove or change one of the dependencies"
        )
        related = [Related(edge.target.path, edge.target.name_range, "depended on")]
        yield ctx.finding(message, edge.ref.range, related=related)


def _open(ws: Workspace, target: Definition, method: ProgressMethod) -> str | None:
    """Why ``target`` is not complete, or ``None`` when it is."""
    if isinstance(target, Deliverable):
        if deliverable_done(ws, target.name):
            return None
        tally = criteria_tally(ws, target.name, target.criteria, "met")
        if tally is not None:
            return f"{tally.done} of its {tally.total} success criteria met"
        return "not marked complete"
    if milestone_complete(ws, target, method):
        return None
    tally = milestone_progress(ws, target, method)
    if tally is not None and tally.total and tally.done < tally.total:
        return tally.explain()
    if target.approval_required and ws.approval_for(target) is None:
        return "its approval is not logged"
    return "nothing in the workspace shows it complete"


def _claimed_done(ws: Workspace, source: Definition) -> bool:
    if isinstance(source, Deliverable):
        return deliverable_ticked(ws, source.name) or deliverable_done(ws, source.name)
    return False


def stated_status(section: Definition) -> Status | None:
    """What the section's own ``Status`` field says, by its first word (``shipped (v2)``)."""
    value = section.field_value("status")
    if not value:
        return None
    m = re.match(r"^[\W_]*([A-Za-z][A-Za-z \-]*?)(?:\s*[(/,:;.\-–—]|$)", value.strip())
    return status_of_word(m.group(1)) if m else None


def _stated_ahead(ctx: RuleContext, edges: list[Edge]) -> Iterator[Finding]:
    """Milestones whose Status field says done while a milestone they depend on says open."""
    grouped: dict[int, list[Edge]] = {}
    for edge in edges:
        if isinstance(edge.source, Milestone) and isinstance(edge.target, Milestone):
            grouped.setdefault(id(edge.source), []).append(edge)
    for group in grouped.values():
        source = group[0].source
        field = source.fields.get("status")
        if field is None or field.value_range is None or stated_status(source) is not Status.DONE:
            continue
        open_ones: list[tuple[Milestone, str]] = []
        for edge in group:
            target = edge.target
            assert isinstance(target, Milestone)
            said = stated_status(target)
            value = target.field_value("status") or ""
            fresh = all(target is not t for t, _ in open_ones)
            if said is not None and said.is_open and target is not source and fresh:
                open_ones.append((target, value.strip().split("(")[0].strip()))
        if not open_ones:
            continue
        names = ", ".join(
            f"'{(t.number + ' ') if t.number else ''}{t.name}' (Status: {said})"
            for t, said in open_ones
        )
        message = (
            f"'{source.name}' has Status '{field.value.strip()}', but it depends on "
            f"{names}, which {'is' if len(open_ones) == 1 else 'are'} not done. "
            f"Correct the Status of one side, or the dependency"
        )
        related = [Related(t.path, t.name_range, "depended on") for t, _ in open_ones]
        yield ctx.finding(message, field.value_range, related=related)


@rule(
    "MS209",
    "done-before-dependency",
    Severity.WARNING,
    "A deliverable or milestone is complete while something it depends on is not.",
    scope="workspace",
)
def done_before_dependency(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A Dependencies entry of a deliverable that is complete or marked complete (ticked, tagged
    COMPLETE, or all its success criteria met) while the deliverable or milestone the entry
    names is not complete, or — for "Phase N complete" — while a milestone of that phase is not
    verified complete. The finding sits on the dependency entry.
    Also a milestone whose own `Status` field says done (`- **Status**: shipped`) while a
    milestone its Depends on entry names — by name, or by the numbers the document's headings
    carry (`M03, M05`) — has a Status field saying planned, in progress or blocked; that
    finding sits on the Status value, the claim that is wrong. An entry with anything else in
    it ("M01 and a hosted backend") names nothing.

    Why:
    Dependencies say "what must exist first" (the deliverable template). Work finished on top
    of an unfinished foundation is either not finished, or the dependency was never real; the
    "Verification Process" asks the lead to check before marking complete.

    Example that fires:
    Deliverable Search Page ticked in STATUS.md, with `**Dependencies:** - Search Index` while
    Search Index has an open success criterion.

    Example that does not:
    The same once Search Index's criteria are all met, or while Search Page is still open.

    Fix safety:
    No fix: either the dependency or the completion is wrong, and only the author knows which.
    """
    method = ctx.config.progress_method
    phases: dict[str, list[Milestone]] | None = None
    edges = _edges_of(ctx.ws, ctx.doc)
    yield from _stated_ahead(ctx, edges)
    for edge in edges:
        if not _claimed_done(ctx.ws, edge.source):
            continue
        if edge.target is not None:
            if _key(edge.target) == _key(edge.source):
                continue  # MS405's case
            why = _open(ctx.ws, edge.target, method)
            if why is None:
                continue
            kind = "deliverable" if isinstance(edge.target, Deliverable) else "milestone"
            message = (
                f"'{edge.source.name}' is complete, but it depends on {kind} "
                f"'{edge.target.name}', which is not ({why}). Finish the dependency first, "
                f"or reopen '{edge.source.name}'"
            )
            related = [Related(edge.target.path, edge.target.name_range, f"{kind} definition")]
            yield ctx.finding(message, edge.ref.range, related=related)
        elif edge.phase is not None:
            if phases is None:
                phases = {}
                for m in ctx.ws.milestones():
                    number = re.search(r"\d+", m.phase or "")
                    if number:
                        phases.setdefault(number.group(0), []).append(m)
            open_ones = [
                m for m in phases.get(edge.phase, []) if not milestone_complete(ctx.ws, m, method)
            ]
            if not open_ones:
                continue
            names = ", ".join(f"'{m.name}'" for m in open_ones[:3])
            message = (
                f"'{edge.source.name}' is complete, but it depends on Phase {edge.phase} being "
                f"complete, and {names} {'is' if len(open_ones) == 1 else 'are'} not verified "
                f"complete. Finish the phase first, or reopen '{edge.source.name}'"
            )
            related = [Related(m.path, m.name_range, "open milestone") for m in open_ones[:3]]
            yield ctx.finding(message, edge.ref.range, related=related)


def named_dependencies(
    doc: Document, lines: list[str]
) -> Iterator[tuple[Reference, Literal["milestone", "deliverable"]]]:
    """Dependencies entries written with their kind (``Deliverable: X``): (reference, kind)."""
    for ref in doc.references:
        if ref.context != "dependencies":
            continue
        line = ref.range.start.line
        if line >= len(lines):
            continue
        before = lines[line][: ref.range.start.character].lower()
        if re.search(r"\bdeliverable\b[^a-z]*$", before):
            yield ref, "deliverable"
        elif re.search(r"\bmilestone\b[^a-z]*$", before):
            yield ref, "milestone"
