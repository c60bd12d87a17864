"""Responses → linear kernels: the plain kernel of the mean, and the noise-aware cross-validated one.

With r repetitions of stimulus i, x̄ᵢ = xᵢ + ε̄ᵢ with noise ε̄ᵢ of covariance Σ_ε / r. The
kernel of the means, K̄ᵢⱼ = x̄ᵢ·x̄ⱼ, is unbiased off the diagonal (independent noise) but its
diagonal carries E|ε̄ᵢ|² = tr Σ_ε / r: noise adds a ridge to the kernel and pulls every readout
distance toward that of an isotropic representation.

The cross-validated kernel (as in crossnobis) multiplies responses of *different* repetitions only:

    Kᶜᵛᵢⱼ = mean over r ≠ r' of  xᵢ⁽ʳ⁾ · xⱼ⁽ʳ'⁾,

with repetitions labelled as partitions (repetition r of all stimuli shares a session), so noise
shared within a repetition cancels too. E Kᶜᵛ = X Xᵀ exactly. It can have small negative
eigenvalues, so it is projected onto the nearest PSD matrix (in Frobenius norm: negative
eigenvalues set to zero). Needs two repetitions of every stimulus.

When it helps: it removes the diagonal ridge d·σ²/r, not the off-diagonal fluctuation of the noise
(spectral size ≈ (√n + √d)²·σ²/r). So it recovers the noiseless distance much better when there
are many more neuroids than stimuli (d ≫ n, e.g. voxels), and changes little when n ≫ d
(measured on simulated recordings: tests/assemblies/test_kernels.py, docs/guide-brainscore.md).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import scipy.linalg

from bayesrep_plugin.core.kernels import Centering, center_kernel, check_center
from bayesrep_plugin.core.prior import Representation

from .noise import mean_noise
from .responses import AssemblyError, Responses

KernelKind = Literal["mean", "cross_validated"]
KERNELS: tuple[str, ...] = ("mean", "cross_validated")


def nearest_psd(K: np.ndarray) -> np.ndarray:
    """The PSD matrix nearest to symmetric K in Frobenius norm: negative eigenvalues → 0.

    Parameters
    ----------
    K : numpy.ndarray, shape (n, n)
        Symmetric.

    Returns
    -------
    numpy.ndarray, shape (n, n)
        V max(w, 0) Vᵀ for K = V w Vᵀ.
    """
    w, V = scipy.linalg.eigh(K, driver="evr")
    return (V * np.clip(w, 0, None)) @ V.T


def cross_validated_kernel(responses: Responses, center: Centering = "none") -> np.ndarray:
    """Kᶜᵛ (n × n) from products of different repetitions only, projected to the nearest PSD.

    With S = Σ_r X⁽ʳ⁾ (sums over repetitions, absent ones zero) and M the presence mask:
    numerator Σ_{r≠r'} Xᵢ⁽ʳ⁾·Xⱼ⁽ʳ'⁾ = SᵢSⱼ − Σ_r Xᵢ⁽ʳ⁾·Xⱼ⁽ʳ⁾, and the number of pairs
    (r ≠ r', both present) is mᵢmⱼ − Σ_r Mᵣᵢ Mᵣⱼ.

    Parameters
    ----------
    responses : Responses
        With at least two repetitions of every stimulus.
    center : {"none", "features", "stimuli"}

    Returns
    -------
    numpy.ndarray, shape (n, n)

    Raises
    ------
    AssemblyError
        For a stimulus with fewer than two repetitions, or two stimuli that share no pair of
        different repetitions.
    ValueError
        For an unknown ``center`` (:func:`~bayesrep_plugin.core.kernels.check_center`).
    """
    check_center(center)
    responses.require_repetitions(2, f"the cross-validated kernel of {responses.name}")
    trials = responses.trials.astype(np.float64)
    if center == "stimuli":  # linear per trial, so it commutes with the cross products
        trials = trials - trials.mean(axis=2, keepdims=True) * responses.present[..., None]
    sums = trials.sum(axis=0)
    same = np.einsum("rid,rjd->ij", trials, trials)
    mask = responses.present.astype(np.float64)
    counts = responses.repetitions.astype(np.float64)
    pairs = np.outer(counts, counts) - mask.T @ mask
    if (pairs == 0).any():
        i, j = np.argwhere(pairs == 0)[0]
        raise AssemblyError(f"{responses.name}: stimuli {responses.stimulus_ids[i]!r} and "
                            f"{responses.stimulus_ids[j]!r} share no pair of different repetitions")
    K = (sums @ sums.T - same) / pairs
    K = (K + K.T) / 2
    if center == "features":
        K = center_kernel(K)
    return nearest_psd(K)


def responses_representation(responses: Responses, *, center: Centering = "none",
                   kernel: KernelKind = "mean") -> Representation:
    """The :class:`Representation` of one assembly's responses (the per-representation work).

    The kernel of the means carries the recording's noise: its expected diagonal ridge Dᵢ
    (:func:`~bayesrep_plugin.assemblies.noise.mean_noise`) goes with it as the representation's
    ``noise``, so that a comparison puts the same noise on the other side. The cross-validated
    kernel is unbiased for the signal's and carries none.

    Parameters
    ----------
    responses : Responses
    center : {"none", "features", "stimuli"}
    kernel : {"mean", "cross_validated"}
        The kernel of the means over repetitions, or :func:`cross_validated_kernel`.

    Returns
    -------
    Representation

    Raises
    ------
    ValueError
        For an unknown ``kernel``.
    """
    if kernel == "mean":
        # One repetition: the mean is the trials themselves, so no float64 copy of (a memory map of)
        # the whole array; the kernel is accumulated in float64 chunk by chunk all the same.
        single = responses.trials.shape[0] == 1
        X = responses.trials[0] if single else responses.means
        noise = mean_noise(responses)
        if noise is not None and center == "stimuli":  # each stimulus's mean over the d neuroids removed
            noise = noise * (1 - 1 / X.shape[1])
        return Representation.from_activations(X, center=center, name=responses.name, noise=noise)
    if kernel == "cross_validated":
        return Representation.from_kernel(cross_validated_kernel(responses, center), name=responses.name)
    raise ValueError(f"kernel={kernel!r} is not one of {KERNELS}")


_RECORDINGS: dict[tuple, Representation] = {}
_RECORDINGS_KEPT = 4   # a benchmark scores every model against the same recording: keep its side


def recording_representation(responses: Responses, *, center: Centering = "none",
                             kernel: KernelKind = "mean") -> Representation:
    """:func:`responses_representation` of a recording, kept in memory by the responses' ``fingerprint``.

    A benchmark scores every model against the same recording; its side (the means, the noise
    estimated from every trial: about a fifth of a score's time at 2,560 stimuli × 50 repetitions)
    is then built once. A Representation is immutable, so sharing it is safe; it also keeps its
    cached priors and factorisation for the next model.

    Parameters
    ----------
    responses : Responses
    center : {"none", "features", "stimuli"}
    kernel : {"mean", "cross_validated"}

    Returns
    -------
    Representation
    """
    key = (responses.fingerprint, responses.name, center, kernel)
    if key not in _RECORDINGS:
        if len(_RECORDINGS) >= _RECORDINGS_KEPT:
            del _RECORDINGS[next(iter(_RECORDINGS))]
        _RECORDINGS[key] = responses_representation(responses, center=center, kernel=kernel)
    return _RECORDINGS[key]
