"""The torch backend of the readout measures: differentiable, on the CPU or a GPU.

The same model and the same functions as the numpy core, on tensors, with gradients with respect
to the activations (the paper's stochastic gradient, for training a model toward a target
representation). Which measures run here, and their options, are the registry's
(:data:`bayesrep_plugin.core.measures.MEASURES`, those with ``on_torch``); the centring
(:func:`~bayesrep_plugin.core.kernels.center_activations`), the prior's scale
(:func:`~bayesrep_plugin.core.prior.prior_scale`, with ``normalize`` and ``noise_weights``) and the
closed forms of the spectrum (each measure's ``from_spectrum``, the TV and JS integrands
:func:`~bayesrep_plugin.core.exact.one_minus_re_r_block` and the one-eigenvalue TV) are the numpy
core's functions, called on tensors. What is torch's own: the linear algebra on the device, and

* ``method="exact"``: λ from a Cholesky whitening and ``eigvalsh`` (differentiable; only the
  eigenvalues are used, so repeated eigenvalues are harmless). The quadrature rule for TV/JS is
  chosen by the numpy core on the detached λ and then evaluated on the differentiable ones:
  the value equals the numpy value, and its gradient is that of the same rule.
* ``method="mc"``: the reference's reparameterised Monte Carlo estimator (x = L z, seeded), with
  gradients through L — an unbiased stochastic gradient; use it on stimulus minibatches for
  large n.
* Bures, batched over pairs.

Computed on the device of the tensors or the one asked for (``device="cuda"``), in float64 by
default; ``dtype=torch.float32`` is faster on GPUs and loses accuracy in the eigenvalues
(``benchmarks/bench_torch.py`` prints the loss). :func:`pairwise` batches the Cholesky factors and
the pairs' eigenproblems (the torch device's executor of the pair plan,
:func:`bayesrep_plugin.core.plan.ordered_pairs`); :func:`measures_from_kernels` gives several
measures of one pair of kernels from one eigenproblem (the reports' ``--device``, a device that
:func:`usable_device` has checked).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch

from . import exact
from .exact import one_minus_re_r_block, tv_one_dimension
from .gaussian import unresolved
from .kernels import center_activations, check_center, refuse_labelled
from .measures import MEASURES, Measure
from .montecarlo import DEFAULT_SAMPLES
from .plan import ordered_pairs
from .prior import DEFAULT_B, DEFAULT_READOUT, Readout, noise_fraction, prior_scale, singular_prior

#: Bytes of the batched pair eigenproblems held at once by :func:`pairwise`.
BATCH_BYTES = 2**30
#: The torch device types the readout measures run on (others lack float64 linear algebra).
DEVICE_TYPES = ("cpu", "cuda")


def usable_device(device: str | torch.device) -> str:
    """A device the exact readout measures can run on, checked by placing a float64 tensor there.

    Parameters
    ----------
    device : str or torch.device
        ``"cuda"``, ``"cuda:1"``, ``"cpu"``.

    Returns
    -------
    str
        The device as torch names it (``"cuda"`` → ``"cuda:0"``).

    Raises
    ------
    ValueError
        Naming the device and why it cannot be used (no CUDA here, a device type without float64
        linear algebra, ...).
    """
    try:
        parsed = torch.device(device)
        if parsed.type not in DEVICE_TYPES:
            raise RuntimeError(f"the readout measures run in float64 on {' or '.join(DEVICE_TYPES)} devices")
        return str(torch.zeros(1, dtype=torch.float64, device=parsed).device)
    except (RuntimeError, AssertionError) as error:  # torch's errors for devices it lacks
        raise ValueError(f"device {device!r} cannot be used here: {str(error).splitlines()[0]}") from None


def kernel(X: torch.Tensor, center: str = "none") -> torch.Tensor:
    """Linear kernel of activations (n, ...) with the core's centering options."""
    check_center(center)
    if X.ndim < 2 or X.shape[0] < 2:
        raise ValueError(f"activations need shape (n_stimuli >= 2, features...); got {tuple(X.shape)}")
    X = X.reshape(X.shape[0], -1)
    if not torch.isfinite(X).all():
        raise ValueError("activations contain NaN or Inf")
    X = center_activations(X, center)
    return X @ X.T


def prior_covariance(K: torch.Tensor, readout: Readout = DEFAULT_READOUT) -> torch.Tensor:
    """Σ = c·K + a·diag(1/w) under the ``readout`` prior, as :class:`bayesrep_plugin.core.prior.Prior`
    (c from :func:`~bayesrep_plugin.core.prior.prior_scale`; w = 1 without noise weights)."""
    n = K.shape[0]
    trace = torch.trace(K)
    if not trace > 0:
        raise ValueError("tr K = 0: the activations are all zero")
    a = noise_fraction(n, readout.b)
    weights = readout.weights_for(n)
    noise = (torch.full((n,), a, dtype=K.dtype, device=K.device) if weights is None
             else a / torch.tensor(weights, dtype=K.dtype, device=K.device))
    return prior_scale(n, trace, readout.b, readout.normalize) * K + torch.diag(noise)


def generalized_eigenvalues(S1: torch.Tensor, S2: torch.Tensor) -> torch.Tensor:
    """λ of Σ₂ v = λ Σ₁ v, by L₁⁻¹ Σ₂ L₁⁻ᵀ."""
    L1 = torch.linalg.cholesky(S1)
    A = torch.linalg.solve_triangular(L1, S2, upper=False)
    M = torch.linalg.solve_triangular(L1, A.T, upper=False)
    return torch.linalg.eigvalsh((M + M.T) / 2)


def _exact(lam: torch.Tensor, measure: str) -> torch.Tensor:
    """The exact readout measure from λ (not bures, which needs the covariances)."""
    u_all = 0.5 * torch.log(lam)
    from_spectrum = MEASURES[measure].from_spectrum
    if from_spectrum is not None:  # the registry's closed form, the numpy core's function
        return from_spectrum(u_all)
    informative = u_all.detach().abs() > exact.INFORMATIVE
    u = u_all[informative]
    spec = exact.Spectrum(u.detach().cpu().double().numpy())
    if u.numel() == 0:
        return u_all.sum() * 0
    if measure == "tv" and u.numel() == 1:
        return tv_one_dimension(u[0])
    _, rule, tail = (exact.tv_rule if measure == "tv" else exact.js_rule)(spec)
    nodes = torch.as_tensor(rule.nodes, dtype=lam.dtype, device=lam.device)
    weights = torch.as_tensor(rule.weights, dtype=lam.dtype, device=lam.device)
    value = (weights * one_minus_re_r_block(nodes[:, None], u)).sum() + tail
    if measure == "tv":
        return value.clamp(0, 1)
    jsd = (value / math.log(2)).clamp(0, 1)
    return jsd if measure == "jsd" else torch.sqrt(jsd)


def _monte_carlo(S1: torch.Tensor, S2: torch.Tensor, measure: str, n_samples: int, seed: int) -> torch.Tensor:
    L1, L2 = torch.linalg.cholesky(S1), torch.linalg.cholesky(S2)
    generator = torch.Generator(device=S1.device)
    generator.manual_seed(seed) if seed is not None else generator.seed()
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


def _bures(S1: torch.Tensor, S2: torch.Tensor) -> torch.Tensor:
    """Bures–Wasserstein distance / sqrt(n), as :func:`bayesrep_plugin.core.gaussian.bures_distance`."""
    L1 = torch.linalg.cholesky(S1)
    cross = torch.linalg.eigvalsh(L1.mT @ S2 @ L1)
    traces = torch.diagonal(S1, dim1=-2, dim2=-1).sum(-1) + torch.diagonal(S2, dim1=-2, dim2=-1).sum(-1)
    w2 = traces - 2 * torch.sqrt(cross.clamp_min(torch.finfo(cross.dtype).tiny)).sum(-1)
    w2 = torch.where(w2 <= 64 * torch.finfo(w2.dtype).eps * traces, 0 * w2, w2)  # rounding level is zero, as in numpy
    return torch.sqrt(w2 / S1.shape[-1])


def _as_tensor(X, device, dtype) -> torch.Tensor:
    refuse_labelled(X)
    X = X if isinstance(X, torch.Tensor) else torch.from_numpy(np.array(X))  # a copy: the core's arrays are read-only
    return X.to(device=device if device is not None else X.device, dtype=dtype or X.dtype)


def _measure(name: str, options: dict | None = None) -> Measure:
    """The registry's measure ``name`` if it runs here, its ``options`` checked by the registry."""
    measure = MEASURES.get(name) if isinstance(name, str) else None
    if measure is None or not measure.on_torch:
        known = ", ".join(key for key, value in MEASURES.items() if value.on_torch)
        raise ValueError(f"unknown differentiable measure {name!r}; known: {known}")
    measure.check_options(options or {})
    return measure


def distance(X1, X2, measure: str = "js", *, b: float = DEFAULT_B, center: str = "none", method: str = "exact",
             n_samples: int = DEFAULT_SAMPLES, seed: int | None = 0, normalize: bool = True, noise_weights=None,
             device: str | torch.device | None = None, dtype: torch.dtype | None = torch.float64) -> torch.Tensor:
    """Differentiable ``measure`` (a registry measure with ``on_torch``) between activations X1, X2 (n, ...).

    Parameters
    ----------
    X1, X2 : torch.Tensor or array_like (n stimuli, ...)
        Rows in the same order. Gradients flow to tensors that require them.
    measure, b, center, method, n_samples, seed, normalize, noise_weights
        As in :func:`bayesrep_plugin.core.compare` (the options checked by the registry's measure).
    device : str or torch.device, optional
        Where to compute (e.g. "cuda"); default: where X1 is.
    dtype : torch.dtype, optional
        float64 (default) or float32; None keeps the inputs' dtype.

    Returns
    -------
    torch.Tensor
        A 0-d tensor on ``device``.
    """
    _measure(measure, {} if method == "exact" else {"method": method, "n_samples": n_samples, "seed": seed})
    readout = Readout(b, normalize, noise_weights)
    X1, X2 = _as_tensor(X1, device, dtype), _as_tensor(X2, device, dtype)
    if X1.shape[0] != X2.shape[0]:
        raise ValueError(f"different numbers of stimuli: {X1.shape[0]} and {X2.shape[0]}")
    S1, S2 = prior_covariance(kernel(X1, center), readout), prior_covariance(kernel(X2, center), readout)
    if method == "mc":
        return _monte_carlo(S1, S2, measure, n_samples, seed)
    if measure == "bures":
        return _bures(S1, S2)
    return _exact(generalized_eigenvalues(S1, S2), measure)


def measures_from_kernels(K1, K2, measures: Sequence[str], readout: Readout = DEFAULT_READOUT, *,
                          names: tuple[str, str] = ("K1", "K2"), device: str | torch.device | None = None,
                          dtype: torch.dtype = torch.float64) -> dict[str, float]:
    """Readout measures (exact) of one pair of linear kernels on ``device``, from one generalized
    eigenproblem: the values :func:`bayesrep_plugin.core.compare_measures` gives, to rounding.

    Parameters
    ----------
    K1, K2 : torch.Tensor or array_like (n, n)
        Kernels on the same stimuli, in the same order.
    measures : sequence of str
        Names of registry measures with ``on_torch``.
    readout : Readout
        The readout prior (b, normalize, noise weights), as the numpy core's
        :class:`~bayesrep_plugin.core.compare.Comparison` carries it.
    names : (str, str)
        The two representations' names, for error messages.
    device, dtype
        As in :func:`distance`.

    Returns
    -------
    dict of str to float
        Measure → value, in the order given.

    Raises
    ------
    ValueError
        For an unknown measure, a zero kernel, or b = 0 with a singular kernel.
    bayesrep_plugin.core.gaussian.UnresolvedError
        When b is below what the precision resolves (as in the numpy core).
    """
    for name in measures:
        _measure(name)
    K1, K2 = _as_tensor(K1, device, dtype), _as_tensor(K2, device, dtype)
    S1, S2 = prior_covariance(K1, readout), prior_covariance(K2, readout)
    if readout.b == 0:  # Σ = c·K: a singular kernel has no Cholesky factor
        for S, name in zip((S1, S2), names):
            if torch.linalg.cholesky_ex(S).info.item() != 0:
                raise singular_prior(name)
    try:
        if torch.equal(S1, S2):  # one distribution: every λ is exactly 1 (as gaussian.identical)
            lam = torch.ones(1, dtype=S1.dtype, device=S1.device)
        else:
            lam = generalized_eigenvalues(S1, S2) if set(measures) - {"bures"} else None
    except torch.linalg.LinAlgError:  # Σ₁ not positive definite in floating point
        lam = torch.tensor([-1.0])
    if lam is not None and not (torch.isfinite(lam) & (lam > 0)).all():
        raise unresolved(readout.b, *names, K1.shape[0], readout.noise_weights)
    return {name: float(_bures(S1, S2) if name == "bures" else _exact(lam, name)) for name in measures}


def pairwise(representations, measure: str = "js", *, b: float = DEFAULT_B, center: str = "none",
             normalize: bool = True, noise_weights=None, device: str | torch.device | None = None, dtype: torch.dtype | None = torch.float64) -> torch.Tensor:
    """The m × m matrix of ``measure`` (exact) between representations on the same n stimuli, with
    the Cholesky factors and the pairs' eigenproblems batched (as many pairs at once as fit in
    :data:`BATCH_BYTES`).

    Parameters
    ----------
    representations : sequence of torch.Tensor or array_like (n, ...)
    measure, b, center, normalize, noise_weights, device, dtype
        As in :func:`distance`.

    Returns
    -------
    torch.Tensor (m, m)
        Symmetric measures fill both triangles; an asymmetric one (kl) is measure(row ‖ column).
    """
    symmetric = _measure(measure).symmetric
    readout = Readout(b, normalize, noise_weights)
    tensors = [_as_tensor(X, device, dtype) for X in representations]
    if len({X.shape[0] for X in tensors}) > 1:
        raise ValueError(f"the representations have different numbers of stimuli: {[X.shape[0] for X in tensors]}")
    S = torch.stack([prior_covariance(kernel(X, center), readout) for X in tensors])
    m, n = S.shape[0], S.shape[-1]
    L = torch.linalg.cholesky(S)
    pairs = ordered_pairs(m, symmetric=symmetric)  # the pair plan, run batched on the device
    out = torch.zeros(m, m, dtype=S.dtype, device=S.device)
    step = max(1, BATCH_BYTES // (3 * n * n * S.element_size()))
    for start in range(0, len(pairs), step):
        chunk = pairs[start:start + step]
        first = torch.tensor([i for i, _ in chunk], device=S.device)
        second = torch.tensor([j for _, j in chunk], device=S.device)
        if measure == "bures":
            values = _bures(S[first], S[second])
        else:
            A = torch.linalg.solve_triangular(L[first], S[second], upper=False)
            M = torch.linalg.solve_triangular(L[first], A.mT, upper=False)
            lam = torch.linalg.eigvalsh((M + M.mT) / 2)
            values = torch.stack([_exact(row, measure) for row in lam])
        out[first, second] = values
        if symmetric:
            out[second, first] = values
    return out
