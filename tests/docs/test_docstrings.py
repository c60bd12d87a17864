"""Every public function and class of the API documents its parameters and its return value.

"Public" is what the API reference pages show: the names that ``bayesrep_plugin``,
``bayesrep_plugin.core``, ``bayesrep_plugin.assemblies`` and ``bayesrep_plugin.models`` export in
``__all__``, and the functions and classes defined (not imported) in the Brain-Score metric and
benchmark modules and in the dataset loaders; for a class, also its public methods and ``__call__``. Docstrings are
read as mkdocstrings reads them (griffe, numpy style), without importing the code.
"""

from __future__ import annotations

from pathlib import Path

import griffe
import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Modules whose ``__all__`` is the API.
EXPORTING = ("bayesrep_plugin", "bayesrep_plugin.core", "bayesrep_plugin.assemblies", "bayesrep_plugin.models")
#: Modules whose own public functions and classes are the API.
DEFINING = ("bayesrep_plugin.brainscore.metrics", "bayesrep_plugin.brainscore.encoding",
            "bayesrep_plugin.brainscore.benchmarks", "bayesrep_plugin.datasets.cowley2026",
            "bayesrep_plugin.datasets.kriegeskorte2008", "bayesrep_plugin.datasets.location")


def load_package() -> griffe.Module:
    return griffe.load("bayesrep_plugin", search_paths=[str(ROOT)], docstring_parser="numpy",
                       resolve_aliases=True)


def is_public(name: str) -> bool:
    return not name.startswith("_") or name == "__call__"


def public_objects(package: griffe.Module) -> dict[str, griffe.Object]:
    """Path → function or class, for everything the API reference shows."""
    found: dict[str, griffe.Object] = {}
    for path in EXPORTING:
        module = package[path.removeprefix("bayesrep_plugin").lstrip(".")] if path != "bayesrep_plugin" else package
        for name in module.exports:
            target = module[name].final_target if module[name].is_alias else module[name]
            if target.is_function or target.is_class:
                found[target.path] = target
    for path in DEFINING:
        for name, member in package[path.removeprefix("bayesrep_plugin.")].members.items():
            if is_public(name) and not member.is_alias and (member.is_function or member.is_class):
                found[member.path] = member
    for cls in [obj for obj in found.values() if obj.is_class]:
        for name, member in cls.members.items():
            if is_public(name) and not member.is_alias and member.is_function and "property" not in member.labels:
                found[member.path] = member
    return found


def import_paths(package: griffe.Module) -> dict[str, set[str]]:
    """Definition path → the paths a user imports it by: ``bayesrep_plugin.distance`` and
    ``bayesrep_plugin.core.distance`` for ``bayesrep_plugin.core.compare.distance``; a class's
    methods under each of its paths; an object of a defining module also where it is defined."""
    paths: dict[str, set[str]] = {}
    for path in EXPORTING:
        module = package[path.removeprefix("bayesrep_plugin").lstrip(".")] if path != "bayesrep_plugin" else package
        for name in module.exports:
            target = module[name].final_target if module[name].is_alias else module[name]
            paths.setdefault(target.path, set()).add(f"{path}.{name}")
    for path, obj in public_objects(package).items():
        if obj.parent.path in DEFINING:                       # its module's own members are the API
            paths.setdefault(path, set()).add(path)
        elif path not in paths and obj.parent.path in paths:  # a method: under each path of its class
            paths[path] = {f"{way}.{obj.name}" for way in paths[obj.parent.path]}
    return paths


def constructor(cls: griffe.Class) -> griffe.Function | None:
    function = cls.members.get("__init__") or cls.members.get("__new__")
    return function if function is not None and not function.is_alias and function.is_function else None


def signature_parameters(obj: griffe.Object) -> list[str]:
    """The names a caller passes: a function's parameters, a class's constructor's."""
    function = constructor(obj) if obj.is_class else obj
    return [] if function is None else [p.name for p in function.parameters if p.name not in ("self", "cls")]


def sections(obj: griffe.Object) -> list:
    """The parsed docstring; a class's parameters may be documented on ``__new__`` (griffe checks a
    class docstring's parameters against ``__init__`` only)."""
    own = obj.docstring.parse("numpy") if obj.docstring else []
    new = obj.members.get("__new__") if obj.is_class else None
    return own + (new.docstring.parse("numpy") if new is not None and new.docstring else [])


def returns_value(obj: griffe.Object) -> bool:
    """A function returns a value unless annotated ``-> None`` (an unannotated one is assumed to)."""
    return obj.is_function and obj.name != "__init__" and str(obj.returns) != "None"


def missing_sections(obj: griffe.Object) -> list[str]:
    """What the docstring of ``obj`` lacks: 'Parameters', a parameter's name, 'Returns'."""
    parsed = sections(obj)
    kinds = {section.kind for section in parsed}
    documented = {item.name.lstrip("*") for section in parsed
                  if section.kind is griffe.DocstringSectionKind.parameters for item in section.value}
    missing = []
    parameters = signature_parameters(obj)
    if parameters and griffe.DocstringSectionKind.parameters not in kinds:
        missing.append("Parameters")
    elif parameters:
        missing += [f"parameter {name!r}" for name in parameters if name not in documented]
    if returns_value(obj) and not kinds & {griffe.DocstringSectionKind.returns, griffe.DocstringSectionKind.yields}:
        missing.append("Returns")
    return missing


@pytest.fixture(scope="module")
def package() -> griffe.Module:
    return load_package()


def test_every_public_object_documents_parameters_and_returns(package):
    objects = public_objects(package)
    assert {"bayesrep_plugin.core.compare.distance", "bayesrep_plugin.core.prior.Representation",
            "bayesrep_plugin.core.prior.Representation.from_activations",
            "bayesrep_plugin.brainscore.metrics.BayesianReadoutSimilarity.__call__",
            "bayesrep_plugin.datasets.cowley2026.load_assembly"} <= set(objects)
    problems = {path: missing for path, obj in objects.items() if (missing := missing_sections(obj))}
    assert not problems, "\n".join(f"{path}: no {', '.join(missing)}" for path, missing in sorted(problems.items()))


def test_a_stripped_docstring_is_caught(package):
    distance = package["core.compare.distance"]
    assert missing_sections(distance) == []
    original = distance.docstring
    try:
        distance.docstring = griffe.Docstring("The distance.\n\nReturns\n-------\nEstimate\n    It.", parent=distance)
        assert missing_sections(distance) == ["Parameters"]
        distance.docstring = griffe.Docstring("The distance.\n\nParameters\n----------\nX1 : array_like\n    One.",
                                              parent=distance)
        missing = missing_sections(distance)
        assert "Returns" in missing and "parameter 'X2'" in missing
        distance.docstring = None
        assert missing_sections(distance)[0] == "Parameters" and "Returns" in missing_sections(distance)
    finally:
        distance.docstring = original
