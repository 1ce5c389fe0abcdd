"""MS307: which update dates are the document's own."""

from __future__ import annotations

from milestone_lsp.rules.engine import check_document
from milestone_lsp.settings.config import Config
from tests.rulecheck import load


def _ms307(text: str) -> list[int]:
    ws = load({"STATUS.md": text})
    doc = ws.get("STATUS.md")
    assert doc is not None
    return [f.range.start.line for f in check_document(ws, doc, Config()) if f.code == "MS307"]


HEADER = "# Status\n\n**Last Updated:** 2025-12-08\n\n## Progress\n\nText.\n\n"


def test_a_footer_date_that_differs_is_reported_on_the_footer() -> None:
    assert _ms307(HEADER + "---\n\nLast updated: 2025-11-09\n") == [10]


def test_a_revision_history_at_the_end_is_not_the_documents_date() -> None:
    text = HEADER + "## Revision history\n\n- Updated: 2025-10-01 first draft\n"
    assert _ms307(text) == []


def test_the_same_day_written_differently_agrees() -> None:
    assert _ms307(HEADER + "_Last updated: December 8, 2025, 9:50 PM_\n") == []
