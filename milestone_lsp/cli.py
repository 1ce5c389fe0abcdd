"""Command line: ``milestone-lsp parse|check|serve|...``.

Each subcommand lives in its own function and imports what it needs when it runs, so that
``check`` and ``parse`` never pay for pygls/lsprotocol (their import alone costs ~0.5 s).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

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


def _progress_summary(result: object) -> list[str]:
    from milestone_lsp.check import CheckResult, is_milestone_document
    from milestone_lsp.core.progress import milestone_progress, overall_progress

    assert isinstance(result, CheckResult)
    method = result.config.progress_method
    lines = []
    for checked in result.files:
        doc = result.workspace.get(checked.display)
        if doc is None or not is_milestone_document(doc, checked.display, result.config):
            continue
        parts = []
        if doc.status_sections:
            overall = overall_progress(result.workspace, doc, method)
            if overall is not None:
                parts.append(f"overall {overall.explain()}")
        for m in doc.milestones:
            if m.is_update:
                continue
            tally = milestone_progress(result.workspace, m, method)
            if tally is not None:
                parts.append(f"{m.name} {tally.done}/{tally.total} ({round(tally.percent)}%)")
        if parts:
            lines.append(f"{checked.display}: " + "; ".join(parts))
    return lines


def cmd_check(args: argparse.Namespace) -> int:
    """Lint milestone markdown; exit 0 clean, 1 findings at the fail level, 2 errors."""
    import gc

    # The modules imported and the documents parsed live until the process exits; the cyclic
    # collector would only traverse them again and again (a quarter of the run at 100k lines).
    # It is off while they are made, then they are frozen out of its reach (_check).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _check(args)
    finally:
        if enabled:
            gc.enable()


def _check(args: argparse.Namespace) -> int:
    """``check`` itself, entered with the cyclic collector off."""
    import gc

    from milestone_lsp import check as checking
    from milestone_lsp import output
    from milestone_lsp.core.findings import Severity
    from milestone_lsp.rules.registry import all_rules

    targets = [Path(p) for p in args.paths if p != "-"]
    use_stdin = "-" in args.paths
    if not args.paths:
        targets = [Path(".")]
    root = checking.workspace_root(targets)
    loaded, problems = checking.load_config_or_errors(targets[0] if targets else Path.cwd())
    if problems:
        for problem in problems:
            print(f"milestone-lsp: {problem}", file=sys.stderr)
        return EXIT_ERROR
    rules = all_rules()
    known = {r.code for r in rules} | {r.name for r in rules}
    select = set(_split(args.select)) if args.select else None
    ignore = set(_split(args.ignore))
    for key in (select or set()) | ignore:
        if key not in known and key.upper() not in known:
            print(
                f"milestone-lsp: unknown rule {key!r} (see `milestone-lsp rules`)", file=sys.stderr
            )
            return EXIT_ERROR
    select = {k.upper() if k.upper() in known else k for k in select} if select else None
    ignore = {k.upper() if k.upper() in known else k for k in ignore}
    stdin_text = sys.stdin.read() if use_stdin else None
    progress = _progress_bar() if sys.stderr.isatty() and args.format == "text" else None
    result = checking.build_workspace(
        targets if targets or not use_stdin else [],
        loaded.config,
        root,
        stdin_text=stdin_text,
        stdin_name=args.stdin_filename,
        progress=progress,
    )
    if progress is not None:
        progress(-1, -1)
    # Modules and documents stay until exit: frozen, they are never traversed again; the
    # collector is back on for what the rules and the output allocate.
    gc.freeze()
    gc.enable()
    _provide_scope_creep(result, root, select, ignore)
    if args.fix:
        checking.apply_safe_fixes(result, select, ignore)
    else:
        checking.run_rules(result, select, ignore)
    if args.baseline is not None:
        baseline = Path(args.baseline)
        if args.update_baseline or not baseline.exists():
            checking.write_baseline(result, baseline)
            print(
                f"milestone-lsp: recorded {len(result.findings)} findings in {baseline}",
                file=sys.stderr,
            )
            result.findings = []
        else:
            try:
                checking.filter_baseline(result, baseline)
            except (OSError, ValueError) as exc:
                print(f"milestone-lsp: {baseline}: {exc}", file=sys.stderr)
                return EXIT_ERROR
    for error in result.errors:
        print(f"milestone-lsp: {error}", file=sys.stderr)
    findings = result.findings
    if args.format == "json":
        text = output.render_json(findings, result.workspace, len(result.files))
    elif args.format == "sarif":
        text = output.render_sarif(findings, result.workspace, rules)
    elif args.format == "github":
        text = output.render_github(findings, {r.code: r.name for r in rules})
    else:
        text = output.render_text(findings)
        summary = _progress_summary(result)
        if summary:
            text += ("\n" if text else "") + "\n".join(summary) + "\n"
        fixed = sum(result.fixed.values())
        count = f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
        text += f"{count} in {len(result.files)} file{'s' if len(result.files) != 1 else ''}"
        text += f", {fixed} fixed\n" if args.fix else "\n"
    if _write_output(text, args.output_file) != EXIT_OK:
        return EXIT_ERROR
    if result.errors and not result.files:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_OK
    level = Severity(args.fail_on)
    return EXIT_FINDINGS if checking.fails(findings, level) else EXIT_OK


def _provide_scope_creep(
    result: object, root: Path, select: set[str] | None, ignore: set[str]
) -> None:
    """Read the git history for MS602 scope-creep when the rule runs and git can give it.

    Only when a checked file is committed: the history ends at ``HEAD``, so it can say nothing
    about files that never were (a new STATUS.md, or files git ignores), and reading it would
    cost a run over every commit for nothing.
    """
    from milestone_lsp.check import CheckResult
    from milestone_lsp.rules.engine import active_rules

    assert isinstance(result, CheckResult)
    if not any(r.code == "MS602" for r, _ in active_rules(result.config, select, ignore)):
        return
    from milestone_lsp.gitlog import GitError, any_committed, default_workers, load_history
    from milestone_lsp.rules import scope_creep

    named = select is not None and "MS602" in select  # asked for by name: say why it is silent
    if not any_committed(c.path for c in result.files):
        if named:
            print(
                "milestone-lsp: MS602 needs the git history: none of the checked files is "
                "committed to a git repository",
                file=sys.stderr,
            )
        return
    try:
        history = load_history(root, result.config, workers=default_workers())
    except GitError as exc:
        if named:
            print(f"milestone-lsp: MS602 needs the git history: {exc}", file=sys.stderr)
        return
    scope_creep.provide(result.workspace, [c for c in history.scope_creep if c.present])


def cmd_history(args: argparse.Namespace) -> int:
    """Progress over time from the git history of the milestone files."""
    from milestone_lsp.check import load_config_or_errors
    from milestone_lsp.core.history_render import render_html, render_text
    from milestone_lsp.gitlog import GitError, default_workers, load_history

    target = Path(args.path)
    loaded, problems = load_config_or_errors(target)
    if problems:
        for problem in problems:
            print(f"milestone-lsp: {problem}", file=sys.stderr)
        return EXIT_ERROR
    try:
        history = load_history(target, loaded.config, since=args.since, workers=default_workers())
    except GitError as exc:
        print(f"milestone-lsp: {exc}", file=sys.stderr)
        return EXIT_ERROR
    for note in history.notes:
        print(f"milestone-lsp: note: {note}", file=sys.stderr)
    data = history.to_json()
    if args.format == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    elif args.format == "html":
        text = render_html(data)
    elif args.output is None and sys.stdout.isatty():
        _print_history_table(data)
        return EXIT_OK
    else:
        text = render_text(data)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"milestone-lsp: {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_ERROR
        print(f"milestone-lsp: wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _print_history_table(data: dict[str, Any]) -> None:
    """The history as a rich table (for a terminal)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from milestone_lsp.core.history_render import summary_lines, table_rows

    console = Console()
    if not data["commits"]:
        console.print("No commit changed a milestone file.")
        return
    header, rows = table_rows(data)
    table = Table(title="Progress history", caption="! = stated ahead of computed")
    for name in header:  # Text, not markup: names may hold "[...]"
        table.add_column(Text(name), no_wrap=name in ("Commit", "Date"))
    for row in rows:
        table.add_row(*(Text(cell, style="red" if cell.endswith("!") else "") for cell in row))
    console.print(table)
    for line in summary_lines(data):
        console.print(line, highlight=False, markup=False)


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def _progress_bar() -> Callable[[int, int], None]:
    """A progress bar on stderr for long runs (rich, imported only when a terminal shows it)."""
    from rich.progress import Progress, TaskID

    bars: list[tuple[Progress, TaskID]] = []

    def update(done: int, total: int) -> None:
        if not bars:
            if total < 50:
                return
            progress = Progress(transient=True)
            progress.start()
            bars.append((progress, progress.add_task("checking", total=total)))
        progress, task = bars[0]
        if done < 0:
            progress.stop()
            return
        progress.update(task, completed=done)

    return update


def cmd_rules(args: argparse.Namespace) -> int:
    """List the rule catalogue."""
    from milestone_lsp.rules.registry import all_rules

    for r in all_rules():
        fix = f" [fix: {r.fix}]" if r.fix else ""
        print(f"{r.code}  {r.name:<32} {r.severity.value:<11} {r.summary}{fix}")
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    """Print one rule's documentation."""
    from milestone_lsp.rules.docs import render_rule
    from milestone_lsp.rules.registry import by_name_or_code

    found = by_name_or_code(args.rule)
    if found is None:
        print(
            f"milestone-lsp: unknown rule {args.rule!r} (see `milestone-lsp rules`)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    sys.stdout.write(render_rule(found))
    return EXIT_OK


def _write_output(text: str, output: str | None) -> int:
    """Write ``text`` to the file ``output`` (or stdout); exit code."""
    if not output:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"milestone-lsp: {output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    """Scaffold STATUS.md, milestones, deliverables, DECISIONS.md and the config file."""
    from milestone_lsp.scaffold import ScaffoldError, write_scaffold

    folder = Path(args.dir)
    try:
        result = write_scaffold(folder, force=args.force)
    except ScaffoldError as exc:
        print(f"milestone-lsp: {exc}", file=sys.stderr)
        return EXIT_ERROR
    for path in result.created:
        print(f"created  {path}")
    for path in result.replaced:
        print(f"replaced {path}")
    where = "" if folder == Path(".") else f" -w {folder}"
    print(
        f"Next: replace the [bracketed] placeholders; `milestone-lsp check {folder}` lists "
        f"every one that is left. Then `milestone-lsp report{where}` shows the milestone's status."
    )
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """Print the Milestone Status Report of a milestone (the current one by default)."""
    from milestone_lsp import reporting
    from milestone_lsp.core.report import render_markdown, report_to_json

    try:
        ws, config, unreadable = reporting.open_workspace(Path(args.workspace))
        report = reporting.make_report(ws, config, args.milestone)
    except reporting.ReportError as exc:
        print(f"milestone-lsp: {exc}", file=sys.stderr)
        return EXIT_ERROR
    for problem in unreadable:
        print(f"milestone-lsp: skipped {problem}", file=sys.stderr)
    if args.format == "json":
        text = json.dumps(report_to_json(report), ensure_ascii=False, indent=2) + "\n"
    else:
        text = render_markdown(report)
    return _write_output(text, args.output)


def cmd_progress(args: argparse.Namespace) -> int:
    """Show overall, phase and milestone progress (rich on a terminal, else plain or JSON)."""
    from milestone_lsp import dashboard, reporting

    try:
        ws, config, unreadable = reporting.open_workspace(Path(args.workspace))
    except reporting.ReportError as exc:
        print(f"milestone-lsp: {exc}", file=sys.stderr)
        return EXIT_ERROR
    for problem in unreadable:
        print(f"milestone-lsp: skipped {problem}", file=sys.stderr)
    dash = dashboard.build_dashboard(ws, config)
    if args.format == "json":
        text = json.dumps(dashboard.dashboard_json(dash), ensure_ascii=False, indent=2)
        sys.stdout.write(text + "\n")
    elif sys.stdout.isatty():
        dashboard.render_rich(dash)
    else:
        sys.stdout.write(dashboard.render_plain(dash))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the language server; pygls is imported only here."""
    import gc

    # Importing the protocol types allocates ~10^5 objects that live until exit; collecting
    # them over and over while importing is wasted start-up time (the server re-enables it).
    gc.disable()
    from milestone_lsp.server import main as serve

    return serve(
        tcp=args.tcp,
        ws=args.ws,
        host=args.host,
        port=args.port,
        log_file=args.log_file,
        log_level=args.log_level,
    )


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
        help="the name given to a document read from stdin (default: STATUS.md)",
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
    c.set_defaults(func=cmd_check)

    r = sub.add_parser("rules", help="list the rule catalogue")
    r.set_defaults(func=cmd_rules)

    e = sub.add_parser("explain", help="print the documentation of one rule")
    e.add_argument("rule", metavar="RULE", help="code (MS101) or name (vague-criterion)")
    e.set_defaults(func=cmd_explain)

    i = sub.add_parser("init", help="start a workspace from the milestone templates")
    i.add_argument("dir", nargs="?", default=".", metavar="DIR", help="folder (default: .)")
    i.add_argument("--force", action="store_true", help="replace files that already exist")
    i.set_defaults(func=cmd_init)

    rp = sub.add_parser("report", help="print the Milestone Status Report of a milestone")
    rp.add_argument(
        "milestone", nargs="?", metavar="MILESTONE", help="name (default: STATUS.md's current)"
    )
    rp.add_argument("--format", choices=["markdown", "json"], default="markdown")
    rp.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    rp.add_argument(
        "--workspace", "-w", default=".", metavar="DIR", help="a folder of the workspace"
    )
    rp.set_defaults(func=cmd_report)

    pg = sub.add_parser("progress", help="show overall, phase and milestone progress")
    pg.add_argument("--format", choices=["text", "json"], default="text")
    pg.add_argument(
        "--workspace", "-w", default=".", metavar="DIR", help="a folder of the workspace"
    )
    pg.set_defaults(func=cmd_progress)

    h = sub.add_parser(
        "history", help="progress over time from the git history of the milestone files"
    )
    h.add_argument("path", nargs="?", default=".", metavar="PATH", help="workspace folder")
    h.add_argument("--since", metavar="REV", help="start at this commit, tag or branch")
    h.add_argument("--format", choices=["table", "json", "html"], default="table")
    h.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    h.set_defaults(func=cmd_history)

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
    s.set_defaults(func=cmd_serve)
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
    except Exception as exc:  # a bug must read as one clear line in CI, not a traceback
        if os.environ.get("MILESTONE_LSP_DEBUG"):
            raise
        print(
            f"milestone-lsp: internal error: {type(exc).__name__}: {exc} "
            "(set MILESTONE_LSP_DEBUG=1 for the traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_ERROR
