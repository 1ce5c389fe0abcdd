"""workspace/executeCommand: status report, recompute progress, insert template, workspace
progress, the code lens's show-progress command, and fix-all for clients that cannot resolve
a code action (``milestone-lsp.fixAll`` with ``{"uri"}``: the edits are computed and sent with
workspace/applyEdit; answers ``{"applied": bool}``). Names are a public contract with the VS Code
extension and the Neovim plugin — keep them."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.model import Document
from milestone_lsp.core.placement import OFFER_KINDS
from milestone_lsp.core.positions import LineIndex
from milestone_lsp.core.summaries import (
    find_milestone_by_name,
    lens_title,
    milestone_hover,
    milestone_summary,
    recompute_edits,
    workspace_progress,
)

# A real import (not TYPE_CHECKING): pygls resolves command handlers' annotations at run time.
from milestone_lsp.lsp import deferred, templates
from milestone_lsp.lsp.actions import FIX_ALL_COMMAND, fix_all_action, target_milestone
from milestone_lsp.lsp.convert import path_to_uri, uri_to_path
from milestone_lsp.lsp.edits import workspace_edit
from milestone_lsp.lsp.hover import hover_markdown
from milestone_lsp.lsp.lens import SHOW_PROGRESS
from milestone_lsp.lsp.state import MilestoneServer, guarded

STATUS_REPORT = "milestone-lsp.statusReport"
RECOMPUTE_PROGRESS = "milestone-lsp.recomputeProgress"
INSERT_TEMPLATE = "milestone-lsp.insertTemplate"
WORKSPACE_PROGRESS = "milestone-lsp.workspaceProgress"


def _object(command: str, args: tuple[Any, ...], *, optional: bool = False) -> dict[str, Any]:
    """The single object argument of a command, or a clear InvalidParams error."""
    if not args:
        if optional:
            return {}
        raise JsonRpcInvalidParams(f"{command}: expected one argument object, got none")
    first = args[0]
    if hasattr(first, "_asdict"):
        first = first._asdict()
    if not isinstance(first, Mapping):
        raise JsonRpcInvalidParams(
            f"{command}: expected an object argument, got {type(first).__name__}"
        )
    return dict(first)


def _document(ls: MilestoneServer, command: str, arg: Mapping[str, Any]) -> Document:
    uri = arg.get("uri")
    if not isinstance(uri, str) or not uri:
        raise JsonRpcInvalidParams(f"{command}: 'uri' must be a document URI string")
    doc = ls.document(uri)
    if doc is None:
        ls.read_from_disk(uri_to_path(uri))
        doc = ls.document(uri)
    if doc is None:
        raise JsonRpcInvalidParams(f"{command}: no such document: {uri}")
    return doc


async def _apply(ls: MilestoneServer, label: str, edits: list[TextEdit]) -> bool:
    if not edits:
        return False
    return await _apply_edit(ls, label, workspace_edit(ls, edits))


async def _apply_edit(ls: MilestoneServer, label: str, edit: lsp.WorkspaceEdit) -> bool:
    try:
        result = await asyncio.wait_for(
            ls.workspace_apply_edit_async(lsp.ApplyWorkspaceEditParams(edit=edit, label=label)),
            timeout=10,
        )
    except Exception as exc:
        ls.log_info(f"{label}: the client did not apply the edit ({exc})", lsp.MessageType.Warning)
        return False
    return bool(getattr(result, "applied", False))


async def _status_report(ls: MilestoneServer, doc: Document, name: str) -> dict[str, Any]:
    """The report the ``report`` command line prints, from the editor's current texts.

    The documents of ``doc``'s project are parsed again under paths relative to the project
    (off the event loop), so that paths in the report read exactly as on the command line.
    """
    reporting = deferred.reporting
    root = ls.projects.root_for(doc.path)
    if not root.is_absolute():
        root = ls.root or Path.cwd()
    ws = ls.workspace_for(doc.path)
    texts: list[tuple[str | Path, str]] = [(d.path, d.text) for d in ws]
    config = ls.config_for(doc.path)
    report = await asyncio.to_thread(
        lambda: reporting.make_report(reporting.rebase(texts, root), config, name)
    )
    return {
        "markdown": deferred.report.render_markdown(report),
        "report": deferred.report.report_to_json(report),
    }


def register(server: MilestoneServer) -> None:
    """Register the commands."""

    def _failed() -> dict[str, Any]:
        return {"error": "the command failed; see the server log"}

    @server.command(STATUS_REPORT)
    @guarded(_failed)
    async def cmd_status_report(ls: MilestoneServer, *args: Any) -> dict[str, Any]:
        await ls.ready()
        arg = _object(STATUS_REPORT, args)
        doc = _document(ls, STATUS_REPORT, arg)
        name = arg.get("milestone")
        if name is not None and not isinstance(name, str):
            raise JsonRpcInvalidParams(f"{STATUS_REPORT}: 'milestone' must be a string")
        line = arg.get("line", 0)
        ws = ls.workspace_for(doc.path)
        milestone = (
            find_milestone_by_name(ws, name)
            if name
            else target_milestone(ls, doc, line if isinstance(line, int) else 0)
        )
        if milestone is None:
            raise JsonRpcInvalidParams(
                f"{STATUS_REPORT}: " + deferred.report.unknown_milestone_message(ws, name)
            )
        return await _status_report(ls, doc, milestone.name)

    @server.command(RECOMPUTE_PROGRESS)
    @guarded(_failed)
    async def cmd_recompute(ls: MilestoneServer, *args: Any) -> dict[str, Any]:
        await ls.ready()
        arg = _object(RECOMPUTE_PROGRESS, args)
        doc = _document(ls, RECOMPUTE_PROGRESS, arg)
        config = ls.config_for(doc.path)
        edits = recompute_edits(
            ls.workspace_for(doc.path), doc, config.progress_method, config.percent_tolerance
        )
        applied = await _apply(ls, "Recompute progress", edits)
        return {"applied": applied, "edits": len(edits)}

    @server.command(INSERT_TEMPLATE)
    @guarded(_failed)
    async def cmd_insert_template(ls: MilestoneServer, *args: Any) -> dict[str, Any]:
        """Insert the template of ``kind`` that fits ``line``; without a kind, list them."""
        await ls.ready()
        arg = _object(INSERT_TEMPLATE, args)
        doc = _document(ls, INSERT_TEMPLATE, arg)
        kind = arg.get("kind")
        if kind is not None and kind not in OFFER_KINDS:
            raise JsonRpcInvalidParams(
                f"{INSERT_TEMPLATE}: 'kind' must be one of {', '.join(OFFER_KINDS)}"
            )
        line = arg.get("line", 0)
        if not isinstance(line, int) or isinstance(line, bool) or line < 0:
            raise JsonRpcInvalidParams(f"{INSERT_TEMPLATE}: 'line' must be a line number >= 0")
        available = templates.offers(ls, doc, line)
        if kind is None:
            return {"templates": [{"kind": o.fit.kind, "title": o.title} for o in available]}
        offer = next((o for o in available if o.fit.kind == kind), None)
        if offer is None:
            here = ", ".join(o.fit.kind for o in available) or "none"
            raise JsonRpcInvalidParams(
                f"{INSERT_TEMPLATE}: no {kind} template fits line {line + 1} of "
                f"{Path(doc.path).name} (templates that fit there: {here})"
            )
        snippet = offer.snippet
        if arg.get("snippet") is True and snippet is not None and len(offer.edits) == 1:
            # The editor inserts it itself, with its tab stops (VS Code's insertSnippet).
            index = ls.index_for(doc.path) or LineIndex(doc.text)
            return {
                "applied": False,
                "title": offer.title,
                "uri": path_to_uri(snippet.path),
                "position": ls.conv.position(index, snippet.range.start),
                "snippet": snippet.new_text,
            }
        edit = templates.offer_edit(ls, offer)
        return {"applied": await _apply_edit(ls, offer.title, edit)}

    @server.command(FIX_ALL_COMMAND)
    @guarded(_failed)
    async def cmd_fix_all(ls: MilestoneServer, *args: Any) -> dict[str, Any]:
        arg = _object(FIX_ALL_COMMAND, args)
        await ls.ready()
        doc = _document(ls, FIX_ALL_COMMAND, arg)
        action = fix_all_action(ls, doc)
        if action is None or action.edit is None:
            return {"applied": False}
        return {"applied": await _apply_edit(ls, action.title, action.edit)}

    @server.command(WORKSPACE_PROGRESS)
    @guarded(_failed)
    async def cmd_workspace_progress(ls: MilestoneServer, *args: Any) -> dict[str, Any]:
        await ls.ready()
        arg = _object(WORKSPACE_PROGRESS, args, optional=True)
        doc = _document(ls, WORKSPACE_PROGRESS, arg) if arg else None
        ws = ls.workspace_for(doc.path) if doc is not None else ls.default_workspace()
        if doc is None:
            status = ws.status_documents()
            doc = status[0] if status else None
        config = ls.config_for(doc.path) if doc is not None else ls.config
        return workspace_progress(ws, doc, config.progress_method)

    @server.command(SHOW_PROGRESS)
    @guarded(_failed)
    async def cmd_show_progress(ls: MilestoneServer, *args: Any) -> dict[str, Any]:
        """The code lens's command: the hover summary of the lens's position.

        ``{"uri", "position"}`` (what the lenses send) answers the hover text of that position;
        ``{"milestone"}`` answers a milestone's summary and shows its one-line title.
        """
        await ls.ready()
        arg = _object(SHOW_PROGRESS, args)
        position: Any = arg.get("position")
        as_dict = getattr(position, "_asdict", None)
        if callable(as_dict):
            position = as_dict()
        if position is not None:
            doc = _document(ls, SHOW_PROGRESS, arg)
            try:
                wire = lsp.Position(
                    line=int(position["line"]), character=int(position["character"])
                )
            except (KeyError, TypeError, ValueError):
                raise JsonRpcInvalidParams(
                    f"{SHOW_PROGRESS}: 'position' must be {{'line': int, 'character': int}}"
                ) from None
            index = ls.index_for(doc.path) or LineIndex(doc.text)
            found = hover_markdown(ls, doc, ls.conv.from_position(index, wire))
            return {"markdown": found[0] if found is not None else ""}
        name = arg.get("milestone")
        if not isinstance(name, str):
            raise JsonRpcInvalidParams(f"{SHOW_PROGRESS}: 'milestone' must be a string")
        named = _document(ls, SHOW_PROGRESS, arg) if "uri" in arg else None
        ws = ls.workspace_for(named.path) if named is not None else ls.default_workspace()
        config = ls.config_for(named.path) if named is not None else ls.config
        milestone = find_milestone_by_name(ws, name)
        if milestone is None:
            raise JsonRpcInvalidParams(f"{SHOW_PROGRESS}: no milestone named {name!r}")
        summary = milestone_summary(
            ws, milestone, config.progress_method, deferred.vague.vague_checker(ws, config)
        )
        ls.window_show_message(
            lsp.ShowMessageParams(
                type=lsp.MessageType.Info, message=f"{milestone.name}: {lens_title(summary)}"
            )
        )
        return {"markdown": milestone_hover(summary)}
