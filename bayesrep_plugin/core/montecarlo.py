"""The reference package's Monte Carlo estimator of TV and JS (for validation and comparison).

S reparameterised samples from each Gaussian (x = L z, L the Cholesky factor of its Σ), log
densities through triangular solves, in the original basis — deliberately independent of the
eigenvalue route of the exact path. With l = log p − log q:

    TV  = ½ (E_p[(1 − e^{−l})₊] + E_q[(1 − e^{l})₊])
    JSD = ½ (E_p[log 2 − softplus(−l)] + E_q[log 2 − softplus(l)])   (nats; / log 2 for bits)

The standard error is that of the average of two independent sample means. Cost O(n² S), all
in scipy's BLAS (one thread pool; numpy's is a second OpenBLAS whose idle threads compete).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from .gaussian import Pair

DEFAULT_SAMPLES = 10_000
_CHUNK = 2_000


@dataclass(frozen=True)
class MonteCarlo:
    """Monte Carlo estimates with their standard errors (JSD in bits)."""

    tv: float
    tv_se: float
    jsd: float
    jsd_se: float
    n_samples: int


def _log_ratio_samples(L_from: np.ndarray, L_to: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log N(x; Σ_from) − log N(x; Σ_to) for x = L_from z (columns of z are samples)."""
    x = scipy.linalg.blas.dtrmm(1.0, L_from, z, lower=1)  # L z: triangular, half a GEMM's work
    w = scipy.linalg.solve_triangular(L_to, x, lower=True, check_finite=False)
    logdet = np.log(np.diag(L_from)).sum() - np.log(np.diag(L_to)).sum()
    return -0.5 * (z * z).sum(axis=0) + 0.5 * (w * w).sum(axis=0) - logdet


def monte_carlo(pair: Pair, n_samples: int = DEFAULT_SAMPLES, seed: int | None = 0) -> MonteCarlo:
    """Seeded MC estimates of TV and JSD between the pair's two prior predictives."""
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
        raise ValueError(f"n_samples must be an integer >= 2; got {n_samples!r}")
    L1, L2 = pair.prior1.cholesky, pair.prior2.cholesky  # of the full n-dimensional Σ, as the reference
    rng = np.random.default_rng(seed)
    tv_terms, js_terms = [], []
    for L_from, L_to, sign in ((L1, L2, 1.0), (L2, L1, -1.0)):
        tv_side, js_side = [], []
        for start in range(0, n_samples, _CHUNK):
            z = rng.standard_normal((min(_CHUNK, n_samples - start), pair.n)).T  # Fortran order for BLAS
            l = sign * _log_ratio_samples(L_from, L_to, z)   # l = log p − log q at samples of this side
            tv_side.append(np.maximum(-np.expm1(-sign * l), 0.0))
            js_side.append(math.log(2) - np.logaddexp(0.0, -sign * l))
        tv_terms.append(np.concatenate(tv_side))
        js_terms.append(np.concatenate(js_side))

    def mean_se(terms):
        mean = 0.5 * (terms[0].mean() + terms[1].mean())
        se = 0.5 * math.sqrt(terms[0].var(ddof=1) / terms[0].size + terms[1].var(ddof=1) / terms[1].size)
        return float(mean), se

    tv, tv_se = mean_se(tv_terms)
    js, js_se = mean_se(js_terms)
    return MonteCarlo(tv, tv_se, js / math.log(2), js_se / math.log(2), n_samples)
