"""``milestone-lsp parse``: the parsed model of milestone files, as an outline or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from milestone_lsp.cli.console import EXIT_ERROR, EXIT_OK, error
from milestone_lsp.core.files import discover, read_text
from milestone_lsp.core.inventory import criteria_inventory
from milestone_lsp.core.outline import outline, to_jsonable
from milestone_lsp.core.parser import parse
from milestone_lsp.core.workspace import Workspace


def load_workspace(paths: Sequence[str]) -> tuple[Workspace, list[Path], list[str]]:
    """Parse the markdown files below ``paths``; the workspace, the files and what was skipped."""
    found = discover([Path(p) for p in paths])
    ws = Workspace()
    errors = [f"{path}: {reason}" for path, reason in found.skipped]
    for path in found.files:
        result = read_text(path)
        if result.text is None:
            errors.append(f"{path}: {result.error}")
            continue
        ws.add(parse(result.text, str(path)))
    return ws, found.files, errors


def run(args: argparse.Namespace) -> int:
    """Print the model of the given files: a readable outline or JSON."""
    ws, files, errors = load_workspace(args.paths)
    for problem in errors:
        error(problem)
    docs = [ws.documents[str(p)] for p in files if str(p) in ws.documents]
    if args.format == "json":
        json.dump(
            {
                "version": 1,
                "documents": [
                    {**to_jsonable(d), "criteria": to_jsonable(criteria_inventory(d))} for d in docs
                ],
            },
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        sys.stdout.write("\n")
    else:
        for doc in docs:
            print("\n".join(outline(ws, doc, args.progress_method)))
            print()
    return EXIT_ERROR if errors and not docs else EXIT_OK
