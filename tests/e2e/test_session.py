"""A scripted editing session (VS Code capabilities, UTF-16, push).

Type a vague criterion into STATUS.md one character at a time, get MS101, apply a suggested
rewrite, see it cleared; then log an approval in DECISIONS.md and see MS501 leave STATUS.md
without STATUS.md being touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient, client_capabilities

from tests.e2e.conftest import (
    SERVER,
    TIMEOUT,
    Doc,
    copy_examples,
    edits_by_uri,
    init_params,
    rule_exists,
    wait_for_diagnostics,
    wait_until_indexed,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
ENC = "utf-16"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_examples(tmp_path_factory.mktemp("session"))


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient, root: Path):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        init_params(root, client_capabilities("visual-studio-code"))
    )
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


def on_line(code: str, line: int) -> Any:
    return lambda ds: any(str(d.code) == code and d.range.start.line == line for d in ds)


@pytest.mark.skipif(not rule_exists("MS101"), reason="MS101 (vague-criterion) not written yet")
async def test_type_vague_criterion_then_rewrite(client: LanguageClient, root: Path) -> None:
    doc = Doc(client, root / "STATUS.md", ENC)
    await wait_for_diagnostics(client, doc.uri, since=doc.initial)
    end = len(doc.text.splitlines())
    start = lsp.Position(line=end, character=0)
    doc.apply(
        [
            lsp.TextEdit(
                range=lsp.Range(start=start, end=start),
                new_text="\n## Milestone Verification: MVP Functional\n\n",
            )
        ]
    )
    line = end + 3
    doc.type_text(line, 0, "- [ ] Performance is acceptable")
    diags = await wait_for_diagnostics(client, doc.uri, on_line("MS101", line))
    vague = [d for d in diags if str(d.code) == "MS101" and d.range.start.line == line]
    result = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.uri),
            range=vague[0].range,
            context=lsp.CodeActionContext(diagnostics=vague, only=[lsp.CodeActionKind.QuickFix]),
        )
    )
    actions = [a for a in result or [] if isinstance(a, lsp.CodeAction)]
    rewrite = next(a for a in actions if a.title.startswith("Rewrite as example"))
    assert rewrite.edit is not None
    doc.apply(edits_by_uri(rewrite.edit)[doc.uri])
    assert "Performance is acceptable" not in doc.text
    await wait_for_diagnostics(client, doc.uri, lambda ds: not on_line("MS101", line)(ds))
    doc.close()


async def test_logging_approval_clears_ms501_in_status(client: LanguageClient, root: Path) -> None:
    status = Doc(client, root / "STATUS.md", ENC)
    diags = await wait_for_diagnostics(
        client,
        status.uri,
        lambda ds: "MS501" in [str(d.code) for d in ds],
        timeout=TIMEOUT if rule_exists("MS501") else 2,
        since=status.initial,
    )
    assert diags
    decisions = Doc(client, root / "DECISIONS.md", ENC)
    end = len(decisions.text.splitlines())
    pos = lsp.Position(line=end, character=0)
    entry = (
        '\n## 2026-02-14: Milestone "Authentication Complete" Approved\n\n'
        "**Context:** Phase 1 complete\n"
        "**Decision:** Approved to advance to Phase 2\n"
    )
    decisions.apply([lsp.TextEdit(range=lsp.Range(start=pos, end=pos), new_text=entry)])
    remaining = await wait_for_diagnostics(
        client,
        status.uri,
        lambda ds: all(not (str(d.code) == "MS501" and "Authentication" in d.message) for d in ds),
    )
    assert status.version == 1  # STATUS.md was never edited
    assert remaining is not None
    decisions.close()
    status.close()
