"""``milestone-lsp history``: progress over time from the git history of the milestone files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from milestone_lsp.cli.console import EXIT_ERROR, EXIT_OK, error
from milestone_lsp.core.files import resolve_problem
from milestone_lsp.core.history_render import render_html, render_text, summary_lines, table_rows
from milestone_lsp.project.checking import load_config_or_errors
from milestone_lsp.project.gitlog import GitError
from milestone_lsp.project.history import default_workers, load_history


def run(args: argparse.Namespace) -> int:
    """Progress over time from the git history of the milestone files."""
    target = Path(args.path)
    try:
        target.resolve()
    except (OSError, RuntimeError) as exc:
        error(f"{target}: {resolve_problem(exc)}")
        return EXIT_ERROR
    loaded, problems = load_config_or_errors(target)
    if problems:
        for problem in problems:
            error(problem)
        return EXIT_ERROR
    try:
        history = load_history(target, loaded.config, since=args.since, workers=default_workers())
    except GitError as exc:
        error(str(exc))
        return EXIT_ERROR
    for note in history.notes:
        error(f"note: {note}")
    data = history.to_json()
    if args.format == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    elif args.format == "html":
        text = render_html(data)
    elif args.output is None and sys.stdout.isatty():
        print_table(data)
        return EXIT_OK
    else:
        text = render_text(data)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            error(f"{args.output}: {exc.strerror or exc}")
            return EXIT_ERROR
        error(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def print_table(data: dict[str, Any]) -> None:
    """The history as a rich table (for a terminal)."""
    console = Console()
    if not data["commits"]:
        console.print("No commit changed a milestone file.")
        return
    header, rows = table_rows(data)
    table = Table(title="Progress history", caption="! = stated ahead of computed")
    for name in header:  # Text, not markup: names may hold "[...]"
        table.add_column(Text(name), no_wrap=name in ("Commit", "Date"))
    for row in rows:
        table.add_row(*(Text(cell, style="red" if cell.endswith("!") else "") for cell in row))
    console.print(table)
    for line in summary_lines(data):
        console.print(line, highlight=False, markup=False)
