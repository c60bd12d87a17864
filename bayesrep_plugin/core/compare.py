"""The front door of the core: compare two representations, or many.

``distance`` and ``distance_from_kernels`` build the per-representation objects and call
``compare``; ``pairwise`` builds each representation once and reuses it for every pair.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from tqdm.auto import tqdm

from .kernels import Centering
from .measures import get_measure
from .prior import DEFAULT_B, Representation, check_same_stimuli


def compare(rep1: Representation, rep2: Representation, measure: str = "js", **options) -> float:
    """``measure`` between two prepared representations (see :data:`MEASURES` for the names).

    Options: ``method`` ("exact" | "mc"), ``n_samples``, ``seed`` for tv/js/jsd;
    ``rdm_comparison`` for rsa; ``exponent`` for distance_correlation; ``k``, ``neighbours`` for
    knn_jaccard; ``ridge`` for gulp. Monte Carlo results carry ``.stderr``.
    """
    m = get_measure(measure)
    check_same_stimuli(rep1, rep2)
    return m(rep1, rep2, **options)


def _prepare(x, b: float | None, center: Centering, name: str) -> Representation:
    if hasattr(x, "dims") and hasattr(x, "coords"):  # xarray, without importing it
        raise ValueError(
            f"{name}: a labelled array (xarray) was given, but the core compares stimuli by row position, and two "
            "assemblies need not list their stimuli in the same order. Align them by stimulus id first "
            "(bayesrep_plugin.assemblies.align, as the Brain-Score metrics and `bayesrep compare` do), or pass "
            "plain arrays whose rows you have put in the same order")
    if isinstance(x, Representation):
        return x if b is None or b == x.b else x.with_b(b)
    return Representation.from_activations(x, b=DEFAULT_B if b is None else b, center=center, name=name)


def distance(X1, X2, measure: str = "js", *, b: float | None = None, center: Centering = "none",
             **options) -> float:
    """``measure`` between two representations given as activations (n stimuli, ...) — rows are
    stimuli, in the same order in both — or as prepared :class:`Representation` objects.

    ``b`` is the readout's noise-to-signal ratio (default 0.01, the reference's); ``center``
    one of "none", "features", "stimuli" (see :mod:`bayesrep_plugin.core.kernels`).
    """
    get_measure(measure)
    return compare(_prepare(X1, b, center, "X1"), _prepare(X2, b, center, "X2"), measure, **options)


def distance_from_kernels(K1, K2, measure: str = "tv", *, b: float = DEFAULT_B, **options) -> float:
    """``measure`` between two representations given by their linear kernels (n × n, PSD)."""
    get_measure(measure)
    return compare(Representation.from_kernel(K1, b=b, name="K1"),
                   Representation.from_kernel(K2, b=b, name="K2"), measure, **options)


def pairwise(representations: Sequence, measure: str = "js", *, b: float | None = None,
             center: Centering = "none", progress: bool = True, **options) -> np.ndarray:
    """The m × m matrix of ``measure`` between all pairs. Each representation is prepared once;
    symmetric measures compute each unordered pair once and fill the diagonal with the identity
    value; asymmetric ones (kl) compute both orders."""
    m = get_measure(measure)
    reps = [_prepare(x, b, center, f"representation {i}") for i, x in enumerate(representations)]
    count = len(reps)
    pairs = [(i, j) for i in range(count) for j in range(count)
             if (i < j if m.symmetric else i != j)]
    out = np.full((count, count), m.identity_value)
    for i, j in tqdm(pairs, desc=f"pairwise {measure}", disable=not progress or not pairs, unit="pair"):
        out[i, j] = compare(reps[i], reps[j], measure, **options)
        if m.symmetric:
            out[j, i] = out[i, j]
    return out
