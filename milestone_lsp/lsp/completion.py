"""Completion: section labels, status tags, phases, names and criterion skeletons."""

from __future__ import annotations

import json
from functools import lru_cache

from lsprotocol import types as lsp

from milestone_lsp.core.completion import Candidate, complete
from milestone_lsp.core.positions import LineIndex, Position, Range
from milestone_lsp.lsp.encoded import Encoded, encode
from milestone_lsp.lsp.state import MilestoneServer, guarded

ITEM_KINDS = {
    "label": lsp.CompletionItemKind.Property,
    "status": lsp.CompletionItemKind.EnumMember,
    "phase": lsp.CompletionItemKind.Value,
    "milestone": lsp.CompletionItemKind.Module,
    "deliverable": lsp.CompletionItemKind.Class,
    "criterion": lsp.CompletionItemKind.Snippet,
}


@lru_cache(maxsize=4096)
def _item_json(c: Candidate) -> tuple[str, str]:
    """A completion item's JSON around the place where its edit's range goes."""
    head = json.dumps(
        {
            "label": c.label,
            "kind": int(ITEM_KINDS[c.kind]),
            "detail": c.detail or c.kind,
            "sortText": f"{c.rank:04d}",
            "filterText": c.insert,
        },
        separators=(",", ":"),
    )
    tail = json.dumps(c.insert)
    return head[:-1] + ',"textEdit":{"range":', ',"newText":' + tail + "}}"


def register(server: MilestoneServer) -> None:
    """Register textDocument/completion."""

    def _empty() -> lsp.CompletionList | Encoded:
        return lsp.CompletionList(is_incomplete=False, items=[])

    @server.feature(
        lsp.TEXT_DOCUMENT_COMPLETION,
        lsp.CompletionOptions(trigger_characters=[":", "(", "*", "[", " "]),
    )
    @guarded(_empty)
    async def completion(
        ls: MilestoneServer, params: lsp.CompletionParams
    ) -> lsp.CompletionList | Encoded:
        await ls.ready()
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return _empty()
        index = ls.index_for(doc.path) or LineIndex(doc.text)
        pos = ls.conv.from_position(index, params.position)
        candidates = complete(ls.workspace_for(doc.path), doc, pos)
        if ls.sends_encoded:
            # After "Contributes To:" every milestone is a candidate (hundreds in a large
            # workspace): each item's JSON is made once and only its range is filled in.
            ranges: dict[int, str] = {}
            parts = []
            for c in candidates:
                if c.start not in ranges:
                    rng = ls.conv.range(index, Range(Position(pos.line, c.start), pos))
                    ranges[c.start] = encode(rng)
                head, tail = _item_json(c)
                parts.append(head + ranges[c.start] + tail)
            return Encoded('{"isIncomplete":false,"items":[' + ",".join(parts) + "]}")
        items = []
        for c in candidates:
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
