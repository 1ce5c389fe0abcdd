"""Rules about the analysis itself: unused suppressions (MS901) and skipped input (MS902).

Neither is found by looking at a document's milestones. MS901 is produced by the engine after
the other rules ran (:mod:`milestone_lsp.core.suppression`); MS902 by whoever loads files (the
command line and the server) through :func:`analysis_limit_finding`. They are registered here so
that they have a code, a severity that settings can change, and documentation like every rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from milestone_lsp.core.findings import Finding, Severity
from milestone_lsp.core.positions import Range
from milestone_lsp.rules.registry import RULES, RuleContext, rule

ANALYSIS_LIMIT = "MS902"


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
    server, also an open document whose analysis took longer than `request_time_budget_ms`
    (default 2,000; 0 means no budget): it is then analysed when saved instead of on every
    change, and the finding says so. The finding is reported at the start of the file, so that
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
