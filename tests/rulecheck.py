"""Helpers shared by rule tests: load a fixture workspace, run one rule, apply its fixes."""

from __future__ import annotations

from pathlib import Path

from milestone_lsp.core.edits import apply_edits
from milestone_lsp.core.findings import Finding
from milestone_lsp.core.links import ProjectRoot
from milestone_lsp.core.parser import parse
from milestone_lsp.core.workspace import Workspace
from milestone_lsp.rules.engine import check_document
from milestone_lsp.settings.config import Config, parse_config_text

FIXTURES = Path(__file__).parent / "fixtures" / "rules"


def load(paths: dict[str, str]) -> Workspace:
    """A workspace from ``{path: text}``: a project of these documents and no other files."""
    ws = Workspace(parse(text, path) for path, text in paths.items())
    ws.project = ProjectRoot("", on_disk=False)
    return ws


def fixture_texts(code: str) -> dict[str, str]:
    """The fixture of a rule: ``<CODE>.md`` or every markdown file of the ``<CODE>/`` folder."""
    single = FIXTURES / f"{code}.md"
    if single.exists():
        return {single.name: single.read_text(encoding="utf-8")}
    folder = FIXTURES / code
    return {
        str(p.relative_to(folder)): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*.md"))
    }


def fixture_config(code: str) -> Config:
    """The settings a rule's fixture is checked with: ``<CODE>.toml`` beside it, else defaults."""
    path = FIXTURES / f"{code}.toml"
    if not path.exists():
        return Config()
    loaded = parse_config_text(path.read_text(encoding="utf-8"), str(path))
    assert not loaded.errors, loaded.errors
    return loaded.config


def run(
    texts: dict[str, str], code: str | None = None, config: Config | None = None
) -> list[Finding]:
    """Findings of one rule (or all) over every document of a workspace (with the rule's
    fixture settings when a rule is named and no settings are given)."""
    ws = load(texts)
    if config is None:
        config = fixture_config(code) if code is not None else Config()
    select = None if code is None else {code}
    out: list[Finding] = []
    for path in sorted(texts):
        doc = ws.get(path)
        assert doc is not None
        out.extend(check_document(ws, doc, config, select=select))
    return out


def describe(findings: list[Finding]) -> list[str]:
    """``path line:col-line:col CODE`` lines (0-based, code points), sorted."""
    return sorted(
        f"{f.path} {f.range.start.line}:{f.range.start.character}-"
        f"{f.range.end.line}:{f.range.end.character} {f.code}"
        for f in findings
    )


def apply_fix(texts: dict[str, str], finding: Finding, index: int) -> dict[str, str]:
    """The workspace texts after applying fix ``index`` of ``finding``."""
    fix = finding.fixes[index]
    out = dict(texts)
    for path in {e.path for e in fix.edits}:
        out[path] = apply_edits(out.get(path, ""), [e for e in fix.edits if e.path == path])
    return out
