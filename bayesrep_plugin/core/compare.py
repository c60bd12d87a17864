"""The front door of the core: compare two representations, or many.

``compare`` takes activations or prepared :class:`Representation` objects and returns the value
of any measure; ``distance`` and ``distance_from_kernels`` are the same for the measures that are
distances or divergences (they refuse similarities such as CKA, whose value grows with closeness).
``pairwise`` prepares each representation once and reuses it for every pair, which it measures
here or on any executor of :mod:`~bayesrep_plugin.core.plan` (worker processes, a Dask cluster). b, the readout's
noise-to-signal ratio, is an argument of the comparison, never of a representation.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike
from tqdm.auto import tqdm

from .._runtime import single_blas_thread

from .gaussian import Pair
from .kernels import Centering, check_center
from .measures import Estimate, EstimateMatrix, Measure, get_measure
from .plan import Executor, in_processes, ordered_pairs, serial
from .prior import DEFAULT_B, Representation, check_b

#: Activations (n stimuli, ...), rows in the same order on both sides, or a prepared Representation.
RepresentationLike = ArrayLike | Representation


def _measure(measure: str, options: dict, b: float, center: str) -> Measure:
    """The measure, with every option checked before any data is read."""
    m = get_measure(measure)
    m.check_options(options)
    check_b(b)
    check_center(center)
    return m


def _distance_measure(measure: str, options: dict, b: float, center: str) -> Measure:
    m = _measure(measure, options, b, center)
    if m.kind == "similarity":
        raise ValueError(f"measure {measure!r} is a similarity (higher = closer, {m.identity_value:g} for "
                         f"identical representations), not a distance: use bayesrep_plugin.compare(..., "
                         f"measure={measure!r}) for its value, or 1 - that value as a dissimilarity")
    return m


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
    checked = {name: _measure(name, options, b, center) for name, options in measures.items()}
    pair = Pair(prepare(X1, center, "X1"), prepare(X2, center, "X2"), b, normalize=normalize,
                noise_weights=noise_weights)
    return {name: m(pair, **measures[name]) for name, m in checked.items()}


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
    _distance_measure(measure, options, b, center)
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
    _distance_measure(measure, options, b, "none")
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
    m = _measure(measure, options, b, center)
    if workers is not None and executor is not None:
        raise ValueError("give workers (processes here) or an executor (e.g. a Dask cluster's), not both")
    run = in_processes(workers) if workers is not None else executor or serial
    reps = [prepare(x, center, f"representation {i}") for i, x in enumerate(representations)]
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
            run(reps, {(i, j): (i, j, (measure, b, normalize, noise_weights, options)) for i, j in pairs}, _estimate,
                finished)
    return EstimateMatrix(values, stderr, options.get("method", "exact"))


def _estimate(first: Representation, second: Representation, measure: str, b: float, normalize: bool,
              noise_weights: ArrayLike | None, options: dict) -> tuple[float, float]:
    """One pair's value and standard error: the task of :func:`pairwise` (a module's function, so
    that worker processes receive it by name)."""
    estimate = get_measure(measure)(Pair(first, second, b, normalize=normalize, noise_weights=noise_weights),
                                    **options)
    return float(estimate), float(estimate.stderr)
