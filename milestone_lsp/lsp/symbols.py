"""Document symbols, workspace symbols and folding ranges."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from milestone_lsp.core.navigation import Symbol, document_symbols, folding_ranges
from milestone_lsp.core.navigation import workspace_symbols as find_symbols
from milestone_lsp.core.positions import LineIndex
from milestone_lsp.lsp.convert import path_to_uri
from milestone_lsp.lsp.encoded import Encoded, encode
from milestone_lsp.lsp.state import MilestoneServer, guarded

if TYPE_CHECKING:
    from milestone_lsp.core.model import Document

SYMBOL_KINDS = {
    "milestone": lsp.SymbolKind.Module,
    "deliverable": lsp.SymbolKind.Class,
    "criterion": lsp.SymbolKind.Boolean,
    "report": lsp.SymbolKind.Event,
    "decision": lsp.SymbolKind.Event,
    "section": lsp.SymbolKind.Namespace,
    "item": lsp.SymbolKind.Field,
}


# Per server: path -> (document, position encoding, symbols) of the last request, so an outline
# asked for again before the next edit is not rebuilt (a 10k-line file has ~3,000 symbols).
_cache: weakref.WeakKeyDictionary[
    MilestoneServer, dict[str, tuple[Document, object, list[lsp.DocumentSymbol], Encoded]]
] = weakref.WeakKeyDictionary()


def _convert(ls: MilestoneServer, index: LineIndex, sym: Symbol) -> lsp.DocumentSymbol:
    conv = ls.conv
    selection = sym.selection_range
    if not (sym.range.start <= selection.start and selection.end <= sym.range.end):
        selection = sym.range
    return lsp.DocumentSymbol(
        name=sym.name or "(unnamed)",
        kind=SYMBOL_KINDS[sym.kind],
        range=conv.range(index, sym.range),
        selection_range=conv.range(index, selection),
        detail=sym.detail or None,
        children=[_convert(ls, index, c) for c in sym.children] or None,
    )


def register(server: MilestoneServer) -> None:
    """Register documentSymbol, workspace/symbol and foldingRange."""

    def _empty_symbols() -> list[lsp.DocumentSymbol] | Encoded:
        return []

    def _empty_ws() -> list[lsp.WorkspaceSymbol]:
        return []

    def _empty_folds() -> list[lsp.FoldingRange]:
        return []

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @guarded(_empty_symbols)
    async def document_symbol(
        ls: MilestoneServer, params: lsp.DocumentSymbolParams
    ) -> list[lsp.DocumentSymbol] | Encoded:
        doc = ls.document(params.text_document.uri)
        if doc is None or not ls.config_for(doc.path).document_symbols:
            return []
        encoding = ls.conv.encoding
        per_path = _cache.setdefault(ls, {})
        cached = per_path.get(doc.path)
        if cached is None or cached[0] is not doc or cached[1] != encoding:
            index = ls.index_for(doc.path) or LineIndex(doc.text)
            result = [_convert(ls, index, s) for s in document_symbols(doc)]
            # Serialised once per version: a 10k-line outline is ~800 kB of JSON.
            cached = (doc, encoding, result, Encoded(encode(result)))
            per_path[doc.path] = cached
        return cached[3] if ls.sends_encoded else cached[2]

    @server.feature(lsp.WORKSPACE_SYMBOL)
    @guarded(_empty_ws)
    async def workspace_symbol(
        ls: MilestoneServer, params: lsp.WorkspaceSymbolParams
    ) -> list[lsp.WorkspaceSymbol]:
        await ls.ready()
        out = []
        found = [
            hit for ws in ls.projects.workspaces.values() for hit in find_symbols(ws, params.query)
        ]
        for name, kind, path, rng in found:
            out.append(
                lsp.WorkspaceSymbol(
                    name=name,
                    kind=SYMBOL_KINDS[kind],
                    location=lsp.Location(
                        uri=path_to_uri(path), range=ls.conv.range(ls.index_for(path), rng)
                    ),
                    container_name=kind,
                )
            )
        return out

    @server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
    @guarded(_empty_folds)
    async def folding_range(
        ls: MilestoneServer, params: lsp.FoldingRangeParams
    ) -> list[lsp.FoldingRange]:
        doc = ls.document(params.text_document.uri)
        if doc is None or not ls.config_for(doc.path).folding_ranges:
            return []
        return [
            lsp.FoldingRange(start_line=a, end_line=b, kind=lsp.FoldingRangeKind.Region)
            for a, b in folding_ranges(doc)
        ]
