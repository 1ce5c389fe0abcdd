"""Headings meant as milestones or deliverables that the parser cannot read (MS004).

A heading is read as a milestone or a deliverable by its first word (``## Milestone 2: Search``,
``### Deliverable 1.2 — Index``). One typo in that word and the whole definition disappears: its
criteria are not counted, its progress not shown, references to it are unknown. This rule finds
such headings by the shape around the word (a number or a name after a colon or dash) and the
word's small distance from a kind word, and offers the respelling.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.findings import Finding, Fix, Severity
from milestone_lsp.core.positions import Range
from milestone_lsp.rules.registry import RuleContext, no_section_key, rule

# The kind words a heading starts with, singular: the plural heads a list, not a definition.
_KINDS = ("milestone", "deliverable")
# Real words close to a kind word that are not typos of it.
_NOT_TYPOS = frozenset({"millstone", "millstones", "deliverables", "milestones"})
# Heading text: a word, then what a definition heading carries after its kind word — an optional
# number and a separator before a name (``Milstone 2: Search``, ``Delivrable — Index``).
_SHAPE = re.compile(
    r"^(?P<word>[A-Za-z]{6,14})(?P<tail>\s*(?:[A-Za-z]?\d+(?:\.\d+)*[a-z]?)?\s*(?:[:.]|\s[-–—]|[-–—])\s*\S.*)$"
)
# Leading emphasis the parser drops too (``**Milstone: X**``).
_EMPHASIS = re.compile(r"^(?:\*\*|__|\*|_)")


def _distance(a: str, b: str) -> int:
    """Levenshtein distance, with adjacent transpositions counting once (small strings only)."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, rows[-2][j - 2] + 1)
            row.append(cost)
        rows.append(row)
    return rows[-1][-1]


def kind_meant(word: str) -> str | None:
    """The kind word a misspelt heading word stands for (``Milstone`` → ``milestone``), if any.

    At most two edits away (one for words shorter than eight letters), sharing the kind word's
    first letter: ``Mielstone`` and ``Delivrable`` are meant, ``Millstone`` and ``Deliveries``
    are words of their own.
    """
    low = word.lower()
    if low in _KINDS or low in _NOT_TYPOS:
        return None
    for kind in _KINDS:
        if low[0] != kind[0] or abs(len(low) - len(kind)) > 2:
            continue
        budget = 1 if len(low) < 8 else 2
        if _distance(low, kind) <= budget:
            return kind
    return None


def _respell(original: str, kind: str) -> str:
    if original.isupper():
        return kind.upper()
    if original[:1].isupper():
        return kind.capitalize()
    return kind


@rule(
    "MS004",
    "misspelled-kind",
    Severity.WARNING,
    "A heading starts with a misspelling of 'Milestone' or 'Deliverable', so it is not read.",
    fix="safe",
    # A heading's finding reads the heading, its line and whether it heads a definition: all
    # of one section.
    section_key=no_section_key,
)
def misspelled_kind(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A heading shaped like a milestone or deliverable definition — a word, an optional number, a
    colon or dash, a name — whose first word is a small misspelling of `Milestone` or
    `Deliverable`: `## Milstone: Search`, `### Delivrable 2 — Index`. Such a heading is read as
    an ordinary heading, so nothing under it counts: its criteria, progress and references are
    invisible to every other check. Real words that resemble a kind word (`Millstone`), the
    plurals that head lists (`Milestones`), and headings with no name after the separator are
    not reported.

    Why:
    "Milestone Definition › Milestone Template" and "Deliverable Definition › Deliverable
    Template" start each definition with its kind; readers and tools find definitions by it.

    Example that fires:
    ```markdown
    ## Milstone: Search Live
    ```

    Example that does not:
    ```markdown
    ## Millstone Road: site visit
    ```

    Fix safety:
    Safe. The fix replaces the misspelt word with the kind word, in the same capitalisation
    style, and touches nothing else on the line.
    """
    defined = {m.heading.range.start.line for m in ctx.doc.milestones}
    defined |= {d.heading.range.start.line for d in ctx.doc.deliverables}
    for heading in ctx.doc.headings:
        line = heading.range.start.line
        if line in defined or line in ctx.doc.fenced_lines:
            continue
        text = heading.text
        lead = _EMPHASIS.match(text)
        offset = lead.end() if lead else 0
        shape = _SHAPE.match(text[offset:])
        if shape is None:
            continue
        word = shape.group("word")
        kind = kind_meant(word)
        if kind is None:
            continue
        source = ctx.lines[line]
        start = heading.text_range.start.character + offset
        if source[start : start + len(word)] != word:
            continue  # the heading's text is not verbatim on the line: no safe edit
        where = Range.of(line, start, line, start + len(word))
        new = _respell(word, kind)
        message = (
            f"'{word}' looks like a misspelling of '{new}'; as written, this heading is not read "
            f"as a {kind}, so nothing under it is checked or counted. Rename it to '{new}'"
        )
        fix = Fix(f"Rename to '{new}'", (TextEdit(ctx.doc.path, where, new),), "safe")
        yield ctx.finding(message, where, fixes=[fix])
