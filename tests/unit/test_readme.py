"""README's examples are real output: they fail here when the code that prints them changes."""

from __future__ import annotations

import re
from pathlib import Path

from tests.clirun import run_cli

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def test_readme_shows_the_current_check_output_of_the_examples() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(
        r"<!-- check-example:start -->\n```text\n(.*?)```\n<!-- check-example:end -->",
        readme,
        re.DOTALL,
    )
    assert found is not None, "README lost the check example markers"
    proc = run_cli("check", "--exit-zero", cwd=EXAMPLES)
    assert proc.returncode == 0, proc.stderr
    assert found.group(1) == proc.stdout, "regenerate it: cd examples && milestone-lsp check"
