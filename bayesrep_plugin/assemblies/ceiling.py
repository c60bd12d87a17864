"""A recording's own yardsticks: how close a perfect model of it gets, where chance lies, and the b
at which the recording tells the two apart best.

All three come from simulating the recording (:mod:`.noise`): the signal X̂ estimated from its
repetitions is the perfect model, and X̂ plus a fresh draw of the recording's own mean noise is a
recording of it (B draws). Then, for a measure at a readout noise b,

* the **ceiling** is the perfect model's expected value against the recording,
  E_ε̄ m(X̂, X̂ + ε̄): no model of the signal can expect to do better, because the recording's noise
  (which no model has, and which the comparison puts on the model's side only in expectation, see
  :mod:`bayesrep_plugin.core.prior`) separates even X̂ from its recordings;
* **chance** is the same for X̂ with its stimuli shuffled, E m(P X̂, X̂ + ε̄): a model with the
  signal's spectrum (the same kernel eigenvalues, hence the same dimensionality) that knows nothing
  of which stimulus is which;
* the **estimation spread** is how much the ceiling would move had the recording's noise been drawn
  again: X̂ depends on it, most where the signal's directions sit at the noise bulk's edge (flat
  spectra at R = 2). A second level of the same simulation measures it
  (:func:`estimation_values`): a recording of X̂ with trials, its signal estimated anew, compared
  with a recording of that.

The resolving b. b sets how fine a difference between two readouts' distributions counts: small b
resolves weak directions of the kernels, where a recording's noise lives; large b compares only
the dominant directions. At b → 0 the recording's noise alone makes even a perfect model's
readouts distinguishable from the recording's (both the ceiling and chance → the measure's worst
value); at b → ∞ every readout is noise (both → its best). :func:`resolving_b` picks, on a fixed
grid, the b where the ceiling stands furthest above chance: the finest readout at which this
recording can still recognise a perfect model of itself, measured against a model that has the
right spectrum and nothing else. It depends on the recording only (its noise, its signal's
spectrum, n), so every model on a board is scored at the same b. A rough guide to where it falls:
the noise moves a readout's distribution by KL ≈ η²/(4 m b²) (η the recording's noise share,
m = min(n, d) the dimensions its noise spans), so the ceiling stays near 1 once b ≫ η/√m.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesrep_plugin.core.compare import Comparison
from bayesrep_plugin.core.measures import Measure
from bayesrep_plugin.core.prior import Representation

from .kernels import KernelKind, responses_representation
from .noise import signal_estimate, simulated_recording
from .responses import AssemblyError, Responses

#: The b grid of :func:`resolving_b`: the R10 preferred numbers (1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5,
#: 6.3, 8 per decade), from 1e-4 to 10.
B_GRID = tuple(float(f"{m * 10.0 ** e:.3g}") for e in range(-4, 1) for m in
               (1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8)) + (10.0,)
#: Simulated recordings for the search (the ceiling itself takes its own number).
SEARCH_REPLICATES = 10


@dataclass(frozen=True)
class Yardsticks:
    """A recording's perfect model, simulated recordings of it, and its shuffled perfect models.

    Parameters
    ----------
    perfect : Representation
        X̂, the signal estimated from the recording (no noise of its own).
    recordings : tuple of Representation
        X̂ plus draws of the recording's mean noise, each carrying that noise (``noise``).
    shuffled : tuple of Representation
        X̂ with its stimuli permuted, one permutation per recording.
    signal : numpy.ndarray, shape (n, d)
        X̂ itself.
    """

    perfect: Representation
    recordings: tuple[Representation, ...]
    shuffled: tuple[Representation, ...]
    signal: np.ndarray

    def values(self, comparison: Comparison, replicates: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """A one-measure comparison's values of X̂ and of shuffled X̂ against each simulated recording.

        Parameters
        ----------
        comparison : Comparison
            The measure with its options and the readout prior.
        replicates : int, optional
            Use the first this many recordings (default all).

        Returns
        -------
        tuple of numpy.ndarray
            (perfect, chance), one value per recording each.
        """
        count = len(self.recordings) if replicates is None else replicates
        perfect = [float(comparison.value(self.perfect, rec)) for rec in self.recordings[:count]]
        chance = [float(comparison.value(null, rec)) for null, rec in zip(self.shuffled[:count], self.recordings[:count])]
        return np.array(perfect), np.array(chance)


def yardsticks(responses: Responses, *, center: str, kernel: KernelKind = "mean", n_replicates: int = 20,
               seed: int = 0) -> Yardsticks:
    """Simulate ``responses``' recording (module docstring): X̂, ``n_replicates`` recordings of it
    and as many shufflings of its stimuli, seeded.

    Parameters
    ----------
    responses : Responses
        At least 2 repetitions of every stimulus (3 with the cross-validated kernel).
    center : {"none", "features", "stimuli"}
    kernel : {"mean", "cross_validated"}
        How the recording's side is built, as the metric builds it.
    n_replicates : int
    seed : int

    Returns
    -------
    Yardsticks

    Raises
    ------
    AssemblyError
        For too few repetitions, or a recording with no signal left once its noise is removed.
    """
    trials = kernel == "cross_validated"
    responses.require_repetitions(3 if trials else 2, "a recording's ceiling and chance level")
    signal = signal_estimate(responses)
    if not np.abs(signal - signal.mean(axis=0)).max() > 0:
        raise AssemblyError(f"{responses.name}: no stimulus-driven signal: the repetitions' noise accounts for all "
                            "of the variance across stimuli, so no model can be told from chance on it")
    model = Responses("perfect model", responses.stimulus_ids, signal[None], np.ones((1, responses.n), dtype=bool),
                      responses.neuroid_ids)
    # Two streams, so that the first k replicates are the same whatever n_replicates is: the ceiling's
    # 20 begin with the resolving b's 10.
    noise_rng, shuffle_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    try:
        perfect = responses_representation(model, center=center)
        recordings = tuple(responses_representation(simulated_recording(responses, signal, noise_rng, trials=trials),
                                          center=center, kernel=kernel) for _ in range(n_replicates))
    except ValueError as error:  # a signal estimate that centring leaves empty
        raise AssemblyError(f"{responses.name}: no stimulus-driven signal ({error})") from None
    shuffled = tuple(perfect.subset(shuffle_rng.permutation(responses.n)) for _ in range(n_replicates))
    return Yardsticks(perfect, recordings, shuffled, signal)


def estimation_values(responses: Responses, sticks: Yardsticks, comparison: Comparison, *, center: str,
                      kernel: KernelKind = "mean", replicates: int = 10, seed: int = 0) -> np.ndarray:
    """A perfect model's values when its signal is estimated anew (module docstring): for each
    replicate, a recording of X̂ with its trials, the signal X̂* estimated from it, and X̂* against a
    recording of X̂*. Their variance is the noise draws' (as the ceiling's own replicates) plus what
    re-estimating the signal adds.

    Parameters
    ----------
    responses : Responses
        The recording whose residuals give the noise.
    sticks : Yardsticks
        Its yardsticks (their X̂).
    comparison : Comparison
        One measure with its options, and the readout prior.
    center, kernel
        As the metric builds each side.
    replicates : int
    seed : int

    Returns
    -------
    numpy.ndarray, shape (replicates,)
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[2])   # a stream of its own
    trials = kernel == "cross_validated"
    values = []
    for _ in range(replicates):
        again = simulated_recording(responses, sticks.signal, rng, trials=True)
        estimate = signal_estimate(again)
        model = Responses("perfect model", responses.stimulus_ids, estimate[None],
                          np.ones((1, responses.n), dtype=bool), responses.neuroid_ids)
        recorded = responses_representation(simulated_recording(again, estimate, rng, trials=trials), center=center,
                                  kernel=kernel)
        values.append(float(comparison.value(responses_representation(model, center=center), recorded)))
    return np.array(values)


@dataclass(frozen=True)
class Resolution:
    """The resolving b and the curves it was read from.

    Parameters
    ----------
    b : float
        The b of :data:`B_GRID` where the perfect model stands furthest from chance.
    grid : tuple of float
        The b searched, increasing.
    perfect, chance : tuple of float
        The mean value of the perfect model and of its shuffled copies at each b of ``grid``.
    """

    b: float
    grid: tuple[float, ...]
    perfect: tuple[float, ...]
    chance: tuple[float, ...]

    @property
    def at_edge(self) -> bool:
        """The best b is the grid's first or last: the curve may peak outside it."""
        return self.b in (B_GRID[0], B_GRID[-1])


def resolving_b(sticks: Yardsticks, measure: Measure, options: dict, tick=None) -> Resolution:
    """The b of :data:`B_GRID` where a perfect model stands furthest from chance (module docstring).

    Searched coarse to fine: every fifth b of the grid (half decades), then the grid's b within a
    half decade of the best, each on the first :data:`SEARCH_REPLICATES` simulated recordings
    (the same ones for every b, so the curve is smooth in b).

    Parameters
    ----------
    sticks : Yardsticks
    measure : Measure
        A distance or a similarity; the gap is measured in its own direction.
    options : dict
        The measure's options.
    tick : callable, optional
        Called after each b is measured (a progress bar's ``update``).

    Returns
    -------
    Resolution

    Raises
    ------
    AssemblyError
        When a perfect model is nowhere better than chance (no stimulus-driven signal).
    """
    sign = 1.0 if measure.kind == "similarity" else -1.0
    curves: dict[float, tuple[float, float]] = {}
    comparison = Comparison({measure.name: options})

    def gap(b: float) -> float:
        if b not in curves:
            perfect, chance = sticks.values(comparison.at(b), SEARCH_REPLICATES)
            curves[b] = (float(perfect.mean()), float(chance.mean()))
            if tick is not None:
                tick()
        return sign * (curves[b][0] - curves[b][1])

    coarse = list(range(0, len(B_GRID), 5))
    best = max(coarse, key=lambda i: gap(B_GRID[i]))
    fine = range(max(0, best - 4), min(len(B_GRID), best + 5))
    best = max(fine, key=lambda i: gap(B_GRID[i]))
    if not gap(B_GRID[best]) > 0:
        raise AssemblyError(f"no stimulus-driven signal: on every b from {B_GRID[0]:g} to {B_GRID[-1]:g} a perfect model "
                            "of the recording is no closer to it than the same model with its stimuli shuffled")
    grid = tuple(sorted(curves))
    return Resolution(B_GRID[best], grid, tuple(curves[b][0] for b in grid), tuple(curves[b][1] for b in grid))


_RESOLUTIONS: dict[tuple, Resolution] = {}
_RESOLUTIONS_KEPT = 8   # a benchmark scores every model against the same recording: keep its resolution


def recording_resolution(responses: Responses, measure: Measure, options: dict, *, center: str,
                         kernel: KernelKind = "mean", seed: int = 0, tick=None) -> Resolution:
    """:func:`resolving_b` of a recording (its :func:`yardsticks` with :data:`SEARCH_REPLICATES`
    replicates), cached in memory by the responses' ``fingerprint`` and the options.

    Parameters
    ----------
    responses : Responses
        The recording, with repetitions.
    measure : Measure
    options : dict
        The measure's options.
    center, kernel, seed
        As the metric builds the recording's side (:func:`yardsticks`).
    tick : callable, optional
        Called after each b is measured (see :func:`resolving_b`).

    Returns
    -------
    Resolution
    """
    key = (responses.fingerprint, measure.name, tuple(sorted(options.items())), center, kernel, seed)
    if key not in _RESOLUTIONS:
        if len(_RESOLUTIONS) >= _RESOLUTIONS_KEPT:
            del _RESOLUTIONS[next(iter(_RESOLUTIONS))]
        sticks = yardsticks(responses, center=center, kernel=kernel, n_replicates=SEARCH_REPLICATES, seed=seed)
        _RESOLUTIONS[key] = resolving_b(sticks, measure, options, tick)
    return _RESOLUTIONS[key]
