"""Indexing the workspace never fails silently: a setting out of its range is reported and its
default used, a file the server cannot name is skipped with a reason, and whatever else goes
wrong while indexing reaches the user as a ``window/showMessage``, not only the log."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient, client_capabilities

from tests.e2e.conftest import SERVER, TIMEOUT, copy_examples, init_params

pytestmark = pytest.mark.asyncio(loop_scope="function")

# Out of range (issue: the server accepted it, indexing ran out of memory with a traceback on
# stderr only, and the workspace stayed empty without a word to the user).
HUGE_SIZE = "max_file_size = 100000000000\n"


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    root = copy_examples(tmp_path / "ws")
    (root / ".milestone-lsp.toml").write_text(HUGE_SIZE + "debounce_ms = 0\n", encoding="utf-8")
    # A file name that is not UTF-8: it has no file:// URI the editor could open.
    (Path(os.fsdecode(bytes(root) + b"/plan-\xff.md"))).write_text(
        "# Plan\n\n## Milestone: Not Named In UTF-8\n", encoding="utf-8"
    )
    return root


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, root: Path):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(init_params(root, client_capabilities("neovim")))
    yield
    await lsp_client.shutdown_session()


async def workspace_progress(client: LanguageClient) -> dict[str, object]:
    result = await asyncio.wait_for(
        client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="milestone-lsp.workspaceProgress", arguments=[])
        ),
        TIMEOUT,
    )
    assert isinstance(result, dict)
    return result


async def test_bad_settings_and_unnameable_files_leave_the_rest_indexed(
    client: LanguageClient, root: Path
) -> None:
    progress = await workspace_progress(client)
    # The demo workspace is indexed with the default limit: its milestones are all there.
    assert progress.get("milestones"), progress
    shown = [m.message for m in client.messages]
    assert any(
        "max_file_size: must be a whole number from 0 to 1000000000, got 100000000000" in m
        for m in shown
    ), shown
    assert not any("indexing failed" in m for m in shown), shown
    logged = [m.message for m in client.log_messages]
    assert any("plan-" in m and "not valid UTF-8" in m for m in logged), logged
