"""The caches and shortcuts that keep editing fast give the same answers as the plain way."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types as lsp
from lsprotocol.converters import get_converter

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.parser import parse
from milestone_lsp.core.positions import Range
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.features.edits import non_overlapping
from milestone_lsp.features.encoded import Encoded, encode, message


def _overlaps(a: TextEdit, b: TextEdit) -> bool:
    same = a.path == b.path
    crossing = a.range.start < b.range.end and b.range.start < a.range.end
    return same and (crossing or a.range == b.range)


point = st.tuples(st.integers(0, 3), st.integers(0, 3))
edit = st.builds(
    lambda path, a, b: TextEdit(path, Range.of(*min(a, b), *max(a, b)), "x"),
    st.sampled_from(["a.md", "b.md"]),
    point,
    point,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(edit, max_size=14))
def test_non_overlapping_keeps_each_edit_that_overlaps_no_earlier_kept_one(
    edits: list[TextEdit],
) -> None:
    expected: list[TextEdit] = []
    for e in edits:
        if not any(_overlaps(e, kept) for kept in expected):
            expected.append(e)
    assert non_overlapping(edits) == expected


def test_workspace_index_after_a_change_equals_a_fresh_index() -> None:
    a = parse("## Milestone: Alpha\n\n**Goal:** Ship\n", "/w/a.md")
    b = parse("## Deliverable: Beta\n\n**Output:** x\n", "/w/b.md")
    ws = Workspace([a, b])
    assert [m.name for m in ws.milestones()] == ["Alpha"]
    renamed = parse("## Milestone: Gamma\n\n**Goal:** Ship\n", "/w/a.md")
    ws.add(renamed)
    fresh = Workspace([renamed, b])
    assert [m.name for m in ws.milestones()] == [m.name for m in fresh.milestones()] == ["Gamma"]
    assert ws.find_milestone("Alpha") is None
    assert ws.find_milestone("gamma") is renamed.milestones[0]
    assert ws.find_deliverable("Beta") is b.deliverables[0]


def test_encoded_message_is_the_json_pygls_would_send() -> None:
    converter = get_converter()
    diagnostic = lsp.Diagnostic(
        range=lsp.Range(start=lsp.Position(line=1, character=2), end=lsp.Position(3, 4)),
        message="Criterion 'works well' is vague; add a threshold — e.g. «p95 < 200 ms»",
        severity=lsp.DiagnosticSeverity.Warning,
        code="MS101",
    )
    params = lsp.PublishDiagnosticsParams(uri="file:///w/a.md", diagnostics=[diagnostic], version=7)
    plain = lsp.PublishDiagnosticsNotification(
        method=lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params=params, jsonrpc="2.0"
    )
    sent = lsp.PublishDiagnosticsNotification(
        method=lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
        params=Encoded(encode(params)),  # type: ignore[arg-type]
        jsonrpc="2.0",
    )
    body = message(sent, sent.params)  # type: ignore[arg-type]
    assert body.isascii()  # Content-Length counts characters as bytes
    assert json.loads(body) == converter.unstructure(plain)

    reply = lsp.DocumentSymbolResponse(id=12, result=[])
    symbols = [
        lsp.DocumentSymbol(
            name="Milestone: Alpha",
            kind=lsp.SymbolKind.Module,
            range=lsp.Range(start=lsp.Position(0, 0), end=lsp.Position(5, 0)),
            selection_range=lsp.Range(start=lsp.Position(0, 14), end=lsp.Position(0, 19)),
        )
    ]
    expected = converter.unstructure(lsp.DocumentSymbolResponse(id=12, result=symbols))
    assert json.loads(message(reply, Encoded(encode(symbols)))) == expected


def test_completion_item_json_equals_the_item_pygls_would_send() -> None:
    from milestone_lsp.core.completion import Candidate
    from milestone_lsp.features.completion import ITEM_KINDS, _item_json

    candidate = Candidate('Search "Live" — v2', "Search Live", "milestone", 3, "Phase 2", 14)
    rng = lsp.Range(
        start=lsp.Position(line=4, character=14), end=lsp.Position(line=4, character=16)
    )
    head, tail = _item_json(candidate)
    item = lsp.CompletionItem(
        label=candidate.label,
        kind=ITEM_KINDS[candidate.kind],
        detail=candidate.detail,
        sort_text="0003",
        filter_text=candidate.insert,
        text_edit=lsp.TextEdit(range=rng, new_text=candidate.insert),
    )
    assert json.loads(head + encode(rng) + tail) == get_converter().unstructure(item)


def test_starting_the_server_loads_neither_settings_model_nor_parser() -> None:
    """`initialize` is answered before pydantic, markdown-it and the rules are imported."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from milestone_lsp.server import create_server\n"
        "create_server()\n"
        "heavy = ('pydantic', 'markdown_it', 'milestone_lsp.config', 'milestone_lsp.core.parser',"
        " 'milestone_lsp.rules.catalogue')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
