"""Activations → linear kernel K = X Xᵀ, streamed over feature chunks.

Everything downstream of this module depends on a representation only through its kernel, so
this is the one place that touches activations. The kernel is accumulated in float64 over blocks
of features, so a float32 array (or a memory-mapped file) with millions of features is never
copied whole to float64.

Centering, in terms of what a linear readout y = X w can use:

* ``"none"`` (default, as in the reference package): the readout sees each unit's raw response,
  including its mean over stimuli; an offset shared by all stimuli is something it can produce.
* ``"features"``: each feature's mean over stimuli is removed (K ← H K H with H = I − 11ᵀ/n).
  The readout ignores each unit's mean response; the distances become invariant to translating
  the representation.
* ``"stimuli"``: each stimulus's mean over features is removed (K ← K − d μ μᵀ). The readout
  ignores a response component shared by all units of a stimulus (overall activation level).
"""

from __future__ import annotations

import mmap
from typing import Iterator, Literal

import numpy as np
from numpy.typing import ArrayLike

Centering = Literal["none", "features", "stimuli"]
CENTERINGS: tuple[str, ...] = ("none", "features", "stimuli")

#: Bytes of float64 per chunk of features: bounds the extra memory of a kernel computation.
CHUNK_BYTES = 64 * 2**20


def check_center(center: str) -> None:
    """Refuse a centering that is not one of :data:`CENTERINGS`: the one check of ``center``, which
    every way in (the core's functions, the torch kernel, the Brain-Score metrics, the reports'
    settings) calls, so that a bad value is refused with the same message everywhere.

    Raises
    ------
    ValueError
        Naming the value and the allowed ones.
    """
    if center not in CENTERINGS:
        raise ValueError(f"center={center!r} is not one of {CENTERINGS}")


def refuse_labelled(X, name: str = "X") -> None:
    """Refuse a labelled array (xarray): the core compares stimuli by row position, and two
    assemblies need not list their stimuli in the same order. Every way into the core (activations,
    kernels, the torch versions) goes through this check, so none compares assemblies by position.

    Raises
    ------
    ValueError
        Saying how to align labelled data by stimulus id.
    """
    if hasattr(X, "dims") and hasattr(X, "coords"):  # xarray, without importing it
        raise ValueError(
            f"{name}: a labelled array (xarray) was given, but the core compares stimuli by row position, and two "
            "assemblies need not list their stimuli in the same order. Align them by stimulus id first "
            "(bayesrep_plugin.assemblies.responses_from_assembly and align, as the Brain-Score metrics and "
            "`bayesrep compare` do), or pass plain arrays (.values) whose rows you have put in the same order")


def as_matrix(X, name: str = "X") -> np.ndarray:
    """View activations of shape (n stimuli, ...) as an (n, d) matrix without copying.

    Memory-mapped arrays stay memory-mapped. Raises ``ValueError`` for a labelled array
    (:func:`refuse_labelled`), fewer than 2 stimuli, no features, or a non-numeric dtype.
    """
    refuse_labelled(X, name)
    X = np.asarray(X) if not isinstance(X, np.ndarray) else X
    if X.ndim < 2:
        raise ValueError(f"{name}: activations need shape (n_stimuli, n_features, ...); got shape {X.shape}")
    if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
        raise ValueError(f"{name}: activations must be real numbers; got dtype {X.dtype}")
    X = X.reshape(X.shape[0], -1)
    n, d = X.shape
    if n < 2:
        raise ValueError(f"{name}: at least 2 stimuli are needed; got {n}")
    if d == 0:
        raise ValueError(f"{name}: activations have no features (shape {X.shape})")
    return X


def _check_finite(block: np.ndarray, start: int, name: str) -> None:
    if not np.isfinite(block).all():
        row, col = np.argwhere(~np.isfinite(block))[0]
        raise ValueError(
            f"{name}: non-finite value {block[row, col]} at stimulus {row}, feature {start + col} "
            "(NaN or Inf in activations)"
        )


def _file_mapping(X: np.ndarray) -> mmap.mmap | None:
    """The memory map behind X (np.memmap or a view of one), if any."""
    base = X
    while base is not None and not isinstance(base, mmap.mmap):
        base = getattr(base, "base", None)
    return base


def _read_columns(X: np.ndarray, start: int, width: int) -> np.ndarray:
    """X[:, start:start + width] as float64. From a memory map, row block by row block, releasing
    the mapped pages after each: touching a column chunk faults in (and the kernel maps around)
    most of every row, which would otherwise leave the whole file resident."""
    mapping = _file_mapping(X)
    if mapping is None:
        return np.asarray(X[:, start:start + width], dtype=np.float64)
    n = X.shape[0]
    block = np.empty((n, min(width, X.shape[1] - start)))
    rows = max(1, CHUNK_BYTES // (X.shape[1] * X.itemsize))
    for r in range(0, n, rows):
        block[r:r + rows] = X[r:r + rows, start:start + width]
        mapping.madvise(mmap.MADV_DONTNEED)
    return block


def column_blocks(X: np.ndarray, chunk_size: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """``(start, X[:, start:start + chunk_size])`` in float64 for each chunk of features of an
    (n, d) matrix X, in order; default chunk: 64 MiB of float64. From a memory-mapped X the mapped
    pages are released as they are read, so one pass over a file of any size holds one chunk."""
    step = chunk_size or max(1, CHUNK_BYTES // (8 * X.shape[0]))
    for start in range(0, X.shape[1], step):
        yield start, _read_columns(X, start, step)


def linear_kernel(X: ArrayLike, center: Centering = "none", chunk_size: int | None = None,
                  name: str = "X") -> np.ndarray:
    """Linear kernel K = X Xᵀ (n × n, float64) of activations X (n stimuli, any trailing dims).

    Features are processed ``chunk_size`` at a time (default: 64 MiB of float64 per chunk);
    each chunk is checked for NaN/Inf, naming the stimulus and feature of the first bad value.
    For a memory-mapped X the mapped pages are released as they are read, so resident memory
    stays at the kernel plus one chunk however large the file is.

    Parameters
    ----------
    X : array_like, shape (n, ...)
        Rows are stimuli; trailing dimensions are flattened into d features.
    center : {"none", "features", "stimuli"}
        "features": K ← H K H (H = I − 11ᵀ/n), computed from the centred features; "stimuli":
        K ← K − d μ μᵀ (μ the stimuli's means over features).
    chunk_size : int, optional
        Features per chunk.
    name : str
        Used in error messages.

    Returns
    -------
    numpy.ndarray, shape (n, n)
        The symmetric kernel.

    Raises
    ------
    ValueError
        For NaN or infinite activations (naming the first), or an unknown ``center``.
    """
    check_center(center)
    X = as_matrix(X, name)
    n, d = X.shape
    K = np.zeros((n, n))
    feature_sums = np.zeros(n) if center == "stimuli" else None
    for start, block in column_blocks(X, chunk_size):
        _check_finite(block, start, name)
        if center == "features":  # each block holds whole features: centred before the product, so a
            block = block - block.mean(axis=0)  # large mean cannot swamp the variation in rounding (a copy: the
            # block may be a view of the caller's array)
        K += block @ block.T
        if feature_sums is not None:
            feature_sums += block.sum(axis=1)
    if center == "stimuli":
        mu = feature_sums / d
        K -= d * np.outer(mu, mu)
    return (K + K.T) / 2


def center_kernel(K: ArrayLike) -> np.ndarray:
    """H K H with H = I − 11ᵀ/n: the kernel of feature-centered activations, in O(n²).

    Parameters
    ----------
    K : array_like, shape (n, n)
        A linear kernel.

    Returns
    -------
    numpy.ndarray, shape (n, n)
        K − 1rᵀ − r1ᵀ + r̄ 11ᵀ, with r the column means of K and r̄ their mean.
    """
    K = np.asarray(K, dtype=np.float64)
    row = K.mean(axis=0)
    return K - row[None, :] - row[:, None] + row.mean()


def center_activations(X, center: Centering = "none"):
    """Activations X (n, d) with ``center`` applied (a new array; X is not modified): "features"
    subtracts each feature's mean over stimuli, "stimuli" each stimulus's mean over features. X is
    a numpy array or a torch tensor (the torch backend's kernel uses this same function).
    """
    check_center(center)
    if center == "features":
        return X - X.mean(axis=0, keepdims=True)
    if center == "stimuli":
        return X - X.mean(axis=1, keepdims=True)
    return X


def feature_factor(X, center: Centering = "none", name: str = "X") -> np.ndarray:
    """A factor F (n × d) with F Fᵀ = the centered kernel: the centered activations in float64.

    Used when d < n: the per-representation low-rank description that lets a pair be solved in
    the span of its two feature sets. Any factor serves (the pair step orthonormalises the span),
    so no decomposition is needed here.
    """
    check_center(center)
    F = np.asarray(as_matrix(X, name), dtype=np.float64)
    _check_finite(F, 0, name)
    centred = center_activations(F, center)
    return np.array(centred) if centred is F else centred  # a copy: F may be a view of the caller's X


def kernel_factor(K: np.ndarray, name: str = "K") -> np.ndarray:
    """The principal-component factor F = V Λ^{1/2} (n × n) of a kernel K = V Λ Vᵀ: F Fᵀ = K.

    F is the activations expressed in the orthonormal basis of their principal axes (for X = U S Wᵀ,
    F = U S up to column signs), so it is an exact, compact stand-in for activations with more
    features than stimuli. Columns are in decreasing order of eigenvalue; eigenvalues below zero
    (rounding, of order n·eps·‖K‖) are set to zero.
    """
    K = np.asarray(K, dtype=np.float64)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"{name}: a kernel must be a square matrix; got shape {K.shape}")
    eigenvalues, eigenvectors = np.linalg.eigh(K)
    return eigenvectors[:, ::-1] * np.sqrt(np.clip(eigenvalues[::-1], 0.0, None))


def check_kernel(K, name: str = "K") -> np.ndarray:
    """Validate a user-supplied kernel: square, finite, symmetric, positive semi-definite.

    Symmetry is checked to 1e-8 relative to the largest entry; positive semi-definiteness by a
    Cholesky factorisation of K + 1e-10·(tr K / n)·I, which fails when an eigenvalue is clearly
    negative. The returned kernel is exactly symmetric, float64. A labelled array is refused
    (:func:`refuse_labelled`).
    """
    refuse_labelled(K, name)
    K = np.asarray(K, dtype=np.float64)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"{name}: a kernel must be a square matrix; got shape {K.shape}")
    n = K.shape[0]
    if n < 2:
        raise ValueError(f"{name}: at least 2 stimuli are needed; got {n}")
    _check_finite(K, 0, name)
    scale = np.abs(K).max()
    if scale == 0:
        raise ValueError(f"{name}: the kernel is all zeros (all-zero activations)")
    asym = np.abs(K - K.T).max()
    if asym > 1e-8 * scale:
        raise ValueError(f"{name}: the kernel is not symmetric (max |K - Kᵀ| = {asym:.3g})")
    K = (K + K.T) / 2
    jitter = 1e-10 * max(np.trace(K), scale) / n
    try:
        np.linalg.cholesky(K + jitter * np.eye(n))
    except np.linalg.LinAlgError:
        raise ValueError(f"{name}: the kernel is not positive semi-definite") from None
    return K
