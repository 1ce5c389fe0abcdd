"""``milestone-lsp progress``: overall, per-phase and per-milestone progress in the terminal.

The numbers come from the Calculation Method in :mod:`milestone_lsp.core.progress` through the
summaries the editor shows (:func:`milestone_lsp.core.summaries.milestone_summary`), so the
dashboard, the hover and the code lens never disagree. Three outputs of one data set: a rich
table on a terminal, plain text when stdout is a pipe or a file, and JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TextIO

from milestone_lsp.config import Config
from milestone_lsp.core.progress import (
    Tally,
    _phase_key,
    bar,
    format_percent,
    overall_progress,
    phase_progress,
)
from milestone_lsp.core.report import status_documents
from milestone_lsp.core.summaries import IsVague, MilestoneSummary, milestone_summary
from milestone_lsp.core.workspace import Workspace

PROGRESS_JSON_VERSION = 1


@dataclass(frozen=True, slots=True)
class PhaseRow:
    """One phase: its label and its deliverables tally (``None`` when none are listed)."""

    label: str
    tally: Tally | None


@dataclass(frozen=True, slots=True)
class MilestoneRow:
    """One milestone: where it belongs and what the editor's summary says about it."""

    phase: str | None
    summary: MilestoneSummary


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the dashboard shows."""

    overall: Tally | None
    phases: list[PhaseRow]
    milestones: list[MilestoneRow]


def vague_checker(config: Config) -> IsVague:
    """``text -> bool`` with the configured extra and allowed words (the MS101 analyzer)."""
    from milestone_lsp.rules.measurability import analyze

    extra = config.extra_vague_words
    allowed = config.allowed_words

    def is_vague(text: str) -> bool:
        return not analyze(text, extra_vague=extra, allowed=allowed).measurable

    return is_vague


def _phase_order(key: str) -> tuple[int, float, str]:
    number = re.match(r"\d+(?:\.\d+)?", key)
    return (0, float(number.group(0)), key) if number else (1, 0.0, key)


def build_dashboard(ws: Workspace, config: Config) -> Dashboard:
    """Overall, phase and milestone progress of the workspace."""
    method = config.progress_method
    is_vague = vague_checker(config)
    statuses = status_documents(ws)
    overall = overall_progress(ws, statuses[0] if statuses else None, method)
    labels = [m.phase for m in ws.milestones()] + [d.phase for d in ws.deliverables()]
    labels += [s.phase for doc in statuses for s in doc.status_sections if s.phase]
    keys: dict[str, str] = {}
    for label in labels:
        if label and (key := _phase_key(label)) and key not in keys:
            keys[key] = label
    phases = [
        PhaseRow(f"Phase {key}", phase_progress(ws, keys[key]))
        for key in sorted(keys, key=_phase_order)
    ]
    milestones = [
        MilestoneRow(
            m.phase.strip() if m.phase else None, milestone_summary(ws, m, method, is_vague)
        )
        for m in ws.milestones()
    ]
    return Dashboard(overall, phases, milestones)


# --- output --------------------------------------------------------------------------------------


def _tally_json(tally: Tally | None) -> dict[str, Any] | None:
    if tally is None:
        return None
    return {
        "done": tally.done,
        "total": tally.total,
        "percent": round(tally.percent, 1),
        "counting": tally.noun,
    }


def dashboard_json(dash: Dashboard) -> dict[str, Any]:
    """The dashboard as JSON-ready data (documented in the README)."""
    return {
        "version": PROGRESS_JSON_VERSION,
        "overall": _tally_json(dash.overall),
        "phases": [{"phase": p.label, "progress": _tally_json(p.tally)} for p in dash.phases],
        "milestones": [
            {
                "name": row.summary.name,
                "phase": row.phase,
                "progress": _tally_json(row.summary.progress),
                "complete": _complete(row.summary.progress),
                "approval": {
                    "required": row.summary.approval_required,
                    "logged": row.summary.approval_date,
                    "text": row.summary.approval_text,
                },
                "vague_criteria": row.summary.vague,
                "unverified_completions": row.summary.unverified,
            }
            for row in dash.milestones
        ],
    }


def _complete(tally: Tally | None) -> bool:
    return tally is not None and tally.total > 0 and tally.done == tally.total


def _counts(tally: Tally | None) -> str:
    if tally is None:
        return "none listed"
    return f"{tally.done}/{tally.total} {tally.noun} ({format_percent(tally.percent)})"


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
    from rich import box
    from rich.console import Console
    from rich.progress_bar import ProgressBar
    from rich.table import Table

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
