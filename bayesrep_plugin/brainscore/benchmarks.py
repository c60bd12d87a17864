"""Re-score a Brain-Score neural benchmark with a Bayesian readout metric.

:func:`rescore` takes a brainscore_vision ``NeuralBenchmark`` (or an assembly and what the
benchmark needs to show it to a model) and returns a :class:`BayesianNeuralBenchmark`: the same
recordings and stimuli, presented the same way, scored with one of our metrics, normalised by
its own noise ceiling (clipped to [0, 1], see :func:`~.scores.ceil_score`), identified as
``<original>-<metric>`` (``MajajHong2015.IT-pls`` → ``MajajHong2015.IT-bayes_js``).

Why a subclass and not the original class with our metric swapped in: ``NeuralBenchmark``
normalises with ``explained_variance`` (r² / ceiling), which squares the raw score — right for a
correlation, wrong for a similarity 1 − d.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from brainscore_core.metrics import Score
from brainscore_vision.benchmark_helpers.neural_common import NeuralBenchmark
from brainscore_vision.benchmark_helpers.screen import place_on_screen
from brainscore_vision.model_interface import BrainModel

from .registry import factory, load_registry
from .scores import ceil_score


class BayesianNeuralBenchmark(NeuralBenchmark):
    """A ``NeuralBenchmark`` scored with a Bayesian readout metric and its noise ceiling.

    The ceiling is computed once per instance (not through ``BenchmarkBase``'s on-disk result
    cache, which is keyed by identifier only and would serve a stale ceiling for new data).
    """

    def __init__(self, identifier: str, assembly: xr.DataArray, metric: str = "bayes_js", *,
                 visual_degrees: float, number_of_trials: int, version: int = 1, parent: str | None = None,
                 bibtex: str | None = None, **metric_kwargs):
        entry = load_registry().entries.get(metric)
        if entry is None or not entry.cls.endswith(":BayesianReadoutSimilarity"):
            raise ValueError(f"{metric!r} is not one of our readout metrics "
                             f"({[i for i, e in load_registry().entries.items() if e.cls.endswith(':BayesianReadoutSimilarity')]})")
        self.metric = factory(metric)(**metric_kwargs)
        self._ceiler = self.metric.ceiling()
        self._ceiling_score: Score | None = None
        super().__init__(identifier=identifier, assembly=assembly, similarity_metric=self.metric,
                         visual_degrees=visual_degrees, number_of_trials=number_of_trials,
                         ceiling_func=None, version=version,
                         parent=parent, bibtex=bibtex)

    @property
    def ceiling(self) -> Score:
        if self._ceiling_score is None:
            self._ceiling_score = self._ceiler(self._assembly)
        return self._ceiling_score

    def __call__(self, candidate: BrainModel) -> Score:
        candidate.start_recording(self.region, time_bins=self.timebins)
        stimulus_set = place_on_screen(self._assembly.stimulus_set, target_visual_degrees=candidate.visual_degrees(),
                                       source_visual_degrees=self._visual_degrees)
        source = candidate.look_at(stimulus_set, number_of_trials=self._number_of_trials)
        if "time_bin" in source.dims and source.sizes["time_bin"] == 1:
            source = source.squeeze("time_bin")
        return ceil_score(self._similarity_metric(source, self._assembly), self.ceiling)


def rescored_identifier(identifier: str, metric: str) -> str:
    """``<benchmark>-<old metric>`` → ``<benchmark>-<metric>`` (or append ``-<metric>``)."""
    base = identifier.rsplit("-", 1)[0] if "-" in identifier else identifier
    return f"{base}-{metric}"


def rescore(benchmark: NeuralBenchmark, metric: str = "bayes_js", *, version: int = 1,
            **metric_kwargs) -> BayesianNeuralBenchmark:
    """The benchmark's recordings and presentation, scored with ``metric`` (one of ours).

    Takes the assembly, visual degrees, number of trials, parent and BibTeX from ``benchmark``
    (a brainscore_vision ``NeuralBenchmark``, e.g. from ``load_benchmark('MajajHong2015.IT-pls')``,
    or one built from an assembly). The result's ``version`` starts at 1: it is a new benchmark.
    Keyword arguments go to the metric (e.g. ``b=0.005``, ``kernel="cross_validated"``).
    """
    if not isinstance(benchmark, NeuralBenchmark):
        raise ValueError(f"expected a brainscore_vision NeuralBenchmark, got {type(benchmark).__name__}; "
                         "for a bare assembly build BayesianNeuralBenchmark(identifier, assembly, ...) directly")
    return BayesianNeuralBenchmark(
        rescored_identifier(benchmark.identifier, metric), benchmark._assembly, metric,
        visual_degrees=benchmark._visual_degrees, number_of_trials=benchmark._number_of_trials, version=version,
        parent=benchmark.parent, bibtex=benchmark.bibtex, **metric_kwargs)


def region_assembly(assembly: xr.DataArray, region: str) -> xr.DataArray:
    """The neuroids of one region (coordinate ``region``), as a benchmark needs; an error if none."""
    regions = np.asarray(assembly["region"].values)
    if not (regions == region).any():
        raise ValueError(f"assembly has no neuroids in region {region!r}; regions: {sorted(set(regions.tolist()))}")
    return assembly.isel(neuroid=np.flatnonzero(regions == region))
