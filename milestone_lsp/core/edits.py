"""Plain text edits in core positions, and applying them to a text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from milestone_lsp.core.positions import LineIndex, Range


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace ``range`` of the document at ``path`` with ``new_text``."""

    path: str
    range: Range
    new_text: str


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """Apply non-overlapping edits to one text; later edits are applied first so offsets hold."""
    index = LineIndex(text)
    spans = sorted(
        ((index.offset(e.range.start), index.offset(e.range.end), e.new_text) for e in edits),
        key=lambda span: (span[0], span[1]),
        reverse=True,
    )
    out = text
    for start, end, new_text in spans:
        out = out[:start] + new_text + out[end:]
    return out
