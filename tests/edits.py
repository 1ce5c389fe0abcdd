"""Random line edits applied one after another, for the property tests of incremental parsing.

An edit is ``(at, remove, insert)``: ``remove`` lines from line ``at`` (clamped to the text)
are replaced by the lines of ``insert``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from milestone_lsp.core.positions import split_lines

Edit = tuple[int, int, str]


def edited_texts(text: str, edits: Iterable[Edit]) -> Iterator[str]:
    """The text after each edit in turn."""
    for at, remove, insert in edits:
        rows = split_lines(text)
        at = min(at, len(rows))
        rows[at : at + remove] = split_lines(insert)
        text = "\n".join(rows)
        yield text
