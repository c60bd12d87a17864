"""Macaque V4 spike counts of Cowley, Stan, Pillow & Smith (Nature 2026), session 210325, as Brain-Score has them.

The raw file holds (50 neurons, 640 images, 10 repeat slots) spike counts in a 100 ms bin; each
image has 6–10 real repeats and the other slots are NaN. :func:`load_assembly` builds exactly the
``NeuroidAssembly`` that brainscore_vision's ``data/cowley2026/data_packaging/data_packaging.py``
builds from such a file: one presentation per real repeat, in image order then repeat order, with
``stimulus_id`` ``image%04d`` (1-based), ``object_name`` ``%04d``, ``repetition`` (0-based within the
image), neuroids ``neuron_<j>`` in region ``V4``, one time bin 50–150 ms. :func:`load_stimulus_set`
gives the matching ``StimulusSet`` (image files extracted once into the cache folder) and
:func:`load_images` the pixels themselves.

Session 210325 is not one of the four sessions (190923, 201025, 210225, 211022) that the compact
models in the same folder were trained on: it is held-out data for them.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bayesrep_plugin._io import cache_dir

from .location import CorruptDataError, MissingDataError, dataset_file

if TYPE_CHECKING:
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

DATASET = "cowley2026-v4"
SESSION = "210325"
IDENTIFIER = f"Cowley2026.{SESSION}"
EXPERIMENT_DATE = "2021-03-25"
REGION = "V4"
TIME_BIN = (50, 150)
IMAGE_SHAPE = (112, 112, 3)
RESPONSES = f"responses_raw/responses_{SESSION}.npy"
IMAGES = f"images/images_{SESSION}.zip"


def stimulus_ids(n_images: int) -> list[str]:
    """Brain-Score's ids of the session's images.

    Parameters
    ----------
    n_images : int

    Returns
    -------
    list of str
        ``image0001`` …: column i of the responses is image i + 1.
    """
    return [f"image{i:04d}" for i in range(1, n_images + 1)]


def load_responses(path: str | os.PathLike | None = None) -> np.ndarray:
    """The raw spike counts, checked: NaN marks an absent repeat, the same repeats are absent for
    every neuron, every image has at least one repeat, no value is infinite or negative.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The data directory (default: ``$BAYESREP_DATA``).

    Returns
    -------
    numpy.ndarray, shape (neurons, images, repeat slots)

    Raises
    ------
    MissingDataError
        When the data directory or the file is absent (saying where to get it).
    CorruptDataError
        When the file does not hold what it should (naming it).
    """
    file = dataset_file(DATASET, RESPONSES, path)
    try:
        counts = np.load(file, allow_pickle=False)
    except Exception as error:
        raise CorruptDataError(f"{file}: not a readable .npy array ({type(error).__name__}: {error})") from None
    if counts.ndim != 3 or not np.issubdtype(counts.dtype, np.floating):
        raise CorruptDataError(f"{file}: expected a float array (neurons, images, repeat slots); "
                               f"got {counts.dtype} of shape {counts.shape}")
    absent = np.isnan(counts)
    if (absent != absent[:1]).any():
        neuron = int(np.flatnonzero((absent != absent[:1]).any(axis=(1, 2)))[0])
        raise CorruptDataError(f"{file}: neuron {neuron} has NaN (absent repeats) where neuron 0 has responses; "
                               "every neuron must share one repeat structure")
    repeats = (~absent[0]).sum(axis=1)
    if (repeats == 0).any():
        raise CorruptDataError(f"{file}: image {int(np.argmin(repeats)) + 1} has no repeat at all")
    present = counts[~absent]
    if not np.isfinite(present).all() or (present < 0).any():
        raise CorruptDataError(f"{file}: spike counts must be finite and non-negative "
                               f"(found {present[~np.isfinite(present) | (present < 0)][:3].tolist()})")
    if (~absent[0] != (np.arange(counts.shape[2]) < repeats[:, None])).any():
        raise CorruptDataError(f"{file}: absent repeats (NaN) must be the last slots of each image")
    return counts


def load_assembly(path: str | os.PathLike | None = None) -> "NeuroidAssembly":
    """The session as Brain-Score's ``NeuroidAssembly``, as its own data packaging builds it.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The data directory (default: ``$BAYESREP_DATA``).

    Returns
    -------
    NeuroidAssembly
        presentation × neuroid × time_bin: one presentation per real repeat (``stimulus_id``
        ``image%04d``, ``object_name``, ``repetition``), neuroids ``neuron_<j>`` in region V4,
        one time bin 50–150 ms.

    Raises
    ------
    MissingDataError
        When the data directory or the file is absent (saying where to get it).
    CorruptDataError
        When the file does not hold what it should (naming it).
    """
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly

    counts = load_responses(path)
    n_neurons, n_images, _ = counts.shape
    repeats = (~np.isnan(counts[0])).sum(axis=1)
    image = np.repeat(np.arange(n_images), repeats)
    repetition = np.concatenate([np.arange(r) for r in repeats])
    ids = np.array(stimulus_ids(n_images))
    assembly = NeuroidAssembly(
        counts[:, image, repetition].T[:, :, None],
        coords={"stimulus_id": ("presentation", ids[image]),
                "object_name": ("presentation", [f"{i + 1:04d}" for i in image]),
                "repetition": ("presentation", repetition),
                "neuroid_id": ("neuroid", [f"neuron_{j}" for j in range(n_neurons)]),
                "region": ("neuroid", [REGION] * n_neurons),
                "time_bin_start": ("time_bin", [TIME_BIN[0]]),
                "time_bin_end": ("time_bin", [TIME_BIN[1]])},
        dims=["presentation", "neuroid", "time_bin"])
    assembly.attrs["experiment_date"] = EXPERIMENT_DATE
    assembly.attrs["identifier"] = IDENTIFIER
    assembly.name = IDENTIFIER
    return assembly


def _image_names(archive: zipfile.ZipFile, file: Path, n_images: int) -> list[str]:
    names = sorted(n for n in archive.namelist() if n.lower().endswith(".jpg"))
    expected = [f"{i}.jpg" for i in stimulus_ids(n_images)]
    if [Path(n).name for n in names] != expected:
        raise CorruptDataError(f"{file}: expected {n_images} images image0001.jpg … image{n_images:04d}.jpg "
                               f"(one per column of the responses); found {len(names)} .jpg files")
    return names


def _open_images(path) -> tuple[zipfile.ZipFile, Path, list[str]]:
    file = dataset_file(DATASET, IMAGES, path)
    n_images = load_responses(path).shape[1]
    try:
        archive = zipfile.ZipFile(file)
        names = _image_names(archive, file, n_images)
    except zipfile.BadZipFile as error:
        raise CorruptDataError(f"{file}: not a readable zip archive ({error})") from None
    return archive, file, names


def load_images(path: str | os.PathLike | None = None) -> tuple[list[str], np.ndarray]:
    """The session's images, in the order of the responses' columns.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The data directory (default: ``$BAYESREP_DATA``).

    Returns
    -------
    tuple of (list of str, numpy.ndarray)
        The stimulus ids, and uint8 RGB pixels (n, 112, 112, 3).

    Raises
    ------
    MissingDataError
        When the data directory or the file is absent (saying where to get it).
    CorruptDataError
        When the file does not hold what it should (naming it).
    """
    from PIL import Image

    archive, file, names = _open_images(path)
    pixels = np.empty((len(names), *IMAGE_SHAPE), dtype=np.uint8)
    with archive:
        for i, name in enumerate(names):
            try:
                with Image.open(io.BytesIO(archive.read(name))) as image:
                    array = np.asarray(image.convert("RGB"))
            except Exception as error:
                raise CorruptDataError(f"{file}: {name} is not a readable image ({type(error).__name__})") from None
            if array.shape != IMAGE_SHAPE:
                raise CorruptDataError(f"{file}: {name} is {array.shape}, expected {IMAGE_SHAPE}")
            pixels[i] = array
    return stimulus_ids(len(names)), pixels


def extract_images(path: str | os.PathLike | None = None) -> Path:
    """The session's images as files in the cache folder (extracted once, atomically).

    Parameters
    ----------
    path : str or os.PathLike, optional
        The data directory (default: ``$BAYESREP_DATA``).

    Returns
    -------
    pathlib.Path
        The folder holding ``image0001.jpg`` ….

    Raises
    ------
    MissingDataError
        When the data directory or the file is absent (saying where to get it).
    CorruptDataError
        When the file does not hold what it should (naming it).
    """
    target = cache_dir(DATASET) / f"images_{SESSION}"
    if target.is_dir():
        return target
    archive, file, names = _open_images(path)
    staging = Path(tempfile.mkdtemp(prefix=".images-", dir=target.parent))
    try:
        with archive:
            for name in names:
                (staging / Path(name).name).write_bytes(archive.read(name))
        os.replace(staging, target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not target.is_dir():  # another process may have won the race; otherwise it is an error
            raise
    return target


def load_stimulus_set(path: str | os.PathLike | None = None) -> "StimulusSet":
    """Brain-Score's ``StimulusSet`` of the session.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The data directory (default: ``$BAYESREP_DATA``).

    Returns
    -------
    StimulusSet
        ``stimulus_id``, ``object_name`` and the paths of the extracted images.

    Raises
    ------
    MissingDataError
        When the data directory or the file is absent (saying where to get it).
    CorruptDataError
        When the file does not hold what it should (naming it).
    """
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    folder = extract_images(path)
    ids = stimulus_ids(load_responses(path).shape[1])
    stimulus_set = StimulusSet([{"stimulus_id": i, "object_name": i.removeprefix("image")} for i in ids])
    stimulus_set.stimulus_paths = {i: str(folder / f"{i}.jpg") for i in ids}
    stimulus_set.identifier = stimulus_set.name = IDENTIFIER
    return stimulus_set


__all__ = ["IDENTIFIER", "SESSION", "CorruptDataError", "MissingDataError", "load_assembly", "load_images",
           "load_responses", "load_stimulus_set", "stimulus_ids"]
