"""The same named item listed as failed and as passed in one document (MS322).

Results are read from two shapes: a list entry that opens with a pass or fail mark and then
names something in code or in bold (``1. ✅ **go-counting** - …``, ``- ❌ `test_login` ``), and
a count line naming its items (``- Failed: 1 (go-counting)``). A name counts only when it looks
like an identifier: a code span, or a bold word joined with ``-``, ``_`` or ``.``. Entries that
tell a history (fixed, previously, before, now, was) and sections about history (changelog,
before/after, attempt, previous run) are not read: there a change of outcome is the news.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from milestone_lsp.core.findings import Finding, Related, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.positions import Range
from milestone_lsp.rules.registry import RuleContext, rule

_NAME = r"(?:`(?P<code>[^`]{2,60})`|\*\*(?P<bold>[A-Za-z0-9][\w.-]*[-_.][\w.-]*[A-Za-z0-9])\*\*)"
_MARKED = lazy(r"^\s*(?:[-*+]|\d+[.)])\s+(?P<mark>✅|✔️?|☑️?|❌|✗|✘)\s*" + _NAME + r"(?P<rest>.*)$")
_COUNTED = lazy(
    r"(?i)^\s*(?:[-*+]\s+)?[*_]*(?P<label>failed|failing|passed|passing|successful)[*_]*"
    r"\s*:\s*[*_]*\s*\d+\s*[*_]*\s*\((?P<names>[^)]*)\)"
)
_IDENT = lazy(r"[A-Za-z0-9][\w.-]*[-_.][\w.-]*[A-Za-z0-9]")
_HISTORY = lazy(
    r"(?i)\b(?:fixed|previously|before|after|now|was|were|used\s+to|initially|regress\w*"
    r"|resolved|flaky|intermittent\w*)\b"
)
_HISTORY_HEAD = lazy(
    r"(?i)\b(?:changelog|history|log|before|previous|attempts?|iterations?|rounds?|runs?\s+\d"
    r"|regressions?|fixed|resolved)\b"
)
_FAIL_MARKS = frozenset("❌✗✘")
_FAIL = re.compile("fail")
# What a line must hold to be read at all: a mark, or a count label (a cheap filter).
_CANDIDATE = lazy(r"[✅✔☑❌✗✘]|(?i:fail|pass|success)")

Outcome = Literal["passed", "failed"]


@dataclass(frozen=True, slots=True)
class _Listing:
    name: str
    outcome: Outcome
    range: Range


def _listings(ctx: RuleContext) -> list[_Listing]:
    heads = sorted((h.range.start.line, h.text) for h in ctx.doc.headings)
    fenced = ctx.doc.fenced_lines
    out: list[_Listing] = []
    head_at = 0
    in_history = False
    for line, raw in enumerate(ctx.lines):
        while head_at < len(heads) and heads[head_at][0] <= line:
            in_history = _HISTORY_HEAD().search(heads[head_at][1]) is not None
            head_at += 1
        if in_history or line in fenced or not _CANDIDATE().search(raw):
            continue
        m = _MARKED().match(raw)
        if m is not None:
            if _HISTORY().search(m.group("rest")):
                continue
            outcome: Outcome = "failed" if m.group("mark")[0] in _FAIL_MARKS else "passed"
            group = "code" if m.group("code") is not None else "bold"
            out.append(
                _Listing(
                    m.group(group).strip(),
                    outcome,
                    Range.of(line, m.start(group), line, m.end(group)),
                )
            )
            continue
        c = _COUNTED().match(raw)
        if c is None or _HISTORY().search(raw):
            continue
        outcome = "failed" if c.group("label").lower().startswith("fail") else "passed"
        base = c.start("names")
        for part in re.finditer(r"[^,;]+", c.group("names")):
            name = part.group(0).strip()
            if not _IDENT().fullmatch(name):
                continue
            start = base + part.start() + part.group(0).find(name)
            out.append(_Listing(name, outcome, Range.of(line, start, line, start + len(name))))
    return out


@rule(
    "MS322",
    "passed-and-failed",
    Severity.WARNING,
    "The same named item is listed as failed in one place and as passed in another.",
)
def passed_and_failed(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A named item (a code span, or a bold identifier such as `**go-counting**`) that the same
    document lists as failed — an entry opening with ❌, or a `Failed: 1 (go-counting)` count
    line — and as passed elsewhere: an entry opening with ✅, or a `Passed:` count line. The
    failed listing is reported, with the passed one as related information.

    Why:
    Progress Tracking wants one current state per item. A result reported both ways leaves
    the reader unable to tell whether the criterion it stands for is met; usually one of the
    two lists is from an older run and was not updated.

    Example that fires:
    `- Failed: 1 (go-counting)` in one section and `3. ✅ **go-counting** (11/11 tests
    passed)` in another.

    Example that does not:
    `- ❌ `test_login` (fixed in #12)`, or both listings under a `### Previous run` heading.

    Fix safety:
    No fix: which result is current is the author's call.
    """
    if not any(mark in ctx.doc.text for mark in _FAIL_MARKS) and not ctx.lines_matching(_FAIL):
        return  # nothing is listed as failed
    listings = _listings(ctx)
    if len(listings) < 2:
        return
    passed: dict[str, _Listing] = {}
    for item in listings:
        if item.outcome == "passed":
            passed.setdefault(item.name.lower(), item)
    reported: set[str] = set()
    for item in listings:
        key = item.name.lower()
        other = passed.get(key)
        if item.outcome != "failed" or other is None or key in reported:
            continue
        reported.add(key)
        yield ctx.finding(
            f"'{item.name}' is listed as failed here, but as passed on line "
            f"{other.range.start.line + 1}. Say which result is current, and date or remove "
            f"the other",
            item.range,
            related=[Related(ctx.doc.path, other.range, "listed as passed")],
        )
