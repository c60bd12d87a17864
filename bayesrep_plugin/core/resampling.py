"""Resampling stimuli for the uncertainty of a comparison, as submatrices of kernels already computed:
the one module for resample indices, values on resamples and intervals, which the Brain-Score
metric, the reports' pairs (:mod:`bayesrep_plugin.reports.pairs`, whose cached pairs are keyed by
this code as by the rest of the core) use, and whose indices the pair plan
(:mod:`~bayesrep_plugin.core.plan`) gives every pair.

Three schemes:

* ``"quarter"`` (default of the Brain-Score metrics): subsamples of m = max(⌊n/4⌋, 3) distinct
  stimuli, without replacement. For a smooth statistic the variance over m-of-n subsamples without
  replacement is about σ²(1/m − 1/n) (the finite-population correction), against σ²/n for the
  statistic on all n stimuli, so the spread over subsamples, times √(m/(n − m)) (√(1/3) at a
  quarter: :func:`spread_scale`), estimates the error of the full-sample value. A dense generalized
  eigenproblem costs m³, so a quarter-size resample costs 1/8 of a half-size one.
* ``"half"``: subsamples of ⌊n/2⌋ distinct stimuli ("random image samples", as in the paper); the
  same correction is √(m/(n − m)) ≈ 1.
* ``"replacement"``: the classic bootstrap, n stimuli drawn with replacement. A duplicated
  stimulus duplicates a row and column of both kernels; the two prior predictives then share
  exactly the directions xᵢ − xⱼ of duplicate pairs (pure readout noise in both), which pulls
  every readout distance toward 0: on the real activations it biases TV down by several
  bootstrap SDs (docs/guide-brainscore.md has the measurement).

Either way each resample is ``Representation.subset(index)``: a submatrix of K (and the rows of
the low-rank factor when the resample is wider than the factor), never the activations again.

Two intervals: :func:`t_interval` (the metrics): value ± t(0.975, B − 1)·error, the t quantile
paying for an error estimated from B resamples; and :func:`bootstrap_interval` (the reports'
pairwise tables): the percentiles of the resampled values re-centred on the value. How many
resamples: with the t interval, B resamples give an interval t(0.975, B − 1)/1.96 times as wide as
one with the error known exactly (1.07 at B = 20, 1.02 at B = 100); B = 20 is the smallest B within
7% of that limit, and the coverage on simulated recordings is checked by
benchmarks/bench_coverage.py (docs/guide-brainscore.md has its table).

Resamples are many small eigenproblems, which multithreaded BLAS slows down, so the loop runs with
BLAS limited to one thread (:func:`bayesrep_plugin._runtime.single_blas_thread`, which has the
measurements).
"""

from __future__ import annotations

import math
from typing import Callable, Literal, Sequence

import numpy as np
import scipy.stats

from .._runtime import single_blas_thread
from ..errors import BayesrepError
from .prior import Representation

Scheme = Literal["quarter", "half", "replacement"]
SCHEMES: tuple[str, ...] = ("quarter", "half", "replacement")


class ResamplingError(BayesrepError, ValueError):
    """Too few stimuli for the resamples asked for; the message says how many are needed."""


#: The fewest stimuli in a quarter-size resample.
MIN_QUARTER = 3


def resample_indices(n: int, n_bootstrap: int, *, scheme: Scheme = "half", seed: int = 0) -> np.ndarray:
    """Stimulus positions of the resamples.

    Parameters
    ----------
    n : int
        Number of stimuli (at least 6 for half samples).
    n_bootstrap : int
        Number of resamples (≥ 2).
    scheme : {"quarter", "half", "replacement"}
        max(⌊n/4⌋, 3) or ⌊n/2⌋ distinct stimuli, or n drawn with replacement.
    seed : int

    Returns
    -------
    numpy.ndarray, shape (n_bootstrap, m)
        m = :func:`resample_size`.

    Raises
    ------
    ValueError
        For ``n_bootstrap`` < 2 or an unknown scheme; a :class:`ResamplingError` for half samples
        or quarter samples of fewer than 6 stimuli (:func:`resample_size`).
    """
    check_resampling(n_bootstrap, scheme)
    size = resample_size(n, scheme)
    rng = np.random.default_rng(seed)
    if scheme != "replacement":
        return np.stack([rng.choice(n, size, replace=False) for _ in range(n_bootstrap)])
    return rng.integers(0, n, size=(n_bootstrap, size))


#: The fewest stimuli that half samples are drawn from (each then has 3).
MIN_HALF_SAMPLED = 6


def resample_size(n: int, scheme: Scheme = "half") -> int:
    """How many stimuli each resample of ``n`` holds: max(⌊n/4⌋, 3) (quarter), ⌊n/2⌋ (half) or
    n (replacement).

    Parameters
    ----------
    n : int
        Number of stimuli.
    scheme : {"quarter", "half", "replacement"}

    Returns
    -------
    int

    Raises
    ------
    ResamplingError
        For half or quarter samples of fewer than :data:`MIN_HALF_SAMPLED` stimuli.
    """
    if scheme != "replacement" and n < MIN_HALF_SAMPLED:
        raise ResamplingError(f"{scheme}-sampling needs at least {MIN_HALF_SAMPLED} stimuli; got {n} shared stimuli "
                            "(use more stimuli, or no resamples: n_bootstrap 0)")
    return {"quarter": max(n // 4, MIN_QUARTER), "half": n // 2}.get(scheme, n)


def spread_scale(n: int, m: int, scheme: Scheme) -> float:
    """The factor from the SD over resamples of m of n stimuli to the error of the value on all n.

    √(m/(n − m)) for subsamples without replacement (the module docstring: their variance is about
    σ²(1/m − 1/n), the full sample's σ²/n); 1 for the bootstrap with replacement.

    Parameters
    ----------
    n, m : int
        Stimuli in all, and in each resample.
    scheme : {"quarter", "half", "replacement"}

    Returns
    -------
    float
    """
    return 1.0 if scheme == "replacement" else math.sqrt(m / (n - m))


def t_interval(value: float, error: float, n_bootstrap: int, value_range: tuple[float, float]) -> tuple[float, float]:
    """The 95% interval value ± t(0.975, B − 1)·error, inside the measure's declared range.

    The t quantile with B − 1 degrees of freedom accounts for ``error`` being estimated from B
    resamples (module docstring). An end past the range is clipped to it.

    Parameters
    ----------
    value : float
        The measure on all stimuli.
    error : float
        Its standard error (the resamples' SD times :func:`spread_scale`).
    n_bootstrap : int
        The number of resamples the error comes from (≥ 2).
    value_range : tuple of float
        The measure's declared (lowest, highest) value.

    Returns
    -------
    tuple of float
        (low, high), within ``value_range``.
    """
    half = float(scipy.stats.t.ppf(0.975, n_bootstrap - 1)) * float(error)
    low, high = np.clip([value - half, value + half], *value_range)
    return float(low), float(high)


def check_n_bootstrap(n_bootstrap: int, *, zero_means_no_interval: bool = False) -> None:
    """The one rule for a number of resamples: a whole number ≥ 2, the fewest that estimate a spread.

    Parameters
    ----------
    n_bootstrap : int
        The number of resamples (of stimuli, or of neuroids for the encoding score).
    zero_means_no_interval : bool
        Also allow 0, meaning "no resamples, so no intervals": the reports' settings (``n_bootstrap:
        0`` in a leaderboard config, ``--n-bootstrap 0``). A metric's score always carries an error,
        so the metrics leave this False.

    Raises
    ------
    ValueError
        Saying what is allowed and naming the value given.
    """
    whole = isinstance(n_bootstrap, (int, np.integer)) and not isinstance(n_bootstrap, bool)
    if whole and (n_bootstrap >= 2 or (zero_means_no_interval and n_bootstrap == 0)):
        return
    allowed = "0 (no intervals) or a whole number of at least 2" if zero_means_no_interval else \
        "a whole number of at least 2"
    raise ValueError(f"n_bootstrap must be {allowed} to estimate a spread; got {n_bootstrap!r}")


def check_resampling(n_bootstrap: int, scheme: str) -> None:
    """Raise ValueError unless ``n_bootstrap`` passes :func:`check_n_bootstrap` and ``scheme`` is
    one of :data:`SCHEMES`."""
    check_n_bootstrap(n_bootstrap)
    if scheme not in SCHEMES:
        raise ValueError(f"scheme={scheme!r} is not one of {SCHEMES}")


def bootstrap_interval(value: float, resampled: np.ndarray, value_range: tuple[float, float]) -> tuple[float, float]:
    """The 95% interval of ``value`` from its resampled values, inside the measure's declared range.

    The 2.5–97.5 percentiles of the resampled values, shifted by value − mean(resampled): the
    resamples estimate the spread well, but a readout distance depends on the number of stimuli,
    so their own location is biased (docs/guide-brainscore.md). Near an end of the range (a TV
    close to 1, an RSA close to −1 at few stimuli) that shift can carry an end past it; the end is
    then clipped to the range, since no value can lie beyond it.

    Parameters
    ----------
    value : float
        The measure on all stimuli.
    resampled : numpy.ndarray, shape (n_bootstrap,)
        The measure on each resample.
    value_range : tuple of float
        The measure's declared (lowest, highest) value.

    Returns
    -------
    tuple of float
        (low, high), within ``value_range``.
    """
    shift = float(resampled.mean()) - float(value)
    low, high = np.clip(np.percentile(resampled, [2.5, 97.5]) - shift, *value_range)
    return float(low), float(high)


def bootstrap_values(rep1: Representation, rep2: Representation,
                     compare: Callable[[Representation, Representation], float | Sequence[float]],
                     indices: np.ndarray) -> np.ndarray:
    """``compare`` on every resample of stimuli, with BLAS on one thread (many small problems): the
    one resampling loop of the metrics and of the reports' pairs.

    Parameters
    ----------
    rep1, rep2 : Representation
        On the same stimuli.
    compare : callable
        (rep1, rep2) → float, or a row of floats (several measures of one pair).
    indices : numpy.ndarray, shape (n_bootstrap, m)
        One resample per row (:func:`resample_indices`).

    Returns
    -------
    numpy.ndarray, shape (n_bootstrap,), or (n_bootstrap, k) for rows of k floats
    """
    with single_blas_thread():
        return np.array([compare(rep1.subset(index), rep2.subset(index)) for index in indices], dtype=float)
