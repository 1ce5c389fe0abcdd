"""Stated counts on headings against what the section lists (MS303).

Teams write a count into a heading — ``### Phase 1: Critical (13/13 ✅)``, ``## Project files
(15 files)`` — and the list below it, or the sub-headings that split it, say how many there are.
This rule compares the two where both are plain to read.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.findings import Finding, Fix, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import Document, Heading, section_ends
from milestone_lsp.core.partscan import scan_by_part
from milestone_lsp.core.positions import Range
from milestone_lsp.core.syntax import CHECKBOX, LIST_MARKER, STATUS_MARKS, clean_inline
from milestone_lsp.rules.registry import RuleContext, matching_lines, rule

# "(13/13 ✅)", "(4/4 done)", "(3/5)": a ratio in parentheses, nothing but a status after it.
_RATIO = re.compile(
    r"\(\s*(?P<done>\d{1,4})\s*/\s*(?P<total>\d{1,4})\s*"
    r"(?P<tail>(?:✅|☑️?|✔️?|✓|done|complete[d]?|items?|tasks?|criteria)?)\s*\)",
    re.IGNORECASE,
)
# "(15 files)", "(7 modules)": a count of a plural noun in parentheses.
_TOTAL = re.compile(r"\(\s*(?P<total>\d{1,4})\s+(?P<noun>[^\W\d_]{3,20})\s*\)")


@dataclass(frozen=True, slots=True)
class _Stated:
    heading: Heading
    index: int
    done: int | None
    total: int
    noun: str | None
    start: int
    end: int


def _stated(h: Heading, index: int) -> _Stated | None:
    text = h.text
    if "(" not in text:
        return None  # both patterns read a parenthesis
    m = _RATIO.search(text)
    if m is not None:
        return _Stated(
            h, index, int(m.group("done")), int(m.group("total")), None, m.start(), m.end()
        )
    m = _TOTAL.search(text)
    if m is not None:
        noun = m.group("noun").lower()
        return _Stated(h, index, None, int(m.group("total")), noun, m.start(), m.end())
    return None


def _items(doc: Document, lines: list[str], start: int, end: int) -> list[tuple[int, bool | None]]:
    """Top-level list items on lines ``start``–``end`` (exclusive): line and ticked state."""
    out: list[tuple[int, bool | None]] = []
    for number in range(start, end):
        if number in doc.fenced_lines or number in doc.comment_lines:
            continue
        raw = lines[number]
        m = LIST_MARKER.match(raw)
        if m is None or len(m.group("indent").expandtabs(4)) > 1:
            continue
        body = raw[m.end() :]
        box = CHECKBOX.match(body) if body[:1] == "[" else None
        if box is not None:
            mark = box.group("mark")
            out.append((number, mark in ("x", "X") or mark in STATUS_MARKS))
        else:
            out.append((number, None))
    return out


# "Currently 12 of 15 closed", "3/5 done": a count of finished rows written in a sentence.
_SENTENCE_COUNT = re.compile(
    r"(?<![\w/.])(?P<done>\d{1,4})[ \t]*(?:of|/)[ \t]*(?P<total>\d{1,4})[ \t]+"
    r"(?:\w+[ \t]+)?(?:are[ \t]+|is[ \t]+)?"
    r"(?P<word>closed|done|complete[d]?|finished|merged|shipped)\b",
    re.IGNORECASE,
)
# The start of every _SENTENCE_COUNT match, as a cheaper first test of a line.
_COUNT_PAIR = re.compile(r"\d[ \t]*(?:of|/)[ \t]*\d", re.IGNORECASE)
# What follows the first number of every _SENTENCE_COUNT match, in lower-cased text: the scan
# of the text that finds the lines to read. It starts at a slash or at the "f" of "of", which
# are rare, so the scan stops at few places.
_COUNT_TAIL = re.compile(
    r"[/f][ \t]*\d{1,4}[ \t]+(?:\w+[ \t]+)?(?:are[ \t]+|is[ \t]+)?"
    r"(?:closed|done|complete|finished|merged|shipped)"
)
_FINISHED = lazy(
    r"(?i)^(?:[✅☑✔✓]|(?:done|complete[d]?|closed|finished|merged|shipped|passed|resolved)\b)"
)


def _tables(lines: list[str], start: int, end: int, doc: Document) -> list[list[list[str]]]:
    """The tables on lines ``start``–``end``: each a list of rows of cell texts (header first,
    the separator row left out)."""
    tables: list[list[list[str]]] = []
    number = start
    while number < end:
        if number in doc.fenced_lines or not lines[number].lstrip().startswith("|"):
            number += 1
            continue
        block: list[str] = []
        while number < end and lines[number].lstrip().startswith("|"):
            block.append(lines[number])
            number += 1
        if len(block) >= 3 and re.match(r"^\s*\|?[\s:|-]+\|?\s*$", block[1]) and "-" in block[1]:
            rows = [[c.strip() for c in row.strip().strip("|").split("|")] for row in block]
            tables.append([rows[0], *rows[2:]])
    return tables


def _sentence_counts(ctx: RuleContext, heads: list[Heading]) -> Iterator[Finding]:
    """A sentence stating how many rows of the section's one status table are finished."""
    doc = ctx.doc
    lines = ctx.lines
    fenced = doc.fenced_lines

    def scan(lines: list[str], begin: int, stop: int) -> list[tuple[int, re.Match[str]]]:
        out: list[tuple[int, re.Match[str]]] = []
        for n in matching_lines(lines, begin, stop, _COUNT_TAIL):
            text = lines[n]
            if ("/" not in text and " of " not in text) or n in fenced:
                continue
            if _COUNT_PAIR.search(text) is None:
                continue  # no "N of M" or "N/M" (the pattern below starts with one)
            m = _SENTENCE_COUNT.search(text)
            if m is not None and not text.lstrip().startswith("|"):
                out.append((n, m))
        return out

    found = dict(scan_by_part(doc, "MS303 counts", scan))
    if not found:
        return
    cuts = sorted({0, *(h.range.start.line for h in heads), len(lines)})
    stating = sorted(found)
    for start, end in itertools.pairwise(cuts):
        first = bisect_left(stating, start)
        if bisect_left(stating, end, first) - first != 1:
            continue
        claims = [(stating[first], found[stating[first]])]
        tables = _tables(lines, start, end, doc)
        status_tables = [t for t in tables if any(re.match(r"(?i)^\W*status\b", c) for c in t[0])]
        if len(status_tables) != 1:
            continue
        table = status_tables[0]
        col = next(i for i, c in enumerate(table[0]) if re.match(r"(?i)^\W*status\b", c))
        rows = [r for r in table[1:] if any(c for c in r)]
        line, m = claims[0]
        if int(m.group("total")) != len(rows):
            continue
        finished = sum(
            1 for r in rows if col < len(r) and _FINISHED().match(clean_inline(r[col]).strip())
        )
        if finished != int(m.group("done")):
            yield ctx.finding(
                f"The text states {m.group('done')} of {m.group('total')} "
                f"{m.group('word').lower()}, but the section's table marks {finished} of its "
                f"{len(rows)} rows finished; correct the count or the table",
                Range.of(line, m.start(), line, m.end()),
            )


# "#### 95 MCP Integrations ✅": a heading that is a count of something.
_LEADING = re.compile(
    r"^\s*(?:\*\*|__)?(?P<total>\d{1,4})[ \t]+"
    r"(?P<noun>[A-Za-z][\w/&-]*(?:[ \t]+[A-Za-z][\w/&-]*){0,2})"
)
# "- **Blockchain (12):** Helius, Jupiter": a category of the list with its own exact count.
_CATEGORY = lazy(
    r"^(?:\*\*|__)?[^()*_:]{1,40}?[ \t]*\([ \t]*(?P<n>\d{1,4})[ \t]*\)(?:\*\*|__)?[ \t]*:"
)


def _category_counts(
    doc: Document, lines: list[str], start: int, end: int
) -> list[tuple[int, int]] | None:
    """The categories of the one list on lines ``start``–``end`` when every item at their
    indentation states its own exact count: (line, count) each; otherwise None."""
    by_indent: dict[int, list[tuple[int, str]]] = {}
    for number in range(start, end):
        if number in doc.fenced_lines or number in doc.comment_lines:
            continue
        m = LIST_MARKER.match(lines[number])
        if m is None:
            continue
        indent = len(m.group("indent").expandtabs(4))
        by_indent.setdefault(indent, []).append((number, lines[number][m.end() :]))
    for items in by_indent.values():
        counted = [(n, _CATEGORY().match(body)) for n, body in items]
        if any(c is not None for _, c in counted):
            if len(counted) < 2 or any(c is None for _, c in counted):
                return None
            return [(n, int(c.group("n"))) for n, c in counted if c is not None]
    return None


def _category_sums(ctx: RuleContext, heads: list[Heading], ends: list[int]) -> Iterator[Finding]:
    """A heading that counts something above a list of categories with their own counts
    (``ends``: where each heading's section ends)."""
    doc = ctx.doc
    lines = ctx.lines
    for index, h in enumerate(heads):
        end = ends[index]
        if index + 1 < len(heads) and heads[index + 1].range.start.line < end:
            continue  # split into sub-sections: the parts rule reads those
        text = h.text
        m = _LEADING.match(text) or ("(" in text and _TOTAL.search(text)) or None
        if m is None:
            continue
        parts = _category_counts(doc, lines, h.range.start.line + 1, end)
        if parts is None:
            continue
        total = int(m.group("total"))
        counted = sum(n for _, n in parts)
        if counted == total:
            continue
        base = h.text_range.start.character
        line = h.range.start.line
        shown = "+".join(str(n) for _, n in parts)
        yield ctx.finding(
            f"The heading states {total} {m.group('noun')} but the categories listed below it "
            f"add up to {counted} ({shown}); correct the total or the categories",
            Range.of(line, base + m.start("total"), line, base + m.end("noun")),
        )


def _singular(noun: str | None) -> str:
    if noun is None:
        return ""
    return noun[:-1] if noun.endswith("s") and len(noun) > 3 else noun


@rule(
    "MS303",
    "heading-count-mismatch",
    Severity.WARNING,
    "A count written on a heading disagrees with what its section lists.",
)
def count_mismatch(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A heading that states a count — `(13/13 ✅)`, `(3/5)`, `(15 files)` — where its section
    says otherwise:

    * a ratio `N/M` on a heading whose section is one plain list (no sub-headings) of a
      different number of top-level items than `M`, or, when the items have boxes, a
      different number of ticked items than `N`;
    * a total `(N things)` on a heading whose section is split into sub-headings that each
      state their own `(K things)` of the same noun, when those parts do not add up to `N`;
    * a heading that counts something (`#### 95 Integrations`, `## Settings (48 settings)`)
      above a list whose items at one level are all categories with their own exact counts
      (`- **Storage (4):** …`), when those counts do not add up to the heading's;
    * a sentence stating `N of M closed` (done, complete, merged…) in a section with one table
      that has a Status column and `M` rows, when the rows marked finished (DONE, ✅,
      Complete, Closed…) are not `N`.

    Lists inside fenced code, nested items and sections with more than one list shape are not
    counted; a count of something else (days, tests, commits) never matches a list's length
    and is not compared.

    Why:
    "Progress Tracking" asks for progress stated from counts anybody can recount; a heading
    that claims 13 of 13 above a list of 8 misleads every reader who trusts the summary.

    Example that fires:
    ```markdown
    ### Phase 1: Critical (13/13 ✅)
    - Authentication fixes
    - Input validation
    ```

    Example that does not:
    the same heading above thirteen items, or `### Phase 1 (2/2 ✅)` above two.

    Fix safety:
    No fix: the count or the list may be the wrong one; the author decides.
    """
    yield from _findings(ctx)


def _findings(ctx: RuleContext) -> Iterator[Finding]:
    doc = ctx.doc
    lines = ctx.lines
    heads = [h for h in doc.headings if h.range.start.line not in doc.fenced_lines]
    ends = section_ends(heads, len(lines))
    yield from _sentence_counts(ctx, heads)
    yield from _category_sums(ctx, heads, ends)
    stated = [s for i, h in enumerate(heads) if (s := _stated(h, i)) is not None]
    if not stated:
        return
    by_index = {s.index: s for s in stated}
    starts = [h.range.start.line for h in heads]
    for s in stated:
        h = s.heading
        line = h.range.start.line
        end = ends[s.index]
        # The headings are in line order: the section's sub-headings are the ones before `end`.
        children = list(range(s.index + 1, bisect_left(starts, end, s.index + 1)))
        base = h.text_range.start.character
        at = Range.of(line, base + s.start, line, base + s.end)
        if s.noun is None:
            if children:
                continue
            items = _items(doc, lines, line + 1, end)
            if len(items) < 2:
                continue
            if s.total != len(items):
                yield ctx.finding(
                    f"The heading states {s.done}/{s.total} but its list has {len(items)} "
                    f"items; make the count match the list (or list what is missing)",
                    at,
                )
                continue
            boxes = [done for _, done in items if done is not None]
            if s.done is not None and len(boxes) == len(items):
                ticked = sum(1 for done in boxes if done)
                if ticked != s.done:
                    yield ctx.finding(
                        f"The heading states {s.done}/{s.total} but {ticked} of its "
                        f"{len(items)} items are ticked; make the count match the boxes",
                        at,
                    )
            continue
        # A total over parts: every direct sub-heading states its own count of the same noun.
        direct = [i for i in children if heads[i].level == min(heads[j].level for j in children)]
        parts = [by_index.get(i) for i in direct]
        noun = _singular(s.noun)
        if len(parts) < 2 or any(p is None or _singular(p.noun) != noun for p in parts):
            continue
        counted = [p.total for p in parts if p is not None]
        if sum(counted) != s.total:
            shown = "+".join(str(n) for n in counted)
            yield ctx.finding(
                f"The heading states {s.total} {s.noun} but its parts add up to "
                f"{sum(counted)} ({shown}); correct the total or the parts",
                at,
            )


# "12/15 done", "2 of 5 closed": a count of finished children in a table cell.
_CELL_COUNT = lazy(
    r"^(?P<done>\d{1,4})[ \t]*(?:/|of)[ \t]*(?P<total>\d{1,4})[ \t]*"
    r"(?:done|closed|complete[d]?|finished|merged|✅)?$",
    re.IGNORECASE,
)
# "#156-167, #168-169, #173": issue numbers and ranges, nothing else.
_ONE_REF = r"#\d{1,6}(?:[ \t]*[-–][ \t]*#?\d{1,6})?"
_REFS = lazy(rf"^{_ONE_REF}(?:[ \t]*,[ \t]*{_ONE_REF})*$")
_REF = lazy(r"#(?P<a>\d{1,6})(?:[ \t]*[-–][ \t]*#?(?P<b>\d{1,6}))?")
_ID_CELL = lazy(r"^\[?#(?P<n>\d{1,6})\]?(?:\([^)]*\))?$")


def _expand(cell: str) -> list[int] | None:
    numbers: list[int] = []
    for m in _REF().finditer(cell):
        a = int(m.group("a"))
        b = int(m.group("b")) if m.group("b") else a
        if b < a or b - a > 200:
            return None
        numbers.extend(range(a, b + 1))
    return numbers if len(set(numbers)) == len(numbers) else None


def _issue_states(tables: list[list[list[str]]]) -> dict[int, bool | None]:
    """Each issue number a status table gives a row to: finished or not; None when two rows
    disagree."""
    states: dict[int, bool | None] = {}
    for table in tables:
        header = table[0]
        col = next((i for i, c in enumerate(header) if re.match(r"(?i)^\W*status\b", c)), None)
        if col is None:
            continue
        for row in table[1:]:
            if col >= len(row) or not row:
                continue
            m = _ID_CELL().match(clean_inline(row[0]))
            if m is None:
                continue
            done = bool(_FINISHED().match(clean_inline(row[col]).strip()))
            number = int(m.group("n"))
            if number in states and states[number] != done:
                states[number] = None
            else:
                states.setdefault(number, done)
    return states


@rule(
    "MS310",
    "child-count-mismatch",
    Severity.WARNING,
    "A table row counts finished child issues differently from their rows in the document.",
)
def child_count_mismatch(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A table row that lists child issues by number (`#156-167, #168-169, #173`) and states how
    many of them are finished (`12/15 done`, `2 of 5 closed`) when the document's status tables
    — tables whose rows start with an issue number and that have a Status column — mark a
    different number of those children finished (DONE, ✅, Complete, Closed, Merged…). The
    finding is on the count and gives the children that are finished.

    Not compared: a row whose children the document does not all give a status to, an issue
    that two tables give different statuses, a stated total that is not the number of
    children listed, and ranges wider than 200 numbers.

    Why:
    "Progress Tracking" asks for progress stated from counts anybody can recount; an umbrella
    issue that counts its children differently from the rows beside it misreports the gate.

    Example that fires:
    ```markdown
    | # | Title | Status |
    |---|---|---|
    | #1 | Login | DONE |
    | #2 | Logout | DONE |
    | #3 | Reset | PLANNED |

    | Gate | Children | Status |
    |---|---|---|
    | Auth done | #1-3 | 1/3 done |
    ```

    Example that does not:
    the same gate with `2/3 done`.

    Fix safety:
    A safe fix writes the recounted figure: the document itself gives every child's status.
    """
    doc = ctx.doc
    lines = ctx.lines
    if "#" not in doc.text or "|" not in doc.text:
        return
    states: dict[int, bool | None] | None = None
    for number in ctx.pipe_lines:
        text = lines[number]
        if number in doc.fenced_lines or "#" not in text:
            continue
        cells = [c.strip() for c in text.strip().strip("|").split("|")]
        counts = [(i, m) for i, c in enumerate(cells) if (m := _CELL_COUNT().match(c))]
        refs = [c for c in cells if _REFS().match(c)]
        if len(counts) != 1 or len(refs) != 1:
            continue
        children = _expand(refs[0])
        index, m = counts[0]
        if children is None or len(children) < 2 or len(children) != int(m.group("total")):
            continue
        if states is None:
            states = _issue_states(_tables(lines, 0, len(lines), doc))
        known = [states.get(c) for c in children]
        if any(k is None for k in known):
            continue
        finished = [c for c, k in zip(children, known, strict=True) if k]
        if len(finished) == int(m.group("done")):
            continue
        # Where the cell's count sits on the line (checked: a fix must edit exactly it).
        cell_start = _cell_offset(text, index)
        span = m.group(0)[m.start("done") : m.end("total")]
        if cell_start is None or not text.startswith(span, cell_start + m.start("done")):
            continue
        at = Range.of(
            number,
            cell_start + m.start("done"),
            number,
            cell_start + m.end("total"),
        )
        recount = f"{len(finished)}/{len(children)}" if "/" in m.group(0) else None
        fixes = (
            [Fix(f"Change to {recount}", (TextEdit(doc.path, at, recount),), "safe")]
            if recount
            else []
        )
        yield ctx.finding(
            f"The row states {m.group('done')} of {m.group('total')} children finished, but the "
            f"document's status tables mark {len(finished)} of these {len(children)} finished; "
            f"change the count to {len(finished)}",
            at,
            fixes=fixes,
        )


def _cell_offset(text: str, index: int) -> int | None:
    """The column where the stripped text of cell ``index`` of a table row starts."""
    position = text.index("|") + 1 if text.lstrip().startswith("|") else 0
    for _ in range(index):
        found = text.find("|", position)
        if found < 0:
            return None
        position = found + 1
    while position < len(text) and text[position] in " \t":
        position += 1
    return position
