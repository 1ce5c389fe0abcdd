"""Rule documentation pages (``docs/rules/<CODE>.md``), generated from the registry.

``python -m milestone_lsp.rules.docs`` rewrites them; ``--check`` exits 1 when any is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from milestone_lsp.rules.catalogue import all_rules
from milestone_lsp.rules.registry import Rule

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules"


def render_rule(rule: Rule) -> str:
    """The markdown page of one rule."""
    fix = {
        "safe": "safe (applied by `check --fix` and fix-all)",
        "unsafe": "unsafe (offered as a code action, never applied automatically)",
        None: "none",
    }[rule.fix]
    return (
        f"# {rule.code} {rule.name}\n\n"
        f"{rule.summary}\n\n"
        f"- Default severity: {rule.severity.value}\n"
        f"- Fix: {fix}\n"
        f"- Scope: {rule.scope}\n\n"
        f"{rule.doc}\n"
    )


def render_index(rules: list[Rule]) -> str:
    """The catalogue page linking every rule."""
    rows = "\n".join(
        f"| [{r.code}]({r.code}.md) | {r.name} | {r.severity.value} | {r.fix or '-'} "
        f"| {r.summary} |"
        for r in rules
    )
    return (
        "# Rules\n\n"
        "Generated from the rule registry by `python -m milestone_lsp.rules.docs`.\n\n"
        "| Code | Name | Severity | Fix | Summary |\n|---|---|---|---|---|\n"
        f"{rows}\n"
    )


def expected_pages() -> dict[Path, str]:
    """Every generated page and its content."""
    rules = all_rules()
    pages = {DOCS / f"{r.code}.md": render_rule(r) for r in rules}
    pages[DOCS / "README.md"] = render_index(rules)
    return pages


def stale_pages() -> list[Path]:
    """Pages whose committed text differs from what the registry generates."""
    stale = []
    for path, text in expected_pages().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
    return stale


def main(argv: list[str]) -> int:
    """Write the pages, or with ``--check`` report the stale ones."""
    if "--check" in argv:
        stale = stale_pages()
        for path in stale:
            print(f"stale: {path}")
        return 1 if stale else 0
    DOCS.mkdir(parents=True, exist_ok=True)
    for path, text in expected_pages().items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
