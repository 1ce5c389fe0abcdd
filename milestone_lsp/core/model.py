"""The document model: the specification's whole hierarchy, every element with its source range.

Plain dataclasses (not pydantic) keep construction cheap enough to rebuild on every keystroke.
Ranges are in core positions (0-based lines, code-point columns); ``label_range`` and
``value_range`` separate the two halves of a field so features can point at exactly one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from milestone_lsp.core.positions import Range


class Status(StrEnum):
    """Normalised status of a checklist item, heading or report."""

    DONE = "done"
    IN_PROGRESS = "in_progress"
    NEXT = "next"
    PLANNED = "planned"
    BLOCKED = "blocked"
    FAILED = "failed"

    @property
    def is_open(self) -> bool:
        """Whether the status says the work is not finished."""
        return self is not Status.DONE


CheckState = Literal["checked", "unchecked", "partial"]


@dataclass(slots=True)
class StatusTag:
    """A status written next to an item: ``(COMPLETE)``, ``- IN PROGRESS``, ``✅``."""

    status: Status
    raw: str
    range: Range
    # Read from the section's own ``Status`` field (``**Status:** ✅ Complete``) rather than
    # written on its heading or item.
    from_field: bool = False


@dataclass(slots=True)
class Count:
    """A stated count such as ``28/32``."""

    done: int
    total: int
    range: Range


@dataclass(slots=True)
class Percent:
    """A stated percentage such as ``65%``."""

    value: float
    raw: str
    range: Range


ClaimSubject = Literal["overall", "milestone", "phase", "deliverable", "tests", "report"]


@dataclass(slots=True)
class ProgressClaim:
    """A number somebody wrote about progress, and what it is about."""

    subject: ClaimSubject
    name: str | None
    name_range: Range | None
    range: Range
    percent: Percent | None = None
    count: Count | None = None
    unit: str | None = None
    section: str | None = None


@dataclass(slots=True)
class Item:
    """A list item, checklist entry or table row: a criterion, a deliverable entry, a task."""

    text: str
    range: Range
    text_range: Range
    state: CheckState | None = None
    box_range: Range | None = None
    tag: StatusTag | None = None
    marks: list[StatusTag] = field(default_factory=list)
    struck: bool = False
    category: str | None = None
    ordered: bool = False
    depth: int = 0
    bullet: str = "-"
    indent: str = ""
    claim: ProgressClaim | None = None
    phase: str | None = None
    from_table: bool = False
    # A table row's other cells that say how it is checked (Target, Threshold, How to verify,
    # Test, Evidence …), joined: the criterion is judged with them (MS101).
    check: str = ""

    @property
    def checked(self) -> bool:
        """Whether the item is ticked (a box with x, or a ✅-style mark without a box)."""
        return self.state == "checked"

    @property
    def status(self) -> Status | None:
        """The item's status: its tag, else its mark, else its box."""
        if self.tag is not None:
            return self.tag.status
        if self.marks:
            return self.marks[0].status
        return None

    @property
    def is_done(self) -> bool:
        """Whether the item counts as complete: its box when it has one, else its status."""
        if self.box_range is not None or (self.state is not None and not self.marks):
            return self.checked
        return self.checked or self.status is Status.DONE

    @property
    def claims_done(self) -> bool:
        """Whether anything on the item (box, tag or mark) says it is complete."""
        return self.checked or self.status is Status.DONE

    @property
    def counts(self) -> bool:
        """Whether the item counts towards totals (withdrawn, struck-through items do not)."""
        return not self.struck


@dataclass(slots=True)
class Field:
    """A labelled field: ``**Goal:** text``, ``Phase: 2``, or a sub-heading like ``### Scope``."""

    key: str | None
    label: str
    label_range: Range
    line: int
    value: str = ""
    value_range: Range | None = None
    items: list[Item] = field(default_factory=list)
    end_line: int = -1
    from_heading: bool = False

    @property
    def is_empty(self) -> bool:
        """Whether nothing at all was written under the label."""
        return not self.value.strip() and not self.items


@dataclass(slots=True)
class Heading:
    """A markdown heading with its text range."""

    level: int
    text: str
    range: Range
    text_range: Range
    marker: str = "#"


def section_ends(heads: list[Heading], total_lines: int) -> list[int]:
    """Where each heading's section ends (``heads`` in line order): the line of the next heading
    at its level or above, ``total_lines`` after the last. One pass with the headings still open."""
    ends = [total_lines] * len(heads)
    open_heads: list[int] = []
    for index, h in enumerate(heads):
        while open_heads and heads[open_heads[-1]].level >= h.level:
            ends[open_heads.pop()] = h.range.start.line
        open_heads.append(index)
    return ends


@dataclass(slots=True)
class Section:
    """Something introduced by a heading, with fields below it."""

    name: str
    name_range: Range
    heading: Heading
    end_line: int
    fields: dict[str, Field] = field(default_factory=dict)
    unknown_fields: list[Field] = field(default_factory=list)
    tag: StatusTag | None = None
    claim: ProgressClaim | None = None
    number: str | None = None
    path: str = ""

    @property
    def range(self) -> Range:
        """From the heading to the last line of the section."""
        return Range.of(self.heading.range.start.line, 0, self.end_line, 0)

    def field_value(self, key: str) -> str | None:
        """The inline value of a field, or ``None`` when the field is absent."""
        f = self.fields.get(key)
        return None if f is None else f.value

    def items_of(self, key: str) -> list[Item]:
        """The list items under a field (empty when absent)."""
        f = self.fields.get(key)
        return [] if f is None else f.items


@dataclass(slots=True)
class Task:
    """The specification's atomic work unit (``Task 1.1.1 (Makefile)``)."""

    number: str | None
    name: str
    range: Range
    name_range: Range
    item: Item | None = None


@dataclass(slots=True)
class Milestone(Section):
    """A ``Milestone: Name`` definition."""

    kind: Literal["milestone"] = "milestone"

    @property
    def criteria(self) -> list[Item]:
        """Acceptance criteria, in document order (a "Success Criteria" list stands in)."""
        return self.items_of("acceptance_criteria") or self.items_of("success_criteria")

    @property
    def deliverable_items(self) -> list[Item]:
        """The entries of the Deliverables field."""
        return self.items_of("deliverables")

    @property
    def approval_required(self) -> bool | None:
        """Parsed ``Approval Required`` (``None`` when absent or unclear)."""
        value = self.field_value("approval_required")
        if value is None:
            return None
        head = value.strip().lstrip("*_ ").lower()
        if head.startswith("yes") or head.startswith("required") or head.startswith("true"):
            return True
        if head.startswith("no") or head.startswith("not required") or head.startswith("false"):
            return False
        return None

    @property
    def phase(self) -> str | None:
        """The Phase field's value, if any."""
        return self.field_value("phase")

    @property
    def is_update(self) -> bool:
        """A progress update (``## Milestone: X (25% complete)`` with only a deliverables list),
        which restates a milestone defined elsewhere rather than defining it."""
        tagged = self.tag is not None and not self.tag.from_field
        return (self.claim is not None or tagged) and not (
            {"goal", "acceptance_criteria", "value_delivered", "approval_required"}
            & set(self.fields)
        )


@dataclass(slots=True)
class Deliverable(Section):
    """A ``Deliverable: Name`` definition."""

    kind: Literal["deliverable"] = "deliverable"
    tasks: list[Task] = field(default_factory=list)

    @property
    def criteria(self) -> list[Item]:
        """Success criteria, in document order (an "Acceptance" or "Exit criteria" list stands
        in)."""
        return self.items_of("success_criteria") or self.items_of("acceptance_criteria")

    @property
    def phase(self) -> str | None:
        """The Phase field's value, if any."""
        return self.field_value("phase")


ReportKind = Literal[
    "milestone_verification", "deliverable_verification", "milestone_status", "milestone_complete"
]


@dataclass(slots=True)
class Report(Section):
    """A verification checklist or status report about a milestone or deliverable."""

    kind: ReportKind = "milestone_status"
    items: list[Item] = field(default_factory=list)
    status: StatusTag | None = None
    claims: list[ProgressClaim] = field(default_factory=list)

    @property
    def criteria(self) -> list[Item]:
        """Checklist items that restate criteria (acceptance criteria field, else all items)."""
        listed = self.items_of("acceptance_criteria")
        return listed if listed else [i for i in self.items if i.state is not None]


DecisionKind = Literal["approval", "completion", "other"]


@dataclass(slots=True)
class Decision(Section):
    """A DECISIONS.md entry: ``## 2026-02-16: Milestone "X" Approved``."""

    date: str = ""
    date_range: Range | None = None
    kind: DecisionKind = "other"
    subject: str | None = None
    subject_range: Range | None = None
    subject_candidates: list[str] = field(default_factory=list)
    outcome: Literal["approved", "conditional", "rejected", "pending", "none"] = "none"

    @property
    def approves(self) -> bool:
        """Whether the entry records an unconditional approval given by a person."""
        return self.outcome == "approved"


StatusSectionKind = Literal[
    "current_state",
    "progress",
    "milestones",
    "phase_deliverables",
    "test_status",
    "active_workers",
    "next_p0",
    "deliverables",
    "phase",
]


@dataclass(slots=True)
class StatusSection(Section):
    """A STATUS.md section such as ``## Milestones`` or ``## Phase 2 Deliverables``."""

    kind: StatusSectionKind = "current_state"
    items: list[Item] = field(default_factory=list)
    phase: str | None = None


RefKind = Literal["milestone", "deliverable", "any"]


@dataclass(slots=True)
class Reference:
    """A name written where a milestone or deliverable is meant."""

    name: str
    range: Range
    kind: RefKind
    context: str
    strict: bool
    tag: Status | None = None


@dataclass(slots=True)
class Document:
    """One parsed markdown file."""

    path: str
    text: str
    line_count: int
    headings: list[Heading] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    deliverables: list[Deliverable] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    status_sections: list[StatusSection] = field(default_factory=list)
    claims: list[ProgressClaim] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    fields: dict[str, Field] = field(default_factory=dict)
    tasks: list[Task] = field(default_factory=list)
    fenced_lines: frozenset[int] = frozenset()
    comment_lines: frozenset[int] = frozenset()
    # The per-section models this document was assembled from (empty for a one-piece parse):
    # rules whose findings depend only on one section cache them per part.
    parts: list[Document] = field(default_factory=list, repr=False, compare=False)
    # The line each part starts at (the same length as ``parts``).
    part_starts: list[int] = field(default_factory=list, repr=False, compare=False)
    # The text's lines as the parser split them (empty when the document was built by hand).
    lines: list[str] = field(default_factory=list, repr=False, compare=False)

    @property
    def is_milestone_document(self) -> bool:
        """Whether the file holds any structure this tool understands."""
        return bool(
            self.milestones
            or self.deliverables
            or self.reports
            or self.decisions
            or self.status_sections
            or self.claims
        )

    def status_section(self, kind: StatusSectionKind) -> StatusSection | None:
        """The first STATUS section of a kind."""
        for section in self.status_sections:
            if section.kind == kind:
                return section
        return None
