"""The posterior over models: log evidence against dense Gaussian densities, and model recovery."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from scipy.stats import multivariate_normal

from bayesrep_plugin.core.evidence import (ModelEvidence, log_evidence, model_evidence, posterior_over_models,
                                           readout_spectrum)
from bayesrep_plugin.core.prior import Representation, noise_fraction


def dense_prior(X: np.ndarray, b: float) -> np.ndarray:
    """Σ = (1 − a) n K_c / tr K_c + a I from the centred features, built without the module."""
    n = len(X)
    centred = X - X.mean(axis=0)
    K = centred @ centred.T
    a = n * b / (1 + n * b)
    return (1 - a) * n * K / np.trace(K) + a * np.eye(n)


def reference_log_evidence(X: np.ndarray, y: np.ndarray, b: float) -> float:
    """The density of the n − 1 centred coordinates Qᵀ(y − ȳ) under N(0, s² QᵀΣQ), in z's units."""
    n = len(y)
    Q = scipy.linalg.null_space(np.ones((1, n)))                 # orthonormal basis of 1^⊥
    s = np.sqrt(((y - y.mean()) ** 2).sum() / n)
    cov = s**2 * Q.T @ dense_prior(X, b) @ Q
    return multivariate_normal(mean=np.zeros(n - 1), cov=cov).logpdf(Q.T @ y) + (n - 1) * np.log(s)


@pytest.mark.parametrize("d", [7, 40, 150])   # factor route (d < n) and kernel route (d ≥ n)
@pytest.mark.parametrize("b", [0.01, 0.3])
def test_log_evidence_is_the_dense_gaussian_density(d, b):
    rng = np.random.default_rng(d)
    n = 40
    X = rng.normal(size=(n, d)) * rng.gamma(1.0, size=d) + rng.normal(size=d)   # uneven spectrum, feature means
    Y = 3.0 * rng.normal(size=(n, 5)) + 10.0 + X @ rng.normal(size=(d, 5))
    rep = Representation.from_activations(X)
    assert (rep.factor is not None) == (d < n)
    values = log_evidence(readout_spectrum(rep), Y, b)
    expected = [reference_log_evidence(X, Y[:, j], b) for j in range(5)]
    np.testing.assert_allclose(values, expected, rtol=1e-9)
    # The same through the full n-dimensional density: z has no component along 1, where Σ's variance is a.
    z = (Y[:, 0] - Y[:, 0].mean()) / np.sqrt(((Y[:, 0] - Y[:, 0].mean()) ** 2).mean())
    a = noise_fraction(n, b)
    full = multivariate_normal(mean=np.zeros(n), cov=dense_prior(X, b)).logpdf(z)
    assert values[0] == pytest.approx(full + 0.5 * np.log(2 * np.pi * a), rel=1e-9)


def test_kernel_and_factor_routes_agree():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 12))
    Y = rng.normal(size=(50, 3))
    from_factor = log_evidence(readout_spectrum(Representation.from_activations(X)), Y)
    from_kernel = log_evidence(readout_spectrum(Representation.from_kernel(X @ X.T)), Y)
    np.testing.assert_allclose(from_factor, from_kernel, rtol=1e-10)


def test_invariant_to_rotating_and_scaling_the_features_and_to_each_neuroids_offset_and_scale():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 10))
    Y = rng.normal(size=(30, 4))
    rotation = np.linalg.qr(rng.normal(size=(10, 10)))[0]
    base = log_evidence(readout_spectrum(Representation.from_activations(X)), Y)
    rotated = log_evidence(readout_spectrum(Representation.from_activations(7.5 * X @ rotation)), Y)
    np.testing.assert_allclose(rotated, base, rtol=1e-10)
    rescaled = log_evidence(readout_spectrum(Representation.from_activations(X)), 0.01 * Y - 4.0)
    np.testing.assert_allclose(rescaled, base, rtol=1e-10)
    shifted = log_evidence(readout_spectrum(Representation.from_activations(X + 100.0)), Y)  # feature means ignored
    np.testing.assert_allclose(shifted, base, rtol=1e-8)


def test_true_representation_wins_and_the_posterior_sums_to_one():
    """Responses drawn from N(0, Σ_true) of one of five candidates with different spectra."""
    rng = np.random.default_rng(3)
    n, b = 60, 0.01
    candidates = [rng.normal(size=(n, d)) * np.linspace(1, 1 / decay, d)
                  for d, decay in ((5, 1), (20, 3), (20, 30), (80, 10), (200, 1))]
    spectra = [readout_spectrum(Representation.from_activations(X, name=f"m{k}")) for k, X in enumerate(candidates)]
    for true in range(len(candidates)):
        sigma = dense_prior(candidates[true], b)
        Y = rng.multivariate_normal(np.zeros(n), sigma, size=40).T * rng.gamma(2.0, size=40) + rng.normal(size=40)
        result = model_evidence(spectra, Y, b)
        assert result.posterior.sum() == pytest.approx(1.0, abs=1e-12)
        assert result.posterior[true] > 0.99, (true, result.posterior)
        assert result.names[true] == f"m{true}" and result.neuroids_won.sum() == 40


def test_posterior_is_stable_for_huge_log_evidences_and_follows_the_prior():
    total = np.array([-1e6, -1e6 + 2.0, -1e6 - 50.0])
    posterior = posterior_over_models(total)
    expected = np.exp([-2.0, 0.0, -52.0]) / np.exp([-2.0, 0.0, -52.0]).sum()
    np.testing.assert_allclose(posterior, expected, rtol=1e-9)  # L ≈ 1e6 holds ~1e-10 absolute
    weighted = posterior_over_models(total, prior=[2.0, 1.0, 0.0])      # normalised to [2/3, 1/3, 0]
    expected = np.array([2 * np.exp(-2.0), 1.0, 0.0]) / (2 * np.exp(-2.0) + 1.0)
    np.testing.assert_allclose(weighted, expected, rtol=1e-9)
    evidence = ModelEvidence(("a", "b", "c"), np.array([[0.0, -1.0], [-1.0, 3.0], [-5.0, -5.0]]), np.log(np.ones(3) / 3))
    assert evidence.total.tolist() == [-1.0, 2.0, -10.0] and evidence.neuroids_won.tolist() == [1, 1, 0]


def test_bad_input_is_named():
    rng = np.random.default_rng(4)
    spectrum = readout_spectrum(Representation.from_activations(rng.normal(size=(20, 5)), name="net"))
    Y = rng.normal(size=(20, 3))
    Y[:, 1] = 2.5
    with pytest.raises(ValueError, match=r"neuroid\(s\) \[1\] .* respond the same to every stimulus"):
        log_evidence(spectrum, Y)
    with pytest.raises(ValueError, match="with 20 rows"):
        log_evidence(spectrum, rng.normal(size=(19, 2)))
    with pytest.raises(ValueError, match="b > 0"):
        log_evidence(spectrum, rng.normal(size=(20, 2)), b=0)
    with pytest.raises(ValueError, match="prior must be 2 non-negative"):
        posterior_over_models([0.0, 1.0], prior=[1.0, -1.0])
    with pytest.raises(ValueError, match="const: the feature-centered kernel is zero"):
        readout_spectrum(Representation.from_activations(np.ones((20, 3)), name="const"))
    other = readout_spectrum(Representation.from_activations(rng.normal(size=(21, 5)), name="other"))
    with pytest.raises(ValueError, match="net: 20, other: 21"):
        model_evidence([spectrum, other], Y[:, :1])
