"""Inline suppression comments, in the style of markdownlint's ``<!-- markdownlint-disable -->``.

Directives are HTML comments on a single line; the keyword is followed by rule codes (``MS101``) or
rule names (``vague-criterion``), separated by spaces (commas are tolerated), and an optional reason
after ``--``::

    <!-- milestone-lsp-disable MS101 -->             from this line until a matching enable / EOF
    <!-- milestone-lsp-enable MS101 -->              from this line on, MS101 is reported again
    <!-- milestone-lsp-disable-line MS101 -->        this line only
    <!-- milestone-lsp-disable-next-line MS101 -->   the literal next line, even when it is blank
    <!-- milestone-lsp-disable-file MS101 -->        the whole file, wherever the comment stands
    <!-- milestone-lsp-disable-next-line MS101 -- measured in the load-test report -->

Without codes a directive covers every rule. ``disable``/``enable`` take effect on the line of the
comment itself; an ``enable`` with codes inside a bare ``disable`` re-enables just those rules.
``enable`` never lifts a ``disable-file``. A finding is matched by the line its range starts on.

Comments inside fenced code (the ``skip_lines`` given to :func:`parse_suppressions`) and inside
inline code spans are examples, not directives. A comment with a misspelt keyword
(``milestone-lsp-disabel``) is not a directive and is ignored without a report; a directive split
across lines is ignored too.

:meth:`Suppressions.apply` drops suppressed findings and reports every directive, or every code in
a directive, that suppressed nothing as MS901 (unused-suppression), with a safe fix that removes
it. MS901 itself can only be silenced by ``disable-file`` (``MS901``, its name, or no codes), since
a line-level directive for it would itself be the thing reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.findings import Finding, Fix, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.positions import Position, Range

UNUSED_CODE = "MS901"
UNUSED_NAME = "unused-suppression"

DirectiveKind = Literal["disable", "enable", "disable-line", "disable-next-line", "disable-file"]

_DIRECTIVE = re.compile(
    r"<!--\s*milestone-lsp-(?P<kind>disable-next-line|disable-line|disable-file|disable|enable)"
    r"(?=\s|-->)(?P<body>.*?)-->"
)
_REASON = re.compile(r"(?:^|\s)--")
_TOKEN = re.compile(r"[^\s,]+")
_CODE = re.compile(r"ms\d{3}", re.IGNORECASE)
_BACKTICKS = re.compile(r"`+")
_EOF = 1 << 62  # a line number past any document


def _canonical(key: str) -> str:
    """Codes compare upper case (``ms101`` = ``MS101``); names as written."""
    return key.upper() if _CODE.fullmatch(key) else key


@dataclass(frozen=True, slots=True)
class DirectiveKey:
    """One code or name written in a directive, with its columns on the directive's line."""

    key: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Directive:
    """One suppression comment: its kind, its line and columns, its codes and its reason."""

    kind: DirectiveKind
    line: int
    start: int  # column of "<!--"
    end: int  # column just past "-->"
    keys: tuple[DirectiveKey, ...]
    reason: str | None

    @property
    def covers_all(self) -> bool:
        """Whether the directive names no code and so applies to every rule."""
        return not self.keys


# Scopes up to this many lines long are indexed line by line (see ``Suppressions._covering``).
_INDEXED_SPAN = 64


@dataclass(slots=True)
class _Scope:
    """Lines ``first``..``last`` (inclusive) where ``key`` (``None`` = every rule) is suppressed."""

    directive: Directive
    key: DirectiveKey | None
    first: int
    last: int
    except_keys: frozenset[str] = frozenset()  # for a bare disable after ``enable CODE``
    used: bool = False

    @property
    def whole_file(self) -> bool:
        """Whether this scope comes from ``disable-file``."""
        return self.directive.kind == "disable-file"

    def matches(self, code: str, name: str | None, line: int) -> bool:
        """Whether the scope suppresses ``code`` (or its ``name``) on ``line``."""
        if not self.first <= line <= self.last:
            return False
        wanted = {code} if name is None else {code, name}
        if self.key is None:
            return not (wanted & self.except_keys)
        return _canonical(self.key.key) in wanted


def _code_spans(line: str) -> list[tuple[int, int]]:
    """Column spans of inline code (matching backtick runs) on one line."""
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


def _parse_line(text: str, line: int) -> list[Directive]:
    """The directives written on one line, left to right."""
    if "milestone-lsp-" not in text:
        return []
    code_spans = _code_spans(text) if "`" in text else []
    found: list[Directive] = []
    for match in _DIRECTIVE.finditer(text):
        if any(start <= match.start() < end for start, end in code_spans):
            continue
        body_start = match.start("body")
        body = match.group("body")
        reason_match = _REASON.search(body)
        codes_text = body if reason_match is None else body[: reason_match.start()]
        reason = None if reason_match is None else body[reason_match.end() :].strip() or None
        keys = tuple(
            DirectiveKey(token.group(), body_start + token.start(), body_start + token.end())
            for token in _TOKEN.finditer(codes_text)
        )
        kind: DirectiveKind = match.group("kind")  # type: ignore[assignment]
        found.append(Directive(kind, line, match.start(), match.end(), keys, reason))
    return found


@dataclass
class Suppressions:
    """The suppression directives of one document and the lines each one covers."""

    lines: Sequence[str]
    directives: list[Directive] = field(default_factory=list)
    _scopes: list[_Scope] = field(default_factory=list, repr=False)

    def is_suppressed(self, code: str, line: int, name: str | None = None) -> bool:
        """Whether a finding of rule ``code`` (also known as ``name``) on ``line`` is suppressed."""
        code = _canonical(code)
        return any(
            scope.matches(code, name, line)
            for scope in self._scopes
            if code != UNUSED_CODE or scope.whole_file
        )

    def apply(
        self,
        findings: list[Finding],
        *,
        path: str,
        unused_severity: Severity | None = Severity.INFORMATION,
        name_of: Callable[[str], str] | None = None,
        is_active: Callable[[str], bool] | None = None,
    ) -> list[Finding]:
        """The findings not suppressed, plus an MS901 finding per suppression that did nothing.

        Pass every finding of the document: a directive is "unused" when nothing in ``findings``
        matched it. ``is_active(key)`` (a code or name) says whether that rule ran at all; codes of
        rules that did not run are never reported as unused. ``unused_severity=None`` turns MS901
        off.
        """
        for scope in self._scopes:
            scope.used = False
        kept: list[Finding] = []
        covering = self._covering()
        lines = self._covered_lines()
        for finding in findings:
            if lines is not None and finding.range.start.line not in lines:
                kept.append(finding)  # no scope covers its line
                continue
            code = _canonical(finding.code)
            name = name_of(code) if name_of is not None else None
            line = finding.range.start.line
            hits = [
                scope
                for scope in covering(line)
                if (code != UNUSED_CODE or scope.whole_file) and scope.matches(code, name, line)
            ]
            for scope in hits:
                scope.used = True
            if not hits:
                kept.append(finding)
        if unused_severity is None:
            return kept
        unused = self._unused_findings(path, unused_severity, is_active)
        unused_name = name_of(UNUSED_CODE) if name_of is not None else UNUSED_NAME
        for finding in unused:
            hits = [
                scope
                for scope in self._scopes
                if scope.whole_file
                and scope.matches(UNUSED_CODE, unused_name, finding.range.start.line)
            ]
            if not hits:
                kept.append(finding)
        return kept

    def _covered_lines(self) -> set[int] | None:
        """The lines some scope covers when every scope is short, else ``None`` (a scope that
        runs to the end of the file covers too many lines to list)."""
        covered: set[int] = set()
        for scope in self._scopes:
            if scope.last - scope.first >= _INDEXED_SPAN:
                return None
            covered.update(range(scope.first, scope.last + 1))
        return covered

    def _covering(self) -> Callable[[int], list[_Scope]]:
        """``covering(line)``: the scopes whose lines include ``line``.

        Short scopes are indexed by line and long ones (a bare disable runs to the end of the
        file) checked one by one, so that matching every finding against every scope does not
        grow with the product of the two (150 scopes and 3,500 findings at 100k lines).
        """
        by_line: dict[int, list[_Scope]] = {}
        long: list[_Scope] = []
        for scope in self._scopes:
            if scope.last - scope.first < _INDEXED_SPAN:
                for number in range(scope.first, scope.last + 1):
                    by_line.setdefault(number, []).append(scope)
            else:
                long.append(scope)

        def covering(line: int) -> list[_Scope]:
            found = by_line.get(line, [])
            if long:
                found = found + [s for s in long if s.first <= line <= s.last]
            return found

        return covering

    def _unused_findings(
        self,
        path: str,
        severity: Severity,
        is_active: Callable[[str], bool] | None,
    ) -> list[Finding]:
        """MS901 findings for each directive, or each code of one, that suppressed nothing."""
        used: dict[tuple[int, int, int | None], bool] = {}
        for scope in self._scopes:
            slot = (scope.directive.line, scope.directive.start, _key_start(scope.key))
            used[slot] = used.get(slot, False) or scope.used
        removals: list[tuple[Directive, list[DirectiveKey]]] = []
        for directive in self.directives:
            if directive.kind == "enable":
                continue  # enabling suppresses nothing by design; an unmatched one is harmless
            line, start = directive.line, directive.start
            if directive.covers_all:
                if not used.get((line, start, None), False):
                    removals.append((directive, []))
                continue
            idle = [
                key
                for key in directive.keys
                if not used.get((line, start, key.start), False)
                and not _exempt(directive, key, is_active)
            ]
            if idle:
                removals.append((directive, idle))
        return self._report(removals, path, severity)

    def _report(
        self,
        removals: list[tuple[Directive, list[DirectiveKey]]],
        path: str,
        severity: Severity,
    ) -> list[Finding]:
        """Build the MS901 findings and their fixes."""
        whole = [d for d, idle in removals if not idle or len(idle) == len(d.keys)]
        comment_spans = _comment_removals(self.lines, whole)
        out: list[Finding] = []
        for directive, idle in removals:
            keyword = f"milestone-lsp-{directive.kind}"
            if directive in comment_spans:
                what = "" if directive.covers_all else " " + " ".join(k.key for k in idle)
                note = _note(idle)
                out.append(
                    Finding(
                        code=UNUSED_CODE,
                        severity=severity,
                        message=f"Unused suppression: {keyword}{what} suppresses nothing{note}",
                        path=path,
                        range=Range.of(directive.line, directive.start, end=directive.end),
                        fixes=[
                            Fix(
                                "Remove unused suppression comment",
                                (TextEdit(path, comment_spans[directive], ""),),
                            )
                        ],
                        tags=["unnecessary"],
                    )
                )
                continue
            for key, span in _key_removals(self.lines[directive.line], directive, idle):
                message = f"Unused suppression: {keyword} {key.key} suppresses nothing"
                message += _note([key])
                out.append(
                    Finding(
                        code=UNUSED_CODE,
                        severity=severity,
                        message=message,
                        path=path,
                        range=Range.of(directive.line, key.start, end=key.end),
                        fixes=[
                            Fix(
                                f"Remove {key.key} from the suppression comment",
                                (
                                    TextEdit(
                                        path, Range.of(directive.line, span[0], end=span[1]), ""
                                    ),
                                ),
                            )
                        ],
                        tags=["unnecessary"],
                    )
                )
        return out


def _note(keys: list[DirectiveKey]) -> str:
    """Why naming MS901 outside disable-file never works, when the keys do that."""
    if any(_canonical(key.key) in (UNUSED_CODE, UNUSED_NAME) for key in keys):
        return f"; {UNUSED_CODE} can only be suppressed with disable-file"
    return ""


def _key_start(key: DirectiveKey | None) -> int | None:
    """The slot of a scope's key inside its directive (``None`` for a bare directive)."""
    return None if key is None else key.start


def _exempt(
    directive: Directive, key: DirectiveKey, is_active: Callable[[str], bool] | None
) -> bool:
    """Keys never reported unused: MS901 in disable-file, and rules that did not run."""
    canonical = _canonical(key.key)
    if canonical in (UNUSED_CODE, UNUSED_NAME):
        return directive.kind == "disable-file"
    return is_active is not None and not is_active(canonical)


def _comment_removals(lines: Sequence[str], directives: list[Directive]) -> dict[Directive, Range]:
    """For each directive, the range that removes its comment (or its whole line) cleanly.

    A comment alone on its line takes the line with it; at the end of a line it takes the spaces
    before it (trailing spaces are a hard break in markdown); elsewhere it takes the spaces after
    it. Spans on one line are trimmed so they never overlap, so fix-all can apply them together.
    """
    out: dict[Directive, Range] = {}
    by_line: dict[int, list[Directive]] = {}
    for directive in directives:
        by_line.setdefault(directive.line, []).append(directive)
    last_line = len(lines) - 1
    for line, group in by_line.items():
        text = lines[line]
        previous_end = 0
        for directive in sorted(group, key=lambda d: d.start):
            before, after = text[: directive.start], text[directive.end :]
            if not before.strip() and not after.strip():
                if line < last_line:
                    out[directive] = Range(Position(line, 0), Position(line + 1, 0))
                else:
                    # The last line has no terminator: emptying it leaves the previous one's.
                    out[directive] = Range.of(line, 0, end=len(text))
                continue
            if not after.strip():
                start = len(before.rstrip(" \t"))
                end = len(text)
            else:
                start = directive.start
                end = len(text) - len(after.lstrip(" \t"))
                if not before.strip():
                    start = directive.start  # keep the line's indentation
            start = max(start, previous_end)
            previous_end = end
            out[directive] = Range.of(line, start, end=end)
    return out


def _key_removals(
    text: str, directive: Directive, idle: list[DirectiveKey]
) -> list[tuple[DirectiveKey, tuple[int, int]]]:
    """For each idle key, the columns that remove it together with one separator.

    Consecutive idle keys form runs. A run followed by a kept key gives up its keys and the
    separators after them (the separator before the run then divides its neighbours); a run at the
    end gives up its keys and the separators before them. Every span is cut at key boundaries, so
    no two overlap (fix-all applies them together) and each alone still leaves clean spacing.
    """
    idle_starts = {key.start for key in idle}
    keys = directive.keys
    out: list[tuple[DirectiveKey, tuple[int, int]]] = []
    for index, key in enumerate(keys):
        if key.start not in idle_starts:
            continue
        following = next(
            (later for later in keys[index + 1 :] if later.start not in idle_starts), None
        )
        if following is not None:
            out.append((key, (key.start, keys[index + 1].start)))
        else:
            previous_end = keys[index - 1].end if index else _keyword_end(text, directive)
            out.append((key, (previous_end, key.end)))
    return out


def _keyword_end(text: str, directive: Directive) -> int:
    """Column just past the directive's keyword."""
    keyword = f"milestone-lsp-{directive.kind}"
    return text.index(keyword, directive.start) + len(keyword)


def comment_mark_lines(lines: Sequence[str], start: int, end: int) -> list[int]:
    """The numbers of the lines ``start``..``end`` that open or close an HTML comment: the
    only lines :func:`parse_suppressions` reads."""
    return [n for n in range(start, end) if "<!--" in lines[n] or "-->" in lines[n]]


def parse_suppressions(
    lines: Sequence[str],
    skip_lines: Container[int] = frozenset(),
    marked: Iterable[int] | None = None,
) -> Suppressions:
    """Find the suppression directives in ``lines`` (no terminators) outside ``skip_lines``.

    Text inside an HTML comment that spans lines is comment, not a directive: a
    ``<!-- milestone-lsp-disable -->`` written there is part of the comment around it, and
    removing it as unused would remove the comment's ``-->`` with it.

    ``marked`` are the lines that open or close a comment (:func:`comment_mark_lines`) when
    the caller has them: the other lines hold no directive and end no comment.
    """
    directives: list[Directive] = []
    in_comment = False
    numbers = range(len(lines)) if marked is None else marked
    for number in numbers:
        text = lines[number]
        if (not in_comment and "<!--" not in text) or number in skip_lines:
            continue
        start = 0
        if in_comment:
            close = text.find("-->")
            if close < 0:
                continue
            in_comment = False
            start = close + 3
        directives += [d for d in _parse_line(text, number) if d.start >= start]
        pos = start
        while (opening := text.find("<!--", pos)) >= 0:
            closing = text.find("-->", opening + 4)
            if closing < 0:
                in_comment = True
                break
            pos = closing + 3
    return Suppressions(lines, directives, _build_scopes(directives))


def _build_scopes(directives: list[Directive]) -> list[_Scope]:
    """Turn directives into line intervals, following disable/enable in document order."""
    scopes: list[_Scope] = []
    running: list[_Scope] = []  # disable scopes not yet ended by an enable

    def restart(scope: _Scope, line: int, except_keys: frozenset[str]) -> _Scope:
        # A bare disable whose exceptions change at ``line`` continues as a new interval.
        scope.last = line - 1
        successor = _Scope(scope.directive, None, line, _EOF, except_keys)
        scopes.append(successor)
        return successor

    for directive in directives:
        line = directive.line
        if directive.kind in ("disable-line", "disable-next-line", "disable-file"):
            if directive.kind == "disable-line":
                first, last = line, line
            elif directive.kind == "disable-next-line":
                first, last = line + 1, line + 1  # the literal next line, as markdownlint does
            else:
                first, last = 0, _EOF
            keys: tuple[DirectiveKey | None, ...] = directive.keys or (None,)
            scopes.extend(_Scope(directive, key, first, last) for key in keys)
            continue
        canonicals = [_canonical(key.key) for key in directive.keys]
        if directive.kind == "disable":
            started = [_Scope(directive, key, line, _EOF) for key in directive.keys or (None,)]
            scopes.extend(started)
            # Rules enabled inside a bare disable are covered by it again.
            running = [
                restart(s, line, s.except_keys - set(canonicals))
                if s.key is None and s.except_keys & set(canonicals)
                else s
                for s in running
            ]
            running.extend(started)
            continue
        # enable
        if directive.covers_all:
            for scope in running:
                scope.last = line - 1
            running = []
            continue
        still: list[_Scope] = []
        for scope in running:
            if scope.key is not None:
                if _canonical(scope.key.key) in canonicals:
                    scope.last = line - 1
                else:
                    still.append(scope)
            elif set(canonicals) - scope.except_keys:
                still.append(restart(scope, line, scope.except_keys | set(canonicals)))
            else:
                still.append(scope)
        running = still
    return scopes


# --- "Suppress on this line" ----------------------------------------------------------------

REASON_PLACEHOLDER = "[why this is acceptable]"
_TABLE_ROW = lazy(r"^\s{0,3}\|")
_LIST_ITEM = lazy(r"^(?P<indent>[ \t]*)(?P<marker>[-*+]|\d{1,9}[.)])(?P<space>[ \t]+)")


def has_reason(directive: Directive) -> bool:
    """Whether a directive says why (``-- reason``), not just the placeholder the fix writes."""
    reason = (directive.reason or "").strip()
    return bool(reason) and reason != REASON_PLACEHOLDER


def suppression_edits(
    path: str,
    lines: Sequence[str],
    fenced: Container[int],
    line: int,
    key: str,
    newline: str,
) -> tuple[str, tuple[TextEdit, ...]] | None:
    """A title and the edits that suppress rule ``key`` for the finding on ``line``.

    The directive goes where it changes nothing else the document says: above a heading, a
    paragraph or a list's first item, at the line's indentation; above a later list item,
    indented into the item before it (so the list stays one list); around a table as a
    ``disable``/``enable`` pair (a comment between rows would end the table). The reason is a
    visible placeholder the author replaces. Inside fenced code, where a comment would be an
    example and not a directive, the pair goes around the whole block (markers included).
    """
    if not 0 <= line < len(lines):
        return None
    reason = f" -- {REASON_PLACEHOLDER}"
    text = lines[line]
    if line in fenced:
        first = line
        while first > 0 and first - 1 in fenced:
            first -= 1
        last = line
        while last + 1 < len(lines) and last + 1 in fenced:
            last += 1
        opener = lines[first]
        indent = opener[: len(opener) - len(opener.lstrip())]
        opening = f"{indent}<!-- milestone-lsp-disable {key}{reason} -->{newline}"
        closing = f"{newline}{indent}<!-- milestone-lsp-enable {key} -->"
        end = Position(last, len(lines[last]))
        return (
            f"Suppress {key} in this code block (add a reason)",
            (
                TextEdit(path, Range(Position(first, 0), Position(first, 0)), opening),
                TextEdit(path, Range(end, end), closing),
            ),
        )
    if _TABLE_ROW().match(text):
        first = line
        while first > 0 and _TABLE_ROW().match(lines[first - 1]) and first - 1 not in fenced:
            first -= 1
        last = line
        while last + 1 < len(lines) and _TABLE_ROW().match(lines[last + 1]):
            last += 1
        indent = text[: len(text) - len(text.lstrip())]
        opening = f"{indent}<!-- milestone-lsp-disable {key}{reason} -->{newline}"
        closing = f"{newline}{indent}<!-- milestone-lsp-enable {key} -->"
        end = Position(last, len(lines[last]))
        return (
            f"Suppress {key} in this table (add a reason)",
            (
                TextEdit(path, Range(Position(first, 0), Position(first, 0)), opening),
                TextEdit(path, Range(end, end), closing),
            ),
        )
    indent = text[: len(text) - len(text.lstrip())]
    if _LIST_ITEM().match(text):
        previous = line - 1
        while previous >= 0 and not lines[previous].strip():
            previous -= 1
        if previous >= 0 and previous not in fenced:
            container = _item_content_column(lines, previous, len(indent))
            if container is not None:
                indent = " " * container  # inside the item above: the list goes on
    comment = f"{indent}<!-- milestone-lsp-disable-next-line {key}{reason} -->{newline}"
    at = Position(line, 0)
    return (
        f"Suppress {key} on this line (add a reason)",
        (TextEdit(path, Range(at, at), comment),),
    )


def _item_content_column(lines: Sequence[str], line: int, indent: int) -> int | None:
    """The content column of the list item that ``line`` belongs to, if it is a sibling (or a
    parent) of an item indented by ``indent``; ``None`` when ``line`` is not in such an item."""
    for number in range(line, -1, -1):
        text = lines[number]
        if not text.strip():
            continue
        m = _LIST_ITEM().match(text)
        here = len(text) - len(text.lstrip())
        if m is not None and len(m.group("indent")) <= indent:
            return m.end()
        if m is None and here == 0:
            return None  # a paragraph or heading at the margin: no item above
    return None
