"""Exact TV and JS between two Gaussians, from their generalized eigenvalues (and mean shifts).

Whitening by Σ₁ and rotating to the eigenbasis of Σ₁^{-1/2} Σ₂ Σ₁^{-1/2} turns the pair into
p = N(0, I) and q = N(m, diag λ) (m = 0 for the prior predictives; the posterior predictives of
:mod:`.posterior` have means). With uᵢ = ½ log λᵢ, τᵢ = tanh uᵢ, and the mean terms
cᵢ = mᵢ² e^{−uᵢ} / cosh uᵢ, the function

    R(t) = ∫ p^{½+it} q^{½−it} dx
         = Πᵢ e^{i t uᵢ} / sqrt(cosh uᵢ · (1 + 2 i t τᵢ)) · exp(−½ (¼ + t²) cᵢ / (1 + 2 i t τᵢ))

(the moment generating function of the log-likelihood ratio l = log p − log q under q, on the
line Re z = ½) gives every quantity we need by a one-dimensional integral (Mellin–Parseval
with the contour through z = ½; derivation in docs/method.md):

    TV       = (1/π) ∫₀^∞ Re[1 − R(t)] / (¼ + t²) dt
    JS (nat) = (1/2) ∫₀^∞ Re[1 − R(t)] / ((¼ + t²) cosh πt) dt
    BC       = R(0) = Πᵢ (cosh uᵢ)^{-1/2}            (Bhattacharyya coefficient)

Re[1 − R] = −expm1(A) + 2 e^A sin²(Φ/2) with A = log|R|, Φ = arg R is computed without
cancellation (and log cosh u without it for small u), so a TV of 1e-12 keeps its relative
accuracy. Both integrals are done in x with t = ½ sinh x, dt/(¼ + t²) = 2 dx / cosh x:

    TV       = (2/π) ∫₀^∞ Re[1 − R(½ sinh x)] / cosh x dx
    JS (nat) =       ∫₀^∞ Re[1 − R(½ sinh x)] / (cosh x · cosh(½π sinh x)) dx

(the mean factor is the Gaussian ∫ N(0,1)^α N(m,λ)^{1−α} = … exp(−½ α(1−α) m²/(αλ + 1 − α)) at
α = ½ + it, where α(1 − α) = ¼ + t² and αλ + 1 − α = e^u cosh u (1 + 2itτ)). Each factor's
modulus falls monotonically in t, so |R| does.

x is logarithmic in t for t > 1, so the rule resolves R at every scale: for near-identical
distributions (all |uᵢ| ≪ 1, s² = Σ tanh² uᵢ) |R(t)| ≈ e^{−s²t²} changes at t ~ 1/s, a bump of
width O(1) in x at x ≈ log(1/s) where a uniform grid in t (or in atan 2t) puts no node. Both are
integrated to a relative tolerance. With one informative eigenvalue |R| decays only like
t^{-1/2} and TV has a closed form, which is used instead; |R(t)| falls monotonically in t,
which gives a rigorous truncation point for TV. Eigenvalues that equal 1 in double precision
(|uᵢ| ≤ ε) contribute nothing and are dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .quadrature import Rule, adaptive_gauss_kronrod

#: |½ log λ| at or below this means λ within two units in the last place of 1: no information.
INFORMATIVE = np.finfo(float).eps
#: Relative tolerance of the quadratures (measured errors are far smaller: docs/method.md).
RTOL = 1e-9
#: The relative error met against 30-digit references from TV = 1e-12 up to 0.99 (what
#: tests/core/test_exact.py asserts and docs/method.md quotes).
MEASURED_RTOL = 1e-10
#: What the TV quadrature asks of its Gauss–Kronrod error estimate, as a fraction of its tolerance:
#: the 7- and 15-point sums can agree by chance on an interval where R's oscillation (phase ≈ t·Σuᵢ,
#: fast in x) is not yet resolved, and with 2–4 informative eigenvalues TV was off by up to 4e-8 at
#: RTOL. With this margin it meets RTOL against Imhof's inversion (tests/core/test_exact.py); the
#: truncation point stays the rigorous one for RTOL.
TV_ESTIMATE_MARGIN = 1e-2
#: The JS weight's mass beyond t = 20 is below 1e-29: integrate to x = asinh(40).
JS_T_MAX = 20.0
#: Bound on the number of R evaluations held in memory at once.
_BLOCK = 2**22


def namespace(x):
    """The array backend of ``x``: torch for a torch tensor, else numpy. The closed forms of the
    spectrum call only functions both spell alike (exp, expm1, log1p, tanh, where, ...), so one
    implementation gives the numpy core's values and, on tensors, torch's autograd."""
    if type(x).__module__.split(".")[0] == "torch":
        import torch
        return torch
    return np


def like(values: np.ndarray, x):
    """Constant ``values`` (numpy) as an array of x's backend, dtype and device."""
    if namespace(x) is np:
        return values
    import torch
    return torch.as_tensor(values, dtype=x.dtype, device=x.device)


def log_cosh(u):
    """log cosh u without overflow, and to full relative accuracy for small u (≈ u²/2)."""
    xp = namespace(u)
    a = abs(u)
    small = a < 1
    return xp.where(small, -0.5 * xp.log1p(-xp.tanh(xp.where(small, a, 0)) ** 2),
                    a + xp.log1p(xp.exp(-2 * a)) - math.log(2))


def mean_terms(u, m2):
    """cᵢ = mᵢ² e^{−uᵢ} / cosh uᵢ = 2 mᵢ² / (1 + λᵢ)."""
    return 2 * m2 / (1 + namespace(u).exp(2 * u))


def log_bc(u, m2=0.0):
    """log of the Bhattacharyya coefficient, −Σ (½ log cosh uᵢ + ⅛ cᵢ) (≤ 0), for arrays u, m² of
    either backend (m² = 0: zero-mean pairs)."""
    return -0.5 * log_cosh(u).sum() - 0.125 * mean_terms(u, m2).sum()


def one_minus_re_r_block(ts, u, m2=None):
    """Re[1 − R(t)] for a column of nodes ts (k × 1) and arrays u, m² of either backend (m² None:
    zero-mean pairs), without cancellation (module docstring)."""
    xp = namespace(u)
    tau = xp.tanh(u)
    two_t_tau = 2 * ts * tau
    log_mod = -0.5 * log_cosh(u).sum() - 0.25 * xp.log1p(two_t_tau**2).sum(axis=1)
    phase = (ts[:, 0] * u.sum()) - 0.5 * xp.arctan(two_t_tau).sum(axis=1)
    if m2 is not None:  # −½(¼ + t²) cᵢ (1 − 2itτᵢ) / (1 + 4t²τᵢ²)
        weight = (0.25 + ts * ts) * mean_terms(u, m2) / (1 + two_t_tau**2)
        log_mod = log_mod - 0.5 * weight.sum(axis=1)
        phase = phase + (weight * ts * tau).sum(axis=1)
    return -xp.expm1(log_mod) + 2 * xp.exp(log_mod) * xp.sin(phase / 2) ** 2


@dataclass(frozen=True)
class Spectrum:
    """Half-log generalized eigenvalues uᵢ = ½ log λᵢ of (Σ₂, Σ₁), and the squared mean shifts
    mᵢ² in the same whitened eigenbasis (zeros for zero-mean pairs); only informative coordinates."""

    u: np.ndarray
    m2: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.m2 is None:
            object.__setattr__(self, "m2", np.zeros_like(self.u))

    @classmethod
    def from_eigenvalues(cls, lam: np.ndarray, m2: np.ndarray | None = None) -> "Spectrum":
        lam = np.asarray(lam, dtype=np.float64)
        if lam.size and not (lam > 0).all():
            raise ValueError("generalized eigenvalues must be positive (are both covariances positive definite?)")
        u = 0.5 * np.log(lam)
        m2 = np.zeros_like(u) if m2 is None else np.asarray(m2, dtype=np.float64)
        keep = (np.abs(u) > INFORMATIVE) | (m2 > 0)
        return cls(u[keep], m2[keep])

    @property
    def has_means(self) -> bool:
        return bool(self.m2.any())

    @property
    def mean_terms(self) -> np.ndarray:
        """cᵢ = mᵢ² e^{−uᵢ} / cosh uᵢ = 2 mᵢ² / (1 + λᵢ)."""
        return mean_terms(self.u, self.m2)

    @property
    def log_bc(self) -> float:
        """log of the Bhattacharyya coefficient, −Σ (½ log cosh uᵢ + ⅛ cᵢ) (≤ 0)."""
        return float(log_bc(self.u, self.m2))

    def log_abs_r(self, t: float) -> float:
        """log |R(t)|, decreasing in |t|."""
        tau2 = (2 * t * np.tanh(self.u)) ** 2
        return float(-0.5 * log_cosh(self.u).sum() - 0.25 * np.log1p(tau2).sum()
                     - 0.5 * (0.25 + t * t) * (self.mean_terms / (1 + tau2)).sum())

    def one_minus_re_r(self, t: np.ndarray) -> np.ndarray:
        """Re[1 − R(t)] for a vector of t ≥ 0, evaluated in blocks of nodes."""
        t = np.asarray(t, dtype=np.float64)
        out = np.empty_like(t)
        m2 = self.m2 if self.has_means else None
        step = max(1, _BLOCK // max(1, self.u.size))
        for s in range(0, t.size, step):
            out[s:s + step] = one_minus_re_r_block(t[s:s + step, None], self.u, m2)
        return out

    def tv_truncation(self, rtol: float) -> float:
        """Smallest T = 2^j ≥ 1 beyond which replacing Re[1 − R] by 1 changes TV by at most
        |R(T)|·(2/π)·atan(1/2T) ≤ |R(T)|/(πT) ≤ rtol·(1 − BC), and 1 − BC = H² ≤ TV."""
        log_tol = math.log(rtol) + math.log(-math.expm1(self.log_bc))
        T = 1.0
        while self.log_abs_r(T) - math.log(math.pi * T) > log_tol:
            T *= 2
        return T


def _in_x(f):
    """f(t) as a function of x, t = ½ sinh x."""
    return lambda x: f(0.5 * np.sinh(x))


def tv_rule(spec: Spectrum, rtol: float = RTOL) -> tuple[float, Rule, float]:
    """TV = (2/π)∫₀^{asinh 2T} Re[1 − R(½ sinh x)] / cosh x dx + (2/π)·atan(1/(2T)).

    Returns (tv, rule in t, constant tail) so that tv = Σ w·Re[1 − R(t)] + tail.
    """
    if spec.u.size == 0:
        return 0.0, Rule(np.empty(0), np.empty(0)), 0.0
    if spec.u.size == 1 and not spec.has_means:  # |R| decays only like t^(-1/2): the closed form
        tv = tv_one_dimension(float(spec.u[0]))
        return tv, Rule(np.empty(0), np.empty(0)), tv
    T = spec.tv_truncation(rtol)
    tail = (2 / math.pi) * math.atan(1 / (2 * T))
    value, rule = adaptive_gauss_kronrod(_in_x(lambda t: spec.one_minus_re_r(t) / np.sqrt(1 + 4 * t * t)),
                                         0.0, math.asinh(2 * T), rtol * TV_ESTIMATE_MARGIN)
    t = 0.5 * np.sinh(rule.nodes)
    return (2 / math.pi) * value + tail, Rule(t, rule.weights * (2 / math.pi) / np.sqrt(1 + 4 * t * t)), tail


#: 16-point Gauss–Legendre rule on [−1, 1], for erf differences over short intervals.
GAUSS_LEGENDRE = np.polynomial.legendre.leggauss(16)


def tv_one_dimension(u):
    """TV between N(0, 1) and N(0, λ = e^{2u}), u ≠ 0: the densities cross at ±x*,
    x*² = λ log λ/(λ − 1), so TV = |erf(y₁) − erf(y₂)| with y₁² = x*²/2 = u/(1 − e^{−2u}) and
    y₂ = x*/√(2λ) = y₁ e^{−u}. For |u| < 1 that difference would cancel (relative error ε/|u|),
    so it is (2/√π) ∫ e^{−y²} dy over [y₂, y₁] instead: an interval inside [0.39, 1.08], where
    16 Gauss–Legendre nodes are exact to rounding. u a float, or a 0-d tensor (differentiable)."""
    fn = math if namespace(u) is np else namespace(u)  # math: numpy has no erf
    y1 = fn.sqrt(u / -fn.expm1(-2 * u))
    y2 = y1 * fn.exp(-u)
    if abs(float(u)) >= 1:
        return abs(fn.erf(y1) - fn.erf(y2))
    half = 0.5 * y1 * -fn.expm1(-u)  # (y₁ − y₂)/2 without cancellation
    nodes, weights = (like(v, u) for v in GAUSS_LEGENDRE)
    y = 0.5 * (y1 + y2) + half * nodes
    return abs(half * (weights @ namespace(u).exp(-y * y))) * 2 / math.sqrt(math.pi)


def js_weight(t):
    """1 / (√(1 + 4t²) · cosh πt): the JS kernel ½/((¼ + t²) cosh πt) times dt/dx, t = ½ sinh x."""
    return 1.0 / (np.sqrt(1 + 4 * t * t) * np.cosh(np.pi * t))


def js_rule(spec: Spectrum, rtol: float = RTOL) -> tuple[float, Rule, float]:
    """JS (nats) = ∫₀^{asinh 2T} Re[1 − R(½ sinh x)] / (cosh x · cosh(½π sinh x)) dx, T = JS_T_MAX.

    Returns (js_nats, rule in t, 0) so that js = Σ w·Re[1 − R(t)] (the TV interface).
    """
    if spec.u.size == 0:
        return 0.0, Rule(np.empty(0), np.empty(0)), 0.0
    value, rule = adaptive_gauss_kronrod(_in_x(lambda t: js_weight(t) * spec.one_minus_re_r(t)),
                                         0.0, math.asinh(2 * JS_T_MAX), rtol)
    t = 0.5 * np.sinh(rule.nodes)
    return value, Rule(t, rule.weights * js_weight(t)), 0.0


def total_variation(spec: Spectrum, rtol: float = RTOL) -> float:
    """Exact total variation distance between p and q, in [0, 1]."""
    return float(np.clip(tv_rule(spec, rtol)[0], 0.0, 1.0))


def js_divergence_bits(spec: Spectrum, rtol: float = RTOL) -> float:
    """Exact Jensen–Shannon divergence in bits, in [0, 1]."""
    return float(np.clip(js_rule(spec, rtol)[0] / math.log(2), 0.0, 1.0))
