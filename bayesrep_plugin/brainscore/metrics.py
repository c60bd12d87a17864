"""Brain-Score metrics: Bayesian readout similarity, its noise ceiling, and the posterior comparison.

A metric follows ``brainscore_core.metrics.Metric``: ``metric(assembly1, assembly2) -> Score``,
higher = more similar, 1 = identical. For the readout distances d ∈ [0, 1] (TV, JS, Hellinger)
the score is the similarity 1 − d; a measure that is itself a similarity in [0, 1] is used as is.
By Brain-Score convention assembly1 is the model and assembly2 the neural data, but nothing here
depends on the order.

Defaults for a brain (version 2 of the registered metrics; see CHANGELOG.md): the features are
centred (a readout ignores each neuron's mean rate, which carries no information about the
stimuli and dominated the uncentred kernel); the recording's noise is put on the model's side too
(:mod:`bayesrep_plugin.core.prior`); and b is the recording's resolving b
(:mod:`bayesrep_plugin.assemblies.ceiling`), the readout noise at which a perfect model of the
recording stands furthest above chance.

:class:`BayesianPosteriorSimilarity` is another metric, not an option of the readout similarity:
both readouts first observe the neural responses to a few stimuli, so it resamples neuroids (not
stimuli) and has no noise ceiling.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import xarray as xr
from brainscore_core.metrics import Metric, Score

from bayesrep_plugin._runtime import single_blas_thread
from bayesrep_plugin.assemblies.align import align
from bayesrep_plugin.core.resampling import (Scheme, bootstrap_values, check_n_bootstrap, check_resampling,
                                             resample_indices, spread_scale, t_interval)
from bayesrep_plugin.assemblies.ceiling import estimation_values, recording_resolution, yardsticks
from bayesrep_plugin.assemblies.kernels import KERNELS, KernelKind, recording_representation, responses_representation
from bayesrep_plugin.assemblies.responses import (STIMULUS_KEY, TIME_DIM, AssemblyError, Responses,
                                                  responses_from_assembly)
from bayesrep_plugin.core.evidence import constant_neuroids
from bayesrep_plugin.core.compare import Comparison
from bayesrep_plugin.core.kernels import Centering, check_center
from bayesrep_plugin.core.measures import METHODS, Measure, get_measure
from bayesrep_plugin.core.montecarlo import DEFAULT_SAMPLES
from bayesrep_plugin.core.posterior import POSTERIOR_MEASURES, posterior_distance
from bayesrep_plugin.core.prior import Readout, Representation, check_b

from .scores import resampled_score

TimeBins = Literal["mean", "each"]
#: b="auto": the recording's resolving b (:func:`~bayesrep_plugin.assemblies.ceiling.resolving_b`).
AUTO = "auto"
#: A recording has a ceiling only if a perfect model of it beats chance by more than this many times
#: their spread over simulated recordings (else: no stimulus-driven signal).
SIGNAL_MARGIN = 3
#: The range of every score of the readout similarity: a similarity in [0, 1], or 1 − a distance in [0, 1].
SCORE_RANGE = (0.0, 1.0)


def similarity_measure(name: str) -> Measure:
    """The measure ``name`` if it can be a Brain-Score similarity (a [0, 1] distance or similarity).

    Parameters
    ----------
    name : str

    Returns
    -------
    Measure

    Raises
    ------
    ValueError
        For an unknown measure or one with no similarity in [0, 1].
    """
    measure = get_measure(name)
    if measure.value_range != SCORE_RANGE or measure.kind not in ("distance", "similarity"):
        raise ValueError(f"measure {name!r} ({measure.kind} in {measure.value_range}) has no similarity in "
                         "[0, 1]; use tv, js, hellinger (similarity = 1 − distance) or cka")
    return measure


class _ReadoutComparison:
    """The options shared by the metrics and the ceiling (each checked once, here), and the one
    comparison they make."""

    def __init__(self, *, measure: str, b: float | str, center: Centering, method: str, n_samples: int,
                 kernel: KernelKind, stimulus_key: str, time_bins: TimeBins, seed: int):
        self.measure = similarity_measure(measure)
        self.b = AUTO if b == AUTO else check_b(b)
        check_center(center)
        if kernel not in KERNELS:
            raise ValueError(f"kernel={kernel!r} is not one of {KERNELS}")
        if time_bins not in ("mean", "each"):
            raise ValueError(f"time_bins={time_bins!r} is not 'mean' or 'each'")
        self.center, self.kernel, self.stimulus_key, self.time_bins, self.seed = center, kernel, stimulus_key, time_bins, seed
        if method not in METHODS:
            raise ValueError(f"method={method!r} is not one of {METHODS}")
        if method != "exact" and "method" not in self.measure.options:
            raise ValueError(f"measure {self.measure.name!r} has a closed form and no Monte Carlo estimate; "
                             f"method={method!r} does not apply to it (use method='exact')")
        readout = {"method": method, "n_samples": n_samples, "seed": seed}
        self.options = {k: v for k, v in readout.items() if k in self.measure.options}

    def at(self, b: float) -> Comparison:
        """The one comparison they make, at the b of this score (fixed, or resolved for its recording)."""
        return Comparison({self.measure.name: self.options}, Readout(b), self.center)

    def similarity(self, rep1: Representation, rep2: Representation, comparison: Comparison) -> float:
        value = float(comparison.value(rep1, rep2))
        return 1.0 - value if self.measure.kind == "distance" else value

    def representation(self, responses: Responses) -> tuple[Representation, str]:
        """The representation of one side; the cross-validated kernel only where repetitions exist."""
        if responses.repetitions.max() > 1:
            return recording_representation(responses, center=self.center, kernel=self.kernel), self.kernel
        return responses_representation(responses, center=self.center, kernel="mean"), "mean"

    def resolve_b(self, *sides: Responses) -> tuple[float, str]:
        """(b, how it was chosen): the fixed b, or with b="auto" the largest resolving b of the sides
        with repetitions (the coarsest readout that each recording resolves)."""
        if self.b != AUTO:
            return self.b, "fixed"
        recorded = [side for side in sides if side.repetitions.max() > 1]
        if not recorded:
            raise AssemblyError("b='auto' takes the readout noise from a recording's repetitions, and neither "
                                f"{' nor '.join(side.name for side in sides)} has repeated presentations; "
                                "pass a number as b (e.g. b=0.01, the reference package's default)")
        resolved = [(recording_resolution(side, self.measure, self.options, center=self.center,
                                          kernel=self.kernel, seed=self.seed).b, side.name) for side in recorded]
        b, name = max(resolved)
        return b, f"resolving b of {name}"

    def parameters(self, b: float) -> dict:
        return {"measure": self.measure.name, "b": b, "b_setting": self.b, "center": self.center,
                "kernel": self.kernel, "stimulus_key": self.stimulus_key, "seed": self.seed, **self.options}

    def read(self, assembly: xr.DataArray, name: str, time_bin: int | None = None) -> Responses:
        return responses_from_assembly(assembly, stimulus_key=self.stimulus_key, time_bin=time_bin, name=name)

    def score_assemblies(self, score, assembly1: xr.DataArray, assembly2: xr.DataArray) -> Score:
        """``score(responses1, responses2)`` of the two assemblies, once or per time bin (``time_bins``)."""
        if self.time_bins == "mean":
            return score(self.read(assembly1, "assembly1"), self.read(assembly2, "assembly2"))
        bins, labels = _time_bin_pairs(assembly1, assembly2)
        return _stack_time_bins([score(self.read(assembly1, "assembly1", t1), self.read(assembly2, "assembly2", t2))
                                 for t1, t2 in bins], labels)

    def prepare(self, responses1: Responses, responses2: Responses, min_overlap: float):
        """The two sides aligned, each side's (representation, kernel kind), and (b, how it was chosen)."""
        aligned = align(responses1, responses2, min_overlap=min_overlap)
        sides = self.representation(aligned.first), self.representation(aligned.second)
        return aligned, sides, self.resolve_b(aligned.first, aligned.second)


class BayesianReadoutSimilarity(Metric):
    """Similarity 1 − d of two assemblies under a Bayesian readout distance d, with a bootstrap.

    Steps: read both assemblies (validated, repetitions kept), align them on shared stimulus ids,
    build each side's kernel once (mean over repetitions, carrying the recording's expected noise,
    or the cross-validated kernel for a side with repetitions when ``kernel="cross_validated"``),
    choose b (the recording's resolving b by default), compare on all stimuli (the score), then on
    ``n_bootstrap`` resamples of stimuli, each a submatrix of the two kernels, at the same b (the
    interval is conditional on b: with b="auto" it does not include how b would vary with the
    stimuli, docs/guide-brainscore.md).

    Parameters
    ----------
    measure : str
        tv, js, hellinger (similarity = 1 − distance), or cka.
    b : float or "auto"
        The readout's noise-to-signal ratio (≥ 0), or "auto" (default): the resolving b of the
        side with repetitions (:func:`~bayesrep_plugin.assemblies.ceiling.resolving_b`: where a
        perfect model of the recording stands furthest above chance).
    center : {"none", "features", "stimuli"}
        Default "features": the readout ignores each neuron's (and feature's) mean response.
    method : {"exact", "mc"}
        For tv and js; ``n_samples`` draws for "mc".
    n_samples : int
    kernel : {"mean", "cross_validated"}
        The kernel of a side with repetitions: of the means, or of products of different
        repetitions only.
    n_bootstrap : int
        Resamples of stimuli (≥ 2). Default 20: with the t interval, the smallest number whose
        interval is within 7% of the width it would have with the error known exactly
        (:mod:`bayesrep_plugin.core.resampling`).
    bootstrap_scheme : {"quarter", "half", "replacement"}
        Subsamples of max(n/4, 3) or n/2 stimuli without replacement (their spread rescaled to the
        full sample, :func:`~bayesrep_plugin.core.resampling.spread_scale`), or n with
        replacement.
    seed : int
    stimulus_key : str
        The stimulus coordinate of both assemblies.
    min_overlap : float
        Least shared fraction of the smaller assembly's stimuli.
    time_bins : {"mean", "each"}
        Average the time bins, or score each.

    Raises
    ------
    ValueError
        For any option out of its domain, when built (before any data are read).

    Notes
    -----
    Score attrs: ``error`` (the standard error of the score: SD of the resampled similarities
    times ``spread_scale`` = √(m/(n − m)) for resamples of m of the n stimuli without
    replacement), ``error_over`` = ["stimulus"], ``n_bootstrap``, ``raw`` (the resampled
    similarities over dim ``bootstrap``, on m stimuli each), ``interval`` (95%: score ±
    t(0.975, n_bootstrap − 1)·error, an end past [0, 1] clipped to it,
    :func:`~bayesrep_plugin.core.resampling.t_interval`), ``bootstrap_bias`` =
    mean(resampled) − score (a readout distance depends on the number of stimuli, so resamples of
    fewer stimuli are shifted; docs/guide-brainscore.md), ``distance``, the
    parameters (``b`` the value used, ``b_setting`` the one given, ``b_choice`` how b was chosen),
    ``noise_share`` of each side, ``n_stimuli``, ``stimuli_lost``, ``dropped_neuroids`` and the
    ``kernels`` used for each side.
    """

    #: Set by the registry's factory (:func:`~.registry.factory`): the id and version it was loaded as.
    registered: dict = {}

    def __init__(self, measure: str = "js", *, b: float | str = AUTO, center: Centering = "features",
                 method: str = "exact", n_samples: int = 10_000, kernel: KernelKind = "mean",
                 n_bootstrap: int = 20, bootstrap_scheme: Scheme = "quarter", seed: int = 0,
                 stimulus_key: str = STIMULUS_KEY, min_overlap: float = 0.5, time_bins: TimeBins = "mean"):
        self.comparison = _ReadoutComparison(measure=measure, b=b, center=center, method=method, n_samples=n_samples,
                                             kernel=kernel, stimulus_key=stimulus_key, time_bins=time_bins, seed=seed)
        check_resampling(n_bootstrap, bootstrap_scheme)
        self.n_bootstrap, self.bootstrap_scheme, self.min_overlap = n_bootstrap, bootstrap_scheme, min_overlap

    def ceiling(self, n_replicates: int = 20) -> "BayesianReadoutCeiling":
        """The noise ceiling with this metric's measure and options (b, center, kernel, time bins...).

        Parameters
        ----------
        n_replicates : int
            Simulated recordings (≥ 2).

        Returns
        -------
        BayesianReadoutCeiling
        """
        c = self.comparison
        readout = {k: v for k, v in c.options.items() if k != "seed"}
        return BayesianReadoutCeiling(c.measure.name, b=c.b, center=c.center, kernel=c.kernel, n_replicates=n_replicates,
                                      seed=c.seed, stimulus_key=c.stimulus_key, time_bins=c.time_bins, **readout)

    def __call__(self, assembly1: xr.DataArray, assembly2: xr.DataArray) -> Score:
        """Score two assemblies, aligned by stimulus id.

        Parameters
        ----------
        assembly1, assembly2 : xarray.DataArray
            The model's and the neural assembly (presentation × neuroid [× time_bin]).

        Returns
        -------
        Score
            The similarity on all shared stimuli, with the attrs above (over ``time_bin`` with
            ``time_bins="each"``).

        Raises
        ------
        AssemblyError
            For an assembly that cannot be read, or too few shared stimuli.
        """
        return self.comparison.score_assemblies(self._score, assembly1, assembly2)

    def _score(self, responses1: Responses, responses2: Responses) -> Score:
        c = self.comparison
        aligned, ((rep1, kind1), (rep2, kind2)), (b, choice) = c.prepare(responses1, responses2, self.min_overlap)
        comparison = c.at(b)
        point = c.similarity(rep1, rep2, comparison)
        indices = resample_indices(aligned.n, self.n_bootstrap, scheme=self.bootstrap_scheme, seed=c.seed)
        values = bootstrap_values(rep1, rep2, lambda first, second: c.similarity(first, second, comparison), indices)
        distance = {"distance": 1.0 - point} if c.measure.kind == "distance" else {}
        scale = spread_scale(aligned.n, indices.shape[1], self.bootstrap_scheme)
        error = float(values.std(ddof=1)) * scale
        score = resampled_score(
            point, values, dim="bootstrap", over=["stimulus"],
            interval=list(t_interval(point, error, values.size, SCORE_RANGE)), bootstrap_bias=float(values.mean()) - point,
            bootstrap_scheme=self.bootstrap_scheme, bootstrap_size=int(indices.shape[1]), spread_scale=scale,
            **distance, **c.parameters(b), b_choice=choice, **aligned.report(), **self.registered,
            kernels={responses1.name: kind1, responses2.name: kind2},
            noise_share={responses1.name: rep1.noise_share, responses2.name: rep2.noise_share},
            dropped_neuroids={r.name: len(r.dropped_neuroids) for r in (responses1, responses2)})
        score.attrs["error"] = error
        return score


class BayesianPosteriorSimilarity(Metric):
    """Similarity of two assemblies' readouts after both observe assembly2's responses to k stimuli.

    The posterior comparison: both readouts (model and neural) are conditioned on assembly2's mean
    responses to ``n_observed`` stimuli drawn with ``seed`` and compared on the others, one distance
    per neuroid of assembly2 (:func:`bayesrep_plugin.core.posterior_distance`); the score is 1 − their
    mean. The sides are read, aligned and given their kernels (the mean kernel, the recording's
    expected noise on the model's side) and b as :class:`BayesianReadoutSimilarity` does; the
    resampling unit is the neuroid (``n_bootstrap`` resamples of the neuroids with replacement), and
    there is no noise ceiling.

    Parameters
    ----------
    measure : str
        One of :data:`bayesrep_plugin.core.posterior.POSTERIOR_MEASURES` with a similarity in
        [0, 1]: tv, js, hellinger (similarity = 1 − distance).
    n_observed : int
        k, the number of observed stimuli (≥ 2; at least 2 shared stimuli must remain).
    b : float or "auto"
        The readout's noise-to-signal ratio (≥ 0), or "auto" (default): the resolving b of the
        side with repetitions.
    center : {"none", "features", "stimuli"}
        Default "features".
    n_bootstrap : int
        Resamples of neuroids (≥ 2).
    seed : int
        Draws the observed stimuli, then the resamples.
    stimulus_key : str
        The stimulus coordinate of both assemblies.
    min_overlap : float
        Least shared fraction of the smaller assembly's stimuli.
    time_bins : {"mean", "each"}
        Average the time bins, or score each.

    Raises
    ------
    ValueError
        For any option out of its domain, when built (before any data are read).

    Notes
    -----
    Score attrs: ``error`` (SD of the resampled means), ``error_over`` = ["neuroid"],
    ``n_bootstrap``, ``raw``, ``n_observed``, ``per_neuroid`` (the similarity of each neuroid kept),
    ``constant_neuroids`` (a neuroid with the same response to all k observed stimuli has nothing
    to condition on: it is left out, with a warning, and listed here), the parameters as for
    :class:`BayesianReadoutSimilarity` and ``n_stimuli``, ``stimuli_lost``.
    """

    #: Set by the registry's factory when a registered id builds it: the id and version.
    registered: dict = {}

    def __init__(self, measure: str = "js", *, n_observed: int, b: float | str = AUTO,
                 center: Centering = "features", n_bootstrap: int = 20, seed: int = 0,
                 stimulus_key: str = STIMULUS_KEY, min_overlap: float = 0.5, time_bins: TimeBins = "mean"):
        if measure not in POSTERIOR_MEASURES:
            raise ValueError(f"the posterior comparison needs a measure in {POSTERIOR_MEASURES}; got {measure!r}")
        if isinstance(n_observed, bool) or not isinstance(n_observed, (int, np.integer)) or n_observed < 2:
            raise ValueError(f"n_observed must be a whole number of at least 2 observed stimuli; got {n_observed!r}")
        # the posterior predictives are compared exactly, between the mean kernels
        self.comparison = _ReadoutComparison(measure=measure, b=b, center=center, method="exact",
                                             n_samples=DEFAULT_SAMPLES, kernel="mean", stimulus_key=stimulus_key,
                                             time_bins=time_bins, seed=seed)
        check_n_bootstrap(n_bootstrap)
        self.n_observed, self.n_bootstrap, self.min_overlap = n_observed, n_bootstrap, min_overlap

    def __call__(self, assembly1: xr.DataArray, assembly2: xr.DataArray) -> Score:
        """Score two assemblies, aligned by stimulus id, after observing assembly2 on k stimuli.

        Parameters
        ----------
        assembly1, assembly2 : xarray.DataArray
            The model's and the neural assembly (presentation × neuroid [× time_bin]).

        Returns
        -------
        Score
            The mean similarity over neuroids, with the attrs above (over ``time_bin`` with
            ``time_bins="each"``).

        Raises
        ------
        AssemblyError
            For an assembly that cannot be read, too few shared stimuli, or no neuroid that varies
            over the observed stimuli.
        """
        return self.comparison.score_assemblies(self._score, assembly1, assembly2)

    def _score(self, responses1: Responses, responses2: Responses) -> Score:
        c = self.comparison
        aligned, ((rep1, _), (rep2, _)), (b, choice) = c.prepare(responses1, responses2, self.min_overlap)
        if self.n_observed > aligned.n - 2:
            raise AssemblyError(f"n_observed = {self.n_observed} leaves fewer than 2 of the {aligned.n} shared "
                                "stimuli to compare the posterior predictives on")
        rng = np.random.default_rng(c.seed)
        observed = np.sort(rng.choice(aligned.n, self.n_observed, replace=False))
        responses = aligned.second.means[observed]
        # A neuroid with the same response to every observed stimulus has no standardised responses
        # to condition on: left out and reported, as in the posterior over models.
        constant = constant_neuroids(responses)
        neural = aligned.second.name
        if constant.all():
            raise AssemblyError(f"{neural}: every neuroid has the same response to all {self.n_observed} observed "
                                "stimuli; nothing to condition the readouts on (observe more stimuli)")
        if constant.any():
            warnings.warn(f"{neural}: left {int(constant.sum())} of {constant.size} neuroids out of the posterior "
                          f"comparison (the same response to every one of the {self.n_observed} observed stimuli)",
                          stacklevel=4)
        similarities = 1.0 - posterior_distance(rep1, rep2, responses[:, ~constant], observed, c.measure.name, b=b)
        # the resampling unit is the neuroid: n_bootstrap draws of as many neuroids, with replacement
        draws = rng.integers(0, similarities.size, size=(self.n_bootstrap, similarities.size))
        values = similarities[draws].mean(axis=1)
        return resampled_score(
            float(similarities.mean()), values, dim="bootstrap", over=["neuroid"], n_observed=self.n_observed,
            per_neuroid=similarities.tolist(), constant_neuroids=aligned.second.neuroid_ids[constant].tolist(),
            **c.parameters(b), b_choice=choice, **aligned.report(), **self.registered)


class BayesianReadoutCeiling(Metric):
    """The expected score of a perfect model: the ceiling of the readout similarity on neural data.

    A model is scored against the mean over repetitions, s(model, x̄) with x̄ = X + ε̄ (X the
    noiseless signal, ε̄ the mean noise of the recording's repetitions), the recording's expected
    noise put on the model's side too. A perfect model *is* X, so the best expected score is

        g = E_ε̄ s(X, X + ε̄),

    which is below 1 because the noise in x̄ is only matched in expectation (its realisation
    fluctuates around the ridge it adds). The ceiling estimates g by simulation from the recording
    itself, a parametric bootstrap (:mod:`bayesrep_plugin.assemblies.ceiling`):

        ceiling = (1/B) Σ_b s(X̂, X̂ + ε̄*_b),

    with ε̄*_b drawn from each stimulus's own residuals (covariance Σᵢ/Rᵢ, neuron correlations and
    per-stimulus noise levels kept, drift shared within a repetition removed) and X̂ the signal
    estimated from the means (``assemblies/noise.py``). The model side is built as a model is
    (mean kernel, no repetitions) and the data side as the data are (the metric's ``kernel``,
    ``center``, ``b``, measure), so a perfect model's ceiled score is 1 in expectation whatever
    the options. The score's ``chance`` is the same for X̂ with its stimuli shuffled: what a model
    with the signal's spectrum and nothing else would score. With b="auto" both are at the
    recording's resolving b, where the ceiling stands furthest above chance.

    Why not the split-half similarity: s(x̄_A, x̄_B) compares two half-means, both noisy, with R/2
    repetitions each. That is a different quantity from g: each half's noise fluctuates on its own,
    and a model against the full mean sees one realisation at the full R
    (tests/brainscore/test_ceiling.py).

    Assumptions, and where they fail (benchmarks/bench_ceiling.py measures how much): noise
    independent across trials and stimuli with zero mean, apart from a drift shared by all
    stimuli of a repetition; signal directions below the noise bulk enter only through their total
    energy (least accurate at R = 2 with a flat spectrum, or with many more neurons than stimuli);
    at least 2 repetitions of every stimulus (3 with the cross-validated kernel, whose simulated
    trials would be ± the same residual at R = 2).

    Score: the ceiling; ``spread`` = SD of the B simulated perfect scores, how much a perfect
    model's own score varies with the noise; ``estimation_spread`` = how much more it varies when
    the signal is estimated anew from a recording of it (B/2 second-level simulations,
    :func:`~bayesrep_plugin.assemblies.ceiling.estimation_values`): the uncertainty the signal
    estimate adds; ``mc_error`` = spread/√B, the simulation error; ``error`` = √(spread² +
    estimation_spread² + mc_error²), the uncertainty of where a perfect model's score falls, which
    the ceiled score's interval uses; ``raw`` = the B values over dim ``replicate``;
    ``chance`` and ``chance_spread``; ``b``. Cost: 2B comparisons (and the resolving b's search,
    about 20 b × 20 comparisons, once per recording) and one SVD of the n × d means.

    Call as a Brain-Score ceiling: ``ceiling(neural_assembly) -> Score``.

    Parameters
    ----------
    measure : str
        tv, js, hellinger (similarity = 1 − distance), or cka.
    b : float or "auto"
        The readout's noise-to-signal ratio (≥ 0), or "auto" (default): the recording's resolving b.
    center : {"none", "features", "stimuli"}
        Default "features".
    method : {"exact", "mc"}
        For tv and js; ``n_samples`` draws for "mc".
    n_samples : int
    kernel : {"mean", "cross_validated"}
        The kernel of a side with repetitions: of the means, or of products of different
        repetitions only.
    n_replicates : int
        Simulated recordings B (≥ 2).
    seed : int
    stimulus_key : str
    time_bins : {"mean", "each"}
    """

    #: Set by the registry's factory: the id and version it was loaded as.
    registered: dict = {}

    def __init__(self, measure: str = "js", *, b: float | str = AUTO, center: Centering = "features",
                 method: str = "exact", n_samples: int = 10_000, kernel: KernelKind = "mean",
                 n_replicates: int = 20, seed: int = 0, stimulus_key: str = STIMULUS_KEY,
                 time_bins: TimeBins = "mean"):
        if n_replicates < 2:
            raise ValueError(f"n_replicates must be at least 2 to estimate a spread; got {n_replicates}")
        self.comparison = _ReadoutComparison(measure=measure, b=b, center=center, method=method, n_samples=n_samples,
                                             kernel=kernel, stimulus_key=stimulus_key, time_bins=time_bins, seed=seed)
        self.n_replicates = n_replicates

    def __call__(self, assembly: xr.DataArray) -> Score:
        """The ceiling of one neural assembly.

        Parameters
        ----------
        assembly : xarray.DataArray
            With a ``repetition`` coordinate and at least 2 repetitions of every stimulus (3 with
            the cross-validated kernel).

        Returns
        -------
        Score
            The ceiling, with ``spread``, ``mc_error``, ``error``, ``raw``, ``chance`` and ``b``.

        Raises
        ------
        AssemblyError
            For data without repetitions, or too few, or without stimulus-driven signal.
        """
        c = self.comparison
        if c.time_bins == "mean":
            return self._ceiling(c.read(assembly, "neural assembly"))
        bins, labels = _time_bin_pairs(assembly, assembly)
        return _stack_time_bins([self._ceiling(c.read(assembly, "neural assembly", t)) for t, _ in bins], labels)

    def _ceiling(self, responses: Responses) -> Score:
        c = self.comparison
        if responses.repetitions.max() < 2:
            raise AssemblyError(f"{responses.name}: a noise ceiling needs repeated presentations of each stimulus "
                                "(it is estimated from the trial-to-trial variability), and these data have one "
                                "response per stimulus; use the benchmark's own ceiling instead (e.g. "
                                "benchmark.ceiling, which for brainscore_language datasets extrapolates over "
                                "held-out subjects)")
        with single_blas_thread():
            b, choice = c.resolve_b(responses)
            sticks = yardsticks(responses, center=c.center, kernel=c.kernel, n_replicates=self.n_replicates,
                                seed=c.seed)
            comparison = c.at(b)
            perfect, chance = sticks.values(comparison)
            estimated = estimation_values(responses, sticks, comparison, center=c.center,
                                          kernel=c.kernel, replicates=max(2, self.n_replicates // 2), seed=c.seed)
        if c.measure.kind == "distance":
            perfect, chance = 1.0 - perfect, 1.0 - chance
        spread = float(perfect.std(ddof=1))
        mc_error = spread / np.sqrt(perfect.size)
        # the part of the re-estimated perfect scores' scatter that the noise draws alone do not explain
        estimation = float(np.sqrt(max(estimated.var(ddof=1) - spread ** 2, 0.0)))
        margin = float(np.hypot(spread, chance.std(ddof=1)))
        if not perfect.mean() - chance.mean() > SIGNAL_MARGIN * margin:
            raise AssemblyError(
                f"{responses.name}: no stimulus-driven signal: a perfect model of it scores {perfect.mean():.3f} and "
                f"the same model with its stimuli shuffled {chance.mean():.3f}, within {SIGNAL_MARGIN} times their "
                f"spread ({margin:.3f}): the repetitions vary as much as the stimuli do, so a ceiled score would "
                "say nothing (the raw scores and the chance level still do)")
        score = resampled_score(perfect.mean(), perfect, dim="replicate", over=["noise"], spread=spread,
                                mc_error=mc_error, estimation_spread=estimation, chance=float(chance.mean()),
                                chance_spread=float(chance.std(ddof=1)),
                                n_replicates=self.n_replicates, n_stimuli=responses.n, **c.parameters(b),
                                b_choice=choice, **self.registered)
        # where a perfect model's score falls: its scatter over noise draws, the signal estimate's, the simulation's
        score.attrs["error"] = float(np.sqrt(spread ** 2 + estimation ** 2 + mc_error ** 2))
        return score


def _time_bin_pairs(assembly1: xr.DataArray, assembly2: xr.DataArray) -> tuple[list, xr.DataArray]:
    """Time-bin positions to compare, and the time_bin coordinate of the result.

    Assemblies with more than one time bin are compared bin by bin (two such assemblies must have
    the same time bins); an assembly with one or none is used, averaged, for every bin.
    """
    multi = [a for a in (assembly1, assembly2) if a.sizes.get(TIME_DIM, 0) > 1]
    if not multi:
        raise AssemblyError("time_bins='each' needs an assembly with more than one time bin; "
                            f"got sizes {assembly1.sizes.get(TIME_DIM, 0)} and {assembly2.sizes.get(TIME_DIM, 0)}")
    if len(multi) == 2 and not assembly1.get_index(TIME_DIM).equals(assembly2.get_index(TIME_DIM)):
        raise AssemblyError("assembly1 and assembly2 have different time bins: "
                            f"{list(assembly1.get_index(TIME_DIM))} vs {list(assembly2.get_index(TIME_DIM))}")
    n_bins = multi[0].sizes[TIME_DIM]
    own = [a.sizes.get(TIME_DIM, 0) > 1 for a in (assembly1, assembly2)]
    bins = [(t if own[0] else None, t if own[1] else None) for t in range(n_bins)]
    return bins, multi[0][TIME_DIM]


def _stack_time_bins(scores: list[Score], labels: xr.DataArray) -> Score:
    """Per-time-bin scores → one Score over ``time_bin``: error and raw per bin, the rest shared."""
    index = labels.to_index()
    score = Score(np.array([float(s) for s in scores]), coords={TIME_DIM: index}, dims=[TIME_DIM])
    listed = ("interval", "distance", "spread", "estimation_spread", "mc_error", "chance", "chance_spread")   # per bin
    score.attrs = {k: v for k, v in scores[0].attrs.items() if k not in ("error", "raw", *listed)}
    for key in listed:
        if key in scores[0].attrs:
            score.attrs[key] = [s.attrs[key] for s in scores]
    score.attrs["error"] = Score([s.attrs["error"] for s in scores], coords={TIME_DIM: index}, dims=[TIME_DIM])
    raw = np.stack([s.attrs[Score.RAW_VALUES_KEY].values for s in scores])
    dim = scores[0].attrs[Score.RAW_VALUES_KEY].dims[0]  # "bootstrap" or "replicate"
    score.attrs[Score.RAW_VALUES_KEY] = Score(raw, coords={TIME_DIM: index, dim: np.arange(raw.shape[1])},
                                              dims=[TIME_DIM, dim])
    return score
