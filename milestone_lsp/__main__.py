"""Entry point for ``python -m milestone_lsp``."""

from milestone_lsp.cli import main

raise SystemExit(main())
