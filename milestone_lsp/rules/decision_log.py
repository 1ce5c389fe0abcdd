"""A gate decision that names no approver, in a log whose other entries name theirs (MS503).

A decision log is often a list rather than headings: each top-level entry opens with a date
and a bold label (``- **2026-01-07 — Decision:** PASS (GO) for Phase 2``) and carries nested
bold fields (``- **Why:** …``, ``- **Decider:** Council``, ``- **Evidence:** …``). When the
log records who decided, an entry that passes a gate or grants an approval without saying who
— and whose evidence cites no review, ruling or sign-off either — is a gate nobody can be
shown to have approved.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Container, Iterable
from dataclasses import dataclass, field

from milestone_lsp.core.findings import Finding, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.partscan import scan_by_part
from milestone_lsp.core.positions import Range
from milestone_lsp.rules.registry import RuleContext, matching_lines, rule

_ENTRY = re.compile(
    r"^[-*+]\s+\*\*\s*\[?(?P<date>\d{4}-\d{2}-\d{2})\]?\s*(?:[-–—:|]\s*)?"
    r"(?:decision|decided|ruling|approval)?\s*:?\s*\*\*\s*:?\s*(?P<title>\S.*)$",
    re.IGNORECASE,
)
# The bold date every entry opens with: the scan for the lines that may start one. It begins
# with a literal "**", which a scan of the text finds fast.
_DATE = re.compile(r"\*\*[^\S\n]*\[?\d{4}-\d{2}-\d{2}")
_SUB = lazy(r"^\s+[-*+]\s+\*\*(?P<label>[^*:]{1,40}?)\s*:?\s*\*\*\s*:?\s*(?P<value>.*)$")
_WHO = lazy(
    r"(?i)^(?:decider|decided\s+by|decision\s+maker|approver|approved\s+by|approval\s+by"
    r"|signed[\s-]off\s+by|sign[\s-]off|owner|authority)$"
)
# A title that passes a gate or grants an approval.
_GATE = lazy(
    r"\b(?:GO|PASS)\b|(?i:\bgate\b|\bapprov(?:e|ed|al)\b|\bsign[\s-]?off\b|\bgo[\s/-]live\b)"
)
# Evidence that is itself the record of a decider: a ruling, a review, minutes, a sign-off.
_RECORD = lazy(r"(?i)rul(?:ing|ed)|review|approv|sign[\s_-]?off|minutes|council|vote")


@dataclass(slots=True)
class _Entry:
    line: int
    title: str
    title_range: Range
    fields: dict[str, str] = field(default_factory=dict)


def _entries(ctx: RuleContext) -> list[_Entry]:
    doc, lines = ctx.doc, ctx.lines
    fenced = doc.fenced_lines

    def scan(lines: list[str], start: int, end: int) -> list[_Entry]:
        return _entries_in(lines, start, end, fenced)

    # An entry runs until a top-level line that is not one of its fields. Each part after the
    # first starts with a heading; one that starts in the first column ends the entry before
    # it, so the entries of each part are its own (core/partscan.py). An indented heading may
    # not: then the document is read whole.
    if doc.parts and all(lines[at][:1].strip() for at in doc.part_starts[1:]):
        return scan_by_part(doc, "MS503 entries", scan)
    return scan(lines, 0, len(lines))


def _entries_in(lines: list[str], start: int, end: int, fenced: Container[int]) -> list[_Entry]:
    """The dated decision entries that start on lines ``start``..``end``, with their fields."""
    out: list[_Entry] = []
    current: _Entry | None = None
    dated = matching_lines(lines, start, end, _DATE)  # the lines an entry may start on
    at = 0
    number = start
    while number < end:
        if current is None:
            # Outside an entry nothing but the next entry counts: go to the next dated line.
            at = bisect_left(dated, number, at)
            if at == len(dated):
                break
            number = dated[at]
        line, number = number, number + 1
        raw = lines[line]
        if line in fenced:
            continue
        m = _ENTRY.match(raw)
        if m is not None:
            title = m.group("title").rstrip()
            current = _Entry(
                line, title, Range.of(line, m.start("title"), line, m.start("title") + len(title))
            )
            out.append(current)
            continue
        if current is None:
            continue
        sub = _SUB().match(raw)
        if sub is not None:
            label = " ".join(sub.group("label").split()).lower()
            current.fields.setdefault(label, sub.group("value").strip())
        elif raw.strip() and not raw[:1].isspace():
            current = None  # a top-level line that is not an entry ends the last one
    return out


def has_entries(ctx: RuleContext) -> bool:
    """Whether the document holds a list-form dated decision log."""
    return bool(_entries(ctx))


def _who(entry: _Entry) -> str | None:
    for label, value in entry.fields.items():
        if _WHO().match(label) and value.strip(" -—–*_"):
            return value
    return None


@rule(
    "MS503",
    "gate-decision-without-decider",
    Severity.WARNING,
    "A gate or approval decision names no decider, while the log's other entries do.",
)
def gate_decision_without_decider(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    In a decision log written as a list of dated entries (`- **2026-01-07 — Decision:** …`
    with nested `- **Decider:** …` fields), an entry that passes a gate or grants an approval
    (GO, PASS, gate, approve, sign-off in its title) with no Decider / Approved by / Sign-off
    field, while at least two other entries of the log name theirs. An entry whose Evidence
    cites a ruling, a review, minutes or a sign-off is not reported: that record names the
    approver.

    Why:
    Approval Gates: phase transitions and major milestones wait for explicit approval, logged
    in DECISIONS.md. A gate passed with no named approver, in a log that names them
    elsewhere, cannot be traced to the person who gave consent.

    Example that fires:
    `- **2026-01-07 — Decision:** PASS (GO) for the Phase 2 gate` with only `**Why:**` and
    `**Evidence:** build.zip` under it, while two other entries have `**Decider:** Council`.

    Example that does not:
    The same entry with `- **Decider:** CEO`, or with `**Evidence:** [Council ruling](…)`.

    Fix safety:
    No fix: who approved is for the author to record.
    """
    entries = _entries(ctx)
    if len(entries) < 3:
        return
    named = [e for e in entries if _who(e) is not None]
    for entry in entries:
        if _who(entry) is not None or not _GATE().search(entry.title):
            continue
        others = [e for e in named if e is not entry]
        if len(others) < 2:
            continue
        evidence = " ".join(v for k, v in entry.fields.items() if "evidence" in k or "ref" in k)
        if _RECORD().search(evidence):
            continue
        yield ctx.finding(
            f"This gate decision names no decider, while {len(others)} of the log's "
            f"{len(entries)} entries do (line {others[0].line + 1}), and its evidence cites no "
            f"review, ruling or sign-off. Add a Decider line naming who approved it",
            entry.title_range,
        )
