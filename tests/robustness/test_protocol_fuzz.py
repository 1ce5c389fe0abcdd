"""Edit-sequence fuzzing through the real server over stdio.

A seeded generator sends random incremental didChange events — edits that split or join CRLF
pairs, columns inside surrogate pairs and UTF-8 sequences, columns past the end of a line, lines
past the end of the document, several changes per event, whole-document replacements — to the
server started as a subprocess, once with UTF-16 positions (VS Code's capabilities, pull
diagnostics) and once with UTF-8 (Neovim 0.11's, push diagnostics). After every sequence:

- the server's text equals the client's: the ``milestone-lsp.documentState`` command (which a
  user can run from the editor too) answers the SHA-256, length and version of what it holds;
- its diagnostics for the final version equal those of a fresh didOpen of the final text;
- it still answers requests (hover, symbols).

The client applies edits with its own small model of the LSP position rules, written here
independently of the server's code (it counts code units with Python's codecs). ``make test``
runs a bounded number of sequences; ``PROTOCOL_FUZZ_SEQUENCES=200`` runs a longer campaign.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient, client_capabilities

from tests.e2e.conftest import SERVER, TIMEOUT, copy_examples, init_params, wait_until_indexed

SEQUENCES = int(os.environ.get("PROTOCOL_FUZZ_SEQUENCES", "4"))
EDITS_PER_SEQUENCE = int(os.environ.get("PROTOCOL_FUZZ_EDITS", "40"))
DOCUMENT_STATE = "milestone-lsp.documentState"

# Snippets the generator inserts: milestone syntax that changes the findings, and the characters
# that break naive position arithmetic.
SNIPPETS = (
    "- [ ] Performance is acceptable\n",
    "- [x] Auth test suite passing (47/47)\n",
    "## Milestone: MVP Functional\n",
    "**Acceptance Criteria:**\n",
    "Progress: 40%\n",
    "(65% complete)",
    "```\n",
    "<!-- milestone-lsp-disable-next-line MS101 -->\n",
    "| a | b |\n|---|---|\n",
    "😀",
    "👩‍💻",
    "𝄞x",
    "e\u0301",
    "\u05e9\u05dc\u05d5\u05dd",
    "\u2028",
    "\x0c",
    "\x0b",
    "\x85",
    "\x00",
    "\r\n",
    "\r",
    "\n",
    "\r\r\n\n",
    "x",
    "",
)

_BREAK = re.compile(r"\r\n|\r|\n")


# -- the client's model of LSP positions (independent of milestone_lsp.core) ----------------------


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end-before-terminator) offsets of each line, terminators being LF, CRLF, CR."""
    spans = []
    start = 0
    for match in _BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _codec(encoding: str) -> tuple[str, int]:
    return ("utf-16-le", 2) if encoding == "utf-16" else ("utf-8", 1)


def units_of(s: str, encoding: str) -> int:
    """Length of ``s`` in code units of ``encoding``."""
    codec, size = _codec(encoding)
    return len(s.encode(codec, "surrogatepass")) // size


def to_offset(text: str, line: int, character: int, encoding: str) -> int:
    """The code-point offset a wire position means.

    Past the last line: the end of the text. Past the end of a line: the end of that line
    (before its terminator). Inside a character: the start of that character.
    """
    spans = line_spans(text)
    if line >= len(spans):
        return len(text)
    start, end = spans[line]
    seen = 0
    for i in range(start, end):
        width = units_of(text[i], encoding)
        if seen + width > character:
            return i
        seen += width
    return end


def to_wire(text: str, offset: int, encoding: str) -> lsp.Position:
    """The wire position of a code-point offset."""
    for n, (start, end) in enumerate(line_spans(text)):
        if start <= offset <= end:
            return lsp.Position(line=n, character=units_of(text[start:offset], encoding))
    raise AssertionError(f"offset {offset} is inside a line terminator")


def apply_change(text: str, change: Any, encoding: str) -> str:
    """The client's text after one content change."""
    if isinstance(change, lsp.TextDocumentContentChangeWholeDocument):
        return change.text
    r = change.range
    start = to_offset(text, r.start.line, r.start.character, encoding)
    end = to_offset(text, r.end.line, r.end.character, encoding)
    return text[:start] + change.text + text[end:]


# -- the edit generator -------------------------------------------------------------------------


def _span(line: int, start: int, end_line: int, end: int) -> lsp.Range:
    return lsp.Range(
        start=lsp.Position(line=line, character=start),
        end=lsp.Position(line=end_line, character=end),
    )


def random_change(rnd: random.Random, text: str, encoding: str) -> Any:
    """One content change aimed at the places where position arithmetic goes wrong."""
    spans = line_spans(text)
    new_text = rnd.choice(SNIPPETS)
    kind = rnd.randrange(10)
    if kind == 0 and "\r\n" in text:
        # Replace a CRLF pair by something that keeps only one half, or splits it around text.
        at = rnd.choice([m.start() for m in re.finditer("\r\n", text)])
        start = to_wire(text, at, encoding)
        return lsp.TextDocumentContentChangePartial(
            range=_span(start.line, start.character, start.line + 1, 0),
            text=rnd.choice(["\r", "\n", "\rX\n", "X", "\n\r"]),
        )
    if kind == 1:
        # A column past the end of the line (where a CRLF pair's middle would be, and beyond).
        line = rnd.randrange(len(spans))
        start, end = spans[line]
        past = units_of(text[start:end], encoding) + rnd.choice([1, 2, 50])
        return lsp.TextDocumentContentChangePartial(
            range=_span(line, past, line, past), text=new_text
        )
    if kind == 2:
        # Inside a multi-unit character: between the halves of a surrogate pair in UTF-16, or
        # after the first byte of a UTF-8 sequence.
        wide = [i for i, ch in enumerate(text) if units_of(ch, encoding) > 1]
        if wide:
            at = rnd.choice(wide)
            pos = to_wire(text, at, encoding)
            inside = pos.character + rnd.randrange(1, units_of(text[at], encoding))
            end = inside + rnd.choice([0, 0, 1, 3])
            return lsp.TextDocumentContentChangePartial(
                range=_span(pos.line, inside, pos.line, end), text=new_text
            )
    if kind == 3:
        # At the very end: the end of the last line, or lines past the end.
        last = len(spans) - 1
        end_col = units_of(text[spans[last][0] : spans[last][1]], encoding)
        where = rnd.choice([(last, end_col), (last + 1, 0), (last + 5, 7)])
        return lsp.TextDocumentContentChangePartial(range=_span(*where, *where), text=new_text)
    if kind == 4 and rnd.random() < 0.2:
        return lsp.TextDocumentContentChangeWholeDocument(text=text[: len(text) // 2] + new_text)
    # A random replacement (often a deletion) between two positions, start first.
    a = rnd.randrange(len(text) + 1)
    b = min(len(text), a + rnd.choice([0, 0, 1, 2, 5, 40]))
    start_pos, end_pos = to_wire_safe(text, a, encoding), to_wire_safe(text, b, encoding)
    return lsp.TextDocumentContentChangePartial(
        range=lsp.Range(start=start_pos, end=end_pos),
        text=new_text if rnd.random() < 0.7 else "",
    )


def to_wire_safe(text: str, offset: int, encoding: str) -> lsp.Position:
    """:func:`to_wire`, moving an offset inside a CRLF pair to the pair's start."""
    if 0 < offset < len(text) and text[offset - 1 : offset + 1] == "\r\n":
        offset -= 1
    return to_wire(text, offset, encoding)


def initial_text(rnd: random.Random) -> str:
    """The demo STATUS.md with mixed line endings and wide characters sprinkled in."""
    text = (copy_source() / "STATUS.md").read_text(encoding="utf-8")
    lines = text.split("\n")
    out = []
    for line in lines:
        if rnd.random() < 0.2:
            line += rnd.choice(["😀", " e\u0301", " 👩‍💻", " \u05e9\u05dc\u05d5\u05dd"])
        out.append(line + rnd.choice(["\n", "\n", "\r\n", "\r\n", "\r"]))
    return "".join(out)


def copy_source() -> Path:
    return Path(__file__).resolve().parents[2] / "examples"


# -- server observations ------------------------------------------------------------------------


class Published:
    """Records the version of every publishDiagnostics (the stock client keeps only the list)."""

    def __init__(self, client: LanguageClient) -> None:
        self.pull = pull_mode(client)
        self.versions: dict[str, int | None] = {}
        self.items: dict[str, Sequence[lsp.Diagnostic]] = {}
        features = client.protocol.fm.features
        original: Callable[[Any], Any] = features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

        def record(params: lsp.PublishDiagnosticsParams) -> Any:
            self.versions[params.uri] = params.version
            self.items[params.uri] = params.diagnostics
            return original(params)

        features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = record


async def diagnostics_at(
    client: LanguageClient, published: Published, uri: str, version: int
) -> list[lsp.Diagnostic]:
    """The diagnostics the server reports for ``version`` of an open document."""
    if published.pull:
        report = await client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
        return list(report.items)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while published.versions.get(uri) != version:
        remaining = deadline - loop.time()
        assert remaining > 0, f"no diagnostics for version {version} of {uri}"
        # asyncio.wait, not wait_for: a cancelled waiter breaks pytest-lsp's next notification.
        waiter = client.protocol.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        await asyncio.wait({asyncio.wrap_future(waiter)}, timeout=remaining)
    return list(published.items[uri])


async def document_state(client: LanguageClient, uri: str) -> dict[str, Any]:
    result = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=DOCUMENT_STATE, arguments=[{"uri": uri}])
    )
    assert isinstance(result, dict), result
    return result


# -- fixtures -----------------------------------------------------------------------------------

CLIENTS = {"utf-16": "visual-studio-code", "utf-8": "neovim"}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_examples(tmp_path_factory.mktemp("protocol-fuzz"))


@pytest_lsp.fixture(scope="module", config=SERVER, params=["utf-16", "utf-8"])
async def client(lsp_client: LanguageClient, root: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    capabilities = client_capabilities(CLIENTS[request.param])
    result = await lsp_client.initialize_session(init_params(root, capabilities))
    encoding = result.capabilities.position_encoding or lsp.PositionEncodingKind.Utf16
    assert encoding == request.param
    await wait_until_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


def negotiated(client: LanguageClient) -> str:
    caps = client.capabilities
    offered = caps.general.position_encodings if caps and caps.general else None
    return "utf-8" if offered and lsp.PositionEncodingKind.Utf8 in offered else "utf-16"


def pull_mode(client: LanguageClient) -> bool:
    caps = client.capabilities
    return bool(
        caps
        and caps.text_document
        and caps.text_document.diagnostic
        and caps.workspace
        and caps.workspace.diagnostics
        and caps.workspace.diagnostics.refresh_support
    )


# -- the tests ----------------------------------------------------------------------------------


def test_client_model_follows_the_lsp_rules() -> None:
    """The reference model itself: CRLF is one terminator, columns clamp, halves snap back."""
    text = "ab\r\ncd😀e\rf"
    assert line_spans(text) == [(0, 2), (4, 8), (9, 10)]
    assert to_offset(text, 0, 3, "utf-16") == 2  # past the end of "ab": before the CRLF
    assert to_offset(text, 1, 3, "utf-16") == 6  # between the halves of 😀: its start
    assert to_offset(text, 1, 4, "utf-16") == 7
    assert to_offset(text, 1, 5, "utf-8") == 6  # inside the 4-byte 😀
    assert to_offset(text, 7, 0, "utf-8") == len(text)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("seed", range(SEQUENCES))
async def test_random_edit_sequence(client: LanguageClient, root: Path, seed: int) -> None:
    encoding = negotiated(client)
    rnd = random.Random(f"{encoding}-{seed}")
    published = Published(client)
    path = root / f"fuzz-{seed}" / "STATUS.md"
    path.parent.mkdir(exist_ok=True)
    text = initial_text(rnd)
    uri = path.as_uri()
    version = 1
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(
                uri=uri, language_id="markdown", version=version, text=text
            )
        )
    )
    for _ in range(EDITS_PER_SEQUENCE):
        # Several changes in one event: each applies to the text the previous one left.
        sent = []
        for _ in range(rnd.choice([1, 1, 1, 2, 3])):
            change = random_change(rnd, text, encoding)
            text = apply_change(text, change, encoding)
            sent.append(change)
        version += 1
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=sent,
            )
        )

    state = await document_state(client, uri)
    expected = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    assert (state["sha256"], state["characters"], state["version"]) == (
        expected,
        len(text),
        version,
    ), f"server text differs from the client's after seed {seed}: {text!r}"

    edited = await diagnostics_at(client, published, uri, version)
    symbols = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )

    client.text_document_did_close(
        lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    version += 1
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(
                uri=uri, language_id="markdown", version=version, text=text
            )
        )
    )
    fresh = await diagnostics_at(client, published, uri, version)
    assert edited == fresh
    fresh_symbols = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert symbols == fresh_symbols

    # Still answering: a hover anywhere (the middle of the document) returns, error-free.
    middle = to_wire_safe(text, len(text) // 2, encoding)
    await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=middle)
    )
    client.text_document_did_close(
        lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )


# Edits the fuzzer found to desynchronise pygls' own incremental sync (kept as regressions).
REGRESSIONS = {
    "column-past-crlf-line": (
        "ab\r\ncd\r\n",
        [(0, 3, 0, 3, "X")],  # one past the end of "ab": before the CRLF, not inside it
        "abX\r\ncd\r\n",
    ),
    "column-past-last-line": ("ab\ncd", [(1, 9, 1, 9, "X")], "ab\ncdX"),
    "line-separator-is-not-a-line-end": (
        "a\u2028b\x0cc\nd\n",
        [(1, 0, 1, 1, "D")],  # U+2028 and form feed are characters, not line ends
        "a\u2028b\x0cc\nD\n",
    ),
    "lone-cr-is-a-line-end": ("a\rb\rc", [(2, 0, 2, 1, "C")], "a\rb\rC"),
    "join-cr-and-lf": ("a\r\nb", [(0, 1, 1, 0, "\r"), (1, 0, 1, 0, "\n")], "a\r\nb"),
    # Both ends snap to the start of the character they fall in: 😀 itself is replaced.
    "replace-surrogate-pair-half": ("x😀y", [(0, 2, 0, 3, "Z")], "xZy"),
    "lines-past-the-end": ("ab", [(7, 3, 9, 0, "!")], "ab!"),
}


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("name", sorted(REGRESSIONS))
async def test_known_desync_edits(client: LanguageClient, root: Path, name: str) -> None:
    encoding = negotiated(client)
    start, edits, expected_utf16 = REGRESSIONS[name]
    uri = (root / f"regression-{name}.md").as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(
                uri=uri, language_id="markdown", version=1, text=start
            )
        )
    )
    text = start
    changes = []
    for line, char, end_line, end_char, new in edits:
        change = lsp.TextDocumentContentChangePartial(
            range=_span(line, char, end_line, end_char), text=new
        )
        text = apply_change(text, change, encoding)
        changes.append(change)
    if encoding == "utf-16":
        assert text == expected_utf16  # the client model agrees with the hand-worked answer
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=changes,
        )
    )
    state = await document_state(client, uri)
    assert state["sha256"] == hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    client.text_document_did_close(
        lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
