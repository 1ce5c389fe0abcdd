"""Completions the document's own testing checklist denies: criteria ticked while the whole
testing checklist is still open (MS214), a section marked complete while the testing section
named for the same thing has open entries (MS215), a ticked entry whose own description
says it is a placeholder or a stub (MS216), and ticked entries that claim tests pass in a
document that records no test result at all (MS217).

All three read headings, checkboxes and leading ✅ marks of the document's own lines, so they
work on any plan, not only on the specification's template.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from milestone_lsp.core.findings import Finding, Related, Severity
from milestone_lsp.core.lazyre import lazy, word_alternation
from milestone_lsp.core.model import Document, Heading, section_ends
from milestone_lsp.core.partscan import scan_by_part
from milestone_lsp.core.positions import Range
from milestone_lsp.core.syntax import CHECKBOX, LIST_MARKER, clean_inline
from milestone_lsp.rules.registry import (
    RuleContext,
    heading_facts,
    lowered_text,
    rule,
    tick_rows,
)

# --- shared helpers ------------------------------------------------------------------------------

# A heading that names a testing or verification checklist: "Test Checklist", "Manual Testing",
# "QA", "Verification", "Testing Requirements".
_TEST_HEAD = re.compile(r"(?i)\b(?:tests?|testing|qa|verification|quality\s+assurance)\b")
_TEST_HINTS = ("test", "qa", "verification", "quality")  # one of them is in every such heading
# A checklist for work that has not begun is not evidence about finished work.
_FUTURE = re.compile(
    r"(?i)\b(?:planned|future|upcoming|next|later|backlog|roadmap|proposed|post-?launch"
    r"|post-?release|phase\s+\d+\s+testing|v\d+(?:\.\d+)*)\b|🔮"
)
# A heading of criteria: what the work is measured against.
_CRITERIA_HEAD = lazy(
    r"(?i)\b(?:acceptance|success|exit|completion|done)\s+criteria\b|\bdefinition\s+of\s+done\b"
    r"|\bcriteria\b"
)
_LEAD_TICK = lazy(r"^(?:✅|☑️?|✔️?)")
# A heading whose own tag says the section is finished: "(COMPLETE)", "(Completed)", "- DONE".
_COMPLETE_TAG = re.compile(
    r"(?i)(?:\(\s*(?:✅\s*)?(?:complete|completed|done|finished)\s*(?:✅\s*)?\)"
    r"|[-–—:]\s*(?:complete|completed|done|finished)\s*(?:✅)?)\s*$"
)
_NUMBERED_PREFIX = re.compile(
    r"(?i)^(?:✅\s*)?(?:phase|sprint|milestone|stage|step|part|iteration|m)\s*[\w.]*\s*[:.\-–—]\s*"
)
_STOP = frozenset(
    re.findall(
        r"\S+",
        "a an and the of for to in on with by at from or & is are be vs via into as all test "
        "tests testing tested qa verification verify checklist check checks requirements "
        "requirement plan matrix suite cases case manual automated results quality assurance",
    )
)
_TEST_WORDS = frozenset(re.findall(r"\S+", "test tests testing qa verification"))


def _line_range(lines: Sequence[str], number: int) -> Range:
    line = lines[number] if number < len(lines) else ""
    start = len(line) - len(line.lstrip())
    return Range.of(number, start, number, len(line.rstrip()))


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return "'" + (text if len(text) <= limit else text[: limit - 1] + "…") + "'"


@dataclass(frozen=True, slots=True)
class _Section:
    heading: Heading
    start: int  # the heading's line
    end: int  # the first line after the section (its sub-sections included)
    body_end: int  # the first line after its own text (before its first sub-heading)
    text: str  # the heading's plain text


def _sections(doc: Document, total: int) -> list[_Section]:
    heads = sorted(
        (h for h in doc.headings if h.range.start.line not in doc.fenced_lines),
        key=lambda h: h.range.start.line,
    )
    ends = section_ends(heads, total)
    out: list[_Section] = []
    for i, h in enumerate(heads):
        start = h.range.start.line
        end = ends[i]
        if i == 0 and end == total and len(heads) > 1:
            continue  # the document's title: it names the whole file, not one section of it
        body_end = heads[i + 1].range.start.line if i + 1 < len(heads) else total
        out.append(_Section(h, start, end, min(body_end, end), clean_inline(h.text).strip()))
    return out


@dataclass(frozen=True, slots=True)
class _Entry:
    line: int
    text: str
    ticked: bool


def _entries(doc: Document, lines: Sequence[str], start: int, end: int) -> list[_Entry]:
    """The checkbox entries on lines ``start``..``end`` (struck-through ones left out)."""
    out: list[_Entry] = []
    for number in range(start, min(end, len(lines))):
        if number in doc.fenced_lines or number in doc.comment_lines:
            continue
        line = lines[number]
        m = LIST_MARKER.match(line)
        if m is None:
            continue
        box = CHECKBOX.match(line[m.end() :])
        if box is None:
            continue
        text = line[m.end() + box.end() :].strip()
        if not text or text.startswith("~~"):
            continue
        mark = box.group("mark")
        if mark in ("~", "-", "/"):
            continue
        out.append(_Entry(number, clean_inline(text), mark != " "))
    return out


def _ticked_line(line: str) -> bool:
    """A line that marks its own content met: a ticked box or a leading ✅."""
    m = LIST_MARKER.match(line)
    body = line[m.end() :] if m is not None else line.strip()
    box = CHECKBOX.match(body)
    if box is not None:
        return box.group("mark") not in (" ", "~", "-", "/")
    return _LEAD_TICK().match(body.strip()) is not None


def _words(text: str) -> set[str]:
    out: set[str] = set()
    for w in re.findall(r"[^\W_]+", text.lower()):
        if w in _STOP or w.isdigit() or len(w) < 2:
            continue
        out.add(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return out


_Structure = tuple[list[_Section], list[_Section]]
# Per path: the headings' facts (per part), the number of lines and the structure made from
# them at the last check of an edited document.
_structures: OrderedDict[str, tuple[list[Hashable], int, _Structure]] = OrderedDict()
_STRUCTURE_PATHS = 32


def _structure(ctx: RuleContext) -> tuple[list[_Section], list[_Section]]:
    """The document's sections and its testing sections, computed once per check for MS214
    and MS215 (the entry keeps ``doc`` alive, so its id names no other document). After an
    edit that changed no heading (its line, level, text, place or whether it is fenced) and no
    line count, the last check's structure is the same and is re-used."""
    doc = ctx.doc

    def compute() -> tuple[Document, list[_Section], list[_Section]]:
        total = len(ctx.lines)
        if not doc.parts:
            sections = _sections(doc, total)
            return doc, sections, _test_sections(sections)
        facts = heading_facts(doc)
        last = _structures.get(doc.path)
        if last is not None and last[1] == total and last[0] == facts:
            return doc, *last[2]
        sections = _sections(doc, total)
        made = (sections, _test_sections(sections))
        _structures[doc.path] = (facts, total, made)
        _structures.move_to_end(doc.path)
        if len(_structures) > _STRUCTURE_PATHS:
            _structures.popitem(last=False)
        return doc, *made

    held, sections, tests = ctx.ws.cached(("verification.structure", id(doc)), compute)
    if held is not doc:
        _, sections, tests = compute()
    return sections, tests


def _test_sections(sections: Sequence[_Section]) -> list[_Section]:
    """Sections that are testing checklists: headed so, or nested in one so headed."""
    out: list[_Section] = []
    heads: list[_Section] = []  # the sections of ``out`` headed as testing checklists
    for s in sections:
        low = s.text.lower()
        headed = any(w in low for w in _TEST_HINTS) and _TEST_HEAD.search(s.text) is not None
        inside = any(t.start < s.start < t.end for t in heads)
        if not (headed or inside) or _FUTURE.search(s.text):
            continue
        out.append(s)
        if headed:
            heads.append(s)
    return out


# --- MS214 ---------------------------------------------------------------------------------------


@rule(
    "MS214",
    "criteria-ticked-tests-open",
    Severity.WARNING,
    "Criteria are ticked while every entry of the document's own testing checklist is open.",
)
def criteria_ticked_tests_open(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A criteria section — a heading naming acceptance, success or exit criteria or a Definition
    of Done — with ticked entries (a ticked box, or a line that begins with ✅) while the same
    document has a testing checklist (a heading naming tests, testing, QA or verification, with
    its sub-sections) of at least three boxes of which not one is ticked. The finding sits on
    the first ticked line of each such criteria section; the open test entries are related
    locations.

    A testing checklist for later work — headed planned, future, next, a later version — is not
    read, nor a checklist with a single ticked box (someone has started testing, and which
    criterion it supports is not for a rule to guess). Criteria sections inside the testing
    checklist are part of it, not claims about it.

    Why:
    "Verification Process" has each criterion checked before it is ticked. When the document's
    own test checklist shows that no test has been run, every tick in its criteria is a claim
    nobody has verified: "Anti-Patterns" calls this "False completion".

    Example that fires:
    ```markdown
    ## Acceptance Criteria
    - ✅ Page renders in under 2 s
    - ✅ Keyboard navigation works

    ## Manual Testing Checklist
    - [ ] Lighthouse run on mobile
    - [ ] Keyboard-only pass
    - [ ] Cross-browser pass
    ```

    Example that does not:
    The same criteria with `- [x] Lighthouse run on mobile (score 94)` in the checklist, or
    criteria that are still open.

    Fix safety:
    No fix: either the criteria were ticked early or the checklist was not kept up to date; the
    author decides which.
    """
    doc, lines = ctx.doc, ctx.lines
    if "[ ]" not in ctx.doc.text:
        return
    sections, tests = _structure(ctx)
    # The outermost testing checklists with their entries, sub-sections included.
    roots = [t for t in tests if not any(o.start < t.start < o.end for o in tests)]
    open_lists: list[tuple[_Section, list[_Entry]]] = []
    for t in roots:
        entries = _entries(doc, lines, t.start + 1, t.end)
        if len(entries) >= 3 and not any(e.ticked for e in entries):
            open_lists.append((t, entries))
    if not open_lists:
        return
    for s in sections:
        if not _CRITERIA_HEAD().search(s.text) or _TEST_HEAD.search(s.text):
            continue
        if any(t.start <= s.start < t.end for t, _ in open_lists):
            continue
        # Only the outermost criteria section speaks: its sub-sections are its parts.
        if any(o.start < s.start < o.end and _CRITERIA_HEAD().search(o.text) for o in sections):
            continue
        ticked = [
            n
            for n in range(s.start + 1, s.end)
            if n not in doc.fenced_lines and _ticked_line(lines[n])
        ]
        if not ticked:
            continue
        checklist, entries = open_lists[0]
        shown = ", ".join(_quote(e.text, 40) for e in entries[:3])
        more = f" and {len(entries) - 3} more" if len(entries) > 3 else ""
        message = (
            f"{len(ticked)} {'entry' if len(ticked) == 1 else 'entries'} of {_quote(s.text)} "
            f"{'is' if len(ticked) == 1 else 'are'} marked met, but all {len(entries)} entries "
            f"of the testing checklist {_quote(checklist.text)} (line {checklist.start + 1}) are "
            f"open ({shown}{more}): no test backs the ticks. Run the checks and tick them with "
            f"their results, or leave the criteria open until they pass"
        )
        related = [
            Related(doc.path, _line_range(lines, checklist.start), "testing checklist"),
            *(
                Related(doc.path, _line_range(lines, e.line), f"open: {_quote(e.text)}")
                for e in entries[:5]
            ),
        ]
        yield ctx.finding(message, _line_range(lines, ticked[0]), related=related)


# --- MS215 ---------------------------------------------------------------------------------------


# The completed sections of the last structure read (kept while the structure is re-used).
_last_claims: tuple[list[_Section], list[tuple[_Section, str]]] | None = None


def _claims_of(sections: list[_Section]) -> list[tuple[_Section, str]]:
    """The sections whose headings say they are complete, with the names they claim."""
    global _last_claims
    last = _last_claims  # read once: the status report command checks in a worker thread
    if last is not None and last[0] is sections:
        return last[1]
    claims = [(s, n) for s in sections if (n := _claim_name(s.text)) is not None]
    _last_claims = (sections, claims)
    return claims


def _claim_name(text: str) -> str | None:
    """The name of a heading whose own tag says it is complete, without tag and number."""
    m = _COMPLETE_TAG.search(text)
    if m is None:
        return None
    name = text[: m.start()].strip(" -–—:✅")
    name = _NUMBERED_PREFIX.sub("", name).strip()
    return name or None


@rule(
    "MS215",
    "complete-section-tests-open",
    Severity.WARNING,
    "A section marked complete while the testing checklist for the same subject has open entries.",
)
def complete_section_tests_open(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A heading tagged complete — `### Phase 1: Authentication (Completed)`,
    `### ✅ Sprint 7: Testing Suite (COMPLETE)` — while a testing checklist elsewhere in the
    same document that is about the same subject still has open boxes of its own. The subject
    is matched by name: every significant word of the testing section's heading (`### Rate
    Limiting` under `## Testing Checklist`) must be in the completed heading's name (words
    such as "test", "checklist", "requirements", "and" do not count). A testing section whose
    heading names no subject (`### Testing Requirements`) is matched only by a completed
    section that is itself about testing. The finding sits on the completed heading; the open
    entries are related locations.

    Only the testing section's own boxes are read (its sub-sections are matched on their own
    names), and a testing checklist for later work (planned, future, next, a later version) is
    not read.

    Why:
    "Verification Process" has work checked before it is called done, and "Progress Tracking"
    has a status say what the document's checklists show. A phase reported complete while the
    tests that verify it are still open is the "False completion" of "Anti-Patterns".

    Example that fires:
    ```markdown
    ### Phase 2: Rate Limiting (Completed)
    - ✅ Limiter applied to every endpoint

    ## Testing Checklist
    ### Rate Limiting
    - [x] Limiter unit tests
    - [ ] Limits trigger at the configured rates
    ```

    Example that does not:
    The same phase with every box under `### Rate Limiting` ticked, or a testing section named
    for another subject (`### Import/Export`).

    Fix safety:
    No fix: the phase may be unfinished or the checklist out of date; the author decides.
    """
    doc, lines = ctx.doc, ctx.lines
    if "[ ]" not in ctx.doc.text:
        return
    sections, tests = _structure(ctx)
    claims = _claims_of(sections)
    if not claims:
        return
    for s, name in claims:
        if any(t.start < s.start < t.end for t in tests):
            continue  # a part of the testing checklist, not a claim about it
        claim_words = _words(name)
        about_testing = bool(_TEST_WORDS & set(re.findall(r"[^\W_]+", name.lower())))
        for t in tests:
            if s.start <= t.start < s.end:
                continue  # the section's own checklist: MS201 reads that
            subject = _words(t.text)
            if subject:
                if not claim_words or not subject <= claim_words:
                    continue
            elif not about_testing:
                continue
            open_entries = [
                e for e in _entries(doc, lines, t.start + 1, t.body_end) if not e.ticked
            ]
            if not open_entries:
                continue
            shown = ", ".join(_quote(e.text, 40) for e in open_entries[:3])
            more = f" and {len(open_entries) - 3} more" if len(open_entries) > 3 else ""
            count = (
                f"{len(open_entries)} open entries" if len(open_entries) > 1 else "an open entry"
            )
            message = (
                f"{_quote(s.text)} is marked complete, but the testing section {_quote(t.text)} "
                f"(line {t.start + 1}) for the same subject still has {count} ({shown}"
                f"{more}). Run those checks and tick them, or mark the section in progress"
            )
            related = [
                Related(doc.path, _line_range(lines, e.line), f"open: {_quote(e.text)}")
                for e in open_entries
            ]
            yield ctx.finding(message, s.heading.text_range, related=related)
            break


# --- MS216 ---------------------------------------------------------------------------------------

# An entry "name - description" whose description begins by saying the thing is not real.
_SEPARATOR = lazy(r"\s+[-–—]\s+|:\s+")
_NOT_REAL = lazy(
    r"(?i)^(?:placeholder|stub(?:bed)?|not\s+(?:yet\s+)?implemented|unimplemented|todo\b"
    r"|hard-?coded|mock(?:ed)?\s+only|no-?op\b|empty\s+(?:stub|implementation|body))"
)


# A word every description :data:`_NOT_REAL` reads holds (a cheap first filter).
_NOT_REAL_WORDS = (
    "placeholder",
    "stub",
    "implemented",
    "todo",
    "hard",
    "no-op",
    "noop",
    "mock",
    "empty",
)
_NOT_REAL_WORD = re.compile(word_alternation(_NOT_REAL_WORDS))


def _placeholders(lines: list[str], start: int, end: int) -> list[tuple[int, str, str, str]]:
    """The ticked entries on lines ``start``..``end`` whose description says they are not real
    yet: (line, name, description, the words that say so). A line's own text decides."""
    out: list[tuple[int, str, str, str]] = []
    for number in tick_rows(lines, start, end):
        line = lines[number]
        if _NOT_REAL_WORD.search(line.lower()) is None:
            continue
        m = LIST_MARKER.match(line)
        if m is None or not _ticked_line(line):
            continue
        body = clean_inline(line[m.end() :])
        parts = _SEPARATOR().split(body, maxsplit=1)
        if len(parts) < 2:
            continue
        name, description = parts[0].strip(), parts[1].strip()
        name = _LEAD_TICK().sub("", re.sub(r"^\[[^\]]\]\s*", "", name)).strip()
        said = _NOT_REAL().match(description)
        if name and said is not None:
            out.append((number, name, description, said.group(0)))
    return out


@rule(
    "MS216",
    "ticked-placeholder",
    Severity.WARNING,
    "A ticked entry whose own description says it is a placeholder or a stub.",
)
def ticked_placeholder(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A list entry marked done — a ticked box or a leading ✅ — written as a name and a
    description (`✅ sendSignal() - Placeholder for the relay`) whose description begins by
    saying the thing is not real yet: a placeholder, a stub, not implemented, TODO, hardcoded,
    a no-op. The finding sits on the entry.

    Only the first words of the description count: an entry that mentions a stub somewhere in
    passing (`✅ CTA opens the signup stub`, `✅ Dummy image at start-up`) describes finished
    work that happens to involve one, and is not read.

    Why:
    "Progress Tracking" counts ticked entries as finished work, and "Anti-Patterns" calls
    marking done what is not done "False completion": a stub reported with a tick is counted
    as delivered while its own line says it is not.

    Example that fires:
    ```markdown
    - ✅ `notify()` - Placeholder for the webhook call
    ```

    Example that does not:
    ```markdown
    - [ ] `notify()` - Placeholder for the webhook call
    - ✅ `notify()` - Posts to the webhook with retries
    ```

    Fix safety:
    No fix: untick the entry, or finish the work and describe what it does.
    """
    doc, lines = ctx.doc, ctx.lines
    skip = doc.fenced_lines | doc.comment_lines
    for number, name, description, said in scan_by_part(doc, "MS216 entries", _placeholders):
        if number in skip:
            continue
        message = (
            f"{_quote(name)} is marked done, but its own description says {_quote(said)}: "
            f"{_quote(description, 50)}. Untick it until the real implementation is in, or "
            f"describe what it does now"
        )
        yield ctx.finding(message, _line_range(lines, number))


# --- MS217 ---------------------------------------------------------------------------------------

# A ticked entry that states a test outcome: "All acceptance tests pass", "Test coverage meets
# the quality gates", "Performance met under load testing".
_RESULT_CLAIM = re.compile(
    r"(?i)\b(?:tests?|testing|specs?)\s+(?:all\s+)?(?:pass|passes|passing|passed|green)\b"
    r"|\bcoverage\s+(?:meets|met|reached|achieved|target\s+met)\b"
    r"|\bunder\s+load[\s-]+test"
)


def _result_claims(lines: list[str], start: int, end: int) -> list[int]:
    """The ticked entries on lines ``start``..``end`` that state a test outcome."""
    return [
        n
        for n in tick_rows(lines, start, end)
        if _CLAIM_HINT.search(lines[n].lower()) is not None
        and LIST_MARKER.match(lines[n]) is not None
        and _ticked_line(lines[n])
        and _RESULT_CLAIM.search(clean_inline(lines[n]))
    ]


def _results_in(lines: list[str], start: int, end: int) -> list[bool]:
    """``[True]`` when lines ``start``..``end`` record a result (:func:`records_result`). The line
    after them is read too: a result may run from a part's last lines into the next part's
    heading (``… CI build`` / ``# 12 …``), and a part is re-used only while that line is the
    same (core/partscan.py)."""
    return [True] if records_result(lowered_text(lines, start, min(end + 1, len(lines)))) else []


# A word every such claim holds: a cheap test of the lower-cased line before the pattern.
_CLAIM_HINT = re.compile(r"pass|green|coverage|load")
# A recorded result anywhere in the document: a pass count, a test count, a measured coverage
# figure, a pass rate, or a link to a report or a CI run. It reads the lower-cased text that the
# other scans of the document share.
#
# The forms are searched one pattern at a time, each led by a character or word the search can
# skip ahead to (a digit, "(", "](", "coverage", ...): one pattern of them all, led by "\b",
# was tried at every character of a part with no result (0.5 s for a 100k-line plan). A word
# boundary before the leading character is written as a look-behind after it, which keeps that
# character first. The patterns led by rare characters go first: a part stops at its first
# result.
_TEST_WORD = r"(?:tests?|passing|passed|pass|green)"
_RESULTS = tuple(
    re.compile(p)
    for p in (
        # "(12/12)", "(3/4 passing)"
        r"\(\s*\d+\s*/\s*\d+\s*" + _TEST_WORD + r"?\s*\)",
        # A link to a test report or a CI run.
        r"\]\([^)\n]*(?:test|coverage|report|result|/actions|/runs|/builds?|/jobs?)[^)\n]*\)",
        # "coverage: 87%" (not "87%+": a target).
        r"coverage(?<!\wcoverage)\s*[:=]?\s*(?:\*\*|__)?\s*~?\d+(?:\.\d+)?\s*%(?!\+)",
        # "pass rate: 98"
        r"pass(?<!\wpass)(?:\s+rate)?\s*[:=]\s*\d",
        # Led by a number: "12/12 passing", "3 of 4 tests", "43 tests passed", "120 tests";
        # "87% coverage" (not after ≥, > or +: a target, not a result).
        r"\d(?:(?<!\w\d)\d*(?:"
        r"\s*/\s*\d+\s*" + _TEST_WORD + r"\b"
        r"|\s+of\s+\d+\s+" + _TEST_WORD + r"\b"
        r"|\s+(?:tests?\s+|specs?\s+|cases\s+)?(?:passed|passing|pass(?:es)?|green|succeeded)\b"
        r"|\s+(?:tests|specs|test\s+cases)\b)"
        r"|(?<![≥>+\d]\d)\d*(?:\.\d+)?\s*%\s+(?:coverage|covered|pass))",
        # "tests: 120" (not a version or a percentage).
        r"(?:test|spec)(?<!\wtest)(?<!\wspec)s?\s*[:=]\s*\d+\b(?![.\d]|\s*%)",
        # "CI run #4521", "build #12"
        r"(?:ci|pipeline|workflow|build|job)"
        r"(?<!\wci)(?<!\wpipeline)(?<!\wworkflow)(?<!\wbuild)(?<!\wjob)"
        r"\s+(?:run\s+|job\s+|build\s+)?#\s?\d+",
        # "pipeline run 4521"
        r"(?:ci|pipeline|workflow)(?<!\wci)(?<!\wpipeline)(?<!\wworkflow)"
        r"\s+(?:run|job|build)\s+\d{2,}\b",
    )
)


def records_result(text: str) -> bool:
    """Whether lower-cased ``text`` records a test result (one of :data:`_RESULTS`)."""
    return any(p.search(text) is not None for p in _RESULTS)


@rule(
    "MS217",
    "test-result-claimed-without-result",
    Severity.WARNING,
    "Ticked entries claim tests pass while the document records no test result at all.",
)
def test_result_claimed_without_result(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    Ticked list entries — a ticked box or a leading ✅ — that state a test outcome ("All
    acceptance tests pass", "Test coverage meets the quality gates", "Requirements met under
    load testing") in a document that records no test result anywhere: no pass count
    (`14/14 passing`, `43 tests passed`), no test count, no measured coverage figure
    (`coverage: 87%`), no pass rate, no link to a test report or a CI run, no CI run or build
    named by its number (`CI run #4521`). One finding sits on the first such entry; the others
    are related locations.

    A target (`90%+ coverage`, `≥ 80% coverage`) is not a result. Entries in code blocks are not
    read, and one recorded result anywhere in the document silences the rule: which result
    backs which entry is not for a rule to decide.

    Why:
    "Verification Process" has each criterion checked and the evidence recorded before it is
    ticked. A tick that says the tests pass, with no run, count or report to point to, cannot
    be verified by anyone reading the document — the "False completion" of "Anti-Patterns".

    Example that fires:
    ```markdown
    ## Definition of Done
    1. ✅ All acceptance tests pass consistently
    2. ✅ Test coverage meets the quality gates (90%+ unit)
    ```

    Example that does not:
    ```markdown
    ## Definition of Done
    1. ✅ All acceptance tests pass consistently (CI run 2026-03-02: 212/212 passing)
    ```

    Fix safety:
    No fix: record the run that backs the ticks, or leave them open until one does.
    """
    doc, lines = ctx.doc, ctx.lines
    skip = doc.fenced_lines | doc.comment_lines
    claims = [n for n in scan_by_part(doc, "MS217 claims", _result_claims) if n not in skip]
    if not claims or any(scan_by_part(doc, "MS217 results", _results_in)):
        return
    first = claims[0]
    m = LIST_MARKER.match(lines[first])
    assert m is not None
    text = _LEAD_TICK().sub("", re.sub(r"^\[[^\]]\]\s*", "", clean_inline(lines[first][m.end() :])))
    others = f" (and {len(claims) - 1} more such entries)" if len(claims) > 1 else ""
    message = (
        f"{_quote(text.strip())} is ticked as a test result{others}, but the document records "
        f"no result anywhere: no pass count, test count, measured coverage or link to a test "
        f"report. Cite the run that backs the tick, or leave it open until there is one"
    )
    related = [
        Related(doc.path, _line_range(lines, n), f"also claims a result: {_quote(lines[n])}")
        for n in claims[1:]
    ]
    yield ctx.finding(message, _line_range(lines, first), related=related)
