"""What a rule reports: findings with ranges, related locations and fixes, all in core positions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.positions import Position, Range


class Severity(StrEnum):
    """Diagnostic severities, ordered from most to least severe."""

    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"
    HINT = "hint"

    @property
    def rank(self) -> int:
        """0 for error … 3 for hint; lower is more severe."""
        return _RANK[self]


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFORMATION: 2, Severity.HINT: 3}

Applicability = Literal["safe", "unsafe"]


@dataclass(frozen=True, slots=True)
class Fix:
    """A titled set of edits (possibly in several files).

    ``snippet``, for a fix of one edit, is that edit's new text as an LSP snippet (its slots as
    tab stops), for clients that apply snippet edits; the others get the plain text.
    """

    title: str
    edits: tuple[TextEdit, ...]
    applicability: Applicability = "safe"
    snippet: str | None = None


@dataclass(frozen=True, slots=True)
class Related:
    """Another place that explains or contradicts a finding."""

    path: str
    range: Range
    message: str


@dataclass(slots=True)
class Finding:
    """One problem a rule found in one document."""

    code: str
    severity: Severity
    message: str
    path: str
    range: Range
    related: list[Related] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)
    tags: list[Literal["unnecessary", "deprecated"]] = field(default_factory=list)

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order by path, then position, then code."""
        return (self.path, self.range.start.line, self.range.start.character, self.code)


def carried_over(
    findings: list[Finding], path: str, before: list[str], after: list[str]
) -> list[Finding]:
    """The findings made from the lines ``before`` of ``path`` that still hold for its lines
    ``after`` as they are: those whose lines, related locations and fix edits in ``path`` all
    lie in lines the change left alone, moved by the lines it added or removed above them.

    For answering from the previous analysis while the new one is still running: a finding
    on a changed line is left out rather than guessed at.
    """
    limit = min(len(before), len(after))
    head = _common_run(before, after, limit, 1)
    if head == limit == len(before) == len(after):
        return list(findings)
    tail = _common_run(before, after, limit - head, -1)
    shift = len(after) - len(before)
    first_of_tail = len(before) - tail

    def delta(r: Range) -> int | None:
        if r.end.line < head:
            return 0
        if r.start.line >= first_of_tail and r.end.line < len(before):
            return shift
        return None

    out: list[Finding] = []
    for f in findings:
        if f.path != path:
            out.append(f)
            continue
        ranges = [f.range]
        ranges += [r.range for r in f.related if r.path == path]
        ranges += [e.range for fix in f.fixes for e in fix.edits if e.path == path]
        deltas = {delta(r) for r in ranges}
        if len(deltas) != 1 or None in deltas:
            continue
        moved = deltas.pop()
        out.append(f if moved == 0 else _moved(f, path, moved or 0))
    return out


def _common_run(before: list[str], after: list[str], limit: int, step: int) -> int:
    """How many lines (at most ``limit``) are equal from the start (``step`` 1) or from the end
    (-1) of both lists: compared a block at a time, then line by line in the first block
    that differs."""
    n = 0
    block = 256
    while n + block <= limit:
        if step > 0:
            same = before[n : n + block] == after[n : n + block]
        else:
            same = (
                before[len(before) - n - block : len(before) - n]
                == after[len(after) - n - block : len(after) - n]
            )
        if not same:
            break
        n += block
    while n < limit and (before[n] == after[n] if step > 0 else before[-1 - n] == after[-1 - n]):
        n += 1
    return n


def _moved(f: Finding, path: str, lines: int) -> Finding:
    def move(r: Range) -> Range:
        return Range(
            Position(r.start.line + lines, r.start.character),
            Position(r.end.line + lines, r.end.character),
        )

    return replace(
        f,
        range=move(f.range),
        related=[replace(r, range=move(r.range)) if r.path == path else r for r in f.related],
        fixes=[
            replace(
                fix,
                edits=tuple(
                    replace(e, range=move(e.range)) if e.path == path else e for e in fix.edits
                ),
            )
            for fix in f.fixes
        ],
    )
