"""Every measure by name: what it computes, and the properties it declares.

One registry serves the Python API, the Brain-Score metrics, registry.yaml and the CLI. Each
:class:`Measure` declares (as in ReSi) whether it is a metric, symmetric, its range, and which
transformations of the features it is invariant to; tests/core/test_properties.py checks every
declared property on random data. Invariances hold for the default ``center="none"``; with
``center="features"`` every measure is also invariant to translation.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Callable, Literal, Mapping

import numpy as np

from . import classic, exact, gaussian
from .gaussian import Pair
from .montecarlo import DEFAULT_SAMPLES, monte_carlo

ROTATION, SCALING, TRANSLATION = "rotation", "isotropic_scaling", "translation"
METHODS = ("exact", "mc")


@dataclass(frozen=True)
class Option:
    """What a measure's keyword option accepts: values of ``kinds`` (never a bool, unless
    ``kinds`` is bool) for which ``allowed(value)`` holds, described by ``meaning`` in errors.

    Parameters
    ----------
    kinds : type or tuple of type
        E.g. ``numbers.Real``, ``numbers.Integral``, ``str``.
    allowed : callable
        value → bool, the option's domain.
    meaning : str
        What a valid value is, e.g. "a number > 0".
    """

    kinds: type | tuple[type, ...]
    allowed: Callable[[object], bool]
    meaning: str

    def accepts(self, value) -> bool:
        """Whether ``value`` is of the right kind and in the domain (a bool is no number: YAML's yes)."""
        kinds = self.kinds if isinstance(self.kinds, tuple) else (self.kinds,)
        if isinstance(value, (bool, np.bool_)) and bool not in kinds:
            return False
        return isinstance(value, kinds) and bool(self.allowed(value))


def _one_of(choices: tuple[str, ...]) -> Option:
    return Option(str, lambda value: value in choices, f"one of {choices}")


def _at_least_two_stimuli(**options) -> int:
    return 2


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
    transposing (``.T``) carries it; arithmetic, comparisons and reductions give plain numpy
    arrays, and other copies and views (copy, reshape, ravel) have ``stderr`` None: the errors
    of those results are not known here.
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
        With the prior's default ``normalize=True``.
    invariant_to : frozenset of str
        Among "rotation", "isotropic_scaling", "translation".
    options : mapping of str to Option
        The keyword options ``compute`` takes, and what each accepts.
    bayesian : bool
        Depends on the prior predictive (so on b).
    unnormalized_range : tuple of float, optional
        The range with ``normalize=False`` where it differs from ``value_range``.
    min_stimuli : callable
        (**options) → the fewest stimuli the measure is defined on (default 2).
    on_torch : bool
        Also computed, differentiably, by :mod:`bayesrep_plugin.core.torch` (the exact readout
        measures): that module's list of measures is this flag, and its options are checked here.
    from_spectrum : callable, optional
        (u, m²) → value, for a closed form of the spectrum u = ½ log λ: written once for numpy
        arrays and torch tensors (:func:`~bayesrep_plugin.core.exact.namespace`), so ``compute``
        and the torch path call the same function.
    """

    name: str
    description: str
    kind: Literal["distance", "divergence", "similarity"]
    compute: Callable[..., Estimate]
    is_metric: bool
    symmetric: bool
    value_range: tuple[float, float]
    invariant_to: frozenset[str]
    options: Mapping[str, Option] = field(default_factory=dict)
    bayesian: bool = True  # depends on the prior predictive (so on b)
    unnormalized_range: tuple[float, float] | None = None
    min_stimuli: Callable[..., int] = _at_least_two_stimuli
    on_torch: bool = False
    from_spectrum: Callable | None = None

    @property
    def identity_value(self) -> float:
        """The value for two identical representations."""
        return 1.0 if self.kind == "similarity" else 0.0

    def range_for(self, normalize: bool = True) -> tuple[float, float]:
        """The declared range of the values, under the prior's ``normalize`` option.

        Parameters
        ----------
        normalize : bool
            As in :func:`~bayesrep_plugin.core.compare.compare`.

        Returns
        -------
        tuple of float
            (lowest, highest).
        """
        return self.value_range if normalize or self.unnormalized_range is None else self.unnormalized_range

    def check_options(self, options: dict) -> None:
        """Refuse an option this measure does not take (e.g. ``method`` on a closed form), or a
        value of the wrong type or outside the option's domain (``ridge="0.1"``, ``k=0``).

        Parameters
        ----------
        options : dict
            Option name → value.

        Raises
        ------
        ValueError
            Naming the unknown option, or the bad value and what the option accepts.
        """
        unknown = set(options) - set(self.options)
        if unknown:
            hint = (" (it has a closed form: there is no Monte Carlo estimate of it)"
                    if "method" in unknown and self.bayesian else "")
            raise ValueError(f"measure {self.name!r} takes no option(s) {sorted(unknown)}{hint}; "
                             f"it accepts {list(self.options) or 'none'}")
        for key, value in options.items():
            if not self.options[key].accepts(value):
                raise ValueError(f"measure {self.name!r}: {key}={value!r} must be {self.options[key].meaning}")

    def check_stimuli(self, n: int, options: dict) -> None:
        """Refuse a number of stimuli the measure is not defined on (with these options).

        Parameters
        ----------
        n : int
            Stimuli compared (of a resample, where there are resamples).
        options : dict
            Option name → value (e.g. knn_jaccard's ``k``).

        Raises
        ------
        ValueError
            Saying how many stimuli are needed.
        """
        needed = self.min_stimuli(**options)
        if n < needed:
            given = "".join(f", {key}={value!r}" for key, value in options.items())
            raise ValueError(f"measure {self.name!r}{given and f' (with {given[2:]})'} needs at least {needed} "
                             f"stimuli; got {n}")

    def __call__(self, pair: Pair, **options) -> Estimate:
        """The measure's value on ``pair``.

        Parameters
        ----------
        pair : Pair
            Or anything with the ``n`` and the parts ``compute`` reads.
        **options
            Checked by :meth:`check_options`, and with ``pair.n`` by :meth:`check_stimuli`.

        Returns
        -------
        Estimate
        """
        self.check_options(options)
        self.check_stimuli(pair.n, options)
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


def _closed_form(name: str, description: str, kind: str, fn, is_metric: bool, symmetric: bool,
                 value_range: tuple[float, float]) -> Measure:
    """A readout measure with a closed form ``fn(u, m²)`` of the spectrum, on numpy and torch."""
    def compute(pair: Pair) -> Estimate:
        spec = pair.spectrum
        return Estimate(fn(spec.u, spec.m2))
    return Measure(name, description, kind, compute, is_metric, symmetric, value_range, _ROT_SCALE,
                   on_torch=True, from_spectrum=fn)


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
_READOUT_OPTIONS = {
    "method": _one_of(METHODS),
    "n_samples": Option(numbers.Integral, lambda value: value >= 2, "a whole number >= 2 (Monte Carlo samples)"),
    "seed": Option((numbers.Integral, type(None)), lambda value: value is None or value >= 0,
                   "a whole number >= 0, or None"),
}

MEASURES: dict[str, Measure] = {m.name: m for m in [
    Measure("tv", "total variation distance between the readouts' prior predictives",
            "distance", _readout("tv"), True, True, (0.0, 1.0), _ROT_SCALE, _READOUT_OPTIONS, on_torch=True),
    Measure("js", "Jensen–Shannon distance (sqrt of the JS divergence in bits) between the prior predictives",
            "distance", _readout("js"), True, True, (0.0, 1.0), _ROT_SCALE, _READOUT_OPTIONS, on_torch=True),
    Measure("jsd", "Jensen–Shannon divergence in bits between the prior predictives",
            "divergence", _readout("jsd"), False, True, (0.0, 1.0), _ROT_SCALE, _READOUT_OPTIONS, on_torch=True),
    _closed_form("kl", "KL divergence KL(P1 ‖ P2) in nats between the prior predictives",
                 "divergence", gaussian.kl_from_spectrum, False, False, (0.0, math.inf)),
    _closed_form("kl_symmetric", "symmetrised KL divergence (KL(P1‖P2) + KL(P2‖P1)) / 2 in nats",
                 "divergence", gaussian.kl_symmetric_from_spectrum, False, True, (0.0, math.inf)),
    _closed_form("hellinger", "Hellinger distance sqrt(1 − BC) between the prior predictives",
                 "distance", gaussian.hellinger_from_spectrum, True, True, (0.0, 1.0)),
    _closed_form("bhattacharyya", "Bhattacharyya distance −log BC between the prior predictives",
                 "divergence", gaussian.bhattacharyya_from_spectrum, False, True, (0.0, math.inf)),
    Measure("bures", "Bures–Wasserstein distance between the prior predictive covariances, / sqrt(n)",
            "distance", lambda pair: Estimate(gaussian.bures_distance(pair)), True, True,
            (0.0, math.sqrt(2)), _ROT_SCALE, unnormalized_range=(0.0, math.inf), on_torch=True),
    Measure("cka", "linear centered kernel alignment (biased HSIC; Kornblith et al. 2019)",
            "similarity", _from_kernels(classic.cka, classic.cka_thin), False, True, (0.0, 1.0), _ALL, bayesian=False),
    Measure("cka_unbiased", "linear CKA from unbiased HSIC (Song et al. 2012)",
            "similarity", _from_kernels(classic.cka_unbiased, classic.cka_unbiased_thin), False, True, (-1.0, 1.0),
            _ALL, bayesian=False, min_stimuli=lambda: classic.UNBIASED_HSIC_STIMULI),
    Measure("rsa", "correlation of squared-Euclidean RDMs (pearson, spearman or cosine)",
            "similarity", _from_kernels(classic.rsa, classic.rsa_thin), False, True, (-1.0, 1.0), _ALL,
            {"rdm_comparison": _one_of(classic.RDM_COMPARISONS)}, bayesian=False,
            min_stimuli=lambda rdm_comparison=None: 3),  # an RDM of 3 stimuli has 3 entries to correlate
    Measure("procrustes", "angular orthogonal Procrustes shape distance in radians (Williams et al. 2021)",
            "distance", lambda pair: Estimate(classic.procrustes_angle(pair.rep1, pair.rep2)), True, True,
            (0.0, math.pi / 2), _ALL, bayesian=False),
    Measure("distance_correlation", "distance correlation of the Euclidean distances (Székely et al. 2007); "
            "exponent=2 gives sqrt(cka)", "similarity", _from_kernels(classic.distance_correlation), False, True,
            (0.0, 1.0), _ALL, {"exponent": Option(numbers.Real, lambda value: 0 < value <= 2,
                                                 "a number in (0, 2] (the power of the Euclidean distances)")},
            bayesian=False),
    Measure("knn_jaccard", "mean Jaccard similarity of each stimulus's k nearest neighbours (cosine or Euclidean)",
            "similarity", _from_kernels(classic.knn_jaccard), False, True, (0.0, 1.0), _ROT_SCALE,
            {"k": Option(numbers.Integral, lambda value: value >= 1, "a whole number of neighbours >= 1"),
             "neighbours": _one_of(classic.KNN_NEIGHBOURS)}, bayesian=False,
            min_stimuli=lambda k=classic.KNN_DEFAULT_K, neighbours=None: k + 1),  # k others besides each stimulus
    Measure("gulp", "GULP distance between the ridge-regression predictors (Boix-Adsera et al. 2022), "
            "ridge λ on the scale of K / tr K", "distance", _from_kernels(classic.gulp), True, True, (0.0, math.inf),
            _ROT_SCALE, {"ridge": Option(numbers.Real, lambda value: math.isfinite(value) and value > 0,
                                         "a finite number > 0 (the ridge penalty λ)")}, bayesian=False),
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
