"""Fix-all: every safe fix applied until nothing is left to fix — the one definition that
``check --fix`` and the editor's "Fix all safe milestone-lsp problems" share.

One round picks, for each finding in order, its first safe fix whose edits can all be written
and conflict with no edit picked before; a fix that conflicts waits for the next round, when
the text has changed and the findings are computed again. Rounds repeat until no finding
offers a safe fix (at most :data:`MAX_ROUNDS`), so fix-all is idempotent: pressing it twice, or
running ``check --fix`` twice, changes nothing the second time.

The same selection in both shells is what makes them agree: the command line writes the final
texts to disk; the server turns them into minimal edits of the editor's text
(:func:`minimal_edits`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import accumulate

from milestone_lsp.core.edits import TextEdit, apply_edits
from milestone_lsp.core.findings import Finding
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.positions import LineIndex, Range, line_starts

MAX_ROUNDS = 10
FIX_ALL_TITLE = "Fix all safe milestone-lsp problems"


def conflict(a: TextEdit, b: TextEdit) -> bool:
    """Whether two edits of one file cannot both be applied as written.

    They conflict when their ranges share characters, when one inserts strictly inside the
    other's range, or when both insert at the same point (their order would be a guess).
    Edits that only touch (one ends where the other starts) do not conflict.
    """
    if a.path != b.path:
        return False
    a_start, a_end = a.range.start, a.range.end
    b_start, b_end = b.range.start, b.range.end
    if a_start == a_end and b_start == b_end:
        return a_start == b_start
    return a_start < b_end and b_start < a_end


@dataclass(slots=True)
class Round:
    """What one round picked: the edits per file, how many fixes, and files it may not write."""

    edits: dict[str, list[TextEdit]] = field(default_factory=dict)
    fixes: int = 0
    refused: set[str] = field(default_factory=set)


def pick(findings: Iterable[Finding], writable: Callable[[str], bool]) -> Round:
    """The fixes of one round (see the module docstring)."""
    chosen = Round()
    for finding in findings:
        for fix in finding.fixes:
            if fix.applicability != "safe":
                continue
            blocked = [e.path for e in fix.edits if not writable(e.path)]
            if blocked:
                chosen.refused.update(blocked)
                continue
            if any(conflict(e, o) for e in fix.edits for o in chosen.edits.get(e.path, [])):
                break  # this finding's fix waits for the next round
            for e in fix.edits:
                chosen.edits.setdefault(e.path, []).append(e)
            chosen.fixes += 1
            break
    return chosen


@dataclass(slots=True)
class Settled:
    """The texts after fix-all, how many fixes were applied per file, and files refused."""

    texts: dict[str, str]
    fixed: dict[str, int] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)
    rounds: int = 0


def settle(
    texts: Mapping[str, str],
    findings_of: Callable[[Mapping[str, str]], list[Finding]],
    writable: Callable[[str], bool],
) -> Settled:
    """Apply safe fixes to ``texts`` round after round until none is left.

    ``findings_of(texts)`` checks the current texts (the shell parses them in its own
    workspace); only paths in ``texts`` that ``writable`` accepts are changed.
    """
    current = dict(texts)
    result = Settled(current)
    for _ in range(MAX_ROUNDS):
        chosen = pick(findings_of(current), lambda path: path in current and writable(path))
        result.refused |= chosen.refused
        changed = False
        for path, edits in chosen.edits.items():
            new_text = apply_edits(current[path], edits)
            if new_text != current[path]:
                current[path] = new_text
                result.fixed[path] = result.fixed.get(path, 0) + len(edits)
                changed = True
        if not changed:
            break
        result.rounds += 1
    return result


def minimal_edits(path: str, before: str, after: str) -> list[TextEdit]:
    """Edits that turn ``before`` into ``after`` and leave every unchanged character alone.

    Lines are matched first (difflib, whole lines with their endings), then the characters
    inside each run of changed lines, a ``\r\n`` counting as one character: so an edit carries
    exactly the text the fixes wrote, never a neighbouring line's ending, and never starts or
    ends between the ``\r`` and ``\n`` of a line ending (LSP has no position there). In core
    positions of ``before``; empty when the texts are equal.
    """
    if before == after:
        return []
    old_at = [*line_starts(before), len(before)]
    new_at = [*line_starts(after), len(after)]
    old = [before[old_at[i] : old_at[i + 1]] for i in range(len(old_at) - 1)]
    new = [after[new_at[i] : new_at[i + 1]] for i in range(len(new_at) - 1)]
    index = LineIndex(before)
    edits: list[TextEdit] = []
    # Lines as frequent as blank ones are not used to anchor a match (difflib's "autojunk"):
    # without that, matching a 10k-line plan took seconds; the matches still run through them,
    # and the character pass below keeps every unchanged character of a changed run alone.
    lines = difflib.SequenceMatcher(a=old, b=new, autojunk=True)
    for tag, i1, i2, j1, j2 in lines.get_opcodes():
        if tag == "equal":
            continue
        a0, b0 = old_at[i1], new_at[j1]
        a_units = _UNIT().findall(before, a0, old_at[i2])
        b_units = _UNIT().findall(after, b0, new_at[j2])
        a_offsets = list(accumulate(map(len, a_units), initial=a0))
        b_offsets = list(accumulate(map(len, b_units), initial=b0))
        units = difflib.SequenceMatcher(a=a_units, b=b_units, autojunk=False)
        for utag, u1, u2, v1, v2 in units.get_opcodes():
            if utag == "equal":
                continue
            start = index.position(a_offsets[u1])
            end = index.position(a_offsets[u2])
            text = after[b_offsets[v1] : b_offsets[v2]]
            edits.append(TextEdit(path, Range(start, end), text))
    return edits


# One character, or a whole "\r\n" line ending.
_UNIT = lazy(r"\r\n|[\s\S]")
