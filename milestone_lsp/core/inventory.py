"""The criteria a person sees in a document, as one flat list (``parse``'s inventory).

The model (:mod:`milestone_lsp.core.parser`) reads the specification's template exactly; teams
write criteria in many other shapes. This module reads those shapes from the blocks of a
document and lists every criterion it finds with its line, text, checked state, the section
that owns it and the shape it was written in. docs/FORMATS.md describes each shape and what is
deliberately not read.

Decisions are made from the document's content and its file name only, so the command line and
the editor see the same inventory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from milestone_lsp.core.blocks import Block, document_blocks
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import Deliverable, Document, Milestone, Report, Status
from milestone_lsp.core.positions import split_lines
from milestone_lsp.core.syntax import (
    CHECKBOX,
    LIST_MARKER,
    STATUS_MARKS,
    front_matter_end,
    strip_trailers,
)

Shape = Literal["list", "checklist", "table", "scenario", "inline", "lines"]


@dataclass(frozen=True, slots=True)
class Criterion:
    """One criterion: where it is, what it says, whether it is met, and who owns it.

    ``checked`` is ``True`` (ticked, ✅, DONE), ``False`` (open, partial, failed) or ``None``
    (written without any status). ``partial`` marks ``[~]``, 🚧 and the like: started, not met.
    """

    line: int
    text: str
    checked: bool | None
    owner: str
    shape: Shape
    partial: bool = False
    withdrawn: bool = False
    end_line: int = -1

    def __post_init__(self) -> None:
        if self.end_line < self.line:
            object.__setattr__(self, "end_line", self.line)


# --- vocabulary -----------------------------------------------------------------------------

# Labels that introduce criteria: "Acceptance criteria", "Exit bar", "Definition of Done",
# "Done when", "Quality gates", "Verify", "Checklist", "... Requirements", "Success metrics".
_CONTAINER = lazy(
    r"(?ix)"
    r"\b(?:acceptance|success|exit|entry|completion|done|pass|release|launch|review|quality)"
    r"\s+(?:criteria|criterion|bar|gates?|conditions?|checks?|checklist)\b"
    r"|\bcriteria\b|\bcriterion\b"
    r"|\bdefinition\s+of\s+(?:done|ready)\b|\bdod\b|\bdone\s+when\b|\bexit\s+bar\b"
    r"|\bgates?\b|\bverify\b|\bverification\b|\bvalidation\b"
    r"|\bcheck\s*list\b|\bchecks\b|\brequirements?\b"
    r"|\bsuccess\s+(?:metrics|measures|signals)\b|\btargets\b|\bexpectations\b"
    r"|\badvance\s+only\s+if\b|\bmust\s+(?:pass|hold|be\s+true)\b|\btest\s+(?:plan|procedure)\b"
    r"|^tests$|\btest\s+cases\b|\bacceptance\s+tests\b"
    # The non-English labels seen in real plans.
    r"|完成标准|验收标准|验收|完成条件|受け入れ基準|完了条件|критері|критери"
    r"|acceptanskriteri|klart\s+när|abnahmekriterien|akzeptanzkriterien"
    r"|criterios?\s+de\s+aceptaci|crit[eè]res?\s+d.acceptation"
)
# Labels whose lists are not criteria even inside a plan: work, history, context.
_NOT_CRITERIA = lazy(
    r"(?ix)\b(?:tasks?|to\s*-?\s*dos?|next\s+steps?|backlog|work\s+items?|changelog|change\s+log"
    r"|history|notes?|risks?|files?|references?|links?|resources|dependencies|out\s+of\s+scope"
    r"|non-goals?|features?|deliverables?|scope|contents|table\s+of\s+contents|context"
    r"|consequences|alternatives|open\s+questions|known\s+issues|blockers?|timeline)\b"
)
# File names and titles of documents that are themselves lists of criteria.
_CRITERIA_DOC = lazy(
    r"(?ix)acceptance[\s_-]*criteria|definition[\s_-]*of[\s_-]*done|(?:^|[\s_-])dod(?:$|[\s_.-])"
    r"|exit[\s_-]*criteria|success[\s_-]*criteria|checklist"
)
# Files that name themselves a plan: checked whenever they hold anything the tool reads (a
# milestone, a status section or a criterion in any of the shapes of docs/FORMATS.md), and
# told so (MS905) when they hold nothing it reads.
PLAN_FILE_NAMES = re.compile(
    r"(?i)^(?:project[_-]?)?(?:status|progress|milestones?|roadmap|plan|implementation[_-]plan"
    r"|deliverables|acceptance[_-]criteria|definition[_-]of[_-]done|decisions)\.md$"
    r"|^milestone[_-]?\w*\.md$"
)
# File names of plans: the documents where a checklist is a list of checks.
_PLAN_NAME = lazy(
    r"(?i)status|milestone|roadmap|acceptance|criteria|deliverable|plan|progress|decision"
    r"|definition[\s_-]*of[\s_-]*done|checklist|sprint|release|^m\d"
)
_SCENARIO = lazy(
    r"^(?:[-*+]\s+)?(?:\*\*|__)?(?P<word>given|when|then|and|but)(?:\*\*|__)?\s*:?(?:\*\*|__)?\s+"
    r"(?P<rest>\S.*)$",
    re.IGNORECASE,
)
_LEAD_MARK = lazy(r"^(?P<mark>✅|✔️|✔|✓|☑️|☑|☐|❌|✗|✘|🚧|⏳|🔄|🟡|⬜|🔲)\uFE0F?\s*")
_OPEN_MARKS = {"☐": Status.PLANNED}
_BOLD_LEAD = lazy(r"^(?:\*\*|__)(?P<label>[^*_\n]{1,80}?)(?:\*\*|__)\s*(?P<rest>.*)$")
_HEADING = lazy(r"^ {0,3}#{1,6}[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$")
_CELL_CRITERION = lazy(
    r"(?i)criteri|requirement|\bcheck\b|\bchecks\b|metric|\bgate\b|acceptance|condition"
    r"|expectation|\bdefinition\b|\bverify\b|\btarget\b|\btest\b"
)
_CELL_STATUS = lazy(r"(?i)^(?:status|state|done|met|result|pass(?:ed)?|✅|✓|ok)\b")
_CELL_VERIFY = lazy(r"(?i)verif|how\s+to|\btest|evidence|method|measure")
_STATUS_WORDS = lazy(
    r"(?i)^(?:done|complete[d]?|passed?|pass|met|yes|verified|shipped|achieved|ok|closed)\b"
)
_OPEN_WORDS = lazy(
    r"(?i)^(?:pending|open|todo|to\s+do|not\s+(?:met|started|done)|no|fail(?:ed)?|planned"
    r"|in\s+progress|partial|blocked|wip|missing|tbd|next)\b"
)
_EMPHASIS = lazy(r"\*\*|__|~~|`")
# Work written as an instruction: the first word is a verb of doing.
_WORK_ITEM = lazy(
    r"(?i)^(?:implement|add|create|build|write|set\s+up|setup|fix|refactor|update|remove"
    r"|migrate|integrate|design|configure|investigate|research|draft|port|rename|move)\b"
)


def _plain(text: str) -> str:
    return " ".join(_EMPHASIS().sub("", text).split())


def _label_text(text: str) -> str:
    """A heading or label with marks, numbering, emphasis and trailing tags removed."""
    text = _plain(text)
    text = _LEAD_MARK().sub("", text)
    end, _ = strip_trailers(text, strict_words=False)
    text = text[:end].strip().rstrip(":.").strip()
    return text


def is_criteria_label(text: str) -> bool:
    """Whether a heading or bold label introduces criteria."""
    label = _label_text(text)
    if not label or len(label) > 80:
        return False
    return _CONTAINER().search(label) is not None and _NOT_CRITERIA().search(label) is None


def _status_cell(text: str) -> tuple[bool | None, bool]:
    """The checked state of a Status cell, and whether it says "partially"."""
    value = _plain(text).strip()
    if not value:
        return None, False
    mark = _LEAD_MARK().match(value)
    if mark is not None:
        return _mark_state(mark.group("mark"))
    if value[:1] in "[" and CHECKBOX.match(value + " "):
        box = CHECKBOX.match(value + " ")
        assert box is not None
        return _box_state(box.group("mark"))
    if _STATUS_WORDS().match(value):
        return True, False
    if _OPEN_WORDS().match(value):
        partial = re.match(r"(?i)in\s+progress|partial|wip", value) is not None
        return False, partial
    return None, False


def status_cell_state(text: str) -> tuple[bool | None, bool]:
    """The checked state a table's Status cell gives (``✅``, ``DONE``, ``Pending``), and
    whether it says "partially"; ``None`` when the cell holds no status."""
    return _status_cell(text)


def _mark_state(mark: str) -> tuple[bool | None, bool]:
    status = STATUS_MARKS.get(mark) or STATUS_MARKS.get(mark.rstrip("\ufe0f"))
    if status is None:
        status = _OPEN_MARKS.get(mark)
    if status is None:
        return None, False
    if status is Status.DONE:
        return True, False
    return False, status is Status.IN_PROGRESS


def _box_state(mark: str) -> tuple[bool | None, bool]:
    if mark in ("x", "X") or mark in STATUS_MARKS:
        return True, False
    if mark in ("~", "-", "/"):
        return False, True
    return False, False


def _trailer_state(text: str) -> tuple[str, bool | None, bool]:
    """Text without trailing tags (``(DONE)``, ``✅``), and the state those tags give."""
    end, trailers = strip_trailers(text)
    for t in trailers:
        if t.kind in ("tag", "mark") and t.status is not None:
            partial = t.status is Status.IN_PROGRESS
            return text[:end].rstrip(" -–—:"), t.status is Status.DONE, partial
    return text, None, False


@dataclass(slots=True)
class _Scope:
    """A heading or bold label that is open: its level, its text and what it introduces."""

    level: int
    text: str
    criteria: bool
    excluded: bool


class _Reader:
    def __init__(self, doc: Document, lines: list[str]) -> None:
        self.doc = doc
        self.lines = lines
        name = PurePath(doc.path).name if doc.path else ""
        self.criteria_doc = bool(_CRITERIA_DOC().search(name))
        self.plan = bool(_PLAN_NAME().search(name)) or doc.is_milestone_document
        self.scopes: list[_Scope] = []
        self.label: _Scope | None = None  # a bold label above the current list or paragraph
        self.out: list[Criterion] = []
        self.seen: set[int] = set()
        self.scenario: list[tuple[int, str, str]] = []

    # -- scope ----------------------------------------------------------------------------

    def owner(self) -> str:
        for scope in reversed(self.scopes):
            if not scope.criteria and scope.level > 1:
                return _label_text(scope.text)
        for scope in reversed(self.scopes):
            if not scope.criteria:
                return _label_text(scope.text)
        return PurePath(self.doc.path).name if self.doc.path else ""

    def in_criteria(self) -> bool:
        # A bold label inside a criteria heading ("## Success metrics", then "**Technical:**")
        # groups its criteria; only a label that names work or history leaves them.
        if self.label is not None and (self.label.criteria or self.label.excluded):
            return self.label.criteria
        for scope in reversed(self.scopes):
            if scope.criteria:
                return True
            if scope.excluded:
                return False
        return False

    def excluded(self) -> bool:
        if self.label is not None and self.label.excluded:
            return True
        for scope in reversed(self.scopes):
            if scope.criteria:
                return False
            if scope.excluded:
                return True
        return False

    def heading(self, block: Block) -> None:
        self.flush_scenario()
        m = _HEADING().match(self.lines[block.start])
        text = m.group("text") if m else self.lines[block.start].strip()
        while self.scopes and self.scopes[-1].level >= block.depth:
            self.scopes.pop()
        label = _label_text(text)
        if block.depth == 1 and _CRITERIA_DOC().search(label):
            self.criteria_doc = True
        self.scopes.append(
            _Scope(
                block.depth,
                text,
                is_criteria_label(text),
                _NOT_CRITERIA().search(label) is not None and not is_criteria_label(text),
            )
        )
        self.label = None

    # -- adding -----------------------------------------------------------------------------

    def add(
        self,
        line: int,
        text: str,
        checked: bool | None,
        shape: Shape,
        *,
        partial: bool = False,
        withdrawn: bool = False,
        end_line: int = -1,
    ) -> None:
        text = _plain(text)
        if not text or line in self.seen or len(text) < 3:
            return
        self.seen.add(line)
        self.out.append(
            Criterion(line, text, checked, self.owner(), shape, partial, withdrawn, end_line)
        )

    def wanted(self, boxed: bool, text: str) -> bool:
        """Whether a list item here is a criterion."""
        if self.in_criteria():
            return True
        if self.excluded():
            return False
        if self.criteria_doc:
            return True
        # Outside a criteria label, a checklist of work ("Implement the client") is a task list.
        return boxed and self.plan and _WORK_ITEM().match(_plain(text)) is None

    # -- blocks -----------------------------------------------------------------------------

    def item(self, block: Block) -> None:
        raw = self.lines[block.start]
        m = LIST_MARKER.match(raw)
        if m is None:
            return
        body = raw[m.end() :]
        own_end = max(block.start + 1, min(block.own_end or block.end, block.end))
        for extra in range(block.start + 1, own_end):
            nxt = self.lines[extra].strip()
            if not nxt or LIST_MARKER.match(self.lines[extra]):
                break
            body += " " + nxt
        scen = _SCENARIO().match(body.strip())
        if scen is not None:
            self.scenario_line(block.start, scen)
            return
        self.flush_scenario()
        checked: bool | None = None
        partial = False
        boxed = False
        box = CHECKBOX.match(body) if body[:1] == "[" else None
        if box is not None:
            boxed = True
            checked, partial = _box_state(box.group("mark"))
            body = body[box.end() :]
        else:
            alt = re.match(r"^\[(?P<mark>[^\]\s]{1,2})\]\s+", body)
            if alt is not None and alt.group("mark") in ("✓", "✔", "✅", "☑", "✗", "❌"):
                boxed = True
                checked, partial = _mark_state(alt.group("mark"))
                body = body[alt.end() :]
        lead = _LEAD_MARK().match(body)
        marked = lead is not None
        if lead is not None:
            boxed = True
            state, part = _mark_state(lead.group("mark"))
            if checked is None:
                checked, partial = state, part
            body = body[lead.end() :]
        body, tag, tag_partial = _trailer_state(body.strip())
        if checked is None and tag is not None:
            checked, partial = tag, tag_partial
        stripped = body.strip()
        withdrawn = stripped.startswith("~~") and stripped.endswith("~~") and len(stripped) > 4
        if not self.wanted(boxed, stripped):
            return
        if self._looks_like_label(stripped):
            return
        self.add(
            block.start,
            stripped,
            None if withdrawn else checked,
            "checklist" if boxed or marked else "list",
            partial=partial,
            withdrawn=withdrawn,
            end_line=own_end - 1,
        )

    @staticmethod
    def _looks_like_label(text: str) -> bool:
        """A bold sub-heading written as a list item (``- **Performance:**``) is not a check."""
        plain = _plain(text)
        return plain.endswith(":") and len(plain.split()) <= 5

    def paragraph(self, block: Block) -> None:
        if block.in_item:
            return
        for line in range(block.start, min(block.end, len(self.lines))):
            self.para_line(line, self.lines[line].strip())

    def para_line(self, line: int, text: str) -> None:
        if not text:
            return
        scen = _SCENARIO().match(text)
        if scen is not None:
            self.scenario_line(line, scen)
            return
        self.flush_scenario()
        bold = _BOLD_LEAD().match(text)
        if bold is not None:
            label = bold.group("label").strip()
            rest = bold.group("rest").strip()
            if label.endswith((":", ".")) or rest.startswith(":") or not rest:
                rest = rest.lstrip(":").strip()
                crit = is_criteria_label(label)
                self.label = _Scope(
                    99, label, crit, _NOT_CRITERIA().search(_label_text(label)) is not None
                )
                if crit and rest and len(rest.split()) >= 3:
                    # "**Exit criteria.** The CLI ..." — a lead-in sentence: its text is the check.
                    self.add(line, rest, None, "inline")
                return
        plain_label = re.match(r"^(?P<label>[^:*|]{2,60}):\s*(?P<rest>.*)$", text)
        if plain_label is not None and is_criteria_label(plain_label.group("label")):
            rest = plain_label.group("rest").strip()
            self.label = _Scope(99, plain_label.group("label"), True, False)
            if rest and len(rest.split()) >= 3:
                self.add(line, rest, None, "inline")
            return
        if not self.in_criteria():
            return
        lead = _LEAD_MARK().match(text)
        if lead is None:
            return
        state, partial = _mark_state(lead.group("mark"))
        body, tag, tag_partial = _trailer_state(text[lead.end() :].strip())
        if state is None and tag is not None:
            state, partial = tag, tag_partial
        self.add(line, body, state, "lines", partial=partial)

    def scenario_line(self, line: int, m: re.Match[str]) -> None:
        word = m.group("word").lower()
        if word == "given" and any(w == "then" for _, w, _ in self.scenario):
            self.flush_scenario()
        self.scenario.append((line, word, m.group("rest").strip()))

    def flush_scenario(self) -> None:
        """One Given/When/Then scenario is one criterion, placed on its first Then line."""
        parts = self.scenario
        self.scenario = []
        if not any(w == "then" for _, w, _ in parts):
            return
        then_line = next(n for n, w, _ in parts if w == "then")
        text = " ".join(f"{w.capitalize()} {rest}" for _, w, rest in parts)
        self.add(then_line, text, self.heading_state(), "scenario", end_line=parts[-1][0])

    def fence(self, block: Block) -> None:
        """Gherkin in a fence (no language, or gherkin/feature): its scenarios are criteria."""
        self.flush_scenario()
        first = self.lines[block.start].strip().lstrip("`~").strip().lower()
        if first not in ("", "gherkin", "feature", "cucumber", "text", "txt", "plain"):
            return
        for line in range(block.start + 1, min(block.end, len(self.lines))):
            text = self.lines[line].strip()
            m = _SCENARIO().match(text)
            if m is not None:
                self.scenario_line(line, m)
            elif re.match(r"(?i)^scenario(?: outline)?:", text):
                self.flush_scenario()
        self.flush_scenario()

    def heading_state(self) -> bool | None:
        """The status written on the nearest heading (``#### ✅ Scenario 1.1``)."""
        if not self.scopes:
            return None
        text = _plain(self.scopes[-1].text)
        lead = _LEAD_MARK().match(text)
        if lead is not None:
            return _mark_state(lead.group("mark"))[0]
        return _trailer_state(text)[1]

    def table(self, block: Block) -> None:
        self.flush_scenario()
        rows = list(range(block.start, min(block.end, len(self.lines))))
        if len(rows) < 3:
            return
        header = [_plain(c) for c in _cells(self.lines[rows[0]])]
        crit_col = next((i for i, h in enumerate(header) if _CELL_CRITERION().search(h)), None)
        if crit_col is None:
            if not self.in_criteria():
                return
            crit_col = next(
                (
                    i
                    for i, h in enumerate(header)
                    if h and not re.match(r"^(?:#|id|no\.?)$", h, re.I)
                ),
                0,
            )
        status_col = next(
            (i for i, h in enumerate(header) if i != crit_col and _CELL_STATUS().match(h)), None
        )
        verify_cols = [
            i
            for i, h in enumerate(header)
            if i not in (crit_col, status_col) and _CELL_VERIFY().search(h)
        ]
        for number in rows[2:]:
            cells = _cells(self.lines[number])
            if crit_col >= len(cells):
                continue
            text = cells[crit_col]
            if not _plain(text):
                continue
            checked: bool | None = None
            partial = False
            if status_col is not None and status_col < len(cells):
                checked, partial = _status_cell(cells[status_col])
            else:
                lead = _LEAD_MARK().match(_plain(text))
                if lead is not None:
                    checked, partial = _mark_state(lead.group("mark"))
                    text = _plain(text)[lead.end() :]
            extra = [cells[i] for i in verify_cols if i < len(cells) and _plain(cells[i])]
            full = " — ".join([_plain(text), *(_plain(e) for e in extra)])
            self.add(number, full, checked, "table", partial=partial)

    def run(self, blocks: list[Block]) -> list[Criterion]:
        for block in blocks:
            kind = block.kind
            if kind == "heading":
                self.heading(block)
            elif kind == "item":
                self.item(block)
            elif kind == "para":
                self.paragraph(block)
            elif kind == "table":
                self.table(block)
            elif kind == "fence":
                self.fence(block)
            elif kind in ("hr",):
                self.flush_scenario()
                self.label = None
        self.flush_scenario()
        self.out.sort(key=lambda c: c.line)
        return self.out


def _cells(row: str) -> list[str]:
    stripped = row.strip()
    if stripped.startswith("|"):
        stripped = stripped[1:]
    if stripped.endswith("|"):
        stripped = stripped[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", stripped)]


def criteria_inventory(doc: Document) -> list[Criterion]:
    """Every criterion of ``doc`` in document order, in any of the shapes docs/FORMATS.md lists."""
    lines = doc.lines or split_lines(doc.text)
    fm_end = front_matter_end(lines)
    md_lines = [""] * fm_end + lines[fm_end:] if fm_end else lines
    blocks = document_blocks(md_lines)
    found = _Reader(doc, lines).run(blocks)
    # The template's own criteria, as the model read them, are always part of the inventory.
    lines_seen = {c.line for c in found}
    extra: list[Criterion] = []
    sections: list[Milestone | Deliverable | Report] = [
        *doc.milestones,
        *doc.deliverables,
        *doc.reports,
    ]
    for section in sections:
        for it in section.criteria:
            line = it.range.start.line
            if line in lines_seen:
                continue
            lines_seen.add(line)
            extra.append(
                Criterion(
                    line,
                    _plain(it.text),
                    None if it.struck else (it.is_done if it.state or it.marks else None),
                    section.name,
                    "table" if it.from_table else ("checklist" if it.state else "list"),
                    partial=it.state == "partial",
                    withdrawn=it.struck,
                )
            )
    if extra:
        found = sorted([*found, *extra], key=lambda c: c.line)
    return found


def inventory_summary(doc: Document, criteria: list[Criterion]) -> str:
    """One line saying what was recognised in ``doc``: structure, then criteria by shape."""
    parts: list[str] = []
    for name, found in (
        ("milestone", doc.milestones),
        ("deliverable", doc.deliverables),
        ("report", doc.reports),
        ("decision", doc.decisions),
        ("status section", doc.status_sections),
        ("progress claim", doc.claims),
    ):
        if found:
            parts.append(f"{len(found)} {name}{'s' if len(found) != 1 else ''}")
    shapes: dict[str, int] = {}
    for c in criteria:
        shapes[c.shape] = shapes.get(c.shape, 0) + 1
    if criteria:
        detail = ", ".join(f"{n} {s}" for s, n in sorted(shapes.items()))
        done = sum(1 for c in criteria if c.checked)
        parts.append(f"{len(criteria)} criteria ({detail}; {done} met)")
    return "; ".join(parts) if parts else "nothing"
