"""Templates in the editor: the source actions that insert them and the
``milestone-lsp.insertTemplate`` command offer the same set, chosen for the cursor's place
(:mod:`milestone_lsp.core.placement`).

Each template is inserted at a block boundary with blank lines around it, in the document's
bullet style and line endings. Clients that take snippet edits
(``workspace.workspaceEdit.snippetEditSupport``) get the placeholders as tab stops; the others
get plain text. ``insertTemplate`` with ``"snippet": true`` returns the snippet and its position
instead of applying anything, for an editor extension to insert itself (VS Code's client takes
no snippet edits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lsprotocol import types as lsp

from milestone_lsp.core.edits import TextEdit, close_open_fence
from milestone_lsp.core.model import Document, Milestone
from milestone_lsp.core.placement import (
    OFFER_KINDS,
    Fit,
    OfferKind,
    as_snippet,
    fitting,
    heading_level,
    insertion_line,
    placeholders,
    relative_report,
    template_block,
)
from milestone_lsp.core.placement import (
    prepare as prepare_layout,
)
from milestone_lsp.core.positions import Position, Range, line_index
from milestone_lsp.core.progress import criteria_tally, deliverables_tally
from milestone_lsp.core.templates import approval_entry, bullet_of, insertion_text, restyle
from milestone_lsp.core.workspace import prepare_names
from milestone_lsp.lsp import deferred
from milestone_lsp.lsp.edits import decisions_path, workspace_edit
from milestone_lsp.lsp.state import MilestoneServer

SOURCE_PREFIX = "source.milestone-lsp"
# Code action kinds: a public contract (clients filter on them); kept from earlier releases.
ACTION_KINDS: dict[OfferKind, str] = {
    **{kind: f"{SOURCE_PREFIX}.insertTemplate.{kind}" for kind in OFFER_KINDS},
    "statusReport": f"{SOURCE_PREFIX}.statusReport",
    "approval": f"{SOURCE_PREFIX}.logApproval",
}


@dataclass(frozen=True, slots=True)
class Offer:
    """One template for one place: title, the edits, and the snippet of the main insertion."""

    fit: Fit
    title: str
    edits: list[TextEdit]
    snippet: TextEdit | None  # the same insertion with tab stops, when it has placeholders


def _title(fit: Fit) -> str:
    m = fit.milestone.name if fit.milestone is not None else None
    if fit.kind == "milestone":
        return "Insert Milestone template"
    if fit.kind == "deliverable":
        return "Insert Deliverable template" + (f' (contributes to "{m}")' if m else "")
    if fit.kind == "status":
        return "Insert STATUS.md skeleton"
    if fit.kind == "milestoneVerification":
        return f'Insert Milestone Verification checklist for "{m}"'
    if fit.kind == "deliverableVerification":
        d = fit.deliverable.name if fit.deliverable is not None else ""
        return f'Insert Deliverable Verification checklist for "{d}"'
    if fit.kind == "statusReport":
        return f'Insert Milestone Status Report for "{m}"'
    return f'Log approval of "{m}" in DECISIONS.md'


def _status_report(ls: MilestoneServer, doc: Document, fit: Fit) -> str:
    """The Milestone Status Report of the fit's milestone, paths relative to the project."""
    assert fit.milestone is not None
    report = deferred.report.build_report(
        ls.workspace_for(doc.path), fit.milestone, ls.config_for(doc.path).progress_method
    )
    project = ls.projects.root_for(doc.path)
    root = str(project) if project.is_absolute() else (str(ls.root) if ls.root else "")
    return deferred.report.render_markdown(relative_report(report, root))


def approval_edits(ls: MilestoneServer, doc: Document, milestone: Milestone) -> list[TextEdit]:
    """A PENDING approval entry appended to DECISIONS.md (created when absent)."""
    ws = ls.workspace_for(doc.path)
    deliverables = deliverables_tally(ws, milestone)
    criteria = criteria_tally(ws, milestone.name, milestone.criteria, "criteria met")
    entry = approval_entry(
        milestone.name,
        deliverables=f"{deliverables.done}/{deliverables.total}" if deliverables else "N/N",
        criteria=f"{criteria.done}/{criteria.total}" if criteria else "N/N",
    )
    path = decisions_path(ls, doc.path)
    target = ls.projects.get(path)
    if target is None and not ls.exists(path):
        return [TextEdit(path, Range.of(0, 0), "# Decisions\n\n" + entry)]
    if target is None:
        ls.read_from_disk(path)
        target = ls.projects.get(path)
    text = target.text if target is not None else ""
    index = line_index(text)
    end = index.end()
    eol = index.line_ending() if text else "\n"
    sep = "" if not text else (eol if text.endswith(("\n", "\r")) else eol + eol)
    if text.endswith(("\n\n", "\r\n\r\n")):
        sep = ""
    fenced = target.fenced_lines if target is not None else frozenset()
    closing = close_open_fence(index.lines, fenced, eol)
    if closing:
        sep = ("" if text.endswith(("\n", "\r")) else eol) + closing + eol
    return [TextEdit(path, Range(end, end), sep + restyle(entry, text))]


def _offer(ls: MilestoneServer, doc: Document, fit: Fit, line: int) -> Offer:
    if fit.kind == "approval":
        # The entry goes to DECISIONS.md (created when absent), whatever the current document.
        assert fit.milestone is not None
        return Offer(fit, _title(fit), approval_edits(ls, doc, fit.milestone), None)
    level = heading_level(ls.workspace_for(doc.path), doc, fit.kind)
    if fit.kind == "statusReport":
        block = _status_report(ls, doc, fit)
    else:
        block = template_block(fit, level)
    at = insertion_line(doc, line, level)
    index = line_index(doc.text)
    pos = Position(at, 0) if at < len(index.lines) else index.end()
    text = insertion_text(block, doc.text, at, bullet_of(doc))
    edit = TextEdit(doc.path, Range(pos, pos), text)
    snippet = TextEdit(doc.path, edit.range, as_snippet(text)) if placeholders(text) else None
    return Offer(fit, _title(fit), [edit], snippet)


def prepare(doc: Document) -> None:
    """Read what the requests about ``doc`` use ahead of the first one: its names, the layout
    templates are placed in and its bullet. Pure reads of the document, each kept per part, so
    that it may run off the event loop right after ``doc`` is opened."""
    prepare_names(doc)
    prepare_layout(doc)
    bullet_of(doc)


def offers(ls: MilestoneServer, doc: Document, line: int) -> list[Offer]:
    """Every template that fits ``line`` of ``doc``, ready to insert."""
    return [_offer(ls, doc, fit, line) for fit in fitting(ls.workspace_for(doc.path), doc, line)]


def supports_snippet_edits(ls: MilestoneServer) -> bool:
    """Whether the client applies SnippetTextEdits in a WorkspaceEdit."""
    return bool(ls.capability("workspace", "workspace_edit", "snippet_edit_support"))


def offer_edit(ls: MilestoneServer, offer: Offer) -> lsp.WorkspaceEdit:
    """The WorkspaceEdit of an offer: with tab stops where the client takes snippet edits."""
    edit = workspace_edit(ls, offer.edits)
    if offer.snippet is None:
        return edit
    return with_snippet(ls, edit, offer.snippet.new_text)


def with_snippet(ls: MilestoneServer, edit: lsp.WorkspaceEdit, snippet: str) -> lsp.WorkspaceEdit:
    """``edit`` (one text edit in one document) with that edit as a SnippetTextEdit, where the
    client applies snippet edits; unchanged otherwise."""
    if not supports_snippet_edits(ls) or not edit.document_changes:
        return edit
    changes = [c for c in edit.document_changes if isinstance(c, lsp.TextDocumentEdit)]
    if len(changes) != 1 or len(changes[0].edits) != 1:
        return edit
    plain = changes[0].edits[0]
    changes[0].edits = [lsp.SnippetTextEdit(range=plain.range, snippet=lsp.StringValue(snippet))]
    return edit


def source_actions(
    ls: MilestoneServer, doc: Document, line: int, wanted: Any
) -> list[lsp.CodeAction]:
    """The template source actions for ``line`` (``wanted(kind)`` filters by requested kind)."""
    out: list[lsp.CodeAction] = []
    for offer in offers(ls, doc, line):
        kind = ACTION_KINDS[offer.fit.kind]
        if offer.edits and wanted(kind):
            out.append(lsp.CodeAction(title=offer.title, kind=kind, edit=offer_edit(ls, offer)))
    return out
