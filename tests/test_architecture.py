"""The package's import graph: layers that only import downwards, and no circle (docs/architecture.md).

Every import counts, function-local ones included (an import moved into a function to dodge a circle
is still a circle). ``from . import sub`` of a submodule counts as an import of that submodule, not
of its package.
"""

from __future__ import annotations

import ast
import importlib.util
from collections import defaultdict
from pathlib import Path


PACKAGE = Path(importlib.util.find_spec("bayesrep_plugin").origin).parent

#: Each room and the rooms it may import, lowest first (docs/architecture.md draws the same).
LAYERS = [
    {"errors", "_runtime"},
    {"_io"},
    {"core"},
    {"assemblies", "datasets", "data"},
    {"brainscore", "models", "reports"},
    {"studies"},
    {"cli"},
]
#: Rooms of one layer that may import each other (the models read a dataset's images).
SIDEWAYS = {("models", "datasets")}


def modules() -> dict[str, Path]:
    found = {}
    for file in PACKAGE.rglob("*.py"):
        parts = list(file.relative_to(PACKAGE.parent).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = file
    return found


def imports() -> dict[str, set[str]]:
    """module -> the package's modules it imports (anywhere in its source)."""
    known = modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, file in known.items():
        package = name.split(".") if file.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(file.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(package[:len(package) - node.level + 1] if node.level else [])
                origin = ".".join(filter(None, [base, node.module]))
                targets = [f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in known else origin
                           for alias in node.names]
            else:
                continue
            for target in targets:
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if target.startswith("bayesrep_plugin") and target != name:
                    graph[name].add(target)
    return graph


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "(root)"


def layer(name: str) -> int:
    return next(i for i, rooms in enumerate(LAYERS) if name in rooms)


def test_every_room_has_a_layer():
    rooms = {room(module) for module in modules()} - {"(root)"}
    assert rooms == set().union(*LAYERS), "a new folder or top-level module needs its place in LAYERS"


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{source} -> {target}" for source, targets in graph.items() for target in targets
                  if room(source) not in ("(root)", room(target)) and room(target) != "(root)"
                  and (room(source), room(target)) not in SIDEWAYS and layer(room(target)) >= layer(room(source)))


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    # a submodule reaching its own package's __init__ (``from . import x``) is not a circle
    edges = {source: {t for t in targets if not source.startswith(t + ".")} for source, targets in graph.items()}
    state: dict[str, int] = {}
    found = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            if state.get(target) == 1:
                found.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    return found


def test_rooms_import_only_downwards():
    assert not upward_imports(imports()), "imports that run up or sideways"


def test_no_import_circle():
    assert not circles(imports())


def test_the_checks_see_an_upward_import_and_a_circle():
    graph = imports()
    graph["bayesrep_plugin.core.compare"].add("bayesrep_plugin.reports.pairs")
    assert upward_imports(graph) == ["bayesrep_plugin.core.compare -> bayesrep_plugin.reports.pairs"]
    assert "bayesrep_plugin.core.kernels" in graph["bayesrep_plugin.core.compare"]
    graph["bayesrep_plugin.core.kernels"].add("bayesrep_plugin.core.compare")   # and back: a circle
    assert any({"bayesrep_plugin.core.compare", "bayesrep_plugin.core.kernels"} <= set(c) for c in circles(graph))
