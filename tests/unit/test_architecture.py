"""The architecture invariants of docs/ARCHITECTURE.md that a lint cannot see.

ruff's banned-api setting keeps pygls and lsprotocol out of everything but ``milestone_lsp/lsp/``
(and the command line out of the server); this test reads every module's imports with ``ast``
— at the top and inside functions, type-only imports (``if TYPE_CHECKING:``) excepted — and
fails on

* an import against the layer order ``core ← settings ← rules ← project ← {lsp, cli}``;
* an import circle between modules of the package, however long.

The places that import by name at run time count as imports too: the command line's dispatch
table (``cli/main.py``, ``COMMANDS``) and each shell's deferred modules (``lsp/deferred.py``,
``cli/deferred.py``: ``_MODULES``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from milestone_lsp.core.graphs import strongly_connected

PACKAGE = Path(__file__).resolve().parents[2] / "milestone_lsp"

# Lower number = lower layer. A module may import its own layer (no circles) and the ones below.
LAYERS = {"core": 0, "settings": 1, "rules": 2, "project": 3, "lsp": 4, "cli": 4}
# The one import from one shell into the other: `milestone-lsp serve` starts the server.
SHELL_BRIDGES = {("milestone_lsp.cli.serve", "milestone_lsp.lsp.server")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node except the bodies of ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _resolve(name: str) -> str | None:
    """The package module ``name`` refers to (its longest importable prefix)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _string_table(tree: ast.Module, variable: str) -> list[str]:
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == variable and node.value is not None:
            return [str(v) for v in _leaves(ast.literal_eval(node.value))]
    raise AssertionError(f"{variable} not found")


def _leaves(value: object) -> Iterator[object]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, tuple | list):
        yield from _leaves(value[0])  # (module, function): the module
    else:
        yield value


def imports_of(name: str) -> set[str]:
    """The package modules ``name`` imports at run time."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if (target := _resolve(alias.name)) is not None:
                    found.add(target)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                target = _resolve(f"{base}.{alias.name}") or _resolve(base)
                if target is not None:
                    found.add(target)
    if name == "milestone_lsp.cli.main":
        found |= {f"milestone_lsp.cli.{m}" for m in _string_table(tree, "COMMANDS")}
    if name in ("milestone_lsp.lsp.deferred", "milestone_lsp.cli.deferred"):
        found |= {m for m in _string_table(tree, "_MODULES") if m in MODULES}
    found.discard(name)
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def layer(name: str) -> int | None:
    parts = name.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_the_graph_is_read() -> None:
    assert "milestone_lsp.core.parser" in GRAPH["milestone_lsp.rules.engine"]
    assert "milestone_lsp.lsp.state" in GRAPH["milestone_lsp.lsp.hover"]
    # Run-time imports by name count.
    assert "milestone_lsp.cli.check" in GRAPH["milestone_lsp.cli.main"]
    assert "milestone_lsp.core.parser" in GRAPH["milestone_lsp.lsp.deferred"]
    assert all(layer(n) is not None for n in MODULES if n.count(".") >= 2)


def layer_violations(name: str, targets: set[str]) -> list[str]:
    """The imports of ``name`` that point up the layers (or from one shell into the other)."""
    own = layer(name)
    wrong = []
    for target in sorted(targets):
        theirs = layer(target)
        if own is None or theirs is None or (name, target) in SHELL_BRIDGES:
            continue
        same_package = name.split(".")[1] == target.split(".")[1]
        if theirs > own or (theirs == own and not same_package):
            wrong.append(target)
    return wrong


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_follow_the_layers(name: str) -> None:
    wrong = layer_violations(name, GRAPH[name])
    assert not wrong, f"{name} imports {wrong} against core ← settings ← rules ← project ← shells"


def test_the_layer_check_sees_violations() -> None:
    assert layer_violations("milestone_lsp.core.model", {"milestone_lsp.rules.engine"})
    assert layer_violations("milestone_lsp.rules.engine", {"milestone_lsp.project.checking"})
    assert layer_violations("milestone_lsp.lsp.hover", {"milestone_lsp.cli.check"})
    assert layer_violations("milestone_lsp.cli.check", {"milestone_lsp.lsp.state"})
    assert not layer_violations("milestone_lsp.cli.serve", {"milestone_lsp.lsp.server"})
    assert not layer_violations("milestone_lsp.rules.engine", {"milestone_lsp.core.parser"})


def test_the_top_level_modules_stay_small() -> None:
    # milestone_lsp/__init__.py carries the version only; __main__ calls the command line.
    assert GRAPH["milestone_lsp"] == set()
    assert GRAPH["milestone_lsp.__main__"] == {"milestone_lsp.cli.main"}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module."""
    ordered = {name: sorted(graph[name]) for name in sorted(graph)}
    return [sorted(c) for c in strongly_connected(ordered) if len(c) > 1]


def test_no_import_circles() -> None:
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
