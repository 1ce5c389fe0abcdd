"""One computed status, the same in every view.

A scripted project whose STATUS.md ticks two milestones: Alpha has every criterion met, Beta has
one of two open. Completed means verified, so every view counts one milestone complete of three,
says that two are ticked, and the Overall fix writes the verified figure: hover, code lens and
its command, inlay hint, the workspace-progress command, ``progress --format json``, ``report``,
``check`` and the recompute fix.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient, client_capabilities

from tests.clirun import run_cli
from tests.e2e.conftest import (
    SERVER,
    Doc,
    apply_workspace_edit,
    find_line,
    init_params,
    wait_until_indexed,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

MILESTONES = """# Milestones

## Milestone: Alpha

**Goal:** Parcels can be registered through the API
**Phase:** Phase 1

**Acceptance Criteria:**
- [x] `make test` exits 0 on a clean clone
- [x] POST /parcels returns 201 for a valid parcel

**Value Delivered:**
Clerks register parcels without the spreadsheet.

**Approval Required:** No

## Milestone: Beta

**Goal:** Customers find a parcel by its tracking number
**Phase:** Phase 2

**Acceptance Criteria:**
- [x] GET /parcels/{id} returns 404 for an unknown id
- [ ] Search answers in under 200 ms at p95 with 10,000 parcels

**Value Delivered:**
Customers stop phoning the front desk.

**Approval Required:** No

## Milestone: Gamma

**Goal:** Couriers update a parcel's position from the van
**Phase:** Phase 3

**Acceptance Criteria:**
- [ ] The courier app posts a position every 60 s while a route is open
- [ ] The map is responsive
<!-- milestone-lsp-disable-next-line MS101 -- the style guide defines it -->
- [ ] Code quality is good

**Value Delivered:**
Customers see where their parcel is.

**Approval Required:** No
"""

STATUS = """# Project Status

## Progress

**Overall:** 67% (2/3 milestones complete)

## Milestones
- [x] Alpha (Phase 1)
- [x] Beta (Phase 2)
- [ ] Gamma (Phase 3)
"""

VERIFIED, TOTAL, TICKED = 1, 3, 2


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    root = factory.mktemp("one-truth")
    (root / ".milestone-lsp.toml").write_text("debounce_ms = 0\n", encoding="utf-8")
    (root / "milestones.md").write_text(MILESTONES, encoding="utf-8")
    (root / "STATUS.md").write_text(STATUS, encoding="utf-8")
    await lsp_client.initialize_session(init_params(root, client_capabilities("neovim")))
    lsp_client.root = root  # type: ignore[attr-defined]
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


def _counted(text: str) -> tuple[int, int]:
    """The ``done/total`` (or ``done of total``) of milestones that a view wrote."""
    found = re.search(r"(\d+)(?:/| of )(\d+) milestones", text)
    assert found is not None, text
    return int(found.group(1)), int(found.group(2))


async def _hover(client: LanguageClient, uri: str, position: lsp.Position) -> str:
    result = await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=position)
    )
    assert result is not None and isinstance(result.contents, lsp.MarkupContent)
    return result.contents.value


async def _execute(client: LanguageClient, command: str, *args: Any) -> Any:
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=command, arguments=list(args))
    )


async def test_every_view_counts_the_verified_milestones(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    doc = Doc(client, root / "STATUS.md", "utf-8")
    overall = find_line(doc.text, "**Overall:**")
    seen: dict[str, tuple[int, int]] = {}

    # Hover on the Overall claim: the counting says both figures.
    hover = await _hover(client, doc.uri, doc.pos("67%"))
    assert f"{TICKED} ticked, {VERIFIED} verified complete" in hover
    seen["hover"] = _counted(hover.split("Counting:")[1])

    # The code lens on the line, and what its command answers.
    lenses = await client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=doc.uri))
    )
    lens = next(item for item in lenses or [] if item.range.start.line == overall)
    assert lens.command is not None
    assert f"{TICKED} ticked" in lens.command.title
    seen["lens"] = _counted(lens.command.title)
    (argument,) = lens.command.arguments or []
    answer = await _execute(client, lens.command.command, argument)
    seen["lens command"] = _counted(answer["markdown"].split("Counting:")[1])

    # The inlay hint after the stated percentage.
    hints = await client.text_document_inlay_hint_async(
        lsp.InlayHintParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
            range=lsp.Range(start=lsp.Position(line=0, character=0), end=doc.pos("## Milestones")),
        )
    )
    hint = next(h for h in hints or [] if h.position.line == overall)
    assert hint.label == f"computed {round(100 * VERIFIED / TOTAL, 1)}%"

    # The editor's workspace progress command.
    progress = await _execute(client, "milestone-lsp.workspaceProgress")
    seen["workspaceProgress"] = (progress["overall"]["done"], progress["overall"]["total"])

    # The Overall fix writes the verified figure.
    here = lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=0))
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
            range=here,
            context=lsp.CodeActionContext(
                diagnostics=[], only=["source.milestone-lsp.recomputeProgress"]
            ),
        )
    )
    (action,) = [a for a in actions or [] if isinstance(a, lsp.CodeAction)]
    assert action.edit is not None
    fixed = apply_workspace_edit({doc.uri: doc.text}, action.edit, "utf-8")[doc.uri]
    seen["recompute fix"] = _counted(fixed.splitlines()[overall])
    assert "**Overall:** 33% (1/3 milestones complete)" in fixed
    doc.close()

    # The command line: progress, check (its findings and its summary line) and check --fix.
    proc = run_cli("progress", "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    seen["progress --format json"] = (data["overall"]["done"], data["overall"]["total"])
    assert data["overall"]["ticked"] == TICKED

    proc = run_cli("check", "--format", "json", cwd=root)
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    rows = [(f["code"], f["range"]["start"]["line"]) for f in findings]
    assert ("MS201", find_line(STATUS, "- [x] Beta")) in rows  # the tick without verification
    (claim,) = [f for f in findings if f["code"] == "MS302"]
    seen["check"] = _counted(claim["message"].split(" but ")[1])
    proc = run_cli("check", "--exit-zero", cwd=root)
    summary = next(line for line in proc.stdout.splitlines() if line.startswith("STATUS.md:"))
    seen["check summary"] = _counted(summary)

    assert set(seen.values()) == {(VERIFIED, TOTAL)}, seen

    # The report of the ticked milestone: not complete, and its criteria as the hover counts them.
    proc = run_cli("report", "Beta", "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["status"] != "COMPLETE"
    milestones = Doc(client, root / "milestones.md", "utf-8")
    heading = await _hover(client, milestones.uri, milestones.pos("Milestone: Beta", 11))
    assert f"{report['progress']['done']}/{report['progress']['total']}" in heading
    milestones.close()

    proc = run_cli("check", "--fix", "--exit-zero", cwd=root)
    assert "**Overall:** 33% (1/3 milestones complete)" in (root / "STATUS.md").read_text("utf-8")


async def test_every_view_counts_the_vague_criteria_ms101_reports(client: LanguageClient) -> None:
    """Gamma has two vague criteria, one of them suppressed: every count says 1."""
    root: Path = client.root  # type: ignore[attr-defined]
    proc = run_cli("check", "--format", "json", cwd=root)
    findings = json.loads(proc.stdout)["findings"]
    reported = [f for f in findings if f["code"] == "MS101"]
    assert len(reported) == 1
    seen: dict[str, int] = {"check": len(reported)}

    doc = Doc(client, root / "milestones.md", "utf-8")
    hover = await _hover(client, doc.uri, doc.pos("Milestone: Gamma", 11))
    found = re.search(r"Vague criteria: (\d+)", hover)
    assert found is not None, hover
    seen["hover"] = int(found.group(1))
    answer = await _execute(
        client, "milestone-lsp.showMilestoneProgress", {"uri": doc.uri, "milestone": "Gamma"}
    )
    found = re.search(r"Vague criteria: (\d+)", answer["markdown"])
    assert found is not None, answer
    seen["lens command"] = int(found.group(1))
    doc.close()

    proc = run_cli("progress", "--format", "json", cwd=root)
    data = json.loads(proc.stdout)
    gamma = next(m for m in data["milestones"] if m["name"] == "Gamma")
    seen["progress --format json"] = gamma["vague_criteria"]
    assert set(seen.values()) == {1}, seen
