"""MS903 through the command line: a rule key of the config file that names no rule is a finding
on the key, with the rule it probably meant as an unsafe fix — not an error that stops `check`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.clirun import run_cli

CONFIG = (
    '# the team\'s rules\n[rules]\nMS10 = "off"\n"vague-criteria" = "error"\nMS101 = "warning"\n'
)


def test_unknown_rule_keys_are_findings_in_the_config_file(tmp_path: Path) -> None:
    (tmp_path / ".milestone-lsp.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "STATUS.md").write_text("# Project Status\n", encoding="utf-8")
    done = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # findings, not a config error (2)
    assert done.stderr == ""
    found = [f for f in json.loads(done.stdout)["findings"] if f["code"] == "MS903"]
    assert [(f["path"], f["range"]["start"]) for f in found] == [
        (".milestone-lsp.toml", {"line": 2, "character": 0}),
        (".milestone-lsp.toml", {"line": 3, "character": 1}),
    ]
    fixes = [fix for f in found for fix in f["fixes"]]
    assert [(fix["applicability"], fix["edits"][0]["newText"]) for fix in fixes] == [
        ("unsafe", "MS101"),
        ("unsafe", "vague-criterion"),
    ]
    ignored = run_cli("check", "--format", "json", "--ignore", "MS903", ".", cwd=tmp_path)
    # What stays is the note that this one-line STATUS.md holds nothing read (MS905).
    left = [f["code"] for f in json.loads(ignored.stdout)["findings"]]
    assert ignored.returncode == 0 and left == ["MS905"]


def test_a_misspelt_code_in_a_suppression_is_ms903_not_ms901(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "STATUS.md").write_text(
        "# Project Status\n\n<!-- milestone-lsp-disable-next-line MS1O1 -->\n## Milestones\n",
        encoding="utf-8",
    )
    done = run_cli("check", "--format", "json", "--exit-zero", ".", cwd=tmp_path)
    codes = [f["code"] for f in json.loads(done.stdout)["findings"]]
    assert codes == ["MS903"], codes
    off = run_cli(
        "check", "--format", "json", "--exit-zero", "--ignore", "MS903", ".", cwd=tmp_path
    )
    assert [f["code"] for f in json.loads(off.stdout)["findings"]] == ["MS901"]
