"""A workspace of parsed documents and the name indexes that cross-file features need."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from itertools import compress
from operator import is_not
from typing import TYPE_CHECKING, TypeVar, cast

from milestone_lsp.core.model import Decision, Deliverable, Document, Milestone, Report
from milestone_lsp.core.partscan import model_by_part
from milestone_lsp.core.syntax import normalize_name

if TYPE_CHECKING:
    from milestone_lsp.core.links import ProjectRoot

_T = TypeVar("_T")

_DocEntry = tuple[
    list[tuple[str, Milestone]],
    list[tuple[str, Deliverable]],
    list[tuple[str, Report]],
    list[tuple[str, Decision]],
]


def _doc_entry(doc: Document) -> _DocEntry:
    """One document's contribution to the name indexes.

    An edited document's is put together from its parts' (each read once, and again only when
    an edit touches it): the names of each kind in the order of its parts are the names of the
    whole document in its order. The entries of the parts an edit did not touch are the very
    same objects as before, which is how :meth:`Workspace._patched` finds what changed."""
    return (
        model_by_part(doc, "milestone names", _milestone_names),
        model_by_part(doc, "deliverable names", _deliverable_names),
        model_by_part(doc, "report names", _report_names),
        model_by_part(doc, "decision names", _decision_names),
    )


def prepare_names(doc: Document) -> None:
    """Read the names of ``doc``'s parts ahead of the next indexing of a workspace holding it
    (the first request after a large plan is opened would wait for it)."""
    _doc_entry(doc)


def _milestone_names(doc: Document) -> list[tuple[str, Milestone]]:
    return [(normalize_name(m.name), m) for m in doc.milestones if not m.is_update]


def _deliverable_names(doc: Document) -> list[tuple[str, Deliverable]]:
    return [(normalize_name(d.name), d) for d in doc.deliverables]


def _report_names(doc: Document) -> list[tuple[str, Report]]:
    return [(normalize_name(r.name), r) for r in doc.reports]


def _decision_names(doc: Document) -> list[tuple[str, Decision]]:
    return [(normalize_name(c), e) for e in doc.decisions for c in e.subject_candidates]


def _entry_of(doc: Document) -> _DocEntry:
    return (
        _milestone_names(doc),
        _deliverable_names(doc),
        _report_names(doc),
        _decision_names(doc),
    )


# The most entries swapped in by a patch of the indexes (each is looked up in its name's group).
_PATCH_LIMIT = 256


def _replaced(
    old: list[tuple[str, _T]], new: list[tuple[str, _T]]
) -> list[tuple[str, _T, _T]] | None:
    """What changed from ``old`` to ``new`` (one kind of a document's entry) when only the
    objects under some names did: each such name with its old and new object. ``None`` when a
    name was added, removed, renamed or moved."""
    if len(old) != len(new):
        return None
    out: list[tuple[str, _T, _T]] = []
    for i in compress(range(len(new)), map(is_not, old, new)):
        key, was = old[i]
        now_key, now = new[i]
        if key != now_key:
            return None
        out.append((key, was, now))
    return out


def _swapped(groups: dict[str, list[_T]], changes: list[tuple[str, _T, _T]]) -> dict[str, list[_T]]:
    """``groups`` with each changed object replaced where it stands (new lists and a new dict:
    the old ones may be shared with a snapshot)."""
    if not changes:
        return groups
    out = dict(groups)
    copied: set[str] = set()
    for key, was, now in changes:
        group = out[key]
        if key not in copied:
            group = out[key] = list(group)
            copied.add(key)
        for i, item in enumerate(group):
            if item is was:
                group[i] = now
                break
    return out


class Workspace:
    """Documents by path, with definition, report and decision indexes rebuilt on change."""

    def __init__(self, documents: Iterable[Document] = ()) -> None:
        self.documents: dict[str, Document] = {}
        self._index_version = -1
        self._version = 0
        self._milestones: dict[str, list[Milestone]] = {}
        self._deliverables: dict[str, list[Deliverable]] = {}
        self._reports: dict[str, list[Report]] = {}
        self._decisions: dict[str, list[Decision]] = {}
        # Every definition, first per name first: made when first asked for after a change.
        self._milestone_list: list[Milestone] | None = []
        self._deliverable_list: list[Deliverable] | None = []
        self._entries: dict[str, tuple[Document, _DocEntry]] = {}
        self._memo: dict[Hashable, object] = {}
        self._memo_version = -1
        # Where the project is on disk, for links to files (None: unknown, documents only).
        self.project: ProjectRoot | None = None
        # The workspace this one is a snapshot of (None: it is not one).
        self.origin: Workspace | None = None
        for doc in documents:
            self.add(doc)

    # -- mutation ------------------------------------------------------------------------------

    def add(self, doc: Document) -> None:
        """Add or replace a document."""
        self.documents[doc.path] = doc
        self._version += 1

    def remove(self, path: str) -> None:
        """Forget a document."""
        if self.documents.pop(path, None) is not None:
            self._version += 1

    def snapshot(self) -> Workspace:
        """A copy of the document set as it is now, that later changes of this one do not reach.

        For an analysis that runs while the documents go on changing (the server checks off its
        event loop). The copy shares the documents (immutable) and the name indexes as they are
        now (built here once; they are replaced on change, never changed in place). ``origin`` is
        this workspace, for what is handed to the live one (the history's findings).
        """
        self._ensure_index()  # built once, here, and shared: its tables are never changed
        copy = Workspace()
        copy.documents = dict(self.documents)
        copy._version = self._version
        copy._entries = self._entries
        copy._milestones = self._milestones
        copy._deliverables = self._deliverables
        copy._reports = self._reports
        copy._decisions = self._decisions
        copy._milestone_list = self._milestone_list
        copy._deliverable_list = self._deliverable_list
        copy._index_version = self._index_version
        copy.project = self.project
        copy.origin = self.origin or self
        return copy

    def touch(self) -> None:
        """Note a change that the documents do not show (a file created or deleted on disk)."""
        self._version += 1

    @property
    def version(self) -> int:
        """Bumped on every change of the document set (for caches of cross-file results)."""
        return self._version

    def cached(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """``compute()``, remembered under ``key`` until the document set changes.

        Results about the whole workspace (which document is the decision log, which status
        items are ticked) are asked for once per finding; recomputing them each time made
        checking a workspace quadratic in its number of files.
        """
        if self._memo_version != self._version:
            self._memo = {}
            self._memo_version = self._version
        if key in self._memo:
            return cast(_T, self._memo[key])
        value = compute()
        self._memo[key] = value
        return value

    def get(self, path: str) -> Document | None:
        """The document at ``path``, if known."""
        return self.documents.get(path)

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents.values())

    # -- indexes -------------------------------------------------------------------------------

    def _ensure_index(self) -> None:
        version = self._version  # what the index is made for, should a change come meanwhile
        if self._index_version == version:
            return
        if self._patched():
            self._index_version = version
            return
        milestones: dict[str, list[Milestone]] = {}
        deliverables: dict[str, list[Deliverable]] = {}
        reports: dict[str, list[Report]] = {}
        decisions: dict[str, list[Decision]] = {}
        previous = self._entries
        entries: dict[str, tuple[Document, _DocEntry]] = {}
        for path in sorted(self.documents):
            doc = self.documents[path]
            known = previous.get(path)
            # A document that did not change keeps its normalised names (one edit re-indexes
            # one document, not the workspace).
            entry = known[1] if known is not None and known[0] is doc else _doc_entry(doc)
            entries[path] = (doc, entry)
            for key, m in entry[0]:
                milestones.setdefault(key, []).append(m)
            for key, d in entry[1]:
                deliverables.setdefault(key, []).append(d)
            for key, r in entry[2]:
                reports.setdefault(key, []).append(r)
            for key, e in entry[3]:
                decisions.setdefault(key, []).append(e)
        self._milestones = milestones
        self._deliverables = deliverables
        self._reports = reports
        self._decisions = decisions
        self._entries = entries  # last, as in _patched
        self._milestone_list = None
        self._deliverable_list = None
        self._index_version = version

    def _patched(self) -> bool:
        """Bring the indexes up to date from the last ones when a single document changed and
        none of its names did (an edit within a section): only the changed sections' entries
        are swapped in, instead of indexing every name of the workspace again."""
        previous = self._entries
        if not previous or len(previous) != len(self.documents):
            return False
        changed: list[str] = []
        for path, doc in self.documents.items():
            known = previous.get(path)
            if known is None:
                return False
            if known[0] is not doc:
                changed.append(path)
                if len(changed) > 1:
                    return False
        if not changed:
            return True
        path = changed[0]
        doc = self.documents[path]
        old = previous[path][1]
        entry = _doc_entry(doc)
        milestones = _replaced(old[0], entry[0])
        deliverables = _replaced(old[1], entry[1])
        reports = _replaced(old[2], entry[2])
        decisions = _replaced(old[3], entry[3])
        if milestones is None or deliverables is None or reports is None or decisions is None:
            return False
        if len(milestones) + len(deliverables) + len(reports) + len(decisions) > _PATCH_LIMIT:
            return False  # most of the document was read again: indexing it afresh is as quick
        self._milestones = _swapped(self._milestones, milestones)
        self._deliverables = _swapped(self._deliverables, deliverables)
        self._reports = _swapped(self._reports, reports)
        self._decisions = _swapped(self._decisions, decisions)
        if milestones:
            self._milestone_list = None
        if deliverables:
            self._deliverable_list = None
        # Last: the entries say what the tables above were made from.
        self._entries = {**previous, path: (doc, entry)}
        return True

    def milestones(self) -> list[Milestone]:
        """Every milestone definition (progress updates excluded), first per name first."""
        self._ensure_index()
        if self._milestone_list is None:
            self._milestone_list = [m for group in self._milestones.values() for m in group]
        return list(self._milestone_list)

    def deliverables(self) -> list[Deliverable]:
        """Every deliverable definition."""
        self._ensure_index()
        if self._deliverable_list is None:
            self._deliverable_list = [d for group in self._deliverables.values() for d in group]
        return list(self._deliverable_list)

    def milestone_groups(self) -> dict[str, list[Milestone]]:
        """Milestone definitions grouped by normalised name."""
        self._ensure_index()
        return self._milestones

    def deliverable_groups(self) -> dict[str, list[Deliverable]]:
        """Deliverable definitions grouped by normalised name."""
        self._ensure_index()
        return self._deliverables

    def find_milestone(self, name: str) -> Milestone | None:
        """The milestone a name refers to, comparing normalised names."""
        self._ensure_index()
        key = normalize_name(name)
        found = self._milestones.get(key)
        if found:
            return found[0]
        if key and not key.endswith(" complete"):
            found = self._milestones.get(key + " complete")
            if found:
                return found[0]
        return None

    def find_deliverable(self, name: str) -> Deliverable | None:
        """The deliverable a name refers to."""
        self._ensure_index()
        found = self._deliverables.get(normalize_name(name))
        return found[0] if found else None

    def reports_for(self, name: str) -> list[Report]:
        """Verification checklists and status reports about ``name``."""
        self._ensure_index()
        key = normalize_name(name)
        out = list(self._reports.get(key, []))
        if key.endswith(" complete"):
            out.extend(self._reports.get(key[: -len(" complete")], []))
        return out

    def decisions_for(self, name: str) -> list[Decision]:
        """DECISIONS.md entries about ``name`` (approval and completion logs)."""
        self._ensure_index()
        return list(self._decisions.get(normalize_name(name), []))

    def approval_for(self, milestone: Milestone) -> Decision | None:
        """The entry that approves ``milestone``, if one was logged."""
        for entry in self.decisions_for(milestone.name):
            if entry.approves:
                return entry
        return None

    def status_documents(self) -> list[Document]:
        """Documents with STATUS.md structure."""
        return [d for d in self.documents.values() if d.status_sections]
