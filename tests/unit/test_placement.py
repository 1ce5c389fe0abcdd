"""core/placement: where a template goes (never inside a list, table, fence or definition),
what it is about, and its snippet form."""

from __future__ import annotations

from milestone_lsp.core.parser import parse
from milestone_lsp.core.placement import (
    as_snippet,
    document_kind,
    fitting,
    insertion_line,
    placeholders,
    set_heading_level,
)
from milestone_lsp.core.workspace import Workspace

NOTES = """# Notes

Some text
that goes on.

- one
- two

  still two
- three

| a | b |
| - | - |
| 1 | 2 |

```
code
```
"""


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n")) if needle in line)


def test_after_the_block_the_cursor_is_in() -> None:
    doc = parse(NOTES, "notes.md")
    assert insertion_line(doc, line_of(NOTES, "Some text"), 2) == line_of(NOTES, "that goes") + 1
    # A loose list is one block, its blank lines included: the table is next.
    end_of_list = line_of(NOTES, "| a |")
    for needle in ("- one", "- two", "still two", "- three"):
        assert insertion_line(doc, line_of(NOTES, needle), 2) == end_of_list, needle
    assert insertion_line(doc, line_of(NOTES, "still two") - 1, 2) == end_of_list
    assert insertion_line(doc, line_of(NOTES, "| 1 |"), 2) == line_of(NOTES, "| 1 |") + 1
    assert insertion_line(doc, line_of(NOTES, "code"), 2) == line_of(NOTES, "code") + 2
    # On a blank line between blocks: right there.
    assert insertion_line(doc, line_of(NOTES, "- one") - 1, 2) == line_of(NOTES, "- one") - 1


MILESTONES = """# Milestones

## Milestone: A

**Goal:** a
**Phase:** Phase 1

**Acceptance Criteria:**
- [ ] `make test` exits 0

### Notes
More.

## Milestone: B

**Goal:** b
"""


def test_after_the_section_a_sibling_would_cut() -> None:
    doc = parse(MILESTONES, "milestones.md")
    b = line_of(MILESTONES, "## Milestone: B")
    for needle in ("**Goal:** a", "make test", "More."):
        assert insertion_line(doc, line_of(MILESTONES, needle), 2) == b, needle
        assert insertion_line(doc, line_of(MILESTONES, needle), 3) == b, needle


def test_what_fits_and_what_it_names() -> None:
    ws = Workspace([parse(MILESTONES, "milestones.md"), parse("", "STATUS.md")])
    milestones = ws.get("milestones.md")
    status = ws.get("STATUS.md")
    assert milestones is not None and status is not None
    assert document_kind(milestones) == "milestones" and document_kind(status) == "status"
    fits = {f.kind: f for f in fitting(ws, milestones, line_of(MILESTONES, "make test"))}
    assert fits["milestoneVerification"].milestone is not None
    assert fits["milestoneVerification"].milestone.name == "A"
    assert "status" not in fits and "deliverableVerification" not in fits
    assert [f.kind for f in fitting(ws, status, 0)] == ["status"]


def test_snippets_and_levels() -> None:
    block = "## Milestone: [Name]\n\n- [ ] [Criterion]\n- [x] done $5 {a}\n**Target:** [Name]\n"
    assert placeholders(block) == ["[Name]", "[Criterion]", "[Name]"]
    snippet = as_snippet(block)
    assert snippet.startswith("## Milestone: ${1:[Name]}")
    assert "- [ ] ${2:[Criterion]}" in snippet and "**Target:** ${1:[Name]}" in snippet
    assert "- [x] done \\$5 {a\\}" in snippet and snippet.endswith("$0")
    assert set_heading_level(block, 3).startswith("### Milestone: [Name]")
