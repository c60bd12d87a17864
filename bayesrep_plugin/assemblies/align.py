"""Align two assemblies by stimulus id, never by position.

Both sides are restricted to the stimulus ids they share and put in the same (sorted) order, as
Brain-Score's own metrics do; how many stimuli each side lost is reported, and too little overlap
is an error (a mismatch of stimulus keys usually shows up as a small overlap, not as none). Ids
are compared as text (:func:`~.responses.canonical_stimulus_ids`), whatever type each input
holds them in, and every alignment finds its rows with :func:`stimulus_positions`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .responses import AssemblyError, Responses, canonical_stimulus_ids

#: Least number of shared stimuli for a kernel comparison to mean anything.
MIN_STIMULI = 3


@dataclass(frozen=True, eq=False)
class Aligned:
    """Two :class:`Responses` on the same stimuli, in the same order, and what was lost.

    Parameters
    ----------
    first, second : Responses
        Restricted to the shared stimulus ids, sorted.
    lost_first, lost_second : int
        How many stimuli each side lost.
    """

    first: Responses
    second: Responses
    lost_first: int
    lost_second: int

    @property
    def n(self) -> int:
        return self.first.n

    def report(self) -> dict:
        """Alignment facts for a score's attrs.

        Returns
        -------
        dict
            ``n_stimuli`` and ``stimuli_lost`` (input name → stimuli lost).
        """
        return {"n_stimuli": self.n,
                "stimuli_lost": {self.first.name: self.lost_first, self.second.name: self.lost_second}}


def stimulus_positions(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The position in ``ids`` of each of ``wanted``: the rows that put an input in another order.

    Parameters
    ----------
    ids : numpy.ndarray of str, shape (n,)
        An input's canonical stimulus ids, unique, in any order.
    wanted : numpy.ndarray of str, shape (m,)
        Canonical ids, each of them in ``ids``.

    Returns
    -------
    numpy.ndarray of int, shape (m,)

    Raises
    ------
    ValueError
        When some wanted id is not in ``ids`` (a bug of the caller, never a silent wrong row).
    """
    if not len(wanted):
        return np.empty(0, dtype=int)
    order = np.argsort(ids)
    found = order[np.minimum(np.searchsorted(ids[order], wanted), len(ids) - 1)]
    if not np.array_equal(ids[found], wanted):
        raise ValueError("stimulus_positions: some wanted ids are not among the input's ids")
    return found


def shared_stimuli(inputs: list, *, min_overlap: float = 0.5) -> np.ndarray:
    """The canonical stimulus ids every input has (sorted), under the one rule of this package.

    ``min_overlap`` is the least fraction of the *smallest* input's stimuli that must be shared
    (and at least :data:`MIN_STIMULI` stimuli always): a mismatch of stimulus keys or a wrong file
    usually shows up as a small overlap, not as none. Inputs are anything with ``name``, ``n`` and
    unique ``stimulus_ids`` (Responses, StimulusKernel), compared as text
    (:func:`~.responses.canonical_stimulus_ids`). Losing stimuli is reported by a warning that
    says how many each input lost, never silent.
    """
    if not 0 < min_overlap <= 1:
        raise ValueError(f"min_overlap must be a fraction in (0, 1]; got {min_overlap}")
    ids = [canonical_stimulus_ids(data.stimulus_ids, data.name) for data in inputs]
    common = ids[0]
    for other in ids[1:]:
        common = np.intersect1d(common, other, assume_unique=True)
    needed = max(MIN_STIMULI, int(np.ceil(min_overlap * min(data.n for data in inputs))))
    counts = " and ".join(f"{data.name} ({data.n} stimuli)" for data in inputs)
    if len(common) < needed:
        examples = "; ".join(f"{data.name}: {each[:2].tolist()}" for data, each in zip(inputs, ids))
        raise AssemblyError(f"{counts} share only {len(common)} stimulus ids; at least {needed} are needed "
                            f"(min_overlap={min_overlap}). Do they use the same stimulus key? Examples: {examples}")
    lost = [f"{data.name} lost {data.n - len(common)}" for data in inputs if data.n > len(common)]
    if lost:
        warnings.warn(f"aligned on {len(common)} shared stimuli: {', '.join(lost)}", stacklevel=3)
    return common


def align_all(inputs: list, *, min_overlap: float = 0.5) -> list:
    """Every input restricted to the stimulus ids all share, in one (sorted) order, under
    :func:`shared_stimuli`'s rule.

    Parameters
    ----------
    inputs : list of Responses or StimulusKernel
    min_overlap : float
        Least fraction of the smallest input's stimuli that must be shared.

    Returns
    -------
    list
        The inputs, each on the shared stimuli.

    Raises
    ------
    AssemblyError
        When too few stimuli are shared.
    """
    common = shared_stimuli(inputs, min_overlap=min_overlap)
    return [data.subset(stimulus_positions(canonical_stimulus_ids(data.stimulus_ids, data.name), common))
            for data in inputs]


def align(first: Responses, second: Responses, *, min_overlap: float = 0.5) -> Aligned:
    """Restrict both to their shared stimulus ids, sorted (:func:`shared_stimuli`'s rule).

    Parameters
    ----------
    first, second : Responses
    min_overlap : float
        Least fraction of the smaller side's stimuli that must be shared (at least 3 stimuli).

    Returns
    -------
    Aligned

    Raises
    ------
    AssemblyError
        When too few stimuli are shared; a warning says how many each side lost otherwise.
    """
    aligned = align_all([first, second], min_overlap=min_overlap)
    return Aligned(aligned[0], aligned[1], first.n - aligned[0].n, second.n - aligned[1].n)
