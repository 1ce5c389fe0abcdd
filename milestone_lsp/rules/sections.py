"""Template structure rules: missing (MS001), empty (MS002) and misspelled (MS003) sections.

The specification's Milestone Template and Deliverable Template name the labelled sections every
definition carries. These rules compare each definition with the required list from the settings
(``required_sections``), in the template's order, and write fixes in the document's own style:
``**Label:**`` lines or sub-headings, and its own line endings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache

from milestone_lsp.core.edits import TextEdit, fence_left_open
from milestone_lsp.core.findings import Finding, Fix, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import Deliverable, Document, Field, Milestone, Section
from milestone_lsp.core.parser import CANONICAL_LABELS, CATEGORIES, FIELD_ALIASES
from milestone_lsp.core.partscan import model_by_part
from milestone_lsp.core.positions import Range
from milestone_lsp.core.syntax import clean_inline, normalize_name
from milestone_lsp.core.textmemo import per_text
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.registry import (
    RuleContext,
    heading_facts,
    line_ending_key,
    no_section_key,
    rule,
)
from milestone_lsp.settings.config import Config, RequiredSections

Definition = Milestone | Deliverable

# Sections whose value fits on the label's line; the template writes them on consecutive lines.
INLINE_KEYS = frozenset({"goal", "phase", "target", "owner", "approval_required"})
# Sections whose body is a list of items.
LIST_KEYS = frozenset({"acceptance_criteria", "success_criteria", "deliverables"})
# Criteria sections: their items belong to MS101 (vague-criterion), not to MS002.
CRITERIA_KEYS = frozenset({"acceptance_criteria", "success_criteria"})

# What a stub holds until someone fills it in. Bracketed, so that MS002 (empty-section) and
# MS101 (vague-criterion) keep pointing at it as unfinished template text.
STUB_VALUES: dict[str, str] = {
    "goal": "[Outcome that is true once this milestone is reached, in one sentence]",
    "phase": "[Phase N]",
    "target": "[Date or week]",
    "acceptance_criteria": "[Measurable criterion, e.g. integration tests passing (N/N)]",
    "deliverables": "[Deliverable name]",
    "value_delivered": "[What users or stakeholders can do once this milestone is reached]",
    "approval_required": "[Yes/No]",
    "owner": "[Who builds it]",
    "scope": "[Files, modules or features it touches]",
    "output": "[The artifact it produces]",
    "success_criteria": "[Measurable criterion, e.g. unit test coverage >80%]",
    "testing": "[Commands or test names that verify it]",
    "dependencies": "[What must exist first, or None]",
    "contributes_to": "[Milestone name]",
}

# A value that is nothing but template text: "[One sentence outcome]", "<name>", "Phase N".
_PLACEHOLDER_VALUE = re.compile(
    r"^(?:\[[^\[\]]*\](?!\()|<[^<>]*>|phase\s+n|yes\s*/\s*no|lead\s*/\s*worker|tbd|todo|n/?a)$",
    re.IGNORECASE,
)
_HR = lazy(r"^\s{0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")
_HEADING_MARK = lazy(r"^\s{0,3}(#{1,6})\s")
_LABEL_SUFFIX = lazy(r"^(\*\*:|:\*\*|__:|:__|\*:|:\*|_:|:_|:)")
_BOLD_ONLY_LINE = re.compile(
    r"^(?P<indent>\s*)(?:\*\*|__)(?P<label>[A-Za-z][A-Za-z \-]{1,40}?)(?:\*\*|__)\s*$"
)


def norm_label(label: str) -> str:
    """The form labels are compared in: lower case, single spaces, no emphasis or colon."""
    return " ".join(label.replace("*", "").replace("_", " ").split()).lower().rstrip(":").strip()


def section_key(name: str) -> str:
    """The field key a configured section name stands for (``"Value Delivered"`` → key)."""
    norm = norm_label(name)
    return FIELD_ALIASES.get(norm, norm)


def display_label(key: str, fallback: str) -> str:
    """How a section is written in the template."""
    return CANONICAL_LABELS.get(key, fallback)


def is_placeholder_value(text: str) -> bool:
    """Whether a value is only unfilled template text (``[One sentence outcome]``, ``Yes/No``)."""
    value = text.strip().strip("*_` ").strip()
    return bool(value) and _PLACEHOLDER_VALUE.match(value) is not None


def definitions(doc: Document) -> Iterator[Definition]:
    """The milestone and deliverable definitions of a document (progress updates left out)."""
    for m in doc.milestones:
        if not m.is_update:
            yield m
    yield from doc.deliverables


def required_keys(ctx: RuleContext, section: Definition) -> list[tuple[str, str]]:
    """``(key, label)`` of each section the settings require for this kind, in order."""
    return _required_keys(ctx.config, isinstance(section, Milestone))


def _required_keys(config: Config, milestone: bool) -> list[tuple[str, str]]:
    names: Sequence[str] = (
        config.required_sections.milestone if milestone else config.required_sections.deliverable
    )
    return list(_keys_of(tuple(names)))


@lru_cache(maxsize=64)
def _keys_of(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``(key, label)`` of each section name, without repeats (asked for each definition)."""
    out: list[tuple[str, str]] = []
    for name in names:
        key = section_key(name)
        if key not in {k for k, _ in out}:
            out.append((key, display_label(key, name.strip())))
    return tuple(out)


def find_field(section: Definition, key: str) -> Field | None:
    """The field of ``section`` for a required key (known or configured custom section).

    A milestone's criteria written under "Success Criteria" (or "Definition of done") count as
    its Acceptance Criteria: many real milestone files word it so, and the criteria are there.
    """
    found = section.fields.get(key)
    if found is None and isinstance(section, Milestone) and key == "acceptance_criteria":
        found = section.fields.get("success_criteria")
    if found is None and isinstance(section, Milestone) and key == "deliverables":
        found = section.fields.get("deliverable")  # "**Deliverable**: the app that ..."
    if found is None and key not in CANONICAL_LABELS:
        found = next((f for f in section.unknown_fields if norm_label(f.label) == key), None)
    return found


def _kind(section: Definition) -> str:
    return "Milestone" if isinstance(section, Milestone) else "Deliverable"


def _join(words: Sequence[str]) -> str:
    quoted = [f"'{w}'" for w in words]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


# --- MS001 --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Style:
    """How the document writes a section label."""

    heading_level: int | None  # sub-heading style when set
    prefix: str = "**"
    suffix: str = ":**"
    eol: str = "\n"

    def stub(self, key: str, label: str, value: str) -> list[str]:
        """The lines of one section stub."""
        if self.heading_level is not None:
            body = f"- [ ] {value}" if key in CRITERIA_KEYS else value
            if key == "deliverables":
                body = f"1. {value}"
            return ["#" * self.heading_level + " " + label, "", body]
        head = f"{self.prefix}{label}{self.suffix}"
        if key in INLINE_KEYS:
            return [f"{head} {value}"]
        if key in CRITERIA_KEYS:
            return [head, f"- [ ] {value}"]
        if key == "deliverables":
            return [head, f"1. {value}"]
        return [head, value]


@per_text(2)
def _eol(text: str) -> str:
    # Cached per text: it runs once per definition, and scanning the whole text each time made
    # MS001 quadratic in the document's size.
    return "\r\n" if "\r\n" in text else ("\r" if "\r" in text and "\n" not in text else "\n")


def _style(ctx: RuleContext, present: list[Field]) -> _Style:
    eol = _eol(ctx.doc.text)
    headed = [f for f in present if f.from_heading]
    if present and len(headed) * 2 > len(present):
        m = _HEADING_MARK().match(ctx.lines[headed[0].line])
        return _Style(len(m.group(1)) if m else 3, eol=eol)
    for f in present:
        if f.from_heading:
            continue
        line = ctx.lines[f.line]
        start, end = f.label_range.start.character, f.label_range.end.character
        prefix = line[:start].lstrip()
        if prefix.startswith(("- ", "* ", "+ ")):
            continue  # "- Label: value" items are not the template's form
        suffix = _LABEL_SUFFIX().match(line[end:])
        if suffix is not None:
            return _Style(None, prefix, suffix.group(1), eol)
        # A bold label without a colon ("**Goal**" alone on its line): close the emphasis the
        # prefix opens, or the stub ("**Scope:") is no label and every fix-all adds it again.
        marker = re.search(r"(\*\*|__|\*|_)$", prefix)
        return _Style(None, prefix, ":" + (marker.group(1) if marker else ""), eol)
    return _Style(None, eol=eol)


def content_end(ctx: RuleContext, fld: Field, limit: int) -> int:
    """The last line with content of a field (blank lines and rules after it left out)."""
    last = fld.line
    stop = min(max(fld.end_line, fld.line), limit, len(ctx.lines) - 1)
    for number in range(fld.line, stop + 1):
        text = ctx.lines[number]
        if text.strip() and not _HR().match(text) and number not in ctx.doc.comment_lines:
            last = number
    return last


def _outside_open_fence(ctx: RuleContext, end: int, floor: int) -> int:
    """``end``, or the last content line before a fence that is never closed.

    Text after a fence that has no closing line is inside it: a stub written there would be
    code, not a section, and every fix-all would add it again.
    """
    start, _marker = fence_left_open(ctx.lines, ctx.doc.fenced_lines, end)
    if start <= floor:
        return end
    before = start - 1
    while before > floor and not ctx.lines[before].strip():
        before -= 1
    return before


def _compact(key: str, neighbour: Field | str | None) -> bool:
    """Whether a stub sits on the line next to its neighbour, as Goal/Phase/Target do."""
    if key not in INLINE_KEYS or neighbour is None:
        return False
    if isinstance(neighbour, str):
        return neighbour in INLINE_KEYS
    return (
        neighbour.key in INLINE_KEYS
        and not neighbour.from_heading
        and not neighbour.items
        and (neighbour.value_range is None or neighbour.value_range.end.line == neighbour.line)
    )


def _contributes_key(ws: Workspace) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """What :func:`_contributes_to_value` reads from the workspace (for MS001's section cache)."""
    return tuple((m.name, tuple(i.text for i in m.deliverable_items)) for m in ws.milestones())


def _contributes_to_value(ws: Workspace, deliverable: Deliverable) -> str:
    """``Milestone: X`` for the milestone whose Deliverables list this deliverable, if one does."""
    wanted = normalize_name(deliverable.name)
    for m in ws.milestones():
        if any(normalize_name(i.text) == wanted for i in m.deliverable_items):
            return f"Milestone: {m.name}"
    return f"Milestone: {STUB_VALUES['contributes_to']}"


def missing_section_fix(
    ctx: RuleContext, section: Definition, required: list[tuple[str, str]], missing: list[str]
) -> Fix | None:
    """Insert a stub for every missing section, each after the preceding present one."""
    present = [(k, f) for k, _ in required if (f := find_field(section, k)) is not None]
    if not present:
        return None
    style = _style(ctx, [f for _, f in present])
    eol = style.eol
    limit = section.end_line
    # Group the stubs by the field they follow (None: before the first present field).
    groups: dict[int | None, list[tuple[str, str]]] = {}
    anchor: Field | None = None
    anchors: dict[int, Field] = {}
    for key, label in required:
        fld = find_field(section, key)
        if fld is not None:
            anchor = fld
            continue
        if key not in missing:
            continue
        slot = None if anchor is None else id(anchor)
        if anchor is not None:
            anchors[id(anchor)] = anchor
        groups.setdefault(slot, []).append((key, label))
    edits: list[TextEdit] = []
    for slot, stubs in groups.items():
        chunks: list[str] = []
        if slot is None:
            first = min((f for _, f in present), key=lambda f: f.line)
            for i, (key, label) in enumerate(stubs):
                lines = style.stub(key, label, _stub_value(ctx, section, key))
                after: Field | str = stubs[i + 1][0] if i + 1 < len(stubs) else first
                gap = "" if style.heading_level is None and _compact(key, after) else eol
                chunks.append(eol.join(lines) + eol + gap)
            pos = Range.of(first.line, 0)
            edits.append(TextEdit(ctx.doc.path, pos, "".join(chunks)))
            continue
        fld = anchors[slot]
        end = _outside_open_fence(ctx, content_end(ctx, fld, limit), fld.line)
        before: Field | str = fld
        for key, label in stubs:
            lines = style.stub(key, label, _stub_value(ctx, section, key))
            gap = "" if style.heading_level is None and _compact(key, before) else eol
            chunks.append(eol + gap + eol.join(lines))
            before = key
        pos = Range.of(end, len(ctx.lines[end]))
        edits.append(TextEdit(ctx.doc.path, pos, "".join(chunks)))
    names = [label for key, label in required if key in missing]
    title = f"Add {_join(names)} section stub{'s' if len(names) > 1 else ''}"
    # The stubs hold placeholders somebody still has to write: offered in the editor, never
    # applied by fix-all or `check --fix` (which must not raise a file's warning count).
    return Fix(title, tuple(edits), "unsafe")


# Labels only the specification's templates use: a definition that writes none of them follows
# its team's own format, however much it looks like a milestone otherwise.
_TEMPLATE_ONLY = {
    Milestone: frozenset({"phase", "value_delivered", "approval_required"}),
    Deliverable: frozenset({"phase", "contributes_to", "output", "testing"}),
}


def uses_template(section: Definition) -> bool:
    """Whether a definition is written in the template: its heading uses the kind word and it
    writes at least one of the labels only the template has."""
    if not written_in_template(section):
        return False
    own = _TEMPLATE_ONLY[type(section)]
    return any(k in own for k in section.fields) or any(
        norm_label(f.label) in ("value delivered", "approval required", "contributes to")
        for f in section.unknown_fields
    )


def written_in_template(section: Definition) -> bool:
    """Whether a definition's heading uses the template's kind word (``Milestone: X``,
    ``Milestone 2 — X``, ``Deliverable 1.2: X``) rather than a team's own short form
    (``M2 — X``, ``D4 — X``) or a report heading."""
    name = _TEMPLATE_KIND.match(clean_inline(section.heading.text).lstrip("✅❌🚧⏳☑✓ \ufe0f"))
    return name is not None


@dataclass(frozen=True, slots=True)
class DocumentFormat:
    """What a document's own format says about the template's sections (for MS001).

    ``configured``: the settings name the required sections, so every definition is held to
    them. ``unused_*``: labels that none of two or more definitions of a kind writes (the
    document's consistent format does without them). ``phased_lines``: heading lines of
    definitions whose phase is given by a ``(Phase 0)`` note or a ``## Phase 2`` heading above.
    """

    configured: bool
    unused_milestone: frozenset[str]
    unused_deliverable: frozenset[str]
    phased_names: frozenset[str]
    phased_lines: frozenset[int] = dataclass_field(compare=False, default=frozenset())


# The format of the last whole document seen, by its text: MS001 runs on one section at a time
# (with the whole document's text), and its key is computed on the whole document first.
_LAST_FORMAT: list[tuple[str, Config, DocumentFormat]] = []


def document_format(ctx: RuleContext) -> DocumentFormat:
    """The format facts of the whole document that MS001's per-section findings depend on."""
    text = ctx.doc.text
    for seen, config, fmt in _LAST_FORMAT:
        if seen is text and config is ctx.config:
            return fmt
    fmt = _document_format(ctx)
    _LAST_FORMAT[:] = [(text, ctx.config, fmt)]
    return fmt


def _document_format(ctx: RuleContext) -> DocumentFormat:
    configured = ctx.config.required_sections != RequiredSections()
    keys = {kind: tuple(k for k, _ in _required_keys(ctx.config, kind)) for kind in (True, False)}

    def read(part: Document) -> list[tuple[int, str, bool, frozenset[str]]]:
        out: list[tuple[int, str, bool, frozenset[str]]] = []
        for s in definitions(part):
            if configured or uses_template(s):
                milestone = isinstance(s, Milestone)
                found = frozenset(k for k in keys[milestone] if find_field(s, k) is not None)
                out.append((s.heading.range.start.line, s.name, milestone, found))
        return out

    # Per definition: its heading line, name, kind and which of its kind's keys it writes,
    # kept per part across edits (core/partscan.py).
    name = f"MS001 format {configured} {keys[True]} {keys[False]}"
    defs = model_by_part(ctx.doc, name, read)
    if not ctx.doc.parts:
        return _format_of(ctx, configured, keys, defs)
    headings = heading_facts(ctx.doc)
    path = ctx.doc.path
    for known_path, config, known_defs, known_headings, known in _FORMAT_INPUTS:
        # An edit that changed no definition's keys and no heading: the same format.
        if (
            known_path == path
            and config is ctx.config
            and known_defs == defs
            and known_headings == headings
        ):
            return known
    fmt = _format_of(ctx, configured, keys, defs)
    _FORMAT_INPUTS[:] = [(path, ctx.config, defs, headings, fmt)]
    return fmt


# What the format of the last edited document (by path) was made from: the settings, the
# definitions' keys and the headings.
_FORMAT_INPUTS: list[
    tuple[
        str,
        Config,
        list[tuple[int, str, bool, frozenset[str]]],
        list[Hashable],
        DocumentFormat,
    ]
] = []


def _format_of(
    ctx: RuleContext,
    configured: bool,
    keys: dict[bool, tuple[str, ...]],
    defs: list[tuple[int, str, bool, frozenset[str]]],
) -> DocumentFormat:
    unused: dict[bool, frozenset[str]] = {}
    if not configured:
        for milestone in (True, False):
            same = [found for _, _, kind, found in defs if kind is milestone]
            if len(same) >= 2:
                unused[milestone] = frozenset(keys[milestone]).difference(*same)
    # One pass over the headings: the nearest shallower heading above each definition.
    starts = {line: def_name for line, def_name, _, _ in defs}
    stack: list[tuple[int, bool]] = []  # (level, is a phase heading)
    phased: set[int] = set()
    for h in ctx.doc.headings:
        while stack and stack[-1][0] >= h.level:
            stack.pop()
        line = h.range.start.line
        note, phase = _phase_marks(h.text)
        if line in starts and (note or (stack and stack[-1][1])):
            phased.add(line)
        stack.append((h.level, phase))
    return DocumentFormat(
        configured,
        unused.get(True, frozenset()),
        unused.get(False, frozenset()),
        frozenset(normalize_name(starts[n]) for n in phased),
        frozenset(phased),
    )


@lru_cache(maxsize=1 << 12)
def _phase_marks(text: str) -> tuple[bool, bool]:
    """Whether a heading's text carries a ``(Phase 0)`` note, and whether it is a phase
    heading (``## Phase 2 …``)."""
    return (
        _PHASE_NOTE.search(text) is not None,
        _PHASE_HEADING.match(clean_inline(text)) is not None,
    )


_TEMPLATE_KIND = re.compile(r"(?i)^(?:milestone|deliverable)\b")
_PHASE_NOTE = re.compile(r"(?i)\(\s*phase\s+[\w.\-]+\s*\)")
_PHASE_HEADING = re.compile(r"(?i)^(?:[\W\d_]*\s*)?phase\s+[\w.\-]+")


def _stub_value(ctx: RuleContext, section: Definition, key: str) -> str:
    if key == "contributes_to" and isinstance(section, Deliverable):
        return _contributes_to_value(ctx.ws, section)
    return STUB_VALUES.get(key, "[To be written]")


def _template_evidence(section: Definition, required: list[tuple[str, str]]) -> int:
    keys = {k for k, _ in required} | {"target", "success_criteria", "acceptance_criteria"}
    return sum(1 for k in keys if section.fields.get(k) is not None) + sum(
        1 for k, _ in required if k not in CANONICAL_LABELS and find_field(section, k) is not None
    )


@rule(
    "MS001",
    "missing-section",
    Severity.WARNING,
    "A milestone or deliverable definition lacks a section its template requires.",
    fix="unsafe",
    section_key=lambda ctx: (
        line_ending_key(ctx),
        _contributes_key(ctx.ws),
        document_format(ctx),
    ),
)
def missing_section(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A milestone or deliverable definition that lacks one or more of the sections its template
    requires. By default a milestone needs Goal, Phase, Acceptance Criteria, Deliverables, Value
    Delivered and Approval Required (Target is optional); a deliverable needs Phase, Owner,
    Scope, Output, Success Criteria, Testing, Dependencies and Contributes To. The lists come
    from the `required_sections` setting. One finding per definition, on its name, naming every
    missing section.

    A milestone whose criteria sit under "Success Criteria" (or "Definition of done") has its
    Acceptance Criteria. A section written under a misspelt label (`**Value Delivred:**`) is
    there: MS003 reports the spelling and renames it, and MS001 does not add a second one.
    Progress updates (`## Milestone: X (25% complete)` with only a
    deliverables list) restate a milestone and are not checked. A heading with fewer than two
    of the template's sections is free-form prose rather than a use of the template, and is left
    alone: reporting six missing sections on every heading of a hand-written roadmap would only
    be noise.

    Only definitions written in the template are held to it: the heading uses the kind word
    (`Milestone: X`, `Milestone 2 — X`, `Deliverable 1.2: X`) and the definition writes at
    least one label only the template has (Phase, Value Delivered, Approval Required; for a
    deliverable Phase, Output, Testing, Contributes To). Short headings (`## M2 — X`) and
    plans with only Goal and Deliverables follow their team's own format. Where two or more
    definitions of a kind are in a document and none of them writes a label, that label is not
    part of the document's format and is not reported. A `(Phase 0)` note on the heading or a
    `## Phase 2` heading above the definition gives its phase. When the `required_sections`
    setting is written, every definition is held to it.

    Why:
    "Milestone Definition › Milestone Template" and "Deliverable Definition › Deliverable
    Template" give every definition the same parts; a milestone without acceptance criteria or
    an approval decision cannot pass a phase gate objectively.

    Example that fires:
    ```markdown
    ## Milestone: Search Live

    **Goal:** Users find any parcel by tracking number
    **Phase:** Phase 3

    **Acceptance Criteria:**
    - [ ] Search returns a result in <300ms P95
    ```
    (Deliverables, Value Delivered and Approval Required are missing.)

    Example that does not:
    the same milestone with `**Deliverables:**`, `**Value Delivered:**` and
    `**Approval Required:**` sections, or `## Milestone: Search Live (50% complete)` followed
    only by a deliverables checklist (a progress update).

    Fix safety:
    Unsafe, offered in the editor only. The fix inserts one stub per missing section, in
    template order, each after the preceding section that is present, written like the
    document's other labels (bold labels or sub-headings) and with its line endings. Stubs hold
    bracketed placeholders such as `[Yes/No]` that somebody still has to write (MS002 reports
    them until then), so fix-all and `check --fix` never apply it: an automatic fix must not
    raise a file's warning count. No existing text changes.
    """
    fmt = document_format(ctx)
    sections = [s for s in definitions(ctx.doc) if fmt.configured or uses_template(s)]
    for section in sections:
        required = required_keys(ctx, section)
        # A section under a misspelt label is there: MS003 renames it. Reporting it missing
        # too would make fix-all add a stub beside the renamed label (two labels, one buried).
        misspelt = misspelled_keys(ctx, section)
        never = fmt.unused_milestone if isinstance(section, Milestone) else fmt.unused_deliverable
        phased = section.heading.range.start.line in fmt.phased_lines
        missing = [
            key
            for key, _ in required
            if find_field(section, key) is None
            and key not in misspelt
            and key not in never
            and not (key == "phase" and phased)
        ]
        if not missing or _template_evidence(section, required) < 2:
            continue
        names = [label for key, label in required if key in missing]
        kind = _kind(section)
        plural = "sections" if len(names) > 1 else "section"
        message = (
            f"{kind} '{section.name}' is missing the {_join(names)} {plural} of the "
            f"{kind.lower()} template; add {'them' if len(names) > 1 else 'it'} "
            "(the quick fix inserts stubs to fill in)"
        )
        fix = missing_section_fix(ctx, section, required, missing)
        yield ctx.finding(message, section.name_range, fixes=[fix] if fix else [])


# --- MS002 --------------------------------------------------------------------------------------


def _heading_level(ctx: RuleContext, line: int) -> int | None:
    m = _HEADING_MARK().match(ctx.lines[line]) if line < len(ctx.lines) else None
    return len(m.group(1)) if m else None


def _has_body(ctx: RuleContext, section: Definition, fld: Field) -> bool:
    """Whether anything (a fence, a quote, a nested block) is written under a label.

    Under a heading-style label, deeper sub-headings (``## Scope`` then ``### In Scope``) are
    its body too; any other label or heading ends it.
    """
    level = _heading_level(ctx, fld.line) if fld.from_heading else None
    others = {f.line for f in (*section.fields.values(), *section.unknown_fields) if f is not fld}
    for number in range(fld.line + 1, min(section.end_line, len(ctx.lines) - 1) + 1):
        text = ctx.lines[number]
        if not text.strip() or _HR().match(text) or number in ctx.doc.comment_lines:
            continue
        sub = _heading_level(ctx, number)
        if sub is not None:
            return level is not None and sub > level
        return number not in others
    return False


@rule(
    "MS002",
    "empty-section",
    Severity.WARNING,
    "A section label of a milestone or deliverable has nothing under it.",
    section_key=no_section_key,
)
def empty_section(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A section label of a milestone or deliverable definition (Goal, Acceptance Criteria, Scope,
    Contributes To…) with nothing written after it or under it, or holding only unfilled
    template text such as `[One sentence outcome]`, `Phase N` or `Yes/No`; and a definition
    whose name is still the template's (`## Milestone: [Milestone name]`). A label followed by
    a list, a table, a paragraph or a code block on the next lines is not empty. Placeholder
    criteria are left to MS101 (vague-criterion), which asks for a measurable criterion.

    Why:
    "Milestone Definition › Milestone Template" and "Deliverable Definition › Deliverable
    Template": a section that is present but empty looks complete at a glance while the
    information a phase gate needs is missing.

    Example that fires:
    ```markdown
    **Value Delivered:**

    **Approval Required:** Yes
    ```

    Example that does not:
    ```markdown
    **Deliverables:**
    1. Core API
    2. Integration Tests
    ```

    Fix safety:
    No fix: only the author knows what belongs in the section.
    """
    for section in definitions(ctx.doc):
        kind = _kind(section).lower()
        if is_placeholder_value(section.name):
            message = (
                f"The {kind} is still called '{section.name}', the template placeholder; give "
                f"it its real name (rename it to update the references to it too)"
            )
            yield ctx.finding(message, section.name_range)
        for fld in section.fields.values():
            if fld.key not in CANONICAL_LABELS:
                continue
            if fld.is_empty:
                if _has_body(ctx, section, fld):
                    continue
                message = (
                    f"'{fld.label}' of {kind} '{section.name}' is empty; write its content "
                    "after the label or on the lines below it"
                )
                yield ctx.finding(message, fld.label_range)
                continue
            placeholder = _placeholder_of(fld)
            if placeholder is not None:
                message = (
                    f"'{fld.label}' of {kind} '{section.name}' still holds the template "
                    f"placeholder '{placeholder}'; replace it with the real content"
                )
                yield ctx.finding(message, fld.label_range)


def _placeholder_of(fld: Field) -> str | None:
    if fld.key in CRITERIA_KEYS:
        return None
    if fld.items:
        texts = [i.text for i in fld.items]
        if all(is_placeholder_value(t) for t in texts) and not fld.value.strip():
            return texts[0]
        return None
    value = fld.value.strip()
    if value.lower().startswith("milestone:") and fld.key == "contributes_to":
        value = value.split(":", 1)[1].strip()
    return value if is_placeholder_value(value) else None


# --- MS003 --------------------------------------------------------------------------------------

# Labels worth correcting to: the template sections (and their accepted aliases) and the
# criteria categories. Other vocabulary ("Tasks", "Next") is too short and common to guess at.
_KNOWN_LABELS: tuple[str, ...] = tuple(
    sorted({a for a, k in FIELD_ALIASES.items() if k in CANONICAL_LABELS} | CATEGORIES)
)


_KNOWN_LETTERS: dict[str, Counter[str]] = {known: Counter(known) for known in _KNOWN_LABELS}


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (small strings only)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def closest_label(label: str) -> str | None:
    """The known label a misspelled one stands for (``Acceptence Criteria``), if any.

    Close means both a high similarity ratio and at most two edits (three in long labels), so
    that genuine labels of their own ("Entry Criteria", "Notes", "Risks") are never renamed.
    """
    norm = norm_label(label)
    if not norm or norm in FIELD_ALIASES or norm in CATEGORIES or len(norm) < 4:
        return None
    if len(norm.split()) > 4 or not re.fullmatch(r"[a-z][a-z \-]*", norm):
        return None
    import difflib  # only for labels the parser does not know

    best: tuple[float, str] | None = None
    letters = Counter(norm)
    for known in _KNOWN_LABELS:
        if abs(len(known) - len(norm)) > 3:
            continue
        # The shared letters bound the similarity ratio from above (difflib's quick_ratio):
        # most pairs fail here without building a SequenceMatcher.
        shared = (letters & _KNOWN_LETTERS[known]).total()
        if 2.0 * shared / (len(norm) + len(known)) < 0.85:
            continue
        ratio = difflib.SequenceMatcher(None, norm, known).ratio()
        if ratio < 0.85:
            continue
        budget = 3 if len(known) >= 15 else (2 if len(known) >= 7 else 1)
        if _edit_distance(norm, known) > budget:
            continue
        if best is None or ratio > best[0]:
            best = (ratio, known)
    return None if best is None else best[1]


def respell(original: str, known: str) -> str:
    """``known`` written in the capitalisation style of ``original``."""
    key = FIELD_ALIASES.get(known)
    canonical = CANONICAL_LABELS.get(key or "")
    if canonical is not None and norm_label(canonical) == known:
        base = canonical
    else:
        base = " ".join(w.capitalize() for w in known.split())
    letters = [c for c in original if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return base.upper()
    if original[:1].islower():
        return base.lower()
    words = original.split()
    if len(words) > 1 and all(w[:1].islower() for w in words[1:]):
        return base[:1].upper() + base[1:].lower()
    return base


def _bold_only_labels(ctx: RuleContext, section: Section) -> Iterator[Field]:
    """``**Acceptence Criteria**`` alone on a line: the parser keeps only known words so."""
    lines, fenced = ctx.lines, ctx.doc.fenced_lines
    for number in range(
        section.heading.range.start.line + 1, min(section.end_line + 1, len(lines))
    ):
        if number in fenced:
            continue
        m = _BOLD_ONLY_LINE.match(lines[number])
        if m is None:
            continue
        label = m.group("label").strip()
        start = m.start("label")
        yield Field(None, label, Range.of(number, start, number, start + len(label)), number)


def misspelled_keys(ctx: RuleContext, section: Definition) -> set[str]:
    """The field keys of the sections of ``section`` written under a misspelt label."""
    keys: set[str] = set()
    for fld in (*section.unknown_fields, *_bold_only_labels(ctx, section)):
        known = closest_label(fld.label)
        if known is not None:
            keys.add(section_key(known))
    return keys


@rule(
    "MS003",
    "misspelled-section",
    Severity.WARNING,
    "A section label is a misspelling of a known one, so the section is not recognised.",
    fix="safe",
    section_key=no_section_key,
)
def misspelled_section(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A label in a milestone or deliverable definition that is not a known section label but is
    a small misspelling of one: `Acceptence Criteria`, `Dependancies`, `Contributes To` written
    `Contribute To`. Such a section is invisible to every other rule (its criteria are not
    counted). Labels of their own that merely resemble a known one,
    such as `Entry Criteria`, `Notes` or `Risks`, are not reported: a label must be within two
    edits (three in long labels) of a known one and very similar overall.

    Why:
    "Milestone Definition › Milestone Template" and "Deliverable Definition › Deliverable
    Template" name the sections; tools and readers find them by those names.

    Example that fires:
    ```markdown
    **Acceptence Criteria:**
    - [ ] Integration tests passing (32/32)
    ```

    Example that does not:
    ```markdown
    **Entry Criteria:**
    - Phase 1 approved
    ```

    Fix safety:
    Safe. The fix replaces the label's text with the known spelling, keeping its
    capitalisation style and its emphasis and colon. When the definition already has a section
    under the right label, the finding says so and offers no fix: renaming would write the
    label twice, and which text belongs where is the author's call.
    """
    for section in definitions(ctx.doc):
        seen: set[tuple[int, int]] = set()
        renamed: set[str] = set()  # keys a fix of this section already writes
        candidates = [*section.unknown_fields, *_bold_only_labels(ctx, section)]
        for fld in candidates:
            where = (fld.label_range.start.line, fld.label_range.start.character)
            if where in seen:
                continue
            seen.add(where)
            known = closest_label(fld.label)
            if known is None:
                continue
            label = fld.label
            actual = ctx.lines[fld.label_range.start.line][
                fld.label_range.start.character : fld.label_range.end.character
            ]
            if actual != label:
                continue  # the range does not hold the label verbatim: no safe edit
            new = respell(label, known)
            key = section_key(known)
            if key in section.fields or key in renamed:
                # Renaming would write the label twice and bury one section under the other.
                message = (
                    f"'{label}' looks like a misspelling of the section label '{new}', which "
                    f"this {_kind(section).lower()} already has; merge the two sections"
                )
                yield ctx.finding(message, fld.label_range)
                continue
            message = (
                f"'{label}' looks like a misspelling of the section label '{new}'; as written, "
                "the section is not recognised"
            )
            renamed.add(key)
            fix = Fix(
                f"Rename to '{new}'",
                (TextEdit(ctx.doc.path, fld.label_range, new),),
                "safe",
            )
            yield ctx.finding(message, fld.label_range, fixes=[fix])
