"""Two prior predictives N(0, Σ₁), N(0, Σ₂) → generalized eigenvalues and closed-form distances.

All of TV, JS, KL, Hellinger and Bhattacharyya are invariant under an invertible linear map
applied to both distributions, so they depend on the pair only through the generalized
eigenvalues λ of (Σ₂, Σ₁). Two ways to get them:

* full path: one generalized symmetric eigenproblem of size n (LAPACK ``sygv``);
* low-rank path, when both kernels have known factors F₁, F₂ with r = r₁ + r₂ < n: with
  Σᵢ = cᵢ Fᵢ Fᵢᵀ + aᵢ·I (aᵢ = a + ρᵢ: the readout noise a, the same for both since it depends
  only on n and b, plus the isotropic measurement noise ρᵢ a comparison adds to one side, see
  :func:`~bayesrep_plugin.core.prior.matched_priors`), the span of [F₁, F₂] is invariant under
  both, and on its complement λ = a₂/a₁ (1 without added noise; along the constant, which centred
  kernels and their added noise H both leave out, λ = 1). In the basis
  [U₁, Q₂] of that span (U₁ orthonormal for F₁, known through F₁'s Gram matrix, cached per
  representation; Q₂ for the part of F₂ outside it) Σ₁ is diagonal, so λ are the eigenvalues of
  the r × r symmetric matrix Σ₁^{-½} Σ₂ Σ₁^{-½}, plus n − r ones: O(n r₁ r₂ + r³) per pair, and
  only the Gram matrices Fᵢᵀ Fᵢ (O(n rᵢ²)) and their eigendecompositions per representation
  (O(n r₂ (r₁ + r₂)) more when F₂'s part outside span(F₁) is small: see residual_root).
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
import scipy.linalg

from .exact import Spectrum, log_bc, namespace
from .prior import (DEFAULT_READOUT, Prior, Readout, Representation, UnresolvedError, matched_priors, noise_fraction,
                    require_readout)

#: Driver for the full generalized eigenproblem (eigenvalues only); 'gv' measured fastest here
#: (benchmarks/bench_core.py prints the comparison of drivers).
EIGEN_DRIVER = "gv"


def uses_low_rank(prior1: Prior, prior2: Prior) -> bool:
    """The low-rank path applies when both factors are known and r₁ + r₂ < n, and the noise is
    isotropic off their span (not so with both readout noise weights and added noise)."""
    rep1, rep2 = prior1.representation, prior2.representation
    weighted_ridge = prior1.noise_weights is not None and (prior1.ridge or prior2.ridge)
    return (rep1.factor is not None and rep2.factor is not None and not weighted_ridge
            and rep1.factor.shape[1] + rep2.factor.shape[1] < rep1.n)


def projected_covariances(prior1: Prior, prior2: Prior) -> tuple[np.ndarray, np.ndarray]:
    """Σ₁, Σ₂ restricted to span([F₁, F₂]) (r × r), in an orthonormal basis of that span (where
    the added noise ν·P is isotropic: the factors of centred kernels are orthogonal to 1)."""
    Q, _ = np.linalg.qr(np.hstack([prior1.representation.factor, prior2.representation.factor]))
    out = []
    for prior in (prior1, prior2):
        P = Q.T @ prior.representation.factor
        S = prior.scale * (P @ P.T)
        S[np.diag_indices_from(S)] += prior.noise + prior.ridge
        out.append(S)
    return out[0], out[1]


#: Residual directions of F₂ outside span(F₁) below this fraction of ‖F₂‖ are rounding.
RESIDUAL_TOL = 1e-12


def residual_root(rep1: Representation, rep2: Representation, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(P, T) with F₂ = U₁ P + Q₂ T, Q₂ orthonormal and orthogonal to U₁ (T: k × d₂).

    Fast route: the residual's Gram is Tᵀ T = F₂ᵀ F₂ − Pᵀ P, so T is its Cholesky factor; U₁
    and Q₂ are never formed. That subtraction has absolute error ≈ ε‖F₂‖², so a residual
    direction of relative size δ keeps relative accuracy ε/δ²: the route is used only when
    λ_min(F₂ᵀF₂ − PᵀP) ≥ 1e-9·‖F₂ᵀF₂‖ (every δ ≳ 3e-5; λ_min estimated by LAPACK pocon).
    Otherwise (shared subspaces; small perturbations F₂ = F₁ + δN, whose residual δN⊥ moves λ
    at first order in δ) the residual R = F₂ − U₁ P is formed, orthogonalised twice against U₁, and T = S Vᵀ from the SVD
    of its R factor, dropping singular values below RESIDUAL_TOL·‖F₂‖."""
    G2 = rep2.gram
    H = G2 - P.T @ P
    try:
        L = np.linalg.cholesky(H)
        norm = np.abs(H).sum(axis=0).max()
        rcond, info = scipy.linalg.lapack.dpocon(L, norm, uplo="L")  # ≈ λ_min(H) / ‖H‖₁
        if info == 0 and rcond * norm >= 1e-9 * np.abs(G2).sum(axis=0).max():
            return P, L.T
    except np.linalg.LinAlgError:
        pass
    U = rep1.basis[0]
    R = rep2.factor - U @ P
    correction = U.T @ R  # classical Gram–Schmidt twice: R ⟂ U₁ to rounding
    R -= U @ correction
    _, S, Vt = np.linalg.svd(np.linalg.qr(R, mode="r"))
    keep = S > RESIDUAL_TOL * math.sqrt(np.trace(G2))
    return P + correction, S[keep, None] * Vt[keep]


def low_rank_eigenvalues(prior1: Prior, prior2: Prior) -> np.ndarray:
    """λ on span([F₁, F₂]) (the n − r others are a₂/a₁: :func:`complement_eigenvalues`). rep1,
    whose basis is formed (a d₁ × d₁ eigendecomposition), should be the narrower one.

    F₂ in the basis U₁ is P = U₁ᵀ F₂, and its residual outside span(U₁) is Q₂ T
    (:func:`residual_root`); in the basis [U₁, Q₂], Σ₁ is diagonal.

    Every product and factorisation here goes through numpy's BLAS: alternating with scipy's
    (a second OpenBLAS with its own threads) made this step up to 1.5× slower on 2 cores."""
    rep1, rep2 = prior1.representation, prior2.representation
    s1 = rep1.singular_values
    P, T = rep1.projection(rep2, lambda first, second: residual_root(first, second, first.coordinates(second.factor)))
    a1, a2 = prior1.noise + prior1.ridge, prior2.noise + prior2.ridge
    c1, c2 = prior1.scale, prior2.scale
    inv_sqrt = 1 / np.sqrt(np.concatenate([a1 + c1 * s1**2, np.full(T.shape[0], a1)]))
    W = np.vstack([P, T]) * inv_sqrt[:, None]     # Σ₁^{-½} F₂ in the basis [U₁, Q₂]
    M = c2 * (W @ W.T)
    M[np.diag_indices_from(M)] += a2 * inv_sqrt**2
    return np.linalg.eigvalsh(M)


def complement_eigenvalues(prior1: Prior, prior2: Prior, span: int) -> np.ndarray:
    """λ off span([F₁, F₂]) (of dimension ``span``): a₂/a₁ with aᵢ = a + ρᵢ, except along the
    constant when the added noise is centred (both sides equal a there: λ = 1, uninformative)."""
    a1, a2 = prior1.noise + prior1.ridge, prior2.noise + prior2.ridge
    if a1 == a2:
        return np.empty(0)
    count = prior1.source.n - span - (prior1.centered or prior2.centered)
    return np.full(count, a2 / a1)


def unresolved(b: float, name1: str, name2: str, n: int, noise_weights: np.ndarray | None = None) -> UnresolvedError:
    """The error for a pair whose generalized eigenvalues rounding made ≤ 0: the readout noise is
    too small, through b or, where the noise is a/w, through large noise weights w."""
    if noise_weights is not None and noise_weights.max() > 1:
        return UnresolvedError(
            f"the readout noise of {name1} vs {name2} is below what double precision resolves: with b = {b:g} and "
            f"noise weights up to {noise_weights.max():.3g}, stimulus noise a/w goes down to "
            f"{noise_fraction(n, b) / noise_weights.max():.3g}. The weights' overall scale acts as 1/b: rescale "
            "them (e.g. to mean 1) and set b for the noise level")
    return UnresolvedError(
        f"b = {b:g} is below what double precision resolves for {name1} vs {name2}: "
        f"as b -> 0 their generalized eigenvalues spread beyond it, and rounding made some <= 0 "
        f"(TV and JSD tend to 1 as b -> 0 for kernels with different spans); "
        f"b >= {resolvable_b(n):.1g} is resolved for n = {n} stimuli")


def resolvable_b(n: int) -> float:
    """A b at which double precision resolves any pair on n stimuli: the generalized eigenvalues
    lie within [a/n, n/a] (Σ's eigenvalues within [a, n]), and the eigensolver's rounding,
    about n·ε·λ_max, stays below λ_min when (n/a)²·n·ε ≤ 1, i.e. a ≥ n·sqrt(n·ε)."""
    a = n * math.sqrt(n * np.finfo(float).eps)
    return a / (n * (1 - a))


def identical(prior1: Prior, prior2: Prior) -> bool:
    """Whether two priors are one distribution by construction: the same kernel data (or factor),
    scale, noise and weights. Their λ are all exactly 1, which an eigensolver returns only to
    rounding (1 ± nε), so that a representation would be at 1e-15, not 0, from itself."""
    rep1, rep2 = prior1.representation, prior2.representation
    if (prior1.scale, prior1.noise, prior1.ridge, prior1.centered) != (
            prior2.scale, prior2.noise, prior2.ridge, prior2.centered):
        return False
    if rep1 is rep2:
        return True
    if rep1.factor is not None and rep2.factor is not None:
        return np.array_equal(rep1.factor, rep2.factor)
    return rep1.factor is None and rep2.factor is None and np.array_equal(rep1.kernel, rep2.kernel)


def generalized_eigenvalues(prior1: Prior, prior2: Prior) -> np.ndarray:
    """λ of Σ₂ v = λ Σ₁ v. On the low-rank path only the eigenvalues on span([F₁, F₂]) are
    returned: the n − r others are exactly 1; for :func:`identical` priors, none.

    Raises :class:`UnresolvedError` when b is so small that rounding makes some λ ≤ 0: as
    a = n b/(1 + n b) → 0, directions in one kernel's span and not the other's get λ ~ a and
    1/a, a spread beyond what the eigensolver resolves (the limit of TV and JSD is then 1)."""
    rep1, rep2 = prior1.representation, prior2.representation
    if identical(prior1, prior2):
        return np.empty(0)
    try:
        if uses_low_rank(prior1, prior2):
            # the narrower side as the basis: its d × d eigendecomposition is the costly step (at
            # 2,048 model features vs 168 neuroids: 1.4 s instead of 2.3 s, the same λ to 1e-15);
            # the wider side's residual then comes from a Cholesky factor (residual_root)
            if rep1.factor.shape[1] <= rep2.factor.shape[1]:
                lam = low_rank_eigenvalues(prior1, prior2)
            else:
                lam = 1 / low_rank_eigenvalues(prior2, prior1)  # swapping the pair inverts λ
            lam = np.concatenate([lam, complement_eigenvalues(prior1, prior2, lam.size)])
        else:
            lam = scipy.linalg.eigh(prior2.covariance, prior1.covariance, eigvals_only=True,
                                    driver=EIGEN_DRIVER, check_finite=False)
    except np.linalg.LinAlgError:
        lam = np.array([-1.0])  # Σ₁ not positive definite in floating point: the same failure
    if not (np.isfinite(lam) & (lam > 0)).all():
        raise unresolved(prior1.b, rep1.name, rep2.name, rep1.n, prior1.noise_weights)
    return lam


class Pair:
    """Two representations compared under one readout prior: its options are the comparison's,
    given once.

    The pair's generalized eigenproblem is solved on first use and shared by every measure
    asked of the same Pair (``compare_measures`` builds one Pair for all its measures).

    Parameters
    ----------
    rep1, rep2 : Representation
        On the same n stimuli, in the same order.
    readout : Readout
        The readout prior (b, normalize, noise weights: see
        :class:`~bayesrep_plugin.core.prior.Prior`), the same for both sides, checked when it was
        built. A side that carries measurement noise (a recording's ``noise``) gives the other
        its noise share (:func:`~bayesrep_plugin.core.prior.matched_priors`).
    """

    def __init__(self, rep1: Representation, rep2: Representation, readout: Readout = DEFAULT_READOUT):
        require_readout(readout)
        self.rep1, self.rep2, self.readout = rep1, rep2, readout
        self.prior1, self.prior2 = matched_priors(rep1, rep2, readout)

    def __repr__(self) -> str:
        return f"Pair({self.rep1.name!r}, {self.rep2.name!r}, {self.readout!r})"

    @property
    def b(self) -> float:
        return self.readout.b

    @property
    def n(self) -> int:
        return self.rep1.n

    @property
    def low_rank(self) -> bool:
        """Whether the pair is solved on the low-rank path (module docstring)."""
        return uses_low_rank(self.prior1, self.prior2)

    @cached_property
    def spectrum(self) -> Spectrum:
        """The informative half-log generalized eigenvalues u = ½ log λ of (Σ₂, Σ₁)."""
        return Spectrum.from_eigenvalues(generalized_eigenvalues(self.prior1, self.prior2))

    def covariances(self) -> tuple[np.ndarray, np.ndarray]:
        """The two prior covariances on the smallest space that carries their difference.

        Returns
        -------
        tuple of numpy.ndarray
            (Σ₁, Σ₂), r × r on span([F₁, F₂]) on the low-rank path, else n × n (always full with
            noise weights or added measurement noise, whose noise is not the same on both sides
            off the span).
        """
        plain = self.prior1.noise_weights is None and not (self.prior1.ridge or self.prior2.ridge)
        if plain and uses_low_rank(self.prior1, self.prior2):
            return projected_covariances(self.prior1, self.prior2)
        return self.prior1.covariance, self.prior2.covariance


# Closed forms in u = ½ log λ and m (p = N(μ₁, Σ₁) → N(0, I), q = N(μ₂, Σ₂) → N(m, diag λ)): each
# on arrays u, m² of either backend (exact.namespace: the torch path calls the same functions on
# tensors, for autograd), and on a Spectrum as a float.

def kl_from_spectrum(u, m2=0.0):
    """KL(p‖q) = ½ Σ (1/λ − 1 + log λ + m²/λ) = ½ Σ (expm1(−2u) + 2u + m² e^{−2u}), in nats."""
    xp = namespace(u)
    return 0.5 * (xp.expm1(-2 * u) + 2 * u + m2 * xp.exp(-2 * u)).sum()


def kl_reverse_from_spectrum(u, m2=0.0):
    """KL(q‖p) = ½ Σ (λ − 1 − log λ + m²), in nats."""
    return 0.5 * (namespace(u).expm1(2 * u) - 2 * u + m2).sum()


def kl_symmetric_from_spectrum(u, m2=0.0):
    """(KL(p‖q) + KL(q‖p)) / 2, in nats."""
    return (kl_from_spectrum(u, m2) + kl_reverse_from_spectrum(u, m2)) / 2


def bhattacharyya_from_spectrum(u, m2=0.0):
    """D_B = −log BC = Σ (½ log cosh u + ¼ m²/(1 + λ)) = Σ ½ log((1 + λ)/(2√λ)) + the mean terms."""
    return -log_bc(u, m2)


def hellinger_from_spectrum(u, m2=0.0):
    """H = sqrt(1 − BC) ∈ [0, 1] (a metric)."""
    distance = bhattacharyya_from_spectrum(u, m2)
    if namespace(u) is np:  # math's expm1, as before: numpy's differs in the last bit
        return math.sqrt(max(0.0, -math.expm1(-float(distance))))
    return (-namespace(u).expm1(-distance)).clamp_min(0).sqrt()


def kl_divergence(spec: Spectrum) -> float:
    """:func:`kl_from_spectrum` of a Spectrum."""
    return float(kl_from_spectrum(spec.u, spec.m2))


def kl_divergence_reverse(spec: Spectrum) -> float:
    """:func:`kl_reverse_from_spectrum` of a Spectrum."""
    return float(kl_reverse_from_spectrum(spec.u, spec.m2))


def bhattacharyya_distance(spec: Spectrum) -> float:
    """:func:`bhattacharyya_from_spectrum` of a Spectrum."""
    return float(bhattacharyya_from_spectrum(spec.u, spec.m2))


def hellinger_distance(spec: Spectrum) -> float:
    """:func:`hellinger_from_spectrum` of a Spectrum."""
    return float(hellinger_from_spectrum(spec.u, spec.m2))


def bures_distance(pair: Pair) -> float:
    """Bures–Wasserstein distance between the prior predictives, divided by sqrt(n):

        W² = tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^{½} Σ₂ Σ₁^{½})^{½},  tr (…)^{½} = Σ sqrt(eig(L₁ᵀ Σ₂ L₁))

    (L₁ the Cholesky factor of Σ₁; a symmetric eigenvalue problem, cheaper than an SVD). Both
    traces are n, so W/sqrt(n) ∈ [0, sqrt(2)]. Not invariant to invertible maps, so it is
    computed from the covariances (projected on the low-rank path, where the complement
    contributes a + a − 2a = 0).
    """
    S1, S2 = pair.covariances()
    L1 = np.linalg.cholesky(S1)
    cross = np.linalg.eigvalsh(L1.T @ S2 @ L1)
    traces = np.trace(S1) + np.trace(S2)
    w2 = traces - 2 * np.sqrt(np.maximum(cross, 0.0)).sum()
    if w2 <= 64 * np.finfo(float).eps * traces:  # a difference at rounding level is zero
        return 0.0
    return math.sqrt(w2 / pair.n)
