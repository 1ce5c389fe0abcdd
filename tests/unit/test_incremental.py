"""Chunked, cached parsing equals a fresh parse of the whole text, over random edit sequences."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it.token import Token

from milestone_lsp.core import workspace
from milestone_lsp.core.blocks import (
    BlockCache,
    blocks_of_tokens,
    grouping,
    markdown_blocks,
    regroup,
    simple_blocks,
)
from milestone_lsp.core.findings import Finding
from milestone_lsp.core.model import Document
from milestone_lsp.core.outline import to_jsonable
from milestone_lsp.core.parser import ModelCache, parse
from milestone_lsp.core.positions import changed_lines
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.engine import check_document
from milestone_lsp.settings.config import Config
from tests.edits import edited_texts

LINES = [
    "# Project Status",
    "## Milestone: Foundation Complete",
    "### Deliverable: Core API",
    "**Goal:** Ship the API",
    "**Acceptance Criteria:**",
    "- [ ] Unit test coverage >80%",
    "- [x] Performance is acceptable",
    "  - [ ] nested item",
    "1. Deliverable A",
    "```markdown",
    "```",
    "~~~",
    "    ```",
    "<!-- milestone-lsp-disable MS101 -->",
    "<!--",
    "-->",
    "| Criterion | Status |",
    "|---|---|",
    "| Docs published | ✅ |",
    "**Overall:** 45% (2/5 milestones complete)",
    '## 2026-02-16: Milestone "Foundation Complete" Approved',
    "> # quoted heading",
    "---",
    "",
    "text 🚀 中文",
    "#",
    "#nospace",
    "### Task 1.1: Set up the build",
    "- Task 2.1 (Makefile)",
    "## Milestone Verification: Foundation Complete",
    "### Acceptance Criteria",
    "#### Functional",
    "**Contributes To:**",
    "Milestone: Foundation Complete",
    "## Current State",
    "**Current Milestone:** Foundation Complete (40%)",
    "## Milestones",
    "- Foundation Complete (COMPLETE) 100%",
    "Setext heading",
    "===",
    "## Deliverable: Docs",
    "**Success Criteria:**",
    "**Phase:** 1",
    "## 2026-03-01: Foundation Complete completed",
    "**Decision:** Approved",
]


edit = st.tuples(st.integers(0, 60), st.integers(0, 3), st.sampled_from([*LINES, "`", "#", "\n"]))


def _another(text: str) -> str:
    """An equal text that is another object: memos keyed by a text object (line endings, the
    document's format) must not hand the fresh check what the incremental one worked out."""
    return (text + " ")[:-1]


# One settings object for every check, as in a server: the engine re-uses a rule's findings
# per section, or while its facts hold, only under the same settings.
_CONFIG = Config()


def _findings(doc: Document) -> list[Finding]:
    return check_document(Workspace([doc]), doc, _CONFIG)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LINES), max_size=40), st.lists(edit, max_size=12))
def test_incremental_equals_fresh(lines: list[str], edits: list[tuple[int, int, str]]) -> None:
    """Per-section models re-used across edits give the same document and findings."""
    cache = BlockCache()
    models = ModelCache()
    first = "\n".join(lines)
    parse(first, "x.md", cache, models=models)
    for text in edited_texts(first, edits):
        incremental = parse(text, "x.md", cache, models=models)
        fresh = parse(_another(text), "x.md", chunked=False)
        assert to_jsonable(incremental) == to_jsonable(fresh)
        assert _findings(incremental) == _findings(fresh)
        # The name indexes' entry, put together from the parts', is the whole document's.
        assert workspace._doc_entry(incremental) == workspace._entry_of(incremental)


def test_unchanged_sections_are_reused() -> None:
    """Typing in one section rebuilds that section only; the others are the same objects."""
    sections = [
        f"## Milestone: M{n}\n\n**Goal:** Ship part {n}\n\n**Acceptance Criteria:**\n"
        f"- [ ] Unit test coverage >80% for part {n}\n"
        for n in range(6)
    ]
    models = ModelCache()
    before = parse("\n".join(sections), "s.md", models=models)
    assert models.misses == 6
    sections[3] = sections[3].replace("Ship part 3", "Ship part 3 quickly")
    after = parse("\n".join(sections), "s.md", models=models)
    assert models.misses == 7 and models.hits == 5
    assert [m is n for m, n in zip(before.milestones, after.milestones, strict=True)] == [
        True,
        True,
        True,
        False,
        True,
        True,
    ]
    assert after.milestones[3].field_value("goal") == "Ship part 3 quickly"
    assert to_jsonable(after) == to_jsonable(parse("\n".join(sections), "s.md", chunked=False))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([*LINES, "`", "    code", "> quote", "**Goal:** x"]), max_size=40))
def test_block_only_parser_keeps_block_structure(lines: list[str]) -> None:
    """The parser runs markdown-it without its inline pass; block tokens must not change."""
    from markdown_it import MarkdownIt

    from milestone_lsp.core.blocks import _markdown

    text = "\n".join(lines)
    full = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)
    fast = _markdown().parse(text)

    def shape(tokens: list[Token]) -> list[tuple[object, ...]]:
        # What parse_chunk reads: kinds, line maps, heading tags, fence and HTML bodies.
        raw = ("fence", "code_block", "html_block")
        return [(t.type, t.map, t.tag, t.content if t.type in raw else "") for t in tokens]

    assert shape(fast) == shape(full)
    # The chunk parser's own route (the block pass called directly, quiet rule copies) too.
    assert markdown_blocks(text) == blocks_of_tokens(full, text)


# Lines the line scan reads itself (list items of every kind, lazy lines, numbers that are
# not markers) and lines that must send a chunk to markdown-it-py (nested or empty items, rules,
# setext underlines, link definitions, indentation, tabs, fences, quotes, HTML, tables).
SCAN_PLAIN = [
    "",
    "  ",
    "text",
    "**Goal:** Ship it",
    "**Goal**: x",
    "- a",
    "- [ ] a",
    "- [x] b",
    "-  two spaces",
    "-    four",
    "* a",
    "* **b**",
    "1. a",
    "1) a",
    "2. b",
    "01. c",
    "3) d",
    "1.5 x",
    "1234567890. x",
    "- [a",
    "2026-01-01: x",
    "\u00a0nbsp",
    "٣. not a marker",
    "- ٣. x",
    "(paren)",
    "1.    four",
]
SCAN_EDGE = [
    "*emphasis*",
    "**",
    "** x",
    "***",
    "* * *",
    "- - -",
    "---",
    "-",
    "- ",
    "-     five",
    "+ a",
    "1.",
    "- 1. nested",
    "- - nested",
    "- # h",
    "- > q",
    "- `code`",
    "`code` text",
    "[ref]: http://x",
    "b]: c",
    "[x] text",
    "===",
    "> quote",
    "```",
    "<!-- c -->",
    "<div>",
    "| a | b |",
    "|---|---|",
    "___",
    "\tx",
    "    code",
    "  - nested",
    " lead",
    "-text",
    "1)",
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["", "# H", "## Milestone: X", "#", "####### x"]),
    st.one_of(
        st.lists(st.sampled_from(SCAN_PLAIN), max_size=25),
        st.lists(st.sampled_from([*SCAN_PLAIN, *SCAN_EDGE]), max_size=25),
    ),
)
def test_simple_blocks_equal_markdown_it(first: str, lines: list[str]) -> None:
    """Where the line scan reads a chunk itself, it finds the blocks markdown-it-py finds."""
    text = "\n".join([first, *lines] if first else lines)
    simple = simple_blocks(text)
    if simple is not None:
        assert (simple, False) == markdown_blocks(text)


def test_simple_blocks_read_a_status_section() -> None:
    """A typical milestone section is read by the scan, not handed to markdown-it-py."""
    text = (
        "## Milestone: Foundation\n\n**Goal:** Ship the API\n**Owner:** team-0\n\n"
        "**Acceptance Criteria:**\n- [x] CI green for 20 runs\n- [ ] Coverage >80%\n"
        "lazy line\n\n1. Foundation API\n2. Foundation Docs\n\n"
    )
    simple = simple_blocks(text)
    assert simple is not None
    assert (simple, False) == markdown_blocks(text)
    assert [b.kind for b in simple] == ["heading", "para", "para", "item", "item", "item", "item"]


def test_an_edit_rescans_only_the_parts_it_changed() -> None:
    """A per-part line scan after an edit of one section of twelve scans that section again
    and splices its new results into the others, in order; its findings equal a whole check."""
    from milestone_lsp.core.partscan import scan_by_part

    sections = [
        f"## Milestone: M{n}\n\n**Goal:** Ship part {n}\n\n**Acceptance Criteria:**\n"
        f"- [ ] Unit test coverage >80% for part {n}\n"
        for n in range(12)
    ]
    scanned: list[int] = []

    def ticks(lines: list[str], start: int, end: int) -> list[tuple[int, str]]:
        scanned.append(start)
        return [(n, lines[n]) for n in range(start, end) if lines[n].startswith("- [")]

    models = ModelCache()
    doc = parse("\n".join(sections), "parts.md", models=models, editing=True)
    first = scan_by_part(doc, "test ticks", ticks)
    assert len(scanned) == len(doc.parts) and [n for n, _ in first] == sorted(n for n, _ in first)
    sections[7] = sections[7].replace("- [ ] Unit", "- [x] Unit")
    scanned.clear()
    edited = parse("\n".join(sections), "parts.md", models=models, editing=True)
    second = scan_by_part(edited, "test ticks", ticks)
    assert len(scanned) == 1
    whole = parse("\n".join(sections), "parts.md", chunked=False)
    assert second == [
        (n, line) for n, line in enumerate(whole.text.split("\n")) if line.startswith("- [")
    ]
    assert check_document(Workspace([edited]), edited, Config()) == check_document(
        Workspace([whole]), whole, Config()
    )


def test_a_check_stopped_between_rules_leaves_the_next_check_exact() -> None:
    """``stop`` ends a check between rules (Cancelled); the check after it, of the same or a
    later text, equals a whole analysis: a stopped check leaves no half-updated state."""
    from milestone_lsp.rules.engine import Cancelled

    sections = [
        f"## Milestone: M{n}\n\n**Goal:** Ship part {n}\n\n**Acceptance Criteria:**\n"
        f"- [ ] Performance of part {n} is acceptable\n- [x] Unit test coverage >80%\n"
        for n in range(8)
    ]
    models = ModelCache()
    config = Config()
    doc = parse("\n".join(sections), "stop.md", models=models, editing=True)
    check_document(Workspace([doc]), doc, config)
    for asked in (1, 5, 20):
        sections[3] = sections[3].replace("is acceptable", "is fine").replace("[ ]", "[x]")
        edited = parse("\n".join(sections), "stop.md", models=models, editing=True)
        calls = 0

        def stop(asked: int = asked) -> bool:
            nonlocal calls
            calls += 1
            return calls > asked

        try:
            check_document(Workspace([edited]), edited, config, stop=stop)
        except Cancelled:
            pass
        else:
            raise AssertionError("the check ran to its end")
        whole = parse("\n".join(sections), "stop.md", chunked=False)
        assert check_document(Workspace([edited]), edited, config) == check_document(
            Workspace([whole]), whole, config
        )
        sections[3] += "- [ ] Another criterion of part 3 passes in CI\n"


_LAYOUT_LINES = [
    "# Top",
    "## Milestone: A",
    "### Deliverable: B",
    "text",
    "- [ ] item",
    "```",
    "```js",
    "~~~",
    "    ```",
    "> ```",
    "<!--",
    "-->",
    "<!-- one line -->",
    "## Heading <!--",
    "| a | b |",
    "",
]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(_LAYOUT_LINES), max_size=30),
    st.lists(
        st.tuples(
            st.integers(0, 32),
            st.integers(0, 4),
            st.lists(st.sampled_from(_LAYOUT_LINES), max_size=4),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_regrouping_after_an_edit_equals_grouping_afresh(
    lines: list[str], edits: list[tuple[int, int, list[str]]]
) -> None:
    """The chunk starts and groups worked out from the previous ones and the changed lines are
    those of the whole new text, for edits that add, remove and replace lines anywhere."""
    cache = BlockCache()
    layout = grouping(lines, cache)
    for at, remove, insert in edits:
        at = min(at, len(lines))
        new = lines[:at] + insert + lines[at + remove :]
        change = changed_lines(lines, new)
        if change is None:
            assert new == lines
        else:
            first, old_end, new_end = change
            assert lines[:first] + new[first:new_end] + lines[old_end:] == new
            layout = regroup(new, layout, first, old_end, new_end, cache)
        assert layout == grouping(new, BlockCache())
        lines = new


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from("abc"), max_size=300), st.lists(st.sampled_from("abc"), max_size=300)
)
def test_changed_lines_finds_the_longest_unchanged_ends(old: list[str], new: list[str]) -> None:
    """The changed run lies between the longest common prefix and suffix that do not overlap."""
    change = changed_lines(old, new)
    if change is None:
        assert old == new
        return
    first, old_end, new_end = change
    assert old[:first] + new[first:new_end] + old[old_end:] == new
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    assert first == prefix
    assert old_end - first >= 0 and new_end - first >= 0
    tail = len(old) - old_end
    assert tail == len(new) - new_end
    if tail < min(len(old), len(new)) - first:
        assert old[len(old) - tail - 1] != new[len(new) - tail - 1]


def _index_of(ws: Workspace) -> list[object]:
    """The workspace's name indexes, by the identity of the objects they hold."""

    def ids(groups: dict[str, list[object]]) -> list[tuple[str, list[int]]]:
        return [(key, [id(x) for x in group]) for key, group in groups.items()]

    return [
        ids(ws.milestone_groups()),  # type: ignore[arg-type]
        ids(ws.deliverable_groups()),  # type: ignore[arg-type]
        ids(ws._reports),  # type: ignore[arg-type]
        ids(ws._decisions),  # type: ignore[arg-type]
        [id(m) for m in ws.milestones()],
        [id(d) for d in ws.deliverables()],
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(LINES), max_size=40),
    st.lists(st.sampled_from(LINES), max_size=12),
    st.lists(edit, max_size=10),
)
def test_name_indexes_kept_across_edits_equal_indexes_made_afresh(
    lines: list[str], other: list[str], edits: list[tuple[int, int, str]]
) -> None:
    """The indexes patched after an edit of one document (only the entries of the sections it
    re-read swapped in) are those a new workspace makes, and a snapshot taken before the edit
    keeps the indexes it had."""
    cache = BlockCache()
    models = ModelCache()
    first = "\n".join(lines)
    companion = parse("\n".join(other), "b.md", chunked=False)
    live = Workspace([parse(first, "a.md", cache, models=models), companion])
    for text in edited_texts(first, edits):
        before = live.snapshot()
        held = _index_of(before)
        doc = parse(text, "a.md", cache, models=models)
        live.add(doc)
        assert _index_of(live) == _index_of(Workspace([doc, companion]))
        assert _index_of(before) == held


def test_a_rule_with_facts_is_re_run_only_when_its_facts_or_the_workspace_change() -> None:
    """MS403 reads names and links: an edit of a criterion re-uses its findings; an edit of a
    Deliverables list, or another document of the workspace changing, runs it again."""
    from milestone_lsp.rules.catalogue import all_rules

    ms403 = next(r for r in all_rules() if r.code == "MS403")
    calls: list[int] = []
    original = ms403.check

    def counted(ctx: object) -> object:
        calls.append(1)
        return original(ctx)  # type: ignore[arg-type]

    plan = [
        "# Plan",
        "## Milestone: Alpha",
        "**Goal:** Ship",
        "**Deliverables:**",
        "1. Core API",
        "**Acceptance Criteria:**",
        "- [ ] Unit tests pass (12/12)",
        "## Milestone: Beta",
        "**Deliverables:**",
        "1. Docs",
    ]
    other = "## Deliverable: Core API\n\n**Contributes To:**\nMilestone: Beta\n"
    cache, models = BlockCache(), ModelCache()
    b = parse(other, "b.md", chunked=False)
    config = Config()  # the same settings object, as a server's

    def check(lines: list[str], companion: Document) -> list[Finding]:
        doc = parse("\n".join(lines), "a.md", cache, models=models)
        ws = Workspace([doc, companion])
        return [f for f in check_document(ws, doc, config) if f.code == "MS403"]

    object.__setattr__(ms403, "check", counted)
    try:
        check(plan, b)
        first = check(plan, b)  # the edited parse keeps parts from here on
        assert first, "Alpha lists Core API, which contributes to Beta"
        runs = len(calls)
        plan[6] += " and documented"
        assert check(plan, b) == first
        assert len(calls) == runs  # a criterion is not among MS403's facts
        plan[4] = "1. Docs"
        assert check(plan, b) == []
        assert len(calls) == runs + 1
        plan[4] = "1. Core API"
        moved = parse(other.replace("Beta", "Alpha"), "b.md", chunked=False)
        assert check(plan, moved) == []  # the other document changed: run again
        assert len(calls) == runs + 2
    finally:
        object.__setattr__(ms403, "check", original)


# Lines that make milestones and deliverables name each other, for the rules that re-use their
# findings while their facts hold (names, Deliverables lists, Contributes To).
LINK_LINES = [
    "## Milestone: Alpha",
    "## Milestone: Beta",
    "## Milestone: Alpha (50% complete)",
    "**Goal:** Ship",
    "**Deliverables:**",
    "1. Core API",
    "2. Docs",
    "- [Name]",
    "  continued entry",
    "### Deliverable: Core API",
    "## Deliverable: Docs",
    "## Deliverable: [Name]",
    "**Contributes To:**",
    "Milestone: Alpha",
    "Milestone: Beta",
    "**Contributes To:** Milestone: Beta",
    "**Acceptance Criteria:**",
    "- [ ] Unit tests pass (12/12)",
    "- [x] Docs published",
    "```",
    "",
    "# Plan",
]


# Lines an edit puts in, weighted towards those that change a link or a name.
LINK_EDITS = [
    *("Milestone: Alpha", "Milestone: Beta", "Milestone: Gamma", "1. Core API", "1. Docs", "x"),
    *("**Contributes To:** Milestone: Alpha", "**Contributes To:** Milestone: Beta"),
    *("### Deliverable: Docs", "### Deliverable: Core API", "- [ ] Unit tests pass (12/12) now"),
    *("## Milstone: Beta", "### Delivrable: Docs", "```"),
]
# Whole definitions that name each other, put together in any order and number.
LINK_BLOCKS = [
    ["## Milestone: Alpha", "**Goal:** Ship", "**Deliverables:**", "1. Core API", "2. Docs", ""],
    ["## Milestone: Beta", "**Goal:** More", "**Deliverables:**", "1. Docs", ""],
    ["### Deliverable: Core API", "**Contributes To:**", "Milestone: Beta", ""],
    ["### Deliverable: Docs", "**Contributes To:** Milestone: Alpha", ""],
    ["## Deliverable: Docs", "**Contributes To:**", "Milestone: Beta", ""],
    ["**Acceptance Criteria:**", "- [ ] Unit tests pass (12/12)", "- [x] Docs published", ""],
    ["**Deliverables:**", "- Core API", "  continued", ""],
]


_LINKED = [*LINK_BLOCKS[0], *LINK_BLOCKS[2], *LINK_BLOCKS[1]]


# An edit that leaves the line numbers alone and changes one fact each: the milestone a
# Contributes To names, a Deliverables entry, a deliverable's name (the first edit makes the
# check whose findings the second may re-use).
@example(_LINKED, [(14, 1, ""), (8, 1, "Milestone: Alpha")])
@example(_LINKED, [(14, 1, ""), (3, 1, "1. Docs")])
@example(_LINKED, [(14, 1, ""), (6, 1, "### Deliverable: Docs")])
# A definition renamed in one section leaves a reference in another one unresolved.
@example(_LINKED, [(14, 1, ""), (10, 1, "## Milestone: Gamma")])
@example(
    [*_LINKED, "## Deliverable Verification: Core API", "- [x] ok", ""],
    [(17, 1, ""), (6, 1, "### Deliverable: Core APIs")],
)
# A phase heading gives the milestones under it their phase (MS001): renamed, it does not.
@example(
    [
        *("# Plan", "", "## Phase 2: Build", "", "### Milestone: Alpha", "**Goal:** Ship"),
        *("**Deliverables:**", "1. Core API", "**Acceptance Criteria:**", "- [ ] x"),
        *("**Value Delivered:** v", "**Approval Required:** No", ""),
    ],
    [(12, 1, ""), (2, 1, "## Build")],
)
# An unknown milestone at 0% is one not started yet; at 10% it is a wrong name.
@example(
    ["## Milestones", "- [ ] Zeta Release (Phase 4) - 0%", "", *_LINKED],
    [(2, 1, ""), (1, 1, "- [ ] Zeta Release (Phase 4) - 10%")],
)
# ... and ticked, it is one claimed done under a wrong name.
@example(
    ["## Milestones", "- [ ] Zeta Release (Phase 4) - 0%", "", *_LINKED],
    [(2, 1, ""), (1, 1, "- [x] Zeta Release (Phase 4) - 0%")],
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(LINK_BLOCKS), max_size=8).map(
        lambda blocks: [line for block in blocks for line in block]
    ),
    # Mostly one line replaced by another: the line numbers stay, and only the facts change.
    st.lists(
        st.tuples(
            st.integers(0, 45),
            st.sampled_from([1, 1, 1, 0, 2]),
            st.sampled_from([*LINK_LINES, *LINK_EDITS]),
        ),
        max_size=10,
    ),
)
def test_findings_kept_while_facts_hold_equal_a_fresh_check(
    lines: list[str], edits: list[tuple[int, int, str]]
) -> None:
    """After every edit, the findings of the rules re-used while their facts hold are those
    of a fresh check of a one-piece parse."""
    cache = BlockCache()
    models = ModelCache()
    first = "\n".join(lines)
    parse(first, "links.md", cache, models=models)
    for text in edited_texts(first, edits):
        incremental = parse(text, "links.md", cache, models=models)
        fresh = parse(_another(text), "links.md", chunked=False)
        assert _findings(incremental) == _findings(fresh)


# Sections that MS214 and MS215 read: criteria ticked against an open testing checklist, and a
# phase marked complete while the checklist for its subject is open.
CHECKLIST_BLOCKS = [
    ["## Acceptance Criteria", "- [x] Limits enforced", "- [x] Errors logged", ""],
    ["## Manual Testing Checklist", "- [ ] Login works", "- [ ] Logout works", "- [ ] Reset", ""],
    ["### Phase 2: Rate Limiting (Completed)", "- ✅ Limiter applied to every endpoint", ""],
    ["## Testing Checklist", "### Rate Limiting", "- [x] Limiter unit tests", "- [ ] Limits", ""],
    ["```", "## Testing Checklist", "```", ""],
    ["# Project", "text", ""],
]
CHECKLIST_EDITS = [
    *("## Testing Checklist", "### Testing Checklist", "#### Rate Limiting", "### Rate Limiting"),
    *("## Acceptance Criteria", "- [ ] Limits enforced", "- [x] Login works", "```", "x", ""),
    *("### Phase 2: Rate Limiting (Completed)", "### Phase 2: Rate Limiting", "- [ ] More"),
]
_CHECKED = [*CHECKLIST_BLOCKS[2], *CHECKLIST_BLOCKS[3], *CHECKLIST_BLOCKS[0], *CHECKLIST_BLOCKS[1]]


# A heading's level, a fence around a heading, a heading's text: each changes the structure
# while the lines stay where they are (the first edit makes the check the second may re-use).
@example(_CHECKED, [(16, 1, ""), (4, 1, "# Testing Checklist")])
@example(_CHECKED, [(16, 1, ""), (3, 1, "```")])
@example(_CHECKED, [(16, 1, ""), (4, 1, "### Load Shedding")])
@example(_CHECKED, [(16, 1, ""), (4, 1, "## Rate Limiting")])
@example(_CHECKED, [(16, 1, ""), (12, 1, "## Manual Testing")])
# A setext heading's level changes with its underline alone: the criteria below move into the
# testing checklist.
@example(
    [
        *(
            "Manual Testing Checklist",
            "---",
            "- [ ] Login works",
            "- [ ] Logout works",
            "- [ ] Reset",
        ),
        *("", "## Acceptance Criteria", "- [x] Limits enforced", "- [x] Errors logged", ""),
    ],
    [(9, 1, ""), (1, 1, "===")],
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(CHECKLIST_BLOCKS), max_size=8).map(
        lambda blocks: [line for block in blocks for line in block]
    ),
    st.lists(
        st.tuples(
            st.integers(0, 40), st.sampled_from([1, 1, 1, 0, 2]), st.sampled_from(CHECKLIST_EDITS)
        ),
        max_size=10,
    ),
)
def test_a_structure_kept_while_the_headings_hold_gives_the_findings_of_a_fresh_check(
    lines: list[str], edits: list[tuple[int, int, str]]
) -> None:
    """MS214 and MS215 read the document's sections from its headings, re-used after an edit
    that changed no heading: after every edit their findings are those of a fresh check."""
    cache = BlockCache()
    models = ModelCache()
    first = "\n".join(lines)
    parse(first, "checks.md", cache, models=models)
    for text in edited_texts(first, edits):
        incremental = parse(text, "checks.md", cache, models=models)
        fresh = parse(_another(text), "checks.md", chunked=False)
        assert _findings(incremental) == _findings(fresh)
