"""Links and file operations through the real server, with VS Code's (UTF-16) and Neovim's
(UTF-8) capability sets: document links, go to definition on a link, MS404 on a broken link,
willRenameFiles rewriting links and mentions, and the index following didRename, didCreate and
didDelete without a restart."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient, client_capabilities

from tests.e2e.conftest import (
    SERVER,
    Doc,
    apply_workspace_edit,
    edits_by_uri,
    extract,
    init_params,
    wait_for_diagnostics,
    wait_until_indexed,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

STATUS = """# Project Status

## Current State
- Phase: Phase 1
- Milestone: Search Live (0% complete)

## Plans
- 🚀 The definition: [search](docs/m2.md#milestone-search-live), the list in DELIVERABLES.md
- Broken: [old plan](docs/m3.md) and [no heading](docs/m2.md#milestone-search-dead)
- Prose that names no file: notes.md
"""
M2 = """# Search

## Milestone: Search Live

**Goal:** Users find parcels by id
**Phase:** Phase 1

**Acceptance Criteria:**
- [ ] `GET /search?q=id` answers in under 200 ms at P95

**Deliverables:**
1. Search API

**Value Delivered:**
Users find their parcels.

**Approval Required:** No

See [the status](../STATUS.md#current-state).
"""
DELIVERABLES = """# Deliverables

The milestone is defined in docs/m2.md; its status is in [STATUS](STATUS.md).
"""

PROFILES = {"visual-studio-code": "utf-16", "neovim": "utf-8"}


def make_root(root: Path) -> Path:
    """The project: STATUS.md linking into docs/, a deliverables file mentioning docs/m2.md."""
    (root / ".milestone-lsp.toml").write_text("debounce_ms = 0\n", encoding="utf-8")
    (root / "docs").mkdir()
    (root / "STATUS.md").write_text(STATUS, encoding="utf-8")
    (root / "docs" / "m2.md").write_text(M2, encoding="utf-8")
    (root / "DELIVERABLES.md").write_text(DELIVERABLES, encoding="utf-8")
    return root


# One server per client profile (pytest-lsp's fixture hides other fixtures from pytest, so the
# profile is this fixture's own parameter and the workspace is made here).
@pytest_lsp.fixture(scope="module", config=SERVER, params=sorted(PROFILES))
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    profile = str(request.param)
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    root = make_root(factory.mktemp(f"links-{profile}"))
    result = await lsp_client.initialize_session(init_params(root, client_capabilities(profile)))
    lsp_client.init_result = result  # type: ignore[attr-defined]
    lsp_client.root = root  # type: ignore[attr-defined]
    lsp_client.profile = profile  # type: ignore[attr-defined]
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def root(client: LanguageClient) -> Path:
    return client.root  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def profile(client: LanguageClient) -> str:
    return client.profile  # type: ignore[attr-defined,no-any-return]


def ms404_on(text: str, encoding: str, wanted: str) -> object:
    def check(ds: Sequence[lsp.Diagnostic]) -> bool:
        return any(
            str(d.code) == "MS404" and extract(text, d.range, encoding) == wanted for d in ds
        )

    return check


async def links_of(client: LanguageClient, uri: str) -> list[lsp.DocumentLink]:
    result = await client.text_document_document_link_async(
        lsp.DocumentLinkParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    return list(result or [])


async def test_server_info(client: LanguageClient, root: Path, profile: str) -> None:
    info = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="milestone-lsp.serverInfo", arguments=[])
    )
    assert info["root"] == str(root) and info["positionEncoding"] == PROFILES[profile]
    assert info["configFile"] == str(root / ".milestone-lsp.toml")
    assert info["version"] and info["indexedDocuments"] == 3


async def test_capabilities(client: LanguageClient, profile: str) -> None:
    caps = client.init_result.capabilities  # type: ignore[attr-defined]
    assert caps.document_link_provider is not None
    operations = caps.workspace.file_operations if caps.workspace else None
    if profile == "visual-studio-code":
        # VS Code sends file operations: the server asks for markdown files and folders.
        assert operations is not None and operations.will_rename is not None
        globs = [f.pattern.glob for f in operations.will_rename.filters]
        assert any(".md" in g or "md," in g for g in globs), globs
        assert operations.did_rename is not None and operations.did_create is not None
        assert operations.did_delete is not None
    else:
        # Neovim's client declares none; its plugin sends them itself (:MilestoneRename).
        assert operations is None or operations.will_rename is None


async def test_document_links_only_where_a_file_exists(
    client: LanguageClient, root: Path, profile: str
) -> None:
    enc = PROFILES[profile]
    doc = Doc(client, root / "STATUS.md", enc)
    links = await links_of(client, doc.uri)
    shown = {extract(doc.text, link.range, enc): link.target for link in links}
    m2 = (root / "docs" / "m2.md").as_uri()
    assert shown["docs/m2.md#milestone-search-live"] == f"{m2}#L3"
    assert shown["DELIVERABLES.md"] == (root / "DELIVERABLES.md").as_uri()
    # The file exists, the heading does not: a link to the file (and MS404 on the anchor).
    assert shown["docs/m2.md#milestone-search-dead"] == m2
    assert "docs/m3.md" not in shown and "notes.md" not in shown
    # The emoji before the link makes UTF-8 and UTF-16 columns differ.
    line = doc.text.splitlines()[7]
    first = next(link for link in links if link.range.start.line == 7)
    before = line[: line.index("docs/m2.md")]
    width = len(before.encode("utf-16-le")) // 2 if enc == "utf-16" else len(before.encode())
    assert first.range.start.character == width
    doc.close()


async def test_definition_on_a_link_and_on_a_mention(
    client: LanguageClient, root: Path, profile: str
) -> None:
    enc = PROFILES[profile]
    doc = Doc(client, root / "STATUS.md", enc)

    async def definition(needle: str) -> list[lsp.Location]:
        result = await client.text_document_definition_async(
            lsp.DefinitionParams(
                text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
                position=doc.pos(needle, 3),
            )
        )
        if result is None:
            return []
        return [r for r in (result if isinstance(result, list) else [result])]  # type: ignore[misc]

    found = await definition("docs/m2.md#milestone-search-live")
    assert [loc.uri for loc in found] == [(root / "docs" / "m2.md").as_uri()]  # type: ignore[union-attr]
    assert found[0].range.start.line == 2  # type: ignore[union-attr]
    found = await definition("DELIVERABLES.md")
    assert [loc.uri for loc in found] == [(root / "DELIVERABLES.md").as_uri()]  # type: ignore[union-attr]
    assert await definition("notes.md") == []
    doc.close()


async def test_broken_links_are_reported(client: LanguageClient, root: Path, profile: str) -> None:
    enc = PROFILES[profile]
    doc = Doc(client, root / "STATUS.md", enc)
    await wait_for_diagnostics(client, doc.uri, ms404_on(doc.text, enc, "docs/m3.md"))
    diags = await wait_for_diagnostics(
        client, doc.uri, ms404_on(doc.text, enc, "milestone-search-dead")
    )
    assert not any(extract(doc.text, d.range, enc) == "notes.md" for d in diags)
    doc.close()


async def test_rename_updates_links_and_mentions_then_the_index_follows(
    client: LanguageClient, root: Path, profile: str
) -> None:
    enc = PROFILES[profile]
    status = Doc(client, root / "STATUS.md", enc)
    old, new = root / "docs" / "m2.md", root / "plan" / "search.md"
    edit = await client.workspace_will_rename_files_async(
        lsp.RenameFilesParams(files=[lsp.FileRename(old_uri=old.as_uri(), new_uri=new.as_uri())])
    )
    assert edit is not None
    texts = {
        p.as_uri(): p.read_text(encoding="utf-8")
        for p in (root / "STATUS.md", old, root / "DELIVERABLES.md")
    }
    after = apply_workspace_edit(texts, edit, enc)
    assert "[search](plan/search.md#milestone-search-live)" in after[status.uri]
    assert "[no heading](plan/search.md#milestone-search-dead)" in after[status.uri]
    assert "defined in plan/search.md;" in after[(root / "DELIVERABLES.md").as_uri()]
    # The moved file's own relative link still leads to STATUS.md from its new folder.
    assert "[the status](../STATUS.md#current-state)" in after[old.as_uri()]
    assert after[status.uri].count("docs/m3.md") == 1  # a link to another file is left alone

    # The editor applies the edit, moves the file and says so.
    status.apply(edits_by_uri(edit)[status.uri])
    assert status.text == after[status.uri]
    for path in (old, root / "DELIVERABLES.md"):
        path.write_text(after[path.as_uri()], encoding="utf-8")
    new.parent.mkdir(exist_ok=True)
    old.rename(new)
    client.workspace_did_rename_files(
        lsp.RenameFilesParams(files=[lsp.FileRename(old_uri=old.as_uri(), new_uri=new.as_uri())])
    )
    # The renamed file is known under its new name at once: the moved link is no broken
    # link, and the anchor into it is judged against its headings.
    await wait_for_diagnostics(
        client,
        status.uri,
        lambda ds: (
            not any(extract(status.text, d.range, enc) == "plan/search.md" for d in ds)
            and ms404_on(status.text, enc, "docs/m3.md")(ds)
            and ms404_on(status.text, enc, "milestone-search-dead")(ds)
        ),
    )
    links = await links_of(client, status.uri)
    assert f"{new.as_uri()}#L3" in [link.target for link in links]

    # Create the missing file: its MS404 goes. Delete DELIVERABLES.md: its link goes.
    (root / "docs" / "m3.md").write_text("# Old plan\n", encoding="utf-8")
    client.workspace_did_create_files(
        lsp.CreateFilesParams(files=[lsp.FileCreate(uri=(root / "docs" / "m3.md").as_uri())])
    )
    await wait_for_diagnostics(
        client, status.uri, lambda ds: not ms404_on(status.text, enc, "docs/m3.md")(ds)
    )
    (root / "DELIVERABLES.md").unlink()
    client.workspace_did_delete_files(
        lsp.DeleteFilesParams(files=[lsp.FileDelete(uri=(root / "DELIVERABLES.md").as_uri())])
    )
    await wait_until_indexed(client)
    links = await links_of(client, status.uri)
    assert (root / "DELIVERABLES.md").as_uri() not in [link.target for link in links]
    status.close()
