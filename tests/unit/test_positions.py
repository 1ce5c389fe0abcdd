"""Column conversion between code points, UTF-16 and UTF-8, and line splitting as LSP does it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from milestone_lsp.core.positions import (
    LineIndex,
    Position,
    decode_column,
    encode_column,
    split_lines,
)


def test_split_lines_uses_lsp_terminators_only() -> None:
    assert split_lines("a\r\nb\rc\nd") == ["a", "b", "c", "d"]
    # Form feed and U+2028 are not line ends in LSP.
    assert split_lines("a\x0cb\u2028c") == ["a\x0cb\u2028c"]


def test_emoji_and_cjk_columns() -> None:
    line = "- [ ] 🚀 中文 Unit test coverage >80%"
    column = line.index("Unit")
    assert encode_column(line, column, "utf-32") == column
    # 🚀 is a surrogate pair in UTF-16 and four bytes in UTF-8; each CJK char is 3 bytes.
    assert encode_column(line, column, "utf-16") == column + 1
    assert encode_column(line, column, "utf-8") == column + 3 + 2 * 2
    assert decode_column(line, column + 1, "utf-16") == column


def test_decode_clamps_and_snaps() -> None:
    assert decode_column("ab", 99, "utf-16") == 2
    assert decode_column("ab", -3, "utf-8") == 0
    # Half a surrogate pair moves to the start of the character.
    assert decode_column("🚀x", 1, "utf-16") == 0


def test_line_index_offsets_and_line_endings() -> None:
    index = LineIndex("ab\r\ncd\n")
    assert index.offset(Position(1, 1)) == 5
    assert index.position(5) == Position(1, 1)
    assert index.end() == Position(2, 0)
    assert index.line_ending() == "\r\n"
    assert index.from_encoding(9, 0, "utf-16") == index.end()


@given(st.text(max_size=40), st.integers(min_value=0, max_value=60))
def test_round_trip(line: str, column: int) -> None:
    line = line.replace("\r", "").replace("\n", "")
    column = min(column, len(line))
    for encoding in ("utf-8", "utf-16", "utf-32"):
        units = encode_column(line, column, encoding)
        assert decode_column(line, units, encoding) == column
