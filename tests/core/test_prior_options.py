"""The readout prior's options (the reference's normalize=False and img_weights), exact on every path."""

import math

import numpy as np
import pytest

import bayesrep_plugin as br
from bayesrep_plugin.core.prior import Readout, noise_fraction


def dense_sigma(X, b, normalize=True, weights=None):
    """Σ = c K + a diag(1/w) built directly from the activations."""
    n = X.shape[0]
    K = X @ X.T
    a = noise_fraction(n, b)
    c = (1 - a) * (n / np.trace(K) if normalize else 1.0)
    return c * K + a * np.diag(1 / (np.ones(n) if weights is None else weights))


def dense_kl(S1, S2):
    n = S1.shape[0]
    return 0.5 * (np.trace(np.linalg.solve(S2, S1)) - n + np.linalg.slogdet(S2)[1] - np.linalg.slogdet(S1)[1])


def dense_bures(S1, S2):
    w, V = np.linalg.eigh(S1)
    root = (V * np.sqrt(w)) @ V.T
    cross = np.linalg.eigvalsh(root @ S2 @ root)
    return math.sqrt((np.trace(S1) + np.trace(S2) - 2 * np.sqrt(cross).sum()) / S1.shape[0])


@pytest.fixture(params=["low_rank", "full"])
def pair(request):
    rng = np.random.default_rng(0)
    n = 40
    X = rng.standard_normal((n, 6)) if request.param == "low_rank" else rng.standard_normal((n, 60))
    Y = X[:, :4] @ rng.standard_normal((4, 5)) + 0.5 * rng.standard_normal((n, 5))
    weights = rng.uniform(0.5, 6.0, n)
    return X, Y, weights


def test_noise_weights_are_exact_against_the_dense_covariances(pair):
    X, Y, w = pair
    S1, S2 = dense_sigma(X, 0.05, weights=w), dense_sigma(Y, 0.05, weights=w)
    assert br.distance(X, Y, "kl", b=0.05, noise_weights=w) == pytest.approx(dense_kl(S1, S2), rel=1e-9)
    assert br.distance(X, Y, "bures", b=0.05, noise_weights=w) == pytest.approx(dense_bures(S1, S2), rel=1e-8)
    prior = br.Representation.from_activations(X).prior(Readout(0.05, noise_weights=w))
    np.testing.assert_allclose(prior.covariance, S1, rtol=1e-12, atol=1e-14)


def test_noise_weights_agree_with_monte_carlo_within_its_standard_error(pair):
    X, Y, w = pair
    exact = br.distance(X, Y, "tv", b=0.05, noise_weights=w)
    mc = br.distance(X, Y, "tv", b=0.05, noise_weights=w, method="mc", n_samples=20_000, seed=1)
    assert abs(float(mc) - float(exact)) < 4 * mc.stderr
    # and the weights matter: equal weights of 1 are no weights, others change the value
    assert br.distance(X, Y, "tv", b=0.05, noise_weights=np.ones(len(w))) == pytest.approx(
        br.distance(X, Y, "tv", b=0.05), abs=1e-13)
    assert abs(exact - br.distance(X, Y, "tv", b=0.05)) > 1e-3


def test_without_normalisation_the_kernel_is_used_as_it_is(pair):
    X, Y, _ = pair
    X, Y = X / np.sqrt(X.size), Y / np.sqrt(Y.size)  # raw kernels of order 1, not saturating TV
    S1, S2 = dense_sigma(X, 0.05, normalize=False), dense_sigma(Y, 0.05, normalize=False)
    assert br.distance(X, Y, "kl", b=0.05, normalize=False) == pytest.approx(dense_kl(S1, S2), rel=1e-9)
    # gain counts without normalisation, and only then
    assert abs(br.distance(X, 3 * Y, "tv", normalize=False) - br.distance(X, Y, "tv", normalize=False)) > 0.05
    assert br.distance(X, 3 * Y, "tv") == pytest.approx(br.distance(X, Y, "tv"), abs=1e-12)


@pytest.mark.parametrize("weights,match", [
    (np.ones(39), r"one value per stimulus, shape \(40,\)"),
    (np.r_[np.ones(39), 0.0], "stimulus 39 has 0.0"),
    (np.r_[np.nan, np.ones(39)], "stimulus 0 has nan"),
])
def test_bad_noise_weights_are_a_clear_error(pair, weights, match):
    X, Y, _ = pair
    with pytest.raises(ValueError, match=match):
        br.distance(X, Y, "tv", noise_weights=weights)
