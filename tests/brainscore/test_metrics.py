"""The readout metrics through brainscore_vision.load_metric, with values checked against the core."""

import numpy as np
import scipy.stats
import pytest
from brainscore_core.metrics import Score

from bayesrep_plugin.assemblies import AssemblyError
from bayesrep_plugin.assemblies.ceiling import B_GRID
from bayesrep_plugin.brainscore.metrics import BayesianPosteriorSimilarity as PosteriorMetric
from bayesrep_plugin.brainscore.metrics import BayesianReadoutSimilarity as Metric
from bayesrep_plugin.brainscore.simulate import linear_views, neuroid_assembly, recordings
from bayesrep_plugin.core import Representation, compare, get_measure

#: The reference package's readout (b = 0.01, uncentred), for the tests of how options reach the core.
REFERENCE = {"b": 0.01, "center": "none"}


@pytest.fixture(scope="module")
def data():
    model, signal = linear_views(n=120, k=6, dims=(40, 25), seed=0)
    return model, signal, recordings(signal, repetitions=3, noise=0.5, seed=1)


def direct(measure, X1, X2, b=0.01, **options):
    return float(compare(X1, X2, measure, b=b, **options))


def BayesianReadoutSimilarity(*args, **options):
    """The metric at the reference's readout unless a test says otherwise."""
    return Metric(*args, **{**REFERENCE, **options})


def BayesianPosteriorSimilarity(*args, **options):
    """The posterior metric at the reference's readout unless a test says otherwise."""
    return PosteriorMetric(*args, **{**REFERENCE, **options})


def mean_noise_by_hand(trials: np.ndarray) -> np.ndarray:
    """Dᵢ = tr Σᵢ / R from trials (R, n, d), written out: residuals scaled to the trial variance, less
    each repetition's mean over stimuli (rescaled for it)."""
    R, n, _ = trials.shape
    residuals = (trials - trials.mean(axis=0)) * np.sqrt(R / (R - 1))
    residuals = (residuals - residuals.mean(axis=1, keepdims=True)) * np.sqrt(n / (n - 1))
    return (residuals ** 2).sum(axis=(0, 2)) / R / R


def test_load_metric_returns_our_score_with_the_exact_value(vision_plugin, data):
    from brainscore_vision import load_metric
    from brainscore_vision.benchmark_helpers.validate_error import assert_valid_uncertainty

    from bayesrep_plugin.assemblies import responses_from_assembly
    from bayesrep_plugin.assemblies.ceiling import recording_resolution

    model, signal, neural = data
    score = load_metric("bayes_js")(neuroid_assembly(model), neural)
    trials = neural.values.reshape(3, 120, 25)
    # the defaults: centred features, the recording's noise on the model's side, its resolving b
    b = recording_resolution(responses_from_assembly(neural), get_measure("js"), {}, center="features").b
    assert score.attrs["b"] == b in B_GRID and score.attrs["b_setting"] == "auto"
    assert score.attrs["b_choice"] == "resolving b of assembly2"
    recording = Representation.from_activations(trials.mean(axis=0), center="features", noise=mean_noise_by_hand(trials))
    expected = 1 - float(compare(Representation.from_activations(model, center="features"), recording, "js", b=b))
    assert isinstance(score, Score) and score.ndim == 0
    assert float(score) == pytest.approx(expected, abs=1e-10)
    assert score.attrs["noise_share"]["assembly2"] == pytest.approx(recording.noise_share, rel=1e-10)
    assert score.attrs["noise_share"]["assembly1"] == 0
    assert score.attrs["distance"] == pytest.approx(1 - float(score))
    assert_valid_uncertainty(score)
    raw = score.attrs["raw"]
    # version 3's defaults: 20 quarter-size resamples (30 of 120 stimuli), their SD rescaled to the
    # full sample by √(m/(n − m)) = √(30/90), and the t interval (version 2: 100 half samples, percentiles)
    assert raw.dims == ("bootstrap",) and raw.sizes["bootstrap"] == 20 == score.attrs["n_bootstrap"]
    assert score.attrs["bootstrap_scheme"] == "quarter" and score.attrs["spread_scale"] == pytest.approx(np.sqrt(1 / 3))
    assert score.attrs["error"] == pytest.approx(float(np.std(raw.values, ddof=1)) * np.sqrt(30 / 90))
    assert score.attrs["error_over"] == ["stimulus"] and score.attrs["bootstrap_size"] == 30
    low, high = score.attrs["interval"]
    half = scipy.stats.t.ppf(0.975, 19) * score.attrs["error"]
    assert (low, high) == pytest.approx((float(score) - half, float(score) + half))
    assert score.attrs["bootstrap_bias"] == pytest.approx(raw.values.mean() - float(score))
    assert {k: score.attrs[k] for k in ("measure", "center", "method", "kernel")} == \
        {"measure": "js", "center": "features", "method": "exact", "kernel": "mean"}
    assert score.attrs["n_stimuli"] == 120 and score.attrs["stimuli_lost"] == {"assembly1": 0, "assembly2": 0}


@pytest.mark.parametrize("measure", ["tv", "hellinger", "cka", "distance_correlation", "knn_jaccard"])
def test_other_measures(measure, data):
    model, signal, _ = data
    score = BayesianReadoutSimilarity(measure, n_bootstrap=3)(neuroid_assembly(model), neuroid_assembly(signal))
    value = direct(measure, model, signal)
    assert float(score) == pytest.approx(value if get_measure(measure).kind == "similarity" else 1 - value, abs=1e-10)


def test_b_auto_needs_a_recording_with_repetitions(data):
    model, signal, _ = data
    with pytest.raises(AssemblyError, match="b='auto' takes the readout noise from a recording's repetitions, and "
                                            "neither assembly1 nor assembly2 has repeated presentations"):
        Metric("js", n_bootstrap=3)(neuroid_assembly(model), neuroid_assembly(signal))


def test_options_reach_the_core(data):
    model, signal, _ = data
    score = BayesianReadoutSimilarity("tv", b=0.1, center="features", n_bootstrap=3)(
        neuroid_assembly(model), neuroid_assembly(signal))
    expected = compare(model, signal, "tv", b=0.1, center="features")
    assert float(score) == pytest.approx(1 - float(expected), abs=1e-10)
    mc = BayesianReadoutSimilarity("tv", method="mc", n_samples=4000, n_bootstrap=2)(
        neuroid_assembly(model), neuroid_assembly(signal))
    exact = BayesianReadoutSimilarity("tv", n_bootstrap=2)(neuroid_assembly(model), neuroid_assembly(signal))
    # the core's estimator on the same pair reports the standard error at this sample size
    stderr = compare(model, signal, "tv", method="mc", n_samples=4000).stderr
    assert abs(float(mc) - float(exact)) < 4 * stderr and mc.attrs["n_samples"] == 4000


def test_shuffled_presentation_order_gives_the_identical_score(data):
    model, _, neural = data
    metric = BayesianReadoutSimilarity("tv", n_bootstrap=5)
    shuffled = neural.isel(presentation=np.random.default_rng(7).permutation(neural.sizes["presentation"]))
    first, second = metric(neuroid_assembly(model), neural), metric(neuroid_assembly(model), shuffled)
    assert float(first) == float(second)
    np.testing.assert_array_equal(first.attrs["raw"].values, second.attrs["raw"].values)


def test_a_recording_kept_between_calls_is_never_another_recordings(data):
    """The recording's side is kept between calls (a benchmark scores every model against it): a
    recording with the same means but twice the trial-to-trial spread is another recording."""
    model, signal, neural = data
    trials = neural.values.reshape(3, 120, 25)
    means = trials.mean(axis=0)
    noisier = neuroid_assembly(means + 2 * (trials - means))
    metric = BayesianReadoutSimilarity("js", n_bootstrap=3)
    first, second, again = (metric(neuroid_assembly(model), recording) for recording in (neural, noisier, neural))
    for score, spread in ((first, 1), (second, 2), (again, 1)):
        recording = Representation.from_activations(means, center="none", noise=mean_noise_by_hand(spread * (trials - means)))
        assert score.attrs["noise_share"]["assembly2"] == pytest.approx(recording.noise_share, rel=1e-10)
        expected = 1 - direct("js", Representation.from_activations(model), recording)
        assert float(score) == pytest.approx(expected, abs=1e-10)
    assert second.attrs["noise_share"]["assembly2"] > 2 * first.attrs["noise_share"]["assembly2"]
    assert float(again) == float(first)


def test_identical_assemblies_score_one_and_unrelated_ones_less(data):
    model, signal, _ = data
    metric = BayesianReadoutSimilarity("js", n_bootstrap=3)
    assert float(metric(neuroid_assembly(model), neuroid_assembly(model))) == pytest.approx(1.0, abs=1e-9)
    unrelated = np.random.default_rng(9).normal(size=signal.shape)
    assert float(metric(neuroid_assembly(model), neuroid_assembly(unrelated))) < \
        float(metric(neuroid_assembly(model), neuroid_assembly(signal))) - 0.1


def test_cross_validated_kernel_only_on_the_side_with_repetitions(data):
    model, _, neural = data
    score = BayesianReadoutSimilarity("js", kernel="cross_validated", n_bootstrap=3)(neuroid_assembly(model), neural)
    assert score.attrs["kernels"] == {"assembly1": "mean", "assembly2": "cross_validated"}


def test_replacement_bootstrap(data):
    model, signal, _ = data
    score = BayesianReadoutSimilarity("tv", bootstrap_scheme="replacement", n_bootstrap=4)(
        neuroid_assembly(model), neuroid_assembly(signal))
    assert score.attrs["bootstrap_scheme"] == "replacement" and score.attrs["bootstrap_size"] == 120


def test_score_per_time_bin(data):
    model, signal, _ = data
    bins = np.stack([signal, np.random.default_rng(4).normal(size=signal.shape)], axis=-1)
    neural = neuroid_assembly(bins, time_bins=[(70, 170), (170, 270)])
    score = BayesianReadoutSimilarity("js", time_bins="each", n_bootstrap=3)(neuroid_assembly(model), neural)
    assert score.dims == ("time_bin",) and score.sizes["time_bin"] == 2
    assert float(score[0]) == pytest.approx(1 - direct("js", model, signal), abs=1e-10)
    assert float(score[0]) > float(score[1]) + 0.1
    assert score.attrs["error"].sizes["time_bin"] == 2 and score.attrs["raw"].dims == ("time_bin", "bootstrap")
    averaged = BayesianReadoutSimilarity("js", n_bootstrap=3)(neuroid_assembly(model), neural)
    assert float(averaged) == pytest.approx(1 - direct("js", model, bins.mean(axis=-1)), abs=1e-10)


def test_nan_neuroids_are_reported_in_the_score(data):
    model, signal, _ = data
    signal = signal.copy()
    signal[5, [2, 7]] = np.nan
    with pytest.warns(UserWarning, match="assembly2: dropped 2 of 25 neuroids"):
        score = BayesianReadoutSimilarity("js", n_bootstrap=3)(neuroid_assembly(model), neuroid_assembly(signal))
    assert score.attrs["dropped_neuroids"] == {"assembly1": 0, "assembly2": 2}
    assert float(score) == pytest.approx(1 - direct("js", model, np.delete(signal, [2, 7], axis=1)), abs=1e-10)


def test_bad_input_and_bad_options(data):
    model, signal, _ = data
    metric = BayesianReadoutSimilarity("js", n_bootstrap=3)
    with pytest.raises(AssemblyError, match="assembly1: no stimulus coordinate 'image_id'"):
        BayesianReadoutSimilarity("js", stimulus_key="image_id", n_bootstrap=3)(
            neuroid_assembly(model), neuroid_assembly(signal))
    with pytest.raises(AssemblyError, match="share only 0 stimulus ids"):
        metric(neuroid_assembly(model), neuroid_assembly(signal, stimulus_ids=[f"x{i}" for i in range(120)]))
    for unbounded in ("kl", "gulp", "rsa_arccos"):  # no similarity in [0, 1] to report
        with pytest.raises(ValueError, match=f"measure '{unbounded}' .* has no similarity in"):
            BayesianReadoutSimilarity(unbounded)
    with pytest.raises(ValueError, match="kernel='denoised' is not one of"):
        BayesianReadoutSimilarity("js", kernel="denoised")
    with pytest.raises(ValueError, match="b \\(noise-to-signal ratio\\) must be"):
        BayesianReadoutSimilarity("js", b=-1)


def test_cross_validated_kernel_refuses_stimuli_with_one_repetition(data):
    model, signal, _ = data
    trials = np.stack([signal, signal + 0.1])
    neural = neuroid_assembly(trials).isel(presentation=np.arange(239))   # the last stimulus: 1 repetition
    with pytest.raises(AssemblyError, match="assembly2: the cross-validated kernel of assembly2 needs at least 2 "
                                            "repetitions of every stimulus; 1 of 120 stimuli have fewer"):
        BayesianReadoutSimilarity("js", kernel="cross_validated", n_bootstrap=3)(neuroid_assembly(model), neural)


def test_options_that_do_not_apply_are_refused_when_the_metric_is_built():
    from bayesrep_plugin.brainscore.metrics import BayesianReadoutSimilarity

    with pytest.raises(ValueError, match="'hellinger' has a closed form and no Monte Carlo estimate"):
        BayesianReadoutSimilarity("hellinger", method="mc")
    with pytest.raises(ValueError, match="method='fast' is not one of"):
        BayesianReadoutSimilarity("js", method="fast")
    assert BayesianReadoutSimilarity("js", method="mc").comparison.options["method"] == "mc"


def test_posterior_comparison_equals_the_core_per_neuroid(data):
    from bayesrep_plugin.core import Representation, posterior_distance

    model, _, neural = data
    score = BayesianPosteriorSimilarity("tv", n_observed=30, n_bootstrap=20, seed=3)(neuroid_assembly(model), neural)
    trials = neural.values.reshape(3, 120, 25)
    neural_means = trials.mean(axis=0)
    observed = np.sort(np.random.default_rng(3).choice(120, 30, replace=False))
    recording = Representation.from_activations(neural_means, noise=mean_noise_by_hand(trials))
    expected = 1 - posterior_distance(Representation.from_activations(model), recording,
                                      neural_means[observed], observed, "tv")
    np.testing.assert_allclose(score.attrs["per_neuroid"], expected, atol=1e-10)
    assert float(score) == pytest.approx(expected.mean(), abs=1e-10)
    assert score.attrs["error_over"] == ["neuroid"] and score.attrs["n_observed"] == 30
    # the prior comparison on all stimuli is another number
    assert abs(float(score) - float(BayesianReadoutSimilarity("tv", n_bootstrap=2)(neuroid_assembly(model), neural))) > 1e-3


def test_posterior_comparison_leaves_out_a_neuroid_constant_on_the_observed_stimuli(data):
    """Spike counts of a quiet neuron can be equal over the 10 drawn images: that neuroid is left out
    and named, as in the posterior over models, instead of failing the whole score."""
    from bayesrep_plugin.core import Representation, posterior_distance

    model, _, neural = data
    means = neural.values.reshape(3, 120, 25).mean(axis=0)
    observed = np.sort(np.random.default_rng(3).choice(120, 10, replace=False))
    quiet = neural.copy(data=neural.values.copy())
    quiet.values[:, 7] = 0.0
    quiet.values[np.setdiff1d(np.arange(120), observed)[0], 7] = 1.0  # it fired once, to an image not observed
    with pytest.warns(UserWarning, match="assembly2: left 1 of 25 neuroids out of the posterior comparison"):
        score = BayesianPosteriorSimilarity("tv", n_observed=10, n_bootstrap=20, seed=3)(neuroid_assembly(model), quiet)
    kept = np.delete(means, 7, axis=1)
    trials = quiet.values.reshape(3, 120, 25)
    recording = Representation.from_activations(trials.mean(axis=0), noise=mean_noise_by_hand(trials))
    expected = 1 - posterior_distance(Representation.from_activations(model), recording, kept[observed], observed, "tv")
    assert score.attrs["constant_neuroids"] == ["n7"] and len(score.attrs["per_neuroid"]) == 24
    np.testing.assert_allclose(score.attrs["per_neuroid"], expected, atol=1e-10)


@pytest.mark.parametrize("options,match", [
    ({"n_observed": 1}, "at least 2 observed stimuli"),
    ({"n_observed": 10, "measure": "cka"}, "posterior comparison needs a measure in"),
    ({"n_observed": 10, "measure": "kl"}, "has no similarity in"),
    ({"n_observed": 10, "n_bootstrap": 1}, "n_bootstrap must be a whole number of at least 2"),
])
def test_posterior_options_are_checked_when_built(options, match):
    with pytest.raises(ValueError, match=match):
        BayesianPosteriorSimilarity(**{"measure": "tv", **options})


@pytest.mark.parametrize("options", [{"method": "mc"}, {"kernel": "cross_validated"}, {"bootstrap_scheme": "half"}])
def test_options_of_the_prior_comparison_are_not_options_of_the_posterior_one(options):
    """The posterior comparison is exact, between mean kernels, resampled over neuroids: the
    options that choose otherwise are not in its constructor."""
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        BayesianPosteriorSimilarity("tv", n_observed=10, **options)


def test_the_posterior_comparison_is_its_own_metric_without_a_ceiling():
    """n_observed no longer turns the readout similarity into the posterior comparison: that is a
    class of its own, and it has no noise ceiling."""
    with pytest.raises(TypeError, match="n_observed"):
        Metric("tv", n_observed=10)
    with pytest.raises(TypeError, match="n_observed"):
        PosteriorMetric("tv")
    assert not hasattr(PosteriorMetric("tv", n_observed=10), "ceiling")


@pytest.mark.parametrize("measure", ["tv", "js", "hellinger", "cka"])
@pytest.mark.parametrize("n", [6, 12])
def test_intervals_stay_in_the_scores_range_at_few_stimuli(measure, n):
    """Near 0 an interval's lower end fell below it (1 − TV down to −0.11 at n = 6 with the
    re-centred percentiles of version 2; the t interval of version 3 too): an end past [0, 1] is
    clipped to it, and the score stays inside its interval."""
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(n, 2)), rng.normal(size=(n, 3))
    score = BayesianReadoutSimilarity(measure, b=0.001, n_bootstrap=50)(neuroid_assembly(X), neuroid_assembly(Y))
    half = scipy.stats.t.ppf(0.975, 49) * score.attrs["error"]
    low, high = score.attrs["interval"]
    assert low == max(0.0, float(score) - half) and high == pytest.approx(min(1.0, float(score) + half))
    assert 0 <= low <= float(score) <= high <= 1
