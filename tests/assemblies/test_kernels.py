"""The noise-aware cross-validated kernel: the formula, PSD projection, and what it is for."""

import numpy as np
import pytest

from bayesrep_plugin.assemblies import (AssemblyError, cross_validated_kernel, nearest_psd, responses_representation,
                                        responses_from_assembly)
from bayesrep_plugin.brainscore.simulate import linear_views, neuroid_assembly, recordings
from bayesrep_plugin.core.kernels import center_kernel
from bayesrep_plugin.core import compare
from bayesrep_plugin.core.prior import Representation


def brute_force_cv(trials):
    """mean over r ≠ r' of x_i^r · x_j^r' by explicit loops."""
    R, n, _ = trials.shape
    K = np.zeros((n, n))
    for r in range(R):
        for s in range(R):
            if r != s:
                K += trials[r] @ trials[s].T
    return K / (R * (R - 1))


def test_cross_validated_kernel_matches_its_definition():
    trials = np.random.default_rng(0).normal(size=(4, 12, 30)) + np.random.default_rng(1).normal(size=(12, 30))
    responses = responses_from_assembly(neuroid_assembly(trials))
    K = brute_force_cv(trials)
    np.testing.assert_allclose(cross_validated_kernel(responses), nearest_psd(K), atol=1e-10)


def test_nearest_psd_clips_only_negative_eigenvalues():
    rng = np.random.default_rng(2)
    V, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    w = np.array([-0.5, -1e-3, 0.2, 1.0, 2.0, 3.0])
    P = nearest_psd((V * w) @ V.T)
    np.testing.assert_allclose(np.linalg.eigvalsh(P), [0, 0, 0.2, 1, 2, 3], atol=1e-12)


def test_needs_two_repetitions():
    responses = responses_from_assembly(neuroid_assembly(np.ones((5, 2))), name="neural")
    with pytest.raises(AssemblyError, match="neural: the cross-validated kernel of neural needs at least 2"):
        cross_validated_kernel(responses)


def test_noise_aware_kernels_recover_the_noiseless_distance_better_than_the_bare_mean():
    """Simulated recordings with many neuroids per stimulus (d ≫ n, where the noise ridge on the
    diagonal dominates the kernel's error): the distance to a model from the cv kernel, and from
    the mean kernel with its noise put on the model's side too, are much closer to the noiseless one
    than the distance from the bare average over repetitions (its noise unaccounted for)."""
    model, signal = linear_views(n=80, k=6, dims=(40, 600), seed=4)
    tv = lambda rep1, rep2: compare(rep1, rep2, "tv")
    model_rep = Representation.from_activations(model)
    truth = float(tv(model_rep, Representation.from_activations(signal)))
    errors = {"bare": [], "mean": [], "cross_validated": []}
    for seed in range(3):
        responses = responses_from_assembly(recordings(signal, repetitions=4, noise=1.5, seed=seed))
        sides = {"bare": Representation.from_activations(responses.means),
                 "mean": responses_representation(responses),
                 "cross_validated": responses_representation(responses, kernel="cross_validated")}
        for kind, side in sides.items():
            errors[kind].append(abs(float(tv(model_rep, side)) - truth))
    assert np.mean(errors["bare"]) > 0.1  # the noise bias is real at this noise level
    assert np.mean(errors["mean"]) < 0.5 * np.mean(errors["bare"])
    assert np.mean(errors["cross_validated"]) < 0.4 * np.mean(errors["bare"])


def test_centering_of_the_cv_kernel():
    trials = np.random.default_rng(5).normal(size=(3, 10, 6)) + 3.0
    responses = responses_from_assembly(neuroid_assembly(trials))
    np.testing.assert_allclose(cross_validated_kernel(responses, center="features"),
                               nearest_psd(center_kernel(brute_force_cv(trials))), atol=1e-10)
    stimulus_centered = trials - trials.mean(axis=2, keepdims=True)
    np.testing.assert_allclose(cross_validated_kernel(responses, center="stimuli"),
                               nearest_psd(brute_force_cv(stimulus_centered)), atol=1e-10)
