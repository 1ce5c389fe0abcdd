"""Exit codes and the few output helpers every command shares."""

from __future__ import annotations

import sys
from pathlib import Path

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def error(message: str) -> None:
    """One ``milestone-lsp: ...`` line on stderr."""
    print(f"milestone-lsp: {message}", file=sys.stderr)


def warning(message: str) -> None:
    """One ``milestone-lsp: warning: ...`` line on stderr."""
    print(f"milestone-lsp: warning: {message}", file=sys.stderr)


def write_output(text: str, output: str | None) -> int:
    """Write ``text`` to the file ``output`` (or stdout); exit code."""
    if not output:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        error(f"{output}: {exc.strerror or exc}")
        return EXIT_ERROR
    return EXIT_OK


def split_codes(values: list[str] | None) -> list[str]:
    """``["MS101,MS203", "MS301"]`` (repeated, comma-separated options) as one list."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]
