"""A toy BrainModel through a real brainscore_vision NeuralBenchmark, and the re-scored benchmark."""

import numpy as np
import pytest
from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet
from brainscore_vision.benchmark_helpers.neural_common import NeuralBenchmark
from brainscore_vision.model_interface import BrainModel

from bayesrep_plugin.brainscore.benchmarks import BayesianNeuralBenchmark, region_assembly, rescore, rescored_identifier
from bayesrep_plugin.brainscore.metrics import BayesianReadoutSimilarity
from bayesrep_plugin.brainscore.simulate import linear_views

N_STIMULI, REPETITIONS, DEGREES = 80, 4, 8


class ToyModel(BrainModel):
    """Responds to each stimulus id with a fixed feature vector, in whatever order it is shown them."""

    def __init__(self, features: np.ndarray):
        self.features = {f"im{i:04d}": row for i, row in enumerate(features)}
        self.recorded = None

    @property
    def identifier(self):
        return "toy"

    def visual_degrees(self):
        return DEGREES

    def start_recording(self, recording_target, time_bins):
        self.recorded = (recording_target, time_bins)

    def look_at(self, stimuli, number_of_trials=1):
        ids = list(stimuli["stimulus_id"])
        values = np.stack([self.features[i] for i in ids])[:, :, None]
        return NeuroidAssembly(values, dims=["presentation", "neuroid", "time_bin"], coords={
            "stimulus_id": ("presentation", ids),
            "stimulus_path": ("presentation", [f"/stimuli/{i}.png" for i in ids]),
            "neuroid_id": ("neuroid", [f"unit{j}" for j in range(values.shape[1])]),
            "region": ("neuroid", ["IT"] * values.shape[1]),
            "time_bin_start": ("time_bin", [70]), "time_bin_end": ("time_bin", [170])})


@pytest.fixture(scope="module")
def setup():
    model_features, signal = linear_views(n=N_STIMULI, k=5, dims=(30, 20), seed=3)
    rng = np.random.default_rng(4)
    trials = signal[None, :, :, None] + 0.5 * rng.normal(size=(REPETITIONS, N_STIMULI, 20, 1))
    ids = [f"im{i:04d}" for i in range(N_STIMULI)]
    neural = NeuroidAssembly(trials.reshape(REPETITIONS * N_STIMULI, 20, 1), dims=["presentation", "neuroid", "time_bin"],
                             coords={"stimulus_id": ("presentation", ids * REPETITIONS),
                                     "repetition": ("presentation", np.repeat(np.arange(REPETITIONS), N_STIMULI)),
                                     "neuroid_id": ("neuroid", [f"n{j}" for j in range(20)]),
                                     "region": ("neuroid", ["IT"] * 20),
                                     "time_bin_start": ("time_bin", [70]), "time_bin_end": ("time_bin", [170])})
    stimulus_set = StimulusSet({"stimulus_id": list(rng.permutation(ids))})   # shown in another order
    stimulus_set.identifier = "toy-stimuli"
    neural.attrs["stimulus_set"] = stimulus_set
    return ToyModel(model_features), neural


def test_our_metric_in_a_real_neural_benchmark_equals_the_direct_call(setup):
    model, neural = setup
    metric = BayesianReadoutSimilarity("js", n_bootstrap=10)
    benchmark = NeuralBenchmark(identifier="Toy2026.IT-pls", assembly=neural, similarity_metric=metric,
                                visual_degrees=DEGREES, number_of_trials=1, ceiling_func=lambda: metric.ceiling(5)(neural),
                                version=1, parent="IT", bibtex=None)
    score = benchmark(model)
    assert model.recorded[0] == "IT"
    direct = metric(model.look_at(neural.stimulus_set).squeeze("time_bin"), neural)
    assert float(score.attrs["raw"]) == float(direct)
    np.testing.assert_array_equal(score.attrs["raw"].attrs["raw"].values, direct.attrs["raw"].values)


def test_rescored_benchmark_has_its_own_identifier_ceiling_and_clipped_score(setup):
    model, neural = setup
    original = NeuralBenchmark(identifier="Toy2026.IT-pls", assembly=neural, similarity_metric=None,
                               visual_degrees=DEGREES, number_of_trials=1, ceiling_func=None, version=3,
                               parent="IT", bibtex="@misc{toy}")
    benchmark = rescore(original, "bayes_tv", n_bootstrap=10)
    assert isinstance(benchmark, BayesianNeuralBenchmark)
    assert benchmark.identifier == "Toy2026.IT-bayes_tv" and benchmark.version == 1
    assert benchmark.parent == "IT" and benchmark.bibtex == "@misc{toy}"
    score = benchmark(model)
    direct = BayesianReadoutSimilarity("tv", n_bootstrap=10)(model.look_at(neural.stimulus_set).squeeze("time_bin"),
                                                            neural)
    ceiling = benchmark.ceiling
    assert float(score.attrs["raw"]) == float(direct)
    assert score.attrs["ceiling"] is ceiling and ceiling.attrs["measure"] == "tv"
    assert float(score) == pytest.approx(min(1.0, float(direct) / float(ceiling)))
    assert score.attrs["unclipped"] == pytest.approx(float(direct) / float(ceiling))


def test_identifiers_and_regions(setup):
    _, neural = setup
    assert rescored_identifier("MajajHong2015.IT-pls", "bayes_js") == "MajajHong2015.IT-bayes_js"
    assert rescored_identifier("Custom.V4", "bayes_js") == "Custom.V4-bayes_js"
    assert region_assembly(neural, "IT").sizes["neuroid"] == 20
    with pytest.raises(ValueError, match="no neuroids in region 'V4'; regions: \\['IT'\\]"):
        region_assembly(neural, "V4")
    with pytest.raises(ValueError, match="'bayes_encoding' is not one of our readout metrics"):
        BayesianNeuralBenchmark("x-bayes_encoding", neural, "bayes_encoding", visual_degrees=8, number_of_trials=1)
