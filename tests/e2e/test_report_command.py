"""The server's status report command returns what ``milestone-lsp report`` prints, to the
character, for every milestone of the examples; and it reports from the editor's unsaved text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, client_capabilities

from tests.clirun import run_cli
from tests.e2e.conftest import (
    SERVER,
    close_doc,
    copy_examples,
    init_params,
    open_doc,
    wait_until_indexed,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

MILESTONES = [
    "Foundation Complete",
    "Authentication Complete",
    "MVP Functional",
    "Enhanced Features",
]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_examples(tmp_path_factory.mktemp("report"))


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient, root: Path):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(init_params(root, client_capabilities("neovim@v0.11")))
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


def cli(root: Path, *args: str) -> str:
    proc = run_cli("report", *args, cwd=root)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


async def status_report(client: LanguageClient, arg: dict[str, Any]) -> Any:
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="milestone-lsp.statusReport", arguments=[arg])
    )


@pytest.mark.parametrize("name", MILESTONES)
async def test_server_report_equals_cli_report(
    client: LanguageClient, root: Path, name: str
) -> None:
    uri = (root / "milestones.md").as_uri()
    result = await status_report(client, {"uri": uri, "milestone": name})
    assert result["markdown"] == cli(root, name)
    assert result["report"] == json.loads(cli(root, name, "--format", "json"))


async def test_current_milestone_from_status_md(client: LanguageClient, root: Path) -> None:
    """Without a name, from STATUS.md: the current milestone, as the CLI's default."""
    uri = (root / "STATUS.md").as_uri()
    result = await status_report(client, {"uri": uri, "line": 0})
    expected = cli(root)
    assert expected.startswith("# Milestone Status: MVP Functional\n")
    assert result["markdown"] == expected


async def test_report_follows_unsaved_edits(client: LanguageClient, root: Path) -> None:
    path = root / "milestones.md"
    text = path.read_text(encoding="utf-8")
    edited = text.replace(
        "- [ ] End-to-end workflow script `scripts/e2e.sh` exits 0",
        "- [x] End-to-end workflow script `scripts/e2e.sh` exits 0",
    )
    assert edited != text
    uri = open_doc(client, path, edited)
    try:
        result = await status_report(client, {"uri": uri, "milestone": "MVP Functional"})
        assert "- Progress: 40% (2 of 5 acceptance criteria met)\n" in result["markdown"]
        assert result["report"]["progress"]["done"] == 2
    finally:
        close_doc(client, uri)
    # Back to the file on disk: the report agrees with the CLI again.
    result = await status_report(client, {"uri": uri, "milestone": "MVP Functional"})
    assert result["markdown"] == cli(root, "MVP Functional")


async def test_unknown_milestone_names_the_known_ones(client: LanguageClient, root: Path) -> None:
    uri = (root / "milestones.md").as_uri()
    with pytest.raises(JsonRpcException) as raised:
        await status_report(client, {"uri": uri, "milestone": "MVP Functionality"})
    assert "'MVP Functional'" in str(raised.value)
