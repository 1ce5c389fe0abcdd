"""Property-based fuzzing of the parser and the rules, through the pipeline ``check`` uses.

Every property builds a :class:`~milestone_lsp.project.checking.CheckResult` from generated
documents and runs :func:`~milestone_lsp.project.checking.run_rules` (the CLI's entry to the rule
engine) or :func:`~milestone_lsp.project.checking.apply_safe_fixes` (what ``check --fix`` runs).
A rule that raises is caught and logged by the engine so that one bug does not silence the
others; here such a log record re-raises the original exception, so a crash inside a rule
fails the property.

The helpers (``check_texts``, ``assert_findings_valid``, ``apply_fix``, ``editor_actions``) are
shared with ``test_fix_safety.py``.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from hypothesis import event, example, given
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from milestone_lsp.core.edits import TextEdit, apply_edits
from milestone_lsp.core.findings import Finding, Fix
from milestone_lsp.core.fixall import FIX_ALL_TITLE
from milestone_lsp.core.inventory import criteria_inventory
from milestone_lsp.core.outline import to_jsonable
from milestone_lsp.core.parser import CANONICAL_LABELS, FIELD_ALIASES, parse
from milestone_lsp.core.positions import LineIndex, Position, Range, split_lines
from milestone_lsp.core.summaries import recompute_edits
from milestone_lsp.core.syntax import find_label
from milestone_lsp.project.checking import (
    CheckedFile,
    CheckResult,
    Project,
    apply_safe_fixes,
    is_milestone_document,
    run_rules,
)
from milestone_lsp.rules.engine import fix_all_edits
from milestone_lsp.settings.config import Config
from tests.robustness import strategies as gen

CONFIGS = (
    Config(),
    Config(include=["**"]),
    Config(include=["**"], progress_method="deliverables", percent_tolerance=0.0),
    Config(rules={"MS101": "error", "MS901": "off"}, allowed_words=["complete"]),
)


# --- the pipeline -------------------------------------------------------------------------------


class _RecordErrors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def rule_crashes_raise() -> Iterator[None]:
    """Re-raise an exception that the rule engine caught and logged (the first one)."""
    handler = _RecordErrors()
    logger = logging.getLogger("milestone_lsp")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    for record in handler.records:
        if record.exc_info and record.exc_info[1] is not None:
            raise record.exc_info[1]
        raise AssertionError(f"error logged while checking: {record.getMessage()}")


def build(
    texts: Mapping[str, str], config: Config, root: Path | None = None, order: int = 1
) -> CheckResult:
    """A check result over ``texts`` (path → text), as ``build_workspace`` makes from disk."""
    project = Project(root or Path("."), config)
    result = CheckResult([project])
    for path, text in list(texts.items())[::order]:
        project.workspace.add(parse(text, path))
        on_disk = (root / path) if root is not None else Path(path)
        result.files.append(CheckedFile(on_disk, path, text, project))
    return result


def check_texts(texts: Mapping[str, str], config: Config, order: int = 1) -> list[Finding]:
    """Every finding of every document, through ``run_rules``; rule crashes raise."""
    result = build(texts, config, order=order)
    with rule_crashes_raise():
        run_rules(result)
    return result.findings


# --- the properties' checks ---------------------------------------------------------------------

_INDEXES: dict[str, LineIndex] = {}
_LINE_END = re.compile(r"\r\n|\r|\n")


def _index(text: str) -> LineIndex:
    if len(_INDEXES) > 64:
        _INDEXES.clear()
    found = _INDEXES.get(text)
    if found is None:
        found = _INDEXES[text] = LineIndex(text)
    return found


def assert_range_valid(texts: Mapping[str, str], path: str, rng: Range, what: str) -> None:
    """``rng`` lies inside document ``path`` and start ≤ end, in code points, UTF-16 and UTF-8.

    A document that is not in the workspace counts as empty: a fix may create a file (the
    approval entry of a missing DECISIONS.md), and then its edit must start at 0:0.
    """
    index = _index(texts.get(path, ""))
    lines = index.lines
    for pos in (rng.start, rng.end):
        assert 0 <= pos.line < len(lines), f"{what}: line {pos.line} of {len(lines)} in {path}"
        length = len(lines[pos.line])
        assert 0 <= pos.character <= length, (
            f"{what}: column {pos.character} past the end ({length}) of line {pos.line} in {path}"
        )
    assert rng.start <= rng.end, f"{what}: start {rng.start} after end {rng.end}"
    for encoding, codec, unit in (("utf-16", "utf-16-le", 2), ("utf-8", "utf-8", 1)):
        converted = []
        for pos in (rng.start, rng.end):
            line_no, column = index.to_encoding(pos, encoding)  # type: ignore[arg-type]
            line = lines[pos.line]
            # An independent count of code units, to check the one conversion the project has.
            assert column == len(line[: pos.character].encode(codec)) // unit, (what, encoding)
            assert column <= len(line.encode(codec)) // unit, (what, encoding)
            assert index.from_encoding(line_no, column, encoding) == pos, (what, encoding)  # type: ignore[arg-type]
            converted.append((line_no, column))
        assert converted[0] <= converted[1], f"{what}: start after end in {encoding}"


def assert_findings_valid(texts: Mapping[str, str], findings: list[Finding]) -> None:
    """Every finding, related location and fix edit has a valid range in its document."""
    for f in findings:
        what = f"{f.code} at {f.path}:{f.range.start.line}"
        assert f.message.strip(), f"{what} has an empty message"
        assert_range_valid(texts, f.path, f.range, what)
        for rel in f.related:
            assert_range_valid(texts, rel.path, rel.range, f"{what} related")
        for fix in f.fixes:
            assert fix.edits, f"{what}: fix {fix.title!r} has no edits"
            for edit in fix.edits:
                assert_range_valid(texts, edit.path, edit.range, f"{what} fix {fix.title!r}")


def apply_fix(texts: Mapping[str, str], fix: Fix) -> dict[str, str]:
    """Apply one fix with the code ``check --fix`` uses; assert the rest stays byte-identical."""
    by_path: dict[str, list[TextEdit]] = {}
    for edit in fix.edits:
        by_path.setdefault(edit.path, []).append(edit)
    out = dict(texts)
    for path, edits in by_path.items():
        text = texts.get(path, "")
        index = LineIndex(text)
        spans = sorted(
            (index.offset(e.range.start), index.offset(e.range.end), e.new_text) for e in edits
        )
        for (_, end, _), (start, _, _) in itertools.pairwise(spans):
            assert end <= start, f"fix {fix.title!r} has overlapping edits in {path}"
        new = apply_edits(text, edits)
        old_at = new_at = 0
        for start, end, new_text in spans:
            kept = text[old_at:start]
            assert new[new_at : new_at + len(kept)] == kept, f"fix {fix.title!r} changed {path}"
            new_at += len(kept)
            assert new[new_at : new_at + len(new_text)] == new_text, fix.title
            new_at += len(new_text)
            old_at = end
        assert new[new_at:] == text[old_at:], f"fix {fix.title!r} changed the end of {path}"
        assert new.encode("utf-8").decode("utf-8") == new
        out[path] = new
    return out


def assert_line_endings_kept(texts: Mapping[str, str], fix: Fix, what: str) -> None:
    r"""Text a fix inserts breaks lines only the way its document already does.

    In a document with one kind of line ending (or none, which counts as ``\n``), the fix
    uses that one; in a document that mixes them, the fix uses one of those it has. A stray
    ``\n`` in a CRLF file mixes its line endings; a stray ``\n`` in a CR file joins lines for
    readers that split on ``\r``.
    """
    for edit in fix.edits:
        if edit.path not in texts:
            continue  # a new file: nothing to keep
        kinds = set(_LINE_END.findall(texts[edit.path])) or {"\n"}
        inserted = set(_LINE_END.findall(edit.new_text))
        assert inserted <= kinds and len(inserted) <= 1, (
            f"{what}: fix {fix.title!r} inserts {sorted(inserted)} line endings into "
            f"{edit.path}, which uses {sorted(kinds)}"
        )


def editor_actions(texts: Mapping[str, str], config: Config, findings: list[Finding]) -> list[Fix]:
    """The editor's actions that edit documents besides the quick fixes, as the server builds them.

    "Fix all safe milestone-lsp problems" (``source.fixAll``) of each document, from the
    server's own function (the rounds ``check --fix`` runs, as minimal edits), given that
    document's findings; and "Recompute progress" of each document. With no findings there is
    no fix-all (as in the server, which offers it only when a finding has a safe fix).
    """
    out: list[Fix] = []
    ws = build(texts, config).projects[0].workspace
    for path in texts:
        doc = ws.get(path)
        if doc is None:
            continue
        own = [f for f in findings if f.path == path]
        if any(fix.applicability == "safe" for f in own for fix in f.fixes):
            with rule_crashes_raise():
                edits = fix_all_edits(
                    ws,
                    doc,
                    config,
                    own,
                    checked=lambda d, shown=path: is_milestone_document(d, shown, config),
                )
            if edits:
                out.append(Fix(f"{FIX_ALL_TITLE} in {path}", tuple(edits)))
        edits = recompute_edits(ws, doc, config.progress_method, config.percent_tolerance)
        if edits:
            out.append(Fix(f"Recompute progress in {path}", tuple(edits)))
    return out


def _note(findings: list[Finding]) -> None:
    """Tell hypothesis' statistics which rules fired and whether a fix was exercised."""
    if not currently_in_test_context():
        return
    for code in sorted({f.code for f in findings}):
        event(f"finding {code}")
    if any(f.fixes for f in findings):
        event("at least one fix applied")


def assert_properties(texts: Mapping[str, str], config: Config) -> None:
    """No crash, valid ranges, deterministic findings; every fix and every editor action that
    edits (fix-all, recompute progress) applies cleanly, keeps the line endings and re-checks."""
    findings = check_texts(texts, config)
    _note(findings)
    assert_findings_valid(texts, findings)
    again = check_texts(texts, config, order=-1)
    assert again == findings, "findings differ between two runs over the same texts"
    offered = [
        (fix, f"{f.code} at {f.path}:{f.range.start.line}") for f in findings for fix in f.fixes
    ]
    offered += [(fix, "editor action") for fix in editor_actions(texts, config, findings)]
    for fix, what in offered:
        fixed = apply_fix(texts, fix)
        assert_line_endings_kept(texts, fix, what)
        assert_findings_valid(fixed, check_texts(fixed, config))


# --- properties ---------------------------------------------------------------------------------


@gen.fuzz_settings(0.75)
@given(doc=gen.named_document(), config=st.sampled_from(CONFIGS))
@example(doc=("STATUS.md", ""), config=CONFIGS[0])
@example(doc=("STATUS.md", "\ufeff"), config=CONFIGS[1])
@example(doc=("STATUS.md", "## Progress\r\n**Overall:** 45% (2/5)\r"), config=CONFIGS[0])
@example(doc=("milestones.md", "## Milestone: \U0001f600 e\u0301\r- [x] a\x00"), config=CONFIGS[1])
# Found by the line-ending property: in a file whose lines end with a lone CR, the MS103 fix
# inserted its criterion after a "\n", joining it to the last line for readers that split on CR.
@example(
    doc=(
        "milestones.md",
        "## Milestone: Foundation Complete\r\r**Acceptance Criteria:**\r- [ ] Users sign in\r",
    ),
    config=CONFIGS[0],
)
# A fix that creates DECISIONS.md: its edit targets a file that is not in the workspace.
@example(
    doc=("STATUS.md", "## Milestone: Foundation Complete (COMPLETE)\n\n**Approval Required:** Yes"),
    config=CONFIGS[0],
)
def test_single_document(doc: tuple[str, str], config: Config) -> None:
    path, text = doc
    assert_properties({path: text}, config)


@gen.fuzz_settings(0.5)
@given(
    doc=st.one_of(
        gen.named_document(),
        st.tuples(
            st.sampled_from(gen.DOCUMENT_NAMES), st.lists(st.sampled_from(gen.HOSTILE)).map("".join)
        ),
    )
)
@example(doc=("ACCEPTANCE_CRITERIA.md", "```\nTHEN: x\n"))
@example(doc=("STATUS.md", "| Criterion |\n|---|\n| ✅ a |\r\n### ✅ b\n- [~] c"))
def test_criteria_inventory_never_raises(doc: tuple[str, str]) -> None:
    """The inventory of any text: no crash, every criterion on lines of the document."""
    path, text = doc
    found = criteria_inventory(parse(text, path))
    count = max(1, len(split_lines(text)))
    for c in found:
        assert 0 <= c.line <= c.end_line < count, c
        assert c.text and c.shape
    assert to_jsonable(found) == to_jsonable(criteria_inventory(parse(text, path)))


@gen.fuzz_settings(0.2)
@given(files=gen.workspace(), config=st.sampled_from(CONFIGS))
def test_workspace(files: dict[str, str], config: Config) -> None:
    assert_properties(files, config)


@gen.fuzz_settings(1.5)
@given(
    path=st.sampled_from(gen.DOCUMENT_NAMES),
    text=st.one_of(
        st.text(), st.lists(st.sampled_from(gen.HOSTILE)).map("".join), gen.unicode_text(200)
    ),
)
def test_arbitrary_unicode(path: str, text: str) -> None:
    assert_properties({path: text}, CONFIGS[1])


@gen.fuzz_settings(0.1)
@given(files=gen.workspace(), config=st.sampled_from(CONFIGS))
# Found by `make fuzz`: next to a bold label without a colon ("**Goal**"), the MS001 stubs were
# written "**Acceptance Criteria:" (emphasis left open), which is no label, so every fix-all
# inserted the same stubs again.
@example(
    files={
        "STATUS.md": "\ufeff## Current State",
        "milestones.md": "\ufeff## Milestone: Foundation Complete\n",
        "DECISIONS.md": "\ufeff## 2026-02-10: Foundation Complete Milestone Complete\n",
        "deliverables.md": (
            "\ufeffOverall: 0% (0/0)\n## Milestone: Foundation Complete\n\n**Phase:** \n\n**Goal**"
        ),
    },
    config=CONFIGS[0],
)
# Found by `make fuzz`: after a fence that is never closed ("````" then "```"), the MS001 stubs
# were written inside the fence, where they are code, so every fix-all round added them again.
@example(
    files={
        "STATUS.md": "\ufeff## Current State",
        "milestones.md": "\ufeff## Milestone: Foundation Complete\n",
        "DECISIONS.md": "\ufeff## 2026-02-10: Foundation Complete Milestone Complete\n",
        "reports.md": (
            "\ufeff# Project Status\n## Milestone: Foundation Complete\n\n\n"
            "**Acceptance Criteria:**\n\n**Deliverables:**\n````\n```"
        ),
    },
    config=CONFIGS[0],
)
def test_fix_all_is_idempotent(files: dict[str, str], config: Config) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8", newline="")
        first = build(files, config, root)
        with rule_crashes_raise():
            apply_safe_fixes(first, None, ())
        once = {c.display: (root / c.display).read_bytes().decode("utf-8") for c in first.files}
        assert once == {c.display: c.text for c in first.files}
        assert_findings_valid(once, first.findings)
        if currently_in_test_context() and once != files:
            event("fix-all changed a file")
        second = build(once, config, root)
        with rule_crashes_raise():
            apply_safe_fixes(second, None, ())
        twice = {c.display: (root / c.display).read_bytes().decode("utf-8") for c in second.files}
        assert second.fixed == {}, f"a second fix-all still fixed {second.fixed}"
        assert twice == once


def _label_lines(text: str, path: str) -> dict[str, int]:
    """Per definition name: every label line inside it, counted by normalised label."""
    doc = parse(text, path, chunked=False)
    lines = split_lines(text)
    counts: dict[str, int] = {}
    seen: dict[str, int] = {}
    for section in (*doc.milestones, *doc.deliverables):
        # Definitions of the same name count apart: the first, the second, ...
        ordinal = seen[f"{section.kind}:{section.name}"] = (
            seen.get(f"{section.kind}:{section.name}", 0) + 1
        )
        start = section.heading.range.start.line
        for number in range(start + 1, min(section.end_line + 1, len(lines))):
            if number in doc.fenced_lines:
                continue
            found = find_label(lines[number].lstrip(), 0)
            if found is None:
                continue
            label = " ".join(found.label.strip("*").split()).lower()
            if FIELD_ALIASES.get(label) not in CANONICAL_LABELS:
                continue  # a value such as "Milestone: X" under Contributes To, not a section
            key = f"{section.kind}:{section.name}#{ordinal}:{label}"
            counts[key] = counts.get(key, 0) + 1
    return counts


def is_fix_all(action: Fix) -> bool:
    """Whether an editor action is a document's "Fix all"."""
    return action.title.startswith(FIX_ALL_TITLE)


def _single_fixes_until_none(path: str, text: str, config: Config) -> str:
    """Apply the first safe fix of the first finding that has one, check again, until none."""
    for _ in range(200):
        findings = check_texts({path: text}, config)
        fix = next(
            (
                fix
                for f in findings
                for fix in f.fixes
                if fix.applicability == "safe" and all(e.path == path for e in fix.edits)
            ),
            None,
        )
        if fix is None:
            return text
        text = apply_edits(text, fix.edits)
    raise AssertionError("single fixes never settle")


@gen.fuzz_settings(0.2)
@given(doc=gen.named_document(), config=st.sampled_from(CONFIGS))
# The misspelt label is renamed, not also stubbed: one cause gives one fix.
@example(
    doc=(
        "milestones.md",
        "## Milestone: Search Live\n\n**Goal:** Search works\n**Phase:** Phase 1\n\n"
        "**Acceptance Criteria:**\n- [ ] 12 queries answered in <200 ms\n\n"
        "**Deliverables:**\n1. Index\n\n**Value Delivred:** Users can search\n\n"
        "**Approval Required:** No\n",
    ),
    config=CONFIGS[0],
)
# Found by this property: renaming one misspelt label made the other look like a duplicate.
@example(
    doc=(
        "STATUS.md",
        "## Milestone: Foundation Complete\n\n**Succes Criteria:**\n- [ ] `make test` exits 0\n\n"
        "**Acceptence Criteria:** ",
    ),
    config=CONFIGS[0],
)
# Found by this property: renaming a misspelt label that the milestone already has, or the same
# misspelling twice, wrote the label twice.
@example(
    doc=(
        "STATUS.md",
        "## Milestone: Foundation Complete\n\n**Acceptence Criteria:**\n\n**Deliverables:**\n"
        "1. Foundation Complete\n\n**Acceptence Criteria:** Foundation Complete",
    ),
    config=CONFIGS[0],
)
@example(
    doc=("milestones.md", "## Milestone: Foundation Complete\n\n**Goal:** \n**Goall:** "),
    config=CONFIGS[0],
)
def test_fix_all_equals_single_fixes_and_adds_no_label_twice(
    doc: tuple[str, str], config: Config
) -> None:
    """The editor's fix-all gives what single fixes give when applied one after another until
    none is left, and never writes a label that a definition already has."""
    path, text = doc
    with rule_crashes_raise():
        everything = _fix_all(path, text, config)
    before, after = _label_lines(text, path), _label_lines(everything, path)
    for key, count in after.items():
        assert count <= max(1, before.get(key, 0)), f"fix-all wrote {key} twice"
    # MS001's stubs go after whichever sections are there when it is computed, so with them in
    # play the order of single fixes decides where a stub lands: the equality holds for the
    # fixes that do not depend on the order.
    config = dataclasses.replace(config, rules={**config.rules, "MS001": "off"})
    with rule_crashes_raise():
        fixed = _fix_all(path, text, config)
        stepwise = _single_fixes_until_none(path, text, config)
    assert fixed == stepwise, (
        f"fix-all and single fixes until none is left disagree:\n{fixed!r}\n{stepwise!r}"
    )


def _fix_all(path: str, text: str, config: Config) -> str:
    """The text after the editor's fix-all of the one document."""
    findings = check_texts({path: text}, config)
    fixes = [a for a in editor_actions({path: text}, config, findings) if is_fix_all(a)]
    return apply_edits(text, fixes[0].edits) if fixes else text


@gen.fuzz_settings(0.1)
@given(doc=gen.named_document())
def test_chunked_parse_equals_whole_parse(doc: tuple[str, str]) -> None:
    """The heading-chunked parse the CLI and server use models the same document as one pass."""
    path, text = doc
    assert to_jsonable(parse(text, path)) == to_jsonable(parse(text, path, chunked=False))


REPO = Path(__file__).resolve().parents[2]

# Prints the findings of each (texts, config number) case read from stdin, one line per case.
_IN_ANOTHER_PROCESS = """
import json, sys
import tests.robustness.conftest  # the profiles that the strategies' settings name
from tests.robustness.test_fuzz_core import CONFIGS, check_texts
for texts, config in json.load(sys.stdin):
    print(json.dumps([repr(f) for f in check_texts(texts, CONFIGS[config])]))
"""


def findings_in_another_process(
    cases: list[tuple[dict[str, str], int]], hash_seed: str
) -> list[str]:
    """The findings of each case as a fresh interpreter with ``PYTHONHASHSEED`` computes them."""
    proc = subprocess.run(
        [sys.executable, "-c", _IN_ANOTHER_PROCESS],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(REPO)},
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_findings_are_the_same_in_every_process() -> None:
    """Deterministic across runs, not only within one: sets of strings iterate in a different
    order in every interpreter (hash randomisation), so a message, related location or fix
    built by iterating one would differ between two ``check`` runs or two editor sessions."""
    cases: list[tuple[dict[str, str], int]] = []

    @gen.fuzz_settings(0.025, bounded=50)
    @given(files=gen.workspace(), config=st.integers(0, len(CONFIGS) - 1))
    def collect(files: dict[str, str], config: int) -> None:
        cases.append((files, config))

    collect()
    here = [json.dumps([repr(f) for f in check_texts(t, CONFIGS[c])]) for t, c in cases]
    assert any(line != "[]" for line in here), "no case produced a finding"
    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"  # not this process' seed
    there = findings_in_another_process(cases, seed)
    assert len(there) == len(here)
    for (texts, config), mine, theirs in zip(cases, here, there, strict=True):
        assert mine == theirs, (
            f"findings differ with PYTHONHASHSEED={seed} for {texts!r} (config {config})"
        )


def test_rule_crash_is_not_swallowed() -> None:
    """The harness itself: an exception logged by the engine fails the property."""
    log = logging.getLogger("milestone_lsp.rules.engine")
    try:
        with rule_crashes_raise():
            try:
                raise ZeroDivisionError("planted")
            except ZeroDivisionError:
                log.exception("rule MS000 failed on planted.md")
    except ZeroDivisionError as exc:
        assert str(exc) == "planted"
    else:
        raise AssertionError("a logged rule crash went unnoticed")


def test_range_check_rejects_out_of_document_ranges() -> None:
    """The harness itself: a range past a line's end or past the last line is reported."""
    texts = {"STATUS.md": "ab\r\n\U0001f600"}
    assert_range_valid(texts, "STATUS.md", Range(Position(1, 0), Position(1, 1)), "ok")
    for bad in (
        Range(Position(0, 0), Position(0, 3)),
        Range(Position(2, 0), Position(2, 0)),
        Range(Position(1, 1), Position(1, 0)),
    ):
        try:
            assert_range_valid(texts, "STATUS.md", bad, "bad")
        except AssertionError:
            continue
        raise AssertionError(f"{bad} was accepted")


# --- incremental analysis ----------------------------------------------------------------------

# What an editor inserts besides whole generated lines: line breaks of every kind, emoji,
# fences, front-matter and heading markers, table rows, boxes, tags, counts, links.
EDIT_SNIPPETS = (
    "\n",
    "\r\n",
    "\r",
    "x",
    " ",
    "🚀",
    "👩‍💻",
    "```",
    "```\n",
    "~~~\n",
    "---\n",
    "---\nstatus: done\n---\n# Milestone: Front\n- [ ] open\n",
    "status: complete\n",
    "#",
    "# ",
    "## Milestone: ",
    "### Deliverable: ",
    "## Phase 2\n",
    "| Item | Status |\n|---|---|\n| Docs | ✅ |\n",
    "| a |",
    "- [ ] ",
    "- [x] ",
    "<!-- ",
    " -->",
    "<!-- milestone-lsp-disable MS101 -->",
    "**Status:** ✅ COMPLETE",
    " (COMPLETE)",
    "2 of 3 tasks done",
    "[link](missing.md#nowhere)",
    "**Acceptance Criteria:**\n",
    "**Contributes To:** ",
)


@st.composite
def edit_text(draw: st.DrawFn, pool: list[str]) -> str:
    """What one edit inserts: nothing, a snippet, a generated line, or hostile unicode."""
    return draw(
        st.one_of(
            st.just(""),
            st.sampled_from(EDIT_SNIPPETS),
            st.tuples(gen.any_line(pool), st.sampled_from(("\n", "\r\n", ""))).map("".join),
            gen.unicode_text(4),
        )
    )


@gen.fuzz_settings(0.05, bounded=60)
@given(files=gen.workspace(), config=st.sampled_from(CONFIGS), data=st.data())
def test_incremental_analysis_equals_fresh(
    files: dict[str, str], config: Config, data: st.DataObject
) -> None:
    """A document edited in place — character edits anywhere, across lines, fences, headings,
    tables, CRLF and emoji — has, after every edit, the model and findings of a from-scratch
    parse and check: the per-section models, per-section rule findings and per-part line scans
    re-used from earlier versions change nothing. The workspace is updated as the server
    updates it (the edited document replaced), and the other documents stay the same."""
    from milestone_lsp.core.blocks import BlockCache
    from milestone_lsp.core.parser import ModelCache
    from milestone_lsp.core.workspace import Workspace
    from milestone_lsp.rules.engine import check_document

    path = data.draw(st.sampled_from(sorted(files)), label="edited")
    pool = [name for name in re.findall(r"(?m)^#+ \w+: (.+)$", "\n".join(files.values()))][:4]
    blocks, models = BlockCache(), ModelCache()
    others = [parse(t, p) for p, t in files.items() if p != path]
    ws = Workspace(others)
    text = files[path]
    ws.add(parse(text, path, blocks, models=models))
    with rule_crashes_raise():
        for _ in range(data.draw(st.integers(1, 8), label="edits")):
            start = data.draw(st.integers(0, len(text)), label="start")
            end = data.draw(st.integers(start, min(len(text), start + 40)), label="end")
            text = text[:start] + data.draw(edit_text(pool), label="insert") + text[end:]
            incremental = parse(text, path, blocks, models=models)
            ws.add(incremental)
            fresh = parse(text, path, chunked=False)
            fresh_ws = Workspace([*(parse(t, p) for p, t in files.items() if p != path), fresh])
            assert to_jsonable(incremental) == to_jsonable(fresh)
            assert check_document(ws, incremental, config) == check_document(
                fresh_ws, fresh, config
            )
