"""The specification's Calculation Method, with the counts behind every percentage.

* overall = completed milestones / total milestones
* phase = completed deliverables in the phase / deliverables in the phase
* milestone = met acceptance criteria / total acceptance criteria (or, as the specification's
  lifecycle example does, completed deliverables / deliverables — a setting)

A criterion is met when it is ticked in the milestone's definition or in a verification checklist
or status report about the same milestone. Struck-through (withdrawn) items do not count.

Completed means verified: a milestone is complete when its criteria (or deliverables) are all met
and, where it requires approval, an approval is logged; a deliverable when its success criteria are
all met. A tick or a done tag on something the workspace does not show verified is counted as
*ticked*, never as complete, in every figure computed here — so every view (diagnostics, hover,
lenses, inlay hints, ``progress``, ``report``, ``history``, the recompute fix) reads the same
number, and the counting says both ("3 ticked, 2 verified complete").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from milestone_lsp.core.model import (
    Deliverable,
    Document,
    Item,
    Milestone,
    ProgressClaim,
    Status,
    StatusSection,
)
from milestone_lsp.core.syntax import normalize_name
from milestone_lsp.core.workspace import Workspace

ProgressMethod = Literal["criteria", "deliverables"]


@dataclass(frozen=True, slots=True)
class Tally:
    """``done`` of ``total`` things, what they are, and where they were counted."""

    done: int
    total: int
    noun: str
    basis: str
    ticked: int | None = None  # how many are ticked or tagged done, when that differs from ``done``

    @property
    def percent(self) -> float:
        """The exact percentage (0 when there is nothing to count)."""
        return 100.0 * self.done / self.total if self.total else 0.0

    def explain(self) -> str:
        """The counting in words: ``3 of 4 acceptance criteria met (75%)``."""
        text = f"{self.done} of {self.total} {self.noun} ({format_percent(self.percent)})"
        if self.ticked is not None and self.ticked != self.done:
            text += f"; {self.ticked} ticked, {self.done} verified complete"
        return text


def format_percent(value: float) -> str:
    """``87.5%``, ``40%``: whole numbers without decimals, others with one."""
    rounded = round(value, 1)
    return f"{int(rounded)}%" if rounded == int(rounded) else f"{rounded}%"


def percent_slack(tolerance: float) -> float:
    """How far a written percentage may be from the exact figure and still be right.

    The settings' tolerance, but never less than half a hundredth of a point: two decimals are
    the finest a fix writes (one third is "33.33%"), so a tolerance of 0 still accepts the
    figure the fix wrote.
    """
    return max(tolerance, 0.005)


def bar(percent: float, width: int = 10) -> str:
    """A text progress bar such as ``████████░░``."""
    filled = max(0, min(width, round(percent / 100 * width)))
    return "█" * filled + "░" * (width - filled)


def _counted(items: list[Item]) -> list[Item]:
    return [i for i in items if i.counts]


# Results a verification adds to a criterion's wording: "(47/47)", "(100%)", "100%".
_RESULT_NOTE = re.compile(r"\s*\(\s*\d[\d\s/.,%]*\)|\s+\d+(?:\.\d+)?\s?%$")


@lru_cache(maxsize=1 << 16)
def criterion_key(text: str) -> str:
    """The form in which a criterion and its restatement in a report are compared: the
    normalised name without result notes, so that ``Auth tests passing (100%)`` in a definition
    matches ``Auth tests passing (47/47) 100% ✓`` in its verification checklist."""
    key = normalize_name(text)
    stripped = " ".join(_RESULT_NOTE.sub("", _RESULT_NOTE.sub("", key)).split())
    return stripped or key


def criterion_met(ws: Workspace, subject_name: str, item: Item) -> bool:
    """Whether a criterion is ticked in its definition or in a report about its subject."""
    if item.is_done:
        return True
    key = criterion_key(item.text)
    for report in ws.reports_for(subject_name):
        for other in report.criteria:
            if other.is_done and criterion_key(other.text) == key:
                return True
    return False


def unmet_criteria(ws: Workspace, subject_name: str, items: list[Item]) -> list[Item]:
    """The counted criteria that are not met anywhere."""
    return [i for i in _counted(items) if not criterion_met(ws, subject_name, i)]


def criteria_tally(ws: Workspace, subject_name: str, items: list[Item], noun: str) -> Tally | None:
    """Met / total for a list of criteria, or ``None`` when there are none."""
    counted = _counted(items)
    if not counted:
        return None
    done = sum(1 for i in counted if criterion_met(ws, subject_name, i))
    return Tally(done, len(counted), noun, "criteria")


def deliverable_done(ws: Workspace, name: str, item: Item | None = None) -> bool:
    """Whether a deliverable is complete: its success criteria all met where it defines any,
    else ticked where listed, tagged done or ticked in a status list.

    A tick on a deliverable whose criteria are open is not completion (it is MS201's finding).
    """
    definition = ws.find_deliverable(name)
    if definition is not None:
        tally = criteria_tally(ws, definition.name, definition.criteria, "success criteria")
        if tally is not None:
            return tally.done == tally.total
        if definition.tag is not None and definition.tag.status is Status.DONE:
            return True
    if item is not None and item.is_done:
        return True
    return normalize_name(name) in ws.cached("progress.done_status_items", lambda: _done_items(ws))


def deliverable_ticked(ws: Workspace, name: str, item: Item | None = None) -> bool:
    """Whether anything claims the deliverable done: a tick where it is listed, a done tag on its
    definition, or a ticked entry in a status list (verified or not)."""
    if item is not None and item.is_done:
        return True
    definition = ws.find_deliverable(name)
    if (
        definition is not None
        and definition.tag is not None
        and definition.tag.status is Status.DONE
    ):
        return True
    return normalize_name(name) in ws.cached("progress.done_status_items", lambda: _done_items(ws))


def _done_items(ws: Workspace) -> frozenset[str]:
    """Normalised texts of the ticked (or done-tagged) status items of every document."""
    return frozenset(
        normalize_name(item.text)
        for doc in ws
        for section in doc.status_sections
        for item in section.items
        if item.is_done
    )


def deliverables_tally(ws: Workspace, milestone: Milestone) -> Tally | None:
    """Completed / listed deliverables of a milestone (its own list, else its progress updates)."""
    items = _counted(milestone.deliverable_items)
    if not items:
        return None
    done = sum(1 for i in items if deliverable_done(ws, i.text, i))
    ticked = sum(1 for i in items if deliverable_ticked(ws, i.text, i))
    return Tally(done, len(items), "deliverables", "deliverables", _ticked(ticked, done))


def _ticked(ticked: int, done: int) -> int | None:
    """``ticked`` when some ticks are not verified completions, else ``None`` (nothing to say)."""
    return ticked if ticked > done else None


def milestone_progress(
    ws: Workspace, milestone: Milestone, method: ProgressMethod = "criteria"
) -> Tally | None:
    """The milestone's progress by the chosen method; criteria fall back to deliverables."""
    if method == "criteria":
        tally = criteria_tally(ws, milestone.name, milestone.criteria, "acceptance criteria met")
        if tally is not None:
            return tally
    tally = deliverables_tally(ws, milestone)
    if tally is not None:
        return Tally(tally.done, tally.total, "deliverables complete", "deliverables", tally.ticked)
    return None


def milestone_complete(ws: Workspace, milestone: Milestone, method: ProgressMethod) -> bool:
    """Whether the milestone is verified complete: every criterion (or deliverable) done and,
    where approval is required, an approval logged."""
    tally = milestone_progress(ws, milestone, method)
    if tally is None or tally.total == 0 or tally.done < tally.total:
        return False
    return not milestone.approval_required or ws.approval_for(milestone) is not None


def listed_milestone_verified(ws: Workspace, item: Item, method: ProgressMethod) -> bool:
    """Whether a ticked entry of a milestones list is a verified completion.

    An entry naming no milestone the workspace defines keeps its tick (there is nothing to verify
    it against); one whose definition has nothing to count needs only its approval.
    """
    if not item.is_done:
        return False
    definition = ws.find_milestone(item.text)
    if definition is None:
        return True
    tally = milestone_progress(ws, definition, method)
    if tally is not None and tally.total > 0 and tally.done < tally.total:
        return False
    return not definition.approval_required or ws.approval_for(definition) is not None


def milestones_list(doc: Document) -> list[Item]:
    """The top-level entries of a STATUS.md milestones list (section or ``**Milestones:**``)."""
    section = doc.status_section("milestones")
    if section is not None and section.items:
        return [i for i in section.items if i.depth == 0 and i.counts]
    for status in doc.status_sections:
        fld = status.fields.get("milestones")
        if fld is not None and fld.items:
            return [i for i in fld.items if i.depth == 0 and i.counts]
    return []


def overall_progress(ws: Workspace, doc: Document | None, method: ProgressMethod) -> Tally | None:
    """Completed / total milestones: from the document's milestones list, else definitions."""
    if doc is not None:
        listed = milestones_list(doc)
        if listed:
            done = sum(1 for i in listed if listed_milestone_verified(ws, i, method))
            ticked = sum(1 for i in listed if i.is_done)
            return Tally(done, len(listed), "milestones complete", "list", _ticked(ticked, done))
    return ws.cached(("progress.overall", method), lambda: _overall_by_definitions(ws, method))


def _overall_by_definitions(ws: Workspace, method: ProgressMethod) -> Tally | None:
    definitions = ws.milestones()
    if not definitions:
        return None
    done = sum(1 for m in definitions if milestone_complete(ws, m, method))
    ticked = sum(1 for m in definitions if m.tag is not None and m.tag.status is Status.DONE)
    return Tally(
        done, len(definitions), "milestones complete", "definitions", _ticked(ticked, done)
    )


def section_list_tally(items: list[Item], noun: str) -> Tally | None:
    """Ticked / total of the top-level checklist entries of a list (unboxed entries aside)."""
    counted = [i for i in items if i.depth == 0 and i.counts and i.state is not None]
    if not counted:
        return None
    return Tally(sum(1 for i in counted if i.is_done), len(counted), noun, "list")


SECTION_LIST_NOUN = "items complete"


def phase_claim_progress(ws: Workspace, doc: Document, claim: ProgressClaim) -> Tally | None:
    """What a phase claim is measured against: the checklist of the STATUS section it heads,
    else that section's phase, else the phase it names. MS301/MS302 and the hover both ask
    here, so they never disagree about whether the figure can be computed."""
    for section in doc.status_sections:
        if section.claim is claim:
            tally = section_list_tally(section.items, SECTION_LIST_NOUN)
            if tally is not None:
                return tally
            return phase_progress(ws, section.phase) if section.phase else None
    return phase_progress(ws, claim.name) if claim.name else None


def _phase_key(phase: str) -> str:
    words = normalize_name(phase).replace("phase", "").split()
    return words[0].strip(":-–—") if words else ""


def phase_progress(ws: Workspace, phase: str, doc: Document | None = None) -> Tally | None:
    """Completed / total deliverables in a phase: its STATUS list, else its definitions."""
    key = _phase_key(phase)
    if not key:
        return None
    docs = [doc] if doc is not None else list(ws)
    for d in docs:
        for section in d.status_sections:
            if (
                isinstance(section, StatusSection)
                and section.kind == "phase_deliverables"
                and section.phase
                and _phase_key(section.phase) == key
            ):
                items = [i for i in section.items if i.depth == 0 and i.counts]
                if items:
                    done = sum(1 for i in items if i.is_done and deliverable_done(ws, i.text, i))
                    ticked = sum(1 for i in items if i.is_done)
                    noun = f"Phase {key} deliverables complete"
                    return Tally(done, len(items), noun, "list", _ticked(ticked, done))
    in_phase: list[Deliverable] = [
        d for d in ws.deliverables() if d.phase and _phase_key(d.phase) == key
    ]
    if not in_phase:
        return None
    done = sum(1 for d in in_phase if deliverable_done(ws, d.name))
    ticked = sum(1 for d in in_phase if deliverable_ticked(ws, d.name))
    noun = f"Phase {key} deliverables complete"
    return Tally(done, len(in_phase), noun, "definitions", _ticked(ticked, done))
