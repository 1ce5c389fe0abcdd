"""Progress over time, computed from snapshots of the milestone files (one per commit).

Pure: the snapshots (``path → blob id`` after each commit) and the blob texts come from
:mod:`milestone_lsp.project.gitlog`; this module parses them with
:mod:`milestone_lsp.core.parser` and
computes every figure with :mod:`milestone_lsp.core.progress` (never its own arithmetic).

For each commit it records the computed overall and per-milestone progress next to what the
documents *stated* (so the weeks of "Documentation lag" from "Anti-Patterns" are visible), and
across commits it finds when each milestone started, was complete and was approved, and which
deliverables were added after it had started ("Scope creep" from the same section).

Same blob → same parse, and the same set of blobs → the same figures: each distinct content is
parsed once, whatever the number of commits that contain it. Long histories are split across
processes (``workers``) in contiguous runs of commits.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from milestone_lsp.core.commits import Change, CommitInfo, Snapshot
from milestone_lsp.core.model import Document, Milestone, ProgressClaim, Section, Status
from milestone_lsp.core.parser import parse
from milestone_lsp.core.positions import split_lines
from milestone_lsp.core.progress import (
    ProgressMethod,
    Tally,
    milestone_progress,
    milestones_list,
    overall_progress,
)
from milestone_lsp.core.syntax import normalize_name as _normalize_name
from milestone_lsp.core.workspace import Workspace

JSON_VERSION = 1
# Names repeat across hundreds of snapshots; normalising is pure, so remember it.
normalize_name = functools.lru_cache(maxsize=65536)(_normalize_name)
TrackedPredicate = Callable[[Document, str], bool]


# --- inputs -------------------------------------------------------------------------------------


# --- per-commit figures -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MilestonePoint:
    """One milestone at one commit."""

    key: str
    name: str
    path: str
    done: int
    total: int
    stated: float | None
    started: bool
    complete: bool
    approved: str | None  # the date of the approval entry, when one is logged
    logged_complete: str | None  # the date of a completion entry, when one is logged
    deliverables: tuple[tuple[str, str], ...]  # (normalised name, name as written)

    @property
    def percent(self) -> float | None:
        """Computed progress (``None`` when there is nothing to count)."""
        return 100.0 * self.done / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class Point:
    """The figures of one commit."""

    overall_done: int
    overall_total: int
    overall_stated: float | None
    milestones: tuple[MilestonePoint, ...]
    tracked: frozenset[str]

    @property
    def overall(self) -> float | None:
        """Computed overall progress (``None`` when there are no milestones)."""
        return 100.0 * self.overall_done / self.overall_total if self.overall_total else None


def _basename(path: str) -> str:
    return posixpath.basename(path.replace("\\", "/")).lower()


def _status_document(ws: Workspace) -> Document | None:
    docs = sorted(ws.status_documents(), key=lambda d: (_basename(d.path) != "status.md", d.path))
    return docs[0] if docs else None


def _claim_percent(claim: ProgressClaim) -> float | None:
    if claim.percent is not None:
        return claim.percent.value
    count = claim.count
    if count is None or count.total <= 0 or count.done > count.total:
        return None
    if claim.subject == "overall" and claim.unit and claim.unit[0].isalpha():
        unit = claim.unit.lower()
        if not (unit.startswith("milestone") or unit in ("complete", "completed", "done")):
            return None  # "12/30 tasks" is not the Calculation Method's overall
    return 100.0 * count.done / count.total


def _enclosing_milestone(doc: Document, line: int) -> Milestone | None:
    for m in doc.milestones:
        if m.heading.range.start.line <= line <= m.end_line:
            return m
    return None


def _inside_definition(doc: Document, line: int) -> bool:
    sections = [*doc.milestones, *doc.deliverables, *doc.reports]
    return any(s.heading.range.start.line <= line <= s.end_line for s in sections)


def stated_figures(ws: Workspace, status: Document | None) -> tuple[float | None, dict[str, float]]:
    """What the documents state: overall (STATUS) and per milestone (first statement wins,
    STATUS first, then progress updates and definitions)."""
    overall: float | None = None
    per_milestone: dict[str, float] = {}
    docs = sorted(ws, key=lambda d: (d is not status, d.path))
    for doc in docs:
        for claim in doc.claims:
            value = _claim_percent(claim)
            if value is None:
                continue
            line = claim.range.start.line
            if claim.subject == "overall" and doc is status and not _inside_definition(doc, line):
                if overall is None:
                    overall = value
                continue
            target: Milestone | None = None
            if claim.subject == "milestone" and claim.name:
                target = ws.find_milestone(claim.name)
            elif claim.subject in ("overall", "milestone"):
                enclosing = _enclosing_milestone(doc, line)
                if enclosing is not None:
                    target = ws.find_milestone(enclosing.name) or enclosing
            if target is not None:
                per_milestone.setdefault(normalize_name(target.name), value)
    return overall, per_milestone


def _started_by_documents(ws: Workspace, status: Document | None) -> set[str]:
    """Milestones the documents say have started: a status tag, the current milestone, an
    IN PROGRESS or ticked entry in the Milestones list, or a progress update."""
    started: set[str] = set()
    active = (Status.IN_PROGRESS, Status.DONE)
    for doc in ws:
        for m in doc.milestones:
            if m.tag is not None and m.tag.status in active:
                started.add(normalize_name(m.name))
            elif m.is_update and m.claim is not None:
                pct = _claim_percent(m.claim)
                if pct is not None and pct > 0:
                    started.add(normalize_name(m.name))
        for ref in doc.references:
            if ref.context == "current_milestone" and ref.kind == "milestone":
                found = ws.find_milestone(ref.name)
                if found is not None:
                    started.add(normalize_name(found.name))
    if status is not None:
        for item in milestones_list(status):
            if item.checked or item.status in active:
                found = ws.find_milestone(item.text)
                if found is not None:
                    started.add(normalize_name(found.name))
    return started


def _deliverables_of(ws: Workspace, milestone: Milestone) -> tuple[tuple[str, str], ...]:
    """The milestone's deliverables: its definition's list and its progress updates' lists."""
    seen: dict[str, str] = {}
    key = normalize_name(milestone.name)
    sources = [milestone] + [
        m for doc in ws for m in doc.milestones if m.is_update and normalize_name(m.name) == key
    ]
    for source in sources:
        for item in source.deliverable_items:
            if item.counts and item.depth == 0:
                name = normalize_name(item.text)
                if name:
                    seen.setdefault(name, item.text.strip())
    return tuple(seen.items())


TallyMemo = dict[tuple[str, ...], "Tally | None"]


def _section_text(doc: Document, lines_of: dict[int, list[str]], section: Section) -> str:
    lines = lines_of.get(id(doc))
    if lines is None:
        lines = lines_of[id(doc)] = split_lines(doc.text)
    return "\n".join(lines[section.heading.range.start.line : section.end_line + 1])


def _milestone_tally(
    ws: Workspace,
    m: Milestone,
    method: ProgressMethod,
    memo: TallyMemo | None,
    lines_of: dict[int, list[str]],
) -> Tally | None:
    """``milestone_progress``, remembered across commits where it cannot have changed.

    Counted by criteria, a milestone's progress depends only on its own section and the
    reports about it; when those texts are the same as at an earlier commit, so is the tally.
    (Counted by deliverables it depends on the whole workspace and is always recomputed.)
    """
    if memo is None or method != "criteria" or not any(i.counts for i in m.criteria):
        return milestone_progress(ws, m, method)
    by_path = {d.path: d for d in ws}
    parts = [m.path, _section_text(by_path[m.path], lines_of, m)]
    for report in ws.reports_for(m.name):
        doc = by_path.get(report.path)
        parts += [report.path, _section_text(doc, lines_of, report) if doc else ""]
    key = tuple(parts)
    if key not in memo:
        memo[key] = milestone_progress(ws, m, method)
    return memo[key]


def evaluate(
    docs: Sequence[Document], method: ProgressMethod, memo: TallyMemo | None = None
) -> Point:
    """The figures of one snapshot of the milestone documents (``memo``: tallies remembered
    from other snapshots)."""
    ws = Workspace(docs)
    lines_of: dict[int, list[str]] = {}
    status = _status_document(ws)
    overall = overall_progress(ws, status, method)
    stated_overall, stated = stated_figures(ws, status)
    started = _started_by_documents(ws, status)
    milestones: list[MilestonePoint] = []
    for m in ws.milestones():
        key = normalize_name(m.name)
        if any(p.key == key for p in milestones):
            continue
        tally = _milestone_tally(ws, m, method, memo, lines_of)
        done, total = (tally.done, tally.total) if tally is not None else (0, 0)
        entries = ws.decisions_for(m.name)
        approval = next((e for e in entries if e.approves), None)  # as ws.approval_for
        completion = next((e for e in entries if e.kind == "completion" and e.date), None)
        milestones.append(
            MilestonePoint(
                key=key,
                name=m.name,
                path=m.path,
                done=done,
                total=total,
                stated=stated.get(key),
                started=key in started or done > 0 or (stated.get(key) or 0) > 0,
                complete=total > 0 and done == total,
                approved=(approval.date or "undated") if approval is not None else None,
                logged_complete=completion.date if completion is not None else None,
                deliverables=_deliverables_of(ws, m),
            )
        )
    return Point(
        overall_done=overall.done if overall is not None else 0,
        overall_total=overall.total if overall is not None else 0,
        overall_stated=stated_overall,
        milestones=tuple(milestones),
        tracked=frozenset(d.path for d in docs),
    )


class Evaluator:
    """Figures per snapshot, parsing each (blob, path) once and evaluating each set once."""

    def __init__(
        self, texts: Mapping[str, str], method: ProgressMethod, tracked: TrackedPredicate
    ) -> None:
        self.texts = texts
        self.method = method
        self.tracked = tracked
        self.documents: dict[tuple[str, str], Document | None] = {}
        self.points: dict[frozenset[tuple[str, str]], Point] = {}
        self.tallies: TallyMemo = {}
        self.parsed = 0

    def document(self, path: str, blob: str) -> Document | None:
        """The parsed document of a blob at a path (``None`` when it is not a milestone file)."""
        key = (blob, path)
        if key in self.documents:
            return self.documents[key]
        text = self.texts.get(blob)
        doc: Document | None = None
        if text is not None:
            doc = parse(text, path)
            self.parsed += 1
            if not self.tracked(doc, path):
                doc = None
        self.documents[key] = doc
        return doc

    def point(self, files: Mapping[str, str]) -> Point:
        """The figures of one snapshot."""
        key = frozenset(files.items())
        found = self.points.get(key)
        if found is not None:
            return found
        docs = [
            doc
            for path, blob in sorted(files.items())
            if (doc := self.document(path, blob)) is not None
        ]
        point = evaluate(docs, self.method, self.tallies)
        self.points[key] = point
        return point


def _evaluate_run(
    states: list[dict[str, str]],
    texts: dict[str, str],
    method: ProgressMethod,
    tracked: TrackedPredicate,
) -> tuple[list[Point], int]:
    """Worker entry point: the points of a run of consecutive snapshots, and the parse count."""
    evaluator = Evaluator(texts, method, tracked)
    return [evaluator.point(files) for files in states], evaluator.parsed


def evaluate_all(
    snapshots: Sequence[Snapshot],
    texts: Mapping[str, str],
    method: ProgressMethod,
    tracked: TrackedPredicate,
    workers: int = 1,
) -> tuple[list[Point], int]:
    """The points of every snapshot, in order, and how many documents were parsed; long
    histories are split across processes."""
    distinct = {item for snap in snapshots for item in snap.files.items()}
    if workers <= 1 or len(snapshots) < 2 * workers or len(distinct) < 64:
        evaluator = Evaluator(texts, method, tracked)
        return [evaluator.point(snap.files) for snap in snapshots], evaluator.parsed
    size = -(-len(snapshots) // workers)
    runs = [list(snapshots[i : i + size]) for i in range(0, len(snapshots), size)]
    # Imported here: most histories fit one process, and `check` loads this module too.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork starts a worker without re-importing the parser; spawn where fork does not exist.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=len(runs), mp_context=context) as pool:
        futures = []
        for run in runs:
            blobs = {blob for snap in run for blob in snap.files.values()}
            futures.append(
                pool.submit(
                    _evaluate_run,
                    [dict(snap.files) for snap in run],
                    {b: texts[b] for b in blobs if b in texts},
                    method,
                    tracked,
                )
            )
        results = [future.result() for future in futures]
        return [point for points, _ in results for point in points], sum(n for _, n in results)


def any_milestone_document(doc: Document, path: str) -> bool:
    """The default tracking predicate: any document with milestone structure."""
    return doc.is_milestone_document


# --- the history --------------------------------------------------------------------------------


@dataclass(slots=True)
class Event:
    """Something that happened at a commit (started, complete, approved, a deliverable added)."""

    commit: CommitInfo
    logged: str | None = None  # the date written in the decision log, when there is one

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        out: dict[str, Any] = {
            "commit": self.commit.sha,
            "short": self.commit.short,
            "date": self.commit.date,
            "subject": self.commit.subject,
        }
        if self.logged is not None:
            out["logged"] = self.logged
        return out


@dataclass(slots=True)
class ScopeCreep:
    """A deliverable added to a milestone after the milestone had started."""

    milestone: str
    milestone_key: str
    deliverable: str
    deliverable_key: str
    added: CommitInfo
    started: CommitInfo
    path: str
    present: bool = True

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "milestone": self.milestone,
            "deliverable": self.deliverable,
            "path": self.path,
            "commit": self.added.sha,
            "short": self.added.short,
            "date": self.added.date,
            "subject": self.added.subject,
            "started_commit": self.started.sha,
            "started_date": self.started.date,
            "present": self.present,
        }


@dataclass(slots=True)
class MilestoneHistory:
    """One milestone across the history."""

    key: str
    name: str
    first_seen: CommitInfo
    started: Event | None = None
    completed: Event | None = None
    logged_complete: Event | None = None
    approved: Event | None = None
    scope_creep: list[ScopeCreep] = field(default_factory=list)
    baseline: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Row:
    """One commit of the series."""

    commit: CommitInfo
    point: Point
    changed: tuple[str, ...]


@dataclass(slots=True)
class History:
    """The whole history: the series, the milestones' events, renames and notes."""

    rows: list[Row]
    milestones: list[MilestoneHistory]
    renames: list[tuple[CommitInfo, Change]]
    method: ProgressMethod
    tolerance: float
    workspace: str = ""
    head: str = ""
    since: str | None = None
    notes: list[str] = field(default_factory=list)
    parsed: int = 0

    def lag(self, stated: float | None, computed: float | None) -> float | None:
        """How far a statement runs ahead of the computed figure (``None`` when it does not)."""
        if stated is None:
            return None
        gap = stated - (computed or 0.0)
        return round(gap, 1) if gap > self.tolerance else None

    @property
    def scope_creep(self) -> list[ScopeCreep]:
        """Every deliverable added after its milestone started, oldest first."""
        found = [c for m in self.milestones for c in m.scope_creep]
        return sorted(found, key=lambda c: (c.added.timestamp, c.milestone, c.deliverable))

    def milestone_names(self) -> list[str]:
        """Milestone names in order of first appearance."""
        return [m.name for m in self.milestones]

    def to_json(self) -> dict[str, Any]:
        """The JSON document of ``milestone-lsp history --format json`` and the server command."""
        series = []
        lag_rows = []
        for row in self.rows:
            p = row.point
            overall_lag = self.lag(p.overall_stated, p.overall)
            if overall_lag is not None:
                lag_rows.append(
                    _lag_json(row.commit, None, p.overall_stated, p.overall, overall_lag)
                )
            milestones = []
            for m in p.milestones:
                m_lag = self.lag(m.stated, m.percent)
                milestones.append(
                    {
                        "name": m.name,
                        "done": m.done,
                        "total": m.total,
                        "computed": _round(m.percent),
                        "stated": _round(m.stated),
                        "lag": m_lag,
                        "started": m.started,
                        "complete": m.complete,
                        "approved": m.approved is not None,
                    }
                )
                if m_lag is not None:
                    lag_rows.append(_lag_json(row.commit, m.name, m.stated, m.percent, m_lag))
            series.append(
                {
                    "commit": row.commit.sha,
                    "short": row.commit.short,
                    "date": row.commit.date,
                    "subject": row.commit.subject,
                    "changed": list(row.changed),
                    "overall": {
                        "done": p.overall_done,
                        "total": p.overall_total,
                        "computed": _round(p.overall),
                        "stated": _round(p.overall_stated),
                        "lag": overall_lag,
                    },
                    "milestones": milestones,
                }
            )
        return {
            "version": JSON_VERSION,
            "workspace": self.workspace,
            "head": self.head,
            "since": self.since,
            "progress_method": self.method,
            "commits": series,
            "milestones": [
                {
                    "name": m.name,
                    "first_seen": Event(m.first_seen).to_json(),
                    "started": m.started.to_json() if m.started else None,
                    "completed": m.completed.to_json() if m.completed else None,
                    "logged_complete": m.logged_complete.to_json() if m.logged_complete else None,
                    "approved": m.approved.to_json() if m.approved else None,
                    "scope_creep": [c.to_json() for c in m.scope_creep],
                }
                for m in self.milestones
            ],
            "documentation_lag": lag_rows,
            "scope_creep": [c.to_json() for c in self.scope_creep],
            "renames": [
                {
                    "commit": info.sha,
                    "short": info.short,
                    "date": info.date,
                    "from": change.old_path,
                    "to": change.new_path,
                }
                for info, change in self.renames
            ],
            "notes": list(self.notes),
        }


def _commit_from_json(data: Mapping[str, Any], prefix: str = "") -> CommitInfo:
    return CommitInfo(
        sha=str(data[f"{prefix}commit"]),
        parents=(),
        timestamp=0,
        date=str(data[f"{prefix}date"]),
        subject=str(data.get(f"{prefix}subject", "")),
    )


def scope_creep_from_json(data: Mapping[str, Any]) -> list[ScopeCreep]:
    """The scope-creep entries of a history JSON document (what MS602 needs)."""
    out = []
    for entry in data.get("scope_creep", []):
        out.append(
            ScopeCreep(
                milestone=entry["milestone"],
                milestone_key=normalize_name(entry["milestone"]),
                deliverable=entry["deliverable"],
                deliverable_key=normalize_name(entry["deliverable"]),
                added=_commit_from_json(entry),
                started=_commit_from_json(entry, "started_"),
                path=entry["path"],
                present=bool(entry["present"]),
            )
        )
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _lag_json(
    commit: CommitInfo,
    milestone: str | None,
    stated: float | None,
    computed: float | None,
    gap: float,
) -> dict[str, Any]:
    return {
        "commit": commit.sha,
        "short": commit.short,
        "date": commit.date,
        "subject": commit.subject,
        "milestone": milestone,
        "stated": _round(stated),
        "computed": _round(computed) if computed is not None else 0.0,
        "ahead_by": gap,
    }


def _changed_paths(snap: Snapshot) -> set[str]:
    out: set[str] = set()
    for change in snap.changes:
        out.add(change.old_path)
        out.add(change.new_path)
    return out


def build_history(
    snapshots: Sequence[Snapshot],
    texts: Mapping[str, str],
    *,
    method: ProgressMethod = "criteria",
    tolerance: float = 0.5,
    tracked: TrackedPredicate = any_milestone_document,
    workers: int = 1,
    renames: Sequence[tuple[CommitInfo, Change]] = (),
) -> History:
    """Fold the snapshots into the series and the milestones' events.

    A commit is kept when it changed a milestone document (before or after the change) or is
    the ``--since`` baseline; a deliverable counts as scope creep when it first appears on a
    milestone after the commit at which the milestone had started.
    """
    points, parsed = evaluate_all(snapshots, texts, method, tracked, workers)
    rows: list[Row] = []
    milestones: dict[str, MilestoneHistory] = {}
    previous: Point | None = None
    for snap, point in zip(snapshots, points, strict=True):
        relevant = _changed_paths(snap) & (
            point.tracked | (previous.tracked if previous else frozenset())
        )
        if not snap.baseline and not relevant:
            previous = point
            continue
        rows.append(Row(snap.commit, point, tuple(sorted(relevant))))
        for m in point.milestones:
            _fold(milestones, m, snap)
        previous = point
    last = rows[-1].point if rows else None
    current = {m.key: {k for k, _ in m.deliverables} for m in last.milestones} if last else {}
    for mh in milestones.values():
        for creep in mh.scope_creep:
            creep.present = creep.deliverable_key in current.get(mh.key, set())
    history = History(
        rows=rows,
        milestones=list(milestones.values()),
        renames=[r for r in renames if r[1].old_path != r[1].new_path],
        method=method,
        tolerance=tolerance,
        parsed=parsed,
    )
    return history


def _fold(milestones: dict[str, MilestoneHistory], m: MilestonePoint, snap: Snapshot) -> None:
    info = snap.commit
    mh = milestones.get(m.key)
    if mh is None:
        mh = milestones[m.key] = MilestoneHistory(m.key, m.name, info)
    mh.name = m.name
    names = dict(m.deliverables)
    if mh.started is None:
        if m.started:
            mh.started = Event(info)
            mh.baseline = set(names)
    else:
        known = {c.deliverable_key for c in mh.scope_creep}
        for key, text in m.deliverables:
            if key not in mh.baseline and key not in known:
                mh.scope_creep.append(
                    ScopeCreep(m.name, m.key, text, key, info, mh.started.commit, m.path)
                )
    if mh.completed is None and m.complete:
        mh.completed = Event(info)
    if mh.logged_complete is None and m.logged_complete is not None:
        mh.logged_complete = Event(info, m.logged_complete)
    if mh.approved is None and m.approved is not None:
        mh.approved = Event(info, m.approved)
