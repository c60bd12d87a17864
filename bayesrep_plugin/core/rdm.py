"""Representational dissimilarity matrices (RDMs) → linear kernels, for data that come only as RDMs.

Published brain data (e.g. the 92-image monkey and human IT data of Kriegeskorte et al. 2008) are
often RDMs, not response matrices. The readout distances need a kernel K = X Xᵀ; for the two
usual kinds of RDM one can be recovered exactly, but it is the kernel of *transformed* patterns,
and the transformation decides what the readout can see.

Correlation distance, Dᵢⱼ = 1 − rᵢⱼ (r the Pearson correlation of the patterns of stimuli i and
j over the d features; ``kind="correlation"``). Z-score each stimulus's pattern across features
(mean 0, SD 1 over its d features, population SD); then zᵢ·zⱼ / d = rᵢⱼ, so

    K = 1 − D = R = Z Zᵀ / d

is the kernel of the z-scored patterns, up to the factor 1/d, which does not matter: the prior
predictive uses K / tr K. Equivalently, K is the kernel of ``center="stimuli"`` (each stimulus's
mean over features removed) with each stimulus then scaled to unit norm, Kᵢⱼ / √(KᵢᵢKⱼⱼ)
(:func:`correlation_kernel`). For the readout: every stimulus's pattern has the same mean (0) and
the same norm, so a readout from K sees only each stimulus's pattern *shape*: not its overall
activation level (mean over units) nor its gain (spread over units). Each unit's mean response
over stimuli is kept (R is not feature-centred). Models must go through the same transformation
to stand beside such a brain: :func:`correlation_kernel` of their activations.

Squared Euclidean distance, Dᵢⱼ = |xᵢ − xⱼ|² (``kind="squared_euclidean"``). Classical MDS
(Torgerson 1952; Gower 1966):

    K = −½ H D H,     H = I − 11ᵀ/n,

is exactly the kernel of the feature-centred patterns, x̃ᵢ = xᵢ − x̄ (``center="features"``), since
Dᵢⱼ = Kᵢᵢ + Kⱼⱼ − 2Kᵢⱼ for any kernel and H removes the terms that depend on i or j alone. A
distance only fixes the patterns up to a translation, so the readout sees each unit's response
relative to its mean over the stimuli, never the mean. When D is not a squared Euclidean distance
(noise, or a squared RDM passed as ``"euclidean"`` and so squared twice) −½ H D H has negative
eigenvalues; they are set to 0 (the nearest PSD kernel in Frobenius norm), with a warning saying how
much of the trace that lost when they are beyond what the RDM's own precision explains (float32
entries are off by 6e-8 of themselves, which moves K's eigenvalues by up to n·2ε·max D). The converse mistake cannot be caught: the square root of a squared
Euclidean RDM is again a squared Euclidean RDM (Schoenberg 1938), so a Euclidean RDM passed as
squared gives a valid kernel, of other patterns: say the kind right.
rsatoolbox's ``method="euclidean"`` RDMs are already squared distances divided by the number of
channels (a scale, irrelevant here): pass them as ``"squared_euclidean"``. A Euclidean distance
that is *not* squared (``kind="euclidean"``, e.g. scipy's ``pdist(X, "euclidean")``) is squared
first.

A correlation RDM is itself a squared Euclidean one: |zᵢ − zⱼ|² = 2d(1 − rᵢⱼ). So passing it as
``"squared_euclidean"`` is valid and gives ½ H R H, the kernel of the z-scored patterns, also
feature-centred: both kinds agree up to feature centring.

RSA with this package's :func:`~bayesrep_plugin.core.classic.rsa` compares the squared Euclidean
RDMs of two kernels; for K = 1 − D that RDM is Kᵢᵢ + Kⱼⱼ − 2Kᵢⱼ = 2D, so RSA on recovered kernels
is RSA on the given RDMs.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

from .kernels import center_kernel, linear_kernel

RdmKind = Literal["correlation", "squared_euclidean", "euclidean"]
RDM_KINDS: tuple[str, ...] = ("correlation", "squared_euclidean", "euclidean")

#: Relative tolerance of the RDM checks (symmetry, zero diagonal, sign, the range of 1 − r): RDMs
#: are often stored in float32, whose rounding is ~6e-8.
RDM_TOLERANCE = 1e-6

#: Negative eigenvalues of a recovered kernel smaller than this (relative to the largest) are rounding.
ROUNDING = 1e-10


def square_rdm(D, name: str = "RDM") -> np.ndarray:
    """An RDM as a square float64 matrix: a square matrix as given, or a condensed vector of the
    n(n−1)/2 upper-triangle entries, row by row (scipy's ``squareform`` order, which is also
    MATLAB's for a symmetric matrix)."""
    D = np.asarray(D, dtype=np.float64)
    if D.ndim == 1:
        n = int(round((1 + np.sqrt(1 + 8 * D.size)) / 2))
        if n * (n - 1) // 2 != D.size or D.size == 0:
            raise ValueError(f"{name}: a condensed RDM has n(n−1)/2 entries; {D.size} is not such a number")
        square = np.zeros((n, n))
        square[np.triu_indices(n, k=1)] = D
        return square + square.T
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise ValueError(f"{name}: an RDM must be a square matrix (n × n) or a condensed vector; got shape {D.shape}")
    return D


def check_rdm(D, name: str = "RDM") -> np.ndarray:
    """Validate a dissimilarity matrix: square (or condensed), at least 2 stimuli, finite,
    symmetric, zero diagonal, non-negative, not all zero.

    Symmetry, the diagonal and the sign are checked to :data:`RDM_TOLERANCE` relative to the
    largest entry; the result is exactly symmetric with an exactly zero diagonal.

    Parameters
    ----------
    D : array_like, (n, n) or (n(n−1)/2,)
        The dissimilarities.
    name : str
        Named in error messages.

    Returns
    -------
    numpy.ndarray, (n, n) float64
    """
    D = square_rdm(D, name)
    n = D.shape[0]
    if n < 2:
        raise ValueError(f"{name}: at least 2 stimuli are needed; got {n}")
    if not np.isfinite(D).all():
        i, j = np.argwhere(~np.isfinite(D))[0]
        raise ValueError(f"{name}: non-finite dissimilarity {D[i, j]} at stimuli ({i}, {j})")
    scale = np.abs(D).max()
    if scale == 0:
        raise ValueError(f"{name}: all dissimilarities are zero (every stimulus has the same pattern)")
    tolerance = RDM_TOLERANCE * scale
    asymmetry = np.abs(D - D.T)
    if asymmetry.max() > tolerance:
        i, j = np.unravel_index(asymmetry.argmax(), D.shape)
        raise ValueError(f"{name}: not symmetric: D[{i}, {j}] = {D[i, j]:.6g} but D[{j}, {i}] = {D[j, i]:.6g}")
    diagonal = np.abs(np.diag(D))
    if diagonal.max() > tolerance:
        i = int(diagonal.argmax())
        raise ValueError(f"{name}: the diagonal must be zero (a stimulus's dissimilarity to itself); "
                         f"D[{i}, {i}] = {D[i, i]:.6g}")
    if D.min() < -tolerance:
        i, j = np.unravel_index(D.argmin(), D.shape)
        raise ValueError(f"{name}: dissimilarities must be non-negative; D[{i}, {j}] = {D[i, j]:.6g}")
    D = np.maximum((D + D.T) / 2, 0.0)
    np.fill_diagonal(D, 0.0)
    return D


def kernel_from_rdm(D: ArrayLike, kind: RdmKind, name: str = "RDM") -> np.ndarray:
    """The linear kernel that an RDM determines (see the module docstring for the maths).

    Parameters
    ----------
    D : array_like, (n, n) or (n(n−1)/2,)
        The dissimilarities, checked by :func:`check_rdm`.
    kind : {"correlation", "squared_euclidean", "euclidean"}
        ``"correlation"``: D = 1 − r, K = 1 − D (the kernel of the per-stimulus z-scored patterns,
        divided by d); D must lie in [0, 2]. ``"squared_euclidean"``: K = −½ H D H (the kernel of
        the feature-centred patterns). ``"euclidean"``: D is squared first, then as above.
    name : str
        Named in error messages and warnings.

    Returns
    -------
    numpy.ndarray, (n, n) float64
        A symmetric PSD kernel. Negative eigenvalues beyond rounding (an RDM that is not of the
        stated kind, or noisy) are set to 0 with a :class:`UserWarning` giving the trace lost.

    Raises
    ------
    ValueError
        For an unknown ``kind``, an RDM that is not square, symmetric, non-negative with a zero
        diagonal (:func:`check_rdm`), or a correlation distance outside [0, 2].
    """
    if kind not in RDM_KINDS:
        raise ValueError(f"{name}: kind={kind!r} is not one of {RDM_KINDS}")
    given = np.asarray(D)
    precision = np.finfo(given.dtype if np.issubdtype(given.dtype, np.floating) else np.float64).eps
    D = check_rdm(D, name)
    if kind == "correlation":
        if D.max() > 2 * (1 + RDM_TOLERANCE):
            i, j = np.unravel_index(D.argmax(), D.shape)
            raise ValueError(f"{name}: a correlation distance 1 − r lies in [0, 2]; D[{i}, {j}] = {D[i, j]:.6g}. "
                             "Is it a Euclidean RDM?")
        K = 1.0 - D
        stored = D
    else:
        stored = D * D if kind == "euclidean" else D
        K = -0.5 * center_kernel(stored)
    # Each stored entry is off by up to ε·|entry| (2ε once squared), and so K by at most that matrix's
    # spectral norm, ≤ n·2ε·max|entry|: negative eigenvalues within it are the RDM's own rounding.
    rounding = len(D) * 2 * precision * np.abs(stored).max()
    return _clip_negative_eigenvalues(K, name, rounding)


def _clip_negative_eigenvalues(K: np.ndarray, name: str, rounding: float) -> np.ndarray:
    """Symmetric K with its negative eigenvalues set to 0: the PSD matrix nearest in Frobenius norm
    (as :func:`bayesrep_plugin.assemblies.kernels.nearest_psd`, but saying what it removed).

    Eigenvalues above −1e-10 × the largest are rounding of the computation and leave K as it is
    (exactly); larger negative ones are clipped, with a warning that says which share of the trace
    that removed (Σ|λ₋| / Σ λ₊) when the most negative one is beyond ``rounding``, the bound of what
    the RDM's own precision (e.g. float32) can explain.
    """
    K = (K + K.T) / 2
    w, V = scipy.linalg.eigh(K, driver="evr")
    if w[-1] <= 0:
        raise ValueError(f"{name}: the kernel has no positive eigenvalue (nothing for a readout to use)")
    if w[0] >= -ROUNDING * w[-1]:
        return K
    negative = w < 0
    if -w[0] > rounding:
        lost = -w[negative].sum() / w[~negative].sum()
        warnings.warn(f"{name}: {int(negative.sum())} negative eigenvalues (down to {w[0]:.3g}; largest {w[-1]:.3g}) "
                      f"set to 0, {100 * lost:.2g}% of the trace: the dissimilarities are not exactly of the stated "
                      "kind (or are noisy)", stacklevel=3)
    return (V[:, ~negative] * w[~negative]) @ V[:, ~negative].T


def normalize_stimuli(K: np.ndarray, name: str = "K") -> np.ndarray:
    """Kᵢⱼ / √(Kᵢᵢ Kⱼⱼ): the kernel of the patterns scaled to unit norm (cosine similarities)."""
    norms = np.sqrt(np.diag(K))
    if not (norms > 0).all():
        raise ValueError(f"{name}: stimulus {int(np.argmin(norms))} has a zero pattern (after centering), "
                         "so its correlation with the others is undefined")
    return K / np.outer(norms, norms)


def correlation_kernel(X: ArrayLike, name: str = "X") -> np.ndarray:
    """R, the Pearson correlations between the stimuli's patterns: the kernel that ``1 − RDM`` gives
    for a correlation-distance RDM of the same activations.

    R = Z Zᵀ / d for Z the patterns z-scored per stimulus across features, computed as the kernel
    of ``center="stimuli"`` normalised per stimulus (:func:`normalize_stimuli`).

    Parameters
    ----------
    X : array_like, (n stimuli, ...)
        Activations (trailing dims are flattened to features, as in
        :func:`~bayesrep_plugin.core.kernels.linear_kernel`).
    name : str
        Used in error messages.

    Returns
    -------
    numpy.ndarray, (n, n) float64, unit diagonal
    """
    return normalize_stimuli(linear_kernel(X, center="stimuli", name=name), name)
