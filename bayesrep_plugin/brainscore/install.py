"""Put our plugin folders into the installed Brain-Score packages, take them out, or export them.

``brainscore_vision.load_metric`` only looks inside the installed ``brainscore_vision/metrics/``
(likewise brainscore_language), so using our metrics through ``load_metric`` means placing the
folder ``metrics/bayesrep/`` there; likewise ``load_benchmark`` and our re-scored benchmarks in
``brainscore_vision/benchmarks/bayesrep/``. :func:`install` does both idempotently for every
framework that is installed; :func:`export` writes the folders as they would be submitted upstream. The
CLI (``bayesrep brainscore install|uninstall|export DIR``) calls these functions.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from bayesrep_plugin._io import check_writable
from bayesrep_plugin.errors import BayesrepError

from . import upstream
from .registry import BENCHMARK_FRAMEWORK, PLUGIN_NAME, benchmark_plugin_source, load_registry, plugin_source

#: A plugin folder is ours when its __init__.py imports from this package (the metrics' factory is in
#: .registry, the benchmarks' in .benchmarks).
_SIGNATURE = "from bayesrep_plugin.brainscore."
_COPY_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


class InstallError(BayesrepError, ValueError):
    """The plugin cannot be installed as asked (foreign folder in the way, or an id collision)."""


def metrics_dir(framework: str) -> Path | None:
    """``<framework>/metrics`` of the installed package, or None when it is not installed.

    Found without importing the framework (importing brainscore_vision takes seconds).
    """
    spec = importlib.util.find_spec(framework)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "metrics"


def _is_ours(folder: Path) -> bool:
    init = folder / "__init__.py"
    return init.is_file() and _SIGNATURE in init.read_text(encoding="utf-8")


def benchmarks_dir(framework: str) -> Path | None:
    """``<framework>/benchmarks`` beside :func:`metrics_dir`, when that framework has one."""
    metrics = metrics_dir(framework)
    return metrics.parent / "benchmarks" if metrics is not None and (metrics.parent / "benchmarks").is_dir() else None


def _check_collisions(plugins: Path, ids, registry_name: str) -> None:
    """No other plugin folder in ``plugins`` may register one of our ids (Brain-Score needs exactly one)."""
    for init in sorted(plugins.glob("*/__init__.py")):
        if init.parent.name == PLUGIN_NAME:
            continue
        text = init.read_text(encoding="utf-8", errors="replace").replace('"', "'")
        clashes = [i for i in ids if f"{registry_name}['{i}']" in text]
        if clashes:
            raise InstallError(f"{init.parent} already registers {clashes}; Brain-Score would find two "
                               "registrations. Remove that folder or rename our identifiers in registry.yaml")


def _frameworks(frameworks) -> tuple[str, ...]:
    known = load_registry().frameworks
    chosen = tuple(frameworks) if frameworks is not None else known
    unknown = [f for f in chosen if f not in known]
    if unknown:
        raise ValueError(f"unknown framework(s) {unknown}; known: {list(known)}")
    return chosen


def _check_writable(parent: Path) -> None:
    """Refuse, before anything is written, a ``metrics/`` (or ``benchmarks/``) folder that cannot be written."""
    try:
        check_writable(parent)
    except OSError as error:
        raise InstallError(f"{parent}: cannot write in the installed package's folder ({error.strerror}); install "
                           "into an environment you can write to (e.g. a virtual environment)") from None


def _remove_ours(target: Path) -> bool:
    """Remove ``target`` if it is our folder (an error if it is someone else's); True if removed."""
    if not target.exists():
        return False
    if not _is_ours(target):
        raise InstallError(f"{target} is not a bayesrep-plugin folder; not removing it")
    _check_writable(target.parent)
    shutil.rmtree(target)
    return True


def install(frameworks=None) -> list[Path]:
    """Copy our plugin folder into ``<framework>/metrics/bayesrep`` of each installed framework, and
    the re-scored benchmarks (registry.yaml ``benchmarks:``) into ``brainscore_vision/benchmarks/bayesrep``.

    Idempotent: an earlier copy of ours is replaced. Frameworks that are not installed are
    skipped (``frameworks=None`` means all we support; naming one that is not installed is an
    error). Raises :class:`InstallError` if a folder of that name that is not ours is in the way,
    if another plugin registers one of our identifiers, or if the package's folder cannot be
    written (all checked before anything is written). No requirements.txt is copied: this
    package is already installed, and Brain-Score would otherwise pip-install it again on every
    ``load_metric`` unless ``BS_INSTALL_DEPENDENCIES=no``. Returns the folders written (the
    metrics folder, then the benchmarks folder where there is one).
    """
    installed = []
    for framework in _frameworks(frameworks):
        metrics = metrics_dir(framework)
        if metrics is None:
            if frameworks is not None:
                raise InstallError(f"{framework} is not installed in this environment")
            continue
        registry = load_registry()
        folders = [(plugin_source(framework), metrics, registry.entries, "metric_registry")]
        benchmarks = benchmarks_dir(framework) if framework == BENCHMARK_FRAMEWORK else None
        if benchmarks is not None and registry.benchmarks:
            folders.append((benchmark_plugin_source(), benchmarks, registry.benchmarks, "benchmark_registry"))
        for _, parent, ids, registry_name in folders:   # check all before writing any
            if (parent / PLUGIN_NAME).exists() and not _is_ours(parent / PLUGIN_NAME):
                raise InstallError(f"{parent / PLUGIN_NAME} exists and is not a bayesrep-plugin folder; "
                                   "not overwriting it")
            _check_collisions(parent, ids, registry_name)
            _check_writable(parent)
        for source, parent, _, _ in folders:
            shutil.rmtree(parent / PLUGIN_NAME, ignore_errors=True)
            shutil.copytree(source, parent / PLUGIN_NAME, ignore=_COPY_IGNORE)
            installed.append(parent / PLUGIN_NAME)
    return installed


def uninstall(frameworks=None) -> list[Path]:
    """Remove our plugin folders (metrics, benchmarks) from each installed framework (only ours);
    returns those removed."""
    removed = []
    for framework in _frameworks(frameworks):
        folders = [metrics_dir(framework), benchmarks_dir(framework)]
        for target in [folder / PLUGIN_NAME for folder in folders if folder is not None]:
            if _remove_ours(target):
                removed.append(target)
    return removed


def export(directory) -> list[Path]:
    """Write the folders submitted upstream: ``DIR/<framework>/metrics/bayesrep/`` for every framework
    and ``DIR/brainscore_vision/benchmarks/bayesrep/``, in Brain-Score's plugin layout
    (:mod:`bayesrep_plugin.brainscore.upstream`; their requirements.txt pins this package's release).
    Overwrites an earlier export of ours; returns the folders written.
    """
    try:
        return upstream.write(Path(directory))
    except FileExistsError as error:
        raise InstallError(str(error)) from None
