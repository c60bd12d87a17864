"""Tests of the bayesrep metrics as brainscore_vision loads them (run by Brain-Score's CI)."""

import numpy as np
import pytest
from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly

from brainscore_vision import load_ceiling, load_metric


def _assembly(values: np.ndarray, repetitions: int = 1) -> NeuroidAssembly:
    n_stimuli, n_neuroids = values.shape[-2:]
    values = values.reshape(repetitions * n_stimuli, n_neuroids)
    return NeuroidAssembly(values, coords={
        "stimulus_id": ("presentation", [f"im{i}" for i in range(n_stimuli)] * repetitions),
        "repetition": ("presentation", np.repeat(np.arange(repetitions), n_stimuli)),
        "neuroid_id": ("neuroid", [f"n{j}" for j in range(n_neuroids)]),
        "region": ("neuroid", ["IT"] * n_neuroids),
    }, dims=["presentation", "neuroid"])


@pytest.mark.parametrize("identifier", ["bayes_tv", "bayes_js", "bayes_hellinger"])
def test_identical_assemblies_score_one(identifier):
    values = np.random.default_rng(0).normal(size=(40, 12))
    # two models, no repetitions: the readout noise b is given (b="auto" takes it from a recording)
    score = load_metric(identifier, b=0.01, n_bootstrap=5)(_assembly(values), _assembly(values))
    assert float(score) == pytest.approx(1.0, abs=1e-9)
    assert score.attrs["n_bootstrap"] == 5 and score.attrs["error_over"] == ["stimulus"]
    assert score.attrs["identifier"] == identifier and score.attrs["version"] == 3


def test_a_model_of_the_recording_scores_higher_than_an_unrelated_one():
    rng = np.random.default_rng(1)
    latent = rng.normal(size=(60, 5))
    model = _assembly(latent @ rng.normal(size=(5, 30)))
    signal = latent @ rng.normal(size=(5, 20))
    recording = _assembly(signal + 0.5 * rng.normal(size=(4, 60, 20)), repetitions=4)
    unrelated = _assembly(rng.normal(size=(60, 5)) @ rng.normal(size=(5, 30)))
    metric = load_metric("bayes_js", n_bootstrap=5)
    score = metric(model, recording)
    assert score.attrs["b_choice"] == "resolving b of assembly2"
    assert float(score) > float(metric(unrelated, recording)) + 0.1


def test_ceiling_of_repeated_recordings():
    rng = np.random.default_rng(2)
    signal = rng.normal(size=(50, 5)) @ rng.normal(size=(5, 20))
    neural = _assembly(signal + 0.3 * rng.normal(size=(4, 50, 20)), repetitions=4)
    ceiling = load_ceiling("bayes_tv_ceiling", n_replicates=4)(neural)
    assert 0.3 < float(ceiling) < 1 and ceiling.attrs["raw"].sizes["replicate"] == 4
