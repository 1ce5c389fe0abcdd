"""Settings: one declaration, read from the project's config file and from the editor.

The same keys work everywhere: ``snake_case`` in ``.milestone-lsp.toml`` (top level) or in the
``[tool.milestone-lsp]`` table of ``pyproject.toml``; ``camelCase`` in editor settings (VS Code
``milestoneLsp.*``, Neovim ``settings.milestoneLsp``, LSP ``initializationOptions``).

Precedence is per top-level key: the project's config file wins, editor settings fill what the file
leaves unset, and defaults fill the rest — so the editor and ``milestone-lsp check`` in CI agree on
everything the project decides.

Loading never raises for a bad configuration. Each problem becomes a :class:`ConfigError` naming the
file, the key and what is wrong, and only the offending key falls back (to the editor's value or the
default); every valid key is kept. This module must not import pygls or lsprotocol and stays cheap
to import, because the command line loads it on every run: :class:`Config` is a plain dataclass
(its defaults are declared here and nowhere else), and its field annotations are pydantic types
that pydantic evaluates only when there is something to validate (:func:`validator`) — a run
without settings never imports pydantic, which costs ~0.1 s.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from milestone_lsp.core.findings import Severity
from milestone_lsp.core.lazyre import lazy
from milestone_lsp.core.templates import DELIVERABLE_LABELS, MILESTONE_LABELS, OPTIONAL_LABELS
from milestone_lsp.settings.keys import (
    RULE_CODE_PATTERN,
)

if TYPE_CHECKING:
    import tomllib

    from pydantic import (
        Field,
        StrictBool,
        StrictFloat,
        StrictInt,
        StrictStr,
        StringConstraints,
        TypeAdapter,
    )

    from milestone_lsp.settings.types import NonEmptyStr, RuleKey, RuleSeverity

CONFIG_FILE_NAME = ".milestone-lsp.toml"
PYPROJECT_FILE_NAME = "pyproject.toml"
PYPROJECT_TABLE = "milestone-lsp"
EDITOR_SETTINGS = "editor settings"
EDITOR_SECTION = "milestoneLsp"

_LOOSE_CODE_RE = lazy(r"^ms\d{3}$", re.IGNORECASE)


# Every section of the templates is required, except the ones the specification calls optional.
DEFAULT_MILESTONE_SECTIONS: tuple[str, ...] = tuple(
    label for label in MILESTONE_LABELS if label not in OPTIONAL_LABELS
)
DEFAULT_DELIVERABLE_SECTIONS: tuple[str, ...] = tuple(
    label for label in DELIVERABLE_LABELS if label not in OPTIONAL_LABELS
)
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".venv",
    "venv",
    "virtualenvs",
    ".tox",
    ".nox",
    "site-packages",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
)
DEFAULT_DOCS_URL = "https://github.com/milestone-lsp/milestone-lsp/blob/main/docs/rules/"


def to_camel(name: str) -> str:
    """The editor spelling of a setting: ``percent_tolerance`` → ``percentTolerance``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# Options pydantic reads when it validates a settings class: camelCase aliases (snake_case
# accepted too) and unknown keys forbidden. Instances are immutable (frozen dataclasses).
_VALIDATION_OPTIONS: dict[str, Any] = {
    "alias_generator": to_camel,
    "populate_by_name": True,
    "extra": "forbid",
}


@dataclass(frozen=True, slots=True)
class RequiredSections:
    """The sections each kind of definition must contain."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _VALIDATION_OPTIONS

    milestone: Annotated[
        list[NonEmptyStr],
        Field(description="Sections every milestone definition must have, in order of appearance."),
    ] = field(default_factory=lambda: list(DEFAULT_MILESTONE_SECTIONS))
    deliverable: Annotated[
        list[NonEmptyStr],
        Field(description="Sections every deliverable definition must have."),
    ] = field(default_factory=lambda: list(DEFAULT_DELIVERABLE_SECTIONS))


@dataclass(frozen=True, slots=True)
class Config:
    """Every setting of milestone-lsp, for the linter and the language server alike."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {
        **_VALIDATION_OPTIONS,
        "title": "milestone-lsp configuration",
        "json_schema_extra": {
            "description": (
                "Settings for milestone-lsp, read from .milestone-lsp.toml (top level) or the "
                "[tool.milestone-lsp] table of pyproject.toml."
            )
        },
    }

    rules: Annotated[
        dict[RuleKey, RuleSeverity],
        Field(
            description=(
                "Severity per rule, keyed by rule code (MS101) or rule name (vague-criterion): "
                "error, warning, information, hint, or off to disable the rule."
            ),
            examples=[{"MS101": "error", "vague-criterion": "off"}],
            json_schema_extra={"additionalProperties": False},
        ),
    ] = field(default_factory=dict)
    extra_vague_words: Annotated[
        list[NonEmptyStr],
        Field(
            description=(
                "Words or phrases to flag as vague in criteria, on top of the built-in list."
            ),
            examples=[["robust", "user-friendly"]],
        ),
    ] = field(default_factory=list)
    allowed_words: Annotated[
        list[NonEmptyStr],
        Field(
            description="Words or phrases never flagged as vague, even when built into the list.",
            examples=[["complete"]],
        ),
    ] = field(default_factory=list)
    required_sections: Annotated[
        RequiredSections,
        Field(
            title="Required Sections",
            description="Sections that milestone and deliverable definitions must contain.",
        ),
    ] = field(default_factory=RequiredSections)
    progress_method: Annotated[
        Literal["criteria", "deliverables"],
        Field(
            description=(
                "How a milestone's percentage is computed: 'criteria' = met acceptance criteria "
                "/ all criteria (falling back to deliverables when the milestone's criteria are "
                "nowhere in the workspace); 'deliverables' = completed deliverables / all "
                "deliverables."
            ),
        ),
    ] = "criteria"
    include: Annotated[
        list[NonEmptyStr],
        Field(
            description=(
                "Globs of files that count as milestone documents. Empty means auto-detect: any "
                "markdown file with milestone, deliverable or progress structure, plus STATUS.md "
                "and DECISIONS.md."
            ),
            examples=[["planning/**/*.md", "STATUS.md"]],
        ),
    ] = field(default_factory=list)
    exclude: Annotated[
        list[NonEmptyStr],
        Field(
            description=(
                "Globs of files and folders never checked. Setting it replaces the default list; "
                "use extend_exclude to add to it."
            ),
        ),
    ] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: Annotated[
        list[NonEmptyStr],
        Field(description="Globs excluded in addition to exclude.", examples=[["archive/**"]]),
    ] = field(default_factory=list)
    percent_tolerance: Annotated[
        StrictFloat,
        Field(
            ge=0,
            le=100,
            allow_inf_nan=False,
            description=(
                "How many percentage points a stated percentage may differ from the computed one "
                "before it is reported (at 0, a figure to two decimals is right: 33.33% for one "
                "in three). From 0 to 100."
            ),
        ),
    ] = 1.0
    debounce_ms: Annotated[
        StrictInt,
        Field(
            ge=0,
            le=10_000,
            description=(
                "Milliseconds the server waits after the last edit before linting; 0 lints at "
                "once. From 0 to 10000 (10 seconds)."
            ),
        ),
    ] = 150
    lint_on: Annotated[
        Literal["change", "save"],
        Field(
            description="When the server lints an open document: on every change, or only on save."
        ),
    ] = "change"
    require_suppression_reason: Annotated[
        StrictBool,
        Field(
            description=(
                "Whether every milestone-lsp-disable comment must say why after '--' "
                "(`<!-- milestone-lsp-disable-next-line MS101 -- agreed with the customer -->`); "
                "a comment without a reason is then reported (MS904)."
            ),
        ),
    ] = False
    document_symbols: Annotated[
        StrictBool,
        Field(description="Whether the server offers an outline of milestones and deliverables."),
    ] = True
    folding_ranges: Annotated[
        StrictBool,
        Field(description="Whether the server offers folding ranges for sections."),
    ] = True
    max_file_size: Annotated[
        StrictInt,
        Field(
            ge=0,
            le=1_000_000_000,
            description=(
                "Files larger than this many bytes are not analysed, and an MS902 finding says "
                "so; 0 means no limit. From 0 to 1000000000 (1 GB)."
            ),
        ),
    ] = 10_000_000
    request_time_budget_ms: Annotated[
        StrictInt,
        Field(
            ge=0,
            le=600_000,
            description=(
                "Milliseconds the language server may spend analysing one change of an open "
                "document (opening it is not counted). A document over the budget is re-checked "
                "when saved instead of on every change, and an MS902 finding says so; 0 means no "
                "budget. From 0 to 600000 (10 minutes)."
            ),
        ),
    ] = 2000
    docs_url: Annotated[
        StrictStr,
        StringConstraints(min_length=1),
        Field(
            description=(
                "Base URL of the rule documentation; a rule's page is <docs_url><code>.md."
            ),
        ),
    ] = DEFAULT_DOCS_URL

    @classmethod
    def model_validate(cls, data: object) -> Config:
        """Settings from raw values (snake_case or camelCase keys), validated by pydantic."""
        return validator().validate_python(data)

    def model_dump(self, *, mode: str = "python", by_alias: bool = False) -> dict[str, Any]:
        """The settings as plain data (JSON-compatible in either ``mode``)."""
        dumped: dict[str, Any] = _dump(self, by_alias)
        return dumped

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> Config:
        """A copy with some settings replaced (not validated, like pydantic's)."""
        return dataclasses.replace(self, **(update or {}))

    def severity_for(
        self, code: str, name: str | None, default: Severity | None
    ) -> Severity | None:
        """The configured severity of a rule (``None`` = off); a code entry beats a name entry."""
        for key in (code, name):
            if key is not None and key in self.rules:
                value = self.rules[key]
                return None if value == "off" else Severity(value)
        return default

    def rule_docs_url(self, code: str) -> str:
        """The documentation page of rule ``code``."""
        base = self.docs_url if self.docs_url.endswith("/") else self.docs_url + "/"
        return f"{base}{code}.md"

    def is_excluded(self, relative_path: str) -> bool:
        """Whether a workspace-relative path falls under ``exclude`` or ``extend_exclude``."""
        return path_matches(relative_path, self.exclude) or path_matches(
            relative_path, self.extend_exclude
        )

    def is_included(self, relative_path: str) -> bool | None:
        """Whether ``include`` selects the path; ``None`` when it is empty (auto-detect)."""
        if not self.include:
            return None
        return path_matches(relative_path, self.include)


SettingsClass = type[Config] | type[RequiredSections]


def setting_names(model: SettingsClass = Config) -> list[str]:
    """The settings' names (snake_case), in declaration order."""
    return [f.name for f in dataclasses.fields(model)]


def _nested_model(model: SettingsClass, name: str) -> SettingsClass | None:
    """The settings class of field ``name`` when it is a nested table (its default's class)."""
    for f in dataclasses.fields(model):
        if f.name == name:
            factory: object = f.default_factory
            return RequiredSections if factory is RequiredSections else None
    return None


def _dump(value: Any, by_alias: bool) -> Any:
    """Plain data of a settings object (lists and dicts copied)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            (to_camel(f.name) if by_alias else f.name): _dump(getattr(value, f.name), by_alias)
            for f in dataclasses.fields(value)
        }
    if isinstance(value, list):
        return [_dump(v, by_alias) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v, by_alias) for k, v in value.items()}
    return value


@cache
def validator() -> TypeAdapter[Config]:
    """Pydantic's validator of :class:`Config`, built on first use (imports pydantic)."""
    from milestone_lsp.settings import types as _config_types

    # The fields' annotations name pydantic's types; pydantic resolves them in this module.
    globals().update(_config_types.ANNOTATION_NAMES)
    return _config_types.TypeAdapter(Config)


# --- errors and results -------------------------------------------------------------------------


class ConfigError(Exception):
    """One problem in one setting: ``str(error)`` is ``"<file>: <key>: <problem>"``."""

    def __init__(
        self,
        file: str | None,
        key: str,
        problem: str,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        self.line = line  # 1-based, for TOML syntax errors
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        prefix = f"{self.file}: " if self.file is not None else ""
        return f"{prefix}{self.key}: {self.problem}"

    def __repr__(self) -> str:
        return f"ConfigError({self.file!r}, {self.key!r}, {self.problem!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConfigError):
            return NotImplemented
        return (self.file, self.key, self.problem, self.line, self.column) == (
            other.file,
            other.key,
            other.problem,
            other.line,
            other.column,
        )

    def __hash__(self) -> int:
        return hash((self.file, self.key, self.problem))


@dataclass
class LoadedConfig:
    """The effective settings, the config file they came from, and every problem found."""

    config: Config
    path: Path | None
    errors: list[ConfigError] = field(default_factory=list)
    # Top-level key -> where its value came from (a file or "editor settings"); defaults absent.
    origins: dict[str, str] = field(default_factory=dict)


# --- finding the files --------------------------------------------------------------------------


def _folders_upward(start: Path) -> Iterator[Path]:
    """``start`` (or its folder, when it is a file) and each parent up to the root."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    yield folder
    yield from folder.parents


_TOOL_TABLE_HEADER = lazy(
    r"""^\s*\[\s*tool\s*\.\s*(?:"milestone-lsp"|'milestone-lsp'|milestone-lsp)\s*[\].]""",
    re.MULTILINE,
)


def _pyproject_has_table(path: Path) -> bool:
    """Whether ``path`` has a ``[tool.milestone-lsp]`` table (by its header if TOML is broken)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return False
    if PYPROJECT_TABLE not in text and "\\u" not in text and "\\U" not in text:
        # The key is written out, or spelt with \u escapes in a quoted key: neither is here,
        # so there is no such table, and the file need not be parsed (nor tomllib loaded).
        return False
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        # Broken TOML: pick it anyway if it clearly meant to configure us, so the error is shown.
        return _TOOL_TABLE_HEADER().search(text) is not None
    tool = data.get("tool")
    return isinstance(tool, dict) and PYPROJECT_TABLE in tool


def config_file_in(folder: Path) -> Path | None:
    """The config file of ``folder``, if it has one (``.milestone-lsp.toml`` first)."""
    candidate = folder / CONFIG_FILE_NAME
    # exists(), not is_file(): a folder of that name is reported rather than silently ignored.
    if candidate.exists():
        return candidate
    pyproject = folder / PYPROJECT_FILE_NAME
    if pyproject.is_file() and _pyproject_has_table(pyproject):
        return pyproject
    return None


def find_config_file(start: Path) -> Path | None:
    """The nearest config file upward from ``start``; the search stops at a repository root."""
    for folder in _folders_upward(start):
        found = config_file_in(folder)
        if found is not None:
            return found
        if (folder / ".git").exists():
            # A project's settings never come from outside its repository.
            return None
    return None


def find_workspace_root(start: Path) -> Path:
    """The boundary projects are found within: the nearest folder upward with ``.git``, else the
    nearest with a config file, else ``start``'s folder.

    Nothing above the boundary is read, so a ``STATUS.md`` in a home folder never pulls the
    whole home folder into a check. The projects inside it are found by
    :mod:`milestone_lsp.project.layout`.
    """
    folders = list(_folders_upward(start))
    for folder in folders:
        if (folder / ".git").exists():
            return folder
    for folder in folders:
        if config_file_in(folder) is not None:
            return folder
    return folders[0]


# --- glob matching ------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a glob (``**``, ``*``, ``?``, ``[...]``) to a regular expression."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif ch == "*":
            out.append("[^/]*")
            i += 1
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(ch))
            i += 1
    return re.compile("".join(out))


def path_matches(relative_path: str, patterns: Iterable[str]) -> bool:
    """Whether a workspace-relative path matches any glob (gitignore-like, see CONFIGURATION.md)."""
    path = relative_path.replace("\\", "/").strip("/")
    if path.startswith("./"):
        path = path[2:]
    parts = path.split("/")
    for raw in patterns:
        pattern = raw.replace("\\", "/").strip()
        anchored = "/" in pattern.rstrip("/")
        pattern = pattern.strip("/")
        if pattern.startswith("./"):
            pattern = pattern[2:]
        if not pattern:
            continue
        regex = _glob_regex(pattern)
        if anchored:
            # The pattern names a file, or a folder whose contents are all matched.
            if any(regex.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1)):
                return True
        elif any(regex.fullmatch(part) for part in parts):
            return True
    return False


# --- validation ---------------------------------------------------------------------------------


def _suggest(word: str, candidates: Iterable[str]) -> str:
    """A " (did you mean 'x'?)" hint, or an empty string."""
    import difflib

    pool = list(candidates)
    close = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not close:
        # camelCase in TOML, snake_case for a camelCase key: compare without separators and case.
        squashed = {c.replace("_", "").replace("-", "").lower(): c for c in pool}
        hit = squashed.get(word.replace("_", "").replace("-", "").lower())
        close = [hit] if hit else []
    return f" (did you mean '{close[0]}'?)" if close else ""


def _show(value: object) -> str:
    """A short printable form of a user's value."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _key_text(key: str) -> str:
    """A key for a one-line message: as written, or quoted if it would break the line."""
    return key if key and key.isprintable() and key.strip() == key else repr(key)


def _model_at(path: tuple[str, ...]) -> SettingsClass | None:
    """The settings class found at ``path`` inside :class:`Config`, if the path names one."""
    model: SettingsClass | None = Config
    for part in path:
        if model is None:
            return None
        model = _nested_model(model, part)
    return model


class _Reader:
    """Checks raw values from one source, keeping every valid key and reporting the rest."""

    def __init__(self, source: str, *, camel: bool) -> None:
        self.source = source
        self.camel = camel  # editor settings: camelCase keys (snake_case tolerated)
        self.errors: list[ConfigError] = []
        self._spelling: dict[tuple[str, ...], str] = {}

    def key_name(self, path: tuple[str, ...]) -> str:
        """The dotted key as the user spelled it (quoted when blank or not printable)."""
        parts = (self._spelling.get(path[: i + 1], part) for i, part in enumerate(path))
        return ".".join(_key_text(part) for part in parts)

    def error(self, path: tuple[str, ...], problem: str) -> None:
        """Record a problem with the key at ``path``."""
        self.errors.append(ConfigError(self.source, self.key_name(path) or "(root)", problem))

    def normalize(
        self, data: Mapping[Any, Any], model: SettingsClass, prefix: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Rename keys to field names, dropping (and reporting) unknown ones."""
        names = setting_names(model)
        by_alias = {to_camel(name): name for name in names}
        out: dict[str, Any] = {}
        for key, value in data.items():
            if value is None and self.camel:
                continue  # JSON null: the editor leaves this setting unset
            if not isinstance(key, str):
                self.error(prefix, f"keys must be strings, got {_show(key)}")
                continue
            name = key if key in names else None
            if name is None and self.camel:
                name = by_alias.get(key)
            if name is None:
                choices = by_alias if self.camel else names
                self._spelling[(*prefix, key)] = key
                self.error((*prefix, key), "unknown setting" + _suggest(key, choices))
                continue
            path = (*prefix, name)
            self._spelling[path] = key
            nested = _model_at(path)
            if nested is not None and isinstance(value, Mapping):
                value = self.normalize(value, nested, path)
            elif name == "rules" and isinstance(value, Mapping):
                # Codes are upper case; "ms101" would otherwise pass for a rule *name*.
                value = {
                    (k.upper() if isinstance(k, str) and _LOOSE_CODE_RE().match(k) else k): v
                    for k, v in value.items()
                }
            out[name] = value
        return out

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        """Drop every value that fails validation (reporting why) and return the rest."""
        if not data:
            return data  # nothing to validate: pydantic is not even imported
        from milestone_lsp.settings.types import ValidationError

        for _ in range(100):  # each round removes at least one key, so this always ends
            try:
                Config.model_validate(data)
            except ValidationError as exc:
                bad: dict[tuple[str, ...], Mapping[str, Any]] = {}
                for detail in exc.errors():
                    bad.setdefault(_owning_key(data, detail["loc"]), detail)
                if not bad:
                    return {}
                for path, err in bad.items():
                    self.error(path, _problem(path, err))
                    data = _without(data, path)
            else:
                return data
        return {}  # pragma: no cover - unreachable


def _owning_key(data: Mapping[str, Any], loc: tuple[int | str, ...]) -> tuple[str, ...]:
    """The deepest mapping key on ``loc``: dropping it removes the bad value and nothing else."""
    path: list[str] = []
    current: Any = data
    for part in loc:
        if isinstance(current, Mapping) and isinstance(part, str) and part in current:
            path.append(part)
            current = current[part]
        else:
            break
    if not path and loc:
        path.append(str(loc[0]))
    return tuple(path)


def _without(data: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    """A copy of ``data`` without the key at ``path``."""
    out = dict(data)
    if len(path) == 1:
        out.pop(path[0], None)
    elif path and isinstance(out.get(path[0]), Mapping):
        out[path[0]] = _without(out[path[0]], path[1:])
    return out


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    """The TOML-side JSON schema, used to word error messages."""
    return validator().json_schema(by_alias=False)


def _resolve(fragment: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a local ``$ref`` (and a single-entry ``allOf``) in the schema."""
    if "allOf" in fragment and len(fragment["allOf"]) == 1:
        fragment = fragment["allOf"][0]
    ref = fragment.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        defs: Mapping[str, Any] = _schema().get("$defs", {})
        return defs.get(ref.removeprefix("#/$defs/"), fragment)  # type: ignore[no-any-return]
    return fragment


def _schema_at(path: tuple[str, ...]) -> Mapping[str, Any] | None:
    """The schema fragment describing the value at ``path``."""
    fragment: Mapping[str, Any] = _schema()
    for part in path:
        fragment = _resolve(fragment)
        if part in fragment.get("properties", {}):
            fragment = fragment["properties"][part]
        elif fragment.get("patternProperties"):
            fragment = next(iter(fragment["patternProperties"].values()))
        else:
            return None
    return _resolve(fragment)


def _expected(fragment: Mapping[str, Any]) -> str:
    """Words for what a schema fragment accepts, e.g. "a number ≥ 0"."""
    if "enum" in fragment:
        return "one of " + ", ".join(repr(v) for v in fragment["enum"])
    if "const" in fragment:
        return repr(fragment["const"])
    kind = fragment.get("type")
    bound = ""
    if "minimum" in fragment and "maximum" in fragment:
        bound = f" from {fragment['minimum']} to {fragment['maximum']}"
    elif "minimum" in fragment:
        bound = f" ≥ {fragment['minimum']}"
    elif "maximum" in fragment:
        bound = f" ≤ {fragment['maximum']}"
    if kind == "number":
        return "a number" + bound
    if kind == "integer":
        return "a whole number" + bound
    if kind == "boolean":
        return "true or false"
    if kind == "string":
        return "a non-empty string" if fragment.get("minLength") else "a string"
    if kind == "array":
        items = _resolve(fragment.get("items", {}))
        if items.get("type") == "string":
            noun = "non-empty strings" if items.get("minLength") else "strings"
            return f"a list of {noun}"
        return "a list"
    if kind == "object":
        if fragment.get("patternProperties"):
            return "a table of rule code or name = severity"
        keys = ", ".join(repr(k) for k in fragment.get("properties", {}))
        return f"a table with keys {keys}" if keys else "a table"
    return "a valid value"


def _problem(path: tuple[str, ...], err: Mapping[str, Any]) -> str:
    """A one-line explanation of a pydantic error on the value at ``path``."""
    if err.get("loc", ())[-1:] == ("[key]",):
        return "is not a rule code like 'MS101' or a kebab-case rule name like 'vague-criterion'"
    fragment = _schema_at(path)
    value = err.get("input")
    loc = err.get("loc", ())
    if len(loc) > len(path) and isinstance(loc[len(path)], int) and fragment is not None:
        # A bad item inside a list: the whole list falls back, so say which item was wrong.
        return f"must be {_expected(fragment)}, item {loc[len(path)] + 1} is {_show(value)}"
    if fragment is None:
        return str(err.get("msg", "invalid value"))
    return f"must be {_expected(fragment)}, got {_show(value)}"


# --- loading ------------------------------------------------------------------------------------

_TOML_POSITION = lazy(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_AT_END = lazy(r"\s*\(at end of document\)\s*$")


def _syntax_error(file: str, exc: tomllib.TOMLDecodeError, text: str) -> ConfigError:
    """A :class:`ConfigError` for a TOML syntax error, with its line and column."""
    message = str(exc)
    line: int | None
    column: int | None
    match = _TOML_POSITION().search(message)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        message = message[: match.start()]
    elif _TOML_AT_END().search(message):
        message = _TOML_AT_END().sub("", message)
        lines = text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    else:
        line = column = None
    where = f"line {line}, column {column}: " if line is not None else ""
    return ConfigError(file, "(syntax)", f"{where}{message}", line=line, column=column)


def _file_values(
    text: str, file: str, *, pyproject: bool
) -> tuple[dict[str, Any], list[ConfigError]]:
    """The valid values of a config file's text, and its problems."""
    import tomllib

    try:
        data: Mapping[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return {}, [_syntax_error(file, exc, text)]
    if pyproject:
        tool = data.get("tool")
        table = tool.get(PYPROJECT_TABLE) if isinstance(tool, dict) else None
        if table is None:
            return {}, []
        if not isinstance(table, dict):
            problem = f"must be a table, got {_show(table)}"
            return {}, [ConfigError(file, f"tool.{PYPROJECT_TABLE}", problem)]
        data = table
    reader = _Reader(file, camel=False)
    values = reader.validate(reader.normalize(data, Config))
    return values, reader.errors


def _editor_values(settings: object) -> tuple[dict[str, Any], list[ConfigError]]:
    """The valid values of the editor's settings, and their problems."""
    if settings is None:
        return {}, []
    if not isinstance(settings, Mapping):
        problem = f"must be an object of settings, got {_show(settings)}"
        return {}, [ConfigError(EDITOR_SETTINGS, "(settings)", problem)]
    inner = settings.get(EDITOR_SECTION)
    if len(settings) == 1 and isinstance(inner, Mapping):
        settings = inner  # {"milestoneLsp": {...}} as well as the bare section
    reader = _Reader(EDITOR_SETTINGS, camel=True)
    values = reader.validate(reader.normalize(settings, Config))
    return values, reader.errors


def merge(file_values: Mapping[str, Any], editor_values: Mapping[str, Any]) -> dict[str, Any]:
    """Combine validated values per top-level key: the config file wins, the editor fills gaps."""
    merged = dict(editor_values)
    merged.update(file_values)
    return merged


def _build(values: Mapping[str, Any]) -> Config:
    """A :class:`Config` from already-validated values (defaults if that fails after all)."""
    if not values:
        return Config()
    from milestone_lsp.settings.types import ValidationError

    try:
        return Config.model_validate(values)
    except ValidationError:  # pragma: no cover - values were validated key by key
        return Config()


def parse_config_text(text: str, file: str, *, pyproject: bool = False) -> LoadedConfig:
    """Parse a config file's text (``pyproject=True`` reads its ``[tool.milestone-lsp]`` table)."""
    values, errors = _file_values(text, file, pyproject=pyproject)
    return LoadedConfig(_build(values), Path(file), errors, dict.fromkeys(values, file))


def _read_config_file(path: Path) -> tuple[str | None, ConfigError | None]:
    """The text of a config file, or why it cannot be read."""
    file = str(path)
    try:
        if path.exists() and not path.is_dir() and not path.is_file():
            # A FIFO or a device would block the read (and the editor with it).
            problem = "is not a regular file (a FIFO or device?); replace it with a TOML file"
            return None, ConfigError(file, "(file)", problem)
        return path.read_text(encoding="utf-8-sig"), None
    except IsADirectoryError:
        return None, ConfigError(file, "(file)", "is a directory, not a file")
    except UnicodeDecodeError as exc:
        return None, ConfigError(file, "(file)", f"is not valid UTF-8 (byte {exc.start})")
    except OSError as exc:
        return None, ConfigError(file, "(file)", f"cannot be read: {exc.strerror or exc}")


def load_config(start: Path, editor_settings: Mapping[str, Any] | None = None) -> LoadedConfig:
    """The effective settings for ``start``: nearest config file, editor settings, defaults."""
    path = find_config_file(start)
    file_values: dict[str, Any] = {}
    errors: list[ConfigError] = []
    if path is not None:
        text, read_error = _read_config_file(path)
        if read_error is not None:
            errors.append(read_error)
        if text is not None:
            file_values, file_errors = _file_values(
                text, str(path), pyproject=path.name == PYPROJECT_FILE_NAME
            )
            errors.extend(file_errors)
    editor_values, editor_errors = _editor_values(editor_settings)
    errors.extend(editor_errors)
    origins = dict.fromkeys(editor_values, EDITOR_SETTINGS)
    origins.update(dict.fromkeys(file_values, str(path)))
    return LoadedConfig(_build(merge(file_values, editor_values)), path, errors, origins)


# --- rule keys against the registry -------------------------------------------------------------


def unknown_rule_keys(
    config: Config, known_codes: Collection[str], known_names: Collection[str]
) -> list[str]:
    """Keys of ``rules`` that name no registered rule, in the order written."""
    return [key for key in config.rules if key not in known_codes and key not in known_names]


def unknown_rule_errors(
    loaded: LoadedConfig, known_codes: Collection[str], known_names: Collection[str]
) -> list[ConfigError]:
    """A :class:`ConfigError` per unknown rule key, with a "did you mean" suggestion."""
    source = loaded.origins.get("rules")  # "rules" is spelled alike in TOML and camelCase
    out = []
    for key in unknown_rule_keys(loaded.config, known_codes, known_names):
        pool = known_codes if re.fullmatch(RULE_CODE_PATTERN, key) else known_names
        out.append(ConfigError(source, f"rules.{key}", "unknown rule" + _suggest(key, pool)))
    return out


# --- JSON schema --------------------------------------------------------------------------------


def config_file_schema() -> dict[str, Any]:
    """The JSON schema of the config file (snake_case keys), as committed in docs/."""
    schema = validator().json_schema(by_alias=False)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def editor_settings_schema() -> dict[str, Any]:
    """The JSON schema of the editor settings object (camelCase keys)."""
    schema = validator().json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
