"""Core positions, findings and edits <-> lsprotocol types, in the negotiated position encoding.

The core counts columns in code points; the wire counts UTF-16 code units (VS Code) or UTF-8 bytes
(Neovim 0.11). Every conversion goes through :class:`~milestone_lsp.core.positions.LineIndex`, so
the encoding arithmetic lives in exactly one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from lsprotocol import types as lsp
from pygls.uris import from_fs_path, to_fs_path

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.findings import Finding, Severity
from milestone_lsp.core.positions import LineIndex, Position, PositionEncoding, Range

SOURCE = "milestone-lsp"

_SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFORMATION: lsp.DiagnosticSeverity.Information,
    Severity.HINT: lsp.DiagnosticSeverity.Hint,
}
_TAGS = {"unnecessary": lsp.DiagnosticTag.Unnecessary, "deprecated": lsp.DiagnosticTag.Deprecated}

IndexFor = Callable[[str], LineIndex | None]


def encoding_of(kind: object) -> PositionEncoding:
    """The core name of a negotiated ``PositionEncodingKind`` (UTF-16 when unknown)."""
    value = getattr(kind, "value", kind)
    if value == "utf-8":
        return "utf-8"
    if value == "utf-32":
        return "utf-32"
    return "utf-16"


def uri_to_path(uri: str) -> str:
    """The file system path of a ``file:`` URI; other URIs (untitled buffers) stay as they are."""
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return path if path is not None else uri


def path_to_uri(path: str) -> str:
    """The URI of a path produced by :func:`uri_to_path`."""
    if "://" in path or path.startswith("untitled:"):
        return path
    return from_fs_path(path) or Path(path).as_uri()


class Converter:
    """Converts between core values and wire values for one negotiated encoding."""

    def __init__(self, encoding: PositionEncoding = "utf-16") -> None:
        self.encoding: PositionEncoding = encoding

    # -- positions -----------------------------------------------------------------------------

    def position(self, index: LineIndex | None, pos: Position) -> lsp.Position:
        """A core position on the wire."""
        if index is None:
            return lsp.Position(line=max(0, pos.line), character=max(0, pos.character))
        line, character = index.to_encoding(pos, self.encoding)
        return lsp.Position(line=max(0, line), character=max(0, character))

    def range(self, index: LineIndex | None, rng: Range) -> lsp.Range:
        """A core range on the wire."""
        return lsp.Range(start=self.position(index, rng.start), end=self.position(index, rng.end))

    def from_position(self, index: LineIndex, pos: lsp.Position) -> Position:
        """A wire position as a core position, clamped to the document."""
        return index.from_encoding(pos.line, pos.character, self.encoding)

    def from_range(self, index: LineIndex, rng: lsp.Range) -> Range:
        """A wire range as a core range."""
        return Range(self.from_position(index, rng.start), self.from_position(index, rng.end))

    # -- findings ------------------------------------------------------------------------------

    def diagnostic(
        self, finding: Finding, index_for: IndexFor, docs_url: Callable[[str], str]
    ) -> lsp.Diagnostic:
        """A finding as an LSP diagnostic with code, link, related places and tags."""
        related = [
            lsp.DiagnosticRelatedInformation(
                location=lsp.Location(
                    uri=path_to_uri(r.path), range=self.range(index_for(r.path), r.range)
                ),
                message=r.message,
            )
            for r in finding.related
        ]
        tags = [_TAGS[t] for t in finding.tags if t in _TAGS]
        return lsp.Diagnostic(
            range=self.range(index_for(finding.path), finding.range),
            message=finding.message,
            severity=_SEVERITY.get(finding.severity, lsp.DiagnosticSeverity.Warning),
            code=finding.code,
            code_description=lsp.CodeDescription(href=docs_url(finding.code)),
            source=SOURCE,
            related_information=related or None,
            tags=tags or None,
        )

    # -- edits ---------------------------------------------------------------------------------

    def text_edits(self, index: LineIndex | None, edits: Iterable[TextEdit]) -> list[lsp.TextEdit]:
        """Core edits of one document as LSP text edits."""
        return [lsp.TextEdit(range=self.range(index, e.range), new_text=e.new_text) for e in edits]

    def workspace_edit(
        self,
        edits: Iterable[TextEdit],
        index_for: IndexFor,
        *,
        version_for: Callable[[str], int | None],
        exists: Callable[[str], bool],
        document_changes: bool,
        create_files: bool,
    ) -> lsp.WorkspaceEdit:
        """Edits in any number of files as one WorkspaceEdit.

        A path that does not exist is created first (``CreateFile``) when the client supports
        resource operations; otherwise the edit goes into ``changes`` and the client creates it.
        """
        by_path: dict[str, list[TextEdit]] = {}
        for e in edits:
            by_path.setdefault(e.path, []).append(e)
        if document_changes:
            changes: list[lsp.TextDocumentEdit | lsp.CreateFile] = []
            for path, group in by_path.items():
                uri = path_to_uri(path)
                missing = not exists(path)
                if missing and create_files:
                    changes.append(
                        lsp.CreateFile(
                            uri=uri, options=lsp.CreateFileOptions(ignore_if_exists=True)
                        )
                    )
                text_edits: list[lsp.TextEdit | lsp.AnnotatedTextEdit | lsp.SnippetTextEdit] = [
                    *self.text_edits(index_for(path), group)
                ]
                changes.append(
                    lsp.TextDocumentEdit(
                        text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                            uri=uri, version=None if missing else version_for(path)
                        ),
                        edits=text_edits,
                    )
                )
            return lsp.WorkspaceEdit(document_changes=changes)
        return lsp.WorkspaceEdit(
            changes={
                path_to_uri(path): self.text_edits(index_for(path), group)
                for path, group in by_path.items()
            }
        )
