"""Re-scoring Brain-Score's own neural benchmarks: the real benchmark code, local recordings.

The Cowley2026 benchmark is brainscore_vision's own code (``benchmarks/cowley2026/benchmark.py``)
with only its S3 loader replaced: the session 210325 assembly that Brain-Score's data packaging
builds (bayesrep_plugin.datasets.cowley2026), written to netCDF and loaded with brainio's
``StimulusMergeAssemblyLoader`` exactly as ``load_assembly_from_s3`` loads the downloaded file.
The MajajHong2015 benchmark is built by Brain-Score's own MajajHong2015 functions on a simulated
assembly of the same structure (its data are on S3). Models are Brain-Score's
``PrecomputedFeatures`` (its route for precomputed activations; torchvision does not import in
this environment, and the one real network here, a Keras V4 model, takes ~10 s on these CPUs):
the pixels of the Cowley images, and a simulated model for MajajHong2015.
"""

import numpy as np
import pytest
from brainscore_core.benchmarks import score_benchmark
from brainscore_core.supported_data_standards.brainio.assemblies import (NeuroidAssembly, NeuronRecordingAssembly,
                                                                         StimulusMergeAssemblyLoader)
from brainscore_core.supported_data_standards.brainio.packaging import write_netcdf
from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet
import brainscore_vision
from brainscore_vision import data_registry, load_ceiling, load_metric
from brainscore_vision.benchmark_helpers import PrecomputedFeatures
from brainscore_vision.benchmark_helpers.neural_common import NeuralBenchmark, average_repetition
from brainscore_vision.benchmarks import BenchmarkBase
from brainscore_vision.benchmarks.cowley2026 import benchmark as cowley
from brainscore_vision.benchmarks.majajhong2015 import benchmark as majajhong

from bayesrep_plugin.assemblies import AssemblyError
from bayesrep_plugin.brainscore.benchmarks import (BayesianNeuralBenchmark, BayesianSessionsBenchmark,
                                                   SourceBenchmarkError, region_assembly, repetition_assembly,
                                                   rescore, rescored_identifier)
from bayesrep_plugin.brainscore.simulate import linear_views
from bayesrep_plugin.datasets import cowley2026 as local_cowley

# Brain-Score's own names with a leading underscore (NeuralBenchmark's _assembly, _visual_degrees and
# _number_of_trials; cowley2026's _session_benchmark and _CombinedNeuralBenchmark; majajhong2015's
# _DicarloMajajHong2015Region) are read here because Brain-Score offers no public way to them: they are
# its benchmarks' own parts, which a re-scored benchmark must carry over. Ours are reached publicly.

N_BOOTSTRAP = 10


def loaded_like_brainscore(assembly, stimulus_set, path, cls=NeuroidAssembly):
    """What ``load_assembly_from_s3`` returns for ``assembly`` stored at ``path`` (the download step skipped)."""
    write_netcdf(assembly, path)
    loaded = StimulusMergeAssemblyLoader(cls=cls, file_path=path, stimulus_set_identifier=stimulus_set.identifier,
                                         stimulus_set=stimulus_set).load()
    loaded.attrs["identifier"] = assembly.attrs["identifier"]
    return loaded


@pytest.fixture(scope="module")
def local_s3(tmp_path_factory):
    """Brain-Score's benchmark modules load their data with a local ``load_dataset`` for these tests.

    ``load_dataset(id)`` is ``data_registry[id]()`` after a scan of the data plugin folders, which
    only ever know the S3 identifiers; the local assemblies are registered in ``data_registry``
    and the benchmark modules call ``data_registry[id]()`` directly.
    """
    folder = tmp_path_factory.mktemp("s3")
    cowley_path, majajhong_path = folder / "cowley.nc", folder / "majajhong.nc"
    data_registry[local_cowley.IDENTIFIER] = lambda: loaded_like_brainscore(
        local_cowley.load_assembly(), local_cowley.load_stimulus_set(), cowley_path)
    data_registry["MajajHong2015.private"] = lambda: loaded_like_brainscore(
        *majajhong_like_assembly(), majajhong_path, cls=NeuronRecordingAssembly)
    with pytest.MonkeyPatch.context() as patch:
        for module in (cowley, majajhong):
            patch.setattr(module, "load_dataset", lambda identifier: data_registry[identifier]())
        yield patch
    del data_registry[local_cowley.IDENTIFIER], data_registry["MajajHong2015.private"]


@pytest.fixture(scope="module")
def cowley_session(local_s3):
    """Brain-Score's own session benchmark, built by its own function: Cowley2026.210325.V4-pls (Brain-Score
    registers only the four-session benchmark; its private per-session builder is what that one calls)."""
    return cowley._session_benchmark(local_cowley.SESSION)


@pytest.fixture(scope="module")
def pixels():
    """A real (if simple) model of the Cowley images: their pixels, as 8 × 8-pixel block means."""
    ids, images = local_cowley.load_images()
    blocks = images.reshape(len(ids), 14, 8, 14, 8, 3).mean(axis=(2, 4)).reshape(len(ids), -1)
    features = NeuroidAssembly(blocks[:, :, None], dims=["presentation", "neuroid", "time_bin"], coords={
        "stimulus_id": ("presentation", ids), "object_name": ("presentation", [i[5:] for i in ids]),
        "neuroid_id": ("neuroid", [f"pixel{j}" for j in range(blocks.shape[1])]),
        "layer": ("neuroid", ["pixels"] * blocks.shape[1]),
        "time_bin_start": ("time_bin", [50]), "time_bin_end": ("time_bin", [150])})
    return PrecomputedFeatures(features, visual_degrees=cowley.VISUAL_DEGREES)


@pytest.fixture(scope="module")
def rescored_session(vision_plugin, cowley_session):
    return rescore(cowley_session, "bayes_js", n_bootstrap=N_BOOTSTRAP)


@pytest.fixture(scope="module")
def pixels_score(rescored_session, pixels):
    return score_benchmark(rescored_session, pixels)   # what brainscore_vision.score calls


def test_rescored_cowley_session_scores_the_average_and_ceils_with_the_repetitions(cowley_session, rescored_session):
    benchmark = rescored_session
    assert isinstance(benchmark, BayesianNeuralBenchmark)
    assert benchmark.identifier == "Cowley2026.210325.V4-bayes_js"
    assert cowley_session.version == 1 and benchmark.version == 3   # the source's 1, and our metric's version 3
    assert benchmark.parent == "V4" and benchmark.bibtex == cowley.BIBTEX and benchmark.region == "V4"
    assert benchmark._visual_degrees == 11.2 and benchmark._number_of_trials == 14
    # scored: the source's repetition-averaged assembly, 640 images, no repetition coordinate
    assert benchmark._assembly is cowley_session._assembly and benchmark._assembly.sizes["presentation"] == 640
    assert "repetition" not in benchmark._assembly.indexes["presentation"].names
    # ceiling: the 4840 single trials behind Brain-Score's ceiling, with their original repetition
    # numbers restored (Brain-Score relabels them 0/1 halves for internal_consistency)
    behind_ceiling = repetition_assembly(cowley_session)
    assert sorted(set(behind_ceiling["repetition"].values)) == [0, 1]
    original = local_cowley.load_assembly().squeeze("time_bin")
    trials = repetition_assembly(benchmark)
    assert trials.sizes["presentation"] == 4840
    np.testing.assert_array_equal(trials["stimulus_id"].values, original["stimulus_id"].values)
    np.testing.assert_array_equal(trials["repetition"].values, original["repetition"].values)
    np.testing.assert_array_equal(trials.values, original.values)
    ceiling = benchmark.ceiling
    assert float(ceiling) == float(load_metric("bayes_js").ceiling()(local_cowley.load_assembly()))
    assert ceiling.attrs["n_stimuli"] == 640 and ceiling.attrs["measure"] == "js"
    assert 0 < float(ceiling) < 1


def test_a_model_through_the_rescored_cowley_session_equals_the_metric_called_directly(
        cowley_session, rescored_session, pixels, pixels_score):
    model = pixels.look_at(cowley_session._assembly.stimulus_set).squeeze("time_bin")
    # against the repetitions, whose mean is the scored assembly: the metric's b and noise come from them
    direct = load_metric("bayes_js", n_bootstrap=N_BOOTSTRAP)(model, repetition_assembly(rescored_session))
    assert float(pixels_score.raw) == float(direct)
    np.testing.assert_array_equal(pixels_score.raw.attrs["raw"].values, direct.attrs["raw"].values)
    assert float(pixels_score) == pytest.approx(min(1.0, float(direct) / float(rescored_session.ceiling)))
    assert 0 < float(pixels_score.raw) < float(rescored_session.ceiling)  # block-mean pixels are no perfect model


def test_the_combined_cowley_benchmark_rescored_session_by_session(local_s3, rescored_session, pixels, pixels_score):
    # Brain-Score's own _CombinedNeuralBenchmark, over the one session we have
    source = cowley._CombinedNeuralBenchmark(identifier="Cowley2026.V4-pls", sessions=[local_cowley.SESSION],
                                             parent="V4", bibtex=cowley.BIBTEX, version=1)
    benchmark = rescore(source, "bayes_js", n_bootstrap=N_BOOTSTRAP)
    assert isinstance(benchmark, BayesianSessionsBenchmark)
    assert benchmark.identifier == "Cowley2026.V4-bayes_js" and benchmark.version == source.version + 2   # metric v3
    assert [s.identifier for s in benchmark.sessions] == ["Cowley2026.210325.V4-bayes_js"]
    score = score_benchmark(benchmark, pixels)
    assert float(score) == float(pixels_score) and float(score.raw) == float(pixels_score.raw)
    assert float(benchmark.ceiling) == float(rescored_session.ceiling)
    assert score.attrs["session_scores"] == {"Cowley2026.210325.V4-bayes_js": float(pixels_score)}
    with pytest.raises(ValueError, match="combines 1 sessions; their repetitions are found in each session"):
        rescore(source, "bayes_js", repetitions=repetition_assembly(rescored_session))


def test_sessions_combine_as_brainscore_combines_them(rescored_session, pixels, pixels_score):
    """Two sessions: the mean of the ceiled scores, of the raw scores and of the ceilings."""
    other = rescore(rescored_session, "bayes_js", n_bootstrap=N_BOOTSTRAP, b=0.1)   # another benchmark to combine
    combined = BayesianSessionsBenchmark("Two.V4-bayes_js", [rescored_session, other], version=2)
    score, other_score = combined(pixels), other(pixels)
    assert float(score) == pytest.approx((float(pixels_score) + float(other_score)) / 2)
    assert float(score.raw) == pytest.approx((float(pixels_score.raw) + float(other_score.raw)) / 2)
    assert float(score.attrs["ceiling"]) == pytest.approx((float(rescored_session.ceiling) + float(other.ceiling)) / 2)
    assert float(other.ceiling) != pytest.approx(float(rescored_session.ceiling))


def majajhong_like_assembly():
    """dicarlo.MajajHong2015.private's structure with simulated responses: presentation × neuroid ×
    time_bin (70–170 ms), 4–6 repetitions per image, IT and V4 neuroids from two animals."""
    n_images, rng = 64, np.random.default_rng(5)
    _, signal = linear_views(n=n_images, k=4, dims=(10, 30), seed=6)
    repeats = rng.integers(4, 7, size=n_images)
    image = np.repeat(np.arange(n_images), repeats)
    ids = np.array([f"{i:040x}" for i in range(n_images)])   # hvm ids are 40-character hashes
    objects = np.array(["bear", "ELEPHANT_M", "face0001", "alfa"])[np.arange(n_images) % 4]
    trials = 5 + signal[image] + 0.6 * rng.normal(size=(len(image), 30))
    regions = ["IT"] * 20 + ["V4"] * 10
    assembly = NeuronRecordingAssembly(trials[:, :, None], dims=["presentation", "neuroid", "time_bin"], coords={
        "stimulus_id": ("presentation", ids[image]),
        "repetition": ("presentation", np.concatenate([np.arange(r) for r in repeats])),
        "object_name": ("presentation", objects[image]),
        "category_name": ("presentation", ["animals"] * len(image)),
        "variation": ("presentation", [6] * len(image)),
        "neuroid_id": ("neuroid", [f"{'Chabo' if j < 15 else 'Tito'}_L_P_{j // 10}_{j % 10}" for j in range(30)]),
        "animal": ("neuroid", ["Chabo" if j < 15 else "Tito" for j in range(30)]),
        "arr": ("neuroid", ["P" if r == "IT" else "M" for r in regions]),
        "region": ("neuroid", regions),
        "time_bin_start": ("time_bin", [70]), "time_bin_end": ("time_bin", [170])})
    assembly.attrs["identifier"] = "dicarlo.MajajHong2015.private"
    stimulus_set = StimulusSet({"stimulus_id": ids, "object_name": objects, "variation": [6] * n_images})
    stimulus_set.identifier = "hvm-private"
    return assembly, stimulus_set


def test_rescored_majajhong_style_benchmark(vision_plugin, local_s3):
    source = majajhong._DicarloMajajHong2015Region(region="IT", access="private", identifier_metric_suffix="pls",
                                                   similarity_metric=None,
                                                   ceiler=load_ceiling("internal_consistency"))
    benchmark = rescore(source, "bayes_tv", n_bootstrap=N_BOOTSTRAP)
    assert benchmark.identifier == "MajajHong2015.IT-bayes_tv" and source.version == 4 and benchmark.version == 6   # metric v3
    assert benchmark._visual_degrees == 8 and benchmark._number_of_trials == 50 and benchmark.region == "IT"
    trials, stimulus_set = majajhong_like_assembly()
    assert repetition_assembly(benchmark).sizes == {"presentation": trials.sizes["presentation"], "neuroid": 20}
    assert benchmark._assembly.sizes == {"presentation": 64, "neuroid": 20}
    it_trials = trials.isel(neuroid=slice(0, 20))
    assert float(benchmark.ceiling) == float(load_metric("bayes_tv").ceiling()(it_trials))
    model_features, _ = linear_views(n=64, k=4, dims=(10, 30), seed=6)
    model = NeuroidAssembly(model_features, dims=["presentation", "neuroid"], coords={
        "stimulus_id": ("presentation", stimulus_set["stimulus_id"].values),
        "object_name": ("presentation", stimulus_set["object_name"].values),
        "neuroid_id": ("neuroid", [f"unit{j}" for j in range(10)])})
    score = benchmark(PrecomputedFeatures(model, visual_degrees=8))
    direct = load_metric("bayes_tv", n_bootstrap=N_BOOTSTRAP)(model, repetition_assembly(benchmark))
    assert float(score.raw) == float(direct)
    assert float(score) == pytest.approx(min(1.0, float(direct) / float(benchmark.ceiling)))


def test_rescore_refuses_repetitions_that_are_not_the_benchmarks(vision_plugin, cowley_session, rescored_session):
    trials = local_cowley.load_assembly()
    with pytest.raises(ValueError, match="the mean over the repetitions is not the scored assembly"):
        rescore(cowley_session, "bayes_js", repetitions=trials + 1.0)
    with pytest.raises(ValueError, match="the repetitions show other stimuli than the scored assembly"):
        rescore(cowley_session, "bayes_js", repetitions=trials.isel(presentation=slice(0, 100)))
    blind = NeuralBenchmark(identifier="Cowley2026.210325.V4-pls", assembly=cowley_session._assembly,
                            similarity_metric=None, visual_degrees=11.2, number_of_trials=14,
                            ceiling_func=lambda: None, version=1, parent="V4")
    with pytest.raises(ValueError, match="cannot find its repetitions.*captures 0 assemblies.*pass rescore"):
        rescore(blind, "bayes_js")
    assert float(rescore(blind, "bayes_js", repetitions=trials).ceiling) == float(rescored_session.ceiling)


def test_registered_ids_are_found_by_load_benchmark(vision_plugin, local_s3, monkeypatch):
    from brainscore_core.plugin_management.import_plugin import ImportPlugin
    from brainscore_vision import load_benchmark

    for identifier in ["Cowley2026.V4-bayes_js", "Cowley2026.V4-bayes_tv",
                       "MajajHong2015.IT-bayes_js", "MajajHong2015.IT-bayes_tv"]:
        assert ImportPlugin("brainscore_vision", "benchmarks", identifier).plugin_dirname == "bayesrep"
    # Brain-Score's real Cowley2026.V4-pls, over the local session instead of the four S3 ones
    monkeypatch.setattr(cowley, "SESSIONS", [local_cowley.SESSION])
    benchmark = load_benchmark("Cowley2026.V4-bayes_js")
    assert isinstance(benchmark, BayesianSessionsBenchmark) and benchmark.identifier == "Cowley2026.V4-bayes_js"
    assert [s.identifier for s in benchmark.sessions] == ["Cowley2026.210325.V4-bayes_js"]
    # a session whose data cannot be loaded (here: no data plugin registers it; offline: S3 fails)
    monkeypatch.setattr(cowley, "SESSIONS", ["000000"])
    monkeypatch.setattr(cowley, "load_dataset", brainscore_vision.load_dataset)
    with pytest.raises(SourceBenchmarkError, match="cannot re-score 'Cowley2026.V4-pls' with 'bayes_tv'.*S3"):
        load_benchmark("Cowley2026.V4-bayes_tv")


def test_toy_benchmark_keeps_its_version_and_its_trials_for_the_ceiling(vision_plugin):
    model_features, signal = linear_views(n=80, k=5, dims=(30, 20), seed=3)
    trials = signal[None] + 0.5 * np.random.default_rng(4).normal(size=(4, 80, 20))
    ids = [f"im{i:04d}" for i in range(80)]
    neural = NeuroidAssembly(trials.reshape(320, 20, 1), dims=["presentation", "neuroid", "time_bin"], coords={
        "stimulus_id": ("presentation", ids * 4), "repetition": ("presentation", np.repeat(np.arange(4), 80)),
        "neuroid_id": ("neuroid", [f"n{j}" for j in range(20)]), "region": ("neuroid", ["IT"] * 20),
        "time_bin_start": ("time_bin", [70]), "time_bin_end": ("time_bin", [170])}).squeeze("time_bin")
    neural.attrs["stimulus_set"] = StimulusSet({"stimulus_id": ids})
    neural.attrs["stimulus_set"].identifier = "toy-stimuli"
    averaged = average_repetition(neural)
    ceiler = load_ceiling("internal_consistency")
    original = NeuralBenchmark(identifier="Toy2026.IT-pls", assembly=averaged, similarity_metric=None,
                               visual_degrees=8, number_of_trials=1, ceiling_func=lambda: ceiler(neural),
                               version=3, parent="IT", bibtex="@misc{toy}")
    benchmark = rescore(original, "bayes_hellinger", n_bootstrap=N_BOOTSTRAP)
    assert benchmark.identifier == "Toy2026.IT-bayes_hellinger" and benchmark.version == 5   # 3, and metric v3
    assert repetition_assembly(benchmark) is neural and benchmark._assembly is averaged
    model = NeuroidAssembly(model_features, dims=["presentation", "neuroid"], coords={
        "stimulus_id": ("presentation", ids), "image_number": ("presentation", range(80)),
        "neuroid_id": ("neuroid", [f"u{j}" for j in range(30)])})
    score = benchmark(PrecomputedFeatures(model, visual_degrees=8))
    direct = load_metric("bayes_hellinger", n_bootstrap=N_BOOTSTRAP)(model, neural)   # the mean over trials
    assert float(score.raw) == pytest.approx(float(direct), abs=1e-12)
    assert score.attrs["unclipped"] == pytest.approx(float(direct) / float(benchmark.ceiling))
    # our metric inside Brain-Score's unmodified NeuralBenchmark, which scores the averaged assembly: b="auto"
    # has no repetitions to take b from and says so; with b given, the same raw score as the metric's, r²/ceiling
    def unmodified(**options):
        return NeuralBenchmark(identifier="Toy2026.IT-bayes_hellinger", assembly=averaged,
                               similarity_metric=load_metric("bayes_hellinger", n_bootstrap=N_BOOTSTRAP, **options),
                               visual_degrees=8, number_of_trials=1, ceiling_func=lambda: ceiler(neural),
                               version=1, parent="IT")
    with pytest.raises(AssemblyError, match="b='auto' takes the readout noise from a recording's repetitions"):
        unmodified()(PrecomputedFeatures(model, visual_degrees=8))
    brainscore_score = unmodified(b=0.05)(PrecomputedFeatures(model, visual_degrees=8))
    direct = load_metric("bayes_hellinger", n_bootstrap=N_BOOTSTRAP, b=0.05)(model, averaged)
    assert float(brainscore_score.raw) == pytest.approx(float(direct), abs=1e-12)
    assert float(brainscore_score) == pytest.approx(float(direct) ** 2 / float(brainscore_score.attrs["ceiling"]))


def test_identifiers_and_regions():
    assembly = NeuroidAssembly(np.zeros((3, 2)), dims=["presentation", "neuroid"], coords={
        "stimulus_id": ("presentation", ["a", "b", "c"]), "neuroid_id": ("neuroid", ["n0", "n1"]),
        "region": ("neuroid", ["IT", "IT"])})
    assert rescored_identifier("MajajHong2015.IT-pls", "bayes_js") == "MajajHong2015.IT-bayes_js"
    assert rescored_identifier("Custom.V4", "bayes_js") == "Custom.V4-bayes_js"
    assert region_assembly(assembly, "IT").sizes["neuroid"] == 2
    with pytest.raises(ValueError, match="no neuroids in region 'V4'; regions: \\['IT'\\]"):
        region_assembly(assembly, "V4")
    with pytest.raises(ValueError, match="'bayes_encoding' is not one of our readout metrics"):
        BayesianNeuralBenchmark("x-bayes_encoding", assembly, "bayes_encoding", visual_degrees=8, number_of_trials=1)
    with pytest.raises(ValueError, match="expected a brainscore_vision NeuralBenchmark or a benchmark of such"):
        rescore(BenchmarkBase(identifier="Toy2026-pls", ceiling_func=None, version=1), "bayes_js")
