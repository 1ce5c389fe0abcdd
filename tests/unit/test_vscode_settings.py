"""The VS Code extension declares exactly the server's settings, and every rule by code and name
(editors/vscode/scripts/sync_settings.py generates them; this test keeps package.json current)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import jsonschema
import pytest

import milestone_lsp.rules.catalogue as catalogue
import milestone_lsp.settings.config as config

REPO = Path(__file__).resolve().parents[2]
PACKAGE_JSON = REPO / "editors" / "vscode" / "package.json"
SCRIPT = REPO / "editors" / "vscode" / "scripts" / "sync_settings.py"


@pytest.fixture(scope="module")
def sync() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sync_settings", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_package_json_is_generated_from_the_config_and_the_registry(sync: ModuleType) -> None:
    text = PACKAGE_JSON.read_text(encoding="utf-8")
    wanted = sync.render(json.loads(text), config, catalogue)
    assert text == wanted, "run: python3 editors/vscode/scripts/sync_settings.py"


def test_the_rules_setting_lists_every_rule_and_rejects_unknown_codes() -> None:
    properties = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))["contributes"][
        "configuration"
    ]["properties"]
    schema = properties["milestoneLsp.rules"]
    rules = catalogue.all_rules()
    assert set(schema["properties"]) == {r.code for r in rules} | {r.name for r in rules}
    for r in rules:
        assert r.summary in schema["properties"][r.code]["markdownDescription"]
    jsonschema.validate({"MS101": "error", "vague-criterion": "off"}, schema)
    for bad in ({"MS10": "error"}, {"MS101": "loud"}, {"vague-criteria": "off"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
