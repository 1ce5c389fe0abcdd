"""The per-part analysis the editor uses equals a from-scratch analysis on every real file.

A document open in the editor is parsed in parts and its rules re-use per-part results across
edits (core/partscan.py, the per-section rules of rules/engine.py); a file checked from disk is
read whole. On each corpus file (and the bundled examples) both must give the same findings:
on the first parse, and after edits at a spread of lines that change one part, add a line,
and remove one. Skipped for the corpus when it is absent; the examples always run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from milestone_lsp.core.blocks import BlockCache
from milestone_lsp.core.parser import ModelCache, parse
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.engine import check_document
from milestone_lsp.settings.config import Config

REPO = Path(__file__).resolve().parents[2]
REAL = REPO.parent / "shared" / "corpus" / "real"
FILES = sorted(REAL.glob("*.md")) if REAL.is_dir() else []
EXAMPLES = sorted((REPO / "examples").rglob("*.md"))


def _edits(text: str) -> list[str]:
    """Texts after a few edits spread over the document: a character typed at the end of a
    line, a line added, a line removed, and a tick toggled."""
    lines = text.split("\n")
    out: list[str] = []
    count = len(lines)
    for k, at in enumerate(sorted({count // 5, count // 2, (4 * count) // 5, count - 2})):
        if not 0 <= at < count:
            continue
        if k == 0:
            lines[at] += "x"
        elif k == 1:
            lines.insert(at, "- [ ] a criterion typed in")
        elif k == 2:
            del lines[at]
        else:
            lines[at] = lines[at].replace("[ ]", "[x]", 1) if "[ ]" in lines[at] else lines[at]
        out.append("\n".join(lines))
    return out


def _assert_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    name = f"/project/{path.name.split('__')[-1]}"
    config = Config()
    blocks, models = BlockCache(), ModelCache()
    for version in [text, *_edits(text)]:
        edited = parse(version, name, blocks, models=models, editing=True)
        fresh = parse(version, name, chunked=False)
        got = check_document(Workspace([edited]), edited, config)
        want = check_document(Workspace([fresh]), fresh, config)
        assert got == want, f"{path.name}: per-part findings differ from a whole analysis"


@pytest.mark.skipif(not FILES, reason="shared corpus not available")
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_file(path: Path) -> None:
    _assert_same(path)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(REPO)))
def test_example_file(path: Path) -> None:
    _assert_same(path)
