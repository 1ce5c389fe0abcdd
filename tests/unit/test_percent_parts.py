"""MS308 on a document's own figure: what its component headings can and cannot contradict."""

from __future__ import annotations

from milestone_lsp.rules.engine import check_document
from milestone_lsp.settings.config import Config
from tests.rulecheck import load

BODY = """
Components are listed below.

## Components

### 1. Service (COMPLETE)

### 2. Advisor (40% Complete)

### 3. Dashboard (20% Complete)

### 4. Testing (0% Complete)
"""


def _ms308(header: str) -> list[str]:
    text = f"# Status\n\n{header}\n{BODY}"
    ws = load({"STATUS.md": text})
    doc = ws.get("STATUS.md")
    assert doc is not None
    return [f.message for f in check_document(ws, doc, Config()) if f.code == "MS308"]


def test_a_figure_far_from_its_parts_is_reported_with_the_average() -> None:
    (message,) = _ms308("**Completion**: ~75% of full system")
    assert "75%" in message and "average 40%" in message and "(100, 40, 20, 0)" in message


def test_the_calculation_methods_completed_share_is_not_reported() -> None:
    # One of four parts complete: 25% is the specification's Overall, not a contradiction.
    assert _ms308("**Completion**: 25%") == []


def test_a_figure_near_the_average_is_not_reported() -> None:
    assert _ms308("**Overall progress:** 45%") == []


def test_two_figures_in_the_header_are_ambiguous_and_not_read() -> None:
    assert _ms308("**Completion**: 75%\n**Progress**: 40%") == []
