"""``milestone-lsp progress``: the same numbers as the core, as plain text, JSON and rich tables.

Figures for ``examples/``: 2 of 5 milestones ticked in STATUS.md; Phase 1 lists 2 deliverables of
which 1 is ticked; MVP Functional has 1 of 5 criteria met and 2 vague ones (examples/README.md).
"""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from milestone_lsp.cli import progress as progress_cli
from milestone_lsp.core.progress import overall_progress, phase_progress
from milestone_lsp.core.report import status_documents
from milestone_lsp.core.summaries import milestone_summary
from milestone_lsp.project import dashboard, reporting, vague
from milestone_lsp.settings.config import load_config
from tests.clirun import run_cli

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def run(*args: str, cwd: Path = EXAMPLES) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd)


def build() -> dashboard.Dashboard:
    config = load_config(EXAMPLES).config
    ws, _ = reporting.load(EXAMPLES, config)
    return dashboard.build_dashboard(ws, config)


def test_dashboard_numbers_are_the_core_numbers() -> None:
    config = load_config(EXAMPLES).config
    ws, _ = reporting.load(EXAMPLES, config)
    dash = dashboard.build_dashboard(ws, config)
    assert dash.overall == overall_progress(ws, status_documents(ws)[0], "criteria")
    assert [p.label for p in dash.phases] == ["Phase 0", "Phase 1", "Phase 2", "Phase 3"]
    assert [p.tally for p in dash.phases] == [
        phase_progress(ws, label) for label in ("Phase 0", "Phase 1", "Phase 2", "Phase 3")
    ]
    is_vague = vague.vague_checker(ws, config)
    assert [row.summary for row in dash.milestones] == [
        milestone_summary(ws, m, "criteria", is_vague) for m in ws.milestones()
    ]


def test_plain_text_when_piped() -> None:
    proc = run("progress")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "\x1b[" not in out
    lines = out.splitlines()
    # Two milestones are ticked; Authentication Complete waits for its approval (MS501).
    assert lines[0] == (
        "Overall  ████░░░░░░░░░░░░░░░░  1/5 milestones complete (20%) · 2 ticked, 1 verified"
    )
    assert "  Phase 1  ██████████░░░░░░░░░░  1/2 Phase 1 deliverables complete (50%)" in lines
    mvp = next(i for i, line in enumerate(lines) if line.lstrip().startswith("MVP Functional"))
    assert lines[mvp].endswith("████░░░░░░░░░░░░░░░░  1/5 acceptance criteria met (20%)")
    assert lines[mvp + 1].strip() == (
        "Phase 2 · approval required, not logged · 2 vague, 1 unverified"
    )
    assert out == progress_cli.render_plain(build())


def test_json_output() -> None:
    proc = run("progress", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data == dashboard.dashboard_json(build())
    assert data["version"] == 1
    assert data["overall"] == {
        "done": 1,
        "total": 5,
        "percent": 20.0,
        "counting": "milestones complete",
        "ticked": 2,
    }
    by_name = {m["name"]: m for m in data["milestones"]}
    assert by_name["MVP Functional"]["vague_criteria"] == 2
    assert by_name["MVP Functional"]["complete"] is False
    assert by_name["Authentication Complete"]["approval"] == {
        "required": True,
        "logged": None,
        "text": "required, not logged",
    }
    assert by_name["Foundation Complete"]["complete"] is True
    assert data["phases"][0] == {"phase": "Phase 0", "progress": None}


def test_rich_tables_on_a_terminal() -> None:
    """On a terminal (a pseudo-terminal here) the dashboard is drawn with rich, in colour."""
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "160", "LINES": "50", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "milestone_lsp", "progress"],
        cwd=EXAMPLES,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(timeout=120) == 0
    out = b"".join(chunks).decode("utf-8")
    assert "\x1b[" in out  # styled
    for text in ("Overall", "Phases", "Milestones", "MVP Functional", "pending", "not needed"):
        assert text in out
    assert "━" in out  # rich's progress bar


def test_rich_rendering_lists_every_milestone_with_its_counts() -> None:
    buffer = io.StringIO()
    progress_cli.render_rich(build(), file=buffer, width=120)
    out = buffer.getvalue()
    for name, cells in (
        ("Foundation Complete", ["0", "4/4 criteria", "100%", "not needed", "0", "0"]),
        ("Authentication Complete", ["1", "4/4 criteria", "100%", "pending", "0", "0"]),
        ("MVP Functional", ["2", "1/5 criteria", "20%", "pending", "2", "1"]),
        ("Enhanced Features", ["3", "0/2 criteria", "0%", "not needed", "0", "0"]),
    ):
        line = next(line for line in out.splitlines() if name in line)
        # Phase, then the bar (blank without colours), then the counts, approval and issues.
        after = line.split(name, 1)[1]
        assert after.split()[0] == cells[0], line
        assert re.search(r"\s+".join(map(re.escape, cells[1:])) + r"\s*$", after), line


def test_empty_workspace(tmp_path: Path) -> None:
    (tmp_path / ".milestone-lsp.toml").write_text("", encoding="utf-8")
    proc = run("progress", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Overall  no milestones defined\n"


def test_invalid_settings_are_reported(tmp_path: Path) -> None:
    (tmp_path / ".milestone-lsp.toml").write_text("progress_method = 'vibes'\n", encoding="utf-8")
    proc = run("progress", cwd=tmp_path)
    assert proc.returncode == 2
    assert "progress_method" in proc.stderr
