"""Re-score a Brain-Score neural benchmark with a Bayesian readout metric.

:func:`rescore` takes a brainscore_vision benchmark — a ``NeuralBenchmark`` such as
``MajajHong2015.IT-pls`` or one session of ``Cowley2026``, or a benchmark combining such sessions
(``Cowley2026.V4-pls``) — and returns the same recordings and stimuli, presented the same way,
scored with one of our metrics and normalised by that metric's own noise ceiling (the expected
score of a perfect model; clipped to [0, 1], see :func:`~.scores.ceil_score`), identified as
``<original>-<metric>``
(``MajajHong2015.IT-pls`` → ``MajajHong2015.IT-bayes_js``), versioned by
:func:`rescored_version`: it goes up when either the original's data or our metric changes.

Where the repetitions are: Brain-Score's neural benchmarks score the repetition-averaged assembly
(``benchmark._assembly``) and keep the single trials only inside their ceiling function,
``ceiling_func=lambda: ceiler(assembly_repetition)``. :func:`repetition_assembly` reads them from
that closure; ``rescore(..., repetitions=...)`` takes them explicitly instead.

Why a subclass and not the original class with our metric swapped in: ``NeuralBenchmark``
normalises with ``explained_variance`` (r² / ceiling), which squares the raw score — right for a
correlation, wrong for a similarity 1 − d — and its ceiling is Brain-Score's internal consistency.
"""

from __future__ import annotations

import inspect
from typing import Callable

import numpy as np
import pandas as pd
import xarray as xr
from brainscore_core.metrics import Score
from brainscore_vision.benchmark_helpers.neural_common import NeuralBenchmark
from brainscore_vision.benchmark_helpers.screen import place_on_screen
from brainscore_vision.benchmarks import BenchmarkBase
from brainscore_vision.model_interface import BrainModel

from ..assemblies import responses_from_assembly
from ..assemblies.responses import REPETITION_COORD, STIMULUS_KEY, _coord
from ..errors import BayesrepError
from .registry import check_readout_metric, factory, load_registry
from .scores import ceil_score


class BayesianNeuralBenchmark(NeuralBenchmark):
    """A ``NeuralBenchmark`` scored with a Bayesian readout metric and its noise ceiling.

    ``assembly`` is what the model's responses are compared with (as in ``NeuralBenchmark``);
    ``repetitions`` holds one presentation per repetition and is what the ceiling is estimated
    from (default: ``assembly`` itself, when it holds the repetitions). The ceiling is
    ``metric.ceiling()`` of our metric, computed once per instance (not through
    ``BenchmarkBase``'s on-disk result cache, which is keyed by identifier only and would serve a
    stale ceiling for new data).

    Parameters
    ----------
    identifier : str
    assembly : xarray.DataArray
        The neural data a model's responses are scored against.
    metric : str
        One of our readout metrics (``bayes_js``, ``bayes_tv``, ``bayes_hellinger``).
    repetitions : xarray.DataArray, optional
        One presentation per repetition, for the ceiling.
    visual_degrees : float
        The stimuli's size, as in ``NeuralBenchmark``.
    number_of_trials : int
        Presentations per stimulus asked of the model.
    version : int
    parent, bibtex : str, optional
    **metric_kwargs
        Passed to the metric (e.g. ``b=0.005``).

    Raises
    ------
    ValueError
        For a metric that is not one of our readout metrics.
    """

    def __init__(self, identifier: str, assembly: xr.DataArray, metric: str = "bayes_js", *,
                 repetitions: xr.DataArray | None = None, visual_degrees: float, number_of_trials: int,
                 version: int = 1, parent: str | None = None, bibtex: str | None = None, **metric_kwargs):
        check_readout_metric(metric)
        self.metric = factory(metric)(**metric_kwargs)
        self._ceiler = self.metric.ceiling()
        self._ceiling_score: Score | None = None
        self._repetitions = assembly if repetitions is None else repetitions
        super().__init__(identifier=identifier, assembly=assembly, similarity_metric=self.metric,
                         visual_degrees=visual_degrees, number_of_trials=number_of_trials,
                         ceiling_func=None, version=version,
                         parent=parent, bibtex=bibtex)

    @property
    def ceiling(self) -> Score:
        """The metric's noise ceiling of the repetitions, computed on first use."""
        if self._ceiling_score is None:
            self._ceiling_score = self._ceiler(self._repetitions)
        return self._ceiling_score

    def __call__(self, candidate: BrainModel) -> Score:
        """Record the candidate on the benchmark's stimuli and score it.

        Parameters
        ----------
        candidate : BrainModel

        Returns
        -------
        Score
            The ceiled score (:func:`~bayesrep_plugin.brainscore.scores.ceil_score`, clipped to
            [0, 1]), with ``raw`` and ``ceiling`` in its attrs.
        """
        candidate.start_recording(self.region, time_bins=self.timebins)
        stimulus_set = place_on_screen(self._assembly.stimulus_set, target_visual_degrees=candidate.visual_degrees(),
                                       source_visual_degrees=self._visual_degrees)
        source = candidate.look_at(stimulus_set, number_of_trials=self._number_of_trials)
        if "time_bin" in source.dims and source.sizes["time_bin"] == 1:
            source = source.squeeze("time_bin")
        # against the repetitions (whose mean is the scored assembly): the metric takes its b and the
        # noise it puts on the model's side from them
        return ceil_score(self._similarity_metric(source, self._repetitions), self.ceiling)


class BayesianSessionsBenchmark(BenchmarkBase):
    """Re-scored sessions combined as Brain-Score's ``Cowley2026.V4-pls`` combines its sessions.

    Each session has its own images and neurons, so each is scored on its own (a
    :class:`BayesianNeuralBenchmark`) and the ceiled scores are averaged; ``raw`` is the mean raw
    score, ``ceiling`` the mean of the sessions' ceilings, ``session_scores`` each session's
    ceiled score (brainscore_vision ``benchmarks/cowley2026/benchmark.py``,
    ``_CombinedNeuralBenchmark``).

    Parameters
    ----------
    identifier : str
    sessions : list of BayesianNeuralBenchmark
    version : int
    parent, bibtex : str, optional
    """

    def __init__(self, identifier: str, sessions: list[BayesianNeuralBenchmark], *, version: int,
                 parent: str | None = None, bibtex: str | None = None):
        self.sessions = list(sessions)
        super().__init__(identifier=identifier, ceiling_func=None, version=version, parent=parent, bibtex=bibtex)

    @property
    def ceiling(self) -> Score:
        """The mean of the sessions' ceilings."""
        return Score(np.mean([float(session.ceiling) for session in self.sessions]))

    def preallocate_memory(self, candidate: BrainModel, raise_if_oom: bool = True):
        """Brain-Score's pre-flight memory check: sessions run one after another, so the largest one counts.

        Parameters
        ----------
        candidate : BrainModel
        raise_if_oom : bool
            Raise when the largest session would not fit.

        Returns
        -------
        object
            What the largest session's ``preallocate_memory`` returns.
        """
        largest = max(self.sessions, key=lambda session: session._assembly.sizes["presentation"])
        return largest.preallocate_memory(candidate, raise_if_oom=raise_if_oom)

    def __call__(self, candidate: BrainModel) -> Score:
        """Score the candidate on every session and combine.

        Parameters
        ----------
        candidate : BrainModel

        Returns
        -------
        Score
            The mean of the sessions' ceiled scores; attrs ``raw`` (mean raw score), ``ceiling``
            and ``session_scores``.
        """
        scores = [session(candidate) for session in self.sessions]
        combined = Score(np.mean([float(score) for score in scores]))
        combined.attrs[Score.RAW_VALUES_KEY] = Score(np.mean([float(score.raw) for score in scores]))
        combined.attrs["ceiling"] = self.ceiling
        combined.attrs["session_scores"] = {session.identifier: float(score)
                                            for session, score in zip(self.sessions, scores)}
        return combined


def rescored_identifier(identifier: str, metric: str) -> str:
    """``<benchmark>-<old metric>`` → ``<benchmark>-<metric>`` (or append ``-<metric>``).

    Parameters
    ----------
    identifier : str
        The source benchmark's identifier.
    metric : str

    Returns
    -------
    str
    """
    base = identifier.rsplit("-", 1)[0] if "-" in identifier else identifier
    return f"{base}-{metric}"


def repetition_assembly(benchmark: NeuralBenchmark) -> xr.DataArray:
    """The single-trial assembly that a Brain-Score ``NeuralBenchmark`` keeps for its ceiling.

    Brain-Score's neural benchmarks (``MajajHong2015``, ``Cowley2026``, ...) are built as
    ``NeuralBenchmark(assembly=average_repetition(trials), ...,
    ceiling_func=lambda: ceiler(assembly_repetition))``: the trials live only in that lambda's
    closure. This returns the one assembly among the closure's variables that has a
    ``repetition`` coordinate; zero or several such assemblies is an error that says to pass
    ``rescore(..., repetitions=...)``. A :class:`BayesianNeuralBenchmark` keeps them itself.

    Parameters
    ----------
    benchmark : NeuralBenchmark

    Returns
    -------
    xarray.DataArray
        One presentation per repetition.

    Raises
    ------
    ValueError
        When none or several such assemblies are found.
    """
    if isinstance(benchmark, BayesianNeuralBenchmark):
        return benchmark._repetitions
    function = getattr(benchmark, "_ceiling_func", None)
    captured = inspect.getclosurevars(function).nonlocals if inspect.isfunction(function) else {}
    found = {name: value for name, value in captured.items()
             if isinstance(value, xr.DataArray) and _coord(value, REPETITION_COORD) is not None}
    if len(found) != 1:
        raise ValueError(
            f"{benchmark.identifier}: cannot find its repetitions: its ceiling function ({function!r}) captures "
            f"{len(found)} assemblies with a '{REPETITION_COORD}' coordinate ({sorted(found)}); pass "
            f"rescore(benchmark, metric, repetitions=<the assembly with one presentation per repetition>)")
    return next(iter(found.values()))


def distinct_repetition_labels(assembly: xr.DataArray) -> xr.DataArray:
    """The assembly with each (stimulus, repetition) label once, renumbering in order of appearance if needed.

    Brain-Score's ``Cowley2026`` relabels the repetitions into two alternating halves (0, 1, 0,
    1, ... within each image, ``alternate_repetition_halves``) for its internal-consistency
    ceiling. Our ceiling draws its own random halves and needs each repetition labelled once;
    when labels repeat within a stimulus they are replaced by the order of appearance within the
    stimulus (0, 1, 2, ...), which restores the original numbering because the relabelling keeps
    the presentations in order. Labels that are already distinct are kept.

    Parameters
    ----------
    assembly : xarray.DataArray
        With ``stimulus_id`` and ``repetition`` coordinates on ``presentation``.

    Returns
    -------
    xarray.DataArray
    """
    frame = pd.DataFrame({"stimulus": np.asarray(assembly[STIMULUS_KEY].values),
                          "repetition": np.asarray(assembly[REPETITION_COORD].values)})
    if not frame.duplicated().any():
        return assembly
    names = list(assembly.indexes["presentation"].names)
    relabelled = assembly.reset_index("presentation")
    relabelled[REPETITION_COORD] = "presentation", frame.groupby("stimulus", sort=False).cumcount().to_numpy()
    return relabelled.set_index(presentation=names)


def check_same_recordings(scored: xr.DataArray, repetitions: xr.DataArray, identifier: str) -> None:
    """Refuse repetitions whose mean is not the scored assembly (same stimuli, neuroids, values).

    Parameters
    ----------
    scored : xarray.DataArray
        The benchmark's repetition-averaged assembly.
    repetitions : xarray.DataArray
        One presentation per repetition.
    identifier : str
        The benchmark's, for the message.

    Raises
    ------
    ValueError
        Saying which of stimuli, neuroids or values differ.
    """
    means = responses_from_assembly(scored, name=f"{identifier}: the scored assembly")
    trials = responses_from_assembly(repetitions, name=f"{identifier}: the repetitions")
    if set(means.stimulus_ids) != set(trials.stimulus_ids):
        raise ValueError(f"{identifier}: the repetitions show other stimuli than the scored assembly "
                         f"({len(set(trials.stimulus_ids) - set(means.stimulus_ids))} not scored, "
                         f"{len(set(means.stimulus_ids) - set(trials.stimulus_ids))} without repetitions)")
    missing = set(trials.neuroid_ids.astype(str)) - set(means.neuroid_ids.astype(str))
    if missing:
        raise ValueError(f"{identifier}: the repetitions have neuroids the scored assembly lacks "
                         f"({sorted(missing)[:3]}, ...)")
    rows = pd.Index(means.stimulus_ids).get_indexer(trials.stimulus_ids)
    columns = pd.Index(means.neuroid_ids.astype(str)).get_indexer(trials.neuroid_ids.astype(str))
    scored_means = means.means[np.ix_(rows, columns)]
    if not np.allclose(scored_means, trials.means, rtol=1e-6, atol=1e-9):
        raise ValueError(f"{identifier}: the mean over the repetitions is not the scored assembly (largest "
                         f"difference {np.abs(scored_means - trials.means).max():.3g}); these are not its repetitions")


def rescore(benchmark: BenchmarkBase, metric: str = "bayes_js", *, repetitions: xr.DataArray | None = None,
            **metric_kwargs) -> BayesianNeuralBenchmark | BayesianSessionsBenchmark:
    """The benchmark's recordings and presentation, scored with ``metric`` (one of ours).

    Parameters
    ----------
    benchmark : NeuralBenchmark or a benchmark of sessions
        A brainscore_vision ``NeuralBenchmark`` (e.g. ``load_benchmark('MajajHong2015.IT-pls')``),
        or a benchmark that holds such benchmarks in ``_sessions`` and averages them
        (``Cowley2026.V4-pls``); each session is then re-scored and the result is a
        :class:`BayesianSessionsBenchmark` that combines them the same way.
    metric : str
        One of our readout metrics (``bayes_js``, ``bayes_tv``, ``bayes_hellinger``).
    repetitions : xarray.DataArray, optional
        One presentation per repetition, whose mean over repetitions is the benchmark's scored
        assembly. Default: found by :func:`repetition_assembly` in the benchmark's ceiling
        function. Not accepted for a benchmark of sessions (each session's are found in it).
    **metric_kwargs
        Passed to the metric (e.g. ``b=0.005``, ``n_bootstrap=20``). ``kernel="cross_validated"``
        needs the trials in the scored assembly: build ``BayesianNeuralBenchmark(identifier,
        trials, ...)`` for it instead.

    Returns
    -------
    BayesianNeuralBenchmark or BayesianSessionsBenchmark
        Identifier ``<benchmark>-<metric>``, the benchmark's version, parent and BibTeX. It
        scores the benchmark's (repetition-averaged) assembly; its ceiling is
        ``metric.ceiling()`` on the repetitions, whose labels are made distinct by
        :func:`distinct_repetition_labels`.

    Raises
    ------
    ValueError
        When the repetitions cannot be found, or their mean is not the scored assembly.
    """
    sessions = getattr(benchmark, "_sessions", None)
    if not isinstance(benchmark, NeuralBenchmark) and not isinstance(sessions, list):
        raise ValueError(f"expected a brainscore_vision NeuralBenchmark or a benchmark of such sessions, got "
                         f"{type(benchmark).__name__}; for a bare assembly build "
                         "BayesianNeuralBenchmark(identifier, assembly, ...) directly")
    identifier = rescored_identifier(benchmark.identifier, metric)
    if not isinstance(benchmark, NeuralBenchmark):
        if repetitions is not None:
            raise ValueError(f"{benchmark.identifier} combines {len(sessions)} sessions; their repetitions are "
                             "found in each session's ceiling function, pass none (or re-score each session)")
        rescored = [rescore(session, metric, **metric_kwargs) for session in sessions]
        return BayesianSessionsBenchmark(identifier, rescored, version=rescored_version(benchmark.version, metric),
                                         parent=benchmark.parent, bibtex=benchmark.bibtex)
    repetitions = distinct_repetition_labels(repetition_assembly(benchmark) if repetitions is None else repetitions)
    check_same_recordings(benchmark._assembly, repetitions, benchmark.identifier)
    return BayesianNeuralBenchmark(
        identifier, benchmark._assembly, metric, repetitions=repetitions,
        visual_degrees=benchmark._visual_degrees, number_of_trials=benchmark._number_of_trials,
        version=rescored_version(benchmark.version, metric), parent=benchmark.parent, bibtex=benchmark.bibtex,
        **metric_kwargs)


def rescored_version(source_version: int, metric: str) -> int:
    """The version of a benchmark re-scored with ``metric``.

    Parameters
    ----------
    source_version : int
        The re-scored benchmark's version.
    metric : str
        Our metric's identifier (its version is in registry.yaml).

    Returns
    -------
    int
        The source's plus the metric's, less 1, so that it goes up whenever either does (version 1
        of a metric keeps the source's).
    """
    return source_version + load_registry().entries[metric].version - 1


class SourceBenchmarkError(BayesrepError, RuntimeError):
    """The Brain-Score benchmark to re-score could not be loaded (usually: its data are on S3 and this
    machine is offline)."""


def load_rescored(source: str, metric: str) -> BayesianNeuralBenchmark | BayesianSessionsBenchmark:
    """``rescore(load_benchmark(source), metric)``: what our registered benchmark ids build.

    The source benchmark loads its recordings when it is built (Brain-Score's neural benchmarks
    fetch them from S3 then); a failure is raised as :class:`SourceBenchmarkError` naming the
    source, with Brain-Score's own error chained.

    Parameters
    ----------
    source : str
        A Brain-Score benchmark identifier, e.g. ``MajajHong2015.IT-pls``.
    metric : str
        One of our readout metrics.

    Returns
    -------
    BayesianNeuralBenchmark or BayesianSessionsBenchmark

    Raises
    ------
    SourceBenchmarkError
        When the source benchmark cannot be loaded.
    """
    from brainscore_vision import load_benchmark

    try:
        benchmark = load_benchmark(source)
    except Exception as error:   # S3 / network / credentials errors come in many types
        raise SourceBenchmarkError(
            f"cannot re-score {source!r} with {metric!r}: loading {source!r} failed, and it is needed for its "
            f"recordings (Brain-Score loads them from S3 when the benchmark is built; offline this fails). "
            f"Brain-Score said: {type(error).__name__}: {error}") from error
    return rescore(benchmark, metric)


def benchmark_factory(identifier: str) -> Callable[[], BayesianNeuralBenchmark | BayesianSessionsBenchmark]:
    """What ``benchmark_registry[identifier]`` holds: loads the source benchmark and re-scores it.

    Here, beside what it builds, and not in :mod:`.registry`: this module reads the registry, so
    the registry must not import it back. The benchmark plugin's ``__init__.py`` (rendered by
    :func:`.registry.render_benchmark_plugin_init`) imports it from here; brainscore_vision imports
    that file only to load one of our benchmarks, when brainscore_vision is loaded anyway.

    Parameters
    ----------
    identifier : str
        One of registry.yaml's re-scored benchmarks, e.g. ``MajajHong2015.IT-bayes_js``.

    Returns
    -------
    callable
        Without arguments: :func:`load_rescored` of the entry's source and metric.
    """
    entry = load_registry().benchmarks[identifier]

    def build():
        return load_rescored(entry.source, entry.metric)

    build.__name__ = build.__qualname__ = identifier.replace(".", "_").replace("-", "_")
    build.__doc__ = f"{identifier}: {entry.source} re-scored with {entry.metric}."
    return build


def region_assembly(assembly: xr.DataArray, region: str) -> xr.DataArray:
    """The neuroids of one region (coordinate ``region``), as a benchmark needs.

    Parameters
    ----------
    assembly : xarray.DataArray
        With a ``region`` coordinate on ``neuroid``.
    region : str

    Returns
    -------
    xarray.DataArray

    Raises
    ------
    ValueError
        Listing the regions there are, when none is ``region``.
    """
    regions = np.asarray(assembly["region"].values)
    if not (regions == region).any():
        raise ValueError(f"assembly has no neuroids in region {region!r}; regions: {sorted(set(regions.tolist()))}")
    return assembly.isel(neuroid=np.flatnonzero(regions == region))
