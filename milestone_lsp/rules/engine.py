"""Run the rules over a document: severities from the config, suppressions, sorted output."""

from __future__ import annotations

import logging
from collections.abc import Container

from milestone_lsp.config import Config
from milestone_lsp.core.findings import Finding, Severity
from milestone_lsp.core.model import Document
from milestone_lsp.core.suppression import parse_suppressions
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.registry import Rule, RuleContext, all_rules

log = logging.getLogger(__name__)

UNUSED_SUPPRESSION = "MS901"


def active_rules(
    config: Config, select: Container[str] | None = None, ignore: Container[str] = ()
) -> list[tuple[Rule, Severity]]:
    """The rules that run under ``config``, each with its effective severity."""
    out: list[tuple[Rule, Severity]] = []
    for r in all_rules():
        if select is not None and r.code not in select and r.name not in select:
            continue
        if r.code in ignore or r.name in ignore:
            continue
        severity = config.severity_for(r.code, r.name, r.severity)
        if severity is not None:
            out.append((r, severity))
    return out


def check_document(
    ws: Workspace,
    doc: Document,
    config: Config,
    *,
    select: Container[str] | None = None,
    ignore: Container[str] = (),
) -> list[Finding]:
    """Every finding for ``doc`` (after suppressions), sorted by position."""
    rules = active_rules(config, select, ignore)
    ctx = RuleContext(ws, doc, config)
    findings: list[Finding] = []
    for r, severity in rules:
        if r.code == UNUSED_SUPPRESSION:
            continue
        ctx.rule = r
        try:
            produced = list(r.check(ctx))
        except Exception:  # a rule bug must not take the whole check down
            log.exception("rule %s failed on %s", r.code, doc.path)
            continue
        for finding in produced:
            finding.severity = severity
        findings.extend(produced)
    suppressions = parse_suppressions(ctx.lines, doc.fenced_lines)
    unused = next((s for r, s in rules if r.code == UNUSED_SUPPRESSION), None)
    names = {r.code: r.name for r in all_rules()}
    active = {r.code for r, _ in rules} | {r.name for r, _ in rules}
    known = set(names) | set(names.values())
    kept = suppressions.apply(
        findings,
        path=doc.path,
        unused_severity=unused,
        name_of=lambda code: names.get(code, code),
        # Unknown keys stay "active" so a typo in a directive is reported as unused.
        is_active=lambda key: key in active or key not in known,
    )
    kept.sort(key=Finding.sort_key)
    return kept
