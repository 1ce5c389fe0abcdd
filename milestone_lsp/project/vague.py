"""How many criteria are vague, counted the way MS101 reports them.

Hover, code lens, the ``progress`` dashboard and the status report all show a count of vague
criteria. Each asks the predicate made here, which applies MS101's own judgement
(:func:`milestone_lsp.rules.criteria.reported_vague`), the rule's severity setting (off: none
are counted) and the suppression comments of the criterion's document, so the count is the
number of MS101 findings the same text gets.
"""

from __future__ import annotations

from milestone_lsp.core.model import Item
from milestone_lsp.core.positions import split_lines
from milestone_lsp.core.summaries import IsVague
from milestone_lsp.core.suppression import Suppressions, parse_suppressions
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.catalogue import by_name_or_code
from milestone_lsp.rules.criteria import reported_vague
from milestone_lsp.settings.config import Config

CODE = "MS101"


def _never(_item: Item, _path: str) -> bool:
    return False


def vague_checker(ws: Workspace, config: Config) -> IsVague:
    """``(criterion, path) -> bool``: whether MS101 reports the criterion in that document."""
    rule = by_name_or_code(CODE)
    if rule is None or config.severity_for(rule.code, rule.name, rule.severity) is None:
        return _never
    extra = list(config.extra_vague_words)
    allowed = list(config.allowed_words)

    def suppressions(path: str) -> Suppressions | None:
        doc = ws.get(path)
        if doc is None:
            return None
        return ws.cached(
            ("vague.suppressions", path),
            lambda: parse_suppressions(doc.lines or split_lines(doc.text), doc.fenced_lines),
        )

    def is_vague(item: Item, path: str) -> bool:
        if not reported_vague(item, extra, allowed):
            return False
        found = suppressions(path)
        line = item.text_range.start.line
        return found is None or not found.is_suppressed(rule.code, line, rule.name)

    return is_vague
