"""Regular expressions compiled the first time they are used, not when their module is imported.

Every ``milestone-lsp check`` imports every rule family, and compiling a pattern is paid again
by each new process: a pattern that only some documents need (a free-form plan's criteria, a
tree of counts, a DECISIONS.md table) is better compiled when one of them turns up.
``lazy(r"...")`` returns a function that compiles the pattern on its first call and hands back
the same compiled pattern afterwards (``_DONE().search(text)``).

``word_alternation`` writes a list of words as an alternation the engine tries faster.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable


def lazy(pattern: str, flags: int | re.RegexFlag = 0) -> Callable[[], re.Pattern[str]]:
    """A function returning ``re.compile(pattern, flags)``, compiled once, at its first call."""

    @functools.cache
    def compiled() -> re.Pattern[str]:
        return re.compile(pattern, flags)

    return compiled


def word_alternation(words: Iterable[str]) -> str:
    """An alternation of literal ``words`` (tried in the order given) grouped by first
    character: ``a(?:t least|bove)|b(?:elow)``.

    The regular-expression engine tries the alternatives of a plain alternation one by one at
    every position; grouped, a position tries only the words its character can open. Words
    with different first characters cannot match at the same position, so the first word that
    leads to a match is the same one, and every match (and its groups) is unchanged. Under
    ``re.IGNORECASE`` the groups must not differ only in case: ``words`` are lower case.
    """
    groups: dict[str, list[str]] = {}
    for word in words:
        if word:
            groups.setdefault(word[0], []).append(word[1:])
    return "|".join(
        re.escape(first) + "(?:" + "|".join(re.escape(rest) for rest in rests) + ")"
        for first, rests in groups.items()
    )
