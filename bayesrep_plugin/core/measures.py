"""Every measure by name: what it computes, and the properties it declares.

One registry serves the Python API, the Brain-Score metrics, registry.yaml and the CLI. Each
:class:`Measure` declares (as in ReSi) whether it is a metric, symmetric, its range, and which
transformations of the features it is invariant to; tests/core/test_properties.py checks every
declared property on random data. Invariances hold for the default ``center="none"``; with
``center="features"`` every measure is also invariant to translation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np

from . import classic, exact, gaussian
from .gaussian import Pair
from .montecarlo import DEFAULT_SAMPLES, monte_carlo

ROTATION, SCALING, TRANSLATION = "rotation", "isotropic_scaling", "translation"
METHODS = ("exact", "mc")


class Estimate(float):
    """A float that also carries how it was computed and its standard error (0 when exact)."""

    stderr: float
    method: str

    def __new__(cls, value: float, stderr: float = 0.0, method: str = "exact") -> "Estimate":
        """
        Parameters
        ----------
        value : float
        stderr : float
            Standard error (Monte Carlo); 0 when exact.
        method : {"exact", "mc"}

        Returns
        -------
        Estimate
        """
        obj = super().__new__(cls, value)
        obj.stderr, obj.method = float(stderr), method
        return obj

    def __repr__(self) -> str:
        return f"{float(self)!r} ± {self.stderr:.2g} ({self.method})" if self.method == "mc" else repr(float(self))


class EstimateMatrix(np.ndarray):
    """An array of estimates that also carries their standard errors (``stderr``, same shape;
    zeros where exact) and how they were computed (``method``): what :func:`pairwise` returns.

    Indexing slices ``stderr`` the same way (a single element is an :class:`Estimate`), and
    transposing and copying carry it; arithmetic, comparisons and reductions give plain numpy
    arrays, and other views (reshape, ravel) have ``stderr`` None: the errors of those results
    are not known.
    """

    stderr: np.ndarray
    method: str

    def __new__(cls, values: np.ndarray, stderr: np.ndarray, method: str) -> "EstimateMatrix":
        """
        Parameters
        ----------
        values, stderr : numpy.ndarray
            The estimates and their standard errors, of one shape.
        method : {"exact", "mc"}

        Returns
        -------
        EstimateMatrix
        """
        obj = np.asarray(values, dtype=np.float64).view(cls)
        obj.stderr, obj.method = np.asarray(stderr, dtype=np.float64), method
        return obj

    def __getitem__(self, key):
        values = np.asarray(self)[key]
        if np.ndim(values) == 0:
            return Estimate(values, self.stderr[key], self.method)
        return EstimateMatrix(values, self.stderr[key], self.method)

    @property
    def T(self) -> "EstimateMatrix":
        return EstimateMatrix(np.asarray(self).T, self.stderr.T, self.method)

    def copy(self, order="C") -> "EstimateMatrix":
        return EstimateMatrix(np.asarray(self).copy(order), self.stderr.copy(order), self.method)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """Arithmetic, comparisons and reductions on the values alone: a plain array (or number)."""
        plain = [np.asarray(x) if isinstance(x, EstimateMatrix) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(np.asarray(x) if isinstance(x, EstimateMatrix) else x for x in kwargs["out"])
        return getattr(ufunc, method)(*plain, **kwargs)

    def __array_finalize__(self, obj) -> None:
        # A view made by numpy itself (reshape, ravel, ...): its errors are not known here.
        self.stderr, self.method = None, getattr(obj, "method", "exact")


@dataclass(frozen=True)
class Measure:
    """A named comparison of two prepared representations, with its declared properties.

    ``compute(pair, **options)`` takes a :class:`~bayesrep_plugin.core.gaussian.Pair` (two
    representations and the comparison's b) and returns an :class:`Estimate`. ``bayesian``
    measures depend on b; the others read only the kernels.

    Parameters
    ----------
    name, description : str
    kind : {"distance", "divergence", "similarity"}
    compute : callable
        (pair, **options) → Estimate.
    is_metric, symmetric : bool
        Declared properties (checked in tests/core/test_properties.py).
    value_range : tuple of float
    invariant_to : frozenset of str
        Among "rotation", "isotropic_scaling", "translation".
    options : tuple of str
        The keyword options ``compute`` takes.
    bayesian : bool
        Depends on the prior predictive (so on b).
    """

    name: str
    description: str
    kind: Literal["distance", "divergence", "similarity"]
    compute: Callable[..., Estimate]
    is_metric: bool
    symmetric: bool
    value_range: tuple[float, float]
    invariant_to: frozenset[str]
    options: tuple[str, ...] = ()
    bayesian: bool = True  # depends on the prior predictive (so on b)

    @property
    def identity_value(self) -> float:
        """The value for two identical representations."""
        return 1.0 if self.kind == "similarity" else 0.0

    def check_options(self, options: dict) -> None:
        """Refuse an option this measure does not take (e.g. ``method`` on a closed form).

        Parameters
        ----------
        options : dict
            Option name → value.

        Raises
        ------
        ValueError
            Naming the unknown options, or an unknown ``method``.
        """
        unknown = set(options) - set(self.options)
        if unknown:
            hint = (" (it has a closed form: there is no Monte Carlo estimate of it)"
                    if "method" in unknown and self.bayesian else "")
            raise ValueError(f"measure {self.name!r} takes no option(s) {sorted(unknown)}{hint}; "
                             f"it accepts {list(self.options) or 'none'}")
        if options.get("method", "exact") not in METHODS:
            raise ValueError(f"method={options['method']!r} is not one of {METHODS}")

    def __call__(self, pair: Pair, **options) -> Estimate:
        """The measure's value on ``pair``.

        Parameters
        ----------
        pair : Pair
        **options
            Checked by :meth:`check_options`.

        Returns
        -------
        Estimate
        """
        self.check_options(options)
        return self.compute(pair, **options)


def _readout(statistic: Literal["tv", "js", "jsd"]):
    def compute(pair: Pair, method: str = "exact", n_samples: int = DEFAULT_SAMPLES, seed: int | None = 0):
        if method == "exact":
            spec = pair.spectrum
            if statistic == "tv":
                return Estimate(exact.total_variation(spec))
            jsd = exact.js_divergence_bits(spec)
            return Estimate(jsd if statistic == "jsd" else math.sqrt(jsd))
        if method == "mc":
            mc = monte_carlo(pair, n_samples, seed)
            if statistic == "tv":
                return Estimate(mc.tv, mc.tv_se, "mc")
            if statistic == "jsd":
                return Estimate(mc.jsd, mc.jsd_se, "mc")
            js = math.sqrt(max(mc.jsd, 0.0))  # delta method for the SE of the square root
            return Estimate(js, mc.jsd_se / (2 * js) if js > 0 else math.inf, "mc")
        raise ValueError(f"method={method!r} is not one of {METHODS}")
    return compute


def _closed_form(fn):
    return lambda pair: Estimate(fn(pair.spectrum))


def _from_kernels(fn, thin=None):
    """The measure ``fn(K₁, K₂)``; when both representations are thin (kept as factors, d < n) and
    ``thin(rep1, rep2)`` computes the same value from the factors, that instead (no n × n matrix)."""
    def measure(pair, **options):
        if thin is not None and pair.rep1.factor is not None and pair.rep2.factor is not None:
            return Estimate(thin(pair.rep1, pair.rep2, **options))
        return Estimate(fn(pair.rep1.kernel, pair.rep2.kernel, **options))
    return measure


_ROT_SCALE = frozenset({ROTATION, SCALING})
_ALL = frozenset({ROTATION, SCALING, TRANSLATION})
_READOUT_OPTIONS = ("method", "n_samples", "seed")

MEASURES: dict[str, Measure] = {m.name: m for m in [
    Measure("tv", "total variation distance between the readouts' prior predictives",
            "distance", _readout("tv"), True, True, (0.0, 1.0), _ROT_SCALE, _READOUT_OPTIONS),
    Measure("js", "Jensen–Shannon distance (sqrt of the JS divergence in bits) between the prior predictives",
            "distance", _readout("js"), True, True, (0.0, 1.0), _ROT_SCALE, _READOUT_OPTIONS),
    Measure("jsd", "Jensen–Shannon divergence in bits between the prior predictives",
            "divergence", _readout("jsd"), False, True, (0.0, 1.0), _ROT_SCALE, _READOUT_OPTIONS),
    Measure("kl", "KL divergence KL(P1 ‖ P2) in nats between the prior predictives",
            "divergence", _closed_form(gaussian.kl_divergence), False, False, (0.0, math.inf), _ROT_SCALE),
    Measure("kl_symmetric", "symmetrised KL divergence (KL(P1‖P2) + KL(P2‖P1)) / 2 in nats",
            "divergence", _closed_form(lambda s: (gaussian.kl_divergence(s) + gaussian.kl_divergence_reverse(s)) / 2),
            False, True, (0.0, math.inf), _ROT_SCALE),
    Measure("hellinger", "Hellinger distance sqrt(1 − BC) between the prior predictives",
            "distance", _closed_form(gaussian.hellinger_distance), True, True, (0.0, 1.0), _ROT_SCALE),
    Measure("bhattacharyya", "Bhattacharyya distance −log BC between the prior predictives",
            "divergence", _closed_form(gaussian.bhattacharyya_distance), False, True, (0.0, math.inf), _ROT_SCALE),
    Measure("bures", "Bures–Wasserstein distance between the prior predictive covariances, / sqrt(n)",
            "distance", lambda pair: Estimate(gaussian.bures_distance(pair)), True, True,
            (0.0, math.sqrt(2)), _ROT_SCALE),
    Measure("cka", "linear centered kernel alignment (biased HSIC; Kornblith et al. 2019)",
            "similarity", _from_kernels(classic.cka, classic.cka_thin), False, True, (0.0, 1.0), _ALL, bayesian=False),
    Measure("cka_unbiased", "linear CKA from unbiased HSIC (Song et al. 2012)",
            "similarity", _from_kernels(classic.cka_unbiased, classic.cka_unbiased_thin), False, True, (-1.0, 1.0),
            _ALL, bayesian=False),
    Measure("rsa", "correlation of squared-Euclidean RDMs (pearson, spearman or cosine)",
            "similarity", _from_kernels(classic.rsa, classic.rsa_thin), False, True, (-1.0, 1.0), _ALL,
            ("rdm_comparison",),
            bayesian=False),
    Measure("procrustes", "angular orthogonal Procrustes shape distance in radians (Williams et al. 2021)",
            "distance", lambda pair: Estimate(classic.procrustes_angle(pair.rep1, pair.rep2)), True, True,
            (0.0, math.pi / 2), _ALL, bayesian=False),
    Measure("distance_correlation", "distance correlation of the Euclidean distances (Székely et al. 2007); "
            "exponent=2 gives sqrt(cka)", "similarity", _from_kernels(classic.distance_correlation), False, True,
            (0.0, 1.0), _ALL, ("exponent",), bayesian=False),
    Measure("knn_jaccard", "mean Jaccard similarity of each stimulus's k nearest neighbours (cosine or Euclidean)",
            "similarity", _from_kernels(classic.knn_jaccard), False, True, (0.0, 1.0), _ROT_SCALE,
            ("k", "neighbours"), bayesian=False),
    Measure("gulp", "GULP distance between the ridge-regression predictors (Boix-Adsera et al. 2022), "
            "ridge λ on the scale of K / tr K", "distance", _from_kernels(classic.gulp), True, True, (0.0, math.inf),
            _ROT_SCALE, ("ridge",), bayesian=False),
    Measure("rsa_arccos", "angle in radians between the squared-Euclidean RDMs (arccos of RSA's cosine)",
            "distance", _from_kernels(classic.rsa_arccos), True, True, (0.0, math.pi / 2), _ALL, bayesian=False),
]}


def get_measure(name: str) -> Measure:
    """The measure called ``name``.

    Parameters
    ----------
    name : str

    Returns
    -------
    Measure

    Raises
    ------
    ValueError
        Listing the known names, for an unknown one.
    """
    try:
        return MEASURES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown measure {name!r}; known measures: {', '.join(MEASURES)}") from None
