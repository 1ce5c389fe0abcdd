"""``milestone-lsp init``: start a workspace from the specification's templates."""

from __future__ import annotations

import argparse
from pathlib import Path

from milestone_lsp.cli.console import EXIT_ERROR, EXIT_OK, error
from milestone_lsp.project.scaffold import ScaffoldError, write_scaffold


def run(args: argparse.Namespace) -> int:
    """Scaffold STATUS.md, milestones, deliverables, DECISIONS.md and the config file."""
    folder = Path(args.dir)
    try:
        result = write_scaffold(folder, force=args.force)
    except ScaffoldError as exc:
        error(str(exc))
        return EXIT_ERROR
    for path in result.created:
        print(f"created  {path}")
    for path in result.replaced:
        print(f"replaced {path}")
    where = "" if folder == Path(".") else f" -w {folder}"
    print(
        f"Next: replace the [bracketed] placeholders; `milestone-lsp check {folder}` lists "
        f"every one that is left. Then `milestone-lsp report{where}` shows the milestone's status."
    )
    return EXIT_OK
