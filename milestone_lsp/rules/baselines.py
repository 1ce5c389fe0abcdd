"""A "change from <version>" figure that the document's own table for that version contradicts
(MS311).

Release and milestone documents keep a metrics table per version and, in the newer one, a
column of changes against the older: ``| Grammar Lines | 1,121 | -42 (-3.6%) |`` under
"Change from v0.2.0". The value minus the change is the older version's figure; when the
document's table for that version states another number, one of the three is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from milestone_lsp.core.findings import Finding, Related, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import Heading
from milestone_lsp.core.positions import Range
from milestone_lsp.core.syntax import clean_inline
from milestone_lsp.rules.registry import RuleContext, rule

_VERSION = lazy(r"(?i)(?:\bv|\bversion[ \t]+|\brelease[ \t]+)(?P<v>\d+(?:\.\d+){1,3})\b")
_CHANGE_HEADER = re.compile(r"(?i)^\W*(?:change|delta|diff(?:erence)?)\b.*\b(?:from|since|vs\.?)\b")
# "1,121", "221", "99.5": a plain figure (no "~", no range), units after it allowed.
_FIGURE = lazy(r"^(?P<n>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\d,.])")
# "-42 (-3.6%)", "+7", "+83 (+60%)": a signed change first in the cell.
_CHANGE = lazy(r"^(?P<sign>[+\-−–])[ \t]*(?P<n>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\d,.%])")
_SEPARATOR = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")


@dataclass(frozen=True, slots=True)
class _Table:
    start: int
    header: list[str]
    rows: list[tuple[int, list[str]]]


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def _tables(ctx: RuleContext) -> Iterator[_Table]:
    lines = ctx.lines
    number = 0
    while number < len(lines):
        if not lines[number].lstrip().startswith("|"):
            number = ctx.next_pipe_line(number)  # the next line that can start a table
            continue
        if number in ctx.doc.fenced_lines:
            number += 1
            continue
        start = number
        while number < len(lines) and lines[number].lstrip().startswith("|"):
            number += 1
        if number - start >= 3 and _SEPARATOR.match(lines[start + 1]) and "-" in lines[start + 1]:
            yield _Table(
                start,
                [clean_inline(c) for c in _cells(lines[start])],
                [
                    (n, [clean_inline(c) for c in _cells(lines[n])])
                    for n in range(start + 2, number)
                ],
            )


def _number(text: str) -> float | None:
    m = _FIGURE().match(text.strip())
    return float(m.group("n").replace(",", "")) if m else None


def _version_sections(heads: list[Heading], total: int) -> dict[str, list[tuple[int, int]]]:
    """Each version a heading names, with the lines of its section."""
    out: dict[str, list[tuple[int, int]]] = {}
    for index, h in enumerate(heads):
        m = _VERSION().search(h.text)
        if m is None:
            continue
        end = next((x.range.start.line for x in heads[index + 1 :] if x.level <= h.level), total)
        out.setdefault(m.group("v"), []).append((h.range.start.line, end))
    return out


def _cell_start(text: str, index: int) -> int:
    """The column after the pipe that opens cell ``index`` of a table row."""
    position = text.find("|") + 1 if text.lstrip().startswith("|") else 0
    for _ in range(index):
        found = text.find("|", position)
        if found < 0:
            return len(text)
        position = found + 1
    return position


def _value_column(header: list[str]) -> int | None:
    found = [i for i, c in enumerate(header) if re.match(r"(?i)^\W*(?:value|result|actual)\b", c)]
    return found[0] if len(found) == 1 and found[0] > 0 else None


@rule(
    "MS311",
    "baseline-mismatch",
    Severity.WARNING,
    "A change from an earlier version disagrees with that version's figure in the document.",
)
def baseline_mismatch(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A metrics table with a Value column and a "Change from v0.2.0" column (Change since,
    Delta vs…) whose signed change (`-42`, `+7 (+50%)`) implies a figure for that version —
    value minus change — that differs from the figure the document's own table for that
    version gives (a table with a Value column in the section whose heading names
    `v0.2.0` / `Version 0.2.0`, matched by the first column's metric name). The finding is on
    the earlier version's figure, with the change as related information.

    Not compared: metrics only one table has, approximate figures (`~50`) and changes in words
    (`Maintained`, `new`), versions that two headings name, and tables without a Value
    column.

    Why:
    "Progress Tracking" asks for figures anybody can recount; a change computed from a
    baseline that the document states differently cannot both be right.

    Example that fires:
    ```markdown
    ## Version 0.3.0
    | Metric | Value | Change from v0.2.0 |
    |---|---|---|
    | Grammar Lines | 1,121 | -42 |

    ## Version 0.2.0
    | Metric | Value |
    |---|---|
    | Grammar Lines | 1,068 |
    ```

    Example that does not:
    the 0.2.0 table stating 1,163, or no table for 0.2.0.

    Fix safety:
    No fix: the change, the new value or the old one may be the stale figure.
    """
    doc = ctx.doc
    if "|" not in doc.text:
        return
    tables = list(_tables(ctx))
    changing = [
        (t, i, m.group("v"))
        for t in tables
        for i, c in enumerate(t.header)
        if _CHANGE_HEADER.match(c) and (m := _VERSION().search(c))
    ]
    if not changing:
        return
    heads = [h for h in doc.headings if h.range.start.line not in doc.fenced_lines]
    sections = _version_sections(heads, len(ctx.lines))
    for table, change_col, version in changing:
        value_col = _value_column(table.header)
        places = sections.get(version, [])
        if value_col is None or len(places) != 1:
            continue
        start, end = places[0]
        if start <= table.start < end:
            continue
        baseline: dict[str, tuple[float, int, str, int]] = {}
        for other in tables:
            col = _value_column(other.header)
            if other is table or col is None or not start <= other.start < end:
                continue
            for line, row in other.rows:
                if col < len(row) and (v := _number(row[col])) is not None and row[0]:
                    baseline.setdefault(row[0].lower(), (v, line, row[col], col))
        for line, row in table.rows:
            if max(change_col, value_col) >= len(row) or not row[0]:
                continue
            value = _number(row[value_col])
            change = _CHANGE().match(row[change_col].strip())
            old = baseline.get(row[0].lower())
            if value is None or change is None or old is None:
                continue
            delta = float(change.group("n").replace(",", ""))
            if change.group("sign") != "+":
                delta = -delta
            implied = value - delta
            if abs(implied - old[0]) < 1e-9:
                continue
            _old_value, old_line, old_text, old_col = old
            text = ctx.lines[old_line]
            at = text.find(old_text, _cell_start(text, old_col))
            if at < 0:
                continue
            yield ctx.finding(
                f"v{version}'s {row[0]} is {old_text} here, but line {line + 1} gives "
                f"{row[value_col]} as a change of {change.group(0)} from v{version}, which "
                f"makes it {implied:,g}; correct one of the three figures",
                Range.of(old_line, at, old_line, at + len(old_text)),
                related=[
                    Related(
                        doc.path,
                        Range.of(line, 0, line, len(ctx.lines[line])),
                        f"the change from v{version}",
                    )
                ],
            )
