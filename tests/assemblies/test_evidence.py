"""Assemblies → the posterior over models: aligned by stimulus id, means over repetitions, constant neuroids out."""

import numpy as np
import pytest

from bayesrep_plugin.assemblies import AssemblyError, evidence_of_models, responses_from_assembly
from bayesrep_plugin.brainscore.simulate import neuroid_assembly
from bayesrep_plugin.core.evidence import model_evidence, readout_spectrum
from bayesrep_plugin.core.prior import Representation


def read(values, name, **kwargs):
    return responses_from_assembly(neuroid_assembly(values, **kwargs), name=name)


def test_models_are_aligned_by_id_and_scored_on_the_mean_over_repetitions():
    rng = np.random.default_rng(0)
    n = 30
    ids = [f"s{i:02d}" for i in range(n)]
    features = {"good": rng.normal(size=(n, 8)), "bad": rng.normal(size=(n, 8))}
    trials = features["good"] @ rng.normal(size=(8, 12)) + rng.normal(size=(3, n, 12))  # 3 repetitions
    trials[:, :, 5] = 7.0                                                                # a silent neuroid
    neural = read(trials, "IT", stimulus_ids=ids)
    order = rng.permutation(n)
    models = [read(features[name][order], name, stimulus_ids=[ids[i] for i in order]) for name in ("good", "bad")]
    with pytest.warns(UserWarning, match="IT: left 1 of 12 neuroids out"):
        result = evidence_of_models(neural, models, b=0.05)
    assert result.constant_neuroids == ("n5",) and result.n_neuroids == 11
    means = trials.mean(axis=0)[:, [j for j in range(12) if j != 5]]
    spectra = [readout_spectrum(Representation.from_activations(features[name], name=name)) for name in ("good", "bad")]
    direct = model_evidence(spectra, means, 0.05)
    np.testing.assert_allclose(result.evidence.per_neuroid, direct.per_neuroid, rtol=1e-10)
    rows = result.rows()
    assert [row["model"] for row in rows] == ["good", "bad"] and [row["rank"] for row in rows] == [1, 2]
    assert rows[0]["posterior"] == pytest.approx(direct.posterior[0]) and rows[0]["minus_best"] == 0.0
    assert rows[1]["minus_best"] == pytest.approx(direct.total[1] - direct.total[0])
    assert rows[1]["log_evidence_per_neuroid"] == pytest.approx(direct.total[1] / 11)
    assert sum(row["neuroids_won"] for row in rows) == 11


def test_duplicate_model_names_are_refused():
    values = np.random.default_rng(1).normal(size=(10, 3))
    with pytest.raises(AssemblyError, match="distinct names"):
        evidence_of_models(read(values, "IT"), [read(values, "m"), read(values, "m")])
