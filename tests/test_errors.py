"""The package's exceptions: one base, found by walking every module, so a new class that forgets it fails."""

import importlib
import inspect
import pkgutil

import pytest

import bayesrep_plugin
from bayesrep_plugin import BayesrepError

#: Plugin folders for a framework that may not be installed here (their import needs it).
OPTIONAL = ("bayesrep_plugin.brainscore.plugins.language",)


def package_modules() -> list:
    modules, skipped = [], []
    for info in pkgutil.walk_packages(bayesrep_plugin.__path__, "bayesrep_plugin.", onerror=skipped.append):
        if info.name.endswith((".test", ".__main__")):  # Brain-Score CI's plugin tests; `python -m` scripts
            continue
        try:
            modules.append(importlib.import_module(info.name))
        except ImportError:
            skipped.append(info.name)
    assert all(name.startswith(OPTIONAL) for name in skipped), f"modules that could not be imported: {skipped}"
    return modules


def package_exceptions() -> list[type]:
    return sorted({cls for module in package_modules() for _, cls in inspect.getmembers(module, inspect.isclass)
                   if issubclass(cls, Exception) and not issubclass(cls, Warning)
                   and cls.__module__.startswith("bayesrep_plugin.")}, key=lambda cls: cls.__qualname__)


def test_the_walk_finds_the_package_exceptions():
    names = {cls.__name__ for cls in package_exceptions()}
    assert {"AssemblyError", "InputError", "MissingDataError", "ModelFileError", "SourceBenchmarkError"} <= names


@pytest.mark.parametrize("cls", package_exceptions(), ids=lambda cls: cls.__name__)
def test_every_package_exception_derives_from_the_base_and_keeps_a_builtin_kind(cls):
    assert issubclass(cls, BayesrepError), f"{cls.__module__}.{cls.__name__} does not derive from BayesrepError"
    if cls is not BayesrepError:  # `except ValueError` (or FileNotFoundError, ...) still catches it
        builtin = [base for base in cls.__mro__
                   if base.__module__ == "builtins" and base not in (Exception, BaseException, object)]
        assert builtin, f"{cls.__name__} has no builtin kind besides Exception"
