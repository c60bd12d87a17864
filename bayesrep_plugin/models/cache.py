"""Model assemblies cached as netCDF files, keyed by what they are computed from.

A file ``<cache>/model-assemblies/<model>.<key>.nc`` is reused when its key matches: the key is a
SHA-256 of the model's fingerprint (its weights file's SHA-256, or the package version and
weights for EfficientNet), of the images (stimulus ids, shape and pixel bytes) and of
:data:`~bayesrep_plugin.models.extract.CODE_VERSION`, the source of this package's code; a changed
input or code gives another key, so it is
recomputed. A cached file that cannot be read, or does not hold what its name promises, is
reported with a :class:`CacheWarning` naming it and recomputed. Files are written atomically (a
reader or an interrupted run never sees half a file). An interrupted computation leaves its
activations and checkpoint in ``<cache>/model-assemblies/.activations-<model>.<key>/``, from which
the next call with the same inputs resumes (:func:`~bayesrep_plugin.models.extract.layer_factors`). The batch size is not part of the key: it
changes the float32 activations at most at rounding level (the tests find batches of 100 and 50
images agree to 1e-5 relative).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import xarray as xr

from bayesrep_plugin._io import CacheWarning, cache_dir, cache_file, replacing
from bayesrep_plugin.assemblies.responses import canonical_stimulus_ids

from .extract import CODE_VERSION, check_images, layer_factors, model_assembly

CACHE_FOLDER = "model-assemblies"


def images_hash(stimulus_ids, images: np.ndarray) -> str:
    """SHA-256 of the stimulus ids, the images' shape and their pixels (hex)."""
    digest = hashlib.sha256()
    digest.update("\n".join(map(str, stimulus_ids)).encode())
    digest.update(repr(images.shape).encode())
    digest.update(np.ascontiguousarray(images).tobytes())
    return digest.hexdigest()


def _problem(path: Path, key: str, stimulus_ids: np.ndarray) -> str | None:
    """Why the cached file at ``path`` cannot be used (None if it can)."""
    try:
        with xr.open_dataset(path) as dataset:
            variables = list(dataset.data_vars)
            if len(variables) != 1:
                return f"expected one assembly, found variables {variables}"
            assembly = dataset[variables[0]].load()
    except Exception as error:  # netCDF4 / h5 raise their own types for a truncated or foreign file
        return f"not a readable netCDF file ({type(error).__name__})"
    if assembly.attrs.get("cache_key") != key:
        return "its cache key does not match its inputs"
    if assembly.dims != ("presentation", "neuroid") or not np.array_equal(
            assembly["stimulus_id"].values.astype(str), stimulus_ids):
        return "its stimulus ids are not the images'"
    if not np.isfinite(assembly.values).all():
        return "it holds non-finite values"
    return None


def cached_assembly(name: str, fingerprint: str, load_source: Callable[[], object], stimulus_ids,
                    images: np.ndarray, *, batch_size: int = 32, progress: bool = True,
                    folder: str | os.PathLike | None = None) -> Path:
    """The path of the model assembly of ``name`` on ``images`` (uint8 RGB, any size: resized to
    the model's input batch by batch), computed with the source that ``load_source()`` returns
    unless cached, resuming an interrupted computation of the same inputs.

    Parameters
    ----------
    name : str
        The model's name, in the file name and the assembly.
    fingerprint : str
        What identifies the model's weights (see the module); part of the key.
    load_source : callable
        Returns the activation source (:mod:`.extract`); called only when the file is not cached.
    stimulus_ids : sequence of str
        One distinct id per image.
    images : numpy.ndarray, uint8, shape (n, h, w, 3)
    batch_size, progress
        Images per forward pass; a progress bar.
    folder : path, optional
        Default: the cache folder ``model-assemblies``
        (:func:`bayesrep_plugin.datasets.location.cache_dir`).

    Returns
    -------
    pathlib.Path
        ``<folder>/<name>.<key>.nc``.

    Raises
    ------
    ValueError
        For images that are not uint8 RGB, or stimulus ids not one distinct id per image.
    CacheError
        When a folder stands where the file belongs (checked before the model runs).
    """
    images = check_images(images)
    stimulus_ids = canonical_stimulus_ids(stimulus_ids, name)
    if len(stimulus_ids) != len(images) or len(set(stimulus_ids)) != len(stimulus_ids):
        raise ValueError(f"{name}: need one distinct stimulus id per image; got {len(set(stimulus_ids))} distinct "
                         f"ids for {len(images)} images")
    folder = Path(folder) if folder is not None else cache_dir(CACHE_FOLDER)
    image_digest = images_hash(stimulus_ids, images)
    key = hashlib.sha256(f"{fingerprint}\n{image_digest}\n{CODE_VERSION}".encode()).hexdigest()
    path = cache_file(folder / f"{name}.{key[:16]}.nc")
    folder.mkdir(parents=True, exist_ok=True)
    if path.exists():
        problem = _problem(path, key, stimulus_ids)
        if problem is None:
            return path
        warnings.warn(f"{path}: {problem}; recomputing it", CacheWarning, stacklevel=2)
    source = load_source()
    factors = layer_factors(source, images, batch_size=batch_size, progress=progress,
                            scratch=folder / f".activations-{name}.{key[:16]}")
    assembly = model_assembly(name, stimulus_ids, factors, attrs={
        "cache_key": key, "model_fingerprint": fingerprint, "images_sha256": image_digest,
        "images_shape": "x".join(map(str, images.shape)), "preprocessing": source.preprocessing})
    with replacing(path) as temporary:
        assembly.to_netcdf(temporary)
    return path
