"""What a command loads only when it turns out to need it — with the dispatch table of
:mod:`milestone_lsp.cli.main`, the one place the command line defers imports.

``check`` runs on every commit in CI, so its start-up counts: the progress history (the model
of every commit, ~20 ms to import) is needed only when MS602 runs over committed files, and
rich's progress bar only when stderr is a terminal. ``deferred.history.load_history(...)``
imports the module on first access; afterwards it is a dictionary lookup.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from milestone_lsp.project import history as history

_MODULES = {
    "history": "milestone_lsp.project.history",
    "rich_progress": "rich.progress",
}


def __getattr__(name: str) -> Any:
    """Import a deferred module on first access and keep it as this module's attribute."""
    target = _MODULES.get(name)
    if target is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(target)
    globals()[name] = module
    return module
