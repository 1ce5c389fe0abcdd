"""A stated number of tests for a named test class or suite against the tests its own section
names (MS305).

Acceptance documents often end with a summary — ``| Idempotency | ✅ | `TestIdempotency` (2
tests) |`` — while an earlier section introduced that class (a heading naming it, or a
``**Class:** `TestIdempotency``` line) and named its test functions one by one. When that section
names more distinct test functions than the summary counts, the summary is out of date. Fewer
is not compared: a section may name only the tests it discusses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from milestone_lsp.core.findings import Finding, Related, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import Document, Heading
from milestone_lsp.core.partscan import scan_by_part
from milestone_lsp.core.positions import Range
from milestone_lsp.rules.registry import RuleContext, rule

_NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
# "`TestIdempotency` (2 tests)", "`TestIdempotency`: 2 tests", "`auth.spec` — 12 test cases".
_CLAIM = re.compile(
    rf"`(?P<name>{_NAME})`[ \t]*"
    r"(?:\([ \t]*(?P<n>\d{1,4})[ \t]+(?:test[ \t]+cases?|tests?)[ \t]*\)"
    r"|[:—–-][ \t]*(?P<m>\d{1,4})[ \t]+(?:test[ \t]+cases?|tests?)\b)",
    re.IGNORECASE,
)
# "**Class:** `TestSeedingLogic`", "**Test class**: `TestX`", "Suite: `TestX`" — the line names
# only the class.
_INTRO_FIELD = lazy(
    r"^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?[ \t]*(?:test[ \t]+)?(?:class|suite|test[ \t]+file|file|"
    r"module|spec)[ \t]*(?::[ \t]*(?:\*\*|__)|(?:\*\*|__)?[ \t]*:)[ \t]*`(?P<name>[^`]+)`[ \t]*$",
    re.IGNORECASE,
)
# A test function named in code: pytest's test_x, xUnit's testX; called or not.
_TEST_FUNCTION = lazy(r"`(?P<fn>test_[A-Za-z0-9_]+|test[A-Z][A-Za-z0-9_]*)(?:\(\))?`")


@dataclass(frozen=True, slots=True)
class _Claim:
    name: str
    count: int
    range: Range


def _claims(ctx: RuleContext) -> Iterator[_Claim]:
    fenced = ctx.doc.fenced_lines
    for claim in scan_by_part(ctx.doc, "MS305 claims", _claims_on):
        if claim.range.start.line not in fenced:
            yield claim


def _claims_on(lines: list[str], start: int, end: int) -> list[_Claim]:
    """The test counts written on lines ``start``..``end`` (each line read on its own)."""
    out: list[_Claim] = []
    for number in range(start, end):
        text = lines[number]
        if "`" not in text or "test" not in text.lower():
            continue
        for m in _CLAIM.finditer(text):
            value = m.group("n") or m.group("m")
            group = "n" if m.group("n") else "m"
            out.append(
                _Claim(
                    m.group("name"),
                    int(value),
                    Range.of(number, m.start(group), number, m.end(group)),
                )
            )
    return out


def _section_of(doc: Document, heads: list[Heading], line: int, total: int) -> tuple[int, int]:
    """The lines of the section that holds ``line``: from the line to the next heading at the
    level of the heading above it (or higher)."""
    above = [h for h in heads if h.range.start.line <= line]
    level = above[-1].level if above else 0
    for h in heads:
        if h.range.start.line > line and h.level <= max(level, 1):
            return line, h.range.start.line
    return line, total


def _introductions(ctx: RuleContext, heads: list[Heading]) -> dict[str, list[tuple[int, int]]]:
    """Each name a heading or a one-name field line introduces, with the section it opens."""
    doc = ctx.doc
    lines = ctx.lines
    total = len(lines)
    out: dict[str, list[tuple[int, int]]] = {}
    for index, h in enumerate(heads):
        for name in re.findall(r"`([^`]+)`", h.text):
            end = next(
                (x.range.start.line for x in heads[index + 1 :] if x.level <= h.level), total
            )
            out.setdefault(name, []).append((h.range.start.line, end))
    for number, name in scan_by_part(doc, "MS305 introductions", _introduced_on):
        if number not in doc.fenced_lines:
            out.setdefault(name, []).append(_section_of(doc, heads, number, total))
    return out


def _introduced_on(lines: list[str], start: int, end: int) -> list[tuple[int, str]]:
    """The one-name field lines (``**Class:** `TestX```) among lines ``start``..``end``."""
    out: list[tuple[int, str]] = []
    for number in range(start, end):
        text = lines[number]
        if "`" in text:
            m = _INTRO_FIELD().match(text)
            if m is not None:
                out.append((number, m.group("name")))
    return out


def _named_tests(ctx: RuleContext, start: int, end: int, stop: set[int]) -> dict[str, int]:
    """Distinct test functions named on lines ``start``–``end``, with the line of the first
    mention; the section ends early at another class's introduction (a line in ``stop``)."""
    found: dict[str, int] = {}
    for number in range(start, end):
        if number != start and number in stop:
            break
        if number in ctx.doc.fenced_lines:
            continue
        for m in _TEST_FUNCTION().finditer(ctx.lines[number]):
            found.setdefault(m.group("fn"), number)
    return found


@rule(
    "MS305",
    "test-count-mismatch",
    Severity.WARNING,
    "A stated number of tests for a named test class is below the tests its section names.",
)
def test_count_mismatch(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A count of tests written beside a test class or suite in code — `` `TestIdempotency` (2
    tests) ``, `` `TestX`: 5 tests `` — when the section of the same document that introduces
    that class (a heading naming it in code, or a line `**Class:** `TestX`` and what follows it
    up to the next heading of its level) names more distinct test functions (`` `test_a()` ``,
    `` `testLogin` ``) than the count says. The finding is on the count, with the section as
    related information.

    Not compared: a section that names fewer functions than the count (it may discuss only
    some of them), a class introduced in more than one place, counts inside tables of figures
    without a class name, and test names outside code spans or inside fenced code.

    Why:
    "Acceptance Criteria › Writing Good Criteria" asks for test criteria that state their
    counts ("15/15 passing"); a count that is lower than the tests named in the same document
    cannot be the figure that was measured.

    Example that fires:
    ```markdown
    **Class:** `TestIdempotency`
    - `test_no_duplicates()` → second run creates nothing
    - `test_top_up()` → fills only what is missing

    | Idempotency | ✅ | `TestIdempotency` (1 test) |
    ```

    Example that does not:
    the same summary with `(2 tests)`, or `(5 tests)` (more tests than the section names).

    Fix safety:
    No fix: the section may still leave tests unnamed, so the right count is not known.
    """
    claims = list(_claims(ctx))
    if not claims:
        return
    doc = ctx.doc
    heads = [h for h in doc.headings if h.range.start.line not in doc.fenced_lines]
    intros = _introductions(ctx, heads)
    stop = {start for places in intros.values() for start, _ in places}
    for claim in claims:
        places = [p for p in intros.get(claim.name, []) if p[0] != claim.range.start.line]
        if len(places) != 1:
            continue
        start, end = places[0]
        if start <= claim.range.start.line < end:
            continue
        named = _named_tests(ctx, start, end, stop)
        if len(named) <= claim.count:
            continue
        ordered = sorted(named, key=lambda n: named[n])
        shown = ", ".join(ordered[:6]) + (", …" if len(ordered) > 6 else "")
        tests = "test" if claim.count == 1 else "tests"
        yield ctx.finding(
            f"'{claim.name}' is stated to have {claim.count} {tests}, but its section (line "
            f"{start + 1}) names {len(named)} distinct test functions ({shown}); correct the "
            f"count",
            claim.range,
            related=[
                Related(
                    doc.path,
                    Range.of(start, 0, start, len(ctx.lines[start])),
                    f"where '{claim.name}' and its tests are described",
                )
            ],
        )
