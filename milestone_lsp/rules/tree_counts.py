"""A directory in a file tree whose stated count is below what the tree lists under it (MS304).

Status documents show their layout as a tree — in a plain fenced block or as a nested list — and
annotate directories with counts: ``app/  (10 files)``. When the entries listed under that
directory outnumber the count however they are counted (the files at its leaves, its direct
entries, every line below it), the count is stale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from milestone_lsp.core.findings import Finding, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.partscan import scan_by_part
from milestone_lsp.core.positions import Range
from milestone_lsp.core.syntax import STATUS_MARKS
from milestone_lsp.rules.registry import RuleContext, rule

# Tree-drawing characters and list bullets before an entry's name.
_DRAWING = lazy(r"^[ \t│├└─┬┼┃┣┗━|`'+\\]*")
_BULLET = lazy(r"^[ \t]*(?:[-*+]|\d{1,4}[.)])[ \t]+(?:\[[ xX~-]\][ \t]+)?")
_MARKS = "|".join(sorted((re.escape(m) for m in STATUS_MARKS), key=len, reverse=True))
_LEAD_MARK = lazy(rf"^(?:(?:{_MARKS}|❌|⭐)\ufe0f?[ \t]*)+")
# The entry's name: a path segment, possibly in code or bold, a directory when it ends in "/".
_ENTRY = lazy(r"^(?P<wrap>`|\*\*)?(?P<name>[^\s`*]+?)(?P=wrap)?(?=\s|$)")
# "(10 files)", "(3 components)", any language: a count of a noun, nothing else.
_COUNT = lazy(r"\([ \t]*(?P<n>\d{1,4})[ \t]+(?P<noun>[^\W\d_][^\W\d]{1,24})[ \t]*\)")
# Counts of something other than entries.
_MEASURES = lazy(
    r"(?i)^(?:lines?|loc|sloc|bytes?|kb|mb|gb|tests?|cases?|assertions?|endpoints?|routes?|"
    r"functions?|methods?|classes|commits?|stars?|days?|hours?|mins?|minutes?|personas?)$"
)
# A cheap test for a block worth reading: a name ending in "/" and, later, "(<digit>".
_DIR_COUNT = re.compile(r"/[`*]*[ \t]*[-–—:]?[ \t]*\([ \t]*\d")
_ELLIPSIS = lazy(r"(?:\.\.\.|…|\betc\b)")
_PLAIN_FENCE = lazy(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?:text|txt|plain|plaintext|tree)?[ \t]*$")


@dataclass(slots=True)
class _Entry:
    line: int
    depth: int
    name: str
    count: int | None
    count_span: tuple[int, int]
    children: list[_Entry] = field(default_factory=list)

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")


def _entry(line: int, text: str, *, listed: bool) -> _Entry | None:
    if listed:
        m = _BULLET().match(text)
        if m is None:
            return None
        start = m.end()
    else:
        start = _DRAWING().match(text).end()  # type: ignore[union-attr]
    rest = text[start:]
    mark = _LEAD_MARK().match(rest)
    if mark is not None:
        start += mark.end()
        rest = text[start:]
    m = _ENTRY().match(rest)
    if m is None:
        return None
    count = None
    span = (0, 0)
    after = rest[m.end() :]
    c = _COUNT().search(after)
    if c is not None and not after[: c.start()].strip(" \t-–—:"):
        count = int(c.group("n"))
        if _MEASURES().match(c.group("noun")):
            count = None
        base = start + m.end()
        span = (base + c.start("n"), base + c.end("noun"))
    return _Entry(line, start, m.group("name"), count, span)


def _blocks(ctx: RuleContext) -> Iterator[tuple[list[int], bool]]:
    """Runs of lines that may hold a tree: plain fenced blocks, and nested lists."""
    doc = ctx.doc
    lines = ctx.lines
    number = 0
    while number < len(lines):
        text = lines[number]
        fence = _PLAIN_FENCE().match(text)
        if fence is not None and number + 1 in doc.fenced_lines:
            end = number + 1
            while end < len(lines) and not lines[end].strip().startswith(fence.group("fence")):
                end += 1
            yield list(range(number + 1, end)), False
            number = end + 1
            continue
        if number not in doc.fenced_lines and _BULLET().match(text):
            end = number
            while end < len(lines) and lines[end].strip() and end not in doc.fenced_lines:
                end += 1
            yield list(range(number, end)), True
            number = end
            continue
        number += 1


def _tree(ctx: RuleContext, numbers: list[int], listed: bool) -> list[_Entry] | None:
    """The entries of a block as a forest; None when a non-blank line is no entry."""
    roots: list[_Entry] = []
    stack: list[_Entry] = []
    for number in numbers:
        text = ctx.lines[number]
        if not text.strip():
            continue
        e = _entry(number, text, listed=listed)
        if e is None:
            if listed:
                continue  # a continuation line of a list item
            return None
        while stack and stack[-1].depth >= e.depth:
            stack.pop()
        (stack[-1].children if stack else roots).append(e)
        stack.append(e)
    return roots


def _walk(entries: list[_Entry]) -> Iterator[_Entry]:
    for e in entries:
        yield e
        yield from _walk(e.children)


def _leaves(e: _Entry) -> int:
    if not e.children:
        return e.count if (e.is_dir and e.count is not None) else 1
    return sum(_leaves(c) for c in e.children)


def _readings(e: _Entry) -> dict[str, int]:
    """The ways a reader may count what a directory holds."""
    direct = e.children
    return {
        "files at its leaves": _leaves(e),
        "direct entries": len(direct),
        "direct files": sum(1 for c in direct if not c.is_dir),
        "direct directories": sum(1 for c in direct if c.is_dir),
        "lines below it": sum(1 for _ in _walk(direct)),
    }


def _counted_lines(lines: list[str], start: int, end: int) -> list[int]:
    """The lines ``start``..``end`` that annotate a directory with a count."""
    return [
        n
        for n in range(start, end)
        if "/" in (text := lines[n]) and "(" in text and _DIR_COUNT.search(text)
    ]


@rule(
    "MS304",
    "tree-count-mismatch",
    Severity.WARNING,
    "A directory's stated count in a file tree is below what the tree lists under it.",
)
def tree_count_mismatch(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A directory in a file tree — a plain fenced block (no language, or `text`) drawn with
    indentation or `├──` lines, or a nested markdown list — annotated with a count
    (`app/  (10 files)`, `` - `lib/` (7 modules) ``) when the entries listed under it outnumber
    the count however they are counted: the files at its leaves (a sub-directory with its own
    count and nothing listed under it counts as that many), its direct entries, its direct
    files, its direct sub-directories, or all lines below it. The finding is on the count and
    gives the leaf count.

    Not compared: a tree that lists fewer entries than the count (it may show only some), a
    tree with `...`, `…` or `etc`, counts of lines, bytes, tests, endpoints and other measures,
    names that are not directories (no trailing `/`), and code blocks in a language.

    Why:
    "Progress Tracking" asks for progress anybody can recount; a layout whose counts disagree
    with its own listing shows that one of them was not updated.

    Example that fires:
    ````markdown
    ```
    app/              (2 files)
      layout.tsx
      page.tsx
      globals.css
    ```
    ````

    Example that does not:
    the same tree with `(3 files)`, or `(5 files)` over a tree that shows only three.

    Fix safety:
    No fix: whether the count or the listing is stale is the author's call.
    """
    counted = set(scan_by_part(ctx.doc, "MS304 counts", _counted_lines))
    if not counted:
        return  # no directory with a count: nothing to compare
    for numbers, listed in _blocks(ctx):
        if counted.isdisjoint(numbers):
            continue
        roots = _tree(ctx, numbers, listed)
        if not roots:
            continue
        entries = list(_walk(roots))
        if not any(e.count is not None and e.children for e in entries):
            continue
        for e in entries:
            if e.count is None or not e.children or not e.is_dir:
                continue
            below = list(_walk(e.children))
            if any(_ELLIPSIS().search(ctx.lines[x.line]) for x in below):
                continue
            readings = _readings(e)
            leaves = readings["files at its leaves"]
            if leaves <= e.count or e.count in readings.values():
                continue
            start, end = e.count_span
            stated = ctx.lines[e.line][start:end]
            yield ctx.finding(
                f"'{e.name}' is said to hold {stated}, but the tree lists {leaves} entries "
                f"under it ({len(e.children)} directly); correct the count or the listing",
                Range.of(e.line, start, e.line, end),
            )
