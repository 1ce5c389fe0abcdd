"""Tests for the settings model, config file discovery, loading, precedence and the JSON schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from milestone_lsp.core.findings import Severity
from milestone_lsp.settings import schema as _schema
from milestone_lsp.settings.config import (
    DEFAULT_DELIVERABLE_SECTIONS,
    DEFAULT_MILESTONE_SECTIONS,
    EDITOR_SETTINGS,
    Config,
    ConfigError,
    LoadedConfig,
    RequiredSections,
    config_file_schema,
    editor_settings_schema,
    find_config_file,
    find_workspace_root,
    load_config,
    merge,
    parse_config_text,
    path_matches,
    setting_names,
    to_camel,
    unknown_rule_errors,
    unknown_rule_keys,
)

TOML = ".milestone-lsp.toml"


def parse(text: str) -> LoadedConfig:
    return parse_config_text(text, TOML)


def keys(loaded: LoadedConfig) -> list[str]:
    return [e.key for e in loaded.errors]


# --- the model ---------------------------------------------------------------------------------


def test_defaults() -> None:
    config = Config()
    assert config.rules == {}
    assert config.extra_vague_words == [] and config.allowed_words == []
    assert config.required_sections.milestone == list(DEFAULT_MILESTONE_SECTIONS)
    assert config.required_sections.deliverable == list(DEFAULT_DELIVERABLE_SECTIONS)
    assert config.required_sections.milestone[0] == "Goal"
    assert config.required_sections.deliverable[-1] == "Contributes To"
    assert config.progress_method == "criteria"
    assert config.include == []
    assert {"node_modules", ".git", ".venv", "venv"} <= set(config.exclude)
    assert config.percent_tolerance == 1.0
    assert config.debounce_ms == 150
    assert config.lint_on == "change"
    assert config.document_symbols is True and config.folding_ranges is True
    assert config.max_file_size == 10_000_000
    assert config.request_time_budget_ms == 2000
    assert config.docs_url.startswith("https://")


def test_defaults_are_not_shared_between_instances() -> None:
    first, second = Config(), Config()
    first.required_sections.milestone.append("Extra")
    assert "Extra" not in second.required_sections.milestone


def test_camel_case_aliases_and_snake_case_names_both_construct() -> None:
    assert Config.model_validate({"percentTolerance": 3}).percent_tolerance == 3.0
    assert Config.model_validate({"percent_tolerance": 3}).percent_tolerance == 3.0


def test_every_field_has_a_description() -> None:
    schema = config_file_schema()
    assert list(schema["properties"]) == setting_names()
    for name, prop in schema["properties"].items():
        assert prop.get("description") and prop.get("title"), name


@pytest.mark.parametrize(
    ("rules", "code", "name", "default", "expected"),
    [
        ({}, "MS101", "vague-criterion", Severity.WARNING, Severity.WARNING),
        ({"MS101": "error"}, "MS101", "vague-criterion", Severity.WARNING, Severity.ERROR),
        ({"vague-criterion": "hint"}, "MS101", "vague-criterion", Severity.WARNING, Severity.HINT),
        ({"MS101": "off"}, "MS101", "vague-criterion", Severity.WARNING, None),
        (
            {"vague-criterion": "off", "MS101": "information"},
            "MS101",
            "vague-criterion",
            Severity.WARNING,
            Severity.INFORMATION,
        ),
        ({"MS102": "error"}, "MS101", None, None, None),
        ({"MS101": "warning"}, "MS101", None, None, Severity.WARNING),
    ],
)
def test_severity_for(
    rules: dict[str, str],
    code: str,
    name: str | None,
    default: Severity | None,
    expected: Severity | None,
) -> None:
    config = Config.model_validate({"rules": rules})
    assert config.severity_for(code, name, default) == expected


def test_rule_docs_url() -> None:
    assert Config().rule_docs_url("MS101").endswith("/docs/rules/MS101.md")
    config = Config.model_validate({"docs_url": "https://example.org/rules"})
    assert config.rule_docs_url("MS101") == "https://example.org/rules/MS101.md"


# --- parsing a config file ---------------------------------------------------------------------


def test_valid_file_is_read_completely() -> None:
    loaded = parse(
        """
progress_method = "deliverables"
percent_tolerance = 2
extra_vague_words = ["robust"]
allowed_words = ["complete"]
include = ["planning/**/*.md"]
exclude = ["archive"]
extend_exclude = ["old/**"]
debounce_ms = 0
lint_on = "save"
document_symbols = false
folding_ranges = false
max_file_size = 0
request_time_budget_ms = 500
docs_url = "https://example.org/"

[rules]
MS101 = "error"
vague-criterion = "Off"

[required_sections]
deliverable = ["Owner"]
"""
    )
    assert loaded.errors == []
    config = loaded.config
    assert config.progress_method == "deliverables"
    assert config.percent_tolerance == 2.0 and isinstance(config.percent_tolerance, float)
    assert config.rules == {"MS101": "error", "vague-criterion": "off"}
    assert config.required_sections.deliverable == ["Owner"]
    assert config.required_sections.milestone == list(DEFAULT_MILESTONE_SECTIONS)
    assert config.debounce_ms == 0 and config.lint_on == "save"
    assert not config.document_symbols and not config.folding_ranges
    assert loaded.path == Path(TOML)
    assert set(loaded.origins) >= {"rules", "percent_tolerance"}
    assert loaded.origins["rules"] == TOML


def test_empty_file_gives_defaults() -> None:
    loaded = parse("")
    assert loaded.errors == [] and loaded.config == Config()


def test_syntax_error_names_line_and_column() -> None:
    loaded = parse('percent_tolerance = 2\nlint_on = "save\n')
    assert loaded.config == Config()  # nothing from a file that does not parse
    [error] = loaded.errors
    assert error.file == TOML and error.key == "(syntax)"
    assert (error.line, error.column) == (2, 16)
    assert str(error).startswith(f"{TOML}: (syntax): line 2, column 16: ")
    assert "\n" not in str(error)


def test_syntax_error_at_end_of_document() -> None:
    [error] = parse("a = ").errors
    assert error.key == "(syntax)"
    assert error.line == 1
    assert "line 1" in error.problem


def test_wrong_type_message_matches_documented_form() -> None:
    loaded = parse('percent_tolerance = "abc"')
    [error] = loaded.errors
    assert (
        str(error)
        == ".milestone-lsp.toml: percent_tolerance: must be a number from 0 to 100, got 'abc'"
    )
    assert (error.file, error.key) == (TOML, "percent_tolerance")
    assert loaded.config.percent_tolerance == 1.0


@pytest.mark.parametrize(
    ("line", "key", "fragment"),
    [
        ("percent_tolerance = -1", "percent_tolerance", "from 0 to 100, got -1"),
        ("percent_tolerance = nan", "percent_tolerance", "must be a number"),
        ("debounce_ms = -5", "debounce_ms", "must be a whole number from 0 to 10000, got -5"),
        ("debounce_ms = 1.5", "debounce_ms", "got 1.5"),
        ("debounce_ms = true", "debounce_ms", "got true"),
        ("max_file_size = '10MB'", "max_file_size", "got '10MB'"),
        # Every number has an upper bound too: these used to be accepted (issue: settings
        # without bounds ran check out of memory and kept diagnostics from ever coming).
        (
            "max_file_size = 100000000000",
            "max_file_size",
            "must be a whole number from 0 to 1000000000, got 100000000000",
        ),
        ("max_file_size = 9223372036854775807", "max_file_size", "got 9223372036854775807"),
        ("debounce_ms = 100000000000", "debounce_ms", "from 0 to 10000, got 100000000000"),
        ("request_time_budget_ms = 10000000", "request_time_budget_ms", "from 0 to 600000"),
        ("percent_tolerance = 1e300", "percent_tolerance", "from 0 to 100, got 1e+300"),
        ('document_symbols = "yes"', "document_symbols", "must be true or false, got 'yes'"),
        ('lint_on = "never"', "lint_on", "one of 'change', 'save', got 'never'"),
        ('progress_method = "tasks"', "progress_method", "'criteria', 'deliverables'"),
        ('extra_vague_words = "robust"', "extra_vague_words", "a list of non-empty strings"),
        ('allowed_words = ["ok", 3]', "allowed_words", "item 2 is 3"),
        ('include = [""]', "include", "non-empty strings"),
        ('docs_url = ""', "docs_url", "non-empty string"),
        ("rules = 3", "rules", "a table of rule code or name = severity, got 3"),
        ("required_sections = []", "required_sections", "a table with keys 'milestone'"),
        ("required_sections = {milestone = 3}", "required_sections.milestone", "got 3"),
    ],
)
def test_wrong_types_and_values(line: str, key: str, fragment: str) -> None:
    loaded = parse(line)
    assert [e.key for e in loaded.errors] == [key]
    assert fragment in loaded.errors[0].problem
    assert loaded.config == Config()


def test_bool_is_not_accepted_as_number() -> None:
    assert keys(parse("percent_tolerance = true")) == ["percent_tolerance"]


def test_unknown_key_with_suggestion() -> None:
    loaded = parse("percent_tolerence = 2")
    [error] = loaded.errors
    assert error.key == "percent_tolerence"
    assert error.problem == "unknown setting (did you mean 'percent_tolerance'?)"


def test_camel_case_in_toml_suggests_snake_case() -> None:
    [error] = parse("debounceMs = 10").errors
    assert error.key == "debounceMs"
    assert "did you mean 'debounce_ms'" in error.problem


def test_unknown_key_without_close_match_has_no_suggestion() -> None:
    [error] = parse("zzz = 1").errors
    assert error.problem == "unknown setting"


def test_unknown_nested_key() -> None:
    loaded = parse('[required_sections]\nmilestones = ["Goal"]\ndeliverable = ["Owner"]\n')
    [error] = loaded.errors
    assert error.key == "required_sections.milestones"
    assert "did you mean 'milestone'" in error.problem
    assert loaded.config.required_sections.deliverable == ["Owner"]


def test_bad_severity_drops_only_that_rule() -> None:
    loaded = parse('[rules]\nMS101 = "fatal"\nMS102 = "hint"\n')
    [error] = loaded.errors
    assert error.key == "rules.MS101"
    assert "'error', 'warning', 'information', 'hint', 'off'" in error.problem
    assert "got 'fatal'" in error.problem
    assert loaded.config.rules == {"MS102": "hint"}


def test_bad_rule_key_shape() -> None:
    loaded = parse('[rules]\nMS1 = "off"\nVague_Criterion = "off"\nMS102 = "off"\n')
    assert keys(loaded) == ["rules.MS1", "rules.Vague_Criterion"]
    assert "rule code like 'MS101'" in loaded.errors[0].problem
    assert loaded.config.rules == {"MS102": "off"}


def test_lower_case_code_is_normalised_and_severity_case_ignored() -> None:
    loaded = parse('[rules]\nms101 = "WARNING"\n')
    assert loaded.errors == []
    assert loaded.config.rules == {"MS101": "warning"}


def test_partial_fallback_keeps_every_valid_key() -> None:
    loaded = parse(
        """
percent_tolerance = "abc"
debounce_ms = 300
lint_on = "sometimes"
extra_vague_words = ["robust"]
folding_range = false
[rules]
MS101 = "off"
MS102 = "loud"
[required_sections]
milestone = 7
deliverable = ["Owner"]
"""
    )
    assert sorted(keys(loaded)) == sorted(
        [
            "percent_tolerance",
            "lint_on",
            "folding_range",
            "rules.MS102",
            "required_sections.milestone",
        ]
    )
    config = loaded.config
    assert config.debounce_ms == 300
    assert config.extra_vague_words == ["robust"]
    assert config.rules == {"MS101": "off"}
    assert config.required_sections.deliverable == ["Owner"]
    assert config.required_sections.milestone == list(DEFAULT_MILESTONE_SECTIONS)
    assert config.percent_tolerance == 1.0 and config.lint_on == "change"
    assert "percent_tolerance" not in loaded.origins


def test_error_lines_are_single_lines_with_file_key_problem() -> None:
    loaded = parse('percent_tolerance = "abc"\nnope = 1\n[rules]\nMS101 = "x"\n')
    for error in loaded.errors:
        assert isinstance(error, Exception)
        assert str(error) == f"{error.file}: {error.key}: {error.problem}"
        assert "\n" not in str(error)


def test_config_error_without_file() -> None:
    assert str(ConfigError(None, "k", "bad")) == "k: bad"


# --- pyproject.toml ----------------------------------------------------------------------------


def test_pyproject_table() -> None:
    text = '[project]\nname = "x"\n[tool.milestone-lsp]\npercent_tolerance = 3\n'
    text += '[tool.milestone-lsp.rules]\nMS101 = "off"\n'
    loaded = parse_config_text(text, "pyproject.toml", pyproject=True)
    assert loaded.errors == []
    assert loaded.config.percent_tolerance == 3.0
    assert loaded.config.rules == {"MS101": "off"}


def test_pyproject_without_table_gives_defaults() -> None:
    loaded = parse_config_text('[project]\nname = "x"\n', "pyproject.toml", pyproject=True)
    assert loaded.errors == [] and loaded.config == Config()


def test_pyproject_table_that_is_not_a_table() -> None:
    text = '[tool]\nmilestone-lsp = "yes"\n'
    [error] = parse_config_text(text, "pyproject.toml", pyproject=True).errors
    assert error.key == "tool.milestone-lsp"


def test_pyproject_errors_name_keys_inside_the_table() -> None:
    text = "[tool.milestone-lsp]\npercent_tolerance = -2\n"
    [error] = parse_config_text(text, "pyproject.toml", pyproject=True).errors
    assert str(error) == "pyproject.toml: percent_tolerance: must be a number from 0 to 100, got -2"


# --- finding files -----------------------------------------------------------------------------


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_upward_search_finds_nearest_config(tmp_path: Path) -> None:
    outer = write(tmp_path / TOML)
    inner = write(tmp_path / "a" / TOML)
    doc = write(tmp_path / "a" / "b" / "STATUS.md")
    assert find_config_file(doc) == inner
    assert find_config_file(doc.parent) == inner
    assert find_config_file(tmp_path / "other.md") == outer


def test_pyproject_without_table_is_skipped(tmp_path: Path) -> None:
    outer = write(tmp_path / TOML)
    write(tmp_path / "pkg" / "pyproject.toml", '[project]\nname = "x"\n')
    assert find_config_file(tmp_path / "pkg" / "README.md") == outer


def test_pyproject_with_table_is_found(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "pyproject.toml", "[tool.milestone-lsp]\n")
    assert find_config_file(tmp_path / "docs" / "x.md") == pyproject


@pytest.mark.parametrize(
    "text",
    [
        '[tool."milestone-lsp"]\npercent_tolerance = 5\n',
        "[tool]\nmilestone-lsp.percent_tolerance = 5\n",
        '[tool."milestone\\u002Dlsp"]\npercent_tolerance = 5\n',  # the dash as an escape
        '[tool."mil\\U00000065stone-lsp"]\npercent_tolerance = 5\n',
    ],
)
def test_pyproject_table_however_its_key_is_spelt_is_found(tmp_path: Path, text: str) -> None:
    pyproject = write(tmp_path / "pyproject.toml", text)
    assert find_config_file(tmp_path / "docs" / "x.md") == pyproject
    assert load_config(tmp_path).config.percent_tolerance == 5.0


def test_pyproject_of_other_tools_only_is_skipped(tmp_path: Path) -> None:
    text = '[tool.ruff]\nline-length = 100\n[tool.other]\npattern = "\\\\d+"\n'
    write(tmp_path / "pyproject.toml", text)
    assert find_config_file(tmp_path) is None


def test_broken_pyproject_with_our_header_is_still_found(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "pyproject.toml", "[tool.milestone-lsp]\nx = \n")
    assert find_config_file(tmp_path) == pyproject
    loaded = load_config(tmp_path)
    assert keys(loaded) == ["(syntax)"]
    assert loaded.path == pyproject


def test_dedicated_file_beats_pyproject_in_same_folder(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.milestone-lsp]\npercent_tolerance = 5\n")
    dedicated = write(tmp_path / TOML, "percent_tolerance = 7\n")
    assert find_config_file(tmp_path) == dedicated
    assert load_config(tmp_path).config.percent_tolerance == 7.0


def test_search_stops_at_repository_root(tmp_path: Path) -> None:
    write(tmp_path / TOML)
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    assert find_config_file(tmp_path / "repo" / "docs" / "x.md") is None


def test_no_config_anywhere(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    loaded = load_config(tmp_path / "STATUS.md")
    assert loaded.path is None and loaded.errors == [] and loaded.config == Config()


def test_workspace_root_is_the_repository(tmp_path: Path) -> None:
    # The boundary projects are found in: the repository, even below a config file; the
    # project of a file inside it is decided by milestone_lsp.project.layout.
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    doc = write(tmp_path / "repo" / "docs" / "STATUS.md")
    assert find_workspace_root(doc) == (tmp_path / "repo").resolve()
    write(tmp_path / "repo" / "docs" / TOML)
    assert find_workspace_root(doc) == (tmp_path / "repo").resolve()


def test_workspace_root_without_repository_is_the_config_folder(tmp_path: Path) -> None:
    doc = write(tmp_path / "plan" / "docs" / "milestones.md")
    write(tmp_path / "plan" / TOML)
    root = find_workspace_root(doc)
    assert root == (tmp_path / "plan").resolve() or (root / ".git").exists()


def test_workspace_root_falls_back_to_the_start_folder(tmp_path: Path) -> None:
    # tmp_path has no .git above it in a normal test run; if it does, that folder is the answer.
    doc = write(tmp_path / "x" / "STATUS.md")
    root = find_workspace_root(doc)
    assert root == (tmp_path / "x").resolve() or (root / ".git").exists()


# --- unreadable files --------------------------------------------------------------------------


def test_config_file_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / TOML).mkdir()
    loaded = load_config(tmp_path)
    [error] = loaded.errors
    assert (error.key, error.problem) == ("(file)", "is a directory, not a file")
    assert loaded.config == Config()


def test_config_file_not_utf8(tmp_path: Path) -> None:
    (tmp_path / TOML).write_bytes(b"percent_tolerance = 2\n# caf\xe9\n")
    [error] = load_config(tmp_path).errors
    assert error.key == "(file)" and "UTF-8" in error.problem


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_config_file_unreadable(tmp_path: Path) -> None:
    path = write(tmp_path / TOML, "percent_tolerance = 2\n")
    path.chmod(0)
    try:
        [error] = load_config(tmp_path).errors
        assert error.key == "(file)" and "cannot be read" in error.problem
    finally:
        path.chmod(0o644)


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    (tmp_path / TOML).write_bytes("\ufeffpercent_tolerance = 2\n".encode())
    loaded = load_config(tmp_path)
    assert loaded.errors == [] and loaded.config.percent_tolerance == 2.0


# --- editor settings and precedence ------------------------------------------------------------


def test_editor_camel_case_keys(tmp_path: Path) -> None:
    settings = {
        "percentTolerance": 4,
        "debounceMs": 0,
        "lintOn": "save",
        "extraVagueWords": ["robust"],
        "requiredSections": {"deliverable": ["Owner"]},
        "rules": {"vague-criterion": "off"},
        "requestTimeBudgetMs": 10,
    }
    loaded = load_config(tmp_path, settings)
    assert loaded.errors == []
    config = loaded.config
    assert config.percent_tolerance == 4.0 and config.debounce_ms == 0
    assert config.lint_on == "save" and config.extra_vague_words == ["robust"]
    assert config.required_sections.deliverable == ["Owner"]
    assert config.rules == {"vague-criterion": "off"}
    assert loaded.origins["percent_tolerance"] == EDITOR_SETTINGS


def test_editor_snake_case_keys_are_tolerated(tmp_path: Path) -> None:
    loaded = load_config(tmp_path, {"debounce_ms": 5})
    assert loaded.errors == [] and loaded.config.debounce_ms == 5


def test_editor_section_wrapper_is_unwrapped(tmp_path: Path) -> None:
    loaded = load_config(tmp_path, {"milestoneLsp": {"debounceMs": 5}})
    assert loaded.errors == [] and loaded.config.debounce_ms == 5


def test_editor_null_means_unset(tmp_path: Path) -> None:
    loaded = load_config(tmp_path, {"debounceMs": None, "lintOn": "save"})
    assert loaded.errors == [] and loaded.config.debounce_ms == 150


def test_editor_errors_name_editor_settings_and_camel_case_key(tmp_path: Path) -> None:
    loaded = load_config(
        tmp_path,
        {"percentTolerance": "abc", "debounceMS": 1, "requiredSections": {"milestone": [1]}},
    )
    by_key = {e.key: e for e in loaded.errors}
    assert set(by_key) == {"percentTolerance", "debounceMS", "requiredSections.milestone"}
    assert all(e.file == EDITOR_SETTINGS for e in loaded.errors)
    assert str(by_key["percentTolerance"]) == (
        "editor settings: percentTolerance: must be a number from 0 to 100, got 'abc'"
    )
    assert "did you mean 'debounceMs'" in by_key["debounceMS"].problem
    assert loaded.config == Config()


@pytest.mark.parametrize("settings", [[1, 2], "debounceMs=3", 5])
def test_editor_settings_of_the_wrong_shape(tmp_path: Path, settings: Any) -> None:
    loaded = load_config(tmp_path, settings)
    [error] = loaded.errors
    assert (error.file, error.key) == (EDITOR_SETTINGS, "(settings)")
    assert loaded.config == Config()


def test_file_wins_over_editor_and_editor_fills_gaps(tmp_path: Path) -> None:
    write(tmp_path / TOML, 'percent_tolerance = 2\n[rules]\nMS101 = "error"\n')
    loaded = load_config(
        tmp_path,
        {"percentTolerance": 9, "debounceMs": 40, "rules": {"MS102": "off"}},
    )
    assert loaded.errors == []
    assert loaded.path == tmp_path / TOML
    config = loaded.config
    assert config.percent_tolerance == 2.0  # file wins
    assert config.debounce_ms == 40  # editor fills what the file leaves unset
    assert config.rules == {"MS101": "error"}  # a table is one key: the file's wins whole
    assert loaded.origins["percent_tolerance"] == str(tmp_path / TOML)
    assert loaded.origins["debounce_ms"] == EDITOR_SETTINGS


def test_invalid_file_value_lets_editor_value_through(tmp_path: Path) -> None:
    write(tmp_path / TOML, 'percent_tolerance = "abc"\n')
    loaded = load_config(tmp_path, {"percentTolerance": 3})
    assert keys(loaded) == ["percent_tolerance"]
    assert loaded.errors[0].file == str(tmp_path / TOML)
    assert loaded.config.percent_tolerance == 3.0


def test_errors_from_file_and_editor_are_both_reported(tmp_path: Path) -> None:
    write(tmp_path / TOML, "nope = 1\n")
    loaded = load_config(tmp_path, {"alsoNope": 1})
    assert [(e.file, e.key) for e in loaded.errors] == [
        (str(tmp_path / TOML), "nope"),
        (EDITOR_SETTINGS, "alsoNope"),
    ]


def test_merge_is_per_top_level_key() -> None:
    file_values = {"percent_tolerance": 2.0, "rules": {"MS101": "off"}}
    editor_values = {"percent_tolerance": 5.0, "debounce_ms": 0, "rules": {"MS102": "off"}}
    assert merge(file_values, editor_values) == {
        "percent_tolerance": 2.0,
        "debounce_ms": 0,
        "rules": {"MS101": "off"},
    }
    assert merge({}, {}) == {}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
setting_keys = st.sampled_from(
    [*setting_names(), "percentTolerance", "requiredSections", "lintOn", "bogus"]
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(setting_keys, json_values, max_size=5))
def test_load_config_never_raises_on_any_editor_settings(settings_: dict[str, Any]) -> None:
    loaded = parse_config_text("", TOML)
    assert loaded.errors == []
    loaded = load_config(Path("/nonexistent-milestone-lsp-test/x.md"), settings_)
    assert isinstance(loaded.config, Config)
    for error in loaded.errors:
        assert "\n" not in str(error)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_parse_config_text_never_raises_on_any_text(text: str) -> None:
    loaded = parse_config_text(text, TOML)
    assert isinstance(loaded.config, Config)


# --- rule keys against the registry ------------------------------------------------------------


def test_unknown_rule_keys_and_errors() -> None:
    loaded = parse('[rules]\nMS101 = "off"\nMS199 = "off"\nvague-critrion = "off"\n')
    codes, names = {"MS101", "MS102"}, {"vague-criterion", "stale-percent"}
    assert unknown_rule_keys(loaded.config, codes, names) == ["MS199", "vague-critrion"]
    errors = unknown_rule_errors(loaded, codes, names)
    assert [(e.file, e.key) for e in errors] == [
        (TOML, "rules.MS199"),
        (TOML, "rules.vague-critrion"),
    ]
    assert "did you mean 'vague-criterion'" in errors[1].problem


# --- globs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "patterns", "expected"),
    [
        ("node_modules/pkg/README.md", ["node_modules"], True),
        ("a/b/node_modules/x.md", ["node_modules"], True),
        ("docs/STATUS.md", ["STATUS.md"], True),
        ("docs/plan.draft.md", ["*.draft.md"], True),
        ("docs/plan.md", ["*.draft.md"], False),
        ("planning/archive/m1.md", ["planning/archive"], True),
        ("other/planning/archive/m1.md", ["planning/archive"], False),
        ("planning/q1/m1.md", ["planning/**/*.md"], True),
        ("planning/m1.md", ["planning/**/*.md"], True),
        ("planning/m1.txt", ["planning/**/*.md"], False),
        ("planning/m1.md", ["/planning/*.md"], True),
        ("./planning/m1.md", ["planning/*.md"], True),
        ("planning\\m1.md", ["planning/*.md"], True),
        ("m1.md", ["m[0-9].md"], True),
        ("ma.md", ["m[!0-9].md"], True),
        ("x.md", [], False),
        ("x.md", [""], False),
    ],
)
def test_path_matches(path: str, patterns: list[str], expected: bool) -> None:
    assert path_matches(path, patterns) is expected


def test_is_excluded_and_is_included() -> None:
    config = Config()
    assert config.is_excluded(".venv/lib/x.md") and not config.is_excluded("docs/x.md")
    assert config.is_included("docs/x.md") is None
    config = Config.model_validate({"include": ["planning/**"], "extend_exclude": ["archive"]})
    assert config.is_included("planning/m.md") is True
    assert config.is_included("docs/m.md") is False
    assert config.is_excluded("planning/archive/m.md")
    assert config.is_excluded("node_modules/m.md")  # defaults kept by extend_exclude
    replaced = Config.model_validate({"exclude": ["archive"]})
    assert not replaced.is_excluded("node_modules/m.md")


# --- schema and docs ---------------------------------------------------------------------------


def test_committed_schema_and_key_reference_are_current() -> None:
    stale = _schema.stale_files()
    assert not stale, f"stale: {[str(p) for p in stale]}; regenerate with `{_schema.REGENERATE}`"


def test_committed_schema_is_the_model_schema() -> None:
    committed = json.loads(_schema.SCHEMA_PATH.read_text(encoding="utf-8"))
    assert committed == config_file_schema()
    assert committed["additionalProperties"] is False
    assert set(committed["properties"]) == set(setting_names())


def test_editor_schema_uses_camel_case() -> None:
    props = editor_settings_schema()["properties"]
    assert "percentTolerance" in props and "percent_tolerance" not in props


def test_configuration_doc_mentions_every_key() -> None:
    text = _schema.CONFIGURATION_PATH.read_text(encoding="utf-8")
    for name in setting_names():
        assert f"`{name}`" in text, name


def test_importing_config_pulls_in_no_protocol_libraries() -> None:
    code = (
        "import sys, milestone_lsp.settings.config, milestone_lsp.core.suppression\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_editor_spelling_is_pydantics_camel_case() -> None:
    from pydantic.alias_generators import to_camel as pydantic_to_camel

    for name in [*setting_names(), *setting_names(RequiredSections)]:
        assert to_camel(name) == pydantic_to_camel(name), name


def test_defaults_and_an_empty_config_file_do_not_import_pydantic(tmp_path: Path) -> None:
    (tmp_path / TOML).write_text("# nothing set\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from milestone_lsp.settings.config import Config, load_config\n"
        f"loaded = load_config(Path({str(tmp_path)!r}))\n"
        "assert loaded.errors == [] and loaded.config == Config(), loaded\n"
        "assert loaded.path is not None and loaded.path.name == '.milestone-lsp.toml'\n"
        "assert 'pydantic' not in sys.modules\n"
        "loaded = load_config(Path(sys.argv[1]), {'debounceMs': -1})\n"
        "assert [e.key for e in loaded.errors] == ['debounceMs'], loaded.errors\n"
        "assert 'pydantic' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)


def test_settings_are_immutable_and_copied_with_updates() -> None:
    config = Config()
    with pytest.raises(AttributeError):
        config.debounce_ms = 0  # type: ignore[misc]
    changed = config.model_copy(update={"debounce_ms": 0})
    assert changed.debounce_ms == 0 and config.debounce_ms == 150
    assert Config.model_validate(config.model_dump(mode="json", by_alias=True)) == config
