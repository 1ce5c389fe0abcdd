"""Block structure from markdown-it-py, computed per heading-delimited chunk and cached by text.

A document is cut into chunks at ATX heading lines that lie outside fenced code and HTML
comments (a cheap line scan). Each chunk is parsed by markdown-it-py on its own and the result —
a tuple of immutable blocks with chunk-relative lines — is cached by the chunk's text, so an edit
re-parses only the chunk it touched. A chunk that markdown-it says ends inside an open fence is
merged with the next one, so the result always equals a parse of the whole text.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

BlockKind = Literal["heading", "para", "item", "fence", "table", "html", "hr"]


@dataclass(frozen=True, slots=True)
class Block:
    """One block: kind, first line, end line (exclusive), and kind-specific numbers.

    For ``item``: ``depth`` is the list nesting (0 = top level), ``own_end`` the end of the
    item's own paragraph (its text, without nested lists), ``ordered`` the list type.
    For ``heading``: ``depth`` is the level.
    """

    kind: BlockKind
    start: int
    end: int
    depth: int = 0
    own_end: int = 0
    ordered: bool = False
    in_item: bool = False

    def shifted(self, by: int) -> Block:
        """The same block ``by`` lines further down."""
        if by == 0:
            return self
        return Block(
            self.kind,
            self.start + by,
            self.end + by,
            self.depth,
            self.own_end + by if self.kind == "item" else self.own_end,
            self.ordered,
            self.in_item,
        )


_FENCE_OPEN = re.compile(r"^[ \t>]*(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
# Only column-0 headings: an indented "#" line can belong to a list item.
_ATX = re.compile(r"^#{1,6}(?:[ \t]|$)")

# First characters of a line that may open a fence or be an ATX heading ("" = empty line).
_MAY_START = frozenset("#`~ \t>")

_md: MarkdownIt | None = None


def _markdown() -> MarkdownIt:
    global _md
    if _md is None:
        from markdown_it import MarkdownIt

        # The preset's nesting limit (20) stays: it bounds recursion on hostile input, and
        # deeper structure is simply not modelled. Only block tokens are read, so the inline
        # pass (half of markdown-it's time) is switched off; block structure does not depend
        # on it.
        _md = MarkdownIt("commonmark").enable(["table"]).disable(["inline", "text_join"])
    return _md


def chunk_starts(lines: list[str]) -> list[int]:
    """Lines at which a new chunk starts: ATX headings outside fences and HTML comments."""
    starts = [0]
    fence: str | None = None
    in_comment = False
    for number, line in enumerate(lines):
        if fence is not None:
            stripped = line.strip().lstrip(">").strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                fence = None
            continue
        if in_comment:
            if "-->" in line:
                in_comment = False
            continue
        if line[:1] not in _MAY_START and "<!--" not in line:
            continue  # most lines: no fence, heading or comment can start here
        m = _FENCE_OPEN.match(line)
        if m is not None and not (m.group("fence")[0] == "`" and "`" in m.group("info")):
            fence = m.group("fence")
            continue
        if "<!--" in line and "-->" not in line[line.index("<!--") :]:
            in_comment = True
            if line.lstrip().startswith("<!--"):
                continue
        if number and _ATX.match(line):
            starts.append(number)
    return starts


class BlockCache:
    """A bounded LRU cache of chunk text → blocks."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.entries: OrderedDict[str, tuple[tuple[Block, ...], bool]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, text: str) -> tuple[tuple[Block, ...], bool]:
        """Blocks of one chunk and whether it ends inside an unclosed fence."""
        entry = self.entries.get(text)
        if entry is not None:
            self.hits += 1
            self.entries.move_to_end(text)
            return entry
        self.misses += 1
        entry = parse_chunk(text)
        self.entries[text] = entry
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return entry


_shared_cache = BlockCache()


def parse_chunk(text: str) -> tuple[tuple[Block, ...], bool]:
    """Run markdown-it-py on one chunk; return its blocks and whether a fence is left open."""
    tokens = _markdown().parse(text)
    lines = text.split("\n")
    blocks: list[Block] = []
    list_depth = 0
    ordered_stack: list[bool] = []
    item_stack: list[list[int]] = []  # [start, end, depth, own_end, ordered]
    open_fence = False
    for tok in tokens:
        kind = tok.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            ordered_stack.append(kind == "ordered_list_open")
            list_depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            ordered_stack.pop()
            list_depth -= 1
        elif kind == "list_item_open" and tok.map is not None:
            ordered = ordered_stack[-1] if ordered_stack else False
            item = [tok.map[0], tok.map[1], list_depth - 1, tok.map[0] + 1, int(ordered), 0]
            item_stack.append(item)
            blocks.append(
                Block("item", tok.map[0], tok.map[1], list_depth - 1, tok.map[0] + 1, ordered)
            )
        elif kind == "list_item_close":
            item_stack.pop()
        elif kind == "paragraph_open" and tok.map is not None:
            if item_stack:
                item = item_stack[-1]
                if not item[5]:
                    item[5] = 1
                    # The item's own text is its first paragraph.
                    index = _last_item_index(blocks, item[0])
                    if index is not None and tok.map[0] == item[0]:
                        old = blocks[index]
                        blocks[index] = Block(
                            "item", old.start, old.end, old.depth, tok.map[1], old.ordered
                        )
                        continue
                blocks.append(Block("para", tok.map[0], tok.map[1], in_item=True))
            else:
                blocks.append(Block("para", tok.map[0], tok.map[1]))
        elif kind == "heading_open" and tok.map is not None:
            if not item_stack:
                blocks.append(Block("heading", tok.map[0], tok.map[1], int(tok.tag[1:])))
        elif kind in ("fence", "code_block") and tok.map is not None:
            blocks.append(Block("fence", tok.map[0], tok.map[1], in_item=bool(item_stack)))
            if kind == "fence" and tok.map[1] >= len(lines) - (1 if text.endswith("\n") else 0):
                # An unclosed fence runs to the end and its content holds every line after the
                # opener; a closed one consumed one more line (the closing marker) than it holds.
                body_lines = tok.content.count("\n") + (
                    1 if tok.content and not tok.content.endswith("\n") else 0
                )
                if tok.map[1] - tok.map[0] - 1 <= body_lines:
                    open_fence = True
        elif kind == "table_open" and tok.map is not None:
            blocks.append(Block("table", tok.map[0], tok.map[1], in_item=bool(item_stack)))
        elif kind == "html_block" and tok.map is not None:
            blocks.append(Block("html", tok.map[0], tok.map[1], in_item=bool(item_stack)))
            if tok.map[1] >= len(lines) - (1 if text.endswith("\n") else 0) and _html_unclosed(
                tok.content
            ):
                open_fence = True
        elif kind == "hr" and tok.map is not None:
            blocks.append(Block("hr", tok.map[0], tok.map[1]))
    return tuple(blocks), open_fence


_HTML_ENDS = (
    (re.compile(r"^\s*<!--"), "-->"),
    (re.compile(r"^\s*<\?"), "?>"),
    (re.compile(r"^\s*<!\[CDATA\["), "]]>"),
    (re.compile(r"^\s*<!"), ">"),
    (re.compile(r"^\s*<(pre|script|style|textarea)(?:\s|>|$)", re.IGNORECASE), None),
)


def _html_unclosed(content: str) -> bool:
    """Whether an HTML block of a kind that spans blank lines never met its end marker."""
    for pattern, end in _HTML_ENDS:
        m = pattern.match(content)
        if m is None:
            continue
        rest = content[m.end() :]
        if end is None:
            return f"</{m.group(1).lower()}>" not in rest.lower()
        return end not in rest
    return False


def _last_item_index(blocks: list[Block], start: int) -> int | None:
    for index in range(len(blocks) - 1, -1, -1):
        block = blocks[index]
        if block.kind == "item" and block.start == start:
            return index
    return None


def document_groups(
    lines: list[str], cache: BlockCache | None = None
) -> list[tuple[int, int, tuple[Block, ...]]]:
    """The document cut into chunk groups: ``(first line, end line, chunk-relative blocks)``.

    A group is one chunk, or several when a chunk leaves a fence open and the next ones belong
    to it. Group boundaries inside a run of lines depend only on those lines once the run
    starts at a group boundary, which is what lets the parser reuse per-section models.
    """
    cache = cache or _shared_cache
    starts = chunk_starts(lines)
    if len(starts) * 2 > cache.size:
        # An LRU smaller than one document's chunks evicts every chunk before its next use.
        cache.size = len(starts) * 2
    starts.append(len(lines))
    groups: list[tuple[int, int, tuple[Block, ...]]] = []
    index = 0
    last = len(starts) - 1
    while index < last:
        begin = starts[index]
        stop = starts[index + 1]
        while True:
            chunk_blocks, open_fence = cache.get("\n".join(lines[begin:stop]))
            if open_fence and index + 2 < len(starts):
                index += 1
                stop = starts[index + 1]
                continue
            break
        groups.append((begin, stop, chunk_blocks))
        index += 1
    return groups


def document_blocks(
    lines: list[str], cache: BlockCache | None = None, *, chunked: bool = True
) -> list[Block]:
    """Blocks of a whole document (lines without terminators), re-using cached chunks.

    ``chunked=False`` parses the text in one piece, without the cache: the reference that the
    chunked result must equal.
    """
    if not chunked:
        return list(parse_chunk("\n".join(lines))[0])
    blocks: list[Block] = []
    for begin, _stop, chunk_blocks in document_groups(lines, cache):
        blocks.extend(b.shifted(begin) for b in chunk_blocks)
    return blocks
