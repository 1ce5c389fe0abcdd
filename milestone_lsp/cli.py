"""Command line: ``milestone-lsp parse|check|serve|...``.

Each subcommand lives in its own function and imports what it needs when it runs, so that
``check`` and ``parse`` never pay for pygls/lsprotocol (their import alone costs ~0.5 s).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from milestone_lsp import __version__

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def _load_workspace(paths: Sequence[str]) -> tuple[object, list[Path], list[str]]:
    from milestone_lsp.core.files import discover, read_text
    from milestone_lsp.core.parser import parse
    from milestone_lsp.core.workspace import Workspace

    found = discover([Path(p) for p in paths])
    ws = Workspace()
    errors = [f"{path}: {reason}" for path, reason in found.skipped]
    for path in found.files:
        result = read_text(path)
        if result.text is None:
            errors.append(f"{path}: {result.error}")
            continue
        ws.add(parse(result.text, str(path)))
    return ws, found.files, errors


def cmd_parse(args: argparse.Namespace) -> int:
    """Print the model of the given files: a readable outline or JSON."""
    from milestone_lsp.core.outline import outline, to_jsonable
    from milestone_lsp.core.workspace import Workspace

    ws, files, errors = _load_workspace(args.paths)
    assert isinstance(ws, Workspace)
    for error in errors:
        print(f"milestone-lsp: {error}", file=sys.stderr)
    docs = [ws.documents[str(p)] for p in files if str(p) in ws.documents]
    if args.format == "json":
        json.dump(
            {"version": 1, "documents": [to_jsonable(d) for d in docs]},
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        sys.stdout.write("\n")
    else:
        for doc in docs:
            print("\n".join(outline(ws, doc, args.progress_method)))
            print()
    return EXIT_ERROR if errors and not docs else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="milestone-lsp",
        description="Language server and CI linter for milestone, deliverable and STATUS.md files.",
    )
    parser.add_argument("--version", action="version", version=f"milestone-lsp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("parse", help="print the parsed model of milestone markdown files")
    p.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--progress-method", choices=["criteria", "deliverables"], default="criteria")
    p.set_defaults(func=cmd_parse)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        return func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
