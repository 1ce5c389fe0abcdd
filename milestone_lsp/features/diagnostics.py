"""Diagnostics: push (debounced per document) or pull (when the client can also be told to
refresh), never both; cross-file changes re-evaluate every open document."""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
import types as pytypes
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from milestone_lsp.convert import path_to_uri, uri_to_path
from milestone_lsp.core.findings import Finding

if TYPE_CHECKING:
    from milestone_lsp.server import MilestoneServer

log = logging.getLogger(__name__)

RULE_MODULES = (
    "approvals",
    "completion",
    "criteria",
    "meta",
    "progress_claims",
    "references",
    "sections",
    "staleness",
)
_rules_checked = False


def ensure_rules() -> None:
    """Load the rule catalogue; if a rule module is missing, load the others and carry on.

    The catalogue imports every rule family at once, so one missing or broken module would
    otherwise leave the server without any rule.
    """
    global _rules_checked
    if _rules_checked:
        return
    _rules_checked = True
    try:
        importlib.import_module("milestone_lsp.rules.catalogue")
        return
    except Exception as exc:
        log.warning("rule catalogue failed to load (%s); loading rule modules one by one", exc)
    for name in RULE_MODULES:
        try:
            importlib.import_module(f"milestone_lsp.rules.{name}")
        except Exception as exc:
            log.warning("rule module %s unavailable: %s", name, exc)
    sys.modules.setdefault(
        "milestone_lsp.rules.catalogue", pytypes.ModuleType("milestone_lsp.rules.catalogue")
    )


def use_pull(ls: MilestoneServer) -> bool:
    """Pull only for clients with pull diagnostics *and* refresh support (cross-file updates)."""
    return bool(
        ls.capability("text_document", "diagnostic")
        and ls.capability("workspace", "diagnostics", "refresh_support")
    )


def findings_for(ls: MilestoneServer, path: str) -> list[Finding]:
    """The findings of one document under the current settings ([] when it is not checked)."""
    from milestone_lsp.check import is_milestone_document
    from milestone_lsp.rules.engine import check_document

    ensure_rules()
    doc = ls.model.get(path)
    if doc is None:
        return []
    # Publishing, code actions and pull requests ask for the same findings between two edits:
    # compute them once per (document, workspace version, settings).
    key = (doc, ls.model.version, ls.config)
    cached = ls.findings_cache.get(path)
    if (
        cached is not None
        and cached[0][0] is doc
        and cached[0][1] == key[1]
        and cached[0][2] is ls.config
    ):
        return list(cached[1])
    findings: list[Finding] = []
    if is_milestone_document(doc, ls.display_path(path), ls.config):
        findings = check_document(ls.model, doc, ls.config)
    ls.findings_cache[path] = (key, findings)
    return list(findings)


def diagnostics_for(ls: MilestoneServer, uri: str) -> list[lsp.Diagnostic]:
    """LSP diagnostics of one document."""
    conv = ls.conv
    return [
        conv.diagnostic(f, ls.index_for, ls.config.rule_docs_url)
        for f in findings_for(ls, uri_to_path(uri))
    ]


def publish(ls: MilestoneServer, uri: str) -> None:
    """Push the diagnostics of one open document."""
    if ls.pull_mode or uri not in ls.open_uris:
        return
    try:
        items = diagnostics_for(ls, uri)
    except Exception:
        log.exception("linting %s failed", uri)
        return
    version = ls.workspace.get_text_document(uri).version
    ls.text_document_publish_diagnostics(
        lsp.PublishDiagnosticsParams(uri=uri, diagnostics=items, version=version)
    )


def refresh(ls: MilestoneServer) -> None:
    """Ask a pull client to pull again."""
    try:
        ls.workspace_diagnostic_refresh(None)
    except Exception:
        log.exception("diagnostic refresh failed")
        return
    ls.log_info("diagnostics refresh requested", lsp.MessageType.Log)


async def publish_all(ls: MilestoneServer) -> None:
    """Re-evaluate every open document (settings or another file changed)."""
    await ls.ready()
    if ls.pull_mode:
        refresh(ls)
        return
    for uri in sorted(ls.open_uris):
        publish(ls, uri)


async def dependents_changed(ls: MilestoneServer, changed: str | None = None) -> None:
    """Re-evaluate the open documents other than ``changed``."""
    if ls.pull_mode:
        refresh(ls)
        return
    for uri in sorted(ls.open_uris):
        if uri != changed:
            publish(ls, uri)


async def document_changed(ls: MilestoneServer, uri: str, *, immediate: bool = False) -> None:
    """Lint ``uri`` after the debounce delay, then the documents that depend on it."""
    previous = ls.pending.pop(uri, None)
    if previous is not None:
        previous.cancel()
    version = ls.workspace.get_text_document(uri).version

    async def run() -> None:
        delay = 0 if immediate else ls.config.debounce_ms / 1000
        if delay:
            await asyncio.sleep(delay)
        await ls.ready()
        # Dropped when the document was closed or changed again meanwhile.
        if uri not in ls.open_uris or ls.workspace.get_text_document(uri).version != version:
            return
        if ls.pending.get(uri) is task:
            ls.pending.pop(uri, None)
        if ls.pull_mode:
            refresh(ls)
            return
        publish(ls, uri)
        await dependents_changed(ls, uri)

    task = asyncio.ensure_future(run())
    ls.pending[uri] = task


def register_pull(ls: MilestoneServer) -> None:
    """Register the pull handlers (only for clients that get pull diagnostics)."""

    @ls.feature(
        lsp.TEXT_DOCUMENT_DIAGNOSTIC,
        lsp.DiagnosticOptions(
            identifier="milestone-lsp", inter_file_dependencies=True, workspace_diagnostics=True
        ),
    )
    async def document_diagnostic(
        ls: MilestoneServer, params: lsp.DocumentDiagnosticParams
    ) -> lsp.RelatedFullDocumentDiagnosticReport:
        try:
            await ls.ready()
            items = diagnostics_for(ls, params.text_document.uri)
        except Exception:
            log.exception("pull diagnostics failed")
            items = []
        return lsp.RelatedFullDocumentDiagnosticReport(items=items)

    @ls.feature(lsp.WORKSPACE_DIAGNOSTIC)
    async def workspace_diagnostic(
        ls: MilestoneServer, params: lsp.WorkspaceDiagnosticParams
    ) -> lsp.WorkspaceDiagnosticReport:
        await ls.ready()
        reports: list[Any] = []
        for doc in sorted(ls.model, key=lambda d: d.path):
            try:
                uri = path_to_uri(doc.path)
                items = diagnostics_for(ls, uri)
            except Exception:
                log.exception("workspace diagnostics failed for %s", doc.path)
                continue
            reports.append(
                lsp.WorkspaceFullDocumentDiagnosticReport(
                    uri=uri, items=items, version=ls.version_for(doc.path)
                )
            )
        return lsp.WorkspaceDiagnosticReport(items=reports)


def register(server: MilestoneServer) -> None:
    """Nothing static to register: push happens from the sync handlers, pull at initialize."""
