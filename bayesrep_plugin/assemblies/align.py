"""Align two assemblies by stimulus id, never by position.

Both sides are restricted to the stimulus ids they share and put in the same (sorted) order, as
Brain-Score's own metrics do; how many stimuli each side lost is reported, and too little overlap
is an error (a mismatch of stimulus keys usually shows up as a small overlap, not as none).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .responses import AssemblyError, Responses

#: Least number of shared stimuli for a kernel comparison to mean anything.
MIN_STIMULI = 3


@dataclass(frozen=True, eq=False)
class Aligned:
    """Two :class:`Responses` on the same stimuli, in the same order, and what was lost."""

    first: Responses
    second: Responses
    lost_first: int
    lost_second: int

    @property
    def n(self) -> int:
        return self.first.n

    def report(self) -> dict:
        """Alignment facts for a score's attrs."""
        return {"n_stimuli": self.n,
                "stimuli_lost": {self.first.name: self.lost_first, self.second.name: self.lost_second}}


def align(first: Responses, second: Responses, *, min_overlap: float = 0.5) -> Aligned:
    """Restrict both to their shared stimulus ids, sorted; raise when the overlap is too small.

    ``min_overlap`` is the least fraction of the *smaller* assembly's stimuli that must be shared
    (and at least :data:`MIN_STIMULI` stimuli always). Losing stimuli is reported in the result
    and by a warning, never silent.
    """
    if not 0 < min_overlap <= 1:
        raise ValueError(f"min_overlap must be a fraction in (0, 1]; got {min_overlap}")
    common, index1, index2 = np.intersect1d(first.stimulus_ids, second.stimulus_ids,
                                            assume_unique=True, return_indices=True)
    needed = max(MIN_STIMULI, int(np.ceil(min_overlap * min(first.n, second.n))))
    if len(common) < needed:
        raise AssemblyError(
            f"{first.name} ({first.n} stimuli) and {second.name} ({second.n} stimuli) share only "
            f"{len(common)} stimulus ids; at least {needed} are needed (min_overlap={min_overlap}). "
            f"Do both use the same stimulus key? Examples: {first.stimulus_ids[:2].tolist()} vs "
            f"{second.stimulus_ids[:2].tolist()}")
    aligned = Aligned(first.subset(index1), second.subset(index2),
                      first.n - len(common), second.n - len(common))
    if aligned.lost_first or aligned.lost_second:
        warnings.warn(f"aligned on {len(common)} shared stimuli: {first.name} lost {aligned.lost_first}, "
                      f"{second.name} lost {aligned.lost_second}", stacklevel=2)
    return aligned
