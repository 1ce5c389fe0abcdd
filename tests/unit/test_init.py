"""``milestone-lsp init``: the scaffold, what ``check`` says about it, and never overwriting.

The expected findings are the scaffold's design (see ``milestone_lsp/project/scaffold.py``): each
value the author must decide is a bracketed placeholder, reported by MS002 in a definition's
fields and by MS101 in its criteria; STATUS.md, DECISIONS.md and the config file hold nothing
to report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from milestone_lsp.project.scaffold import scaffold_files
from tests.clirun import run_cli

# (file, 1-based line, code, the label or placeholder that line must hold)
EXPECTED = [
    ("deliverables.md", 3, "MS002", "### Deliverable: ["),
    ("deliverables.md", 6, "MS002", "**Owner:** ["),
    ("deliverables.md", 8, "MS002", "**Scope:**"),
    ("deliverables.md", 11, "MS002", "**Output:**"),
    ("deliverables.md", 15, "MS101", "- [ ] [Behaviour"),
    ("deliverables.md", 16, "MS101", "- [ ] [Test suite"),
    ("deliverables.md", 17, "MS101", "- [ ] [Documentation"),
    ("deliverables.md", 19, "MS002", "**Testing:**"),
    ("deliverables.md", 22, "MS002", "**Dependencies:**"),
    ("deliverables.md", 25, "MS002", "**Contributes To:**"),
    ("milestones.md", 3, "MS002", "## Milestone: ["),
    ("milestones.md", 5, "MS002", "**Goal:** ["),
    ("milestones.md", 7, "MS002", "**Target:** ["),
    ("milestones.md", 10, "MS101", "- [ ] [Functional criterion"),
    ("milestones.md", 11, "MS101", "- [ ] [Testing criterion"),
    ("milestones.md", 12, "MS101", "- [ ] [Documentation criterion"),
    ("milestones.md", 13, "MS101", "- [ ] [Quality criterion"),
    ("milestones.md", 15, "MS002", "**Deliverables:**"),
    ("milestones.md", 18, "MS002", "**Value Delivered:**"),
    ("milestones.md", 21, "MS002", "**Approval Required:** ["),
]

SCAFFOLD_NAMES = ["STATUS.md", "milestones.md", "deliverables.md", "DECISIONS.md"]
CONFIG = ".milestone-lsp.toml"


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes (directories as empty markers)."""
    out: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        out[rel] = path.read_bytes() if path.is_file() else b"<dir>"
    return out


def findings(folder: Path) -> list[tuple[str, int, str]]:
    proc = run_cli("check", ".", "--format", "json", cwd=folder)
    assert proc.returncode in (0, 1), proc.stderr
    payload = json.loads(proc.stdout)
    return [(f["path"], f["range"]["start"]["line"] + 1, f["code"]) for f in payload["findings"]]


def test_init_then_check_reports_exactly_the_placeholders(tmp_path: Path) -> None:
    folder = tmp_path / "new-project"
    proc = run_cli("init", str(folder), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for name in [*SCAFFOLD_NAMES, CONFIG]:
        assert (folder / name).is_file()
        assert f"created  {folder / name}" in proc.stdout
    assert f"milestone-lsp check {folder}" in proc.stdout  # the next step

    assert findings(folder) == [(f, line, code) for f, line, code, _ in EXPECTED]
    for file, line, _code, holds in EXPECTED:
        text = (folder / file).read_text(encoding="utf-8").splitlines()[line - 1]
        assert text.startswith(holds), (file, line, text)
        placeholder = text if "[" in text.split(":**")[-1] else ""
        if not placeholder:  # the value sits on the line below its label
            placeholder = (folder / file).read_text(encoding="utf-8").splitlines()[line]
        assert "[" in placeholder and "]" in placeholder, (file, line)


def test_filled_in_scaffold_checks_clean(tmp_path: Path) -> None:
    """Once every placeholder is replaced, nothing is reported: the scaffold has no other flaw."""
    folder = tmp_path / "p"
    assert run_cli("init", str(folder), cwd=tmp_path).returncode == 0
    fills = {
        "[Milestone name]": "Search API Complete",
        "[Deliverable name]": "Search Endpoint",
        "[Outcome that is true once this milestone is reached, in one sentence]": (
            "Users find a parcel by its tracking number"
        ),
        "[Date or week]": "Week 3",
        "[Functional criterion naming the command or request that shows it works]": (
            "`GET /search?q=ID` returns the parcel with HTTP 200"
        ),
        "[Testing criterion naming the suite and its pass count]": ("Search tests passing (12/12)"),
        "[Documentation criterion naming the page that explains it]": (
            "README documents `/search` with a request example"
        ),
        "[Quality criterion naming the tool and the limit it must meet]": (
            "`ruff check` reports zero warnings"
        ),
        "[What users or stakeholders can do once this milestone is reached]": (
            "Customers look up a parcel without calling support."
        ),
        "[Yes or No, and why]": "No",
        "[Who builds it]": "Worker-1",
        "[Files, modules or features it touches]": "src/search/",
        "[The artifact it produces]": "The `/search` endpoint",
        "[Behaviour it adds and the command or test that shows it]": (
            "`GET /search?q=ID` returns HTTP 200 for a known ID"
        ),
        "[Test suite that covers it and its pass count]": "Search tests passing (12/12)",
        "[Documentation page or section that describes it]": (
            "README documents `/search` with a request example"
        ),
        "[Commands or test names that verify it]": "`pytest tests/search -q`",
        "[What must exist first, or None]": "None",
    }
    for name in SCAFFOLD_NAMES:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        for placeholder, value in fills.items():
            text = text.replace(placeholder, value)
        path.write_text(text, encoding="utf-8")
    assert findings(folder) == []


def test_init_into_non_empty_folder_changes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "existing"
    folder.mkdir()
    (folder / "STATUS.md").write_text("# Our status\n\nHand-written.\n", encoding="utf-8")
    (folder / CONFIG).write_bytes(b"progress_method = 'deliverables'\r\n")
    (folder / "notes.txt").write_bytes(b"\x00\x01 keep me")
    (folder / "docs").mkdir()
    before = tree(folder)

    proc = run_cli("init", str(folder), cwd=tmp_path)

    assert proc.returncode == 2
    assert tree(folder) == before
    assert proc.stdout == ""
    assert str(folder / "STATUS.md") in proc.stderr
    assert str(folder / CONFIG) in proc.stderr
    assert "milestones.md" not in proc.stderr  # only the files that are in the way are named
    assert "--force" in proc.stderr


def test_init_force_replaces_and_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "existing"
    folder.mkdir()
    (folder / "STATUS.md").write_text("# Our status\n", encoding="utf-8")
    (folder / "notes.txt").write_text("keep me\n", encoding="utf-8")

    proc = run_cli("init", str(folder), "--force", cwd=tmp_path)

    assert proc.returncode == 0, proc.stderr
    assert f"replaced {folder / 'STATUS.md'}" in proc.stdout
    assert f"created  {folder / 'milestones.md'}" in proc.stdout
    wanted = {f.name: f.text for f in scaffold_files()}
    assert (folder / "STATUS.md").read_text(encoding="utf-8") == wanted["STATUS.md"]
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me\n"


def test_init_defaults_to_the_working_directory(tmp_path: Path) -> None:
    proc = run_cli("init", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*SCAFFOLD_NAMES, CONFIG])


@pytest.mark.parametrize("make", ["file", "status-dir"])
def test_init_refuses_what_it_cannot_write(tmp_path: Path, make: str) -> None:
    if make == "file":
        target = tmp_path / "a-file"
        target.write_text("x", encoding="utf-8")
        proc = run_cli("init", str(target), cwd=tmp_path)
        assert "is a file, not a folder" in proc.stderr
    else:
        target = tmp_path / "p"
        (target / "STATUS.md").mkdir(parents=True)
        proc = run_cli("init", str(target), "--force", cwd=tmp_path)
        assert "not a regular file" in proc.stderr
        assert not (target / "milestones.md").exists()
    assert proc.returncode == 2


def test_scaffold_uses_the_report_of_a_fresh_milestone(tmp_path: Path) -> None:
    """A new workspace has a current milestone, so ``report`` works straight away."""
    assert run_cli("init", str(tmp_path), cwd=tmp_path).returncode == 0
    proc = run_cli("report", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# Milestone Status: [Milestone name]\n")
    assert "- Progress: 0% (0 of 4 acceptance criteria met)" in proc.stdout
