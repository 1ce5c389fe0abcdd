"""milestone-lsp: a language server and CI linter for milestone, deliverable and STATUS.md documents."""

__version__ = "0.1.0"
