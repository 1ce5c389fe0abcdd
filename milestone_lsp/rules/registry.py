"""The rule registry: every rule's code, name, severity, summary, docs and fix safety.

A rule is a function ``(RuleContext) -> Iterable[Finding]`` registered with :func:`rule`. Its
docstring is its documentation (``docs/rules/<CODE>.md`` is generated from it), written in the
sections *What it flags*, *Why*, *Example that fires*, *Example that does not*, *Fix safety*.
"""

from __future__ import annotations

import inspect
import re
from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from milestone_lsp.core.findings import Finding, Fix, Related, Severity
from milestone_lsp.core.model import Document
from milestone_lsp.core.partscan import document_lines, model_by_part, scan_by_part
from milestone_lsp.core.positions import Range, has_cr
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.settings.config import Config

Scope = Literal["document", "workspace"]


# A line that begins with "|" after its indentation: the first line, and any other after its
# line feed (a scan that starts at a line feed stops at few places; "^" would stop at all).
_PIPE_START = re.compile(r"[^\S\n]*\|")
_PIPE_AFTER_EOL = re.compile(r"\n[^\S\n]*\|")


# The lower-cased text of the last whole list of lines asked for, held with that list: the
# checks of one document ask for it many times (callers never change a list of lines).
_last_lowered: tuple[list[str], str] | None = None


def lowered_text(lines: list[str], start: int, end: int) -> str:
    """Lines ``start``..``end`` joined by line feeds, in lower case (the line feeds stay put:
    no character lower-cases to one); the whole document's is made once."""
    global _last_lowered
    if start != 0 or end != len(lines):
        return "\n".join(lines[start:end]).lower()
    last = _last_lowered  # read once: the status report command checks in a worker thread
    if last is not None and last[0] is lines:
        return last[1]
    text = "\n".join(lines).lower()
    _last_lowered = (lines, text)
    return text


# What every ticked line holds in lower case: a ticked box ends in "x]" or holds its mark, and a
# leading tick is one of these marks.
_TICK = re.compile(r"x\]|✅|✓|✔|☑")
# The lines found by the scans for ticks in the latest list of lines, by (start, end): the rules
# that read ticked entries ask for the same lines (of the whole text or of each part) within one
# check. Only one list of lines is held at a time, so that no earlier text is kept alive.
_tick_memo: tuple[list[str], dict[tuple[int, int], list[int]]] | None = None


def tick_rows(lines: list[str], start: int, end: int) -> list[int]:
    """The numbers of the lines ``start``..``end`` that may hold a tick (a superset of the
    ticked entries: each caller reads the line itself), found with one scan of their text and
    remembered for the other callers. The list must not be changed."""
    global _tick_memo
    memo = _tick_memo  # read once: the status report command checks in a worker thread
    if memo is None or memo[0] is not lines:
        memo = (lines, {})
        _tick_memo = memo
    rows = memo[1].get((start, end))
    if rows is None:
        rows = matching_lines(lines, start, end, _TICK)
        memo[1][(start, end)] = rows
    return rows


def _pipe_rows(lines: list[str], start: int, end: int) -> list[int]:
    """The numbers of the lines ``start``..``end`` that begin with ``|`` after their
    indentation. Lower-casing changes neither "|" nor white space: the lower-cased text, which
    the other scans share, will do."""
    text = lowered_text(lines, start, end)
    found = [start] if start < end and _PIPE_START.match(text) else []
    number, previous = start, 0
    for m in _PIPE_AFTER_EOL.finditer(text):
        at = m.start()
        number += text.count("\n", previous, at)  # the line the matched line feed ends
        previous = at
        found.append(number + 1)
    return found


def matching_lines(lines: list[str], start: int, end: int, pattern: re.Pattern[str]) -> list[int]:
    """The numbers of the lines ``start``..``end`` whose lower-cased text matches ``pattern``
    (a test of one line), found with one scan of their text: a per-part scan's first filter."""
    return _matching_lines(lowered_text(lines, start, end), pattern, start)


def _matching_lines(text: str, pattern: re.Pattern[str], first: int) -> list[int]:
    """The numbers (from ``first``) of the lines of ``text`` in which ``pattern`` matches."""
    found: list[int] = []
    number, previous = first, 0
    for m in pattern.finditer(text):
        at = m.start()
        number += text.count("\n", previous, at)  # line breaks between two matches
        previous = at
        if not found or found[-1] != number:
            found.append(number)
    return found


@dataclass(slots=True)
class RuleContext:
    """What a rule sees: the workspace, the document being checked, and the settings."""

    ws: Workspace
    doc: Document
    config: Config
    rule: Rule | None = None
    _lines: list[str] | None = None
    _pipe_lines: list[int] | None = None
    _tick_lines: list[int] | None = None
    _lowered_joined: str | None = None

    @property
    def lines(self) -> list[str]:
        """The document's lines without terminators."""
        if self._lines is None:
            self._lines = document_lines(self.doc)
        return self._lines

    @property
    def pipe_lines(self) -> list[int]:
        """The numbers of the lines that begin with ``|`` after their indentation (table rows
        and look-alikes), in order: the rules that read tables start from these."""
        if self._pipe_lines is None:
            self._pipe_lines = scan_by_part(self.doc, "pipe lines", _pipe_rows)
        return self._pipe_lines

    @property
    def tick_lines(self) -> list[int]:
        """The numbers of the lines that may hold a tick (see :func:`tick_rows`), in order:
        the rules that read ticked entries start from these."""
        if self._tick_lines is None:
            self._tick_lines = scan_by_part(self.doc, "tick lines", tick_rows)
        return self._tick_lines

    def next_pipe_line(self, number: int) -> int:
        """The first line at or after ``number`` that begins with ``|`` (see :attr:`pipe_lines`),
        or the number of lines when there is none: where a table walk goes on from ``number``."""
        pipes = self.pipe_lines
        at = bisect_left(pipes, number)
        return pipes[at] if at < len(pipes) else len(self.lines)

    def lines_matching(self, pattern: re.Pattern[str]) -> list[int]:
        """The numbers of the lines whose lower-cased text matches ``pattern``, in order: one
        scan of the text instead of a search per line.

        ``pattern`` must not match across a line break (it is a test of one line): the text
        is scanned per part of an incrementally parsed document, and after an edit only the
        parts the edit touched are scanned again (:mod:`milestone_lsp.core.partscan`).
        """
        if not self.doc.parts:
            return _matching_lines(self._lower_text(), pattern, 0)

        def scan(lines: list[str], start: int, end: int) -> list[int]:
            return matching_lines(lines, start, end, pattern)

        return scan_by_part(self.doc, f"lines matching {pattern.pattern}", scan)

    def _lower_text(self) -> str:
        """:attr:`lines` joined by line feeds, in lower case (the line feeds stay put: no
        character lower-cases to one)."""
        if self._lowered_joined is None:
            self._lowered_joined = lowered_text(self.lines, 0, len(self.lines))
        return self._lowered_joined

    def finding(
        self,
        message: str,
        range: Range,
        *,
        related: Sequence[Related] = (),
        fixes: Sequence[Fix] = (),
        tags: Sequence[Literal["unnecessary", "deprecated"]] = (),
    ) -> Finding:
        """A finding of the running rule in the current document."""
        assert self.rule is not None
        return Finding(
            code=self.rule.code,
            severity=self.rule.severity,
            message=message,
            path=self.doc.path,
            range=range,
            related=list(related),
            fixes=list(fixes),
            tags=list(tags),
        )


RuleFunc = Callable[[RuleContext], Iterable[Finding]]
SectionKey = Callable[[RuleContext], Hashable]
Facts = Callable[[Document, list[str]], Hashable]


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered rule."""

    code: str
    name: str
    severity: Severity
    summary: str
    fix: Literal["safe", "unsafe"] | None
    scope: Scope
    check: RuleFunc = field(compare=False)
    # Set for rules whose findings in a section depend only on that section's lines and model
    # (and the settings): the engine then caches them per section, and re-checks only the
    # sections an edit touched. The function returns whatever else the findings depend on
    # (the document's line endings, a workspace fact), computed once per check.
    section_key: SectionKey | None = field(default=None, compare=False)
    # Set for rules that read the whole document (and the workspace) but whose findings depend
    # only on a few facts of each part, such as its names and links: the facts of one part (or
    # of a document without parts), read from the part's model and lines. The engine re-uses
    # the findings of the last check of the document while every part's facts are equal, the
    # other documents of the workspace are the same objects and the settings are the same.
    facts: Facts | None = field(default=None, compare=False)

    @property
    def doc(self) -> str:
        """The rule's documentation (its function's docstring)."""
        return inspect.cleandoc(self.check.__doc__ or "")


RULES: dict[str, Rule] = {}


def rule(
    code: str,
    name: str,
    severity: Severity,
    summary: str,
    *,
    fix: Literal["safe", "unsafe"] | None = None,
    scope: Scope = "document",
    section_key: SectionKey | None = None,
    facts: Facts | None = None,
) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule function under a stable code."""

    def register(func: RuleFunc) -> RuleFunc:
        if code in RULES:
            raise ValueError(f"duplicate rule code {code}")
        RULES[code] = Rule(code, name, severity, summary, fix, scope, func, section_key, facts)
        return func

    return register


def no_section_key(ctx: RuleContext) -> None:
    """For a section-local rule that depends on nothing but the section and the settings."""
    return None


def line_ending_key(ctx: RuleContext) -> tuple[bool, bool, bool]:
    """For a section-local rule whose fixes are written with the document's line endings."""
    text = ctx.doc.text
    cr = has_cr(text)  # remembered per text: a text without one is read whole to know it
    return (cr and "\r\n" in text, cr, "\n" in text)


def heading_facts(doc: Document) -> list[Hashable]:
    """Per part, every heading's line, level, text, text range and whether it is fenced: what
    the structure of sections is made from. Read again only for the parts an edit touched, so
    a rule can tell cheaply that an edit changed no heading (the lists are then equal)."""
    fenced = doc.fenced_lines

    def read(part: Document) -> list[Hashable]:
        return [
            tuple(
                (h.range.start.line, h.level, h.text, h.text_range, h.range.start.line in fenced)
                for h in part.headings
            )
        ]

    return model_by_part(doc, "heading facts", read)
