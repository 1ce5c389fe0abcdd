"""Completion: section labels, status tags, phases, names and criterion skeletons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from milestone_lsp.core.completion import complete
from milestone_lsp.core.positions import LineIndex, Position, Range

if TYPE_CHECKING:
    from milestone_lsp.server import MilestoneServer

ITEM_KINDS = {
    "label": lsp.CompletionItemKind.Property,
    "status": lsp.CompletionItemKind.EnumMember,
    "phase": lsp.CompletionItemKind.Value,
    "milestone": lsp.CompletionItemKind.Module,
    "deliverable": lsp.CompletionItemKind.Class,
    "criterion": lsp.CompletionItemKind.Snippet,
}


def register(server: MilestoneServer) -> None:
    """Register textDocument/completion."""
    from milestone_lsp.server import guarded

    def _empty() -> lsp.CompletionList:
        return lsp.CompletionList(is_incomplete=False, items=[])

    @server.feature(
        lsp.TEXT_DOCUMENT_COMPLETION,
        lsp.CompletionOptions(trigger_characters=[":", "(", "*", "[", " "]),
    )
    @guarded(_empty)
    async def completion(ls: MilestoneServer, params: lsp.CompletionParams) -> lsp.CompletionList:
        await ls.ready()
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return _empty()
        index = ls.index_for(doc.path) or LineIndex(doc.text)
        pos = ls.conv.from_position(index, params.position)
        items = []
        for c in complete(ls.model, doc, pos):
            rng = ls.conv.range(index, Range(Position(pos.line, c.start), pos))
            items.append(
                lsp.CompletionItem(
                    label=c.label,
                    kind=ITEM_KINDS[c.kind],
                    detail=c.detail or c.kind,
                    sort_text=f"{c.rank:04d}",
                    filter_text=c.insert,
                    text_edit=lsp.TextEdit(range=rng, new_text=c.insert),
                )
            )
        return lsp.CompletionList(is_incomplete=False, items=items)
