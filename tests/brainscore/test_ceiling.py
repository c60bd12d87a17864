"""Split-half ceilings of simulated recordings, and ceiled scores clipped to [0, 1]."""

import numpy as np
import pytest
import xarray as xr
from brainscore_core.metrics import Score

from bayesrep_plugin.assemblies import AssemblyError, responses_from_assembly
from bayesrep_plugin.assemblies.responses import split_half
from bayesrep_plugin.brainscore.metrics import BayesianReadoutCeiling, BayesianReadoutSimilarity
from bayesrep_plugin.brainscore.scores import ceil_score
from bayesrep_plugin.brainscore.simulate import linear_views, neuroid_assembly, recordings


@pytest.fixture(scope="module")
def signal():
    return linear_views(n=100, k=6, dims=(30,), seed=2)[0]


def test_load_ceiling_is_registered_and_valid(vision_plugin, signal):
    from brainscore_vision import load_ceiling
    from brainscore_vision.benchmark_helpers.validate_error import assert_valid_uncertainty

    ceiling = load_ceiling("bayes_js_ceiling", n_splits=5)(recordings(signal, repetitions=4, noise=0.5))
    assert isinstance(ceiling, Score) and 0 < float(ceiling) < 1
    assert ceiling.attrs["raw"].dims == ("split",) and ceiling.attrs["n_splits"] == 5
    assert float(ceiling) == pytest.approx(float(ceiling.attrs["raw"].mean()))
    assert_valid_uncertainty(ceiling)


def test_ceiling_falls_with_noise_and_is_seeded(signal):
    ceiler = BayesianReadoutCeiling("tv", n_splits=5)
    values = [float(ceiler(recordings(signal, repetitions=4, noise=noise))) for noise in (0.1, 0.5, 2.0)]
    assert values[0] > values[1] > values[2]
    assert values[0] > 0.9
    neural = recordings(signal, repetitions=4, noise=0.5)
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
    neural = neuroid_assembly(np.stack([values, values]))
    assert float(BayesianReadoutCeiling("js", n_splits=3)(neural)) == pytest.approx(1.0, abs=1e-9)


def test_a_single_repetition_is_an_error():
    neural = neuroid_assembly(np.random.default_rng(0).normal(size=(10, 3)))
    with pytest.raises(AssemblyError, match="neural assembly: the split-half ceiling needs at least 2 repetitions"):
        BayesianReadoutCeiling("js")(neural)
    with pytest.raises(AssemblyError, match="needs at least 4 repetitions"):
        BayesianReadoutCeiling("js", kernel="cross_validated")(
            neuroid_assembly(np.random.default_rng(0).normal(size=(3, 10, 3))))


def test_ceiled_score_is_clipped_and_keeps_the_unclipped_value(signal):
    neural = recordings(signal, repetitions=4, noise=0.5)
    metric = BayesianReadoutSimilarity("js", n_bootstrap=5)
    raw = metric(neuroid_assembly(signal), neural)   # the noiseless signal: can beat the split halves
    ceiling = metric.ceiling(n_splits=5)(neural)
    ceiled = ceil_score(raw, ceiling)
    assert ceiled.attrs["unclipped"] == pytest.approx(float(raw) / float(ceiling))
    assert float(ceiled) == min(1.0, ceiled.attrs["unclipped"])
    assert ceiled.attrs["raw"] is raw and ceiled.attrs["ceiling"] is ceiling
    assert ceiled.attrs["error"] == pytest.approx(raw.attrs["error"] / float(ceiling))
    low = ceil_score(Score(0.2), Score(0.8))
    assert float(low) == pytest.approx(0.25) and low.attrs["unclipped"] == pytest.approx(0.25)
    assert float(ceil_score(Score(0.9), Score(0.6))) == 1.0
    with pytest.raises(ValueError, match="cannot ceil a score with a ceiling of 0.0"):
        ceil_score(Score(0.5), Score(0.0))


def test_ceiling_per_time_bin(signal):
    rng = np.random.default_rng(5)
    trials = np.stack([signal[None] + 0.2 * rng.normal(size=(4, *signal.shape)),
                       signal[None] + 2.0 * rng.normal(size=(4, *signal.shape))], axis=-1)
    neural = neuroid_assembly(trials, time_bins=[(70, 170), (170, 270)])
    ceiling = BayesianReadoutCeiling("js", n_splits=4, time_bins="each")(neural)
    assert ceiling.dims == ("time_bin",) and float(ceiling[0]) > float(ceiling[1]) + 0.1
    assert ceiling.attrs["raw"].dims == ("time_bin", "split")
