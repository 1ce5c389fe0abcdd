"""Line scans of a document done per section and re-used across edits.

An incrementally parsed document is assembled from *parts* (`Document.parts`), and a part
object is re-used only while its lines, the line it starts at and the line after it are
unchanged (`core/parser.py`). A scan whose result for a run of lines depends only on those
lines (their text, their numbers, which of them are fenced or comment lines) can therefore
keep its result per part: after an edit only the parts the edit touched are scanned again. A
document without parts (a one-piece parse, a file read from disk) is scanned whole, which
gives the same result: the scan of the whole equals the scans of its parts in order.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from itertools import chain, compress, repeat
from operator import is_not
from typing import Any, TypeVar

from milestone_lsp.core.model import Document, Heading
from milestone_lsp.core.positions import split_lines

T = TypeVar("T")


class _Scan:
    """The latest scan of one (path, name): its parts, each part's results and their
    concatenation, so that a scan after an edit that changed a few parts splices their new
    results into the previous whole instead of walking every part."""

    __slots__ = ("flat", "parts", "results")

    def __init__(
        self, parts: list[Document], results: list[Sequence[Any]], flat: list[Any]
    ) -> None:
        self.parts = parts
        self.results = results
        self.flat = flat

    def by_id(self) -> dict[int, tuple[Document, Sequence[Any]]]:
        """Each part's results by the part's id (for a scan whose parts moved)."""
        return {id(p): (p, r) for p, r in zip(self.parts, self.results, strict=True)}


# (path, scan name) -> the latest scan of that path.
_MEMO: OrderedDict[tuple[str, str], _Scan] = OrderedDict()
_MEMO_ENTRIES = 256


# The lines of the last text split here, held with that text: a document read from disk keeps
# no lines of its own, and every scan of one check would split the same text again.
_last_split: tuple[str, list[str]] | None = None


def document_lines(doc: Document) -> list[str]:
    """The document's lines without terminators (callers must not change the list)."""
    global _last_split
    if doc.lines:
        return doc.lines
    last = _last_split  # read once: the status report command checks in a worker thread
    if last is not None and last[0] is doc.text:
        return last[1]
    lines = split_lines(doc.text)
    _last_split = (doc.text, lines)
    return lines


def scan_by_part(
    doc: Document, name: str, scan: Callable[[list[str], int, int], Sequence[T]]
) -> list[T]:
    """``scan(lines, start, end)`` over the whole document, re-using the results of parts
    that the latest scan of the same ``name`` and path saw.

    ``scan`` must read nothing but ``lines[start:end]``, their numbers and the document's
    fenced and comment lines among them, and return its results in line order.
    """
    lines = document_lines(doc)
    parts = doc.parts
    if not parts or len(doc.part_starts) != len(parts):
        return list(scan(lines, 0, len(lines)))
    ends = [*doc.part_starts[1:], len(lines)]
    starts = doc.part_starts
    return _by_part(
        doc,
        name,
        lambda i: scan(lines, starts[i], ends[i]),
        lambda: list(map(scan, repeat(lines, len(parts)), starts, ends)),
    )


def model_by_part(doc: Document, name: str, read: Callable[[Document], Sequence[T]]) -> list[T]:
    """``read(part)`` for every part of the document, in order, re-using the results of parts
    that the latest read of the same ``name`` and path saw; ``read(doc)`` for a document
    without parts.

    ``read`` must read nothing but the part's own sections (milestones, deliverables, reports,
    decisions, status sections and what they hold), so that reading the whole document gives
    the results of all its parts. Their order may differ (a whole document lists all its
    milestones before its deliverables, a part only its own): callers must not depend on it.
    """
    parts = doc.parts
    if not parts or len(doc.part_starts) != len(parts):
        return list(read(doc))
    return _by_part(doc, name, lambda i: read(parts[i]), lambda: list(map(read, parts)))


def headings_in_order(doc: Document) -> tuple[list[Heading], list[int]]:
    """The document's headings sorted by line, and their lines, read per part (a part's
    headings lie within its lines, so the parts' sorted lists end to end are the whole
    document's): after an edit only the parts it touched are sorted again."""
    return (
        model_by_part(doc, "headings in order", _sorted_headings),
        model_by_part(doc, "heading lines in order", _sorted_heading_lines),
    )


def _heading_line(h: Heading) -> int:
    return h.range.start.line


def _sorted_headings(part: Document) -> list[Heading]:
    return sorted(part.headings, key=_heading_line)


def _sorted_heading_lines(part: Document) -> list[int]:
    return [h.range.start.line for h in _sorted_headings(part)]


def splice(
    old_parts: list[Document],
    old_results: list[Sequence[T]],
    old_flat: list[T],
    parts: list[Document],
    compute: Callable[[int], Sequence[T]],
) -> tuple[list[Sequence[T]], list[T]] | None:
    """Per-part results and their concatenation after an edit, from the previous ones: only
    the parts that are not the very same objects as before are computed again (``compute(i)``
    for part ``i``) and spliced in. ``None`` when the number of parts changed or more than a
    quarter of them did: then walking every part is as cheap."""
    if len(old_parts) != len(parts):
        return None
    changed = _changed(old_parts, parts)
    if len(changed) * 4 > len(parts):
        return None
    results = list(old_results)
    flat = old_flat
    for i in reversed(changed):  # from the end: the offsets before i stay valid
        found = compute(i)
        at = sum(map(len, results[:i]))
        flat = [*flat[:at], *found, *flat[at + len(results[i]) :]]
        results[i] = found
    return results, flat


# The parts that differ between the last two lists of parts compared, held with the lists: the
# checks of one document compare the same two lists for every rule and scan (a document's
# list of parts is never changed once it is made).
_last_changed: tuple[list[Document], list[Document], list[int]] | None = None


def _changed(old_parts: list[Document], parts: list[Document]) -> list[int]:
    """The indexes at which ``parts`` holds another object than ``old_parts`` (same length)."""
    global _last_changed
    last = _last_changed  # read once: the status report command checks in a worker thread
    if last is not None and last[0] is old_parts and last[1] is parts:
        return last[2]
    changed = list(compress(range(len(parts)), map(is_not, parts, old_parts)))
    _last_changed = (old_parts, parts, changed)
    return changed


def _by_part(
    doc: Document,
    name: str,
    compute: Callable[[int], Sequence[T]],
    compute_all: Callable[[], list[Sequence[T]]],
) -> list[T]:
    """The results of every part: ``compute(i)`` for part ``i``, ``compute_all()`` for all
    of them in order (one call per part, without the walk's own work per part)."""
    parts = doc.parts
    key = (doc.path, name)
    previous = _MEMO.get(key)
    if previous is not None:
        spliced = splice(previous.parts, previous.results, previous.flat, parts, compute)
        if spliced is not None:
            _remember(key, _Scan(parts, *spliced))
            return list(spliced[1])
        known = previous.by_id()
        results: list[Sequence[T]] = []
        for i, part in enumerate(parts):
            entry = known.get(id(part))
            results.append(entry[1] if entry is not None and entry[0] is part else compute(i))
    else:
        results = compute_all()
    out = list(chain.from_iterable(results))
    _remember(key, _Scan(parts, results, out))
    return list(out)


def _remember(key: tuple[str, str], made: _Scan) -> None:
    _MEMO[key] = made
    _MEMO.move_to_end(key)
    if len(_MEMO) > _MEMO_ENTRIES:
        _MEMO.popitem(last=False)
