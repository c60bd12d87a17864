"""Measurement noise on the same footing: a recording's expected noise given to the other side.

Oracles: the prior covariances written out by hand from the kernels (Σ = (1 − a)·n·K'/tr K' + a·I
with K' = K + ν·P), their generalized eigenvalues by scipy on the dense matrices, and the closed
form that a perfect model of a recording whose kernel equals its expectation is at distance 0.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.linalg

import bayesrep_plugin as br
from bayesrep_plugin.core import Pair, Readout, get_measure
from bayesrep_plugin.core.exact import Spectrum, total_variation
from bayesrep_plugin.core.prior import MAX_NOISE_SHARE, NOISE_MARGIN


def raised(share: float) -> float:
    """The noise share at NOISE_MARGIN times the noise-to-signal ratio of ``share``."""
    ratio = NOISE_MARGIN * share / (1 - share)
    return ratio / (1 + ratio)


def dense_prior(K: np.ndarray, b: float, added: float, centered: bool) -> np.ndarray:
    n = K.shape[0]
    P = np.eye(n) - (1.0 / n if centered else 0.0)
    K = K + added * P
    a = n * b / (1 + n * b)
    return (1 - a) * n * K / np.trace(K) + a * np.eye(n)


def recording_and_model(rng, n=120, d_model=15, d_brain=10, center="features", level=4.0):
    latent = rng.standard_normal((n, 6))
    model = latent @ rng.standard_normal((6, d_model))
    brain = latent @ rng.standard_normal((6, d_brain)) + 0.5 * rng.standard_normal((n, d_brain))
    noise = rng.uniform(0.5, 1.5, n) * level
    return (br.Representation.from_activations(model, center=center, name="model"),
            br.Representation.from_activations(brain, center=center, name="brain", noise=noise), noise)


@pytest.mark.parametrize("center", ["none", "features"])
@pytest.mark.parametrize("widths", [(15, 10), (200, 10), (15, 300)])
def test_matched_noise_equals_the_dense_covariances_written_out(center, widths):
    rng = np.random.default_rng(1)
    model, brain, noise = recording_and_model(rng, d_model=widths[0], d_brain=widths[1], center=center)
    n, centered = model.n, center == "features"
    share = noise.sum() * ((1 - 1 / n) if centered else 1.0) / brain.trace
    assert brain.noise_share == pytest.approx(share, rel=1e-12) and model.noise_share == 0.0
    target = raised(share)
    added = model.trace * target / ((1 - target) * (n - 1 if centered else n))
    for b in (0.003, 0.05, 1.0):
        lam = scipy.linalg.eigh(dense_prior(brain.kernel, b, 0.0, centered),
                                dense_prior(model.kernel, b, added, centered), eigvals_only=True)
        expected = total_variation(Spectrum.from_eigenvalues(lam))
        assert br.compare(model, brain, "tv", b=b) == pytest.approx(expected, rel=1e-9, abs=1e-13)
        assert br.compare(brain, model, "tv", b=b) == pytest.approx(expected, rel=1e-9, abs=1e-13)


def test_low_rank_and_full_paths_agree_with_noise():
    rng = np.random.default_rng(2)
    model, brain, noise = recording_and_model(rng)
    full = [br.Representation.from_kernel(r.kernel, noise=r.noise) for r in (model, brain)]
    assert Pair(model, brain).low_rank and not Pair(*full).low_rank
    for name in ("tv", "js", "kl", "kl_symmetric", "hellinger", "bhattacharyya", "bures"):
        assert br.compare(model, brain, name, b=0.02) == pytest.approx(br.compare(*full, name, b=0.02), rel=1e-8)


def test_a_perfect_model_of_a_recording_is_given_the_recordings_noise_times_the_margin():
    # A recording whose kernel is its expectation, S + ν·H (homogeneous noise Dᵢ = ν), against S:
    # the model gets NOISE_MARGIN · ν · H added (its noise-to-signal ratio is the margin times the
    # recording's), so its prior is exactly that of the kernel S + NOISE_MARGIN · ν · H.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((80, 12))
    X -= X.mean(axis=0)
    S = X @ X.T
    nu = 0.3 * np.trace(S) / 80
    H = np.eye(80) - 1 / 80
    recording = br.Representation.from_kernel(S + nu * H, noise=np.full(80, nu))
    perfect = br.Representation.from_activations(X, center="features")
    assert recording.centered and perfect.centered
    pair = Pair(perfect, recording, Readout(0.01))
    assert pair.prior2.ridge == 0
    expected = br.Representation.from_kernel(S + NOISE_MARGIN * nu * H).prior(Readout(0.01)).covariance
    np.testing.assert_allclose(pair.prior1.covariance, expected, rtol=1e-12, atol=1e-12)
    for name in ("tv", "js", "hellinger"):   # and the distance is that of the two kernels written out
        assert br.compare(perfect, recording, name, b=0.01) == pytest.approx(
            br.compare(br.Representation.from_kernel(S + NOISE_MARGIN * nu * H),
                       br.Representation.from_kernel(S + nu * H), name, b=0.01), rel=1e-9)


def test_padding_a_perfect_model_with_isotropic_features_moves_it_away_from_the_expected_recording():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((100, 8)) @ np.diag(np.linspace(3, 0.5, 8))
    X -= X.mean(axis=0)
    nu = 0.2 * np.trace(X @ X.T) / 100
    recording = br.Representation.from_kernel(X @ X.T + nu * (np.eye(100) - 0.01), noise=np.full(100, nu))
    padded = [np.hstack([np.sqrt(1 - s) * X / np.linalg.norm(X), np.sqrt(s) * W / np.linalg.norm(W)])
              for s in (0.0, 0.1, 0.3) for W in [rng.standard_normal((100, 300))]]
    distances = [br.compare(br.Representation.from_activations(P, center="features"), recording, "js", b=0.02)
                 for P in padded]
    assert distances[0] < distances[1] < distances[2]


def test_two_recordings_each_get_the_margin_times_the_others_noise_unless_they_have_more():
    rng = np.random.default_rng(5)
    _, brain, noise = recording_and_model(rng)
    quieter = br.Representation.from_activations(rng.standard_normal((120, 10)), center="features", noise=noise / 10)
    pair = Pair(quieter, brain, Readout(0.01))
    assert pair.prior2.ridge == 0 and pair.prior1.ridge > 0
    # the quieter side's kernel plus its added noise has the raised share of the noisier side
    added = pair.prior1.ridge / pair.prior1.scale
    total = quieter.noise.sum() * (1 - 1 / 120) + added * 119
    assert total / (quieter.trace + added * 119) == pytest.approx(raised(brain.noise_share), rel=1e-12)
    # two equally noisy recordings: both raised to the margin times the ratio, the same on both sides
    twin = br.Representation.from_activations(brain.factor, noise=brain.noise)
    both = Pair(twin, brain, Readout(0.01))
    assert both.prior1.ridge == pytest.approx(both.prior2.ridge, rel=1e-12) and both.prior1.ridge > 0


def test_noise_is_kept_by_subsets_and_pickling_and_checked():
    rng = np.random.default_rng(6)
    _, brain, noise = recording_and_model(rng)
    index = rng.permutation(120)[:60]
    assert np.array_equal(brain.subset(index).noise, noise[index])
    clone = pickle.loads(pickle.dumps(brain))
    assert np.array_equal(clone.noise, noise) and clone.noise_share == brain.noise_share
    with pytest.raises(ValueError, match=r"noise must be finite and >= 0; stimulus 3 has -1"):
        br.Representation.from_activations(rng.standard_normal((10, 3)), noise=[0, 0, 0, -1, 0, 0, 0, 0, 0, 0])
    with pytest.raises(ValueError, match=r"noise must have one value per stimulus, shape \(10,\)"):
        br.Representation.from_activations(rng.standard_normal((10, 3)), noise=np.ones(9))


def test_a_recording_that_is_all_noise_is_compared_at_the_largest_share():
    rng = np.random.default_rng(7)
    Y = rng.standard_normal((50, 20))
    noise = np.full(50, 2 * (Y - Y.mean(0)).var(axis=0).sum())   # twice its own variance: η > 1
    recording = br.Representation.from_activations(Y, center="features", noise=noise)
    assert recording.noise_share == MAX_NOISE_SHARE
    value = br.compare(rng.standard_normal((50, 5)), recording, "tv", b=0.01, center="none")
    assert 0 <= value <= 1


def test_models_without_noise_are_compared_as_before():
    rng = np.random.default_rng(8)
    X, Y = rng.standard_normal((60, 5)), rng.standard_normal((60, 7))
    pair = Pair(br.Representation.from_activations(X), br.Representation.from_activations(Y), Readout(0.01))
    assert pair.prior1.ridge == pair.prior2.ridge == 0
    K1, K2 = X @ X.T, Y @ Y.T
    lam = scipy.linalg.eigh(dense_prior(K2, 0.01, 0, False), dense_prior(K1, 0.01, 0, False), eigvals_only=True)
    assert get_measure("tv")(pair) == pytest.approx(total_variation(Spectrum.from_eigenvalues(lam)), rel=1e-9)
