"""The rows beside the models on a brain's board: how close a perfect model gets, where chance lies,
and how close the brain is to itself.

For a brain given as responses with repetitions (a recording), under every measure of the board,
at the board's b:

* **ceiling**: a perfect model of the recording, its estimated signal against simulated recordings
  of it (:func:`~bayesrep_plugin.assemblies.ceiling.yardsticks`): the expected value, and the
  2.5–97.5 percentiles over the simulated recordings;
* **chance**: the recording's own mean responses with the stimuli shuffled, as a model, against the
  recording: the mean and percentiles over :data:`PERMUTATIONS` permutations (a chance band: a
  model with the brain's own response statistics and no stimulus correspondence);
* **constant**: the recording's mean response to every stimulus, plus 10⁻⁶ noise, as a model. With
  the features centred a constant has no kernel; the noise makes it an isotropic representation,
  the readout with no preference among output patterns;
* **split-half**: one half of the repetitions against the other (the reproducibility of the
  recording itself, each side at half its repetitions);
* **neuron split**: half of the neurons against the other half, both at all repetitions (another
  sample of neurons from the same area: the reference for a model of *other* neurons, such as
  models that predict neurons of other sessions); the mean over :data:`SPLITS` random splits.

A brain compared by its kernel alone (an RDM, or responses under the correlation kernel) has no
noise model: it gets the chance band only (its kernel with the stimuli shuffled).
"""

from __future__ import annotations

import numpy as np

from bayesrep_plugin.assemblies.ceiling import yardsticks
from bayesrep_plugin.assemblies.kernels import responses_representation
from bayesrep_plugin.assemblies.noise import split_half
from bayesrep_plugin.assemblies.rdm import StimulusKernel
from bayesrep_plugin.assemblies.responses import Responses
from bayesrep_plugin.core import Comparison, Representation


#: Permutations of the chance band, simulated recordings of the ceiling, random splits of the neurons.
PERMUTATIONS = 20
REPLICATES = 20
SPLITS = 5


def reference_rows(data: Responses | StimulusKernel, brain: Representation, comparison: Comparison, *, seed: int,
                   recording: bool) -> dict[str, list[dict]]:
    """The reference rows of one brain, per measure (module docstring).

    Parameters
    ----------
    data : Responses or StimulusKernel
        The brain as given.
    brain : Representation
        Its representation on the board (what the models are compared with).
    recording : bool
        Compared as a recording (its mean responses and their noise); otherwise by its kernel
        alone (an RDM, or responses under the correlation kernel), with the chance band only.
    comparison : Comparison
        The board's: its measures with their options, its readout prior and its centring of
        responses.
    seed : int

    Returns
    -------
    dict of str to list of dict
        Measure → rows with ``representation``, ``kind`` ("reference", "null" or "brain"),
        ``value``, ``ci_low``, ``ci_high`` (NaN where there is no spread) and ``bootstrap_sd``.
    """
    rng, center = np.random.default_rng(seed), comparison.center
    if not recording:
        shuffled = [_shuffled_kernel(brain, rng) for _ in range(PERMUTATIONS)]
        return {name: [_band(f"{data.name} · chance (stimuli shuffled, {PERMUTATIONS} permutations)", "null",
                             [comparison.alone(name).value(rep, brain) for rep in shuffled])]
                for name in comparison.measures}
    sticks = yardsticks(data, center=center, n_replicates=REPLICATES, seed=seed)
    means = data.means
    shuffled = [Representation.from_activations(means[rng.permutation(data.n)], center=center)
                for _ in range(PERMUTATIONS)]
    constant = Representation.from_activations(means.mean(axis=0) + 1e-6 * rng.standard_normal(means.shape),
                                               center=center)
    halves = [responses_representation(half, center=center) for half in split_half(data, rng)]
    neuron_splits = [_neuron_halves(data, center, rng) for _ in range(SPLITS)] if data.trials.shape[2] >= 4 else []
    rows = {}
    for name in comparison.measures:
        alone = comparison.alone(name)
        perfect, _ = sticks.values(alone)
        table = [_band(f"{data.name} · ceiling (a perfect model, {REPLICATES} simulated recordings)", "reference",
                       perfect),
                 _band(f"{data.name} · chance (stimuli shuffled, {PERMUTATIONS} permutations)", "null",
                       [alone.value(rep, brain) for rep in shuffled]),
                 _band(f"{data.name} · constant (mean response + 1e-6 noise)", "null", [alone.value(constant, brain)]),
                 _band(f"{data.name} · split-half (repetitions)", "brain", [alone.value(*halves)])]
        if neuron_splits:
            table.append(_band(f"{data.name} · neuron split (half the neurons vs the other half)", "brain",
                               [alone.value(first, second) for first, second in neuron_splits]))
        rows[name] = table
    return rows


def _band(label: str, kind: str, values) -> dict:
    values = np.asarray(values, dtype=float)
    low, high = np.percentile(values, [2.5, 97.5]) if values.size > 1 else (np.nan, np.nan)
    sd = float(values.std(ddof=1)) if values.size > 1 else np.nan
    return {"representation": label, "kind": kind, "value": float(values.mean()), "ci_low": float(low),
            "ci_high": float(high), "bootstrap_sd": sd}


def _shuffled_kernel(brain: Representation, rng: np.random.Generator) -> Representation:
    order = rng.permutation(brain.n)
    return Representation.from_kernel(brain.kernel[np.ix_(order, order)], name=f"{brain.name} (shuffled)")


def _neuron_halves(data: Responses, center: str, rng: np.random.Generator) -> tuple[Representation, Representation]:
    order = rng.permutation(data.trials.shape[2])
    half = len(order) // 2
    return tuple(responses_representation(Responses(f"{data.name} (neurons {label})", data.stimulus_ids,
                                          data.trials[..., part], data.present, data.neuroid_ids[part]),
                                center=center)
                 for label, part in (("A", order[:half]), ("B", order[half:2 * half])))
