"""Data safety of fixes on real milestone files: a fix changes only what it says it changes.

Every file of the shared corpus of real milestone documents (skipped when the folder is absent, as
in a CI clone) and the ``examples/`` workspace are checked as they are, with CRLF line endings, and
with a BOM plus CRLF. For each case:

* every fix offered (safe or not) is applied alone: the text outside its edits stays
  byte-identical, the inserted text uses the file's line ending, and the result parses and checks
  without an exception; so are the editor's two other actions that edit text, "Fix all safe
  milestone-lsp problems" and "Recompute progress";
* fix-all (:func:`~milestone_lsp.project.checking.apply_safe_fixes`, what ``check --fix`` runs)
  applied twice gives the same bytes as applied once, keeps the BOM and the line endings, and
  touches only the files it fixed;
* the editor's fix-all gives the same text as ``check --fix``, and a second press (or a second
  "Recompute progress") offers no edit;
* the real ``check --fix`` command agrees with that, run twice over a copy of the examples;
* fix-all never leaves a file with more warnings and errors than it had: a fix that inserts
  text somebody must still write is offered in the editor only.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from milestone_lsp.core.positions import LineIndex
from milestone_lsp.project.checking import (
    CheckResult,
    apply_safe_fixes,
    build_workspace,
    load_projects,
    run_rules,
)
from tests.clirun import run_cli
from tests.robustness.test_fuzz_core import (
    FIX_ALL_TITLE,
    apply_fix,
    assert_findings_valid,
    check_texts,
    editor_actions,
    is_fix_all,
    rule_crashes_raise,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
CORPUS = Path(os.environ.get("MILESTONE_LSP_CORPUS", REPO.parent / "shared" / "corpus" / "real"))
CORPUS_FILES = sorted(CORPUS.glob("*.md")) if CORPUS.is_dir() else []
NO_CORPUS = (
    f"no corpus of real milestone files at {CORPUS}: set MILESTONE_LSP_CORPUS to a folder of "
    "real milestone markdown files to run the corpus cases"
)


def _lf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


VARIANTS: dict[str, Callable[[bytes], bytes]] = {
    "as-is": lambda data: data,
    "crlf": lambda data: _lf(data).replace(b"\n", b"\r\n"),
    "bom-crlf": lambda data: b"\xef\xbb\xbf" + _lf(data).replace(b"\n", b"\r\n"),
}


@dataclass(frozen=True)
class Case:
    """One workspace to copy: file name in the workspace → source file."""

    files: dict[str, Path]

    @staticmethod
    def corpus(path: Path) -> Case:
        # Corpus names are owner__repo__path; keep the file's own name (STATUS.md, MILESTONES.md)
        # so that name-based detection sees it as its project does.
        return Case({path.name.split("__")[-1]: path})

    @staticmethod
    def examples() -> Case:
        return Case({p.name: p for p in sorted(EXAMPLES.iterdir()) if p.is_file()})


def _cases() -> list[Any]:
    sources = [("examples", Case.examples())]
    sources += [(p.name, Case.corpus(p)) for p in CORPUS_FILES]
    cases = [
        pytest.param(case, variant, id=f"{name}-{variant}")
        for name, case in sources
        for variant in VARIANTS
    ]
    if not CORPUS_FILES:
        cases.append(pytest.param(None, "as-is", id="corpus", marks=pytest.mark.skip(NO_CORPUS)))
    return cases


CASES = _cases()


def materialise(case: Case, variant: str, root: Path) -> dict[str, bytes]:
    """Write the case below ``root`` (a workspace root) and return what was written."""
    (root / ".git").mkdir(parents=True)
    written = {}
    for name, source in case.files.items():
        data = source.read_bytes()
        if name.lower().endswith(".md"):
            data = VARIANTS[variant](data)
        (root / name).write_bytes(data)
        written[name] = data
    return written


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` (the workspace marker folder excluded)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def check_on_disk(root: Path, *, fix: bool) -> CheckResult:
    """What ``milestone-lsp check [--fix] <root>`` computes, in this process."""
    touched, configs, problems = load_projects([root])
    assert not problems, problems
    result = build_workspace([root], touched, configs)
    assert not result.errors, result.errors
    with rule_crashes_raise():
        if fix:
            apply_safe_fixes(result, None, ())
        else:
            run_rules(result)
    return result


def _endings(data: bytes) -> set[bytes]:
    return set(re.findall(rb"\r\n|\r|\n", data))


@pytest.mark.parametrize(("case", "variant"), CASES)
def test_each_fix_alone_changes_only_its_edits(case: Case, variant: str, tmp_path: Path) -> None:
    materialise(case, variant, tmp_path)
    result = check_on_disk(tmp_path, fix=False)
    texts = {c.display: c.text for c in result.files}
    assert_findings_valid(texts, result.findings)
    offered = [(f.code, fix) for f in result.findings for fix in f.fixes]
    config = result.projects[0].config
    offered += [("editor", fix) for fix in editor_actions(texts, config, result.findings)]
    for code, fix in offered:
        fixed = apply_fix(texts, fix)  # asserts the rest of each file is byte-identical
        for edit in fix.edits:
            if edit.path in texts:
                ending = LineIndex(texts[edit.path]).line_ending()
                other = {"\n", "\r\n", "\r"} - {ending}
                stray = set(re.findall(r"\r\n|\r|\n", edit.new_text)) & other
                assert not stray, (
                    f"{code} fix {fix.title!r} inserts {stray} line endings into "
                    f"{edit.path}, which uses {ending!r}"
                )
        assert_findings_valid(fixed, check_texts(fixed, result.projects[0].config))


def _serious_per_file(result: CheckResult) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in result.findings:
        if f.severity.rank <= 1:
            counts[f.path] = counts.get(f.path, 0) + 1
    return counts


@pytest.mark.parametrize(("case", "variant"), [c for c in CASES if c.values[1] == "as-is"])
def test_fix_all_never_adds_warnings(case: Case, variant: str, tmp_path: Path) -> None:
    materialise(case, variant, tmp_path)
    before = _serious_per_file(check_on_disk(tmp_path, fix=False))
    check_on_disk(tmp_path, fix=True)
    after = _serious_per_file(check_on_disk(tmp_path, fix=False))
    grown = {p: (before.get(p, 0), n) for p, n in after.items() if n > before.get(p, 0)}
    assert not grown, f"fix-all raised the warning count (before, after): {grown}"


@pytest.mark.parametrize(("case", "variant"), CASES)
def test_fix_all_twice_equals_fix_all_once(case: Case, variant: str, tmp_path: Path) -> None:
    before = materialise(case, variant, tmp_path)
    first = check_on_disk(tmp_path, fix=True)
    once = snapshot(tmp_path)
    fixed = {Path(d).resolve().relative_to(tmp_path.resolve()).as_posix() for d in first.fixed}
    assert set(once) == set(before), "fix-all created or removed files"
    for name, data in once.items():
        if data == before[name]:
            continue
        assert name in fixed, f"{name} changed but fix-all reports no fix in it"
        assert data.startswith(b"\xef\xbb\xbf") == before[name].startswith(b"\xef\xbb\xbf"), (
            f"fix-all changed the BOM of {name}"
        )
        if len(_endings(before[name])) == 1:
            assert _endings(data) == _endings(before[name]), f"fix-all mixed line endings in {name}"
        data.decode("utf-8")
    second = check_on_disk(tmp_path, fix=True)
    assert second.fixed == {}, f"a second fix-all still fixed {second.fixed}"
    assert snapshot(tmp_path) == once


@pytest.mark.parametrize(("case", "variant"), CASES)
def test_editor_actions_agree_with_check_fix_and_settle(
    case: Case, variant: str, tmp_path: Path
) -> None:
    """The editor's fix-all, pressed once, gives what ``check --fix`` writes; pressing it again,
    or "Recompute progress" after the first recompute, offers nothing more."""
    materialise(case, variant, tmp_path)
    result = check_on_disk(tmp_path, fix=False)
    texts = {c.display: c.text for c in result.files}
    config = result.projects[0].config
    # The editor's fix-all of each document in turn, each on the texts the one before left.
    once = dict(texts)
    for path in sorted(texts):
        actions = editor_actions(once, config, check_texts(once, config))
        for action in actions:
            if action.title == f"{FIX_ALL_TITLE} in {path}":
                once = apply_fix(once, action)
    check_on_disk(tmp_path, fix=True)
    written = {c.display: c.path.read_bytes().decode("utf-8-sig") for c in result.files}
    assert once == written, "the editor's fix-all and check --fix disagree"
    again = editor_actions(once, config, check_texts(once, config))
    assert not [a for a in again if is_fix_all(a)], "a second fix-all still edits"
    recomputed = dict(texts)
    for action in editor_actions(texts, config, []):  # no findings: only the recomputes
        recomputed = apply_fix(recomputed, action)
    assert editor_actions(recomputed, config, []) == [], "a second recompute still edits"


def test_check_fix_command_twice_equals_once(tmp_path: Path) -> None:
    """The real ``check --fix`` over a copy of the examples: the second run changes nothing."""
    shutil.copytree(EXAMPLES, tmp_path / "project")
    root = tmp_path / "project"
    (root / ".git").mkdir()
    before = snapshot(root)
    runs = []
    for _ in range(2):
        proc = run_cli("check", ".", "--fix", "--exit-zero", cwd=root)
        assert proc.returncode == 0, proc.stderr
        runs.append(snapshot(root))
    assert runs[0] != before, "the examples have planted problems with safe fixes"
    assert runs[1] == runs[0]
    in_process = tmp_path / "in-process"
    materialise(Case.examples(), "as-is", in_process)
    check_on_disk(in_process, fix=True)
    assert snapshot(in_process) == runs[0], "check --fix and apply_safe_fixes disagree"
