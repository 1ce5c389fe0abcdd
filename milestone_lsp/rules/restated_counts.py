"""A count in a document's header summary that the section detailing the same thing states
differently (MS309).

Status documents open with a summary — ``**Status:** 141 Skills | 30 Modes | 107 Agents`` — and
give each of those things a section of its own whose heading states the count again: ``#### 108
Specialized Agents``. When the two counts differ, the reader cannot tell which one is current.
Only these two statements are compared: the header's and a heading that is nothing but a count
of the same thing. Counts in prose, lists and tables name subsets, past states and plans too
often to be compared safely.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from milestone_lsp.core.findings import Finding, Related, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import Heading
from milestone_lsp.core.positions import Range
from milestone_lsp.core.syntax import clean_inline, strip_trailers
from milestone_lsp.rules.registry import RuleContext, rule

_WORD = r"[A-Za-z][A-Za-z0-9\-/&]*"
# "107 Agents", "1,200 tests", "82 MCP integrations": an exact count and one to three words.
_COUNTED = re.compile(
    rf"^(?P<n>\d{{1,3}}(?:,\d{{3}})*|\d+)[ \t]+(?P<noun>{_WORD}(?:[ \t]+{_WORD}){{0,2}})$"
)
# A header field: "**Status:** value", "> **Totals**: value", "Status: value".
_FIELD = re.compile(
    r"^[ \t]*(?:>[ \t]*)*(?:[-*+][ \t]+)?(?:\*\*|__)?(?P<label>[^\W\d_][^:*_|\n]{0,40}?)"
    r"(?::[ \t]*(?:\*\*|__)|(?:\*\*|__)?[ \t]*:)[ \t]*(?P<value>.+?)[ \t]*$"
)
_SPLIT = re.compile(r"[ \t]*(?:\||·|•|;|,(?![0-9]{3}))[ \t]*")
# Words that make a count one of a part: "5 open issues" is not "12 issues".
_QUALIFIERS = frozenset(
    [
        "open",
        "closed",
        "remaining",
        "pending",
        "new",
        "old",
        "done",
        "completed",
        "complete",
        "finished",
        "failed",
        "failing",
        "passing",
        "passed",
        "known",
        "critical",
        "blocked",
        "active",
        "planned",
        "top",
        "core",
        "main",
        "key",
        "major",
        "minor",
        "other",
        "additional",
        "extra",
        "more",
        "missing",
        "broken",
        "skipped",
        "flaky",
        "next",
        "current",
        "previous",
        "legacy",
        "total",
        "deprecated",
        "removed",
        "added",
        "fixed",
        "unresolved",
        "resolved",
        "selected",
        "featured",
    ]
)
_NUMBERING = lazy(r"^(?:\d{1,3}(?:\.\d{1,3})*[.)]?[ \t]+|[A-Z]{1,3}\d{0,3}[ \t]*[:.\-–—][ \t]+)")


@dataclass(frozen=True, slots=True)
class _Count:
    line: int
    value: int
    words: tuple[str, ...]
    range: Range
    text: str


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 2:
        return word[:-1]
    return word


def _key(noun: str) -> tuple[str, ...]:
    words = [w.lower() for w in noun.split()]
    words[-1] = _singular(words[-1])
    return tuple(words)


def _header_counts(ctx: RuleContext, heads: list[Heading]) -> Iterator[_Count]:
    """Counts stated in the header: the lines before the first second-level heading."""
    doc = ctx.doc
    end = next((h.range.start.line for h in heads if h.level >= 2), len(ctx.lines))
    for number in range(end):
        text = ctx.lines[number]
        if number in doc.fenced_lines or text.lstrip().startswith(("|", "#")):
            continue
        m = _FIELD.match(text)
        if m is None:
            continue
        value = m.group("value")
        base = m.start("value")
        for part in _iter_parts(value):
            start, piece = part
            c = _COUNTED.match(clean_inline(piece))
            if c is None or piece != clean_inline(piece):
                continue
            n = int(c.group("n").replace(",", ""))
            at = base + start
            yield _Count(
                number,
                n,
                _key(c.group("noun")),
                Range.of(number, at, number, at + len(c.group("n"))),
                piece,
            )


def _iter_parts(value: str) -> Iterator[tuple[int, str]]:
    position = 0
    for m in _SPLIT.finditer(value + "|"):
        piece = value[position : m.start()]
        if piece.strip():
            yield position + (len(piece) - len(piece.lstrip())), piece.strip()
        position = m.end()


def _heading_counts(heads: list[Heading]) -> Iterator[_Count]:
    """Headings that are nothing but a count of a thing: ``#### 108 Specialized Agents ✅``."""
    for h in heads:
        if h.level < 2:
            continue
        text = h.text
        end, _ = strip_trailers(text, strict_words=False)
        name = clean_inline(text[:end])
        name = _NUMBERING().sub("", name) if not _COUNTED.match(name) else name
        c = _COUNTED.match(name)
        if c is None:
            continue
        offset = text.find(c.group("n"))
        if offset < 0:
            continue
        line = h.range.start.line
        base = h.text_range.start.character + offset
        yield _Count(
            line,
            int(c.group("n").replace(",", "")),
            _key(c.group("noun")),
            Range.of(line, base, line, base + len(c.group("n"))),
            name,
        )


def _same_thing(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The same counted thing: equal, or one names it with describing words before it."""
    if a == b:
        return True
    short, long = (a, b) if len(a) < len(b) else (b, a)
    if long[len(long) - len(short) :] != short:
        return False
    return not any(w in _QUALIFIERS for w in long[: len(long) - len(short)])


@rule(
    "MS309",
    "restated-count-mismatch",
    Severity.WARNING,
    "A count in the document's header differs from the heading of the section about it.",
)
def restated_count_mismatch(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A count in the header of a document — a field before its first second-level heading
    whose value lists counts (`**Status:** 141 Skills | 30 Modes | 107 Agents`) — when a
    heading of the same document is nothing but a count of the same thing (`#### 108
    Specialized Agents ✅`) and states another number. Things are the same when their words
    are (a final plural aside), or when the heading only adds describing words before them
    ("Specialized Agents" for "Agents"). The finding is on the header's count, with the
    heading as related information.

    Not compared: words that name a part ("5 open issues" is not "12 issues"), a thing that two
    headings count differently (they may count different sets), counts with `+`, `~` or a
    range, and counts in prose, lists and tables.

    Why:
    "Progress Tracking" puts the summary at the top of STATUS.md; a summary that disagrees with
    the section it summarises is read first and trusted most.

    Example that fires:
    ```markdown
    **Status:** 141 Skills | 107 Agents

    ## Library

    #### 108 Specialized Agents ✅
    ```

    Example that does not:
    the heading `#### 107 Specialized Agents`, or `#### 12 New Agents` (a part of them).

    Fix safety:
    No fix: the header or the section may be the stale one.
    """
    doc = ctx.doc
    heads = [h for h in doc.headings if h.range.start.line not in doc.fenced_lines]
    header = list(_header_counts(ctx, heads))
    if not header:
        return
    sections = list(_heading_counts(heads))
    for count in header:
        matching = [s for s in sections if _same_thing(count.words, s.words)]
        values = {s.value for s in matching}
        if len(values) != 1 or count.value in values:
            continue
        other = matching[0]
        yield ctx.finding(
            f"The header states {count.text}, but the heading '{other.text}' (line "
            f"{other.line + 1}) states {other.value}; make the two counts agree",
            count.range,
            related=[Related(doc.path, other.range, f"the section's count, {other.value}")],
        )
