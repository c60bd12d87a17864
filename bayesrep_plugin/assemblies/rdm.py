"""Kernels and RDMs on labelled stimuli: representations that come without response matrices.

A :class:`StimulusKernel` is the kernel counterpart of :class:`~.responses.Responses`: one row and
column per stimulus id (sorted, unique), so it is aligned with everything else by stimulus id
through the same ``stimulus_ids`` / ``subset`` as responses, never by position. It holds one kernel,
or two *parts* of the same brain data (e.g. session 1 and session 2, each averaged over subjects):
the kernel counterpart of the two halves of a recording's repetitions, which give a leaderboard its
reference row.

Accepted labelled input (:func:`stimulus_kernel_from_dataarray`): an ``xarray.DataArray`` with dims
``(stimulus_id, stimulus_id_other)`` (both indexed by the stimulus ids; the columns are matched to
the rows by id) or ``(part, stimulus_id, stimulus_id_other)`` with two parts, and the attribute
``rdm_kind``: ``"correlation"``, ``"squared_euclidean"`` or ``"euclidean"`` for an RDM (turned into a
kernel by :func:`bayesrep_plugin.core.rdm.kernel_from_rdm`; the maths is there), or ``"kernel"`` for
a kernel given as such.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from bayesrep_plugin.core.kernels import center_kernel, check_center, check_kernel
from bayesrep_plugin.core.prior import Representation
from bayesrep_plugin.core.rdm import RDM_KINDS, correlation_kernel, kernel_from_rdm

from .responses import STIMULUS_KEY, AssemblyError, Responses, canonical_stimulus_ids

#: What the matrix of a labelled input is: an RDM of one of these kinds, or already a kernel.
MATRIX_KINDS: tuple[str, ...] = (*RDM_KINDS, "kernel")
KIND_ATTR = "rdm_kind"
ROW_DIM, COLUMN_DIM, PART_DIM = STIMULUS_KEY, f"{STIMULUS_KEY}_other", "part"
#: The origin of a correlation kernel, whether from an RDM or from responses: the same kernel.
CORRELATION_ORIGIN = "Pearson r between the stimuli's patterns (1 − correlation RDM)"


@dataclass(frozen=True, eq=False)
class StimulusKernel:
    """A linear kernel over labelled stimuli, in one part or two.

    ``parts[k]`` is an (n × n) PSD kernel whose rows and columns are ``stimulus_ids`` (sorted,
    unique); ``part_names[k]`` says what part k is (e.g. "session 1"). ``origin`` says where the
    kernel came from, e.g. "1 − correlation RDM", for the report.

    Parameters
    ----------
    name : str
    stimulus_ids : numpy.ndarray, shape (n,)
    parts : numpy.ndarray, shape (k, n, n), k ∈ {1, 2}
    part_names : tuple of str
    origin : str
    """

    name: str
    stimulus_ids: np.ndarray      # (n,)
    parts: np.ndarray             # (k, n, n), k ∈ {1, 2}
    part_names: tuple[str, ...]
    origin: str

    @property
    def n(self) -> int:
        return len(self.stimulus_ids)

    @property
    def kernel(self) -> np.ndarray:
        """The mean of the parts: the kernel of all the data (the parts' patterns side by side)."""
        return self.parts.mean(axis=0)

    def subset(self, index: np.ndarray) -> "StimulusKernel":
        """The kernel on a subset of the stimuli.

        Parameters
        ----------
        index : numpy.ndarray of int
            Stimulus positions, in the order wanted.

        Returns
        -------
        StimulusKernel
        """
        grid = np.ix_(np.arange(len(self.parts)), index, index)
        return StimulusKernel(self.name, self.stimulus_ids[index], self.parts[grid], self.part_names, self.origin)

    def representation(self, part: int | None = None, center: str = "none") -> Representation:
        """The :class:`Representation` of one part.

        Parameters
        ----------
        part : int, optional
            The part's index; None for the mean of the parts.
        center : {"none", "features"}
            "features": H K H, the kernel of the patterns with each feature's mean over stimuli
            removed (what centring the responses does to their kernel); "stimuli" needs the
            responses themselves.

        Returns
        -------
        Representation

        Raises
        ------
        ValueError
            For ``center="stimuli"``, or one that is not a centering at all.
        """
        check_center(center)
        if center == "stimuli":
            raise ValueError(f"{self.name}: center='stimuli' removes each stimulus's mean over features, which a "
                             "kernel or RDM no longer shows; use 'features' or 'none'")
        kernel = self.kernel if part is None else self.parts[part]
        return Representation.from_kernel(center_kernel(kernel) if center == "features" else kernel, name=self.name)


def _origin(kind: str) -> str:
    return {"correlation": CORRELATION_ORIGIN, "squared_euclidean": "−½ H D H of a squared Euclidean RDM",
            "euclidean": "−½ H D² H of a Euclidean RDM", "kernel": "kernel"}[kind]


def stimulus_kernel(name: str, stimulus_ids, matrices, kind: str, part_names: tuple[str, ...] = ()) -> StimulusKernel:
    """Labelled matrices → :class:`StimulusKernel`: each RDM turned into a kernel, rows sorted by id.

    Parameters
    ----------
    name : str
        The representation's name (in errors and reports).
    stimulus_ids : array_like, (n,)
        The id of each row (and column) of the matrices; unique.
    matrices : array_like, (n, n) or (k, n, n) with k ∈ {1, 2}
        RDMs (square) or kernels, in the order of ``stimulus_ids``.
    kind : {"correlation", "squared_euclidean", "euclidean", "kernel"}
        What the matrices are (see :mod:`bayesrep_plugin.core.rdm`).
    part_names : tuple of str
        A name per part when there are two (default "part 1", "part 2").

    Returns
    -------
    StimulusKernel
        Rows and columns sorted by stimulus id.

    Raises
    ------
    AssemblyError
        For an unknown kind, a shape that does not match the ids, repeated ids, or a matrix that
        is not a valid RDM or kernel.
    """
    if kind not in MATRIX_KINDS:
        raise AssemblyError(f"{name}: {KIND_ATTR}={kind!r} is not one of {MATRIX_KINDS}")
    ids = canonical_stimulus_ids(stimulus_ids, name)
    matrices = np.asarray(matrices, dtype=np.float64)
    stacked = matrices[None] if matrices.ndim == 2 else matrices
    if stacked.ndim != 3 or len(stacked) not in (1, 2) or stacked.shape[1:] != (len(ids), len(ids)):
        raise AssemblyError(f"{name}: expected an (n, n) matrix or two of them, (2, n, n), with n = {len(ids)} "
                            f"stimulus ids; got shape {matrices.shape}")
    unique, counts = np.unique(ids, return_counts=True)
    if (counts > 1).any():
        raise AssemblyError(f"{name}: stimulus id {unique[counts > 1][0]!r} labels more than one row")
    order = np.argsort(ids)
    parts = []
    for k, matrix in enumerate(stacked):
        label = name if len(stacked) == 1 else f"{name} (part {k + 1})"
        try:
            kernel = check_kernel(matrix, label) if kind == "kernel" else kernel_from_rdm(matrix, kind, label)
        except ValueError as error:
            raise AssemblyError(str(error)) from None
        parts.append(kernel[np.ix_(order, order)])
    if len(stacked) == 2:
        part_names = tuple(part_names) or ("part 1", "part 2")
        if len(part_names) != 2:
            raise AssemblyError(f"{name}: two parts need two part names; got {part_names}")
    else:
        part_names = ()
    return StimulusKernel(name, ids[order], np.stack(parts), part_names, _origin(kind))


def stimulus_kernel_from_dataarray(matrix: xr.DataArray, name: str) -> StimulusKernel:
    """A labelled RDM or kernel → :class:`StimulusKernel`.

    Parameters
    ----------
    matrix : xarray.DataArray
        Dims ``(stimulus_id, stimulus_id_other)`` or ``(part, stimulus_id, stimulus_id_other)``
        (two parts), both indexed by the same unique stimulus ids in any order, and the attribute
        ``rdm_kind``: "correlation", "squared_euclidean", "euclidean" or "kernel".
    name : str
        The representation's name (in errors and reports).

    Returns
    -------
    StimulusKernel

    Raises
    ------
    AssemblyError
        Naming what is missing or inconsistent.
    """
    kind = matrix.attrs.get(KIND_ATTR)
    if kind is None:
        raise AssemblyError(f"{name}: no attribute '{KIND_ATTR}' saying what the matrix is (one of {MATRIX_KINDS})")
    square = (ROW_DIM, COLUMN_DIM)
    if matrix.dims not in (square, (PART_DIM, *square)):
        raise AssemblyError(f"{name}: an RDM or kernel needs dims {square} or {(PART_DIM, *square)}; "
                            f"got {matrix.dims}")
    rows, columns = (canonical_stimulus_ids(matrix[dim].values, name) for dim in square)
    if sorted(rows) != sorted(columns) or len(set(rows)) != len(rows):
        raise AssemblyError(f"{name}: the rows' and the columns' stimulus ids must be the same unique ids")
    column_of = {stimulus: j for j, stimulus in enumerate(columns)}
    matrix = matrix.isel({COLUMN_DIM: [column_of[stimulus] for stimulus in rows]})  # columns in the rows' order
    part_names = tuple(map(str, matrix[PART_DIM].values)) if PART_DIM in matrix.dims else ()
    return stimulus_kernel(name, rows, matrix.values, str(kind), part_names)


def correlation_stimulus_kernel(responses: Responses) -> StimulusKernel:
    """The kernel that 1 − (correlation RDM) gives, from responses: Pearson correlations between the
    stimuli's mean patterns (:func:`bayesrep_plugin.core.rdm.correlation_kernel`). The way a model
    or recording joins brains that are known only by their correlation-distance RDMs."""
    try:
        kernel = correlation_kernel(responses.means, responses.name)
    except ValueError as error:
        raise AssemblyError(str(error)) from None
    return StimulusKernel(responses.name, responses.stimulus_ids, kernel[None], (), CORRELATION_ORIGIN)
