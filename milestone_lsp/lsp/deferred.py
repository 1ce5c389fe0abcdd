"""The modules the language server loads on first use instead of at start-up — the one place
the protocol shell defers imports.

``initialize`` must answer about as fast as a bare pygls server (``make bench``, line b:
≤ 1.2×). The settings model (pydantic), the parser (markdown-it-py), the rule catalogue and
the report and history code together cost more than that margin, and no handler needs them
before the first document arrives. Feature modules therefore write ``deferred.parser.parse(...)``
rather than importing these modules themselves: the attribute access imports the module the
first time and is a dictionary lookup afterwards. Everything else is imported normally, at the
top of each module. (The command line defers the same way, per command, in
:mod:`milestone_lsp.cli.main`.)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from milestone_lsp.core import history as history
    from milestone_lsp.core import history_render as history_render
    from milestone_lsp.core import parser as parser
    from milestone_lsp.core import report as report
    from milestone_lsp.project import checking as checking
    from milestone_lsp.project import gitlog as gitlog
    from milestone_lsp.project import layout as layout
    from milestone_lsp.project import reporting as reporting
    from milestone_lsp.project import vague as vague
    from milestone_lsp.rules import catalogue as catalogue
    from milestone_lsp.rules import docs as docs
    from milestone_lsp.rules import engine as engine
    from milestone_lsp.rules import measurability as measurability
    from milestone_lsp.rules import meta as meta
    from milestone_lsp.rules import scope_creep as scope_creep
    from milestone_lsp.settings import config as config

_MODULES = {
    "checking": "milestone_lsp.project.checking",
    "catalogue": "milestone_lsp.rules.catalogue",
    "config": "milestone_lsp.settings.config",
    "docs": "milestone_lsp.rules.docs",
    "engine": "milestone_lsp.rules.engine",
    "gitlog": "milestone_lsp.project.gitlog",
    "history": "milestone_lsp.core.history",
    "history_render": "milestone_lsp.core.history_render",
    "layout": "milestone_lsp.project.layout",
    "measurability": "milestone_lsp.rules.measurability",
    "meta": "milestone_lsp.rules.meta",
    "parser": "milestone_lsp.core.parser",
    "report": "milestone_lsp.core.report",
    "reporting": "milestone_lsp.project.reporting",
    "scope_creep": "milestone_lsp.rules.scope_creep",
    "vague": "milestone_lsp.project.vague",
}


def __getattr__(name: str) -> Any:
    """Import a deferred module on first access and keep it as this module's attribute."""
    target = _MODULES.get(name)
    if target is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(target)
    globals()[name] = module
    return module
