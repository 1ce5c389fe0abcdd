"""``milestone-lsp progress``: overall, per-phase and per-milestone progress.

The data comes from :mod:`milestone_lsp.project.dashboard` (the same summaries the editor's
hover and code lens show); this module draws it: rich tables with progress bars on a terminal,
plain text when stdout is a pipe or a file, and JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from rich import box
from rich.console import Console
from rich.progress_bar import ProgressBar
from rich.table import Table

from milestone_lsp.cli.console import EXIT_ERROR, EXIT_OK, error
from milestone_lsp.core.progress import Tally, _phase_key, bar, format_percent
from milestone_lsp.core.summaries import MilestoneSummary
from milestone_lsp.project import dashboard, reporting
from milestone_lsp.project.dashboard import Dashboard


def run(args: argparse.Namespace) -> int:
    """Show overall, phase and milestone progress (rich on a terminal, else plain or JSON)."""
    try:
        ws, config, unreadable = reporting.open_workspace(Path(args.workspace))
    except reporting.ReportError as exc:
        error(str(exc))
        return EXIT_ERROR
    for problem in unreadable:
        error(f"skipped {problem}")
    dash = dashboard.build_dashboard(ws, config)
    if args.format == "json":
        text = json.dumps(dashboard.dashboard_json(dash), ensure_ascii=False, indent=2)
        sys.stdout.write(text + "\n")
    elif sys.stdout.isatty():
        render_rich(dash)
    else:
        sys.stdout.write(render_plain(dash))
    return EXIT_OK


def _counts(tally: Tally | None) -> str:
    if tally is None:
        return "none listed"
    text = f"{tally.done}/{tally.total} {tally.noun} ({format_percent(tally.percent)})"
    if tally.ticked is not None:
        text += f" · {tally.ticked} ticked, {tally.done} verified"
    return text


def _percent(tally: Tally | None) -> float:
    return tally.percent if tally is not None else 0.0


def _problems(summary: MilestoneSummary) -> str:
    return f"{summary.vague} vague, {summary.unverified} unverified"


def render_plain(dash: Dashboard) -> str:
    """The dashboard as plain text (for pipes, files and CI logs)."""
    lines = []
    if dash.overall is not None:
        lines.append(f"Overall  {bar(dash.overall.percent, 20)}  {_counts(dash.overall)}")
    else:
        lines.append("Overall  no milestones defined")
    if dash.phases:
        lines += ["", "Phases"]
        width = max(len(p.label) for p in dash.phases)
        for p in dash.phases:
            lines.append(f"  {p.label:<{width}}  {bar(_percent(p.tally), 20)}  {_counts(p.tally)}")
    if dash.milestones:
        lines += ["", "Milestones"]
        width = max(len(row.summary.name) for row in dash.milestones)
        for row in dash.milestones:
            s = row.summary
            lines.append(
                f"  {s.name:<{width}}  {bar(_percent(s.progress), 20)}  {_counts(s.progress)}"
            )
            phase = f"{row.phase} · " if row.phase else ""
            lines.append(f"  {'':<{width}}  {phase}approval {s.approval_text} · {_problems(s)}")
    return "\n".join(lines) + "\n"


def _short_counts(tally: Tally | None, unit: str) -> str:
    return "none listed" if tally is None else f"{tally.done}/{tally.total} {unit}"


def _short_percent(tally: Tally | None) -> str:
    return "" if tally is None else format_percent(tally.percent)


def _approval_cell(summary: MilestoneSummary) -> str:
    if not summary.approval_required:
        return "[dim]not needed[/]"
    if summary.approval_date:
        return f"[green]logged {summary.approval_date}[/]"
    return "[yellow]pending[/]"


def render_rich(dash: Dashboard, file: TextIO | None = None, width: int | None = None) -> None:
    """The dashboard as rich tables with progress bars (for a terminal)."""
    console = Console(file=file, width=width)

    def progress_bar(tally: Tally | None, size: int = 12) -> ProgressBar:
        total = tally.total if tally is not None and tally.total else 1
        done = tally.done if tally is not None else 0
        return ProgressBar(total=total, completed=done, width=size)

    def table(title: str) -> Table:
        return Table(
            title=title,
            title_justify="left",
            title_style="bold",
            box=box.SIMPLE_HEAD,
            padding=(0, 1, 0, 0),
            pad_edge=False,
        )

    top = Table.grid(padding=(0, 2))
    top.add_row(
        "[bold]Overall[/]",
        progress_bar(dash.overall, 24),
        _short_counts(dash.overall, "milestones complete"),
        _short_percent(dash.overall),
    )
    console.print(top)

    if dash.phases:
        phases = table("Phases")
        phases.add_column("Phase", no_wrap=True)
        phases.add_column("Progress")
        phases.add_column("Deliverables", no_wrap=True)
        phases.add_column("%", justify="right")
        for p in dash.phases:
            phases.add_row(
                p.label,
                progress_bar(p.tally),
                _short_counts(p.tally, "complete"),
                _short_percent(p.tally),
            )
        console.print(phases)

    if dash.milestones:
        milestones = table("Milestones")
        milestones.add_column("Milestone")
        milestones.add_column("Phase", justify="right")
        milestones.add_column("Progress")
        milestones.add_column("Counted")
        milestones.add_column("%", justify="right")
        milestones.add_column("Approval")
        milestones.add_column("Vague", justify="right")
        milestones.add_column("Unverified", justify="right")
        for row in dash.milestones:
            s = row.summary
            unit = s.progress.basis if s.progress is not None else ""
            milestones.add_row(
                s.name,
                _phase_key(row.phase) if row.phase else "",
                progress_bar(s.progress),
                _short_counts(s.progress, unit),
                _short_percent(s.progress),
                _approval_cell(s),
                f"[yellow]{s.vague}[/]" if s.vague else "0",
                f"[red]{s.unverified}[/]" if s.unverified else "0",
            )
        console.print(milestones)
