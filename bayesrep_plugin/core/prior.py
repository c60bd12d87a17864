"""Kernel → prior predictive of a Bayesian linear readout: the per-representation object.

Readout y = X w + ε with w ~ N(0, (1−a)·n/tr(K)·I) and ε ~ N(0, a·I), so the outputs over the n
stimuli follow the prior predictive

    Σ = (1 − a)·n·K / tr(K) + a·I,      a = n·b / (1 + n·b),

i.e. Σ ∝ K/tr(K) + b·I: b is the noise-to-signal ratio (reference default 0.01; the paper's own
analyses used 1/200). tr Σ = n for every representation, so the prior is invariant to rotations
and isotropic scaling of the features.

A :class:`Representation` holds everything that depends on one representation only (its kernel,
trace, covariance, an optional low-rank factor) and caches it, so that pairwise matrices,
bootstraps and leaderboards do this work once per representation, never once per pair.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import scipy.linalg

from .kernels import Centering, as_matrix, center_kernel, check_kernel, feature_factor, linear_kernel

DEFAULT_B = 0.01


def noise_fraction(n: int, b: float) -> float:
    """a = n·b / (1 + n·b): the share of the prior predictive variance that is readout noise."""
    return n * b / (1.0 + n * b)


def b_for_noise(n: int, noise: float) -> float:
    """The b that gives readout noise variance a = ``noise`` on n stimuli: b = a / (n (1 − a)).

    For users who think in terms of the noise variance of Σ = (1 − a)·n·K/tr K + a·I rather than
    the noise-to-signal ratio; pass the result as ``b``.
    """
    if not 0 <= noise < 1:
        raise ValueError(f"noise (the readout noise variance a) must be in [0, 1); got {noise}")
    return noise / (n * (1 - noise))


def check_b(b: float) -> float:
    b = float(b)
    if not np.isfinite(b) or b < 0:
        raise ValueError(f"b (noise-to-signal ratio) must be a finite number >= 0; got {b}")
    return b


class Representation:
    """One representation, prepared for comparison: kernel K (n × n) and its prior predictive.

    Build it with :meth:`from_activations` or :meth:`from_kernel`. ``factor`` (n × d with
    F Fᵀ = K) is kept when the activations had fewer features than stimuli: it enables the
    low-rank path, and the kernel itself is then only formed when a measure asks for it.
    ``subset`` gives the representation on a subset of stimuli (a bootstrap resample) from what
    is already computed, never from the activations again.
    """

    def __init__(self, kernel: np.ndarray | None = None, *, b: float = DEFAULT_B,
                 factor: np.ndarray | None = None, name: str = "X"):
        if kernel is None and factor is None:
            raise ValueError(f"{name}: a representation needs a kernel or a factor")
        self._kernel, self.factor, self.b, self.name = kernel, factor, check_b(b), name
        self.n = (kernel if kernel is not None else factor).shape[0]
        self.trace = float(np.trace(kernel)) if kernel is not None else float(np.einsum("ij,ij->", factor, factor))
        if not self.trace > 0:
            raise ValueError(f"{name}: tr K = {self.trace:.3g}; the activations are all zero "
                             "(or centering removed everything)")

    def __repr__(self) -> str:
        rank = "" if self.factor is None else f", rank ≤ {self.factor.shape[1]}"
        return f"Representation({self.name!r}, n={self.n}, b={self.b}{rank})"

    @classmethod
    def from_activations(cls, X, *, b: float = DEFAULT_B, center: Centering = "none",
                         name: str = "X", chunk_size: int | None = None) -> "Representation":
        """Activations (n stimuli, ...) → Representation; d < n keeps the activations as factor."""
        X = as_matrix(X, name)
        n, d = X.shape
        if d < n:
            return cls(b=b, factor=feature_factor(X, center, name), name=name)
        return cls(linear_kernel(X, center, chunk_size, name), b=b, name=name)

    @classmethod
    def from_kernel(cls, K, *, b: float = DEFAULT_B, name: str = "K") -> "Representation":
        """A kernel matrix (validated: symmetric, PSD, finite) → Representation."""
        return cls(check_kernel(K, name), b=b, name=name)

    @cached_property
    def kernel(self) -> np.ndarray:
        """K (n × n)."""
        return self._kernel if self._kernel is not None else self.factor @ self.factor.T

    @property
    def noise(self) -> float:
        """a, the noise variance of the readout (Σ's diagonal share)."""
        return noise_fraction(self.n, self.b)

    @property
    def scale(self) -> float:
        """c in Σ = c·K + a·I, c = (1 − a)·n / tr(K)."""
        return (1.0 - self.noise) * self.n / self.trace

    @cached_property
    def covariance(self) -> np.ndarray:
        """Σ = c·K + a·I (n × n)."""
        S = self.scale * self.kernel
        S[np.diag_indices_from(S)] += self.noise
        return S

    @cached_property
    def cholesky(self) -> np.ndarray:
        """Lower Cholesky factor of Σ, in Fortran order for the BLAS of the Monte Carlo estimator
        (raises ValueError when Σ is singular, i.e. b = 0)."""
        try:
            return scipy.linalg.cholesky(self.covariance, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            raise ValueError(f"{self.name}: the prior covariance is singular; b = 0 needs a "
                             "nonsingular kernel (use b > 0)") from None

    @cached_property
    def centered_kernel(self) -> np.ndarray:
        """H K H: the kernel of the feature-centered activations."""
        return center_kernel(self.kernel)

    @cached_property
    def centered_factor(self) -> np.ndarray:
        """A factor G (n × r) of the feature-centered kernel, G Gᵀ = H K H: from the factor when
        known (centering its rows), else from an eigendecomposition of H K H (O(n³), cached)."""
        if self.factor is not None:
            return self.factor - self.factor.mean(axis=0, keepdims=True)
        w, V = np.linalg.eigh(self.centered_kernel)
        keep = w > 1e-12 * max(w[-1], 0.0)
        return V[:, keep] * np.sqrt(w[keep])

    @cached_property
    def gram(self) -> np.ndarray:
        """FᵀF (d × d): the factor's Gram matrix, whose eigenvalues are K's nonzero ones."""
        return self.factor.T @ self.factor

    @cached_property
    def _orthonormal(self) -> tuple[np.ndarray, np.ndarray, bool]:
        """(B, s, through_factor) for an orthonormal basis U (n × k) of the factor's columns with
        K = U diag(s²) Uᵀ; directions with s² below 1e-12 of the largest are zeros.

        When the Gram FᵀF is well conditioned (its kept eigenvalues within 1e8 of each other),
        U = F B with B = V diag(1/s) from its eigenvectors, and U is never formed: Uᵀ Y = Bᵀ (Fᵀ Y)
        costs what Uᵀ Y does, and forming U would cost n d² more. Otherwise F V / s would lose
        orthogonality, so U comes from a Householder QR of F, and B = U."""
        w, V = np.linalg.eigh(self.gram)
        keep = w > 1e-12 * w[-1]
        if w[keep][0] >= 1e-8 * w[-1]:
            s = np.sqrt(w[keep])
            return V[:, keep] / s, s, True
        Q, R = np.linalg.qr(self.factor)
        Ur, s, _ = np.linalg.svd(R)
        keep = s > 1e-6 * s[0]
        return Q @ Ur[:, keep], s[keep], False

    @property
    def singular_values(self) -> np.ndarray:
        """s: the factor's nonzero singular values (K = U diag(s²) Uᵀ)."""
        return self._orthonormal[1]

    def coordinates(self, Y: np.ndarray) -> np.ndarray:
        """Uᵀ Y (k × p): Y (n × p) in the orthonormal basis U of the factor's columns."""
        B, _, through_factor = self._orthonormal
        return B.T @ (self.factor.T @ Y) if through_factor else B.T @ Y

    @cached_property
    def basis(self) -> tuple[np.ndarray, np.ndarray]:
        """(U, s) with U (n × k) formed explicitly, for callers that need U itself."""
        B, s, through_factor = self._orthonormal
        return (self.factor @ B if through_factor else B), s

    def with_b(self, b: float) -> "Representation":
        """The same kernel under another noise-to-signal ratio."""
        return Representation(self._kernel, b=b, factor=self.factor, name=self.name)

    def subset(self, index) -> "Representation":
        """The representation on stimuli ``index`` (repeats allowed): a submatrix of K, or the
        factor's rows."""
        index = np.asarray(index)
        if self.factor is not None:
            return Representation(b=self.b, factor=self.factor[index], name=self.name)
        return Representation(self.kernel[np.ix_(index, index)], b=self.b, name=self.name)


def check_same_stimuli(rep1: Representation, rep2: Representation) -> None:
    """Two representations can only be compared on the same number of stimuli."""
    if rep1.n != rep2.n:
        raise ValueError(f"the representations have different numbers of stimuli: "
                         f"{rep1.name} has {rep1.n}, {rep2.name} has {rep2.n}")
