"""Plans the parser would miss are said, in the editor and in the CLI alike.

A project holds a ROADMAP.md of prose only (nothing read: MS905, information) and a
MILESTONES.md whose first milestone heading misspells its kind word (MS004, with a rename fix).
Through the real server, with VS Code's and Neovim's capability sets: both findings are
published; applying the rename fix makes the heading a milestone (its symbol appears, the finding
goes). ``check`` on the same project reports the same two findings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient, client_capabilities

from tests.clirun import run_cli
from tests.e2e.conftest import (
    SERVER,
    Doc,
    edits_by_uri,
    init_params,
    wait_for_diagnostics,
    wait_until_indexed,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
PROFILES = {"visual-studio-code": "utf-16", "neovim": "utf-8"}

ROADMAP = """# Roadmap 🗺️

Search comes first, then exports; the archive waits for the first users' feedback.
"""

MILESTONES = """# Milestones 🚀

## Milstone 2: Search 🔍

**Exit criteria:**
- [ ] p95 search latency under 200 ms on the staging data set
"""


def _project(root: Path) -> None:
    (root / ".git").mkdir()
    (root / ".milestone-lsp.toml").write_text("debounce_ms = 0\n", encoding="utf-8")
    (root / "ROADMAP.md").write_text(ROADMAP, encoding="utf-8")
    (root / "MILESTONES.md").write_bytes(MILESTONES.replace("\n", "\r\n").encode("utf-8"))


@pytest_lsp.fixture(scope="module", config=SERVER, params=sorted(PROFILES))
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    profile = str(request.param)
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    root = factory.mktemp(f"unread-{profile}")
    _project(root)
    await lsp_client.initialize_session(init_params(root, client_capabilities(profile)))
    lsp_client.root = root  # type: ignore[attr-defined]
    lsp_client.encoding = PROFILES[profile]  # type: ignore[attr-defined]
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


def _doc(client: LanguageClient, name: str) -> Doc:
    return Doc(client, client.root / name, client.encoding)  # type: ignore[attr-defined]


async def test_a_plan_with_nothing_read_is_said(client: LanguageClient) -> None:
    doc = _doc(client, "ROADMAP.md")
    diags = await wait_for_diagnostics(
        client, doc.uri, lambda ds: any(d.code == "MS905" for d in ds), since=doc.initial
    )
    [note] = [d for d in diags if d.code == "MS905"]
    assert note.severity == lsp.DiagnosticSeverity.Information
    assert note.range.start == lsp.Position(line=0, character=0)
    assert note.range.end == doc.pos("\n")
    assert "ROADMAP.md" in note.message and "docs/FORMATS.md" in note.message
    doc.close()


async def test_a_misspelt_kind_word_is_fixed_into_a_milestone(client: LanguageClient) -> None:
    doc = _doc(client, "MILESTONES.md")
    diags = await wait_for_diagnostics(
        client, doc.uri, lambda ds: any(d.code == "MS004" for d in ds), since=doc.initial
    )
    [typo] = [d for d in diags if d.code == "MS004"]
    assert typo.range.start == doc.pos("Milstone") and typo.range.end == doc.pos("Milstone", 8)
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
            range=typo.range,
            context=lsp.CodeActionContext(diagnostics=[typo]),
        )
    )
    [rename] = [
        a for a in actions or [] if isinstance(a, lsp.CodeAction) and "'Milestone'" in a.title
    ]
    assert rename.edit is not None
    before = doc.text
    doc.apply(edits_by_uri(rename.edit)[doc.uri])
    assert doc.text == before.replace("Milstone", "Milestone")
    await wait_for_diagnostics(
        client, doc.uri, lambda ds: not any(d.code == "MS004" for d in ds), since=None
    )
    symbols = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=doc.uri))
    )
    names = [s.name for s in symbols or [] if isinstance(s, lsp.DocumentSymbol)]
    stack = [s for s in symbols or [] if isinstance(s, lsp.DocumentSymbol)]
    while stack:
        sym = stack.pop()
        names.append(sym.name)
        stack.extend(sym.children or [])
    assert any("Search" in n for n in names), names
    doc.close()


async def test_check_reports_the_same_two_findings(tmp_path: Path) -> None:
    _project(tmp_path)
    result = run_cli("check", "--format", "json", "--exit-zero", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    found = {(f["path"], f["code"]) for f in json.loads(result.stdout)["findings"]}
    assert ("ROADMAP.md", "MS905") in found
    assert ("MILESTONES.md", "MS004") in found
