"""Generate the server's ``milestoneLsp.*`` settings in package.json from milestone_lsp's Config.

The server has one settings model (``milestone_lsp.settings.config.Config``); VS Code must
declare the same keys, types, defaults and descriptions. Writing them by hand would drift, so
this script derives every server key of ``contributes.configuration.properties`` from the
model's camelCase JSON schema and leaves the client-only keys (interpreter, importStrategy,
trace.server) as written. ``milestoneLsp.rules`` lists every rule of the registry by code and
by name, each with its summary, so that the settings editor completes them and flags a code
that no rule has (``tests/unit/test_vscode_settings.py`` keeps package.json current).

Usage:
    python3 scripts/sync_settings.py          rewrite package.json
    python3 scripts/sync_settings.py --check  exit 1 (with a diff) when package.json is stale

It imports milestone_lsp from the repository and its dependencies from bundled/libs (run
scripts/bundle_server.py first), so no particular virtualenv is needed.
"""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import Any

EXTENSION = Path(__file__).resolve().parent.parent
REPO = EXTENSION.parent.parent
PACKAGE_JSON = EXTENSION / "package.json"
SECTION = "milestoneLsp"
CLIENT_ONLY = ("interpreter", "importStrategy", "trace.server")

# Schema keywords VS Code's settings editor understands; titles and examples are pydantic noise.
KEPT_KEYWORDS = (
    "type",
    "enum",
    "items",
    "properties",
    "additionalProperties",
    "patternProperties",
    "minimum",
    "maximum",
    "minLength",
    "minItems",
    "uniqueItems",
)


def import_config() -> Any:
    """milestone_lsp.settings.config, importable with the bundled dependencies."""
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    libs = EXTENSION / "bundled" / "libs"
    if not (libs / tag).is_dir():
        raise SystemExit(
            f"{libs / tag} is missing: run scripts/bundle_server.py with this Python first"
        )
    sys.path[0:0] = [str(REPO), str(libs / tag), str(libs / "common")]
    import milestone_lsp.settings.config as config

    return config


def resolve(fragment: Any, defs: dict[str, Any]) -> Any:
    """Inline $ref and keep only the keywords the settings editor uses."""
    if isinstance(fragment, list):
        return [resolve(item, defs) for item in fragment]
    if not isinstance(fragment, dict):
        return fragment
    if "$ref" in fragment:
        target = defs[fragment["$ref"].rsplit("/", 1)[-1]]
        merged = {**target, **{k: v for k, v in fragment.items() if k != "$ref"}}
        return resolve(merged, defs)
    out: dict[str, Any] = {}
    for key in KEPT_KEYWORDS:
        if key not in fragment:
            continue
        value = fragment[key]
        if key in ("properties", "patternProperties"):
            out[key] = {name: resolve(sub, defs) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = resolve(value, defs)
        else:
            out[key] = value
    return out


def import_catalogue() -> Any:
    """milestone_lsp.rules.catalogue (after :func:`import_config` set up the path)."""
    import milestone_lsp.rules.catalogue as catalogue

    return catalogue


def rule_properties(catalogue: Any, severities: list[str]) -> dict[str, Any]:
    """One entry per rule code and per rule name, each described by the rule's summary."""
    entries: dict[str, Any] = {}
    for r in catalogue.all_rules():
        summary = f"{r.summary} Default: {r.severity.value}."
        entries[r.code] = {
            "type": "string",
            "enum": severities,
            "markdownDescription": f"**{r.code}** `{r.name}`: {summary}",
        }
    for r in catalogue.all_rules():
        entries[r.name] = {
            "type": "string",
            "enum": severities,
            "markdownDescription": f"`{r.name}` (**{r.code}**): {r.summary}",
        }
    return entries


def server_properties(config: Any, catalogue: Any | None = None) -> dict[str, Any]:
    """``milestoneLsp.<key>`` declarations for every key of the server's Config."""
    schema = config.editor_settings_schema()
    defs = schema.get("$defs", {})
    defaults = config.Config().model_dump(mode="json", by_alias=True)
    properties: dict[str, Any] = {}
    for key, fragment in schema["properties"].items():
        declaration = {"scope": "resource", **resolve(fragment, defs)}
        declaration["default"] = defaults[key]
        description = fragment.get("description") or defs.get(
            fragment.get("$ref", "").rsplit("/", 1)[-1], {}
        ).get("description", "")
        # Plain description: the model's text is not markdown ("<docs_url><code>.md").
        declaration["description"] = (
            f"{description} A value set in the project's .milestone-lsp.toml (or the "
            "[tool.milestone-lsp] table of pyproject.toml) takes precedence."
        )
        if key == "rules" and catalogue is not None:
            severities = next(iter(declaration.pop("patternProperties").values()))["enum"]
            declaration["properties"] = rule_properties(catalogue, severities)
            declaration["additionalProperties"] = False
        properties[f"{SECTION}.{key}"] = declaration
    return properties


def render(package: dict[str, Any], config: Any, catalogue: Any | None = None) -> str:
    """package.json's text with the server settings regenerated."""
    current = package["contributes"]["configuration"]["properties"]
    client = {
        f"{SECTION}.{key}": current[f"{SECTION}.{key}"]
        for key in CLIENT_ONLY
        if f"{SECTION}.{key}" in current
    }
    properties = {**client, **server_properties(config, catalogue)}
    # trace.server reads best last in the settings editor.
    trace = properties.pop(f"{SECTION}.trace.server", None)
    if trace is not None:
        properties[f"{SECTION}.trace.server"] = trace
    package["contributes"]["configuration"]["properties"] = properties
    return json.dumps(package, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    """Rewrite package.json, or with --check report whether it is current."""
    check = "--check" in sys.argv[1:]
    text = PACKAGE_JSON.read_text(encoding="utf-8")
    config = import_config()
    wanted = render(json.loads(text), config, import_catalogue())
    if wanted == text:
        print("package.json settings match milestone_lsp.settings.config")
        return 0
    if check:
        sys.stdout.writelines(
            difflib.unified_diff(
                text.splitlines(True), wanted.splitlines(True), "package.json", "generated"
            )
        )
        print(
            "package.json settings are stale: run python3 editors/vscode/scripts/sync_settings.py"
        )
        return 1
    PACKAGE_JSON.write_text(wanted, encoding="utf-8")
    print("package.json settings regenerated from milestone_lsp.settings.config")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
