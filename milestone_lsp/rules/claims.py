"""Claims a document's own open state denies: a criterion ticked while its note says it has
not been checked (MS210), and a readiness or completion claim — "READY FOR RELEASE",
"Overall Completion: 100%", "All acceptance criteria met" — while the release checklist or the
criteria that claim is about still have open entries (MS211).

Both read the criteria inventory (:mod:`milestone_lsp.core.inventory`) and the document's own
lines, so they work on any plan, not only on the specification's template.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from milestone_lsp.core.findings import Finding, Related, Severity
from milestone_lsp.core.inventory import Criterion, criteria_inventory, status_cell_state
from milestone_lsp.core.lazyre import lazy, word_alternation
from milestone_lsp.core.model import Document, Heading, Status
from milestone_lsp.core.partscan import headings_in_order, scan_by_part
from milestone_lsp.core.positions import Range
from milestone_lsp.core.syntax import (
    CHECKBOX,
    LIST_MARKER,
    PLANNED_WORDS,
    clean_inline,
    strip_trailers,
)
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.registry import RuleContext, matching_lines, rule

# --- shared helpers ------------------------------------------------------------------------------


def _inventory(ws: Workspace, doc: Document) -> list[Criterion]:
    held, found = ws.cached(("claims.inventory", id(doc)), lambda: (doc, criteria_inventory(doc)))
    return list(found) if held is doc else criteria_inventory(doc)


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return "'" + (text if len(text) <= limit else text[: limit - 1] + "…") + "'"


def _line_range(lines: Sequence[str], number: int) -> Range:
    line = lines[number] if number < len(lines) else ""
    start = len(line) - len(line.lstrip())
    return Range.of(number, start, number, len(line.rstrip()))


_DONE_MARK = lazy(r"✅|☑|✔|✓")


def _lines_with(pattern: re.Pattern[str], ctx: RuleContext) -> list[int]:
    """The lines whose lower-cased text matches ``pattern``: one scan of the whole text."""
    return ctx.lines_matching(pattern)


# --- MS210 ---------------------------------------------------------------------------------------

# A note that says the check behind a tick has not been made: written where a note goes — in
# parentheses, at the start of a table cell, or as the first words of an entry nested under it.
_ACTIVITY = (
    r"(?:live|integration|manual|user|unit|e2e|end-to-end|real|final|full|ci|qa|smoke|load)?"
    r"\s*(?:tests?|testing|runs?|review|verification|validation|deploy\w*|install\w*|merge"
    r"|approval|sign-?off|confirmation|qa|backend|check)"
)
_NOT_CHECKED = lazy(
    r"(?ix)^(?:"
    rf"pending\b\s*:?\s*(?:\S+\s+)?{_ACTIVITY}\b"
    r"|awaiting\b|waiting\s+(?:for|on)\b"
    r"|not\s+(?:yet\s+)?(?:been\s+)?(?:run|tested|verified|executed|confirmed|validated|checked)\b"
    r"|untested\b|unverified\b|never\s+(?:run|tested|verified)\b"
    r"|to\s+be\s+(?:run|tested|verified|confirmed|validated)\b"
    r"|ready\s+to\s+(?:run|test)\b"
    r"|needs?\s+(?:testing|verification|to\s+be\s+(?:run|tested|verified))\b"
    r"|requires?\s+(?:testing|verification)\b"
    r"|implicit(?:ly)?\s+(?:tested|verified|covered|validated)\b"
    r")"
)
# Where a note of _NOT_CHECKED's kind may start, in lower-cased text: the scan of the text that
# finds the lines to read (white space within a line only: the scan must not run across
# a line break). The alternatives are grouped by their first letter, so that the scan tries
# few of them at each place.
_ANY_NOTE = re.compile(
    r"p(?:ending)|a(?:waiting)|w(?:aiting)"
    r"|n(?:ot[^\S\n]+(?:yet|been|run|tested|verified|executed|confirmed|validated|checked)"
    r"|ever[^\S\n]+(?:run|tested|verified)|eeds?[^\S\n]+(?:testing|verification|to[^\S\n]+be))"
    r"|u(?:ntested|nverified)|t(?:o[^\S\n]+be[^\S\n]+(?:run|tested|verified|confirmed|validated))"
    r"|r(?:eady[^\S\n]+to[^\S\n]+(?:run|test)|equires?[^\S\n]+(?:testing|verification))"
    r"|i(?:mplicit)"
)
_PAREN = re.compile(r"\(([^()]{1,120})\)")


def _note_in(text: str) -> str | None:
    """The first note in ``text`` (a line, a cell) saying its check was not made."""
    for m in _PAREN.finditer(text):
        inner = clean_inline(m.group(1)).strip()
        if _NOT_CHECKED().match(inner):
            return inner
    return None


def _leading_note(text: str) -> str | None:
    plain = clean_inline(text).strip(" :-–—")
    plain = _DONE_MARK().sub("", plain, count=1).strip() if _DONE_MARK().match(plain) else plain
    return plain if _NOT_CHECKED().match(plain) else None


def _cells(row: str) -> list[str]:
    body = row.strip().strip("|")
    return [c.strip() for c in re.split(r"(?<!\\)\|", body)]


def _nested(lines: Sequence[str], number: int) -> Iterator[tuple[int, str]]:
    """The entries nested right under the list entry on ``number`` (its evidence lines)."""
    m = LIST_MARKER.match(lines[number])
    if m is None:
        return
    indent = len(m.group("indent").expandtabs(4))
    for n in range(number + 1, min(len(lines), number + 12)):
        sub = LIST_MARKER.match(lines[n])
        if sub is None:
            if lines[n].strip() and len(lines[n]) - len(lines[n].lstrip()) > indent:
                continue  # a wrapped continuation line
            return
        if len(sub.group("indent").expandtabs(4)) <= indent:
            return
        yield n, lines[n][sub.end() :]


def _may_hold_note(line: str) -> bool:
    """Whether ``line`` holds a note in one of the places MS210 reads them."""
    if _note_in(line) is not None:
        return True
    status = _STATUS_LINE.match(line)
    if status is not None:
        return True
    stripped = line.strip()
    if stripped.startswith("|"):
        return any(_leading_note(cell) for cell in _cells(stripped))
    m = LIST_MARKER.match(line)
    return m is not None and _leading_note(line[m.end() :]) is not None


def _notes_on(lines: list[str], start: int, end: int) -> list[int]:
    """The lines among ``start``..``end`` that may hold a note saying a check was not made."""
    return [n for n in matching_lines(lines, start, end, _ANY_NOTE) if _may_hold_note(lines[n])]


def _is_ticked(c: Criterion, line: str) -> bool:
    if c.withdrawn or c.partial or c.checked is False:
        return False
    if c.checked:
        return True
    # A criterion written without a state of its own may still end in a ✅ mark.
    return _DONE_MARK().search(line) is not None


_STATUS_LINE = re.compile(
    r"^\s{0,3}(?:[-*+]\s+)?(?:\*\*|__)?status(?:\*\*|__)?\s*:\s*(?:\*\*|__)?(?P<value>\S.*)$",
    re.IGNORECASE,
)


def _section_status_notes(doc: Document, lines: Sequence[str]) -> dict[int, tuple[int, str]]:
    """Per section (keyed by its heading's line, -1 before the first), a ``Status:`` line of
    it saying its checks are still to be made (``**Status:** Code written. Pending test.``)."""
    notes: dict[int, tuple[int, str]] = {}
    starts = sorted(h.range.start.line for h in doc.headings)
    section = -1
    index = 0
    for number, line in enumerate(lines):
        while index < len(starts) and starts[index] <= number:
            section = starts[index]
            index += 1
        if section in notes or number in doc.fenced_lines:
            continue
        m = _STATUS_LINE.match(line)
        if m is None:
            continue
        for sentence in re.split(r"[.;]\s+|\s+[—–]\s+", clean_inline(m.group("value"))):
            sentence = sentence.strip(" .;:")
            if _NOT_CHECKED().match(sentence):
                notes[section] = (number, sentence)
                break
    return notes


def _denial(c: Criterion, lines: Sequence[str]) -> tuple[int, str] | None:
    """Where the criterion's own note says its check was not made, and the note."""
    line = lines[c.line]
    if c.shape == "table":
        for cell in _cells(line):
            note = _note_in(cell) or _leading_note(cell)
            if note is not None:
                return c.line, note
        return None
    for number in range(c.line, min(c.end_line, len(lines) - 1) + 1):
        note = _note_in(lines[number])
        if note is not None:
            return number, note
    if c.shape in ("list", "checklist"):
        for number, text in _nested(lines, c.line):
            if CHECKBOX.match(text):
                return None  # nested checklist entries are criteria of their own
            note = _leading_note(text)
            if note is not None:
                return number, note
    return None


@rule(
    "MS210",
    "tick-denied-by-note",
    Severity.WARNING,
    "A criterion is ticked while its own note says its check has not been made.",
)
def tick_denied_by_note(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A criterion marked met — a ticked box, a ✅ Status cell, a trailing ✅ — whose own note says
    the check behind the tick has not been made: `(pending live test)`, `(ready to run)`,
    `(not yet run)`, `(untested)`, `(awaiting review)`, or an entry nested right under it
    that begins with "Implicitly tested by …" or "Needs testing". The note is read where notes
    are written: in parentheses on the criterion's line, as the first words of a table cell of
    its row, or as the first words of an entry nested under it. The finding sits on the
    criterion; the note's line is a related location when it is another line.

    Criteria are those of the document's criteria inventory (docs/FORMATS.md): checklists under a
    criteria label, criteria tables, bold criteria lead-ins. "pending" counts only when it names
    a check that is waiting (`pending integration test`, `pending review`), so
    `(pending requests are retried)` is not a note about the tick. Open, partial and
    struck-through criteria are not read.

    Why:
    "Verification Process" has each criterion checked before it is ticked, and "Anti-Patterns"
    calls marking done without verification "False completion": a tick whose own note says the
    test is still to run counts as met in every progress figure while nobody has seen it pass.

    Example that fires:
    ```markdown
    **Acceptance criteria:** Cache hit and miss verified; 429 handled. ✅ (pending live test)
    ```

    Example that does not:
    ```markdown
    - [x] Cache hit and miss verified (integration run 2026-02-01, 14/14 passing)
    - [ ] Load test at 500 rps (pending staging)
    ```

    Fix safety:
    No fix: whether to untick the criterion or to run the check and record its result is the
    author's decision.
    """
    lines = ctx.lines
    if not scan_by_part(ctx.doc, "MS210 notes", _notes_on):
        return  # no note of the kind anywhere: the inventory need not be read
    notes: dict[int, tuple[int, str]] | None = None
    starts = sorted(h.range.start.line for h in ctx.doc.headings)
    for c in _inventory(ctx.ws, ctx.doc):
        if c.line >= len(lines) or c.line in ctx.doc.fenced_lines:
            continue
        if not _is_ticked(c, lines[c.line]):
            continue
        found = _denial(c, lines)
        whose = "its own note says"
        if found is None:
            notes = notes if notes is not None else _section_status_notes(ctx.doc, lines)
            at = bisect_right(starts, c.line) - 1
            found = notes.get(starts[at] if at >= 0 else -1)
            whose = "its section's status says"
        if found is None:
            continue
        number, note = found
        name = re.split(r"\s*(?:✅|☑|✔|✓)", c.text, maxsplit=1)[0].strip() or c.text
        name = name.replace(f"({note})", "").strip() or name
        if re.match(r"(?i)implicit", note):
            message = (
                f"{_quote(name)} is marked met but {whose} {_quote(note, 50)}: no check of its "
                f"own backs the tick. Name the test that verifies it, or leave the criterion "
                f"open until one does"
            )
        else:
            message = (
                f"{_quote(name)} is marked met but {whose} {_quote(note, 50)}: the check "
                f"behind the tick has not been made. Run it and record the result, or leave the "
                f"criterion open until it passes"
            )
        related = (
            [Related(ctx.doc.path, _line_range(lines, number), f"note: {_quote(note, 50)}")]
            if number != c.line
            else []
        )
        yield ctx.finding(message, _line_range(lines, c.line), related=related)


# --- MS211 ---------------------------------------------------------------------------------------

_READY = re.compile(
    r"(?i)\bready\s+for\s+(?:release|launch|production|deployment|go-live|shipping)\b"
    r"|\bready\s+to\s+(?:ship|launch|release|deploy|go\s+live)\b"
    r"|\b(?:production|release|launch)[\s-]+ready\b"
)
_NEGATED = lazy(
    r"(?i)\b(?:not|no|never|almost|nearly|mostly|partially|partly|until|once|when|before|after"
    r"|will|would|should|must|goal|target|aim|towards?|path|plan|steps?|how|checklist|criteria"
    r"|requirements?|readiness|blockers?|remaining|left|if)\b|[?❌⏳🚧]|\bto\s+(?:be|become|get|reach)\b"
)
_COMPLETE_LABEL = re.compile(
    r"(?i)^(?:(?:overall|project|final|current)\s+)?(?:status|completion|progress)$"
)
_COMPLETE_VALUE = lazy(r"(?i)^(?:complete[d]?|done|finished|100\s*%)(?:\s*$|[\s!.,(✅]|$)")
_ALL_MET = re.compile(
    r"(?i)\ball\s+(?:[\w-]+\s+){0,3}criteria\s+(?:are\s+|have\s+been\s+)?(?:met|passed|satisfied)\b"
    r"|^(?:(?:acceptance|success|exit|completion)\s+)?criteria\s+(?:are\s+)?(?:met|passed|satisfied)$"
)
# What makes a checklist the one a release or launch claim is about.
_FUTURE = lazy(
    r"(?i)\b(?:planned|future|upcoming|next|later|backlog|roadmap|proposed|someday|post-?launch"
    r"|post-?release|after\s+(?:launch|release))\b|🔮"
)
_RELEASE = lazy(
    r"(?i)\b(?:pre-?)?(?:release|launch|deploy(?:ment)?|go-?live|production|shipping|ship)\b"
)
_OPEN_HEAD = lazy(r"(?i)\bnot\s+started\b|\(\s*0\s*%|\b0\s*%\s+complete|❌|⏳")
_BOLD_LINE = re.compile(r"^(?:[-*+]\s+|\d{1,3}[.)]\s+)?(?:>\s*)?(?:\*\*|__)(?P<body>.+)$")
_LEAD_MARKS = re.compile(r"^[\s✅☑✔✓🎉🚀🏆🎯📊#*_:>-]+")


@dataclass(frozen=True, slots=True)
class _Claim:
    line: int
    text: str
    kind: str  # "ready", "complete", "criteria" (of a section) or "all-criteria" (of the document)
    heading: Heading | None


def _strip_marks(text: str) -> str:
    return _LEAD_MARKS.sub("", text).strip()


_BOLD_SPAN = lazy(r"(\*\*|__)(?P<inner>.+?)\1")
_STATUS_LABEL = re.compile(
    r"(?i)^(?:(?:overall|project|final|current|release|launch)\s+)?(?:status|state|verdict"
    r"|readiness|result|conclusion)$|^(?:production|release|launch)[\s-]+ready$"
)
_QUALIFIED = lazy(r"(?i)^(?:overall|project|final)\s+")


# Every claim holds one of these, its kind's own word (see _classify): "ready" for a release
# claim, "criteria" for all criteria met, a status, completion or progress label for
# "complete". The scan of the text for them is the first pass (the rarer of the two lists).
_CLAIM_KIND_WORDS = re.compile(r"ready|criteria|status|completion|progress")
# The same words one by one: a scan of the text for one word goes fast from one place where
# the word may start to the next, a scan for any of them stops wherever one of their first
# letters is (a fifth of the text).
_CLAIM_KIND_WORD_SCANS = [re.compile(w) for w in _CLAIM_KIND_WORDS.pattern.split("|")]
# And one of these: a cheap test of each line found, before the patterns.
_CLAIM_WORDS = re.compile(r"ready|criteria|complete|done|finished|100")


def _classify(line: str, *, heading: bool, in_header: bool) -> str | None:
    """What a status line or heading claims: release readiness, completion, all criteria met.

    ``line`` is the raw line (or heading text); ``in_header`` says it sits above the first
    section of the document, where a bare ``Status:`` speaks for the whole document.
    """
    plain = clean_inline(line).strip()
    if not plain or len(plain) > 160:
        return None
    label, sep, value = plain.partition(":")
    label = _strip_marks(label)
    if _ALL_MET.search(_strip_marks(plain).rstrip(" .!✅")) is not None:
        if re.search(r"(?i)\b(?:not|no|until|once|when|if|before|partially|mostly)\b|\?", plain):
            return None
        if heading:
            return "criteria"
        if sep and label and _ALL_MET.search(label) is None:
            # "**Overall Status:** all criteria met" speaks for the document, "**Status:** …"
            # for its section; "**Context:** all criteria met" is not a status at all.
            if not (_STATUS_LABEL.match(label) or _COMPLETE_LABEL.match(label)):
                return None
            return "all-criteria" if in_header or _QUALIFIED().match(label) else "criteria"
        return "all-criteria" if in_header else "criteria"
    if sep and _COMPLETE_LABEL.match(label) and (in_header or _QUALIFIED().match(label)):
        value_plain = _strip_marks(value)
        if _COMPLETE_VALUE().match(value_plain) and not re.search(r"(?i)\b(?:not|almost)\b", value):
            return "complete"
    ready = _READY.search(plain)
    if ready is None:
        return None
    # The claim is the line's own statement: a heading, a bold phrase, a status field's value,
    # or a value the author ticked — not a word in passing ("lines of production-ready code").
    bold = any(_READY.search(clean_inline(m.group("inner"))) for m in _BOLD_SPAN().finditer(line))
    ticked = sep and _DONE_MARK().match(_strip_marks(value) or value.strip()) is not None
    ticked = ticked or (sep and value.strip()[:1] in "✅☑✔✓")
    if not (heading or bold or ticked or (sep and _STATUS_LABEL.match(label))):
        return None
    value_text = value if sep else plain
    if re.search(r"(?i)\bno\b|❌|⏳|🚧|\bnot\b|\bpending\b", value_text):
        return None
    if _NEGATED().search(_READY.sub(" ", plain)) is not None or _FUTURE().search(plain):
        return None
    _, trailers = strip_trailers(plain, strict_words=False)
    if any(t.kind == "tag" and t.status not in (None, Status.DONE) for t in trailers):
        return None  # "Production Ready (Planned)": a release still to come
    return "ready"


_TICKED_CLAIM = re.compile(
    r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(?:\[[xX✅]\]\s*|(?:✅|☑️?|✔️?)\s*)(?:\*\*|__)?"
    r"(?P<claim>(?:production|release|launch)[\s-]+ready\b.*"
    r"|ready\s+(?:for|to)\s+(?:release|launch|production|deployment|go-live|ship|deploy)\b.*)$",
    re.IGNORECASE,
)


def _claims(ctx: RuleContext) -> Iterator[_Claim]:
    doc, lines = ctx.doc, ctx.lines
    heading_at = {h.range.start.line: h for h in doc.headings}
    first_section = min(
        (h.range.start.line for h in doc.headings if h.level >= 2), default=len(lines)
    )
    skip = doc.fenced_lines | doc.comment_lines
    worded = {n for scan in _CLAIM_KIND_WORD_SCANS for n in _lines_with(scan, ctx)}
    for number in sorted(worded):
        if number in skip or _CLAIM_WORDS.search(lines[number].lower()) is None:
            continue
        heading = heading_at.get(number)
        in_header = number < first_section
        if heading is not None:
            found = _line_claim(heading.text, in_header or heading.level <= 2, True)
        else:
            found = _line_claim(lines[number], in_header, False)
        if found is not None:
            yield _Claim(number, found[1], found[0], heading)


@lru_cache(maxsize=1 << 16)
def _line_claim(line: str, in_header: bool, is_heading: bool) -> tuple[str, str] | None:
    """What a line (or a heading's text) claims, and the claim's text: the same for the same
    line wherever it is, so remembered by content across the keystrokes of an edit."""
    if is_heading:
        kind = _classify(line, heading=True, in_header=in_header)
    else:
        m = _BOLD_LINE.match(line.strip())
        ticked = _TICKED_CLAIM.match(line)
        if ticked is not None:
            # "- ✅ Production-ready (tested)": an entry that ticks the claim itself.
            kind = _classify(ticked.group("claim"), heading=True, in_header=False)
        elif m is not None:
            kind = _classify(m.group(0), heading=False, in_header=in_header)
        else:
            return None
    if kind is None:
        return None
    text = clean_inline(line).strip()
    text = _strip_marks(re.sub(r"^(?:[-*+]|\d{1,3}[.)])\s+", "", text)) or text
    return kind, text


@dataclass(frozen=True, slots=True)
class _Open:
    line: int
    text: str


def _enclosing(doc: Document, line: int) -> Heading | None:
    """The nearest heading above ``line``."""
    above = [h for h in doc.headings if h.range.start.line < line]
    return max(above, key=lambda h: h.range.start.line) if above else None


def _section_end(doc: Document, heading: Heading, limit: int) -> int:
    for h in doc.headings:
        if h.range.start.line > heading.range.start.line and h.level <= heading.level:
            return h.range.start.line
    return limit


def _release_open(doc: Document, lines: Sequence[str]) -> list[_Open]:
    """Open entries of the document's release, launch and deployment checklists: unticked
    boxes under a heading (or its parents) or a bold label naming a release, and such a
    heading itself when it says the work has not started."""
    heads = sorted(doc.headings, key=lambda h: h.range.start.line)
    skip = doc.fenced_lines | doc.comment_lines
    out: list[_Open] = []
    stack: list[Heading] = []
    label: str | None = None
    index = 0
    for number, line in enumerate(lines):
        while index < len(heads) and heads[index].range.start.line <= number:
            h = heads[index]
            while stack and stack[-1].level >= h.level:
                stack.pop()
            stack.append(h)
            index += 1
            label = None
            if (
                h.range.start.line == number
                and _RELEASE().search(h.text)
                and _OPEN_HEAD().search(h.text)
            ):
                out.append(_Open(number, clean_inline(h.text).strip()))
        if number in skip or (stack and stack[-1].range.start.line == number):
            continue
        stripped = line.strip()
        if not stripped:
            continue
        bold = re.match(r"^(?:\*\*|__)([^*_]{1,80})(?:\*\*|__)\s*:?\s*$", stripped)
        if bold is not None:
            label = bold.group(1)
            continue
        m = LIST_MARKER.match(line)
        if m is None:
            continue
        body = line[m.end() :]
        box = CHECKBOX.match(body)
        if box is None or box.group("mark") != " ":
            continue
        text = body[box.end() :].strip()
        if text.startswith("~~"):
            continue
        context = [h.text for h in stack] + ([label] if label else [])
        if any(_FUTURE().search(t) for t in context):
            continue  # a release still to come: its checklist is open by design
        if any(_RELEASE().search(t) for t in context):
            out.append(_Open(number, clean_inline(text)))
    return out


_QUALIFIED_STATUS = lazy(
    r"(?i)^\s*(?:[-*+]\s+)?(?:\*\*|__)?(?:actual|overall|real|true)\s+status(?:\*\*|__)?"
    r"\s*:\s*(?P<value>\S.*)$"
)
_OPEN_STATUS_VALUE = lazy(
    r"(?i)^(?:partially\s+\w+|partial|in\s+progress|incomplete|not\s+(?:started|complete[d]?|done)"
    r"|blocked|on\s+hold)\b"
)


def _open_status_statements(doc: Document, lines: Sequence[str]) -> list[_Open]:
    """Other statements of the document's status (``**Actual Status:** PARTIALLY COMPLETED``)
    that say the work is not finished."""
    out: list[_Open] = []
    for number, line in enumerate(lines):
        if number in doc.fenced_lines or number in doc.comment_lines:
            continue
        m = _QUALIFIED_STATUS().match(line)
        if m is None:
            continue
        value = _strip_marks(clean_inline(m.group("value")))
        if _OPEN_STATUS_VALUE().match(value):
            out.append(_Open(number, clean_inline(line).strip(" -*")))
    return out


def _criteria_open(
    criteria: Sequence[Criterion], lines: Sequence[str], start: int, end: int
) -> list[_Open]:
    out: list[_Open] = []
    for c in criteria:
        if not start <= c.line < end or c.withdrawn:
            continue
        warned = c.checked is None and c.shape == "table" and "⚠" in lines[c.line]
        if c.checked is False or warned:
            out.append(_Open(c.line, c.text))
    return out


_ALL_ENTRY = re.compile(
    r"^(?:\[[xX✅]\]\s*|(?:✅|☑️?|✔️?)\s*)(?:\*\*|__)?(?P<claim>(?:all|every)\b.*)$", re.IGNORECASE
)
_OPEN_ENTRY = lazy(r"^(?:\[ \]|⚠️?|❌|⏳|🚧|☐)")


# What every entry _ALL_ENTRY reads holds in its lower-cased line: its tick, then the word.
_TICKED_ALL = re.compile(r"(?:x\]|✅\]?|☑\ufe0f?|✔\ufe0f?)\s*(?:\*\*|__)?(?:all|every)\b")


def _universal_entries(ctx: RuleContext) -> Iterator[Finding]:
    """A ticked entry that claims all of something ("✅ All 26 endpoints functional") in a list
    where a sibling entry is open, failing or flagged ⚠️."""
    doc, lines = ctx.doc, ctx.lines
    for number in ctx.tick_lines:
        if _TICKED_ALL.search(lines[number].lower()) is None:
            continue
        if number in doc.fenced_lines or number in doc.comment_lines:
            continue
        m = LIST_MARKER.match(lines[number])
        if m is None:
            continue
        claim = _ALL_ENTRY.match(lines[number][m.end() :].strip())
        if claim is None:
            continue
        indent = len(m.group("indent").expandtabs(4))
        siblings: list[_Open] = []
        for step in (-1, 1):
            n = number + step
            while 0 <= n < len(lines):
                sub = LIST_MARKER.match(lines[n])
                if sub is None:
                    break
                depth = len(sub.group("indent").expandtabs(4))
                if depth < indent:
                    break
                body = lines[n][sub.end() :].strip()
                if depth == indent and _OPEN_ENTRY().match(body) and not body.startswith("~~"):
                    siblings.append(_Open(n, clean_inline(_OPEN_ENTRY().sub("", body)).strip()))
                n += step
        if not siblings:
            continue
        siblings.sort(key=lambda o: o.line)
        text = clean_inline(claim.group("claim")).strip()
        shown = ", ".join(_quote(o.text) for o in siblings[:3])
        message = (
            f"{_quote(text)} is ticked but {len(siblings)} other "
            f"{'entry' if len(siblings) == 1 else 'entries'} of the same list "
            f"{'is' if len(siblings) == 1 else 'are'} open or flagged ({shown}). Tick the claim "
            f"only when every part of it holds, or say what is excepted"
        )
        related = [
            Related(doc.path, _line_range(lines, o.line), f"open: {_quote(o.text)}")
            for o in siblings
        ]
        yield ctx.finding(message, _line_range(lines, number), related=related)


@rule(
    "MS211",
    "claim-contradicts-open-items",
    Severity.WARNING,
    "A readiness or completion claim while the checklist or criteria it speaks for are open.",
)
def claim_contradicts_open_items(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A status line or heading that claims the whole thing is finished while the document's own
    lists say otherwise:

    - a release-readiness claim — "READY FOR RELEASE", "Production-ready", "Ready to launch" —
      while the document's release, launch or deployment checklist (unticked boxes under a
      heading or bold label that names a release, launch, deployment or production) has open
      entries, or such a section is headed NOT STARTED / 0%;
    - a completion status — `**Project Status:** COMPLETE`, `**Overall Completion:** 100%` —
      against the same release checklist;
    - a completion status of the whole document (`**Status:** DONE` above its first section)
      while another statement of its status — `**Actual Status:**`, `**Overall Status:**` —
      says PARTIALLY COMPLETED, IN PROGRESS, NOT STARTED or BLOCKED;
    - "All acceptance criteria met" or a `## Success Criteria Met` heading while criteria of
      the document (for a heading: of its own section) are open or flagged ⚠️;
    - a ticked entry that claims all of something (`- ✅ All 26 endpoints functional`) in a
      list where a sibling entry at the same depth is open, ❌, ⏳, 🚧 or flagged ⚠️.

    The claim is read on headings, on lines that begin in bold (a `**Status:** …` field, a
    bold lead-in of a list entry) and on ticked entries that are the claim itself
    (`- ✅ Production-ready`). The finding sits on the claim; the open entries are related
    locations. A `Current Status:` line is not compared with the headline: it usually speaks
    for one section.

    Claims that are hedged or conditional ("not production-ready", "almost ready", "ready
    for release once …", "Release readiness", "Ready for testing") are not read, and a
    completion claim is only compared with release checklists, not with unrelated open work
    elsewhere in the document (a backlog, next steps, known issues).

    Why:
    "Progress Tracking" has a status line say what the checklists below it show, and
    "Anti-Patterns" names marking done without verification "False completion". A reader
    who stops at the headline believes the release is ready while its own checklist is
    still open.

    Example that fires:
    ```markdown
    **Project Status: ✅ READY FOR RELEASE**

    ### Release Requirements
    - [x] Package builds
    - [ ] Tag v0.1.0
    ```

    Example that does not:
    ```markdown
    **Status:** Development complete — ready for testing

    ### Release Requirements
    - [ ] Tag v0.1.0
    ```

    Fix safety:
    No fix: either the claim is premature or the checklist was not kept up to date; the author
    decides which.
    """
    doc, lines = ctx.doc, ctx.lines
    yield from _universal_entries(ctx)
    claims = list(_claims(ctx))
    if not claims:
        return
    release: list[_Open] | None = None
    criteria: list[Criterion] | None = None
    statements: list[_Open] | None = None
    for claim in claims:
        if claim.kind in ("criteria", "all-criteria"):
            criteria = criteria if criteria is not None else _inventory(ctx.ws, doc)
            owner = claim.heading or _enclosing(doc, claim.line)
            if claim.kind == "criteria" and owner is not None:
                start, end = owner.range.start.line + 1, _section_end(doc, owner, len(lines))
                scope = "its own criteria" if claim.heading else "its section's criteria"
            else:
                start, end = 0, len(lines)
                scope = "the document's criteria"
            open_items = _criteria_open(criteria, lines, start, end)
        else:
            release = release if release is not None else _release_open(doc, lines)
            open_items = [o for o in release if o.line != claim.line]
            scope = "the release checklist"
            if claim.kind == "complete" and not open_items:
                if statements is None:
                    statements = _open_status_statements(doc, lines)
                status = next((o for o in statements if o.line != claim.line), None)
                if status is not None:
                    message = (
                        f"{_quote(claim.text)} contradicts the document's own status statement "
                        f"on line {status.line + 1}: {_quote(status.text)}. Make them agree: "
                        f"reopen the status, or finish what that statement says is missing"
                    )
                    rel = Related(doc.path, _line_range(lines, status.line), "status statement")
                    yield ctx.finding(message, _line_range(lines, claim.line), related=[rel])
                    continue
        if not open_items:
            continue
        shown = ", ".join(_quote(o.text) for o in open_items[:3])
        more = f" and {len(open_items) - 3} more" if len(open_items) > 3 else ""
        count = (
            f"{len(open_items)} entries of {scope} are"
            if len(open_items) > 1
            else f"an entry of {scope} is"
        )
        message = (
            f"{_quote(claim.text)} claims more than the document shows: {count} still open "
            f"({shown}{more}). Finish and tick them, or say what is still open in the claim"
        )
        related = [
            Related(doc.path, _line_range(lines, o.line), f"open: {_quote(o.text)}")
            for o in open_items
        ]
        yield ctx.finding(message, _line_range(lines, claim.line), related=related)


# --- MS212 ---------------------------------------------------------------------------------------

_STATUS_HEADER = re.compile(r"(?i)^(?:status|state|статус|стан|estado|[ée]tat|statut|状态|状態)$")


def _planned_tag(heading: Heading) -> str | None:
    """The tag that says a heading's section has not started (``(PLANNED)``, ``- NOT STARTED``)."""
    return _planned_tag_of(heading.text)


_PLANNED_WORD = re.compile(word_alternation(PLANNED_WORDS))


@lru_cache(maxsize=1 << 16)
def _planned_tag_of(text: str) -> str | None:
    # Markup does not split a tag's word: the raw text tells most headings apart cheaply.
    if _PLANNED_WORD.search(text.lower()) is None:
        return None
    plain = clean_inline(text)
    if _PLANNED_WORD.search(plain.lower()) is None:
        return None
    _, trailers = strip_trailers(plain, strict_words=False)
    for t in trailers:
        if t.kind == "tag" and t.status is Status.PLANNED:
            return t.raw.strip("()[]*_ -–—")
    return None


def _done_entries(
    doc: Document, lines: Sequence[str], start: int, end: int
) -> tuple[list[_Open], int]:
    """The entries right under a heading that say they are done, and how many entries there
    are: ticked boxes, and rows of a table with a Status column whose cell says done."""
    done: list[_Open] = []
    total = 0
    status_col: int | None = None
    for number in range(start, end):
        if number in doc.fenced_lines or number in doc.comment_lines:
            continue
        line = lines[number]
        stripped = line.strip()
        if stripped.startswith("|"):
            cells = _cells(stripped)
            if status_col is None:
                status_col = next(
                    (i for i, c in enumerate(cells) if _STATUS_HEADER.match(clean_inline(c))),
                    -1,
                )
                continue
            if status_col < 0 or status_col >= len(cells) or re.match(r"^[\s:|-]+$", stripped):
                continue
            total += 1
            state, _ = status_cell_state(cells[status_col])
            if state:
                others = [clean_inline(c) for i, c in enumerate(cells) if i != status_col]
                name = max(others, key=len, default="")
                done.append(_Open(number, name))
            continue
        status_col = None
        m = LIST_MARKER.match(line)
        if m is None:
            continue
        box = CHECKBOX.match(line[m.end() :])
        if box is None:
            continue
        text = line[m.end() + box.end() :].strip()
        if text.startswith("~~"):
            continue
        total += 1
        if box.group("mark") not in (" ", "~", "-", "/"):
            done.append(_Open(number, clean_inline(text)))
    return done, total


_PlannedDone = tuple[Heading, str, list[_Open], int]


@rule(
    "MS212",
    "planned-section-with-done-work",
    Severity.WARNING,
    "A section tagged PLANNED or NOT STARTED whose own entries are already done.",
)
def planned_section_with_done_work(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A heading tagged as not started — `(PLANNED)`, `(Not Started)`, `- TODO` — whose own
    entries, right under it and before the next heading, say work is done: a ticked box, or a
    row of a table with a Status column whose cell says DONE or ✅. The finding sits on the
    heading; the done entries are related locations.

    Entries under sub-headings are not read (a sub-section has its own status), nor tables
    without a Status column, nor struck-through entries.

    Why:
    "Progress Tracking" reads a phase's status from its heading: a phase labelled PLANNED
    while some of its work is finished is shown as not started in every overview, and the
    finished work is not counted where the reader looks for it.

    Example that fires:
    ```markdown
    ## Phase 2 — Networking (PLANNED)

    | # | Title | Status |
    |---|-------|--------|
    | 1 | Transit gateway | DONE |
    | 2 | Egress inspection | PLANNED |
    ```

    Example that does not:
    `## Phase 3 — Hardening (IN PROGRESS)` above the same table, or a PLANNED heading whose
    entries are all open.

    Fix safety:
    No fix: the section may be in progress, or the entry may have been ticked by mistake.
    """
    doc, lines = ctx.doc, ctx.lines
    heads, starts = headings_in_order(doc)

    # A heading's entries run to the next heading, which is where the section a part ends at
    # starts: a part's result depends only on its own lines (core/partscan.py).
    def scan(lines: list[str], begin: int, stop: int) -> list[_PlannedDone]:
        out: list[_PlannedDone] = []
        for index in range(bisect_left(starts, begin), bisect_left(starts, stop)):
            h = heads[index]
            line = h.range.start.line
            if line in doc.fenced_lines:
                continue
            tag = _planned_tag(h)
            if tag is None:
                continue
            end = heads[index + 1].range.start.line if index + 1 < len(heads) else len(lines)
            done, total = _done_entries(doc, lines, line + 1, end)
            if done:
                out.append((h, tag, done, total))
        return out

    for h, tag, done, total in scan_by_part(doc, "MS212 planned sections", scan):
        shown = ", ".join(_quote(o.text) for o in done[:3])
        more = f" and {len(done) - 3} more" if len(done) > 3 else ""
        count = f"{len(done)} of its {total} entries {'is' if len(done) == 1 else 'are'} done"
        message = (
            f"'{clean_inline(h.text).strip()}' is tagged {tag} but {count}: {shown}{more}. "
            f"Mark the section IN PROGRESS, or reopen the entries if they are not done"
        )
        related = [
            Related(doc.path, _line_range(lines, o.line), f"done: {_quote(o.text)}") for o in done
        ]
        yield ctx.finding(message, h.text_range, related=related)


# --- MS213 ---------------------------------------------------------------------------------------

_PROGRESS_HEADER = re.compile(
    r"(?i)^(?:%|progress|completion|complete|completeness|readiness|ready|done|% done"
    r"|% complete|прогрес|готовн\w*|fortschritt|avance|progr[eè]s|进度|完成度)$"
)
_PERCENT_CELL = lazy(r"^~?\s*(\d{1,3}(?:\.\d+)?)\s*%$")


def _header_cells(lines: Sequence[str], number: int) -> list[str]:
    return [clean_inline(c) for c in _cells(lines[number])]


@rule(
    "MS213",
    "done-row-below-full-progress",
    Severity.WARNING,
    "A table row whose Status says done while its own progress column is below 100%.",
)
def done_row_below_full_progress(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A row of a status table whose Status cell says done (✅, DONE, Complete) while the same
    row's progress column — headed Progress, Completion, Readiness, Done or `%` — gives less
    than 100%. The finding sits on the row's progress cell.

    Only a column whose header names progress counts: a Coverage, Pass rate or Confidence
    column measures something else and may well be below 100% on finished work. Cells that are
    not a plain percentage (`~90% (est.)`, `TBD`) are not read.

    Why:
    "Progress Tracking" derives a phase's figure from its parts; a row that says both done
    and 95% makes every total built on it ambiguous — the reader cannot tell which is true.

    Example that fires:
    ```markdown
    | Feature | Status | Progress |
    |---------|--------|----------|
    | Constructor | ✅ Done | 95% |
    ```

    Example that does not:
    `| Vendor API | ✅ Complete | Coverage 92% |` (a coverage figure), or `| Search | 🚧 In
    progress | 95% |`.

    Fix safety:
    No fix: either the status or the figure is out of date, and only the author knows which.
    """
    doc, lines = ctx.doc, ctx.lines
    number = 0
    while number < len(lines):
        if not lines[number].strip().startswith("|"):
            number = ctx.next_pipe_line(number)  # the next line that can start a table
            continue
        if number in doc.fenced_lines:
            number += 1
            continue
        header = _header_cells(lines, number)
        status_col = next((i for i, c in enumerate(header) if _STATUS_HEADER.match(c)), None)
        progress_col = next(
            (i for i, c in enumerate(header) if i != status_col and _PROGRESS_HEADER.match(c)),
            None,
        )
        row = number + 2
        while row < len(lines) and lines[row].strip().startswith("|"):
            if status_col is not None and progress_col is not None:
                raw = _cells(lines[row])
                cells = [clean_inline(c) for c in raw]
                if max(status_col, progress_col) < len(cells):
                    state, _ = status_cell_state(raw[status_col])
                    pct = _PERCENT_CELL().match(cells[progress_col])
                    if state and pct is not None and float(pct.group(1)) < 100:
                        others = [
                            c for i, c in enumerate(cells) if i not in (status_col, progress_col)
                        ]
                        name = max(others, key=len, default="")
                        line = lines[row]
                        at = line.find(cells[progress_col])
                        rng = (
                            Range.of(row, at, row, at + len(cells[progress_col]))
                            if at >= 0
                            else _line_range(lines, row)
                        )
                        message = (
                            f"{_quote(name)} is marked {cells[status_col]} but its "
                            f"{header[progress_col]} is {cells[progress_col]}: a finished item is "
                            f"at 100%. Update the figure, or change the status to in progress"
                        )
                        yield ctx.finding(message, rng)
            row += 1
        number = row
