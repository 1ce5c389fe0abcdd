"""Cross-file name rules: unknown references (MS401), duplicates (MS402), broken links (MS403).

Names are compared in :func:`~milestone_lsp.core.syntax.normalize_name` form (case, quotes,
emphasis, ``Deliverable 1:`` prefixes and status tags removed), through the workspace indexes.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import replace

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.findings import Finding, Fix, Related, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import (
    Deliverable,
    Document,
    Milestone,
    Reference,
    Section,
    Status,
)
from milestone_lsp.core.positions import Range
from milestone_lsp.core.syntax import normalize_name
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.dependencies import named_dependencies
from milestone_lsp.rules.registry import RuleContext, rule

# A close name is renamed by a safe fix; a looser one only by an unsafe fix.
SAFE_RATIO = 0.8
SUGGEST_RATIO = 0.6
_PLACEHOLDER = re.compile(r"^\s*(?:\[[^\]]*\]|<[^>]*>)\s*$")
_DIGITS = lazy(r"\d+")
_CONTEXTS = {
    "contributes_to": "Contributes To",
    "current_milestone": "the current milestone",
    "decision": "a DECISIONS.md entry",
    "report": "a report heading",
    "milestones": "the milestones list",
    "progress": "the milestones list",
    "dependencies": "Dependencies",
}


def _definitions(ws: Workspace, kind: str) -> NameIndex:
    """The workspace's definitions of ``kind``, indexed once per version of the workspace."""
    if kind == "deliverable":
        return ws.cached("references.deliverables", lambda: NameIndex(ws.deliverables()))
    return ws.cached("references.milestones", lambda: NameIndex(ws.milestones()))


def _resolves(ws: Workspace, doc: Document, ref: Reference) -> bool:
    """Whether a reference names a definition of its kind (a decision by any of its readings)."""
    names = [ref.name]
    if ref.context == "decision":
        for entry in doc.decisions:
            if entry.subject_range == ref.range:
                names = [*entry.subject_candidates, ref.name]
                break
    for name in names:
        if ref.kind != "deliverable" and ws.find_milestone(name) is not None:
            return True
        if ref.kind != "milestone" and ws.find_deliverable(name) is not None:
            return True
    return False


def closest(name: str, candidates: NameIndex) -> tuple[Section, float] | None:
    """The definition whose name is most similar to ``name``, with the similarity ratio."""
    return candidates.closest(normalize_name(name))


class NameIndex:
    """Definitions' normalised names, indexed once so that a look-up need not run difflib
    against every definition of the workspace.

    difflib's ratio is ``2 * matches / (len(a) + len(b))``, and the matches can be no more than
    the characters the two names share as multisets. Each name's character multiset is a
    bitmask (per character a field holding as many low bits as the name has of it), so the
    shared count of two names is ``(a & b).bit_count()``: one AND and one popcount per
    definition bound its ratio, and difflib runs only on the few definitions that can still
    win (best bound first, stopping once no bound reaches the best ratio found).
    The result equals a difflib scan of every definition in order (first best wins).
    """

    def __init__(self, candidates: Sequence[Section]) -> None:
        self.sections = list(candidates)
        self.names = [normalize_name(s.name) for s in self.sections]
        widths: dict[str, int] = {}
        counts = []
        for other in self.names:
            count: dict[str, int] = {}
            for char in other:
                count[char] = count.get(char, 0) + 1
            counts.append(count)
            for char, n in count.items():
                if n > widths.get(char, 0):
                    widths[char] = n
        self.fields: dict[str, tuple[int, int]] = {}
        offset = 0
        for char, width in widths.items():
            self.fields[char] = (offset, width)
            offset += width
        self.masks = [self._mask(count) for count in counts]
        self.by_length: dict[int, list[int]] = {}
        for number, other in enumerate(self.names):
            self.by_length.setdefault(len(other), []).append(number)
        self.by_name: dict[str, list[int]] = {}
        for number, other in enumerate(self.names):
            self.by_name.setdefault(other, []).append(number)
        self.sorted_names = sorted(self.by_name)
        self.results: dict[str, tuple[Section, float] | None] = {}

    def _mask(self, count: dict[str, int]) -> int:
        mask = 0
        for char, n in count.items():
            field = self.fields.get(char)
            if field is not None:
                mask |= ((1 << min(n, field[1])) - 1) << field[0]
        return mask

    def _prefixed(self, key: str) -> set[int]:
        """Definitions one name of which starts the other at a word boundary."""
        found: set[int] = set()
        for position, char in enumerate(key):
            if char == " ":
                found.update(self.by_name.get(key[:position], ()))
        head = key + " "
        for other in self.sorted_names[bisect_left(self.sorted_names, head) :]:
            if not other.startswith(head):
                break
            found.update(self.by_name[other])
        return found

    def closest(self, key: str) -> tuple[Section, float] | None:
        """The first definition with the best ratio for ``key``, if it reaches SUGGEST_RATIO."""
        if key in self.results:
            return self.results[key]
        count: dict[str, int] = {}
        for char in key:
            count[char] = count.get(char, 0) + 1
        query = self._mask(count)
        length = len(key)
        prefixed = self._prefixed(key)
        bounded: list[tuple[float, int]] = []
        masks = self.masks
        for other_length, numbers in self.by_length.items():
            total = length + other_length
            if not total:
                bounded.extend((1.0, n) for n in numbers)
                continue
            # The fewest shared characters that can reach SUGGEST_RATIO at this length.
            need = 0
            while 2.0 * need / total < SUGGEST_RATIO:
                need += 1
            for number in numbers:
                shared = (masks[number] & query).bit_count()
                if shared >= need:
                    bounded.append((2.0 * shared / total, number))
        for number in prefixed:
            bounded.append((SAFE_RATIO, number))  # a prefix rates at least SAFE_RATIO
        bounded.sort(key=lambda pair: (-pair[0], pair[1]))
        import difflib  # only for a reference that names no definition

        best_ratio = -1.0
        best_number = -1
        seen: set[int] = set()
        for bound, number in bounded:
            if bound < best_ratio:
                break
            if number in seen:
                continue
            seen.add(number)
            other = self.names[number]
            ratio = difflib.SequenceMatcher(None, key, other).ratio()
            if number in prefixed:
                ratio = max(ratio, SAFE_RATIO)  # "MVP" for "MVP Functional"
            if ratio > best_ratio or (ratio == best_ratio and number < best_number):
                best_ratio, best_number = ratio, number
        result = None
        if best_number >= 0 and best_ratio >= SUGGEST_RATIO:
            result = (self.sections[best_number], best_ratio)
        self.results[key] = result
        return result


def _where(section: Section, doc: Document) -> str:
    return "" if section.path == doc.path else f" (defined in {section.path})"


def _reference_facts(part: Document, lines: list[str]) -> Hashable:
    """What MS401 reads of one part: its references (and the words before a Dependencies
    entry, which may name its kind), its decisions' subjects, its definitions' names, its
    progress claims on names and which status entries claim completion."""
    refs = tuple(
        (
            r.name,
            r.range,
            r.kind,
            r.context,
            r.strict,
            r.tag,
            lines[r.range.start.line][: r.range.start.character]
            if r.context == "dependencies" and r.range.start.line < len(lines)
            else None,
        )
        for r in part.references
    )
    decisions = tuple((e.subject_range, tuple(e.subject_candidates)) for e in part.decisions)
    milestones = tuple((m.name, m.name_range, m.is_update, m.path) for m in part.milestones)
    deliverables = tuple((d.name, d.name_range, d.path) for d in part.deliverables)
    claims = tuple(
        (c.subject, c.name_range, c.percent.value if c.percent is not None else None)
        for c in part.claims
    )
    entries = tuple(
        (i.range.start.line, i.claims_done) for s in part.status_sections for i in s.items
    )
    return refs, decisions, milestones, deliverables, claims, entries


@rule(
    "MS401",
    "unknown-reference",
    Severity.WARNING,
    "A name that must refer to a milestone or deliverable matches no definition.",
    fix="safe",
    scope="workspace",
    facts=_reference_facts,
)
def unknown_reference(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A name written where a milestone or deliverable definition must be meant, which matches no
    definition in the workspace: the value of Contributes To, the current milestone in
    STATUS.md, the entries of a STATUS.md milestones list, the subject of an approval or
    completion entry in DECISIONS.md, and the subject of a verification checklist or status
    report. It is only reported while definitions of that kind exist somewhere in the
    workspace; a project that keeps no milestone definitions is not asked to.

    Names are compared after normalising case, quotes, emphasis, `Deliverable 1:`-style
    prefixes, a trailing `(Phase 0)`, `- 65%` and status tags. Log entries in the
    specification's own wording match: `## 2026-02-10: Foundation Milestone Complete` refers to
    the milestone `Foundation Complete`. List entries tagged PLANNED or NEXT may name
    milestones not written yet, and so may unticked entries at 0%, such as
    `- [ ] v1 Release (Phase 4) - 0%`, unless the name is close to a defined one (then it is
    likely a typo). Bracketed placeholders (`[Milestone name]`) are left to MS002. Names in
    free positions (Dependencies, a milestone's Deliverables list) are not reported: "Phase 0
    complete" there is ordinary prose — except a Dependencies entry that names its kind
    (`- Deliverable: Session Middleware`), which must resolve like any other reference.

    Why:
    "Progress Tracking › In STATUS.md" and "Tracking Tools › DECISIONS.md Tracking" count and
    approve milestones by name; a name that matches no definition is counted as nothing, and
    its approval or progress silently belongs to no milestone.

    Example that fires:
    ```markdown
    **Contributes To:**
    Milestone: MVP Functionality
    ```
    (the milestone is defined as `MVP Functional`).

    Example that does not:
    `- [ ] v1 Release (Phase 4) - PLANNED` in STATUS.md before `v1 Release` is written down.

    Fix safety:
    Safe when a defined name is close (similarity ≥ 0.8 and the same numbers): the fix
    replaces the reference with that name. A looser match (≥ 0.6) or one whose numbers differ
    (`v1 Release` for `v2 Release`) is offered as an unsafe fix for review.
    """
    doc = ctx.doc
    named = {id(ref): kind for ref, kind in named_dependencies(doc, ctx.lines)}
    for ref in doc.references:
        if id(ref) in named:
            # "Deliverable: X" under Dependencies names its kind, so it must resolve.
            ref = replace(ref, kind=named[id(ref)], strict=True)
        if not ref.strict or ref.kind not in ("milestone", "deliverable"):
            continue
        if ref.tag in (Status.PLANNED, Status.NEXT) or _PLACEHOLDER.match(ref.name):
            continue
        if not normalize_name(ref.name):
            continue
        if _resolves(ctx.ws, doc, ref):
            continue
        # Indexed for suggestions only once some reference does not resolve.
        candidates = _definitions(ctx.ws, ref.kind)
        if not candidates.sections:
            continue
        if _not_started(doc, ref) and closest(ref.name, candidates) is None:
            continue  # "- [ ] v1 Release (Phase 4) - 0%": a future milestone, like PLANNED
        yield _unknown(ctx, ref, candidates)


def _not_started(doc: Document, ref: Reference) -> bool:
    """Whether the reference is an unticked list entry stating 0% progress."""
    line = ref.range.start.line
    for claim in doc.claims:
        if (
            claim.subject == "milestone"
            and claim.name_range == ref.range
            and claim.percent is not None
            and claim.percent.value == 0
        ):
            return all(
                not item.claims_done
                for section in doc.status_sections
                for item in section.items
                if item.range.start.line == line
            )
    return False


def _unknown(ctx: RuleContext, ref: Reference, candidates: NameIndex) -> Finding:
    kind = ref.kind
    where = _CONTEXTS.get(ref.context, ref.context.replace("_", " "))
    found = closest(ref.name, candidates)
    if ref.context == "decision":
        found = _closest_for_decision(ctx.doc, ref, candidates) or found
    if found is None:
        message = (
            f"'{ref.name}' in {where} names no {kind} defined in the workspace; define the "
            f"{kind}, correct the name, or tag the entry PLANNED if it is not written yet"
        )
        return ctx.finding(message, ref.range)
    target, ratio = found
    message = (
        f"'{ref.name}' in {where} names no {kind} defined in the workspace; did you mean "
        f"'{target.name}'{_where(target, ctx.doc)}?"
    )
    related = [Related(target.path, target.name_range, f"closest {kind}: '{target.name}'")]
    same_numbers = _DIGITS().findall(ref.name) == _DIGITS().findall(target.name)
    safe = ratio >= SAFE_RATIO and same_numbers
    fix = Fix(
        f"Change to '{target.name}'",
        (TextEdit(ctx.doc.path, ref.range, target.name),),
        "safe" if safe else "unsafe",
    )
    return ctx.finding(message, ref.range, related=related, fixes=[fix])


def _closest_for_decision(
    doc: Document, ref: Reference, candidates: NameIndex
) -> tuple[Section, float] | None:
    """A decision's subject is compared in each of its readings; the best one wins."""
    entry = next((e for e in doc.decisions if e.subject_range == ref.range), None)
    if entry is None:
        return None
    best: tuple[Section, float] | None = None
    for name in entry.subject_candidates:
        found = closest(name, candidates)
        if found is not None and (best is None or found[1] > best[1]):
            best = found
    return best


# --- MS402 --------------------------------------------------------------------------------------


@rule(
    "MS402",
    "duplicate-definition",
    Severity.WARNING,
    "Two milestones or two deliverables are defined with the same name.",
    scope="workspace",
)
def duplicate_definition(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A milestone or deliverable defined a second time under the same name (compared without
    case, emphasis, numbering prefixes and status tags), in the same file or another file of
    the workspace. The first definition (by path, then position) is taken as the original;
    every later one is reported, with the original as related location. Progress updates
    (`## Milestone: X (50% complete)` restating only the deliverables), verification
    checklists and status reports are not definitions and are never counted.

    Why:
    "Progress Tracking › Calculation Method" counts milestones and deliverables by name; with
    two definitions it is unclear whose criteria decide completion, and editing one leaves the
    other stale.

    Example that fires:
    `## Milestone: MVP Functional` in `milestones.md` and again in `roadmap.md`.

    Example that does not:
    `## Milestone: MVP Functional` and, later, `## Milestone Verification: MVP Functional`.

    Fix safety:
    No fix: which definition to keep, merge or rename is the author's decision.
    """
    duplicates = ctx.ws.cached("references.duplicates", lambda: _duplicates(ctx.ws))
    for section, first in duplicates.get(ctx.doc.path, ()):
        kind = "milestone" if isinstance(section, Milestone) else "deliverable"
        where = (
            f"line {first.heading.range.start.line + 1}"
            if first.path == section.path
            else f"{first.path} line {first.heading.range.start.line + 1}"
        )
        message = (
            f"{kind.capitalize()} '{section.name}' is already defined at {where}; keep one "
            f"definition and rename or remove the other"
        )
        related = [Related(first.path, first.name_range, f"first definition of '{first.name}'")]
        yield ctx.finding(message, section.name_range, related=related)


def _duplicates(ws: Workspace) -> dict[str, list[tuple[Section, Section]]]:
    """Every later definition of a name with its first one, by the later one's path."""
    groups: list[Sequence[Section]] = [
        *ws.milestone_groups().values(),
        *ws.deliverable_groups().values(),
    ]
    out: dict[str, list[tuple[Section, Section]]] = {}
    for group in groups:
        if len(group) < 2:
            continue
        ordered = sorted(group, key=lambda s: (s.path, s.heading.range.start.line))
        first = ordered[0]
        for section in ordered[1:]:
            out.setdefault(section.path, []).append((section, first))
    return out


# --- MS403 --------------------------------------------------------------------------------------


def contributes_to(doc: Document, deliverable: Deliverable) -> list[Reference]:
    """The strict references written in a deliverable's Contributes To section."""
    fld = deliverable.fields.get("contributes_to")
    if fld is None:
        return []
    end = max(fld.end_line, fld.line)
    lines, refs = _contributes_index(doc)
    found = refs[bisect_left(lines, fld.line) : bisect_right(lines, end)]
    if len(found) > 1:
        found.sort(key=lambda p: p[0])  # in document order, as before
    return [r for _, r in found]


_last_index: tuple[Document | None, int, list[int], list[tuple[int, Reference]]] = (
    None,
    -1,
    [],
    [],
)


def _contributes_index(doc: Document) -> tuple[list[int], list[tuple[int, Reference]]]:
    """The document's Contributes To references sorted by line, built once per document.

    Scanning every reference for every deliverable made MS403 quadratic in the document's size.
    """
    global _last_index
    cached_doc, count, lines, refs = _last_index
    if cached_doc is not doc or count != len(doc.references):
        pairs = sorted(
            (r.range.start.line, n, r)
            for n, r in enumerate(doc.references)
            if r.context == "contributes_to"
        )
        lines = [p[0] for p in pairs]
        refs = [(p[1], p[2]) for p in pairs]
        _last_index = (doc, len(doc.references), lines, refs)
    return lines, refs


def _lists(milestone: Milestone, deliverable: Deliverable) -> bool:
    wanted = normalize_name(deliverable.name)
    return any(normalize_name(i.text) == wanted for i in milestone.deliverable_items)


def _targets(ws: Workspace, deliverable: Deliverable) -> list[tuple[Reference, Milestone]]:
    doc = ws.get(deliverable.path)
    if doc is None:
        return []
    out = []
    for ref in contributes_to(doc, deliverable):
        milestone = ws.find_milestone(ref.name)
        if milestone is not None:
            out.append((ref, milestone))
    return out


def _deliverables_range(milestone: Milestone) -> Range:
    fld = milestone.fields.get("deliverables")
    return fld.label_range if fld is not None else milestone.name_range


def _link_facts(part: Document, lines: list[str]) -> Hashable:
    """What MS403 reads of one part: its Contributes To references, its deliverables' names and
    Contributes To lines, and its milestones' names and Deliverables lists (with the length of
    an entry's first line, where the finding on a multi-line entry ends)."""
    refs = tuple((r.name, r.range) for r in part.references if r.context == "contributes_to")
    deliverables = tuple(
        (d.name, d.path, (f.line, f.end_line) if (f := d.fields.get("contributes_to")) else None)
        for d in part.deliverables
    )
    milestones = tuple(
        (
            m.name,
            m.path,
            m.is_update,
            m.name_range,
            _deliverables_range(m),
            tuple(
                (
                    i.text,
                    i.text_range,
                    len(lines[i.text_range.start.line])
                    if i.text_range.start.line != i.text_range.end.line
                    else -1,
                )
                for i in m.deliverable_items
            ),
        )
        for m in part.milestones
    )
    return refs, deliverables, milestones


@rule(
    "MS403",
    "deliverable-link-mismatch",
    Severity.WARNING,
    "A deliverable and a milestone disagree about which milestone the deliverable serves.",
    scope="workspace",
    facts=_link_facts,
)
def deliverable_link_mismatch(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    The two ends of the milestone–deliverable link disagreeing:
    - a deliverable whose Contributes To names a milestone whose Deliverables list does not
      include it (reported on the name in Contributes To);
    - a milestone whose Deliverables list names a defined deliverable that contributes to a
      different milestone (reported on the list entry).
    Milestones without a Deliverables list, names that match no definition (MS401 reports
    those), deliverables without Contributes To (MS001) and deliverables still called by a
    template placeholder such as `[Name]` (MS002) are left to the other rules.

    Why:
    "Hierarchy" and "Deliverable Definition › Deliverable Template": each deliverable
    contributes to one milestone, and "Progress Tracking › Calculation Method" counts a
    milestone's deliverables; a one-sided link makes the milestone's progress and completion
    depend on which file you read.

    Example that fires:
    `Contributes To: Milestone: MVP Functional` in a deliverable `Rate Limiter` while the
    Deliverables list of `MVP Functional` does not mention `Rate Limiter`.

    Example that does not:
    the deliverable `Core API` contributing to `MVP Functional`, whose Deliverables list has
    `1. Core API`.

    Fix safety:
    No fix: either side may be the one that is wrong.
    """
    ws = ctx.ws
    for deliverable in ctx.doc.deliverables:
        if _PLACEHOLDER.match(deliverable.name):
            continue  # still called "[Name]": MS002 asks for a name first
        for ref, milestone in _targets(ws, deliverable):
            if not milestone.deliverable_items or _lists(milestone, deliverable):
                continue
            message = (
                f"Deliverable '{deliverable.name}' contributes to milestone '{milestone.name}', "
                f"but that milestone's Deliverables list does not include it; add it there or "
                f"correct Contributes To"
            )
            related = [
                Related(
                    milestone.path,
                    _deliverables_range(milestone),
                    f"Deliverables of '{milestone.name}'",
                )
            ]
            yield ctx.finding(message, ref.range, related=related)
    for milestone in ctx.doc.milestones:
        if milestone.is_update:
            continue
        for item in milestone.deliverable_items:
            listed = ws.find_deliverable(item.text)
            if listed is None:
                continue
            targets = _targets(ws, listed)
            if not targets or any(m is milestone for _, m in targets):
                continue
            if any(normalize_name(m.name) == normalize_name(milestone.name) for _, m in targets):
                continue
            ref, other = targets[0]
            message = (
                f"Milestone '{milestone.name}' lists deliverable '{listed.name}', which "
                f"contributes to '{other.name}'; move it to the right milestone or correct its "
                f"Contributes To"
            )
            related = [Related(listed.path, ref.range, f"Contributes To of '{listed.name}'")]
            yield ctx.finding(message, _item_name_range(ctx, item.text_range), related=related)


def _item_name_range(ctx: RuleContext, text_range: Range) -> Range:
    """The list entry's text, on its first line."""
    if text_range.start.line == text_range.end.line:
        return text_range
    line = ctx.lines[text_range.start.line]
    return Range.of(
        text_range.start.line, text_range.start.character, text_range.start.line, len(line)
    )
