"""The Bayesian encoding score: how probable each neuroid's responses are under the model's readout prior.

For neuroid j with mean responses y (n stimuli, centred over stimuli), the model's Bayesian
linear readout predicts y ~ N(0, τ² Σ + σⱼ² I), where Σ = (1 − a)·n·K/tr(K) + a·I is the model's
prior predictive (the same one the readout distances compare: b sets a = n·b/(1 + n·b); the
kernel is feature-centred by default, matching the centred responses), τ² the neuroid's signal
scale, and σⱼ² the noise variance of the mean, estimated from the repetitions:
σⱼ² = meanᵢ s²ᵢⱼ / rᵢ (s²ᵢⱼ the variance over the rᵢ repetitions of stimulus i).

With Σ = U diag(μ) Uᵀ + a·(I − U Uᵀ) (U the r directions of the kernel) and z = Uᵀy,

    ℓ(τ²) = −½ [Σₖ log(τ²μₖ + σ²) + zₖ²/(τ²μₖ + σ²)
                + (n − r) log(τ²a + σ²) + |y − Uz|²/(τ²a + σ²) + n log 2π],

O(r) per evaluation after one decomposition of the model kernel. τ² is set by maximising ℓ
(type-II maximum likelihood, one scalar per neuroid). The score of a neuroid is the log Bayes
factor per stimulus against the isotropic readout (Σ = I: every direction equally likely),

    (max ℓ_model − max ℓ_isotropic) / n   [nats per stimulus],

so 0 means the model's geometry helps no more than no geometry, higher is better. The metric's
score is the mean over neuroids; ``error`` is its bootstrap SD over neuroids; ``raw`` holds the
per-neuroid values. Noise is taken as isotropic across stimuli (exact for balanced repetitions;
with unbalanced ones σⱼ² averages the per-stimulus noise of the means).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import xarray as xr
from brainscore_core.metrics import Metric, Score
from scipy.optimize import minimize_scalar

from bayesrep_plugin.assemblies.align import align
from bayesrep_plugin.assemblies.bootstrap import check_n_bootstrap
from bayesrep_plugin.assemblies.responses import STIMULUS_KEY, AssemblyError, Responses, responses_from_assembly
from bayesrep_plugin.core.kernels import Centering, check_center
from bayesrep_plugin.core.prior import DEFAULT_B, Representation, check_b

#: Grid of log τ² around the data's own scale, refined per neuroid after the grid search.
_GRID = np.linspace(-25.0, 10.0, 141)


def _prior_spectrum(rep: Representation, b: float) -> tuple[np.ndarray, np.ndarray]:
    """(U, μ): Σ = U diag(μ) Uᵀ + a·(I − U Uᵀ), from the kernel's nonzero eigenpairs.

    From the representation's cached basis when it has a low-rank factor (d < n), else from the
    kernel's eigendecomposition; eigenvalues below 1e-12 of the largest are zero.
    """
    if rep.factor is not None:
        U, s = rep.basis
        s2 = s**2
    else:
        s2, U = scipy.linalg.eigh(rep.kernel, driver="evr")
    keep = s2 > 1e-12 * s2.max()
    prior = rep.prior(b)
    return U[:, keep], prior.scale * s2[keep] + prior.noise


#: A noise variance below this fraction of a neuroid's mean squared response is the rounding of the
#: mean of identical repetitions (≈ ε² of it), not noise: identical float and integer data agree.
ROUNDING_NOISE = (64 * np.finfo(float).eps) ** 2


def _noise_of_means(responses: Responses) -> np.ndarray:
    """σⱼ² = meanᵢ s²ᵢⱼ / rᵢ per neuroid, from the repetitions; 0 where that is rounding
    (:data:`ROUNDING_NOISE`)."""
    responses.require_repetitions(2, "the encoding score's noise estimate")
    r = responses.repetitions.astype(np.float64)
    trials = responses.trials.astype(np.float64)
    means = responses.means
    deviations = (trials - means[None]) * responses.present[..., None]
    variance = (deviations**2).sum(axis=0) / (r - 1)[:, None]
    noise = (variance / r[:, None]).mean(axis=0)
    return np.where(noise <= ROUNDING_NOISE * (means**2).mean(axis=0), 0.0, noise)


def _log_ml(log_tau2: np.ndarray, mu: np.ndarray, a: float, z2: np.ndarray, rest: np.ndarray,
            noise: np.ndarray, n: int) -> np.ndarray:
    """ℓ at log τ² (grid, p) for neuroids (p,): z2 (r, p); rest, noise (p,)."""
    tau2 = np.exp(log_tau2)
    v = tau2[..., None, :] * mu[:, None] + noise
    v_rest = tau2 * a + noise
    return -0.5 * (np.log(v).sum(-2) + (z2 / v).sum(-2) + (n - mu.size) * np.log(v_rest) + rest / v_rest
                   + n * np.log(2 * np.pi))


def encoding_log_bayes_factors(model: Representation, neural: Responses, b: float) -> np.ndarray:
    """Per-neuroid log Bayes factor per stimulus of the model's readout prior against an isotropic one.

    For neuroid j with mean responses y (centred over stimuli), y ~ N(0, τ²Σ + σⱼ²I) with Σ the
    model's prior predictive at ``b`` and σⱼ² the noise variance of the mean; τ² maximises the
    marginal likelihood ℓ. The value is (max ℓ_model − max ℓ_isotropic) / n.

    Parameters
    ----------
    model : Representation
        The model, on the same stimuli as ``neural``, in the same order.
    neural : Responses
        With at least two repetitions of every stimulus.
    b : float
        The readout's noise-to-signal ratio.

    Returns
    -------
    numpy.ndarray, shape (d,)
        Nats per stimulus, one per neuroid; 0 when the model's geometry helps no more than none.

    Raises
    ------
    AssemblyError
        For a neuroid with no variance over repetitions (identical repetitions, to rounding).
    """
    n = neural.n
    U, mu = _prior_spectrum(model, b)
    a = model.prior(b).noise
    Y = neural.means - neural.means.mean(axis=0)
    noise = _noise_of_means(neural)
    if not (noise > 0).all():
        raise AssemblyError(f"{neural.name}: {int((noise <= 0).sum())} neuroids have no variance over repetitions "
                         "(identical repetitions, to rounding); their likelihood is degenerate")
    z2 = (U.T @ Y) ** 2
    total = (Y**2).sum(axis=0)
    rest = np.clip(total - z2.sum(axis=0), 0, None)
    args = (mu, a, z2, rest, noise, n)
    scale = np.log(total / n + noise)
    grid = _log_ml(scale + _GRID[:, None], *args)   # (grid, p)
    best = grid.argmax(axis=0)
    step = _GRID[1] - _GRID[0]
    fitted = np.empty(Y.shape[1])
    for j in range(Y.shape[1]):
        one = (mu, a, z2[:, [j]], rest[[j]], noise[[j]], n)
        center = scale[j] + _GRID[best[j]]
        result = minimize_scalar(lambda t: -_log_ml(np.array([t]), *one)[0],
                                 bounds=(center - step, center + step), method="bounded")
        fitted[j] = max(-result.fun, grid[best[j], j])
    # isotropic: Y ⟂ 1 lies in the (n − 1)-dim range of H, where the variance v = τ² + σ² is free
    v = np.maximum(noise, total / (n - 1))
    isotropic = -0.5 * ((n - 1) * np.log(v) + total / v + np.log(noise) + n * np.log(2 * np.pi))
    return (fitted - isotropic) / n


class BayesianEncoding(Metric):
    """Bayesian encoding score of a model assembly (assembly1) for neural data with repetitions (assembly2).

    ``n_bootstrap`` resamples of neuroids (seeded) give ``error``; ``raw`` holds the per-neuroid
    log Bayes factors per stimulus over dim ``neuroid``. The model side is averaged over any
    repetitions; the neural side needs two repetitions of every stimulus for its noise estimate.
    The score is the mean over neuroids of :func:`encoding_log_bayes_factors`.

    Parameters
    ----------
    b : float
        The readout's noise-to-signal ratio (≥ 0; default 0.01).
    center : {"none", "features", "stimuli"}
        Of the model's kernel (default "features", matching the centred responses).
    n_bootstrap : int
        Resamples of neuroids (≥ 2).
    seed : int
    stimulus_key : str
    min_overlap : float
        Least shared fraction of the smaller assembly's stimuli.
    """

    #: Set by the registry's factory: the id and version it was loaded as.
    registered: dict = {}

    def __init__(self, *, b: float = DEFAULT_B, center: Centering = "features", n_bootstrap: int = 100,
                 seed: int = 0, stimulus_key: str = STIMULUS_KEY, min_overlap: float = 0.5):
        check_n_bootstrap(n_bootstrap)
        check_center(center)
        self.b, self.center, self.n_bootstrap, self.seed = check_b(b), center, n_bootstrap, seed
        self.stimulus_key, self.min_overlap = stimulus_key, min_overlap

    def __call__(self, assembly1: xr.DataArray, assembly2: xr.DataArray) -> Score:
        """Score a model assembly against neural data with repetitions.

        Parameters
        ----------
        assembly1 : xarray.DataArray
            The model (presentation × neuroid).
        assembly2 : xarray.DataArray
            The neural data, with a ``repetition`` coordinate.

        Returns
        -------
        Score
            Mean log Bayes factor per stimulus (nats), with ``error`` and per-neuroid ``raw``.
        """
        model = responses_from_assembly(assembly1, stimulus_key=self.stimulus_key, name="assembly1")
        neural = responses_from_assembly(assembly2, stimulus_key=self.stimulus_key, name="assembly2")
        aligned = align(model, neural, min_overlap=self.min_overlap)
        rep = Representation.from_activations(aligned.first.means, center=self.center, name="assembly1")
        values = encoding_log_bayes_factors(rep, aligned.second, self.b)
        rng = np.random.default_rng(self.seed)
        draws = rng.integers(0, values.size, size=(self.n_bootstrap, values.size))
        score = Score(float(values.mean()))
        score.attrs.update(
            error=float(values[draws].mean(axis=1).std(ddof=1)), error_over=["neuroid"],
            n_bootstrap=self.n_bootstrap, units="nats per stimulus", b=self.b, center=self.center, seed=self.seed,
            stimulus_key=self.stimulus_key, **aligned.report(), **self.registered)
        score.attrs[Score.RAW_VALUES_KEY] = Score(
            values, coords={"neuroid_id": ("neuroid", aligned.second.neuroid_ids)}, dims=["neuroid"])
        return score
