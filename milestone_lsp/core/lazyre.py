"""Regular expressions compiled the first time they are used, not when their module is imported.

Every ``milestone-lsp check`` imports every rule family, and compiling a pattern is paid again
by each new process: a pattern that only some documents need (a free-form plan's criteria, a
tree of counts, a DECISIONS.md table) is better compiled when one of them turns up.
``lazy(r"...")`` returns a function that compiles the pattern on its first call and hands back
the same compiled pattern afterwards (``_DONE().search(text)``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable


def lazy(pattern: str, flags: int | re.RegexFlag = 0) -> Callable[[], re.Pattern[str]]:
    """A function returning ``re.compile(pattern, flags)``, compiled once, at its first call."""

    @functools.cache
    def compiled() -> re.Pattern[str]:
        return re.compile(pattern, flags)

    return compiled
