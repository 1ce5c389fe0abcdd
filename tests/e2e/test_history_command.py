"""The progress history through the real server: MS602 arrives in the background after the
first diagnostics, and ``milestone-lsp.progressHistory`` returns exactly what the CLI prints.

The workspace is the scripted git repository of tests/gitrepo.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, client_capabilities

from tests.e2e.conftest import (
    SERVER,
    TIMEOUT,
    Doc,
    init_params,
    wait_for_diagnostics,
    wait_for_log,
    wait_until_indexed,
)
from tests.e2e.test_pull import PULL_CAPABILITIES
from tests.gitrepo import build, git, needs_git

pytestmark = [pytest.mark.asyncio(loop_scope="module"), needs_git]
COMMAND = "milestone-lsp.progressHistory"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("history-e2e") / "project"
    return root, build(root)


@pytest.fixture(scope="module")
def root(repo: tuple[Path, list[str]]) -> Path:
    return repo[0]


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient, root: Path):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(init_params(root, client_capabilities("neovim")))
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


def close(client: LanguageClient, uri: str) -> None:
    client.text_document_did_close(
        lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )


async def execute(client: LanguageClient, *args: Any) -> Any:
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=COMMAND, arguments=list(args))
    )


def cli_json(root: Path, *extra: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "milestone_lsp", "history", str(root), "--format", "json", *extra],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


async def test_scope_creep_diagnostics_arrive(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "plan" / "MILESTONES.md", "utf-8")
    lines = doc.text.splitlines()

    def has_both(ds: Any) -> bool:
        return sum(1 for d in ds if str(d.code) == "MS602") == 2

    diags = await wait_for_diagnostics(client, doc.uri, has_both, timeout=3 * TIMEOUT)
    creep = sorted((d for d in diags if str(d.code) == "MS602"), key=lambda d: d.range.start.line)
    assert [lines[d.range.start.line][d.range.start.character :].strip() for d in creep] == [
        "Monitoring dashboard",
        "Search analytics",
    ]
    assert all(d.severity == lsp.DiagnosticSeverity.Information for d in creep)
    close(client, doc.uri)


async def test_edit_keeps_history_findings_in_step_with_the_text(
    client: LanguageClient, root: Path
) -> None:
    doc = Doc(client, root / "plan" / "MILESTONES.md", "utf-8")
    line = next(n for n, text in enumerate(doc.text.splitlines()) if "Search analytics" in text)
    doc.apply(
        [
            lsp.TextEdit(
                range=lsp.Range(
                    start=lsp.Position(line=line, character=0),
                    end=lsp.Position(line=line + 1, character=0),
                ),
                new_text="",
            )
        ]
    )

    def only_foundation(ds: Any) -> bool:
        return [str(d.code) for d in ds].count("MS602") == 1

    diags = await wait_for_diagnostics(client, doc.uri, only_foundation)
    [creep] = [d for d in diags if str(d.code) == "MS602"]
    assert "Monitoring dashboard" in creep.message
    close(client, doc.uri)


async def test_command_returns_the_cli_json(client: LanguageClient, root: Path) -> None:
    expected = cli_json(root)
    assert await execute(client) == {"json": expected}
    assert await execute(client, {"format": "json"}) == {"json": expected}


async def test_command_since(client: LanguageClient, repo: tuple[Path, list[str]]) -> None:
    root, shas = repo
    result = await execute(client, {"since": shas[4]})
    assert result == {"json": cli_json(root, "--since", shas[4])}
    assert result["json"]["commits"][0]["commit"] == shas[4]


async def test_command_html(client: LanguageClient) -> None:
    result = await execute(client, {"format": "html"})
    page = result["html"]
    assert "<svg" in page and 'class="computed"' in page
    assert "http:" not in page.lower() and "https:" not in page.lower()
    assert "<script" not in page.lower()


@pytest.mark.parametrize(
    "args",
    [
        ["not an object"],
        [{"format": "pdf"}],
        [{"since": 3}],
        [{"since": ""}],
        [{"formats": "json"}],
    ],
)
async def test_invalid_arguments(client: LanguageClient, args: list[Any]) -> None:
    with pytest.raises(JsonRpcException) as caught:
        await execute(client, *args)
    assert caught.value.code == -32602
    assert COMMAND in caught.value.message


@pytest.mark.parametrize(
    ("since", "says"),
    [("no-such-tag", "unknown revision 'no-such-tag'"), ("--all", "'--all' is not a revision")],
)
async def test_unusable_revision(client: LanguageClient, since: str, says: str) -> None:
    with pytest.raises(JsonRpcException) as caught:
        await execute(client, {"since": since})
    assert caught.value.code == -32803
    assert says in caught.value.message


@pytest.fixture(scope="module")
def plain_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("no-git")
    (root / ".milestone-lsp.toml").write_text("debounce_ms = 0\n", encoding="utf-8")
    (root / "STATUS.md").write_text("# Project Status\n\n## Milestones\n- [ ] Foundation\n")
    return root


@pytest_lsp.fixture(scope="module", config=SERVER)
async def plain_client(lsp_client: LanguageClient, plain_root: Path):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        init_params(plain_root, client_capabilities("visual-studio-code"))
    )
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_not_a_repository(plain_client: LanguageClient) -> None:
    with pytest.raises(JsonRpcException) as caught:
        await execute(plain_client)
    assert caught.value.code == -32803
    assert "not inside a git repository" in caught.value.message
    assert "git init" in caught.value.message


@pytest.fixture(scope="module")
def pull_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history-pull") / "project"
    build(root)
    return root


@pytest_lsp.fixture(scope="module", config=SERVER)
async def pull_client(lsp_client: LanguageClient, pull_root: Path):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(init_params(pull_root, PULL_CAPABILITIES))
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_pull_client_gets_scope_creep_once_the_history_is_read(
    pull_client: LanguageClient, pull_root: Path
) -> None:
    # The server logs when the history has been read, then asks the client to pull again.
    await wait_for_log(pull_client, "history read at", timeout=3 * TIMEOUT)
    doc = Doc(pull_client, pull_root / "plan" / "MILESTONES.md", "utf-16")
    report = await pull_client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=doc.uri))
    )
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
    lines = doc.text.splitlines()
    creep = [d for d in report.items if str(d.code) == "MS602"]
    assert sorted(lines[d.range.start.line].strip() for d in creep) == [
        "3. Monitoring dashboard",
        "3. Search analytics",
    ]
    assert pull_client.diagnostics == {}  # pull, never push
    close(pull_client, doc.uri)


async def test_a_new_commit_is_read_after_a_save(
    pull_client: LanguageClient, pull_root: Path
) -> None:
    plan = pull_root / "plan" / "MILESTONES.md"
    text = plan.read_text(encoding="utf-8").replace(
        "3. Search analytics\n", "3. Search analytics\n4. Search export\n"
    )
    plan.write_text(text, encoding="utf-8")
    git(pull_root, "commit", "-q", "-am", "Export too", date="2026-02-03T09:00:00+00:00")
    head = git(pull_root, "rev-parse", "HEAD")
    pull_client.text_document_did_save(
        lsp.DidSaveTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=plan.as_uri()))
    )
    await wait_for_log(pull_client, f"history read at {head[:7]}", timeout=3 * TIMEOUT)
    report = await pull_client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=plan.as_uri()))
    )
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
    creep = [d for d in report.items if str(d.code) == "MS602"]
    export = [d for d in creep if "Search export" in d.message]
    assert len(creep) == 3 and len(export) == 1
    assert head[:7] in export[0].message


@pytest.fixture(scope="module")
def young_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history-young") / "project"
    build(root, steps=1)  # one commit: nothing was added after a milestone started
    return root


@pytest_lsp.fixture(scope="module", config=SERVER)
async def young_client(lsp_client: LanguageClient, young_root: Path):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(init_params(young_root, client_capabilities("neovim")))
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_a_history_that_changes_no_finding_costs_no_recheck(
    young_client: LanguageClient,
) -> None:
    # An empty history says what an unknown one says: the open documents are not re-checked
    # (on a 10k-line plan that re-check held every request behind it for most of a second).
    await wait_for_log(young_client, "history read at", timeout=3 * TIMEOUT)
    read = [m.message for m in young_client.log_messages if "history read at" in m.message]
    assert read and read[-1].endswith(
        "0 deliverables added after their milestone started; no finding changes"
    )


async def test_a_history_with_additions_is_published(client: LanguageClient) -> None:
    await wait_for_log(client, "history read at", timeout=3 * TIMEOUT)
    read = [m.message for m in client.log_messages if "history read at" in m.message]
    assert read and not any(m.endswith("no finding changes") for m in read)
