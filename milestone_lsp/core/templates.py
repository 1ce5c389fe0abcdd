"""Text templates the editor inserts: definitions, STATUS.md skeleton, checklists, log entries.

Every template follows the specification's formats (Milestone Template, Deliverable Template,
STATUS.md Structure, the Verification checklists, Approval Log Format). Templates are written with
``-`` bullets and ``\\n`` line ends and then restyled to the target document, so an inserted block
looks like the text around it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import Document
from milestone_lsp.core.partscan import scan_by_part
from milestone_lsp.core.positions import line_index
from milestone_lsp.core.textmemo import per_text

TemplateKind = Literal[
    "milestone", "deliverable", "status", "milestoneVerification", "deliverableVerification"
]
TEMPLATE_KINDS: tuple[TemplateKind, ...] = (
    "milestone",
    "deliverable",
    "status",
    "milestoneVerification",
    "deliverableVerification",
)
TEMPLATE_TITLES: dict[TemplateKind, str] = {
    "milestone": "Insert Milestone template",
    "deliverable": "Insert Deliverable template",
    "status": "Insert STATUS.md skeleton",
    "milestoneVerification": "Insert Milestone Verification checklist",
    "deliverableVerification": "Insert Deliverable Verification checklist",
}

_MILESTONE = """## Milestone: {name}

**Goal:** [Outcome that is true once this milestone is reached, in one sentence]
**Phase:** Phase {phase}
**Target:** [Date or week]

**Acceptance Criteria:**
- [ ] [Functional criterion naming the command or request that shows it works]
- [ ] [Testing criterion naming the suite and its pass count]
- [ ] [Documentation criterion naming the page that explains it]
- [ ] [Quality criterion naming the tool and the limit it must meet]

**Deliverables:**
1. [Deliverable name]

**Value Delivered:**
[What users or stakeholders can do once this milestone is reached]

**Approval Required:** [Yes or No, and why]
"""

_DELIVERABLE = """### Deliverable: {name}

**Phase:** Phase {phase}
**Owner:** [Who builds it]

**Scope:**
- [Files, modules or features it touches]

**Output:**
[The artifact it produces]

**Success Criteria:**
- [ ] [Behaviour it adds and the command or test that shows it]
- [ ] [Test suite that covers it and its pass count]
- [ ] [Documentation page or section that describes it]

**Testing:**
[Commands or test names that verify it]

**Dependencies:**
[What must exist first, or None]

**Contributes To:**
Milestone: {milestone}
"""

_STATUS = """# Project Status

## Current State
- Phase: Phase {phase}
- Milestone: {milestone} (0% complete)
- Deliverable: [Deliverable name] (IN PROGRESS)

## Milestones
- [ ] {milestone} (Phase {phase}) - 0%

## Phase {phase} Deliverables
- [ ] [Deliverable name] (IN PROGRESS)

## Test Status
- Unit: 0/0 (0%)

## Active Workers
{workers}

## Next P0
{next_step}
"""

_MILESTONE_VERIFICATION = """## Milestone Verification: {name}

- [ ] All deliverables complete
- [ ] All acceptance criteria met
- [ ] Full test suite passing
- [ ] Smoke tests passing
- [ ] Documentation current
- [ ] Performance targets of the acceptance criteria met
- [ ] Security review passed (if required)
- [ ] User approval obtained (if required)
"""

_DELIVERABLE_VERIFICATION = """## Deliverable Verification: {name}

- [ ] All success criteria met
- [ ] Tests run and passing
- [ ] Output artifact exists
- [ ] Documentation updated
- [ ] STATUS.md updated
- [ ] DECISIONS.md logged (if architectural)
"""

_APPROVAL = """## {date}: Milestone "{name}" PENDING

**Context:** [Why approval is requested now]
**Evidence:**
- All deliverables complete ({deliverables})
- Acceptance criteria met ({criteria})
- [Tests passing (N/N)]

**Decision:** PENDING (replace with Approved, Conditional approval or Rejected)
**Next Milestone:** [Name]
"""

_TEXTS: dict[TemplateKind, str] = {
    "milestone": _MILESTONE,
    "deliverable": _DELIVERABLE,
    "status": _STATUS,
    "milestoneVerification": _MILESTONE_VERIFICATION,
    "deliverableVerification": _DELIVERABLE_VERIFICATION,
}

_LABEL_RE = lazy(r"^\*\*([^*:]+):\*\*", re.MULTILINE)

# The section labels of the definitions, in template order, read from the templates themselves
# so that completion, the required-sections default and the inserted text never drift apart.
MILESTONE_LABELS: tuple[str, ...] = tuple(_LABEL_RE().findall(_MILESTONE))
DELIVERABLE_LABELS: tuple[str, ...] = tuple(_LABEL_RE().findall(_DELIVERABLE))
# "Milestone Definition › Milestone Template" marks the target date as optional.
OPTIONAL_LABELS: frozenset[str] = frozenset({"Target"})

_BULLET_RE = lazy(r"^([ \t]*)([-*+])[ \t]+", re.MULTILINE)
_BULLET_START = lazy(r"[ \t]*([-*+])[ \t]")
# A list marker at the start of a line: after a line feed, or after a lone carriage return
# (after the CR of a CRLF comes the LF, which is neither indentation nor a marker).
_BULLET_AFTER_EOL = lazy(r"[\r\n][ \t]*([-*+])[ \t]")
_BULLETS = ("-", "*", "+")


def _most_used(found: list[str]) -> str:
    counts = {bullet: found.count(bullet) for bullet in _BULLETS}
    best = max(counts, key=lambda b: counts[b])
    return best if counts[best] else "-"


@per_text(2)
def document_bullet(text: str) -> str:
    """The bullet character the document uses most (``-`` when it has no bullets)."""
    # The list markers after each line break, and the first line's: a search for a line break
    # skips ahead faster than a multi-line "^" tried at every character.
    found = _BULLET_AFTER_EOL().findall(text)
    first = _BULLET_START().match(text)
    if first is not None:
        found.append(first.group(1))
    return _most_used(found)


def _bullets_in(lines: list[str], start: int, end: int) -> list[str]:
    """The list markers that begin lines ``start``..``end``, in order."""
    text = "\n".join(lines[start:end])
    found = _BULLET_AFTER_EOL().findall(text)
    first = _BULLET_START().match(text)
    if first is not None:
        found.insert(0, first.group(1))
    return found


def bullet_of(doc: Document) -> str:
    """:func:`document_bullet` of ``doc``'s text, counted per part: after an edit only the
    parts it touched are read again (a code action offers templates after every keystroke)."""
    return _most_used(scan_by_part(doc, "bullets", _bullets_in))


def restyle(block: str, document_text: str, bullet: str | None = None) -> str:
    """Rewrite a ``-``/``\\n`` block in the document's bullet character (``bullet`` when the
    caller knows it) and line ending."""
    if bullet is None:
        bullet = document_bullet(document_text)
    if bullet != "-":
        block = _BULLET_RE().sub(lambda m: f"{m.group(1)}{bullet} ", block)
    eol = line_index(document_text).line_ending() if document_text else "\n"
    return block.replace("\n", eol) if eol != "\n" else block


def render(
    kind: TemplateKind,
    *,
    name: str = "[Name]",
    phase: str = "N",
    milestone: str = "[Milestone name]",
    workers: str = "- [Worker]: [Current task]",
    next_step: str = "[The most important next step]",
) -> str:
    """The template text of ``kind`` with ``-`` bullets and ``\\n`` line ends."""
    return _TEXTS[kind].format(
        name=name, phase=phase, milestone=milestone, workers=workers, next_step=next_step
    )


def approval_entry(
    name: str,
    *,
    today: date | None = None,
    deliverables: str = "N/N",
    criteria: str = "N/N",
) -> str:
    """A PENDING approval entry in the Approval Log Format, dated today."""
    day = (today or date.today()).isoformat()
    return _APPROVAL.format(date=day, name=name, deliverables=deliverables, criteria=criteria)


def insertion_text(block: str, document_text: str, line: int, bullet: str | None = None) -> str:
    """``block`` restyled for the document, with blank lines separating it from its neighbours."""
    index = line_index(document_text)
    eol = index.line_ending() if document_text else "\n"
    styled = restyle(block, document_text, bullet)
    lines = index.lines
    before_blank = line <= 0 or line > len(lines) or not lines[line - 1].strip()
    at_line_blank = line >= len(lines) or not lines[line].strip()
    prefix = "" if before_blank else eol
    suffix = "" if at_line_blank and line >= len(lines) - 1 else eol
    if line >= len(lines) and document_text and not document_text.endswith(("\n", "\r")):
        prefix = eol + eol
    return prefix + styled + suffix
