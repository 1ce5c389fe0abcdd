"""Rules about the analysis itself: unused suppressions (MS901), skipped input (MS902), rule
codes that name no rule (MS903) and plans in which nothing was read (MS905).

None is found by looking at a document's milestones. MS901 is produced by the engine after
the other rules ran (:mod:`milestone_lsp.core.suppression`); MS902 by whoever loads files (the
command line and the server) through :func:`analysis_limit_finding`; MS903 by the engine for
suppression comments (:func:`unknown_directive_findings`) and by whoever loads the settings for
the config file (:func:`unknown_config_findings`). They are registered here so that they have a
code, a severity that settings can change, and documentation like every rule.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.findings import Finding, Fix, Severity
from milestone_lsp.core.inventory import PLAN_FILE_NAMES, criteria_inventory
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import Document
from milestone_lsp.core.positions import Range, split_lines
from milestone_lsp.core.suppression import Directive
from milestone_lsp.core.syntax import front_matter_end
from milestone_lsp.rules.decision_log import has_entries
from milestone_lsp.rules.registry import RULES, RuleContext, rule

ANALYSIS_LIMIT = "MS902"
UNKNOWN_RULE = "MS903"
_CODE_LIKE = lazy(r"ms\d+[a-z0-9]*|ms[\w]*\d[\w]*", re.IGNORECASE)


@rule(
    "MS901",
    "unused-suppression",
    Severity.INFORMATION,
    "A milestone-lsp-disable comment that suppresses nothing.",
    fix="safe",
)
def unused_suppression(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    An inline suppression comment — `<!-- milestone-lsp-disable … -->`, `disable-line`,
    `disable-next-line` or `disable-file` — that suppressed no finding, or a rule code or name
    inside one that suppressed nothing (a misspelt code such as `MS1O1` included). Directives
    inside fenced code are examples, not directives, and are never reported. Codes of rules
    that are switched off, or not selected for this run, are not reported either: they may
    suppress something in another configuration. The engine produces these findings after all
    other rules ran; MS901 itself can only be silenced with
    `<!-- milestone-lsp-disable-file MS901 -->`.

    Why:
    A suppression documents an exception to the specification's principles ("Acceptance
    Criteria › Writing Good Criteria", "Approval Gates", …). Once the exception is gone the
    comment hides the next real problem on that line, so it should go too.

    Example that fires:
    ```markdown
    <!-- milestone-lsp-disable-next-line MS101 -->
    - [ ] Unit test coverage >80%
    ```
    (the criterion is measurable, so MS101 has nothing to suppress).

    Example that does not:
    ```markdown
    <!-- milestone-lsp-disable-next-line MS101 -- wording agreed with the customer -->
    - [ ] Performance is acceptable
    ```

    Fix safety:
    Safe: the fix removes the comment (with its line when it stands alone), or only the unused
    code when the comment names others that are still used; no finding reappears.
    """
    return ()


@rule(
    "MS904",
    "suppression-without-reason",
    Severity.WARNING,
    "A milestone-lsp-disable comment does not say why, and the settings ask for a reason.",
)
def suppression_without_reason(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    With `require_suppression_reason = true`, an inline suppression comment that gives no
    reason after `--`, or still holds the placeholder the "Suppress … on this line" quick fix
    writes (`[why this is acceptable]`). The comment still suppresses what it names: the
    finding is about the missing explanation, not about the suppressed problem. Off by
    default; the engine produces these findings after the other rules ran.

    Why:
    A suppression is an exception to the specification's principles ("Acceptance Criteria ›
    Writing Good Criteria", "Approval Gates", "Anti-Patterns"). Teams that review plans want
    each exception to say why it is acceptable, so the next reader can judge whether it still
    is.

    Example that fires:
    ```markdown
    <!-- milestone-lsp-disable-next-line MS101 -->
    - [ ] Performance is acceptable
    ```

    Example that does not:
    ```markdown
    <!-- milestone-lsp-disable-next-line MS101 -- the customer signed off this wording -->
    - [ ] Performance is acceptable
    ```

    Fix safety:
    No fix: only the author knows the reason.
    """
    return ()


@rule(
    "MS902",
    "analysis-limit",
    Severity.INFORMATION,
    "A file was too large or too slow to analyse, and was skipped or is checked less often.",
)
def analysis_limit(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A file larger than `max_file_size` bytes (default 10,000,000; 0 means no limit), or a line
    too long to analyse, that milestone-lsp skipped instead of checking. In the language
    server, also an open document whose analysis of a change took longer than
    `request_time_budget_ms` (default 2,000; 0 means no budget; the first analysis after opening
    is not counted): it is then analysed when saved instead of on every change, and the finding
    says so. The finding is reported at the start of the file, so that
    a skipped or degraded file is said, never silent. It comes from loading files (the `check`
    command and the language server), not from a document's content, so it cannot fire on a
    parsed fixture.

    Why:
    The checks promise that every milestone document is held to the specification
    ("Verification Process", "Progress Tracking"); a file that was not read silently passes
    every check, which would make a clean result meaningless.

    Example that fires:
    A 12 MB STATUS.md with the default `max_file_size`.

    Example that does not:
    Any file below the limit, or every file once `max_file_size = 0`.

    Fix safety:
    No fix: split the file, or raise `max_file_size` (or `request_time_budget_ms`) in
    `.milestone-lsp.toml`.
    """
    return ()


def analysis_limit_finding(path: str, size: int, limit: int, *, line: int | None = None) -> Finding:
    """An MS902 finding for a file (or, with ``line``, one line) of ``size`` over ``limit``."""
    registered = RULES.get(ANALYSIS_LIMIT)
    severity = registered.severity if registered is not None else Severity.INFORMATION
    if line is None:
        message = (
            f"Not analysed: the file is {size:,} bytes, above the limit of {limit:,} "
            f"(max_file_size). Split it, or raise max_file_size in .milestone-lsp.toml"
        )
        where = Range.of(0, 0, 0, 0)
    else:
        message = (
            f"Line {line + 1} not analysed: it is {size:,} characters long, above the limit of "
            f"{limit:,}. Break it into shorter lines"
        )
        where = Range.of(line, 0, line, 0)
    return Finding(ANALYSIS_LIMIT, severity, message, path, where)


def time_limit_finding(path: str, spent_ms: int, budget_ms: int) -> Finding:
    """An MS902 finding for a document whose analysis took ``spent_ms``, over ``budget_ms``."""
    registered = RULES.get(ANALYSIS_LIMIT)
    severity = registered.severity if registered is not None else Severity.INFORMATION
    message = (
        f"Checked on save only: analysing this file took {spent_ms:,} ms, above the budget of "
        f"{budget_ms:,} ms (request_time_budget_ms), so it is not re-checked on every change. "
        f"Split the file, or raise request_time_budget_ms in .milestone-lsp.toml"
    )
    return Finding(ANALYSIS_LIMIT, severity, message, path, Range.of(0, 0, 0, 0))


@rule(
    UNKNOWN_RULE,
    "unknown-rule",
    Severity.WARNING,
    "A suppression comment or the config file names a rule code or name that does not exist.",
    fix="unsafe",
)
def unknown_rule(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A rule code or name that no rule has: in an inline suppression comment
    (`<!-- milestone-lsp-disable-next-line MS10 -->`) or as a key of the `[rules]` table of
    `.milestone-lsp.toml` (or `[tool.milestone-lsp.rules]` in `pyproject.toml`). The finding is
    on the code itself, in the markdown file or in the config file, and says which rule was
    probably meant. Directives inside fenced code are examples and are not read. Rule keys set
    in the editor's own settings are reported by the editor (the settings schema lists every
    code), not here. With MS903 switched off, an unknown code in a comment is reported as an
    unused suppression (MS901) instead.

    Why:
    A misspelt code silently suppresses nothing — the finding it was meant to silence stays —
    or, in the config file, changes no severity; "Acceptance Criteria › Writing Good Criteria"
    and the other checks are then applied differently from what the team agreed on, with no
    sign of it.

    Example that fires:
    ```markdown
    <!-- milestone-lsp-disable-next-line MS10 -- agreed with the customer -->
    - [ ] Performance is acceptable
    ```
    and, in `.milestone-lsp.toml`, `[rules]` `vague-criteria = "off"`.

    Example that does not:
    `<!-- milestone-lsp-disable-next-line MS101 -->` or `vague-criterion = "off"`.

    Fix safety:
    Unsafe: the fix replaces the code or name with the closest existing one (`MS10` → `MS101`,
    `vague-criteria` → `vague-criterion`); it is a guess, so it is offered for review and never
    applied by fix-all.
    """
    return ()


def suggest_rule(key: str, codes: Collection[str], names: Collection[str]) -> str | None:
    """The rule code or name closest to an unknown ``key``."""
    code_like = bool(_CODE_LIKE().fullmatch(key))
    for pool, wanted in (
        ((codes, key.upper()), (names, key.lower())) if code_like else ((names, key.lower()),)
    ):
        best = _closest(wanted, pool)
        if best is not None:
            return best
    return None


def _closest(word: str, pool: Collection[str]) -> str | None:
    """The most similar entry of ``pool`` (ratio ≥ 0.6); the first in order among equals."""
    import difflib  # only for an unknown rule name or code

    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    best: tuple[float, str] | None = None
    for candidate in sorted(pool):
        matcher.set_seq1(candidate)
        score = matcher.ratio()
        if score >= 0.6 and (best is None or score > best[0]):
            best = (score, candidate)
    return best[1] if best is not None else None


def _describe(key: str, suggestion: str | None, names: dict[str, str]) -> str:
    if suggestion is None:
        return "no rule has this code or name (`milestone-lsp rules` lists them)"
    name = names.get(suggestion)
    also = f" ({name})" if name else ""
    return f"did you mean {suggestion}{also}?"


def _unknown(
    path: str,
    where: Range,
    key: str,
    context: str,
    codes: dict[str, str],
    severity: Severity,
) -> Finding:
    suggestion = suggest_rule(key, codes, set(codes.values()))
    message = f"Unknown rule '{key}' {context}: {_describe(key, suggestion, codes)}"
    fixes = (
        [Fix(f"Change '{key}' to '{suggestion}'", (TextEdit(path, where, suggestion),), "unsafe")]
        if suggestion is not None
        else []
    )
    return Finding(UNKNOWN_RULE, severity, message, path, where, fixes=fixes)


def unknown_directive_findings(
    directives: Sequence[Directive], path: str, codes: dict[str, str], severity: Severity
) -> list[Finding]:
    """MS903 for every key of a suppression comment that names no rule.

    ``codes`` maps every rule code to its name.
    """
    known = set(codes) | set(codes.values())
    out = []
    for directive in directives:
        for key in directive.keys:
            written = key.key
            if written in known or written.upper() in codes:
                continue
            where = Range.of(directive.line, key.start, end=key.end)
            context = f"in milestone-lsp-{directive.kind}"
            out.append(_unknown(path, where, written, context, codes, severity))
    return out


def _key_range(lines: list[str], key: str) -> Range:
    """Where a rule key is written in a TOML config file (its first line when not found)."""
    pattern = re.compile(rf"""(?:^|[\s{{,])(["']?)({re.escape(key)})\1\s*=""")
    for number, line in enumerate(lines):
        if line.lstrip().startswith("#"):
            continue
        match = pattern.search(line)
        if match is not None:
            return Range.of(number, match.start(2), end=match.end(2))
    return Range.of(0, 0)


def unknown_config_findings(
    path: str, text: str, keys: Iterable[str], codes: dict[str, str], severity: Severity
) -> list[Finding]:
    """MS903 for every unknown rule key of a config file, on the key where it is written."""
    lines = split_lines(text)
    return [
        _unknown(path, _key_range(lines, key), key, "in the rules settings", codes, severity)
        for key in keys
    ]


NOTHING_READ = "MS905"


def reads_nothing(doc: Document) -> bool:
    """Whether ``doc`` holds nothing this tool reads: no definition, status, claim or criterion."""
    return not (doc.is_milestone_document or doc.tasks or criteria_inventory(doc))


@rule(
    NOTHING_READ,
    "nothing-recognised",
    Severity.INFORMATION,
    "A file named as a plan holds nothing milestone-lsp reads, so no check covers it.",
)
def nothing_recognised(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A markdown file whose name says it is a plan — `STATUS.md`, `MILESTONES.md`, `ROADMAP.md`,
    `PROGRESS.md`, `PLAN.md`, `DELIVERABLES.md`, `ACCEPTANCE_CRITERIA.md`,
    `DEFINITION_OF_DONE.md`, `DECISIONS.md`, `milestone-2.md` — in which milestone-lsp finds
    nothing it reads: no milestone or deliverable, no status section or progress claim, no
    decision (a list-form dated decision log included), no criterion in any shape
    `docs/FORMATS.md` lists. The finding is on the file's
    first line of content (its title, usually), so that a plan written in a shape the tool
    does not know is said, not silently passed. Files with other names are never reported.

    Why:
    Every other check ("Progress Tracking", "Verification Process", "Approval Gates") starts
    from what the parser read; a plan it cannot read passes them all, which says nothing about
    the plan.

    Example that fires:
    A `ROADMAP.md` that is only prose paragraphs.

    Example that does not:
    ```markdown
    ## Milestone 2: Search Live

    **Exit criteria:**
    - [ ] p95 search latency under 200 ms
    ```

    Fix safety:
    No fix. Write the plan in one of the shapes `docs/FORMATS.md` describes (a `## Milestone 2:
    Name` heading, an "Acceptance Criteria" list or table), or switch this rule off for files
    that are plans in name only.
    """
    name = ctx.doc.path.replace("\\", "/").rsplit("/", 1)[-1]
    if not PLAN_FILE_NAMES.match(name) or not reads_nothing(ctx.doc) or has_entries(ctx):
        return
    message = (
        f"Nothing in {name} was read as a plan: no milestone, deliverable, criterion, decision or "
        "status section in a shape milestone-lsp knows, so no check covers this file. "
        "docs/FORMATS.md lists the shapes it reads"
    )
    yield ctx.finding(message, _first_content_line(ctx))


def _first_content_line(ctx: RuleContext) -> Range:
    """The file's first line of content (its title, usually): not blank, not a comment."""
    skip = front_matter_end(ctx.lines)
    for number, line in enumerate(ctx.lines):
        text = line.strip()
        if number < skip or not text or number in ctx.doc.comment_lines or text.startswith("<!--"):
            continue
        start = len(line) - len(line.lstrip())
        return Range.of(number, start, number, len(line.rstrip()))
    return Range.of(0, 0, 0, 0)
