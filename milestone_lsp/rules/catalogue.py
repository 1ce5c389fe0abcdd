"""The rule catalogue: imports every rule family (so their rules register, in code order) and
answers which rules exist.

The families import :mod:`milestone_lsp.rules.registry` to register; this module imports the
families. Code that needs the whole catalogue — the engine, the docs, the shells — asks here.
"""

from __future__ import annotations

from milestone_lsp.rules import (  # noqa: F401  (importing a family registers its rules)
    approvals,
    baselines,
    checklists,
    claims,
    completion,
    counts,
    criteria,
    dates,
    decision_log,
    dependencies,
    headings,
    links,
    meta,
    outcomes,
    percent_parts,
    phase_summary,
    progress_claims,
    references,
    restated_counts,
    scope_creep,
    sections,
    staleness,
    suites,
    targets,
    test_lists,
    tree_counts,
    verification_claims,
)
from milestone_lsp.rules.registry import RULES, Rule


def all_rules() -> list[Rule]:
    """Every rule, sorted by code."""
    return [RULES[code] for code in sorted(RULES)]


def by_name_or_code(key: str) -> Rule | None:
    """Look a rule up by code (``MS101``) or name (``vague-criterion``)."""
    upper = key.upper()
    for r in all_rules():
        if r.code == upper or r.name == key.lower():
            return r
    return None
