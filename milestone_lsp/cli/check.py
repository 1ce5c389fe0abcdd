"""``milestone-lsp check``: lint milestone markdown in CI (text, JSON, SARIF, GitHub annotations).

Entered with the cyclic garbage collector paused (:mod:`milestone_lsp.cli.main`): the modules
imported and the documents parsed live until the process exits, so the collector would only
traverse them again and again (a quarter of the run at 100k lines). Once the workspace is
parsed they are frozen out of its reach and the collector runs again for what the rules and the
output allocate.
"""

from __future__ import annotations

import argparse
import gc
import glob
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from milestone_lsp.cli import deferred, formats
from milestone_lsp.cli.console import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    error,
    split_codes,
    warning,
    write_output,
)
from milestone_lsp.core.files import resolve_problem
from milestone_lsp.core.findings import Finding, Severity
from milestone_lsp.core.progress import milestone_progress, overall_progress
from milestone_lsp.project import checking
from milestone_lsp.project.checking import CheckResult, display_path, is_milestone_document
from milestone_lsp.project.gitlog import GitError, any_committed
from milestone_lsp.rules import scope_creep
from milestone_lsp.rules.catalogue import all_rules
from milestone_lsp.rules.engine import active_rules
from milestone_lsp.settings.config import find_workspace_root

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


def run(args: argparse.Namespace) -> int:
    """Lint milestone markdown; exit 0 clean, 1 findings at the fail level, 2 errors."""
    paths, unmatched = expand_patterns(args.paths)
    for pattern in unmatched:
        warning(f"{pattern}: no file or folder matches this pattern")
    if args.paths and not paths:
        error("nothing to check: no path given matches a file or folder")
        return EXIT_ERROR
    targets = [Path(p) for p in paths if p != "-"]
    use_stdin = "-" in paths
    if not args.paths:
        targets = [Path(".")]
    touched, configs, problems = checking.load_projects(targets if targets else [Path.cwd()])
    if problems:
        for problem in problems:
            error(problem)
        return EXIT_ERROR
    stdin_where = stdin_path(args.stdin_filename) if use_stdin else None
    if isinstance(stdin_where, str):
        error(f"--stdin-filename {args.stdin_filename}: {stdin_where}")
        return EXIT_ERROR
    if stdin_where is not None and touched.layout.root_of(stdin_where) not in configs:
        error(
            f"--stdin-filename {args.stdin_filename}: outside every project being checked "
            f"({', '.join(display_path(r) for r in sorted(configs))}); name the document by "
            "its path inside the project"
        )
        return EXIT_ERROR
    rules = all_rules()
    known = {r.code for r in rules} | {r.name for r in rules}
    select = set(split_codes(args.select)) if args.select else None
    ignore = set(split_codes(args.ignore))
    for key in (select or set()) | ignore:
        if key not in known and key.upper() not in known:
            error(f"unknown rule {key!r} (see `milestone-lsp rules`)")
            return EXIT_ERROR
    select = {k.upper() if k.upper() in known else k for k in select} if select else None
    ignore = {k.upper() if k.upper() in known else k for k in ignore}
    stdin_text = None
    if use_stdin:
        # Bytes, decoded here: text mode would turn CRLF into LF, and --fix prints it back.
        raw = sys.stdin.buffer.read()
        try:
            stdin_text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            error(f"stdin: not valid UTF-8 (byte {exc.start}); send the document as UTF-8")
            return EXIT_ERROR
    progress = progress_bar() if sys.stderr.isatty() and args.format == "text" else None
    result = checking.build_workspace(
        targets if targets or not use_stdin else [],
        touched,
        configs,
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
    provide_scope_creep(result, targets[0] if targets else Path.cwd(), select, ignore)
    if args.fix:
        as_read: list[Finding] = []
        if use_stdin:
            # Nothing is written for stdin, so what it was read with still stands: its
            # findings and the exit code are those of the text as read.
            checking.run_rules(result, select, ignore)
            as_read = [f for f in result.findings if f.path == args.stdin_filename]
        checking.apply_safe_fixes(result, select, ignore)
        if use_stdin:
            kept = [f for f in result.findings if f.path != args.stdin_filename]
            result.findings = sorted([*kept, *as_read], key=lambda f: f.sort_key())
    else:
        checking.run_rules(result, select, ignore)
    if (select is None or "MS903" in select or "unknown-rule" in select) and not (
        {"MS903", "unknown-rule"} & ignore
    ):
        files = {loaded.path: loaded for loaded in configs.values() if loaded.path is not None}
        in_files = [f for loaded in files.values() for f in checking.config_findings(loaded)]
        result.findings = sorted([*result.findings, *in_files], key=lambda f: f.sort_key())
    if args.baseline is not None:
        baseline = Path(args.baseline)
        if args.update_baseline or not baseline.exists():
            checking.write_baseline(result, baseline)
            error(f"recorded {len(result.findings)} findings in {baseline}")
            result.findings = []
        else:
            try:
                held = checking.filter_baseline(result, baseline)
            except (OSError, ValueError) as exc:
                error(f"{baseline}: {exc}")
                return EXIT_ERROR
            if held:
                error(
                    f"{held} known finding{'s' if held != 1 else ''} recorded in {baseline} "
                    "not shown (--update-baseline records the current ones)"
                )
    for problem in result.errors:
        error(problem)
    findings = result.findings
    if args.format == "json":
        text = formats.render_json(findings, result, len(result.files))
    elif args.format == "sarif":
        text = formats.render_sarif(findings, result, rules)
    elif args.format == "github":
        text = formats.render_github(findings, {r.code: r.name for r in rules})
    else:
        text = formats.render_text(findings)
        summary = progress_summary(result)
        if summary:
            text += ("\n" if text else "") + "\n".join(summary) + "\n"
        text += summary_line(result, args.fix) + "\n"
    fixed_stdin = next((c for c in result.files if c.from_stdin), None) if args.fix else None
    if fixed_stdin is not None:
        # The fixed document is the output, as from a formatter; the findings go to stderr.
        sys.stdout.flush()
        sys.stdout.buffer.write(fixed_stdin.text.encode("utf-8"))
        sys.stdout.buffer.flush()
        if args.output_file is None:
            sys.stderr.write(text)
        elif write_output(text, args.output_file) != EXIT_OK:
            return EXIT_ERROR
    elif write_output(text, args.output_file) != EXIT_OK:
        return EXIT_ERROR
    if result.errors and not result.files:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_OK
    level = Severity(args.fail_on)
    return EXIT_FINDINGS if checking.fails(findings, level) else EXIT_OK


def expand_patterns(given: list[str]) -> tuple[list[str], list[str]]:
    """The paths to check, with glob patterns expanded, and the patterns that matched nothing.

    The shell expands patterns before we see them, but not a quoted one, nor on every shell
    one that matches nothing; a name that exists as written is never taken as a pattern.
    """
    paths: list[str] = []
    unmatched: list[str] = []
    for path in given:
        if path == "-" or not any(c in path for c in "*?[") or os.path.lexists(path):
            paths.append(path)
            continue
        found = sorted(glob.glob(path, recursive=True))
        if found:
            paths += [f for f in found if f not in paths]
        else:
            unmatched.append(path)
    return paths, unmatched


def stdin_path(name: str) -> Path | str:
    """Where the document that ``--stdin-filename`` names would be (it need not exist), or why
    that cannot be told."""
    try:
        return (Path.cwd() / name).resolve()
    except (OSError, RuntimeError) as exc:
        return resolve_problem(exc)


def summary_line(result: CheckResult, fixing: bool) -> str:
    """``13 findings in 3 of 5 files checked`` (and how many were fixed, with ``--fix``)."""
    findings = result.findings
    with_findings = len({f.path for f in findings})
    files = len(result.files)
    line = f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
    if findings:
        line += f" in {with_findings} of {files} file{'s' if files != 1 else ''} checked"
    else:
        line += f" in {files} file{'s' if files != 1 else ''} checked"
    if fixing:
        line += f", {sum(result.fixed.values())} fixed"
    return line


def progress_summary(result: CheckResult) -> list[str]:
    """The summary lines of the text output: computed progress per checked document."""
    lines = []
    for checked in result.files:
        ws, config = checked.project.workspace, checked.project.config
        method = config.progress_method
        doc = ws.get(checked.display)
        if doc is None or not is_milestone_document(doc, checked.display, config):
            continue
        parts = []
        if doc.status_sections:
            overall = overall_progress(ws, doc, method)
            if overall is not None:
                parts.append(f"overall {overall.explain()}")
        for m in doc.milestones:
            if m.is_update:
                continue
            tally = milestone_progress(ws, m, method)
            if tally is not None:
                parts.append(f"{m.name} {tally.done}/{tally.total} ({round(tally.percent)}%)")
        if parts:
            lines.append(f"{checked.display}: " + "; ".join(parts))
    return lines


def provide_scope_creep(
    result: CheckResult, start: Path, select: set[str] | None, ignore: set[str]
) -> None:
    """Read the git history for MS602 scope-creep when the rule runs and git can give it.

    Only when a checked file is committed: the history ends at ``HEAD``, so it can say nothing
    about files that never were (a new STATUS.md, or files git ignores), and reading it would
    cost a run over every commit for nothing. The history is read once for the repository and
    handed to every project that runs the rule.
    """
    wanting = [
        p
        for p in result.projects
        if any(r.code == "MS602" for r, _ in active_rules(p.config, select, ignore))
    ]
    if not wanting:
        return
    named = select is not None and "MS602" in select  # asked for by name: say why it is silent
    if not any_committed(c.path for c in result.files):
        if named:
            error(
                "MS602 needs the git history: none of the checked files is "
                "committed to a git repository"
            )
        return
    try:
        history = deferred.history.load_history(
            find_workspace_root(start),
            wanting[0].config,
            workers=deferred.history.default_workers(),
        )
    except GitError as exc:
        if named:
            error(f"MS602 needs the git history: {exc}")
        return
    additions = [c for c in history.scope_creep if c.present]
    for project in wanting:
        scope_creep.provide(project.workspace, additions)


def progress_bar() -> Callable[[int, int], None]:
    """A progress bar on stderr for long runs (only a terminal shows it)."""
    bars: list[tuple[Progress, TaskID]] = []

    def update(done: int, total: int) -> None:
        if not bars:
            if total < 50:
                return
            progress = deferred.rich_progress.Progress(transient=True)
            progress.start()
            bars.append((progress, progress.add_task("checking", total=total)))
        progress, task = bars[0]
        if done < 0:
            progress.stop()
            return
        progress.update(task, completed=done)

    return update
