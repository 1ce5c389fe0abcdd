"""Answering from the previous analysis while an edit's analysis runs: which findings still hold
as they are (core.findings.carried_over), and a workspace snapshot that later edits do not reach."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.findings import Finding, Fix, Related, Severity, carried_over
from milestone_lsp.core.parser import parse
from milestone_lsp.core.positions import Position, Range, split_lines
from milestone_lsp.core.workspace import Workspace

PATH = "/p/STATUS.md"
OLD = "\n".join(f"line {n}" for n in range(10))


def span(line: int, end_line: int | None = None) -> Range:
    return Range(Position(line, 0), Position(line if end_line is None else end_line, 4))


def finding(line: int, end_line: int | None = None, *, fix_line: int | None = None) -> Finding:
    fixes = []
    if fix_line is not None:
        fixes = [Fix("fix", (TextEdit(PATH, span(fix_line), "x"),))]
    return Finding("MS101", Severity.WARNING, "m", PATH, span(line, end_line), fixes=fixes)


def edited(text: str, line: int, new: str | None) -> str:
    lines = text.split("\n")
    if new is None:
        del lines[line]
    else:
        lines[line] = new
    return "\n".join(lines)


def test_unchanged_text_keeps_every_finding() -> None:
    found = [finding(1), finding(5, 7)]
    assert carried_over(found, PATH, split_lines(OLD), split_lines(OLD)) == found


def test_a_finding_on_a_changed_line_is_left_out_and_the_others_kept_as_they_are() -> None:
    above, on, below = finding(2), finding(5), finding(8)
    out = carried_over(
        [above, on, below], PATH, split_lines(OLD), split_lines(edited(OLD, 5, "line 5 typed"))
    )
    assert out == [above, below]
    assert out[0] is above and out[1] is below  # same objects: their conversions are re-used


def test_findings_below_an_inserted_line_move_with_their_fixes_and_related_locations() -> None:
    below = finding(8, fix_line=9)
    below.related.append(Related(PATH, span(7), "see"))
    elsewhere = Related("/p/OTHER.md", span(1), "other file")
    below.related.append(elsewhere)
    new = OLD.replace("line 4\n", "line 4\nan inserted line\n")
    (moved,) = carried_over([below], PATH, split_lines(OLD), split_lines(new))
    assert moved.range.start.line == 9
    assert moved.fixes[0].edits[0].range.start.line == 10
    assert [r.range.start.line for r in moved.related] == [8, 1]
    assert new.split("\n")[moved.range.start.line] == "line 8"


def test_a_finding_whose_fix_or_span_reaches_the_change_is_left_out() -> None:
    spans_it = finding(3, 6)
    fix_on_it = finding(1, fix_line=5)
    new = edited(OLD, 5, None)
    assert carried_over([spans_it, fix_on_it], PATH, split_lines(OLD), split_lines(new)) == []


def test_findings_of_other_documents_are_kept() -> None:
    other = Finding("MS201", Severity.WARNING, "m", "/p/OTHER.md", span(5))
    assert carried_over([other], PATH, split_lines(OLD), split_lines(edited(OLD, 5, "x"))) == [
        other
    ]


def test_crlf_text_is_compared_by_lines() -> None:
    old = OLD.replace("\n", "\r\n")
    new = edited(OLD, 5, "line 5 typed").replace("\n", "\r\n")
    assert [
        f.range.start.line
        for f in carried_over([finding(2), finding(5)], PATH, split_lines(old), split_lines(new))
    ] == [2]


def test_a_snapshot_is_not_reached_by_later_changes() -> None:
    ws = Workspace([parse("# Project Status\n\n## Milestone: One\n", PATH)])
    snap = ws.snapshot()
    before = [m.name for m in snap.milestones()]
    ws.add(parse("# Project Status\n\n## Milestone: Two\n", PATH))
    ws.add(parse("## Milestone: Three\n", "/p/MILESTONES.md"))
    assert [m.name for m in snap.milestones()] == before == ["One"]
    assert snap.version != ws.version
    assert snap.origin is ws and snap.snapshot().origin is ws


def test_long_documents_are_compared_past_the_first_blocks() -> None:
    old = "\n".join(f"line {n}" for n in range(3000))
    new = edited(old, 1700, "typed")
    found = [finding(10), finding(1700), finding(2999)]
    out = carried_over(found, PATH, split_lines(old), split_lines(new))
    assert [f.range.start.line for f in out] == [10, 2999]
    removed = edited(old, 0, None)
    (moved,) = carried_over([finding(2999)], PATH, split_lines(old), split_lines(removed))
    assert moved.range.start.line == 2998


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 11), st.integers(0, 2)), max_size=12),
    st.integers(0, 9),
    st.sampled_from(["typed", None, "insert"]),
    st.tuples(st.integers(-1, 12), st.integers(0, 3)),
)
def test_findings_near_some_lines_are_those_of_all_findings_that_meet_them(
    spans: list[tuple[int, int]], line: int, change: str | None, near: tuple[int, int]
) -> None:
    """Asked about some lines, the answer holds every finding carried over that meets them
    (in the new text's lines), and none that is not carried over."""
    found = [finding(start, start + length) for start, length in spans]
    if change == "insert":
        new = OLD.replace(f"line {line}\n", f"line {line}\nan inserted line\n")
    else:
        new = edited(OLD, line, change)
    first, last = near[0], near[0] + near[1]
    every = carried_over(found, PATH, split_lines(OLD), split_lines(new))
    asked = carried_over(found, PATH, split_lines(OLD), split_lines(new), (first, last))
    wanted = [f for f in every if f.range.start.line <= last and f.range.end.line >= first]
    assert all(f in asked for f in wanted)
    assert all(f in every for f in asked)
