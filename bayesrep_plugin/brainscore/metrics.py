"""Brain-Score metrics: Bayesian readout similarity, its split-half ceiling, and the encoding score.

A metric follows ``brainscore_core.metrics.Metric``: ``metric(assembly1, assembly2) -> Score``,
higher = more similar, 1 = identical. For the readout distances d ∈ [0, 1] (TV, JS, Hellinger)
the score is the similarity 1 − d; a measure that is itself a similarity in [0, 1] is used as is.
By Brain-Score convention assembly1 is the model and assembly2 the neural data, but nothing here
depends on the order.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import xarray as xr
from brainscore_core.metrics import Metric, Score

from bayesrep_plugin.assemblies.align import align
from bayesrep_plugin.assemblies.bootstrap import (Scheme, bootstrap_values, check_resampling, resample_indices,
                                                  single_blas_thread)
from bayesrep_plugin.assemblies.kernels import KERNELS, KernelKind, representation
from bayesrep_plugin.assemblies.responses import (STIMULUS_KEY, TIME_DIM, AssemblyError, Responses,
                                                  responses_from_assembly, split_half)
from bayesrep_plugin.core.kernels import CENTERINGS, Centering
from bayesrep_plugin.core.measures import Measure, get_measure
from bayesrep_plugin.core.prior import DEFAULT_B, Representation, check_b

from .scores import resampled_score

TimeBins = Literal["mean", "each"]


def similarity_measure(name: str) -> Measure:
    """The measure ``name`` if it can be a Brain-Score similarity (a [0, 1] distance or similarity)."""
    measure = get_measure(name)
    if measure.value_range != (0.0, 1.0) or measure.kind not in ("distance", "similarity"):
        raise ValueError(f"measure {name!r} ({measure.kind} in {measure.value_range}) has no similarity in "
                         "[0, 1]; use tv, js, hellinger (similarity = 1 − distance) or cka")
    return measure


class _ReadoutComparison:
    """The options shared by the similarity and its ceiling, and the one comparison they make."""

    def __init__(self, measure: str, b: float, center: Centering, method: str, n_samples: int,
                 kernel: KernelKind, stimulus_key: str, time_bins: TimeBins, seed: int):
        self.measure = similarity_measure(measure)
        self.b = check_b(b)
        if center not in CENTERINGS:
            raise ValueError(f"center={center!r} is not one of {CENTERINGS}")
        if kernel not in KERNELS:
            raise ValueError(f"kernel={kernel!r} is not one of {KERNELS}")
        if time_bins not in ("mean", "each"):
            raise ValueError(f"time_bins={time_bins!r} is not 'mean' or 'each'")
        self.center, self.kernel, self.stimulus_key, self.time_bins, self.seed = center, kernel, stimulus_key, time_bins, seed
        readout = {"method": method, "n_samples": n_samples, "seed": seed}
        self.options = {k: v for k, v in readout.items() if k in self.measure.options}

    def similarity(self, rep1: Representation, rep2: Representation) -> float:
        value = float(self.measure(rep1, rep2, **self.options))
        return 1.0 - value if self.measure.kind == "distance" else value

    def representation(self, responses: Responses) -> tuple[Representation, str]:
        """The representation of one side; the cross-validated kernel only where repetitions exist."""
        kind = self.kernel if responses.repetitions.max() > 1 else "mean"
        return representation(responses, b=self.b, center=self.center, kernel=kind), kind

    def parameters(self) -> dict:
        return {"measure": self.measure.name, "b": self.b, "center": self.center, "kernel": self.kernel,
                "stimulus_key": self.stimulus_key, "seed": self.seed, **self.options}

    def read(self, assembly: xr.DataArray, name: str, time_bin: int | None = None) -> Responses:
        return responses_from_assembly(assembly, stimulus_key=self.stimulus_key, time_bin=time_bin, name=name)


class BayesianReadoutSimilarity(Metric):
    """Similarity 1 − d of two assemblies under a Bayesian readout distance d, with a bootstrap.

    Steps: read both assemblies (validated, repetitions kept), align them on shared stimulus ids,
    build each side's kernel once (mean over repetitions, or the cross-validated kernel for a side
    with repetitions when ``kernel="cross_validated"``), compare on all stimuli (the score), then
    on ``n_bootstrap`` resamples of stimuli, each a submatrix of the two kernels.

    Parameters: ``measure`` (tv, js, hellinger; or cka), ``b`` the noise-to-signal ratio,
    ``center`` ("none", "features", "stimuli"), ``method`` ("exact" or "mc") and ``n_samples`` for
    the Monte Carlo estimate, ``kernel`` ("mean" or "cross_validated"), ``n_bootstrap`` and
    ``bootstrap`` ("half": subsamples of n/2 without replacement; "replacement"), ``seed``,
    ``stimulus_key``, ``min_overlap`` (least shared fraction of the smaller assembly's stimuli),
    ``time_bins`` ("mean" averages time bins; "each" gives a score per time bin).

    Score attrs: ``error`` (SD of the bootstrap similarities), ``error_over`` = ["stimulus"],
    ``n_bootstrap``, ``raw`` (the bootstrap similarities over dim ``bootstrap``), ``interval`` (95%
    percentile interval of the bootstrap values, re-centred on the score: the shift
    ``bootstrap_bias`` = mean(bootstrap) − score comes from the resample size, see
    docs/guide-brainscore.md), ``distance``, the parameters, ``n_stimuli``, ``stimuli_lost``,
    ``dropped_neuroids`` and the ``kernels`` used for each side.
    """

    def __init__(self, measure: str = "js", *, b: float = DEFAULT_B, center: Centering = "none",
                 method: str = "exact", n_samples: int = 10_000, kernel: KernelKind = "mean",
                 n_bootstrap: int = 100, bootstrap: Scheme = "half", seed: int = 0,
                 stimulus_key: str = STIMULUS_KEY, min_overlap: float = 0.5, time_bins: TimeBins = "mean"):
        self.comparison = _ReadoutComparison(measure, b, center, method, n_samples, kernel, stimulus_key,
                                             time_bins, seed)
        check_resampling(n_bootstrap, bootstrap)
        self.n_bootstrap, self.bootstrap, self.min_overlap = n_bootstrap, bootstrap, min_overlap

    def ceiling(self, n_splits: int = 20) -> "BayesianReadoutCeiling":
        """The split-half ceiling with this metric's measure and options."""
        c = self.comparison
        readout = {k: v for k, v in c.options.items() if k != "seed"}
        return BayesianReadoutCeiling(c.measure.name, b=c.b, center=c.center, kernel=c.kernel, n_splits=n_splits,
                                      seed=c.seed, stimulus_key=c.stimulus_key, time_bins=c.time_bins, **readout)

    def __call__(self, assembly1: xr.DataArray, assembly2: xr.DataArray) -> Score:
        c = self.comparison
        if c.time_bins == "mean":
            return self._score(c.read(assembly1, "assembly1"), c.read(assembly2, "assembly2"))
        bins, labels = _time_bin_pairs(assembly1, assembly2)
        scores = [self._score(c.read(assembly1, "assembly1", t1), c.read(assembly2, "assembly2", t2))
                  for t1, t2 in bins]
        return _stack_time_bins(scores, labels)

    def _score(self, responses1: Responses, responses2: Responses) -> Score:
        c = self.comparison
        aligned = align(responses1, responses2, min_overlap=self.min_overlap)
        (rep1, kind1), (rep2, kind2) = c.representation(aligned.first), c.representation(aligned.second)
        point = c.similarity(rep1, rep2)
        indices = resample_indices(aligned.n, self.n_bootstrap, scheme=self.bootstrap, seed=c.seed)
        values = bootstrap_values(rep1, rep2, c.similarity, indices)
        shift = float(values.mean()) - point
        low, high = np.percentile(values, [2.5, 97.5]) - shift
        distance = {"distance": 1.0 - point} if c.measure.kind == "distance" else {}
        return resampled_score(
            point, values, dim="bootstrap", over=["stimulus"], interval=[float(low), float(high)],
            bootstrap_bias=shift, bootstrap_scheme=self.bootstrap, bootstrap_size=int(indices.shape[1]),
            **distance, **c.parameters(), **aligned.report(),
            kernels={responses1.name: kind1, responses2.name: kind2},
            dropped_neuroids={r.name: len(r.dropped_neuroids) for r in (responses1, responses2)})


class BayesianReadoutCeiling(Metric):
    """Split-half ceiling of neural data with repetitions, under a readout similarity.

    For each of ``n_splits`` seeded random splits, every stimulus's repetitions are shuffled and
    divided into two halves of ⌊r/2⌋ each (one left out when r is odd); the similarity between the
    two halves' representations is computed with the metric's measure and options. The ceiling
    is the mean over splits; ``error`` is their SD; ``raw`` holds them over dim ``split``.

    No Spearman–Brown step: that correction extrapolates a *correlation* between two half-means
    to the reliability of the full mean, using the algebra of correlations of sums of parallel
    measurements; a readout distance between two Gaussians is not a function of a correlation
    and has no such algebra (see docs/guide-brainscore.md). The split-half similarity is
    therefore a conservative ceiling (halves are noisier than the full mean), and ceiled scores
    are clipped to [0, 1] with the unclipped value kept.

    Call as a Brain-Score ceiling: ``ceiling(neural_assembly) -> Score``.
    """

    def __init__(self, measure: str = "js", *, b: float = DEFAULT_B, center: Centering = "none",
                 method: str = "exact", n_samples: int = 10_000, kernel: KernelKind = "mean",
                 n_splits: int = 20, seed: int = 0, stimulus_key: str = STIMULUS_KEY,
                 time_bins: TimeBins = "mean"):
        if n_splits < 2:
            raise ValueError(f"n_splits must be at least 2 to estimate a spread; got {n_splits}")
        self.comparison = _ReadoutComparison(measure, b, center, method, n_samples, kernel, stimulus_key,
                                             time_bins, seed)
        self.n_splits = n_splits

    def __call__(self, assembly: xr.DataArray) -> Score:
        c = self.comparison
        if c.time_bins == "mean":
            return self._ceiling(c.read(assembly, "neural assembly"))
        bins, labels = _time_bin_pairs(assembly, assembly)
        return _stack_time_bins([self._ceiling(c.read(assembly, "neural assembly", t)) for t, _ in bins], labels)

    def _ceiling(self, responses: Responses) -> Score:
        c = self.comparison
        minimum = 4 if c.kernel == "cross_validated" else 2  # each half needs 2 for its own cv kernel
        responses.require_repetitions(minimum, "the split-half ceiling")
        rng = np.random.default_rng(c.seed)
        values = []
        with single_blas_thread():
            for _ in range(self.n_splits):
                half1, half2 = split_half(responses, rng)
                values.append(c.similarity(c.representation(half1)[0], c.representation(half2)[0]))
        values = np.array(values)
        return resampled_score(values.mean(), values, dim="split", over=["split"], n_splits=self.n_splits,
                               n_stimuli=responses.n, **c.parameters())


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
    per_bin = ("error", "raw", "interval", "distance")
    score.attrs = {k: v for k, v in scores[0].attrs.items() if k not in per_bin}
    for key in ("interval", "distance"):
        if key in scores[0].attrs:
            score.attrs[key] = [s.attrs[key] for s in scores]
    score.attrs["error"] = Score([s.attrs["error"] for s in scores], coords={TIME_DIM: index}, dims=[TIME_DIM])
    raw = np.stack([s.attrs[Score.RAW_VALUES_KEY].values for s in scores])
    dim = scores[0].attrs[Score.RAW_VALUES_KEY].dims[0]  # "bootstrap" or "split"
    score.attrs[Score.RAW_VALUES_KEY] = Score(raw, coords={TIME_DIM: index, dim: np.arange(raw.shape[1])},
                                              dims=[TIME_DIM, dim])
    return score
