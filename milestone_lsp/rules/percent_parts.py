"""An overall percentage written beside the percentages of its parts, which it does not summarise
(MS308).

A status document rates its areas in a table — Code 90%, Tests 40%, Docs 75% — and writes an
``**Overall**: 85%`` line right under (or above) it. When the overall lies outside the range
of its parts, or far from their average, one of the figures is stale or the overall was
estimated apart from them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from milestone_lsp.core.findings import Finding, Related, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import Heading, Status
from milestone_lsp.core.positions import Range
from milestone_lsp.core.syntax import clean_inline, strip_trailers
from milestone_lsp.rules.registry import RuleContext, rule

# "**Overall**: 85%", "Overall progress: 85% 🎯", "> **Total:** ~85%".
_HEADLINE = lazy(
    r"^[ \t]*(?:>[ \t]*)*(?:[-*+][ \t]+)?(?:\*\*|__)?[ \t]*"
    r"(?P<label>(?:overall|total|average|combined|aggregate)(?:[ \t]+[^\W\d_]+){0,2})[ \t]*"
    r"(?::[ \t]*(?:\*\*|__)?|(?:\*\*|__)[ \t]*:)[ \t]*(?:\*\*|__)?[ \t]*~?"
    r"(?P<pct>\d{1,3}(?:\.\d+)?)[ \t]*%",
    re.IGNORECASE,
)
_PERCENT = lazy(r"(?<![\w.])(\d{1,3}(?:\.\d+)?)[ \t]*%")
_SEPARATOR = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
_TOTAL_ROW = lazy(r"(?i)^\W*(?:overall|total|average|sum|combined)\b")
# The overall may differ from the plain average by this many points before it is reported.
_MARGIN = 5.0
# Parts spread over the document's headings are further from their summary: a wider margin.
_HEADING_MARGIN = 10.0
_BANNER_LINES = 5
# "**Completion**: ~75% of full system", "Overall progress: 60%": the document's own figure.
_DOCUMENT_FIGURE = re.compile(
    r"^[ \t]*(?:>[ \t]*)*(?:\*\*|__)?[ \t]*"
    r"(?P<label>(?:overall|total)(?:[ \t]+(?:completion|progress|status))?|completion|progress)"
    r"[ \t]*(?::[ \t]*(?:\*\*|__)?|(?:\*\*|__)[ \t]*:)[ \t]*(?:\*\*|__)?[ \t]*~?"
    r"(?P<pct>\d{1,3}(?:\.\d+)?)[ \t]*%",
    re.IGNORECASE,
)
_MIN_PARTS = 3


@dataclass(frozen=True, slots=True)
class _Table:
    start: int
    end: int  # exclusive
    values: list[float]
    column: str


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def _tables(ctx: RuleContext) -> Iterator[_Table]:
    lines = ctx.lines
    doc = ctx.doc
    number = 0
    while number < len(lines):
        if not lines[number].lstrip().startswith("|"):
            number = ctx.next_pipe_line(number)  # the next line that can start a table
            continue
        if number in doc.fenced_lines:
            number += 1
            continue
        start = number
        while number < len(lines) and lines[number].lstrip().startswith("|"):
            number += 1
        block = lines[start:number]
        if len(block) < 2 + _MIN_PARTS or not _SEPARATOR.match(block[1]) or "-" not in block[1]:
            continue
        header = _cells(block[0])
        rows = [_cells(r) for r in block[2:]]
        if any(_TOTAL_ROW().match(clean_inline(r[0])) for r in rows if r):
            continue  # the table states its own total
        columns = []
        for col in range(len(header)):
            found = [_PERCENT().findall(r[col]) if col < len(r) else [] for r in rows]
            if all(len(f) == 1 for f in found):
                columns.append((col, [float(f[0]) for f in found]))
        if len(columns) == 1:
            col, values = columns[0]
            yield _Table(start, number, values, clean_inline(header[col]))


def _headline(ctx: RuleContext, table: _Table) -> tuple[int, re.Match[str]] | None:
    """The overall line right after the table (or right before it), blank lines aside."""
    lines = ctx.lines
    for step, begin in ((1, table.end), (-1, table.start - 1)):
        number = begin
        while 0 <= number < len(lines) and not lines[number].strip():
            number += step
        if abs(number - begin) > 1 or not 0 <= number < len(lines):
            continue
        if number in ctx.doc.fenced_lines:
            continue
        m = _HEADLINE().match(lines[number])
        if m is not None:
            return number, m
    return None


def _judge(
    stated: float, values: list[float], margin: float
) -> tuple[float, float, float, bool] | None:
    """``(mean, low, high, outside)`` when ``stated`` does not summarise ``values``: outside
    their range or more than ``margin`` from their mean, and not the share of parts at 100%
    either (the Calculation Method's completed / total)."""
    low, high = min(values), max(values)
    mean = sum(values) / len(values)
    outside = stated < low or stated > high
    if not outside and abs(stated - mean) <= margin:
        return None
    completed = 100 * sum(1 for v in values if v >= 100) / len(values)
    if abs(stated - completed) <= 1.0:
        return None
    return mean, low, high, outside


def _heading_parts(heads: list[Heading]) -> list[tuple[Heading, float]] | None:
    """The headings of one level that state how complete they are — `(40% Complete)`, `(0%)`,
    `(COMPLETE)` — when that level has at least three and two of them give a percentage."""
    by_level: dict[int, list[tuple[Heading, float | None]]] = {}
    for h in heads:
        _end, trailers = strip_trailers(h.text, strict_words=False)
        percents = [t.value for t in trailers if t.kind == "percent" and t.value is not None]
        tags = [t.status for t in trailers if t.kind == "tag" and t.status is not None]
        if percents:
            by_level.setdefault(h.level, []).append((h, percents[0]))
        elif tags:
            by_level.setdefault(h.level, []).append((h, 100.0 if tags[0] is Status.DONE else None))
    candidates = [
        parts
        for parts in by_level.values()
        if len(parts) >= _MIN_PARTS
        and sum(1 for _, v in parts if v is not None and v not in (0.0, 100.0)) >= 1
        and sum(1 for _, v in parts if v is not None) >= 2
    ]
    if len(candidates) != 1 or any(v is None for _, v in candidates[0]):
        return None
    return [(h, v) for h, v in candidates[0] if v is not None]


def _document_figure(ctx: RuleContext, heads: list[Heading]) -> Iterator[Finding]:
    """The header's overall figure against the completion its component headings state."""
    lines = ctx.lines
    # The header: up to the first second-level heading, or the second when the first opens
    # the document (a banner heading right under the title).
    starts = [h.range.start.line for h in heads if h.level >= 2] + [len(lines)]
    end = starts[1] if starts[0] < _BANNER_LINES and len(starts) > 1 else starts[0]
    found = [
        (n, m)
        for n in range(end)
        if n not in ctx.doc.fenced_lines and (m := _DOCUMENT_FIGURE.match(lines[n]))
    ]
    if len(found) != 1:
        return
    parts = _heading_parts(heads)
    if parts is None:
        return
    line, m = found[0]
    stated = float(m.group("pct"))
    values = [v for _, v in parts]
    judged = _judge(stated, values, _HEADING_MARGIN)
    if judged is None:
        return
    mean, low, high, outside = judged
    shown = ", ".join(f"{v:g}" for v in values)
    where = "outside their range" if outside else f"more than {_HEADING_MARGIN:g} points from it"
    yield ctx.finding(
        f"The {clean_inline(m.group('label'))} figure is {stated:g}%, but the {len(values)} "
        f"parts whose headings state their completion ({shown}) average {mean:.0f}% "
        f"(range {low:g}–{high:g}%), {where}; correct the figure, or say how it is weighted",
        Range.of(line, m.start("pct"), line, m.end("pct") + 1),
        related=[Related(ctx.doc.path, h.text_range, f"a part stated at {v:g}%") for h, v in parts],
    )


@rule(
    "MS308",
    "overall-percent-mismatch",
    Severity.WARNING,
    "An overall percentage next to a table of its parts' percentages does not summarise them.",
)
def overall_percent_mismatch(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A line `Overall: N%` (or Total, Average, Combined, with up to two more words: `Overall
    progress`) directly below or above a table of at least three rows that has exactly one
    column holding one percentage in every row, when N lies outside the lowest and highest of
    those percentages, or differs from their average by more than 5 points. The finding is on
    the overall figure and gives the average and the range.

    Also a document's own figure in its header (before the first second-level heading, or the
    second when the first is a banner in the document's first lines:
    `**Completion**: 75%`, `Overall progress: 60%`) against the headings of one level that
    state their completion — `### 2. Expert Advisor (40% Complete)`, `(0%)`, `(COMPLETE)`
    counting as 100% — when there are at least three of them, and at least one between 0%
    and 100%: reported when the figure is outside their range or more than 10 points from their
    average. A figure equal to the share of parts at 100% (the Calculation Method's completed
    over total) is never reported, in either shape.

    Not compared: tables with a Total or Overall row of their own (that row is the summary),
    tables with several percentage columns (target and actual, before and after), an overall
    separated from the table by text or a heading, headings with a status other than complete
    and no percentage (their share is unknown), and percentages in prose.

    Why:
    "Progress Tracking › Calculation Method" derives progress from its parts; an overall that
    its own parts cannot produce leaves the reader with two answers. When the overall is
    weighted on purpose, saying so (and how) removes the doubt.

    Example that fires:
    ```markdown
    | Area | Confidence |
    |------|-----------|
    | Code | 90% |
    | Testing | 40% |
    | Demo | 75% |

    **Overall**: 85%
    ```

    Example that does not:
    the same table with `**Overall**: 68%`, or with a `| Total | 68% |` row.

    Fix safety:
    No fix: the overall may be weighted, or one of the parts may be stale.
    """
    doc = ctx.doc
    if "%" not in doc.text:
        return
    heads = [h for h in doc.headings if h.range.start.line not in doc.fenced_lines]
    yield from _document_figure(ctx, heads)
    for table in _tables(ctx):
        found = _headline(ctx, table)
        if found is None:
            continue
        line, m = found
        stated = float(m.group("pct"))
        values = table.values
        judged = _judge(stated, values, _MARGIN)
        if judged is None:
            continue
        mean, low, high, outside = judged
        shown = ", ".join(f"{v:g}" for v in values)
        where = "outside their range" if outside else f"more than {_MARGIN:g} points from it"
        yield ctx.finding(
            f"The {clean_inline(m.group('label'))} figure is {stated:g}%, but the table's "
            f"{len(values)} {table.column} figures ({shown}) average {mean:.0f}% "
            f"(range {low:g}–{high:g}%), {where}; correct the figure, or say how it is weighted",
            Range.of(line, m.start("pct"), line, m.end("pct") + 1),
            related=[
                Related(
                    ctx.doc.path,
                    Range.of(table.start, 0, table.start, len(ctx.lines[table.start])),
                    "the parts the overall figure stands beside",
                )
            ],
        )
