"""Neural responses and model assemblies → the posterior over models (see :mod:`bayesrep_plugin.core.evidence`).

The neural data enter as the mean over repetitions of each stimulus; a neuroid that responds the
same to every shared stimulus has no evidence (its standardised responses are undefined) and is
left out, by id. Models are aligned with the neural data by stimulus id, under the one rule of
this package (:func:`~.align.align_all`), so every model is scored on the same responses.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from bayesrep_plugin.core.evidence import (ModelEvidence, ReadoutSpectrum, constant_neuroids, model_evidence,
                                           readout_spectrum)
from bayesrep_plugin.core.prior import DEFAULT_B, Representation

from .align import align_all
from .responses import AssemblyError, Responses


@dataclass(frozen=True, eq=False)
class NeuralEvidence:
    """The models' log evidence for one neural dataset's responses, and the posterior over them.

    Parameters
    ----------
    dataset : str
    evidence : ModelEvidence
    neuroid_ids : numpy.ndarray
        The neuroids scored: the columns of ``evidence.per_neuroid``.
    constant_neuroids : tuple
        Left out: the same response to every stimulus.
    """

    dataset: str
    evidence: ModelEvidence
    neuroid_ids: np.ndarray           # the neuroids scored: the columns of evidence.per_neuroid
    constant_neuroids: tuple = ()     # left out: the same response to every stimulus

    @property
    def n_neuroids(self) -> int:
        return len(self.neuroid_ids)

    def rows(self) -> list[dict]:
        """One row per model, most probable first: the sum and mean over neuroids of the log
        evidence, its difference to the best model's sum (a log Bayes factor, ≤ 0), the posterior
        probability and the number of neuroids the model explains best.

        Returns
        -------
        list of dict
        """
        ev = self.evidence
        total, posterior, won = ev.total, ev.posterior, ev.neuroids_won
        order = np.argsort(-total, kind="stable")
        return [{"dataset": self.dataset, "rank": rank, "model": ev.names[m], "log_evidence": float(total[m]),
                 "log_evidence_per_neuroid": float(total[m]) / self.n_neuroids,
                 "minus_best": float(total[m] - total[order[0]]), "posterior": float(posterior[m]),
                 "neuroids_won": int(won[m])}
                for rank, m in enumerate(order, start=1)]


def neural_evidence(neural: Responses, spectra: Sequence[ReadoutSpectrum], *, b: float = DEFAULT_B,
                    prior=None) -> NeuralEvidence:
    """The evidence of ``spectra`` for ``neural``'s mean responses, already on the models' stimuli.

    Parameters
    ----------
    neural : Responses
        Aligned with the models (same stimuli, same order); the mean over repetitions is scored.
    spectra : sequence of ReadoutSpectrum
        The models' (:func:`~bayesrep_plugin.core.evidence.readout_spectrum`).
    b : float
        Noise-to-signal ratio of the readout prior.
    prior : array (m,), optional
        Prior probabilities of the models; uniform when omitted.

    Returns
    -------
    NeuralEvidence
    """
    means = neural.means
    constant = constant_neuroids(means)
    if constant.all():
        raise AssemblyError(f"{neural.name}: every neuroid responds the same to every stimulus; no evidence to compute")
    if constant.any():
        warnings.warn(f"{neural.name}: left {int(constant.sum())} of {len(constant)} neuroids out of the evidence "
                      "(the same response to every stimulus)", stacklevel=2)
    evidence = model_evidence(spectra, means[:, ~constant], b, prior)
    return NeuralEvidence(neural.name, evidence, neural.neuroid_ids[~constant],
                          tuple(neural.neuroid_ids[constant].tolist()))


def evidence_of_models(neural: Responses, models: Sequence[Responses], *, b: float = DEFAULT_B, prior=None,
                       min_overlap: float = 0.5) -> NeuralEvidence:
    """The posterior over ``models`` given ``neural``'s responses, aligned by stimulus id.

    Read assemblies with :func:`~.responses.responses_from_assembly` first. Each model's kernel is
    X Xᵀ of its mean responses (its activations).

    Parameters
    ----------
    neural : Responses
        The neural dataset (its mean over repetitions is scored).
    models : sequence of Responses
        The candidates, with distinct names.
    b, prior
        As in :func:`neural_evidence`.
    min_overlap : float
        Least fraction of the smallest input's stimuli that all must share.

    Returns
    -------
    NeuralEvidence
    """
    names = [model.name for model in models]
    if len(set(names)) != len(names):
        raise AssemblyError(f"the models need distinct names; got {names}")
    aligned = align_all([neural, *models], min_overlap=min_overlap)
    spectra = [readout_spectrum(Representation.from_activations(model.means, name=model.name))
               for model in aligned[1:]]
    return neural_evidence(aligned[0], spectra, b=b, prior=prior)
