"""Models of V4 (and an ImageNet network, and pixels) as model assemblies of their layers.

An adapter beside :mod:`bayesrep_plugin.assemblies`: it knows models and images, not the metrics.
:func:`model_assemblies` runs any image set through the 56 shared compact models of Cowley et al.
(:mod:`.compact`), EfficientNet-Lite0 (:mod:`.efficientnet`) and the pixels baseline, and caches
each model's layers as one netCDF assembly (:mod:`.cache`, :mod:`.extract`);
:func:`v4_model_assemblies` does it for the 640 images of the V4 session;
:func:`torch_model_assembly` does it for any torch model and the modules named (forward hooks,
:class:`~bayesrep_plugin.models.hooks.TorchSource`), resuming an interrupted run. The files are read by
``bayesrep compare`` and :func:`bayesrep_plugin.reports.inputs.load_assembly`, selecting a layer
with the ``layer`` neuroid coordinate.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import Executor, as_completed
from functools import partial
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
from tqdm.auto import tqdm

from bayesrep_plugin._io import CacheWarning
from bayesrep_plugin.errors import BayesrepError

from . import compact
from .cache import cached_assembly
from .extract import PIXELS_FINGERPRINT, Pixels, layer_kernels
from .hooks import IMAGENET_MEAN, IMAGENET_STD, TorchSource


class UnknownModelError(BayesrepError, ValueError):
    """A model asked for by a name that no model has; the message lists the names."""


def _sources(data_dir, efficientnet: bool | None, compact_layers: tuple[str, ...] | None,
             device: str | None) -> list[tuple[str, str, Callable[[], object]]]:
    """(name, fingerprint, loader) of every model, pixels first; the compact models' ``compact_layers``
    only, when given (their fingerprint says which). The loaders pickle (partials of classes), so
    that a worker process can load its model itself."""
    sources = [("pixels", PIXELS_FINGERPRINT, Pixels)]
    layers = compact.LAYERS if compact_layers is None else tuple(compact_layers)
    chosen = "" if compact_layers is None else f":layers={','.join(layers)}"
    for file in compact.list_models(data_dir):
        sources.append((file.name, file.fingerprint() + chosen, partial(compact.CompactModel, file, layers, device)))
    if efficientnet is not False:
        from . import efficientnet as lite
        try:
            sources.append((lite.NAME, lite.fingerprint(), partial(lite.EfficientNetLite0, device)))
        except ImportError as error:
            if efficientnet:
                raise
            warnings.warn(f"{lite.NAME} left out: {error}", stacklevel=3)
    return sources


def model_assemblies(stimulus_ids, images: np.ndarray, *, data_dir: str | os.PathLike | None = None,
                     efficientnet: bool | None = None, compact_layers: Sequence[str] | None = None,
                     models: Sequence[str] | None = None, batch_size: int = compact.BATCH_SIZE,
                     progress: bool = True,
                     folder: str | os.PathLike | None = None, device: str | None = None,
                     executor: Executor | None = None) -> dict[str, Path]:
    """Model assemblies of an image set for the pixels, every compact model in the data directory
    and EfficientNet-Lite0.

    Parameters
    ----------
    stimulus_ids : sequence of str
        One distinct id per image.
    images : numpy.ndarray, uint8, shape (n, h, w, 3)
        RGB, any size (resized to each model's input).
    data_dir : path, optional
        The data directory (default: ``$BAYESREP_DATA``).
    efficientnet : bool, optional
        None: EfficientNet-Lite0 if its packages are installed, else a warning; True: required;
        False: left out.
    compact_layers : sequence of str, optional
        The compact models' layers to compute and cache (default: all of
        :data:`~bayesrep_plugin.models.compact.LAYERS`); e.g. ``("output_responses",)`` for a
        report on their outputs, a small fraction of the work and none of the scratch space.
    models : sequence of str, optional
        Only the models of these names (e.g. ``"pixels"``, ``"from_vgg19-25filters"``); default all.
    batch_size, progress, folder
        Images per forward pass (default :data:`~bayesrep_plugin.models.compact.BATCH_SIZE`),
        progress bars, the cache folder (see :mod:`.cache`).
    device : str, optional
        The torch device of the forward passes (``"cuda"``, ``"cuda:1"``; default the CPU).
    executor : concurrent.futures.Executor, optional
        Run each model as a task of its own there (e.g. a Dask cluster's ``client.get_executor()``,
        whose workers share the cache folder): the models in parallel, a bar over the models
        here. Default: one after the other, here, with a bar over each model's images.

    Returns
    -------
    dict of str to pathlib.Path
        {model name: its cached netCDF assembly}, pixels first; see :mod:`.cache` for reuse and
        resumption.
    """
    sources = _sources(data_dir, efficientnet, None if compact_layers is None else tuple(compact_layers), device)
    if models is not None:
        unknown = sorted(set(models) - {name for name, _, _ in sources})
        if unknown:
            raise UnknownModelError(f"no model named {unknown}; the models are {[name for name, _, _ in sources]}")
        sources = [source for source in sources if source[0] in models]
    if executor is not None:
        tasks = {executor.submit(cached_assembly, name, fingerprint, load, stimulus_ids, images, batch_size=batch_size,
                                 progress=False, folder=folder): name for name, fingerprint, load in sources}
        done = {}
        with tqdm(total=len(tasks), desc="model assemblies", unit="model", disable=not progress) as bar:
            for task in as_completed(tasks):
                done[tasks[task]] = task.result()  # a model's error is raised here, as it is
                bar.set_postfix_str(tasks[task])
                bar.update()
        return {name: done[name] for name, _, _ in sources}
    paths = {}
    with tqdm(sources, desc="model assemblies", unit="model", disable=not progress) as bar:
        for name, fingerprint, load in bar:
            bar.set_postfix_str(name)  # what the seconds before its own bar (loading it) are spent on
            paths[name] = cached_assembly(name, fingerprint, load, stimulus_ids, images, batch_size=batch_size,
                                          progress=progress, folder=folder)
    return paths


def torch_model_assembly(model, layers: Sequence[str] | Mapping[str, str], stimulus_ids, images: np.ndarray, *,
                         input_size: int = 224, mean: float | Sequence[float] = IMAGENET_MEAN,
                         std: float | Sequence[float] = IMAGENET_STD, name: str | None = None,
                         batch_size: int = 32, progress: bool = True,
                         folder: str | os.PathLike | None = None) -> Path:
    """The model assembly of any torch model: the outputs of its modules ``layers`` on ``images``
    (uint8 RGB (n, h, w, 3), any size), read by forward hooks in one pass, batch by batch.

    Parameters
    ----------
    model : torch.nn.Module
    layers, input_size, mean, std, name
        As for :class:`~bayesrep_plugin.models.hooks.TorchSource`: module names (or {module name:
        layer name}), the input size images are resized to, the normalisation (pixel − mean) / std
        on the 0–255 scale (default ImageNet's), the model's name (default its class name).
    stimulus_ids : sequence of str
        One distinct id per image.
    images : numpy.ndarray, uint8, shape (n, h, w, 3)
    batch_size, progress, folder
        Images per forward pass, a progress bar, the cache folder (see :mod:`.cache`).

    Returns
    -------
    pathlib.Path
        The cached netCDF assembly; each layer's columns F have F Fᵀ = X Xᵀ for its activations X
        (:func:`~bayesrep_plugin.models.extract.layer_kernels` gives the kernels). The cache key
        is :meth:`~bayesrep_plugin.models.hooks.TorchSource.fingerprint` (weights, structure,
        layers, preprocessing) with the images; an interrupted run resumes.
    """
    source = TorchSource(model, layers, input_size=input_size, mean=mean, std=std, name=name)
    return cached_assembly(source.name, source.fingerprint(), lambda: source, stimulus_ids, images,
                           batch_size=batch_size, progress=progress, folder=folder)


def v4_model_assemblies(data_dir: str | os.PathLike | None = None, progress: bool = True, **options) -> dict[str, Path]:
    """:func:`model_assemblies` of the 640 images of the V4 session (:mod:`bayesrep_plugin.datasets.cowley2026`).

    Parameters
    ----------
    data_dir : path, optional
        The data directory (default: ``$BAYESREP_DATA``).
    progress : bool
        Progress bars.
    **options
        Passed to :func:`model_assemblies` (``efficientnet``, ``compact_layers``, ``models``,
        ``batch_size``, ``folder``).

    Returns
    -------
    dict of str to pathlib.Path
        {model name: its cached netCDF assembly}.
    """
    from bayesrep_plugin.datasets import cowley2026

    stimulus_ids, images = cowley2026.load_images(data_dir)
    return model_assemblies(stimulus_ids, images, data_dir=data_dir, progress=progress, **options)


__all__ = ["CacheWarning", "UnknownModelError", "TorchSource", "layer_kernels", "model_assemblies", "torch_model_assembly",
           "v4_model_assemblies"]
