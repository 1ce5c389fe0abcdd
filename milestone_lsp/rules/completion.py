"""Completion rules: unverified completions (MS201), box/tag contradictions (MS202) and
completions that nothing verifies (MS203).

A *completion claim* is any place that says a milestone or deliverable is done: a ticked or
COMPLETE-tagged entry in a STATUS.md list or in a milestone's Deliverables list, a definition or
progress-update heading tagged COMPLETE or ✅, and a verification checklist or status report whose
Status says COMPLETE. :func:`completion_claims` finds them once, resolved to the definition they
name, for these rules and for MS501 (missing-approval).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.findings import Finding, Fix, Related, Severity
from milestone_lsp.core.inventory import is_criteria_label
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import (
    Deliverable,
    Document,
    Heading,
    Item,
    Milestone,
    Reference,
    Report,
    Section,
    Status,
    StatusSection,
    StatusTag,
)
from milestone_lsp.core.partscan import model_by_part, scan_by_part
from milestone_lsp.core.positions import Range
from milestone_lsp.core.progress import criterion_key, unmet_criteria
from milestone_lsp.core.syntax import (
    CHECKBOX,
    COUNT,
    LIST_MARKER,
    STATUS_MARKS,
    clean_inline,
    normalize_name,
    status_of_word,
    strip_trailers,
)
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.registry import RuleContext, rule

Definition = Milestone | Deliverable
ClaimKind = Literal["milestone", "deliverable"]
Hint = Literal["milestone", "deliverable", "deliverable-first", "any"]

# Statuses that contradict a ticked box; FAILED is left out because "dropped" and "cancelled"
# legitimately close an item, and a ticked "❌" often records a check that was run and failed.
_OPEN = (Status.IN_PROGRESS, Status.NEXT, Status.PLANNED, Status.BLOCKED)
# Marks that contradict a ticked box: ⚠️ and ❌ are used as caveats next to finished work.
_OPEN_MARKS = (Status.IN_PROGRESS, Status.NEXT, Status.PLANNED)
# What an entry's field says it lists.
_FIELD_HINTS: dict[str, Hint] = {
    "milestones": "milestone",
    "current_milestone": "deliverable",
    "current_deliverable": "deliverable",
    "deliverables": "deliverable",
    "deliverable": "deliverable",
}
_SECTION_HINTS: dict[str, Hint] = {
    "milestones": "milestone",
    "phase_deliverables": "deliverable-first",
    "deliverables": "deliverable-first",
    "phase": "deliverable-first",
    "current_state": "any",
    "progress": "any",
}
_ORDER: dict[Hint, tuple[ClaimKind, ...]] = {
    "milestone": ("milestone",),
    "deliverable": ("deliverable",),
    "deliverable-first": ("deliverable", "milestone"),
    "any": ("milestone", "deliverable"),
}
_DATE_OR_PUNCT = lazy(r"^[\s\d\-/.,:;()\[\]*_+–—]*$")
_WORDS = re.compile(r"[A-Za-z][A-Za-z\-]*(?:[ \t]+[A-Za-z][A-Za-z\-]*)*")


@dataclass(frozen=True, slots=True)
class CompletionClaim:
    """One place in a document saying that a milestone or deliverable is complete."""

    kind: ClaimKind
    definition: Definition
    path: str
    range: Range
    how: str
    item: Item | None = None
    section: Section | None = None
    tag: StatusTag | None = None

    @property
    def name(self) -> str:
        """The definition's name."""
        return self.definition.name


# --- finding the claims --------------------------------------------------------------------------


def _resolve(ws: Workspace, name: str, hint: Hint) -> tuple[ClaimKind, Definition] | None:
    """The definition a listed name refers to, looked up in the kinds its position allows."""
    if not normalize_name(name):
        return None
    for kind in _ORDER[hint]:
        found: Definition | None = (
            ws.find_milestone(name) if kind == "milestone" else ws.find_deliverable(name)
        )
        if found is not None:
            return kind, found
    return None


def _box_contradicts(item: Item) -> bool:
    """Whether the item's box says "not done" while its tag or mark says done (MS202's case)."""
    return item.box_range is not None and not item.checked and item.status is Status.DONE


def _how(item: Item) -> str:
    if item.checked and item.box_range is not None:
        return "ticked"
    if item.tag is not None and item.tag.status is Status.DONE:
        return f"tagged {item.tag.raw.strip('()[]*_ ')}"
    mark = next((m for m in item.marks if m.status is Status.DONE), None)
    return f"marked {mark.raw}" if mark is not None else "marked complete"


_refs_by_line: tuple[Document, dict[int, list[Reference]]] | None = None


def _references_on(doc: Document, line: int) -> list[Reference]:
    # Indexed once per document: scanning every reference per claim was quadratic.
    global _refs_by_line
    if _refs_by_line is None or _refs_by_line[0] is not doc:
        index: dict[int, list[Reference]] = {}
        for ref in doc.references:
            index.setdefault(ref.range.start.line, []).append(ref)
        _refs_by_line = (doc, index)
    return _refs_by_line[1].get(line, [])


def _item_range(doc: Document, item: Item) -> Range:
    """The name inside an entry (``Deliverable 1: Core API`` → ``Core API``) when known."""
    line = item.text_range.start.line
    for ref in _references_on(doc, line):
        if (
            ref.range.start.line == line
            and ref.range.start.character >= item.text_range.start.character
            and (
                item.text_range.end.line > line
                or ref.range.end.character <= item.text_range.end.character
            )
        ):
            return ref.range
    return item.text_range


def _item_claim(ws: Workspace, doc: Document, item: Item, hint: Hint) -> CompletionClaim | None:
    if not item.counts or not item.claims_done or _box_contradicts(item):
        return None
    found = _resolve(ws, item.text, hint)
    if found is None:
        return None
    kind, definition = found
    return CompletionClaim(kind, definition, doc.path, _item_range(doc, item), _how(item), item)


def status_entries(doc: Document) -> Iterator[tuple[Item, Hint]]:
    """Every entry of a STATUS section that names a milestone or deliverable, with the kinds
    of definition its place allows (the Milestones list names milestones, and so on)."""
    for section in doc.status_sections:
        in_field: dict[int, str] = {}
        for field_key, fld in section.fields.items():
            for item in fld.items:
                in_field[id(item)] = field_key
        default = _SECTION_HINTS.get(section.kind)
        for item in section.items:
            key = in_field.get(id(item))
            hint: Hint | None
            if key is not None:
                hint = _FIELD_HINTS.get(key)
            elif default == "milestone" and item.depth > 0:
                hint = "deliverable"  # entries nested under a milestone are its deliverables
            else:
                hint = default
            if hint is not None:
                yield item, hint


def resolve_entry(ws: Workspace, item: Item, hint: Hint) -> tuple[ClaimKind, Definition] | None:
    """The definition a STATUS entry names, if the workspace has it."""
    return _resolve(ws, item.text, hint)


def _done_tag(section: Section) -> StatusTag | None:
    tag = section.tag
    return tag if tag is not None and tag.status is Status.DONE else None


def _tagged(tag: StatusTag) -> str:
    """How a done tag claims completion, for messages: ``tagged COMPLETE``, or ``marked
    ✅ Complete by its Status field`` (the status phrase only, without what follows it)."""
    raw = tag.raw.strip("()[]*_ ")
    if not tag.from_field:
        return f"tagged {raw}"
    span = status_word_span(raw)
    if span is not None:
        raw = raw[: span[1]].strip()
    return f"marked {raw} by its Status field"


def completion_claims(ws: Workspace, doc: Document) -> list[CompletionClaim]:
    """Every place in ``doc`` that says a defined milestone or deliverable is complete."""
    # MS201, MS203 and MS501 each ask for the same claims within one check. The entry keeps
    # ``doc`` alive, so its id cannot name another document before the workspace changes.
    held, claims = ws.cached(
        ("completion.claims", id(doc)), lambda: (doc, _completion_claims(ws, doc))
    )
    return list(claims) if held is doc else _completion_claims(ws, doc)


def _completion_claims(ws: Workspace, doc: Document) -> list[CompletionClaim]:
    out: list[CompletionClaim] = []
    for item, hint in status_entries(doc):
        claim = _item_claim(ws, doc, item, hint)
        if claim is not None:
            out.append(claim)
    for milestone in doc.milestones:
        tag = _done_tag(milestone)
        if tag is not None:
            target = ws.find_milestone(milestone.name) or milestone
            out.append(
                CompletionClaim(
                    "milestone",
                    target,
                    doc.path,
                    tag.range if tag.from_field else milestone.name_range,
                    _tagged(tag),
                    section=milestone,
                    tag=tag,
                )
            )
        for item in milestone.deliverable_items:
            claim = _item_claim(ws, doc, item, "deliverable")
            if claim is not None:
                out.append(claim)
    for deliverable in doc.deliverables:
        tag = _done_tag(deliverable)
        if tag is not None:
            target_d = ws.find_deliverable(deliverable.name) or deliverable
            out.append(
                CompletionClaim(
                    "deliverable",
                    target_d,
                    doc.path,
                    tag.range if tag.from_field else deliverable.name_range,
                    _tagged(tag),
                    section=deliverable,
                    tag=tag,
                )
            )
    for report in doc.reports:
        out.extend(_report_claims(ws, doc, report))
    out.sort(key=lambda c: (c.range.start.line, c.range.start.character))
    return out


def report_status(report: Report) -> StatusTag | None:
    """The report's Status value, else its heading tag."""
    return report.status or report.tag


def _report_claims(ws: Workspace, doc: Document, report: Report) -> Iterator[CompletionClaim]:
    status = report_status(report)
    if status is not None and status.status is Status.DONE:
        hint: Hint = "deliverable" if report.kind == "deliverable_verification" else "any"
        found = _resolve(ws, report.name, hint)
        if found is not None:
            kind, definition = found
            yield CompletionClaim(
                kind,
                definition,
                doc.path,
                status.range,
                f"reported {status.raw}",
                section=report,
                tag=status,
            )
    for item in report.items_of("deliverables"):
        claim = _item_claim(ws, doc, item, "deliverable")
        if claim is not None:
            yield claim


# --- edits that withdraw or assert a completion ------------------------------------------------


def status_word_span(text: str) -> tuple[int, int, Status] | None:
    """The first status phrase inside a tag's text (``(Done, 2026-01-04)`` → ``Done``)."""
    for m in _WORDS.finditer(text):
        words = m.group(0).split()
        for n in range(len(words), 0, -1):
            phrase = " ".join(words[:n])
            status = status_of_word(phrase)
            if status is not None:
                # The phrase's end in the original text (words may be separated by tabs).
                end = m.start()
                for word in words[:n]:
                    end = text.index(word, end) + len(word)
                return m.start(), end, status
    return None


def _same_case(new: str, old: str) -> str:
    if old.isupper():
        return new.upper()
    if old[:1].isupper():
        return new[:1].upper() + new[1:].lower()
    return new.lower()


def retag_edit(path: str, lines: Sequence[str], tag: StatusTag, new_word: str) -> TextEdit | None:
    """Replace the status phrase inside ``tag`` by ``new_word`` (matching its capitalisation)."""
    rng = tag.range
    if rng.start.line != rng.end.line or rng.start.line >= len(lines):
        return None
    text = lines[rng.start.line][rng.start.character : rng.end.character]
    span = status_word_span(text)
    if span is None:
        return None
    start, end, _ = span
    line = rng.start.line
    return TextEdit(
        path,
        Range.of(line, rng.start.character + start, line, rng.start.character + end),
        _same_case(new_word, text[start:end]),
    )


def _mark_removal(path: str, lines: Sequence[str], mark: StatusTag) -> TextEdit:
    """Remove a mark and the spaces that separate it from the text."""
    rng = mark.range
    line = lines[rng.start.line] if rng.start.line < len(lines) else ""
    start, end = rng.start.character, rng.end.character
    while end < len(line) and line[end] == "\ufe0f":
        end += 1
    if line[end:].strip():
        while end < len(line) and line[end] == " ":
            end += 1  # a leading mark: take the space after it
    else:
        while start > 0 and line[start - 1] == " ":
            start -= 1  # a trailing mark: take the space before it
    return TextEdit(path, Range.of(rng.start.line, start, rng.start.line, end), "")


def box_edit(path: str, item: Item, mark: str) -> TextEdit | None:
    """Set an item's box to ``[mark]``."""
    if item.box_range is None:
        return None
    return TextEdit(path, item.box_range, f"[{mark}]")


def reopen_edits(path: str, lines: Sequence[str], item: Item) -> list[TextEdit]:
    """Edits that stop an entry from claiming completion: untick, retag, drop ✅ marks."""
    edits: list[TextEdit] = []
    if item.checked and item.box_range is not None:
        edit = box_edit(path, item, " ")
        if edit is not None:
            edits.append(edit)
    if item.tag is not None and item.tag.status is Status.DONE:
        edit = retag_edit(path, lines, item.tag, "IN PROGRESS")
        if edit is not None:
            edits.append(edit)
    edits.extend(_mark_removal(path, lines, m) for m in item.marks if m.status is Status.DONE)
    return edits


def _reopen_fix(ctx: RuleContext, claim: CompletionClaim) -> Fix | None:
    lines = ctx.lines
    edits: list[TextEdit] = []
    if claim.item is not None:
        edits = reopen_edits(ctx.doc.path, lines, claim.item)
    elif claim.tag is not None:
        edit = retag_edit(ctx.doc.path, lines, claim.tag, "IN PROGRESS")
        if edit is None and status_word_span(claim.tag.raw) is None:
            edit = _mark_removal(ctx.doc.path, lines, claim.tag)  # a ✅ after the heading
        edits = [edit] if edit is not None else []
    if not edits:
        return None
    title = (
        "Reopen: untick and mark IN PROGRESS" if claim.item is not None else ("Mark IN PROGRESS")
    )
    return Fix(title, tuple(edits), "unsafe")


# --- MS201 ----------------------------------------------------------------------------------------


def _noun(kind: ClaimKind) -> str:
    return "acceptance criteria" if kind == "milestone" else "success criteria"


def _quote(text: str, limit: int = 60) -> str:
    return "'" + (text if len(text) <= limit else text[: limit - 1] + "…") + "'"


def unmet_for_claim(ws: Workspace, claim: CompletionClaim) -> tuple[list[Item], int]:
    """The definition's criteria not met anywhere (and the report's own), with the total."""
    definition = claim.definition
    counted = [i for i in definition.criteria if i.counts]
    unmet = unmet_criteria(ws, definition.name, definition.criteria)
    total = len(counted)
    report = claim.section if isinstance(claim.section, Report) else None
    if report is not None:
        known = {criterion_key(i.text) for i in counted}
        for item in report.criteria:
            if item.counts and criterion_key(item.text) not in known:
                total += 1
                if not item.is_done:
                    unmet.append(item)
    return unmet, total


def _any_state(definition: Milestone | Deliverable) -> bool:
    """Whether any counted criterion of ``definition`` carries a box, a mark or a tag."""
    return any(
        i.state is not None or i.marks or i.tag is not None for i in definition.criteria if i.counts
    )


def _them(items: Sequence[Item]) -> str:
    return "them" if len(items) > 1 else "it"


def _relpath(path: str, other: str) -> str:
    return "" if path == other else f" in {other.rsplit('/', 1)[-1]}"


@rule(
    "MS201",
    "unverified-completion",
    Severity.WARNING,
    "Something is marked complete while its own criteria are not all met.",
    fix="unsafe",
    scope="workspace",
)
def unverified_completion(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A milestone or deliverable marked complete — a ticked box (`[x]`, `[✅]`), a COMPLETE,
    COMPLETED or DONE tag, a ✅ ✓ ☑ mark, or `Status: COMPLETE` in a verification checklist or
    status report — while some of its own criteria are not met anywhere in the workspace. A
    milestone's criteria are the Acceptance Criteria of its definition; a deliverable's are the
    Success Criteria of its definition. A criterion counts as met when it is ticked in the
    definition or in a verification checklist or status report about the same item, so a
    definition written before the work and verified later is fine. A status report saying
    COMPLETE is also checked against its own criteria list. The finding sits on the entry that
    claims completion; the unmet criteria are listed as related locations.

    A `**Status:** ✅ COMPLETE` field right under a milestone or deliverable heading, or a
    front-matter `status: done` in a milestone's own file, marks it complete as a tag would;
    the finding then sits on the Status value. Under such a field, criteria written as plain
    bullets (no box, no mark) say nothing about which are met, and are not reported.

    A bare "100%" is left to MS301 (progress-mismatch), and an entry whose box contradicts its
    own tag (`- [ ] X (COMPLETE)`) to MS202 (status-mismatch), so that each claim is reported
    once. Nothing is reported when the item has no definition or no criteria in the workspace.

    Any other heading marked complete — a leading ✅ ☑ ✓, a trailing ✅ or a `(COMPLETE)`,
    `(Completed)`, `- DONE` tag — is checked against its own items: the checklist entries
    right under it (boxes, or entries led by ✅ ⏳ ❌ 🚧 ☐) and a bold criteria lead-in
    (`**Acceptance criteria:** … ⏳`), up to the next heading, and a test count under it that
    is not all passing (`**Test Results:** 24/26 passing`). A `**Status:** ✅ COMPLETE` field
    right under a heading marks its section complete too, and the finding sits on it.
    Struck-through entries are withdrawn and do not count; items further down, under
    sub-headings, are not read.

    Why:
    "Verification Process" asks the lead to check every criterion before marking a
    deliverable or milestone complete; the "Anti-Patterns" section calls marking done without
    verification "False completion". Overall and phase progress count these marks, so an
    unverified tick inflates every number built on it.

    Example that fires:
    ```markdown
    **Current Milestone:** MVP Functional
      - [x] Deliverable 2: Integration Tests (COMPLETE)
    ```
    while the definition of `Integration Tests` has `- [ ] 32 integration scenarios written
    and passing` under Success Criteria, and no verification checklist ticks it.

    Example that does not:
    `- [x] Core API (COMPLETE)` whose success criteria are all ticked, or ticked in a
    `## Deliverable Verification: Core API` checklist.

    Fix safety:
    Unsafe. The fix reopens the entry (unticks it and changes the tag to IN PROGRESS), which
    withdraws a claim somebody made on purpose; it is right when the criteria are really
    unmet, wrong when they were met but never ticked. Review which one is the case.
    """
    for claim in completion_claims(ctx.ws, ctx.doc):
        if claim.tag is not None and claim.tag.from_field and not _any_state(claim.definition):
            # A Status field over criteria written as plain bullets: nothing says which of them
            # is met, so "none met" would be a guess.
            continue
        unmet, total = unmet_for_claim(ctx.ws, claim)
        if not unmet or not total:
            continue
        noun = _noun(claim.kind)
        single = "acceptance criterion" if claim.kind == "milestone" else "success criterion"
        shown = ", ".join(_quote(i.text) for i in unmet[:3])
        more = f" and {len(unmet) - 3} more" if len(unmet) > 3 else ""
        where = _relpath(ctx.doc.path, claim.definition.path)
        count = (
            f"its only {single} is not met"
            if total == 1 and unmet
            else f"none of its {total} {noun} are met"
            if len(unmet) == total
            else f"{len(unmet)} of its {total} {noun} {'is' if len(unmet) == 1 else 'are'} not met"
        )
        message = (
            f"{claim.kind.capitalize()} '{claim.name}' is {claim.how} but {count}{where}: "
            f"{shown}{more}. Verify and tick {_them(unmet)}, or reopen the {claim.kind}"
        )
        related = [
            Related(
                claim.definition.path if i in claim.definition.criteria else ctx.doc.path,
                i.text_range,
                f"unmet {single}: {_quote(i.text)}",
            )
            for i in unmet
        ]
        fix = _reopen_fix(ctx, claim)
        yield ctx.finding(message, claim.range, related=related, fixes=[fix] if fix else [])
    yield from _orphan_reports(ctx)
    yield from _done_sections(ctx)


_HEAD_DONE_MARK = re.compile(r"^(?:✅|☑️?|✓|✔️?)")
_OPEN_LEAD = lazy(r"^(?:❌|⏳|🚧|☐|⬜|🔲|🔄|🟡)")
_DONE_LEAD = lazy(r"^(?:✅|☑|✓|✔)")
_CRITERIA_LEAD_IN = lazy(r"^(?:\*\*|__)(?P<label>[^*_\n]{1,60}?)(?:\*\*|__)\s*(?P<rest>.*)$")
_OPEN_ANYWHERE = lazy(r"⏳|❌|🚧")
_STATUS_FIELD = re.compile(
    r"^\s{0,3}(?:\*\*|__)?status(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(?P<value>\S.*)$",
    re.IGNORECASE,
)
_FAILING_TESTS = lazy(
    r"(?<![\w/.])(\d{1,5})\s*/\s*(\d{1,5})\s+(?:\w+\s+)?(?:passing|passed|pass)\b",
    re.IGNORECASE,
)


def _status_value(value: str) -> Status | None:
    """The status a ``Status:`` value starts with (``✅ **COMPLETE**``, ``Complete (…)``)."""
    text = clean_inline(value).strip(" *_")
    mark = _DONE_LEAD().match(text)
    if mark is not None:
        return Status.DONE
    word = re.match(r"^([A-Za-z][A-Za-z \-]*?)(?:\s*[(/,:;.\-–—]|$)", text)
    return status_of_word(word.group(1)) if word is not None else None


_DONE_ANYWHERE = lazy(r"✅|☑|✔")


def _heading_done(text: str) -> str | None:
    """The mark or tag that says a heading's section is complete (``✅``, ``(COMPLETE)``)."""
    plain = clean_inline(text)
    lead = _HEAD_DONE_MARK.match(plain)
    if lead is not None:
        return lead.group(0)
    _, trailers = strip_trailers(plain, strict_words=False)
    for t in trailers:
        if t.kind in ("tag", "mark") and t.status is Status.DONE:
            return t.raw
    return None


def _done_sections(ctx: RuleContext) -> Iterator[Finding]:
    """Any heading marked complete whose own checklist (the items right under it, before the
    next heading) still has open items: the section's mark contradicts its list."""
    doc = ctx.doc
    # Milestones, deliverables and reports are read as claims above.
    defined = {
        s.heading.range.start.line for s in (*doc.milestones, *doc.deliverables, *doc.reports)
    }
    heads = doc.headings
    starts = [h.range.start.line for h in heads]

    # Each heading's section runs to the next heading, which is where the section a part ends
    # at starts: a part's result depends only on its own lines (core/partscan.py).
    def scan(lines: list[str], begin: int, stop: int) -> list[_DoneSection]:
        first = bisect_left(starts, begin)
        last = bisect_left(starts, stop)
        return list(_done_in(doc, lines, heads, range(first, last), defined))

    for at, message, related in scan_by_part(doc, "MS201 done sections", scan):
        yield ctx.finding(message, at, related=related)


_DoneSection = tuple[Range, str, list[Related]]


def _done_in(
    doc: Document,
    lines: list[str],
    heads: list[Heading],
    indexes: range,
    defined: set[int],
) -> Iterator[_DoneSection]:
    for index in indexes:
        h = heads[index]
        line = h.range.start.line
        if line in defined or line in doc.fenced_lines:
            continue
        how = _heading_done(h.text)
        at = h.text_range
        end = heads[index + 1].range.start.line if index + 1 < len(heads) else len(lines)
        # A "**Status:** ✅ COMPLETE" field is the section's completion tag too, and the
        # claim the finding points at.
        for number in range(line + 1, min(end, line + 8)):
            field = _STATUS_FIELD.match(lines[number])
            if field is not None and _status_value(field.group("value")) is Status.DONE:
                how = clean_inline(field.group("value")).strip()
                at = Range.of(number, field.start("value"), number, len(lines[number].rstrip()))
                break
        if how is None:
            continue
        items: list[tuple[int, str, bool]] = []
        for number in range(line + 1, end):
            if number in doc.fenced_lines or number in doc.comment_lines:
                continue
            failing = _FAILING_TESTS().search(lines[number])
            if failing is not None and int(failing.group(1)) < int(failing.group(2)):
                # "**Test Results:** 24/26 passing": the section's own test run is not green.
                items.append((number, clean_inline(lines[number]).strip(" -*"), False))
                continue
            m = LIST_MARKER.match(lines[number])
            if m is None:
                lead_in = _CRITERIA_LEAD_IN().match(lines[number].strip())
                if lead_in is not None and is_criteria_label(lead_in.group("label")):
                    # "**Acceptance criteria:** … ⏳ (pending)": the section's own criterion.
                    rest = lead_in.group("rest")
                    if _OPEN_ANYWHERE().search(rest) and not _DONE_ANYWHERE().search(rest):
                        items.append((number, clean_inline(rest).strip(" :"), False))
                    elif _DONE_ANYWHERE().search(rest):
                        items.append((number, clean_inline(rest).strip(" :"), True))
                continue
            body = lines[number][m.end() :]
            box = CHECKBOX.match(body) if body[:1] == "[" else None
            if box is not None:
                mark = box.group("mark")
                done = mark in ("x", "X") or mark in STATUS_MARKS
                text = body[box.end() :]
            elif _DONE_LEAD().match(body):
                done, text = True, body
            elif _OPEN_LEAD().match(body):
                done, text = False, body
            else:
                continue
            if text.strip().startswith("~~"):
                continue  # withdrawn
            items.append((number, clean_inline(text).strip(), done))
        open_items = [(n, t) for n, t, done in items if not done]
        if not open_items:
            continue
        plain = clean_inline(h.text).strip()
        plain = _HEAD_DONE_MARK.sub("", plain).strip()
        name = plain[: strip_trailers(plain, strict_words=False)[0]].strip() or plain
        shown = ", ".join(_quote(t) for _, t in open_items[:3])
        more = f" and {len(open_items) - 3} more" if len(open_items) > 3 else ""
        count = (
            "its only item is open"
            if len(items) == 1
            else f"{len(open_items)} of its {len(items)} items "
            f"{'is' if len(open_items) == 1 else 'are'} open"
        )
        message = (
            f"'{name}' is marked complete ({how}) but {count}: {shown}{more}. "
            f"Finish and verify {'it' if len(open_items) == 1 else 'them'}, or reopen the section"
        )
        related = [
            Related(doc.path, Range.of(n, 0, n, len(lines[n])), f"open: {_quote(t)}")
            for n, t in open_items
        ]
        yield at, message, related


def _orphan_reports(ctx: RuleContext) -> Iterator[Finding]:
    """Reports saying COMPLETE about something not defined here: their own list decides."""
    for report in ctx.doc.reports:
        status = report_status(report)
        if status is None or status.status is not Status.DONE:
            continue
        if _resolve(ctx.ws, report.name, "any") is not None:
            continue  # handled as a claim against the definition
        counted = [i for i in report.criteria if i.counts]
        unmet = [i for i in counted if not i.is_done]
        if not unmet:
            continue
        shown = ", ".join(_quote(i.text) for i in unmet[:3])
        more = f" and {len(unmet) - 3} more" if len(unmet) > 3 else ""
        message = (
            f"The report on '{report.name}' says {status.raw} but {len(unmet)} of its "
            f"{len(counted)} criteria {'is' if len(unmet) == 1 else 'are'} unchecked: "
            f"{shown}{more}. Verify and tick {_them(unmet)}, or change the status"
        )
        related = [
            Related(ctx.doc.path, i.text_range, f"unchecked: {_quote(i.text)}") for i in unmet
        ]
        edit = retag_edit(ctx.doc.path, ctx.lines, status, "IN PROGRESS")
        fixes = [Fix("Mark IN PROGRESS", (edit,), "unsafe")] if edit is not None else []
        yield ctx.finding(message, status.range, related=related, fixes=fixes)


# --- MS202 ----------------------------------------------------------------------------------------


def _contradicting(doc: Document) -> list[tuple[Item, tuple[str, StatusTag]]]:
    """The checklist entries of ``doc`` whose box contradicts their tag, with the contradiction.

    The entries of sections are read per part (re-used while a part is); the document-level
    fields, which the whole document takes from its first part that has each, are read whole.
    """
    found: list[tuple[Item, tuple[str, StatusTag]]] = []
    in_sections: list[set[int]] = []
    for item_ids, contradicting in model_by_part(doc, "MS202 items", _section_contradictions):
        in_sections.append(item_ids)
        found += contradicting
    seen: set[int] = set()
    for fld in doc.fields.values():
        for item in fld.items:
            if id(item) not in seen and not any(id(item) in ids for ids in in_sections):
                seen.add(id(item))
                contradiction = _contradiction(item)
                if contradiction is not None:
                    found.append((item, contradiction))
    return found


def _section_contradictions(
    part: Document,
) -> list[tuple[set[int], list[tuple[Item, tuple[str, StatusTag]]]]]:
    ids: set[int] = set()
    found: list[tuple[Item, tuple[str, StatusTag]]] = []
    for item in _section_items(part, ids):
        contradiction = _contradiction(item)
        if contradiction is not None:
            found.append((item, contradiction))
    return [(ids, found)]


def _section_items(doc: Document, seen: set[int]) -> Iterator[Item]:
    """The items of the document's sections, each once (their ids are added to ``seen``)."""
    sections: list[Section] = [
        *doc.milestones,
        *doc.deliverables,
        *doc.reports,
        *doc.decisions,
        *doc.status_sections,
    ]
    for section in sections:
        groups: list[list[Item]] = [f.items for f in section.fields.values()]
        groups += [f.items for f in section.unknown_fields]
        if isinstance(section, (Report, StatusSection)):
            groups.append(section.items)
        for group in groups:
            for item in group:
                if id(item) not in seen:
                    seen.add(id(item))
                    yield item


def _is_bare(tag: StatusTag) -> bool:
    """Whether a tag is nothing but a status (and perhaps a date): ``(IN PROGRESS)``,
    ``- NEXT``, ``(Done, 2026-01-04)``; not ``(next: add caching)``."""
    raw = tag.raw
    span = status_word_span(raw)
    if span is None:
        return False
    start, end, _ = span
    if raw[start:end].isupper():
        return True
    return bool(_DATE_OR_PUNCT().match(raw[:start] + raw[end:]))


def _contradiction(item: Item) -> tuple[str, StatusTag] | None:
    """``("open-box", tag)`` for ``[ ] X (COMPLETE)``, ``("done-box", tag)`` for
    ``[x] Y (IN PROGRESS)``; ``None`` when box and tag agree."""
    if item.box_range is None or not item.counts:
        return None
    signs = ([item.tag] if item.tag is not None else []) + list(item.marks)
    for sign in signs:
        is_mark = sign is not item.tag
        if not item.checked and sign.status is Status.DONE and (is_mark or _is_bare(sign)):
            return "open-box", sign
        if item.checked:
            open_statuses = _OPEN_MARKS if is_mark else _OPEN
            if sign.status in open_statuses and (is_mark or _is_bare(sign)):
                return "done-box", sign
    return None


def _span(item: Item, sign: StatusTag) -> Range:
    start = item.box_range.start if item.box_range is not None else item.text_range.start
    end = max(sign.range.end, item.text_range.end, key=lambda p: (p.line, p.character))
    return Range(start, end)


def _criteria_note(ws: Workspace, item: Item) -> str:
    found = _resolve(ws, item.text, "deliverable-first")
    if found is None:
        return ""
    kind, definition = found
    counted = [i for i in definition.criteria if i.counts]
    if not counted:
        return ""
    unmet = unmet_criteria(ws, definition.name, definition.criteria)
    noun = _noun(kind)
    met = len(counted) - len(unmet)
    return f" ({met} of its {len(counted)} {noun} met)"


@rule(
    "MS202",
    "status-mismatch",
    Severity.WARNING,
    "A checklist entry's box contradicts its own status tag.",
    fix="safe",
    scope="workspace",
)
def status_mismatch(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A checklist entry whose box says one thing and whose status tag or mark says another:
    `- [ ] Session Middleware (COMPLETE)`, `- [ ] Login ✅`, `- [x] Token validation
    (IN PROGRESS)`, `- [x] Caching - NEXT`. A ticked box contradicts IN PROGRESS, NEXT,
    PLANNED, PENDING and BLOCKED tags and 🚧 🔄 ⏳ marks; an empty or partial box contradicts
    COMPLETE, DONE and ✅-style marks. Tags that carry more than a status and a date — `(next:
    add caching)`, `(pending review by ops)` — are notes, not statuses, unless the status is
    written in capitals. FAILED, cancelled and dropped close an entry as much as a tick does, and
    ⚠️ or ❌ next to a ticked box are caveats, so they are not reported. The range covers the
    box through the tag.

    Why:
    "Progress Tracking › In STATUS.md" writes every entry with a box and a tag that agree, and
    the "Calculation Method" counts the boxes. When they disagree a reader believes the tag
    while the numbers follow the box, so the progress shown is not the progress claimed.

    Example that fires:
    ```markdown
    ## Phase 1 Deliverables
    - [ ] Session Middleware (COMPLETE)
    ```

    Example that does not:
    ```markdown
    - [x] Core API (COMPLETE)
    - [ ] Criterion 3 (IN PROGRESS)
    - [x] Set up CI (next: add caching)
    ```

    Fix safety:
    Two fixes are offered. For an empty box with a COMPLETE tag the safe fix changes the tag
    to IN PROGRESS (or removes the ✅ mark): the progress figures already follow the empty
    box, so nothing that is computed changes and no completion is asserted; ticking the box
    instead is unsafe, because it claims a completion somebody has to verify. For a ticked
    box with an open tag both fixes — untick, or retag COMPLETE — change what the entry
    claims, so both are unsafe.
    """
    for item, (which, sign) in _contradicting(ctx.doc):
        is_mark = sign is not item.tag
        shown = sign.raw.strip()
        tagged = "marked" if is_mark else "tagged"
        undo = "remove the mark" if is_mark else "change the tag"
        note = _criteria_note(ctx.ws, item)
        fixes: list[Fix] = []
        path = ctx.doc.path
        if which == "open-box":
            box = "partial" if item.state == "partial" else "empty"
            message = (
                f"The box of '{item.text}' is {box} but it is {tagged} {shown}{note}; tick the box "
                f"if it is verified complete, otherwise {undo}"
            )
            edit = (
                _mark_removal(path, ctx.lines, sign)
                if is_mark
                else retag_edit(path, ctx.lines, sign, "IN PROGRESS")
            )
            if edit is not None:
                title = "Remove the ✅ mark" if is_mark else "Change the tag to IN PROGRESS"
                fixes.append(Fix(title, (edit,), "safe"))
            tick = box_edit(path, item, "x")
            if tick is not None:
                fixes.append(Fix("Tick the box (claims completion)", (tick,), "unsafe"))
        else:
            message = (
                f"The box of '{item.text}' is ticked but it is {tagged} {shown}{note}; untick it "
                f"if the work is still open, otherwise {undo if is_mark else undo + ' to COMPLETE'}"
            )
            untick = box_edit(path, item, " ")
            if untick is not None:
                fixes.append(Fix("Untick the box", (untick,), "unsafe"))
            edit = (
                _mark_removal(path, ctx.lines, sign)
                if is_mark
                else retag_edit(path, ctx.lines, sign, "COMPLETE")
            )
            if edit is not None:
                title = f"Remove the {shown} mark" if is_mark else "Change the tag to COMPLETE"
                fixes.append(Fix(title, (edit,), "unsafe"))
        yield ctx.finding(message, _span(item, sign), fixes=fixes)


# --- MS203 ----------------------------------------------------------------------------------------


def has_test_counts(items: Sequence[Item]) -> bool:
    """Whether any criterion states a count such as ``(47/47)``."""
    return any(COUNT.search(i.text) for i in items)


def evidence_for(ws: Workspace, definition: Definition) -> str | None:
    """Why the workspace shows the item verified, or ``None`` when nothing names it."""
    if ws.reports_for(definition.name):
        return "report"
    if ws.decisions_for(definition.name):
        return "decision"
    if has_test_counts(definition.criteria):
        return "test counts"
    return None


@rule(
    "MS203",
    "completion-without-evidence",
    Severity.INFORMATION,
    "A completed milestone or deliverable that no verification, decision or test count names.",
    scope="workspace",
)
def completion_without_evidence(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A milestone or deliverable marked complete whose definition is in the workspace, whose
    criteria are met (otherwise MS201 reports it), but for which nothing in the workspace is
    evidence: no verification checklist or status report about it (`## Milestone
    Verification: X`, `# Milestone Status: X`), no DECISIONS.md entry naming it, and no test
    counts such as `(47/47)` in its own criteria. Reported once per item and document, on the
    first entry that marks it complete. Items without a definition are not reported.

    Why:
    "Verification Process" ends each completion with a checklist, and "Approval Gates ›
    Approval Log Format" records the evidence; the "Anti-Patterns" section names marking done
    without verification "False completion". Ticked criteria alone are the claim, not its
    evidence.

    Example that fires:
    ```markdown
    ## Phase 1 Deliverables
    - [x] Auth Provider Integration
    ```
    when `Auth Provider Integration` has ticked success criteria without test counts and no
    `## Deliverable Verification: Auth Provider Integration` exists.

    Example that does not:
    `- [x] Foundation Complete (Phase 0)` with `## 2026-02-10: Foundation Milestone Complete`
    in DECISIONS.md, or a milestone whose criteria say `Auth tests passing (47/47)`.

    Fix safety:
    No fix: evidence has to come from running the checks, and a generated checklist would
    silence the rule without verifying anything.
    """
    seen: set[int] = set()
    for claim in completion_claims(ctx.ws, ctx.doc):
        definition = claim.definition
        if id(definition) in seen or isinstance(claim.section, Report):
            continue
        seen.add(id(definition))
        unmet, _ = unmet_for_claim(ctx.ws, claim)
        if unmet or evidence_for(ctx.ws, definition) is not None:
            continue
        kind = claim.kind
        checklist = "Milestone Verification" if kind == "milestone" else "Deliverable Verification"
        message = (
            f"{kind.capitalize()} '{definition.name}' is {claim.how} but nothing in the workspace "
            f"verifies it: no verification checklist or status report, no DECISIONS.md entry and "
            f"no test counts in its {_noun(kind)}. Add '## {checklist}: {definition.name}' with "
            f"the checks that were run"
        )
        related = [Related(definition.path, definition.name_range, f"definition of {kind}")]
        yield ctx.finding(message, claim.range, related=related)
