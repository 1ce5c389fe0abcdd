"""The rule catalogue through the real server, with VS Code's and Neovim's capability sets: the
explainRule command, the rule summary in the hover of a diagnostic, and MS903 for an unknown rule
code in a suppression comment (with its did-you-mean fix) and in the config file."""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, client_capabilities

from milestone_lsp.rules.catalogue import by_name_or_code
from milestone_lsp.rules.docs import render_rule
from tests.e2e.conftest import (
    SERVER,
    TIMEOUT,
    Doc,
    edits_by_uri,
    extract,
    init_params,
    wait_for_diagnostics,
    wait_until_indexed,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
PROFILES = {"visual-studio-code": "utf-16", "neovim": "utf-8"}
CONFIG = 'debounce_ms = 0\n\n[rules]\nMS101 = "warning"\n"vague-criteria" = "error"\n'
MILESTONES = """# Milestones

## Milestone: Foundation Complete

**Goal:** Build and test infrastructure operational
**Phase:** Phase 0

**Acceptance Criteria:**
<!-- milestone-lsp-disable-next-line MS10 -- wording agreed with the customer -->
- [ ] Performance is acceptable
- [ ] Code quality is good

**Deliverables:**
1. Build System

**Value Delivered:**
Developers can build and test every change.

**Approval Required:** No
"""


@pytest_lsp.fixture(scope="module", config=SERVER, params=sorted(PROFILES))
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    profile = str(request.param)
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    root = factory.mktemp(f"catalogue-{profile}")
    (root / ".milestone-lsp.toml").write_text(CONFIG, encoding="utf-8")
    (root / "milestones.md").write_text(MILESTONES, encoding="utf-8")
    await lsp_client.initialize_session(init_params(root, client_capabilities(profile)))
    lsp_client.root = root  # type: ignore[attr-defined]
    lsp_client.encoding = PROFILES[profile]  # type: ignore[attr-defined]
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def explain(client: LanguageClient, *args: object) -> object:
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="milestone-lsp.explainRule", arguments=list(args))
    )


async def test_explain_rule_returns_the_rule_page(client: LanguageClient) -> None:
    result = await explain(client, {"rule": "vague-criterion"})
    assert isinstance(result, dict)
    rule = by_name_or_code("MS101")
    assert rule is not None
    assert result["code"] == "MS101" and result["markdown"] == render_rule(rule)
    listed = await explain(client)
    assert isinstance(listed, dict)
    assert "MS404" in [r["code"] for r in listed["rules"]]
    with pytest.raises(JsonRpcException, match="did you mean MS101"):
        await explain(client, {"rule": "MS10"})


async def test_unknown_code_in_a_suppression_and_its_fix(client: LanguageClient) -> None:
    enc = client.encoding  # type: ignore[attr-defined]
    doc = Doc(client, client.root / "milestones.md", enc)  # type: ignore[attr-defined]
    diags = await wait_for_diagnostics(
        client, doc.uri, lambda ds: any(str(d.code) == "MS903" for d in ds)
    )
    unknown = next(d for d in diags if str(d.code) == "MS903")
    assert extract(doc.text, unknown.range, enc) == "MS10"
    assert "MS101" in unknown.message
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
            range=unknown.range,
            context=lsp.CodeActionContext(
                diagnostics=[unknown], only=[lsp.CodeActionKind.QuickFix]
            ),
        )
    )
    fix = next(
        a
        for a in actions or []
        if isinstance(a, lsp.CodeAction) and a.diagnostics and str(a.diagnostics[0].code) == "MS903"
    )
    assert fix.edit is not None
    doc.apply(edits_by_uri(fix.edit)[doc.uri])
    assert "disable-next-line MS101 --" in doc.text
    # The corrected comment now suppresses the vague criterion below it.
    line = doc.text.splitlines().index("- [ ] Performance is acceptable")
    await wait_for_diagnostics(
        client,
        doc.uri,
        lambda ds: (
            not any(str(d.code) in ("MS903", "MS901") for d in ds)
            and not any(str(d.code) == "MS101" and d.range.start.line == line for d in ds)
        ),
    )
    doc.close()


async def test_unknown_rule_key_in_the_config_file(client: LanguageClient) -> None:
    config = client.root / ".milestone-lsp.toml"  # type: ignore[attr-defined]
    uri = config.as_uri()
    while not client.diagnostics.get(uri):
        await asyncio.wait_for(
            client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), TIMEOUT
        )
    diags = list(client.diagnostics[uri])
    assert [str(d.code) for d in diags] == ["MS903"]
    assert extract(CONFIG, diags[0].range, client.encoding) == "vague-criteria"  # type: ignore[attr-defined]
    assert "vague-criterion" in diags[0].message
    # No "invalid settings" message for it: it is a finding now.
    assert not any("vague-criteria" in m.message for m in client.messages)


async def test_hover_on_a_diagnostic_names_its_rule(client: LanguageClient) -> None:
    enc = client.encoding  # type: ignore[attr-defined]
    doc = Doc(client, client.root / "milestones.md", enc)  # type: ignore[attr-defined]
    await wait_for_diagnostics(client, doc.uri, lambda ds: any(str(d.code) == "MS101" for d in ds))
    result = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
            position=doc.pos("Code quality is good", 2),
        )
    )
    assert result is not None and isinstance(result.contents, lsp.MarkupContent)
    rule = by_name_or_code("MS101")
    assert rule is not None
    assert rule.summary in result.contents.value and "vague-criterion" in result.contents.value
    doc.close()
