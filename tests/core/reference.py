"""Independent reference computations for the exact distances, used as test oracles.

They take a different route from bayesrep_plugin.core.exact (which integrates ∫ p^z q^{1−z} on
the line Re z = ½): they work with the log-likelihood ratio l = c + Σ wᵢ zᵢ² (a generalized
chi-square) on the real frequency axis — TV = P_p(l > 0) − P_q(l > 0) by Imhof's (1961) inversion
of its CDF, JS through E[log(2 cosh(l/2))] from l's characteristic function — all by scipy's
adaptive quadrature (QUADPACK), whose IntegrationWarnings are errors here: an oracle that
did not converge is no oracle.

For the smallest distances (TV down to 1e-12, where Imhof's P_p − P_q cancels in double
precision) ``tv_mpmath`` and ``jsd_bits_mpmath`` integrate the Mellin–Parseval forms in t
directly at 30 significant digits (mpmath; no substitution, no cancellation-free rewriting of
Re[1 − R], breakpoints at the scale 1/‖tanh u‖ where R changes).
"""

import math
import warnings

import mpmath
import numpy as np
from scipy import integrate


def _quad(*args, **kwargs) -> float:
    """scipy's quad, with its IntegrationWarning (no convergence, roundoff) raised as an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", integrate.IntegrationWarning)
        return integrate.quad(*args, **kwargs)[0]


def _imhof_sf(weights: np.ndarray, x: float) -> float:
    """P(Σ wᵢ zᵢ² > x) for zᵢ iid N(0, 1) (Imhof 1961): ½ + (1/π) ∫₀^∞ sin θ(u) / (u ρ(u)) du with
    θ = ½ Σ atan(wᵢ u) − ½ x u. Beyond U = 20 / min |wᵢ| the phase ½ Σ atan(wᵢ u) is nearly
    constant and the rest oscillates like sin(−½ x u): that tail is a Fourier integral (QAWF).
    Before U the range is split in octaves, so that QUADPACK sees the integrand's scales."""
    def amplitude(u):
        return math.exp(-0.25 * np.log1p((weights * u) ** 2).sum()) / u

    def integrand(u):
        if u == 0:
            return 0.5 * (weights.sum() - x)
        return math.sin(0.5 * np.arctan(weights * u).sum() - 0.5 * x * u) * amplitude(u)
    # [0, U] in octaves from 1 / max |wᵢ| (the integrand's first scale); stop once it is below 1e-16
    upper, edge, value = 20 / np.abs(weights).min(), 1 / np.abs(weights).max(), 0.0
    edges = [0.0, edge]
    while edge < upper and amplitude(edge) * edge > 1e-16:
        edge = min(2 * edge, upper)
        edges.append(edge)
    for lo, hi in zip(edges[:-1], edges[1:]):
        value += _quad(integrand, lo, hi, limit=5000, epsabs=1e-13, epsrel=1e-12)
    if edge < upper:
        return 0.5 + value / math.pi
    # θ(U + v) = φ(v) − ωv with φ(v) = ½ Σ atan(wᵢ (U + v)) − ωU and ω = x/2:
    # sin θ = sin φ cos ωv − cos φ sin ωv
    omega = 0.5 * x
    phi = lambda v: 0.5 * np.arctan(weights * (v + upper)).sum() - omega * upper
    if omega == 0:
        value += _quad(lambda u: math.sin(phi(u)) * amplitude(u + upper), 0, np.inf, limit=5000, epsabs=1e-12)
    else:
        value += _quad(lambda u: math.sin(phi(u)) * amplitude(u + upper), 0, np.inf, weight="cos", wvar=omega,
                       limlst=200, epsabs=1e-12)
        value -= _quad(lambda u: math.cos(phi(u)) * amplitude(u + upper), 0, np.inf, weight="sin", wvar=omega,
                       limlst=200, epsabs=1e-12)
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
    value = _quad(integrand, 0, upper, limit=2000, epsabs=1e-13, epsrel=1e-13)
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
    value = _quad(lambda x: abs(norm.pdf(x) - norm.pdf(x, scale=s)), 0, 60 * max(1, s),
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
    value = _quad(integrand, -60 * max(1, s), 60 * max(1, s), limit=1000, epsabs=1e-14, points=[0])
    return value / math.log(2)


def _r_mpmath(u):
    """t ↦ R(t) = Πᵢ e^{i t uᵢ} / sqrt(cosh uᵢ · (1 + 2 i t tanh uᵢ)) in mpmath (one square root
    per factor: each stays on its principal branch)."""
    u = [mpmath.mpf(float(x)) for x in u]
    cosh, tanh, total = [mpmath.cosh(x) for x in u], [mpmath.tanh(x) for x in u], mpmath.fsum(u)
    return lambda t: mpmath.exp(1j * t * total) / mpmath.fprod(
        mpmath.sqrt(c * (1 + 2j * t * h)) for c, h in zip(cosh, tanh))


def tv_mpmath(u, dps: int = 30) -> float:
    """TV = (1/π) ∫₀^∞ Re[1 − R(t)] / (¼ + t²) dt for uᵢ = ½ log λᵢ, at ``dps`` digits."""
    with mpmath.workdps(dps):
        R = _r_mpmath(u)
        scale = 1 / mpmath.sqrt(mpmath.fsum(mpmath.tanh(mpmath.mpf(float(x))) ** 2 for x in u))
        points = sorted({mpmath.mpf(0), mpmath.mpf(0.5), mpmath.mpf(2)} | {scale * 4**j for j in range(-3, 7)})
        value = mpmath.quad(lambda t: mpmath.re(1 - R(t)) / (0.25 + t * t), points + [mpmath.inf])
        return float(value / mpmath.pi)


def jsd_bits_mpmath(u, dps: int = 30) -> float:
    """JSD (bits) = ½ ∫₀^∞ Re[1 − R(t)] / ((¼ + t²) cosh πt) dt / log 2, at ``dps`` digits
    (the weight's mass beyond t = 40 is below 1e-55)."""
    with mpmath.workdps(dps):
        R = _r_mpmath(u)
        value = mpmath.quad(lambda t: mpmath.re(1 - R(t)) / ((0.25 + t * t) * mpmath.cosh(mpmath.pi * t)),
                            [0, 0.5, 1, 2, 4, 8, 16, 40])
        return float(value / 2 / mpmath.log(2))


def mean_abs_chi2_combination(v) -> float:
    """E|Σ vᵢ (zᵢ² − 1)| for zᵢ iid N(0, 1), from the characteristic function
    φ(s) = Πᵢ e^{−i s vᵢ} (1 − 2 i s vᵢ)^{−1/2}: E|Y| = (2/π) ∫₀^∞ (1 − Re φ(s)) / s² ds."""
    v = np.asarray(v, dtype=float)

    def integrand(s):
        if s == 0:
            return 2 * (v * v).sum()  # (1 − Re φ)/s² → E[Y²]/2 = Σ vᵢ²
        return (1 - np.exp(-1j * s * v.sum() - 0.5 * np.log(1 - 2j * s * v).sum()).real) / (s * s)
    upper = 1e4 / np.abs(v).min()  # beyond, |φ| < 1e-10 and the integrand is 1/s² to 1e-10
    edges = np.geomspace(0.01 / np.abs(v).max(), upper, 30)
    value = _quad(integrand, 0, edges[0], epsabs=1e-14) + sum(
        _quad(integrand, lo, hi, limit=200, epsabs=1e-14, epsrel=1e-12) for lo, hi in zip(edges[:-1], edges[1:]))
    return 2 / math.pi * (value + 1 / upper)
