"""Hypothesis strategies for milestone markdown: the grammar the parser knows, plus hostile unicode.

Documents are built line by line from the shapes the parser and the rules look for (milestone,
deliverable, report, task, phase, dated-entry and STATUS-section headings; ``**Label:**`` fields;
check-box lists with status tags and marks; progress lines; fences; tables; HTML and suppression
comments; DECISIONS.md entries; misspelt labels and near-miss names for the rules that offer
corrections), then salted with characters that break naive code: surrogate-pair
emoji, combining marks, right-to-left text, NUL and other control characters, lone CR, CRLF,
Unicode line separators and a byte-order mark. Workspaces share one pool of milestone names so
that cross-file rules (STATUS.md ↔ milestone definitions ↔ DECISIONS.md) have something to match.
"""

from __future__ import annotations

import os

from hypothesis import settings
from hypothesis import strategies as st

# Characters and short strings that stress position arithmetic and line splitting.
HOSTILE = (
    "\x00",
    "\x01",
    "\x1b",
    "\x7f",
    "\t",
    "\r",
    "\r\n",
    "\n",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x85",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\u200b",
    "\u200d",
    "\u202e",
    "\u2066",
    "e\u0301",
    "\u0301",
    "\u0336\u0336",
    "a\u20dd",
    "\U0001f600",
    "\U0001f44d\U0001f3fd",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\U0001f1fa\U0001f1f3",
    "\u2705",
    "\u2714\ufe0f",
    "\u26a0\ufe0f",
    "\U0001d54f",
    "\U00010348",
    "\U0010fffd",
    "\ufffd",
    "עברית",
    "مرحبا بالعالم",
    "中文里程碑",
    "İstanbul",
    "ß",
    "ﬁ",
    "\u00a0",
    "\u3000",
    "`",
    "``",
    "*",
    "**",
    "_",
    "~~",
    "[",
    "]",
    "(",
    ")",
    "|",
    "<!--",
    "-->",
    "#",
    ">",
    "\\",
    "%",
    "/",
    ":",
)

NAMES = (
    "Foundation Complete",
    "Authentication Complete",
    "MVP Functional",
    "Search Live",
    "Billing",
    "Data Export",
    "v1 Release",
    "Core API",
    "Integration Tests",
    "Performance Tuning",
    "Auth Provider Integration",
    "Session Middleware",
)

STATUS_WORDS = (
    "COMPLETE",
    "Complete",
    "DONE",
    "done",
    "IN PROGRESS",
    "In Progress",
    "WIP",
    "NEXT",
    "PLANNED",
    "TODO",
    "BLOCKED",
    "FAILED",
    "NOT STARTED",
    "ON HOLD",
    "PARTIAL",
    "VERIFIED",
    "APPROVED",
    "CANCELLED",
)

MARKS = (
    "✅",
    "✓",
    "✔",
    "✔️",
    "☑",
    "🟢",
    "🟡",
    "🔄",
    "🚧",
    "📋",
    "⏳",
    "⬜",
    "⚠️",
    "🛑",
    "🔴",
    "❌",
    "✗",
)

LABELS = (
    "Goal",
    "Objective",
    "Phase",
    "Target",
    "Target Date",
    "Acceptance Criteria",
    "Exit Criteria",
    "Deliverables",
    "Value Delivered",
    "Approval Required",
    "Owner",
    "Scope",
    "Output",
    "Success Criteria",
    "Definition of Done",
    "Testing",
    "Dependencies",
    "Depends on",
    "Contributes To",
    "Status",
    "Progress",
    "Overall",
    "Overall Progress",
    "Current Milestone",
    "Current Phase",
    "Current Deliverable",
    "Milestone",
    "Deliverable",
    "Context",
    "Evidence",
    "Decision",
    "Next Milestone",
    "Next",
    "Last updated",
    "Tasks",
    "Summary",
    "Blockers",
    "Test Status",
    "Functional",
    "Documentation",
    "Quality",
    "Performance",
    "Security",
    "Acceptance",
    "Notes",
)

# Labels one or two edits away from a known one (MS003), and labels of their own that merely
# resemble one (which must not be reported).
MISSPELT_LABELS = (
    "Acceptence Criteria",
    "Acceptance Critera",
    "Dependancies",
    "Contribute To",
    "Sucess Criteria",
    "Aproval Required",
    "Deliverabels",
    "Value Deliverd",
    "Goall",
    "Entry Criteria",
    "Risks",
)

STATUS_SECTIONS = (
    "Current State",
    "Current Status",
    "Progress",
    "Overall Progress",
    "Milestones",
    "Milestone Progress",
    "Deliverables",
    "Test Status",
    "Test Results",
    "Tests",
    "Active Workers",
    "Next P0",
    "Next Steps",
    "Phase 1 Deliverables",
    "Phase 2",
    "Phase 0 - Setup",
)

CRITERIA = (
    "`make test` exits 0 on a clean clone",
    "Integration tests passing (32/32)",
    "Performance is acceptable",
    "p95 latency below 200 ms under 100 requests/s",
    "Code is clean and well documented",
    "Unit test coverage >80%",
    "Works well",
    "API reference lists every endpoint",
    "All tests passing",
    "CI green on main for 5 consecutive runs",
    "Users are happy",
    "Expired tokens are rejected with HTTP 401",
)

DATES = ("2026-02-10", "2026-02-20", "2025-12-31", "2026-13-45", "1999-01-01", "2026-02-29")

RULE_KEYS = (
    "MS001",
    "MS101",
    "MS102",
    "MS201",
    "MS202",
    "MS301",
    "MS401",
    "MS501",
    "MS901",
    "ms101",
    "MS1O1",
    "MS999",
    "vague-criterion",
    "unused-suppression",
    "no-such-rule",
)

SUPPRESSION_KINDS = (
    "disable",
    "enable",
    "disable-line",
    "disable-next-line",
    "disable-file",
    "disabel",
)

LINE_ENDINGS = ("\n", "\r\n", "\r")


# --- inline text --------------------------------------------------------------------------------


def unicode_text(max_size: int = 12) -> st.SearchStrategy[str]:
    """Arbitrary unicode (every category except lone surrogates), plus the hostile snippets."""
    return st.one_of(
        st.text(max_size=max_size),
        st.text(st.characters(codec="utf-8"), max_size=max_size),
        st.sampled_from(HOSTILE),
    )


def words() -> st.SearchStrategy[str]:
    """One inline token: vocabulary from the grammar, numbers, or arbitrary unicode."""
    return st.one_of(
        st.sampled_from(NAMES),
        st.sampled_from(STATUS_WORDS),
        st.sampled_from(MARKS),
        st.sampled_from(CRITERIA),
        st.sampled_from(("the", "and", "Phase 2", "week 3", "see", "by", "ms", "tests", "–", "—")),
        st.integers(0, 200).map(lambda n: f"{n}%"),
        st.tuples(st.integers(0, 60), st.integers(0, 60)).map(lambda t: f"{t[0]}/{t[1]}"),
        st.sampled_from(DATES),
        st.sampled_from(NAMES).map(lambda n: f"`{n}`"),
        st.sampled_from(NAMES).map(lambda n: f"**{n}**"),
        st.sampled_from(NAMES).map(lambda n: f"[{n}](milestones.md#{n.lower().replace(' ', '-')})"),
        unicode_text(),
    )


@st.composite
def inline(draw: st.DrawFn, max_words: int = 6) -> str:
    """A run of inline text."""
    parts = draw(st.lists(words(), max_size=max_words))
    sep = draw(st.sampled_from((" ", " ", " ", "", "  ", "\t")))
    return sep.join(parts)


@st.composite
def trailer(draw: st.DrawFn) -> str:
    """Something a heading or list item may end with: a status tag, a mark, a percent, a phase."""
    word = draw(st.sampled_from(STATUS_WORDS))
    mark = draw(st.sampled_from(MARKS))
    pct = draw(st.integers(0, 150))
    return draw(
        st.sampled_from(
            (
                "",
                "",
                f" ({word})",
                f" [{word}]",
                f" - {word}",
                f" — **{word}**",
                f" · {word}",
                f": {word}",
                f" {mark}",
                f" ({pct}%)",
                f" - {pct}%",
                f" ({pct}% complete)",
                " (Phase 2)",
                f" ({word}, 2026-01-04)",
                f" ({word} + FIXED)",
                f" {mark} ({word})",
            )
        )
    )


@st.composite
def near_name(draw: st.DrawFn, known: st.SearchStrategy[str]) -> str:
    """A known name with a typo: a letter dropped, doubled, swapped or replaced, or its case."""
    base = draw(known)
    if not base:
        return base
    at = draw(st.integers(0, len(base) - 1))
    kind = draw(st.sampled_from(("drop", "double", "swap", "replace", "lower", "suffix")))
    if kind == "drop":
        return base[:at] + base[at + 1 :]
    if kind == "double":
        return base[:at] + base[at] + base[at:]
    if kind == "swap" and at + 1 < len(base):
        return base[:at] + base[at + 1] + base[at] + base[at + 2 :]
    if kind == "replace":
        return base[:at] + draw(st.sampled_from("aeiouxz1")) + base[at + 1 :]
    if kind == "lower":
        return base.lower()
    return base + draw(st.sampled_from(("ity", "s", " 2", " Milestone")))


def name(pool: list[str] | None = None) -> st.SearchStrategy[str]:
    """A milestone or deliverable name: from the shared pool, the fixed list, a near miss of
    either (a typo the reference rules should correct), or arbitrary."""
    known = st.sampled_from(pool) if pool else st.sampled_from(NAMES)
    options: list[st.SearchStrategy[str]] = [st.sampled_from(NAMES), unicode_text(8)]
    if pool:
        options.insert(0, known)
    options.append(near_name(known))
    return st.one_of(*options)


# --- lines --------------------------------------------------------------------------------------


@st.composite
def heading_line(draw: st.DrawFn, pool: list[str] | None = None) -> str:
    """An ATX heading of any kind the parser classifies."""
    n = draw(name(pool))
    num = draw(st.sampled_from(("", "1", "2", "3.1", "M2", "10", "0")))
    date = draw(st.sampled_from(DATES))
    body = draw(
        st.sampled_from(
            (
                f"Milestone: {n}",
                f"Milestone {num}: {n}",
                f"Milestone {num} - {n}",
                f"M{num or '1'}: {n}",
                f"Deliverable: {n}",
                f"Deliverable {num}: {n}",
                f"D{num or '1'} - {n}",
                f"Milestone Verification: {n}",
                f"Milestone Status Report - {n}",
                f"Milestone Complete: {n}",
                f"Deliverable Verification — {n}",
                f"Task {num or '1'}: {n}",
                f"{date}: {n} Milestone Complete",
                f'{date}: Milestone "{n}" Approved',
                f'[{date}] Milestone "{n}" Conditional Approval',
                f"{date} - {n} rejected",
                f"{date}: {n}",
                f"Phase {num or '1'} Deliverables",
                f"Phase {num or '2'} - {n}",
                f"Milestones ({n})",
                n,
                *STATUS_SECTIONS,
                *LABELS,
            )
        )
    )
    level = draw(st.integers(1, 7))
    indent = draw(st.sampled_from(("", "", " ", "   ", "    ")))
    closing = draw(st.sampled_from(("", "", " ##", " #")))
    emphasis = draw(st.sampled_from(("", "", "**", "_")))
    return f"{indent}{'#' * level} {emphasis}{body}{draw(trailer())}{emphasis}{closing}"


@st.composite
def label_line(draw: st.DrawFn, pool: list[str] | None = None) -> str:
    """A field label with a value: ``**Goal:** text`` and its variants."""
    label = draw(st.one_of(st.sampled_from(LABELS), st.sampled_from(MISSPELT_LABELS)))
    value = draw(
        st.one_of(
            inline(),
            name(pool),
            st.sampled_from(
                (
                    "",
                    "Yes (phase transition)",
                    "No (foundation work)",
                    "Yes",
                    "45% (2/5 milestones complete)",
                    "3/7 criteria met",
                    "100%",
                    "Week 4",
                    "2026-02-20",
                    "Phase 2 - MVP Implementation",
                )
            ),
        )
    )
    shape = draw(st.sampled_from(("**{}:** ", "**{}**: ", "__{}:__ ", "*{}:* ", "{}: ", "**{}**")))
    return shape.format(label) + value


@st.composite
def progress_line(draw: st.DrawFn, pool: list[str] | None = None) -> str:
    """A line that states progress with a percentage and/or a count."""
    pct = draw(st.integers(0, 150))
    done = draw(st.integers(0, 20))
    total = draw(st.integers(0, 20))
    what = draw(
        st.sampled_from(("milestones complete", "criteria met", "", "tasks", "deliverables"))
    )
    who = draw(name(pool))
    return draw(
        st.sampled_from(
            (
                f"Overall: {pct}% ({done}/{total})",
                f"**Overall:** {pct}% ({done}/{total} {what})",
                f"- Unit: {done}/{total} ({pct}%)",
                f"Progress: {done}/{total} {what}",
                f"- Milestone: {who} ({pct}% complete)",
                f"{who}: {pct}%",
                f"**Progress:** {pct}%",
            )
        )
    )


@st.composite
def item_line(draw: st.DrawFn, pool: list[str] | None = None) -> str:
    """A list item, possibly nested, possibly a check box, possibly tagged."""
    indent = draw(st.sampled_from(("", "", "  ", "    ", "\t", "      ", "   ")))
    bullet = draw(st.sampled_from(("-", "*", "+", "1.", "2)", "10.", "-", "-")))
    box = draw(
        st.sampled_from(
            ("", "[ ] ", "[x] ", "[X] ", "[~] ", "[-] ", "[/] ", "[✅] ", "[✓] ", "[ ]")
        )
    )
    body = draw(
        st.one_of(
            name(pool).map(lambda n: f"Deliverable 1: {n}"),
            name(pool),
            st.sampled_from(CRITERIA),
            inline(),
            label_line(pool),
            progress_line(pool).map(lambda s: s.lstrip("- ")),
        )
    )
    lead = draw(st.sampled_from(("", "", "✅ ", "❌ ", "🔄 ")))
    return f"{indent}{bullet} {box}{lead}{body}{draw(trailer())}"


@st.composite
def table_lines(draw: st.DrawFn, pool: list[str] | None = None) -> list[str]:
    """A pipe table of milestones or tests, sometimes ragged or broken."""
    header = draw(
        st.sampled_from(
            (
                "| Milestone | Status | Progress |",
                "| Deliverable | Status |",
                "| Suite | Passed | Total |",
                "Milestone | Status",
                "| Phase | Milestone | Target | Status |",
                "| | |",
            )
        )
    )
    cols = max(1, header.count("|") - 1)
    rule = st.sampled_from(("---", ":--", "--:", ":-:", "-"))
    sep = "|" + "|".join(draw(rule) for _ in range(cols))
    sep += draw(st.sampled_from(("|", "", "|---|")))
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        cells = draw(
            st.lists(
                st.one_of(
                    name(pool),
                    st.sampled_from(STATUS_WORDS),
                    st.sampled_from(MARKS),
                    st.integers(0, 150).map(lambda n: f"{n}%"),
                    st.tuples(st.integers(0, 9), st.integers(0, 9)).map(lambda t: f"{t[0]}/{t[1]}"),
                    unicode_text(6),
                ),
                min_size=0,
                max_size=cols + 1,
            )
        )
        rows.append("| " + " | ".join(c.replace("\n", " ") for c in cells) + " |")
    return [header, sep, *rows]


@st.composite
def fence_lines(draw: st.DrawFn, pool: list[str] | None = None) -> list[str]:
    """A fenced code block (sometimes unclosed) that hides milestone-looking lines."""
    fence = draw(st.sampled_from(("```", "~~~", "````", "```markdown", "~~~md", "  ```")))
    inner = draw(st.lists(any_line(pool, fenced=True), max_size=4))
    close = draw(st.sampled_from((fence.strip()[:3], fence.strip()[:3], "", "~~~~", "`` `")))
    return [fence, *inner, close]


@st.composite
def comment_line(draw: st.DrawFn) -> str:
    """An HTML comment or a suppression directive (valid, misspelt, unterminated)."""
    kind = draw(st.sampled_from(SUPPRESSION_KINDS))
    keys = draw(st.lists(st.sampled_from(RULE_KEYS), max_size=3))
    sep = draw(st.sampled_from((" ", ", ", ",")))
    reason = draw(st.sampled_from(("", " -- measured in the load test", " --", " -- ")))
    end = draw(st.sampled_from((" -->", "-->", "", " --")))
    text = draw(inline(3))
    return draw(
        st.sampled_from(
            (
                f"<!-- milestone-lsp-{kind} {sep.join(keys)}{reason}{end}",
                f"<!-- milestone-lsp-{kind}{end}",
                f"<!-- {text} -->",
                f"<!-- {text}",
                f"- [ ] {text} <!-- milestone-lsp-{kind} {sep.join(keys)} -->",
                f"`<!-- milestone-lsp-{kind} {sep.join(keys)} -->`",
                "-->",
            )
        )
    )


def any_line(pool: list[str] | None = None, *, fenced: bool = False) -> st.SearchStrategy[str]:
    """One line of any kind (fences excluded when already inside one)."""
    options = [
        heading_line(pool),
        label_line(pool),
        item_line(pool),
        progress_line(pool),
        comment_line(),
        inline(),
        st.sampled_from(
            ("", "", "---", "===", "***", "> **Note:** quoted", ">", "    indented code")
        ),
        unicode_text(20),
    ]
    if fenced:
        options.append(st.sampled_from(("```", "~~~")))
    return st.one_of(*options)


# --- blocks -------------------------------------------------------------------------------------


@st.composite
def milestone_block(draw: st.DrawFn, pool: list[str] | None = None) -> list[str]:
    """A milestone or deliverable definition with fields and criteria."""
    kind = draw(st.sampled_from(("Milestone", "Deliverable", "Milestone", "M1", "Deliverable 2")))
    n = draw(name(pool))
    lines = [f"## {kind}: {n}{draw(trailer())}", ""]
    for label in draw(
        st.lists(st.sampled_from(("Goal", "Phase", "Target", "Owner", "Status")), max_size=3)
    ):
        value = f"Phase {draw(st.integers(0, 5))}" if label == "Phase" else draw(inline(4))
        lines.append(f"**{label}:** {value}")
    if kind.startswith("Deliverable") and draw(st.booleans()):
        target = draw(name(pool))
        lines += [
            "",
            *draw(
                st.sampled_from(
                    (
                        [f"**Contributes To:** Milestone: {target}"],
                        ["**Contributes To:**", f"Milestone: {target}"],
                        [f"**Contribute To:** {target}"],
                    )
                )
            ),
        ]
    if draw(st.booleans()):
        label = draw(
            st.sampled_from(
                (
                    "Acceptance Criteria",
                    "Acceptance Criteria",
                    "Success Criteria",
                    "Acceptence Criteria",
                    "Sucess Criteria",
                )
            )
        )
        heading = draw(st.sampled_from((f"**{label}:**", f"### {label}", f"**{label}**")))
        lines += ["", heading]
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(("**Functional:**", "**Testing:**", "#### Quality"))))
        criterion = st.tuples(
            st.sampled_from(("- [ ] ", "- [x] ", "- [X] ", "* [ ] ", "- ")),
            st.sampled_from(CRITERIA),
            st.sampled_from(("", "", " ✅", " (DONE)", " (IN PROGRESS)")),
        ).map("".join)
        for _ in range(draw(st.integers(0, 5))):
            lines.append(draw(st.one_of(criterion, criterion, item_line(pool))))
    if draw(st.booleans()):
        lines += ["", "**Deliverables:**"]
        for i in range(draw(st.integers(0, 3))):
            lines.append(f"{i + 1}. {draw(name(pool))}{draw(trailer())}")
    if draw(st.booleans()):
        lines += ["", draw(label_line(pool))]
    if draw(st.booleans()):
        answer = draw(st.sampled_from(("Yes", "Yes", "No", "Yes (x)", "")))
        lines += ["", f"**Approval Required:** {answer}"]
    return lines


@st.composite
def claim_line(draw: st.DrawFn, pool: list[str] | None = None) -> str:
    """A STATUS.md line that claims a milestone's state or names the current one or the phase."""
    n = draw(name(pool))
    word = draw(st.sampled_from(STATUS_WORDS))
    pct = draw(st.integers(0, 100))
    return draw(
        st.sampled_from(
            (
                f"- [x] {n} (COMPLETE)",
                f"- [x] {n} ✅",
                f"- [ ] {n} ({word})",
                f"- [ ] {n} (Phase 4) - 0%",
                f"- [x] Deliverable 1: {n} ({word})",
                f"- {n} - {pct}%",
                f"**Current Milestone:** {n}",
                f"**Current Phase:** Phase {pct % 6}",
                f"**Phase:** Phase {pct % 6} - {n}",
            )
        )
    )


@st.composite
def status_block(draw: st.DrawFn, pool: list[str] | None = None) -> list[str]:
    """A STATUS.md section with its items."""
    title = draw(st.sampled_from(STATUS_SECTIONS))
    lines = [f"## {title}"]
    for _ in range(draw(st.integers(0, 5))):
        lines.append(
            draw(
                st.one_of(
                    item_line(pool),
                    progress_line(pool),
                    label_line(pool),
                    name(pool).map(lambda n: f"- [x] {n} (Phase 1)"),
                    claim_line(pool),
                )
            )
        )
    return lines


@st.composite
def decision_block(draw: st.DrawFn, pool: list[str] | None = None) -> list[str]:
    """A DECISIONS.md entry: a dated heading and its fields."""
    date = draw(st.sampled_from(DATES))
    n = draw(name(pool))
    title = draw(
        st.sampled_from(
            (
                f"{n} Milestone Complete",
                f'Milestone "{n}" Approved',
                f'Milestone "{n}" Conditional Approval',
                f'Milestone "{n}" Approval PENDING',
                f"{n} rejected",
                f"Use {n}",
                n,
            )
        )
    )
    lines = [f"## {date}: {title}", ""]
    for label in draw(
        st.lists(st.sampled_from(("Context", "Decision", "Evidence", "Next", "Deliverables")))
    ):
        lines.append(f"**{label}:** {draw(inline(4))}")
        if draw(st.booleans()):
            lines.append(draw(item_line(pool)))
    return lines


@st.composite
def block(draw: st.DrawFn, pool: list[str] | None = None, flavour: str = "any") -> list[str]:
    """A group of lines, weighted towards the document's flavour."""
    structured = {
        "milestones": milestone_block(pool),
        "status": status_block(pool),
        "decisions": decision_block(pool),
    }
    options = [
        any_line(pool).map(lambda s: [s]),
        table_lines(pool),
        fence_lines(pool),
        comment_line().map(lambda s: [s]),
        st.sampled_from((["---", "title: x", "---"], ["Title", "====="], ["Sub", "---"], [""])),
    ]
    if flavour in structured:
        options = [structured[flavour], structured[flavour], *options]
    else:
        options = [*structured.values(), *options]
    return draw(st.one_of(*options))


@st.composite
def join_lines(draw: st.DrawFn, lines: list[str]) -> str:
    """Join lines with a dominant line ending, some mixing, an optional BOM and final newline."""
    main = draw(st.sampled_from(LINE_ENDINGS))
    mixed = draw(st.booleans())
    out: list[str] = []
    for i, line in enumerate(lines):
        out.append(line)
        if i < len(lines) - 1:
            out.append(draw(st.sampled_from(LINE_ENDINGS)) if mixed else main)
    text = "".join(out)
    if lines and draw(st.booleans()):
        text += main
    if draw(st.integers(0, 9)) == 0:
        text = "\ufeff" + text
    return text


@st.composite
def salt(draw: st.DrawFn, text: str) -> str:
    """Insert hostile snippets at arbitrary offsets (sometimes none)."""
    for _ in range(draw(st.sampled_from((0, 0, 0, 1, 2, 4)))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(unicode_text(4)) + text[at:]
    return text


@st.composite
def document(
    draw: st.DrawFn, pool: list[str] | None = None, flavour: str = "any", max_blocks: int = 8
) -> str:
    """A whole milestone markdown document."""
    lines: list[str] = []
    if draw(st.booleans()):
        lines += [
            draw(st.sampled_from(("# Project Status", "# Milestones", "# Decisions", "# 🚀 Plan")))
        ]
    for b in draw(st.lists(block(pool, flavour), min_size=1, max_size=max_blocks)):
        lines += b
        if draw(st.booleans()):
            lines.append("")
    return draw(salt(draw(join_lines(lines))))


DOCUMENT_NAMES = (
    "STATUS.md",
    "DECISIONS.md",
    "milestones.md",
    "deliverables.md",
    "docs/MILESTONES.md",
    "notes.md",
)


@st.composite
def named_document(draw: st.DrawFn) -> tuple[str, str]:
    """A file name and a document whose flavour matches it."""
    path = draw(st.sampled_from(DOCUMENT_NAMES))
    flavour = {"STATUS.md": "status", "DECISIONS.md": "decisions"}.get(path, "milestones")
    if draw(st.integers(0, 3)) == 0:
        flavour = "any"
    return path, draw(document(None, flavour))


@st.composite
def workspace(draw: st.DrawFn) -> dict[str, str]:
    """STATUS.md, milestone definitions and DECISIONS.md sharing one pool of names."""
    pool = draw(st.lists(name(), min_size=1, max_size=4, unique=True))
    files = {
        "STATUS.md": draw(document(pool, "status", 5)),
        "milestones.md": draw(document(pool, "milestones", 5)),
        "DECISIONS.md": draw(document(pool, "decisions", 4)),
    }
    if draw(st.booleans()):
        files["deliverables.md"] = draw(document(pool, "milestones", 3))
    if draw(st.booleans()):
        files["reports.md"] = draw(document(pool, "any", 3))
    return files


def fuzz_settings(share: float = 1.0, bounded: int | None = None) -> settings:
    """Settings of the selected profile (``HYPOTHESIS_PROFILE``, default ``ci``).

    In the ``fuzz`` campaign, ``share`` scales the example count, so that cheap properties run
    more examples than slow ones; other profiles run their own count for every property, or at
    most ``bounded`` examples when given (for a property whose examples are slow).
    """
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    parent = settings.get_profile(name)
    if name != "fuzz":
        if bounded is None:
            return parent
        return settings(parent=parent, max_examples=min(bounded, parent.max_examples))
    return settings(parent=parent, max_examples=max(1, int(parent.max_examples * share)))
