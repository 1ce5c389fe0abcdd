"""Links between the files of a project: where they are written, where they lead, and how they
change when a file moves.

Three kinds of reference are read from a document's lines (outside fenced code and HTML
comments):

- an *inline link* or image, ``[text](docs/m2.md#goal)`` / ``![alt](img.png)``;
- a *reference definition*, ``[m2]: docs/m2.md``;
- a *mention*: a bare plan-file name in the prose or in code, ``see DELIVERABLES.md`` or
  ```reports/query-api-status.md```. A mention counts only when the file exists: words that
  happen to end in ``.md`` are not links.

A link is resolved against the document's folder (``/docs/x.md`` against the project root), a
mention against the document's folder and then the project root. Whether a target exists is
asked of the workspace's documents first and of the disk second, through :class:`ProjectRoot`,
which also says where the project's root is — or that nobody knows (a file read on its own or
from standard input), in which case only links inside the workspace's documents are judged.

Heading anchors follow GitHub's slugs (lower case, punctuation dropped, spaces to hyphens,
``-1``, ``-2`` for repeats), compared loosely — letters and digits only — so that another
renderer's slug of the same heading is never reported as missing.

Nothing here imports anything beyond the standard library and the core.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal
from urllib.parse import quote, unquote

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.files import MARKDOWN_SUFFIXES
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import Document, Heading
from milestone_lsp.core.partscan import scan_by_part
from milestone_lsp.core.positions import Position, Range, split_lines
from milestone_lsp.core.workspace import Workspace

LinkKind = Literal["inline", "definition", "mention"]


@dataclass(frozen=True, slots=True)
class Link:
    """One reference to a file or heading, as written on one line."""

    kind: LinkKind
    line: int
    # The destination as written, without angle brackets: path and ``#anchor``.
    path: str
    anchor: str | None
    path_range: Range | None  # None for a link to a heading of the same document
    anchor_range: Range | None
    image: bool = False
    angle: bool = False  # written as ``<...>``

    @property
    def range(self) -> Range:
        """The whole destination (path and anchor)."""
        first = self.path_range or self.anchor_range
        last = self.anchor_range or self.path_range
        assert first is not None and last is not None
        return Range(first.start, last.end)

    @property
    def decoded_path(self) -> str:
        """The path with ``%20``-style escapes decoded."""
        return unquote(self.path)


@dataclass(frozen=True, slots=True)
class ProjectRoot:
    """Where the documents' project lies: its root folder, written the way the documents'
    paths are (absolute in the server, relative to the working directory on the command line,
    ``""`` when the paths are relative to the root itself).

    ``on_disk=False`` makes the workspace's documents the only files there are (tests, and
    documents that never touched a disk).
    """

    root: str
    on_disk: bool = True

    def contains(self, path: str) -> bool:
        """Whether ``path`` (normalised) lies inside the root."""
        root = os.path.normpath(self.root) if self.root else ""
        if not root or root == ".":
            return not (os.path.isabs(path) or path == ".." or path.startswith(".." + os.sep))
        return path == root or path.startswith(root.rstrip(os.sep) + os.sep)

    def exists(self, path: str) -> bool:
        """Whether a file or folder is at ``path`` on disk."""
        return self.on_disk and os.path.exists(path)

    def is_dir(self, path: str) -> bool:
        """Whether ``path`` is a folder on disk."""
        return self.on_disk and os.path.isdir(path)

    def listdir(self, folder: str) -> list[str]:
        """The names in ``folder`` on disk (empty when it cannot be read)."""
        if not self.on_disk:
            return []
        try:
            return sorted(os.listdir(folder or "."))
        except OSError:
            return []

    def join(self, relative: str) -> str:
        """A root-relative path (``a/b.md``) as a path like the documents' paths."""
        return os.path.normpath(os.path.join(self.root, relative)) if self.root else relative


# --- reading links ------------------------------------------------------------------------------

_SCHEME = lazy(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_DEFINITION = re.compile(
    r"^(?P<lead> {0,3}(?:>\s*)*)\[(?P<label>[^\]\^][^\]]*)\]:[ \t]*(?P<dest><[^>\n]*>|\S+)"
)
_MENTION = re.compile(
    r"(?<![\w/\\.\-@%~:#])(?P<path>(?:\.{1,2}/)*(?:[\w\-][\w.\-]*/)*[\w\-][\w.\-]*"
    r"\.(?:md|markdown|mdown|mkd))(?![\w/\\\-]|\.\w)",
    re.IGNORECASE,
)
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://\S+|\bwww\.\S+")
_BACKTICKS = re.compile(r"`+")
# Placeholders and templating: a destination with these is not a path to judge.
_TEMPLATED = ("{{", "{%", "<%", "${", "%7B%7B")


def _code_spans(line: str) -> list[tuple[int, int]]:
    """Column spans of inline code (matching backtick runs)."""
    spans: list[tuple[int, int]] = []
    runs = list(_BACKTICKS.finditer(line))
    i = 0
    while i < len(runs):
        opener = runs[i]
        closer = next(
            (j for j in range(i + 1, len(runs)) if len(runs[j].group()) == len(opener.group())),
            None,
        )
        if closer is None:
            i += 1
            continue
        spans.append((opener.start(), runs[closer].end()))
        i = closer + 1
    return spans


def _inside(spans: list[tuple[int, int]], column: int) -> bool:
    return any(start <= column < end for start, end in spans)


def _escaped(line: str, column: int) -> bool:
    """Whether the character at ``column`` is backslash-escaped."""
    count = 0
    while column - count - 1 >= 0 and line[column - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _opening_bracket(line: str, close: int, spans: list[tuple[int, int]]) -> int | None:
    """The ``[`` that the ``]`` at ``close`` ends (brackets balanced), or None."""
    depth = 0
    for column in range(close - 1, -1, -1):
        ch = line[column]
        if _inside(spans, column) or _escaped(line, column):
            continue
        if ch == "]":
            depth += 1
        elif ch == "[":
            if depth == 0:
                return column
            depth -= 1
    return None


def _destination(line: str, start: int) -> tuple[int, int, bool] | None:
    """The destination after ``](`` at ``start``: (first, end) columns and whether in ``<>``."""
    column = start
    while column < len(line) and line[column] in " \t":
        column += 1
    if column < len(line) and line[column] == "<":
        end = line.find(">", column + 1)
        if end < 0:
            return None
        return column + 1, end, True
    depth = 0
    first = column
    while column < len(line):
        ch = line[column]
        if ch == "\\" and column + 1 < len(line):
            column += 2
            continue
        if ch in " \t":
            break
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                break
            depth -= 1
        column += 1
    if column >= len(line) and depth:
        return None
    return first, column, False


def _closes(line: str, column: int) -> bool:
    """Whether a link's destination ending at ``column`` is followed by an optional title and
    ``)``, as CommonMark requires (``[a](b c)`` is no link)."""
    while column < len(line) and line[column] in " \t":
        column += 1
    if column >= len(line):
        return False
    ch = line[column]
    if ch == ")":
        return True
    closing = {'"': '"', "'": "'", "(": ")"}.get(ch)
    if closing is None:
        return False
    end = line.find(closing, column + 1)
    while end > 0 and _escaped(line, end):
        end = line.find(closing, end + 1)
    if end < 0:
        return False
    rest = line[end + 1 :].lstrip(" \t")
    return rest.startswith(")")


@dataclass(frozen=True, slots=True)
class _Written:
    """A link on one line: kind, columns of the destination, image, angle brackets."""

    kind: LinkKind
    start: int
    end: int
    image: bool
    angle: bool


@lru_cache(maxsize=8192)
def _line_links(line: str) -> tuple[_Written, ...]:
    """The links written on one line (cached by the line's text: most lines never change)."""
    # A mention ends in ".md", ".markdown", ".mdown" or ".mkd", in any case: ".m" or ".M".
    mention = ".m" in line or ".M" in line
    if "](" not in line and "]:" not in line and not mention:
        return ()
    spans = _code_spans(line) if "`" in line else []
    found: list[_Written] = []
    taken: list[tuple[int, int]] = []
    definition = _DEFINITION.match(line)
    if definition is not None:
        dest = definition.group("dest")
        first = definition.start("dest")
        angle = dest.startswith("<")
        if angle:
            first, dest = first + 1, dest[1:-1]
        found.append(_Written("definition", first, first + len(dest), False, angle))
        taken.append((0, len(line)))
    else:
        at = line.find("](")
        while at >= 0:
            if not _inside(spans, at) and not _escaped(line, at):
                opening = _opening_bracket(line, at, spans)
                dest = _destination(line, at + 2) if opening is not None else None
                if dest is not None and not _closes(line, dest[1] + (1 if dest[2] else 0)):
                    dest = None
                if opening is not None and dest is not None:
                    first, end, angle = dest
                    image = opening > 0 and line[opening - 1] == "!"
                    found.append(_Written("inline", first, end, image, angle))
                    taken.append((opening, end + 1))
            at = line.find("](", at + 2)
    if mention:
        masked = list(taken)
        masked += [(m.start(), m.end()) for m in _URL.finditer(line)]
        for match in _MENTION.finditer(line):
            start, end = match.span("path")
            if any(a <= start < b for a, b in masked):
                continue
            found.append(_Written("mention", start, end, False, False))
    return tuple(found)


def _split_anchor(text: str) -> tuple[str, str | None]:
    hash_at = text.find("#")
    if hash_at < 0:
        return text, None
    return text[:hash_at], text[hash_at + 1 :]


def links_in(doc: Document) -> list[Link]:
    """Every link, reference definition and plan-file mention of ``doc``, in document order.

    Lines of fenced code and HTML comments are skipped; within a line, inline code is skipped
    for links (a mention inside backticks still counts: plans quote file names that way).
    """
    fenced = doc.fenced_lines
    comments = doc.comment_lines

    def scan(lines: list[str], begin: int, stop: int) -> list[Link]:
        return _links_between(lines, begin, stop, fenced, comments)

    return scan_by_part(doc, "links", scan)


def _links_between(
    lines: list[str], begin: int, stop: int, fenced: frozenset[int], comments: frozenset[int]
) -> list[Link]:
    out: list[Link] = []
    for number in range(begin, stop):
        if number in fenced or number in comments:
            continue
        text = lines[number]
        for w in _line_links(text):
            written = text[w.start : w.end]
            if w.kind == "mention":
                where = Range.of(number, w.start, end=w.end)
                out.append(Link("mention", number, written, None, where, None))
                continue
            if not written or _SCHEME().match(written) or written.startswith("//"):
                continue
            if any(mark in written for mark in _TEMPLATED):
                continue
            path, anchor = _split_anchor(written)
            path_range = Range.of(number, w.start, end=w.start + len(path)) if path else None
            anchor_range = (
                Range.of(number, w.start + len(path) + 1, end=w.end) if anchor is not None else None
            )
            if path_range is None and anchor_range is None:
                continue
            out.append(
                Link(w.kind, number, path, anchor, path_range, anchor_range, w.image, w.angle)
            )
    return out


def link_at(doc: Document, pos: Position) -> Link | None:
    """The link whose destination (or mention) contains ``pos``."""
    for link in links_in(doc):
        if link.line == pos.line and link.range.contains(pos):
            return link
    return None


# --- where links lead ---------------------------------------------------------------------------


def is_markdown(path: str) -> bool:
    """Whether a path names a markdown file."""
    return path.lower().endswith(MARKDOWN_SUFFIXES)


def _documents_by_path(ws: Workspace) -> dict[str, Document]:
    return ws.cached(
        ("links.documents",), lambda: {os.path.normpath(d.path): d for d in ws.documents.values()}
    )


def document_at(ws: Workspace, path: str) -> Document | None:
    """The workspace's document at a normalised path."""
    return _documents_by_path(ws).get(os.path.normpath(path))


def _native(path: str) -> str:
    return path.replace("/", os.sep) if os.sep != "/" else path


@dataclass(frozen=True, slots=True)
class Target:
    """Where a link leads: the path (like the documents' paths), and how it was resolved."""

    path: str
    base: Literal["document", "root"]
    exists: bool
    document: Document | None = field(default=None, compare=False)


def _exists(ws: Workspace, path: str) -> tuple[bool, Document | None]:
    doc = document_at(ws, path)
    if doc is not None:
        return True, doc
    project = ws.project
    return (project is not None and project.exists(path)), None


def resolve(ws: Workspace, doc: Document, link: Link) -> Target | None:
    """Where ``link`` leads (None for a mention of no existing file, or a path nobody can place).

    A link to a heading of the same document leads to the document itself.
    """
    folder = os.path.dirname(doc.path)
    if link.path_range is None:
        return Target(os.path.normpath(doc.path), "document", True, doc)
    written = _native(link.decoded_path)
    project = ws.project
    if written.startswith(os.sep) and link.kind != "mention":
        if project is None:
            return None
        path = project.join(written.lstrip(os.sep))
        found, target_doc = _exists(ws, path)
        return Target(path, "root", found, target_doc)
    path = os.path.normpath(os.path.join(folder, written))
    found, target_doc = _exists(ws, path)
    if link.kind != "mention":
        return Target(path, "document", found, target_doc)
    if found:
        return Target(path, "document", True, target_doc)
    if project is not None:
        from_root = project.join(written)
        found, target_doc = _exists(ws, from_root)
        if found:
            return Target(from_root, "root", True, target_doc)
    return None


# --- heading anchors ----------------------------------------------------------------------------

_INLINE_MARKUP = lazy(r"!?\[([^\]]*)\]\([^)]*\)|<[^>]+>|[*_`~]")
_EXPLICIT_ANCHOR = lazy(r"""\b(?:id|name)\s*=\s*["']([^"']+)["']""")
_ATTRIBUTE_ID = lazy(r"\{#([\w\-:.]+)[^}]*\}\s*$")
_LINE_ANCHOR = lazy(r"^L\d+(?:C\d+)?(?:-L?\d+(?:C\d+)?)?$")


def github_slug(text: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    plain = _INLINE_MARKUP().sub(lambda m: m.group(1) or "", text).strip().lower()
    kept = "".join(
        ch for ch in plain if ch in " -_" or unicodedata.category(ch)[0] in ("L", "N", "M")
    )
    return kept.replace(" ", "-")


def _loose(anchor: str) -> str:
    """Letters and digits only, case-folded: what every slug of a heading agrees on."""
    return "".join(ch for ch in unquote(anchor).casefold() if ch.isalnum())


@dataclass(frozen=True, slots=True)
class Anchor:
    """A place a ``#fragment`` can lead to: its slug and the line it is on."""

    slug: str
    line: int
    heading: Heading | None = None


def anchors_of(doc: Document) -> list[Anchor]:
    """The anchors of a document: heading slugs (numbered when repeated) and explicit ids."""
    seen: dict[str, int] = {}
    out: list[Anchor] = []
    for heading in doc.headings:
        explicit = _ATTRIBUTE_ID().search(heading.text)
        if explicit is not None:
            out.append(Anchor(explicit.group(1), heading.range.start.line, heading))
        slug = github_slug(_ATTRIBUTE_ID().sub("", heading.text))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        numbered = slug if count == 0 else f"{slug}-{count}"
        out.append(Anchor(numbered, heading.range.start.line, heading))
    if "id" in doc.text or "name" in doc.text:
        lines = doc.lines or split_lines(doc.text)
        for number, text in enumerate(lines):
            if "=" in text and number not in doc.fenced_lines:
                out.extend(Anchor(m.group(1), number) for m in _EXPLICIT_ANCHOR().finditer(text))
    return out


def find_anchor(doc: Document, anchor: str) -> Anchor | None:
    """The anchor of ``doc`` that ``#anchor`` leads to (compared loosely), if any."""
    anchors = anchors_of(doc)
    wanted = unquote(anchor)
    for a in anchors:
        if a.slug == wanted or a.slug.casefold() == wanted.casefold():
            return a
    key = _loose(wanted)
    bare = re.sub(r"-\d+$", "", wanted)
    for a in anchors:
        if _loose(a.slug) == key or (bare != wanted and _loose(a.slug) == _loose(bare)):
            return a
    return None


def anchor_is_valid(doc: Document, anchor: str) -> bool:
    """Whether ``#anchor`` leads somewhere in ``doc`` (``#top`` and line anchors always do)."""
    if not anchor or anchor.lower() == "top" or _LINE_ANCHOR().match(anchor):
        return True
    return find_anchor(doc, anchor) is not None


def suggest_anchor(doc: Document, anchor: str) -> str | None:
    """The closest heading slug of ``doc`` to a missing ``#anchor``."""
    slugs = [a.slug for a in anchors_of(doc) if a.slug]
    if not slugs:
        return None
    wanted = unquote(anchor).casefold()
    import difflib  # only for a link to a missing anchor

    close = difflib.get_close_matches(wanted, slugs, n=1, cutoff=0.6)
    if close:
        return close[0]
    key = _loose(wanted)
    prefixed = [s for s in slugs if key and _loose(s).startswith(key)]
    return prefixed[0] if len(prefixed) == 1 else None


# --- did you mean -------------------------------------------------------------------------------


def _relative(path: str, folder: str) -> str:
    rel = os.path.relpath(path, folder or os.curdir)
    return rel.replace(os.sep, "/")


def suggest_path(ws: Workspace, doc: Document, link: Link, target: Target) -> str | None:
    """A markdown file that a link to a missing one probably means, written like the link.

    First a file of nearly the same name in the folder the link points into (``Deliverables.md``
    for ``deliverables.md``, ``milestone.md`` for ``milestones.md``), then the one workspace
    document anywhere with the same file name (a file that was moved).
    """
    folder, name = os.path.split(target.path)
    names = {
        os.path.basename(d.path)
        for d in ws.documents.values()
        if os.path.dirname(os.path.normpath(d.path)) == folder
    }
    project = ws.project
    if project is not None:
        names |= {n for n in project.listdir(folder) if is_markdown(n)}
    chosen: str | None = None
    lowered = {n.casefold(): n for n in names}
    if name.casefold() in lowered:
        chosen = os.path.join(folder, lowered[name.casefold()])
    else:
        import difflib  # only for a link to a missing file

        close = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.75)
        if close:
            chosen = os.path.join(folder, close[0])
    if chosen is None:
        same = [
            os.path.normpath(d.path)
            for d in ws.documents.values()
            if os.path.basename(d.path).casefold() == name.casefold()
        ]
        if len(same) == 1:
            chosen = same[0]
    if chosen is None or os.path.normpath(chosen) == target.path:
        return None
    return written_path(link, chosen, os.path.dirname(doc.path), target.base, ws.project)


def written_path(
    link: Link,
    path: str,
    folder: str,
    base: Literal["document", "root"],
    project: ProjectRoot | None,
) -> str:
    """``path`` written the way ``link`` was written (relative, ``./``, root-based, escaped)."""
    if base == "root" and project is not None:
        relative = _relative(path, project.root)
        text = ("/" + relative) if link.path.startswith("/") else relative
    else:
        text = _relative(path, folder)
        if link.path.startswith("./") and not text.startswith("../"):
            text = "./" + text
    if link.kind == "mention" or link.angle:
        return text
    if link.path != link.decoded_path or " " in text:
        return quote(text, safe="/#.-_~!$&'()*+,;=:@")
    return text


# --- renames ------------------------------------------------------------------------------------


def _moved(path: str, renames: list[tuple[str, str]]) -> str | None:
    """Where ``path`` goes under ``renames`` (file or folder renames), or None if it stays."""
    for old, new in renames:
        if path == old:
            return new
        prefix = old.rstrip(os.sep) + os.sep
        if path.startswith(prefix):
            return os.path.join(new, path[len(prefix) :])
    return None


def rename_edits(ws: Workspace, renames: Iterable[tuple[str, str]]) -> list[TextEdit]:
    """Edits that keep every link and mention right when files or folders are renamed.

    ``renames`` are (old, new) paths, written like the documents' paths. Links to a renamed file
    (or to anything below a renamed folder) are rewritten in every document; a moved document's
    own relative links are rewritten so that they still lead where they led. The edits are on
    the documents' current paths: the editor applies them before it moves the files.
    """
    pairs = [(os.path.normpath(old), os.path.normpath(new)) for old, new in renames]
    edits: list[TextEdit] = []
    for doc in sorted(ws.documents.values(), key=lambda d: d.path):
        doc_path = os.path.normpath(doc.path)
        new_doc = _moved(doc_path, pairs)
        folder = os.path.dirname(new_doc or doc_path)
        for link in links_in(doc):
            if link.path_range is None:
                continue
            target = resolve(ws, doc, link)
            if target is None or (link.kind == "mention" and not target.exists):
                continue
            new_target = _moved(target.path, pairs)
            if new_target is None and (new_doc is None or target.base == "root"):
                continue
            destination = new_target or target.path
            text = written_path(link, destination, folder, target.base, ws.project)
            if text != link.path:
                edits.append(TextEdit(doc.path, link.path_range, text))
    return edits


def linked_documents(ws: Workspace, doc: Document) -> Iterator[tuple[Link, Target]]:
    """The links of ``doc`` that lead to something that exists, with where they lead."""
    for link in links_in(doc):
        target = resolve(ws, doc, link)
        if target is None or not target.exists:
            continue
        yield link, target
