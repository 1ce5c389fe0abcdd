"""Entry point for ``python -m milestone_lsp``."""

from milestone_lsp.cli.main import main

raise SystemExit(main())
