"""A document opened after the workspace index read it from disk is parsed as an edited one."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as lsp
from pygls.workspace import Workspace

from milestone_lsp.lsp.convert import path_to_uri
from milestone_lsp.lsp.server import create_server

PLAN = "# Plan\n\n## Milestone: Alpha\n\n**Goal:** Ship\n\n## Milestone: Beta\n\n**Goal:** More\n"


def test_an_open_document_read_from_disk_first_keeps_its_parts(tmp_path: Path) -> None:
    """The index's read of the file has no parts (a file on disk keeps none, to save memory);
    opening it with the same text parses it again, with the parts its edits re-use, and a
    save with the same text later does not."""
    status = tmp_path / "STATUS.md"
    status.write_text(PLAN, encoding="utf-8")
    ls = create_server()
    ls.protocol._workspace = Workspace(path_to_uri(str(tmp_path)))  # as initialize makes it
    ls.folders = [tmp_path]
    path = str(status)
    assert ls.read_from_disk(path)
    from_disk = ls.projects.get(path)
    assert from_disk is not None and not from_disk.parts

    uri = path_to_uri(path)
    ls.workspace.put_text_document(
        lsp.TextDocumentItem(uri=uri, language_id="markdown", version=1, text=PLAN)
    )
    ls.open_uris.add(uri)
    ls.opening.add(path)
    opened = ls.update_open(uri)
    assert opened is not from_disk and opened.parts

    ls.opening.discard(path)  # once analysed
    assert ls.update_open(uri) is opened  # same text (a save): nothing to parse
