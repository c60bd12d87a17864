"""The Bayesian encoding score: the likelihood it maximises, and how it ranks models."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from bayesrep_plugin.assemblies import AssemblyError
from bayesrep_plugin.brainscore.encoding import BayesianEncoding, _log_ml, _prior_spectrum
from bayesrep_plugin.brainscore.simulate import linear_views, neuroid_assembly, recordings
from bayesrep_plugin.core.prior import Representation


def test_log_marginal_likelihood_matches_a_dense_gaussian():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 5))
    rep = Representation.from_activations(X, center="features")
    prior = rep.prior(0.05)
    y = rng.normal(size=30)
    y -= y.mean()
    U, mu = _prior_spectrum(rep, 0.05)
    tau2, noise = 0.7, 0.3
    z2 = (U.T @ y)[:, None] ** 2
    rest = np.array([y @ y - z2.sum()])
    fast = _log_ml(np.array([[np.log(tau2)]]), mu, prior.noise, z2, rest, np.array([noise]), 30)[0, 0]
    dense = multivariate_normal(np.zeros(30), tau2 * prior.covariance + noise * np.eye(30)).logpdf(y)
    assert fast == pytest.approx(dense, rel=1e-10)


def test_the_generating_model_scores_above_an_unrelated_one_and_above_zero():
    model, signal = linear_views(n=150, k=6, dims=(40, 20), seed=1)
    neural = recordings(signal, repetitions=4, noise=1.0, seed=2)
    metric = BayesianEncoding(n_bootstrap=20)
    good = metric(neuroid_assembly(model), neural)
    bad = metric(neuroid_assembly(np.random.default_rng(3).normal(size=model.shape)), neural)
    assert float(good) > 0.3 and float(good) > float(bad) + 0.3
    assert good.attrs["raw"].sizes["neuroid"] == 20 and good.attrs["error_over"] == ["neuroid"]
    assert 0 < good.attrs["error"] < 0.5 * float(good)
    assert good.attrs["units"] == "nats per stimulus"


def test_needs_repetitions_for_the_noise():
    model, signal = linear_views(n=50, dims=(10, 8))
    with pytest.raises(AssemblyError, match="assembly2: the encoding score's noise estimate needs at least 2"):
        BayesianEncoding()(neuroid_assembly(model), neuroid_assembly(signal))


def test_noiseless_repetitions_are_refused_alike_as_floats_and_as_integers():
    """Identical float repetitions left a rounding-level noise (~1e-33) and a score built on it;
    the same data as integers had exactly zero noise and were refused. Both are refused now."""
    rng = np.random.default_rng(0)
    model = rng.normal(size=(30, 6))
    signal = model @ rng.normal(size=(6, 5)) + 0.1
    for values in (signal, np.round(100 * signal)):
        with pytest.raises(AssemblyError, match="assembly2: 5 neuroids have no variance over repetitions "
                                                r"\(identical repetitions, to rounding\)"):
            BayesianEncoding()(neuroid_assembly(model), neuroid_assembly(np.stack([values] * 3)))
