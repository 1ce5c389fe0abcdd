"""The rule catalogue in the editor: the ``milestone-lsp.explainRule`` command (a rule's doc
page, or the list of rules) and the rule summaries that hover shows on a diagnostic.

The pages are the ones ``milestone-lsp explain`` prints and ``docs/rules/`` holds: generated
from each rule's docstring (:mod:`milestone_lsp.rules.docs`).
"""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from milestone_lsp.core.findings import Finding
from milestone_lsp.core.model import Document
from milestone_lsp.core.positions import Position
from milestone_lsp.lsp import deferred
from milestone_lsp.lsp.diagnostics import findings_for
from milestone_lsp.lsp.state import MilestoneServer, failed, guarded

EXPLAIN_RULE = "milestone-lsp.explainRule"


def rule_notes(
    ls: MilestoneServer, doc: Document, pos: Position, findings: list[Finding] | None = None
) -> str | None:
    """The summaries of the rules whose findings (by default the document's current ones)
    cover ``pos``, for the hover."""
    seen: dict[str, str] = {}
    catalogue = deferred.catalogue
    for finding in findings if findings is not None else findings_for(ls, doc.path):
        if finding.code in seen or not finding.range.contains(pos):
            continue
        found = catalogue.by_name_or_code(finding.code)
        if found is None:
            continue
        url = ls.config.rule_docs_url(found.code)
        seen[found.code] = f"**{found.code}** `{found.name}`: {found.summary} ([rule page]({url}))"
    if not seen:
        return None
    return "\n\n".join(seen[code] for code in sorted(seen))


def register(server: MilestoneServer) -> None:
    """Register the explainRule command."""

    @server.command(EXPLAIN_RULE)
    @guarded(failed)
    async def explain_rule(ls: MilestoneServer, *args: Any) -> dict[str, Any]:
        """``{"rule": "MS101"}`` -> the rule's page; no argument -> every rule, for a picker."""
        first: Any = args[0] if args else {}
        if hasattr(first, "_asdict"):
            first = first._asdict()
        key = first.get("rule") if isinstance(first, dict) else first
        catalogue = deferred.catalogue
        if key in (None, ""):
            return {
                "rules": [
                    {"code": r.code, "name": r.name, "summary": r.summary}
                    for r in catalogue.all_rules()
                ]
            }
        if not isinstance(key, str):
            raise JsonRpcInvalidParams(f"{EXPLAIN_RULE}: 'rule' must be a rule code or name")
        found = catalogue.by_name_or_code(key.strip())
        if found is None:
            suggestion = deferred.meta.suggest_rule(
                key.strip(),
                {r.code for r in catalogue.all_rules()},
                {r.name for r in catalogue.all_rules()},
            )
            hint = f"; did you mean {suggestion}?" if suggestion else ""
            raise JsonRpcInvalidParams(f"{EXPLAIN_RULE}: no rule {key!r}{hint}")
        return {
            "code": found.code,
            "name": found.name,
            "summary": found.summary,
            "severity": ls.config.severity_for(found.code, found.name, found.severity) or "off",
            "markdown": deferred.docs.render_rule(found),
        }
