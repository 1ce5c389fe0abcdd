"""Projects: several plans in one repository never mix (core/projects.py, project/layout.py,
and the command line over them).

The fixture is a repository with two projects, ``alpha`` and ``beta``, that reuse every
milestone name (each is a copy of examples/), beta with one criterion more ticked, and a third
plan file at the repository root that belongs to neither.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from milestone_lsp.core.parser import parse
from milestone_lsp.core.projects import ProjectLayout, Projects, is_status_file
from milestone_lsp.project.layout import project_root, touched_projects
from tests.clirun import run_cli

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    for name in ("alpha", "beta"):
        shutil.copytree(EXAMPLES, root / name)
    milestones = root / "beta" / "milestones.md"
    text = milestones.read_text(encoding="utf-8")
    # Beta has met one more acceptance criterion of MVP Functional than alpha.
    marker = "- [ ] "
    start = text.index("## Milestone: MVP Functional")
    at = text.index(marker, start)
    milestones.write_text(text[:at] + "- [x] " + text[at + len(marker) :], encoding="utf-8")
    (root / "notes").mkdir()
    (root / "notes" / "roadmap.md").write_text(
        "# Roadmap\n\n## Milestone: Search Live\n\n**Goal:** Search works\n", encoding="utf-8"
    )
    return root


# -- the layout ---------------------------------------------------------------------------------


def test_status_file_names() -> None:
    assert is_status_file("STATUS.md") and is_status_file("status.md")
    assert not is_status_file("PROJECT_STATUS.md")


def test_layout_assigns_files_to_the_nearest_project(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    layout = ProjectLayout([repo], [repo / "alpha", repo / "alpha" / "sub"])
    assert layout.root_of(repo / "alpha" / "STATUS.md") == repo / "alpha"
    assert layout.root_of(repo / "alpha" / "docs" / "m.md") == repo / "alpha"
    assert layout.root_of(repo / "alpha" / "sub" / "m.md") == repo / "alpha" / "sub"
    assert layout.root_of(repo / "notes" / "m.md") == repo  # no project up to the boundary
    # Outside every boundary: a project of its own folder.
    assert layout.root_of(tmp_path / "elsewhere" / "m.md") == tmp_path / "elsewhere"


def test_layout_never_goes_above_the_boundary(tmp_path: Path) -> None:
    # A STATUS.md above the workspace folder does not pull the folder into a bigger project.
    layout = ProjectLayout([tmp_path / "work"], [tmp_path])
    assert layout.root_of(tmp_path / "work" / "m.md") == tmp_path / "work"


def test_projects_keep_one_workspace_each(tmp_path: Path) -> None:
    layout = ProjectLayout([tmp_path], [tmp_path / "a", tmp_path / "b"])
    projects = Projects(layout)
    text = "## Milestone: Same Name\n\n**Goal:** x\n"
    a = projects.add(parse(text, str(tmp_path / "a" / "m.md")))
    b = projects.add(parse(text, str(tmp_path / "b" / "m.md")))
    assert a is not b
    assert len(a.milestones()) == 1 and len(b.milestones()) == 1
    assert projects.workspace_for(str(tmp_path / "a" / "other.md")) is a
    assert len(projects) == 2
    version = projects.version
    # A STATUS.md appears in a/inner: documents move to the new project.
    inner = str(tmp_path / "a" / "inner" / "m.md")
    projects.add(parse(text, inner))
    assert projects.workspace_for(inner) is a
    moved = projects.relayout(
        ProjectLayout([tmp_path], [tmp_path / "a", tmp_path / "b", tmp_path / "a" / "inner"])
    )
    assert moved and projects.workspace_for(inner) is not a
    assert inner not in a.documents and projects.version > version
    projects.remove(inner)
    assert projects.get(inner) is None


# -- on disk --------------------------------------------------------------------------------------


def test_project_roots_on_disk(repo: Path) -> None:
    assert project_root(repo / "alpha" / "milestones.md") == (repo / "alpha").resolve()
    assert project_root(repo / "notes" / "roadmap.md") == repo.resolve()
    assert project_root(repo) == repo.resolve()
    (repo / "notes" / ".milestone-lsp.toml").write_text("", encoding="utf-8")
    assert project_root(repo / "notes" / "roadmap.md") == (repo / "notes").resolve()


def test_a_folder_touches_its_project_and_the_projects_below_it(repo: Path) -> None:
    touched = touched_projects([repo])
    assert touched.roots == sorted(p.resolve() for p in (repo, repo / "alpha", repo / "beta"))
    names = {root.name: sorted(p.name for p in files) for root, files in touched.files.items()}
    assert names["repo"] == ["roadmap.md"]
    assert names["alpha"] == names["beta"] == sorted(p.name for p in EXAMPLES.glob("*.md"))
    only_alpha = touched_projects([repo / "alpha"])
    assert only_alpha.roots == [(repo / "alpha").resolve()]


# -- the command line -----------------------------------------------------------------------------


def findings(cwd: Path, *paths: str) -> list[dict[str, object]]:
    proc = run_cli("check", *paths, "--format", "json", "--exit-zero", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    found: list[dict[str, object]] = json.loads(proc.stdout)["findings"]
    return found


def test_check_dot_reports_no_cross_project_finding(repo: Path) -> None:
    everything = findings(repo, ".")
    codes = {f["code"] for f in everything}
    assert "MS402" not in codes  # "already defined" in the other project
    per_project = {
        name: [f for f in everything if str(f["path"]).startswith(f"{name}/")]
        for name in ("alpha", "beta")
    }
    for name, got in per_project.items():
        alone = findings(repo / name)
        assert [(f["code"], f["range"]) for f in got] == [(f["code"], f["range"]) for f in alone]
        # Every related location and every fix stays in the finding's own project.
        for f in got:
            for related in f["related"]:  # type: ignore[attr-defined]
                assert str(related["path"]).startswith(f"{name}/"), (name, f)
            for fix in f["fixes"]:  # type: ignore[attr-defined]
                for edit in fix["edits"]:
                    assert str(edit["path"]).startswith(f"{name}/"), (name, f)


def test_check_of_one_project_reads_only_that_project(repo: Path) -> None:
    # A broken file in beta would be reported if beta were read.
    (repo / "beta" / "broken.md").write_bytes(b"\xff\xfe not utf-8 \x00")
    proc = run_cli("check", "alpha", "--format", "json", "--exit-zero", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "broken.md" not in proc.stderr
    paths = {f["path"] for f in json.loads(proc.stdout)["findings"]}
    assert paths and all(str(p).startswith("alpha/") for p in paths)


def test_each_project_keeps_its_own_settings(repo: Path) -> None:
    (repo / "alpha" / ".milestone-lsp.toml").write_text(
        '[rules]\nMS101 = "off"\n', encoding="utf-8"
    )
    everything = findings(repo, ".")
    ms101 = {str(f["path"]).split("/")[0] for f in everything if f["code"] == "MS101"}
    assert ms101 == {"beta"}


def test_progress_and_report_show_each_projects_own_numbers(repo: Path) -> None:
    shown = {}
    for name in ("alpha", "beta"):
        proc = run_cli("progress", "--format", "json", "-w", name, cwd=repo)
        assert proc.returncode == 0, proc.stderr
        data = json.loads(proc.stdout)
        mvp = next(m for m in data["milestones"] if m["name"] == "MVP Functional")
        shown[name] = mvp["progress"]["done"]
        assert [m["name"] for m in data["milestones"]].count("MVP Functional") == 1
    assert shown["beta"] == shown["alpha"] + 1
    report = run_cli("report", "MVP Functional", "--format", "json", "-w", "beta", cwd=repo)
    assert report.returncode == 0, report.stderr
    assert "alpha/" not in report.stdout
