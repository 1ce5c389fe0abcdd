"""README's examples are real output: they fail here when the code that prints them changes."""

from __future__ import annotations

import re
from pathlib import Path

from tests.clirun import run_cli

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def readme_block(name: str, language: str) -> str:
    """The fenced block README holds between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(
        rf"<!-- {name}:start -->\n```{language}\n(.*?)```\n<!-- {name}:end -->", readme, re.DOTALL
    )
    assert found is not None, f"README lost the {name} markers"
    return found.group(1)


def test_readme_shows_the_current_check_output_of_the_examples() -> None:
    proc = run_cli("check", "--exit-zero", cwd=EXAMPLES)
    assert proc.returncode == 0, proc.stderr
    expected = readme_block("check-example", "text")
    assert expected == proc.stdout, "regenerate it: cd examples && milestone-lsp check"


def test_readme_shows_the_current_report_of_the_examples() -> None:
    proc = run_cli("report", cwd=EXAMPLES)
    assert proc.returncode == 0, proc.stderr
    expected = readme_block("report-example", "markdown")
    assert expected == proc.stdout, "regenerate it: cd examples && milestone-lsp report"
