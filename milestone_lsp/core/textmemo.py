"""Results about a whole text, remembered by the text object rather than by its value.

``functools.lru_cache`` keys by value: the first look-up of a text object hashes all of it (about
2 ms for a 100k-line plan), and every keystroke makes a new text object. These memos compare the
object itself, so a look-up costs the same for any size. A text seen again as another object
(read from disk twice) is worked out again, which gives the same result.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerText(Generic[T]):
    """``func(text)`` for the last ``size`` text objects asked about."""

    def __init__(self, func: Callable[[str], T], size: int) -> None:
        self._func = func
        self._size = size
        self._held: tuple[tuple[str, T], ...] = ()
        functools.update_wrapper(self, func)

    def __call__(self, text: str) -> T:
        held = self._held  # read once: requests and an analysis thread may both ask
        for known, value in held:
            if known is text:
                return value
        value = self._func(text)
        self._held = ((text, value), *held[: self._size - 1])
        return value

    def remember(self, text: str, value: T) -> None:
        """Hold ``value`` as ``func(text)``, known by the caller without working it out."""
        held = self._held
        others = tuple(h for h in held if h[0] is not text)
        self._held = ((text, value), *others[: self._size - 1])

    def cache_clear(self) -> None:
        """Forget every text (benchmarks that time a cold analysis clear it)."""
        self._held = ()


def per_text(size: int) -> Callable[[Callable[[str], T]], PerText[T]]:
    """Remember a function of one text for the last ``size`` text objects."""

    def wrap(func: Callable[[str], T]) -> PerText[T]:
        return PerText(func, size)

    return wrap
