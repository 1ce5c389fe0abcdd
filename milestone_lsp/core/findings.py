"""What a rule reports: findings with ranges, related locations and fixes, all in core positions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.positions import Position, Range, changed_lines


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
    findings: list[Finding],
    path: str,
    before: list[str],
    after: list[str],
    near: tuple[int, int] | None = None,
) -> list[Finding]:
    """The findings made from the lines ``before`` of ``path`` that still hold for its lines
    ``after`` as they are: those whose lines, related locations and fix edits in ``path`` all
    lie in lines the change left alone, moved by the lines it added or removed above them.
    With ``near`` (first and last line of ``after``), only those of them whose range meets
    those lines: what a request about a place needs, without moving all the others.

    For answering from the previous analysis while the new one is still running: a finding
    on a changed line is left out rather than guessed at.
    """
    change = changed_lines(before, after)
    if change is None:
        if near is None:
            return list(findings)
        return [f for f in findings if f.path != path or _meets(f.range, *near)]
    head, first_of_tail, new_end = change
    shift = new_end - first_of_tail
    if near is not None:
        # The lines asked about, as lines of ``before``: unmoved above the change, moved
        # below it (a finding on the changed lines themselves is not carried over).
        first, last = near
        findings = [
            f
            for f in findings
            if f.path != path
            or _meets(f.range, first, last)
            or _meets(f.range, first - shift, last - shift)
        ]

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


def _meets(r: Range, first: int, last: int) -> bool:
    return r.start.line <= last and r.end.line >= first


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
