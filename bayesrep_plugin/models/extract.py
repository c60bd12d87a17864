"""Images → the activations of every layer of a model → one model assembly, kept compact and exact.

An *activation source* is any object with ``name``, ``layers``, ``input_size``, ``preprocessing``
(a line for the assembly's attributes) and
``activations(uint8 images (b, s, s, 3)) -> {layer: float32 (b, ...)}``: any torch model through
forward hooks (:class:`~bayesrep_plugin.models.hooks.TorchSource`; EfficientNet-Lite0,
:mod:`.efficientnet`, is one), the compact models on keras (:mod:`.compact`) and the pixels
(:class:`Pixels`).

Everything downstream depends on a representation only through its linear kernel K = X Xᵀ. So a
layer with more features than images (d > n) is stored as its principal-component factor

    F = V Λ^{1/2}   (n × n, columns in decreasing order of variance),   K = V Λ Vᵀ,

for which F Fᵀ = K exactly (to rounding). F is X in another orthonormal feature basis (X = U S Wᵀ
gives F = U S up to the signs of columns), so every kernel measure, the feature-centred kernel
(H F)(H F)ᵀ = H K H, and a linear / PLS readout with unscaled features are unchanged. A layer with
d ≤ n is stored as its raw activations.

Memory, and why a scratch file: an exact K = X Xᵀ needs the products of every pair of images, so
the activations of all batches must be somewhere (accumulating K block by block in memory would
need each batch again for every later batch: a forward pass per pair of batches); they are kept on
disk, not in memory. The images go through the model in batches; each batch's activations are
appended (float32) to a scratch file, one per layer, in a folder of the cache; after the pass K is
accumulated in float64 from each file by :func:`bayesrep_plugin.core.kernels.linear_kernel`, which
reads a memory map in feature chunks and releases the pages it read. Resident memory is one batch
(its images, its forward pass, its activations) plus one float64 chunk (64 MiB) plus K, however
wide the layer and however many the images; no n × d array of a layer wider than n is ever
allocated (a layer with d ≤ n is read whole, n × d ≤ n × n, like K). The scratch files
(n × d × 4 bytes per layer: 6.4 GB for layer0 of the 200-filter model on 640 images) are deleted
when the model is done.

Resuming: the scratch folder is also the checkpoint. After each finished batch the number of
images done is written there atomically (after the batch's activations); an interrupted run called
again with the same folder cuts each file back to that many rows and goes on from there, so
finished batches are never recomputed. With the same batch size the result is the uninterrupted
run's, bit for bit (the tests check it).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from bayesrep_plugin._io import CacheWarning, code_digest, locked, write_text
from bayesrep_plugin.assemblies.responses import canonical_stimulus_ids
from bayesrep_plugin.core.kernels import feature_factor, kernel_factor, linear_kernel

from . import compact

#: Written into every assembly and part of every cache key: the source of the code that computes the
#: stored activations (the sources, batches, resizing, the assembly's layout), and of nothing that only
#: chooses which models to run (models/__init__.py, the cache's bookkeeping): editing those must not
#: throw away an hour of computed activations.
CODE_VERSION = code_digest("bayesrep_plugin.models.extract", "bayesrep_plugin.models.compact",
                           "bayesrep_plugin.models.hooks", "bayesrep_plugin.models.efficientnet")


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
    """Each layer's kernel factor (see the module) of ``images`` (uint8 RGB (n, h, w, 3), resized
    batch by batch to ``source.input_size``), from one pass of the images through ``source``.

    Parameters
    ----------
    source
        An activation source (see the module).
    images : numpy.ndarray, shape (n, h, w, 3), uint8
        May be a memory map: only one batch is read (and resized) at a time.
    batch_size : int
        Images per forward pass.
    progress : bool
        Show a progress bar (images done of n).
    scratch : path, optional
        The folder of this extraction's activation files, which is its checkpoint: after every
        finished batch the number of images done is written there atomically, so a run that is
        interrupted (Ctrl-C, killed, an error) and called again with the same folder resumes after
        the last finished batch instead of starting over. The folder must belong to these images and
        this source alone (:func:`bayesrep_plugin.models.cache.cached_assembly` names it by their
        key); it is locked while in use (a second process using it gets a ``RuntimeError``) and
        deleted when the factors are done. Default: a temporary folder (not resumable).

    Returns
    -------
    list of LayerFactor
        In the order of ``source.layers``; values valuesᵀ = X Xᵀ (float64) for each layer's
        activations X (n × d, float32).
    """
    images = check_images(images)
    if len(images) < 2:
        raise ValueError(f"{source.name}: at least 2 images are needed; got {len(images)}")
    if batch_size < 1:
        raise ValueError(f"{source.name}: batch_size must be at least 1; got {batch_size}")
    if scratch is None:
        with tempfile.TemporaryDirectory(prefix=".activations-") as folder:
            return _factors_of_files(source, len(images), Path(folder),
                                     _write_activations(source, images, batch_size, progress, Path(folder)))
    folder = Path(scratch)
    folder.mkdir(parents=True, exist_ok=True)
    with _only_user(folder):
        factors = _factors_of_files(source, len(images), folder,
                                    _write_activations(source, images, batch_size, progress, folder))
        shutil.rmtree(folder)
    return factors


@contextmanager
def _only_user(folder: Path) -> Iterator[None]:
    """Hold the scratch folder alone: two processes appending to the same files would interleave
    their batches into wrong kernels, so the second one fails instead."""
    try:
        lock = locked(folder / "lock")
    except BlockingIOError:
        raise RuntimeError(f"{folder}: another process is computing these activations; "
                           "wait for it to finish") from None
    with lock:
        yield


#: The checkpoint in a scratch folder: {"layers", "images", "done", "shapes"} after each finished batch.
CHECKPOINT = "checkpoint.json"


def _layer_file(folder: Path, layer: str) -> Path:
    return folder / f"{layer}.f32"


def _resume(source, n: int, folder: Path) -> tuple[int, dict[str, tuple[int, ...]]]:
    """(images done, {layer: activation shape}) from the folder's checkpoint, with every layer file
    cut back to the rows it vouches for (a batch interrupted while being written is dropped); (0, {})
    with the folder emptied when there is no usable checkpoint."""
    path = folder / CHECKPOINT
    if path.exists():
        try:
            state = json.loads(path.read_text())
            done, shapes = int(state["done"]), {layer: tuple(shape) for layer, shape in state["shapes"].items()}
            problem = None if state["layers"] == list(source.layers) and state["images"] == n else "another extraction"
        except (ValueError, KeyError, TypeError) as error:
            problem = f"unreadable ({type(error).__name__})"
        if problem is None:
            sizes = {layer: done * int(np.prod(shape)) * 4 for layer, shape in shapes.items()}
            short = [layer for layer, size in sizes.items()
                     if not _layer_file(folder, layer).exists() or _layer_file(folder, layer).stat().st_size < size]
            if not short:
                for layer, size in sizes.items():
                    os.truncate(_layer_file(folder, layer), size)
                return done, shapes
            problem = f"the activation files of {short} are shorter than it says"
        warnings.warn(f"{path}: checkpoint of {problem}; starting {source.name} over", CacheWarning, stacklevel=4)
    for file in folder.glob("*.f32"):
        file.unlink()
    path.unlink(missing_ok=True)
    return 0, {}


def _write_activations(source, images: np.ndarray, batch_size: int, progress: bool,
                       folder: Path) -> dict[str, tuple[int, ...]]:
    """Append each batch's activations (float32) to one file per layer in ``folder``, resuming from
    its checkpoint; return {layer: activation shape of one image}."""
    n = len(images)
    done, shapes = _resume(source, n, folder)
    with tqdm(total=n, initial=done, desc=source.name, unit="image", disable=not progress, leave=False) as bar:
        for start in range(done, n, batch_size):
            batch = source.activations(resize(images[start:start + batch_size], source.input_size))
            for layer in source.layers:
                values = np.ascontiguousarray(batch[layer], dtype=np.float32)
                if shapes.setdefault(layer, values.shape[1:]) != values.shape[1:]:
                    raise ValueError(f"{source.name}: layer {layer} gave activations of shape {values.shape[1:]} "
                                     f"for images {start}…, {shapes[layer]} before")
                with open(_layer_file(folder, layer), "ab") as handle:
                    values.tofile(handle)
            done = start + len(values)
            write_text(folder / CHECKPOINT, json.dumps({"layers": list(source.layers), "images": n, "done": done,
                                                        "shapes": shapes}))
            bar.update(len(values))
        bar.refresh()  # n/n drawn before the bar is cleared (tqdm redraws only every 0.1 s)
    return shapes


def _factors_of_files(source, n: int, folder: Path, shapes: dict[str, tuple[int, ...]]) -> list[LayerFactor]:
    """The factor of each layer from its activation file: the raw activations when d ≤ n, else the
    principal components of K accumulated from a memory map in feature chunks."""
    factors = []
    for layer in source.layers:
        name = f"{source.name}:{layer}"
        d = int(np.prod(shapes[layer]))
        activations = np.memmap(_layer_file(folder, layer), dtype=np.float32, mode="r", shape=(n, d))
        if d <= n:
            factors.append(LayerFactor(layer, feature_factor(activations, name=name), shapes[layer], False))
        else:
            factors.append(LayerFactor(layer, kernel_factor(linear_kernel(activations, name=name), name=name),
                                       shapes[layer], True))
        del activations
    return factors


def model_assembly(name: str, stimulus_ids, factors: list[LayerFactor], attrs: dict | None = None) -> xr.DataArray:
    """The layers of one model as a brainio-style assembly (presentation × neuroid, float64).

    Coordinates: ``stimulus_id`` (presentation); ``neuroid_id`` (``<layer>.<i>``, or
    ``<layer>.pc<i>`` for a principal component), ``layer``, ``model`` (neuroid). Attributes
    ``features_<layer>`` say whether the columns are activations or principal components and of
    how many activations (with the layer's shape).
    """
    stimulus_ids = canonical_stimulus_ids(stimulus_ids, name)
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


def layer_kernels(assembly: xr.DataArray) -> dict[str, np.ndarray]:
    """The linear kernel of each layer of a model assembly (as :func:`model_assembly` builds it).

    Parameters
    ----------
    assembly : xarray.DataArray, presentation × neuroid
        With a ``layer`` neuroid coordinate.

    Returns
    -------
    dict of str to numpy.ndarray
        {layer: K = F Fᵀ (n × n, float64)} for the columns F of each layer, in the assembly's
        order: X Xᵀ of the layer's activations X (see the module).
    """
    layers = assembly["layer"].values
    values = np.asarray(assembly.values, dtype=np.float64)
    return {str(layer): values[:, layers == layer] @ values[:, layers == layer].T for layer in dict.fromkeys(layers)}

