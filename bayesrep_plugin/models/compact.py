"""The shared compact models of V4 (Cowley, Stan, Pillow & Smith, Nature 2026), loaded with Keras 3.

The data folder holds 56 trained CNNs, ``cowley2026-v4/shared_compact_models/<teacher>/
shared_compact_model_<k>filters.keras``: 7 teachers (what each was distilled from) × 8 sizes
(``k`` filters in the first three layers). Each maps an RGB image (112 × 112 × 3) to the predicted
responses of 219 V4 neurons through

    layer0_conv (5×5 conv) → layer0_bn → layer0_act (ReLU)         112 × 112 × k
    layer1 … layer4: separable 5×5 conv → batch norm → ReLU         56 × 56 × k, 28 × 28 × k,
                                                                     28 × 28 × 100, 28 × 28 × 100
    mixing_stage (1×1 conv, linear)                                  28 × 28 × 219
    spatial_pool_stage (28×28 depthwise, linear) → output_responses  219

The stages this module reads (:data:`LAYERS`) are the output of each conv stage after its batch
norm and ReLU, the mixing stage, and the flattened spatial pooling (the model's output). The
``linear_from_ensemble_model`` models have no ReLU (and no ``layer<i>_act`` layers): their
``layer<i>_act`` is the output of ``layer<i>_bn``, what an identity activation returns.

Preprocessing, from the models' source (``cowleygroup/V4_compact_models``, commit f4552ad9, its
README and model-loading code): the input is the image's RGB pixel values (0–255, float32) minus
the per-channel means (116.222, 109.270, 100.381), with no scaling. Images of another size are
first resized to 112 × 112 (:func:`bayesrep_plugin.models.images.resize`).

Keras (on the torch backend: CPU torch is what this project installs) reads and checks the files;
the forward pass runs in plain torch (:class:`CompactNetwork`, the same stages from the file's
weights), 1.7–3.0 times the images per second of the Keras model on this project's CPUs
(``benchmarks/bench_models.py``): Keras keeps activations channels-last and moves them to torch's
channels-first and back around every convolution. Its outputs equal Keras's to float32 rounding
(relative 1e-6; the tests compare every stage). ``KERAS_BACKEND`` must be ``torch`` when keras is
first imported; :func:`import_keras` sets it if keras is not imported yet, and refuses a keras
already imported with another backend.
"""

from __future__ import annotations

import os
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bayesrep_plugin._io import file_hash
from bayesrep_plugin.datasets import location
from bayesrep_plugin.datasets.location import SOURCES, CorruptDataError, MissingDataError

DATASET = "cowley2026-v4"
MODELS_FOLDER = "shared_compact_models"
TEACHERS = ("from_resnet50", "from_resnet50_robust", "from_vgg19", "from_cornets", "from_ensemble_model",
            "linear_from_ensemble_model", "from_V4data_direct_fit")
FILTERS = (5, 10, 25, 35, 50, 75, 100, 200)
INPUT_SIZE = 112
#: Per-channel (R, G, B) means subtracted from the 0–255 pixel values (the models' own preprocessing).
CHANNEL_MEANS = (116.222, 109.270, 100.381)
LAYERS = ("layer0_act", "layer1_act", "layer2_act", "layer3_act", "layer4_act", "mixing_stage",
          "output_responses")
N_OUTPUTS = 219
#: Images per forward pass. Small batches keep a stage's activations (8 × 112 × 112 × k float32)
#: near the CPU's caches: 8 gives 1.1–1.8 times the images per second of 32 on one thread (1.8 at
#: 50 filters, 1.1 at 200; benchmarks/bench_models.py).
BATCH_SIZE = 8
_FILE = re.compile(r"shared_compact_model_(\d+)filters\.keras")


class ModelFileError(CorruptDataError):
    """A model file exists but cannot be loaded; the message names the file."""


def import_keras():
    """Keras 3 on the torch backend (sets ``KERAS_BACKEND=torch`` if keras is not imported yet)."""
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = "torch"
    try:
        import keras
    except ImportError:
        raise ImportError("the compact models need keras 3 on the torch backend: "
                          "pip install 'bayesrep-plugin[models]'") from None
    if keras.backend.backend() != "torch":
        raise RuntimeError(f"keras was imported with the '{keras.backend.backend()}' backend; the compact models "
                           "are run on torch: set KERAS_BACKEND=torch before keras is first imported")
    return keras


def preprocess(images: np.ndarray) -> np.ndarray:
    """uint8 RGB images (n, 112, 112, 3) → the models' input: float32 pixels minus the channel means."""
    if images.ndim != 4 or images.shape[1:] != (INPUT_SIZE, INPUT_SIZE, 3):
        raise ValueError(f"the compact models take RGB images of shape (n, {INPUT_SIZE}, {INPUT_SIZE}, 3); "
                         f"got {images.shape} (resize them first)")
    return images.astype(np.float32) - np.asarray(CHANNEL_MEANS, dtype=np.float32)


@dataclass(frozen=True)
class CompactModelFile:
    """One trained compact model: its teacher, its number of filters and its file."""

    teacher: str
    filters: int
    path: Path

    @property
    def name(self) -> str:
        return f"{self.teacher}-{self.filters}filters"

    def fingerprint(self) -> str:
        """What identifies the model's weights: the SHA-256 of its file."""
        return f"{self.name}:keras-file-sha256={file_hash(self.path)}"


def list_models(data_dir: str | os.PathLike | None = None) -> list[CompactModelFile]:
    """The compact models in ``<data dir>/cowley2026-v4/shared_compact_models``, by teacher then size
    (the data directory: ``data_dir``, else ``$BAYESREP_DATA``).

    Raises :class:`MissingDataError` when the folder holds none.
    """
    folder = location.data_dir(data_dir) / DATASET / MODELS_FOLDER
    if not folder.is_dir():
        raise MissingDataError(f"{folder} is missing. Get the dataset '{DATASET}' from {SOURCES[DATASET]} "
                               f"and put it in {folder.parent.parent}")
    found = []
    for path in folder.glob("*/shared_compact_model_*filters.keras"):
        match = _FILE.fullmatch(path.name)
        if match:
            found.append(CompactModelFile(path.parent.name, int(match.group(1)), path))
    if not found:
        raise MissingDataError(f"{folder} holds no shared_compact_model_<k>filters.keras files")
    order = {teacher: i for i, teacher in enumerate(TEACHERS)}
    return sorted(found, key=lambda m: (order.get(m.teacher, len(order)), m.teacher, m.filters))


def load_model(path: str | os.PathLike):
    """Load one ``.keras`` file (``compile=False``: inference only); a file that is not a complete
    Keras 3 archive (truncated, corrupt, foreign) raises one :class:`ModelFileError` naming it."""
    path = Path(path)
    if not path.is_file():
        raise MissingDataError(f"{path}: model file not found")
    keras = import_keras()
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
        if bad is not None:
            raise zipfile.BadZipFile(f"member {bad} fails its CRC check")
        model = keras.saving.load_model(path, compile=False)
    except Exception as error:  # zipfile, h5py and keras each raise their own types for a broken archive
        raise ModelFileError(f"{path}: not a loadable Keras 3 model file ({type(error).__name__}: {error})") from None
    missing = [layer for layer in LAYERS if keras_stage(model, layer) is None]
    outputs = [tuple(output.shape) for output in model.outputs]
    if missing or outputs != [(None, N_OUTPUTS)]:
        raise ModelFileError(f"{path}: not a compact V4 model (missing layers {missing}, outputs {outputs})")
    return model


def keras_stage(model, layer: str):
    """The Keras layer of a loaded compact model whose output is stage ``layer`` of :data:`LAYERS`
    (a linear model's stage ends at its batch norm).

    Parameters
    ----------
    model : keras.Model
        As :func:`load_model` returns it.
    layer : str
        A stage of :data:`LAYERS`.

    Returns
    -------
    keras.Layer or None
        None if the model has no such stage.
    """
    names = {l.name for l in model.layers}
    for name in (layer, layer.replace("_act", "_bn")):
        if name in names:
            return model.get_layer(name)
    return None


def _same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """Keras's "same" padding of one axis (the extra pixel of an odd total goes after)."""
    total = max((-(-size // stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class CompactNetwork:
    """A compact model's stages in plain torch (channels first), from the weights of its Keras
    model, on ``device``: the 5×5 convolution, the four separable 5×5 convolutions (depthwise, then
    pointwise) with Keras's "same" padding, each followed by its batch norm (moving statistics,
    ε = 10⁻³) and ReLU (none in the linear models), the 1×1 mixing stage, and the 28×28 depthwise
    spatial pooling. Called on preprocessed images (n, 112, 112, 3), it returns the ``layers``
    asked for, channels last (as the Keras layers give them).

    Parameters
    ----------
    model : keras.Model
        The compact model, as :func:`load_model` returns it.
    layers : tuple of str
        The stages to return, among :data:`LAYERS`.
    device : str
        The torch device that holds the weights and runs the passes (default "cpu").
    """

    def __init__(self, model, layers: tuple[str, ...], device: str = "cpu"):
        import torch

        self.layers, self.relu = layers, "layer0_act" in {layer.name for layer in model.layers}
        weights = {layer.name: [torch.from_numpy(np.asarray(w)).to(device) for w in layer.get_weights()]
                   for layer in model.layers if layer.get_weights()}
        kernel, bias = weights["layer0_conv"]
        self.first = (kernel.permute(3, 2, 0, 1).contiguous(), bias)                 # (out, in, 5, 5)
        self.separable = []
        for i in range(1, 5):
            depthwise, pointwise, bias = weights[f"layer{i}_conv"]
            stride = model.get_layer(f"layer{i}_conv").get_config()["strides"][0]
            self.separable.append((depthwise.permute(2, 3, 0, 1).contiguous(),         # (in, 1, 5, 5)
                                   pointwise.permute(3, 2, 0, 1).contiguous(), bias, stride))
        self.norms = []
        for i in range(5):
            gamma, beta, mean, variance = weights[f"layer{i}_bn"]
            scale = gamma / torch.sqrt(variance + 1e-3)
            self.norms.append((scale[:, None, None], (beta - mean * scale)[:, None, None]))
        kernel, bias = weights["mixing_stage"]
        self.mixing = (kernel.permute(3, 2, 0, 1).contiguous(), bias)
        kernel, bias = weights["spatial_pool_stage"]
        self.pooling = (kernel.permute(2, 3, 0, 1).contiguous(), bias)

    def _normalized(self, x, i: int):
        import torch

        scale, shift = self.norms[i]
        x = x * scale + shift
        return torch.relu(x) if self.relu else x

    def __call__(self, x):
        import torch.nn.functional as F

        stages = {}
        kernel, bias = self.first
        x = self._normalized(F.conv2d(F.pad(x.permute(0, 3, 1, 2), (2, 2, 2, 2)), kernel, bias), 0)
        stages["layer0_act"] = x
        for i, (depthwise, pointwise, bias, stride) in enumerate(self.separable, start=1):
            before, after = _same_padding(x.shape[-1], depthwise.shape[-1], stride)
            x = F.conv2d(F.pad(x, (before, after, before, after)), depthwise, stride=stride, groups=x.shape[1])
            x = self._normalized(F.conv2d(x, pointwise, bias), i)
            stages[f"layer{i}_act"] = x
        x = F.conv2d(x, *self.mixing)
        stages["mixing_stage"] = x
        kernel, bias = self.pooling
        stages["output_responses"] = F.conv2d(x, kernel, bias, groups=x.shape[1]).flatten(1)
        return {layer: stages[layer].permute(0, 2, 3, 1).contiguous() if stages[layer].ndim == 4 else stages[layer]
                for layer in self.layers}


class CompactModel:
    """A loaded compact model as an activation source: :meth:`activations` maps a batch of uint8
    images to the float32 activations of the layers asked for (default: every layer in
    :data:`LAYERS`; a report that reads only the output asks for that, and the full-resolution
    stages are then neither kept nor written), computed in plain torch (module docstring) on
    ``device`` (default: the CPU; e.g. ``"cuda"``)."""

    input_size = INPUT_SIZE
    preprocessing = f"RGB 0-255 minus channel means {CHANNEL_MEANS}, {INPUT_SIZE}x{INPUT_SIZE}"

    def __init__(self, file: CompactModelFile, layers: tuple[str, ...] = LAYERS, device: str | None = None):
        unknown = [layer for layer in layers if layer not in LAYERS]
        if unknown or not layers:
            raise ValueError(f"{file.name}: no layer {unknown or '(none asked for)'}; the layers are {LAYERS}")
        self.file, self.name, self.layers = file, file.name, tuple(layers)
        self.device = device or "cpu"
        self.network = CompactNetwork(load_model(file.path), self.layers, self.device)

    def activations(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """The layers' float32 activations of a batch of uint8 images (n, 112, 112, 3), channels last."""
        import torch

        with torch.no_grad():
            outputs = self.network(torch.from_numpy(preprocess(images)).to(self.device))
        return {layer: outputs[layer].to("cpu").numpy() for layer in self.layers}
