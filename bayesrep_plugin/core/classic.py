"""Classic representational similarity measures from the same kernels, for side-by-side use.

* Linear CKA (Kornblith et al. 2019): HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)), with the
  biased HSIC tr(HKHL)/(n−1)² (O(n²) from centered Gram matrices) or the unbiased estimator of
  Song et al. (2012).
* RSA: the RDM of squared Euclidean distances Dᵢⱼ = Kᵢᵢ + Kⱼⱼ − 2Kᵢⱼ, its upper triangles
  compared by Pearson (default), Spearman or cosine.
* Orthogonal Procrustes angular shape distance (Williams et al. 2021):
  θ = arccos(‖X̃₁ᵀ X̃₂‖_* / (‖X̃₁‖_F ‖X̃₂‖_F)) for feature-centered X̃. From kernels only:
  ‖X̃₁ᵀ X̃₂‖_* = Σ sqrt(eig(Gᵀ K̃₁ G)) for any factor G Gᵀ = K̃₂ of the other centered kernel
  (zero-padding to equal width changes nothing), so one factor suffices.

The measures the reference package (BayesCompare) also compares against, each from the kernels:
distance correlation (Székely et al. 2007), the Jaccard similarity of k-nearest-neighbour sets
(as in ReSi, Klabunde et al.), GULP (Boix-Adsera et al. 2022) and the angle between two RDMs
(the reference's ``rsa_arccos``). Euclidean distances are √(Kᵢᵢ + Kⱼⱼ − 2Kᵢⱼ) and cosines
Kᵢⱼ / √(KᵢᵢKⱼⱼ), so none needs the activations.

Thin representations (d < n, kept as a factor F with F Fᵀ = K) get CKA, unbiased CKA and RSA
(Pearson, cosine) from d₁ × d₂ cross products instead, in O(n·d₁·d₂) and without any n × n
matrix: ⟨K₁, K₂⟩_F = ‖F₁ᵀF₂‖²_F, and for feature-centred factors G (Gᵀ1 = 0) the squared
Euclidean RDM D = k1ᵀ + 1kᵀ − 2GGᵀ (k the squared row norms) has the sums over stimulus pairs

    Σᵢⱼ Dᵢⱼ = 2n Σk,    Σᵢⱼ D₁ᵢⱼ D₂ᵢⱼ = 2n k₁·k₂ + 2 Σk₁ Σk₂ + 4 ‖G₁ᵀG₂‖²_F,

and the diagonal of D is zero, so these are twice the upper triangle's sums: the same Pearson and
cosine as from the RDMs (the ``*_thin`` functions; the measures choose them when both sides are thin).

The options' values and the number of stimuli are checked where the measures are declared
(:mod:`.measures`: ``Option``, ``min_stimuli``), before any of these functions runs.
"""

from __future__ import annotations

import math

import numpy as np

from .kernels import center_kernel
from .prior import Representation
from .rdm import normalize_stimuli

RDM_COMPARISONS = ("pearson", "spearman", "cosine")
KNN_NEIGHBOURS = ("cosine", "euclidean")
KNN_DEFAULT_K = 10
#: Unbiased HSIC divides by n(n − 3) and (n − 1)(n − 2): it needs this many stimuli.
UNBIASED_HSIC_STIMULI = 4


def cka(K1: np.ndarray, K2: np.ndarray) -> float:
    """Linear CKA with the biased HSIC: ⟨HK₁H, HK₂H⟩_F / (‖HK₁H‖_F ‖HK₂H‖_F)."""
    C1, C2 = center_kernel(K1), center_kernel(K2)
    denominator = math.sqrt((C1 * C1).sum() * (C2 * C2).sum())
    if denominator == 0:
        raise ValueError("CKA is undefined: a centered kernel is zero (constant representation)")
    return float((C1 * C2).sum() / denominator)


def hsic_unbiased(K1: np.ndarray, K2: np.ndarray) -> float:
    """Unbiased HSIC (Song et al. 2012), with K̃ the kernel with zeroed diagonal:

        [tr(K̃₁K̃₂) + 1ᵀK̃₁1·1ᵀK̃₂1/((n−1)(n−2)) − 2/(n−2)·1ᵀK̃₁K̃₂1] / (n(n−3))
    """
    n = K1.shape[0]
    A, B = K1.copy(), K2.copy()
    np.fill_diagonal(A, 0)
    np.fill_diagonal(B, 0)
    a_sum, b_sum = A.sum(axis=0), B.sum(axis=0)
    value = (A * B).sum() + a_sum.sum() * b_sum.sum() / ((n - 1) * (n - 2)) - 2 * (a_sum @ b_sum) / (n - 2)
    return float(value / (n * (n - 3)))


def cka_unbiased(K1: np.ndarray, K2: np.ndarray) -> float:
    """Linear CKA from unbiased HSIC estimates (can be slightly negative for unrelated data)."""
    h11, h22 = hsic_unbiased(K1, K1), hsic_unbiased(K2, K2)
    if h11 <= 0 or h22 <= 0:
        raise ValueError("unbiased CKA is undefined: an unbiased HSIC(K, K) is not positive "
                         "(too few stimuli or a nearly constant representation)")
    return hsic_unbiased(K1, K2) / math.sqrt(h11 * h22)


def rdm(K: np.ndarray) -> np.ndarray:
    """Squared Euclidean RDM from a linear kernel."""
    d = np.diag(K)
    return np.maximum(d[:, None] + d[None, :] - 2 * K, 0.0)


def _rdm_upper_triangle(K: np.ndarray) -> np.ndarray:
    """The squared Euclidean RDM's entries above the diagonal (row by row, as scipy's ``pdist``),
    from a linear kernel, without the n × n RDM or its n(n−1)/2 index pairs."""
    d = np.diag(K)
    return np.concatenate([np.maximum(d[i] + d[i + 1:] - 2 * K[i, i + 1:], 0.0) for i in range(len(d) - 1)])


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 0 … N−1 of x, tied values sharing their mean rank (scipy's ``rankdata``, minus one).

    One argsort; the ties are found on the sorted values, so the common case without ties costs
    nothing more."""
    order = np.argsort(x)
    ordered = x[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    counts = np.diff(np.append(starts, len(x)))
    ranks = np.empty(len(x))
    ranks[order] = np.repeat(starts + (counts - 1) / 2, counts)
    return ranks


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's ρ: Pearson's r of the average ranks (as ``scipy.stats.spearmanr``, whose generic
    path is slower on millions of RDM entries)."""
    ra, rb = _average_ranks(a), _average_ranks(b)
    ra -= ra.mean()
    rb -= rb.mean()
    return float(ra @ rb / math.sqrt((ra @ ra) * (rb @ rb)))


def rsa(K1: np.ndarray, K2: np.ndarray, rdm_comparison: str = "pearson") -> float:
    """Similarity of the two RDMs' upper triangles."""
    a, b = _rdm_upper_triangle(K1), _rdm_upper_triangle(K2)
    if rdm_comparison == "cosine":
        norm = np.linalg.norm(a) * np.linalg.norm(b)
        if norm == 0:
            raise ValueError("RSA (cosine) is undefined: an RDM is all zeros")
        return float(a @ b / norm)
    if a.std() == 0 or b.std() == 0:
        raise ValueError("RSA is undefined: an RDM is constant (all stimuli equidistant)")
    if rdm_comparison == "spearman":
        return _spearman(a, b)
    return float(np.corrcoef(a, b)[0, 1])


def cka_thin(rep1: Representation, rep2: Representation) -> float:
    """:func:`cka` of two thin representations: ‖G₁ᵀG₂‖²_F / (‖G₁ᵀG₁‖_F ‖G₂ᵀG₂‖_F), G the centred factors."""
    G1, G2 = rep1.centered_factor, rep2.centered_factor
    denominator = np.linalg.norm(rep1.centered_gram) * np.linalg.norm(rep2.centered_gram)
    if denominator == 0:
        raise ValueError("CKA is undefined: a centered kernel is zero (constant representation)")
    return float(np.linalg.norm(G1.T @ G2) ** 2 / denominator)


def _hsic_unbiased_thin(F1: np.ndarray, F2: np.ndarray, cross: np.ndarray | None = None) -> float:
    """:func:`hsic_unbiased` from factors: with k the squared row norms, K̃ = F Fᵀ − diag(k),
    tr(K̃₁K̃₂) = ‖F₁ᵀF₂‖²_F − k₁·k₂ and K̃1 = F (Fᵀ1) − k. ``cross`` is F₁ᵀF₂ when already known
    (a representation's cached Gram)."""
    n = F1.shape[0]
    cross = F1.T @ F2 if cross is None else cross
    k1, k2 = (F1 * F1).sum(axis=1), (F2 * F2).sum(axis=1)
    a_sum, b_sum = F1 @ F1.sum(axis=0) - k1, F2 @ F2.sum(axis=0) - k2
    value = (np.linalg.norm(cross) ** 2 - k1 @ k2 + a_sum.sum() * b_sum.sum() / ((n - 1) * (n - 2))
             - 2 * (a_sum @ b_sum) / (n - 2))
    return float(value / (n * (n - 3)))


def cka_unbiased_thin(rep1: Representation, rep2: Representation) -> float:
    """:func:`cka_unbiased` of two thin representations, from their factors."""
    F1, F2 = rep1.factor, rep2.factor
    h11, h22 = _hsic_unbiased_thin(F1, F1, rep1.gram), _hsic_unbiased_thin(F2, F2, rep2.gram)
    if h11 <= 0 or h22 <= 0:
        raise ValueError("unbiased CKA is undefined: an unbiased HSIC(K, K) is not positive "
                         "(too few stimuli or a nearly constant representation)")
    return _hsic_unbiased_thin(F1, F2) / math.sqrt(h11 * h22)


def rsa_thin(rep1: Representation, rep2: Representation, rdm_comparison: str = "pearson") -> float:
    """:func:`rsa` of two thin representations: Pearson and cosine from the RDMs' sums over stimulus
    pairs (module docstring); Spearman needs the ranks of every entry, so it builds the RDMs."""
    if rdm_comparison == "spearman":
        return rsa(rep1.kernel, rep2.kernel, rdm_comparison)
    G1, G2 = rep1.centered_factor, rep2.centered_factor
    n = G1.shape[0]
    k1, k2 = (G1 * G1).sum(axis=1), (G2 * G2).sum(axis=1)
    sums = lambda ka, kb, cross: 2 * n * (ka @ kb) + 2 * ka.sum() * kb.sum() + 4 * np.linalg.norm(cross) ** 2
    s11, s22 = sums(k1, k1, rep1.centered_gram), sums(k2, k2, rep2.centered_gram)
    s12 = sums(k1, k2, G1.T @ G2)
    if rdm_comparison == "cosine":
        if s11 == 0 or s22 == 0:
            raise ValueError("RSA (cosine) is undefined: an RDM is all zeros")
        return float(s12 / math.sqrt(s11 * s22))
    pairs = n * (n - 1)  # ordered pairs i ≠ j
    s1, s2 = 2 * n * k1.sum(), 2 * n * k2.sum()
    var1, var2 = s11 - s1 * s1 / pairs, s22 - s2 * s2 / pairs
    if var1 <= 1e-12 * s11 or var2 <= 1e-12 * s22:  # at rounding level: the RDM is constant
        raise ValueError("RSA is undefined: an RDM is constant (all stimuli equidistant)")
    return float((s12 - s1 * s2 / pairs) / math.sqrt(var1 * var2))


def procrustes_angle(rep1: Representation, rep2: Representation) -> float:
    """Angular Procrustes shape distance in radians, ∈ [0, π/2]."""
    if rep1.factor is not None and rep2.factor is not None:
        F1, F2 = rep1.centered_factor, rep2.centered_factor   # thin: an SVD of F₁ᵀF₂ is cheap
        norms = math.sqrt((F1 * F1).sum() * (F2 * F2).sum())
        nuclear = np.linalg.svd(F1.T @ F2, compute_uv=False).sum() if norms else 0.0
    else:
        if rep2.factor is None and rep1.factor is not None:
            rep1, rep2 = rep2, rep1  # factor the one whose factor is cheap (or cached)
        K1, G = rep1.centered_kernel, rep2.centered_factor
        norms = math.sqrt(np.trace(K1) * (G * G).sum())
        cross = np.linalg.eigvalsh(G.T @ K1 @ G)
        # eigenvalues at rounding level are zeros; their square roots would not be
        cross[cross < 1e-13 * max(cross.max(), 0.0)] = 0.0
        nuclear = np.sqrt(cross).sum()
    if norms == 0:
        raise ValueError("Procrustes distance is undefined: a centered representation is zero")
    cosine = nuclear / norms
    if cosine >= 1 - 64 * np.finfo(float).eps:  # equal shapes up to rounding: arccos would amplify it
        return 0.0
    return float(math.acos(cosine))


def distance_correlation(K1: np.ndarray, K2: np.ndarray, exponent: float = 1.0) -> float:
    """Distance correlation (Székely, Rizzo & Bakirov 2007) of the stimuli's patterns, ∈ [0, 1].

    With Dᵢⱼ = ‖xᵢ − xⱼ‖^α (α = ``exponent``) and A = H D₁ H, B = H D₂ H the double-centred
    distance matrices (H = I − 11ᵀ/n):

        dCor = sqrt(⟨A, B⟩_F / (‖A‖_F ‖B‖_F)),

    the V-statistic estimator (the 1/n² of each dCov² cancels). α = 1 is Székely's distance
    correlation; α ∈ (0, 2) characterises independence. α = 2 is the degenerate case
    H D H = −2 H K H, which gives sqrt(linear CKA): that is what the reference's ``distcorr``
    computes (it double-centres the kernels, not the distances).

    Parameters
    ----------
    K1, K2 : numpy.ndarray, (n, n)
        Linear kernels of the two representations on the same stimuli.
    exponent : float
        α ∈ (0, 2], the power of the Euclidean distances.

    Returns
    -------
    float
    """
    A, B = (center_kernel(rdm(K) ** (exponent / 2)) for K in (K1, K2))
    variances = (A * A).sum() * (B * B).sum()
    if variances == 0:
        raise ValueError("distance correlation is undefined: all stimuli of a representation have the same pattern")
    return float(math.sqrt(max((A * B).sum(), 0.0) / math.sqrt(variances)))  # dCov² < 0 only by rounding


def _nearest_neighbours(K: np.ndarray, k: int, neighbours: str, name: str) -> np.ndarray:
    """Boolean (n, n): row i marks the k stimuli nearest to stimulus i, itself excluded; ties go to
    the lower stimulus index."""
    closeness = normalize_stimuli(K, name) if neighbours == "cosine" else -rdm(K)
    np.fill_diagonal(closeness, -np.inf)
    nearest = np.argsort(-closeness, axis=1, kind="stable")[:, :k]
    marks = np.zeros(K.shape, dtype=bool)
    np.put_along_axis(marks, nearest, True, axis=1)
    return marks


def knn_jaccard(K1: np.ndarray, K2: np.ndarray, k: int = KNN_DEFAULT_K, neighbours: str = "cosine") -> float:
    """Mean over stimuli of the Jaccard similarity of their k-nearest-neighbour sets, ∈ [0, 1].

    For stimulus i let Nᵢ(X) be the k other stimuli closest to it in representation X; then

        knn_jaccard = (1/n) Σᵢ |Nᵢ(X₁) ∩ Nᵢ(X₂)| / |Nᵢ(X₁) ∪ Nᵢ(X₂)|

    (Klabunde et al.'s ReSi "Jaccard", whose default is k = 10 and cosine neighbours). Closeness
    is the cosine Kᵢⱼ / √(KᵢᵢKⱼⱼ) (``neighbours="cosine"``, as the reference now computes it:
    invariant to rotations and to scaling each stimulus's pattern, not to translations) or the
    Euclidean distance (``"euclidean"``, the reference's earlier version: invariant to rotations,
    isotropic scaling and translations). Ties are broken by stimulus order.

    Parameters
    ----------
    K1, K2 : numpy.ndarray, (n, n)
        Linear kernels of the two representations on the same stimuli.
    k : int
        Neighbours per stimulus, 1 ≤ k ≤ n − 1 (k = n − 1 gives 1 for any pair).
    neighbours : {"cosine", "euclidean"}
        What "nearest" means.

    Returns
    -------
    float
    """
    first = _nearest_neighbours(K1, k, neighbours, "knn_jaccard, first representation")
    second = _nearest_neighbours(K2, k, neighbours, "knn_jaccard, second representation")
    shared = (first & second).sum(axis=1)
    return float(np.mean(shared / (2 * k - shared)))


def _ridge_smoother(K: np.ndarray, ridge: float) -> np.ndarray:
    """K̂ (K̂ + λI)⁻¹ for K̂ = K / tr K, from the eigendecomposition (eigenvalues below 0 are rounding)."""
    eigenvalues, eigenvectors = np.linalg.eigh(K / np.trace(K))
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    return (eigenvectors * (eigenvalues / (eigenvalues + ridge))) @ eigenvectors.T


def gulp(K1: np.ndarray, K2: np.ndarray, ridge: float = 0.01) -> float:
    """GULP distance (Boix-Adsera, Lawrence, Stepaniants & Rigollet 2022) from the kernels, ≥ 0.

    The paper scales each representation to unit total variance, tr Σₓ = 1 with Σₓ = XᵀX/n the
    (sample) second-moment matrix of the features, and compares the ridge-regression predictors
    β = (Σₓ + λI)⁻¹ E[x η] of linear targets η on the two:

        d²_λ = tr(Σₓ^λ Σₓ Σₓ^λ Σₓ) + tr(Σ_y^λ Σ_y Σ_y^λ Σ_y) − 2 tr(Σₓ^λ Σₓᵧ Σ_y^λ Σᵧₓ),

    Σ^λ = (Σ + λI)⁻¹, Σₓᵧ = XᵀY/n. Scaled to unit total variance, Σₓ = XᵀX / tr K, and the
    push-through identity (XᵀX/c + λI)⁻¹Xᵀ = Xᵀ(XXᵀ/c + λI)⁻¹ turns each trace into one over
    stimuli: with K̂ = K / tr K and the in-sample ridge smoother S = K̂ (K̂ + λI)⁻¹ (symmetric; it
    maps targets on the stimuli to the ridge predictions there),

        d²_λ = tr(S₁²) + tr(S₂²) − 2 tr(S₁S₂) = ‖S₁ − S₂‖²_F,

    computed as the Frobenius norm of the difference, which cannot go negative by rounding. S has
    eigenvalues μ/(μ + λ) ∈ [0, 1) for the eigenvalues μ of K̂, so d < √n.

    λ is relative to K / tr K, the scale on which the readout prior's b lives (Σ ∝ K/tr K + b·I):
    S is the posterior mean of the Bayesian readout's noise-free outputs given observed outputs,
    for b = λ. The reference scales K to trace n instead, so its ``lmbd`` is n·λ here. The paper
    also centres the features: use ``center="features"`` for its exact definition.

    Parameters
    ----------
    K1, K2 : numpy.ndarray, (n, n)
        Linear kernels of the two representations on the same stimuli.
    ridge : float
        The ridge penalty λ > 0.

    Returns
    -------
    float
        d_λ (the paper's code returns d²_λ).
    """
    return float(np.linalg.norm(_ridge_smoother(K1, ridge) - _ridge_smoother(K2, ridge)))


def rsa_arccos(K1: np.ndarray, K2: np.ndarray) -> float:
    """Angle in radians between the squared-Euclidean RDMs' upper triangles a and b, ∈ [0, π/2].

    θ = arccos(a·b / (‖a‖‖b‖)), the reference's ``rsa_arccos`` (the arccos of RSA with cosine
    comparison). Entries are ≥ 0, so θ ≤ π/2; an angle between vectors obeys the triangle
    inequality. Computed as 2·atan2(‖â − b̂‖, ‖â + b̂‖) for the unit vectors â, b̂, which keeps
    full precision near 0, where arccos of a cosine close to 1 would not.
    """
    a, b = _rdm_upper_triangle(K1), _rdm_upper_triangle(K2)
    norm_a, norm_b = np.linalg.norm(a), np.linalg.norm(b)
    if norm_a == 0 or norm_b == 0:
        raise ValueError("rsa_arccos is undefined: an RDM is all zeros (every stimulus has the same pattern)")
    a, b = a / norm_a, b / norm_b
    return float(2 * math.atan2(np.linalg.norm(a - b), np.linalg.norm(a + b)))
