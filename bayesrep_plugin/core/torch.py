"""Differentiable Bayesian readout distances in torch (CPU, or GPU when the tensors are there).

The same model as the numpy core — K = X Xᵀ, Σ = (1−a)·n·K/tr K + a·I — with gradients with
respect to the activations (the paper's stochastic gradient, for training a model toward a
target representation):

* ``method="exact"``: λ from a Cholesky whitening and ``eigvalsh`` (differentiable; only the
  eigenvalues are used, so repeated eigenvalues are harmless). The quadrature rule for TV/JS is
  chosen by the numpy core on the detached λ and then evaluated on the differentiable ones:
  the value equals the numpy value, and its gradient is that of the same rule.
* ``method="mc"``: the reference's reparameterised Monte Carlo estimator (x = L z, seeded), with
  gradients through L — an unbiased stochastic gradient; use it on stimulus minibatches for
  large n.
"""

from __future__ import annotations

import math

import torch

from . import exact
from .kernels import CENTERINGS
from .montecarlo import DEFAULT_SAMPLES
from .prior import DEFAULT_B, check_b, noise_fraction

MEASURES = ("tv", "js", "jsd", "kl")


def kernel(X: torch.Tensor, center: str = "none") -> torch.Tensor:
    """Linear kernel of activations (n, ...) with the core's centering options."""
    if center not in CENTERINGS:
        raise ValueError(f"center={center!r} is not one of {CENTERINGS}")
    if X.ndim < 2 or X.shape[0] < 2:
        raise ValueError(f"activations need shape (n_stimuli >= 2, features...); got {tuple(X.shape)}")
    X = X.reshape(X.shape[0], -1)
    if not torch.isfinite(X).all():
        raise ValueError("activations contain NaN or Inf")
    if center == "features":
        X = X - X.mean(dim=0, keepdim=True)
    elif center == "stimuli":
        X = X - X.mean(dim=1, keepdim=True)
    return X @ X.T


def prior_covariance(K: torch.Tensor, b: float = DEFAULT_B) -> torch.Tensor:
    """Σ = (1 − a)·n·K/tr K + a·I."""
    n = K.shape[0]
    trace = torch.trace(K)
    if not trace > 0:
        raise ValueError("tr K = 0: the activations are all zero")
    a = noise_fraction(n, check_b(b))
    return (1 - a) * n * K / trace + a * torch.eye(n, dtype=K.dtype, device=K.device)


def generalized_eigenvalues(S1: torch.Tensor, S2: torch.Tensor) -> torch.Tensor:
    """λ of Σ₂ v = λ Σ₁ v, by L₁⁻¹ Σ₂ L₁⁻ᵀ."""
    L1 = torch.linalg.cholesky(S1)
    A = torch.linalg.solve_triangular(L1, S2, upper=False)
    M = torch.linalg.solve_triangular(L1, A.T, upper=False)
    return torch.linalg.eigvalsh((M + M.T) / 2)


def _log_cosh(u: torch.Tensor) -> torch.Tensor:
    """log cosh u as :func:`exact.log_cosh`: no overflow, full relative accuracy for small u."""
    a = u.abs()
    small = a < 1
    return torch.where(small, -0.5 * torch.log1p(-torch.tanh(torch.where(small, a, 0 * a)) ** 2),
                       a + torch.log1p(torch.exp(-2 * a)) - math.log(2))


def _one_minus_re_r(t: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Re[1 − R(t)] as in :meth:`exact.Spectrum.one_minus_re_r`, differentiable in u."""
    two_t_tau = 2 * t[:, None] * torch.tanh(u)[None, :]
    log_mod = -0.5 * _log_cosh(u).sum() - 0.25 * torch.log1p(two_t_tau**2).sum(dim=1)
    phase = t * u.sum() - 0.5 * torch.atan(two_t_tau).sum(dim=1)
    return -torch.expm1(log_mod) + 2 * torch.exp(log_mod) * torch.sin(phase / 2) ** 2


def _tv_one_dimension(u: torch.Tensor) -> torch.Tensor:
    """:func:`exact.tv_one_dimension`, differentiable in u."""
    y1 = torch.sqrt(u / -torch.expm1(-2 * u))
    y2 = y1 * torch.exp(-u)
    if abs(u.item()) >= 1:
        return (torch.erf(y1) - torch.erf(y2)).abs()
    half = 0.5 * y1 * -torch.expm1(-u)
    nodes, weights = (torch.as_tensor(v, dtype=u.dtype, device=u.device) for v in exact.GAUSS_LEGENDRE)
    y = 0.5 * (y1 + y2) + half * nodes
    return (half * (weights * torch.exp(-y * y)).sum()).abs() * 2 / math.sqrt(math.pi)


def _exact(lam: torch.Tensor, measure: str) -> torch.Tensor:
    u_all = 0.5 * torch.log(lam)
    if measure == "kl":
        return 0.5 * (torch.expm1(-2 * u_all) + 2 * u_all).sum()
    informative = u_all.detach().abs() > exact.INFORMATIVE
    u = u_all[informative]
    spec = exact.Spectrum(u.detach().cpu().double().numpy())
    if u.numel() == 0:
        return u_all.sum() * 0
    if measure == "tv" and u.numel() == 1:
        return _tv_one_dimension(u[0])
    _, rule, tail = (exact.tv_rule if measure == "tv" else exact.js_rule)(spec)
    nodes = torch.as_tensor(rule.nodes, dtype=lam.dtype, device=lam.device)
    weights = torch.as_tensor(rule.weights, dtype=lam.dtype, device=lam.device)
    value = (weights * _one_minus_re_r(nodes, u)).sum() + tail
    if measure == "tv":
        return value.clamp(0, 1)
    jsd = (value / math.log(2)).clamp(0, 1)
    return jsd if measure == "jsd" else torch.sqrt(jsd)


def _monte_carlo(S1: torch.Tensor, S2: torch.Tensor, measure: str, n_samples: int, seed: int) -> torch.Tensor:
    L1, L2 = torch.linalg.cholesky(S1), torch.linalg.cholesky(S2)
    generator = torch.Generator(device=S1.device).manual_seed(seed)
    n = S1.shape[0]
    sides = []
    for L_from, L_to, sign in ((L1, L2, 1.0), (L2, L1, -1.0)):
        z = torch.randn(n, n_samples, generator=generator, dtype=S1.dtype, device=S1.device)
        w = torch.linalg.solve_triangular(L_to, L_from @ z, upper=False)
        logdet = torch.log(torch.diagonal(L_from)).sum() - torch.log(torch.diagonal(L_to)).sum()
        log_ratio = -0.5 * (z * z).sum(0) + 0.5 * (w * w).sum(0) - logdet  # log(from/to)
        if measure == "tv":
            sides.append(torch.relu(-torch.expm1(-log_ratio)).mean())
        else:
            sides.append((math.log(2) - torch.nn.functional.softplus(-log_ratio)).mean())
    value = 0.5 * (sides[0] + sides[1])
    if measure == "tv":
        return value
    jsd = value / math.log(2)
    return jsd if measure == "jsd" else torch.sqrt(jsd.clamp_min(0))


def distance(X1: torch.Tensor, X2: torch.Tensor, measure: str = "js", *, b: float = DEFAULT_B,
             center: str = "none", method: str = "exact", n_samples: int = DEFAULT_SAMPLES,
             seed: int = 0) -> torch.Tensor:
    """Differentiable ``measure`` ∈ {tv, js, jsd, kl} between activations X1, X2 (n, ...)."""
    if measure not in MEASURES:
        raise ValueError(f"unknown differentiable measure {measure!r}; known: {', '.join(MEASURES)}")
    if X1.shape[0] != X2.shape[0]:
        raise ValueError(f"different numbers of stimuli: {X1.shape[0]} and {X2.shape[0]}")
    S1 = prior_covariance(kernel(X1, center), b)
    S2 = prior_covariance(kernel(X2, center), b)
    if method == "exact":
        return _exact(generalized_eigenvalues(S1, S2), measure)
    if method == "mc":
        if measure == "kl":
            raise ValueError("kl has a closed form; use method='exact'")
        return _monte_carlo(S1, S2, measure, n_samples, seed)
    raise ValueError(f"method={method!r} is not one of ('exact', 'mc')")
