"""Benchmark (e): the progress history of 500 commits of a 1,000-line STATUS.md.

The repository is written in one ``git fast-import`` stream (seconds, not minutes of ``git
commit``): every commit changes STATUS.md — one checkbox flipped, the date and a percentage
rewritten, now and then a deliverable added — so each of the 500 versions is a distinct blob
that has to be parsed. Budget: the whole ``milestone-lsp history`` run ≤ 5 s on 2 cores.

    .venv/bin/python bench/history_bench.py [--commits 500]   # standalone
    bench/run.py --only e                                       # as a line of `make bench`
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from generate import status_document  # noqa: E402

BUDGET_S = 5.0
_BOX = re.compile(r"^(\s*[-*] \[)([ xX])(\])")
_PERCENT = re.compile(r"\b(\d{1,3})%")


def versions(commits: int, lines: int = 1_000, seed: int = 7) -> list[str]:
    """``commits`` successive versions of a ``lines``-line STATUS.md, each one different."""
    text = status_document(lines, seed)
    rows = text.split("\n")
    boxes = [i for i, row in enumerate(rows) if _BOX.match(row)]
    percents = [i for i, row in enumerate(rows) if _PERCENT.search(row)]
    out = []
    for n in range(commits):
        if boxes:
            i = boxes[(n * 7) % len(boxes)]
            rows[i] = _BOX.sub(
                lambda m: m.group(1) + (" " if m.group(2) != " " else "x") + "]", rows[i], 1
            )
        if percents:
            j = percents[n % len(percents)]
            rows[j] = _PERCENT.sub(f"{(n * 3) % 101}%", rows[j], 1)
        if n % 25 == 24 and boxes:
            k = boxes[(n // 25) % len(boxes)]
            rows.insert(k + 1, f"- [ ] Deliverable added in commit {n}")
            boxes = [b + 1 if b > k else b for b in boxes] + [k + 1]
            percents = [p + 1 if p > k else p for p in percents]
        out.append("\n".join(rows))
    return out


def build_repository(root: Path, commits: int = 500) -> Path:
    """A fresh repository in ``root`` whose main branch has ``commits`` commits of STATUS.md."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True, env=env)
    stream = bytearray()
    start = 1_767_225_600  # 2026-01-01
    for n, text in enumerate(versions(commits)):
        data = text.encode()
        message = f"Progress update {n + 1}".encode()
        stream += b"commit refs/heads/main\n"
        stream += f"committer Bench <bench@example.com> {start + n * 3600} +0000\n".encode()
        stream += f"data {len(message)}\n".encode() + message + b"\n"
        stream += b"M 100644 inline STATUS.md\n"
        stream += f"data {len(data)}\n".encode() + data + b"\n"
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=root, input=bytes(stream), check=True, env=env
    )
    # The history is read from the repository: nothing needs to be checked out.
    return root


def bench(
    record: Callable[..., object], work: Path = WORK, commits: int = 500, repeat: int = 3
) -> None:
    """Record the (e) lines: in-process and command-line times for ``commits`` commits."""
    from milestone_lsp.project.history import default_workers, load_history

    if shutil.which("git") is None:
        record("e", "history: git is not installed", None, "s", note="skipped")
        return
    root = build_repository(work / "history-repo", commits)
    workers = default_workers()  # what the command line would use now
    timings = []
    history = None
    from milestone_lsp.core import blocks

    for _ in range(repeat):
        cache = getattr(blocks, "_shared_cache", None)
        if cache is not None:  # cold: no markdown chunk remembered from the previous repeat
            cache.entries.clear()
        started = time.perf_counter()
        history = load_history(root, workers=workers)
        timings.append(time.perf_counter() - started)
    assert history is not None
    record("e", f"history: commits read ({commits} made)", len(history.rows), "")
    record("e", "history: distinct STATUS.md versions parsed", history.parsed, "")
    label = f"history in-process, {workers} process{'es' if workers > 1 else ''} (best)"
    record("e", label, min(timings), "s", BUDGET_S)
    walls = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "milestone_lsp", "history", "--format", "json", str(root)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        walls.append(time.perf_counter() - started)
    record(
        "e",
        "`milestone-lsp history --format json` (median)",
        sorted(walls)[len(walls) // 2],
        "s",
        BUDGET_S,
    )


def _print_record(
    group: str,
    name: str,
    value: float | None,
    unit: str,
    limit: float | None = None,
    note: str = "",
) -> None:
    mark = "" if limit is None else ("PASS" if value is not None and value <= limit else "FAIL")
    shown = "—" if value is None else f"{value:.3g}"
    print(f"  {group} {name:<52} {shown:>9} {unit:<3} {mark} {note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bench(_print_record, WORK, args.commits, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
