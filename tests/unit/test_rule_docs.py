"""docs/rules/ is generated from the registry and must not go stale; every rule is documented."""

from __future__ import annotations

import pytest

from milestone_lsp.rules.catalogue import all_rules
from milestone_lsp.rules.docs import stale_pages

SECTIONS = ("What it flags", "Why", "Example that fires", "Example that does not", "Fix safety")


def test_rule_docs_are_current() -> None:
    stale = stale_pages()
    assert not stale, f"regenerate with `python -m milestone_lsp.rules.docs`: {stale}"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_docstring_has_every_section(rule: object) -> None:
    doc = rule.doc
    for section in SECTIONS:
        assert section in doc, f"{rule.code} docs lack {section!r}"


def test_codes_and_names_are_unique_and_well_formed() -> None:
    rules = all_rules()
    assert len({r.code for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)
    for r in rules:
        assert r.code[:2] == "MS" and r.code[2:].isdigit() and len(r.code) == 5
        assert r.name == r.name.lower() and " " not in r.name
