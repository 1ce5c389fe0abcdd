"""The command-line shell: `milestone-lsp parse|check|report|progress|history|init|...`.

:mod:`milestone_lsp.cli.main` parses the arguments and imports the one module of the command
that runs (``cli/check.py``, ``cli/report.py``, ...), so a command pays only for what it uses
and ``check`` never loads pygls or lsprotocol (ruff's banned-api setting enforces it).
"""
