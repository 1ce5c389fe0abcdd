"""Go to definition (of milestone and deliverable names, and of links), find references and
rename for milestone and deliverable names."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams

from milestone_lsp.core.navigation import definitions, name_at, occurrences, rename_edits
from milestone_lsp.core.positions import LineIndex, Position
from milestone_lsp.lsp.convert import path_to_uri, uri_to_path
from milestone_lsp.lsp.edits import workspace_edit
from milestone_lsp.lsp.links import link_definition
from milestone_lsp.lsp.state import MilestoneServer, guarded

if TYPE_CHECKING:
    from milestone_lsp.core.navigation import NameKind


def _name_at(
    ls: MilestoneServer, uri: str, position: lsp.Position
) -> tuple[NameKind, str, lsp.Range] | None:
    doc = ls.document(uri)
    if doc is None:
        return None
    index = ls.index_for(doc.path) or LineIndex(doc.text)
    pos: Position = ls.conv.from_position(index, position)
    found = name_at(ls.workspace_for(doc.path), doc, pos)
    if found is None:
        return None
    kind, name, rng = found
    return kind, name, ls.conv.range(index, rng)


def register(server: MilestoneServer) -> None:
    """Register definition, references, prepareRename and rename."""

    def _empty() -> list[lsp.Location]:
        return []

    def _none_range() -> lsp.PrepareRenameResult | None:
        return None

    def _none_edit() -> lsp.WorkspaceEdit | None:
        return None

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    @guarded(_empty)
    async def definition(ls: MilestoneServer, params: lsp.DefinitionParams) -> list[lsp.Location]:
        await ls.ready()
        doc = ls.document(params.text_document.uri)
        if doc is not None:
            # A link, reference definition or plan-file name leads to its file or heading.
            index = ls.index_for(doc.path) or LineIndex(doc.text)
            found_link = link_definition(ls, doc, ls.conv.from_position(index, params.position))
            if found_link:
                return found_link
        found = _name_at(ls, params.text_document.uri, params.position)
        if found is None:
            return []
        kind, name, _ = found
        return [
            lsp.Location(
                uri=path_to_uri(o.path), range=ls.conv.range(ls.index_for(o.path), o.range)
            )
            for o in definitions(
                ls.workspace_for(uri_to_path(params.text_document.uri)), kind, name
            )
        ]

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    @guarded(_empty)
    async def references(ls: MilestoneServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
        await ls.ready()
        found = _name_at(ls, params.text_document.uri, params.position)
        if found is None:
            return []
        kind, name, _ = found
        include = params.context.include_declaration
        return [
            lsp.Location(
                uri=path_to_uri(o.path), range=ls.conv.range(ls.index_for(o.path), o.range)
            )
            for o in occurrences(
                ls.workspace_for(uri_to_path(params.text_document.uri)), kind, name
            )
            if include or not o.is_definition
        ]

    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    @guarded(_none_range)
    async def prepare_rename(
        ls: MilestoneServer, params: lsp.PrepareRenameParams
    ) -> lsp.PrepareRenameResult | None:
        await ls.ready()
        found = _name_at(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        _, name, rng = found
        return lsp.PrepareRenamePlaceholder(range=rng, placeholder=name)

    @server.feature(lsp.TEXT_DOCUMENT_RENAME, lsp.RenameOptions(prepare_provider=True))
    @guarded(_none_edit)
    async def rename(ls: MilestoneServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
        await ls.ready()
        if not params.new_name.strip():
            raise JsonRpcInvalidParams("the new name is empty")
        found = _name_at(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        kind, name, _ = found
        ws = ls.workspace_for(uri_to_path(params.text_document.uri))
        return workspace_edit(ls, rename_edits(ws, kind, name, params.new_name))
