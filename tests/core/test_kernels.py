"""Activations → kernel: streaming, dtypes, memory maps, centering, bad input."""

import numpy as np
import pytest

from bayesrep_plugin.core import kernels


@pytest.fixture
def X():
    return np.random.default_rng(0).standard_normal((30, 4, 5)).astype(np.float32)


def test_kernel_is_x_xt_with_trailing_dims_flattened(X):
    flat = X.reshape(30, -1).astype(np.float64)
    np.testing.assert_allclose(kernels.linear_kernel(X), flat @ flat.T, rtol=1e-12)


def test_chunked_accumulation_equals_one_shot(X):
    np.testing.assert_allclose(kernels.linear_kernel(X, chunk_size=3), kernels.linear_kernel(X), rtol=1e-12)


def test_float32_input_is_accumulated_in_float64():
    # 1e4 + small: float32 products would lose the small part of the sum.
    X = np.full((2, 20_000), 1.0, dtype=np.float32)
    X[0, 0] = 1.0 + 2**-20
    K = kernels.linear_kernel(X, chunk_size=1000)
    assert K.dtype == np.float64
    assert K[0, 1] == pytest.approx(20_000 + 2**-20, abs=1e-9)


def test_memory_mapped_input(tmp_path, X):
    path = tmp_path / "acts.npy"
    np.save(path, X)
    mm = np.load(path, mmap_mode="r")
    np.testing.assert_allclose(kernels.linear_kernel(mm, chunk_size=7), kernels.linear_kernel(X), rtol=1e-12)


def test_feature_centering_equals_kernel_of_centered_activations(X):
    flat = X.reshape(30, -1).astype(np.float64)
    C = flat - flat.mean(axis=0)
    np.testing.assert_allclose(kernels.linear_kernel(X, "features"), C @ C.T, atol=1e-10)


def test_stimulus_centering_equals_kernel_of_row_centered_activations(X):
    flat = X.reshape(30, -1).astype(np.float64)
    C = flat - flat.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(kernels.linear_kernel(X, "stimuli", chunk_size=4), C @ C.T, atol=1e-10)


@pytest.mark.parametrize("center", ["none", "features", "stimuli"])
def test_feature_factor_reproduces_the_kernel(X, center):
    F = kernels.feature_factor(X, center)
    np.testing.assert_allclose(F @ F.T, kernels.linear_kernel(X, center), atol=1e-9)


def test_nan_is_reported_with_its_location(X):
    X = X.copy()
    X[3, 2, 1] = np.nan
    with pytest.raises(ValueError, match=r"stimulus 3, feature 11"):
        kernels.linear_kernel(X, chunk_size=4)


@pytest.mark.parametrize("bad,match", [
    (np.ones(5), "shape"),
    (np.ones((1, 5)), "at least 2 stimuli"),
    (np.ones((5, 0)), "no features"),
    (np.array([["a", "b"], ["c", "d"]]), "real numbers"),
])
def test_bad_activations(bad, match):
    with pytest.raises(ValueError, match=match):
        kernels.linear_kernel(bad)


def test_unknown_centering():
    with pytest.raises(ValueError, match="center="):
        kernels.linear_kernel(np.ones((3, 2)), center="rows")


@pytest.mark.parametrize("K,match", [
    (np.ones((3, 2)), "square"),
    (np.array([[1.0, 2.0], [0.0, 1.0]]), "not symmetric"),
    (np.array([[1.0, 2.0], [2.0, 1.0]]), "not positive semi-definite"),
    (np.zeros((3, 3)), "all zeros"),
    (np.array([[1.0, np.inf], [np.inf, 1.0]]), "non-finite"),
])
def test_bad_kernels(K, match):
    with pytest.raises(ValueError, match=match):
        kernels.check_kernel(K)


def test_centring_is_exact_when_the_mean_response_dwarfs_the_variation():
    # Rates of about 10 varying by 1e-6: forming X Xᵀ first and centring it after would lose the
    # variation to rounding (entries ~1e4, rounding ~1e-12, the centred kernel ~1e-12); centring the
    # features first keeps it, as the low-rank factor does.
    rng = np.random.default_rng(3)
    variation = 1e-6 * rng.standard_normal((50, 80))
    X = 10.0 + rng.uniform(0, 1, 80) + variation
    K = kernels.linear_kernel(X, center="features")
    expected = (variation - variation.mean(axis=0)) @ (variation - variation.mean(axis=0)).T
    np.testing.assert_allclose(K, expected, rtol=1e-6, atol=1e-9 * np.abs(expected).max())
    assert np.linalg.eigvalsh(K)[0] > -1e-9 * np.linalg.eigvalsh(K)[-1]
    X_before = X.copy()
    kernels.linear_kernel(X, center="features")
    np.testing.assert_array_equal(X, X_before)   # the caller's array is left as it was
