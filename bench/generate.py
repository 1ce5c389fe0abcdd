"""Generate realistic milestone workspaces for the benchmark (deterministic for a given seed).

A STATUS-style file mixes what real project trackers hold: a current-state block, overall
progress claims, milestone definitions (goal, phase, target, categorised acceptance criteria with
boxes and counts, deliverables, value, approval), deliverable definitions with tasks, test status
lists, tables, dated decisions, code fences and HTML comments. Some criteria are vague and some
claims disagree with their checklists, so the rules have something to report.

    python bench/generate.py OUT_DIR        # status-1k/ status-10k/ status-100k/ workspace-1000/
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}
WORKSPACE_FILES = 1_000

_NOUNS = [
    "Foundation",
    "Authentication",
    "Billing",
    "Search",
    "Reporting",
    "Notifications",
    "Onboarding",
    "Export",
    "Scheduler",
    "Audit Log",
    "Payments",
    "Storage",
    "Sync Engine",
    "Admin Console",
    "Public API",
    "Mobile Client",
]
_VAGUE = [
    "Performance is acceptable",
    "Code is clean and well documented",
    "Works as expected",
    "Good test coverage",
    "UI feels responsive",
]
_CRITERIA = [
    "`make build` and `make test` succeed on a clean clone",
    "Integration tests passing ({a}/{b})",
    "p95 latency of `GET /items/{{id}}` under {n} ms at 200 rps",
    "CI pipeline green on main for {n} consecutive runs",
    "API reference lists every `/v{n}/*` endpoint with an example",
    "Coverage report shows >= {n}% line coverage",
    "End-to-end script `scripts/e2e_{n}.sh` exits 0",
    "Migration `{n:04d}_add_index.sql` applies and rolls back cleanly",
]
_CATEGORIES = ["Functional", "Testing", "Documentation", "Quality"]
_STATUS_WORDS = ["COMPLETE", "IN PROGRESS", "PLANNED", "NEXT", "BLOCKED"]


def _criterion(rng: random.Random) -> str:
    if rng.random() < 0.12:
        return rng.choice(_VAGUE)
    a = rng.randint(1, 60)
    return rng.choice(_CRITERIA).format(a=a, b=a + rng.randint(0, 6), n=rng.randint(2, 900))


def _box(rng: random.Random) -> str:
    return rng.choice(["[x]", "[x]", "[ ]", "[ ]", "[~]"])


def milestone_block(i: int, rng: random.Random) -> list[str]:
    """One milestone definition with two deliverables (about 60 lines)."""
    name = f"{_NOUNS[i % len(_NOUNS)]} {i}"
    out = [
        f"## Milestone: {name} Complete",
        "",
        f"**Goal:** Customers can use {name.lower()} end to end without manual steps",
        f"**Phase:** Phase {i // 4}",
        f"**Target:** Week {i + 1}",
        f"**Owner:** team-{i % 7}",
        "",
        "**Acceptance Criteria:**",
        "",
    ]
    for category in rng.sample(_CATEGORIES, 2):
        out.append(f"**{category}:**")
        out.extend(f"- {_box(rng)} {_criterion(rng)}" for _ in range(rng.randint(2, 5)))
        out.append("")
    out += [
        "**Deliverables:**",
        f"1. {name} API",
        f"2. {name} Docs",
        "",
        "**Value Delivered:**",
        f"Teams ship {name.lower()} changes without waiting on a release train.",
        "",
        f"**Approval Required:** {'Yes (phase transition)' if i % 3 == 0 else 'No'}",
        "",
    ]
    for suffix in ("API", "Docs"):
        status = rng.choice(_STATUS_WORDS)
        out += [
            f"### Deliverable: {name} {suffix} ({status})",
            "",
            f"**Output:** `src/{name.lower().replace(' ', '_')}/{suffix.lower()}.py` and tests",
            f"**Contributes To:** Milestone: {name} Complete",
            "",
            "**Success Criteria:**",
        ]
        out.extend(f"- {_box(rng)} {_criterion(rng)}" for _ in range(rng.randint(2, 4)))
        out += [
            "",
            f"#### Task {i}.1: Wire the {suffix.lower()} into the router",
            f"- [x] Handler for `/{suffix.lower()}/{i}` returns 200",
            f"- [ ] Error path returns a problem document ({rng.randint(1, 9)}/10 cases)",
            "",
        ]
    if i % 5 == 0:
        out += [
            "```bash",
            f"curl -s localhost:8080/items/{i} | jq .",
            "# not a heading: inside a fence",
            "```",
            "",
        ]
    if i % 7 == 0:
        out += [
            "| Criterion | Status |",
            "|---|---|",
            f"| Load test at {rng.randint(100, 900)} rps | ✅ |",
            "| Runbook reviewed | 🔄 In progress |",
            "",
        ]
    if i % 11 == 0:
        out += ["<!-- milestone-lsp-disable-next-line MS101 -->", "- [ ] Works as expected", ""]
    return out


def status_header(count: int, rng: random.Random) -> list[str]:
    """The STATUS.md head: current state, overall progress, milestone list, test status."""
    done = count // 3
    shown = min(count, 40)
    out = [
        "# Project Status",
        "",
        "Last updated: 2026-02-20",
        "",
        "## Current State",
        "- Phase: Phase 2 - MVP Implementation",
        f"- Milestone: {_NOUNS[done % len(_NOUNS)]} {done} Complete "
        f"({rng.randint(10, 90)}% complete)",
        "- Deliverable: Integration Tests (IN PROGRESS)",
        "",
        "## Progress",
        "",
        f"**Overall:** {round(100 * done / max(count, 1))}% ({done}/{count} milestones complete)",
        "",
        "## Milestones",
    ]
    for i in range(shown):
        name = f"{_NOUNS[i % len(_NOUNS)]} {i} Complete"
        if i < done:
            out.append(f"- [x] {name} (Phase {i // 4})")
        else:
            out.append(f"- [ ] {name} (Phase {i // 4}) - {rng.choice(['PLANNED', '40%', 'NEXT'])}")
    out += [
        "",
        "## Test Status",
        f"- Unit: {rng.randint(100, 900)}/900 (9x%)",
        "- Integration: 28/32 (92%)",
        "- Smoke: 3/5 (60%)",
        "",
        "## Active Workers",
        "- Worker-1: Performance analysis",
        "- Worker-2: Integration tests",
        "",
    ]
    return out


def decision_block(i: int, rng: random.Random) -> list[str]:
    """A dated decision entry (approval, completion or design decision)."""
    name = f"{_NOUNS[i % len(_NOUNS)]} {i} Complete"
    day = 1 + i % 28
    kind = i % 3
    if kind == 0:
        head = f'## 2026-02-{day:02d}: Milestone "{name}" Approved'
        body = ["**Context:** Phase review", "**Decision:** Approved", ""]
    elif kind == 1:
        head = f"## 2026-03-{day:02d}: {name}"
        body = ["**Context:** All criteria met", "**Next:** Begin the next phase", ""]
    else:
        head = f"## 2026-01-{day:02d}: Use PostgreSQL for {name.lower()} storage"
        body = ["**Context:** Needs transactional updates", "**Decision:** PostgreSQL 16", ""]
    return [head, "", *body]


def status_document(target_lines: int, seed: int = 0) -> str:
    """A STATUS-style document of about ``target_lines`` lines."""
    rng = random.Random(seed)
    count = max(1, target_lines // 62)
    lines = status_header(count, rng)
    i = 0
    while len(lines) < target_lines:
        lines += milestone_block(i, rng)
        if i % 4 == 3:
            lines += decision_block(i, rng)
        i += 1
    return "\n".join(lines[:target_lines]) + "\n"


def workspace(root: Path, files: int = WORKSPACE_FILES, seed: int = 1) -> list[Path]:
    """A repository-like tree of ``files`` markdown files (STATUS, plans, decisions, READMEs)."""
    rng = random.Random(seed)
    written: list[Path] = []
    for n in range(files):
        folder = root / f"team-{n % 20:02d}" / f"project-{n // 20:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        kind = n % 5
        if kind == 0:
            path, text = folder / "STATUS.md", status_document(rng.randint(80, 400), seed + n)
        elif kind == 1:
            blocks: list[str] = ["# Milestones", ""]
            for i in range(rng.randint(1, 5)):
                blocks += milestone_block(n * 10 + i, rng)
            path, text = folder / "MILESTONES.md", "\n".join(blocks) + "\n"
        elif kind == 2:
            blocks = ["# Decisions", ""]
            for i in range(rng.randint(2, 12)):
                blocks += decision_block(n * 10 + i, rng)
            path, text = folder / "DECISIONS.md", "\n".join(blocks) + "\n"
        elif kind == 3:
            path = folder / "README.md"
            text = "# Project\n\nSome prose about the project.\n\n## Usage\n\n```sh\nmake\n```\n"
            text += "".join(f"\n## Section {i}\n\nParagraph {i}.\n" for i in range(20))
        else:
            path = folder / "docs" / f"plan-{n}.md"
            path.parent.mkdir(exist_ok=True)
            text = "\n".join(["# Plan", "", *milestone_block(n, rng)]) + "\n"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def generate(out: Path) -> dict[str, Path]:
    """Write every benchmark input below ``out``; return their paths by name."""
    paths: dict[str, Path] = {}
    for label, size in SIZES.items():
        folder = out / f"status-{label}"
        folder.mkdir(parents=True, exist_ok=True)
        # A config file makes the folder its own workspace root (no scan of the repository).
        (folder / ".milestone-lsp.toml").write_text("", encoding="utf-8")
        path = folder / "STATUS.md"
        text = status_document(size, seed=size)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        paths[label] = path
    ws = out / "workspace-1000"
    if not (ws / ".milestone-lsp.toml").exists():
        workspace(ws)
        (ws / ".milestone-lsp.toml").write_text("", encoding="utf-8")
    paths["workspace"] = ws
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/.work")
    for name, path in generate(target).items():
        print(f"{name}: {path}")
