"""Code lens where progress is defined or claimed (milestone and deliverable headings, the
milestone, phase and overall lines of STATUS.md) and inlay hints after percentages that are out
of date."""

from __future__ import annotations

from lsprotocol import types as lsp

from milestone_lsp.core.lenses import progress_lenses
from milestone_lsp.core.positions import LineIndex
from milestone_lsp.core.progress import format_percent
from milestone_lsp.core.summaries import claim_differs, computed_for_claim
from milestone_lsp.lsp.state import MilestoneServer, guarded

SHOW_PROGRESS = "milestone-lsp.showMilestoneProgress"


def register(server: MilestoneServer) -> None:
    """Register codeLens and inlayHint."""

    def _no_lenses() -> list[lsp.CodeLens]:
        return []

    def _no_hints() -> list[lsp.InlayHint]:
        return []

    @server.feature(lsp.TEXT_DOCUMENT_CODE_LENS, lsp.CodeLensOptions(resolve_provider=False))
    @guarded(_no_lenses)
    async def code_lens(ls: MilestoneServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens]:
        await ls.ready()
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return []
        index = ls.index_for(doc.path) or LineIndex(doc.text)
        uri = params.text_document.uri
        return [
            lsp.CodeLens(
                range=ls.conv.range(index, lens.range),
                command=lsp.Command(
                    title=lens.title,
                    command=SHOW_PROGRESS,
                    # Clicking opens the hover of this position: the same summary, always.
                    arguments=[{"uri": uri, "position": ls.conv.position(index, lens.at)}],
                ),
            )
            for lens in progress_lenses(
                ls.workspace_for(doc.path), doc, ls.config_for(doc.path).progress_method
            )
        ]

    @server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT, lsp.InlayHintOptions(resolve_provider=False))
    @guarded(_no_hints)
    async def inlay_hint(ls: MilestoneServer, params: lsp.InlayHintParams) -> list[lsp.InlayHint]:
        await ls.ready()
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return []
        index = ls.index_for(doc.path) or LineIndex(doc.text)
        wanted = ls.conv.from_range(index, params.range)
        ws, config = ls.workspace_for(doc.path), ls.config_for(doc.path)
        out = []
        for claim in doc.claims:
            if claim.percent is None:
                continue
            if claim.range.end.line < wanted.start.line or claim.range.start.line > wanted.end.line:
                continue
            computed = computed_for_claim(ws, doc, claim, config.progress_method)
            if computed is None or not claim_differs(claim, computed, config.percent_tolerance):
                continue
            out.append(
                lsp.InlayHint(
                    position=ls.conv.position(index, claim.percent.range.end),
                    label=f"computed {format_percent(computed.percent)}",
                    kind=lsp.InlayHintKind.Parameter,
                    tooltip=computed.explain(),
                    padding_left=True,
                )
            )
        return out
