"""The data of ``milestone-lsp progress``: overall, per-phase and per-milestone progress.

The numbers come from the Calculation Method in :mod:`milestone_lsp.core.progress` through the
summaries the editor shows (:func:`milestone_lsp.core.summaries.milestone_summary`), so the
dashboard, the hover and the code lens never disagree. :mod:`milestone_lsp.cli.progress` draws
it (rich or plain text); :func:`dashboard_json` is its JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from milestone_lsp.core.progress import (
    Tally,
    _phase_key,
    overall_progress,
    phase_progress,
)
from milestone_lsp.core.report import status_documents
from milestone_lsp.core.summaries import MilestoneSummary, milestone_summary
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.project.vague import vague_checker
from milestone_lsp.settings.config import Config

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


def _phase_order(key: str) -> tuple[int, float, str]:
    number = re.match(r"\d+(?:\.\d+)?", key)
    return (0, float(number.group(0)), key) if number else (1, 0.0, key)


def build_dashboard(ws: Workspace, config: Config) -> Dashboard:
    """Overall, phase and milestone progress of the workspace."""
    method = config.progress_method
    is_vague = vague_checker(ws, config)
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
    out: dict[str, Any] = {
        "done": tally.done,
        "total": tally.total,
        "percent": round(tally.percent, 1),
        "counting": tally.noun,
    }
    if tally.ticked is not None:
        out["ticked"] = tally.ticked  # ticked or tagged done, more than are verified complete
    return out


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
