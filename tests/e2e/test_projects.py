"""Two projects in one repository, in the editor: nothing crosses from one to the other.

The repository holds ``alpha`` and ``beta``, copies of examples/ that reuse every milestone name;
beta has one more acceptance criterion of MVP Functional met. Both client profiles, and three
ways of opening it: the repository as one workspace folder, each project as a workspace folder,
and beta added as a folder while the server runs.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient, client_capabilities

from tests.e2e.conftest import (
    EXAMPLES,
    SERVER,
    open_doc,
    wait_for_diagnostics,
    wait_until_indexed,
)

CLIENTS = {"vscode": "visual-studio-code", "neovim": "neovim"}
LAYOUTS = ("one-folder", "two-folders", "added-later")


def make_repo(root: Path) -> Path:
    (root / ".git").mkdir(parents=True)
    for name in ("alpha", "beta"):
        shutil.copytree(EXAMPLES, root / name)
        (root / name / ".milestone-lsp.toml").write_text("debounce_ms = 0\n", encoding="utf-8")
    milestones = root / "beta" / "milestones.md"
    text = milestones.read_text(encoding="utf-8")
    start = text.index("## Milestone: MVP Functional")
    at = text.index("- [ ] ", start)
    milestones.write_text(text[:at] + "- [x] " + text[at + 6 :], encoding="utf-8")
    return root


def folder(path: Path) -> lsp.WorkspaceFolder:
    return lsp.WorkspaceFolder(uri=path.as_uri(), name=path.name)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


SCENARIOS = [(profile, layout) for profile in sorted(CLIENTS) for layout in LAYOUTS]


@pytest_lsp.fixture(
    config=SERVER, params=SCENARIOS, ids=[f"{client}-{layout}" for client, layout in SCENARIOS]
)
async def client(  # type: ignore[no-untyped-def]
    lsp_client: LanguageClient, repo: Path, request: pytest.FixtureRequest
):
    profile, layout = request.param
    folders = {
        "one-folder": [repo],
        "two-folders": [repo / "alpha", repo / "beta"],
        "added-later": [repo / "alpha"],
    }[layout]
    await lsp_client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities(CLIENTS[profile]),
            root_uri=folders[0].as_uri(),
            workspace_folders=[folder(f) for f in folders],
        )
    )
    await wait_until_indexed(lsp_client)
    if layout == "added-later":
        lsp_client.workspace_did_change_workspace_folders(
            lsp.DidChangeWorkspaceFoldersParams(
                event=lsp.WorkspaceFoldersChangeEvent(added=[folder(repo / "beta")], removed=[])
            )
        )
        await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


def codes(diagnostics: Sequence[lsp.Diagnostic]) -> list[str]:
    return [str(d.code) for d in diagnostics]


async def hover_text(client: LanguageClient, uri: str, line: int) -> str:
    result = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=line, character=5),
        )
    )
    assert result is not None
    contents = result.contents
    return contents.value if isinstance(contents, lsp.MarkupContent) else str(contents)


def heading_line(path: Path, heading: str) -> int:
    return path.read_text(encoding="utf-8").splitlines().index(heading)


async def test_each_project_shows_its_own_numbers(client: LanguageClient, repo: Path) -> None:
    texts = {}
    for name in ("alpha", "beta"):
        path = repo / name / "milestones.md"
        uri = open_doc(client, path)
        diagnostics = await wait_for_diagnostics(client, uri)
        # The other project defines the same milestones: no "already defined" across projects.
        assert "MS402" not in codes(diagnostics)
        for d in diagnostics:
            for info in d.related_information or []:
                assert info.location.uri.startswith((repo / name).as_uri()), (name, d)
        line = heading_line(path, "## Milestone: MVP Functional")
        texts[name] = await hover_text(client, uri, line)
    assert "1/5" in texts["alpha"] and "2/5" in texts["beta"], texts


async def test_definitions_stay_in_the_project(client: LanguageClient, repo: Path) -> None:
    status = repo / "beta" / "STATUS.md"
    uri = open_doc(client, status)
    await wait_for_diagnostics(client, uri)
    lines = status.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines) if "MVP Functional" in text)
    column = lines[line].index("MVP Functional") + 2
    found = await client.text_document_definition_async(
        lsp.DefinitionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=line, character=column),
        )
    )
    locations = found if isinstance(found, list) else [found]
    assert locations, "MVP Functional is defined in beta/milestones.md"
    for location in locations:
        assert isinstance(location, lsp.Location)
        assert location.uri.startswith((repo / "beta").as_uri()), location.uri
