"""RDM → kernel: each recovered kernel against the kernel computed directly from the patterns."""

import warnings

import numpy as np
import pytest
import scipy.spatial.distance as ssd
import scipy.stats

from bayesrep_plugin.core import classic, distance_from_kernels
from bayesrep_plugin.core.kernels import linear_kernel
from bayesrep_plugin.core.rdm import check_rdm, correlation_kernel, kernel_from_rdm, normalize_stimuli

N, D = 25, 40


@pytest.fixture
def X():
    # Offsets and gains that differ per stimulus and per unit, so that what each kernel removes matters.
    rng = np.random.default_rng(1)
    return rng.standard_normal((N, D)) * rng.uniform(0.5, 3, (N, 1)) + rng.normal(0, 2, (N, 1)) + rng.normal(0, 1, D)


@pytest.fixture
def other():
    return linear_kernel(np.random.default_rng(2).standard_normal((N, 10)))


def test_one_minus_correlation_rdm_is_the_kernel_of_z_scored_patterns(X):
    rdm = ssd.squareform(ssd.pdist(X, "correlation"))  # scipy's 1 − r, independent of ours
    Z = scipy.stats.zscore(X, axis=1)  # per stimulus, across features, population SD
    np.testing.assert_allclose(kernel_from_rdm(rdm, "correlation"), Z @ Z.T / D, rtol=0, atol=1e-12)


def test_correlation_kernel_is_stimulus_centering_then_unit_norm(X):
    expected = np.corrcoef(X)
    np.testing.assert_allclose(correlation_kernel(X), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(normalize_stimuli(linear_kernel(X, center="stimuli")), expected, rtol=0, atol=1e-12)


def test_correlation_kernel_ignores_each_stimulus_mean_and_gain(X):
    rng = np.random.default_rng(3)
    moved = X * rng.uniform(0.1, 10, (N, 1)) + rng.normal(0, 5, (N, 1))
    np.testing.assert_allclose(correlation_kernel(moved), correlation_kernel(X), rtol=0, atol=1e-12)


def test_classical_mds_of_squared_euclidean_rdm_is_the_feature_centred_kernel(X):
    Xc = X - X.mean(axis=0)
    expected = Xc @ Xc.T
    scale = np.abs(expected).max()
    squared = ssd.squareform(ssd.pdist(X, "sqeuclidean"))
    np.testing.assert_allclose(kernel_from_rdm(squared, "squared_euclidean"), expected, rtol=0, atol=1e-12 * scale)
    euclidean = ssd.squareform(ssd.pdist(X, "euclidean"))
    np.testing.assert_allclose(kernel_from_rdm(euclidean, "euclidean"), expected, rtol=0, atol=1e-12 * scale)


def test_a_condensed_rdm_gives_the_same_kernel(X):
    condensed = ssd.pdist(X, "correlation")
    np.testing.assert_array_equal(kernel_from_rdm(condensed, "correlation"),
                                  kernel_from_rdm(ssd.squareform(condensed), "correlation"))


def test_correlation_rdm_as_squared_euclidean_is_half_the_centred_correlation_kernel(X):
    # |zᵢ − zⱼ|² = 2d(1 − rᵢⱼ): a correlation RDM is Euclidean, so no eigenvalue is clipped.
    rdm = ssd.squareform(ssd.pdist(X, "correlation"))
    R = np.corrcoef(X)
    H = np.eye(N) - 1 / N
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        K = kernel_from_rdm(rdm, "squared_euclidean")
    np.testing.assert_allclose(K, H @ R @ H / 2, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind, patterns", [
    ("correlation", lambda X: scipy.stats.zscore(X, axis=1)),
    ("squared_euclidean", lambda X: X - X.mean(axis=0)),
])
def test_readout_distances_from_recovered_kernels_equal_those_from_the_patterns(X, other, kind, patterns):
    rdm = (ssd.squareform(ssd.pdist(X, "correlation")) if kind == "correlation"
           else ssd.squareform(ssd.pdist(X, "sqeuclidean")))
    P = patterns(X)
    for measure in ("tv", "js"):
        from_rdm = distance_from_kernels(kernel_from_rdm(rdm, kind), other, measure)
        from_patterns = distance_from_kernels(P @ P.T, other, measure)
        assert from_rdm == pytest.approx(from_patterns, abs=1e-10)
        assert 0.05 < from_rdm < 1  # a real difference, not a trivial 0


def test_rsa_of_recovered_kernels_is_rsa_of_the_given_rdms(X):
    Y = X + np.random.default_rng(4).standard_normal(X.shape)
    rdm_x, rdm_y = ssd.pdist(X, "correlation"), ssd.pdist(Y, "correlation")
    direct = np.corrcoef(rdm_x, rdm_y)[0, 1]
    recovered = classic.rsa(kernel_from_rdm(rdm_x, "correlation"), kernel_from_rdm(rdm_y, "correlation"))
    assert recovered == pytest.approx(direct, abs=1e-12)


@pytest.mark.parametrize("kind", ["squared_euclidean", "euclidean", "correlation"])
def test_a_float32_rdm_of_real_points_is_taken_without_a_warning(kind):
    """float32 rounding of each entry (6e-8 of it) gives K negative eigenvalues of about n·ε·max|D|;
    they are the RDM's own precision, not "dissimilarities not of the stated kind" (was warned, 0.00%)."""
    rng = np.random.default_rng(0)
    points = rng.normal(size=(92, 20)) * 10 + 100
    metric = {"squared_euclidean": "sqeuclidean", "euclidean": "euclidean", "correlation": "correlation"}[kind]
    exact = ssd.squareform(ssd.pdist(points, metric))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        single = kernel_from_rdm(exact.astype(np.float32), kind)
    double = kernel_from_rdm(exact, kind)
    assert np.linalg.eigvalsh(single)[0] >= -1e-10 * np.linalg.eigvalsh(single)[-1]
    assert np.abs(single - double).max() < 1e-5 * np.abs(double).max()


def test_non_euclidean_rdm_is_clipped_with_a_warning_that_says_what_was_lost(X):
    # A squared RDM passed as "euclidean" is squared twice: not a squared Euclidean distance any more.
    # (The converse cannot be caught: by Schoenberg's theorem the square root of a squared Euclidean
    # RDM is one too, so a Euclidean RDM passed as squared gives a valid, different kernel.)
    squared = ssd.squareform(ssd.pdist(X, "sqeuclidean"))
    H = np.eye(N) - 1 / N
    w = np.linalg.eigvalsh(-0.5 * H @ (squared ** 2) @ H)
    assert w[0] < -1e-3 * w[-1]
    lost = -w[w < 0].sum() / w[w > 0].sum()
    with pytest.warns(UserWarning, match=rf"negative eigenvalues .* {100 * lost:.2g}% of the trace"):
        clipped = kernel_from_rdm(squared, "euclidean")
    assert np.linalg.eigvalsh(clipped)[0] > -1e-10 * w[-1]
    np.testing.assert_allclose(np.trace(clipped), w[w > 0].sum(), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kernel_from_rdm(np.sqrt(squared), "squared_euclidean")


@pytest.mark.parametrize("edit, message", [
    (lambda D: D[:, :-1], r"square matrix .* shape \(25, 24\)"),
    (lambda D: np.stack([D, D]), "square matrix"),
    (lambda D: D[np.triu_indices(N, 1)][:-1], "n\\(n−1\\)/2 entries; 299"),
    (lambda D: np.where(np.eye(N, dtype=bool), 0.5, D), r"diagonal must be zero.*D\[0, 0\] = 0.5"),
    (lambda D: D + np.triu(np.full_like(D, 0.1), 1), r"not symmetric: D\[\d+, \d+\] = [\d.]+ but D\[\d+, \d+\]"),
    (lambda D: np.where(np.arange(N)[:, None] == 3, np.nan, D), r"non-finite dissimilarity nan at stimuli \(3, 0\)"),
    (lambda D: D - 0.3 * (1 - np.eye(N)), r"non-negative; D\[\d+, \d+\] = -"),
    (lambda D: 0 * D, "all dissimilarities are zero"),
    (lambda D: D[:1, :1], "at least 2 stimuli"),
])
def test_bad_rdms_are_refused_with_the_reason(X, edit, message):
    D = ssd.squareform(ssd.pdist(X, "correlation"))
    with pytest.raises(ValueError, match=message):
        check_rdm(edit(D), "brain")


def test_a_correlation_rdm_must_lie_in_zero_two(X):
    euclidean = ssd.squareform(ssd.pdist(X, "sqeuclidean"))
    with pytest.raises(ValueError, match=r"brain: a correlation distance 1 − r lies in \[0, 2\]"):
        kernel_from_rdm(euclidean, "correlation", "brain")
    with pytest.raises(ValueError, match="kind='cosine' is not one of"):
        kernel_from_rdm(euclidean, "cosine")


def test_float32_rdm_rounding_is_accepted():
    D32 = ssd.squareform(ssd.pdist(np.random.default_rng(5).standard_normal((10, 30)), "correlation")).astype(np.float32)
    K = kernel_from_rdm(D32, "correlation")
    assert np.array_equal(np.diag(K), np.ones(10)) and np.array_equal(K, K.T)


def test_constant_pattern_has_no_correlation():
    X = np.random.default_rng(6).standard_normal((5, 8))
    X[2] = 4.0
    with pytest.raises(ValueError, match="stimulus 2 has a zero pattern"):
        correlation_kernel(X)
