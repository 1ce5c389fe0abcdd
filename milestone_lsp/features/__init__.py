"""Protocol glue per LSP feature: fetch the document, call the pure core, convert the result."""
