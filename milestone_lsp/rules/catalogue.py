"""Imports every rule module so that their rules register (in code order)."""

from milestone_lsp.rules import (  # noqa: F401
    approvals,
    completion,
    criteria,
    meta,
    progress_claims,
    references,
    scope_creep,
    sections,
    staleness,
)
