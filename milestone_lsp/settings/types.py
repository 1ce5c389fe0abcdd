"""The pydantic side of the settings: the types named in the fields of
:class:`~milestone_lsp.settings.config.Config`.

``Config`` is a plain dataclass whose field annotations are pydantic types with their
constraints (postponed, so they stay strings until something evaluates them). This module
defines those types; :func:`~milestone_lsp.settings.config.validator` imports it the first
time a value has to be validated or a JSON schema made, so a run with nothing to validate (no
config file, no editor settings) never imports pydantic.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from milestone_lsp.settings.keys import RULE_KEY_REGEX, SeverityName


def _lower_severity(value: object) -> object:
    """Accept ``"Error"`` as well as ``"error"``; editors' settings UIs invite capitals."""
    return value.strip().lower() if isinstance(value, str) else value


RuleKey = Annotated[str, StringConstraints(pattern=RULE_KEY_REGEX)]
RuleSeverity = Annotated[SeverityName, BeforeValidator(_lower_severity)]
NonEmptyStr = Annotated[StrictStr, StringConstraints(min_length=1)]


# Every name the settings' annotations use, for pydantic to resolve them in their module.
ANNOTATION_NAMES: dict[str, Any] = {
    "Field": Field,
    "StrictBool": StrictBool,
    "StrictFloat": StrictFloat,
    "StrictInt": StrictInt,
    "StrictStr": StrictStr,
    "StringConstraints": StringConstraints,
    "Literal": Literal,
    "RuleKey": RuleKey,
    "RuleSeverity": RuleSeverity,
    "NonEmptyStr": NonEmptyStr,
}

__all__ = [
    "ANNOTATION_NAMES",
    "NonEmptyStr",
    "RuleKey",
    "RuleSeverity",
    "TypeAdapter",
    "ValidationError",
]
