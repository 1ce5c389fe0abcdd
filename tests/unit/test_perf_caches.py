"""The caches and shortcuts that keep editing fast give the same answers as the plain way."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types as lsp
from lsprotocol.converters import get_converter

from milestone_lsp.core import templates
from milestone_lsp.core.blocks import BlockCache
from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.findings import Finding, Fix, Severity
from milestone_lsp.core.fixall import conflict, pick
from milestone_lsp.core.lazyre import word_alternation
from milestone_lsp.core.model import Document
from milestone_lsp.core.parser import ModelCache, parse
from milestone_lsp.core.placement import insertion_line
from milestone_lsp.core.positions import (
    Position,
    PositionEncoding,
    Range,
    _units,
    encode_column,
    split_lines,
)
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.lsp.encoded import Encoded, encode, message
from milestone_lsp.rules import measurability
from tests.edits import edited_texts

point = st.tuples(st.integers(0, 3), st.integers(0, 3))
edit = st.builds(
    lambda path, a, b: TextEdit(path, Range.of(*min(a, b), *max(a, b)), "x"),
    st.sampled_from(["a.md", "b.md"]),
    point,
    point,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(edit, max_size=14))
def test_fix_all_picks_no_two_conflicting_edits(edits: list[TextEdit]) -> None:
    findings = [
        Finding("MS000", Severity.WARNING, "x", e.path, e.range, fixes=[Fix("fix", (e,))])
        for e in edits
    ]
    chosen = pick(findings, lambda _path: True)
    picked = [e for group in chosen.edits.values() for e in group]
    for n, a in enumerate(picked):
        assert not any(conflict(a, b) for b in picked[n + 1 :])
    # Each edit left out conflicts with one picked before it: it waits for the next round.
    for e in edits:
        if e not in picked:
            assert any(conflict(e, p) for p in picked)
    assert chosen.fixes == len(picked)


def test_conflict_rules() -> None:
    a = TextEdit("a.md", Range.of(0, 0, 0, 4), "x")
    assert conflict(a, TextEdit("a.md", Range.of(0, 2, 0, 6), "y"))
    assert not conflict(a, TextEdit("a.md", Range.of(0, 4, 0, 6), "y"))  # touching
    assert conflict(a, TextEdit("a.md", Range.of(0, 2, 0, 2), "y"))  # inside
    assert not conflict(a, TextEdit("a.md", Range.of(0, 4, 0, 4), "y"))  # at its end
    here = TextEdit("a.md", Range.of(1, 0, 1, 0), "p")
    assert conflict(here, TextEdit("a.md", Range.of(1, 0, 1, 0), "q"))  # same point
    assert not conflict(here, TextEdit("b.md", Range.of(1, 0, 1, 0), "q"))


def test_workspace_index_after_a_change_equals_a_fresh_index() -> None:
    a = parse("## Milestone: Alpha\n\n**Goal:** Ship\n", "/w/a.md")
    b = parse("## Deliverable: Beta\n\n**Output:** x\n", "/w/b.md")
    ws = Workspace([a, b])
    assert [m.name for m in ws.milestones()] == ["Alpha"]
    renamed = parse("## Milestone: Gamma\n\n**Goal:** Ship\n", "/w/a.md")
    ws.add(renamed)
    fresh = Workspace([renamed, b])
    assert [m.name for m in ws.milestones()] == [m.name for m in fresh.milestones()] == ["Gamma"]
    assert ws.find_milestone("Alpha") is None
    assert ws.find_milestone("gamma") is renamed.milestones[0]
    assert ws.find_deliverable("Beta") is b.deliverables[0]


def test_encoded_message_is_the_json_pygls_would_send() -> None:
    converter = get_converter()
    diagnostic = lsp.Diagnostic(
        range=lsp.Range(start=lsp.Position(line=1, character=2), end=lsp.Position(3, 4)),
        message="Criterion 'works well' is vague; add a threshold — e.g. «p95 < 200 ms»",
        severity=lsp.DiagnosticSeverity.Warning,
        code="MS101",
    )
    params = lsp.PublishDiagnosticsParams(uri="file:///w/a.md", diagnostics=[diagnostic], version=7)
    plain = lsp.PublishDiagnosticsNotification(
        method=lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params=params, jsonrpc="2.0"
    )
    sent = lsp.PublishDiagnosticsNotification(
        method=lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
        params=Encoded(encode(params)),  # type: ignore[arg-type]
        jsonrpc="2.0",
    )
    body = message(sent, sent.params)  # type: ignore[arg-type]
    assert body.isascii()  # Content-Length counts characters as bytes
    assert json.loads(body) == converter.unstructure(plain)

    reply = lsp.DocumentSymbolResponse(id=12, result=[])
    symbols = [
        lsp.DocumentSymbol(
            name="Milestone: Alpha",
            kind=lsp.SymbolKind.Module,
            range=lsp.Range(start=lsp.Position(0, 0), end=lsp.Position(5, 0)),
            selection_range=lsp.Range(start=lsp.Position(0, 14), end=lsp.Position(0, 19)),
        )
    ]
    expected = converter.unstructure(lsp.DocumentSymbolResponse(id=12, result=symbols))
    assert json.loads(message(reply, Encoded(encode(symbols)))) == expected


def test_completion_item_json_equals_the_item_pygls_would_send() -> None:
    from milestone_lsp.core.completion import Candidate
    from milestone_lsp.lsp.completion import ITEM_KINDS, _item_json

    candidate = Candidate('Search "Live" — v2', "Search Live", "milestone", 3, "Phase 2", 14)
    rng = lsp.Range(
        start=lsp.Position(line=4, character=14), end=lsp.Position(line=4, character=16)
    )
    head, tail = _item_json(candidate)
    item = lsp.CompletionItem(
        label=candidate.label,
        kind=ITEM_KINDS[candidate.kind],
        detail=candidate.detail,
        sort_text="0003",
        filter_text=candidate.insert,
        text_edit=lsp.TextEdit(range=rng, new_text=candidate.insert),
    )
    assert json.loads(head + encode(rng) + tail) == get_converter().unstructure(item)


def test_starting_the_server_loads_neither_settings_model_nor_parser() -> None:
    """`initialize` is answered before pydantic, markdown-it and the rules are imported."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from milestone_lsp.lsp.server import create_server\n"
        "create_server()\n"
        "heavy = ('pydantic', 'markdown_it', 'milestone_lsp.settings.config',"
        " 'milestone_lsp.core.parser', 'milestone_lsp.rules.catalogue',"
        " 'milestone_lsp.core.report', 'milestone_lsp.project.gitlog',"
        " 'milestone_lsp.core.history')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 500), st.integers(0, 10**6), st.integers(0, 500))
def test_range_of_builds_the_same_range_as_the_constructor(
    line: int, start: int, end_line: int, end: int
) -> None:
    """Range.of fills the slots directly; the result is the dataclass the constructor makes."""
    made = Range.of(line, start, end_line, end)
    assert made == Range(Position(line, start), Position(end_line, end))
    assert hash(made) == hash(Range(Position(line, start), Position(end_line, end)))
    assert Range.of(line, start) == Range(Position(line, start), Position(line, start))
    assert repr(made) == repr(Range(Position(line, start), Position(end_line, end)))


def _topic_by_pattern(text: str) -> str:
    """The topic as the case-insensitive pattern finds it (the path for non-ASCII text)."""
    best = len(measurability._TOPIC_PATTERNS)
    for m in measurability._topic_regex().finditer(text):
        if m.lastgroup is not None:
            best = min(best, measurability._TOPIC_INDEX[m.lastgroup])
    return (
        measurability._TOPIC_PATTERNS[best][0]
        if best < len(measurability._TOPIC_PATTERNS)
        else "other"
    )


# Words taken from the patterns themselves (so that a word missing from the tables shows).
_TOPIC_WORDS_IN_PATTERNS = sorted(
    {
        w
        for _name, pattern in measurability._TOPIC_PATTERNS
        for w in re.findall(r"[a-z0-9]+", pattern)
    }
)
_TOPIC_FRAGMENTS = [
    variant
    for word in _TOPIC_WORDS_IN_PATTERNS
    for variant in (word, word.upper(), word + "s", word + "ing", "x" + word, word[:-1])
] + ["code review", "code  review", "technical debt", "frame-time", "p95", "P99", "p950", "_", "9"]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_TOPIC_FRAGMENTS), st.sampled_from([" ", "", "-", "_", "/", ". "])
        ),
        max_size=6,
    )
)
def test_topic_word_tables_agree_with_the_topic_pattern(parts: list[tuple[str, str]]) -> None:
    """ASCII criteria are classified by word tables; they give the pattern's topic."""
    text = "".join(word + sep for word, sep in parts)
    assert measurability._topic_ascii(text) == _topic_by_pattern(text)


def test_topic_word_tables_agree_with_the_topic_pattern_word_by_word() -> None:
    """Every word of the patterns, and its near misses, alone and in a sentence."""
    for fragment in _TOPIC_FRAGMENTS:
        for text in (fragment, f"The {fragment} is ok.", f"{fragment}-{fragment}"):
            assert measurability._topic_ascii(text) == _topic_by_pattern(text), text


_CUE_PATTERNS = (
    measurability._THRESHOLD_RE,
    measurability._THRESHOLD_WORDS_RE,
    measurability._COUNT_RE,
    measurability._ONE_RE,
    measurability._DATE_RE,
    measurability._CHECK_RE,
)
# Pieces the cue, identifier and status patterns read, in several cases, with the letters that
# fold to ASCII ones under a case-insensitive match.
_CUE_FRAGMENTS = [
    variant
    for word in (
        "at least",
        "under",
        "within",
        "p95",
        "percent",
        "200",
        "3.5",
        "10",
        "ms",
        "MB",
        "KiB",
        "µs",
        "×",
        "<=",
        "≥",
        "±",
        "~",
        "=",
        "/",
        "+",
        "-",
        "–",
        "to",
        "three",
        "Zero",
        "one",
        "exactly one",
        "2026-12-07",
        "sprint 3",
        "Jan 5",
        "tests pass",
        "passes",
        "verified",
        "no longer",
        "not only",
        "same",
        "without",
        "returns",
        "exit code",
        "HTTP 404",
        "200 OK",
        "src/app.py",
        "config.yaml",
        "--dry-run",
        "MAX_SIZE",
        "snake_case",
        "camelCase",
        "PascalCase",
        "v2",
        "DONE",
        "(IN PROGRESS)",
        "N/A",
        "Complete",
        "done!",
        "✅",
        "←",
        "WIP",
        "(",
        ")",
        ".",
        "!",
        "ſ",
        "K",
        "İ",
        "Μ",
        "é",
    )
    for variant in (word, word.upper(), word.title())
]
_CUE_TEXTS = st.lists(
    st.tuples(st.sampled_from(_CUE_FRAGMENTS), st.sampled_from([" ", "", " - ", ": ", ", "])),
    max_size=7,
).map(lambda parts: "".join(word + sep for word, sep in parts))


@settings(max_examples=800, deadline=None)
@given(_CUE_TEXTS)
def test_lower_case_cue_patterns_match_as_the_case_insensitive_ones(text: str) -> None:
    """Where the cue patterns search the lower-cased text, they find the same spans."""
    lowered = measurability._cue_text(text, text.lower())
    for pattern in _CUE_PATTERNS:
        blind = [m.span() for m in pattern.finditer(text, None)]
        if lowered is not None:
            assert [m.span() for m in pattern.finditer(text, lowered)] == blind, text
        first = pattern.search(text, lowered)
        assert (first.span() if first else None) == (blind[0] if blind else None), text


@settings(max_examples=800, deadline=None)
@given(_CUE_TEXTS)
def test_shortcuts_skip_only_patterns_that_cannot_match(text: str) -> None:
    """The identifier kinds together are the identifier pattern; the status gates skip a
    search only where it finds nothing."""
    digit = measurability._DIGIT.search(text) is not None
    found = measurability._IDENT_RE.search(text) is not None
    assert measurability._names_identifier(text, digit) is found, text
    if not measurability._may_close_with_status(text):
        assert measurability._TRAILING_STATUS_RE.search(text) is None, text
    if measurability._STATUS_NEEDS.search(text) is None:
        assert measurability._STATUS_RE.search(text) is None, text


# Words over a small alphabet share first letters and prefixes ("ab", "abc", "b a"), so that
# the grouped alternation's order within a letter is what decides.
_WORDS = st.lists(st.text("abc ", min_size=1, max_size=4), min_size=1, max_size=8)


@settings(max_examples=600, deadline=None)
@given(_WORDS, st.text("abcAB x", max_size=24), st.sampled_from([0, re.IGNORECASE]))
def test_words_grouped_by_first_letter_match_as_their_plain_alternation(
    words: list[str], text: str, flags: int
) -> None:
    """Grouped or not, an alternation of words gives the same matches and groups, also where
    what follows it makes the engine go back to a later word."""
    plain = "|".join(re.escape(w) for w in words)
    grouped = word_alternation(words)
    for shape in ("(?:{})", r"\b(?P<w>{})\b", r"(?P<w>{})\s+x", r"(?:{})(?:b|$)"):
        a = re.compile(shape.format(plain), flags)
        b = re.compile(shape.format(grouped), flags)
        assert [(m.span(), m.groups()) for m in a.finditer(text)] == [
            (m.span(), m.groups()) for m in b.finditer(text)
        ], (words, text, shape)


def test_a_verdicts_topic_is_the_same_whether_worked_out_now_or_later() -> None:
    """A verdict works its topic out when it is first read; equal verdicts stay equal (and
    hash alike) whether or not it has been read."""
    text = "Search is fast enough for most users"
    measurability._analyze_cached.cache_clear()
    first = measurability.analyze(text)
    measurability._analyze_cached.cache_clear()
    second = measurability.analyze(text)
    assert first == second and hash(first) == hash(second)  # hashing reads the topic
    masked, _spans = measurability._mask(text)
    assert first.topic == second.topic == measurability._topic(masked) == "performance"
    given_topic = measurability.Verdict(False, False, (), (), "security")
    assert given_topic.topic == "security"
    assert repr(first).endswith("topic='performance')")


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=12) | st.sampled_from(["", "_", "__ --", "TBD", "???", "{{x}}", "²", "Ⅻ"]))
def test_placeholder_gates_are_the_tests_they_replace(text: str) -> None:
    """The placeholder patterns' gates and the "empty criterion" test, as plain Python."""
    assert (measurability._ALNUM_RE.search(text) is None) is not any(c.isalnum() for c in text)
    for gate, needs in zip(
        measurability._PLACEHOLDER_GATES, measurability._PLACEHOLDER_NEEDS, strict=True
    ):
        if gate is not None:
            assert (gate.search(text) is not None) is any(part in text for part in needs)


_COLUMN_TEXT = st.text(
    st.sampled_from(["a", "é", "中", "🚀", "\ud800", "\udfff", " ", "✅", "\u200b"]), max_size=12
)


@settings(max_examples=500, deadline=None)
@given(_COLUMN_TEXT, st.integers(-2, 14), st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_encoded_columns_count_the_units_character_by_character(
    line: str, column: int, encoding: PositionEncoding
) -> None:
    """The codec's count of code units is the per-character count (lone surrogates too)."""
    clamped = max(0, min(column, len(line)))
    expected = sum(_units(ch, encoding) for ch in line[:clamped])
    assert encode_column(line, column, encoding) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["- a", "* b", "+ c", "  - d", "\t* e", "-x", "*bold*", "", "1. f", "+"]),
        max_size=12,
    ),
    st.sampled_from(["\n", "\r\n"]),
)
def test_document_bullet_counts_the_markers_of_every_line(lines: list[str], eol: str) -> None:
    """The bullet found after line feeds (and on the first line) is the multi-line pattern's."""
    text = eol.join(lines)
    counts = {"-": 0, "*": 0, "+": 0}
    for m in re.finditer(r"^([ \t]*)([-*+])[ \t]+", text, re.MULTILINE):
        counts[m.group(2)] += 1
    best = max(counts, key=lambda b: counts[b])
    templates.document_bullet.cache_clear()
    assert templates.document_bullet(text) == (best if counts[best] else "-")


_PLAN_LINES = [
    "# Project Status",
    "## Milestone: Alpha",
    "### Deliverable: Core",
    "**Acceptance Criteria:**",
    "- [ ] Tests pass (12/12)",
    "## Milestone Verification: Alpha",
    "## Current State",
    "## 2026-02-16: Milestone Alpha Approved",
    "**Decision:** Approved",
    "text",
    "",
    "#### Task 1",
]


def _insertion_line_by_scan(doc: Document, line: int, level: int) -> int:
    """insertion_line as a plain scan of every section and heading (the reference)."""
    from milestone_lsp.core.placement import _after_block

    lines = doc.lines or split_lines(doc.text)
    count = len(lines)
    if count == 0 or not doc.text:
        return 0
    line = max(0, min(line, count))
    ends = []
    sections = [*doc.milestones, *doc.deliverables, *doc.reports, *doc.decisions]
    for section in [*sections, *doc.status_sections]:
        start = section.heading.range.start.line
        if start <= line <= max(section.end_line, start):
            ends.append(max(section.end_line, start) + 1)
    headings = sorted(doc.headings, key=lambda h: h.range.start.line)
    above = [h for h in headings if h.range.start.line <= line and h.level <= level]
    owner = above[-1] if above else None
    if owner is not None and owner.level == level:
        start = owner.range.start.line
        later = [h for h in headings if h.range.start.line > start and h.level <= level]
        ends.append(later[0].range.start.line if later else count)
    if ends:
        return min(max(ends), count)
    return _after_block(doc, lines, line)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PLAN_LINES), max_size=25))
def test_insertion_lines_from_the_layout_are_those_of_a_scan(lines: list[str]) -> None:
    """Where a template goes, worked out from the document's layout, is where a scan of
    every section and heading puts it."""
    doc = parse("\n".join(lines), "STATUS.md")
    for line in range(len(lines) + 2):
        for level in (1, 2, 3):
            assert insertion_line(doc, line, level) == _insertion_line_by_scan(doc, line, level)


_PLAN_EDIT = st.tuples(st.integers(0, 30), st.integers(0, 3), st.sampled_from([*_PLAN_LINES, "\n"]))


def _edited_docs(lines: list[str], edits: list[tuple[int, int, str]]) -> list[Document]:
    """The documents an editor's sequence of edits gives, each parsed incrementally from the
    one before (so that its lists are put together from the parts an edit did not touch)."""
    cache = BlockCache()
    models = ModelCache()
    first = "\n".join(lines)
    out = [parse(first, "STATUS.md", cache, models=models)]
    for text in edited_texts(first, edits):
        out.append(parse(text, "STATUS.md", cache, models=models))
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PLAN_LINES), max_size=25), st.lists(_PLAN_EDIT, max_size=6))
def test_the_layout_put_together_from_parts_gives_the_insertion_lines_of_a_scan(
    lines: list[str], edits: list[tuple[int, int, str]]
) -> None:
    """After edits, the layout made from the parts' headings and sections places templates
    where a scan of the whole document does."""
    for doc in _edited_docs(lines, edits):
        for line in range(doc.line_count + 2):
            for level in (1, 2, 3):
                assert insertion_line(doc, line, level) == _insertion_line_by_scan(doc, line, level)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from([*_PLAN_LINES, "* b", "+ c", "  * d", "\t+ e", "-x"]), max_size=25),
    st.lists(_PLAN_EDIT, max_size=6),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_the_bullet_counted_per_part_is_the_documents_bullet(
    lines: list[str], edits: list[tuple[int, int, str]], eol: str
) -> None:
    """The bullet counted part by part (re-read only where an edit was) is the one the
    document's whole text uses most, with any line ending."""
    for doc in _edited_docs(lines, edits):
        text = eol.join(split_lines(doc.text))
        templates.document_bullet.cache_clear()
        assert templates.bullet_of(doc) == templates.document_bullet(text)


# --- The first passes of the real-world checks: a scan of the lower-cased text finds every line
# the check goes on to read (it may find more; the check reads each line itself).

_SCAN_FRAGMENTS = [
    *("- ", "  - ", "* ", "1. ", "| ", " | ", "\t|", "|", "**", "__", "(", ")", ": ", " ", "\t"),
    *("[x] ", "[X] ", "[ ] ", "[~] ", "[✅] ", "✅ ", "☑️ ", "☑ ", "✔️ ", "✔ ", "✓ ", "x]"),
    *("All ", "all", "EVERY ", "every", "tests ", "Tests ", "pass", "PASSED", "green", "load"),
    *("coverage ", "met", "under ", "load test", "placeholder", "Stub", "TODO", "hard-coded"),
    *("not ", "Not\t", "yet ", "been ", "run", "tested", "Pending", "awaiting", "waiting "),
    *("never ", "needs ", "to be ", "ready to ", "requires ", "verification", "implicit"),
    *("3", "12", "2026-01-07", "**2026-01-07 — Decision:** ", "/", " of ", "of", "f 4 "),
    *("done", "Closed", "complete", "are ", "is ", "rows "),
]
_SCAN_LINES = st.lists(
    st.lists(st.sampled_from(_SCAN_FRAGMENTS), max_size=9).map("".join), min_size=1, max_size=8
)


def _scan(pattern: re.Pattern[str], lines: list[str]) -> set[int]:
    from milestone_lsp.rules.registry import matching_lines

    return set(matching_lines(lines, 0, len(lines), pattern))


@settings(max_examples=600, deadline=None)
@given(_SCAN_LINES, st.integers(0, 8), st.integers(0, 8))
def test_pipe_rows_are_the_lines_that_begin_with_a_pipe(
    lines: list[str], start: int, end: int
) -> None:
    from milestone_lsp.rules.registry import _pipe_rows

    start, end = min(start, len(lines)), min(max(start, end), len(lines))
    want = [n for n in range(start, end) if re.match(r"[^\S\n]*\|", lines[n])]
    assert _pipe_rows(lines, start, end) == want, lines


@settings(max_examples=600, deadline=None)
@given(_SCAN_LINES)
def test_first_passes_find_every_line_their_check_reads(lines: list[str]) -> None:
    from milestone_lsp.core.syntax import LIST_MARKER
    from milestone_lsp.rules import claims, counts, decision_log, verification_claims
    from milestone_lsp.rules.registry import tick_rows

    ticks = set(tick_rows(lines, 0, len(lines)))
    for n, line in enumerate(lines):
        if verification_claims._ticked_line(line):
            assert n in ticks, line
        marker = LIST_MARKER.match(line)
        if marker is not None and claims._ALL_ENTRY.match(line[marker.end() :].strip()):
            assert n in ticks and claims._TICKED_ALL.search(line.lower()), line
        if counts._SENTENCE_COUNT.search(line):
            assert n in _scan(counts._COUNT_TAIL, lines), line
        if decision_log._ENTRY.match(line):
            assert n in _scan(decision_log._DATE, lines), line


# The note pattern as the case-insensitive alternation it was written as first.
_NOTE_REFERENCE = re.compile(
    r"(?i)pending|awaiting|waiting|not\s+(?:yet|been|run|tested|verified|executed|confirmed"
    r"|validated|checked)|untested|unverified|never\s+(?:run|tested|verified)|to\s+be\s+(?:run"
    r"|tested|verified|confirmed|validated)|ready\s+to\s+(?:run|test)|needs?\s+(?:testing"
    r"|verification|to\s+be)|requires?\s+(?:testing|verification)|implicit"
)


@settings(max_examples=600, deadline=None)
@given(_SCAN_LINES)
def test_the_grouped_note_scan_finds_the_lines_of_the_plain_pattern(lines: list[str]) -> None:
    from milestone_lsp.rules import claims

    want = {n for n, line in enumerate(lines) if _NOTE_REFERENCE.search(line)}
    assert _scan(claims._ANY_NOTE, lines) == want, lines


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Search", "PLANNED", "Planned", "(Planned)", "NOT STARTED", "v2"]),
            st.sampled_from(["", "**", "`", "_", "~~"]),
        ),
        max_size=5,
    )
)
def test_the_raw_heading_test_keeps_every_planned_tag(words: list[tuple[str, str]]) -> None:
    """Markup around whole words does not hide a tag's word from the test of the raw text."""
    from milestone_lsp.rules import claims

    text = " ".join(f"{mark}{word}{mark}" for word, mark in words)
    claims._planned_tag_of.cache_clear()
    found = claims._planned_tag_of(text)
    plain = claims.clean_inline(text)
    if found is not None:
        assert claims._PLANNED_WORD.search(text.lower()), text
    tags = [t for t in claims.strip_trailers(plain, strict_words=False)[1] if t.kind == "tag"]
    if any(t.status is claims.Status.PLANNED for t in tags):
        assert found is not None, text


_DIRECTIVE_LINES = [
    "<!-- milestone-lsp-disable MS101 -->",
    "<!-- milestone-lsp-disable -->",
    "<!-- milestone-lsp-enable -->",
    "<!-- milestone-lsp-disable-next-line MS201 -->",
    "<!-- milestone-lsp-disable-line ms101 -- measured elsewhere -->",
    "text <!-- milestone-lsp-disable-next-line -->",
    "<!--",
    "-->",
    "<!-- note --> <!-- milestone-lsp-disable-next-line MS101 -->",
    "```",
    "- [ ] A criterion",
    "",
]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(_DIRECTIVE_LINES), max_size=16),
    st.lists(st.tuples(st.sampled_from(["MS101", "MS201", "MS901"]), st.integers(0, 17))),
)
def test_suppressions_read_from_the_comment_lines_alone_are_the_same(
    lines: list[str], found: list[tuple[str, int]]
) -> None:
    """Reading only the lines that open or close a comment finds the same directives, and a
    finding on a line no scope covers is kept without matching it against the scopes."""
    from milestone_lsp.core.positions import Range
    from milestone_lsp.core.suppression import comment_mark_lines, parse_suppressions

    fenced = frozenset(n for n, line in enumerate(lines) if line == "```")
    whole = parse_suppressions(lines, fenced)
    marked = parse_suppressions(lines, fenced, comment_mark_lines(lines, 0, len(lines)))
    assert marked.directives == whole.directives, lines
    findings = [
        Finding(code, Severity.WARNING, "m", "p.md", Range.of(line, 0, line, 1))
        for code, line in found
    ]
    kept = whole.apply(list(findings), path="p.md", unused_severity=None)
    assert kept == [f for f in findings if not whole.is_suppressed(f.code, f.range.start.line)]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "é", "😀", "\n", "\r\n", "\r", " "]), max_size=30).map("".join),
    st.integers(-1, 12),
    st.integers(-1, 12),
)
def test_an_offset_without_the_line_starts_is_the_offset_with_them(
    text: str, line: int, column: int
) -> None:
    from milestone_lsp.core.positions import LineIndex

    fresh, known = LineIndex(text), LineIndex(text)
    _ = known.starts  # worked out first: the offset is read from them
    pos = Position(line, column) if line >= 0 else Position(0, 0)
    assert fresh.offset(pos) == known.offset(pos), (text, pos)


def test_a_per_text_memo_knows_a_text_by_the_object_and_forgets_the_oldest() -> None:
    """Remembered by the object (no hash of a large text): an equal text that is another
    object is worked out again, with the same result; only the latest texts are held."""
    from milestone_lsp.core.textmemo import per_text

    calls: list[str] = []

    @per_text(2)
    def length(text: str) -> int:
        calls.append(text)
        return len(text)

    a = "".join(["line\n"] * 3)
    b = "".join(["line\n"] * 3)  # equal to a, another object
    assert a == b and a is not b
    assert length(a) == length(a) == 15
    assert len(calls) == 1
    assert length(b) == 15
    assert len(calls) == 2
    c = "other"
    length(c)  # a is now the oldest of three: forgotten
    length(b)
    assert len(calls) == 3
    length(a)
    assert len(calls) == 4
    length.cache_clear()
    length(a)
    assert len(calls) == 5


# MS217's recorded-result test as one pattern (the reference for the split search).
_ONE_RESULT_PATTERN = re.compile(
    r"\b\d+\s*/\s*\d+\s*(?:tests?|passing|passed|pass|green)\b"
    r"|\(\s*\d+\s*/\s*\d+\s*(?:tests?|passing|passed|pass|green)?\s*\)"
    r"|\b\d+\s+of\s+\d+\s+(?:tests?|passing|passed|pass|green)\b"
    r"|\b\d+\s+(?:tests?\s+|specs?\s+|cases\s+)?(?:passed|passing|pass(?:es)?|green|succeeded)\b"
    r"|\bcoverage\s*[:=]?\s*(?:\*\*|__)?\s*~?\d+(?:\.\d+)?\s*%(?!\+)"
    r"|(?<![≥>+\d])\d+(?:\.\d+)?\s*%\s+(?:coverage|covered|pass)"
    r"|\bpass(?:\s+rate)?\s*[:=]\s*\d"
    r"|\b\d+\s+(?:tests|specs|test\s+cases)\b|\b(?:tests?|specs?)\s*[:=]\s*\d+\b(?![.\d]|\s*%)"
    r"|\]\([^)\n]*(?:test|coverage|report|result|/actions|/runs|/builds?|/jobs?)[^)\n]*\)"
    r"|\b(?:ci|pipeline|workflow|build|job)\s+(?:run\s+|job\s+|build\s+)?#\s?\d+"
    r"|\b(?:ci|pipeline|workflow)\s+(?:run|job|build)\s+\d{2,}\b"
)
_RESULT_FRAGMENTS = [
    *("12", "1", "٣", "/", " / ", "of", " of ", "%", ".5", "≥", ">", "+", "~", "#", "# ", ":", "="),
    *(" ", "\n", "\t", "x", "a", "_", "**", "__", "(", ")", "](", "](http://ci/", "/runs/", "]"),
    *("test", "tests", "spec", "specs", "cases", "test cases", "pass", "passes", "passing"),
    *("passed", "green", "succeeded", "coverage", "covered", "rate", "ci", "pipeline", "run"),
    *("workflow", "build", "builds", "job", "jobs", "report", "result", "retest", "bypass", "xci"),
]


# Each form of result, to be put between characters that may or may not end a word.
_RESULT_FORMS = [
    *("12/12 passing", "3 / 4 tests", "3 of 4 tests", "43 tests passed", "7 passes", "120 tests"),
    *("9 test cases", "2 specs green", "87% coverage", "87.5 % pass", "(12/12)", "( 3/4 passing )"),
    *("](http://ci/runs/1)", "](report.html)", "coverage: 87%", "coverage **87%", "coverage 87%+"),
    *("pass rate: 98", "pass: 1", "tests: 120", "specs=3", "tests: 1.2", "tests: 5 %", "build #12"),
    *("ci run #4521", "job # 7", "pipeline run 4521", "workflow build 12", "ci job 9"),
]
_EDGES = ["", "x", "_", "1", "٣", " ", "≥", ">", "+", "\n", "é", ".", "%", "s", "#", "("]
_RESULT_TEXTS = st.one_of(
    st.lists(st.sampled_from(_RESULT_FRAGMENTS), max_size=14).map("".join),
    st.tuples(st.sampled_from(_EDGES), st.sampled_from(_RESULT_FORMS), st.sampled_from(_EDGES)).map(
        "".join
    ),
)


@settings(max_examples=1500, deadline=None)
@given(_RESULT_TEXTS)
def test_the_split_result_search_finds_what_the_one_pattern_finds(text: str) -> None:
    """MS217's recorded-result test, searched as patterns led by something to skip ahead to,
    says what the single pattern of every form says, on any text."""
    from milestone_lsp.rules.verification_claims import records_result

    assert records_result(text) == (_ONE_RESULT_PATTERN.search(text) is not None)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *("a", "docs/", "./", "../", ".", "-", "_", " ", "`", "@", "x.md", "X.MD", ".Md"),
                *(".markdown", ".MKD", ".mKd", ".mdown", "\u212a", "m", "M", "d", "(", ")", "]("),
                *("STATUS", ".txt", "/", "#", ":", "%", "~", "é"),
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_a_line_without_dot_m_mentions_no_plan_file(line: str) -> None:
    """The gate of the link scan: every plan-file mention holds ".m" or ".M"."""
    from milestone_lsp.core.links import _MENTION

    if _MENTION.search(line) is not None:
        assert ".m" in line or ".M" in line


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PLAN_LINES), max_size=25), st.lists(_PLAN_EDIT, max_size=6))
def test_the_references_of_the_part_holding_a_line_are_all_those_on_it(
    lines: list[str], edits: list[tuple[int, int, str]]
) -> None:
    """A template's subject is looked for among the references of the part holding the
    cursor's line: they are every reference of the document on that line."""
    from milestone_lsp.core.placement import _references_near

    for doc in _edited_docs(lines, edits):
        for line in range(doc.line_count + 1):
            on_line = [id(r) for r in doc.references if r.range.start.line == line]
            near = [id(r) for r in _references_near(doc, line) if r.range.start.line == line]
            assert near == on_line
