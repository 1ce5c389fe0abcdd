"""The indexes and per-workspace results that keep `check` linear in the number of files give
the same answers as scanning the whole workspace each time."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from milestone_lsp.core.model import Section
from milestone_lsp.core.parser import parse
from milestone_lsp.core.syntax import normalize_name
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.references import SAFE_RATIO, SUGGEST_RATIO, NameIndex


def _scan(name: str, candidates: list[Section]) -> tuple[Section, float] | None:
    """difflib against every definition, in order: what the index must reproduce."""
    key = normalize_name(name)
    best: tuple[Section, float] | None = None
    for section in candidates:
        other = normalize_name(section.name)
        ratio = difflib.SequenceMatcher(None, key, other).ratio()
        if other.startswith(key + " ") or key.startswith(other + " "):
            ratio = max(ratio, SAFE_RATIO)
        if best is None or ratio > best[1]:
            best = (section, ratio)
    if best is None or best[1] < SUGGEST_RATIO:
        return None
    return best


# A small alphabet makes equal ratios, shared prefixes and repeated letters common.
_word = st.text(alphabet="abcab12", min_size=1, max_size=6)
_name = st.lists(_word, min_size=1, max_size=3).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(_name, min_size=1, max_size=12), st.lists(_name, min_size=1, max_size=6))
def test_name_index_finds_what_a_scan_of_every_definition_finds(
    names: list[str], queries: list[str]
) -> None:
    text = "".join(f"## Milestone: {n}\n\n**Goal:** g\n\n" for n in names)
    sections: list[Section] = list(parse(text, "m.md").milestones)
    index = NameIndex(sections)
    for query in [*queries, *names, names[0] + " x", names[0].split(" ")[0], ""]:
        expected = _scan(query, sections)
        got = index.closest(normalize_name(query))
        assert got == expected, query
        assert index.closest(normalize_name(query)) == expected  # remembered answer


def test_name_index_without_definitions_finds_nothing() -> None:
    assert NameIndex([]).closest("alpha") is None


def test_cached_results_are_recomputed_when_the_documents_change() -> None:
    a = parse("## Milestone: Alpha\n\n**Goal:** Ship\n", "/w/a.md")
    ws = Workspace([a])
    calls: list[int] = []

    def names() -> list[str]:
        calls.append(1)
        return [m.name for m in ws.milestones()]

    assert ws.cached("names", names) == ["Alpha"]
    assert ws.cached("names", names) == ["Alpha"]
    assert len(calls) == 1
    ws.add(parse("## Milestone: Beta\n\n**Goal:** Ship\n", "/w/b.md"))
    assert ws.cached("names", names) == ["Alpha", "Beta"]
    ws.remove("/w/a.md")
    assert ws.cached("names", names) == ["Beta"]
    assert len(calls) == 3
