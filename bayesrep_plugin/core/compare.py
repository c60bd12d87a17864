"""The front door of the core: compare two representations, or many.

``compare`` takes activations or prepared :class:`Representation` objects and returns the value
of any measure; ``distance`` and ``distance_from_kernels`` are the same for the measures that are
distances or divergences (they refuse similarities such as CKA, whose value grows with closeness).
``pairwise`` prepares each representation once and reuses it for every pair, which it measures
here or on any executor of :mod:`~bayesrep_plugin.core.plan` (worker processes, a Dask cluster). b, the readout's
noise-to-signal ratio, is an argument of the comparison, never of a representation.

Each of these functions checks its arguments once, by building a :class:`Comparison` (the measures
with their options, the :class:`~bayesrep_plugin.core.prior.Readout` prior and the centring), and
passes it down: nothing below re-checks it, pair after pair.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike
from tqdm.auto import tqdm

from .._runtime import single_blas_thread

from .gaussian import Pair
from .kernels import Centering, check_center
from .measures import Estimate, EstimateMatrix, get_measure
from .plan import Executor, in_processes, ordered_pairs, serial
from .prior import DEFAULT_B, DEFAULT_READOUT, Readout, Representation, require_readout

#: Activations (n stimuli, ...), rows in the same order on both sides, or a prepared Representation.
RepresentationLike = ArrayLike | Representation


@dataclass(frozen=True, eq=False)
class Comparison:
    """What a comparison computes, checked once, when it is built: the measures with their
    options, the readout prior and the centring of activations.

    Built where a call enters (:func:`compare_measures`, :func:`pairwise`, the reports' settings,
    a Brain-Score metric) and passed down to every pair, which it measures without checking
    anything again but the number of stimuli (which the pair's data decide).

    Parameters
    ----------
    measures : mapping of str to dict
        Measure name → its options (as the ``**options`` of :func:`compare`); kept as a copy.
    readout : Readout
        b, normalize and the noise weights of the readout prior.
    center : {"none", "features", "stimuli"}
        Applied to activations by :meth:`prepare`.

    Raises
    ------
    ValueError
        For an unknown measure or option, or a bad ``center``.
    """

    measures: Mapping[str, dict]
    readout: Readout = DEFAULT_READOUT
    center: Centering = "none"

    def __post_init__(self) -> None:
        require_readout(self.readout)
        check_center(self.center)
        for name, options in self.measures.items():
            get_measure(name).check_options(options)
        object.__setattr__(self, "measures", {name: dict(options) for name, options in self.measures.items()})

    def prepare(self, x: RepresentationLike, name: str = "X") -> Representation:
        """Activations → :class:`Representation` with this comparison's centring (:func:`prepare`).

        Parameters
        ----------
        x : array_like (n stimuli, ...) or Representation
            A Representation is returned as it is (its centring was chosen when it was built).
        name : str
            Used in error messages.

        Returns
        -------
        Representation
        """
        return prepare(x, self.center, name)

    def between(self, rep1: Representation, rep2: Representation,
                only: Iterable[str] | None = None) -> dict[str, Estimate]:
        """Every measure (or those named in ``only``) between two prepared representations, from
        one :class:`~bayesrep_plugin.core.gaussian.Pair`: its generalized eigenproblem is solved
        once for all of them.

        Parameters
        ----------
        rep1, rep2 : Representation
            On the same n stimuli, in the same order.
        only : iterable of str, optional
            Names among :attr:`measures` (default: all of them).

        Returns
        -------
        dict of str to Estimate
            Measure name → value, in the order of :attr:`measures` (or of ``only``).

        Raises
        ------
        ValueError
            For representations on different numbers of stimuli, too few stimuli for a measure,
            or (:class:`~bayesrep_plugin.core.prior.UnresolvedError`) a b too small for double
            precision to resolve the pair.
        """
        pair = Pair(rep1, rep2, self.readout)
        values = {}
        for name in self.measures if only is None else only:
            measure, options = get_measure(name), self.measures[name]
            measure.check_stimuli(pair.n, options)
            values[name] = measure.compute(pair, **options)
        return values

    def value(self, rep1: Representation, rep2: Representation) -> Estimate:
        """The value of a one-measure comparison between two prepared representations (:meth:`between`).

        Parameters
        ----------
        rep1, rep2 : Representation
            On the same n stimuli, in the same order.

        Returns
        -------
        Estimate

        Raises
        ------
        ValueError
            For a comparison of more than one measure, and as :meth:`between`.
        """
        if len(self.measures) != 1:
            raise ValueError(f"value() is for a comparison of one measure; this one has {list(self.measures)}")
        return next(iter(self.between(rep1, rep2).values()))

    def at(self, b: float) -> "Comparison":
        """The same comparison at another b (a sweep over b): the new b is checked, the rest was.

        Parameters
        ----------
        b : float
            The readout's noise-to-signal ratio (≥ 0).

        Returns
        -------
        Comparison
        """
        swept = copy.copy(self)
        object.__setattr__(swept, "readout", self.readout.at(b))
        return swept

    def alone(self, name: str) -> "Comparison":
        """The comparison of its measure ``name`` alone (nothing checked again).

        Parameters
        ----------
        name : str
            One of :attr:`measures`.

        Returns
        -------
        Comparison
            With that measure and its options, the same readout prior and centring.
        """
        single = copy.copy(self)
        object.__setattr__(single, "measures", {name: self.measures[name]})
        return single


def _refuse_similarity(measure: str) -> None:
    m = get_measure(measure)
    if m.kind == "similarity":
        raise ValueError(f"measure {measure!r} is a similarity (higher = closer, {m.identity_value:g} for "
                         f"identical representations), not a distance: use bayesrep_plugin.compare(..., "
                         f"measure={measure!r}) for its value, or 1 - that value as a dissimilarity")


def prepare(x: RepresentationLike, center: Centering = "none", name: str = "X") -> Representation:
    """Activations → :class:`Representation`; a Representation is returned as it is.

    Parameters
    ----------
    x : array_like (n stimuli, ...) or Representation
        Rows are stimuli.
    center : {"none", "features", "stimuli"}
        Applied to activations (see :mod:`bayesrep_plugin.core.kernels`).
    name : str
        Used in error messages.

    Returns
    -------
    Representation

    Raises
    ------
    ValueError
        For a labelled array (xarray: the core compares rows by position, so two assemblies must
        be aligned by stimulus id first), and for ``center`` other than "none" with a prepared
        Representation (its centering was fixed when it was built: centring here would centre
        one side only).
    """
    if isinstance(x, Representation):
        if center != "none":
            raise ValueError(f"{name}: center={center!r} applies to activations; a prepared Representation was "
                             "given, whose centering was chosen when it was built "
                             "(Representation.from_activations(X, center=...))")
        return x
    return Representation.from_activations(x, center=center, name=name)


def compare(X1: RepresentationLike, X2: RepresentationLike, measure: str = "js", *, b: float = DEFAULT_B,
            center: Centering = "none", normalize: bool = True, noise_weights: ArrayLike | None = None,
            **options) -> Estimate:
    """The value of ``measure`` between two representations.

    Parameters
    ----------
    X1, X2 : array_like (n stimuli, ...) or Representation
        Rows are stimuli, in the same order on both sides.
    measure : str
        A name in :data:`~bayesrep_plugin.core.measures.MEASURES`; its ``kind`` says whether the
        value is a distance, a divergence or a similarity.
    b : float
        The readout's noise-to-signal ratio (≥ 0; default 0.01, the reference's). Ignored by the
        measures that do not depend on the readout prior (cka, rsa, procrustes...).
    center : {"none", "features", "stimuli"}
        Applied to activations (see :mod:`bayesrep_plugin.core.kernels`).
    normalize : bool
        Scale each kernel to trace n (default); ``False`` uses the kernels as they are, so the
        features' overall gain counts (see :class:`~bayesrep_plugin.core.prior.Prior`).
    noise_weights : array_like (n,), optional
        Per-stimulus weights w: stimulus i's readout noise variance is a/wᵢ (e.g. its number of
        repetitions). Exact on every path.
    **options
        The measure's options: ``method`` ("exact" | "mc"), ``n_samples``, ``seed`` for tv/js/jsd;
        ``rdm_comparison`` for rsa; ``exponent`` for distance_correlation; ``k``, ``neighbours``
        for knn_jaccard; ``ridge`` for gulp. Any other option is refused.

    Returns
    -------
    Estimate
        A float with ``.stderr`` (0 when exact) and ``.method``.

    Raises
    ------
    ValueError
        For an unknown measure or option, a bad ``b`` or ``center``, representations on different
        numbers of stimuli, or a ``b`` too small for double precision to resolve the pair.
    """
    return compare_measures(X1, X2, {measure: options}, b=b, center=center, normalize=normalize,
                            noise_weights=noise_weights)[measure]


def compare_measures(X1: RepresentationLike, X2: RepresentationLike, measures: Mapping[str, dict], *,
                     b: float = DEFAULT_B, center: Centering = "none", normalize: bool = True,
                     noise_weights: ArrayLike | None = None) -> dict[str, Estimate]:
    """Several measures between two representations, sharing one :class:`Pair`: the generalized
    eigenproblem is solved once for all of them.

    Parameters
    ----------
    X1, X2 : array_like (n stimuli, ...) or Representation
        Rows are stimuli, in the same order on both sides (as in :func:`compare`).
    measures : mapping of str to dict
        Measure name → its options (as the ``**options`` of :func:`compare`); every one is
        checked before anything is computed.
    b, center, normalize, noise_weights
        The readout prior and the centring of activations, as in :func:`compare`.

    Returns
    -------
    dict of str to Estimate
        Measure name → value, in the order given.

    Raises
    ------
    ValueError
        As :func:`compare`, for any of the measures.
    """
    comparison = Comparison(measures, Readout(b, normalize, noise_weights), center)
    return comparison.between(comparison.prepare(X1, "X1"), comparison.prepare(X2, "X2"))


def distance(X1: RepresentationLike, X2: RepresentationLike, measure: str = "js", *, b: float = DEFAULT_B,
             center: Centering = "none", normalize: bool = True, noise_weights: ArrayLike | None = None,
             **options) -> Estimate:
    """``measure`` between two representations, for the measures that are distances or divergences
    (lower = closer; a similarity such as cka is refused: use :func:`compare`).

    Parameters
    ----------
    X1, X2 : array_like (n stimuli, ...) or Representation
        Rows are stimuli, in the same order on both sides.
    measure : str
        A distance or divergence of :data:`~bayesrep_plugin.core.measures.MEASURES`
        (default ``"js"``).
    b : float
        The readout's noise-to-signal ratio (≥ 0; default 0.01).
    center : {"none", "features", "stimuli"}
        Applied to activations.
    normalize : bool
        Scale each kernel to trace n (default), as in :func:`compare`.
    noise_weights : array_like (n,), optional
        Readout noise weight per stimulus, as in :func:`compare`.
    **options
        The measure's options, as in :func:`compare`.

    Returns
    -------
    Estimate
        A float with ``.stderr`` (0 when exact) and ``.method``.

    Raises
    ------
    ValueError
        For a similarity measure, and as :func:`compare`.
    """
    _refuse_similarity(measure)
    return compare(X1, X2, measure, b=b, center=center, normalize=normalize, noise_weights=noise_weights, **options)


def distance_from_kernels(K1: ArrayLike, K2: ArrayLike, measure: str = "js", *, b: float = DEFAULT_B,
                          normalize: bool = True, noise_weights: ArrayLike | None = None, **options) -> Estimate:
    """``measure`` (a distance or divergence) between two representations given by their linear
    kernels.

    Parameters
    ----------
    K1, K2 : array_like (n, n)
        Linear kernels K = X Xᵀ, validated (square, symmetric, PSD, finite), on the same stimuli
        in the same order.
    measure : str
        A distance or divergence of :data:`~bayesrep_plugin.core.measures.MEASURES`.
    b : float
        The readout's noise-to-signal ratio (≥ 0).
    normalize : bool
        Scale each kernel to trace n (default), as in :func:`compare`.
    noise_weights : array_like (n,), optional
        Readout noise weight per stimulus, as in :func:`compare`.
    **options
        The measure's options, as in :func:`compare`.

    Returns
    -------
    Estimate
        A float with ``.stderr`` (0 when exact) and ``.method``.

    Raises
    ------
    ValueError
        For a kernel that is not square, symmetric, PSD and finite, and as :func:`distance`.
    """
    _refuse_similarity(measure)
    return compare(Representation.from_kernel(K1, name="K1"), Representation.from_kernel(K2, name="K2"),
                   measure, b=b, normalize=normalize, noise_weights=noise_weights, **options)


def pairwise(representations: Sequence[RepresentationLike], measure: str = "js", *, b: float = DEFAULT_B,
             center: Centering = "none", normalize: bool = True, noise_weights: ArrayLike | None = None,
             progress: bool = False, workers: int | None = None, executor: Executor | None = None,
             **options) -> EstimateMatrix:
    """The m × m matrix of ``measure`` between all pairs, here or in parallel.

    Each representation is prepared once; symmetric measures compute each unordered pair once and
    fill the diagonal with the identity value; asymmetric ones (kl) compute both orders
    (:func:`~bayesrep_plugin.core.plan.ordered_pairs`). Every executor gives the same values, to
    the bit.

    Parameters
    ----------
    representations : sequence of array_like or Representation
        Each with the same n stimuli in the same order.
    measure, b, center, normalize, noise_weights, **options
        As in :func:`compare`.
    progress : bool
        Show a progress bar over pairs (default: none; a library call draws nothing unless asked).
    workers : int, optional
        Measure the pairs in this many processes, this one included, one BLAS thread each
        (:func:`~bayesrep_plugin.core.plan.in_processes`: this process starts at once, the others
        join when they have started); default: here, one after the other.
    executor : callable, optional
        Any executor of :mod:`bayesrep_plugin.core.plan`, e.g. a Dask cluster's:
        ``with connect("tcp://host:8786") as client: pairwise(reps, executor=on_cluster(client))``
        (:func:`bayesrep_plugin.reports.distributed.connect` and
        :func:`~bayesrep_plugin.reports.distributed.on_cluster`). Not with ``workers``.

    Returns
    -------
    EstimateMatrix
        The m × m values, with ``.stderr`` (the Monte Carlo standard errors; zeros when exact).

    Raises
    ------
    ValueError
        As :func:`compare`; for ``workers`` other than a whole number ≥ 1, or given with ``executor``.
    """
    comparison = Comparison({measure: options}, Readout(b, normalize, noise_weights), center)
    m = get_measure(measure)
    if workers is not None and executor is not None:
        raise ValueError("give workers (processes here) or an executor (e.g. a Dask cluster's), not both")
    run = in_processes(workers) if workers is not None else executor or serial
    reps = [comparison.prepare(x, f"representation {i}") for i, x in enumerate(representations)]
    count = len(reps)
    pairs = ordered_pairs(count, m.symmetric)
    values, stderr = np.full((count, count), m.identity_value), np.zeros((count, count))
    with tqdm(total=len(pairs), desc=f"pairwise {measure}", disable=not progress or not pairs, unit="pair") as bar:
        def finished(pair: tuple[int, int], estimate: tuple[float, float]) -> None:
            i, j = pair
            values[i, j], stderr[i, j] = estimate
            if m.symmetric:
                values[j, i], stderr[j, i] = estimate
            bar.update()

        with single_blas_thread():  # here as in the workers: the same bits from every executor (and faster, _runtime)
            run(reps, {(i, j): (i, j, (comparison,)) for i, j in pairs}, _estimate, finished)
    return EstimateMatrix(values, stderr, options.get("method", "exact"))


def _estimate(first: Representation, second: Representation, comparison: Comparison) -> tuple[float, float]:
    """One pair's value and standard error under a one-measure comparison: the task of
    :func:`pairwise` (a module's function, so that worker processes receive it by name)."""
    estimate = comparison.value(first, second)
    return float(estimate), float(estimate.stderr)
