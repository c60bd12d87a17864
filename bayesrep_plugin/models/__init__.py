"""Models of V4 (and an ImageNet network, and pixels) as model assemblies of their layers.

An adapter beside :mod:`bayesrep_plugin.assemblies`: it knows models and images, not the metrics.
:func:`model_assemblies` runs any image set through the 56 shared compact models of Cowley et al.
(:mod:`.compact`), EfficientNet-Lite0 (:mod:`.efficientnet`) and the pixels baseline, and caches
each model's layers as one netCDF assembly (:mod:`.cache`, :mod:`.extract`);
:func:`v4_model_assemblies` does it for the 640 images of the V4 session. The files are read by
``bayesrep compare`` and :func:`bayesrep_plugin.reports.inputs.load_assembly`, selecting a layer
with the ``layer`` neuroid coordinate.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .cache import CacheWarning, cached_assembly
from .extract import PIXELS_FINGERPRINT, Pixels


def _sources(data_dir, efficientnet: bool | None) -> list[tuple[str, str, object]]:
    """(name, fingerprint, loader) of every model, pixels first."""
    from . import compact

    sources = [("pixels", PIXELS_FINGERPRINT, Pixels)]
    for file in compact.list_models(data_dir):
        sources.append((file.name, file.fingerprint(), lambda file=file: compact.CompactModel(file)))
    if efficientnet is not False:
        from . import efficientnet as lite
        try:
            sources.append((lite.NAME, lite.fingerprint(), lite.EfficientNetLite0))
        except ImportError as error:
            if efficientnet:
                raise
            warnings.warn(f"{lite.NAME} left out: {error}", stacklevel=3)
    return sources


def model_assemblies(stimulus_ids, images: np.ndarray, *, data_dir: str | os.PathLike | None = None,
                     efficientnet: bool | None = None, batch_size: int = 32, progress: bool = True,
                     folder: str | os.PathLike | None = None) -> dict[str, Path]:
    """Model assemblies of ``images`` (uint8 RGB (n, h, w, 3), any size) for the pixels, every
    compact model in the data directory and EfficientNet-Lite0 (``efficientnet=None``: if its
    packages are installed, else a warning; True: required; False: left out).

    Returns {model name: path of its cached netCDF assembly}; see :mod:`.cache` for reuse.
    """
    sources = _sources(data_dir, efficientnet)
    paths = {}
    for name, fingerprint, load in tqdm(sources, desc="model assemblies", unit="model", disable=not progress):
        paths[name] = cached_assembly(name, fingerprint, load, stimulus_ids, images, batch_size=batch_size,
                                      progress=progress, folder=folder)
    return paths


def v4_model_assemblies(data_dir: str | os.PathLike | None = None, progress: bool = True, **options) -> dict[str, Path]:
    """:func:`model_assemblies` of the 640 images of the V4 session (:mod:`bayesrep_plugin.datasets.cowley2026`)."""
    from bayesrep_plugin.datasets import cowley2026

    stimulus_ids, images = cowley2026.load_images(data_dir)
    return model_assemblies(stimulus_ids, images, data_dir=data_dir, progress=progress, **options)


__all__ = ["CacheWarning", "model_assemblies", "v4_model_assemblies"]
