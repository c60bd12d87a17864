"""registry.yaml: the identifiers we register with Brain-Score, and the plugin files rendered from it.

Brain-Score finds a metric by scanning ``<framework>/metrics/*/__init__.py`` as text for the
literal ``metric_registry['<id>']``, so each plugin folder's ``__init__.py`` has one literal line
per identifier. Those files are rendered from registry.yaml by :func:`render_plugin_init` and
shipped in ``plugins/<framework>/bayesrep/``; ``python -m bayesrep_plugin.brainscore.registry``
rewrites them after registry.yaml changes, and a test checks that they agree.

Benchmarks are found the same way (``benchmark_registry['<id>']`` in
``brainscore_vision/benchmarks/*/__init__.py``): the ``benchmarks:`` section of registry.yaml lists
Brain-Score benchmarks re-scored with our metrics, rendered by :func:`render_benchmark_plugin_init`
into ``plugins/vision/benchmarks/bayesrep/``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

REGISTRY_PATH = Path(__file__).with_name("registry.yaml")
PLUGINS_DIR = Path(__file__).with_name("plugins")
#: The folder name of our plugin inside ``<framework>/metrics/`` (and ``brainscore_vision/benchmarks/``).
PLUGIN_NAME = "bayesrep"
#: The framework whose benchmarks we re-score (brainscore_language's benchmarks are not neural ones).
BENCHMARK_FRAMEWORK = "brainscore_vision"
#: The class of our readout metrics (see :func:`readout_metrics`).
READOUT_CLASS = "BayesianReadoutSimilarity"


@dataclass(frozen=True)
class MetricEntry:
    """One registered identifier: the class it builds, its default arguments, and what it is."""

    id: str
    cls: str                      # "module:Class"
    description: str
    bibtex: str
    version: int                  # goes up whenever what the id computes changes (CHANGELOG.md)
    defaults: dict[str, Any] = field(default_factory=dict)
    unavailable_in: dict[str, str] = field(default_factory=dict)   # framework → why it refuses there
    defaults_in: dict[str, dict[str, Any]] = field(default_factory=dict)   # framework → defaults it overrides

    def defaults_for(self, framework: str | None) -> dict[str, Any]:
        """The keyword defaults in ``framework`` (its ``defaults_in`` over the common ``defaults``)."""
        return {**self.defaults, **self.defaults_in.get(framework, {})}

    def load_class(self) -> type:
        module, _, name = self.cls.partition(":")
        return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class BenchmarkEntry:
    """One re-scored benchmark: ``rescore(load_benchmark(source), metric)``, identified as ``id``."""

    id: str
    source: str
    metric: str


@dataclass(frozen=True)
class Registry:
    entries: dict[str, MetricEntry]
    frameworks: tuple[str, ...]
    bibtex: str
    benchmarks: dict[str, BenchmarkEntry] = field(default_factory=dict)


@cache
def load_registry(path: Path = REGISTRY_PATH) -> Registry:
    """Read and validate registry.yaml (unique snake_case ids, every field present)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    entries: dict[str, MetricEntry] = {}
    for raw in data["metrics"]:
        missing = {"id", "class", "description", "bibtex", "version"} - set(raw)
        if missing:
            raise ValueError(f"{path}: entry {raw.get('id', raw)!r} lacks {sorted(missing)}")
        identifier = raw["id"]
        if identifier in entries:
            raise ValueError(f"{path}: identifier {identifier!r} is listed twice")
        if not identifier.replace("_", "").isalnum() or identifier != identifier.lower():
            raise ValueError(f"{path}: identifier {identifier!r} is not lowercase snake_case")
        if not isinstance(raw["version"], int) or isinstance(raw["version"], bool) or raw["version"] < 1:
            raise ValueError(f"{path}: {identifier!r}: version must be a whole number ≥ 1; got {raw['version']!r}")
        entries[identifier] = MetricEntry(identifier, raw["class"], raw["description"], raw["bibtex"], raw["version"],
                                          dict(raw.get("defaults") or {}), dict(raw.get("unavailable_in") or {}),
                                          {k: dict(v) for k, v in (raw.get("defaults_in") or {}).items()})
    return Registry(entries, tuple(data["frameworks"]), data["bibtex"],
                    _benchmark_entries(data.get("benchmarks") or [], entries, path))


def _benchmark_entries(raws: list[dict], metrics: dict[str, MetricEntry], path: Path) -> dict[str, BenchmarkEntry]:
    """``{source, metrics: [...]}`` items → one entry per (source, metric), id ``<source base>-<metric>``."""
    benchmarks: dict[str, BenchmarkEntry] = {}
    for raw in raws:
        if set(raw) != {"source", "metrics"}:
            raise ValueError(f"{path}: benchmark entry {raw!r} must have exactly 'source' and 'metrics'")
        for metric in raw["metrics"]:
            try:
                check_readout_metric(metric, metrics)
            except ValueError as error:
                raise ValueError(f"{path}: benchmark {raw['source']!r}: {error}") from None
            identifier = f"{raw['source'].rsplit('-', 1)[0]}-{metric}"
            if identifier in benchmarks:
                raise ValueError(f"{path}: benchmark {identifier!r} is listed twice")
            benchmarks[identifier] = BenchmarkEntry(identifier, raw["source"], metric)
    return benchmarks


def readout_metrics(entries: Mapping[str, MetricEntry] | None = None) -> tuple[str, ...]:
    """The identifiers of our readout metrics: the one place that decides what is one.

    A readout metric is built by :data:`READOUT_CLASS`: a similarity in [0, 1] with a noise
    ceiling, so it is what a re-scored benchmark and ``bayesrep score`` can use (the encoding
    score and the ceilings themselves are registered too, but are not).

    Parameters
    ----------
    entries : mapping of str to MetricEntry, optional
        The entries to look in; default those of registry.yaml.

    Returns
    -------
    tuple of str
    """
    entries = load_registry().entries if entries is None else entries
    return tuple(i for i, entry in entries.items() if entry.cls.partition(":")[2] == READOUT_CLASS)


def check_readout_metric(identifier: str, entries: Mapping[str, MetricEntry] | None = None) -> None:
    """Refuse an identifier that is not one of :func:`readout_metrics`.

    Raises
    ------
    ValueError
        Naming the identifier and our readout metrics.
    """
    readout = readout_metrics(entries)
    if identifier not in readout:
        raise ValueError(f"{identifier!r} is not one of our readout metrics ({', '.join(readout)})")


def factory(identifier: str, framework: str | None = None) -> Callable[..., Any]:
    """What ``metric_registry[identifier]`` holds: builds the class with registry defaults + kwargs.

    In ``framework`` the entry's ``defaults_in`` for it override its defaults; in a framework the
    entry lists under ``unavailable_in``, building raises a ValueError with the entry's reason (e.g. the noise ceilings in brainscore_language, whose data have no
    repetitions), so ``load_metric`` there fails with that reason rather than later.
    """
    entry = load_registry().entries[identifier]

    def build(*args, **kwargs):
        if framework in entry.unavailable_in:
            raise ValueError(f"{identifier} is not available in {framework}: {entry.unavailable_in[framework]}")
        metric = entry.load_class()(*args, **{**entry.defaults_for(framework), **kwargs})
        metric.registered = {"identifier": identifier, "version": entry.version}   # into every score's attrs
        return metric

    build.__name__ = build.__qualname__ = identifier
    build.__doc__ = f"{identifier}: {entry.description}. Defaults: {entry.defaults_for(framework)}."
    return build


def render_plugin_init(framework: str) -> str:
    """The text of ``<framework>/metrics/bayesrep/__init__.py``, one literal line per identifier."""
    registry = load_registry()
    lines = [
        f'"""Bayesian readout metrics (bayesrep-plugin) for {framework}.',
        "",
        "Rendered from bayesrep_plugin/brainscore/registry.yaml by",
        "`python -m bayesrep_plugin.brainscore.registry`; do not edit by hand. Brain-Score finds each",
        "metric by a text scan for its literal metric_registry line below.",
        "",
        *(f"{e.id}: {e.description}" for e in registry.entries.values()),
        '"""',
        "",
        f"from {framework} import metric_registry",
        "",
        "from bayesrep_plugin.brainscore.registry import factory",
        "",
        *(f"metric_registry['{e.id}'] = factory('{e.id}', '{framework}')" for e in registry.entries.values()),
        "",
        f'BIBTEX = r"""{registry.bibtex}"""',
        "",
    ]
    return "\n".join(lines)


def render_benchmark_plugin_init() -> str:
    """The text of ``brainscore_vision/benchmarks/bayesrep/__init__.py``, one literal line per identifier."""
    registry = load_registry()
    lines = [
        '"""Brain-Score benchmarks re-scored with the Bayesian readout metrics (bayesrep-plugin).',
        "",
        "Rendered from bayesrep_plugin/brainscore/registry.yaml by",
        "`python -m bayesrep_plugin.brainscore.registry`; do not edit by hand. Brain-Score finds each",
        "benchmark by a text scan for its literal benchmark_registry line below. Each one is",
        "bayesrep_plugin.brainscore.benchmarks.rescore(load_benchmark(source), metric); the source",
        "benchmark's data load (from S3) when the benchmark is loaded, as Brain-Score's own do.",
        "",
        *(f"{e.id}: {e.source} re-scored with {e.metric}" for e in registry.benchmarks.values()),
        '"""',
        "",
        f"from {BENCHMARK_FRAMEWORK} import benchmark_registry",
        "",
        "from bayesrep_plugin.brainscore.benchmarks import benchmark_factory",
        "",
        *(f"benchmark_registry['{e.id}'] = benchmark_factory('{e.id}')" for e in registry.benchmarks.values()),
        "",
        f'BIBTEX = r"""{registry.bibtex}"""',
        "",
    ]
    return "\n".join(lines)


def benchmark_plugin_source() -> Path:
    """The shipped benchmark plugin folder (for brainscore_vision)."""
    return PLUGINS_DIR / "vision" / "benchmarks" / PLUGIN_NAME


def plugin_source(framework: str) -> Path:
    """The shipped plugin folder for ``framework``."""
    return PLUGINS_DIR / framework.removeprefix("brainscore_") / PLUGIN_NAME


def write_plugin_inits() -> list[Path]:
    """Re-render every shipped plugin ``__init__.py`` (metrics and benchmarks) from registry.yaml."""
    written = []
    for framework in load_registry().frameworks:
        path = plugin_source(framework) / "__init__.py"
        path.write_text(render_plugin_init(framework), encoding="utf-8")
        written.append(path)
    path = benchmark_plugin_source() / "__init__.py"
    path.write_text(render_benchmark_plugin_init(), encoding="utf-8")
    written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_plugin_inits():
        print(written_path)
