"""Readouts after observing data: compare the posterior predictives of two representations.

Condition each representation's readout on responses y_T observed on a set T of the stimuli (e.g.
one recorded neuron's responses to some images). Its outputs on the remaining stimuli R then follow
the posterior predictive (Gaussian conditioning of the prior predictive N(0, Σ)):

    f_R | y_T ~ N(μ, C),   μ = Σ_RT Σ_TT⁻¹ y_T,   C = Σ_RR − Σ_RT Σ_TT⁻¹ Σ_TR.

Two representations' posterior predictives differ in covariance *and* mean. Whitening by C₁ and
rotating to the eigenbasis of C₁^{-½} C₂ C₁^{-½} = V diag(λ) Vᵀ gives p = N(0, I) and
q = N(m, diag λ) with m = Vᵀ L₁⁻¹ (μ₂ − μ₁): a :class:`~bayesrep_plugin.core.exact.Spectrum` with
mean shifts, from which TV and JS are exact (the same quadrature as the prior path) and KL,
Hellinger and Bhattacharyya have closed forms. C does not depend on y, so the eigenproblem is
solved once for all neuroids; each neuroid only adds its m.

Responses are standardised per neuroid over the observed stimuli (mean 0, SD 1:
:func:`~.evidence.standardize`), the scale of the prior predictive (tr Σ = n: unit variance per
stimulus on average).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

from .evidence import standardize
from .exact import Spectrum
from .gaussian import UnresolvedError
from .measures import get_measure
from .prior import DEFAULT_B, Prior, Readout, Representation, matched_priors

#: The measures computed from a spectrum alone, so defined for posterior predictives too.
POSTERIOR_MEASURES = ("tv", "js", "jsd", "kl", "kl_symmetric", "hellinger", "bhattacharyya")


def _observed_index(observed: ArrayLike, n: int) -> tuple[np.ndarray, np.ndarray]:
    T = np.asarray(observed)
    if T.dtype == bool:
        if T.shape != (n,):
            raise ValueError(f"observed as a mask needs shape ({n},); got {T.shape}")
        T = np.flatnonzero(T)
    if T.ndim != 1 or not np.issubdtype(T.dtype, np.integer):
        raise ValueError("observed must be stimulus positions (integers) or a boolean mask")
    if T.size and (T.min() < 0 or T.max() >= n):
        raise ValueError(f"observed positions must lie in [0, {n}); got {T.min()}…{T.max()}")
    if np.unique(T).size != T.size:
        raise ValueError("observed positions must be distinct")
    R = np.setdiff1d(np.arange(n), T)
    if R.size < 2:
        raise ValueError(f"at least 2 stimuli must be left to predict; {T.size} of {n} are observed")
    return T, R


class Conditioned:
    """One representation's readout conditioned on the stimuli T: what does not depend on y.

    ``mean(y_T)`` is Σ_RT Σ_TT⁻¹ y_T (r × p); ``covariance`` is C = Σ_RR − Σ_RT Σ_TT⁻¹ Σ_TR.
    """

    def __init__(self, prior: Prior, observed: np.ndarray, rest: np.ndarray):
        S = prior.covariance
        self.name, self.observed, self.rest = prior.source.name, observed, rest
        if observed.size:
            L = scipy.linalg.cholesky(S[np.ix_(observed, observed)], lower=True)
            self._gain = scipy.linalg.solve_triangular(L, S[np.ix_(observed, rest)], lower=True)  # L⁻¹ Σ_TR
            self._L = L
        else:
            self._gain = np.zeros((0, rest.size))
        C = S[np.ix_(rest, rest)] - self._gain.T @ self._gain
        self.covariance = (C + C.T) / 2

    def mean(self, y: np.ndarray) -> np.ndarray:
        if not self.observed.size:
            return np.zeros((self.rest.size, y.shape[1]))
        return self._gain.T @ scipy.linalg.solve_triangular(self._L, y, lower=True)


class PosteriorPair:
    """Two representations' readouts, each conditioned on the same observed stimuli.

    Parameters
    ----------
    rep1, rep2 : Representation
        On the same n stimuli.
    observed : array_like of int, or boolean mask (n,)
        The stimuli whose responses are observed (T); the others (R) are compared.
    b : float
        The readout prior's noise-to-signal ratio.
    """

    def __init__(self, rep1: Representation, rep2: Representation, observed: ArrayLike, b: float = DEFAULT_B):
        readout = Readout(b)
        self.b = readout.b
        prior1, prior2 = matched_priors(rep1, rep2, readout)
        self.observed, self.rest = _observed_index(observed, rep1.n)
        self.first = Conditioned(prior1, self.observed, self.rest)
        self.second = Conditioned(prior2, self.observed, self.rest)

    @cached_property
    def _whitened(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(L₁, λ, V): C₁ = L₁L₁ᵀ, L₁⁻¹ C₂ L₁⁻ᵀ = V diag(λ) Vᵀ."""
        L1 = scipy.linalg.cholesky(self.first.covariance, lower=True)
        half = scipy.linalg.solve_triangular(L1, self.second.covariance, lower=True)
        M = scipy.linalg.solve_triangular(L1, half.T, lower=True)
        lam, V = np.linalg.eigh((M + M.T) / 2)
        if not (np.isfinite(lam) & (lam > 0)).all():
            raise UnresolvedError(f"b = {self.b:g} is below what double precision resolves for the posterior "
                                  f"predictives of {self.first.name} and {self.second.name}; use a larger b")
        return L1, lam, V

    def spectra(self, responses: ArrayLike) -> list[Spectrum]:
        """One :class:`Spectrum` (with mean shifts) per neuroid, standardised per neuroid.

        Parameters
        ----------
        responses : array_like (t observed, p)
            The responses to the observed stimuli, one column per neuroid.

        Returns
        -------
        list of Spectrum
        """
        y = standardize(responses, self.observed.size, rows="observed stimulus")
        L1, lam, V = self._whitened
        shift = self.second.mean(y) - self.first.mean(y)
        m = V.T @ scipy.linalg.solve_triangular(L1, shift, lower=True)     # (r, p)
        return [Spectrum.from_eigenvalues(lam, m[:, j] ** 2) for j in range(m.shape[1])]


class _SpectrumOnly:
    """What a spectrum measure reads from a pair: its spectrum, and the number of stimuli compared."""

    def __init__(self, spectrum: Spectrum, n: int):
        self.spectrum, self.n = spectrum, n


def posterior_distance(rep1: Representation, rep2: Representation, responses: ArrayLike, observed: ArrayLike,
                       measure: str = "js", *, b: float = DEFAULT_B) -> np.ndarray:
    """``measure`` between the two representations' posterior predictives on the unobserved
    stimuli, one value per neuroid.

    Parameters
    ----------
    rep1, rep2 : Representation
        On the same n stimuli, rows in the same order.
    responses : array_like (t,) or (t, p)
        The responses observed on the stimuli ``observed`` (in that order), one column per
        neuroid; standardised per neuroid.
    observed : array_like of int (t,), or boolean mask (n,)
        Which stimuli were observed.
    measure : str
        One of :data:`POSTERIOR_MEASURES`.
    b : float
        The readout prior's noise-to-signal ratio.

    Returns
    -------
    numpy.ndarray (p,)
        The measure per neuroid (exact).
    """
    if measure not in POSTERIOR_MEASURES:
        raise ValueError(f"measure {measure!r} is not defined on posterior predictives here; "
                         f"use one of {', '.join(POSTERIOR_MEASURES)}")
    m = get_measure(measure)
    pair = PosteriorPair(rep1, rep2, observed, b)
    return np.array([float(m(_SpectrumOnly(spectrum, pair.rest.size))) for spectrum in pair.spectra(responses)])


