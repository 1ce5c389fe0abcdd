"""Criteria tables with a Target and a Result: a row marked met whose result misses (MS320).

A criteria table that writes both the bar and what was measured (``| Test coverage | 80% |
~60% | ✅ |``) is a check the tool can evaluate itself. This rule compares the two numbers where
their direction is certain — a comparator in the target (``< 200 ms``, ``≥ 80%``, ``at least
3``), or a target of a kind whose direction is plain (coverage, pass rate and uptime up;
latency and duration down) — and reports a row marked met whose result is on the wrong side.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from milestone_lsp.core.findings import Finding, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import Item, Status
from milestone_lsp.core.parser import table_cells
from milestone_lsp.core.positions import Range
from milestone_lsp.rules.criteria import criteria_items
from milestone_lsp.rules.registry import RuleContext, no_section_key, rule

_TARGET_COLUMN = lazy(r"(?i)^(?:target|threshold|goal|bar|required|expected|limit)\b")
_RESULT_COLUMN = lazy(
    r"(?i)^(?:actual|result|results|measured|current|achieved|observed|value|now)\b"
)
_NUMBER = r"(?P<num>\d[\d,]*(?:\.\d+)?)"
_UNIT = r"(?P<unit>%|ms|s|sec|secs|seconds?|min|mins|minutes?|h|hrs?|hours?|kb|mb|gb|x)?"
# A target: an optional comparator, an optional approximation mark, a number, a unit.
_TARGET = lazy(
    r"^(?P<cmp><=|>=|=<|=>|<|>|≤|≥|under|below|less\s+than|at\s+most|max(?:imum)?\.?|up\s+to"
    r"|over|above|more\s+than|at\s+least|min(?:imum)?\.?)?\s*[~≈]?\s*"
    + _NUMBER
    + r"\s*"
    + _UNIT
    + r"(?P<plus>\+)?$",
    re.IGNORECASE,
)
_RESULT = lazy(r"^[~≈]?\s*" + _NUMBER + r"\s*" + _UNIT + r"$", re.IGNORECASE)
_UP = ("<=", "=<", "<", "≤", "under", "below", "less than", "at most", "max", "maximum", "up to")
_HIGHER_BETTER = lazy(
    r"(?i)coverage|pass(?:ing)?\s*rate|success\s*rate|uptime|availability|accuracy|precision"
    r"|recall|hit\s*rate|score|satisfaction"
)
_LOWER_BETTER = lazy(
    r"(?i)latency|response\s*time|duration|load\s*time|build\s*time|startup|cold\s*start"
    r"|error\s*rate|memory|bundle\s*size|p9\d|p50"
)
_UNITS = {
    "sec": "s",
    "secs": "s",
    "second": "s",
    "seconds": "s",
    "mins": "min",
    "minute": "min",
    "minutes": "min",
    "hr": "h",
    "hrs": "h",
    "hour": "h",
    "hours": "h",
}


@dataclass(frozen=True, slots=True)
class _Bar:
    value: float
    unit: str
    higher_is_better: bool
    strict: bool


def _unit(raw: str | None) -> str:
    low = (raw or "").lower()
    return _UNITS.get(low, low)


def _plain(cell: str) -> str:
    return re.sub(r"[*_`]", "", cell).strip()


def parse_bar(target: str, subject: str) -> _Bar | None:
    """The target as a bar with a certain direction, or ``None`` when its direction is not."""
    m = _TARGET().match(_plain(target))
    if m is None:
        return None
    value = float(m.group("num").replace(",", ""))
    unit = _unit(m.group("unit"))
    cmp = " ".join((m.group("cmp") or "").lower().rstrip(".").split())
    if cmp:
        lower = cmp in _UP
        strict = cmp in ("<", ">", "under", "below", "less than", "over", "above", "more than")
        return _Bar(value, unit, not lower, strict)
    if m.group("plus"):
        return _Bar(value, unit, True, False)
    if _HIGHER_BETTER().search(subject) and not _LOWER_BETTER().search(subject):
        return _Bar(value, unit, True, False)
    if _LOWER_BETTER().search(subject) and not _HIGHER_BETTER().search(subject):
        return _Bar(value, unit, False, False)
    return None


def misses(bar: _Bar, result: str) -> float | None:
    """The measured value when it is on the wrong side of ``bar``; ``None`` when it meets it
    or cannot be compared (another unit, not a number)."""
    m = _RESULT().match(_plain(result))
    if m is None:
        return None
    unit = _unit(m.group("unit"))
    if unit and bar.unit and unit != bar.unit:
        return None
    value = float(m.group("num").replace(",", ""))
    if bar.higher_is_better:
        met = value > bar.value if bar.strict else value >= bar.value
    else:
        met = value < bar.value if bar.strict else value <= bar.value
    return None if met else value


def _table_header(lines: list[str], line: int) -> int | None:
    """The header line of the table holding ``line``."""
    top = line
    while top > 0 and lines[top - 1].lstrip().startswith("|"):
        top -= 1
    return top if top < line else None


def _columns(header: list[str]) -> tuple[int, int] | None:
    target = next((i for i, h in enumerate(header) if _TARGET_COLUMN().match(_plain(h))), None)
    result = next((i for i, h in enumerate(header) if _RESULT_COLUMN().match(_plain(h))), None)
    if target is None or result is None or target == result:
        return None
    return target, result


def _rows(ctx: RuleContext) -> Iterator[Item]:
    seen: set[int] = set()
    for _, item in criteria_items(ctx):
        line = item.range.start.line
        if item.from_table and line not in seen:
            seen.add(line)
            yield item


@rule(
    "MS320",
    "result-misses-target",
    Severity.WARNING,
    "A criteria table row is marked met, but its result misses its own target.",
    section_key=no_section_key,
)
def result_misses_target(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A row of a criteria table that has both a Target column (Target, Threshold, Goal,
    Required, Expected) and a Result column (Actual, Result, Measured, Current, Achieved), whose
    status says met (✅, Done, Pass) while its result is on the wrong side of its target:
    `| Test coverage | 80% | ~60% | ✅ |`. The direction comes from a comparator in the target
    (`< 200 ms`, `≥ 80%`, `at least 3`, `80%+`) or, without one, from what the row measures
    when that is plain: coverage, pass and success rates, uptime, accuracy and scores go up;
    latency, response and build times, error rates, memory and sizes go down. Rows whose
    numbers are in different units, are not numbers (`Yes`, `Complete`), or whose direction is
    not certain are not compared.

    Why:
    "Acceptance Criteria › Writing Good Criteria" asks for criteria with a threshold precisely
    so that "Verification Process" can tick them by comparing a measurement with it; a tick
    beside a measurement that misses the threshold is a completion the table itself refutes.

    Example that fires:
    ```markdown
    **Acceptance Criteria:**

    | Criterion | Target | Actual | Status |
    |---|---|---|---|
    | Test coverage | 80% | 61% | ✅ |
    ```

    Example that does not:
    ```markdown
    | Criterion | Target | Actual | Status |
    |---|---|---|---|
    | Test coverage | 80% | 61% | ⚠️ |
    | p95 latency | < 200 ms | 180 ms | ✅ |
    ```

    Fix safety:
    No fix: either the status or the result is wrong, and only the author knows which.
    """
    lines = ctx.lines
    for item in _rows(ctx):
        tag = item.tag
        if tag is None or tag.status is not Status.DONE:
            continue
        line = item.range.start.line
        top = _table_header(lines, line)
        if top is None:
            continue
        columns = _columns([c[0] for c in table_cells(lines[top])])
        if columns is None:
            continue
        cells = table_cells(lines[line])
        target_col, result_col = columns
        if max(target_col, result_col) >= len(cells):
            continue
        target, result = cells[target_col][0], cells[result_col][0]
        bar = parse_bar(target, item.text)
        if bar is None:
            continue
        measured = misses(bar, result)
        if measured is None:
            continue
        way = "higher" if bar.higher_is_better else "lower"
        message = (
            f"'{_plain(item.text)}' is marked met ({tag.raw.strip()}), but its result "
            f"{_plain(result)} misses its target {_plain(target)} ({way} is better here); "
            "mark the row not met, or correct the result"
        )
        where = tag.range if tag.range.start.line == line else item.text_range
        yield ctx.finding(message, Range.of(line, where.start.character, line, where.end.character))
