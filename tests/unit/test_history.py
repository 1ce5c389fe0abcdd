"""The progress history of a scripted git repository (tests/gitrepo.py): the computed series,
documentation lag, completion and approval, scope creep (and MS602), renames, the JSON and HTML
outputs, and the clear failures (no repository, unknown revision, shallow clone, no git)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from milestone_lsp.cli.main import main as cli
from milestone_lsp.core.history import (
    Change,
    CommitInfo,
    ScopeCreep,
    scope_creep_from_json,
)
from milestone_lsp.core.history_render import render_html, render_text
from milestone_lsp.project.gitlog import GitError, open_repository
from milestone_lsp.project.history import load_history, snapshots
from milestone_lsp.rules import scope_creep
from tests.gitrepo import build, git, needs_git
from tests.rulecheck import describe, fixture_texts, load

pytestmark = needs_git

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("history") / "project"
    return root, build(root)


@pytest.fixture(scope="module")
def data(repo: tuple[Path, list[str]]) -> dict[str, Any]:
    return load_history(repo[0]).to_json()


def _series(data: dict[str, Any], name: str | None, field: str = "computed") -> list[Any]:
    out = []
    for c in data["commits"]:
        if name is None:
            out.append(c["overall"][field])
        else:
            found = next(m for m in c["milestones"] if m["name"] == name)
            out.append(found[field])
    return out


def test_rows_are_the_commits_that_changed_milestone_files(
    repo: tuple[Path, list[str]], data: dict[str, Any]
) -> None:
    _, shas = repo
    # Commit 10 changed only README.md, which is not a milestone document.
    assert [c["commit"] for c in data["commits"]] == shas[:9] + shas[10:]
    assert data["commits"][0]["date"] == "2026-01-05T09:00:00+00:00"
    assert data["commits"][0]["changed"] == ["STATUS.md", "docs/milestones.md"]
    assert data["head"] == shas[-1]


def test_computed_series(data: dict[str, Any]) -> None:
    # Foundation's criteria are all met at the fifth commit, but it needs an approval, logged at
    # the sixth: completed means verified, so the overall figure moves with the approval.
    assert _series(data, None) == [0, 0, 0, 0, 0, 50, 50, 50, 50, 100]
    assert _series(data, None, "done") == [0, 0, 0, 0, 0, 1, 1, 1, 1, 2]
    assert _series(data, "Foundation") == [0, 33.3, 66.7, 66.7, 100, 100, 100, 100, 100, 100]
    assert _series(data, "Search Live") == [0, 0, 0, 0, 0, 0, 0, 0, 33.3, 100]


def test_stated_beside_computed_and_the_lag(data: dict[str, Any]) -> None:
    assert _series(data, None, "stated") == [0, 0, 50, 50, 50, 50, 50, 50, 50, 100]
    assert _series(data, None, "lag") == [None, None, 50, 50, 50, None, None, None, None, None]
    assert _series(data, "Foundation", "stated")[:5] == [0, 33, 100, 100, 100]
    assert _series(data, "Foundation", "lag")[:5] == [None, None, 33.3, 33.3, None]
    lag = [
        (r["short"], r["milestone"], r["stated"], r["computed"]) for r in data["documentation_lag"]
    ]
    third, fourth, fifth = (data["commits"][i]["short"] for i in (2, 3, 4))
    assert lag == [
        (third, None, 50, 0),
        (third, "Foundation", 100, 66.7),
        (fourth, None, 50, 0),
        (fourth, "Foundation", 100, 66.7),
        (fifth, None, 50, 0),  # ticked, criteria met, approval not yet logged
    ]


def test_started_completed_and_approved(repo: tuple[Path, list[str]], data: dict[str, Any]) -> None:
    _, shas = repo
    by_name = {m["name"]: m for m in data["milestones"]}
    foundation, search = by_name["Foundation"], by_name["Search Live"]
    # STATUS names Foundation as the current milestone from the first commit.
    assert foundation["started"]["commit"] == shas[0]
    assert foundation["completed"]["commit"] == shas[4]
    assert foundation["completed"]["date"] == "2026-01-15T09:00:00+00:00"
    assert foundation["approved"]["commit"] == shas[5]
    assert foundation["approved"]["logged"] == "2026-01-16"
    assert search["started"]["commit"] == shas[7]
    assert search["completed"]["commit"] == shas[10]
    assert search["approved"] is None


def test_scope_creep_with_the_commit_that_added_it(
    repo: tuple[Path, list[str]], data: dict[str, Any]
) -> None:
    _, shas = repo
    creep = [
        (c["milestone"], c["deliverable"], c["commit"], c["started_commit"], c["path"])
        for c in data["scope_creep"]
    ]
    assert creep == [
        ("Foundation", "Monitoring dashboard", shas[3], shas[0], "docs/milestones.md"),
        ("Search Live", "Search analytics", shas[8], shas[7], "plan/MILESTONES.md"),
    ]
    assert all(c["present"] for c in data["scope_creep"])


def test_rename_is_followed(repo: tuple[Path, list[str]], data: dict[str, Any]) -> None:
    _, shas = repo
    assert data["renames"] == [
        {
            "commit": shas[6],
            "short": shas[6][:7],
            "date": "2026-01-20T09:00:00+00:00",
            "from": "docs/milestones.md",
            "to": "plan/MILESTONES.md",
        }
    ]
    rename_row = data["commits"][6]
    assert rename_row["changed"] == ["docs/milestones.md", "plan/MILESTONES.md"]
    # The milestones stay known across the rename: same figures before and after it.
    assert rename_row["milestones"] == data["commits"][5]["milestones"]


def test_same_blob_parsed_once(repo: tuple[Path, list[str]]) -> None:
    root, _ = repo
    snaps, _ = snapshots(open_repository(root))
    history = load_history(root)
    distinct = {item for snap in snaps for item in snap.files.items()}
    assert len(history.rows) == 10
    # 11 commits hold 33 (path, blob) entries, but only the distinct ones are parsed.
    assert sum(len(s.files) for s in snaps) > len(distinct)
    assert history.parsed == len(distinct)


def test_since_starts_at_the_revision(repo: tuple[Path, list[str]]) -> None:
    root, shas = repo
    data = load_history(root, since=shas[4]).to_json()
    assert data["since"] == shas[4]
    assert [c["commit"] for c in data["commits"]] == [shas[4], *shas[5:9], shas[10]]
    # The window starts from the files as they were at the revision.
    baseline = data["commits"][0]
    assert baseline["changed"] == []
    assert baseline["overall"]["computed"] == 0  # Foundation's approval is logged one commit later
    assert [(m["name"], m["computed"]) for m in baseline["milestones"]] == [
        ("Foundation", 100),
        ("Search Live", 0),
    ]
    full = load_history(root).to_json()
    assert data["commits"][1:] == full["commits"][5:]
    # Foundation had started before the window: its deliverables are the baseline.
    assert [c["deliverable"] for c in data["scope_creep"]] == ["Search analytics"]


def test_cli_json_is_the_same_document(
    repo: tuple[Path, list[str]], data: dict[str, Any], tmp_path: Path
) -> None:
    root, _ = repo
    out = tmp_path / "history.json"
    assert cli(["history", str(root), "--format", "json", "--output", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == data


def test_plain_table(repo: tuple[Path, list[str]], data: dict[str, Any]) -> None:
    text = render_text(data)
    lines = text.splitlines()
    assert lines[0].split() == [
        "Commit",
        "Date",
        "Overall",
        "Stated",
        "Foundation",
        "Search",
        "Live",
    ]
    third = next(line for line in lines if line.startswith(data["commits"][2]["short"]))
    assert "50% !" in third and "66.7% (100% !)" in third
    assert "Foundation: + Monitoring dashboard" in text
    assert "docs/milestones.md -> plan/MILESTONES.md" in text


def test_cli_table_when_not_a_terminal(
    repo: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    assert cli(["history", str(root)]) == 0
    out = capsys.readouterr().out
    assert out == render_text(load_history(root).to_json())
    assert "\x1b[" not in out


def test_cli_table_on_a_terminal_is_drawn_by_rich(repo: tuple[Path, list[str]]) -> None:
    import os
    import pty

    root, shas = repo
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "milestone_lsp", "history", str(root)],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed when the program exited
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    screen = re.sub(r"\x1b\[[0-9;]*m", "", b"".join(chunks).decode("utf-8", "replace"))
    assert "┏" in screen and "Progress history" in screen
    assert shas[2][:7] in screen and "66.7% (100% !)" in screen


def test_html_page_is_self_contained(data: dict[str, Any], tmp_path: Path) -> None:
    page = render_html(data)
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 1 and "</svg>" in page
    assert 'class="computed"' in page and 'class="stated"' in page
    assert page.count('class="lag"') == 3  # the three commits where STATUS ran ahead
    lowered = page.lower()
    for external in (
        "http:",
        "https:",
        "//",
        "<script",
        "<link",
        "<img",
        "@import",
        "url(",
        "src=",
    ):
        assert external not in lowered.replace("</", "<"), external
    # Every milestone line and every commit is there.
    assert page.count('class="milestone"') == 2
    assert page.count("<circle ") == len(data["commits"])


def test_html_escapes_names(repo: tuple[Path, list[str]], data: dict[str, Any]) -> None:
    tricky = json.loads(json.dumps(data))
    tricky["milestones"][0]["name"] = "<script>alert(1)</script>"
    assert "<script>" not in render_html(tricky)


def test_cli_html_output(repo: tuple[Path, list[str]], tmp_path: Path) -> None:
    root, _ = repo
    out = tmp_path / "history.html"
    assert cli(["history", str(root), "--format", "html", "-o", str(out)]) == 0
    assert "<svg" in out.read_text(encoding="utf-8")


def test_a_merge_is_one_step_of_the_first_parent_line(tmp_path: Path) -> None:
    root = tmp_path / "merged"
    shas = build(root)
    plan = root / "plan" / "MILESTONES.md"
    git(root, "checkout", "-q", "-b", "feature")
    plan.write_text(
        plan.read_text(encoding="utf-8").replace(
            "3. Search analytics\n", "3. Search analytics\n4. Search export\n"
        ),
        encoding="utf-8",
    )
    git(root, "commit", "-q", "-am", "Export", date="2026-02-03T09:00:00+00:00")
    git(root, "checkout", "-q", "main")
    (root / "README.md").write_text("# Parcel tracker\n\nMain moved on.\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "Readme again", date="2026-02-04T09:00:00+00:00")
    git(root, "merge", "-q", "--no-ff", "feature", "-m", "Merge", date="2026-02-05T09:00:00+00:00")
    merge = git(root, "rev-parse", "HEAD")
    data = load_history(root).to_json()
    # The branch's own commit is not a row; the merge brings its change to the main line.
    assert [c["commit"] for c in data["commits"]][-2:] == [shas[-1], merge]
    assert data["commits"][-1]["changed"] == ["plan/MILESTONES.md"]
    assert [(c["deliverable"], c["commit"]) for c in data["scope_creep"]][-1] == (
        "Search export",
        merge,
    )


# --- MS602 --------------------------------------------------------------------------------------


def _findings(root: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    code = cli(["check", str(root), "--select", "MS602", "--format", "json", "--exit-zero"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    found: list[dict[str, Any]] = payload["findings"]
    return found


def test_check_reports_scope_creep_in_a_repository(
    repo: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, shas = repo
    text = (root / "plan" / "MILESTONES.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    found = _findings(root, capsys)
    assert [f["code"] for f in found] == ["MS602", "MS602"]
    got = sorted((f["range"]["start"]["line"], f["message"]) for f in found)
    assert [lines[line].strip() for line, _ in got] == [
        "3. Monitoring dashboard",
        "3. Search analytics",
    ]
    assert shas[3][:7] in got[0][1] and shas[0][:7] in got[0][1]
    assert shas[8][:7] in got[1][1] and shas[7][:7] in got[1][1]


def test_check_reads_no_history_for_files_never_committed(
    repo: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    draft = root / "draft"
    draft.mkdir()
    try:
        # The same plan, not committed: the history has nothing to say about its lines.
        text = (root / "plan" / "MILESTONES.md").read_text(encoding="utf-8")
        (draft / "MILESTONES.md").write_text(text, encoding="utf-8")
        code = cli(["check", str(draft / "MILESTONES.md"), "--select", "MS602", "--format", "json"])
        out, err = capsys.readouterr()
        assert code == 0 and json.loads(out)["findings"] == []
        assert "none of the checked files is committed" in err
        both = [str(draft / "MILESTONES.md"), str(root / "plan" / "MILESTONES.md")]
        code = cli(["check", *both, "--select", "MS602", "--format", "json", "--exit-zero"])
        found = json.loads(capsys.readouterr().out)["findings"]
        assert code == 0 and {f["path"].split("/")[-2] for f in found} == {"draft", "plan"}
    finally:
        for path in draft.iterdir():
            path.unlink()
        draft.rmdir()


def test_any_committed_asks_git_about_exactly_the_named_files(tmp_path: Path) -> None:
    from milestone_lsp.project.gitlog import any_committed

    first, second, plain = tmp_path / "a", tmp_path / "b", tmp_path / "plain"
    for folder in (first, second, plain):
        (folder / "docs").mkdir(parents=True)
    for repo in (first, second):
        git(repo, "init", "-q")
    # A name that is also a glob pattern ("[d]raft.md" would match "draft.md"): taken literally.
    (first / "docs" / "draft.md").write_text("# Plan\n", encoding="utf-8")
    (first / "docs" / "[d]raft.md").write_text("# Draft\n", encoding="utf-8")
    git(first, "add", "docs/draft.md")
    git(first, "commit", "-q", "-m", "Plan")
    (second / "STATUS.md").write_text("# Status\n", encoding="utf-8")
    (plain / "docs" / "STATUS.md").write_text("# Status\n", encoding="utf-8")

    assert any_committed([first / "docs" / "draft.md"])
    assert not any_committed([first / "docs" / "[d]raft.md"])
    assert not any_committed([second / "STATUS.md"])  # a repository without commits
    assert not any_committed([plain / "docs" / "STATUS.md"])  # no repository at all
    assert not any_committed([])
    # Files from several repositories and none: one of them is committed.
    mixed = [plain / "docs" / "STATUS.md", second / "STATUS.md", first / "docs" / "draft.md"]
    assert any_committed(mixed)
    assert not any_committed([*mixed[:2], first / "docs" / "[d]raft.md"])


def test_check_is_silent_outside_a_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.gitrepo import STEPS

    for path, text in STEPS[-1][2].items():
        if text is not None:
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_text(text, encoding="utf-8")
    (tmp_path / ".milestone-lsp.toml").write_text("", encoding="utf-8")
    assert _findings(tmp_path, capsys) == []


def _creep(milestone: str, deliverable: str) -> ScopeCreep:
    added = CommitInfo("a" * 40, (), 0, "2026-01-14T09:00:00+00:00", "Add it")
    started = CommitInfo("b" * 40, (), 0, "2026-01-08T09:00:00+00:00", "Start")
    return ScopeCreep(
        milestone, milestone.lower(), deliverable, deliverable.lower(), added, started, "m.md"
    )


def test_rule_fires_on_provided_additions_unless_the_log_names_them() -> None:
    from milestone_lsp.rules.engine import check_document
    from milestone_lsp.settings.config import Config

    texts = fixture_texts("MS602")
    ws = load(texts)
    scope_creep.provide(
        ws, [_creep("Foundation", "Monitoring dashboard"), _creep("Foundation", "Release notes")]
    )
    findings = [
        f
        for path in sorted(texts)
        for f in check_document(ws, ws.get(path), Config(), select={"MS602"})  # type: ignore[arg-type]
    ]
    # "Release notes" is named in DECISIONS.md: the plan revision was recorded.
    assert describe(findings) == ["milestones.md 18:3-18:23 MS602"]
    assert "aaaaaaa (2026-01-14" in findings[0].message
    assert "bbbbbbb (2026-01-08)" in findings[0].message
    # A workspace without a provided history gets nothing.
    assert scope_creep.provided(load(texts)) is None


def test_scope_creep_round_trips_through_json(data: dict[str, Any]) -> None:
    entries = scope_creep_from_json(data)
    assert [(c.milestone_key, c.deliverable_key) for c in entries] == [
        ("foundation", "monitoring dashboard"),
        ("search live", "search analytics"),
    ]


# --- clear failures -----------------------------------------------------------------------------


def test_not_a_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(GitError, match=r"not inside a git repository.*git init"):
        load_history(tmp_path)
    assert cli(["history", str(tmp_path)]) == 2
    assert "git init" in capsys.readouterr().err


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="does not exist; give the folder"):
        load_history(tmp_path / "nowhere")


def test_repository_without_commits(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    with pytest.raises(GitError, match="no commits yet"):
        load_history(tmp_path)


def test_unknown_since(repo: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = repo
    with pytest.raises(GitError, match="unknown revision 'no-such-tag'"):
        load_history(root, since="no-such-tag")
    assert cli(["history", str(root), "--since=--all"]) == 2
    assert "not a revision" in capsys.readouterr().err


def test_shallow_clone_says_so(repo: tuple[Path, list[str]], tmp_path: Path) -> None:
    root, shas = repo
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "3", root.as_uri(), str(clone)],
        check=True,
        capture_output=True,
    )
    history = load_history(clone)
    assert [r.commit.sha for r in history.rows] == shas[8:9] + shas[10:]
    assert any("shallow clone" in n and "git fetch --unshallow" in n for n in history.notes)


def test_git_missing(
    repo: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GitError, match="git is not installed"):
        load_history(repo[0])


# --- processes ----------------------------------------------------------------------------------


def _bench_module() -> Any:
    spec = importlib.util.spec_from_file_location("history_bench", REPO / "bench/history_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("history_bench", module)
    spec.loader.exec_module(module)
    return module


def test_worker_processes_give_the_same_history(tmp_path: Path) -> None:
    bench = _bench_module()
    root = bench.build_repository(tmp_path / "long", commits=80)
    one = load_history(root, workers=1)
    two = load_history(root, workers=2)
    assert len(one.rows) == 80 and one.parsed == 80
    assert one.to_json() == two.to_json()
    # The bench's edits move the figures: the series is not flat.
    assert len({r.point.milestones for r in one.rows}) > 10
    assert re.fullmatch(r"[0-9a-f]{40}", one.head)


# --- the core alone (no git) --------------------------------------------------------------------

DEFINITION = """# Milestones

## Milestone: Auth

**Goal:** Users sign in with OAuth
**Phase:** Phase 1

**Acceptance Criteria:**
- [ ] Login succeeds against the mock provider
- [ ] Expired tokens are rejected with HTTP 401

**Deliverables:**
1. OAuth integration
2. Session middleware

**Approval Required:** No
"""

UPDATE = """# Progress

## Milestone: Auth ({pct}% complete)

**Deliverables:**
- [x] OAuth integration (COMPLETE)
- [ ] Session middleware (NEXT)
{extra}"""


def _snap(n: int, files: dict[str, str]) -> Any:
    from milestone_lsp.core.history import Snapshot

    info = CommitInfo(f"{n:040x}", (), n, f"2026-03-{n:02d}T10:00:00+00:00", f"commit {n}")
    state = {path: f"{path}@{text}" for path, text in files.items()}
    changes = tuple(Change("M", p, p, "", b) for p, b in state.items())
    return Snapshot(info, state, changes), {
        blob: text for blob, text in zip(state.values(), files.values(), strict=True)
    }


def test_progress_update_lists_count_and_a_stated_percentage_starts_a_milestone() -> None:
    from milestone_lsp.core.history import build_history

    steps = [
        {"milestones.md": DEFINITION, "progress.md": UPDATE.format(pct=0, extra="")},
        {"milestones.md": DEFINITION, "progress.md": UPDATE.format(pct=25, extra="")},
        {
            "milestones.md": DEFINITION,
            "progress.md": UPDATE.format(pct=25, extra="- [ ] Audit log (PLANNED)\n"),
        },
    ]
    snaps, texts = [], {}
    for n, files in enumerate(steps, 1):
        snap, blobs = _snap(n, files)
        snaps.append(snap)
        texts.update(blobs)
    history = build_history(snaps, texts)
    [auth] = history.milestones
    assert auth.started is not None and auth.started.commit.subject == "commit 2"
    assert [(c.deliverable, c.added.subject) for c in history.scope_creep] == [
        ("Audit log", "commit 3")
    ]
    stated = [r.point.milestones[0].stated for r in history.rows]
    assert stated == [0, 25, 25]
    assert [r.point.milestones[0].done for r in history.rows] == [0, 0, 0]
    # Stated 25% while no criterion is met: documentation lag at commits 2 and 3.
    lag = history.to_json()["documentation_lag"]
    assert [(row["subject"], row["milestone"], row["stated"], row["computed"]) for row in lag] == [
        ("commit 2", "Auth", 25, 0),
        ("commit 3", "Auth", 25, 0),
    ]
