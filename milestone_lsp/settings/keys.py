"""The shapes of rule keys and severity names, shared by the settings model and its validators.

Its own module so that :mod:`milestone_lsp.settings.config` and
:mod:`milestone_lsp.settings.types` both import it and neither imports the other at run time.
"""

from __future__ import annotations

from typing import Literal

RULE_CODE_PATTERN = r"MS\d{3}"
RULE_NAME_PATTERN = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
RULE_KEY_REGEX = rf"^(?:{RULE_CODE_PATTERN}|{RULE_NAME_PATTERN})$"

SeverityName = Literal["error", "warning", "information", "hint", "off"]
SEVERITY_NAMES: tuple[str, ...] = ("error", "warning", "information", "hint", "off")
