"""markdown-it-py blocks → the document model, in one pass over the blocks.

markdown-it-py (via :mod:`milestone_lsp.core.blocks`) says which lines are headings, list items,
paragraphs, tables and fences; this module reads labels, boxes, tags and numbers inside those
lines and attaches them to the milestone, deliverable, report, decision or STATUS section they
belong to. Fenced code is never content. The parser never raises: what it does not recognise is
simply not modelled.
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import accumulate, chain, islice
from typing import Literal

from milestone_lsp.core.blocks import (
    Block,
    BlockCache,
    Grouping,
    document_blocks,
    grouping,
    regroup,
)
from milestone_lsp.core.model import (
    ClaimSubject,
    Count,
    Decision,
    Deliverable,
    Document,
    Field,
    Heading,
    Item,
    Milestone,
    Percent,
    ProgressClaim,
    Reference,
    RefKind,
    Report,
    ReportKind,
    Section,
    Status,
    StatusSection,
    StatusSectionKind,
    StatusTag,
    Task,
)
from milestone_lsp.core.positions import Range, changed_lines, split_lines
from milestone_lsp.core.syntax import (
    CHECKBOX,
    COUNT,
    LIST_MARKER,
    PERCENT,
    STATUS_MARKS,
    Trailer,
    find_label,
    front_matter_end,
    front_matter_values,
    normalize_name,
    status_of_word,
    strip_trailers,
)

# --- vocabulary ---------------------------------------------------------------------------------

FIELD_ALIASES: dict[str, str] = {
    "goal": "goal",
    "objective": "goal",
    "goals": "goal",
    "objectives": "goal",
    "phase": "phase",
    "target": "target",
    "target date": "target",
    "timeline": "target",
    "due": "target",
    "acceptance criteria": "acceptance_criteria",
    "acceptance criterion": "acceptance_criteria",
    "exit criteria": "acceptance_criteria",
    "completion criteria": "acceptance_criteria",
    "done criteria": "acceptance_criteria",
    "done when": "acceptance_criteria",
    "exit bar": "acceptance_criteria",
    "quality gates": "acceptance_criteria",
    "acceptance tests": "acceptance_criteria",
    "deliverables": "deliverables",
    "value delivered": "value_delivered",
    "value": "value_delivered",
    "approval required": "approval_required",
    "approval": "approval_required",
    "owner": "owner",
    "owners": "owner",
    "scope": "scope",
    "output": "output",
    "outputs": "output",
    "success criteria": "success_criteria",
    "definition of done": "success_criteria",
    "dod": "success_criteria",
    "testing": "testing",
    "dependencies": "dependencies",
    "depends on": "dependencies",
    "contributes to": "contributes_to",
    "status": "status",
    "progress": "progress",
    "overall": "overall",
    "overall progress": "overall",
    "current milestone": "current_milestone",
    "current phase": "current_phase",
    "current deliverable": "current_deliverable",
    "milestone": "milestone",
    "deliverable": "deliverable",
    "milestones": "milestones",
    "context": "context",
    "evidence": "evidence",
    "decision": "decision",
    "next milestone": "next_milestone",
    "next": "next",
    "last updated": "last_updated",
    "updated": "last_updated",
    "tasks": "tasks",
    "summary": "summary",
    "blockers": "blockers",
    "next steps": "next_steps",
    "test status": "test_status",
    "test results": "test_results",
    "tests": "tests",
}

CANONICAL_LABELS: dict[str, str] = {
    "goal": "Goal",
    "phase": "Phase",
    "target": "Target",
    "acceptance_criteria": "Acceptance Criteria",
    "deliverables": "Deliverables",
    "value_delivered": "Value Delivered",
    "approval_required": "Approval Required",
    "owner": "Owner",
    "scope": "Scope",
    "output": "Output",
    "success_criteria": "Success Criteria",
    "testing": "Testing",
    "dependencies": "Dependencies",
    "contributes_to": "Contributes To",
}

CATEGORIES = {"functional", "testing", "documentation", "quality", "performance", "security"}
_KNOWN_BOLD = frozenset(FIELD_ALIASES) | CATEGORIES
# Fields read from a bold-labelled list entry right under a definition heading.
_LIST_FIELD_KEYS = frozenset({"status", "dependencies"})

_MILESTONE_HEAD = re.compile(
    r"^milestone\s*(?P<num>[A-Za-z]?\d+(?:\.\d+)*[a-z]?)?\s*(?:[:.]|\s[-–—]|\s*[-–—])\s*(?P<name>\S.*)$",
    re.IGNORECASE,
)
_SHORT_MILESTONE = re.compile(
    r"^(?P<num>M\d+(?:\.\d+)*[a-z]?)\s*(?::|\s[-–—·|]|\.)\s*(?P<name>\S.*)$"
)
_DELIVERABLE_HEAD = re.compile(
    r"^deliverable\s*(?P<num>[A-Za-z]?\d+(?:\.\d+)*[a-z]?)?\s*(?:[:.]|\s[-–—]|\s*[-–—])\s*(?P<name>\S.*)$",
    re.IGNORECASE,
)
_SHORT_DELIVERABLE = re.compile(r"^(?P<num>D\d+(?:\.\d+)*)\s*(?::|\s[-–—·|])\s*(?P<name>\S.*)$")
_REPORT_HEAD = re.compile(
    r"^(?P<kind>milestone|deliverable)\s+(?P<what>verification|status(?:\s+report)?|complete|completion)"
    r"\s*[:\-–—]\s*(?P<name>\S.*)$",
    re.IGNORECASE,
)
_TASK = re.compile(r"^task\s+(?P<num>\d+(?:\.\d+)*)\s*[:\-–—.]?\s*(?P<name>.*)$", re.IGNORECASE)
_DATE_HEAD = re.compile(r"^\[?(?P<date>\d{4}-\d{2}-\d{2})\]?\s*(?:[:\-–—|]\s*)?(?P<title>\S.*)?$")
_QUOTED = re.compile(r"[\"“”'‘’«»]([^\"“”'‘’«»]+)[\"“”'‘’«»]")
_APPROVAL_TITLE = re.compile(
    r"^(?:milestone\s*[:\-–—]?\s*)?(?P<name>.+?)\s+(?:milestone\s+)?"
    r"(?P<verb>approved|approval|rejected|conditionally approved|conditional approval)\b",
    re.IGNORECASE,
)
_COMPLETION_TITLE = re.compile(
    r"^(?:milestone\s*[:\-–—]?\s*)?(?P<name>.+?)\s+(?P<ms>milestone\s+)?(?P<verb>complete|completed)\s*$",
    re.IGNORECASE,
)
_PHASE_HEAD = re.compile(r"^phase\s+(?P<num>[\w.]+)\b(?P<rest>.*)$", re.IGNORECASE)
# "Phase 2: Search", "Sprint 3 — Sync", "Stage 1 - Pilot", "v1.0 — Launch", "Release 2: X".
_STAGE_HEAD = re.compile(
    r"^(?:(?:phase|sprint|stage|release|iteration)\s+(?P<num>\d+(?:\.\d+)*[a-z]?)"
    r"|(?P<ver>v\d+(?:\.\d+)+))\s*(?::|\s[-–—·|]|\.)\s*(?P<name>\S.*)$",
    re.IGNORECASE,
)

_STATUS_SECTIONS: dict[str, StatusSectionKind] = {
    "current state": "current_state",
    "current status": "current_state",
    "progress": "progress",
    "overall progress": "progress",
    "milestones": "milestones",
    "milestone progress": "milestones",
    "milestone overview": "milestones",
    "deliverables": "deliverables",
    "test status": "test_status",
    "test results": "test_status",
    "tests": "test_status",
    "active workers": "active_workers",
    "workers": "active_workers",
    "next p0": "next_p0",
    "next steps": "next_p0",
}

_REPORT_KINDS: dict[tuple[str, str], ReportKind] = {
    ("milestone", "verification"): "milestone_verification",
    ("deliverable", "verification"): "deliverable_verification",
    ("milestone", "status"): "milestone_status",
    ("milestone", "complete"): "milestone_complete",
    ("milestone", "completion"): "milestone_complete",
    ("deliverable", "status"): "milestone_status",
    ("deliverable", "complete"): "milestone_complete",
    ("deliverable", "completion"): "milestone_complete",
}

_STRICT_REF_FIELDS: dict[str, RefKind] = {
    "contributes_to": "milestone",
    "current_milestone": "milestone",
}
_LOOSE_REF_FIELDS: dict[str, RefKind] = {
    "dependencies": "any",
    "deliverables": "deliverable",
    "current_deliverable": "deliverable",
    "next_milestone": "milestone",
}


_CLOSING_HEADS = (
    _MILESTONE_HEAD,
    _SHORT_MILESTONE,
    _DELIVERABLE_HEAD,
    _SHORT_DELIVERABLE,
    _REPORT_HEAD,
    _DATE_HEAD,
    _STAGE_HEAD,
)

_TABLE_NAME_COLUMNS: tuple[tuple[str, ...], ...] = (
    ("criteri", "requirement"),
    ("check", "gate", "metric", "condition"),
    ("deliverable", "milestone", "task", "item", "name"),
)

# Columns of a criteria table that say how its row is checked: part of the criterion (MS101).
_TABLE_CHECK_COLUMN = re.compile(
    r"(?i)verif|how\s+to|\btests?\b|evidence|method|measure|\btarget|threshold|\bbar\b"
    r"|expected|\blimit\b|pass\s+when"
)
# A cell value that is a date or a period, not a bar (a Target column of dates).
_DATE_CELL = re.compile(
    r"(?i)^(?:\d{4}-\d{2}(?:-\d{2})?|q[1-4](?:\s*\d{4})?|\d{4}\s*q[1-4]|w(?:ee)?k\s*\d+"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?:\s+\d{1,2})?,?(?:\s+\d{4})?"
    r"|tbd|-+|—|n/?a)$"
)

_ATX_OPEN = re.compile(r"^( {0,3})(#{1,6})([ \t]+|$)")
_ATX_CLOSE = re.compile(r"[ \t]+#+[ \t]*$")
_LEAD_MARK = re.compile(r"^((?:✅|✓|✔|☑|❌|⏳|🔄|🚧|🟡|📋|⚠️|⚠)\uFE0F?)\s*")
_LEAD_MARK_FIRST = frozenset("✅✓✔☑❌⏳🔄🚧🟡📋⚠")


def _norm_label(label: str) -> str:
    return " ".join(label.replace("_", " ").replace("*", "").split()).lower().rstrip(":")


class _Builder:
    """Walks the blocks of one document and fills a :class:`Document`."""

    def __init__(self, path: str, text: str, lines: list[str]) -> None:
        self.lines = lines
        self.doc = Document(path=path, text=text, line_count=len(lines))
        self.container: Section | None = None
        self.container_level = 0
        self.field: Field | None = None
        self.category: str | None = None
        self.category_level = 0
        self.deliverable: Deliverable | None = None
        # Whether the open container has content of its own, or only fenced examples: a
        # "Milestone: X" heading that introduces nothing but a code fence is a caption.
        self.has_content = False
        self.has_fence = False
        self.empty: list[Section] = []
        self.fenced: set[int] = set()
        self.comments: set[int] = set()
        # In a per-section build: the deliverable left open by the sections before, which this
        # section must not change (its model is cached and shared).
        self.foreign: Deliverable | None = None
        # A front-matter ``status:`` and the line of the document's first heading, which it
        # describes when that heading opens a milestone or deliverable (a milestone's own file).
        self.front: _Front | None = None

    # -- helpers -------------------------------------------------------------------------------

    def _close_container(self, line: int) -> None:
        container = self.container
        if container is not None:
            container.end_line = max(container.heading.range.start.line, line - 1)
            self._close_field(line)
            if not self.has_content and not container.fields:
                self.empty.append(container)
            if self.has_fence and not self.has_content and not container.fields:
                if isinstance(container, Milestone) and container in self.doc.milestones:
                    self.doc.milestones.remove(container)
                elif isinstance(container, Deliverable) and container in self.doc.deliverables:
                    self.doc.deliverables.remove(container)
                    self.deliverable = None
        self.has_content = False
        self.has_fence = False
        self.container = None
        self.field = None
        self.category = None

    def _close_field(self, line: int) -> None:
        if self.field is not None and self.field.end_line < 0:
            self.field.end_line = max(self.field.line, line - 1)
        self.field = None

    def _add_field(self, fld: Field) -> None:
        target = self.container
        if fld.key is None:
            if target is not None:
                target.unknown_fields.append(fld)
            self.field = fld
            return
        if target is None:
            self.doc.fields.setdefault(fld.key, fld)
        else:
            target.fields.setdefault(fld.key, fld)
        self.field = fld
        self.category = None

    def _heading(self, block: Block) -> Heading:
        line = self.lines[block.start] if block.start < len(self.lines) else ""
        m = _ATX_OPEN.match(line)
        if m is not None:
            start = m.end()
            end = len(line.rstrip())
            closing = _ATX_CLOSE.search(line[start:]) if "#" in line[start:] else None
            if closing is not None:
                end = start + closing.start()
            end = max(start, end)
            marker = m.group(2)
        else:  # setext
            start = len(line) - len(line.lstrip())
            end = len(line.rstrip())
            marker = "="
        return Heading(
            level=block.depth,
            text=line[start:end],
            range=Range.of(block.start, 0, block.start, len(line)),
            text_range=Range.of(block.start, start, block.start, end),
            marker=marker,
        )

    # -- headings ------------------------------------------------------------------------------

    def heading(self, block: Block) -> None:
        h, text, base = self._heading_parts(block)
        self.doc.headings.append(h)
        if not self._consume_heading(h, text, base):
            self._open_heading(h, text, base)

    def _heading_parts(self, block: Block) -> tuple[Heading, str, int]:
        h = self._heading(block)
        text, offset = _strip_emphasis_span(h.text)
        return h, text, h.text_range.start.character + offset

    def _consume_heading(self, h: Heading, text: str, base: int) -> bool:
        """Whether the heading belongs to the open container (a field, category or task)."""
        line = h.range.start.line
        level = h.level
        inside = self.container is not None and level > self.container_level
        if inside and self._sub_heading(h, text, base):
            return True
        if self.category is not None and level <= self.category_level:
            self.category = None

        task = _TASK.match(text)
        if task is not None and self.deliverable is not None and inside:
            if self.deliverable is self.foreign:
                raise _ForeignState
            name_start = base + task.start("name")
            self.deliverable.tasks.append(
                Task(
                    task.group("num"),
                    task.group("name").strip(),
                    h.range,
                    Range.of(line, name_start, line, base + len(text)),
                )
            )
            return True
        return False

    def _open_heading(self, h: Heading, text: str, base: int) -> None:
        """Close the open container and open whatever the heading introduces."""
        line = h.range.start.line
        self._close_container(line)
        report = _REPORT_HEAD.match(text)
        if report is not None:
            report_kind = _REPORT_KINDS.get(
                (report.group("kind").lower(), report.group("what").split()[0].lower()),
                "milestone_status",
            )
            self._open_report(
                h, text, base, report.start("name"), report_kind, report.group("kind")
            )
            return
        for pattern, cls in (
            (_MILESTONE_HEAD, Milestone),
            (_SHORT_MILESTONE, Milestone),
            (_DELIVERABLE_HEAD, Deliverable),
            (_SHORT_DELIVERABLE, Deliverable),
        ):
            m = pattern.match(text)
            if m is None:
                continue
            if cls is Milestone and re.match(r"(?i)^milestones\b", text):
                continue
            self._open_definition(h, text, base, m.start("name"), m.group("num"), cls)
            return
        date = _DATE_HEAD.match(text)
        if date is not None:
            self._open_decision(h, text, base, date)
            return
        stage = _STAGE_HEAD.match(text)
        if stage is not None and self._carries_criteria(h):
            # "## Phase 2: Search" or "## Sprint 3 — Sync" with its own criteria: a milestone
            # in the team's words.
            number = stage.group("num") or stage.group("ver")
            self._open_definition(h, text, base, stage.start("name"), number, Milestone)
            return
        phase = _PHASE_HEAD.match(text)
        key = _norm_label(_strip_trailing_paren(text))
        if phase is not None:
            rest = phase.group("rest").strip().lower()
            kind: StatusSectionKind = "phase_deliverables" if "deliverable" in rest else "phase"
            section = self._open_status(h, text, base, kind)
            section.phase = "Phase " + phase.group("num")
            return
        if key in _STATUS_SECTIONS:
            self._open_status(h, text, base, _STATUS_SECTIONS[key])
            return

    def _carries_criteria(self, h: Heading) -> bool:
        """Whether the lines of a heading's section (up to the next heading of its level or
        higher) hold a criteria label: an Acceptance, Exit or Success Criteria field."""
        line = h.range.start.line
        for number in range(line + 1, min(len(self.lines), line + 400)):
            raw = self.lines[number]
            atx = _ATX_OPEN.match(raw)
            if atx is not None:
                inner = raw[atx.end() :].strip()
                if len(atx.group(2)) <= h.level or any(p.match(inner) for p in _CLOSING_HEADS):
                    return False  # the section ends here: never read past it
                label = _norm_label(_strip_trailing_paren(inner))
            else:
                found = find_label(raw.strip(), known=_KNOWN_BOLD)
                label = _norm_label(found.label) if found is not None else ""
            if FIELD_ALIASES.get(label) in ("acceptance_criteria", "success_criteria"):
                return True
        return False

    def _sub_heading(self, h: Heading, text: str, base: int) -> bool:
        """A heading below the current container: a field, a criteria category, or a report part."""
        assert self.container is not None
        label = _norm_label(_strip_trailing_paren(text))
        line = h.range.start.line
        current = self.field.key if self.field is not None else None
        if (
            label in CATEGORIES
            and current in ("acceptance_criteria", "success_criteria")
            and not (isinstance(self.container, Deliverable) and label == "testing")
        ):
            self.category = label.capitalize()
            self.category_level = h.level
            return True
        key = FIELD_ALIASES.get(label)
        if key is None and isinstance(self.container, StatusSection):
            return False
        if key is None and isinstance(self.container, (Milestone, Deliverable, Report, Decision)):
            if (
                _MILESTONE_HEAD.match(text)
                or _DELIVERABLE_HEAD.match(text)
                or _SHORT_MILESTONE.match(text)
                or _SHORT_DELIVERABLE.match(text)
                or _REPORT_HEAD.match(text)
                or _DATE_HEAD.match(text)
            ):
                return False
            self._close_field(line)
            fld = Field(
                None,
                text.strip(),
                Range.of(line, base, line, base + len(text)),
                line,
                from_heading=True,
            )
            self.container.unknown_fields.append(fld)
            self.field = fld
            return True
        if key is None:
            return False
        self._close_field(line)
        end_name, _ = strip_trailers(text)
        fld = Field(
            key,
            text[:end_name].strip(),
            Range.of(line, base, line, base + end_name),
            line,
            from_heading=True,
        )
        self._add_field(fld)
        return True

    def _name_range(
        self, line: int, text: str, base: int, start: int
    ) -> tuple[str, Range, list[Trailer]]:
        end, trailers = strip_trailers(text)
        name = text[start:end].strip()
        lead = len(text[start:end]) - len(text[start:end].lstrip())
        name = name.strip("\"'“”*_`").strip()
        # "Phase 8: CLI Interface - ✓ COMPLETE": the separator before a tag is not the name's.
        name = name.rstrip(" -–—·|:").strip() or name
        s = base + start + lead
        raw = text[start + lead : end]
        inner = raw.find(name) if name else 0
        s += max(inner, 0)
        return name, Range.of(line, s, line, s + len(name)), trailers

    def _apply_trailers(
        self, section: Section, line: int, base: int, trailers: list[Trailer]
    ) -> None:
        for t in trailers:
            rng = Range.of(line, base + t.start, line, base + t.end)
            if t.kind in ("tag", "mark") and t.status is not None and section.tag is None:
                section.tag = StatusTag(t.status, t.raw, rng)
            elif t.kind == "percent" and t.value is not None and section.claim is None:
                subject: ClaimSubject = "milestone"
                if isinstance(section, Deliverable):
                    subject = "deliverable"
                elif isinstance(section, StatusSection):
                    subject = "phase"
                section.claim = ProgressClaim(
                    subject,
                    section.name if subject != "phase" else getattr(section, "phase", None),
                    section.name_range,
                    rng,
                    percent=Percent(t.value, t.raw, rng),
                )
                self.doc.claims.append(section.claim)

    def _open_definition(
        self, h: Heading, text: str, base: int, start: int, number: str | None, cls: type
    ) -> None:
        line = h.range.start.line
        name, name_range, trailers = self._name_range(line, text, base, start)
        section = cls(name=name, name_range=name_range, heading=h, end_line=line, number=number)
        self._apply_trailers(section, line, base, trailers)
        front = self.front
        if front is not None and front[0] == line and section.tag is None:
            at, column, value, status = front[1:]
            rng = Range.of(at, column, at, column + len(value))
            section.tag = StatusTag(status, value, rng, from_field=True)
        if isinstance(section, Milestone):
            self.doc.milestones.append(section)
            self.deliverable = None
        else:
            assert isinstance(section, Deliverable)
            self.doc.deliverables.append(section)
            self.deliverable = section
        self.container = section
        self.container_level = h.level

    def _open_report(
        self, h: Heading, text: str, base: int, start: int, kind: ReportKind, about: str
    ) -> None:
        line = h.range.start.line
        name, name_range, trailers = self._name_range(line, text, base, start)
        report = Report(name=name, name_range=name_range, heading=h, end_line=line, kind=kind)
        self._apply_trailers(report, line, base, trailers)
        self.doc.reports.append(report)
        self.doc.references.append(
            Reference(
                name,
                name_range,
                "deliverable" if about.lower() == "deliverable" else "milestone",
                "report",
                True,
            )
        )
        self.container = report
        self.container_level = h.level

    def _open_decision(self, h: Heading, text: str, base: int, m: re.Match[str]) -> None:
        line = h.range.start.line
        title = (m.group("title") or "").strip()
        title_start = base + (m.start("title") if m.group("title") else len(text))
        decision = Decision(
            name=title,
            name_range=Range.of(line, title_start, line, title_start + len(title)),
            heading=h,
            end_line=line,
            date=m.group("date"),
            date_range=Range.of(line, base + m.start("date"), line, base + m.end("date")),
        )
        self._classify_decision(decision, title, title_start, line)
        self.doc.decisions.append(decision)
        self.container = decision
        self.container_level = h.level

    def _classify_decision(self, d: Decision, title: str, start: int, line: int) -> None:
        quoted = _QUOTED.search(title)
        lowered = title.lower()
        approval = _APPROVAL_TITLE.match(title)
        completion = _COMPLETION_TITLE.match(title)
        if approval is not None:
            d.kind = "approval"
            verb = approval.group("verb").lower()
            if "conditional" in verb:
                d.outcome = "conditional"
            elif "rejected" in verb:
                d.outcome = "rejected"
            else:
                d.outcome = "approved"
            name, s = approval.group("name"), approval.start("name")
        elif completion is not None:
            d.kind = "completion"
            name, s = completion.group("name"), completion.start("name")
        else:
            if "milestone" not in lowered and quoted is None:
                return
            name, s = (quoted.group(1), quoted.start(1)) if quoted else (title, 0)
        if quoted is not None:
            name, s = quoted.group(1), quoted.start(1)
        name_clean = re.sub(r"(?i)^milestone\s*[:\-–—]?\s*", "", name).strip()
        s += len(name) - len(name.lstrip()) + (len(name.strip()) - len(name_clean))
        name_clean = name_clean.strip("\"'“”`*")
        if not name_clean:
            return
        d.subject = name_clean
        d.subject_range = Range.of(line, start + s, line, start + s + len(name_clean))
        d.subject_candidates = [name_clean]
        if d.kind == "completion" and not name_clean.lower().endswith("complete"):
            d.subject_candidates.append(name_clean + " Complete")
        self.doc.references.append(
            Reference(name_clean, d.subject_range, "milestone", "decision", d.kind != "other")
        )

    def _open_status(
        self, h: Heading, text: str, base: int, kind: StatusSectionKind
    ) -> StatusSection:
        line = h.range.start.line
        name, name_range, trailers = self._name_range(line, text, base, 0)
        section = StatusSection(
            name=name, name_range=name_range, heading=h, end_line=line, kind=kind
        )
        self._apply_trailers(section, line, base, trailers)
        self.doc.status_sections.append(section)
        self.container = section
        self.container_level = h.level
        return section

    # -- paragraphs ----------------------------------------------------------------------------

    def paragraph(self, block: Block) -> None:
        started_new = False
        for line in range(block.start, min(block.end, len(self.lines))):
            raw = self.lines[line]
            indent = len(raw) - len(raw.lstrip())
            body = raw[indent:]
            label = find_label(body, indent, known=_KNOWN_BOLD)
            if (
                label is not None
                and not label.bold
                and self.field is not None
                and self.field.is_empty
                and FIELD_ALIASES.get(_norm_label(label.label))
                in (None, "milestone", "deliverable")
            ):
                # "**Contributes To:**" then "Milestone: X" on the next line: that is the value.
                label = None
            if label is not None:
                self._label_line(
                    line, raw, label.label, label.label_start, label.label_end, label.value_start
                )
                started_new = True
                continue
            if self.field is not None and (started_new or self.field.is_empty):
                self._extend_value(line, raw, indent)
                started_new = True

    def _extend_value(self, line: int, raw: str, indent: int) -> None:
        assert self.field is not None
        text = raw.strip()
        if not text:
            return
        fld = self.field
        end = len(raw.rstrip())
        if fld.value:
            fld.value = fld.value + " " + text
            assert fld.value_range is not None
            fld.value_range = Range(fld.value_range.start, Range.of(line, end).start)
        else:
            fld.value = text
            fld.value_range = Range.of(line, indent, line, end)
            # The template writes "**Contributes To:**" with the name on the next line.
            if fld.key in _STRICT_REF_FIELDS and fld.key != "current_milestone":
                kind = _STRICT_REF_FIELDS[fld.key]
                self._reference_from_value(fld, line, indent, raw[indent:end], kind, True)
            elif fld.key in _LOOSE_REF_FIELDS:
                kind = _LOOSE_REF_FIELDS[fld.key]
                self._reference_from_value(fld, line, indent, raw[indent:end], kind, False)
        fld.end_line = -1

    def _label_line(
        self, line: int, raw: str, label: str, ls: int, le: int, vs: int
    ) -> Field | None:
        norm = _norm_label(label)
        key = FIELD_ALIASES.get(norm)
        current = self.field.key if self.field is not None else None
        if (
            norm in CATEGORIES
            and current in ("acceptance_criteria", "success_criteria")
            and not (isinstance(self.container, Deliverable) and norm == "testing")
            and not raw[vs:].strip()
        ):
            self.category = norm.capitalize()
            self.category_level = 99
            return None
        self._close_field(line)
        value = raw[vs:].rstrip()
        fld = Field(
            key,
            label,
            Range.of(line, ls, line, le),
            line,
            value=value.strip(),
            value_range=Range.of(line, vs, line, vs + len(value)) if value.strip() else None,
            end_line=-1,
        )
        self._add_field(fld)
        if fld.key is not None and fld.value:
            self._field_semantics(fld, line, raw)
        return fld

    def _field_semantics(self, fld: Field, line: int, raw: str) -> None:
        """Claims and references carried by a field's inline value."""
        assert fld.value_range is not None
        vs = fld.value_range.start.character
        value = raw[vs : fld.value_range.end.character]
        key = fld.key
        if key in ("overall", "progress") and not isinstance(self.container, Report):
            self._claim_from_text("overall", None, None, line, vs, value, "overall")
        elif key in ("current_milestone", "milestone") and (
            key == "current_milestone" or isinstance(self.container, StatusSection)
        ):
            end, trailers = strip_trailers(value)
            name = value[:end].strip().strip("\"'“”*_`")
            if name:
                s = vs + value.find(name)
                nr = Range.of(line, s, line, s + len(name))
                self.doc.references.append(
                    Reference(name, nr, "milestone", "current_milestone", True)
                )
                for t in trailers:
                    if t.kind == "percent" and t.value is not None:
                        rng = Range.of(line, vs + t.start, line, vs + t.end)
                        self.doc.claims.append(
                            ProgressClaim(
                                "milestone",
                                name,
                                nr,
                                Range.of(line, vs, line, vs + len(value)),
                                percent=Percent(t.value, t.raw, rng),
                                section="current",
                            )
                        )
        elif key in ("phase", "current_phase") and isinstance(self.container, (StatusSection,)):
            pct = PERCENT.search(value)
            if pct is not None:
                name = value[: pct.start()].strip(" (-–—:")
                rng = Range.of(line, vs + pct.start(), line, vs + pct.end())
                self.doc.claims.append(
                    ProgressClaim(
                        "phase",
                        name,
                        None,
                        Range.of(line, vs, line, vs + len(value)),
                        percent=Percent(float(pct.group(1)), pct.group(0), rng),
                    )
                )
        elif key in ("progress",) and isinstance(self.container, Report):
            self._claim_from_text(
                "report", self.container.name, self.container.name_range, line, vs, value, "report"
            )
        elif key == "status":
            status = _status_from_value(value)
            if (
                status is not None
                and isinstance(self.container, Report)
                and self.container.status is None
            ):
                self.container.status = StatusTag(status, value.strip(), fld.value_range)
            elif (
                status is not None
                and isinstance(self.container, (Milestone, Deliverable))
                and self.container.tag is None
                and fld.value_range is not None
            ):
                # "**Status:** ✅ COMPLETE" under a milestone heading is its completion tag, as
                # "(COMPLETE)" on the heading would be.
                self.container.tag = StatusTag(
                    status, value.strip(), fld.value_range, from_field=True
                )
        if key in _STRICT_REF_FIELDS and key != "current_milestone":
            self._reference_from_value(fld, line, vs, value, _STRICT_REF_FIELDS[key], True)
        elif key in _LOOSE_REF_FIELDS:
            self._reference_from_value(fld, line, vs, value, _LOOSE_REF_FIELDS[key], False)

    def _reference_from_value(
        self, fld: Field, line: int, vs: int, value: str, kind: str, strict: bool
    ) -> None:
        end, _ = strip_trailers(value)
        text = value[:end]
        m = re.match(r"(?i)^\s*(milestone|deliverable)\s*[:\-–—]\s*", text)
        s = m.end() if m else len(text) - len(text.lstrip())
        name = text[s:].strip().strip("\"'“”*_`")
        if not name or len(name) > 120:
            return
        start = vs + s + max(text[s:].find(name), 0)
        self.doc.references.append(
            Reference(
                name,
                Range.of(line, start, line, start + len(name)),
                kind,  # type: ignore[arg-type]
                fld.key or "",
                strict,
            )
        )

    def _claim_from_text(
        self,
        subject: ClaimSubject,
        name: str | None,
        name_range: Range | None,
        line: int,
        offset: int,
        text: str,
        section: str,
    ) -> ProgressClaim | None:
        pct = PERCENT.search(text)
        cnt = COUNT.search(text)
        if pct is None and cnt is None:
            return None
        claim = ProgressClaim(
            subject,
            name,
            name_range,
            Range.of(line, offset, line, offset + len(text)),
            section=section,
        )
        if pct is not None:
            rng = Range.of(line, offset + pct.start(), line, offset + pct.end())
            claim.percent = Percent(float(pct.group(1)), pct.group(0), rng)
        if cnt is not None:
            rng = Range.of(line, offset + cnt.start(), line, offset + cnt.end())
            claim.count = Count(int(cnt.group(1)), int(cnt.group(2)), rng)
            after = text[cnt.end() :].strip().split()
            claim.unit = after[0].strip("(),.:").lower() if after else None
        self.doc.claims.append(claim)
        return claim

    # -- list items ----------------------------------------------------------------------------

    def item(self, block: Block) -> None:
        if block.start >= len(self.lines):
            return
        raw = self.lines[block.start]
        m = LIST_MARKER.match(raw)
        if m is None:
            return
        line = block.start
        pos = m.end()
        state = None
        box_range = None
        rest = raw[pos:]
        box = CHECKBOX.match(rest) if rest[:1] == "[" else None
        if box is not None:
            mark = box.group("mark")
            state = "checked" if mark in ("x", "X") or mark in STATUS_MARKS else _box(mark)
            box_range = Range.of(line, pos, line, pos + 3 + (len(mark) - 1))
            pos += box.end()
        body = raw[pos:]
        marks: list[StatusTag] = []
        lead = _LEAD_MARK.match(body) if body[:1] in _LEAD_MARK_FIRST else None
        if lead is not None:
            symbol = lead.group(1).rstrip("\ufe0f")
            status = STATUS_MARKS.get(lead.group(1)) or STATUS_MARKS.get(symbol)
            if status is not None:
                marks.append(
                    StatusTag(
                        status, lead.group(1), Range.of(line, pos, line, pos + len(lead.group(1)))
                    )
                )
                if state is None and status is Status.DONE:
                    state = "checked"
                elif state is None and status is not Status.DONE:
                    state = "unchecked" if status is not Status.IN_PROGRESS else "partial"
            pos += lead.end()
        own_end = max(block.start + 1, min(block.own_end, block.end, len(self.lines)))
        lazy_from = None
        for extra in range(line + 1, own_end):
            # A lazy continuation line that starts a bold field label ends the item: people
            # write "- item" then "**Output:** ..." without a blank line and mean a new field.
            candidate = self.lines[extra]
            if candidate[:1] in ("*", "_"):
                found = find_label(candidate, 0, known=_KNOWN_BOLD)
                if found is not None and found.bold:
                    lazy_from = extra
                    own_end = extra
                    break
        last_line = own_end - 1
        if last_line == line:
            seg_start = pos
            segment = raw[pos:]
        else:
            seg_start = len(self.lines[last_line]) - len(self.lines[last_line].lstrip())
            segment = self.lines[last_line][seg_start:]
        end, trailers = strip_trailers(segment)
        tag = None
        claim_pct = None
        phase = None
        for t in trailers:
            rng = Range.of(last_line, seg_start + t.start, last_line, seg_start + t.end)
            if t.kind == "tag" and t.status is not None and tag is None:
                tag = StatusTag(t.status, t.raw, rng)
            elif t.kind == "mark" and t.status is not None:
                marks.append(StatusTag(t.status, t.raw, rng))
            elif t.kind == "percent" and t.value is not None:
                claim_pct = Percent(t.value, t.raw, rng)
            elif t.kind == "phase":
                phase = t.raw
        text_end_char = seg_start + end
        parts = [raw[pos:].strip()] if last_line != line else [raw[pos:text_end_char].strip()]
        for extra in range(line + 1, own_end):
            piece = self.lines[extra].strip()
            if extra == last_line:
                piece = self.lines[extra][seg_start:text_end_char].strip()
            parts.append(piece)
        text = " ".join(p for p in parts if p)
        struck = text.startswith("~~") and text.endswith("~~") and len(text) > 4
        if struck:
            text = text[2:-2].strip()
        text_range = Range.of(
            line, pos, last_line, max(text_end_char, pos if last_line == line else 0)
        )
        ordered = m.group("bullet")[0] not in "-*+"  # otherwise a digit (LIST_MARKER)
        it = Item(
            text=_unbold(text),
            range=Range.of(line, 0, last_line, len(self.lines[last_line])),
            text_range=text_range,
            state=state,  # type: ignore[arg-type]
            box_range=box_range,
            tag=tag,
            marks=marks,
            struck=struck,
            category=self.category,
            ordered=ordered,
            depth=block.depth,
            bullet=m.group("bullet") if not ordered else m.group("bullet")[-1],
            indent=m.group("indent"),
            phase=phase,
        )
        self._place_item(it, line, raw, pos, claim_pct)
        if lazy_from is not None:
            self.paragraph(Block("para", lazy_from, min(block.own_end, block.end)))

    def _definition_list_field(self, container: object, it: Item) -> bool:
        """Whether ``it`` is a top-level entry right under a milestone or deliverable heading,
        before any field of its own (where ``- **Status**: planned`` is a field)."""
        return (
            isinstance(container, (Milestone, Deliverable))
            and self.field is None
            and it.depth == 0
            and it.state is None
            and not it.ordered
        )

    def _place_item(self, it: Item, line: int, raw: str, pos: int, pct: Percent | None) -> None:
        container = self.container
        # "- Label: value" items inside STATUS sections and reports act as fields too.
        status_like = isinstance(container, (StatusSection, Report))
        label = find_label(raw[pos:], pos) if status_like else None
        if label is None and self._definition_list_field(container, it):
            # "- **Status**: shipped" / "- **Depends on**: M03" in a list of bold-labelled
            # entries right under a milestone or deliverable heading: its own fields.
            label = find_label(raw[pos:], pos, known=_KNOWN_BOLD)
            if label is not None and (
                not label.bold
                or FIELD_ALIASES.get(_norm_label(label.label)) not in _LIST_FIELD_KEYS
            ):
                label = None
        if label is not None and isinstance(
            container, (StatusSection, Report, Milestone, Deliverable)
        ):
            key = FIELD_ALIASES.get(_norm_label(label.label))
            if isinstance(container, StatusSection) and container.kind == "test_status":
                key = None
            if key is not None and key in container.fields and not status_like:
                key = None  # a definition's field is written once; a later entry is content
            if key is not None:
                value = raw[label.value_start :].rstrip()
                fld = Field(
                    key,
                    label.label,
                    Range.of(line, label.label_start, line, label.label_end),
                    line,
                    value=value.strip(),
                    value_range=Range.of(
                        line, label.value_start, line, label.value_start + len(value)
                    )
                    if value.strip()
                    else None,
                    end_line=line,
                )
                container.fields.setdefault(key, fld)
                if fld.value:
                    saved = self.field
                    self._field_semantics(fld, line, raw)
                    self.field = saved
                if isinstance(container, Report):
                    container.items.append(it)
                return
        deliverable = self.deliverable
        task = (
            _TASK.match(it.text) if deliverable is not None and container is deliverable else None
        )
        if task is not None and deliverable is not None:
            name = task.group("name").strip() or it.text
            deliverable.tasks.append(Task(task.group("num"), name, it.range, it.text_range, it))
        current = self.field
        if current is not None and (
            container is None
            # By identity: comparing fields by value walks every item they hold. A field is
            # only ever kept under its own key.
            or (current.key is not None and container.fields.get(current.key) is current)
            or any(f is current for f in container.unknown_fields)
        ):
            current.items.append(it)
            current.end_line = -1
            key = current.key
            if key in _LOOSE_REF_FIELDS or key in _STRICT_REF_FIELDS:
                kind: RefKind = _LOOSE_REF_FIELDS.get(key or "") or _STRICT_REF_FIELDS.get(
                    key or "", "any"
                )
                if key == "current_milestone" or (
                    key == "deliverables" and not isinstance(container, Milestone)
                ):
                    kind = "deliverable"
                # A list under Contributes To names milestones as strictly as an inline value.
                self._item_reference(it, kind, key or "", strict=key == "contributes_to")
            elif key == "milestones":
                self._milestone_list_item(it, pct, "progress")
            if isinstance(container, (Report, StatusSection)):
                container.items.append(it)
            return
        if isinstance(container, Report):
            container.items.append(it)
            return
        if isinstance(container, StatusSection):
            container.items.append(it)
            if container.kind == "milestones":
                self._milestone_list_item(it, pct, "milestones")
            elif container.kind == "test_status":
                self._test_item(it, line, raw, pos)
            elif container.kind in ("phase_deliverables", "phase", "deliverables"):
                self._item_reference(it, "deliverable", container.kind, strict=False)
            return

    def _milestone_list_item(self, it: Item, pct: Percent | None, section: str) -> None:
        status = it.tag.status if it.tag is not None else None
        strict = status not in (Status.PLANNED, Status.NEXT) and it.depth == 0
        ref = self._item_reference(it, "milestone", section, strict=strict)
        if pct is not None and ref is not None:
            it.claim = ProgressClaim(
                "milestone", ref.name, ref.range, it.range, percent=pct, section=section
            )
            self.doc.claims.append(it.claim)

    def _item_reference(
        self, it: Item, kind: RefKind, context: str, *, strict: bool
    ) -> Reference | None:
        text_range = it.text_range
        if text_range.start.line != text_range.end.line:
            return None
        raw = self.lines[text_range.start.line][
            text_range.start.character : text_range.end.character
        ]
        m = re.match(
            r"(?i)^\s*(?:\*\*|__)?(?:(?:milestone|deliverable)\s*[A-Za-z]?\d*(?:\.\d+)*\s*[:\-–—]\s*|[A-Z]?\d+(?:\.\d+)*[.):]\s+)",
            raw,
        )
        s = m.end() if m else 0
        name = raw[s:]
        stripped = name.strip().strip("*_`\"'“”").strip()
        if not stripped or len(stripped) > 120:
            return None
        start = text_range.start.character + s + name.find(stripped)
        ref = Reference(
            stripped,
            Range.of(text_range.start.line, start, text_range.start.line, start + len(stripped)),
            kind,
            context,
            strict,
            it.status,
        )
        self.doc.references.append(ref)
        return ref

    def _test_item(self, it: Item, line: int, raw: str, pos: int) -> None:
        label = find_label(raw[pos:], pos)
        name = label.label if label is not None else None
        name_range = Range.of(line, label.label_start, line, label.label_end) if label else None
        start = label.value_start if label is not None else pos
        claim = self._claim_from_text(
            "tests", name, name_range, line, start, raw[start:].rstrip(), "tests"
        )
        if claim is not None:
            it.claim = claim

    # -- tables --------------------------------------------------------------------------------

    def table(self, block: Block) -> None:
        rows = [(n, self.lines[n]) for n in range(block.start, min(block.end, len(self.lines)))]
        if len(rows) < 3:
            return
        header = table_cells(rows[0][1])
        names = [c[0].lower() for c in header]
        # The criterion column first (a deliverables table may have one), then a name column.
        name_col = next(
            (
                i
                for words in _TABLE_NAME_COLUMNS
                for i, n in enumerate(names)
                if any(w in n for w in words)
            ),
            0,
        )
        status_col = next(
            (
                i
                for i, n in enumerate(names)
                if any(w in n for w in ("status", "state", "done", "met"))
            ),
            None,
        )
        check_cols = [
            i
            for i, n in enumerate(names)
            if i not in (name_col, status_col) and _TABLE_CHECK_COLUMN.search(n)
        ]
        for number, row in rows[2:]:
            cells = table_cells(row)
            if name_col >= len(cells):
                continue
            text, start, end = cells[name_col]
            if not text:
                continue
            checks = [cells[i][0].strip() for i in check_cols if i < len(cells)]
            check = " — ".join(c for c in checks if c and not _DATE_CELL.match(c.strip("*_` ")))
            tag = None
            state = None
            if status_col is not None and status_col < len(cells):
                st_text, st_start, st_end = cells[status_col]
                status = _status_from_value(st_text)
                if status is not None:
                    tag = StatusTag(status, st_text, Range.of(number, st_start, number, st_end))
                    state = "checked" if status is Status.DONE else "unchecked"
            it = Item(
                text=_unbold(text),
                range=Range.of(number, 0, number, len(row)),
                text_range=Range.of(number, start, number, end),
                state=state,  # type: ignore[arg-type]
                tag=tag,
                category=self.category,
                from_table=True,
                check=check,
            )
            self._place_item(it, number, row, start, None)

    # -- driver --------------------------------------------------------------------------------

    def feed(self, blocks: Iterable[Block]) -> None:
        """Read blocks (with document line numbers) into the model."""
        for block in blocks:
            kind = block.kind
            if kind == "fence":
                self.fenced.update(range(block.start, block.end))
                self.has_fence = True
                continue
            if kind == "html":
                self.comments.update(range(block.start, block.end))
                continue
            if kind == "heading":
                self.heading(block)
                continue
            self.has_content = self.has_content or kind in ("para", "item", "table")
            if kind == "para":
                if not block.in_item:
                    self.paragraph(block)
            elif kind == "item":
                self.item(block)
            elif kind == "table":
                self.table(block)
            elif kind == "hr" and self.container is not None:
                self._close_field(block.start)

    def _finish_sections(self) -> None:
        for section in (
            *self.doc.milestones,
            *self.doc.deliverables,
            *self.doc.reports,
            *self.doc.decisions,
            *self.doc.status_sections,
        ):
            for fld in (*section.fields.values(), *section.unknown_fields):
                if fld.end_line < 0:
                    fld.end_line = section.end_line
            section.path = self.doc.path
            _decision_outcome(section)

    def run(self, blocks: list[Block]) -> Document:
        self.feed(blocks)
        self._close_container(len(self.lines))
        self._drop_captions()
        self.doc.fenced_lines = frozenset(self.fenced)
        self.doc.comment_lines = frozenset(self.comments)
        self._finish_sections()
        for fld in self.doc.fields.values():
            if fld.end_line < 0:
                fld.end_line = len(self.lines) - 1
        return self.doc

    def seal(self, start: int, end: int, entry: Deliverable | None) -> _Segment:
        """End a per-section build at line ``end`` (the next section's heading, or the end)."""
        self._close_container(end)
        self._finish_sections()
        exit_state: Deliverable | Literal["entry"] | None = self.deliverable
        if entry is not None and self.deliverable is entry:
            exit_state = "entry"
        return _Segment(
            lines=self.lines[start:end],
            next_line=self.lines[end] if end < len(self.lines) else None,
            doc=self.doc,
            empty=self.empty,
            open_fields=[f for f in self.doc.fields.values() if f.end_line < 0],
            fenced=self.fenced,
            comments=self.comments,
            exit=exit_state,
        )

    def _drop_captions(self) -> None:
        """Drop empty definition headings that caption a definition of the same name."""
        for kind in (self.doc.milestones, self.doc.deliverables):
            names = [normalize_name(s.name) for s in kind if s not in self.empty]
            for section in [s for s in kind if s in self.empty]:
                if normalize_name(section.name) in names:
                    kind.remove(section)  # type: ignore[arg-type]


def _decision_outcome(section: Section) -> None:
    if not isinstance(section, Decision):
        return
    value = section.field_value("decision")
    if value is None:
        return
    lowered = value.lower()
    if "pending" in lowered or ("<" in lowered and ">" in lowered):
        section.outcome = "pending"
    elif "conditional" in lowered:
        section.outcome = "conditional"
    elif "reject" in lowered or "not approved" in lowered:
        section.outcome = "rejected"
    elif "approved" in lowered or "approve" in lowered:
        section.outcome = "approved"
    elif section.kind == "approval":
        section.outcome = "none"


def _status_from_value(value: str) -> Status | None:
    text = value.strip().strip("*_` ")
    for mark, status in STATUS_MARKS.items():
        if text.startswith(mark):
            return status
    m = re.match(r"^([A-Za-z][A-Za-z \-]*?)(?:\s*[(/,:;.\-–—]|$)", text)
    if m is not None:
        return status_of_word(m.group(1))
    return None


def table_cells(row: str) -> list[tuple[str, int, int]]:
    """The cells of a table row: (text, start, end), stripped, offsets in the row."""
    cells: list[tuple[str, int, int]] = []
    stripped = row.rstrip()
    start = 0
    if stripped.lstrip().startswith("|"):
        start = stripped.index("|") + 1
    end = len(stripped)
    if stripped.endswith("|") and end - 1 >= start:
        end -= 1
    pos = start
    for piece in re.split(r"(?<!\\)\|", stripped[start:end]):
        lead = len(piece) - len(piece.lstrip())
        text = piece.strip()
        cells.append((text, pos + lead, pos + lead + len(text)))
        pos += len(piece) + 1
    return cells


def _box(mark: str) -> str:
    return "partial" if mark in ("~", "-", "/") else "unchecked"


def _unbold(text: str) -> str:
    if "**" not in text and "__" not in text:
        return text.strip()
    return re.sub(r"(\*\*|__)", "", text).strip()


def _strip_trailing_paren(text: str) -> str:
    end, _ = strip_trailers(text, strict_words=False)
    return text[:end]


def _strip_emphasis_span(text: str) -> tuple[str, int]:
    """Drop emphasis wrapping a whole heading (``**Milestone: X**``), keeping offsets."""
    m = re.match(r"^(\*\*|__)(.+)\1$", text) if text[:2] in ("**", "__") else None
    if m is not None:
        return m.group(2), 2
    return text, 0


class _ForeignState(Exception):
    """A per-section build would change a model object owned by an earlier section."""


@dataclass(slots=True)
class _Segment:
    """The model contribution of one section: a heading that closed the previous container,
    and everything up to the next such heading.

    Its key is the line it starts at, whether a deliverable was open before it, and the front
    matter's end; it is reused when its lines and the line after it are unchanged.
    """

    lines: list[str]
    next_line: str | None
    doc: Document
    empty: list[Section]
    open_fields: list[Field]
    fenced: set[int]
    comments: set[int]
    exit: Deliverable | Literal["entry"] | None


_SegmentKey = tuple[int, bool, int, "_Front | None"]
# (first heading's line, status line, value column, value, status) of a front-matter status.
_Front = tuple[int, int, int, str, Status]


def _front_status(lines: list[str], fm_end: int, first_heading: int | None) -> _Front | None:
    """The front matter's ``status:`` (or ``state:``), for the document's first heading."""
    if not fm_end or first_heading is None:
        return None
    values = front_matter_values(lines, fm_end)
    found = values.get("status") or values.get("state")
    if found is None:
        return None
    status = _status_from_value(found[2])
    if status is None:
        return None
    return (first_heading, found[0], found[1], found[2], status)


class ModelCache:
    """Per-section models of one document from its previous parse, for incremental re-parsing.

    Only the sections of the latest parse are kept: an edit re-uses every section it did not
    touch and rebuilds the others.
    """

    def __init__(self) -> None:
        self.segments: dict[_SegmentKey, _Segment] = {}
        self.hits = 0
        self.misses = 0
        # The lines, the front matter's end and the chunk grouping (of the lines with the front
        # matter blanked) of the latest parse: the next parse scans and groups only the lines
        # an edit changed (blocks.regroup).
        self.lines: list[str] | None = None
        self.fm_end = 0
        self.grouping: Grouping | None = None
        # The sections of the latest parse in order, with their first lines and keys: the
        # sections before and after an edit are taken from it without being compared.
        self.order: list[tuple[int, _SegmentKey, _Segment]] = []
        self.order_starts: list[int] = []
        self.front: _Front | None = None
        # The document the latest parse assembled, for the next one to splice (_reassemble).
        self.assembly: _Assembly | None = None


_MODEL_CACHES: OrderedDict[str, ModelCache] = OrderedDict()
_MODEL_CACHE_PATHS = 32


def model_cache_for(path: str) -> ModelCache:
    """The per-section cache of ``path`` (the most recently parsed paths are kept)."""
    found = _MODEL_CACHES.get(path)
    if found is None:
        found = _MODEL_CACHES[path] = ModelCache()
        if len(_MODEL_CACHES) > _MODEL_CACHE_PATHS:
            _MODEL_CACHES.popitem(last=False)
    else:
        _MODEL_CACHES.move_to_end(path)
    return found


def _parse_sections(
    path: str,
    text: str,
    lines: list[str],
    md_lines: list[str],
    fm_end: int,
    cache: BlockCache | None,
    models: ModelCache,
) -> Document:
    known, before = models.grouping, models.lines
    change: tuple[int, int, int] | None = None
    if known is not None and before is not None and models.fm_end == fm_end:
        # The lines themselves (front matter included) are compared: a section is re-used
        # below only where its own text is known to be unchanged.
        change = changed_lines(before, lines)
        if change is not None:
            # The unchanged lines are the previous parse's strings, which the sections
            # re-used below hold: one copy of each line, not two.
            at, old_end, new_end = change
            lines[:] = [*before[:at], *lines[at:new_end], *before[old_end:]]
        layout = known if change is None else regroup(md_lines, known, *change, cache)
    else:
        layout = grouping(md_lines, cache)
    models.grouping, models.lines, models.fm_end = layout, lines, fm_end
    groups = layout.groups
    group_at = {g[0]: i for i, g in enumerate(groups)}
    previous = models.segments
    old_order, old_starts = models.order, models.order_starts
    segments: list[_Segment] = []
    order: list[tuple[int, _SegmentKey, _Segment]] = []
    entry: Deliverable | None = None
    builder: _Builder | None = None
    seg_start = 0
    first_heading = next(
        (start + b.start for start, _, blocks in groups for b in blocks if b.kind == "heading"),
        None,
    )
    front = _front_status(lines, fm_end, first_heading)
    seg_key: _SegmentKey = (0, False, fm_end, front)
    total = len(lines)
    index = 0
    count = len(groups)

    def shifted(blocks: Iterable[Block], by: int) -> Iterable[Block]:
        return (b.shifted(by) for b in blocks)

    def take(position: int, before: int) -> int:
        """Re-use the previous parse's sections from ``position`` on, while they end before
        line ``before`` and their keys are what this parse gives them (their lines, and the
        line after each, are known to be unchanged, and so are the front matter's end and
        status: a key differs only in whether a deliverable runs into the section); the index
        of the group to go on at."""
        nonlocal entry
        running = entry
        run = 0
        for start, key, found in islice(old_order, position, None):
            end = start + len(found.lines)
            if end >= before or key[1] is not (running is not None):
                break
            running = running if found.exit == "entry" else found.exit
            run += 1
        if not run:
            return index
        taken = old_order[position : position + run]
        last_start, _key, last = taken[-1]
        end = last_start + len(last.lines)
        following = group_at.get(end) if end < total else count
        if following is None:
            return index  # not a group boundary now: the sections are walked one by one
        entry = running
        models.hits += run
        segments.extend(found for _start, _key, found in taken)
        order.extend(taken)
        return following

    if change is not None and old_order and models.front == front:
        # The sections above the edit, up to the one whose next line it changed.
        index = take(0, change[0])

    while index < count:
        start, _stop, blocks = groups[index]
        if builder is not None:
            first = blocks[0] if blocks else None
            if first is None or first.kind != "heading" or first.start != 0:
                builder.feed(shifted(blocks, start))
                index += 1
                continue
            h, htext, base = builder._heading_parts(first.shifted(start))
            if builder._consume_heading(h, htext, base):
                builder.doc.headings.append(h)
                builder.feed(shifted(blocks[1:], start))
                index += 1
                continue
            segment = builder.seal(seg_start, start, entry)
            segments.append(segment)
            order.append((seg_start, seg_key, segment))
            entry = entry if segment.exit == "entry" else segment.exit
            builder = None
        key = (start, entry is not None, fm_end, front)
        found = previous.get(key)
        if found is not None:
            end = start + len(found.lines)
            following = group_at.get(end) if end < total else count
            current = lines[start:end]
            if (
                following is not None
                and found.next_line == (lines[end] if end < total else None)
                and current == found.lines
            ):
                models.hits += 1
                found.lines = current  # equal text: keep this version's strings, not both
                segments.append(found)
                order.append((start, key, found))
                entry = entry if found.exit == "entry" else found.exit
                index = following
                if change is not None and change[1] == change[2] and start >= change[2]:
                    # Below an edit that added or removed no line: the previous parse's
                    # sections from here on, at the same lines.
                    position = bisect_left(old_starts, start)
                    if (
                        models.front == front
                        and position < len(old_order)
                        and old_order[position][2] is found
                    ):
                        index = take(position + 1, total + 1)
                continue
        models.misses += 1
        builder = _Builder(path, "", lines)
        builder.front = front
        builder.doc.line_count = 0
        builder.deliverable = builder.foreign = entry
        seg_start, seg_key = start, key
        builder.feed(shifted(blocks, start))
        index += 1
    if builder is not None:
        segment = builder.seal(seg_start, total, entry)
        segments.append(segment)
        order.append((seg_start, seg_key, segment))
    models.segments = {key: seg for _start, key, seg in order}
    models.order, models.order_starts = order, [start for start, _key, _seg in order]
    models.front = front
    last = models.assembly
    spliced = _reassemble(last, path, text, lines, segments) if last is not None else None
    if spliced is not None:
        doc, offsets = spliced
        models.assembly = _Assembly(doc, segments, doc.parts, doc.part_starts, True, offsets)
        return doc
    doc = _assemble(path, text, lines, segments)
    plain = not any(seg.empty for seg in segments)
    models.assembly = _Assembly(doc, segments, doc.parts, doc.part_starts, plain)
    return doc


# The lists of a document that are its parts' lists end to end.
_PART_LISTS = (
    "headings",
    "milestones",
    "deliverables",
    "reports",
    "decisions",
    "status_sections",
    "claims",
    "references",
)


@dataclass(slots=True)
class _Assembly:
    """A document assembled from its sections, the sections, whether none of them holds an
    empty definition heading (``plain``: then no caption is dropped, and the document's lists
    are the sections' end to end), and where each section's entries start in each list
    (worked out when first needed)."""

    doc: Document
    segments: list[_Segment]
    # The document's parts and their first lines (held apart: a document read from disk lets
    # go of its own).
    parts: list[Document]
    part_starts: list[int]
    plain: bool
    offsets: dict[str, list[int]] | None = None

    def list_offsets(self) -> dict[str, list[int]]:
        """Per list, the offset of each section's first entry, and the list's length."""
        if self.offsets is None:
            self.offsets = {
                name: list(
                    accumulate((len(getattr(s.doc, name)) for s in self.segments), initial=0)
                )
                for name in _PART_LISTS
            }
        return self.offsets


def _reassemble(
    last: _Assembly, path: str, text: str, lines: list[str], segments: list[_Segment]
) -> tuple[Document, dict[str, list[int]]] | None:
    """The document of ``segments`` (and its list offsets), made from the last one assembled by
    replacing the entries of the sections between those the two share at their start and at
    their end; None where that would not give what :func:`_assemble` gives (a caption dropped,
    a document-level field among the sections that changed)."""
    old = last.segments
    n_old, n_new = len(old), len(segments)
    limit = min(n_old, n_new)
    p = 0
    while p < limit and old[p] is segments[p]:
        p += 1
    q = 0
    while q < limit - p and old[n_old - 1 - q] is segments[n_new - 1 - q]:
        q += 1
    gone, new = old[p : n_old - q], segments[p : n_new - q]
    if not last.plain or any(s.empty for s in new) or any(s.doc.fields for s in (*gone, *new)):
        return None
    prev = last.doc
    doc = Document(path=path, text=text, line_count=len(lines))
    offsets = last.list_offsets()
    spliced: dict[str, list[int]] = {}
    for name in _PART_LISTS:
        offs = offsets[name]
        a, b = offs[p], offs[n_old - q]
        middle = list(chain.from_iterable(getattr(s.doc, name) for s in new))
        entries: list[object] = getattr(prev, name)
        setattr(doc, name, [*entries[:a], *middle, *entries[b:]])
        moved = len(middle) - (b - a)
        tail = offs[n_old - q + 1 :]
        spliced[name] = [
            *offs[:p],
            *accumulate((len(getattr(s.doc, name)) for s in new), initial=a),
            *(tail if not moved else [x + moved for x in tail]),
        ]
    doc.fields = dict(prev.fields)
    for seg in segments if len(lines) != prev.line_count else new:
        for fld in seg.open_fields:
            fld.end_line = len(lines) - 1  # a document-level field runs to the end
    if any(s.fenced or s.comments for s in (*gone, *new)):
        doc.fenced_lines = frozenset(chain.from_iterable(seg.fenced for seg in segments))
        doc.comment_lines = frozenset(chain.from_iterable(seg.comments for seg in segments))
    else:
        doc.fenced_lines, doc.comment_lines = prev.fenced_lines, prev.comment_lines
    doc.parts = [*last.parts[:p], *(s.doc for s in new), *last.parts[n_old - q :]]
    base = last.part_starts[p] if p < n_old else prev.line_count
    starts = list(accumulate((len(s.lines) for s in new), initial=base))[:-1]
    doc.part_starts = [*last.part_starts[:p], *starts, *last.part_starts[n_old - q :]]
    return doc, spliced


def _assemble(path: str, text: str, lines: list[str], segments: list[_Segment]) -> Document:
    doc = Document(path=path, text=text, line_count=len(lines))
    parts = [seg.doc for seg in segments]
    # Each list of the document is its parts' lists end to end (joined in C, not one
    # concatenation per section and list).
    doc.headings = list(chain.from_iterable(part.headings for part in parts))
    doc.milestones = list(chain.from_iterable(part.milestones for part in parts))
    doc.deliverables = list(chain.from_iterable(part.deliverables for part in parts))
    doc.reports = list(chain.from_iterable(part.reports for part in parts))
    doc.decisions = list(chain.from_iterable(part.decisions for part in parts))
    doc.status_sections = list(chain.from_iterable(part.status_sections for part in parts))
    doc.claims = list(chain.from_iterable(part.claims for part in parts))
    doc.references = list(chain.from_iterable(part.references for part in parts))
    fields: dict[str, Field] = {}
    empty: list[Section] = []
    for seg in segments:
        if seg.doc.fields:
            for key, fld in seg.doc.fields.items():
                fields.setdefault(key, fld)
        for fld in seg.open_fields:
            # A document-level field left open runs to the end of the document.
            fld.end_line = len(lines) - 1
        if seg.empty:
            empty += seg.empty
    doc.fields = fields
    doc.fenced_lines = frozenset(chain.from_iterable(seg.fenced for seg in segments))
    doc.comment_lines = frozenset(chain.from_iterable(seg.comments for seg in segments))
    doc.parts = parts
    doc.part_starts = list(accumulate((len(seg.lines) for seg in segments[:-1]), initial=0))
    if empty:
        empty_ids = {id(s) for s in empty}
        dropped: set[int] = set()
        for kind in (doc.milestones, doc.deliverables):
            names = {normalize_name(s.name) for s in kind if id(s) not in empty_ids}
            dropped |= {
                id(s) for s in kind if id(s) in empty_ids and normalize_name(s.name) in names
            }
        if dropped:
            doc.milestones = [m for m in doc.milestones if id(m) not in dropped]
            doc.deliverables = [d for d in doc.deliverables if id(d) not in dropped]
        if dropped:
            doc.parts = [_without(part, dropped) for part in doc.parts]
    return doc


def _without(part: Document, dropped: set[int]) -> Document:
    """A part without the caption headings dropped from the whole document."""
    if not any(id(s) in dropped for s in chain(part.milestones, part.deliverables)):
        return part
    return replace(
        part,
        milestones=[m for m in part.milestones if id(m) not in dropped],
        deliverables=[d for d in part.deliverables if id(d) not in dropped],
    )


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while a document is parsed or checked.

    Parsing a 10k-line file allocates ~10^5 objects, which triggers full collections that
    scan every live object again (a quarter of the analysis time); the model holds no
    reference cycles, so nothing is lost by collecting once afterwards instead.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def parse(
    text: str,
    path: str = "",
    cache: BlockCache | None = None,
    *,
    chunked: bool = True,
    models: ModelCache | None = None,
    editing: bool = False,
    lines: list[str] | None = None,
) -> Document:
    """Parse one markdown document into the model. Never raises on any text.

    By default the document is parsed per section and the sections whose lines did not change
    since the last parse of ``path`` are re-used (``models`` gives another cache).
    ``chunked=False`` parses the whole text in one piece without any cache: the reference the
    incremental result must equal. ``editing=True`` says the document is open in an editor:
    even its first parse keeps its parts, so that the per-section work of the first check is
    re-used by the first edit (a file read from disk drops them to save memory).
    ``lines``, when the caller has them, are ``split_lines(text)`` (an editor's change applied
    to the previous text's lines); the parse takes the list over.
    """
    with gc_paused():
        return _parse(text, path, cache, chunked, models, editing, lines)


def _parse(
    text: str,
    path: str,
    cache: BlockCache | None,
    chunked: bool,
    models: ModelCache | None,
    editing: bool = False,
    given: list[str] | None = None,
) -> Document:
    lines = given if given is not None else split_lines(text)
    fm_end = front_matter_end(lines)
    md_lines = [""] * fm_end + lines[fm_end:] if fm_end else lines
    if chunked:
        if models is None:
            models = model_cache_for(path)
        hits = models.hits
        try:
            doc = _parse_sections(path, text, lines, md_lines, fm_end, cache, models)
        except _ForeignState:
            models.segments = {}
            models.order, models.order_starts = [], []
            models.assembly = None
        else:
            if models.hits == hits and not editing:
                # A first parse (a file read from disk): nothing to re-use later unless it is
                # edited, so it does not keep its parts and lines (11 and 8 MB for 1,000 files).
                doc.parts = []
                doc.part_starts = []
            else:
                doc.lines = lines
            return doc
    blocks = document_blocks(md_lines, cache, chunked=chunked)
    builder = _Builder(path, text, lines)
    if fm_end:
        first = next((b.start for b in blocks if b.kind == "heading"), None)
        builder.front = _front_status(lines, fm_end, first)
    return builder.run(blocks)
