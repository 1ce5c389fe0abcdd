"""Hover: milestone progress summaries, reference status, claim arithmetic, vague criteria, and
the rule behind a diagnostic."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from milestone_lsp.core.lenses import phase_at, phase_hover
from milestone_lsp.core.model import Document, Item
from milestone_lsp.core.positions import LineIndex, Position, Range
from milestone_lsp.core.summaries import (
    claim_hover,
    computed_for_claim,
    deliverable_hover,
    milestone_hover,
    milestone_summary,
    reference_hover,
)
from milestone_lsp.lsp import deferred
from milestone_lsp.lsp.catalogue import rule_notes
from milestone_lsp.lsp.diagnostics import ANSWER_WITHIN, findings_within
from milestone_lsp.lsp.state import MilestoneServer, guarded

if TYPE_CHECKING:
    from milestone_lsp.settings.config import Config


def criterion_hover(config: Config, item: Item) -> str | None:
    """Why a criterion is vague and what measurable versions look like (None if it is fine)."""
    measurability = deferred.measurability
    verdict = measurability.analyze(
        item.text, extra_vague=config.extra_vague_words, allowed=config.allowed_words
    )
    if verdict.measurable:
        return None
    lines = ["**Vague criterion**", "", measurability.headline(verdict), ""]
    lines += [f"- {reason}" for reason in verdict.reasons]
    lines += ["", "**Measurable versions:**"]
    lines += [f"- `{option}`" for option in measurability.rewrites(item.text, verdict)]
    return "\n".join(lines)


def _criteria(doc: Document) -> list[Item]:
    out = [c for m in doc.milestones for c in m.criteria]
    return out + [c for d in doc.deliverables for c in d.criteria]


def hover_markdown(ls: MilestoneServer, doc: Document, pos: Position) -> tuple[str, Range] | None:
    """The hover text at ``pos`` and the range it is about."""
    ws = ls.workspace_for(doc.path)
    config = ls.config_for(doc.path)
    method = config.progress_method
    vague = deferred.vague.vague_checker(ws, config)
    for m in doc.milestones:
        if m.heading.range.contains(pos):
            target = ws.find_milestone(m.name) or m
            return milestone_hover(milestone_summary(ws, target, method, vague)), m.heading.range
    for d in doc.deliverables:
        if d.heading.range.contains(pos):
            return deliverable_hover(ws, d), d.heading.range
    for claim in doc.claims:
        on_name = claim.name_range is not None and claim.name_range.contains(pos)
        if claim.range.contains(pos) and not on_name:
            return claim_hover(claim, computed_for_claim(ws, doc, claim, method)), claim.range
    phase = phase_at(doc, pos)
    if phase is not None:
        return phase_hover(ws, doc, phase), Range(pos, pos)
    for ref in doc.references:
        if ref.range.contains(pos):
            text = reference_hover(ws, ref, method, vague)
            if text is not None:
                return text, ref.range
    for m in doc.milestones:
        for item in m.deliverable_items:
            if item.text_range.contains(pos):
                found = ws.find_deliverable(item.text)
                if found is not None:
                    return deliverable_hover(ws, found), item.text_range
    for item in _criteria(doc):
        if item.range.contains(pos):
            text = criterion_hover(config, item)
            if text is not None:
                return text, item.text_range
    return None


def register(server: MilestoneServer) -> None:
    """Register textDocument/hover."""

    def _none() -> lsp.Hover | None:
        return None

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    @guarded(_none)
    async def hover(ls: MilestoneServer, params: lsp.HoverParams) -> lsp.Hover | None:
        await ls.ready()
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return None
        index = ls.index_for(doc.path) or LineIndex(doc.text)
        pos = ls.conv.from_position(index, params.position)
        found = hover_markdown(ls, doc, pos)
        # On a diagnostic: what its rule checks, with its page (the editor shows the message).
        # Right after an edit of a large plan, from the findings its analysis will keep.
        near = (pos.line, pos.line)
        notes = rule_notes(ls, doc, pos, await findings_within(ls, doc.path, ANSWER_WITHIN, near))
        if found is None and notes is None:
            return None
        if found is None:
            return lsp.Hover(
                contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=notes or "")
            )
        text, rng = found
        if notes is not None:
            text = f"{text}\n\n---\n\n{notes}"
        return lsp.Hover(
            contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text),
            range=ls.conv.range(index, rng),
        )
