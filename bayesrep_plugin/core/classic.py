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
"""

from __future__ import annotations

import math

import numpy as np

from .kernels import center_kernel
from .prior import Representation

RDM_COMPARISONS = ("pearson", "spearman", "cosine")


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
    if n < 4:
        raise ValueError(f"unbiased HSIC needs at least 4 stimuli; got {n}")
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


def rsa(K1: np.ndarray, K2: np.ndarray, rdm_comparison: str = "pearson") -> float:
    """Similarity of the two RDMs' upper triangles."""
    if rdm_comparison not in RDM_COMPARISONS:
        raise ValueError(f"rdm_comparison={rdm_comparison!r} is not one of {RDM_COMPARISONS}")
    iu = np.triu_indices(K1.shape[0], k=1)
    a, b = rdm(K1)[iu], rdm(K2)[iu]
    if rdm_comparison == "cosine":
        norm = np.linalg.norm(a) * np.linalg.norm(b)
        if norm == 0:
            raise ValueError("RSA (cosine) is undefined: an RDM is all zeros")
        return float(a @ b / norm)
    if a.std() == 0 or b.std() == 0:
        raise ValueError("RSA is undefined: an RDM is constant (all stimuli equidistant)")
    if rdm_comparison == "spearman":
        import scipy.stats  # slow to import; only this option needs it

        return float(scipy.stats.spearmanr(a, b)[0])
    return float(np.corrcoef(a, b)[0, 1])


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
