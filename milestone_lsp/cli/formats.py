"""Output formats of ``check``: text, JSON (a documented contract), SARIF 2.1.0, GitHub annotations.

JSON and SARIF carry LSP-style positions: 0-based lines, characters in UTF-16 code units (JSON)
or 1-based lines and columns in UTF-16 code units (SARIF's default column kind).
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from milestone_lsp import __version__
from milestone_lsp.core.findings import Finding, Severity
from milestone_lsp.core.model import Document
from milestone_lsp.core.positions import LineIndex, Position, Range

_SARIF_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "note",
    Severity.HINT: "note",
}


class Documents(Protocol):
    """Where the output finds a finding's document: a workspace, or a check result's projects."""

    def get(self, path: str) -> Document | None:
        """The document at ``path``, if known."""


class Encoder:
    """Converts core positions to UTF-16 for any document in the workspace."""

    def __init__(self, ws: Documents) -> None:
        self.ws = ws
        self._indexes: dict[str, LineIndex] = {}

    def _index(self, path: str) -> LineIndex | None:
        if path not in self._indexes:
            doc = self.ws.get(path)
            if doc is None:
                return None
            self._indexes[path] = LineIndex(doc.text)
        return self._indexes[path]

    def position(self, path: str, pos: Position) -> dict[str, int]:
        """``{"line", "character"}`` with the character in UTF-16 code units."""
        index = self._index(path)
        if index is None:
            return {"line": pos.line, "character": pos.character}
        line, character = index.to_encoding(pos, "utf-16")
        return {"line": line, "character": character}

    def range(self, path: str, rng: Range) -> dict[str, dict[str, int]]:
        """An LSP-shaped range in UTF-16 code units."""
        return {"start": self.position(path, rng.start), "end": self.position(path, rng.end)}


def finding_to_json(f: Finding, enc: Encoder) -> dict[str, Any]:
    """One finding in the JSON contract."""
    return {
        "path": f.path,
        "range": enc.range(f.path, f.range),
        "severity": f.severity.value,
        "code": f.code,
        "message": f.message,
        "related": [
            {"path": r.path, "range": enc.range(r.path, r.range), "message": r.message}
            for r in f.related
        ],
        "fixes": [
            {
                "title": fix.title,
                "applicability": fix.applicability,
                "edits": [
                    {"path": e.path, "range": enc.range(e.path, e.range), "newText": e.new_text}
                    for e in fix.edits
                ],
            }
            for fix in f.fixes
        ],
    }


def summary(findings: list[Finding], files: int) -> dict[str, Any]:
    """Counts per severity and per code."""
    by_severity = {s.value: 0 for s in Severity}
    by_code: dict[str, int] = {}
    for f in findings:
        by_severity[f.severity.value] += 1
        by_code[f.code] = by_code.get(f.code, 0) + 1
    return {
        "files": files,
        "findings": len(findings),
        "bySeverity": by_severity,
        "byCode": dict(sorted(by_code.items())),
    }


def render_json(findings: list[Finding], ws: Documents, files: int) -> str:
    """``{"version": 1, "findings": [...], "summary": {...}}``."""
    enc = Encoder(ws)
    payload = {
        "version": 1,
        "findings": [finding_to_json(f, enc) for f in findings],
        "summary": summary(findings, files),
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def render_text(findings: list[Finding]) -> str:
    """``path:line:col: severity CODE message`` (1-based line and column)."""
    return "".join(
        f"{f.path}:{f.range.start.line + 1}:{f.range.start.character + 1}: "
        f"{f.severity.value} {f.code} {f.message}\n"
        for f in findings
    )


def _escape_property(value: str) -> str:
    return (
        value.replace("%", "%25")
        .replace("\r", "%0D")
        .replace("\n", "%0A")
        .replace(":", "%3A")
        .replace(",", "%2C")
    )


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def render_github(findings: list[Finding], names: dict[str, str]) -> str:
    """GitHub Actions workflow commands, one annotation per finding."""
    kind = {
        Severity.ERROR: "error",
        Severity.WARNING: "warning",
        Severity.INFORMATION: "notice",
        Severity.HINT: "notice",
    }
    out = []
    for f in findings:
        title = f"{f.code} {names.get(f.code, '')}".strip()
        props = (
            f"file={_escape_property(f.path)},line={f.range.start.line + 1},"
            f"col={f.range.start.character + 1},endLine={f.range.end.line + 1},"
            f"endColumn={f.range.end.character + 1},title={_escape_property(title)}"
        )
        out.append(f"::{kind[f.severity]} {props}::{_escape_data(f.message)}\n")
    return "".join(out)


def render_sarif(findings: list[Finding], ws: Documents, rules: list[Any]) -> str:
    """A SARIF 2.1.0 log with one run, the rule catalogue as the driver's rules."""
    enc = Encoder(ws)
    index = {r.code: i for i, r in enumerate(rules)}

    def region(path: str, rng: Range) -> dict[str, int]:
        r = enc.range(path, rng)
        return {
            "startLine": r["start"]["line"] + 1,
            "startColumn": r["start"]["character"] + 1,
            "endLine": r["end"]["line"] + 1,
            "endColumn": r["end"]["character"] + 1,
        }

    results = []
    for f in findings:
        result: dict[str, Any] = {
            "ruleId": f.code,
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.path},
                        "region": region(f.path, f.range),
                    }
                }
            ],
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        if f.related:
            result["relatedLocations"] = [
                {
                    "id": n,
                    "message": {"text": r.message},
                    "physicalLocation": {
                        "artifactLocation": {"uri": r.path},
                        "region": region(r.path, r.range),
                    },
                }
                for n, r in enumerate(f.related)
            ]
        fixes = [fx for fx in f.fixes if fx.applicability == "safe"]
        if fixes:
            result["fixes"] = [
                {
                    "description": {"text": fx.title},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": path},
                            "replacements": [
                                {
                                    "deletedRegion": region(path, e.range),
                                    "insertedContent": {"text": e.new_text},
                                }
                                for e in fx.edits
                                if e.path == path
                            ],
                        }
                        for path in sorted({e.path for e in fx.edits})
                    ],
                }
                for fx in fixes
            ]
        results.append(result)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "milestone-lsp",
                        "version": __version__,
                        "informationUri": "https://github.com/milestone-lsp/milestone-lsp",
                        "rules": [
                            {
                                "id": r.code,
                                "name": r.name,
                                "shortDescription": {"text": r.summary},
                                "fullDescription": {"text": r.doc or r.summary},
                                "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
                            }
                            for r in rules
                        ],
                    }
                },
                "columnKind": "utf16CodeUnits",
                "results": results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"
