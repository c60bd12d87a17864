"""Repetitions → an estimate of the noiseless signal and simulated recordings of it (for the ceiling).

Model: trial t of stimulus i is xᵢ⁽ᵗ⁾ = xᵢ + εᵢ⁽ᵗ⁾, with zero-mean noise of covariance Σᵢ (it may
differ between stimuli, as Poisson-like spike counts do) independent across trials and stimuli.
The recording's mean is x̄ᵢ = xᵢ + ε̄ᵢ, ε̄ᵢ of covariance Σᵢ/Rᵢ.

Noise draws. The residuals rᵢ⁽ᵗ⁾ = (xᵢ⁽ᵗ⁾ − x̄ᵢ)·√(Rᵢ/(Rᵢ − 1)) each have covariance exactly Σᵢ
(cov(ε⁽ᵗ⁾ − ε̄) = Σᵢ(1 − 1/Rᵢ)); for Gaussian noise each is an exact draw from N(0, Σᵢ),
independent of x̄ᵢ. So ±rᵢ⁽ᵗ⁾/√Rᵢ, with a random sign and a random one of the stimulus's own
residuals, is a draw of the *mean* noise ε̄ᵢ with the right covariance Σᵢ/Rᵢ: the stimulus's own
noise scale and the neurons' noise correlations are kept, and it works from R = 2. (A "wild"
draw (1/Rᵢ) Σₜ zₜ rᵢ⁽ᵗ⁾, z ~ N(0, 1), has the same covariance, but its length fluctuates with
only Rᵢ − 1 degrees of freedom, which adds a spurious per-stimulus ridge to the mean kernel and
lowers the ceiling where that ridge matters, d ≫ n.) Trials, for the cross-validated kernel, are
drawn as ±rᵢ⁽ᵗ⁾ in a random order of the stimulus's residuals.

Signal estimate. x̄ is not the signal: it carries ε̄, and a ceiling computed around it is biased,
in either direction (the `plug-in` column of benchmarks/bench_ceiling.py). :func:`signal_estimate`
shrinks the singular values of the noise-whitened means with the Frobenius-optimal shrinker of
Gavish & Donoho (2017) for a low-rank signal in white noise: whiten so that every entry's noise has variance 1
(y = diag(√Rᵢ) x̄ diag(1/σⱼ), σⱼ² the pooled trial noise variance of neuron j), write
y = Σ sₖ uₖ vₖᵀ, and with N = max(n, d), β = min(n, d)/N, s̃ = s/√N replace

    s̃ → √((s̃² − β − 1)² − 4β) / s̃   if s̃ > 1 + √β,   else 0,

then undo the whitening. It removes the noise bulk (singular values up to (1 + √β)√N, the
Marchenko–Pastur edge) and corrects the kept ones for the noise they carry, in whichever of
stimulus or neuron space is smaller.
"""

from __future__ import annotations

import numpy as np

from .responses import Responses


def residuals(responses: Responses) -> np.ndarray:
    """rᵢ⁽ᵗ⁾ = (xᵢ⁽ᵗ⁾ − x̄ᵢ)·√(Rᵢ/(Rᵢ − 1)), (R, n, d) float64, zero where a repetition is absent.

    Each present residual has covariance Σᵢ, the trial noise covariance of stimulus i. Needs two
    repetitions of every stimulus (the caller checks).
    """
    counts = responses.repetitions.astype(np.float64)
    deviations = (responses.trials - responses.means) * responses.present[..., None]
    return deviations * np.sqrt(counts / (counts - 1))[:, None]


def noise_sd(responses: Responses) -> np.ndarray:
    """σⱼ (d,): each neuron's trial noise SD, pooled over stimuli from the residuals."""
    return np.sqrt((residuals(responses) ** 2).sum(axis=(0, 1)) / responses.repetitions.sum())


def signal_estimate(means: np.ndarray, counts: np.ndarray, neuron_sd: np.ndarray) -> np.ndarray:
    """The noiseless signal (n × d) estimated from means of ``counts`` trials with noise SDs ``neuron_sd``.

    Optimal singular-value shrinkage of the whitened means (see the module docstring). Neurons
    without noise keep their means (their SD is floored at 1e-12 of the largest); without any
    noise the means are returned unchanged.
    """
    if not neuron_sd.max() > 0:
        return means
    neuron_sd = np.maximum(neuron_sd, 1e-12 * neuron_sd.max())
    row_scale = np.sqrt(counts.astype(np.float64))[:, None]
    white = means * row_scale / neuron_sd                              # unit noise variance per entry
    U, s, Vt = np.linalg.svd(white, full_matrices=False)
    n, d = white.shape
    big, beta = max(n, d), min(n, d) / max(n, d)
    x = s / np.sqrt(big)
    kept = x > 1 + np.sqrt(beta)
    shrunk = np.zeros_like(s)
    shrunk[kept] = np.sqrt((x[kept] ** 2 - beta - 1) ** 2 - 4 * beta) / x[kept] * np.sqrt(big)
    return (U * shrunk) @ Vt / row_scale * neuron_sd


def simulated_recording(responses: Responses, signal: np.ndarray, rng: np.random.Generator, *,
                        trials: bool = False) -> Responses:
    """``signal`` plus noise drawn from ``responses``' own residuals: a recording of a known signal.

    ``trials=False``: one row per stimulus, signal + ε̄*, with ε̄*ᵢ = ±rᵢ⁽ᵗ⁾/√Rᵢ (a random sign and
    repetition t): what the mean kernel sees. ``trials=True``: the stimulus's repetitions, trial t
    = signal + ±rᵢ⁽ᵖ⁽ᵗ⁾⁾ with p a random permutation of its repetitions and independent signs, for
    the cross-validated kernel.
    """
    r = residuals(responses)
    R, n, _ = r.shape
    counts = responses.repetitions
    keys = rng.random((R, n))
    keys[~responses.present] = np.inf                                  # absent repetitions sort last
    shuffled = r[np.argsort(keys, axis=0), np.arange(n)]               # each stimulus's residuals, random order
    noise = rng.choice([-1.0, 1.0], size=(R, n))[..., None] * shuffled
    name = f"{responses.name} (simulated)"
    if not trials:
        mean = signal + noise[0] / np.sqrt(counts)[:, None]
        return Responses(name, responses.stimulus_ids, mean[None], np.ones((1, n), dtype=bool),
                         responses.neuroid_ids, responses.dropped_neuroids)
    present = np.arange(R)[:, None] < counts[None, :]                  # stimulus i's first R_i rows
    return Responses(name, responses.stimulus_ids, (signal[None] + noise) * present[..., None], present,
                     responses.neuroid_ids, responses.dropped_neuroids)
