"""The noise ceiling: a perfect model's expected score, on simulated recordings with a known signal.

Tolerances come from benchmarks/bench_ceiling.py (docs/guide-brainscore.md has its table): over
20 seeds per cell the mean ceiled score of the noise-free signal was within 0.033 of 1 in every
cell, and a single seed's scatters around it by its interval's half-width (0.02–0.14; 0.04–0.13
for cells like these), so one seed is asserted within 0.08 of 1 and its interval to contain 1.
"""

import numpy as np
import pytest
import xarray as xr
from brainscore_core.metrics import Score

from bayesrep_plugin.assemblies import AssemblyError, responses_from_assembly
from bayesrep_plugin.assemblies.noise import split_half
from bayesrep_plugin.assemblies.noise import residuals, signal_estimate, simulated_recording
from bayesrep_plugin.brainscore.metrics import BayesianReadoutCeiling, BayesianReadoutSimilarity
from bayesrep_plugin.brainscore.registry import factory
from bayesrep_plugin.brainscore.scores import ceil_score
from bayesrep_plugin.brainscore.simulate import neuroid_assembly


def population(n, d, seed, rank=8):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, rank)) * 0.8 ** np.arange(rank)) @ rng.normal(size=(rank, d)) / np.sqrt(rank)


def gaussian_recording(signal, repetitions, noise, seed, counts=None):
    """signal + N(0, (noise·SD(signal))²) per trial; ``counts`` keeps only the first counts[i] repetitions."""
    rng = np.random.default_rng(seed)
    trials = signal[None] + noise * signal.std() * rng.normal(size=(repetitions, *signal.shape))
    assembly = neuroid_assembly(trials)
    if counts is None:
        return assembly
    present = np.arange(repetitions)[:, None] < np.asarray(counts)[None, :]
    return assembly.isel(presentation=np.flatnonzero(present.ravel()))


@pytest.fixture(scope="module")
def signal():
    return population(150, 40, seed=2)


def test_load_ceiling_is_registered_and_valid(vision_plugin, signal):
    from brainscore_vision import load_ceiling
    from brainscore_vision.benchmark_helpers.validate_error import assert_valid_uncertainty

    ceiling = load_ceiling("bayes_js_ceiling", n_replicates=5)(gaussian_recording(signal, 4, 1.0, seed=0))
    assert isinstance(ceiling, Score) and 0 < float(ceiling) < 1
    assert ceiling.attrs["raw"].dims == ("replicate",) and ceiling.attrs["n_replicates"] == 5
    assert float(ceiling) == pytest.approx(float(ceiling.attrs["raw"].mean()))
    assert ceiling.attrs["spread"] == pytest.approx(float(ceiling.attrs["raw"].std(ddof=1)))
    spread, estimation = ceiling.attrs["spread"], ceiling.attrs["estimation_spread"]
    assert ceiling.attrs["error"] == pytest.approx(np.sqrt(spread ** 2 * (1 + 1 / 5) + estimation ** 2))
    assert_valid_uncertainty(ceiling)


@pytest.mark.parametrize("case", [
    dict(repetitions=2, noise=0.7),
    dict(repetitions=4, noise=1.0),
    dict(repetitions=10, noise=2.0),
    dict(repetitions=6, noise=1.0, unequal=True),   # 3–6 repetitions per stimulus, like the V4 session
])
def test_a_perfect_model_scores_one_after_ceiling(signal, case):
    counts = np.random.default_rng(9).integers(3, 7, size=len(signal)) if case.get("unequal") else None
    neural = gaussian_recording(signal, case["repetitions"], case["noise"], seed=1, counts=counts)
    metric = BayesianReadoutSimilarity("js", n_bootstrap=10)
    ceiled = ceil_score(metric(neuroid_assembly(signal), neural), metric.ceiling()(neural))
    assert 0.1 < float(ceiled.attrs["ceiling"]) < 0.9                      # a case where the ceiling matters
    assert ceiled.attrs["unclipped"] == pytest.approx(1.0, abs=0.08)
    low, high = ceiled.attrs["interval"]
    assert low <= 1.0 <= high and high - low < 0.3


def test_a_perfect_model_scores_one_on_poisson_counts():
    rng, z = np.random.default_rng(3), population(200, 30, seed=4)
    rates = 4 * np.exp(0.5 * z / z.std())   # mean count ≈ 4.5: noise variance = rate
    neural = neuroid_assembly(rng.poisson(np.broadcast_to(rates, (3, *rates.shape))).astype(float))
    metric = BayesianReadoutSimilarity("tv", n_bootstrap=10)
    ceiled = ceil_score(metric(neuroid_assembly(rates), neural), metric.ceiling()(neural))
    assert ceiled.attrs["unclipped"] == pytest.approx(1.0, abs=0.08)


def test_the_split_half_similarity_was_no_ceiling(signal):
    """The former ceiling, s(half-mean A, half-mean B): a perfect model scores clearly above it."""
    from bayesrep_plugin.assemblies.noise import split_half

    neural = gaussian_recording(signal, 4, 1.0, seed=1)
    metric = BayesianReadoutSimilarity("js", n_bootstrap=2)
    c = metric.comparison
    score = metric(neuroid_assembly(signal), neural)
    halves = split_half(responses_from_assembly(neural), np.random.default_rng(0))
    split = c.similarity(*(c.representation(h)[0] for h in halves), c.at(score.attrs["b"]))
    assert float(score) > split + 0.1


def test_mixtures_keep_their_noise_free_order_below_the_perfect_model(signal):
    neural = gaussian_recording(signal, 4, 1.0, seed=1)
    metric = BayesianReadoutSimilarity("js", n_bootstrap=4)
    ceiling = metric.ceiling()(neural)
    noise_free = BayesianReadoutSimilarity("js", b=ceiling.attrs["b"], n_bootstrap=2)   # against the signal itself
    unrelated = population(*signal.shape, seed=11)
    clean, ceiled = [], []
    for alpha in (0.0, 0.1, 0.3, 0.6):
        model = neuroid_assembly(np.hstack([np.sqrt(1 - alpha) * signal / np.linalg.norm(signal),
                                            np.sqrt(alpha) * unrelated / np.linalg.norm(unrelated)]))
        clean.append(float(noise_free(model, neuroid_assembly(signal))))
        ceiled.append(ceil_score(metric(model, neural), ceiling).attrs["unclipped"])
    assert np.all(np.diff(clean) < 0) and np.all(np.diff(ceiled) < 0)
    assert ceiled[0] == pytest.approx(1.0, abs=0.08) and ceiled[1] < ceiled[0] - 0.05   # only the perfect one near 1


def test_ceiling_falls_with_noise_and_is_seeded(signal):
    ceiler = BayesianReadoutCeiling("tv", n_replicates=5)
    values = [float(ceiler(gaussian_recording(signal, 4, noise, seed=0))) for noise in (0.3, 1.0, 2.0)]
    assert values[0] > values[1] > values[2] and values[0] > 0.5
    neural = gaussian_recording(signal, 4, 1.0, seed=0)
    assert float(ceiler(neural)) == float(ceiler(neural))


def test_split_halves_are_disjoint_and_balanced():
    values = np.array([[1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0]])   # stimulus a: 4 reps, b: 3 reps
    assembly = xr.DataArray(values, dims=["presentation", "neuroid"],
                            coords={"stimulus_id": ("presentation", list("aaaabbb")),
                                    "repetition": ("presentation", [0, 1, 2, 3, 0, 1, 2]), "neuroid": [0]})
    responses = responses_from_assembly(assembly)
    rng = np.random.default_rng(0)
    for _ in range(10):
        first, second = split_half(responses, rng)
        assert not (first.present & second.present).any()
        assert first.repetitions.tolist() == second.repetitions.tolist() == [2, 1]
        assert ((first.present | second.present) <= responses.present).all()


def test_identical_repetitions_give_a_ceiling_of_one():
    values = np.random.default_rng(0).normal(size=(40, 10))
    ceiling = BayesianReadoutCeiling("js", n_replicates=3)(neuroid_assembly(np.stack([values, values])))
    assert float(ceiling) == pytest.approx(1.0, abs=1e-9)


def test_ceiling_uses_the_metrics_own_options(signal):
    neural = gaussian_recording(signal, 4, 1.0, seed=0)
    metric = BayesianReadoutSimilarity("tv", b=0.1, center="features", kernel="cross_validated", seed=3)
    ceiler = metric.ceiling(n_replicates=4)
    assert ceiler.comparison.parameters(0.1) == metric.comparison.parameters(0.1)
    direct = BayesianReadoutCeiling("tv", b=0.1, center="features", kernel="cross_validated", seed=3, n_replicates=4)
    assert float(ceiler(neural)) == float(direct(neural))
    assert float(ceiler(neural)) != pytest.approx(float(BayesianReadoutCeiling("tv", n_replicates=4)(neural)), abs=0.01)


def test_data_without_repetitions_are_refused():
    single = neuroid_assembly(np.random.default_rng(0).normal(size=(10, 3)))
    with pytest.raises(AssemblyError, match="a noise ceiling needs repeated presentations.*benchmark's own ceiling"):
        BayesianReadoutCeiling("js")(single)
    some_single = gaussian_recording(population(20, 5, seed=0), 3, 1.0, seed=0, counts=[1] + [3] * 19)
    with pytest.raises(AssemblyError, match="a recording's ceiling and chance level needs at least 2 repetitions of "
                                            "every stimulus; 1 of 20"):
        BayesianReadoutCeiling("js")(some_single)
    with pytest.raises(AssemblyError, match="needs at least 3 repetitions"):
        BayesianReadoutCeiling("js", kernel="cross_validated")(gaussian_recording(population(20, 5, seed=0), 2, 1.0, 0))


def test_brainscore_language_refuses_the_ceilings_with_the_reason():
    with pytest.raises(ValueError, match="bayes_js_ceiling is not available in brainscore_language: its data have one "
                                         "response per stimulus.*benchmark's own ceiling"):
        factory("bayes_js_ceiling", "brainscore_language")()
    assert type(factory("bayes_js_ceiling", "brainscore_vision")()) is BayesianReadoutCeiling
    assert type(factory("bayes_js", "brainscore_language")()) is BayesianReadoutSimilarity


def test_simulated_mean_noise_is_one_residual_over_sqrt_r(signal):
    responses = responses_from_assembly(gaussian_recording(signal, 2, 1.0, seed=0))
    trials = responses.trials.astype(float)
    simulated = simulated_recording(responses, np.zeros_like(signal), np.random.default_rng(0))
    # R = 2: the two residuals of a stimulus are ± each other (the drift removed from both alike),
    # so the simulated mean noise is ±r/√2 exactly
    r = residuals(responses)
    assert np.allclose(r[1], -r[0])
    deviation = (trials[0] - trials[1]) / np.sqrt(2)    # (x¹ − x̄)·√2, before the drift is removed
    drift = deviation.mean(axis=0) * np.sqrt(150 / 149)
    assert np.allclose(r[0], deviation * np.sqrt(150 / 149) - drift)
    assert np.allclose(np.abs(simulated.means), np.abs(r[0]) / np.sqrt(2))
    # any R: over draws, E ε̄* ε̄*ᵀ = (mean over t of r r ᵀ) / R_i, and Σ_t r² ≈ R·S_i (S_i the sample covariance)
    responses = responses_from_assembly(gaussian_recording(signal, 5, 1.0, seed=0))
    rng = np.random.default_rng(1)
    draws = np.stack([simulated_recording(responses, np.zeros_like(signal), rng).means[0] for _ in range(4000)])
    r = residuals(responses)
    assert np.allclose(np.diag(draws.T @ draws / len(draws)), (r[:, 0] ** 2).mean(axis=0) / 5, rtol=0.15)
    # without drift, removing each repetition's mean over the 150 stimuli leaves the noise energy as it was
    sample_variance = responses.trials.astype(float).var(axis=0, ddof=1)
    assert (r ** 2).sum() / 5 == pytest.approx(sample_variance.sum(), rel=0.02)


def test_drift_shared_by_a_repetitions_stimuli_is_not_counted_as_noise(signal):
    from bayesrep_plugin.assemblies.noise import trial_noise

    rng = np.random.default_rng(2)
    noise = signal.std() * rng.normal(size=(4, *signal.shape))
    drift = 2 * signal.std() * rng.normal(size=(4, 1, signal.shape[1]))      # twice the noise SD, per repetition
    steady, drifting = (responses_from_assembly(neuroid_assembly(signal[None] + noise + extra)) for extra in (0, drift))
    assert trial_noise(drifting) == pytest.approx(trial_noise(steady), rel=1e-6)   # the drift is a shift per repetition
    assert trial_noise(steady).mean() == pytest.approx(signal.std() ** 2 * signal.shape[1], rel=0.05)


def test_signal_estimate_is_closer_to_the_signal_than_the_means(signal):
    responses = responses_from_assembly(gaussian_recording(signal, 3, 1.0, seed=0))
    estimate = signal_estimate(responses)
    assert np.linalg.norm(estimate - signal) < 0.6 * np.linalg.norm(responses.means - signal)
    # its energy is the signal's, which the means overstate by the noise energy
    assert np.linalg.norm(estimate) ** 2 == pytest.approx(np.linalg.norm(signal) ** 2, rel=0.05)
    assert np.linalg.norm(responses.means) ** 2 > 1.2 * np.linalg.norm(signal) ** 2
    same = responses_from_assembly(neuroid_assembly(np.stack([signal, signal])))
    assert np.array_equal(signal_estimate(same), same.means)


def test_ceiled_score_interval_combines_both_uncertainties():
    score, ceiling = Score(0.4), Score(0.5)
    score.attrs.update(error=0.02, interval=[0.35, 0.44])
    ceiling.attrs["error"] = 0.01
    ceiled = ceil_score(score, ceiling)
    assert float(ceiled) == ceiled.attrs["unclipped"] == pytest.approx(0.8)
    spread = 1.96 * 0.8 * 0.01 / 0.5
    assert ceiled.attrs["interval"] == pytest.approx([0.8 - np.hypot(0.05 / 0.5, spread), 0.8 + np.hypot(0.04 / 0.5, spread)])
    assert ceiled.attrs["error"] == pytest.approx(np.hypot(0.02 / 0.5, 0.8 * 0.01 / 0.5))
    assert ceiled.attrs["raw"] is score and ceiled.attrs["ceiling"] is ceiling
    above = ceil_score(Score(0.6), Score(0.5))
    assert float(above) == 1.0 and above.attrs["unclipped"] == pytest.approx(1.2)
    assert above.attrs["interval"] == pytest.approx([1.2, 1.2])    # neither has an error: no width
    with pytest.raises(ValueError, match="cannot ceil a score with a ceiling of 0.0"):
        ceil_score(Score(0.5), Score(0.0))


def test_ceiling_per_time_bin(signal):
    rng = np.random.default_rng(5)
    trials = np.stack([signal[None] + 0.3 * signal.std() * rng.normal(size=(4, *signal.shape)),
                       signal[None] + 2.0 * signal.std() * rng.normal(size=(4, *signal.shape))], axis=-1)
    neural = neuroid_assembly(trials, time_bins=[(70, 170), (170, 270)])
    ceiling = BayesianReadoutCeiling("js", n_replicates=4, time_bins="each")(neural)
    assert ceiling.dims == ("time_bin",) and float(ceiling[0]) > float(ceiling[1]) + 0.1
    assert ceiling.attrs["raw"].dims == ("time_bin", "replicate")
    second = BayesianReadoutCeiling("js", n_replicates=4)(neural.isel(time_bin=1))
    assert float(ceiling[1]) == pytest.approx(float(second))
    assert ceiling.attrs["spread"][1] == pytest.approx(second.attrs["spread"])         # per bin, not the first bin's


def test_a_recording_without_stimulus_driven_signal_has_no_ceiling_and_says_so():
    rng = np.random.default_rng(0)
    noise_only = neuroid_assembly(rng.poisson(3.0, size=(4, 80, 30)).astype(float))   # no stimulus dependence
    metric = BayesianReadoutSimilarity("js", n_bootstrap=5)
    with pytest.raises(AssemblyError, match=r"neural assembly: no stimulus-driven signal: a perfect model of it "
                                            r"scores 0\.\d+ and the same model with its stimuli shuffled 0\.\d+"):
        metric.ceiling()(noise_only)
    # the raw score still stands, at chance
    model = neuroid_assembly(rng.normal(size=(80, 10)))
    assert 0 < float(metric(model, noise_only)) < 1
    # a weak signal (a shared gain per stimulus) is resolved far above chance
    gain = np.exp(0.3 * rng.normal(size=(80, 1)))
    weak = neuroid_assembly(rng.poisson(3.0 * gain * np.ones((1, 30)), size=(4, 80, 30)).astype(float))
    ceiling = metric.ceiling()(weak)
    assert float(ceiling) > ceiling.attrs["chance"] + 0.2
