"""Fix-all (core/fixall.py): the rounds ``check --fix`` and the editor's "Fix all" share, and the
minimal edits the editor gets."""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from milestone_lsp.core.edits import TextEdit, apply_edits
from milestone_lsp.core.findings import Finding, Fix, Severity
from milestone_lsp.core.fixall import MAX_ROUNDS, minimal_edits, pick, settle
from milestone_lsp.core.parser import parse
from milestone_lsp.core.positions import Range, split_lines
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.engine import check_document, fix_all_edits
from milestone_lsp.settings.config import Config

pieces = st.sampled_from(["a", "b", "x y", "\n", "\r\n", "\r", "é", "🙂", "- [ ] ", "**Goal:**"])
texts = st.lists(pieces, max_size=40).map("".join)


@settings(max_examples=500, deadline=None)
@given(texts, texts)
def test_minimal_edits_turn_one_text_into_the_other(before: str, after: str) -> None:
    edits = minimal_edits("p.md", before, after)
    assert apply_edits(before, edits) == after
    assert (edits == []) == (before == after)
    lines = split_lines(before)
    for e in edits:
        # Never a position between the "\r" and "\n" of a line ending.
        for pos in (e.range.start, e.range.end):
            assert 0 <= pos.line < len(lines) and 0 <= pos.character <= len(lines[pos.line])


def test_minimal_edits_leave_unchanged_lines_alone() -> None:
    before = "one\ntwo\nthree\nfour\n"
    after = "one\nTWO\nthree\nfour\nfive\n"
    edits = minimal_edits("p.md", before, after)
    assert [(e.range.start.line, e.new_text) for e in edits] == [(1, "TWO"), (4, "five\n")]


def _finding(path: str, start: int, end: int, text: str) -> Finding:
    edit = TextEdit(path, Range.of(0, start, 0, end), text)
    return Finding("MS000", Severity.WARNING, "m", path, edit.range, fixes=[Fix("f", (edit,))])


def test_a_conflicting_fix_waits_for_the_next_round() -> None:
    # "ab" → two fixes want the same character; the second is re-offered after the first.
    def findings_of(current: Mapping[str, str]) -> list[Finding]:
        text = current["p.md"]
        out = []
        if "a" in text:
            at = text.index("a")
            out.append(_finding("p.md", at, at + 1, "A"))
            out.append(_finding("p.md", at, at + 1, "Z"))  # conflicts: waits, then gone
        if "b" in text:
            at = text.index("b")
            out.append(_finding("p.md", at, at + 1, "B"))
        return out

    settled = settle({"p.md": "ab"}, findings_of, lambda _p: True)
    assert settled.texts["p.md"] == "AB"
    assert settled.fixed == {"p.md": 2}
    assert settled.rounds == 1


def test_unwritable_paths_are_refused_and_reported() -> None:
    chosen = pick([_finding("other.md", 0, 1, "x")], lambda path: path == "p.md")
    assert chosen.edits == {} and chosen.refused == {"other.md"}


def test_rounds_are_bounded() -> None:
    # A fix that always comes back (a rule bug) stops after MAX_ROUNDS instead of looping.
    def findings_of(current: Mapping[str, str]) -> list[Finding]:
        return [_finding("p.md", 0, 0, "x")]

    settled = settle({"p.md": ""}, findings_of, lambda _p: True)
    assert settled.texts["p.md"] == "x" * MAX_ROUNDS


def test_editor_fix_all_reaches_what_check_fix_reaches() -> None:
    # Two safe fixes on one line: the editor's single action holds both, as check --fix does.
    text = (
        "# Status\n\n## Progress\n\n**Overall:** 45% (2/5 milestones complete)\n\n"
        "## Test Status\n- Unit: 28/32 (92%)\n"
    )
    config = Config()
    doc = parse(text, "STATUS.md", chunked=False)
    ws = Workspace([doc])
    edits = fix_all_edits(ws, doc, config)
    fixed = apply_edits(text, edits)
    assert "40% (2/5" in fixed and "(88%)" in fixed, fixed

    def findings_of(current: Mapping[str, str]) -> list[Finding]:
        scratch = parse(current["STATUS.md"], "STATUS.md", chunked=False)
        return check_document(Workspace([scratch]), scratch, config)

    assert fixed == settle({"STATUS.md": text}, findings_of, lambda _p: True).texts["STATUS.md"]
    again = parse(fixed, "STATUS.md", chunked=False)
    assert fix_all_edits(Workspace([again]), again, config) == []
