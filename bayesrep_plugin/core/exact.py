"""Exact TV and JS between two zero-mean Gaussians, from their generalized eigenvalues.

Whitening by Σ₁ and rotating to the eigenbasis of Σ₁^{-1/2} Σ₂ Σ₁^{-1/2} turns the pair into
p = N(0, I) and q = N(0, diag λ). With uᵢ = ½ log λᵢ, the function

    R(t) = ∫ p^{½+it} q^{½−it} dx = Πᵢ e^{i t uᵢ} / sqrt(cosh uᵢ · (1 + 2 i t tanh uᵢ))

(the moment generating function of the log-likelihood ratio l = log p − log q under q, on the
line Re z = ½) gives every quantity we need by a one-dimensional integral (Mellin–Parseval
with the contour through z = ½; derivation in docs/method.md):

    TV       = (1/π) ∫₀^∞ Re[1 − R(t)] / (¼ + t²) dt
    JS (nat) = (1/2) ∫₀^∞ Re[1 − R(t)] / ((¼ + t²) cosh πt) dt
    BC       = R(0) = Πᵢ (cosh uᵢ)^{-1/2}            (Bhattacharyya coefficient)

Re[1 − R] = −expm1(A) + 2 e^A sin²(Φ/2) with A = log|R|, Φ = arg R is computed without
cancellation, so TV ≈ 1e-6 keeps its relative accuracy; with one informative eigenvalue |R|
decays only like t^{-1/2} and TV has a closed form, which is used instead; |R| ≤ BC bounds the integrand near 1
when the distributions nearly separate, and results are clipped to their ranges. |R(t)| falls
monotonically in t, which gives a rigorous truncation point. Eigenvalues with |uᵢ| below
``INFORMATIVE`` are 1 to rounding; they contribute nothing and are dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .quadrature import Rule, adaptive_gauss_kronrod

#: |½ log λ| below this is rounding noise of the eigensolver, not information.
INFORMATIVE = 1e-11
#: Absolute tolerance of the quadratures (TV and JS in nats).
TOL = 1e-10
#: Beyond t = 12 the JS weight 1/cosh(πt) is below 1e-16.
JS_T_MAX = 12.0
#: Bound on the number of R evaluations held in memory at once.
_BLOCK = 2**22


def log_cosh(u: np.ndarray) -> np.ndarray:
    """log cosh u without overflow."""
    a = np.abs(u)
    return a + np.log1p(np.exp(-2 * a)) - math.log(2)


@dataclass(frozen=True)
class Spectrum:
    """Half-log generalized eigenvalues uᵢ = ½ log λᵢ of (Σ₂, Σ₁); only the informative ones."""

    u: np.ndarray

    @classmethod
    def from_eigenvalues(cls, lam: np.ndarray) -> "Spectrum":
        lam = np.asarray(lam, dtype=np.float64)
        if lam.size and not (lam > 0).all():
            raise ValueError("generalized eigenvalues must be positive (are both covariances positive definite?)")
        u = 0.5 * np.log(lam)
        return cls(u[np.abs(u) > INFORMATIVE])

    @property
    def log_bc(self) -> float:
        """log of the Bhattacharyya coefficient, −Σ ½ log cosh uᵢ (≤ 0)."""
        return float(-0.5 * log_cosh(self.u).sum())

    def log_abs_r(self, t: float) -> float:
        """log |R(t)|, decreasing in |t|."""
        return self.log_bc - 0.25 * float(np.log1p((2 * t * np.tanh(self.u)) ** 2).sum())

    def one_minus_re_r(self, t: np.ndarray) -> np.ndarray:
        """Re[1 − R(t)] for a vector of t ≥ 0, evaluated in blocks of nodes."""
        t = np.asarray(t, dtype=np.float64)
        out = np.empty_like(t)
        tau, u = np.tanh(self.u), self.u
        step = max(1, _BLOCK // max(1, u.size))
        for s in range(0, t.size, step):
            ts = t[s:s + step, None]
            two_t_tau = 2 * ts * tau
            log_mod = self.log_bc - 0.25 * np.log1p(two_t_tau**2).sum(axis=1)
            phase = (ts[:, 0] * u.sum()) - 0.5 * np.arctan(two_t_tau).sum(axis=1)
            out[s:s + step] = -np.expm1(log_mod) + 2 * np.exp(log_mod) * np.sin(phase / 2) ** 2
        return out

    def truncation(self, tol: float, weight_tail) -> float:
        """Smallest doubling T with |R(T)| · weight_tail(T) ≤ tol (|R| is monotone)."""
        T = 1.0
        while T > 1e-12 and math.exp(self.log_abs_r(T / 2)) * weight_tail(T / 2) <= tol:
            T /= 2
        while math.exp(self.log_abs_r(T)) * weight_tail(T) > tol:
            T *= 2
            if T > 1e15:
                raise RuntimeError("R(t) does not decay: eigenvalues too close to 1 to resolve")
        return T


def tv_rule(spec: Spectrum, tol: float = TOL) -> tuple[float, Rule, float]:
    """TV = (2/π)∫₀^θ_T Re[1 − R(½ tan θ)] dθ + (2/π)·atan(1/(2T)).

    The substitution t = ½ tan θ makes the weight 1/(¼ + t²) uniform. Returns
    (tv, rule in t, constant tail) so that tv = Σ w·Re[1 − R(t)] + tail.
    """
    if spec.u.size == 0:
        return 0.0, Rule(np.empty(0), np.empty(0)), 0.0
    if spec.u.size == 1:  # |R| decays only like t^(-1/2): use the closed form instead
        tv = tv_one_dimension(float(spec.u[0]))
        return tv, Rule(np.empty(0), np.empty(0)), tv
    T = spec.truncation(tol, lambda t: 1.0 / (math.pi * t))
    theta_T = math.atan(2 * T)
    integrand = lambda theta: spec.one_minus_re_r(0.5 * np.tan(theta))
    value, rule = adaptive_gauss_kronrod(integrand, 0.0, theta_T, tol * math.pi / 2)
    tail = (2 / math.pi) * math.atan(1 / (2 * T))
    return (2 / math.pi) * value + tail, Rule(0.5 * np.tan(rule.nodes), rule.weights * 2 / math.pi), tail


def tv_one_dimension(u: float) -> float:
    """TV between N(0, 1) and N(0, λ = e^{2u}): the densities cross at ±x*, x*² = λ log λ/(λ − 1),
    so TV = |erf(x*/√2) − erf(x*/√(2λ))|."""
    lam = math.exp(2 * u)
    x = math.sqrt(2 * u * lam / math.expm1(2 * u))
    return abs(math.erf(x / math.sqrt(2)) - math.erf(x / math.sqrt(2 * lam)))


def js_weight(t):
    """1 / ((¼ + t²) cosh πt), the JS kernel on the line Re z = ½."""
    return 1.0 / ((0.25 + t * t) * np.cosh(np.pi * t))


def js_rule(spec: Spectrum, tol: float = TOL) -> tuple[float, Rule, float]:
    """JS (nats) = ½∫₀^T w·Re[1 − R] dt + ½∫_T^∞ w dt, with ∫₀^∞ w = 2 log 2.

    Returns (js_nats, rule in t, constant tail) so that js = Σ w·Re[1 − R(t)] + tail.
    """
    if spec.u.size == 0:
        return 0.0, Rule(np.empty(0), np.empty(0)), 0.0
    T = min(JS_T_MAX, spec.truncation(tol, lambda t: 2 * math.exp(-math.pi * t) / (math.pi * (0.25 + t * t))))
    value, rule = adaptive_gauss_kronrod(lambda t: js_weight(t) * spec.one_minus_re_r(t), 0.0, T, 2 * tol)
    tail = 0.0
    if T < JS_T_MAX:  # the weight's own mass beyond T, where R has vanished
        mass, _ = adaptive_gauss_kronrod(js_weight, 0.0, T, tol)
        tail = max(0.0, math.log(2) - 0.5 * mass)
    weights = 0.5 * rule.weights * js_weight(rule.nodes)
    return 0.5 * value + tail, Rule(rule.nodes, weights), tail


def total_variation(spec: Spectrum, tol: float = TOL) -> float:
    """Exact total variation distance between p and q, in [0, 1]."""
    return float(np.clip(tv_rule(spec, tol)[0], 0.0, 1.0))


def js_divergence_bits(spec: Spectrum, tol: float = TOL) -> float:
    """Exact Jensen–Shannon divergence in bits, in [0, 1]."""
    return float(np.clip(js_rule(spec, tol)[0] / math.log(2), 0.0, 1.0))
