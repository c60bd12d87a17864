"""Kernel → prior predictive of a Bayesian linear readout: the per-representation object.

Readout y = X w + ε with w ~ N(0, (1−a)·n/tr(K)·I) and ε ~ N(0, a·I), so the outputs over the n
stimuli follow the prior predictive

    Σ = (1 − a)·n·K / tr(K) + a·I,      a = n·b / (1 + n·b),

i.e. Σ ∝ K/tr(K) + b·I: b is the noise-to-signal ratio (reference default 0.01; the paper's own
analyses used 1/200). tr Σ = n for every representation, so the prior is invariant to rotations
and isotropic scaling of the features.

A :class:`Representation` holds everything that depends on one representation only (its kernel,
trace, an optional low-rank factor and its basis) and caches it, so that pairwise matrices,
bootstraps and leaderboards do this work once per representation, never once per pair. b is not
part of it: :meth:`Representation.prior` gives the :class:`Prior` (Σ and its Cholesky factor) at a
b, and a comparison passes its b once (:class:`~bayesrep_plugin.core.gaussian.Pair`).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import scipy.linalg

from numpy.typing import ArrayLike

from .kernels import (Centering, as_matrix, center_kernel, check_kernel, feature_factor, linear_kernel,
                      refuse_labelled)

DEFAULT_B = 0.01


def noise_fraction(n: int, b: float) -> float:
    """a = n·b / (1 + n·b): the share of the prior predictive variance that is readout noise."""
    return n * b / (1.0 + n * b)


def b_for_noise(n: int, noise: float) -> float:
    """The b that gives readout noise variance a = ``noise`` on n stimuli: b = a / (n (1 − a)).

    For users who think in terms of the noise variance of Σ = (1 − a)·n·K/tr K + a·I rather than
    the noise-to-signal ratio; pass the result as ``b``.

    Parameters
    ----------
    n : int
        Number of stimuli.
    noise : float
        The readout noise variance a, in [0, 1).

    Returns
    -------
    float
        b ≥ 0, the inverse of a = n·b / (1 + n·b).

    Raises
    ------
    ValueError
        For ``noise`` outside [0, 1).
    """
    if not 0 <= noise < 1:
        raise ValueError(f"noise (the readout noise variance a) must be in [0, 1); got {noise}")
    return noise / (n * (1 - noise))


def check_b(b: float) -> float:
    """b as a float; ValueError unless it is a finite number ≥ 0 (the one rule for b everywhere)."""
    if isinstance(b, bool) or not isinstance(b, (int, float, np.floating, np.integer)):
        raise ValueError(f"b (noise-to-signal ratio) must be a number; got {b!r}")
    b = float(b)
    if not np.isfinite(b) or b < 0:
        raise ValueError(f"b (noise-to-signal ratio) must be a finite number >= 0; got {b}")
    return b


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


class Representation:
    """One representation, prepared for comparison: its kernel K (n × n) and what follows from it.

    Build it with :meth:`from_activations` or :meth:`from_kernel`. ``factor`` (n × d with
    F Fᵀ = K) is kept when the activations had fewer features than stimuli: it enables the
    low-rank path, and the kernel itself is then only formed when a measure asks for it.
    ``subset`` gives the representation on a subset of stimuli (a bootstrap resample) from what
    is already computed, never from the activations again.

    A Representation is immutable (its arrays are read-only; attributes cannot be set), and it
    does not depend on b: b belongs to a comparison. Its b-free work (kernel, Gram matrix, basis)
    is cached on the object; :meth:`prior` gives the prior predictive at one b, also cached, so a
    sweep over b reuses the basis and a leaderboard prepares each representation once.

    Parameters
    ----------
    kernel : array_like (n, n), optional
        The linear kernel K (copied, not validated: :meth:`from_kernel` validates).
    factor : array_like (n, d), optional
        A factor F with F Fᵀ = K (copied); at least one of ``kernel`` and ``factor`` is needed.
    name : str
        Used in error messages and reprs.

    Raises
    ------
    ValueError
        When neither is given, or tr K is not positive (all-zero activations).
    """

    #: Priors kept per representation: a b-sweep over more values recomputes Σ, never the basis.
    PRIORS_KEPT = 2

    def __init__(self, kernel: ArrayLike | None = None, *, factor: ArrayLike | None = None, name: str = "X"):
        for given in (kernel, factor):
            refuse_labelled(given, name)
        # Copies, so that no array the caller still holds can change what was computed from it.
        self._init(None if kernel is None else np.array(kernel, dtype=np.float64),
                   None if factor is None else np.array(factor, dtype=np.float64), name)

    @classmethod
    def _wrap(cls, kernel: np.ndarray | None = None, factor: np.ndarray | None = None,
              name: str = "X") -> "Representation":
        """From float64 arrays that nothing else holds (made by this module): no copy."""
        rep = cls.__new__(cls)
        rep._init(kernel, factor, name)
        return rep

    def _init(self, kernel: np.ndarray | None, factor: np.ndarray | None, name: str) -> None:
        if kernel is None and factor is None:
            raise ValueError(f"{name}: a representation needs a kernel or a factor")
        kernel = None if kernel is None else _read_only(kernel)
        factor = None if factor is None else _read_only(factor)
        trace = float(np.trace(kernel)) if kernel is not None else float(np.einsum("ij,ij->", factor, factor))
        if not trace > 0:
            raise ValueError(f"{name}: tr K = {trace:.3g}; the activations are all zero "
                             "(or centering removed everything)")
        self._set(_kernel=kernel, factor=factor, name=name, n=(kernel if kernel is not None else factor).shape[0],
                  trace=trace, _priors={})

    def _set(self, **attributes) -> None:
        for key, value in attributes.items():
            object.__setattr__(self, key, value)

    def __setattr__(self, key, value):
        raise AttributeError(f"a Representation is immutable (cannot set {key!r}): build a new one, "
                             "and pass b to the comparison")

    def __reduce__(self):
        """Pickled as what defines it (its kernel or factor, and name), without the cached work,
        which can be n × n arrays several times over. Unpickling copies the arrays: unpickled
        ones may sit at any byte offset of a received buffer (Dask sends them so), and an
        unaligned array takes other SIMD paths, whose sums differ in the last bits."""
        return _unpickle_representation, (self._kernel, self.factor, self.name)

    def __repr__(self) -> str:
        rank = "" if self.factor is None else f", rank ≤ {self.factor.shape[1]}"
        return f"Representation({self.name!r}, n={self.n}{rank})"

    @classmethod
    def from_activations(cls, X: ArrayLike, *, center: Centering = "none", name: str = "X",
                         chunk_size: int | None = None) -> "Representation":
        """Activations (n stimuli, ...) → Representation.

        Parameters
        ----------
        X : array_like, shape (n, ...)
            Rows are stimuli; trailing dimensions are flattened into features. Memory-mapped
            arrays are read in feature chunks.
        center : {"none", "features", "stimuli"}
            What the readout may not use (see :mod:`bayesrep_plugin.core.kernels`).
        name : str
            Used in error messages and reprs.
        chunk_size : int, optional
            Features per chunk of the kernel computation.

        Returns
        -------
        Representation
            With the centered activations kept as its factor when d < n (the low-rank path),
            else with the kernel K = X Xᵀ only.
        """
        X = as_matrix(X, name)
        n, d = X.shape
        if d < n:
            return cls._wrap(factor=feature_factor(X, center, name), name=name)
        return cls._wrap(linear_kernel(X, center, chunk_size, name), name=name)

    @classmethod
    def from_kernel(cls, K: ArrayLike, *, name: str = "K") -> "Representation":
        """A kernel matrix → Representation.

        Parameters
        ----------
        K : array_like (n, n)
            A linear kernel, validated: square, symmetric, PSD, finite.
        name : str
            Used in error messages and reprs.

        Returns
        -------
        Representation

        Raises
        ------
        ValueError
            Naming what is wrong with ``K``.
        """
        return cls._wrap(check_kernel(K, name), name=name)

    @cached_property
    def kernel(self) -> np.ndarray:
        """K (n × n), read-only."""
        return self._kernel if self._kernel is not None else _read_only(self.factor @ self.factor.T)

    def prior(self, b: float = DEFAULT_B, *, normalize: bool = True,
              noise_weights: ArrayLike | None = None) -> "Prior":
        """The readout's prior predictive N(0, Σ) (cached).

        Parameters
        ----------
        b : float
            Noise-to-signal ratio, a finite number ≥ 0.
        normalize : bool
            Scale the kernel to trace n (see :class:`Prior`).
        noise_weights : array_like (n,), optional
            Readout noise weight per stimulus (see :class:`Prior`).

        Returns
        -------
        Prior
            Σ = (1 − a)·n·K / tr(K) + a·I with a = n·b / (1 + n·b) (normalised, unweighted).
        """
        weights = check_noise_weights(noise_weights, self.n)
        key = (check_b(b), bool(normalize), None if weights is None else weights.tobytes())
        if key not in self._priors:
            if len(self._priors) >= self.PRIORS_KEPT:
                del self._priors[next(iter(self._priors))]
            self._priors[key] = Prior(self, b, normalize=normalize, noise_weights=weights)
        return self._priors[key]

    def rows_scaled(self, s: np.ndarray) -> "Representation":
        """The representation with stimulus i's activations multiplied by s_i.

        Parameters
        ----------
        s : numpy.ndarray (n,)

        Returns
        -------
        Representation
            K → diag(s) K diag(s).
        """
        if self.factor is not None:
            return Representation._wrap(factor=self.factor * s[:, None], name=self.name)
        return Representation._wrap(self.kernel * np.outer(s, s), name=self.name)

    @cached_property
    def centered_kernel(self) -> np.ndarray:
        """H K H: the kernel of the feature-centered activations."""
        return _read_only(center_kernel(self.kernel))

    @cached_property
    def centered_factor(self) -> np.ndarray:
        """A factor G (n × r) of the feature-centered kernel, G Gᵀ = H K H: from the factor when
        known (centering its rows), else from an eigendecomposition of H K H (O(n³), cached)."""
        if self.factor is not None:
            return _read_only(self.factor - self.factor.mean(axis=0, keepdims=True))
        w, V = np.linalg.eigh(self.centered_kernel)
        keep = w > 1e-12 * max(w[-1], 0.0)
        return _read_only(V[:, keep] * np.sqrt(w[keep]))

    @cached_property
    def centered_gram(self) -> np.ndarray:
        """GᵀG for the centred factor G: the per-representation part of CKA and RSA on thin pairs."""
        return _read_only(self.centered_factor.T @ self.centered_factor)

    @cached_property
    def gram(self) -> np.ndarray:
        """FᵀF (d × d): the factor's Gram matrix, whose eigenvalues are K's nonzero ones."""
        return _read_only(self.factor.T @ self.factor)

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
            return _read_only(V[:, keep] / s), _read_only(s), True
        Q, R = np.linalg.qr(self.factor)
        Ur, s, _ = np.linalg.svd(R)
        keep = s > 1e-6 * s[0]
        return _read_only(Q @ Ur[:, keep]), _read_only(s[keep]), False

    @property
    def singular_values(self) -> np.ndarray:
        """s: the factor's nonzero singular values (K = U diag(s²) Uᵀ)."""
        return self._orthonormal[1]

    def coordinates(self, Y: np.ndarray) -> np.ndarray:
        """Y in the orthonormal basis U of the factor's columns (low-rank path only).

        Parameters
        ----------
        Y : numpy.ndarray (n, p)

        Returns
        -------
        numpy.ndarray (k, p)
            Uᵀ Y, with K = U diag(s²) Uᵀ.
        """
        B, _, through_factor = self._orthonormal
        return B.T @ (self.factor.T @ Y) if through_factor else B.T @ Y

    @cached_property
    def basis(self) -> tuple[np.ndarray, np.ndarray]:
        """(U, s) with U (n × k) formed explicitly, for callers that need U itself."""
        B, s, through_factor = self._orthonormal
        return (_read_only(self.factor @ B) if through_factor else B), s

    def subset(self, index: ArrayLike) -> "Representation":
        """The representation on a subset of its stimuli (a bootstrap resample).

        Parameters
        ----------
        index : array_like of int
            Stimulus positions; repeats allowed.

        Returns
        -------
        Representation
            From a submatrix of K, or the factor's rows: never the activations again.
        """
        index = np.asarray(index)
        if self.factor is not None:
            return Representation._wrap(factor=self.factor[index], name=self.name)
        return Representation._wrap(self.kernel[np.ix_(index, index)], name=self.name)


def _unpickle_representation(kernel: np.ndarray | None, factor: np.ndarray | None, name: str) -> Representation:
    return Representation(kernel, factor=factor, name=name)  # copies the arrays


class Prior:
    """The prior predictive N(0, Σ) of a representation's readout:

        Σ = c·K + a·diag(1/w),   a = n b / (1 + n b),
        c = (1 − a)·n / tr K  (normalize, the default)   or   c = 1 − a  (normalize=False).

    Parameters
    ----------
    representation : Representation
    b : float
        The noise-to-signal ratio (≥ 0).
    normalize : bool
        Scale the kernel to trace n (the default, as the reference's ``normalize=True``): the
        prior is then invariant to the features' overall gain. ``False`` uses K as it is, so gain
        counts (the reference's ``normalize=False``).
    noise_weights : array_like (n,), optional
        w > 0 per stimulus: stimulus i gets readout noise variance a/wᵢ (the reference's
        ``img_weights``; e.g. the number of repetitions averaged for each stimulus). Default: 1.

    Raises
    ------
    UnresolvedError
        For b = 0 with a singular kernel (Σ = c·K has no Cholesky factor), when built.

    Notes
    -----
    With weights, Σ is congruent to c·K̃ + a·I with K̃ = W^½ K W^½ (W = diag w): every measure
    invariant to an invertible linear map (TV, JS, KL, Hellinger, Bhattacharyya) is computed
    exactly from ``representation`` — the rows-scaled K̃ — with identity noise, on the same paths
    as without weights. ``source`` is the representation as given. Built by
    :meth:`Representation.prior`; Σ and its Cholesky factor are formed on first use.
    """

    def __init__(self, representation: Representation, b: float = DEFAULT_B, *, normalize: bool = True,
                 noise_weights: ArrayLike | None = None):
        self.source, self.b, self.normalize = representation, check_b(b), bool(normalize)
        self.noise_weights = check_noise_weights(noise_weights, representation.n)
        self.noise = noise_fraction(representation.n, self.b)          # a
        gain = representation.n / representation.trace if self.normalize else 1.0
        self.scale = (1.0 - self.noise) * gain                         # c
        self.representation = (representation if self.noise_weights is None
                               else representation.rows_scaled(np.sqrt(self.noise_weights)))
        if self.b == 0:  # Σ = c·K: refused when the prior is built, not deep inside a measure
            thin = representation.factor is not None and representation.factor.shape[1] < representation.n
            if thin:  # rank K ≤ d < n, known without forming the n × n covariance
                raise singular_prior(representation.name)
            self.cholesky

    def __repr__(self) -> str:
        options = ("" if self.normalize else ", normalize=False") + (
            "" if self.noise_weights is None else ", noise_weights=...")
        return f"Prior({self.source.name!r}, b={self.b}{options})"

    @cached_property
    def covariance(self) -> np.ndarray:
        """Σ = c·K + a·diag(1/w) (n × n), read-only."""
        S = self.scale * self.source.kernel
        S[np.diag_indices_from(S)] += self.noise / (1.0 if self.noise_weights is None else self.noise_weights)
        return _read_only(S)

    @cached_property
    def cholesky(self) -> np.ndarray:
        """Lower Cholesky factor of Σ, in Fortran order for the BLAS of the Monte Carlo estimator
        (raises :class:`UnresolvedError` when Σ is singular, i.e. b = 0 with a singular kernel)."""
        try:
            L = scipy.linalg.cholesky(self.covariance, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            raise singular_prior(self.representation.name) from None
        return _read_only(L)


class UnresolvedError(ValueError):
    """b is too small for this comparison: 0 with a singular kernel, or below what double precision
    resolves for the pair's generalized eigenvalues."""


def singular_prior(name: str) -> UnresolvedError:
    """The error for b = 0 with a singular kernel, whose prior covariance has no Cholesky factor."""
    return UnresolvedError(f"{name}: the prior covariance is singular; b = 0 needs a nonsingular kernel (use b > 0)")


def check_noise_weights(weights: ArrayLike | None, n: int) -> np.ndarray | None:
    """Per-stimulus noise weights as a read-only float array; ValueError unless n finite values > 0."""
    if weights is None:
        return None
    w = np.array(weights, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"noise_weights must have one value per stimulus, shape ({n},); got shape {w.shape}")
    bad = ~(np.isfinite(w) & (w > 0))
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"noise_weights must be finite and > 0; stimulus {i} has {w[i]}")
    return _read_only(w)


def check_same_stimuli(rep1: Representation, rep2: Representation) -> None:
    """Two representations can only be compared on the same number of stimuli."""
    if rep1.n != rep2.n:
        raise ValueError(f"the representations have different numbers of stimuli: "
                         f"{rep1.name} has {rep1.n}, {rep2.name} has {rep2.n}")
