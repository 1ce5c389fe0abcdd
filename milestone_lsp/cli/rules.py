"""``milestone-lsp rules`` and ``milestone-lsp explain``: the rule catalogue, one rule's page."""

from __future__ import annotations

import argparse
import sys

from milestone_lsp.cli.console import EXIT_ERROR, EXIT_OK, error
from milestone_lsp.rules.catalogue import all_rules, by_name_or_code
from milestone_lsp.rules.docs import render_rule


def run(args: argparse.Namespace) -> int:
    """List the rule catalogue."""
    for r in all_rules():
        fix = f" [fix: {r.fix}]" if r.fix else ""
        print(f"{r.code}  {r.name:<32} {r.severity.value:<11} {r.summary}{fix}")
    return EXIT_OK


def explain(args: argparse.Namespace) -> int:
    """Print one rule's documentation."""
    found = by_name_or_code(args.rule)
    if found is None:
        error(f"unknown rule {args.rule!r} (see `milestone-lsp rules`)")
        return EXIT_ERROR
    sys.stdout.write(render_rule(found))
    return EXIT_OK
