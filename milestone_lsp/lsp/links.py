"""Document links and go-to-definition on links: markdown links, reference definitions and
plan-file names that lead to a file or heading of the project.

The language logic is :mod:`milestone_lsp.core.links`; this module converts its answers.
Only targets that exist become links, so a word that happens to end in ``.md`` stays prose.
"""

from __future__ import annotations

import os

from lsprotocol import types as lsp

from milestone_lsp.core.links import (
    Link,
    Target,
    find_anchor,
    link_at,
    linked_documents,
    resolve,
)
from milestone_lsp.core.model import Document
from milestone_lsp.core.positions import LineIndex, Position, Range
from milestone_lsp.lsp.convert import path_to_uri
from milestone_lsp.lsp.state import MilestoneServer, empty, guarded


def _destination(link: Link, target: Target) -> tuple[str, Range, str]:
    """The target path, the range to reveal there, and a tooltip."""
    shown = os.path.basename(target.path)
    if link.anchor and target.document is not None:
        anchor = find_anchor(target.document, link.anchor)
        if anchor is not None:
            heading = anchor.heading
            where = heading.range if heading is not None else Range.of(anchor.line, 0)
            title = heading.text if heading is not None else f"#{anchor.slug}"
            return target.path, where, f"Go to '{title}' in {shown}"
    return target.path, Range.of(0, 0), f"Open {shown}"


def link_definition(ls: MilestoneServer, doc: Document, pos: Position) -> list[lsp.Location]:
    """Where the link under ``pos`` leads (empty when there is no link there)."""
    link = link_at(doc, pos)
    target = resolve(ls.workspace_for(doc.path), doc, link) if link is not None else None
    if link is None or target is None or not target.exists:
        return []
    path, where, _ = _destination(link, target)
    return [lsp.Location(uri=path_to_uri(path), range=ls.conv.range(ls.index_for(path), where))]


def document_links(ls: MilestoneServer, doc: Document) -> list[lsp.DocumentLink]:
    """Every link of ``doc`` that leads to an existing file or heading."""
    index = ls.index_for(doc.path) or LineIndex(doc.text)
    tooltips = bool(ls.capability("text_document", "document_link", "tooltip_support"))
    out: list[lsp.DocumentLink] = []
    for link, target in linked_documents(ls.workspace_for(doc.path), doc):
        path, where, tooltip = _destination(link, target)
        uri = path_to_uri(path)
        if where.start.line > 0:
            # VS Code opens `file:///x.md#L12` at line 12; other clients open the file.
            uri += f"#L{where.start.line + 1}"
        out.append(
            lsp.DocumentLink(
                range=ls.conv.range(index, link.range),
                target=uri,
                tooltip=tooltip if tooltips else None,
            )
        )
    return out


def register(server: MilestoneServer) -> None:
    """Register textDocument/documentLink."""

    @server.feature(
        lsp.TEXT_DOCUMENT_DOCUMENT_LINK, lsp.DocumentLinkOptions(resolve_provider=False)
    )
    @guarded(empty)
    async def document_link(
        ls: MilestoneServer, params: lsp.DocumentLinkParams
    ) -> list[lsp.DocumentLink]:
        await ls.ready()
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return []
        return document_links(ls, doc)
