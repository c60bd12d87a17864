"""Images → the activations of every layer of a model → one model assembly, kept compact and exact.

An *activation source* is any object with ``name``, ``layers``, ``input_size``, ``preprocessing``
(a line for the assembly's attributes) and
``activations(uint8 images (b, s, s, 3)) -> {layer: float32 (b, ...)}``: the compact models
(:mod:`.compact`), EfficientNet-Lite0 (:mod:`.efficientnet`) and the pixels (:class:`Pixels`).

Everything downstream depends on a representation only through its linear kernel K = X Xᵀ. So a
layer with more features than images (d > n) is stored as its principal-component factor

    F = V Λ^{1/2}   (n × n, columns in decreasing order of variance),   K = V Λ Vᵀ,

for which F Fᵀ = K exactly (to rounding). F is X in another orthonormal feature basis (X = U S Wᵀ
gives F = U S up to the signs of columns), so every kernel measure, the feature-centred kernel
(H F)(H F)ᵀ = H K H, and a linear / PLS readout with unscaled features are unchanged. A layer with
d ≤ n is stored as its raw activations.

Memory: the images go through the model in batches; each batch's activations of a wide layer are
appended (float32) to a scratch file, one per layer, in a temporary folder of the cache; after the
pass K is accumulated in float64 from each file by :func:`bayesrep_plugin.core.kernels.linear_kernel`,
which reads a memory map in feature chunks and releases the pages it read. Resident memory is one
batch's activations plus one float64 chunk (64 MiB) plus K, however wide the layer; the scratch
files (n × d × 4 bytes per layer: 6.4 GB for layer0 of the 200-filter model on 640 images) are
deleted when the model is done.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from bayesrep_plugin.core.kernels import feature_factor, kernel_factor, linear_kernel

#: Written into every assembly and part of every cache key: change it when the stored numbers change.
CODE_VERSION = "models-1"


def resize(images: np.ndarray, size: int) -> np.ndarray:
    """uint8 RGB images (n, h, w, 3) → (n, size, size, 3), with PIL's bilinear filter (antialiased
    when shrinking), rounded back to uint8: the same as resizing each image file. Unchanged if
    already that size."""
    images = check_images(images)
    if images.shape[1:3] == (size, size):
        return images
    from PIL import Image

    return np.stack([np.asarray(Image.fromarray(image).resize((size, size), Image.BILINEAR)) for image in images])


def check_images(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[3] != 3 or images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 RGB of shape (n, height, width, 3); got {images.dtype} {images.shape}")
    return images


#: What identifies the pixels baseline in a cache key (its preprocessing is the compact models').
PIXELS_FINGERPRINT = "pixels:compact-model-input"


class Pixels:
    """The pixels baseline: the compact models' input itself (112 × 112 RGB minus the channel
    means, see :mod:`.compact`), one layer ``pixels`` of 37,632 features."""

    name = "pixels"
    layers = ("pixels",)

    def __init__(self):
        from . import compact

        self.input_size = compact.INPUT_SIZE
        self.preprocessing = compact.CompactModel.preprocessing
        self._preprocess = compact.preprocess

    def activations(self, images: np.ndarray) -> dict[str, np.ndarray]:
        return {"pixels": self._preprocess(images)}


@dataclass(frozen=True)
class LayerFactor:
    """One layer on n images: ``values`` (n × m, float64) with values valuesᵀ = X Xᵀ."""

    layer: str
    values: np.ndarray
    shape: tuple[int, ...]     # the layer's activation shape for one image
    principal: bool            # True: principal-component factor; False: the raw activations

    @property
    def features(self) -> int:
        return int(np.prod(self.shape))

    @property
    def description(self) -> str:
        shape = "×".join(map(str, self.shape))
        if self.principal:
            return f"principal components of {self.features} activations ({shape})"
        return f"{self.features} activations ({shape})"


def layer_factors(source, images: np.ndarray, batch_size: int = 32, progress: bool = True,
                  scratch: str | Path | None = None) -> list[LayerFactor]:
    """Run ``images`` (uint8, already at ``source.input_size``) through ``source`` in batches and
    return each layer's kernel factor (see the module); ``scratch`` is the folder for the
    temporary activation files (default: the system's temporary folder)."""
    images = check_images(images)
    n = len(images)
    if n < 2:
        raise ValueError(f"{source.name}: at least 2 images are needed; got {n}")
    shapes: dict[str, tuple[int, ...]] = {}
    raw: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory(prefix=".activations-", dir=scratch) as folder:
        files = {}
        try:
            for start in tqdm(range(0, n, batch_size), desc=source.name, unit="batch", disable=not progress,
                              leave=False):
                batch = source.activations(images[start:start + batch_size])
                for layer in source.layers:
                    values = np.ascontiguousarray(batch[layer], dtype=np.float32)
                    if layer not in shapes:
                        shapes[layer] = values.shape[1:]
                        d = int(np.prod(shapes[layer]))
                        if d <= n:
                            raw[layer] = np.empty((n, d), dtype=np.float32)
                        else:
                            files[layer] = open(Path(folder) / f"{layer}.f32", "wb")
                    elif values.shape[1:] != shapes[layer]:
                        raise ValueError(f"{source.name}: layer {layer} gave activations of shape {values.shape[1:]} "
                                         f"for images {start}…, {shapes[layer]} before")
                    if layer in raw:
                        raw[layer][start:start + len(values)] = values.reshape(len(values), -1)
                    else:
                        values.tofile(files[layer])
        finally:
            for handle in files.values():
                handle.close()
        factors = []
        for layer in source.layers:
            name = f"{source.name}:{layer}"
            if layer in raw:
                factors.append(LayerFactor(layer, feature_factor(raw[layer], name=name), shapes[layer], False))
            else:
                activations = np.memmap(files[layer].name, dtype=np.float32, mode="r",
                                        shape=(n, int(np.prod(shapes[layer]))))
                kernel = linear_kernel(activations, name=name)
                del activations
                factors.append(LayerFactor(layer, kernel_factor(kernel, name=name), shapes[layer], True))
    return factors


def model_assembly(name: str, stimulus_ids, factors: list[LayerFactor], attrs: dict | None = None) -> xr.DataArray:
    """The layers of one model as a brainio-style assembly (presentation × neuroid, float64).

    Coordinates: ``stimulus_id`` (presentation); ``neuroid_id`` (``<layer>.<i>``, or
    ``<layer>.pc<i>`` for a principal component), ``layer``, ``model`` (neuroid). Attributes
    ``features_<layer>`` say whether the columns are activations or principal components and of
    how many activations (with the layer's shape).
    """
    stimulus_ids = np.asarray(stimulus_ids).astype(str)
    for factor in factors:
        if len(factor.values) != len(stimulus_ids):
            raise ValueError(f"{name}: layer {factor.layer} has {len(factor.values)} rows for "
                             f"{len(stimulus_ids)} stimulus ids")
    columns = [factor.values.shape[1] for factor in factors]
    neuroid_ids = [f"{factor.layer}.{'pc' if factor.principal else ''}{i}"
                   for factor in factors for i in range(factor.values.shape[1])]
    layers = np.repeat([factor.layer for factor in factors], columns)
    assembly = xr.DataArray(
        np.concatenate([factor.values for factor in factors], axis=1), dims=("presentation", "neuroid"),
        coords={"stimulus_id": ("presentation", stimulus_ids),
                "neuroid_id": ("neuroid", neuroid_ids),
                "layer": ("neuroid", layers),
                "model": ("neuroid", np.full(len(layers), name))},
        name=name)
    assembly.attrs.update({"model": name, "code_version": CODE_VERSION, **(attrs or {})})
    assembly.attrs.update({f"features_{factor.layer}": factor.description for factor in factors})
    return assembly
