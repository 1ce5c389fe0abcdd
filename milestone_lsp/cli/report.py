"""``milestone-lsp report``: the Milestone Status Report of one milestone, computed."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from milestone_lsp.cli.console import EXIT_ERROR, error, write_output
from milestone_lsp.core.report import render_markdown, report_to_json
from milestone_lsp.project import reporting


def run(args: argparse.Namespace) -> int:
    """Print the Milestone Status Report of a milestone (the current one by default)."""
    try:
        ws, config, unreadable = reporting.open_workspace(Path(args.workspace))
        report = reporting.make_report(ws, config, args.milestone)
    except reporting.ReportError as exc:
        error(str(exc))
        return EXIT_ERROR
    for problem in unreadable:
        error(f"skipped {problem}")
    if args.format == "json":
        text = json.dumps(report_to_json(report), ensure_ascii=False, indent=2) + "\n"
    else:
        text = render_markdown(report)
    return write_output(text, args.output)
