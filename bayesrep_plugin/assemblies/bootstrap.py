"""Resampling stimuli for the uncertainty of a comparison, as submatrices of kernels already computed.

Two schemes:

* ``"half"`` (default): subsamples of ⌊n/2⌋ distinct stimuli, without replacement ("random image
  samples", as in the paper). For a smooth statistic the variance over m-of-n subsamples without
  replacement is about σ²(1/m − 1/n); at m = n/2 that is σ²/n, the variance of the statistic on
  all n stimuli, which is what the with-replacement bootstrap aims at. No stimulus is duplicated.
* ``"replacement"``: the classic bootstrap, n stimuli drawn with replacement. A duplicated
  stimulus duplicates a row and column of both kernels; the two prior predictives then share
  exactly the directions xᵢ − xⱼ of duplicate pairs (pure readout noise in both), which pulls
  every readout distance toward 0: on the real activations it biases TV down by several
  bootstrap SDs (docs/guide-brainscore.md has the measurement).

Either way each resample is ``Representation.subset(index)``: a submatrix of K (and the rows of
the low-rank factor when there is one), never the activations again. :func:`bootstrap_interval`
turns the resampled values into the 95% interval that the metrics and reports give.

Resamples are many small eigenproblems, which multithreaded BLAS slows down: on this project's
2-core machines under load, one 500 × 500 generalized eigenproblem took 0.25 s with 2 OpenBLAS
threads and 0.03 s with 1, and 100 resamples at n = 1000 went from 51 s to 7.6 s. So the loop
runs with BLAS limited to one thread (:func:`single_blas_thread`).
"""

from __future__ import annotations

import functools
from typing import Callable, Literal

import numpy as np
from threadpoolctl import ThreadpoolController

from bayesrep_plugin.core.prior import Representation

from .responses import AssemblyError

Scheme = Literal["half", "replacement"]
SCHEMES: tuple[str, ...] = ("half", "replacement")


def resample_indices(n: int, n_bootstrap: int, *, scheme: Scheme = "half", seed: int = 0) -> np.ndarray:
    """Stimulus positions of the resamples.

    Parameters
    ----------
    n : int
        Number of stimuli (at least 6 for half samples).
    n_bootstrap : int
        Number of resamples (≥ 2).
    scheme : {"half", "replacement"}
        ⌊n/2⌋ distinct stimuli, or n drawn with replacement.
    seed : int

    Returns
    -------
    numpy.ndarray, shape (n_bootstrap, m)
        m = ⌊n/2⌋ (half) or n (replacement).

    Raises
    ------
    ValueError
        For ``n_bootstrap`` < 2 or an unknown scheme; an :class:`AssemblyError` for half samples
        of fewer than 6 stimuli (:func:`resample_size`).
    """
    check_resampling(n_bootstrap, scheme)
    size = resample_size(n, scheme)
    rng = np.random.default_rng(seed)
    if scheme == "half":
        return np.stack([rng.choice(n, size, replace=False) for _ in range(n_bootstrap)])
    return rng.integers(0, n, size=(n_bootstrap, size))


#: The fewest stimuli that half samples are drawn from (each then has 3).
MIN_HALF_SAMPLED = 6


def resample_size(n: int, scheme: Scheme = "half") -> int:
    """How many stimuli each resample of ``n`` holds: ⌊n/2⌋ (half) or n (replacement).

    Parameters
    ----------
    n : int
        Number of stimuli.
    scheme : {"half", "replacement"}

    Returns
    -------
    int

    Raises
    ------
    AssemblyError
        For half samples of fewer than :data:`MIN_HALF_SAMPLED` stimuli.
    """
    if scheme == "half" and n < MIN_HALF_SAMPLED:
        raise AssemblyError(f"half-sampling needs at least {MIN_HALF_SAMPLED} stimuli; got {n} shared stimuli "
                            "(use more stimuli, or no resamples: n_bootstrap 0)")
    return n // 2 if scheme == "half" else n


def check_resampling(n_bootstrap: int, scheme: str) -> None:
    """Raise ValueError unless ``n_bootstrap`` ≥ 2 and ``scheme`` is one of :data:`SCHEMES`."""
    if n_bootstrap < 2:
        raise ValueError(f"n_bootstrap must be at least 2 to estimate a spread; got {n_bootstrap}")
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


def bootstrap_values(rep1: Representation, rep2: Representation, compare: Callable[[Representation, Representation], float],
                     indices: np.ndarray) -> np.ndarray:
    """``compare`` on every resample of stimuli, with BLAS on one thread (many small problems).

    Parameters
    ----------
    rep1, rep2 : Representation
        On the same stimuli.
    compare : callable
        (rep1, rep2) → float.
    indices : numpy.ndarray, shape (n_bootstrap, m)
        One resample per row (:func:`resample_indices`).

    Returns
    -------
    numpy.ndarray, shape (n_bootstrap,)
    """
    with single_blas_thread():
        return np.array([float(compare(rep1.subset(index), rep2.subset(index))) for index in indices])


@functools.cache
def _blas_libraries() -> ThreadpoolController:
    """The process's BLAS libraries, listed once: listing them costs about 1.6 ms, which every pair
    would otherwise pay (a pair of 1,000 stimuli takes about 70 ms). scipy.linalg is loaded first
    because scipy brings its own BLAS, the one our eigensolvers use."""
    import scipy.linalg  # noqa: F401

    return ThreadpoolController()


def single_blas_thread():
    """Context in which BLAS/LAPACK use one thread: for loops of many small linear-algebra problems."""
    return _blas_libraries().limit(limits=1, user_api="blas")
