"""Classic measures from kernels equal their standard feature-space definitions."""

import itertools
import math

import numpy as np
import pytest
import scipy.spatial.distance
import scipy.stats

import bayesrep_plugin as br
from bayesrep_plugin.core import classic


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


@pytest.mark.parametrize("name, options", [
    ("cka", {}), ("cka_unbiased", {}), ("rsa", {}), ("rsa", {"rdm_comparison": "cosine"}),
    ("rsa", {"rdm_comparison": "spearman"})])
def test_thin_representations_give_the_kernels_values_without_them(XY, name, options):
    # d < n: the measures use the factors (d₁ × d₂ cross products); the same value as from the kernels.
    X, Y = XY
    thin = [br.Representation.from_activations(Z) for Z in (X, Y)]
    assert all(rep.factor is not None for rep in thin)
    kernels = [br.Representation.from_kernel(Z @ Z.T) for Z in (X, Y)]
    value = float(br.compare(*thin, name, **options))
    assert value == pytest.approx(float(br.compare(*kernels, name, **options)), rel=1e-10)
    assert "kernel" not in vars(thin[0]) or options.get("rdm_comparison") == "spearman"  # no n × n matrix made
    # Far from the origin both routes lose digits to the large kernel entries (~7·10⁴ here); the
    # unbiased HSIC, which works on the uncentred kernel, loses most: with OpenBLAS's Haswell kernels each route is
    # ~1.3e-7 (relative) from the 50-digit value 0.69168154106842801, in opposite directions.
    far = X + 100.0
    shifted = [br.Representation.from_activations(far), br.Representation.from_kernel(far @ far.T)]
    assert float(br.compare(shifted[0], thin[1], name, **options)) == pytest.approx(
        float(br.compare(shifted[1], kernels[1], name, **options)), rel=1e-6 if name == "cka_unbiased" else 1e-8)


def test_thin_unbiased_hsic_equals_its_u_statistic():
    # private: the public cka_unbiased divides HSICs, which would hide an error common to all three
    from bayesrep_plugin.core.classic import _hsic_unbiased_thin
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((7, 3)), rng.standard_normal((7, 2))
    assert _hsic_unbiased_thin(X, Y) == pytest.approx(_hsic_unbiased_bruteforce(X @ X.T, Y @ Y.T), rel=1e-10)


def test_thin_rsa_of_equidistant_stimuli_is_refused():
    # The 6 vertices of a regular simplex in 5 dimensions (thin): every distance equal, the RDM constant.
    U, S, _ = np.linalg.svd(np.eye(6) - 1 / 6)
    simplex = U[:, :5] * S[:5]
    assert np.ptp(scipy.spatial.distance.pdist(simplex)) < 1e-12
    other = np.random.default_rng(2).standard_normal((6, 3))
    with pytest.raises(ValueError, match="an RDM is constant"):
        br.compare(simplex, other, "rsa")
    assert float(br.compare(simplex, other, "rsa", rdm_comparison="cosine")) > 0  # defined: not all zeros


def test_rsa_equals_correlation_of_pdist_rdms(XY):
    X, Y = XY
    a = scipy.spatial.distance.pdist(X, "sqeuclidean")
    b = scipy.spatial.distance.pdist(Y, "sqeuclidean")
    assert br.compare(X, Y, "rsa") == pytest.approx(np.corrcoef(a, b)[0, 1], rel=1e-10)
    assert br.compare(X, Y, "rsa", rdm_comparison="spearman") == pytest.approx(scipy.stats.spearmanr(a, b)[0], rel=1e-10)
    assert br.compare(X, Y, "rsa", rdm_comparison="cosine") == pytest.approx(
        a @ b / np.linalg.norm(a) / np.linalg.norm(b), rel=1e-10)


def test_spearman_rsa_with_tied_distances_equals_scipy():
    """Integer activations and repeated stimuli make many equal RDM entries: the ties get their
    average rank, as scipy's."""
    rng = np.random.default_rng(4)
    X = rng.integers(0, 3, size=(40, 3)).astype(float)
    Y = np.vstack([X[:20] + rng.integers(0, 2, size=(20, 3)), X[:20]])
    a = scipy.spatial.distance.pdist(X, "sqeuclidean")
    b = scipy.spatial.distance.pdist(Y, "sqeuclidean")
    assert len(np.unique(a)) < 20 and len(np.unique(b)) < 20  # hundreds of ties among 780 entries
    # private: the ranks and the triangle exactly against scipy (the public rsa only to 1e-12): ties, pdist's order
    np.testing.assert_array_equal(classic._average_ranks(a), scipy.stats.rankdata(a) - 1)
    assert br.compare(X, Y, "rsa", rdm_comparison="spearman") == pytest.approx(scipy.stats.spearmanr(a, b)[0],
                                                                              rel=1e-12)
    np.testing.assert_array_equal(classic._rdm_upper_triangle(X @ X.T), a)  # pdist's order, exactly


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


def _double_centred(D):
    return D - D.mean(axis=0) - D.mean(axis=1)[:, None] + D.mean()


def test_distance_correlation_equals_its_definition_on_activations(XY):
    # Székely et al. 2007: dCov²ₙ = (1/n²) Σ AᵢⱼBᵢⱼ of the double-centred Euclidean distance matrices.
    X, Y = XY
    A = _double_centred(scipy.spatial.distance.squareform(scipy.spatial.distance.pdist(X)))
    B = _double_centred(scipy.spatial.distance.squareform(scipy.spatial.distance.pdist(Y)))
    n2 = len(X) ** 2
    dcov2, dvar2_x, dvar2_y = (A * B).sum() / n2, (A * A).sum() / n2, (B * B).sum() / n2
    expected = math.sqrt(dcov2 / math.sqrt(dvar2_x * dvar2_y))
    assert br.compare(X, Y, "distance_correlation") == pytest.approx(expected, rel=1e-10)


def test_distance_correlation_equals_the_dcor_package(XY):
    dcor = pytest.importorskip("dcor")
    X, Y = XY
    assert br.compare(X, Y, "distance_correlation") == pytest.approx(dcor.distance_correlation(X, Y), rel=1e-8)
    assert br.compare(X, Y, "distance_correlation", exponent=0.5) == pytest.approx(
        dcor.distance_correlation(X, Y, exponent=0.5), rel=1e-8)


def test_distance_correlation_with_exponent_two_is_the_linear_case(XY):
    # α = 2: H D H = −2 H K H, so dCor = sqrt(CKA) (the reference's distcorr); in one dimension |Pearson r|.
    assert br.compare(*XY, "distance_correlation", exponent=2) == pytest.approx(
        math.sqrt(br.compare(*XY, "cka")), rel=1e-12)
    x = np.array([[0.0], [1.0], [2.0], [4.0]])
    y = np.array([[1.0], [0.0], [3.0], [3.0]])
    r = np.corrcoef(x[:, 0], y[:, 0])[0, 1]
    assert br.compare(x, y, "distance_correlation", exponent=2) == pytest.approx(abs(r), rel=1e-12)
    with pytest.raises(ValueError, match=r"exponent=3 must be a number in \(0, 2\]"):
        br.compare(*XY, "distance_correlation", exponent=3)
    with pytest.raises(ValueError, match="all stimuli of a representation have the same pattern"):
        br.compare(np.ones((5, 3)), XY[0][:5], "distance_correlation")


def _neighbour_sets(Z, k, metric):
    D = scipy.spatial.distance.cdist(Z, Z, metric)
    np.fill_diagonal(D, np.inf)
    return [set(np.argsort(row)[:k]) for row in D]


@pytest.mark.parametrize("neighbours", ["cosine", "euclidean"])
@pytest.mark.parametrize("k", [1, 3, 10])
def test_knn_jaccard_equals_brute_force_neighbour_search(XY, k, neighbours):
    X, Y = XY
    expected = np.mean([len(a & b) / len(a | b)
                        for a, b in zip(_neighbour_sets(X, k, neighbours), _neighbour_sets(Y, k, neighbours))])
    assert br.compare(X, Y, "knn_jaccard", k=k, neighbours=neighbours) == pytest.approx(expected, abs=1e-12)


def test_knn_jaccard_hand_cases():
    # On a line, k = 1: nearest of 0, 1, 3, 7 is 1, 0, 1, 3; of 0, 2, 3, 7 it is 2, 3, 2, 3 (stimuli
    # 1, 2, 1, 2): the sets agree for stimuli 0, 2, 3 and not for 1, so 3/4.
    X, Y = np.array([[0.0], [1], [3], [7]]), np.array([[0.0], [2], [3], [7]])
    assert br.compare(X, Y, "knn_jaccard", k=1, neighbours="euclidean") == 0.75
    # By angle, with norms that must not matter: 0°, 10°, 50°, 100° → nearest 1, 0, 1, 2;
    # 0°, 30°, 50°, 100° → nearest 1, 2, 1, 2: again 3/4.
    def directions(degrees, norms):
        radians = np.radians(degrees)
        return np.column_stack([np.cos(radians), np.sin(radians)]) * np.array(norms)[:, None]
    U = directions([0, 10, 50, 100], [1, 5, 0.2, 3])
    V = directions([0, 30, 50, 100], [2, 1, 7, 0.5])
    assert br.compare(U, V, "knn_jaccard", k=1) == 0.75
    assert br.compare(U, V, "knn_jaccard", k=3) == 1.0  # k = n − 1: every other stimulus


def test_knn_jaccard_bad_options_and_zero_patterns(XY):
    X, Y = XY
    for k in (0, 2.5, True, "3"):
        with pytest.raises(ValueError, match=f"k={k!r} must be a whole number of neighbours >= 1"):
            br.compare(X, Y, "knn_jaccard", k=k)
    with pytest.raises(ValueError, match=r"'knn_jaccard' \(with k=25\) needs at least 26 stimuli; got 25"):
        br.compare(X, Y, "knn_jaccard", k=25)
    with pytest.raises(ValueError, match="neighbours='manhattan' must be one of"):
        br.compare(X, Y, "knn_jaccard", neighbours="manhattan")
    zero = X.copy()
    zero[3] = 0.0
    with pytest.raises(ValueError, match="second representation: stimulus 3 has a zero pattern"):
        br.compare(X, zero, "knn_jaccard")
    assert 0 <= br.compare(X, zero, "knn_jaccard", neighbours="euclidean") <= 1  # a point at the origin is fine


def _gulp_feature_space(X, Y, ridge):
    # Boix-Adsera et al. 2022, with the sample covariances (features × features) of X and Y scaled
    # to unit total variance: d² = tr(Σₓ^λΣₓΣₓ^λΣₓ) + tr(Σ_y^λΣ_yΣ_y^λΣ_y) − 2 tr(Σₓ^λΣₓᵧΣ_y^λΣᵧₓ).
    n = len(X)
    X, Y = (Z * math.sqrt(n) / np.linalg.norm(Z) for Z in (X, Y))
    Sx, Sy, Sxy = X.T @ X / n, Y.T @ Y / n, X.T @ Y / n
    Rx, Ry = np.linalg.inv(Sx + ridge * np.eye(len(Sx))), np.linalg.inv(Sy + ridge * np.eye(len(Sy)))
    squared = np.trace(Rx @ Sx @ Rx @ Sx) + np.trace(Ry @ Sy @ Ry @ Sy) - 2 * np.trace(Rx @ Sxy @ Ry @ Sxy.T)
    return math.sqrt(squared)


@pytest.mark.parametrize("ridge", [1e-3, 0.01, 1.0])
def test_gulp_equals_the_feature_space_formula(XY, ridge):
    X, Y = XY
    assert br.compare(X, Y, "gulp", ridge=ridge) == pytest.approx(_gulp_feature_space(X, Y, ridge), rel=1e-8)
    # the paper's own preprocessing centres each feature: center="features"
    centred = [Z - Z.mean(axis=0) for Z in XY]
    assert br.compare(X, Y, "gulp", ridge=ridge, center="features") == pytest.approx(
        _gulp_feature_space(*centred, ridge), rel=1e-8)


def test_gulp_matches_the_reference_with_its_lambda_n_times_ours(XY):
    # The reference scales K to trace n and uses (K̃ + lmbd·I)⁻¹ K̃: its lmbd is n·ridge.
    K1, K2 = (Z @ Z.T for Z in XY)
    n, ridge = len(K1), 0.01
    terms = []
    for K in (K1, K2):
        scaled = K * n / np.trace(K)
        terms.append(np.linalg.inv(scaled + n * ridge * np.eye(n)) @ scaled)
    (A1, A2) = terms
    reference = math.sqrt(np.trace(A1 @ A1) + np.trace(A2 @ A2) - 2 * np.trace(A1 @ A2))
    assert br.distance_from_kernels(K1, K2, "gulp", ridge=ridge) == pytest.approx(reference, rel=1e-8)


def test_gulp_hand_cases():
    # Stimuli 0, 1 on one axis and 2, 3 on another: K̂₁ = diag(½, ½, 0, 0), K̂₂ = diag(0, 0, ½, ½), each
    # smoother has two eigenvalues s = ½/(½ + λ) on disjoint stimuli, so d = √(4s²) = 2s < √n = 2.
    X = np.array([[1.0, 0], [0, 1], [0, 0], [0, 0]])
    Y = np.array([[0.0, 0], [0, 0], [1, 0], [0, 1]])
    s = 0.5 / (0.5 + 0.01)
    assert br.compare(X, Y, "gulp") == pytest.approx(2 * s, rel=1e-12)
    assert br.compare(X, 3 * X, "gulp") == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="ridge=0 must be a finite number > 0"):
        br.compare(X, Y, "gulp", ridge=0)


def test_rsa_arccos_equals_the_angle_between_pdist_rdms(XY):
    X, Y = XY
    a = scipy.spatial.distance.pdist(X, "sqeuclidean")
    b = scipy.spatial.distance.pdist(Y, "sqeuclidean")
    expected = math.acos(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    assert br.compare(X, Y, "rsa_arccos") == pytest.approx(expected, rel=1e-10)
    assert math.cos(br.compare(X, Y, "rsa_arccos")) == pytest.approx(
        br.compare(X, Y, "rsa", rdm_comparison="cosine"), rel=1e-12)


def test_rsa_arccos_hand_cases():
    # On a line, 0, 1, 2 and 0, 1, 3: squared distances (1, 4, 1) and (1, 9, 4), cosine 41/√(18·98) = 41/42.
    x, y = np.array([[0.0], [1], [2]]), np.array([[0.0], [1], [3]])
    assert br.compare(x, y, "rsa_arccos") == pytest.approx(math.acos(41 / 42), rel=1e-12)
    assert br.compare(x, 5 * x + 2, "rsa_arccos") == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="rsa_arccos is undefined: an RDM is all zeros"):
        br.compare(np.ones((3, 2)), y, "rsa_arccos")


@pytest.mark.parametrize("measure, option, value, meaning", [
    ("gulp", "ridge", "0.1", "a finite number > 0"),
    ("distance_correlation", "exponent", "1", r"a number in \(0, 2\]"),
    ("knn_jaccard", "k", 5.0, "a whole number of neighbours >= 1"),
    ("rsa", "rdm_comparison", 1, "one of"),
    ("tv", "n_samples", True, "a whole number >= 2"),
])
def test_options_of_the_wrong_type_are_refused_saying_what_they_must_be(XY, measure, option, value, meaning):
    """ridge='0.1' (a string from a config) raised a raw TypeError from np.isfinite."""
    with pytest.raises(ValueError, match=f"measure '{measure}': {option}={value!r} must be {meaning}"):
        br.compare(*XY, measure, **{option: value})


def test_measures_refuse_too_few_stimuli_before_computing(XY):
    X, Y = XY
    with pytest.raises(ValueError, match="measure 'cka_unbiased' needs at least 4 stimuli; got 3"):
        br.compare(X[:3], Y[:3], "cka_unbiased")
    with pytest.raises(ValueError, match=r"measure 'rsa' \(with rdm_comparison='spearman'\) needs at least 3 stimuli"):
        br.compare(X[:2], Y[:2], "rsa", rdm_comparison="spearman")
