"""A scripted git history of a small project, for the history tests (unit and end to end).

Eleven commits with fixed author/committer dates and identity, so every run gives the same
commit ids. The story, commit by commit:

1. 2026-01-05  plan: STATUS.md and docs/milestones.md (Foundation, Search Live), nothing done;
               STATUS names Foundation as the current milestone, so it has started
2. 2026-01-08  Foundation: first criterion met (STATUS says 33%)
3. 2026-01-12  STATUS claims Foundation 100% and overall 50% while 2 of 3 criteria are met
4. 2026-01-14  a deliverable "Monitoring dashboard" is added to Foundation (scope creep)
5. 2026-01-15  Foundation's last criterion met, ticked in the Milestones list (overall 50%)
6. 2026-01-16  DECISIONS.md logs the approval of Foundation
7. 2026-01-20  docs/milestones.md is renamed to plan/MILESTONES.md
8. 2026-01-22  STATUS names Search Live as the current milestone (it starts)
9. 2026-01-25  a deliverable "Search analytics" is added to Search Live; one criterion met
10. 2026-01-28 README.md only (not a milestone document: no row)
11. 2026-02-02 Search Live done and ticked; STATUS says 100%
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

needs_git = pytest.mark.skipif(
    shutil.which("git") is None, reason="git is not installed: the history needs git"
)

STATUS_1 = """# Project Status

Last updated: {date}

## Current State
- Phase: Phase 1 - Foundation
- Milestone: {current}

## Progress

**Overall:** {overall}% ({done}/2 milestones complete)

**Current Milestone:** {current} ({current_pct}% complete)

## Milestones
- [{f}] Foundation (Phase 1)
- [{s}] Search Live (Phase 2)
"""


def milestones(
    foundation: tuple[bool, bool, bool],
    search: tuple[bool, bool, bool],
    foundation_extra: bool = False,
    search_extra: bool = False,
) -> str:
    """The milestone definitions with the given criteria ticked."""

    def box(ticked: bool) -> str:
        return "x" if ticked else " "

    f1, f2, f3 = (box(t) for t in foundation)
    s1, s2, s3 = (box(t) for t in search)
    extra_f = "3. Monitoring dashboard\n" if foundation_extra else ""
    extra_s = "3. Search analytics\n" if search_extra else ""
    return f"""# Milestones

## Milestone: Foundation

**Goal:** Every contributor builds and tests the project with two commands
**Phase:** Phase 1

**Acceptance Criteria:**
- [{f1}] `make build` succeeds on a clean clone
- [{f2}] `make test` runs 40 unit tests and all pass
- [{f3}] CI pipeline green on main for 5 consecutive runs

**Deliverables:**
1. Build system
2. CI pipeline
{extra_f}
**Value Delivered:** Contributors can verify a change locally.

**Approval Required:** Yes

## Milestone: Search Live

**Goal:** Customers find any parcel by its tracking number
**Phase:** Phase 2

**Acceptance Criteria:**
- [{s1}] `GET /search?q=` returns the parcel in under 300 ms at P95
- [{s2}] Search API reference lists every parameter with an example
- [{s3}] End-to-end script `scripts/search.sh` exits 0

**Deliverables:**
1. Search API
2. Search UI
{extra_s}
**Value Delivered:** Customers answer their own tracking questions.

**Approval Required:** No
"""


DECISIONS = """# Decisions

## 2026-01-16: Milestone "Foundation" Approved

**Context:** Phase 1 complete, all acceptance criteria met
**Decision:** Approved to advance to Phase 2
"""


def status(
    date: str,
    overall: int,
    done: int,
    current: str,
    current_pct: int,
    foundation_ticked: bool = False,
    search_ticked: bool = False,
) -> str:
    """STATUS.md with the given statements."""
    return STATUS_1.format(
        date=date,
        overall=overall,
        done=done,
        current=current,
        current_pct=current_pct,
        f="x" if foundation_ticked else " ",
        s="x" if search_ticked else " ",
    )


NONE = (False, False, False)
ALL = (True, True, True)

# (date, message, {path: text or None to delete}, renames {old: new})
STEPS: list[tuple[str, str, dict[str, str | None], dict[str, str]]] = [
    (
        "2026-01-05T09:00:00+00:00",
        "Plan the project",
        {
            "STATUS.md": status("2026-01-05", 0, 0, "Foundation", 0),
            "docs/milestones.md": milestones(NONE, NONE),
        },
        {},
    ),
    (
        "2026-01-08T09:00:00+00:00",
        "Foundation: build works",
        {
            "STATUS.md": status("2026-01-08", 0, 0, "Foundation", 33),
            "docs/milestones.md": milestones((True, False, False), NONE),
        },
        {},
    ),
    (
        "2026-01-12T09:00:00+00:00",
        "Tests pass; update STATUS",
        {
            "STATUS.md": status("2026-01-12", 50, 1, "Foundation", 100),
            "docs/milestones.md": milestones((True, True, False), NONE),
        },
        {},
    ),
    (
        "2026-01-14T09:00:00+00:00",
        "Add a monitoring dashboard to Foundation",
        {"docs/milestones.md": milestones((True, True, False), NONE, foundation_extra=True)},
        {},
    ),
    (
        "2026-01-15T09:00:00+00:00",
        "Foundation complete",
        {
            "STATUS.md": status("2026-01-15", 50, 1, "Foundation", 100, foundation_ticked=True),
            "docs/milestones.md": milestones(ALL, NONE, foundation_extra=True),
        },
        {},
    ),
    (
        "2026-01-16T09:00:00+00:00",
        "Log the approval of Foundation",
        {"DECISIONS.md": DECISIONS},
        {},
    ),
    (
        "2026-01-20T09:00:00+00:00",
        "Move the plan",
        {},
        {"docs/milestones.md": "plan/MILESTONES.md"},
    ),
    (
        "2026-01-22T09:00:00+00:00",
        "Start Search Live",
        {
            "STATUS.md": status("2026-01-22", 50, 1, "Search Live", 0, foundation_ticked=True),
        },
        {},
    ),
    (
        "2026-01-25T09:00:00+00:00",
        "Search API answers; add search analytics",
        {
            "STATUS.md": status("2026-01-25", 50, 1, "Search Live", 33, foundation_ticked=True),
            "plan/MILESTONES.md": milestones(ALL, (True, False, False), True, search_extra=True),
        },
        {},
    ),
    (
        "2026-01-28T09:00:00+00:00",
        "Readme",
        {"README.md": "# Parcel tracker\n\nSee STATUS.md.\n"},
        {},
    ),
    (
        "2026-02-02T09:00:00+00:00",
        "Search Live complete",
        {
            "STATUS.md": status(
                "2026-02-02",
                100,
                2,
                "Search Live",
                100,
                foundation_ticked=True,
                search_ticked=True,
            ),
            "plan/MILESTONES.md": milestones(ALL, ALL, True, search_extra=True),
        },
        {},
    ),
]


def git(root: Path, *args: str, date: str | None = None) -> str:
    """Run git in ``root`` with a fixed identity (and dates, when given)."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Lead",
        "GIT_AUTHOR_EMAIL": "lead@example.com",
        "GIT_COMMITTER_NAME": "Lead",
        "GIT_COMMITTER_EMAIL": "lead@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    if date is not None:
        env["GIT_AUTHOR_DATE"] = date
        env["GIT_COMMITTER_DATE"] = date
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def build(root: Path, steps: int | None = None) -> list[str]:
    """Create the scripted repository in ``root``; the commit ids, oldest first."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    (root / ".milestone-lsp.toml").write_text("debounce_ms = 0\n", encoding="utf-8")
    shas = []
    for index, (date, message, files, renames) in enumerate(STEPS[:steps]):
        for old, new in renames.items():
            (root / new).parent.mkdir(parents=True, exist_ok=True)
            git(root, "mv", old, new)
        for path, text in files.items():
            target = root / path
            if text is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        if index == 0:
            git(root, "add", ".milestone-lsp.toml")
        git(root, "add", "-A", ".")
        git(root, "commit", "-q", "-m", message, date=date)
        shas.append(git(root, "rev-parse", "HEAD"))
    return shas
