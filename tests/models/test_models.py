"""The model adapter on the real models and images of /work/shared/data (BAYESREP_DATA).

Each value is checked against an independent computation: layer0 by hand from its weights, the
output against keras's own full model, the EfficientNet hooks against its own forward pass, every
stored factor against the kernel of the full activations.
"""


import numpy as np
import pytest

from bayesrep_plugin import BayesrepError
from bayesrep_plugin.datasets import cowley2026
from bayesrep_plugin.datasets.location import MissingDataError
from bayesrep_plugin.core.kernels import kernel_factor
from bayesrep_plugin.models import CacheWarning, compact, efficientnet
from bayesrep_plugin.models.cache import cached_assembly
from bayesrep_plugin.models.extract import PIXELS_FINGERPRINT, Pixels, layer_factors, layer_kernels, resize
from bayesrep_plugin.reports.inputs import Source, load_assembly, load_responses

N_IMAGES = 230  # more than the 219 outputs, so the output layer is stored raw and the others as factors


@pytest.fixture(scope="module")
def v4_images():
    ids, images = cowley2026.load_images()
    return np.array(ids[:N_IMAGES]), images[:N_IMAGES]


@pytest.fixture(scope="module")
def smallest():
    file = next(m for m in compact.list_models() if m.teacher == "from_resnet50" and m.filters == 5)
    return compact.CompactModel(file)


class Interrupted(Exception):
    pass


class Recording:
    """The smallest model as layer_factors sees it, keeping each batch's activations it hands out
    (and raising Interrupted instead of computing batch ``interrupt_at``, 1-based)."""

    def __init__(self, model, interrupt_at=None):
        self.model, self.batches, self.interrupt_at = model, [], interrupt_at
        self.name, self.layers, self.input_size = model.name, model.layers, model.input_size
        self.preprocessing = model.preprocessing

    def activations(self, images):
        if len(self.batches) + 1 == self.interrupt_at:
            raise Interrupted
        self.batches.append(self.model.activations(images))
        return self.batches[-1]


@pytest.fixture(scope="module")
def factored(smallest, v4_images):
    """(the factors of every layer of the smallest model on the images, in batches of 100; those
    batches' activations)."""
    recording = Recording(smallest)
    factors = layer_factors(recording, v4_images[1], batch_size=100, progress=False)
    return {f.layer: f for f in factors}, recording.batches


@pytest.fixture(scope="module")
def batches(factored):
    return factored[1]


def relative(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def test_lists_the_56_models_of_7_teachers_by_8_sizes():
    models = compact.list_models()
    assert len(models) == 56
    assert {m.teacher for m in models} == set(compact.TEACHERS)
    for teacher in compact.TEACHERS:
        assert [m.filters for m in models if m.teacher == teacher] == list(compact.FILTERS)
    assert all(m.path.is_file() for m in models) and len({m.name for m in models}) == 56


def test_missing_model_folder_names_where_to_get_it(tmp_path):
    with pytest.raises(MissingDataError, match="shared_compact_models.*cowleygroup/V4_compact_models"):
        compact.list_models(tmp_path)


@pytest.mark.parametrize("damage", ["truncated", "bytes changed"])
def test_a_broken_model_file_is_one_error_naming_it(tmp_path, smallest, damage):
    content = bytearray(smallest.file.path.read_bytes())
    if damage == "truncated":
        content = content[:300_000]
    else:
        content[400_000:400_100] = bytes(100)  # inside model.weights.h5; the zip directory stays intact
    broken = tmp_path / "shared_compact_model_5filters.keras"
    broken.write_bytes(bytes(content))
    with pytest.raises(compact.ModelFileError, match=f"{broken}: not a loadable Keras 3 model file"):
        compact.load_model(broken)


def test_output_is_the_full_models_prediction(smallest, batches, v4_images):
    keras = compact.import_keras()
    model = keras.saving.load_model(smallest.file.path, compile=False)
    images = v4_images[1][:100]
    predicted = model.predict(compact.preprocess(images), batch_size=50, verbose=0)
    output = batches[0]["output_responses"]
    assert output.shape == predicted.shape == (100, 219)
    assert relative(output, predicted) < 1e-5
    assert {layer: a.shape[1:] for layer, a in batches[0].items()} == {
        "layer0_act": (112, 112, 5), "layer1_act": (56, 56, 5), "layer2_act": (28, 28, 5),
        "layer3_act": (28, 28, 100), "layer4_act": (28, 28, 100), "mixing_stage": (28, 28, 219),
        "output_responses": (219,)}


@pytest.mark.parametrize("teacher, filters", [("from_resnet50", 5), ("linear_from_ensemble_model", 25)])
def test_every_stage_in_plain_torch_is_the_keras_models(teacher, filters, v4_images):
    """The torch network against Keras's own layers (the stride-2 "same" padding, the separable
    convolutions, the batch norms, the pooling), with and without ReLU."""
    file = next(m for m in compact.list_models() if m.teacher == teacher and m.filters == filters)
    images = v4_images[1][:8]
    ours = compact.CompactModel(file).activations(images)
    keras = compact.import_keras()
    model = compact.load_model(file.path)
    theirs = keras.Model(model.inputs, [compact.keras_stage(model, layer).output for layer in compact.LAYERS]).predict(
        compact.preprocess(images), verbose=0)
    for layer, expected in zip(compact.LAYERS, theirs):
        assert ours[layer].shape == expected.shape and ours[layer].dtype == np.float32, layer
        assert relative(ours[layer], expected) < 1e-5, layer


def layer0_by_hand(path, images, relu: bool) -> np.ndarray:
    """5×5 'same' convolution, batch norm (eps 1e-3, moving statistics) [, ReLU], in numpy."""
    keras = compact.import_keras()
    model = keras.saving.load_model(path, compile=False)
    kernel, bias = model.get_layer("layer0_conv").get_weights()
    gamma, beta, mean, variance = model.get_layer("layer0_bn").get_weights()
    x = np.pad(compact.preprocess(images).astype(np.float64), ((0, 0), (2, 2), (2, 2), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(x, (5, 5), axis=(1, 2))  # (n, 112, 112, 3, 5, 5)
    conv = np.einsum("nhwcij,ijck->nhwk", windows, kernel) + bias
    normalized = gamma * (conv - mean) / np.sqrt(variance + 1e-3) + beta
    return np.maximum(normalized, 0) if relu else normalized


def test_layer0_by_hand_from_its_weights(smallest, batches, v4_images):
    by_hand = layer0_by_hand(smallest.file.path, v4_images[1][:2], relu=True)
    assert relative(batches[0]["layer0_act"][:2], by_hand) < 1e-5


def test_a_linear_models_stages_end_at_their_batch_norm(v4_images):
    """linear_from_ensemble_model has no ReLU layers: its layer0_act is layer0_bn's output."""
    file = next(m for m in compact.list_models() if m.teacher == "linear_from_ensemble_model" and m.filters == 5)
    images = v4_images[1][:2]
    layers = compact.CompactModel(file).activations(images)
    by_hand = layer0_by_hand(file.path, images, relu=False)
    assert (by_hand < 0).mean() > 0.1
    assert relative(layers["layer0_act"], by_hand) < 1e-5
    assert {layer: a.shape[1:] for layer, a in layers.items()}["layer4_act"] == (28, 28, 100)


def test_factors_reproduce_the_kernel_of_the_full_activations(factored):
    factors, batches = factored
    assert [len(b["layer0_act"]) for b in batches] == [100, 100, N_IMAGES - 200]
    for layer in compact.LAYERS:
        X = np.concatenate([b[layer].reshape(len(b[layer]), -1) for b in batches]).astype(np.float64)
        factor = factors[layer]
        assert factor.principal == (X.shape[1] > N_IMAGES)
        assert factor.values.shape == (N_IMAGES, min(N_IMAGES, X.shape[1]))
        assert relative(factor.values @ factor.values.T, X @ X.T) < 1e-10, layer
    assert np.array_equal(factors["output_responses"].values, X)  # d ≤ n: the raw activations
    assert factors["layer0_act"].description == "principal components of 62720 activations (112×112×5)"


def test_an_interrupted_compact_model_resumes_to_the_kernels_of_its_activations(tmp_path, smallest, v4_images):
    ids, images = v4_images[0][:24], v4_images[1][:24]
    options = dict(batch_size=8, progress=False, folder=tmp_path)
    interrupted, resumed = Recording(smallest, interrupt_at=3), Recording(smallest)
    with pytest.raises(Interrupted):
        cached_assembly(smallest.name, smallest.file.fingerprint(), lambda: interrupted, ids, images, **options)
    path = cached_assembly(smallest.name, smallest.file.fingerprint(), lambda: resumed, ids, images, **options)
    assert len(interrupted.batches) == 2 and len(resumed.batches) == 1  # no batch computed twice
    found = layer_kernels(load_assembly(Source(path)))
    direct = [smallest.activations(images[start:start + 8]) for start in (0, 8, 16)]
    for layer in compact.LAYERS:
        X = np.concatenate([batch[layer].reshape(8, -1) for batch in direct]).astype(np.float64)
        assert relative(found[layer], X @ X.T) < 1e-10, layer


def test_a_keras_model_is_not_taken_for_a_torch_model_with_hooks(smallest):
    from bayesrep_plugin.models import TorchSource

    with pytest.raises(TypeError, match="Keras model's layers are not torch submodules"):
        TorchSource(compact.load_model(smallest.file.path), ["layer0_act"])


def test_kernel_factor_is_the_principal_components():
    """For X = U S Wᵀ the factor is U S up to column signs, columns by decreasing variance."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 8)) @ rng.standard_normal((8, 50))  # rank 8 < n < d
    F = kernel_factor(X @ X.T)
    U, S, _ = np.linalg.svd(X, full_matrices=False)
    assert F.shape == (30, 30)
    assert relative(F @ F.T, X @ X.T) < 1e-12
    assert np.allclose(np.abs(F[:, :8]), np.abs(U[:, :8] * S[:8]), atol=1e-9 * S[0])
    assert np.all(np.abs(F[:, 8:]) < 1e-6 * S[0])


def test_pixels_assembly_cached_reused_and_recomputed(tmp_path, v4_images):
    ids, images = v4_images[0][:40], v4_images[1][:40]
    path = cached_assembly("pixels", PIXELS_FINGERPRINT, Pixels, ids, images, progress=False, folder=tmp_path)
    assembly = load_assembly(Source(path, select={"layer": "pixels"}))
    X = compact.preprocess(images).reshape(40, -1).astype(np.float64)
    assert relative(X, (images - np.array(compact.CHANNEL_MEANS)).reshape(40, -1)) < 1e-7  # float32 input
    assert relative(assembly.values @ assembly.values.T, X @ X.T) < 1e-10
    assert list(assembly["stimulus_id"].values) == list(ids)
    assert assembly.attrs["features_pixels"] == "principal components of 37632 activations (112×112×3)"
    assert load_responses(Source(path)).means.shape == (40, 40)

    def must_not_load():
        raise AssertionError("a cached assembly was recomputed")

    stamp = path.stat().st_mtime_ns
    assert cached_assembly("pixels", PIXELS_FINGERPRINT, must_not_load, ids, images, folder=tmp_path) == path
    assert path.stat().st_mtime_ns == stamp

    changed = images.copy()
    changed[0, 0, 0, 0] ^= 1
    other = cached_assembly("pixels", PIXELS_FINGERPRINT, Pixels, ids, changed, progress=False, folder=tmp_path)
    assert other != path and other.exists()

    path.write_bytes(path.read_bytes()[:1000])
    with pytest.warns(CacheWarning, match=f"{path.name}: not a readable netCDF file.*recomputing"):
        again = cached_assembly("pixels", PIXELS_FINGERPRINT, Pixels, ids, images, progress=False, folder=tmp_path)
    assert again == path
    np.testing.assert_array_equal(load_assembly(Source(path, select={"layer": "pixels"})).values, assembly.values)


def test_model_assemblies_computes_only_the_models_named(tmp_path, v4_images):
    from bayesrep_plugin.models import model_assemblies

    ids, images = v4_images[0][:6], v4_images[1][:6]
    paths = model_assemblies(ids, images, models=["pixels"], efficientnet=False, progress=False, folder=tmp_path)
    assert list(paths) == ["pixels"] and [p.name for p in tmp_path.glob("*.nc")] == [paths["pixels"].name]
    with pytest.raises(ValueError, match=r"no model named \['from_nowhere-5filters'\]"):
        model_assemblies(ids, images, models=["from_nowhere-5filters"], efficientnet=False, folder=tmp_path)


def test_models_run_as_tasks_on_a_cluster_give_the_assemblies_computed_here(tmp_path, v4_images):
    """Each model a task of its own (a 2-worker local Dask cluster: the leaderboard's), each worker
    loading its model itself: the same files as one after the other here, to float32 rounding."""
    from bayesrep_plugin.models import model_assemblies
    from bayesrep_plugin.reports.distributed import connect

    ids, images = v4_images[0][:40], v4_images[1][:40]
    chosen = dict(models=["pixels", "from_resnet50-5filters", "linear_from_ensemble_model-5filters"],
                  efficientnet=False, progress=False)
    here = model_assemblies(ids, images, folder=tmp_path / "here", **chosen)
    with connect(workers=2) as client:
        there = model_assemblies(ids, images, folder=tmp_path / "there", executor=client.get_executor(), **chosen)
    assert list(there) == list(here) == chosen["models"]  # in the models' order, whichever finished first
    for name in here:
        assert there[name].name == here[name].name  # the same cache key
        ours, theirs = (layer_kernels(load_assembly(Source(path))) for path in (here[name], there[name]))
        assert list(theirs) == list(ours)
        for layer, K in ours.items():  # the kernels: what every measure reads (a factor's signs may differ)
            assert relative(theirs[layer], K) < 1e-5, (name, layer)


def test_a_folder_where_a_cached_assembly_belongs_is_named_before_the_model_runs(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(6, 8, 8, 3), dtype=np.uint8)
    ids = [f"s{i}" for i in range(6)]
    path = cached_assembly("pixels", PIXELS_FINGERPRINT, Pixels, ids, images, progress=False, folder=tmp_path)
    path.unlink()
    path.mkdir()

    def must_not_load():
        raise AssertionError("the model ran although its result could not be stored")

    with pytest.raises(BayesrepError, match=f"{path}: a folder stands where a cached file belongs; remove it") as error:
        cached_assembly("pixels", PIXELS_FINGERPRINT, must_not_load, ids, images, folder=tmp_path)
    assert isinstance(error.value, ValueError)


def test_a_file_where_the_cache_folder_belongs_is_named(tmp_path, monkeypatch):
    images = np.random.default_rng(0).integers(0, 256, size=(6, 8, 8, 3), dtype=np.uint8)
    (tmp_path / "cache").write_text("not a folder")
    monkeypatch.setenv("BAYESREP_CACHE", str(tmp_path / "cache"))
    with pytest.raises(BayesrepError, match=r"cache/model-assemblies: cannot create the cache folder .*BAYESREP_CACHE") \
            as error:  # the model assemblies' default folder, $BAYESREP_CACHE/model-assemblies
        cached_assembly("pixels", PIXELS_FINGERPRINT, Pixels, [f"s{i}" for i in range(6)], images, progress=False)
    assert isinstance(error.value, ValueError)


def test_another_image_size_is_resized_for_the_models(tmp_path, v4_images):
    images = resize(v4_images[1][:6], 175)  # like the 92-image set: 175 × 175
    assert images.shape == (6, 175, 175, 3) and images.dtype == np.uint8
    back = resize(images, 112)
    assert back.shape == (6, 112, 112, 3)
    assert np.abs(back.astype(int) - v4_images[1][:6]).mean() < 8  # the same images, blurred by two resizings
    path = cached_assembly("pixels", PIXELS_FINGERPRINT, Pixels, v4_images[0][:6], images, progress=False,
                           folder=tmp_path)
    assert load_assembly(Source(path)).attrs["images_shape"] == "6x175x175x3"


def test_efficientnet_hooks_match_its_own_forward_pass(v4_images):
    import torch

    network = efficientnet.EfficientNetLite0()
    images = resize(v4_images[1][:4], efficientnet.INPUT_SIZE)
    layers = network.activations(images)
    with torch.no_grad():
        x = torch.from_numpy(np.ascontiguousarray(((images.astype(np.float32) - 127) / 128).transpose(0, 3, 1, 2)))
        logits = network.model(x).numpy()
        head = network.model.extract_features(x).numpy()
    assert {name: a.shape[1:] for name, a in layers.items()} == {
        "block2": (24, 56, 56), "block4": (40, 28, 28), "block10": (112, 14, 14), "block15": (320, 7, 7),
        "avgpool": (1280, 1, 1), "logits": (1000,)}
    np.testing.assert_allclose(layers["logits"], logits, rtol=1e-6)
    np.testing.assert_allclose(layers["avgpool"][:, :, 0, 0], head.mean(axis=(2, 3)), rtol=1e-5, atol=1e-6)


@pytest.mark.hours
def test_every_model_on_the_640_v4_images():
    """All 56 compact models, EfficientNet-Lite0 and pixels (from the cache once computed: about an
    hour on two shared cores the first time)."""
    from bayesrep_plugin.models import v4_model_assemblies

    paths = v4_model_assemblies(progress=False, efficientnet=True)
    assert len(paths) == 58
    for name, path in paths.items():
        assembly = load_assembly(Source(path))
        layers = list(dict.fromkeys(assembly["layer"].values.tolist()))
        assert assembly.sizes["presentation"] == 640 and np.isfinite(assembly.values).all()
        if name.endswith("filters"):
            k = int(name.rsplit("-", 1)[1].removesuffix("filters"))
            assert layers == list(compact.LAYERS)
            assert assembly.sizes["neuroid"] == 6 * 640 + 219
            shapes = {"layer0_act": (112, 112, k), "layer1_act": (56, 56, k), "layer2_act": (28, 28, k),
                      "layer3_act": (28, 28, 100), "layer4_act": (28, 28, 100), "mixing_stage": (28, 28, 219)}
            for layer, shape in shapes.items():
                assert assembly.attrs[f"features_{layer}"] == (
                    f"principal components of {np.prod(shape)} activations ({'×'.join(map(str, shape))})")
            assert assembly.attrs["features_output_responses"] == "219 activations (219)"
        elif name == "pixels":
            assert layers == ["pixels"] and assembly.sizes["neuroid"] == 640
        else:
            assert name == efficientnet.NAME and layers == list(efficientnet.LAYERS.values())
            assert assembly.sizes["neuroid"] == 6 * 640


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.mark.skipif(not _cuda(), reason="no GPU on this machine")
def test_forward_passes_on_a_gpu_equal_the_cpus(smallest, v4_images):
    images = v4_images[1][:16]
    on_gpu = compact.CompactModel(smallest.file, device="cuda").activations(images)
    on_cpu = smallest.activations(images)
    assert list(on_gpu) == list(on_cpu)
    for layer, expected in on_cpu.items():
        assert on_gpu[layer].dtype == np.float32 and relative(on_gpu[layer], expected) < 1e-4, layer
    lite = efficientnet.EfficientNetLite0(device="cuda")
    assert next(lite.model.parameters()).device.type == "cuda"
    assert all(np.isfinite(a).all() for a in lite.activations(resize(images, lite.input_size)).values())
