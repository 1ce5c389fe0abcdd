"""Line-level syntax of milestone markdown: labels, check boxes, status tags, numbers, names.

markdown-it-py decides the block structure (which lines are headings, list items, fences);
these helpers read the inside of one line, returning code-point offsets into it so the parser
can build exact ranges.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from functools import lru_cache

from milestone_lsp.core.lazyre import lazy, word_alternation
from milestone_lsp.core.model import Status

# --- status words and marks -------------------------------------------------------------------

_STATUS_WORDS: dict[str, Status] = {
    "complete": Status.DONE,
    "completed": Status.DONE,
    "done": Status.DONE,
    "finished": Status.DONE,
    "shipped": Status.DONE,
    "delivered": Status.DONE,
    "closed": Status.DONE,
    "met": Status.DONE,
    "passed": Status.DONE,
    "passing": Status.DONE,
    "verified": Status.DONE,
    "approved": Status.DONE,
    "in progress": Status.IN_PROGRESS,
    "in-progress": Status.IN_PROGRESS,
    "wip": Status.IN_PROGRESS,
    "ongoing": Status.IN_PROGRESS,
    "started": Status.IN_PROGRESS,
    "active": Status.IN_PROGRESS,
    "in review": Status.IN_PROGRESS,
    "partial": Status.IN_PROGRESS,
    "partially complete": Status.IN_PROGRESS,
    "current": Status.IN_PROGRESS,
    "next": Status.NEXT,
    "up next": Status.NEXT,
    "planned": Status.PLANNED,
    "todo": Status.PLANNED,
    "to do": Status.PLANNED,
    "pending": Status.PLANNED,
    "not started": Status.PLANNED,
    "backlog": Status.PLANNED,
    "future": Status.PLANNED,
    "deferred": Status.PLANNED,
    "blocked": Status.BLOCKED,
    "on hold": Status.BLOCKED,
    "at risk": Status.BLOCKED,
    "failed": Status.FAILED,
    "failing": Status.FAILED,
    "not met": Status.FAILED,
    "cancelled": Status.FAILED,
    "canceled": Status.FAILED,
    "dropped": Status.FAILED,
}

# The words that say something has not started, for cheap "could this be a planned tag" tests.
PLANNED_WORDS = tuple(w for w, s in _STATUS_WORDS.items() if s is Status.PLANNED)

STATUS_MARKS: dict[str, Status] = {
    "✅": Status.DONE,
    "✓": Status.DONE,
    "✔": Status.DONE,
    "✔️": Status.DONE,
    "☑": Status.DONE,
    "☑️": Status.DONE,
    "🟢": Status.DONE,
    "🟡": Status.IN_PROGRESS,
    "🔄": Status.IN_PROGRESS,
    "🚧": Status.IN_PROGRESS,
    "🔨": Status.IN_PROGRESS,
    "📋": Status.PLANNED,
    "⏳": Status.PLANNED,
    "⬜": Status.PLANNED,
    "🔲": Status.PLANNED,
    "⚠️": Status.BLOCKED,
    "⚠": Status.BLOCKED,
    "🛑": Status.BLOCKED,
    "🔴": Status.BLOCKED,
    "❌": Status.FAILED,
    "✗": Status.FAILED,
    "✘": Status.FAILED,
}

# Longest first (as escaped), grouped by first letter (word_alternation: the same matches).
_WORDS = word_alternation(sorted(_STATUS_WORDS, key=lambda w: len(re.escape(w)), reverse=True))
_MARKS = "|".join(sorted((re.escape(m) for m in STATUS_MARKS), key=len, reverse=True))

# A parenthesised or bracketed tag whose first words are a status: "(COMPLETE)",
# "(COMPLETE + FIXED)", "[IN PROGRESS]", "(Done, 2026-01-04)".
_PAREN_TAG = re.compile(
    rf"[\(\[]\s*(?:\*\*|__)?(?P<word>{_WORDS})\b(?:\*\*|__)?[^()\[\]]*(?:\([^()]*\)[^()\[\]]*)*[\)\]]\s*$",
    re.IGNORECASE,
)
# After a separator: " - IN PROGRESS", " — **COMPLETE**", " · NEXT", ": DONE".
_SEP_TAG = re.compile(
    rf"(?:\s+[-–—·|:]\s*|\s+)(?P<tag>(?:\*\*|__)?(?P<word>{_WORDS})(?:\*\*|__)?"
    rf"(?:\s*[-–—:+]\s*[^()]*|\s*\([^()]*\))?)\s*$",
    re.IGNORECASE,
)
_MARK_AT_END = lazy(rf"(?P<mark>{_MARKS})\uFE0F?\s*$")
_MARK_AT_START = lazy(rf"^(?P<mark>{_MARKS})\uFE0F?\s*")
_TRAILING_PERCENT = re.compile(
    r"(?:\s*[-–—·:]\s*|\s+)\(?\s*(?P<pct>\d{1,3}(?:\.\d+)?)\s*%\s*(?:complete|done)?\s*\)?\s*$",
    re.IGNORECASE,
)
_PAREN_PERCENT = re.compile(
    r"\s*\(\s*(?P<pct>\d{1,3}(?:\.\d+)?)\s*%(?:\s*(?:complete|completed|done))?\s*\)\s*$",
    re.IGNORECASE,
)
_PAREN_PHASE = re.compile(r"\s*\(\s*(?P<phase>phase\s+[\w.\-]+)\s*\)\s*$", re.IGNORECASE)
# The last characters _MARK_AT_END and _PAREN_TAG can end with (see strip_trailers).
_MARK_LAST = frozenset(mark[-1] for mark in STATUS_MARKS) | {"\ufe0f"}
_PAREN_LAST = frozenset(")]")

PERCENT = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d+)?)\s?%")
COUNT = re.compile(r"(?<![\w./])(\d+)\s*/\s*(\d+)(?![\w/]|\.\d)")

CHECKBOX = re.compile(r"^\[(?P<mark> |x|X|~|-|/|✅|✓|✔|✔️|☑|☑️)\](?:\s+|$)")
_BOX_STATE = {
    " ": "unchecked",
    "x": "checked",
    "X": "checked",
    "~": "partial",
    "-": "partial",
    "/": "partial",
}

LIST_MARKER = re.compile(r"^(?P<indent>[ \t]*)(?P<bullet>[-*+]|\d{1,9}[.)])(?P<space>[ \t]+|$)")
ATX_HEADING = re.compile(r"^(?P<indent> {0,3})(?P<hashes>#{1,6})(?:[ \t]+|$)")

# "**Goal:** text", "**Goal**: text", "__Goal:__", "*Goal:*", "Goal: text".
_BOLD_LABEL = re.compile(
    r"^(?P<open>\*\*|__|\*|_)(?P<label>[^*_:\n]{1,60}?)\s*(?::(?P=open)|(?P=open)\s*:)(?P<rest>.*)$"
)
_PLAIN_LABEL = re.compile(r"^(?P<label>[A-Z][A-Za-z0-9 /&'()\-]{0,40}?)\s*:(?P<rest>(?:\s.*)?)$")


@dataclass(frozen=True, slots=True)
class Label:
    """A label found at the start of a line fragment."""

    label: str
    label_start: int
    label_end: int
    value_start: int
    bold: bool


_BOLD_ONLY = re.compile(r"^(?P<open>\*\*|__)(?P<label>[^*_:\n]{1,60}?)(?P=open)\s*$")


def find_label(text: str, offset: int = 0, *, known: Container[str] = ()) -> Label | None:
    """Find a ``**Label:**``-style or ``Label:``-style label at the start of ``text``.

    A bold phrase alone on its line (``**Acceptance criteria**``) counts only when its
    lower-cased words are in ``known``.
    """
    m = _BOLD_ONLY.match(text)
    if m is not None:
        raw = m.group("label").strip()
        if " ".join(raw.lower().split()) in known:
            start = m.start("label")
            return Label(raw, offset + start, offset + start + len(raw), offset + len(text), True)
        return None
    m = _BOLD_LABEL.match(text)
    if m is not None:
        raw = m.group("label")
        start = m.start("label")
        value_start = m.start("rest")
        while value_start < len(text) and text[value_start] == " ":
            value_start += 1
        return Label(
            raw.strip(),
            offset + start,
            offset + start + len(raw.rstrip()),
            offset + value_start,
            True,
        )
    m = _PLAIN_LABEL.match(text)
    if m is not None:
        raw = m.group("label")
        if "http" in raw.lower() or len(raw.split()) > 5:
            return None
        value_start = m.start("rest")
        while value_start < len(text) and text[value_start] == " ":
            value_start += 1
        return Label(raw.strip(), offset, offset + len(raw.rstrip()), offset + value_start, False)
    return None


def status_of_word(word: str) -> Status | None:
    """The status a tag word stands for (case-insensitive)."""
    return _STATUS_WORDS.get(" ".join(word.lower().split()))


@dataclass(frozen=True, slots=True)
class Trailer:
    """Something stripped from the end of an item or heading: a tag, a mark, a percent."""

    kind: str  # "tag" | "mark" | "percent" | "phase"
    start: int
    end: int
    raw: str
    status: Status | None = None
    value: float | None = None


def strip_trailers(text: str, *, strict_words: bool = True) -> tuple[int, list[Trailer]]:
    """Peel status tags, marks, phase notes and percentages off the end of ``text``.

    Returns the end of the remaining name and the trailers, outermost first. ``strict_words``
    requires a bare separator tag to be upper case (``- IN PROGRESS``) so that ordinary words
    at the end of a name (``Foundation Complete``) stay part of it.
    """
    end = len(text.rstrip())
    trailers: list[Trailer] = []
    for _ in range(6):
        head = text[:end]
        # ``head`` ends in a non-space, and each pattern but _SEP_TAG only matches when that
        # last character is one it ends with (or, for _TRAILING_PERCENT, holds a "%"): the
        # searches that cannot match are skipped.
        last = head[-1:]
        m = _MARK_AT_END().search(head) if last in _MARK_LAST else None
        if m is not None and m.start() > 0:
            mark = m.group("mark")
            trailers.append(Trailer("mark", m.start(), end, mark, STATUS_MARKS[mark]))
            end = len(head[: m.start()].rstrip())
            continue
        m = _PAREN_PERCENT.search(head) if last == ")" else None
        if m is not None and m.start() > 0:
            trailers.append(
                Trailer(
                    "percent",
                    m.start("pct"),
                    m.end("pct") + 1,
                    m.group("pct") + "%",
                    value=float(m.group("pct")),
                )
            )
            end = len(head[: m.start()].rstrip())
            continue
        m = _PAREN_TAG.search(head) if last in _PAREN_LAST else None
        if m is not None and m.start() > 0:
            status = status_of_word(m.group("word"))
            tag_start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
            trailers.append(Trailer("tag", tag_start, end, head[tag_start:end], status))
            end = len(head[: m.start()].rstrip())
            continue
        m = _PAREN_PHASE.search(head) if last == ")" else None
        if m is not None and m.start() > 0:
            trailers.append(Trailer("phase", m.start("phase"), m.end("phase"), m.group("phase")))
            end = len(head[: m.start()].rstrip())
            continue
        m = _SEP_TAG.search(head)
        if m is not None and m.start() > 0:
            word = m.group("word")
            bold = m.group("tag").startswith(("**", "__"))
            separated = bool(re.match(r"\s+[-–—·|:]", head[m.start() :]))
            if (
                (word.isupper() and (separated or len(word) > 3))
                or (bold and separated)
                or (not strict_words and separated)
            ):
                trailers.append(
                    Trailer(
                        "tag", m.start("tag"), end, head[m.start("tag") : end], status_of_word(word)
                    )
                )
                end = len(head[: m.start()].rstrip())
                continue
        m = _TRAILING_PERCENT.search(head) if "%" in head else None
        if m is not None and m.start() > 0 and re.match(r"\s*[-–—·:]", head[m.start() :]):
            trailers.append(
                Trailer(
                    "percent",
                    m.start("pct"),
                    m.end("pct") + 1,
                    m.group("pct") + "%",
                    value=float(m.group("pct")),
                )
            )
            end = len(head[: m.start()].rstrip())
            continue
        break
    return end, trailers


_EMPHASIS = re.compile(r"(\*\*|__|~~|`)")
_QUOTES = "\"'“”‘’«»`"
_PREFIX = re.compile(
    r"^(?:(?:milestone|deliverable|task|phase)\s+)?(?:[md]?\d+(?:\.\d+)*[a-z]?)\s*[:.)\-–—]\s+",
    re.IGNORECASE,
)
_KIND_PREFIX = re.compile(r"^(?:milestone|deliverable)\s*[:\-–—]\s*", re.IGNORECASE)


@lru_cache(maxsize=1 << 16)
def normalize_name(name: str) -> str:
    """The form in which names are compared: case, quotes, emphasis, prefixes and tags removed."""
    # Memoised: rules and the workspace index normalise the same names on every keystroke.
    text = _EMPHASIS.sub("", name).strip()
    end, _ = strip_trailers(text, strict_words=False)
    text = text[:end]
    text = _KIND_PREFIX.sub("", text)
    text = _PREFIX.sub("", text)
    text = text.strip().strip(_QUOTES).strip()
    text = re.sub(r"\s+", " ", text).rstrip(" .:;,").lower()
    return text


@lru_cache(maxsize=1 << 15)
def clean_inline(text: str) -> str:
    """Drop emphasis markers from inline text, keeping its words."""
    # Memoised: the rules clean the same lines and headings again on every keystroke.
    return _EMPHASIS.sub("", text).strip()


_FRONT_KEY = lazy(r"^(?P<key>[A-Za-z][\w -]*?)\s*:\s+(?P<value>\S.*?)\s*$")


def front_matter_values(lines: list[str], end: int) -> dict[str, tuple[int, int, str]]:
    """The top-level ``key: value`` scalars of a front-matter block ending at ``end`` (see
    :func:`front_matter_end`): lower-cased key → (line, value column, value). Quotes around a
    value are dropped; nested, block and list values are not read."""
    out: dict[str, tuple[int, int, str]] = {}
    for number in range(1, max(end - 1, 1)):
        m = _FRONT_KEY().match(lines[number])
        if m is None:
            continue
        value, start = m.group("value"), m.start("value")
        if value[:1] in "|>[{&*!#":
            continue
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value, start = value[1:-1], start + 1
        out.setdefault(m.group("key").strip().lower(), (number, start, value))
    return out


def front_matter_end(lines: list[str]) -> int:
    """The line after a YAML front-matter block (``---`` … ``---``/``...``), or 0 without one."""
    if not lines or lines[0].strip() != "---":
        return 0
    for number in range(1, min(len(lines), 500)):
        if lines[number].strip() in ("---", "..."):
            return number + 1
    return 0
