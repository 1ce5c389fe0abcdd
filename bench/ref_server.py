"""Reference servers for the edit-latency comparison of ``bench/run.py`` section (g).

    python bench/ref_server.py floor                 # pygls, publishes no diagnostics
    python bench/ref_server.py floor DIAGNOSTICS.json  # pygls, publishes these diagnostics
    python bench/ref_server.py naive                 # re-parses the text with markdown-it-py

Each keeps the document in sync through pygls (incremental changes) and answers every
didOpen/didChange with one ``textDocument/publishDiagnostics`` carrying the document version.
The diagnostics file holds the plain JSON list milestone-lsp published for the same document;
it is written as JSON on each change, as a server that re-sends its own output would.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer


def main(argv: list[str]) -> None:
    mode = argv[1] if len(argv) > 1 else "floor"
    diagnostics: list[Any] = []
    if len(argv) > 2:
        diagnostics = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
    server = LanguageServer(f"ref-{mode}", "0")
    parser = None
    if mode == "naive":
        from markdown_it import MarkdownIt

        parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])

    def publish(uri: str, version: int) -> None:
        if parser is not None:
            parser.parse(server.workspace.get_text_document(uri).source)
        server.protocol._send_data(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/publishDiagnostics",
                "params": {"uri": uri, "version": version, "diagnostics": diagnostics},
            }
        )

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: lsp.DidOpenTextDocumentParams) -> None:
        publish(params.text_document.uri, params.text_document.version)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: lsp.DidChangeTextDocumentParams) -> None:
        publish(params.text_document.uri, params.text_document.version)

    server.start_io()


if __name__ == "__main__":
    main(sys.argv)
