"""Classic measures from kernels equal their standard feature-space definitions."""

import itertools
import math

import numpy as np
import pytest
import scipy.spatial.distance
import scipy.stats

import bayesrep_plugin as br


@pytest.fixture
def XY():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((25, 7)) + 1.0
    Y = X @ rng.standard_normal((7, 11)) + rng.standard_normal((25, 11))
    return X, Y


def test_cka_equals_feature_space_formula(XY):
    # Kornblith et al. 2019: ‖Yᵀ X‖²_F / (‖Xᵀ X‖_F ‖Yᵀ Y‖_F) for feature-centered X, Y.
    X, Y = (Z - Z.mean(axis=0) for Z in XY)
    expected = np.linalg.norm(Y.T @ X) ** 2 / (np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y))
    assert br.compare(*XY, "cka") == pytest.approx(expected, rel=1e-12)


def _hsic_unbiased_bruteforce(K, L):
    # Song et al. 2012 as a U-statistic over distinct 4-tuples (i, j, q, r).
    n = K.shape[0]
    total = 0.0
    for i, j, q, r in itertools.permutations(range(n), 4):
        total += K[i, j] * L[i, j] + K[i, j] * L[q, r] - 2 * K[i, j] * L[i, q]
    return total / math.perm(n, 4)


def test_unbiased_hsic_equals_its_u_statistic():
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((7, 3)), rng.standard_normal((7, 2))
    K, L = X @ X.T, Y @ Y.T
    from bayesrep_plugin.core.classic import hsic_unbiased
    assert hsic_unbiased(K, L) == pytest.approx(_hsic_unbiased_bruteforce(K, L), rel=1e-10)


def test_rsa_equals_correlation_of_pdist_rdms(XY):
    X, Y = XY
    a = scipy.spatial.distance.pdist(X, "sqeuclidean")
    b = scipy.spatial.distance.pdist(Y, "sqeuclidean")
    assert br.compare(X, Y, "rsa") == pytest.approx(np.corrcoef(a, b)[0, 1], rel=1e-10)
    assert br.compare(X, Y, "rsa", rdm_comparison="spearman") == pytest.approx(scipy.stats.spearmanr(a, b)[0], rel=1e-10)
    assert br.compare(X, Y, "rsa", rdm_comparison="cosine") == pytest.approx(
        a @ b / np.linalg.norm(a) / np.linalg.norm(b), rel=1e-10)


def test_procrustes_equals_padded_orthogonal_procrustes(XY):
    # Williams et al. 2021: arccos of the best alignment over orthogonal maps, widths zero-padded.
    X, Y = (Z - Z.mean(axis=0) for Z in XY)
    X, Y = X / np.linalg.norm(X), Y / np.linalg.norm(Y)
    Xp = np.hstack([X, np.zeros((25, Y.shape[1] - X.shape[1]))])
    U, _, Vt = np.linalg.svd(Xp.T @ Y)
    Q = U @ Vt  # the optimal rotation
    expected = math.acos(np.trace(Xp.T @ Y @ Q.T))
    assert br.compare(*XY, "procrustes") == pytest.approx(expected, abs=1e-10)
    kernel_only = br.distance_from_kernels(XY[0] @ XY[0].T, XY[1] @ XY[1].T, "procrustes")
    assert kernel_only == pytest.approx(expected, abs=1e-10)


def test_unknown_rdm_comparison(XY):
    with pytest.raises(ValueError, match="rdm_comparison"):
        br.compare(*XY, "rsa", rdm_comparison="kendall")
