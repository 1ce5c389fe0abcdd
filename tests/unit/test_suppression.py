"""Tests for inline suppression comments: parsing, scopes, unused reports (MS901) and fixes."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from milestone_lsp.core.edits import TextEdit, apply_edits
from milestone_lsp.core.findings import Finding, Severity
from milestone_lsp.core.positions import Range, split_lines
from milestone_lsp.core.suppression import (
    UNUSED_CODE,
    Suppressions,
    parse_suppressions,
)

PATH = "docs/STATUS.md"
NAMES = {"MS101": "vague-criterion", "MS102": "stale-percent", UNUSED_CODE: "unused-suppression"}


def name_of(code: str) -> str:
    return NAMES.get(code, code.lower())


def finding(code: str, line: int, end_line: int | None = None) -> Finding:
    return Finding(code, Severity.WARNING, "message", PATH, Range.of(line, 0, end_line, 1))


def parse(text: str, skip: frozenset[int] = frozenset()) -> Suppressions:
    return parse_suppressions(split_lines(text), skip)


def run(text: str, *findings: Finding, **kwargs: object) -> list[Finding]:
    return parse(text).apply(list(findings), path=PATH, name_of=name_of, **kwargs)  # type: ignore[arg-type]


def codes_at(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(f.code, f.range.start.line) for f in findings]


def unused(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.code == UNUSED_CODE]


def edits_of(findings: list[Finding]) -> list[TextEdit]:
    return [edit for f in findings for fix in f.fixes for edit in fix.edits]


# --- parsing -----------------------------------------------------------------------------------


def test_directive_fields() -> None:
    text = "x\n<!-- milestone-lsp-disable-next-line MS101 vague-criterion -- measured elsewhere -->"
    [directive] = parse(text).directives
    assert directive.kind == "disable-next-line"
    assert directive.line == 1
    assert (directive.start, directive.end) == (0, len(split_lines(text)[1]))
    assert [k.key for k in directive.keys] == ["MS101", "vague-criterion"]
    line = split_lines(text)[1]
    assert [line[k.start : k.end] for k in directive.keys] == ["MS101", "vague-criterion"]
    assert directive.reason == "measured elsewhere"


@pytest.mark.parametrize(
    ("comment", "kind", "keys", "reason"),
    [
        ("<!-- milestone-lsp-disable -->", "disable", [], None),
        ("<!--milestone-lsp-enable-->", "enable", [], None),
        ("<!-- milestone-lsp-disable-line MS101-->", "disable-line", ["MS101"], None),
        ("<!-- milestone-lsp-disable-file -- generated -->", "disable-file", [], "generated"),
        ("<!-- milestone-lsp-disable MS101, MS102 -->", "disable", ["MS101", "MS102"], None),
        ("<!-- milestone-lsp-disable MS101 --reason-->", "disable", ["MS101"], "reason"),
        ("<!-- milestone-lsp-disable MS101 -- -->", "disable", ["MS101"], None),
    ],
)
def test_directive_forms(comment: str, kind: str, keys: list[str], reason: str | None) -> None:
    [directive] = parse(comment).directives
    assert directive.kind == kind
    assert [k.key for k in directive.keys] == keys
    assert directive.reason == reason
    assert directive.covers_all is (not keys)


@pytest.mark.parametrize(
    "line",
    [
        "<!-- milestone-lsp-disabel MS101 -->",
        "<!-- milestone-lsp-disable-lines MS101 -->",
        "<!-- milestone-lsp-disableMS101 -->",
        "<!-- markdownlint-disable MD013 -->",
        "<!-- milestone-lsp-disable MS101",  # not closed on this line
        "`<!-- milestone-lsp-disable MS101 -->`",
        "see ``<!-- milestone-lsp-disable -->`` for details",
        "milestone-lsp-disable MS101",
    ],
)
def test_not_directives(line: str) -> None:
    assert parse(line).directives == []


def test_unclosed_backtick_does_not_hide_a_directive() -> None:
    assert len(parse("a ` b <!-- milestone-lsp-disable-line -->").directives) == 1


def test_several_directives_on_one_line() -> None:
    line = "<!-- milestone-lsp-disable MS101 --> <!-- milestone-lsp-enable MS102 -->"
    assert [d.kind for d in parse(line).directives] == ["disable", "enable"]


def test_skip_lines_hide_directives_in_fenced_code() -> None:
    text = "```\n<!-- milestone-lsp-disable-file -->\n```\ntext"
    suppressions = parse(text, skip=frozenset({0, 1, 2}))
    assert suppressions.directives == []
    assert not suppressions.is_suppressed("MS101", 3)


# --- scopes ------------------------------------------------------------------------------------


def test_disable_line_covers_its_own_line_only() -> None:
    s = parse("a\nb <!-- milestone-lsp-disable-line MS101 -->\nc")
    assert [s.is_suppressed("MS101", n) for n in range(3)] == [False, True, False]
    assert not s.is_suppressed("MS102", 1)


def test_disable_next_line_is_the_literal_next_line_even_if_blank() -> None:
    s = parse("<!-- milestone-lsp-disable-next-line MS101 -->\n\nc")
    assert [s.is_suppressed("MS101", n) for n in range(3)] == [False, True, False]


def test_disable_next_line_on_the_last_line_covers_nothing() -> None:
    out = run("x\n<!-- milestone-lsp-disable-next-line MS101 -->", finding("MS101", 1))
    assert codes_at(out) == [("MS101", 1), (UNUSED_CODE, 1)]


def test_bare_directive_covers_every_rule() -> None:
    s = parse("<!-- milestone-lsp-disable-next-line -->\nx")
    assert s.is_suppressed("MS101", 1) and s.is_suppressed("MS999", 1)


def test_disable_until_enable_inclusive_of_own_line() -> None:
    text = "a\n<!-- milestone-lsp-disable MS101 -->\nb\nc\n<!-- milestone-lsp-enable MS101 -->\nd"
    s = parse(text)
    assert [s.is_suppressed("MS101", n) for n in range(6)] == [
        False,
        True,
        True,
        True,
        False,
        False,
    ]


def test_disable_without_enable_runs_to_end_of_file() -> None:
    s = parse("a\n<!-- milestone-lsp-disable -->\nb\nc")
    assert [s.is_suppressed("MS101", n) for n in range(4)] == [False, True, True, True]


def test_enable_code_inside_bare_disable() -> None:
    text = "\n".join(
        [
            "<!-- milestone-lsp-disable -->",  # 0
            "a",  # 1
            "<!-- milestone-lsp-enable MS101 -->",  # 2
            "b",  # 3
            "<!-- milestone-lsp-disable MS101 -->",  # 4
            "c",  # 5
            "<!-- milestone-lsp-enable -->",  # 6
            "d",  # 7
        ]
    )
    s = parse(text)
    assert [s.is_suppressed("MS101", n) for n in range(8)] == [
        True,
        True,
        False,
        False,
        True,
        True,
        False,
        False,
    ]
    assert [s.is_suppressed("MS102", n) for n in range(8)] == [True] * 6 + [False, False]


def test_enable_does_not_lift_disable_file() -> None:
    s = parse("a\n<!-- milestone-lsp-enable -->\nb\n<!-- milestone-lsp-disable-file MS101 -->")
    assert all(s.is_suppressed("MS101", n) for n in range(4))
    assert not s.is_suppressed("MS102", 0)


def test_names_match_through_name_of_or_explicit_name() -> None:
    text = "<!-- milestone-lsp-disable-next-line vague-criterion -->\nx"
    s = parse(text)
    assert not s.is_suppressed("MS101", 1)
    assert s.is_suppressed("MS101", 1, name="vague-criterion")
    assert run(text, finding("MS101", 1)) == []


def test_codes_are_case_insensitive() -> None:
    s = parse("<!-- milestone-lsp-disable-line ms101 -->")
    assert s.is_suppressed("MS101", 0) and s.is_suppressed("ms101", 0)


def test_multi_line_finding_is_matched_by_its_start_line() -> None:
    text = "<!-- milestone-lsp-disable-next-line MS101 -->\na\nb"
    assert run(text, finding("MS101", 1, end_line=2)) == []
    assert codes_at(run(text, finding("MS101", 2))) == [("MS101", 2), (UNUSED_CODE, 0)]


# --- apply: suppressed findings and unused directives ------------------------------------------


def test_apply_drops_suppressed_and_keeps_the_rest_in_order() -> None:
    text = "a\nb <!-- milestone-lsp-disable-line MS101 -->\nc"
    out = run(text, finding("MS102", 2), finding("MS101", 1), finding("MS102", 1))
    assert codes_at(out) == [("MS102", 2), ("MS102", 1)]


def test_no_directives_returns_findings_unchanged() -> None:
    findings = [finding("MS101", 0), finding("MS102", 3)]
    assert run("a\nb\nc\nd", *findings) == findings


def test_unused_code_is_reported_at_the_code() -> None:
    text = "<!-- milestone-lsp-disable-next-line MS101 MS102 -->\nx"
    [report] = run(text, finding("MS101", 1))
    assert report.code == UNUSED_CODE
    assert report.severity == Severity.INFORMATION
    assert report.tags == ["unnecessary"]
    assert report.path == PATH
    line = split_lines(text)[0]
    assert line[report.range.start.character : report.range.end.character] == "MS102"
    assert report.range.start.line == report.range.end.line == 0
    [fix] = report.fixes
    assert fix.applicability == "safe"


def test_unused_bare_directive_is_reported_at_the_whole_comment() -> None:
    text = "intro <!-- milestone-lsp-disable-line -->"
    [report] = run(text)
    assert (report.range.start.character, report.range.end.character) == (6, len(text))


def test_fully_unused_directive_with_codes_is_one_report_on_the_comment() -> None:
    text = "<!-- milestone-lsp-disable-next-line MS101 MS102 -->\nx"
    [report] = run(text)
    assert report.range == Range.of(0, 0, end=len(split_lines(text)[0]))
    assert "MS101 MS102" in report.message


def test_used_directives_are_not_reported() -> None:
    text = "\n".join(
        [
            "<!-- milestone-lsp-disable-file MS102 -->",
            "<!-- milestone-lsp-disable MS101 -->",
            "a",
            "<!-- milestone-lsp-enable MS101 -->",
            "b <!-- milestone-lsp-disable-line -->",
        ]
    )
    out = run(text, finding("MS101", 2), finding("MS102", 0), finding("MS105", 4))
    assert out == []


def test_enable_is_never_reported() -> None:
    assert run("<!-- milestone-lsp-enable MS101 -->\nx") == []


def test_overlapping_directives_are_all_credited() -> None:
    text = "<!-- milestone-lsp-disable-file MS101 -->\nx <!-- milestone-lsp-disable-line MS101 -->"
    assert run(text, finding("MS101", 1)) == []


def test_duplicate_disable_is_credited_until_enable() -> None:
    text = "\n".join(
        [
            "<!-- milestone-lsp-disable MS101 -->",
            "<!-- milestone-lsp-disable MS101 -->",
            "a",
            "<!-- milestone-lsp-enable MS101 -->",
            "b",
        ]
    )
    assert run(text, finding("MS101", 2)) == []
    assert codes_at(run(text, finding("MS101", 4))) == [
        ("MS101", 4),
        (UNUSED_CODE, 0),
        (UNUSED_CODE, 1),
    ]


def test_unused_severity_and_turning_ms901_off() -> None:
    text = "<!-- milestone-lsp-disable-line MS101 -->"
    [report] = run(text, unused_severity=Severity.WARNING)
    assert report.severity == Severity.WARNING
    assert run(text, unused_severity=None) == []


def test_rules_that_did_not_run_are_not_reported_unused() -> None:
    text = "<!-- milestone-lsp-disable-next-line MS101 stale-percent MS103 -->\nx"
    active = {"MS101"}
    out = run(text, is_active=lambda key: key in active)
    assert [f.range.start.character for f in out] == [text.index("MS101")]


# --- MS901 itself ------------------------------------------------------------------------------


def test_ms901_is_suppressed_by_disable_file_with_its_code_or_name() -> None:
    for key in ("MS901", "unused-suppression", ""):
        text = (
            f"<!-- milestone-lsp-disable-file {key} -->\n<!-- milestone-lsp-disable-line MS101 -->"
        )
        assert run(text) == [], key


def test_ms901_is_not_suppressed_by_line_directives() -> None:
    text = (
        "<!-- milestone-lsp-disable-next-line MS901 -->\n<!-- milestone-lsp-disable-line MS101 -->"
    )
    out = run(text)
    assert [f.range.start.line for f in out] == [0, 1]
    assert "can only be suppressed with disable-file" in out[0].message


def test_disable_next_line_ms901_alongside_a_used_code() -> None:
    text = "<!-- milestone-lsp-disable-next-line MS101 MS901 -->\nx"
    [report] = run(text, finding("MS101", 1))
    line = split_lines(text)[0]
    assert line[report.range.start.character : report.range.end.character] == "MS901"


def test_unused_disable_file_ms901_is_not_reported() -> None:
    assert run("<!-- milestone-lsp-disable-file MS901 -->\ntext") == []


def test_bare_disable_file_covers_everything_including_its_own_report() -> None:
    assert run("<!-- milestone-lsp-disable-file -->\ntext") == []


def test_disable_file_with_unused_code_is_reported() -> None:
    [report] = run("<!-- milestone-lsp-disable-file MS101 -->\ntext")
    assert report.range.start.line == 0


# --- fixes -------------------------------------------------------------------------------------


def fixed(text: str, *findings: Finding) -> str:
    out = run(text, *findings)
    return apply_edits(text, edits_of(unused(out)))


def test_fix_removes_a_comment_line_entirely() -> None:
    text = "# Title\n<!-- milestone-lsp-disable-next-line MS101 -->\n- criterion\n"
    assert fixed(text) == "# Title\n- criterion\n"


def test_fix_removes_a_comment_on_the_last_line_without_terminator() -> None:
    text = "# Title\n<!-- milestone-lsp-disable MS101 -->"
    assert fixed(text) == "# Title\n"


def test_fix_on_a_single_line_document() -> None:
    assert fixed("<!-- milestone-lsp-disable -->") == ""


def test_fix_keeps_crlf_of_other_lines() -> None:
    text = "# Title\r\n<!-- milestone-lsp-disable-next-line MS101 -->\r\n- a\r\n- b\r\n"
    assert fixed(text) == "# Title\r\n- a\r\n- b\r\n"


def test_fix_removes_an_end_of_line_comment_and_the_spaces_before_it() -> None:
    text = "- criterion   <!-- milestone-lsp-disable-line MS101 -->\nnext"
    assert fixed(text) == "- criterion\nnext"


def test_fix_removes_a_mid_line_comment_and_the_spaces_after_it() -> None:
    text = "before <!-- milestone-lsp-disable-line MS101 -->  after"
    assert fixed(text) == "before after"


def test_fix_keeps_indentation_of_a_leading_comment() -> None:
    text = "  <!-- milestone-lsp-disable-line MS101 --> item"
    assert fixed(text) == "  item"


@pytest.mark.parametrize(
    ("codes", "used", "expected"),
    [
        ("MS101 MS102", "MS101", "MS101"),
        ("MS101 MS102", "MS102", "MS102"),
        ("MS101 MS102 MS103", "MS102", "MS102"),
        ("MS101 MS102 MS103", "MS101", "MS101"),
        ("MS101 MS102 MS103", "MS103", "MS103"),
        ("MS101, MS102", "MS102", "MS102"),
        ("MS101, MS102", "MS101", "MS101"),
        ("MS101,MS102,MS103", "MS103", "MS103"),
        ("MS101   MS102", "MS102", "MS102"),
    ],
)
def test_fix_removes_only_unused_codes(codes: str, used: str, expected: str) -> None:
    text = f"<!-- milestone-lsp-disable-next-line {codes} -- why -->\nx\n"
    assert fixed(text, finding(used, 1)) == (
        f"<!-- milestone-lsp-disable-next-line {expected} -- why -->\nx\n"
    )


def test_each_code_fix_is_correct_on_its_own() -> None:
    text = "<!-- milestone-lsp-disable-next-line MS101 MS102 MS103 -->\nx"
    out = unused(run(text, finding("MS102", 1)))
    assert len(out) == 2
    results = [apply_edits(text, edits_of([f])) for f in out]
    assert results == [
        "<!-- milestone-lsp-disable-next-line MS102 MS103 -->\nx",
        "<!-- milestone-lsp-disable-next-line MS101 MS102 -->\nx",
    ]


def test_two_unused_comments_on_one_line_fix_together_without_overlap() -> None:
    text = "<!-- milestone-lsp-disable-line MS101 --> <!-- milestone-lsp-disable-line MS102 -->\nz"
    out = unused(run(text))
    assert len(out) == 2
    spans = sorted((e.range.start, e.range.end) for e in edits_of(out))
    assert spans[0][1] <= spans[1][0]
    assert apply_edits(text, edits_of(out)) == "\nz"
    for report in out:  # and each on its own leaves the other comment intact
        single = apply_edits(text, edits_of([report]))
        assert single.count("milestone-lsp-disable-line") == 1


def test_fix_all_leaves_every_other_byte_alone() -> None:
    body = [
        "# Milestone: MVP   ",
        "<!-- milestone-lsp-disable-next-line MS101 MS102 -- explained below -->",
        "- [ ] criterion ✅ with ünïcode 🎉",
        "",
        "text <!-- milestone-lsp-disable-line MS104 --> more",
        "<!-- milestone-lsp-disable -->",
        "  indented  ",
        "<!-- milestone-lsp-enable -->",
        "tail\ttab",
    ]
    text = "\n".join(body)
    out = run(text, finding("MS101", 2))
    result = apply_edits(text, edits_of(unused(out)))
    assert result == "\n".join(
        [
            "# Milestone: MVP   ",
            "<!-- milestone-lsp-disable-next-line MS101 -- explained below -->",
            "- [ ] criterion ✅ with ünïcode 🎉",
            "",
            "text more",
            "  indented  ",
            "<!-- milestone-lsp-enable -->",
            "tail\ttab",
        ]
    )


def test_fixed_text_reports_no_more_unused_suppressions() -> None:
    text = "\n".join(
        [
            "<!-- milestone-lsp-disable-next-line MS101 MS102 MS103 -->",
            "x",
            "y <!-- milestone-lsp-disable-line -->",
            "<!-- milestone-lsp-disable-file MS105 -->",
        ]
    )
    result = fixed(text, finding("MS102", 1))
    assert unused(run(result, finding("MS102", 1))) == []
    assert run(result, finding("MS102", 1)) == []


def test_fix_edits_carry_the_path() -> None:
    edits = edits_of(run("<!-- milestone-lsp-disable-line MS101 -->"))
    assert edits and all(e.path == PATH for e in edits)


def test_columns_are_code_points() -> None:
    text = "🎉 é <!-- milestone-lsp-disable-line MS101 MS102 -->"
    [report] = run(text, finding("MS102", 0))
    assert text[report.range.start.character : report.range.end.character] == "MS101"


# --- properties --------------------------------------------------------------------------------

codes_strategy = st.lists(st.sampled_from(["MS101", "MS102", "MS103", "MS104", "stale-percent"]))


@settings(max_examples=200, deadline=None)
@given(
    codes=codes_strategy.filter(bool).map(lambda c: list(dict.fromkeys(c))),
    separators=st.lists(st.sampled_from([" ", "  ", ", ", ",", " ,\t"]), min_size=5, max_size=5),
    used=st.sets(st.sampled_from(["MS101", "MS102", "MS103", "MS104", "MS102"])),
    reason=st.sampled_from(["", " -- why"]),
)
def test_fixes_keep_exactly_the_used_codes(
    codes: list[str], separators: list[str], used: set[str], reason: str
) -> None:
    listed = codes[0] + "".join(
        sep + code for sep, code in zip(separators, codes[1:], strict=False)
    )
    text = f"a\n<!-- milestone-lsp-disable-next-line {listed}{reason} -->\nb\n"
    findings = [finding(code, 2) for code in sorted(used)]
    out = run(text, *findings)
    reports = unused(out)
    used_keys = used | {NAMES[code] for code in used if code in NAMES}
    kept_codes = [c for c in codes if c in used_keys]
    result = apply_edits(text, edits_of(reports))
    if not kept_codes:
        assert result == "a\nb\n"
        return
    [directive] = parse(result).directives
    assert [k.key for k in directive.keys] == kept_codes
    assert result.startswith("a\n<!-- milestone-lsp-disable-next-line ") and result.endswith(
        f"{reason} -->\nb\n"
    )
    line = split_lines(result)[1]
    assert re.search(r"disable-next-line [A-Za-z]", line), line  # one space, then a code
    assert not re.search(r",\s*(--|$)", line.removesuffix("-->")), line  # no dangling comma
    assert unused(run(result, *findings)) == []
    for report in reports:  # each fix alone also leaves a well-formed directive
        [alone] = parse(apply_edits(text, edits_of([report]))).directives
        assert len(alone.keys) == len(codes) - 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="<!- >mile`stonlpdabkxMS0123,\t", max_size=60), max_size=6))
def test_arbitrary_lines_never_break_parsing_or_apply(lines: list[str]) -> None:
    suppressions = parse_suppressions(lines)
    out = suppressions.apply(
        [finding("MS101", n) for n in range(len(lines))], path=PATH, name_of=name_of
    )
    text = "\n".join(lines)
    apply_edits(text, edits_of(unused(out)))
