"""The Bayesian encoding score: the likelihood it maximises, and how it ranks models."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from bayesrep_plugin.assemblies import AssemblyError, responses_from_assembly
from bayesrep_plugin.brainscore.encoding import BayesianEncoding, encoding_log_bayes_factors
from bayesrep_plugin.brainscore.simulate import linear_views, neuroid_assembly, recordings
from bayesrep_plugin.core.evidence import log_evidence, readout_log_density, readout_spectrum
from bayesrep_plugin.core.prior import Readout, Representation


def test_log_marginal_likelihood_matches_a_dense_gaussian():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 5))
    rep = Representation.from_activations(X, center="features")
    prior = rep.prior(Readout(0.05))
    y = rng.normal(size=30)
    y -= y.mean()
    spectrum = readout_spectrum(rep, center_features=False)
    tau2, noise = 0.7, 0.3
    z2 = (spectrum.basis.T @ y)[:, None] ** 2
    rest = np.array([y @ y - z2.sum()])
    fast = readout_log_density(spectrum, prior.noise, z2, rest, dimension=30, scale=np.array([[tau2]]),
                               noise=np.array([noise]))[0, 0]
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


# The encoding score and the posterior over models had an engine each until issue 21 (item 8); these
# are the values the encoding score's own engine gave (commit 6655eba), which the shared one keeps
# to rounding, and the evidence's, which it keeps to the last bit.
FORMER_ENGINE = {
    (12, "features"): ([0.41774366818015046, 0.40692234546617695, 0.2232767587458156, 0.4722640721904848,
                        0.5803723873642871, 0.3795996395480917, 0.5771654404555612],
                       [-63.0820765653805, -63.57953772843575, -70.19094606996998, -61.6236294827091,
                        -59.39256958671105, -63.82589766522008, -58.46188320926374]),
    (90, "stimuli"): ([0.4590937177763081, 0.37563937354946686, 0.3308985308325911, 0.5299542041908007,
                       0.5142137277087566, 0.5730846550071609, 0.5598206839326093],
                      [-61.68944242725969, -63.875008120652, -63.722778575342986, -59.75342918339935,
                       -60.30661268506179, -59.21829302080405, -59.47897017641909]),
}


@pytest.mark.parametrize("d,center", list(FORMER_ENGINE))   # factor route (d < n) and kernel route (d ≥ n)
def test_the_shared_evidence_engine_gives_the_former_engines_values(d, center):
    model, signal = linear_views(n=60, k=6, dims=(d, 7), seed=4)
    neural = responses_from_assembly(recordings(signal, repetitions=3, noise=1.0, seed=5), name="n")
    rep = Representation.from_activations(model, center=center, name="m")
    encoding, evidence = FORMER_ENGINE[d, center]
    np.testing.assert_allclose(encoding_log_bayes_factors(rep, neural, 0.05), encoding, rtol=1e-12)
    np.testing.assert_allclose(log_evidence(readout_spectrum(rep), neural.means, 0.05), evidence, rtol=1e-14)
