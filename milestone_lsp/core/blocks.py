"""Block structure from markdown-it-py, computed per heading-delimited chunk and cached by text.

A document is cut into chunks at ATX heading lines that lie outside fenced code and HTML
comments (a cheap line scan). Each chunk is parsed on its own and the result — a tuple of
immutable blocks with chunk-relative lines — is cached by the chunk's text, so an edit re-parses
only the chunk it touched. A chunk of plain paragraphs and one-level lists is read by a line
scan that gives markdown-it-py's blocks (:func:`simple_blocks`); every other chunk is parsed by
markdown-it-py. A chunk that markdown-it says ends inside an open fence is merged with the next
one, so the result always equals a parse of the whole text.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from types import FunctionType
from typing import TYPE_CHECKING, Literal, NamedTuple

from milestone_lsp.core.lazyre import lazy

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

BlockKind = Literal["heading", "para", "item", "fence", "table", "html", "hr"]


class Block(NamedTuple):
    """One block: kind, first line, end line (exclusive), and kind-specific numbers.

    For ``item``: ``depth`` is the list nesting (0 = top level), ``own_end`` the end of the
    item's own paragraph (its text, without nested lists), ``ordered`` the list type.
    For ``heading``: ``depth`` is the level.

    A named tuple rather than a frozen dataclass: a parse makes two per block (chunk-relative,
    then shifted), and a tuple is built several times faster.
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
        _silence_block_rules(_md)
    return _md


class _SilentLogger:
    """Stands in for markdown-it's module loggers in our parser's copies of its block rules."""

    def debug(self, *args: object) -> None:
        """Drop the message."""


def _silence_block_rules(md: MarkdownIt) -> None:
    """Run markdown-it's block rules without their per-call ``LOGGER.debug``.

    Every block rule logs its entry at DEBUG level, and each ``Logger.debug`` call goes through
    ``isEnabledFor``: ~10 % of the block pass. Our instance gets copies of the same rule
    functions whose module global ``LOGGER`` is a silent stand-in; their code, order and
    terminator chains (``alt``) are unchanged (``test_block_only_parser_keeps_block_structure``
    compares the tokens with a stock parser's).
    """
    silent = _SilentLogger()
    ruler = md.block.ruler
    for entry in list(ruler.__rules__):
        fn = entry.fn
        module_globals = getattr(fn, "__globals__", None)
        if not isinstance(fn, FunctionType) or module_globals is None:
            continue
        if "LOGGER" not in fn.__code__.co_names:
            continue
        quiet = FunctionType(
            fn.__code__,
            {**module_globals, "LOGGER": silent},
            fn.__name__,
            fn.__defaults__,
            fn.__closure__,
        )
        quiet.__kwdefaults__ = fn.__kwdefaults__
        ruler.at(entry.name, quiet, {"alt": list(entry.alt)})
        if not entry.enabled:
            ruler.disable(entry.name)


def chunk_starts(lines: list[str]) -> list[int]:
    """Lines at which a new chunk starts: ATX headings outside fences and HTML comments."""
    return _starts_from(lines, 0)[0]


def _starts_from(
    lines: list[str], begin: int, after: int = -1, old: frozenset[int] = frozenset(), by: int = 0
) -> tuple[list[int], int | None]:
    """The chunk starts from line ``begin`` on (0, or a chunk start: the scan's state there is
    that of no fence and no comment), and where the scan met an earlier scan again.

    With ``old`` (an earlier scan's starts) the scan stops at the first start at or after
    ``after`` that is an old start moved ``by`` lines: from there on, lines and state are those
    of the earlier scan, so are its starts. Returns the starts found and that line (None when
    the scan ran to the end)."""
    starts = [begin]
    fence: str | None = None
    in_comment = False
    for number in range(begin, len(lines)):
        line = lines[number]
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
        if number > begin and _ATX.match(line):
            if number >= after and number - by in old:
                return starts, number
            starts.append(number)
    return starts, None


Group = tuple[int, int, tuple["Block", ...]]


class Grouping(NamedTuple):
    """A document's chunk starts and chunk groups (:func:`document_groups`), kept so that the
    next parse after an edit can work out only what the edit touched (:func:`regroup`)."""

    starts: list[int]
    groups: list[Group]


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
    """Blocks of one chunk and whether it leaves a fence (or comment) open.

    Chunks made only of plain paragraphs and one-level lists (see :func:`simple_blocks`) are
    read by a line scan; the others by markdown-it-py.
    """
    simple = simple_blocks(text)
    if simple is not None:
        return simple, False
    return markdown_blocks(text)


# --- the line scan for plain chunks ---------------------------------------------------------
#
# A chunk whose lines are all at column 0, with no tab, "|", "]:", "\r" or NUL, where every line
# is blank, plain text, or a list item with text on its marker line (and the first line may be an
# ATX heading), has a block structure markdown-it-py builds by a handful of rules:
#
# * a paragraph runs until a blank line, a bullet item or an ordered item numbered 1 (an
#   ordered item with another number continues it);
# * a list item's text runs until a blank line or any list marker; a plain line after it is a
#   lazy continuation; the item ends at the next non-blank line after its text (or the end);
# * the next item continues the list when it has the same bullet character or the same
#   ordered delimiter; otherwise a new list starts (both at depth 0).
#
# Any line outside that shape (indentation, fences, quotes, HTML, tables, rules, setext
# underlines, link definitions, empty or nested items, emphasis at the start of a line other
# than "**text") sends the chunk to markdown-it-py. A property test checks that both give the
# same blocks (``test_simple_blocks_equal_markdown_it``). The bench's generated STATUS files are
# ~94 % such lines, the real documents of the test corpus about a third (nested lists, tables
# and code send the rest to markdown-it-py); the scan costs a fraction of the block pass.

_BLANK, _TEXT, _BULLET, _ORDERED = range(4)
_LIST_MARKER = re.compile(r"(?:([-*])|([0-9]{1,9})([.)]))( *)")
_ORDERED_MARKER = lazy(r"[0-9]{1,9}[.)](?: |$)")
_ATX_LEVEL = re.compile(r"(#{1,6})(?: |$)")
# First characters that may open something other than a paragraph ("-", "*" and digits are
# looked at more closely).
_NOT_PLAIN = frozenset(" >`~<=+#[_|")


def _plain_start(text: str) -> bool:
    """Whether ``text`` (non-empty, at the start of a line or of an item) is paragraph text."""
    first = text[0]
    if first == "*":
        # "**Label:**" is text; a lone "*" may be a bullet, a rule or emphasis.
        return text[1:2] == "*" and text[2:3] not in ("*", " ", "")
    if first in _NOT_PLAIN or first == "-":
        return False
    return not ("0" <= first <= "9" and _ORDERED_MARKER().match(text))


def simple_blocks(text: str) -> tuple[Block, ...] | None:
    """The blocks of a plain chunk (see above), or ``None`` when markdown-it-py must decide."""
    if "\t" in text or "|" in text or "\r" in text or "\0" in text or "]:" in text:
        return None
    lines = text.split("\n")
    count = len(lines)
    if not lines[-1].strip(" "):
        count -= 1  # markdown-it does not count a last line that holds nothing
    kinds: list[int] = []
    marks: list[str] = []
    numbers: list[int] = []
    for index in range(count):
        line = lines[index]
        if not line.strip(" "):
            kinds.append(_BLANK)
            marks.append("")
            numbers.append(0)
            continue
        m = _LIST_MARKER.match(line)
        if m is not None and (m.group(4) or len(line) == m.end()):
            rest = line[m.end() :]
            if not rest or len(m.group(4)) > 4:
                return None  # an empty item, or an indented code block inside one
            if rest[0] != "[" and not _plain_start(rest):
                return None  # "[ ] task" is text: "]:" (a link definition) is ruled out above
            if m.group(1) is not None:
                kinds.append(_BULLET)
                marks.append(m.group(1))
                numbers.append(0)
            else:
                kinds.append(_ORDERED)
                marks.append(m.group(3))
                numbers.append(int(m.group(2)))
            continue
        if index == 0 and line[0] == "#":
            heading = _ATX_LEVEL.match(line)
            if heading is None:
                return None
            kinds.append(-len(heading.group(1)))
            marks.append("")
            numbers.append(0)
            continue
        if not _plain_start(line):
            return None
        kinds.append(_TEXT)
        marks.append("")
        numbers.append(0)
    blocks: list[Block] = []
    index = 0
    if count and kinds[0] < 0:
        blocks.append(Block("heading", 0, 1, -kinds[0]))
        index = 1
    while index < count:
        kind = kinds[index]
        if kind == _BLANK:
            index += 1
            continue
        if kind == _TEXT:
            end = index + 1
            while end < count:
                following = kinds[end]
                if following in (_BLANK, _BULLET):
                    break
                if following == _ORDERED and numbers[end] == 1:
                    break
                end += 1
            blocks.append(Block("para", index, end))
            index = end
            continue
        mark = marks[index]
        while True:
            own_end = index + 1
            while own_end < count and kinds[own_end] == _TEXT:
                own_end += 1  # lazy continuation lines
            end = own_end
            while end < count and kinds[end] == _BLANK:
                end += 1
            blocks.append(Block("item", index, end, 0, own_end, kind == _ORDERED))
            index = end
            if index >= count or kinds[index] != kind or marks[index] != mark:
                break
    return tuple(blocks)


def markdown_blocks(text: str) -> tuple[tuple[Block, ...], bool]:
    """Run markdown-it-py on one chunk; return its blocks and whether a fence is left open."""
    md = _markdown()
    tokens: list[Token]
    if "\r" in text or "\0" in text:
        tokens = md.parse(text)
    else:
        # What md.parse does when its "normalize" core rule (line endings, NUL) has nothing to
        # change and the inline rules are off: the block pass alone, without the core chain's
        # per-call set-up (a few microseconds for each of a document's hundreds of chunks).
        tokens = []
        md.block.parse(text, md, {}, tokens)
    return blocks_of_tokens(tokens, text)


def blocks_of_tokens(tokens: list[Token], text: str) -> tuple[tuple[Block, ...], bool]:
    """Blocks from markdown-it-py's block tokens for ``text``, and whether a fence is left open."""
    line_count = text.count("\n") + 1
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
            if kind == "fence" and tok.map[1] >= line_count - (1 if text.endswith("\n") else 0):
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
            if tok.map[1] >= line_count - (1 if text.endswith("\n") else 0) and _html_unclosed(
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


def document_groups(lines: list[str], cache: BlockCache | None = None) -> list[Group]:
    """The document cut into chunk groups: ``(first line, end line, chunk-relative blocks)``.

    A group is one chunk, or several when a chunk leaves a fence open and the next ones belong
    to it. Group boundaries inside a run of lines depend only on those lines once the run
    starts at a group boundary, which is what lets the parser reuse per-section models.
    """
    return grouping(lines, cache).groups


def grouping(lines: list[str], cache: BlockCache | None = None) -> Grouping:
    """The chunk starts and groups of a whole document."""
    starts = chunk_starts(lines)
    return Grouping(starts, _groups(lines, starts, 0, cache or _shared_cache))


def _groups(
    lines: list[str],
    starts: list[int],
    index: int,
    cache: BlockCache,
    after: int = -1,
    old: dict[int, int] | None = None,
    tail: list[Group] | None = None,
    by: int = 0,
) -> list[Group]:
    """The groups from ``starts[index]`` on. With ``old`` (an earlier grouping's group index by
    first line, and its groups as ``tail``): from the first group at or after line ``after``
    that begins where an old group began, ``by`` lines earlier, the old groups moved."""
    if len(starts) * 2 > cache.size:
        # An LRU smaller than one document's chunks evicts every chunk before its next use.
        cache.size = len(starts) * 2
    bounds = [*starts, len(lines)]
    groups: list[Group] = []
    last = len(bounds) - 1
    while index < last:
        begin = bounds[index]
        if old is not None and tail is not None and begin >= after:
            at = old.get(begin - by)
            if at is not None:
                groups += (
                    tail[at:]
                    if by == 0
                    else [(start + by, stop + by, blocks) for start, stop, blocks in tail[at:]]
                )
                return groups
        stop = bounds[index + 1]
        while True:
            chunk_blocks, open_fence = cache.get("\n".join(lines[begin:stop]))
            if open_fence and index + 2 < len(bounds):
                index += 1
                stop = bounds[index + 1]
                continue
            break
        groups.append((begin, stop, chunk_blocks))
        index += 1
    return groups


def regroup(
    lines: list[str],
    previous: Grouping,
    first: int,
    old_end: int,
    new_end: int,
    cache: BlockCache | None = None,
) -> Grouping:
    """The grouping of ``lines`` after an edit replaced lines ``first``..``old_end`` of the text
    ``previous`` was made of by the lines ``first``..``new_end``: the same as
    :func:`grouping`, with the scan and the chunk look-ups limited to what the edit touched.

    Before the edit, starts and groups are those of ``previous``; the scan restarts at the last
    chunk start before the edited lines and stops where it meets the previous scan again after
    them, and so do the groups (the rest is ``previous``'s, moved by the lines the edit added).
    """
    cache = cache or _shared_cache
    by = new_end - old_end
    old_starts = previous.starts
    # The last start before the edited lines (0 when they begin the document): the scan's
    # state there is that of a fresh scan.
    k = max(0, bisect_left(old_starts, first) - 1)
    restart = old_starts[k]
    head = old_starts[:k]
    found, met = _starts_from(lines, restart, new_end, frozenset(old_starts), by)
    starts = head + found
    if met is not None:
        at = bisect_left(old_starts, met - by)
        starts += old_starts[at:] if by == 0 else [s + by for s in old_starts[at:]]
    old_groups = previous.groups
    # Groups that end before the restart are unchanged; the one holding it is made again.
    g = max(0, bisect_right([begin for begin, _stop, _blocks in old_groups], restart) - 1)
    begin = old_groups[g][0] if old_groups else 0
    kept = old_groups[:g]
    index = bisect_left(starts, begin)
    old_index = {start: i for i, (start, _stop, _blocks) in enumerate(old_groups)}
    groups = kept + _groups(lines, starts, index, cache, new_end, old_index, old_groups, by)
    return Grouping(starts, groups)


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
