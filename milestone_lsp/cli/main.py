"""The command line's entry point: argument parsing and the dispatch to one command's module.

This is the one place the command line defers imports: each command lives in its own module
(:mod:`milestone_lsp.cli.check`, ``.report``, ...), which imports what it needs at its top, and
:data:`COMMANDS` names the module to import for the command that runs. ``milestone-lsp check``
therefore loads the parser and the rules but never pygls or lsprotocol, and ``--help`` loads
nothing but this module.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from milestone_lsp import __version__
from milestone_lsp.cli.console import EXIT_ERROR, EXIT_OK

# command -> (module under milestone_lsp.cli, function)
COMMANDS: dict[str, tuple[str, str]] = {
    "parse": ("parse", "run"),
    "check": ("check", "run"),
    "rules": ("rules", "run"),
    "explain": ("rules", "explain"),
    "init": ("init", "run"),
    "report": ("report", "run"),
    "progress": ("progress", "run"),
    "history": ("history", "run"),
    "serve": ("serve", "run"),
}
# Commands whose modules and data live until the process exits: imported and run with the
# cyclic garbage collector paused (see milestone_lsp.cli.check and milestone_lsp.cli.serve).
COLLECTOR_PAUSED = frozenset({"check", "serve"})


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

    c = sub.add_parser("check", help="lint milestone markdown (files, folders, or - for stdin)")
    c.add_argument("paths", nargs="*", metavar="PATH")
    c.add_argument("--format", choices=["text", "json", "sarif", "github"], default="text")
    c.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    c.add_argument(
        "--fail-on",
        choices=["error", "warning", "information"],
        default="warning",
        help="lowest severity that makes the exit code 1 (default: warning)",
    )
    c.add_argument("--exit-zero", action="store_true", help="always exit 0 unless an error occurs")
    c.add_argument("--select", action="append", metavar="CODES", help="only these rules")
    c.add_argument("--ignore", action="append", metavar="CODES", help="skip these rules")
    c.add_argument("--output-file", "-o", metavar="FILE")
    c.add_argument(
        "--stdin-filename",
        default="STATUS.md",
        metavar="NAME",
        help=(
            "the name of the document read from stdin, for messages and its project (default: "
            "STATUS.md); with --fix the fixed document is printed, never written"
        ),
    )
    c.add_argument(
        "--baseline",
        metavar="FILE",
        help="report only findings not recorded in FILE (recorded when FILE is new)",
    )
    c.add_argument(
        "--update-baseline",
        action="store_true",
        help="rewrite the baseline file with the current findings",
    )

    sub.add_parser("rules", help="list the rule catalogue")

    e = sub.add_parser("explain", help="print the documentation of one rule")
    e.add_argument("rule", metavar="RULE", help="code (MS101) or name (vague-criterion)")

    i = sub.add_parser("init", help="start a workspace from the milestone templates")
    i.add_argument("dir", nargs="?", default=".", metavar="DIR", help="folder (default: .)")
    i.add_argument("--force", action="store_true", help="replace files that already exist")

    rp = sub.add_parser("report", help="print the Milestone Status Report of a milestone")
    rp.add_argument(
        "milestone", nargs="?", metavar="MILESTONE", help="name (default: STATUS.md's current)"
    )
    rp.add_argument("--format", choices=["markdown", "json"], default="markdown")
    rp.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    rp.add_argument(
        "--workspace", "-w", default=".", metavar="DIR", help="a folder of the workspace"
    )

    pg = sub.add_parser("progress", help="show overall, phase and milestone progress")
    pg.add_argument("--format", choices=["text", "json"], default="text")
    pg.add_argument(
        "--workspace", "-w", default=".", metavar="DIR", help="a folder of the workspace"
    )

    h = sub.add_parser(
        "history", help="progress over time from the git history of the milestone files"
    )
    h.add_argument("path", nargs="?", default=".", metavar="PATH", help="workspace folder")
    h.add_argument("--since", metavar="REV", help="start at this commit, tag or branch")
    h.add_argument("--format", choices=["table", "json", "html"], default="table")
    h.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")

    s = sub.add_parser("serve", help="run the language server (stdio unless --tcp or --ws)")
    transport = s.add_mutually_exclusive_group()
    transport.add_argument("--stdio", action="store_true", help="use stdin/stdout (default)")
    transport.add_argument("--tcp", action="store_true", help="listen on TCP")
    transport.add_argument("--ws", action="store_true", help="listen on a WebSocket")
    s.add_argument("--host", default="127.0.0.1", help="address for --tcp/--ws")
    s.add_argument("--port", type=int, default=2087, help="port for --tcp/--ws")
    s.add_argument("--log-file", metavar="FILE", help="write the server log to FILE")
    s.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        default="warning",
        help="lowest level written to the log (default: warning)",
    )
    s.add_argument(
        "--max-message-size",
        type=positive_int,
        default=64 * 1024 * 1024,
        metavar="BYTES",
        help="largest message read from the editor over stdio; larger ones are refused "
        "unread (default: 67108864, 64 MiB)",
    )
    return parser


def positive_int(text: str) -> int:
    """A whole number > 0, for argparse."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a whole number > 0, got {text!r}")
    return value


def command(name: str) -> Callable[[argparse.Namespace], int]:
    """The function that runs command ``name`` (its module is imported now)."""
    module_name, function = COMMANDS[name]
    module = importlib.import_module(f"milestone_lsp.cli.{module_name}")
    run: Callable[[argparse.Namespace], int] = getattr(module, function)
    return run


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    name: str | None = args.command
    if name is None:
        parser.print_help()
        return EXIT_ERROR
    paused = name in COLLECTOR_PAUSED and gc.isenabled()
    if paused:
        gc.disable()
    try:
        return command(name)(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug must read as one clear line in CI, not a traceback
        if os.environ.get("MILESTONE_LSP_DEBUG"):
            raise
        print(
            f"milestone-lsp: internal error: {type(exc).__name__}: {exc} "
            "(set MILESTONE_LSP_DEBUG=1 for the traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    finally:
        if paused:
            gc.enable()
