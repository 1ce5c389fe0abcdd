"""What a rule reports: findings with ranges, related locations and fixes, all in core positions."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.positions import Range


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
