"""Progress history in the server: MS602 scope-creep in the background, and the
``milestone-lsp.progressHistory`` command (a public contract with the VS Code and Neovim sides).

The history is read by a child process (``python -m milestone_lsp.project.gitlog``), never in the
server's own process: reading hundreds of commits takes seconds of CPU that would otherwise
compete with an edit's diagnostics for the interpreter. Results are cached per (HEAD commit,
``--since``, settings), so a save that did not commit anything costs one ``git rev-parse``.
When a new history arrives, the open documents are published again with MS602 merged in.

Command contract — ``milestone-lsp.progressHistory``, one optional argument object:
``{"format": "json" | "html", "since": "<revision>"}`` (default ``json``). The result is
``{"json": <the document of `milestone-lsp history --format json`>}`` or
``{"html": "<the self-contained page of `--format html`>"}``. Invalid arguments are answered
with InvalidParams; a workspace without usable history (no git, not a repository, unknown
revision) with a RequestFailed error whose message says what to do.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import logging
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

# A real import (not TYPE_CHECKING): pygls resolves command handlers' annotations at run time.
from milestone_lsp.lsp import deferred, diagnostics
from milestone_lsp.lsp.state import MilestoneServer, guarded

if TYPE_CHECKING:
    from milestone_lsp.settings.config import Config

log = logging.getLogger(__name__)

PROGRESS_HISTORY = "milestone-lsp.progressHistory"
FORMATS = ("json", "html")
_CHILDREN: set[asyncio.subprocess.Process] = set()


class HistoryUnavailable(JsonRpcException):
    """The workspace has no history to read (LSP's RequestFailed)."""

    CODE = -32803
    MESSAGE = "No progress history"


def _kill_children() -> None:
    for proc in list(_CHILDREN):
        with contextlib.suppress(ProcessLookupError):
            proc.kill()


atexit.register(_kill_children)


class HistoryState:
    """The cached histories of one server and the background refresh of MS602."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str | None, str], dict[str, Any]] = {}
        self.errors: dict[tuple[str, str | None, str], str] = {}
        self.provided_for: tuple[str, str | None, str] | None = None
        self.task: asyncio.Task[None] | None = None
        self.locks: dict[tuple[str, str | None, str], asyncio.Lock] = {}
        self.again = False


def state(ls: MilestoneServer) -> HistoryState:
    """The server's history state (created on first use)."""
    found = getattr(ls, "_history_state", None)
    if not isinstance(found, HistoryState):
        found = HistoryState()
        ls._history_state = found  # type: ignore[attr-defined]
    return found


def _settings_key(config: Config) -> str:
    return json.dumps(config.model_dump(mode="json"), sort_keys=True)


async def _head(ls: MilestoneServer) -> str | None:
    """HEAD of the workspace's repository (``None`` without git or repository)."""
    if ls.root is None:
        return None
    try:
        proc = await asyncio.create_subprocess_exec(
            "git",
            *deferred.gitlog.SAFE_CONFIG,
            "rev-parse",
            "--verify",
            "--quiet",
            "HEAD",
            cwd=str(ls.root),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return None
    out, _ = await proc.communicate()
    return out.decode().strip() or None if proc.returncode == 0 else None


async def _run_child(ls: MilestoneServer, since: str | None) -> dict[str, Any]:
    """The history read by a child process (:func:`milestone_lsp.project.history.main`).

    Answers ``{"history"}`` or ``{"error"}``.
    """
    assert ls.root is not None
    args = [sys.executable, "-m", "milestone_lsp.project.history", str(ls.root)]
    if since:
        args.append(f"--since={since}")  # "=": a revision that starts with "-" stays a value
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _CHILDREN.add(proc)
    try:
        out, err = await proc.communicate(json.dumps(ls.config.model_dump(mode="json")).encode())
    finally:
        _CHILDREN.discard(proc)
    if proc.returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()
        return {"error": f"reading the history failed: {detail[-1] if detail else 'no output'}"}
    result: dict[str, Any] = json.loads(out)
    return result


async def history_data(ls: MilestoneServer, since: str | None = None) -> dict[str, Any]:
    """The history JSON of the workspace (cached per HEAD); :class:`HistoryUnavailable` when
    there is none."""
    if ls.root is None:
        raise HistoryUnavailable(
            "the progress history needs a workspace folder; open the project's folder"
        )
    head = await _head(ls)
    st = state(ls)
    key = (head or "", since, _settings_key(ls.config))
    lock = st.locks.setdefault(key, asyncio.Lock())
    async with lock:  # the background refresh and a command share one computation
        if key not in st.cache and (head is None or key not in st.errors):
            result = await _run_child(ls, since)
            if "history" in result:
                st.cache[key] = result["history"]
            else:
                st.errors[key] = str(result.get("error", "unknown error"))
    if key in st.cache:
        return st.cache[key]
    raise HistoryUnavailable(st.errors.get(key, "no history"))


def _ms602_enabled(ls: MilestoneServer) -> bool:
    return any(r.code == "MS602" for r, _ in deferred.engine.active_rules(ls.config))


async def _refresh(ls: MilestoneServer) -> None:
    scope_creep = deferred.scope_creep
    await ls.ready()
    if ls.root is None or not _ms602_enabled(ls):
        return
    head = await _head(ls)
    if head is None:
        return  # not a git repository (or git missing): MS602 stays silent
    st = state(ls)
    key = (head, None, _settings_key(ls.config))
    workspaces = list(ls.projects.workspaces.values())
    if st.provided_for == key and all(scope_creep.provided(ws) is not None for ws in workspaces):
        return
    try:
        data = await history_data(ls)
    except HistoryUnavailable as exc:
        ls.log_info(f"MS602 scope-creep is off: {exc}", lsp.MessageType.Log)
        return
    additions = [c for c in deferred.history.scope_creep_from_json(data) if c.present]
    before = [scope_creep.provided(ws) or {} for ws in workspaces]
    for ws in workspaces:
        scope_creep.provide(ws, additions)
    st.provided_for = key
    # Unknown and empty histories report the same (nothing): only a history that changes what
    # MS602 can say costs a re-check of the open documents (seconds on a large plan).
    changed = any(scope_creep.provided(ws) != b for ws, b in zip(workspaces, before, strict=True))
    ls.log_info(
        f"history read at {head[:7]}: {len(data['commits'])} commits, "
        f"{len(additions)} deliverables added after their milestone started"
        + ("" if changed else "; no finding changes"),
        lsp.MessageType.Log,
    )
    if changed:
        ls.findings_cache.clear()
        await diagnostics.publish_all(ls)


def schedule(ls: MilestoneServer) -> None:
    """Bring MS602 up to date in the background (after indexing, a save, a file change)."""
    st = state(ls)
    if st.task is not None and not st.task.done():
        st.again = True  # HEAD may have moved meanwhile: look once more when this one ends
        return

    async def run() -> None:
        st.again = True
        while st.again:
            st.again = False
            try:
                await _refresh(ls)
            except Exception:
                log.exception("reading the history for MS602 failed")

    st.task = asyncio.ensure_future(run())


def _arguments(args: tuple[Any, ...]) -> tuple[str, str | None]:
    if not args or args[0] is None:
        return "json", None
    first = args[0]
    if hasattr(first, "_asdict"):
        first = first._asdict()
    if not isinstance(first, dict):
        raise JsonRpcInvalidParams(
            f"{PROGRESS_HISTORY}: expected an object such as "
            f'{{"format": "html", "since": "v1.0"}}, got {type(first).__name__}'
        )
    unknown = sorted(set(first) - {"format", "since"})
    if unknown:
        raise JsonRpcInvalidParams(
            f"{PROGRESS_HISTORY}: unknown argument {', '.join(map(repr, unknown))}; "
            "the arguments are 'format' and 'since'"
        )
    fmt = first.get("format", "json")
    if fmt not in FORMATS:
        raise JsonRpcInvalidParams(
            f'{PROGRESS_HISTORY}: \'format\' must be "json" or "html", got {fmt!r}'
        )
    since = first.get("since")
    if since is not None and (not isinstance(since, str) or not since.strip()):
        raise JsonRpcInvalidParams(
            f"{PROGRESS_HISTORY}: 'since' must be a revision (commit, tag or branch) string"
        )
    return fmt, since


def register(server: MilestoneServer) -> None:
    """Register the progress-history command."""

    def _failed() -> dict[str, Any]:
        return {"error": "the command failed; see the server log"}

    @server.command(PROGRESS_HISTORY)
    @guarded(_failed)
    async def cmd_progress_history(ls: MilestoneServer, *args: Any) -> dict[str, Any]:
        fmt, since = _arguments(args)
        await ls.ready()
        data = await history_data(ls, since)
        if fmt == "html":
            return {"html": deferred.history_render.render_html(data)}
        return {"json": data}
