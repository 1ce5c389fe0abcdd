"""Fix-all for a client that cannot resolve code actions: offered as a command, computed when
picked, and sent back with workspace/applyEdit; asked for by kind, it still comes with its edit.

Computing fix-all re-checks the fixed text (seconds on a large plan); without resolve support it
used to be computed on every code-action request at the cursor.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient, client_capabilities

from tests.e2e.conftest import (
    SERVER,
    Doc,
    copy_examples,
    edits_by_uri,
    init_params,
    wait_for_diagnostics,
    wait_until_indexed,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
ENC = "utf-8"
FIX_ALL = "source.fixAll.milestone-lsp"


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = copy_examples(tmp_path_factory.mktemp("fixall-command"))
    applied: list[lsp.ApplyWorkspaceEditParams] = []

    @lsp_client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        applied.append(params)
        return lsp.ApplyWorkspaceEditResult(applied=True)

    capabilities = copy.deepcopy(client_capabilities("neovim@v0.11"))
    assert capabilities.text_document is not None
    assert capabilities.text_document.code_action is not None
    capabilities.text_document.code_action.resolve_support = None
    lsp_client.applied = applied  # type: ignore[attr-defined]
    lsp_client.root = root  # type: ignore[attr-defined]
    await lsp_client.initialize_session(init_params(root, capabilities))
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


def _has_ms302(ds: list[lsp.Diagnostic]) -> bool:
    return any(str(d.code) == "MS302" for d in ds)


async def _actions(
    client: LanguageClient, doc: Doc, only: list[str] | None
) -> list[lsp.CodeAction | lsp.Command]:
    whole = lsp.Range(
        start=lsp.Position(line=0, character=0),
        end=lsp.Position(line=len(doc.text.splitlines()), character=0),
    )
    result = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
            range=whole,
            context=lsp.CodeActionContext(diagnostics=[], only=only),
        )
    )
    return [
        a
        for a in result or []
        if (isinstance(a, lsp.Command) and a.command == "milestone-lsp.fixAll")
        or (isinstance(a, lsp.CodeAction) and a.kind == FIX_ALL)
    ]


async def test_offered_with_a_command_and_applied_when_picked(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    doc = Doc(client, root / "STATUS.md", ENC)
    await wait_for_diagnostics(client, doc.uri, _has_ms302)
    [action] = await _actions(client, doc, None)
    assert isinstance(action, lsp.Command)  # no edit computed yet
    result = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=action.command, arguments=action.arguments)
    )
    assert result == {"applied": True}
    applied = client.applied[-1]  # type: ignore[attr-defined]
    doc.apply(edits_by_uri(applied.edit)[doc.uri])
    await wait_for_diagnostics(client, doc.uri, lambda ds: not _has_ms302(ds))
    doc.close()


async def test_asked_for_by_kind_it_carries_its_edit(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    doc = Doc(client, root / "STATUS.md", ENC)
    await wait_for_diagnostics(client, doc.uri, _has_ms302)
    [action] = await _actions(client, doc, ["source.fixAll"])
    assert isinstance(action, lsp.CodeAction) and action.edit is not None
    doc.close()


@pytest_lsp.fixture(scope="module", config=SERVER)
async def bare_client(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = copy_examples(tmp_path_factory.mktemp("fixall-bare"))
    capabilities = copy.deepcopy(client_capabilities("neovim@v0.11"))
    assert capabilities.text_document is not None and capabilities.workspace is not None
    assert capabilities.text_document.code_action is not None
    capabilities.text_document.code_action.resolve_support = None
    capabilities.workspace.apply_edit = None
    lsp_client.root = root  # type: ignore[attr-defined]
    await lsp_client.initialize_session(init_params(root, capabilities))
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_neither_resolve_nor_apply_edit_gets_it_by_kind_only(
    bare_client: LanguageClient,
) -> None:
    root: Path = bare_client.root  # type: ignore[attr-defined]
    doc = Doc(bare_client, root / "STATUS.md", ENC)
    await wait_for_diagnostics(bare_client, doc.uri, _has_ms302)
    assert await _actions(bare_client, doc, None) == []
    [action] = await _actions(bare_client, doc, ["source.fixAll"])
    assert isinstance(action, lsp.CodeAction) and action.edit is not None
    doc.close()
