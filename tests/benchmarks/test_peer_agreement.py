"""The agreement part of benchmarks/bench_peers.py on small data: our measures equal Brain-Score's own
metrics, called through load_metric on NeuroidAssemblies, where the definitions match."""

import numpy as np
import pytest

import bayesrep_plugin as br
from bayesrep_plugin.brainscore.simulate import neuroid_assembly


@pytest.fixture(scope="module")
def pair():
    """Related representations with feature means far from zero, so that a centring mistake shows."""
    rng = np.random.default_rng(11)
    X = rng.standard_normal((60, 20)) + 3 * rng.standard_normal(20)
    Y = X @ rng.standard_normal((20, 30)) + 2 * rng.standard_normal((60, 30)) + 5
    ids = [f"im{i:03d}" for i in rng.permutation(60)]  # not in sorted order: Brain-Score sorts by stimulus_id
    return X, Y, neuroid_assembly(X, stimulus_ids=ids), neuroid_assembly(Y, stimulus_ids=ids)


@pytest.mark.parametrize("ours, theirs", [("cka_unbiased", "cka"), ("cka", "cka_biased")])
def test_cka_equals_brainscore(pair, ours, theirs):
    from brainscore_vision import load_metric

    X, Y, A, B = pair
    value = float(load_metric(theirs)(A, B))
    assert br.compare(X, Y, ours) == pytest.approx(value, abs=1e-6)
    # the two estimators differ by far more than the tolerance here, so the pairing above is checked
    assert abs(br.compare(X, Y, "cka") - br.compare(X, Y, "cka_unbiased")) > 1e-3


def test_rsa_on_standardized_rows_equals_brainscore_rdm(pair):
    """Brain-Score's rdm: 1 − Pearson r between stimulus patterns, upper triangles by Spearman. For
    patterns centred and scaled to unit norm, our squared-Euclidean RDM is exactly 2 × that RDM."""
    from brainscore_vision import load_metric

    X, Y, A, B = pair

    def standardized(M):
        M = M - M.mean(axis=1, keepdims=True)
        return M / np.linalg.norm(M, axis=1, keepdims=True)

    value = float(load_metric("rdm")(A, B))
    ours = br.compare(standardized(X), standardized(Y), "rsa", rdm_comparison="spearman")
    assert ours == pytest.approx(value, abs=1e-6)
    assert abs(br.compare(X, Y, "rsa", rdm_comparison="spearman") - value) > 1e-3  # raw rows: another RDM
