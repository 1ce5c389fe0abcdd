"""``milestone-lsp init``: a new workspace from the specification's templates.

The scaffold is designed so that ``milestone-lsp check`` on it reports the placeholders and
nothing else: every value the author must decide is bracketed template text, which MS002
(empty-section) reports in a definition's fields and MS101 (vague-criterion) in its criteria.
What init can know is written out for real: the phase numbering (Phase 1), the 0% progress of a
milestone with nothing met, an empty test count, today's date. STATUS.md names the milestone and
the deliverable by the same placeholders as their definitions, so it stays consistent while the
names are filled in; rename them in every file at once (the editor's rename does that).

Files are written only when none of them exists (or with ``force``), so a workspace that is
already set up is never changed by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from milestone_lsp.core.templates import render
from milestone_lsp.settings.config import CONFIG_FILE_NAME

MILESTONE_PLACEHOLDER = "[Milestone name]"
DELIVERABLE_PLACEHOLDER = "[Deliverable name]"
FIRST_PHASE = "1"

_DECISIONS = """# Decisions

Approvals, completions and architecture decisions, one dated entry each, newest last.

## {today}: Track milestones with milestone-lsp

**Context:** The project needs progress that can be checked, not estimated
**Decision:** Milestones, deliverables and STATUS.md follow the milestone templates, and
`milestone-lsp check` runs in CI
"""

_CONFIG = """# milestone-lsp settings for this workspace; every key is described in the project's
# docs/CONFIGURATION.md. The values below are the defaults, written out to be changed.

# How a milestone's progress is counted: "criteria" (met acceptance criteria / all) or
# "deliverables" (completed deliverables / all).
progress_method = "criteria"

# How far (in percentage points) a stated percentage may differ from the computed one.
percent_tolerance = 1.0

# Per-rule severities: "error", "warning", "information", "hint" or "off".
[rules]
"""


@dataclass(frozen=True, slots=True)
class ScaffoldFile:
    """One file of the scaffold: its name in the workspace and its text."""

    name: str
    text: str


def scaffold_files(today: date | None = None) -> list[ScaffoldFile]:
    """The files ``init`` writes, in the order it writes them."""
    day = (today or date.today()).isoformat()
    status = render(
        "status",
        phase=FIRST_PHASE,
        milestone=MILESTONE_PLACEHOLDER,
        workers="- Nobody assigned yet",
        next_step="Replace the placeholders that `milestone-lsp check` lists",
    )
    milestones = "# Milestones\n\n" + render(
        "milestone", name=MILESTONE_PLACEHOLDER, phase=FIRST_PHASE
    )
    deliverables = "# Deliverables\n\n" + render(
        "deliverable",
        name=DELIVERABLE_PLACEHOLDER,
        phase=FIRST_PHASE,
        milestone=MILESTONE_PLACEHOLDER,
    )
    return [
        ScaffoldFile("STATUS.md", status),
        ScaffoldFile("milestones.md", milestones),
        ScaffoldFile("deliverables.md", deliverables),
        ScaffoldFile("DECISIONS.md", _DECISIONS.format(today=day)),
        ScaffoldFile(CONFIG_FILE_NAME, _CONFIG),
    ]


class ScaffoldError(Exception):
    """The scaffold cannot be written; the message says why and what to do."""


@dataclass(slots=True)
class ScaffoldResult:
    """What ``init`` wrote."""

    created: list[Path]
    replaced: list[Path]


def existing_files(folder: Path, files: list[ScaffoldFile]) -> list[Path]:
    """The scaffold's paths that already exist in ``folder``."""
    return [folder / f.name for f in files if (folder / f.name).exists()]


def write_scaffold(
    folder: Path, *, force: bool = False, today: date | None = None
) -> ScaffoldResult:
    """Write the scaffold into ``folder`` (created if needed); never overwrite unless ``force``."""
    if folder.exists() and not folder.is_dir():
        raise ScaffoldError(f"{folder} is a file, not a folder; name a folder to initialise")
    files = scaffold_files(today)
    existing = existing_files(folder, files)
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise ScaffoldError(
            f"not initialising {folder}: {names} already exist"
            f"{'s' if len(existing) == 1 else ''}; nothing was written. "
            "Use --force to replace them, or choose an empty folder"
        )
    blocked = [p for p in existing if not p.is_file()]
    if blocked:
        names = ", ".join(str(p) for p in blocked)
        raise ScaffoldError(f"cannot replace {names}: not a regular file; move it away first")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScaffoldError(f"cannot create {folder}: {exc.strerror or exc}") from exc
    result = ScaffoldResult([], [])
    for f in files:
        path = folder / f.name
        replacing = path.exists()
        try:
            with path.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(f.text)
        except OSError as exc:
            raise ScaffoldError(f"cannot write {path}: {exc.strerror or exc}") from exc
        (result.replaced if replacing else result.created).append(path)
    return result
