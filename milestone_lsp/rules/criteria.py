"""Criteria and goal rules: vague criteria (MS101), vague milestones (MS102), no testing (MS103).

MS101 asks the measurability analyzer (:mod:`milestone_lsp.rules.measurability`) whether each
criterion carries a pass/fail check; the other two read names, goals and criteria directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

from milestone_lsp.core import templates
from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.findings import Finding, Fix, Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.model import Field, Item, Milestone, Section
from milestone_lsp.core.positions import Range
from milestone_lsp.rules import measurability
from milestone_lsp.rules.registry import RuleContext, line_ending_key, no_section_key, rule
from milestone_lsp.rules.sections import definitions, find_field

# --- MS101 --------------------------------------------------------------------------------------

# Examples per topic, in the specification's threshold style, each built on the criterion's own
# subject ("{s}"). Offered only when the subject itself names the topic; the figures are
# examples for the author to review (the fix is unsafe and its title says so).
_TOPIC_EXAMPLES: dict[str, str] = {
    "tests": "{s}: 15/15 passing in CI",
    "performance": "{s}: P95 under 500 ms at 50 requests/s",
    "documentation": "{s}: setup steps and at least 1 runnable example",
    "security": "{s}: zero critical or high findings in the dependency scan",
    "quality": "{s}: zero linter warnings on changed files",
    "release": "{s}: tagged, and installs with 0 errors on a clean machine",
}
_FILLER = frozenset(
    {"is", "are", "be", "been", "being", "was", "were", "will", "should", "must", "shall"}
    | {"can", "could", "would", "to", "the", "a", "an", "and", "or", "of", "with", "for"}
    | {"in", "on", "by", "as", "works", "work", "working"}
)
_MAX_FIXES = 3
# Checks the workspace itself settles: every deliverable ticked, every criterion met.
_STRUCTURAL = re.compile(
    r"^all\s+(?:(?:the|its|milestone|phase)\s+)?(?:deliverables|acceptance\s+criteria|"
    r"success\s+criteria|criteria|tasks)\s+(?:are\s+)?(?:complete|completed|done|met|checked)"
    r"(?:\s*\([^()]*\))?\.?$",
    re.IGNORECASE,
)


# The steps of the specification's verification checklists, as the templates write them: the
# process the specification prescribes, each naming its check ("Security review passed").
_VERIFICATION_STEPS = frozenset(
    line.removeprefix("- [ ] ").strip()
    for kind in ("milestoneVerification", "deliverableVerification")
    for line in templates.render(kind).splitlines()
    if line.startswith("- [ ] ")
)


# A list entry that ends in a colon (often a bold lead-in, "**Sequential waypoints:**") labels
# the entries below it; it states nothing to check.
_GROUP_LABEL = re.compile(r"^(?:(\*\*|__)[^*_]+?(?::\1|\1:)|[^:]*[^:\s]:)$")


def _skipped(item: Item) -> bool:
    """Entries MS101 never judges: withdrawn or empty ones, checks the workspace settles itself,
    and the verification steps our templates write."""
    text = item.text.strip()
    return (
        item.struck
        or not text
        or bool(_GROUP_LABEL.match(text))
        or bool(_STRUCTURAL.match(text))
        or " ".join(item.text.split()) in _VERIFICATION_STEPS
    )


def judged_text(item: Item) -> str:
    """What MS101 judges: the criterion, with the cells of its table row that say how it is
    checked (``Search is fast — p95 under 200 ms — k6 run in CI``)."""
    return f"{item.text} — {item.check}" if item.check else item.text


def reported_vague(item: Item, extra: Sequence[str], allowed: Sequence[str]) -> bool:
    """Whether MS101 reports ``item`` (before settings and suppressions): the one judgement
    every count of vague criteria uses."""
    if _skipped(item):
        return False
    verdict = measurability.analyze(judged_text(item), extra_vague=extra, allowed=allowed)
    return not verdict.measurable


def criteria_items(ctx: RuleContext) -> Iterator[tuple[Section, Item]]:
    """Every criterion of the document: acceptance criteria of milestones, success criteria of
    deliverables, and the checklist items of verification checklists and status reports."""
    for section in definitions(ctx.doc):
        for item in section.criteria:
            yield section, item
    for report in ctx.doc.reports:
        for item in report.criteria:
            yield report, item


def _subject(text: str, verdict: measurability.Verdict) -> str:
    """The words of a criterion before its first vague word, without trailing filler."""
    cut = min((s.start for s in verdict.spans), default=len(text))
    # Markup goes, identifiers stay whole ("snippet_list", not "snippetlist").
    words = re.sub(r"[`*\[\]()]|(?<!\w)_+|_+(?!\w)", "", text[:cut]).split()
    while words and words[-1].lower().strip(".,:;") in _FILLER:
        words.pop()
    while words and words[0].lower() in {"the", "a", "an", "all"}:
        words.pop(0)
    subject = " ".join(words).strip(" .,:;-")
    if not subject or len(subject) > 60:
        return ""
    return subject[0].upper() + subject[1:]


def measurable_rewrites(
    text: str, verdict: measurability.Verdict, extra: list[str], allowed: list[str]
) -> list[tuple[str, str]]:
    """Rewrites that keep the criterion's meaning, as (title, text) pairs.

    First the criterion itself with a visible ``<…>`` slot for the bar it lacks (the
    placeholder check reports it until the slot is filled); then, when the criterion's subject
    names its topic, an example with figures built on that subject, kept only when the
    analyzer accepts it as measurable.
    """
    return list(_rewrites(text, verdict, tuple(extra), tuple(allowed)))


@lru_cache(maxsize=4096)
def _rewrites(
    text: str, verdict: measurability.Verdict, extra: tuple[str, ...], allowed: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    """:func:`measurable_rewrites`, remembered: a plan repeats its vague criteria, and an edit
    checks the edited section's again."""
    out: list[tuple[str, str]] = []
    slotted = measurability.slot_rewrite(text, verdict)
    if slotted and slotted.strip() != text.strip():
        out.append((f"Rewrite with a slot to fill: '{slotted}'", slotted))
    subject = _subject(text, verdict)
    template = _TOPIC_EXAMPLES.get(verdict.topic)
    if subject and template and measurability.analyze(subject).topic == verdict.topic:
        candidate = template.replace("{s}", subject)
        check = measurability.analyze(candidate, extra_vague=extra, allowed=allowed)
        if check.measurable and not check.placeholder and candidate.strip() != text.strip():
            out.append((f"Rewrite as example: '{candidate}' (review the figures)", candidate))
    return tuple(out[:_MAX_FIXES])


@rule(
    "MS101",
    "vague-criterion",
    Severity.WARNING,
    "A criterion is not objective and measurable, or is unfilled template text.",
    fix="unsafe",
    section_key=no_section_key,
)
def vague_criterion(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    An acceptance criterion of a milestone, a success criterion of a deliverable, or an item of
    a verification checklist or status report that states no pass/fail check: subjective words
    ("good", "acceptable", "user-friendly"), vague quantities ("most", "some") or states with
    nothing to check them against ("complete", "working") and no threshold, count, named
    command, file or test that would settle it. A soft word next to a real threshold is fine.
    Bare done-states ("Error budget defined") and evaluative predicates ("Settings screen is
    usable") are weighed by a small learned layer over the predicate's shape and words
    (docs/MEASURABILITY.md gives its figures on projects it was not trained on).
    Unfilled template text (`Functional criterion 1`, `[Name]`) is reported with a message
    asking to fill it in. "All deliverables complete" and "All acceptance criteria met" are
    checks the workspace itself settles (MS201 verifies them) and are not reported, nor are
    the steps of the verification checklists as the templates write them ("Security review
    passed (if required)"): they are the process "Verification Process" prescribes.

    In a criteria table, the cells of the row that say how it is checked (Target, Threshold,
    How to verify, Test, Evidence, Method columns; dates excepted) are part of the criterion:
    `| Search is fast | p95 under 200 ms |` is measurable.

    The range is the whole criterion text (not the box, bullet or status tag), so that the
    rewrite replaces exactly it; the message names the words that make it vague. Ticked
    criteria are reported too (a vague criterion ticked is a completion nobody can check);
    struck-through (withdrawn) items are skipped. The `extra_vague_words` and `allowed_words`
    settings extend and trim the analyzer's vocabulary.

    Why:
    "Acceptance Criteria › Writing Good Criteria": criteria must be objective and measurable,
    so that "Verification Process" can tick them without an opinion.

    Example that fires:
    `- [ ] Performance is acceptable`, `- [ ] Code quality is good`, `- [ ] Most tests passing`.

    Example that does not:
    `- [ ] Performance acceptable (<500ms P95 latency)`, `- [ ] Unit test coverage >80%`,
    `- [ ] All integration tests passing (15/15)`.

    Fix safety:
    Unsafe. Each fix replaces the criterion text (keeping its box, bullet and status tag). The
    first keeps the criterion as written and adds a visible slot for the bar it lacks
    (`Performance is acceptable: <metric> within <N> <unit>, measured by <method>`); MS101
    keeps reporting it as a placeholder until the slot is filled. Clients that apply snippet
    edits get its slots as tab stops. When the criterion's subject
    names its topic (tests, performance, documentation, security, quality, release), a second
    fix offers an example on that subject with figures to review (`Performance: P95 under 500
    ms at 50 requests/s`): they change what the milestone promises. Placeholders get no
    rewrite: only the author knows what to write.
    """
    extra = list(ctx.config.extra_vague_words)
    allowed = list(ctx.config.allowed_words)
    seen: set[tuple[int, int]] = set()
    for _, item in criteria_items(ctx):
        key = (item.text_range.start.line, item.text_range.start.character)
        if key in seen or _skipped(item):
            continue
        seen.add(key)
        verdict = measurability.analyze(judged_text(item), extra_vague=extra, allowed=allowed)
        if verdict.measurable:
            continue
        rewritable = True
        if item.check:
            # The row's check cells did not make it measurable: explain and rewrite the
            # criterion cell, which is what the range covers and the fixes replace — unless
            # the vague words are in those cells, which the author rewrites by hand.
            own = measurability.analyze(item.text, extra_vague=extra, allowed=allowed)
            if own.measurable:
                rewritable = False
            else:
                verdict = own
        message = measurability.headline(verdict)
        options: list[tuple[str, str]] = []
        if not verdict.placeholder and rewritable:
            options = measurable_rewrites(item.text, verdict, extra, allowed)
        fixes = [
            Fix(
                title,
                (TextEdit(ctx.doc.path, item.text_range, text),),
                "unsafe",
                measurability.slot_snippet(text),
            )
            for title, text in options
        ]
        yield ctx.finding(message, item.text_range, fixes=fixes)


# --- MS102 --------------------------------------------------------------------------------------

# Wording that describes doing work rather than the state reached when it is done.
_ACTIVITY = re.compile(
    r"""^(?:
        (?:make|making|made)\s+(?:some\s+|more\s+|good\s+|further\s+|steady\s+)?progress\b
      | (?:work|working|worked)\s+(?:on|towards?|through|in\s+progress)\b
      | (?:continue|continued|continuing|keep|keeping)\s+(?:to\s+|on\s+|with\s+)?\w+
      | (?:start|starting|begin|beginning)\s+(?:work|working|on|to|development|implementing)\b
      | (?:iterate|iterating)\s+on\b
      | (?:ongoing|various|misc|miscellaneous|general|further|more|some|other)\s+
        (?:\w+\s+)?(?:work|improvements?|fixes|changes|tweaks|updates|progress|enhancements?
           |cleanup|refinements?|development|tasks|stuff|features)\s*$
      | progress\s+(?:on|towards?)\b
      | (?:improvements?|enhancements?|fixes|tweaks|updates|changes)\s*$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Open-ended change verbs: vague unless the same text sets a target.
_OPEN_CHANGE = re.compile(
    r"^(?:improve|improving|enhance|enhancing|optimi[sz]e|optimi[sz]ing|refine|refining|"
    r"tweak|tweaking|investigate|investigating|explore|exploring|look\s+into)\b",
    re.IGNORECASE,
)
_TARGET = lazy(r"\d|[<>≤≥]|\bto\s+(?:under|below|above|at\s+least)\b|\buntil\b", re.I)


def activity_wording(text: str, *, open_change: bool = True) -> str | None:
    """The activity phrase a name or goal starts with, when it states no outcome.

    ``open_change`` also reports open-ended change verbs ("Improve search") with no target.
    """
    clean = re.sub(r"[`*_\"“”]", "", text).strip()
    clean = re.sub(r"^(?:to\s+)", "", clean, flags=re.IGNORECASE)
    m = _ACTIVITY.match(clean)
    if m is not None:
        return m.group(0).strip()
    if not open_change:
        return None
    m = _OPEN_CHANGE.match(clean)
    if m is not None and _TARGET().search(clean) is None:
        return m.group(0).strip()
    return None


@rule(
    "MS102",
    "vague-milestone",
    Severity.WARNING,
    "A milestone's name or Goal describes activity instead of an outcome.",
    section_key=no_section_key,
)
def vague_milestone(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A milestone whose name or Goal describes work being done rather than the state reached when
    it is done: "Make progress on features", "Work on auth", "Continue improving search",
    "Various fixes", or an open-ended "Improve performance" with no target. A name is a label
    and may be short ("Polish & Performance" names a milestone well enough when its criteria
    are concrete); only wording that says "we will keep busy" is reported.

    Why:
    "Anti-Patterns › Avoid These" lists vague milestones ("Make progress on features"), and
    "Definitions › Milestone" wants a checkpoint one can measure and check: you can
    tell whether "API layer complete" happened, not whether progress was made.

    Example that fires:
    `## Milestone: Make progress on features`, or `**Goal:** Work on authentication`.

    Example that does not:
    `## Milestone: API Layer Complete` with `**Goal:** Users sign in with OAuth and keep a
    session across restarts`, or `**Goal:** Improve P95 latency to under 200ms`.

    Fix safety:
    No fix: the outcome is for the author to state.
    """
    for milestone in ctx.doc.milestones:
        if milestone.is_update:
            continue
        goal = milestone.fields.get("goal")
        # A name is a label: an open-ended "Improve X" name is fine when a Goal states the
        # outcome, and reported only when no Goal does.
        has_goal = goal is not None and goal.value_range is not None
        phrase = activity_wording(milestone.name, open_change=not has_goal)
        if phrase is not None:
            message = (
                f"Milestone name '{milestone.name}' describes activity ('{phrase}'), not an "
                "outcome; name the state reached when it is done, e.g. 'Search API complete'"
            )
            yield ctx.finding(message, milestone.name_range)
        if goal is None or goal.value_range is None:
            continue
        phrase = activity_wording(goal.value)
        if phrase is not None:
            message = (
                f"Goal of milestone '{milestone.name}' describes activity ('{phrase}'), not an "
                "outcome; state in one sentence what is true or possible once it is reached"
            )
            yield ctx.finding(message, goal.value_range)


# --- MS103 --------------------------------------------------------------------------------------

_TESTING = re.compile(
    r"\b(?:tests?|tested|testing|testable|coverage|passing|passes|passed|pass|verified|verify|"
    r"verification|validated|validation|smoke|e2e|end-to-end|benchmarks?|benchmarked|ci|qa|"
    r"regressions?|assert(?:ed|ions?)?|spec(?:s)?|pytest|jest|junit|go\s+test|cargo\s+test)\b",
    re.IGNORECASE,
)
_TESTING_CRITERION = "Unit and integration tests passing in CI (100%)"


def has_testing_criterion(items: list[Item]) -> bool:
    """Whether any criterion is about tests: a Testing category or test vocabulary."""
    for item in items:
        if (item.category or "").lower() == "testing" or _TESTING.search(item.text):
            return True
    return False


def _criteria_field(milestone: Milestone) -> Field | None:
    return find_field(milestone, "acceptance_criteria")


def _add_testing_fix(ctx: RuleContext, items: list[Item]) -> Fix | None:
    last = max(items, key=lambda i: (i.range.end.line, i.range.end.character))
    if last.from_table:
        return None
    line = ctx.lines[last.range.end.line]
    doc = ctx.doc.text  # a lone-CR file gets CR (as MS001's stubs do), not "\n"
    eol = "\r\n" if "\r\n" in doc else ("\r" if "\r" in doc and "\n" not in doc else "\n")
    bullet = last.bullet if not last.ordered else "-"
    box = "[ ] " if last.box_range is not None else ""
    text = f"{eol}{last.indent}{bullet} {box}{_TESTING_CRITERION}"
    pos = Range.of(last.range.end.line, len(line))
    return Fix("Add a testing criterion", (TextEdit(ctx.doc.path, pos, text),), "unsafe")


@rule(
    "MS103",
    "missing-testing-criterion",
    Severity.INFORMATION,
    "A milestone's acceptance criteria include no testing criterion.",
    fix="unsafe",
    section_key=line_ending_key,
)
def missing_testing_criterion(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A milestone whose acceptance criteria (or "Success Criteria" standing in for them) contain
    no criterion about tests: no "Testing" category and no criterion that mentions tests,
    coverage, passing, verification, smoke or end-to-end runs, benchmarks or CI. Milestones
    without any criteria are left to MS001 and MS002; progress updates are skipped, and so are
    milestones whose criteria are all met (the gate has passed; a criterion added afterwards
    would check nothing), and milestones with a "Testing" or "Tests" section of their own
    (they say how they are tested there).

    Why:
    "Acceptance Criteria › Criteria Categories" gives every milestone functional, testing,
    documentation and quality criteria, and "Anti-Patterns › Avoid These" warns against
    skipping tests; a milestone that can pass without any test result cannot show that its
    functional criteria hold.

    Example that fires:
    ```markdown
    **Acceptance Criteria:**
    - [ ] Users can export a report as PDF
    - [ ] Export button documented in the user guide
    ```

    Example that does not:
    the same list with `- [ ] Export integration tests passing (12/12)`.

    Fix safety:
    Unsafe. The fix appends an unchecked criterion "Unit and integration tests passing in CI
    (100%)" after the last criterion, in the list's own bullet and box style; the author
    should make it name the milestone's actual tests.
    """
    for milestone in ctx.doc.milestones:
        if milestone.is_update:
            continue
        items = [i for i in milestone.criteria if not i.struck]
        if not items or has_testing_criterion(items):
            continue
        if all(i.is_done for i in items):
            continue  # the gate has passed; adding a criterion now changes nothing
        # A "Testing" or "Tests" section of its own says how the milestone is tested.
        testing = milestone.fields.get("testing") or milestone.fields.get("tests")
        if testing is not None and not testing.is_empty:
            continue
        fld = _criteria_field(milestone)
        where = fld.label_range if fld is not None else milestone.name_range
        message = (
            f"Acceptance criteria of milestone '{milestone.name}' include no testing criterion; "
            "add one that names the tests and their pass rate, e.g. 'Integration tests passing "
            "(100%)'"
        )
        fix = _add_testing_fix(ctx, items)
        yield ctx.finding(message, where, fixes=[fix] if fix else [])
