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
part of it: a comparison's :class:`Readout` (b, normalize, noise weights: checked once, when it is
built) is passed down, and :meth:`Representation.prior` gives the :class:`Prior` (Σ and its
Cholesky factor) under it (:class:`~bayesrep_plugin.core.gaussian.Pair` asks for both sides').

Measurement noise on the same footing. A recording's kernel is that of its mean responses,
K = (X + ε̄)(X + ε̄)ᵀ: in expectation the signal's kernel plus the mean noise's, E ε̄ε̄ᵀ = diag(Dᵢ)
(Dᵢ the noise variance of stimulus i's mean, summed over neurons; H diag(D) H once the features are
centred). A model's kernel carries no such noise, so the recording's noise would count as a
difference between them, and a model padded with isotropic features would look closer to the
recording than the noise-free signal itself. A Representation therefore carries its expected noise
(``noise``: Dᵢ per stimulus), hence its *noise share* η = tr E[noise kernel] / tr K and its
noise-to-signal ratio r = η/(1 − η), and a comparison gives each side isotropic noise until its
ratio is at least m = :data:`NOISE_MARGIN` times the other side's (:func:`matched_priors`): with P
the identity (or H for feature-centred kernels, whose rows sum to 0),

    K → K + ν·P,   ν = tr K · (η' − η) / ((1 − η') · tr P),   η' = m·r_other / (1 + m·r_other).

A model (η = 0) against a recording thus carries 1.5 times the recording's noise-to-signal ratio,
and the recording keeps its own. Why more than the expected noise (m = 1): the recording's noise is
not isotropic but a random matrix of rank min(n, d), and the isotropic share that brings a perfect
model closest to it lies at 1.0–1.25 times the expected one (measured on the simulations of
benchmarks/bench_ceiling.py). Near that optimum the similarity is flat in the isotropic share, so
a model padded with isotropic features ties with the noise-free signal and wins about half the
time; with the model's side beyond the optimum, padding costs at first order, and the noise-free
signal beats every padded, mixed or noisy copy of itself (docs/method.md has the table). The margin
costs a perfect model a few per cent of its raw similarity, which the noise ceiling divides out.
Two recordings each get at least m times the other's ratio, which for equally noisy ones is the
same extra isotropic noise on both sides.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.linalg

from numpy.typing import ArrayLike

from ..errors import BayesrepError
from .kernels import (Centering, as_matrix, center_kernel, check_kernel, feature_factor, linear_kernel,
                      refuse_labelled)

DEFAULT_B = 0.01
#: The noise-to-signal ratio a side is raised to, as a multiple of the other side's (module docstring).
NOISE_MARGIN = 1.5
#: The largest noise share a comparison uses: a recording whose estimated noise accounts for all of
#: its variance across stimuli (η ≥ 1: no stimulus-driven signal) is compared at this share.
MAX_NOISE_SHARE = 0.999


def noise_fraction(n: int, b: float) -> float:
    """a = n·b / (1 + n·b): the share of the prior predictive variance that is readout noise."""
    return n * b / (1.0 + n * b)


def prior_scale(n: int, trace, b: float, normalize: bool = True):
    """c in Σ = c·K + a·I: (1 − a)·n / tr K with ``normalize`` (the default), else 1 − a. ``trace``
    may be a torch tensor (the torch backend's prior calls this same function, for gradients)."""
    return (1.0 - noise_fraction(n, b)) * (n / trace if normalize else 1.0)


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


def check_noise_weights(weights: ArrayLike | None) -> np.ndarray | None:
    """Per-stimulus noise weights as a read-only float array; ValueError unless a 1-D array of
    finite values > 0 (:meth:`Readout.weights_for` checks their number against the stimuli)."""
    if weights is None:
        return None
    w = np.array(weights, dtype=np.float64)
    if w.ndim != 1:
        raise ValueError(f"noise_weights must have one value per stimulus (a 1-D array); got shape {w.shape}")
    bad = ~(np.isfinite(w) & (w > 0))
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"noise_weights must be finite and > 0; stimulus {i} has {w[i]}")
    return _read_only(w)


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def require_readout(readout: object) -> None:
    """TypeError unless ``readout`` is a :class:`Readout` (a bare b is the old spelling)."""
    if not isinstance(readout, Readout):
        raise TypeError(f"expected a Readout, e.g. Readout(b=0.05); got {readout!r}")


@dataclass(frozen=True, eq=False)
class Readout:
    """The readout prior a comparison puts on both sides: checked once, when it is built.

    Each call that enters the package (the Python API's functions, the reports' settings, a
    metric's constructor) builds one, and everything below it trusts it:
    :class:`~bayesrep_plugin.core.gaussian.Pair`, :meth:`Representation.prior`, :class:`Prior` and
    the torch backend take a Readout, never a bare b.

    Parameters
    ----------
    b : float
        The noise-to-signal ratio, a finite number ≥ 0 (default 0.01, the reference's).
    normalize : bool
        Scale each kernel to trace n (the default; see :class:`Prior`).
    noise_weights : array_like (n,), optional
        w > 0 per stimulus (see :class:`Prior`); kept read-only. Its length is the one check left
        for each representation it meets (:meth:`weights_for`).

    Raises
    ------
    ValueError
        For b other than a finite number ≥ 0, ``normalize`` other than a bool, or weights that
        are not a 1-D array of finite values > 0.
    """

    b: float = DEFAULT_B
    normalize: bool = True
    noise_weights: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.normalize, (bool, np.bool_)):
            raise ValueError(f"normalize must be True or False; got {self.normalize!r}")
        object.__setattr__(self, "b", check_b(self.b))
        object.__setattr__(self, "normalize", bool(self.normalize))
        object.__setattr__(self, "noise_weights", check_noise_weights(self.noise_weights))

    def weights_for(self, n: int) -> np.ndarray | None:
        """The noise weights, checked to have one value for each of ``n`` stimuli.

        Parameters
        ----------
        n : int
            The stimuli of the representation the prior is for.

        Returns
        -------
        numpy.ndarray (n,) or None
            The weights (read-only); None without them.

        Raises
        ------
        ValueError
            For another number of weights.
        """
        if self.noise_weights is not None and self.noise_weights.shape != (n,):
            raise ValueError(f"noise_weights must have one value per stimulus, shape ({n},); "
                             f"got shape {self.noise_weights.shape}")
        return self.noise_weights

    def at(self, b: float) -> "Readout":
        """The same readout prior at another b (checked).

        Parameters
        ----------
        b : float
            The noise-to-signal ratio (≥ 0).

        Returns
        -------
        Readout
        """
        return Readout(b, self.normalize, self.noise_weights)

    def __repr__(self) -> str:
        options = ("" if self.normalize else ", normalize=False") + (
            "" if self.noise_weights is None else ", noise_weights=...")
        return f"Readout(b={self.b}{options})"


#: The reference package's readout prior: b = 0.01, kernels normalised to trace n, no weights.
DEFAULT_READOUT = Readout()


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
    noise : array_like (n,), optional
        For a recording: the expected measurement noise on K's diagonal, Dᵢ = E|ε̄ᵢ|² (the noise
        variance of stimulus i's mean responses, summed over neurons), finite and ≥ 0. A comparison
        puts the other side's noise on the same footing (module docstring); None: noise-free.

    Raises
    ------
    ValueError
        When neither is given, tr K is not positive (all-zero activations), or ``noise`` is not n
        finite values ≥ 0.
    """

    #: Priors kept per representation: a b-sweep over more values recomputes Σ, never the basis.
    PRIORS_KEPT = 2

    def __init__(self, kernel: ArrayLike | None = None, *, factor: ArrayLike | None = None, name: str = "X",
                 noise: ArrayLike | None = None):
        for given in (kernel, factor):
            refuse_labelled(given, name)
        # Copies, so that no array the caller still holds can change what was computed from it.
        self._init(None if kernel is None else np.array(kernel, dtype=np.float64),
                   None if factor is None else np.array(factor, dtype=np.float64), name, noise)

    @classmethod
    def _wrap(cls, kernel: np.ndarray | None = None, factor: np.ndarray | None = None,
              name: str = "X", noise: ArrayLike | None = None) -> "Representation":
        """From float64 arrays that nothing else holds (made by this module): no copy."""
        rep = cls.__new__(cls)
        rep._init(kernel, factor, name, noise)
        return rep

    def _init(self, kernel: np.ndarray | None, factor: np.ndarray | None, name: str,
              noise: ArrayLike | None) -> None:
        if kernel is None and factor is None:
            raise ValueError(f"{name}: a representation needs a kernel or a factor")
        kernel = None if kernel is None else _read_only(kernel)
        factor = None if factor is None else _read_only(factor)
        n = (kernel if kernel is not None else factor).shape[0]
        trace = float(np.trace(kernel)) if kernel is not None else float(np.einsum("ij,ij->", factor, factor))
        if not trace > 0:
            raise ValueError(f"{name}: tr K = {trace:.3g}; the activations are all zero "
                             "(or centering removed everything)")
        self._set(_kernel=kernel, factor=factor, name=name, n=n, trace=trace,
                  noise=check_noise(noise, n, name), _priors={}, _projections=weakref.WeakKeyDictionary())

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
        return _unpickle_representation, (self._kernel, self.factor, self.name, self.noise)

    def __repr__(self) -> str:
        rank = "" if self.factor is None else f", rank ≤ {self.factor.shape[1]}"
        noise = "" if self.noise is None else f", noise share {self.noise_share:.3g}"
        return f"Representation({self.name!r}, n={self.n}{rank}{noise})"

    @classmethod
    def from_activations(cls, X: ArrayLike, *, center: Centering = "none", name: str = "X",
                         chunk_size: int | None = None, noise: ArrayLike | None = None) -> "Representation":
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
        noise : array_like (n,), optional
            The expected measurement noise on K's diagonal, for a recording's mean responses
            (see the class docstring).

        Returns
        -------
        Representation
            With the centered activations kept as its factor when d < n (the low-rank path),
            else with the kernel K = X Xᵀ only.
        """
        X = as_matrix(X, name)
        n, d = X.shape
        if d < n:
            return cls._wrap(factor=feature_factor(X, center, name), name=name, noise=noise)
        return cls._wrap(linear_kernel(X, center, chunk_size, name), name=name, noise=noise)

    @classmethod
    def from_kernel(cls, K: ArrayLike, *, name: str = "K", noise: ArrayLike | None = None) -> "Representation":
        """A kernel matrix → Representation.

        Parameters
        ----------
        K : array_like (n, n)
            A linear kernel, validated: square, symmetric, PSD, finite.
        name : str
            Used in error messages and reprs.
        noise : array_like (n,), optional
            The expected measurement noise on K's diagonal (see the class docstring).

        Returns
        -------
        Representation

        Raises
        ------
        ValueError
            Naming what is wrong with ``K``.
        """
        return cls._wrap(check_kernel(K, name), name=name, noise=noise)

    @cached_property
    def kernel(self) -> np.ndarray:
        """K (n × n), read-only."""
        return self._kernel if self._kernel is not None else _read_only(self.factor @ self.factor.T)

    @cached_property
    def centered(self) -> bool:
        """Whether K's rows sum to zero (to rounding): the kernel of feature-centred activations,
        whose expected noise kernel is then H diag(D) H, with no variance along the constant."""
        ones = np.ones(self.n)
        K1 = self.factor @ (self.factor.T @ ones) if self.factor is not None else self.kernel @ ones
        return bool(np.linalg.norm(K1) <= 1e-9 * self.trace * np.sqrt(self.n))

    @property
    def noise_share(self) -> float:
        """η = tr E[noise kernel] / tr K: the share of the kernel's trace that is measurement noise,
        at most :data:`MAX_NOISE_SHARE` (0 without ``noise``). Centred, E[noise kernel] = H diag(D) H,
        whose trace is (1 − 1/n) Σ Dᵢ."""
        if self.noise is None:
            return 0.0
        total = self.noise.sum() * ((1 - 1 / self.n) if self.centered else 1.0)
        return float(min(total / self.trace, MAX_NOISE_SHARE))

    def prior(self, readout: Readout = DEFAULT_READOUT, *, noise_share: float | None = None,
              centered: bool = False) -> "Prior":
        """The readout's prior predictive N(0, Σ) under ``readout`` (cached).

        Parameters
        ----------
        readout : Readout
            b, normalize and the noise weights (see :class:`Prior`), checked when it was built.
        noise_share : float, optional
            Bring the kernel's measurement noise up to this share η* by adding isotropic noise
            (:func:`matched_priors` gives the pair's; below the own share nothing is added).
        centered : bool
            The added noise lies in the centred space (H), not the whole one (I).

        Returns
        -------
        Prior
            Σ = (1 − a)·n·K / tr(K) + a·I with a = n·b / (1 + n·b) (normalised, unweighted, no
            added noise).
        """
        require_readout(readout)
        weights = readout.weights_for(self.n)
        added = self.added_noise(noise_share, centered)
        key = (readout.b, readout.normalize, None if weights is None else weights.tobytes(), added,
               bool(centered and added))
        if key not in self._priors:
            if len(self._priors) >= self.PRIORS_KEPT:
                del self._priors[next(iter(self._priors))]
            self._priors[key] = Prior(self, readout, added_noise=added, centered=centered)
        return self._priors[key]

    def added_noise(self, noise_share: float | None, centered: bool = False) -> float:
        """The isotropic noise that brings the kernel's noise share up to ``noise_share``.

        Parameters
        ----------
        noise_share : float or None
            The share η* wanted (at most :data:`MAX_NOISE_SHARE`).
        centered : bool
            The noise lies in the centred space (P = H) instead of the whole one (P = I).

        Returns
        -------
        float
            ν ≥ 0 with K + ν·P of noise share η*: ν = tr K · (η* − η) / ((1 − η*) · tr P); 0 when
            η* ≤ η or None.
        """
        if noise_share is None or noise_share <= self.noise_share:
            return 0.0
        target = min(float(noise_share), MAX_NOISE_SHARE)
        return self.trace * (target - self.noise_share) / ((1 - target) * (self.n - 1 if centered else self.n))

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

    def projection(self, other: "Representation", compute) -> tuple[np.ndarray, np.ndarray]:
        """``compute(self, other)``, kept while ``other`` lives: the b-free part of a low-rank pair
        (``other``'s factor in this one's basis and its residual), which a sweep over b (the
        resolving b's search) would otherwise recompute for every b.

        Parameters
        ----------
        other : Representation
            The pair's other side (kept weakly: the entry goes when it does).
        compute : callable
            (self, other) → a tuple of arrays, called once per ``other``.

        Returns
        -------
        tuple of numpy.ndarray
            What ``compute`` returned, read-only.
        """
        if other not in self._projections:
            self._projections[other] = tuple(_read_only(np.asarray(a)) for a in compute(self, other))
        return self._projections[other]

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
            From the factor's rows when it has fewer columns than ``index`` has stimuli (the
            low-rank path stays open), else from a submatrix of K: never the activations again.
        """
        index = np.asarray(index)
        noise = None if self.noise is None else self.noise[index]
        # A factor at least as wide as the resample gives it no low-rank path: slice the kernel
        # (formed once, cached) rather than have every resample form F[index] F[index]ᵀ again.
        if self.factor is not None and self.factor.shape[1] < index.size:
            return Representation._wrap(factor=self.factor[index], name=self.name, noise=noise)
        return Representation._wrap(self.kernel[np.ix_(index, index)], name=self.name, noise=noise)


def _unpickle_representation(kernel: np.ndarray | None, factor: np.ndarray | None, name: str,
                             noise: np.ndarray | None = None) -> Representation:
    return Representation(kernel, factor=factor, name=name, noise=noise)  # copies the arrays


def matched_priors(rep1: Representation, rep2: Representation,
                   readout: Readout = DEFAULT_READOUT) -> tuple["Prior", "Prior"]:
    """The two readout priors of a comparison, with measurement noise on the same footing: each side
    is given isotropic noise up to :func:`margin_share` of the other side's noise share, unless its
    own is larger (module docstring), in the centred space when both kernels are centred. A model
    (no noise of its own) against a recording gets the recording's noise-to-signal ratio times
    :data:`NOISE_MARGIN`; two recordings each get at least that much of the other's.

    Parameters
    ----------
    rep1, rep2 : Representation
        On the same n stimuli.
    readout : Readout
        The readout prior, the same for both sides.

    Returns
    -------
    tuple of Prior
    """
    check_same_stimuli(rep1, rep2)
    targets = (margin_share(rep2.noise_share), margin_share(rep1.noise_share))
    centered = bool(max(targets)) and rep1.centered and rep2.centered
    return tuple(rep.prior(readout, noise_share=target, centered=centered) for rep, target in zip((rep1, rep2), targets))


def margin_share(share: float) -> float:
    """The noise share whose noise-to-signal ratio is :data:`NOISE_MARGIN` times that of ``share``:
    η' = m·r / (1 + m·r), r = η / (1 − η)."""
    ratio = NOISE_MARGIN * share / (1 - share)
    return ratio / (1 + ratio)


class Prior:
    """The prior predictive N(0, Σ) of a representation's readout:

        Σ = c·(K + ν·P) + a·diag(1/w),   a = n b / (1 + n b),
        c = (1 − a)·n / tr(K + ν·P)  (normalize, the default)   or   c = 1 − a  (normalize=False),

    with ν·P the isotropic noise a comparison adds to put measurement noise on the same footing
    (P = H = I − 11ᵀ/n when ``centered``, else I; ν = 0 unless the other side is a noisier recording).

    Parameters
    ----------
    representation : Representation
    readout : Readout
        ``b``, the noise-to-signal ratio (≥ 0); ``normalize``: scale the kernel to trace n (the
        default, as the reference's ``normalize=True``), so that the prior is invariant to the
        features' overall gain, where ``False`` uses K as it is, so gain counts (the reference's
        ``normalize=False``); ``noise_weights``: w > 0 per stimulus, stimulus i getting readout
        noise variance a/wᵢ (the reference's ``img_weights``; e.g. the number of repetitions
        averaged for each stimulus; default 1).
    added_noise : float
        ν ≥ 0, in the kernel's units (:meth:`Representation.added_noise`).
    centered : bool
        P = H (the added noise has no component along the constant) instead of I.

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
    :meth:`Representation.prior`, which checks the weights' length; Σ and its Cholesky factor are
    formed on first use.
    """

    def __init__(self, representation: Representation, readout: Readout = DEFAULT_READOUT, *,
                 added_noise: float = 0.0, centered: bool = False):
        self.source, self.b, self.normalize = representation, readout.b, readout.normalize
        self.noise_weights = readout.weights_for(representation.n)
        self.noise = noise_fraction(representation.n, self.b)          # a
        n = representation.n
        self.centered = bool(centered and added_noise)
        added_trace = added_noise * (n - 1 if self.centered else n)    # tr(ν·P)
        self.scale = prior_scale(n, representation.trace + added_trace, self.b, self.normalize)  # c
        self.added_noise = float(added_noise)                          # ν
        self.ridge = self.scale * added_noise                          # c·ν: the added noise's variance along P
        self.representation = (representation if self.noise_weights is None
                               else representation.rows_scaled(np.sqrt(self.noise_weights)))
        if self.b == 0:  # Σ = c·(K + ν·P): refused when the prior is built, not deep inside a measure
            thin = representation.factor is not None and representation.factor.shape[1] < representation.n
            if thin and not self.added_noise:  # rank K ≤ d < n, known without forming the n × n covariance
                raise singular_prior(representation.name)
            self.cholesky

    def __repr__(self) -> str:
        options = ("" if self.normalize else ", normalize=False") + (
            "" if self.noise_weights is None else ", noise_weights=...") + (
            f", ridge={self.ridge:.3g}" if self.ridge else "")
        return f"Prior({self.source.name!r}, b={self.b}{options})"

    @cached_property
    def kernel(self) -> np.ndarray:
        """K + ν·P (n × n), read-only: the kernel whose readout prior this is (the source's kernel
        when no noise is added), e.g. for another backend that builds Σ from a kernel."""
        if not self.added_noise:
            return self.source.kernel
        K = np.array(self.source.kernel)
        K[np.diag_indices_from(K)] += self.added_noise
        if self.centered:
            K -= self.added_noise / self.source.n
        return _read_only(K)

    @cached_property
    def covariance(self) -> np.ndarray:
        """Σ = c·(K + ν·P) + a·diag(1/w) (n × n), read-only."""
        S = self.scale * self.source.kernel
        if self.ridge:
            S[np.diag_indices_from(S)] += self.ridge
            if self.centered:
                S -= self.ridge / self.source.n
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


class UnresolvedError(BayesrepError, ValueError):
    """b is too small for this comparison: 0 with a singular kernel, or below what double precision
    resolves for the pair's generalized eigenvalues."""


def singular_prior(name: str) -> UnresolvedError:
    """The error for b = 0 with a singular kernel, whose prior covariance has no Cholesky factor."""
    return UnresolvedError(f"{name}: the prior covariance is singular; b = 0 needs a nonsingular kernel (use b > 0)")


def check_noise(noise: ArrayLike | None, n: int, name: str) -> np.ndarray | None:
    """A representation's expected measurement noise per stimulus, read-only; ValueError unless n
    finite values ≥ 0 (a scalar is the same for every stimulus)."""
    if noise is None:
        return None
    D = np.array(np.broadcast_to(np.asarray(noise, dtype=np.float64), (n,)) if np.ndim(noise) == 0 else noise,
                 dtype=np.float64)
    if D.shape != (n,):
        raise ValueError(f"{name}: noise must have one value per stimulus, shape ({n},); got shape {D.shape}")
    bad = ~(np.isfinite(D) & (D >= 0))
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{name}: noise must be finite and >= 0; stimulus {i} has {D[i]}")
    return _read_only(D)


def check_same_stimuli(rep1: Representation, rep2: Representation) -> None:
    """Two representations can only be compared on the same number of stimuli."""
    if rep1.n != rep2.n:
        raise ValueError(f"the representations have different numbers of stimuli: "
                         f"{rep1.name} has {rep1.n}, {rep2.name} has {rep2.n}")
