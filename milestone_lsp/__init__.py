"""milestone-lsp: language server and CI linter for milestone, deliverable and STATUS.md files."""

__version__ = "0.1.0"
