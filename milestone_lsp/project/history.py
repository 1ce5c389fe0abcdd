"""The progress history of a workspace: its git history (read by :mod:`.gitlog`) turned into
the figures of :mod:`milestone_lsp.core.history`, per commit.

``python -m milestone_lsp.project.history PATH [--since REV]`` prints the history as JSON; the
language server runs it in a child process, so that reading a long history never competes with
an edit's diagnostics for the interpreter.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from milestone_lsp.core.commits import Change, CommitInfo, Snapshot
from milestone_lsp.core.history import History, build_history
from milestone_lsp.core.model import Document
from milestone_lsp.project.checking import is_milestone_document
from milestone_lsp.project.gitlog import (
    EMPTY_TREE_STATE,
    GitError,
    Repository,
    commit_info,
    commits,
    open_repository,
    read_blobs,
    resolve,
    tree_state,
)
from milestone_lsp.settings.config import Config


def _tracked(config: Config, doc: Document, path: str) -> bool:
    return is_milestone_document(doc, path, config)


def snapshots(
    repo: Repository, since: str | None = None
) -> tuple[list[Snapshot], list[tuple[CommitInfo, Change]]]:
    """The state of the markdown files after each commit that changed them, and the renames."""
    start = resolve(repo, since) if since else None
    state = tree_state(repo, start) if start else dict(EMPTY_TREE_STATE)
    out: list[Snapshot] = []
    renames: list[tuple[CommitInfo, Change]] = []
    if start is not None:
        out.append(Snapshot(commit_info(repo, start), dict(state), (), baseline=True))
    for info, changes in commits(repo, start):
        for change in changes:
            if change.status == "D":
                state.pop(change.old_path, None)
            elif change.status == "R":
                state.pop(change.old_path, None)
                state[change.new_path] = change.new_blob
                renames.append((info, change))
            else:
                state[change.new_path] = change.new_blob
        out.append(Snapshot(info, dict(state), tuple(changes)))
    return out, renames


def default_workers() -> int:
    """Processes worth using: two when the machine has idle cores, else one.

    Splitting the history saves about a third of the time on idle cores, but on a machine
    that is already busy the extra process only adds its start-up and the copying of results.
    """
    cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except OSError:  # not available on this platform
        busy = 0.0
    return min(2, cores) if busy < cores - 0.5 else 1


def load_history(
    path: Path,
    config: Config | None = None,
    *,
    since: str | None = None,
    workers: int = 1,
) -> History:
    """The progress history of the workspace at ``path`` (a :class:`GitError` when unavailable)."""
    config = config or Config()
    repo = open_repository(path)
    snaps, renames = snapshots(repo, since)
    needed = {blob for snap in snaps for blob in snap.files.values()}
    limit = config.max_file_size or None
    texts: dict[str, str] = {}
    for blob, data in read_blobs(repo, needed).items():
        if limit is not None and len(data) > limit:
            continue
        text = data.decode("utf-8", "replace")
        texts[blob] = text[1:] if text.startswith("\ufeff") else text
    notes: list[str] = []
    if repo.shallow:
        first = snaps[0].commit.date[:10] if snaps else "the first fetched commit"
        notes.append(
            f"this is a shallow clone: the history starts at {first}; "
            "run `git fetch --unshallow` to see all of it"
        )
    history = build_history(
        snaps,
        texts,
        method=config.progress_method,
        tolerance=config.percent_tolerance,
        tracked=functools.partial(_tracked, config),
        workers=workers,
        renames=renames,
    )
    history.workspace = str(repo.workdir.resolve())
    history.head = repo.head
    history.since = since
    history.notes.extend(notes)
    return history


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m milestone_lsp.project.gitlog PATH [--since REV]``: the history as JSON on stdout.

    The settings (a JSON object of the config model) are read from stdin. Prints
    ``{"history": ...}`` or ``{"error": "..."}``; the language server runs this in a child
    process, so that reading a long history never competes with an edit's diagnostics.
    """
    parser = argparse.ArgumentParser(prog="python -m milestone_lsp.project.gitlog")
    parser.add_argument("path")
    parser.add_argument("--since")
    args = parser.parse_args(argv)
    raw = sys.stdin.read().strip()
    try:
        config = Config.model_validate(json.loads(raw)) if raw else Config()
        history = load_history(Path(args.path), config, since=args.since)
        payload: dict[str, object] = {"history": history.to_json()}
    except GitError as exc:
        payload = {"error": str(exc)}
    json.dump(payload, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
