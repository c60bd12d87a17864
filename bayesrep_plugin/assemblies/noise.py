"""Repetitions → the recording's noise, an estimate of its noiseless signal, and simulated recordings.

Model: trial t of stimulus i is xᵢ⁽ᵗ⁾ = xᵢ + δ⁽ᵗ⁾ + εᵢ⁽ᵗ⁾: the signal, a drift δ⁽ᵗ⁾ shared by every
stimulus of repetition t (slow changes of excitability over a session; zero if there is none), and
zero-mean noise of covariance Σᵢ (it may differ between stimuli, as Poisson-like spike counts do,
and be correlated across neurons), independent across trials and stimuli. The recording's mean is
x̄ᵢ = xᵢ + δ̄ + ε̄ᵢ; with the same repetitions for every stimulus, δ̄ is one offset for all
stimuli, which centring the features removes, and ε̄ᵢ has covariance Σᵢ/Rᵢ.

Noise per stimulus. The residuals rᵢ⁽ᵗ⁾ = (xᵢ⁽ᵗ⁾ − x̄ᵢ)·√(Rᵢ/(Rᵢ − 1)), less their mean over the
stimuli of repetition t (which is δ⁽ᵗ⁾ − δ̄, to O(1/n)) and rescaled by √(nₜ/(nₜ − 1)) for it, each
have covariance Σᵢ (cov(ε⁽ᵗ⁾ − ε̄) = Σᵢ(1 − 1/Rᵢ)); for Gaussian noise each is a draw from N(0, Σᵢ).
:func:`trial_noise` estimates tr Σᵢ from them, and :func:`mean_noise` the mean's Dᵢ = tr Σᵢ/Rᵢ, the
ridge the noise adds to the kernel's diagonal in expectation (E ε̄ε̄ᵀ = diag D), which a comparison
puts on the model's side too (:mod:`bayesrep_plugin.core.prior`).

Noise draws. ±rᵢ⁽ᵗ⁾/√Rᵢ, with a random sign and a random one of the stimulus's own residuals, is a
draw of the *mean* noise ε̄ᵢ with the right covariance Σᵢ/Rᵢ: the stimulus's own noise scale and
the neurons' noise correlations are kept, and it works from R = 2. (A "wild" draw
(1/Rᵢ) Σₜ zₜ rᵢ⁽ᵗ⁾, z ~ N(0, 1), has the same covariance, but its length fluctuates with only
Rᵢ − 1 degrees of freedom, which adds a spurious per-stimulus ridge to the mean kernel.) Trials, for
the cross-validated kernel, are drawn as ±rᵢ⁽ᵗ⁾ in a random order of the stimulus's residuals.

Signal estimate. x̄ is not the signal: it carries ε̄, and a ceiling computed around it is biased, in
either direction (the ``plug-in`` column of benchmarks/bench_ceiling.py). :func:`signal_estimate`
whitens the means so that every entry's noise is white, y = diag(√Rᵢ) x̄ C^{-½}, with C the noise
covariance pooled over stimuli and shrunk toward its diagonal (Schäfer & Strimmer 2005, target
"D": the correlations shrunk toward 0 by the estimated share of their sampling variance), so that
noise shared by the neurons is whitened too instead of standing out as a signal direction. Then it
writes y = Σ sₖ uₖ vₖᵀ, and with N = max(n, d), β = min(n, d)/N, s̃ = s/√N treats the two sides of
the noise bulk's edge 1 + √β (Marchenko–Pastur) differently:

* above it, sₖ belongs to a signal direction whose singular value is (Benaych-Georges &
  Nadakuditi 2012; Gavish & Donoho 2017, the operator-norm shrinker)

      θₖ = √N · √((s̃² − β − 1 + √((s̃² − β − 1)² − 4β)) / 2),

  kept along uₖ vₖᵀ with that amplitude;
* below it, directions cannot be told from noise, but their total energy can:
  E‖y‖² = ‖signal‖² + E‖noise‖², so the weak energy W = ‖y‖² − (noise energy) − Σₖ θₖ² (when
  positive) is given to the means' remainder outside the kept directions, rescaled to energy W.

Why the weak energy matters: the prior normalises by tr K, so every signal direction's share
depends on how much signal lies elsewhere; dropping the weak directions (as the Frobenius-optimal
shrinker does) made the ceiling too high for signals with a long tail of weak directions
(power-law spectra, Poisson counts), while keeping them at their noisy amplitude is the plug-in.
Then the whitening is undone.
"""

from __future__ import annotations

import weakref

import numpy as np

from .responses import Responses

#: Residuals by Responses object (immutable): a recording's ceiling, resolving b and noise estimate
#: each need them, and simulating a recording ten times used to recompute them ten times.
_RESIDUALS: "weakref.WeakKeyDictionary[Responses, np.ndarray]" = weakref.WeakKeyDictionary()


def residuals(responses: Responses) -> np.ndarray:
    """The residuals rᵢ⁽ᵗ⁾, each with covariance Σᵢ, drift removed (module docstring).

    Computed once per ``responses`` object (it is immutable) and kept while it lives.

    Parameters
    ----------
    responses : Responses
        With two repetitions of every stimulus (the caller checks).

    Returns
    -------
    numpy.ndarray, shape (R, n, d)
        float64, zero where a repetition is absent; read-only.
    """
    cached = _RESIDUALS.get(responses)
    if cached is None:
        cached = _compute_residuals(responses)
        cached.flags.writeable = False
        _RESIDUALS[responses] = cached
    return cached


def _compute_residuals(responses: Responses) -> np.ndarray:
    counts = responses.repetitions.astype(np.float64)
    present = responses.present[..., None]
    # in place, in the order the formula reads: one (R, n, d) array instead of six temporaries
    deviations = responses.trials - responses.means
    deviations *= present
    deviations *= np.sqrt(counts / (counts - 1))[:, None]
    per_repetition = responses.present.sum(axis=1).astype(np.float64)              # nₜ
    drifting = per_repetition >= 2
    drift = deviations.sum(axis=1) / np.maximum(per_repetition, 1)[:, None]         # δ⁽ᵗ⁾ − δ̄, (R, d)
    rescale = np.where(drifting, np.sqrt(per_repetition / np.maximum(per_repetition - 1, 1)), 1.0)
    deviations -= drift[:, None] * drifting[:, None, None]
    deviations *= present
    deviations *= rescale[:, None, None]
    return deviations


def trial_noise(responses: Responses) -> np.ndarray | None:
    """Each stimulus's trial-to-trial noise variance summed over neuroids, tr Σᵢ.

    Parameters
    ----------
    responses : Responses

    Returns
    -------
    numpy.ndarray, shape (n,), or None
        From the residuals; the responses' own ``trial_noise`` when known (a half of a recording);
        None without repetitions. A stimulus with a single repetition gets the mean of the others'.
    """
    if responses.trial_noise is not None:
        return responses.trial_noise
    counts = responses.repetitions
    if counts.max() < 2:
        return None
    repeated = counts >= 2
    if not repeated.all():
        reduced = trial_noise(responses.subset(np.flatnonzero(repeated)))
        variance = np.full(responses.n, reduced.mean())
        variance[repeated] = reduced
        return variance
    return (residuals(responses) ** 2).sum(axis=(0, 2)) / counts


def mean_noise(responses: Responses) -> np.ndarray | None:
    """The expected noise on the diagonal of the kernel of the means, Dᵢ = tr Σᵢ / Rᵢ.

    Parameters
    ----------
    responses : Responses

    Returns
    -------
    numpy.ndarray, shape (n,), or None
        None without repetitions (a model's responses).
    """
    variance = trial_noise(responses)
    return None if variance is None else variance / responses.repetitions


def split_half(responses: Responses, rng: np.random.Generator) -> tuple[Responses, Responses]:
    """Two disjoint halves of every stimulus's repetitions, ⌊r/2⌋ each, chosen at random.

    Parameters
    ----------
    responses : Responses
    rng : numpy.random.Generator

    Returns
    -------
    tuple of Responses
        Halves A and B; each keeps the trial noise estimated from all repetitions (a half may
        hold one repetition of a stimulus).
    """
    keys = rng.random(responses.present.shape)
    keys[~responses.present] = np.inf  # absent repetitions rank last
    rank = keys.argsort(axis=0).argsort(axis=0)
    half = responses.repetitions // 2
    noise = trial_noise(responses)
    halves = []
    for chosen, label in ((rank < half), "A"), (((rank >= half) & (rank < 2 * half)), "B"):
        halves.append(Responses(f"{responses.name} (half {label})", responses.stimulus_ids,
                                responses.trials * chosen[..., None], chosen, responses.neuroid_ids,
                                responses.dropped_neuroids, responses.simulated, noise))
    return halves[0], halves[1]


def noise_covariance(r: np.ndarray, present: np.ndarray) -> np.ndarray:
    """The noise covariance pooled over the present residuals, its correlations shrunk toward 0 by
    λ = Σᵢ≠ⱼ Var(ρᵢⱼ) / Σᵢ≠ⱼ ρᵢⱼ² (Schäfer & Strimmer 2005, target "D").

    Parameters
    ----------
    r : numpy.ndarray, shape (R, n, d)
        Residuals (:func:`residuals`).
    present : numpy.ndarray of bool, shape (R, n)

    Returns
    -------
    numpy.ndarray, shape (d, d)
        Zeros when the residuals are all zero.
    """
    # all present (the usual case): the residuals as they are, not a boolean-indexed copy of them
    samples = r.reshape(-1, r.shape[2]) if present.all() else r[present]   # (N, d)
    N = samples.shape[0]
    scatter = samples.T @ samples                                      # one product for both moments
    sd = np.sqrt(np.diag(scatter) / N)
    if not sd.max() > 0:                                               # identical repetitions: no noise
        return np.zeros((r.shape[2], r.shape[2]))
    sd = np.maximum(sd, 1e-12 * sd.max())
    rho = scatter / N / np.outer(sd, sd)
    squares = samples ** 2
    fourth = squares.T @ squares / N / np.outer(sd ** 2, sd ** 2)      # mean of z_i² z_j², z = r / sd
    variance = (fourth - rho ** 2) / N                                 # sampling variance of each ρᵢⱼ
    off = ~np.eye(rho.shape[0], dtype=bool)
    denominator = (rho[off] ** 2).sum()
    shrink = 1.0 if denominator == 0 else float(np.clip(variance[off].sum() / denominator, 0.0, 1.0))
    correlation = (1 - shrink) * rho + shrink * np.eye(rho.shape[0])
    return correlation * np.outer(sd, sd)


def signal_estimate(responses: Responses) -> np.ndarray:
    """The noiseless signal estimated from the means and residuals (see the module docstring).

    Parameters
    ----------
    responses : Responses
        With two repetitions of every stimulus.

    Returns
    -------
    numpy.ndarray, shape (n, d)
        The means unchanged when the repetitions show no noise.
    """
    means, counts = responses.means, responses.repetitions.astype(np.float64)
    r = residuals(responses)
    C = noise_covariance(r, responses.present)
    w, V = np.linalg.eigh(C)
    if not w.max() > 0:
        return means
    w = np.maximum(w, 1e-12 * w.max())
    whiten, unwhiten = (V / np.sqrt(w)) @ V.T, (V * np.sqrt(w)) @ V.T
    row_scale = np.sqrt(counts)[:, None]
    white = means * row_scale @ whiten                                 # noise ≈ white, variance 1 per entry
    # E‖noise of y‖² = Σᵢ tr(C^{-½}ΣᵢC^{-½}) = tr(C^{-1} Σ_{t,i} rᵢ⁽ᵗ⁾rᵢ⁽ᵗ⁾ᵀ / Rᵢ): one d × d scatter, not r C^{-½}
    weighted = (r / np.sqrt(counts)[None, :, None]).reshape(-1, r.shape[2])
    noise_energy = float(np.sum((whiten @ whiten) * (weighted.T @ weighted)))
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
    return signal / row_scale @ unwhiten


def simulated_recording(responses: Responses, signal: np.ndarray, rng: np.random.Generator, *,
                        trials: bool = False) -> Responses:
    """``signal`` plus noise drawn from ``responses``' own residuals: a recording of a known signal.

    Parameters
    ----------
    responses : Responses
        The recording whose residuals give the noise.
    signal : numpy.ndarray, shape (n, d)
    rng : numpy.random.Generator
    trials : bool
        False: one row per stimulus, signal + ε̄*, with ε̄*ᵢ = ±rᵢ⁽ᵗ⁾/√Rᵢ (a random sign and
        repetition t): what the mean kernel sees, with its noise Dᵢ as ``trial_noise`` (its one
        row is the mean of Rᵢ trials). True: the stimulus's repetitions, trial t = signal +
        ±rᵢ⁽ᵖ⁽ᵗ⁾⁾ with p a random permutation of its repetitions and independent signs, for the
        cross-validated kernel.

    Returns
    -------
    Responses
    """
    r = residuals(responses)
    R, n, _ = r.shape
    counts = responses.repetitions
    keys = rng.random((R, n))
    keys[~responses.present] = np.inf                                  # absent repetitions sort last
    order = np.argsort(keys, axis=0)                                   # each stimulus's residuals, random order
    signs = rng.choice([-1.0, 1.0], size=(R, n))[..., None]
    name = f"{responses.name} (simulated)"
    if not trials:  # only the first of the random order is used: no need to shuffle all R
        mean = signal + signs[0] * r[order[0], np.arange(n)] / np.sqrt(counts)[:, None]
        return Responses(name, responses.stimulus_ids, mean[None], np.ones((1, n), dtype=bool),
                         responses.neuroid_ids, responses.dropped_neuroids, trial_noise=mean_noise(responses))
    trials = r[order, np.arange(n)]                                    # in place from here: trials of R × n × d
    trials *= signs
    trials += signal[None]
    present = np.arange(R)[:, None] < counts[None, :]                  # stimulus i's first R_i rows
    if not present.all():
        trials *= present[..., None]
    return Responses(name, responses.stimulus_ids, trials, present,
                     responses.neuroid_ids, responses.dropped_neuroids)
