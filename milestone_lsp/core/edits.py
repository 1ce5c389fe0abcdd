"""Plain text edits in core positions, and applying them to a text."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from milestone_lsp.core.lazyre import lazy
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


_FENCE_OPEN = lazy(r"^ {0,3}(`{3,}|~{3,})")


def fence_left_open(lines: Sequence[str], fenced: Collection[int], line: int) -> tuple[int, str]:
    """Where the fence holding ``line`` starts, and its marker, if no line up to ``line`` closes it.

    ``fenced`` are the lines the parser found inside fenced code (markers included). Returns
    ``(-1, "")`` when ``line`` is not in a fence, or its fence was closed at or before it.
    Text inserted after such a line would be code: fixes use this to stay out of it.
    """
    if line not in fenced or not 0 <= line < len(lines):
        return -1, ""
    first = line
    while first - 1 in fenced:
        first -= 1
    # Fences may follow each other without a gap: replay them from the first fenced line.
    start, marker = -1, ""
    for number in range(first, line + 1):
        text = lines[number]
        if not marker:
            opened = _FENCE_OPEN().match(text)
            if opened is not None:
                start, marker = number, opened.group(1)
        elif re.match(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$", text):
            start, marker = -1, ""
    return start, marker


def close_open_fence(lines: Sequence[str], fenced: Collection[int], newline: str) -> str:
    """Text to put before an append at the end of a document that ends inside an open fence.

    An entry appended there would be code, invisible to every reader and rule; closing the
    fence first keeps the user's code block as it was meant and the entry outside it.
    """
    last = len(lines) - 1
    while last > 0 and not lines[last]:
        last -= 1
    _start, marker = fence_left_open(lines, fenced, last)
    return marker + newline if marker else ""
