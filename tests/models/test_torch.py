"""Any torch model straight to kernels: forward hooks, batch by batch, resumable, memory of a batch.

A small seeded CNN on real images (a subset of the 640 V4 images, BAYESREP_DATA). Every kernel is
checked against X Xᵀ of activations computed by calling the model's modules directly, without
hooks; the resumed run against an uninterrupted one; the memory against a naive concatenation.
"""

import json
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
import xarray as xr

from bayesrep_plugin.core import kernels
from bayesrep_plugin.datasets import cowley2026
from bayesrep_plugin.models import CacheWarning, TorchSource, layer_kernels, torch_model_assembly
from bayesrep_plugin.models.extract import CHECKPOINT, layer_factors, resize
from bayesrep_plugin.models.hooks import IMAGENET_MEAN, IMAGENET_STD

torch = pytest.importorskip("torch")

N_IMAGES = 120
BATCH = 25  # 5 batches, the last one short
SIZE = 64
LAYERS = ("conv1", "conv2", "head", "fc")


class SmallCNN(torch.nn.Module):
    """conv1 8×64×64, conv2 16×32×32, head 16×4×4 (all wider than 120 images: principal components),
    fc 10 (narrower: stored raw). The in-place ReLU rewrites conv1's output after its hook has run."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv1 = torch.nn.Conv2d(3, 8, 5, padding=2)
        self.relu = torch.nn.ReLU(inplace=True)
        self.conv2 = torch.nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.head = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(4))
        self.fc = torch.nn.Linear(256, 10)

    def forward(self, x):
        x = self.head(self.conv2(self.relu(self.conv1(x))))
        return self.fc(x.flatten(1))


def direct_activations(model, images, batch_size):
    """{layer: float64 (n, d)}: the modules called one after another by hand, no hooks."""
    mean, std = np.float32(IMAGENET_MEAN), np.float32(IMAGENET_STD)
    parts = {layer: [] for layer in LAYERS}
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            pixels = resize(images[start:start + batch_size], SIZE).astype(np.float32)
            x = torch.from_numpy(((pixels - mean) / std).transpose(0, 3, 1, 2).copy())
            conv1 = model.conv1(x)
            conv2 = model.conv2(torch.relu(conv1))
            head = model.head(conv2)
            outputs = {"conv1": conv1, "conv2": conv2, "head": head, "fc": model.fc(head.flatten(1))}
            for layer, output in outputs.items():
                parts[layer].append(output.numpy().reshape(len(x), -1))
    return {layer: np.concatenate(part).astype(np.float64) for layer, part in parts.items()}


@pytest.fixture(scope="module")
def images():
    ids, images = cowley2026.load_images()
    return np.array(ids[:N_IMAGES]), images[:N_IMAGES]


@pytest.fixture
def model():
    return SmallCNN()


def relative(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def assembly_of(path):
    with xr.open_dataarray(path) as assembly:
        return assembly.load()


class Interrupted(Exception):
    pass


def count_forward_passes(model, interrupt_at=None):
    """Images of each forward pass of ``model``, listed as they run; raise Interrupted at pass
    ``interrupt_at`` (1-based), after the modules ran and before anything of the batch is stored."""
    passes = []

    def hook(_module, inputs, _output):
        passes.append(len(inputs[0]))
        if len(passes) == interrupt_at:
            raise Interrupted

    return passes, model.register_forward_hook(hook)


def test_kernels_of_every_layer_equal_those_of_the_full_activations(tmp_path, model, images):
    path = torch_model_assembly(model, LAYERS, *images, input_size=SIZE, batch_size=BATCH, progress=False,
                                folder=tmp_path)
    assembly = assembly_of(path)
    found = layer_kernels(assembly)
    same_batches = direct_activations(model, images[1], BATCH)
    one_pass = direct_activations(model, images[1], N_IMAGES)
    assert list(found) == list(LAYERS)
    for layer, X in same_batches.items():
        assert relative(found[layer], X @ X.T) < 1e-10, layer
        assert relative(found[layer], one_pass[layer] @ one_pass[layer].T) < 1e-5, layer  # float32 rounding
    assert (same_batches["conv1"] < 0).mean() > 0.2  # so a hook reading after the in-place ReLU would fail
    assert assembly.attrs["features_conv1"] == "principal components of 32768 activations (8×64×64)"
    assert assembly.attrs["features_fc"] == "10 activations (10)"
    np.testing.assert_array_equal(assembly.sel(neuroid=assembly["layer"] == "fc").values, same_batches["fc"])
    assert list(assembly["stimulus_id"].values) == list(images[0])
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # the scratch folder is gone
    assert not model._forward_hooks and not model.conv1._forward_hooks  # the hooks are gone too


def test_an_interrupted_extraction_resumes_without_recomputing(tmp_path, model, images):
    options = dict(input_size=SIZE, batch_size=BATCH, progress=False)
    passes, handle = count_forward_passes(model, interrupt_at=3)
    with pytest.raises(Interrupted):
        torch_model_assembly(model, LAYERS, *images, folder=tmp_path, **options)
    handle.remove()
    scratch, = tmp_path.glob(".activations-SmallCNN.*")
    assert json.loads((scratch / CHECKPOINT).read_text())["done"] == 2 * BATCH
    with open(scratch / "conv1.f32", "ab") as file:  # as if killed while writing the third batch
        file.write(bytes(1000))

    passes, handle = count_forward_passes(model)
    resumed = assembly_of(torch_model_assembly(model, LAYERS, *images, folder=tmp_path, **options))
    handle.remove()
    assert passes == [BATCH, BATCH, N_IMAGES - 4 * BATCH]  # only the batches not finished before
    assert not scratch.exists()

    uninterrupted = assembly_of(torch_model_assembly(model, LAYERS, *images, folder=tmp_path / "fresh", **options))
    np.testing.assert_array_equal(resumed.values, uninterrupted.values)


def test_a_checkpoint_its_files_do_not_back_is_started_over(tmp_path, model, images):
    source = TorchSource(model, LAYERS, input_size=SIZE)
    passes, handle = count_forward_passes(model, interrupt_at=3)
    with pytest.raises(Interrupted):
        layer_factors(source, images[1], batch_size=BATCH, progress=False, scratch=tmp_path)
    handle.remove()
    with open(tmp_path / "head.f32", "rb+") as file:
        file.truncate(100)
    passes, handle = count_forward_passes(model)
    with pytest.warns(CacheWarning, match=r"checkpoint of the activation files of \['head'\] are shorter.*over"):
        factors = layer_factors(source, images[1], batch_size=BATCH, progress=False, scratch=tmp_path)
    handle.remove()
    assert len(passes) == 5
    X = direct_activations(model, images[1], BATCH)["head"]
    assert relative(factors[2].values @ factors[2].values.T, X @ X.T) < 1e-10


def test_a_scratch_folder_in_use_by_another_process_is_refused(tmp_path, model, images):
    source = TorchSource(model, LAYERS, input_size=SIZE)
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys; f = open(sys.argv[1], 'w'); "
                               "fcntl.flock(f, fcntl.LOCK_EX); print(flush=True); sys.stdin.read()",
                               str(tmp_path / "lock")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        holder.stdout.readline()  # the other process holds the lock
        with pytest.raises(RuntimeError, match=f"{tmp_path}: another process is computing these activations"):
            layer_factors(source, images[1][:10], batch_size=5, progress=False, scratch=tmp_path)
    finally:
        holder.communicate("")
    assert len(layer_factors(source, images[1][:10], batch_size=5, progress=False, scratch=tmp_path)) == 4


def test_memory_holds_one_batch_not_the_activations(monkeypatch, model, images):
    """tracemalloc sees every numpy allocation: the peak of the whole extraction stays under half
    of conv1's activations (n × 32768 float32, 15.7 MB), which the naive way goes over."""
    monkeypatch.setattr(kernels, "CHUNK_BYTES", 2**20)  # the default 64 MiB chunk would hold all of conv1
    source = TorchSource(model, LAYERS, input_size=SIZE)
    bound = N_IMAGES * 8 * SIZE * SIZE * 4 / 2
    tracemalloc.start()
    try:
        layer_factors(source, images[1], batch_size=BATCH, progress=False)
        _, streamed = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        batches = [source.activations(resize(images[1][s:s + BATCH], SIZE))["conv1"]
                   for s in range(0, N_IMAGES, BATCH)]
        kernels.linear_kernel(np.concatenate(batches))
        _, naive = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert streamed < bound < naive


def test_a_module_that_is_not_there_or_returns_no_tensor_is_named(model, images):
    with pytest.raises(ValueError, match=r"SmallCNN: no module named \['conv3'\] \(it has e.g. \['conv1'"):
        TorchSource(model, ["conv1", "conv3"])
    with pytest.raises(ValueError, match="layers must be a non-empty list of module names; got 'conv1'"):
        TorchSource(model, "conv1")
    class Pair(torch.nn.Module):
        def forward(self, x):
            return x, -x

    source = TorchSource(torch.nn.Sequential(Pair()), ["0"], input_size=SIZE)
    with pytest.raises(TypeError, match="module 0 returns tuple, not a tensor"):
        source.activations(resize(images[1][:2], SIZE))
