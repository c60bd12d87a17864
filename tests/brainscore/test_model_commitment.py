"""A standard Brain-Score model (PytorchWrapper, Brain-Score's own preprocessing, ModelCommitment) through our
benchmark on the real V4 session.

The model is a small CNN with seeded random weights (nothing is downloaded). Its ``relu2`` layer is committed
to V4 with a fixed region-layer map, so no layer selection runs. The benchmark is a BayesianNeuralBenchmark
with ``bayes_js`` (10 bootstrap resamples instead of 100, for time) on all 640 images of the session, presented
as Brain-Score's Cowley2026 benchmark presents them (11.2 degrees, 14 trials): the model (8 degrees) sees them
through ``place_on_screen``.
"""

import functools
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from brainscore_vision.benchmark_helpers.neural_common import average_repetition  # noqa: E402
from brainscore_vision.model_helpers.activations.pytorch import PytorchWrapper, load_preprocess_images  # noqa: E402
from brainscore_vision.model_helpers.brain_transformation import ModelCommitment  # noqa: E402

from bayesrep_plugin.brainscore.benchmarks import BayesianNeuralBenchmark  # noqa: E402
from bayesrep_plugin.datasets import cowley2026  # noqa: E402

VISUAL_DEGREES = 11.2   # brainscore_vision/benchmarks/cowley2026/benchmark.py
NUMBER_OF_TRIALS = 14   # idem (the mode of the per-image repeat counts)
IMAGE_SIZE = 112       # the stimuli's own resolution (and the input size of Cowley et al.'s V4 models)
N_IMAGES = 640
N_BOOTSTRAP = 10
V4_LAYER = "relu2"


def small_cnn(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(OrderedDict([
        ("conv1", torch.nn.Conv2d(3, 16, kernel_size=5, stride=2)), ("relu1", torch.nn.ReLU()),
        ("pool1", torch.nn.MaxPool2d(2)),
        ("conv2", torch.nn.Conv2d(16, 32, kernel_size=3, stride=2)), ("relu2", torch.nn.ReLU()),
        ("pool2", torch.nn.AdaptiveAvgPool2d(1)), ("flatten", torch.nn.Flatten()),
        ("fc", torch.nn.Linear(32, 10))]))


class RecordingCommitment(ModelCommitment):
    """Brain-Score's ModelCommitment that keeps what it returned from ``look_at`` (for the direct check)."""

    def look_at(self, stimuli, number_of_trials=1, require_variance=False):
        self.seen = (stimuli, number_of_trials)
        self.activations = super().look_at(stimuli, number_of_trials=number_of_trials,
                                           require_variance=require_variance)
        return self.activations


def commitment(seed: int = 0) -> RecordingCommitment:
    preprocessing = functools.partial(load_preprocess_images, image_size=IMAGE_SIZE)
    wrapper = PytorchWrapper(model=small_cnn(seed), preprocessing=preprocessing, identifier=f"small-cnn-seed{seed}")
    return RecordingCommitment(identifier=wrapper.identifier, activations_model=wrapper, layers=["relu1", V4_LAYER],
                               region_layer_map={"V4": V4_LAYER})


@pytest.fixture(scope="module")
def neural():
    """The V4 session's trials (with repetitions), with its StimulusSet as a benchmark's assembly carries it."""
    assembly = cowley2026.load_assembly()
    assembly.attrs["stimulus_set"] = cowley2026.load_stimulus_set()
    return assembly


@pytest.fixture(scope="module")
def benchmark(neural) -> BayesianNeuralBenchmark:
    return BayesianNeuralBenchmark(f"{cowley2026.IDENTIFIER}.V4-bayes_js", neural, "bayes_js",
                                   visual_degrees=VISUAL_DEGREES, number_of_trials=NUMBER_OF_TRIALS,
                                   n_bootstrap=N_BOOTSTRAP)


@pytest.fixture(scope="module")
def scored(vision_plugin, benchmark):
    model = commitment()
    return model, benchmark(model)


@pytest.mark.slow
def test_model_commitment_scores_in_unit_interval_on_the_placed_stimuli(scored, neural):
    model, score = scored
    stimuli, trials = model.seen
    assert trials == NUMBER_OF_TRIALS
    assert stimuli.identifier != neural.stimulus_set.identifier and set(stimuli["degrees"]) == {8}  # on screen
    activations = model.activations
    assert activations.dims == ("presentation", "neuroid")
    assert sorted(set(activations["stimulus_id"].values)) == sorted(neural.stimulus_set["stimulus_id"])
    assert set(activations["region"].values) == {"V4"} and set(activations["layer"].values) == {V4_LAYER}
    # relu2 of a 112-pixel input: conv1 (stride 2) 54, pool1 27, conv2 (stride 2) 13: 32 channels on 13 × 13
    assert activations.sizes["neuroid"] == 32 * 13 * 13 and (activations.values >= 0).all()
    assert 0.0 <= float(score) <= 1.0 and 0.0 < float(score.attrs["raw"]) < 1.0
    assert float(score) == pytest.approx(min(1.0, float(score.attrs["raw"]) / float(score.attrs["ceiling"])))


@pytest.mark.slow
def test_raw_score_equals_the_plugin_metric_on_extracted_activations_and_the_trials(scored, neural):
    from brainscore_vision import load_metric

    model, score = scored
    activations = model.activations   # one static time bin: presentation × neuroid
    assert average_repetition(neural).sizes["presentation"] == N_IMAGES   # the assembly the benchmark shows
    direct = load_metric("bayes_js", n_bootstrap=N_BOOTSTRAP)(activations, neural)   # the trials: b and noise
    assert float(score.attrs["raw"]) == pytest.approx(float(direct), abs=1e-10)
    np.testing.assert_allclose(score.attrs["raw"].attrs["raw"].values, direct.attrs["raw"].values, atol=1e-10)


@pytest.mark.slow
def test_a_deterministic_model_scores_the_same_twice(scored, benchmark):
    model, score = scored
    again = commitment()   # a new model with the same seeded weights, its stimuli placed on screen anew
    assert float(benchmark(again)) == float(score)
    np.testing.assert_array_equal(again.activations.values, model.activations.values)


def test_torchvision_imports_and_its_compiled_operators_work_or_fail_clearly():
    """Beside the CPU torch, PyPI's (CUDA) torchvision imports through scripts/torchvision_cpu_compat.py; its
    compiled operators then raise torchvision's own error. A matching torchvision (+cpu) runs them."""
    import torchvision

    boxes, scores = torch.tensor([[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 0.9]]), torch.tensor([1.0, 0.5])
    if torchvision.extension._has_ops():
        assert torchvision.ops.nms(boxes, scores, iou_threshold=0.5).tolist() == [0]
    else:
        with pytest.raises(RuntimeError, match="Couldn't load custom C.. ops"):
            torchvision.ops.nms(boxes, scores, iou_threshold=0.5)
