"""Independent reference computations for the exact distances, used as test oracles.

They take a different route from bayesrep_plugin.core.exact (which integrates ∫ p^z q^{1−z} on
the line Re z = ½): they work with the log-likelihood ratio l = c + Σ wᵢ zᵢ² (a generalized
chi-square) on the real frequency axis — TV = P_p(l > 0) − P_q(l > 0) by Imhof's (1961) inversion
of its CDF, JS through E[log(2 cosh(l/2))] from l's characteristic function — all by scipy's
adaptive quadrature (QUADPACK).
"""

import math

import numpy as np
from scipy import integrate
from scipy.special import expit


def _imhof_sf(weights: np.ndarray, x: float) -> float:
    """P(Σ wᵢ zᵢ² > x) for zᵢ iid N(0, 1) (Imhof 1961)."""
    def integrand(u):
        if u == 0:
            return 0.5 * (weights.sum() - x)
        theta = 0.5 * np.arctan(weights * u).sum() - 0.5 * x * u
        log_rho = 0.25 * np.log1p((weights * u) ** 2).sum()
        return math.sin(theta) * math.exp(-log_rho) / u
    value, _ = integrate.quad(integrand, 0, np.inf, limit=5000, epsabs=1e-13, epsrel=1e-13)
    return 0.5 + value / math.pi


def _weights(lam):
    lam = np.asarray(lam, dtype=float)
    return 0.5 * np.log(lam).sum(), 0.5 * (1 / lam - 1), 0.5 * (1 - lam)


def tv_imhof(lam) -> float:
    """TV between N(0, I) and N(0, diag λ)."""
    c, w_p, w_q = _weights(lam)
    return _imhof_sf(w_p, -c) - _imhof_sf(w_q, -c)


def _mean_log_2cosh_half(c: float, weights: np.ndarray) -> float:
    """E[log(2 cosh(l/2))] for l = c + Σ wᵢ zᵢ², from l's characteristic function φ:
    log(2 cosh(x/2)) = ½ E|x − T| with T standard logistic (characteristic function
    πs/sinh(πs)), and E|Y| = (2/π) ∫₀^∞ (1 − Re φ_Y(s)) / s² ds."""
    def integrand(s):
        log_phi = 1j * s * c - 0.5 * np.log(1 - 2j * s * weights).sum()
        return (1 - (np.exp(log_phi)).real * (np.pi * s / np.sinh(np.pi * s))) / (s * s)
    upper = 15.0  # beyond, πs/sinh(πs) < 1e-18: the integrand is 1/s², integrated exactly
    value, _ = integrate.quad(integrand, 0, upper, limit=2000, epsabs=1e-13, epsrel=1e-13)
    return (value + 1 / upper) / np.pi


def jsd_bits_reference(lam) -> float:
    """JS divergence in bits between N(0, I) and N(0, diag λ), as
    log 2 − ½ E_p[softplus(−l)] − ½ E_q[softplus(l)] with softplus(x) = x/2 + log(2 cosh(x/2))."""
    c, w_p, w_q = _weights(lam)
    e_p = -(c + w_p.sum()) / 2 + _mean_log_2cosh_half(c, w_p)
    e_q = (c + w_q.sum()) / 2 + _mean_log_2cosh_half(c, w_q)
    return (math.log(2) - 0.5 * e_p - 0.5 * e_q) / math.log(2)


def tv_1d(lam: float) -> float:
    """TV between N(0, 1) and N(0, λ) by direct integration of |p − q| / 2 over x."""
    from scipy.stats import norm
    s = math.sqrt(lam)
    cross = math.sqrt(lam * math.log(lam) / (lam - 1))
    value, _ = integrate.quad(lambda x: abs(norm.pdf(x) - norm.pdf(x, scale=s)), 0, 60 * max(1, s),
                              points=[cross], limit=1000, epsabs=1e-14)
    return value


def jsd_bits_1d(lam: float) -> float:
    """JS divergence in bits between N(0, 1) and N(0, λ) by direct integration over x."""
    from scipy.stats import norm
    s = math.sqrt(lam)

    def integrand(x):
        lp, lq = norm.logpdf(x), norm.logpdf(x, scale=s)
        lm = np.logaddexp(lp, lq) - math.log(2)
        return 0.5 * (math.exp(lp) * (lp - lm) + math.exp(lq) * (lq - lm))
    value, _ = integrate.quad(integrand, -60 * max(1, s), 60 * max(1, s), limit=1000, epsabs=1e-14, points=[0])
    return value / math.log(2)
