"""Source positions and the one place where columns are converted between encodings.

The core counts columns in code points (Python ``str`` indices within a line). LSP clients count in
UTF-16 code units (VS Code) or UTF-8 bytes (Neovim 0.11 offers it first); :func:`encode_column` and
:func:`decode_column` convert, and nothing else in the project does.

Lines end at ``\\r\\n``, ``\\n`` or a lone ``\\r`` — exactly the terminators LSP recognises,
which is not what :meth:`str.splitlines` does (it also splits at form feeds and U+2028).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate, islice
from typing import Literal

from milestone_lsp.core.textmemo import per_text

PositionEncoding = Literal["utf-8", "utf-16", "utf-32"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """A 0-based line and a 0-based column counted in code points."""

    line: int
    character: int


@dataclass(frozen=True, slots=True, order=True)
class Range:
    """A half-open span between two positions."""

    start: Position
    end: Position

    @staticmethod
    def of(line: int, start: int, end_line: int | None = None, end: int | None = None) -> Range:
        """Build a range from plain numbers; ``end_line`` defaults to ``line``."""
        # The parser builds a few ranges per line; filling the slots directly takes less than
        # half the time of three frozen-dataclass __init__ calls, which set the same fields.
        first = _new(Position)
        _set_line(first, line)
        _set_character(first, start)
        last = _new(Position)
        _set_line(last, line if end_line is None else end_line)
        _set_character(last, start if end is None else end)
        rng = _new(Range)
        _set_start(rng, first)
        _set_end(rng, last)
        return rng

    def contains(self, pos: Position) -> bool:
        """Whether ``pos`` lies inside the range (both ends included, as editors expect)."""
        return self.start <= pos <= self.end

    def to_dict(self) -> dict[str, dict[str, int]]:
        """The LSP-shaped dictionary form, columns still in code points."""
        return {
            "start": {"line": self.start.line, "character": self.start.character},
            "end": {"line": self.end.line, "character": self.end.character},
        }


# The slot descriptors of Position and Range, for Range.of.
_new = object.__new__
_set_line: Callable[[Position, int], None] = vars(Position)["line"].__set__
_set_character: Callable[[Position, int], None] = vars(Position)["character"].__set__
_set_start: Callable[[Range, Position], None] = vars(Range)["start"].__set__
_set_end: Callable[[Range, Position], None] = vars(Range)["end"].__set__


def split_lines(text: str) -> list[str]:
    """Split ``text`` into lines without their terminators, the way LSP counts lines."""
    if not has_cr(text):  # only "\n" ends lines: the string method is several times faster
        return text.split("\n")
    return _LINE_BREAK.split(text)


def changed_lines(before: list[str], after: list[str]) -> tuple[int, int, int] | None:
    """Where ``after`` differs from ``before``: ``(first, old_end, new_end)`` such that
    ``before[:first] + after[first:new_end] + before[old_end:] == after``, the unchanged lines
    at both ends as many as they can be (the end's not overlapping the start's); None when
    the two are equal."""
    limit = min(len(before), len(after))
    head = _common_run(before, after, limit, 1)
    if head == limit and len(before) == len(after):
        return None
    tail = _common_run(before, after, limit - head, -1)
    return head, len(before) - tail, len(after) - tail


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


# One more than a line's length: where the next line starts, counted from this one's start.
_PLUS_EOL = (1).__add__


def line_starts(text: str) -> list[int]:
    """Offsets (in code points) at which each line of ``text`` starts."""
    if not has_cr(text):  # only "\n" ends lines: add up line lengths (twice as fast)
        starts = list(accumulate(map(_PLUS_EOL, map(len, text.split("\n"))), initial=0))
        starts.pop()
        return starts
    starts = [0]
    starts.extend(m.end() for m in _LINE_BREAK.finditer(text))
    return starts


def _units(ch: str, encoding: PositionEncoding) -> int:
    cp = ord(ch)
    if encoding == "utf-16":
        return 2 if cp > 0xFFFF else 1
    if encoding == "utf-8":
        if cp < 0x80:
            return 1
        if cp < 0x800:
            return 2
        if cp < 0x10000:
            return 3
        return 4
    return 1


def encode_column(line_text: str, column: int, encoding: PositionEncoding) -> int:
    """Convert a code-point column in ``line_text`` to code units of ``encoding``."""
    column = max(0, min(column, len(line_text)))
    if encoding == "utf-32" or line_text.isascii():
        return column
    # The codec counts the units (a lone surrogate, which str allows, is one UTF-16 unit and
    # three UTF-8 bytes, as _units counts it).
    if encoding == "utf-16":
        return len(line_text[:column].encode("utf-16-le", "surrogatepass")) // 2
    return len(line_text[:column].encode("utf-8", "surrogatepass"))


def decode_column(line_text: str, units: int, encoding: PositionEncoding) -> int:
    """Convert a column in code units of ``encoding`` to a code-point column.

    Out-of-range values are clamped to the line; a column that falls inside a multi-unit
    character (half a surrogate pair, say) moves to the start of that character.
    """
    if units <= 0:
        return 0
    if encoding == "utf-32" or line_text.isascii():
        return min(units, len(line_text))
    seen = 0
    for index, ch in enumerate(line_text):
        width = _units(ch, encoding)
        if seen + width > units:
            return index
        seen += width
    return len(line_text)


class LineIndex:
    """Lines of one text, with offset and position conversions (never changed once built)."""

    __slots__ = ("_cr", "_starts", "lines", "text")

    def __init__(self, text: str, lines: list[str] | None = None) -> None:
        """``lines``, when given, are ``split_lines(text)`` already made (a parse's)."""
        self.text = text
        self.lines = lines if lines is not None else split_lines(text)
        self._starts: list[int] | None = None
        self._cr: bool | None = None

    def _has_cr(self) -> bool:
        """Whether the text holds a carriage return (then lines may end in two characters)."""
        if self._cr is None:
            self._cr = has_cr(self.text)
        return self._cr

    @property
    def starts(self) -> list[int]:
        """Offsets (in code points) at which each line starts, worked out when first needed:
        converting positions needs only the lines."""
        starts = self._starts
        if starts is None:
            if self._has_cr():
                starts = line_starts(self.text)
            else:  # one "\n" after each line: the starts add up the lines' lengths
                starts = list(accumulate(map(_PLUS_EOL, map(len, self.lines)), initial=0))
                starts.pop()
            self._starts = starts
        return starts

    def offset(self, pos: Position) -> int:
        """Code-point offset of ``pos`` in the text, clamped to the document."""
        if pos.line < 0:
            return 0
        if pos.line >= len(self.lines):
            return len(self.text)
        column = max(0, min(pos.character, len(self.lines[pos.line])))
        if self._starts is None and not self._has_cr():
            # The lines above, each with its "\n": an edit's one offset costs less than every
            # line's start (a didChange of a large plan asks for two, of a text never seen).
            return sum(map(len, islice(self.lines, pos.line))) + pos.line + column
        return self.starts[pos.line] + column

    def position(self, offset: int) -> Position:
        """The position of a code-point offset."""
        import bisect

        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        return Position(line, min(offset - self.starts[line], len(self.lines[line])))

    def end(self) -> Position:
        """The position just past the last character."""
        return Position(len(self.lines) - 1, len(self.lines[-1]))

    def line_ending(self) -> str:
        """The document's dominant line terminator (``\\n`` when it has none)."""
        return line_ending(self.text)

    def to_encoding(self, pos: Position, encoding: PositionEncoding) -> tuple[int, int]:
        """Line and column of ``pos`` in ``encoding`` code units."""
        if 0 <= pos.line < len(self.lines):
            return pos.line, encode_column(self.lines[pos.line], pos.character, encoding)
        return pos.line, pos.character

    def from_encoding(self, line: int, units: int, encoding: PositionEncoding) -> Position:
        """A client position (``encoding`` code units) as a core position, clamped to the text."""
        if line < 0:
            return Position(0, 0)
        if line >= len(self.lines):
            return self.end()
        return Position(line, decode_column(self.lines[line], units, encoding))


def has_cr(text: str) -> bool:
    """Whether ``text`` holds a carriage return. Remembered for the last few large texts: a
    text without one must be read whole to know it (~7 ms for a 100k-line plan)."""
    if len(text) < _LARGE_TEXT:
        return "\r" in text
    return _has_cr_large(text)


# From this many characters on, a text's answer is remembered (small texts are many and quick).
_LARGE_TEXT = 1 << 14


# Two texts: the latest of an edited document and the one before it (each held alive here).
@per_text(2)
def _has_cr_large(text: str) -> bool:
    return "\r" in text


def note_no_cr(text: str) -> None:
    """Record that ``text`` holds no carriage return, when the caller knows it without reading
    it (an edit without one, of a text without one)."""
    if len(text) >= _LARGE_TEXT:
        _has_cr_large.remember(text, False)


@per_text(4)
def line_ending(text: str) -> str:
    """The dominant line terminator of ``text`` (``\\n`` when it has none).

    Remembered for the last few texts: every inserted template and fix asks, and counting the
    terminators of a 100k-line plan takes ~10 ms."""
    if not has_cr(text):
        return "\n"  # the usual case, found without counting
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    if crlf >= lf and crlf >= cr and crlf:
        return "\r\n"
    if cr > lf:
        return "\r"
    return "\n"


class _LineIndexes:
    """The :class:`LineIndex` of the last few text objects, each built once however many
    features ask for it (``line_index(text)``); a caller holding the text's lines already (a
    parse's) passes them, and the index is built without splitting the text again."""

    def __init__(self, size: int) -> None:
        self._size = size
        # By the text's identity (each index holds its text, so no other text takes its id):
        # hashing a 100k-line text would cost more than a look-up saves.
        self._entries: OrderedDict[int, LineIndex] = OrderedDict()
        self._lock = threading.Lock()  # the server also analyses in a worker thread

    def __call__(self, text: str, lines: list[str] | None = None) -> LineIndex:
        key = id(text)
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found.text is text:
                self._entries.move_to_end(key)
                return found
        index = LineIndex(text, lines)
        with self._lock:
            self._entries[key] = index
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return index

    def cache_clear(self) -> None:
        """Forget every index (as functools' caches do)."""
        with self._lock:
            self._entries.clear()


line_index = _LineIndexes(3)
