"""Chunked, cached parsing equals a fresh parse of the whole text, over random edit sequences."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.token import Token

from milestone_lsp.core.blocks import BlockCache, document_blocks
from milestone_lsp.core.outline import to_jsonable
from milestone_lsp.core.parser import parse
from milestone_lsp.core.positions import split_lines

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
]


edit = st.tuples(st.integers(0, 60), st.integers(0, 3), st.sampled_from([*LINES, "`", "#", "\n"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LINES), max_size=40), st.lists(edit, max_size=12))
def test_incremental_equals_fresh(lines: list[str], edits: list[tuple[int, int, str]]) -> None:
    cache = BlockCache()
    text = "\n".join(lines)
    document_blocks(split_lines(text), cache)
    for at, remove, insert in edits:
        rows = split_lines(text)
        at = min(at, len(rows))
        rows[at : at + remove] = split_lines(insert)
        text = "\n".join(rows)
        incremental = to_jsonable(parse(text, "x.md", cache))
        assert incremental == to_jsonable(parse(text, "x.md", chunked=False))


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
