"""Test counts that cannot all be true (MS306).

STATUS.md's Test Status section states passing / total per suite ("Unit: 147/147 (100%)"), and
often a total line. A count whose passing number exceeds its total, a total line that is not
the sum of the suites above it, and the same suite stated differently by two STATUS documents of
one project are contradictions the text itself shows. Status reports and decision entries are
snapshots of a date, so they are not compared with the current figures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.findings import Finding, Fix, Related, Severity
from milestone_lsp.core.model import Document, ProgressClaim
from milestone_lsp.core.syntax import normalize_name
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.registry import RuleContext, rule

_TOTAL = re.compile(r"^(?:total|overall|all(?: suites| tests)?|sum)$", re.IGNORECASE)


def _test_claims(doc: Document) -> list[ProgressClaim]:
    return [c for c in doc.claims if c.subject == "tests" and c.count is not None]


def _suite(claim: ProgressClaim) -> str:
    return normalize_name(claim.name or "")


def _current_documents(ws: Workspace) -> list[Document]:
    return ws.cached(
        "suites.status_documents",
        lambda: sorted((d for d in ws if d.status_sections), key=lambda d: d.path),
    )


def _over(ctx: RuleContext, claims: list[ProgressClaim], reported: set[int]) -> Iterator[Finding]:
    for claim in claims:
        count = claim.count
        assert count is not None
        if count.done > count.total and count.range.start.line not in reported:
            suite = f"'{claim.name}' " if claim.name else ""
            yield ctx.finding(
                f"The {suite}test count states {count.done}/{count.total}: more tests passing "
                f"than there are. Correct the passing or the total number",
                count.range,
            )


def _totals(ctx: RuleContext, claims: list[ProgressClaim]) -> Iterator[Finding]:
    """A Total line against the suites listed before it in the same run of test lines."""
    run: list[ProgressClaim] = []
    previous_line = -2
    for claim in claims:
        line = claim.range.start.line
        if line != previous_line + 1:
            run = []
        previous_line = line
        count = claim.count
        assert count is not None
        if _TOTAL.match(_suite(claim)) and len(run) >= 2:
            done = sum(c.count.done for c in run if c.count is not None)
            total = sum(c.count.total for c in run if c.count is not None)
            if (count.done, count.total) != (done, total):
                names = " + ".join(c.name or "?" for c in run)
                fix = Fix(
                    f"Change to {done}/{total}",
                    (TextEdit(ctx.doc.path, count.range, f"{done}/{total}"),),
                    "safe",
                )
                yield ctx.finding(
                    f"The {claim.name} line states {count.done}/{count.total}, but the suites "
                    f"above it ({names}) add up to {done}/{total}. Change it to {done}/{total}",
                    count.range,
                    fixes=[fix],
                )
            run = []
            continue
        run.append(claim)


def _across(ctx: RuleContext, claims: list[ProgressClaim]) -> Iterator[Finding]:
    """The same suite stated differently by another STATUS document of the project."""
    others = [d for d in _current_documents(ctx.ws) if d.path != ctx.doc.path]
    if not others:
        return
    for claim in claims:
        suite = _suite(claim)
        count = claim.count
        if not suite or count is None or _TOTAL.match(suite):
            continue
        for other in others:
            for theirs in _test_claims(other):
                if _suite(theirs) != suite or theirs.count is None:
                    continue
                if (theirs.count.done, theirs.count.total) == (count.done, count.total):
                    continue
                where = other.path.rsplit("/", 1)[-1]
                yield ctx.finding(
                    f"The '{claim.name}' tests are stated as {count.done}/{count.total} here and "
                    f"as {theirs.count.done}/{theirs.count.total} in {where}. Run the suite and "
                    f"write the same figure in both",
                    count.range,
                    related=[Related(other.path, theirs.count.range, "the other figure")],
                )
                break


@rule(
    "MS306",
    "test-count-contradiction",
    Severity.WARNING,
    "Test counts that cannot all be true: more passing than total, a wrong total, two figures.",
    fix="safe",
    scope="workspace",
)
def contradictory_test_counts(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    In a STATUS document's test counts (`- Unit: 147/147 (100%)`):

    - a count with more tests passing than its total (`150/147`);
    - a total line (`Total`, `Overall`, `All tests`) right after two or more suites that is not
      their sum;
    - a suite stated with a different count by another STATUS document of the same project.

    A count whose own percentage disagrees with it is MS302's. Status reports and decision
    entries record a past date, so their counts are not compared with the current ones.

    Why:
    "Progress Tracking › In STATUS.md" keeps the test status as the project's current
    evidence, and "Approval Gates" asks for test results as evidence of completion; figures
    that contradict each other cannot all be evidence.

    Example that fires:
    ```markdown
    - Unit: 147/147
    - Integration: 28/32
    - Total: 180/179
    ```

    Example that does not:
    `- Total: 175/179` after the same two suites.

    Fix safety:
    Safe for a total line: the fix writes the sum of the suites above it. The other cases have
    no fix — only running the suite says which figure is right.
    """
    if not ctx.doc.status_sections:
        return
    claims = sorted(_test_claims(ctx.doc), key=lambda c: c.range.start.line)
    if not claims:
        return
    totals = list(_totals(ctx, claims))
    yield from totals
    yield from _over(ctx, claims, {f.range.start.line for f in totals})
    yield from _across(ctx, claims)
