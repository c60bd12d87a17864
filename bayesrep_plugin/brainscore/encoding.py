"""The Bayesian encoding score: how probable each neuroid's responses are under the model's readout prior.

For neuroid j with mean responses y (n stimuli, centred over stimuli), the model's Bayesian
linear readout predicts y ~ N(0, τ² Σ + σⱼ² I), where Σ = (1 − a)·n·K/tr(K) + a·I is the model's
prior predictive (the same one the readout distances compare: b sets a = n·b/(1 + n·b); the
kernel is feature-centred by default, matching the centred responses), τ² the neuroid's signal
scale, fitted by maximum marginal likelihood, and σⱼ² the noise variance of the mean, estimated
here from the repetitions: σⱼ² = meanᵢ s²ᵢⱼ / rᵢ (s²ᵢⱼ the variance over the rᵢ repetitions of
stimulus i). The score of a neuroid is the log Bayes factor per stimulus against the isotropic
readout (Σ = I: every direction equally likely),

    (max ℓ_model − max ℓ_isotropic) / n   [nats per stimulus],

so 0 means the model's geometry helps no more than no geometry, higher is better. The likelihood
and its maximisation are the core's evidence engine (:func:`~bayesrep_plugin.core.evidence.log_bayes_factors`,
whose module docstring has the maths); this module reads the assemblies, aligns them, estimates the
noise and makes the Score. The metric's score is the mean over neuroids; ``error`` is its bootstrap
SD over neuroids; ``raw`` holds the per-neuroid values. Noise is taken as isotropic across stimuli
(exact for balanced repetitions; with unbalanced ones σⱼ² averages the per-stimulus noise of the means).
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from brainscore_core.metrics import Metric, Score

from bayesrep_plugin.assemblies.align import align
from bayesrep_plugin.core.resampling import check_n_bootstrap
from bayesrep_plugin.assemblies.responses import STIMULUS_KEY, AssemblyError, Responses, responses_from_assembly
from bayesrep_plugin.core.evidence import log_bayes_factors, readout_spectrum
from bayesrep_plugin.core.kernels import Centering, check_center
from bayesrep_plugin.core.prior import DEFAULT_B, Representation, check_b

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
    noise = _noise_of_means(neural)
    if not (noise > 0).all():
        raise AssemblyError(f"{neural.name}: {int((noise <= 0).sum())} neuroids have no variance over repetitions "
                            "(identical repetitions, to rounding); their likelihood is degenerate")
    return log_bayes_factors(readout_spectrum(model, center_features=False), neural.means, noise, b)


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
