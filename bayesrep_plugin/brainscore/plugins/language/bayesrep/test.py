"""Tests of the bayesrep metrics as brainscore_language loads them (run by Brain-Score's CI)."""

import numpy as np
import pytest
from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly

from brainscore_language import load_metric


def _assembly(values: np.ndarray, repetitions: int = 1) -> NeuroidAssembly:
    n_stimuli, n_neuroids = values.shape[-2:]
    values = values.reshape(repetitions * n_stimuli, n_neuroids)
    return NeuroidAssembly(values, coords={
        "stimulus_id": ("presentation", [f"im{i}" for i in range(n_stimuli)] * repetitions),
        "repetition": ("presentation", np.repeat(np.arange(repetitions), n_stimuli)),
        "neuroid_id": ("neuroid", [f"n{j}" for j in range(n_neuroids)]),
        "region": ("neuroid", ["language_system"] * n_neuroids),
    }, dims=["presentation", "neuroid"])


@pytest.mark.parametrize("identifier", ["bayes_tv", "bayes_js", "bayes_hellinger"])
def test_identical_assemblies_score_one(identifier):
    values = np.random.default_rng(0).normal(size=(40, 12))
    score = load_metric(identifier, n_bootstrap=5)(_assembly(values), _assembly(values))
    assert float(score) == pytest.approx(1.0, abs=1e-9)
    assert score.attrs["n_bootstrap"] == 5 and score.attrs["error_over"] == ["stimulus"]
    # language data have no repetitions to choose b from: the framework's default is the reference's b
    assert score.attrs["b"] == 0.01 and score.attrs["center"] == "features" and score.attrs["version"] == 3


def test_unrelated_assemblies_score_lower():
    rng = np.random.default_rng(1)
    latent = rng.normal(size=(60, 5))
    model = _assembly(latent @ rng.normal(size=(5, 30)))
    related = _assembly(latent @ rng.normal(size=(5, 20)))
    unrelated = _assembly(rng.normal(size=(60, 5)) @ rng.normal(size=(5, 20)))
    metric = load_metric("bayes_js", n_bootstrap=5)
    assert float(metric(model, related)) > float(metric(model, unrelated)) + 0.1


@pytest.mark.parametrize("identifier", ["bayes_tv_ceiling", "bayes_js_ceiling", "bayes_hellinger_ceiling"])
def test_ceilings_refuse_language_data(identifier):
    with pytest.raises(ValueError, match=f"{identifier} is not available in brainscore_language: its data have one "
                                         "response per stimulus.*benchmark's own ceiling"):
        load_metric(identifier)
