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
whitens the means so that every entry's noise has variance ≈ 1, y = diag(√Rᵢ) x̄ diag(1/σⱼ)
(σⱼ² the pooled trial noise variance of neuron j), writes y = Σ sₖ uₖ vₖᵀ, and with
N = max(n, d), β = min(n, d)/N, s̃ = s/√N treats the two sides of the noise bulk's edge
1 + √β (Marchenko–Pastur) differently:

* above it, sₖ belongs to a signal direction whose singular value is (Benaych-Georges &
  Nadakuditi 2012; Gavish & Donoho 2017, the operator-norm shrinker)

      θₖ = √N · √((s̃² − β − 1 + √((s̃² − β − 1)² − 4β)) / 2),

  kept along uₖ vₖᵀ with that amplitude;
* below it, directions cannot be told from noise, but their total energy can:
  E‖y‖² = ‖signal‖² + Σᵢⱼ Sᵢⱼ/σⱼ² (Sᵢⱼ the sample variance), so the weak energy
  W = ‖y‖² − Σᵢⱼ Sᵢⱼ/σⱼ² − Σₖ θₖ² (when positive) is given to the means' remainder outside the
  kept directions, rescaled to energy W.

Why the weak energy matters: the prior normalises by tr K, so every signal direction's share
depends on how much signal lies elsewhere; dropping the weak directions (as the Frobenius-optimal
shrinker does) made the ceiling too high for signals with a long tail of weak directions
(power-law spectra, Poisson counts), while keeping them at their noisy amplitude is the plug-in.
Then the whitening is undone.
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


def signal_estimate(responses: Responses) -> np.ndarray:
    """The noiseless signal (n × d) estimated from the means and residuals (see the module docstring).

    Neurons without noise keep their means (their SD is floored at 1e-12 of the largest); without
    any noise the means are returned unchanged.
    """
    means, counts = responses.means, responses.repetitions.astype(np.float64)
    sample_variance = (residuals(responses) ** 2).sum(axis=0) / counts[:, None]    # Sᵢⱼ (ddof 1)
    neuron_sd = np.sqrt(sample_variance.T @ counts / counts.sum())                 # σⱼ, pooled over trials
    if not neuron_sd.max() > 0:
        return means
    neuron_sd = np.maximum(neuron_sd, 1e-12 * neuron_sd.max())
    row_scale = np.sqrt(counts)[:, None]
    white = means * row_scale / neuron_sd                              # noise variance Sᵢⱼ/σⱼ² ≈ 1 per entry
    noise_energy = (sample_variance / neuron_sd ** 2).sum()            # unbiased: E Σ ε̄² in these units
    U, s, Vt = np.linalg.svd(white, full_matrices=False)
    n, d = white.shape
    big, beta = max(n, d), min(n, d) / max(n, d)
    x = s / np.sqrt(big)
    kept = x > 1 + np.sqrt(beta)
    excess = x[kept] ** 2 - beta - 1
    amplitude = np.sqrt((excess + np.sqrt(excess ** 2 - 4 * beta)) / 2) * np.sqrt(big)
    signal = (U[:, kept] * amplitude) @ Vt[kept]
    weak_energy = (s ** 2).sum() - noise_energy - (amplitude ** 2).sum()
    if weak_energy > 0 and s[~kept].any():                             # below the bulk: the means' remainder, rescaled
        signal += (U[:, ~kept] * s[~kept]) @ Vt[~kept] * np.sqrt(weak_energy / (s[~kept] ** 2).sum())
    return signal / row_scale * neuron_sd


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
