"""The ``check`` pipeline shared by the CLI: load a workspace, run the rules, fix, baseline.

Pure Python over the core and the rules; never imports pygls or lsprotocol.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from milestone_lsp.core.files import ReadResult, discover, has_root_marker, read_text
from milestone_lsp.core.findings import Finding, Severity
from milestone_lsp.core.inventory import PLAN_FILE_NAMES, criteria_inventory
from milestone_lsp.core.links import ProjectRoot
from milestone_lsp.core.model import Document
from milestone_lsp.core.parser import parse
from milestone_lsp.core.positions import split_lines
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.project.layout import Touched, is_project_folder, touched_projects
from milestone_lsp.rules.catalogue import all_rules
from milestone_lsp.rules.engine import check_document
from milestone_lsp.rules.meta import (
    NOTHING_READ,
    UNKNOWN_RULE,
    analysis_limit_finding,
    reads_nothing,
    unknown_config_findings,
)
from milestone_lsp.rules.registry import RULES
from milestone_lsp.settings.config import (
    PYPROJECT_FILE_NAME,
    PYPROJECT_TABLE,
    Config,
    ConfigError,
    LoadedConfig,
    find_workspace_root,
    load_config,
    unknown_rule_errors,
)

ALWAYS_MILESTONE_FILES = ("status.md", "decisions.md")


@dataclass(slots=True)
class Project:
    """One project being checked: its root folder, its settings and its documents."""

    root: Path
    config: Config
    workspace: Workspace = field(default_factory=Workspace)


@dataclass(slots=True)
class CheckedFile:
    """One file being checked: where it is on disk, how it reads, how it was written, and the
    project whose documents and settings it is checked with."""

    path: Path
    display: str
    text: str
    project: Project
    had_bom: bool = False
    # Read from stdin: its fixes go to stdout, never to the file it is named after.
    from_stdin: bool = False


@dataclass(slots=True)
class CheckResult:
    """Findings per checked file, and the projects they were computed in."""

    projects: list[Project]
    files: list[CheckedFile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fixed: dict[str, int] = field(default_factory=dict)

    def document(self, display: str) -> Document | None:
        """The parsed document shown as ``display``, in whichever project holds it."""
        for project in self.projects:
            found = project.workspace.get(display)
            if found is not None:
                return found
        return None

    def get(self, display: str) -> Document | None:
        """The same as :meth:`document` (so that output formats can look documents up)."""
        return self.document(display)


def display_path(path: Path, cwd: Path | None = None) -> str:
    """``path`` relative to the working directory when below it, with forward slashes."""
    cwd = cwd or Path.cwd()
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def is_milestone_document(doc: Document, display: str, config: Config) -> bool:
    """Whether a document is checked: configured globs, or conservative auto-detection."""
    if config.is_excluded(display):
        return False
    included = config.is_included(display)
    if included is not None:
        return included
    name = Path(display).name
    if name.lower() in ALWAYS_MILESTONE_FILES:
        return True
    if PLAN_FILE_NAMES.match(name) and (
        doc.is_milestone_document or (doc.headings and criteria_inventory(doc))
    ):
        return True
    if doc.milestones or doc.deliverables or doc.reports:
        return True
    # A file with only STATUS-like headings or dated entries counts when it also states progress
    # or logs approvals/completions; a README with a "## Progress" heading stays silent.
    if doc.claims and doc.status_sections:
        return True
    return any(d.kind != "other" for d in doc.decisions)


def checked_findings(
    ws: Workspace,
    doc: Document,
    display: str,
    config: Config,
    *,
    select: set[str] | None = None,
    ignore: Iterable[str] = (),
    stop: Callable[[], bool] | None = None,
) -> list[Finding]:
    """A document's findings as both shells report them.

    Every rule for a milestone document; for a file named as a plan in which nothing was read,
    only the finding that says so (MS905), so that such a plan is never silently passed.
    """
    if is_milestone_document(doc, display, config):
        return check_document(ws, doc, config, select=select, ignore=set(ignore), stop=stop)
    name = Path(display).name
    if (
        config.is_excluded(display)
        or config.is_included(display) is False
        or not PLAN_FILE_NAMES.match(name)
        or (select is not None and NOTHING_READ not in select)
        or not reads_nothing(doc)
    ):
        return []
    return check_document(ws, doc, config, select={NOTHING_READ}, ignore=set(ignore), stop=stop)


def load_config_or_errors(start: Path) -> tuple[LoadedConfig, list[str]]:
    """The configuration for ``start`` and its problems as one-line messages.

    Rule keys of the config file that name no rule are not among the problems: they are
    findings in that file (MS903, :func:`config_findings`).
    """
    loaded = load_config(start)
    rules = all_rules()
    problems: list[ConfigError] = list(loaded.errors)
    problems += unknown_rule_errors(loaded, [r.code for r in rules], [r.name for r in rules])
    in_file = {f"rules.{key}" for key in unknown_file_rule_keys(loaded)}
    config_file = str(loaded.path) if loaded.path is not None else None
    problems = [p for p in problems if not (p.file == config_file and p.key in in_file)]
    return loaded, [str(p) for p in problems]


def _config_text(loaded: LoadedConfig) -> str | None:
    got = read_text(loaded.path) if loaded.path is not None else None
    return got.text if got is not None else None


def unknown_file_rule_keys(loaded: LoadedConfig, text: str | None = None) -> list[str]:
    """Keys of the config file's own rules table that name no rule (as written, in order)."""
    text = text if text is not None else _config_text(loaded)
    if loaded.path is None or text is None:
        return []
    import tomllib  # only a config file has keys to read

    try:
        data: object = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    if loaded.path.name == PYPROJECT_FILE_NAME:
        tool = data.get("tool") if isinstance(data, dict) else None
        data = tool.get(PYPROJECT_TABLE) if isinstance(tool, dict) else None
    table = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        return []
    codes = {r.code for r in all_rules()}
    names = {r.name for r in all_rules()}
    return [k for k in table if isinstance(k, str) and k not in codes and k not in names]


def config_findings(loaded: LoadedConfig, display: str | None = None) -> list[Finding]:
    """MS903 for each rule key of the config file that names no rule, on the key in the file.

    ``display`` is the path to report (default: relative to the working directory).
    """
    text = _config_text(loaded)
    keys = unknown_file_rule_keys(loaded, text)
    registered = RULES.get(UNKNOWN_RULE)
    if not keys or registered is None or text is None or loaded.path is None:
        return []
    severity = loaded.config.severity_for(UNKNOWN_RULE, registered.name, registered.severity)
    if severity is None:
        return []
    codes = {r.code: r.name for r in all_rules()}
    shown = display if display is not None else display_path(loaded.path)
    return unknown_config_findings(shown, text, keys, codes, severity)


def _read(path: Path, config: Config) -> ReadResult:
    limit = config.max_file_size or None
    return read_text(path, limit)


def load_projects(targets: list[Path]) -> tuple[Touched, dict[Path, LoadedConfig], list[str]]:
    """The projects ``targets`` touch, the settings of each, and their problems as one-liners.

    Each project's settings are found upward from its own folder, so two projects of one
    repository each keep their own.
    """
    touched = touched_projects(targets or [Path.cwd()])
    configs: dict[Path, LoadedConfig] = {}
    problems: list[str] = []
    for root in touched.roots or [find_workspace_root(Path.cwd())]:
        loaded, found = load_config_or_errors(root)
        configs[root] = loaded
        problems += [p for p in found if p not in problems]
    return touched, configs, problems


def _project(root: Path, config: Config) -> Project:
    """A project to check, knowing where it lies on disk when its folder is a known project
    (only there can a link to a missing file be called broken, MS404)."""
    project = Project(root, config)
    if has_root_marker(root) or is_project_folder(root):
        project.workspace.project = ProjectRoot(display_path(root))
    return project


def build_workspace(
    targets: list[Path],
    touched: Touched,
    configs: dict[Path, LoadedConfig],
    *,
    stdin_text: str | None = None,
    stdin_name: str = "<stdin>",
    progress: Callable[[int, int], None] | None = None,
) -> CheckResult:
    """Parse every file of the touched projects, the checked ones first; report unreadable ones.

    Cross-file rules need a project's whole plan, not just the named files; a project's files
    never meet another project's.
    """
    projects = {root: _project(root, configs[root].config) for root in configs}
    result = CheckResult(list(projects.values()))
    checked = discover(targets) if targets else None
    if checked is not None:
        result.errors.extend(f"{p}: {why}" for p, why in checked.skipped)
    checked_set = {p.resolve() for p in checked.files} if checked is not None else set()
    context_files = [
        (root, p)
        for root, files in touched.files.items()
        for p in files
        if p.resolve() not in checked_set
    ]
    total = len(checked_set) + len(context_files)
    done = 0
    for path in checked.files if checked is not None else []:
        shown = display_path(path)
        project = projects.get(touched.layout.root_of(path.resolve()))
        if project is None:
            # Named on the command line but inside no touched project (it was excluded from
            # discovery, e.g. git-ignored): its own folder's project.
            root = touched.layout.root_of(path.resolve())
            loaded, _ = load_config_or_errors(root)
            project = projects[root] = _project(root, loaded.config)
            result.projects.append(project)
        config = project.config
        got = _read(path, config)
        done += 1
        if progress is not None:
            progress(done, total)
        if got.text is None:
            if got.oversize is not None:
                result.findings.append(
                    analysis_limit_finding(shown, got.oversize, config.max_file_size)
                )
                continue
            result.errors.append(f"{shown}: {got.error}")
            continue
        project.workspace.add(parse(got.text, shown))
        result.files.append(CheckedFile(path, shown, got.text, project, got.had_bom))
    for root, path in context_files:
        done += 1
        if progress is not None:
            progress(done, total)
        project = projects[root]
        got = _read(path, project.config)
        if got.text is not None:
            project.workspace.add(parse(got.text, display_path(path)))
    if stdin_text is not None:
        where = touched.layout.root_of((Path.cwd() / stdin_name).resolve())
        project = projects.get(where) or result.projects[0]
        project.workspace.add(parse(stdin_text, stdin_name))
        result.files.append(
            CheckedFile(Path(stdin_name), stdin_name, stdin_text, project, from_stdin=True)
        )
    return result


def run_rules(
    result: CheckResult,
    select: set[str] | None = None,
    ignore: Iterable[str] = (),
) -> None:
    """Run the rules over every checked milestone document."""
    ignored = set(ignore)
    kept = [f for f in result.findings if f.code == "MS902"]
    for checked in result.files:
        project = checked.project
        doc = project.workspace.get(checked.display)
        if doc is None:
            continue
        kept.extend(
            checked_findings(
                project.workspace,
                doc,
                checked.display,
                project.config,
                select=select,
                ignore=ignored,
            )
        )
    kept.sort(key=Finding.sort_key)
    result.findings = kept


def apply_safe_fixes(result: CheckResult, select: set[str] | None, ignore: Iterable[str]) -> None:
    """Apply safe fixes to the checked files until nothing is left to fix, then write them.

    The rounds are :func:`milestone_lsp.core.fixall.settle`, the editor's fix-all too; each
    changed file is written once, atomically, with its BOM and line endings. A document read
    from stdin is fixed too but never written: its fixed text stays in its
    :class:`CheckedFile` for the caller to print (its name only says which file it stands for).
    """
    ignore = list(ignore)
    writable = {c.display: c for c in result.files}
    # A read-only file is its owner's decision: renaming over it would bypass that.
    read_only = {d for d, c in writable.items() if not c.from_stdin and not _writable(c.path)}
    for display in read_only:
        del writable[display]
    by_display = {c.display: c for c in result.files}
    original = {c.display: c.text for c in result.files}

    def findings_of(texts: Mapping[str, str]) -> list[Finding]:
        for display, text in texts.items():
            checked = by_display[display]
            if text is not checked.text:
                checked.text = text
                checked.project.workspace.add(parse(text, display))
        run_rules(result, select, ignore)
        return result.findings

    from milestone_lsp.core.fixall import settle  # only `check --fix` loads the fixer

    settled = settle(original, findings_of, lambda path: path in writable)
    for display, text in settled.texts.items():
        checked = by_display[display]
        if text == original[display]:
            continue
        if checked.from_stdin:
            if checked.text is not text:
                checked.text = text
                checked.project.workspace.add(parse(text, display))
            result.fixed[display] = settled.fixed.get(display, 0)
            continue
        try:
            write_atomic(checked.path, text, checked.had_bom)
        except OSError as exc:
            result.errors.append(
                f"{display}: fixes not written ({exc.strerror or exc}); the file is unchanged. "
                "Make the file and its folder writable, then run --fix again"
            )
            checked.text = original[display]
            checked.project.workspace.add(parse(checked.text, display))
            continue
        result.fixed[display] = settled.fixed.get(display, 0)
    run_rules(result, select, ignore)  # the findings left in what is now on disk
    for path in sorted(settled.refused & read_only):
        result.errors.append(
            f"{path}: not fixed because the file is read-only; make it writable "
            "(chmod u+w) and run --fix again"
        )


def _writable(path: Path) -> bool:
    """Whether ``path`` may be rewritten: writable for us and not marked read-only."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return os.access(path, os.W_OK) and bool(mode & stat.S_IWUSR)


def write_atomic(path: Path, text: str, bom: bool = False) -> None:
    """Write ``text`` next to ``path`` and rename over it, keeping its permissions and BOM.

    A symlink is followed: its target is rewritten and the link stays a link. A crash or a full
    disk leaves the old file whole; the temporary file is removed.
    """
    import tempfile  # only --fix writes files

    data = ("\ufeff" if bom else "") + text
    path = path.resolve()
    mode = None
    with contextlib.suppress(OSError):
        mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --- baseline ---------------------------------------------------------------------------------


def fingerprint(finding: Finding, line_text: str) -> str:
    """A position-independent identity: path, code and the text of the flagged line."""
    import hashlib  # only baselines need it (~5 ms of every run's start-up otherwise)

    digest = hashlib.sha1(
        f"{finding.path}\0{finding.code}\0{line_text.strip()}".encode(), usedforsecurity=False
    )
    return digest.hexdigest()[:16]


def _line_of(result: CheckResult, finding: Finding) -> str:
    doc = result.document(finding.path)
    if doc is None:
        return ""
    lines = split_lines(doc.text)
    line = finding.range.start.line
    return lines[line] if 0 <= line < len(lines) else ""


def write_baseline(result: CheckResult, path: Path) -> None:
    """Record the current findings so later runs report only new ones."""
    entries: dict[str, int] = {}
    for f in result.findings:
        key = fingerprint(f, _line_of(result, f))
        entries[key] = entries.get(key, 0) + 1
    payload = {"version": 1, "findings": dict(sorted(entries.items()))}
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def filter_baseline(result: CheckResult, path: Path) -> int:
    """Drop findings recorded in the baseline (each recorded occurrence hides one); how many."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("findings"), dict):
        raise ValueError("not a milestone-lsp baseline file (expected {'version': 1, 'findings'})")
    budget = {str(k): int(v) for k, v in data["findings"].items()}
    kept = []
    for f in result.findings:
        key = fingerprint(f, _line_of(result, f))
        if budget.get(key, 0) > 0:
            budget[key] -= 1
            continue
        kept.append(f)
    held = len(result.findings) - len(kept)
    result.findings = kept
    return held


def fails(findings: Iterable[Finding], level: Severity) -> bool:
    """Whether any finding is at or above the fail level."""
    return any(f.severity.rank <= level.rank for f in findings)
