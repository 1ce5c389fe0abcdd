"""Run the rules over a document: severities from the config, suppressions, sorted output."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Container, Hashable, Mapping, Sequence
from dataclasses import dataclass
from operator import is_
from typing import TypeVar

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.findings import Finding, Severity
from milestone_lsp.core.model import Document
from milestone_lsp.core.parser import gc_paused, parse
from milestone_lsp.core.partscan import model_by_part, scan_by_part, splice
from milestone_lsp.core.positions import Range
from milestone_lsp.core.suppression import comment_mark_lines, has_reason, parse_suppressions
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.catalogue import all_rules
from milestone_lsp.rules.meta import UNKNOWN_RULE, unknown_directive_findings
from milestone_lsp.rules.registry import Rule, RuleContext
from milestone_lsp.settings.config import Config

log = logging.getLogger(__name__)

UNUSED_SUPPRESSION = "MS901"
MISSING_REASON = "MS904"


@dataclass(slots=True)
class _RuleParts:
    """A section-local rule's findings per part of the last check of a path: the parts (the
    document's own list, which is never changed), what else the findings depend on, each
    part's findings (severities applied) and all of them."""

    parts: list[Document]
    key: tuple[Hashable, Severity]
    config: Config
    results: list[Sequence[Finding]]
    flat: list[Finding]


# Per path: rule code -> its findings per part at the last check of that path.
_Entries = dict[str, _RuleParts]
_SECTION_CACHES: OrderedDict[str, _Entries] = OrderedDict()
_SECTION_CACHE_PATHS = 32


_V = TypeVar("_V")


def _remember(caches: OrderedDict[str, _V], path: str, entries: _V) -> None:
    caches[path] = entries
    caches.move_to_end(path)
    if len(caches) > _SECTION_CACHE_PATHS:
        caches.popitem(last=False)


def _view(doc: Document, part: Document) -> Document:
    """One section of ``doc`` as a document: its model, with the whole document's text."""
    return Document(
        path=doc.path,
        text=doc.text,
        line_count=doc.line_count,
        headings=part.headings,
        milestones=part.milestones,
        deliverables=part.deliverables,
        reports=part.reports,
        decisions=part.decisions,
        status_sections=part.status_sections,
        claims=part.claims,
        references=part.references,
        fields=part.fields,
        tasks=part.tasks,
        fenced_lines=doc.fenced_lines,
        comment_lines=doc.comment_lines,
        lines=doc.lines,
    )


def _per_section(
    ctx: RuleContext, r: Rule, severity: Severity, cache: _Entries, kept: _Entries
) -> list[Finding]:
    """A section-local rule's findings, re-using those of sections the last check saw. The
    list is the one kept for the next check: callers must not change it."""
    assert r.section_key is not None
    key: tuple[Hashable, Severity] = (r.section_key(ctx), severity)
    config = ctx.config
    parts = ctx.doc.parts
    last = cache.get(r.code)
    usable = last is not None and last.config is config and (last.key is key or last.key == key)

    def run(part: Document) -> list[Finding]:
        view = RuleContext(ctx.ws, _view(ctx.doc, part), config, r, ctx.lines)
        found = list(r.check(view))
        for finding in found:
            finding.severity = severity
        return found

    if last is not None and usable:
        key = last.key  # the next check compares the very same object
        spliced = splice(last.parts, last.results, last.flat, parts, lambda i: run(parts[i]))
        if spliced is not None:
            results, flat = spliced
            kept[r.code] = _RuleParts(parts, key, config, results, flat)
            return flat
    known = (
        {id(p): (p, res) for p, res in zip(last.parts, last.results, strict=True)}
        if last is not None and usable
        else {}
    )
    results = []
    out: list[Finding] = []
    for part in parts:
        entry = known.get(id(part))
        found = entry[1] if entry is not None and entry[0] is part else run(part)
        results.append(found)
        out.extend(found)
    kept[r.code] = _RuleParts(parts, key, config, results, out)
    return out


@dataclass(slots=True)
class _RuleFacts:
    """A rule's findings at the last check of a path, with what they were made from: every
    part's facts (``Rule.facts``), the workspace's other documents and the settings."""

    facts: list[Hashable]
    others: list[Document]
    config: Config
    severity: Severity
    found: list[Finding]


# Per path: rule code -> its findings and facts at the last check of that path.
_FACT_CACHES: OrderedDict[str, dict[str, _RuleFacts]] = OrderedDict()


def _by_facts(
    ctx: RuleContext,
    r: Rule,
    severity: Severity,
    others: list[Document],
    cache: dict[str, _RuleFacts],
    kept: dict[str, _RuleFacts],
) -> list[Finding]:
    """A rule's findings, re-used from the last check when nothing they depend on changed. The
    facts of the parts an edit did not touch are the very objects read before (per part, see
    core/partscan.py), so comparing them costs little beyond the edited parts' own."""
    assert r.facts is not None
    read, lines = r.facts, ctx.lines
    facts = model_by_part(ctx.doc, f"facts {r.code}", lambda part: [read(part, lines)])
    last = cache.get(r.code)
    if (
        last is not None
        and last.config is ctx.config
        and last.severity == severity
        and len(last.others) == len(others)
        and all(map(is_, last.others, others))
        and last.facts == facts
    ):
        kept[r.code] = last
        return last.found
    found = list(r.check(ctx))
    for finding in found:
        finding.severity = severity
    kept[r.code] = _RuleFacts(facts, others, ctx.config, severity, found)
    return found


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
    stop: Callable[[], bool] | None = None,
) -> list[Finding]:
    """Every finding for ``doc`` (after suppressions), sorted by position.

    ``stop`` is asked between rules whether the result is still wanted (the document changed
    again); when it says no, :class:`Cancelled` is raised and the results kept for the next
    check are those of the last one that ran to its end.
    """
    with gc_paused():
        return _check(ws, doc, config, select, ignore, stop)


class Cancelled(Exception):
    """A check stopped because its result was no longer wanted."""


def _check(
    ws: Workspace,
    doc: Document,
    config: Config,
    select: Container[str] | None,
    ignore: Container[str],
    stop: Callable[[], bool] | None = None,
) -> list[Finding]:
    rules = active_rules(config, select, ignore)
    ctx = RuleContext(ws, doc, config)
    findings: list[Finding] = []
    section_cache = _SECTION_CACHES.get(doc.path, {})
    entries: _Entries = {}
    fact_cache = _FACT_CACHES.get(doc.path, {})
    fact_entries: dict[str, _RuleFacts] = {}
    others: list[Document] | None = None
    for r, severity in rules:
        if r.code in (UNUSED_SUPPRESSION, MISSING_REASON):
            continue
        if stop is not None and stop():
            raise Cancelled(doc.path)
        ctx.rule = r
        try:
            if r.section_key is not None and doc.parts:
                produced = _per_section(ctx, r, severity, section_cache, entries)
            elif r.facts is not None and doc.parts:
                if others is None:
                    others = [d for d in ws if d is not doc]
                produced = _by_facts(ctx, r, severity, others, fact_cache, fact_entries)
            else:
                produced = list(r.check(ctx))
                for finding in produced:
                    finding.severity = severity
        except Exception:  # a rule bug must not take the whole check down
            log.exception("rule %s failed on %s", r.code, doc.path)
            continue
        findings.extend(produced)
    if doc.parts:
        _remember(_SECTION_CACHES, doc.path, entries)
        _remember(_FACT_CACHES, doc.path, fact_entries)
    # An edited document's comment lines are found per part: an edit rescans its own parts.
    marked = scan_by_part(doc, "comment marks", comment_mark_lines)
    suppressions = parse_suppressions(ctx.lines, doc.fenced_lines, marked)
    unused = next((s for r, s in rules if r.code == UNUSED_SUPPRESSION), None)
    unknown = next((s for r, s in rules if r.code == UNKNOWN_RULE), None)
    names = {r.code: r.name for r in all_rules()}
    active = {r.code for r, _ in rules} | {r.name for r, _ in rules}
    known = set(names) | set(names.values())
    if unknown is not None and suppressions.directives:
        findings.extend(
            unknown_directive_findings(suppressions.directives, doc.path, names, unknown)
        )
    kept = suppressions.apply(
        findings,
        path=doc.path,
        unused_severity=unused,
        name_of=lambda code: names.get(code, code),
        # An unknown key is MS903's; with MS903 off it stays "active", so that the typo is at
        # least reported as an unused suppression.
        is_active=lambda key: key in active or (key not in known and unknown is None),
    )
    reasons = next((s for r, s in rules if r.code == MISSING_REASON), None)
    if reasons is not None and config.require_suppression_reason:
        kept += [
            Finding(
                MISSING_REASON,
                reasons,
                f"This suppression does not say why; add the reason after '--' "
                f"(<!-- milestone-lsp-{d.kind} ... -- why this is acceptable -->)",
                doc.path,
                Range.of(d.line, d.start, end=d.end),
            )
            for d in suppressions.directives
            if d.kind != "enable" and not has_reason(d)
        ]
    kept.sort(key=Finding.sort_key)
    return kept


def fix_all_edits(
    ws: Workspace,
    doc: Document,
    config: Config,
    findings: list[Finding] | None = None,
    *,
    checked: Callable[[Document], bool] = lambda _doc: True,
) -> list[TextEdit]:
    """The editor's "Fix all" for ``doc``: the rounds of ``check --fix`` over that document
    (:func:`milestone_lsp.core.fixall.settle`), as minimal edits of its current text.

    ``findings`` are the document's current findings when the caller has them; ``checked``
    says whether a text is checked at all (a fix may turn a plan into a file that is not
    one, and ``check --fix`` then stops there too). Later rounds parse the fixed text in a
    copy of the project's workspace, so the editor's own model and caches never see a text
    the user has not accepted.
    """
    scratch: Workspace | None = None

    def findings_of(texts: Mapping[str, str]) -> list[Finding]:
        nonlocal scratch
        text = texts[doc.path]
        if text is doc.text:
            if findings is not None:
                return findings
            return check_document(ws, doc, config) if checked(doc) else []
        if scratch is None:
            scratch = Workspace(ws)
        fixed = parse(text, doc.path, chunked=False)
        scratch.add(fixed)
        return check_document(scratch, fixed, config) if checked(fixed) else []

    from milestone_lsp.core.fixall import minimal_edits, settle  # a check never fixes

    settled = settle({doc.path: doc.text}, findings_of, lambda path: path == doc.path)
    return minimal_edits(doc.path, doc.text, settled.texts[doc.path])
