"""Code actions: quick fixes from the rules' fixes, fix-all, and source actions (the templates
of :mod:`milestone_lsp.lsp.templates`, recompute progress) — every one a WorkspaceEdit."""

from __future__ import annotations

import logging
import weakref
from typing import Any

from lsprotocol import types as lsp

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.findings import Finding
from milestone_lsp.core.fixall import FIX_ALL_TITLE
from milestone_lsp.core.model import Document, Milestone
from milestone_lsp.core.positions import LineIndex
from milestone_lsp.core.summaries import milestone_at_line, recompute_edits
from milestone_lsp.core.suppression import suppression_edits
from milestone_lsp.lsp import deferred, templates
from milestone_lsp.lsp.convert import uri_to_path
from milestone_lsp.lsp.diagnostics import ANSWER_WITHIN, analysed, findings_for, findings_within
from milestone_lsp.lsp.edits import workspace_edit
from milestone_lsp.lsp.encoded import Encoded, encode
from milestone_lsp.lsp.state import MilestoneServer, guarded

FIX_ALL = "source.fixAll.milestone-lsp"
# The command behind "Fix all" for clients without codeAction/resolve (lsp/commands.py).
FIX_ALL_COMMAND = "milestone-lsp.fixAll"

log = logging.getLogger(__name__)
SOURCE_PREFIX = "source.milestone-lsp"
KINDS = [
    lsp.CodeActionKind.QuickFix,
    lsp.CodeActionKind.Source,
    lsp.CodeActionKind.SourceFixAll,
    FIX_ALL,
]


# Per server: path -> ((document, workspace version, settings, encoding, editor version),
# results) for actions that depend on the whole document (fix-all, recompute).
_per_doc: weakref.WeakKeyDictionary[
    MilestoneServer,
    dict[str, tuple[tuple[object, int, object, object, int | None], dict[str, Any]]],
] = weakref.WeakKeyDictionary()


def _memo(ls: MilestoneServer, doc: Document) -> dict[str, Any]:
    """Results remembered for the current state of ``doc`` (cleared by any change)."""
    ws = ls.workspace_for(doc.path)
    key = (doc, ws.version, ls.config_for(doc.path), ls.conv.encoding, ls.version_for(doc.path))
    per_path = _per_doc.setdefault(ls, {})
    found = per_path.get(doc.path)
    if (
        found is not None
        and found[0][0] is doc
        and found[0][1] == key[1]
        and found[0][2] is key[2]
        and found[0][3] == key[3]
        and found[0][4] == key[4]
    ):
        return found[1]
    memo: dict[str, Any] = {}
    per_path[doc.path] = (key, memo)
    return memo


def _wanted(kind: str, only: list[str] | None) -> bool:
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)


def target_milestone(ls: MilestoneServer, doc: Document, line: int) -> Milestone | None:
    """The milestone under the cursor, else STATUS.md's current milestone, else the first one."""
    ws = ls.workspace_for(doc.path)
    here = milestone_at_line(doc, line)
    if here is not None:
        return ws.find_milestone(here.name) or here
    for ref in doc.references:
        if ref.context == "current_milestone" and ref.kind == "milestone":
            found = ws.find_milestone(ref.name)
            if found is not None:
                return found
    for m in ws.milestones():
        if m.approval_required and ws.approval_for(m) is None:
            return m
    return None


def source_actions(
    ls: MilestoneServer, doc: Document, line: int, only: list[str] | None
) -> list[lsp.CodeAction]:
    """Template insertions, status report, approval log and recompute, where they apply."""
    out: list[lsp.CodeAction] = []

    def add(kind: str, title: str, edits: list[TextEdit]) -> None:
        if edits and _wanted(kind, only):
            out.append(lsp.CodeAction(title=title, kind=kind, edit=workspace_edit(ls, edits)))

    out += templates.source_actions(ls, doc, line, lambda kind: _wanted(kind, only))
    memo = _memo(ls, doc)
    if "recompute" not in memo:
        config = ls.config_for(doc.path)
        memo["recompute"] = recompute_edits(
            ls.workspace_for(doc.path), doc, config.progress_method, config.percent_tolerance
        )
    add(f"{SOURCE_PREFIX}.recomputeProgress", "Recompute progress", memo["recompute"])
    return out


def code_actions(
    ls: MilestoneServer, params: lsp.CodeActionParams, findings: list[Finding] | None = None
) -> list[lsp.CodeAction | lsp.Command]:
    """Every code action for the requested range (quick fixes for ``findings``, by default the
    document's current findings)."""
    uri = params.text_document.uri
    doc = ls.document(uri)
    if doc is None:
        return []
    only = [str(getattr(k, "value", k)) for k in params.context.only or []] or None
    index = ls.index_for(doc.path) or LineIndex(doc.text)
    conv = ls.conv
    wanted = conv.from_range(index, params.range)
    if findings is None:
        findings = findings_for(ls, uri_to_path(uri))
    out: list[lsp.CodeAction | lsp.Command] = []
    if _wanted(lsp.CodeActionKind.QuickFix, only):
        for finding in findings:
            r = finding.range
            if r.end < wanted.start or wanted.end < r.start:
                continue
            diag = conv.diagnostic(finding, ls.index_for, ls.config_for(doc.path).rule_docs_url)
            for n, fix in enumerate(finding.fixes):
                edit = workspace_edit(ls, fix.edits)
                if fix.snippet is not None and len(fix.edits) == 1:
                    edit = templates.with_snippet(ls, edit, fix.snippet)
                out.append(
                    lsp.CodeAction(
                        title=fix.title,
                        kind=lsp.CodeActionKind.QuickFix,
                        diagnostics=[diag],
                        is_preferred=n == 0 and fix.applicability == "safe",
                        edit=edit,
                    )
                )
            suppress = suppress_action(ls, doc, finding, diag)
            if suppress is not None:
                out.append(suppress)
    # Whether fix-all has anything to do: asked of the document's latest findings, which the
    # findings at the cursor (right after an edit) may be only some of.
    latest = ls.findings_cache.get(doc.path)
    everything = latest[1] if latest is not None else findings
    if _wanted(FIX_ALL, only) and any(
        fix.applicability == "safe" for f in everything for fix in f.fixes
    ):
        if ls.capability("text_document", "code_action", "resolve_support") is not None and (
            "edit"
            in (
                ls.capability("text_document", "code_action", "resolve_support", "properties") or ()
            )
        ):
            # The rounds of fix-all re-check the fixed text: done when the user picks it.
            out.append(
                lsp.CodeAction(
                    title=FIX_ALL_TITLE,
                    kind=FIX_ALL,
                    data={"uri": uri, "version": ls.version_for(doc.path)},
                )
            )
        elif only is None and not ls.capability("workspace", "apply_edit"):
            # A client that can neither resolve an action nor apply an edit gets fix-all when it
            # asks for it by kind (on save, a source-action menu), not computed for every
            # request at the cursor: a minute on a 100k-line plan.
            pass
        elif only is None:
            # The rounds of fix-all re-check the fixed text (seconds on a large plan): for a
            # client that cannot resolve an action, a command computes them when it is picked,
            # not on every request at the cursor. A bare Command, which every client reads as
            # one (a code action carrying a command is taken for a Command by some). Asked for
            # by kind (on save), fix-all comes with its edit.
            out.append(
                lsp.Command(title=FIX_ALL_TITLE, command=FIX_ALL_COMMAND, arguments=[{"uri": uri}])
            )
        else:
            action = fix_all_action(ls, doc, findings)
            if action is not None:
                out.append(action)
    out += source_actions(ls, doc, wanted.start.line, only)
    return out


# Findings about suppressions and skipped files are not themselves suppressed line by line.
_NOT_SUPPRESSIBLE = frozenset({"MS901", "MS902", "MS904"})


def suppress_action(
    ls: MilestoneServer, doc: Document, finding: Finding, diagnostic: lsp.Diagnostic
) -> lsp.CodeAction | None:
    """ "Suppress <code> on this line (add a reason)": a disable comment placed so that the
    document's structure stays as it is (see core/suppression.py)."""
    if finding.code in _NOT_SUPPRESSIBLE or finding.path != doc.path:
        return None
    index = ls.index_for(doc.path) or LineIndex(doc.text)
    found = suppression_edits(
        doc.path,
        index.lines,
        doc.fenced_lines,
        finding.range.start.line,
        finding.code,
        index.line_ending(),
    )
    if found is None:
        return None
    title, edits = found
    return lsp.CodeAction(
        title=title,
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=workspace_edit(ls, list(edits)),
    )


def fix_all_action(
    ls: MilestoneServer, doc: Document, findings: list[Finding] | None = None
) -> lsp.CodeAction | None:
    """The "Fix all" action of ``doc`` with its edit (remembered for the document's state)."""
    memo = _memo(ls, doc)
    if "fix_all" not in memo:
        config = ls.config_for(doc.path)
        display = ls.display_path(doc.path)
        edits = deferred.engine.fix_all_edits(
            ls.workspace_for(doc.path),
            doc,
            config,
            findings if findings is not None else findings_for(ls, doc.path),
            checked=lambda d: deferred.checking.is_milestone_document(d, display, config),
        )
        memo["fix_all"] = (
            lsp.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL, edit=workspace_edit(ls, edits))
            if edits
            else None
        )
    found: lsp.CodeAction | None = memo["fix_all"]
    return found


def register(server: MilestoneServer) -> None:
    """Register textDocument/codeAction and codeAction/resolve."""

    def _empty() -> list[lsp.CodeAction | lsp.Command] | Encoded:
        return []

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=KINDS, resolve_provider=True),
    )
    @guarded(_empty)
    async def code_action(
        ls: MilestoneServer, params: lsp.CodeActionParams
    ) -> list[lsp.CodeAction | lsp.Command] | Encoded:
        await ls.ready()
        found = ls.document(params.text_document.uri)
        findings = None
        only = [str(getattr(k, "value", k)) for k in params.context.only or []]
        if found is not None and not any(k.startswith("source.fixAll") for k in only):
            # Fix-all asked for by kind (on save) waits for the whole analysis; the actions at
            # the cursor do not wait longer than this for an edit's, and need the findings
            # on the requested lines only.
            near = (params.range.start.line, params.range.end.line)
            findings = await findings_within(ls, found.path, ANSWER_WITHIN, near)
        elif found is not None:
            await analysed(ls, found.path)
        actions = code_actions(ls, params, findings)
        if not ls.sends_encoded:
            return actions
        # Fix-all carries an edit per problem of the document (hundreds in a large file):
        # serialised once per document state, like the action itself.
        doc = ls.document(params.text_document.uri)
        memo = _memo(ls, doc) if doc is not None else {}
        parts = []
        for action in actions:
            if action is memo.get("fix_all"):
                if "fix_all_json" not in memo:
                    memo["fix_all_json"] = encode(action)
                parts.append(memo["fix_all_json"])
            else:
                parts.append(encode(action))
        return Encoded("[" + ",".join(parts) + "]")

    @server.feature(lsp.CODE_ACTION_RESOLVE)
    async def resolve(ls: MilestoneServer, action: lsp.CodeAction) -> lsp.CodeAction:
        """Fill in the edit of a "Fix all" offered without one (only that action is deferred)."""
        try:
            await ls.ready()
            data = action.data if isinstance(action.data, dict) else {}
            uri = data.get("uri")
            if action.kind != FIX_ALL or not isinstance(uri, str) or action.edit is not None:
                return action
            doc = ls.document(uri)
            if doc is None:
                return action
            found = fix_all_action(ls, doc)
            action.edit = found.edit if found is not None else lsp.WorkspaceEdit(changes={})
        except Exception:
            log.exception("codeAction/resolve failed")
        return action
