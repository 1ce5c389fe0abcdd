"""A document that states two different dates for its own last update (MS307).

Status documents carry a "Last updated" field in their header and often again in their footer.
When the two name different days, a reader cannot tell how current the figures between them are.
Only fields of the document as a whole are compared: the header (before the first second-level
heading) and the footer (the last few lines). A section's own "Updated" date, a changelog entry
or a dated report inside the document describe that part, not the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from milestone_lsp.core.findings import Finding, Related, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.positions import Range
from milestone_lsp.rules.registry import RuleContext, rule

# Words for "last updated" in the languages plan documents are written in. The label is the
# whole field name: "Last updated", "Date updated", "Updated on"; a bare "Date" is not an update.
_LABEL = re.compile(
    r"(?ix)^(?:"
    r"last[ \t-]*(?:updated|update|modified|revised|changed)(?:[ \t]+(?:on|at))?"
    r"|(?:date[ \t]+)?updated(?:[ \t]+(?:on|at))?|update[ \t]+date|date[ \t]+of[ \t]+update"
    r"|zuletzt[ \t]+aktualisiert(?:[ \t]+am)?|letzte[ \t]+aktualisierung|aktualisiert(?:[ \t]+am)?"
    r"|derni[eè]re[ \t]+mise[ \t]+[aà][ \t]+jour|mis[ \t]+[aà][ \t]+jour(?:[ \t]+le)?"
    r"|[uú]ltima[ \t]+(?:actualizaci[oó]n|atualiza[cç][aã]o)|actualizado|atualizado"
    r"|ultimo[ \t]+aggiornamento|aggiornato(?:[ \t]+il)?"
    r"|(?:дата[ \t]+)?(?:оновлення|обновления)|останнє[ \t]+оновлення|оновлено"
    r"|последнее[ \t]+обновление|обновлено"
    r")$"
)
# A field line: optional quote / list marker, the label (bold or not), a colon, the value.
_FIELD = re.compile(
    r"^[ \t]*(?:>[ \t]*)*(?:[-*+][ \t]+)?(?P<open>\*\*|__|\*|_)?[ \t]*"
    r"(?P<label>[^\W\d_][^:*_\n]{1,40}?)[ \t]*(?::[ \t]*(?P=open)|(?P=open)[ \t]*:)[ \t]*"
    r"(?P<value>.+?)[ \t]*$"
)
_FIELD_NO_EMPHASIS = re.compile(
    r"^[ \t]*(?:>[ \t]*)*(?:[-*+][ \t]+)?[*_]?(?P<label>[^\W\d_][^:*_\n]{1,40}?)[ \t]*:[ \t]*"
    r"(?P<value>.+?)[ \t]*$"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ISO = re.compile(r"(?<![\d-])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d-])")
_MONTH_FIRST = re.compile(
    rf"(?i)\b(?P<mon>{_MONTH})\.?[ \t]+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?[ \t]+(?P<y>\d{{4}})\b"
)
_DAY_FIRST = re.compile(
    rf"(?i)\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[ \t]+(?P<mon>{_MONTH})\.?,?[ \t]+(?P<y>\d{{4}})\b"
)
# Lines at the end of the document that still count as its footer.
_FOOTER_LINES = 8


@dataclass(frozen=True, slots=True)
class _Stamp:
    line: int
    day: date
    range: Range  # the date as written


def _parse_date(value: str) -> tuple[date, int, int] | None:
    """The one date a field value states, with its span; None for none or several."""
    found: list[tuple[date, int, int]] = []
    for pattern in (_ISO, _MONTH_FIRST, _DAY_FIRST):
        for m in pattern.finditer(value):
            month = int(m.group("m")) if "m" in m.groupdict() else _MONTHS[m.group("mon").lower()]
            try:
                day = date(int(m.group("y")), month, int(m.group("d")))
            except ValueError:
                continue
            found.append((day, m.start(), m.end()))
    days = {d for d, _, _ in found}
    if len(days) != 1:
        return None
    return min(found, key=lambda f: f[1])


def _stamp(line: int, text: str) -> _Stamp | None:
    m = _FIELD.match(text) or _FIELD_NO_EMPHASIS.match(text)
    if m is None:
        return None
    label = re.sub(r"[ \t]+", " ", m.group("label").strip(" \t*_"))
    # A leading emoji or mark before the label ("📅 Last updated").
    label = re.sub(r"^[^\w]+", "", label)
    if not _LABEL.match(label):
        return None
    value = m.group("value")
    parsed = _parse_date(value)
    if parsed is None:
        return None
    day, start, end = parsed
    base = m.start("value")
    return _Stamp(line, day, Range.of(line, base + start, line, base + end))


_LIST_ITEM = lazy(r"^[ \t]*(?:>[ \t]*)*(?:[-*+]|\d{1,4}[.)])[ \t]")


def _stamps(ctx: RuleContext, numbers: Iterable[int], header_end: int) -> Iterator[_Stamp]:
    doc = ctx.doc
    lines = ctx.lines
    for number in numbers:
        text = lines[number]
        if number in doc.fenced_lines or number in doc.comment_lines or ":" not in text:
            continue
        if text.lstrip().startswith(("|", "#")):
            continue
        if number >= header_end and _LIST_ITEM().match(text):
            continue  # a list at the end is a revision history, not the document's date
        s = _stamp(number, text)
        if s is not None:
            yield s


def _document_level(ctx: RuleContext) -> tuple[list[int], int]:
    """The lines of the header (before the first second-level heading) and of the footer."""
    lines = ctx.lines
    heads = [
        h.range.start.line
        for h in ctx.doc.headings
        if h.level >= 2 and h.range.start.line not in ctx.doc.fenced_lines
    ]
    header_end = heads[0] if heads else len(lines)
    last = len(lines) - 1
    while last > 0 and not lines[last].strip():
        last -= 1
    footer_start = last - _FOOTER_LINES + 1
    if heads:
        footer_start = max(footer_start, heads[-1] + 1)
    footer_start = max(footer_start, header_end)
    return [*range(header_end), *range(footer_start, last + 1)], header_end


@rule(
    "MS307",
    "conflicting-update-dates",
    Severity.WARNING,
    "A document's header and footer give different dates for its last update.",
)
def conflicting_update_dates(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A document that gives two different dates for its own last update: a "Last updated",
    "Updated", "Last modified" field (or the same label in German, French, Spanish,
    Portuguese, Italian, Ukrainian or Russian) in its header — before the first second-level
    heading — and another one in the header or in its footer (its last lines) that names
    another day. The finding is on the later field, with the earlier one as related
    information. Dates are read as `2025-11-26`, `November 26, 2025` or `26 Nov 2025`; a time
    of day after the date is ignored.

    Not compared: dates inside a section (a milestone's own "Updated" field, a changelog
    entry, a dated report), list items in the footer (a revision history), "Created" or
    "Date" fields, tables and fenced code, and dates written with slashes or dots, whose day
    and month order cannot be told apart.

    Why:
    "Progress Tracking" relies on STATUS.md being current; a reader judges how current it is
    by its update date, and two dates leave them guessing which part was updated when.

    Example that fires:
    ```markdown
    **Last Updated:** 2025-12-08

    ## Progress
    …

    Last updated: 2025-11-09
    ```

    Example that does not:
    the same date in both places, or a single date.

    Fix safety:
    No fix: which date is right depends on when the figures were last checked.
    """
    numbers, header_end = _document_level(ctx)
    stamps = list(_stamps(ctx, numbers, header_end))
    if len(stamps) < 2:
        return
    first = stamps[0]
    for other in stamps[1:]:
        if other.day == first.day:
            continue
        yield ctx.finding(
            f"This update date ({other.day.isoformat()}) differs from the one on line "
            f"{first.line + 1} ({first.day.isoformat()}); give the document one update date "
            f"(the date its figures were last checked)",
            other.range,
            related=[
                Related(ctx.doc.path, first.range, f"the document's other update date, {first.day}")
            ],
        )
