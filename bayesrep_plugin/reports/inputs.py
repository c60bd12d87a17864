"""Files in: netCDF assemblies (brainio's format or plain xarray), .npy/.npz arrays, and RDMs or kernels.

Every file becomes an :class:`xarray.DataArray` and then, through the assemblies package, a
:class:`~bayesrep_plugin.assemblies.responses.Responses` (one row per stimulus id, repetitions
kept) or, for an RDM or a kernel, a :class:`~bayesrep_plugin.assemblies.rdm.StimulusKernel`. Both
are aligned by stimulus id in the same way (:func:`~bayesrep_plugin.assemblies.align.align_all`). Everything that can be wrong with a
file is raised as :class:`InputError`, whose message is one line saying what is wrong and where.

- ``.nc``: one data variable (brainio writes it as ``data``); the stimulus coordinate is the first
  of ``stimulus_id``, ``stimulus_path``, ``image_id`` that exists, unless named explicitly.
- ``.npz``: an array ``activations`` (stimuli × features...) and an array ``stimulus_id``;
  optionally ``repetition`` (one label per row; rows with the same stimulus id are repetitions).
- ``.npy``: the activations alone; the stimulus ids come from a text file, one id per line
  (``stimulus_ids=``), in row order. The file is memory-mapped, not read: with its rows in
  stimulus-id order, the kernel is computed chunk by chunk from the mapped file, so the memory used
  is the kernel's, not the file's (rows in another order, or neuroids with NaN to drop, cost one
  copy of the array).

RDMs and kernels (see :mod:`bayesrep_plugin.assemblies.rdm` for the maths and the layout):

- ``.nc``: one data variable with dims ``(stimulus_id, stimulus_id_other)``, or
  ``(part, stimulus_id, stimulus_id_other)`` for two parts of the same brain data (e.g. two
  sessions), and the attribute ``rdm_kind`` (``correlation``, ``squared_euclidean``, ``euclidean``
  or ``kernel``).
- ``.npz``: an array ``rdm`` ((n, n) or (2, n, n)) with ``rdm_kind``, or an array ``kernel``; and
  ``stimulus_id``; optionally ``part`` (the two parts' names).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr

from bayesrep_plugin.assemblies.rdm import (COLUMN_DIM, KIND_ATTR, PART_DIM, ROW_DIM, StimulusKernel,
                                           stimulus_kernel_from_dataarray)
from bayesrep_plugin.assemblies.responses import STIMULUS_KEY, AssemblyError, Responses, responses_from_assembly
from bayesrep_plugin.errors import BayesrepError

STIMULUS_KEYS = (STIMULUS_KEY, "stimulus_path", "image_id")
SUFFIXES = (".nc", ".npz", ".npy")


class InputError(BayesrepError, ValueError):
    """Bad input; the message says what is wrong and where, in one line."""


@dataclass(frozen=True)
class Source:
    """A file to read, and which part of it.

    ``select`` keeps the neuroids whose coordinate equals the value (e.g. ``{"layer": "avgpool"}``
    or ``{"region": "IT"}``); ``name`` defaults to the file's short name (:func:`short_name`) plus the
    selected values.
    ``group`` (neural data on a leaderboard) names whose recordings these are, e.g. "human":
    each neural dataset is also ranked on the boards of the datasets of *other* groups, never on
    its own group's (they share data); without a group it is ranked on no other board.
    """

    path: Path
    name: str | None = None
    select: dict[str, str] = field(default_factory=dict)
    stimulus_ids: Path | None = None
    stimulus_key: str | None = None
    group: str | None = None

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        return ":".join([short_name(self.path), *map(str, self.select.values())])


def short_name(path: Path) -> str:
    """A file's name for people: its stem, or, for a brainio-style stem of ``key=value`` pairs
    (``identifier=alexnet,stimuli_identifier=objectome-240.nc``), the value of its ``identifier``
    (``alexnet``). Two inputs that end up with one name are refused, asking for ``--names``."""
    stem = Path(path).stem
    pairs = [part.partition("=") for part in stem.split(",")]
    if all(key and sep and value for key, sep, value in pairs):
        values = {key: value for key, _, value in pairs}
        return values.get("identifier") or stem
    return stem


def distinct_labels(sources: list[Source]) -> list[Source]:
    """``sources``, those without a given name whose short labels coincide named by their full file
    stem instead (two brainio files of one identifier and different stimuli, say)."""
    counts: dict[str, int] = {}
    for source in sources:
        counts[source.label] = counts.get(source.label, 0) + 1
    return [source if source.name or counts[source.label] == 1 else
            dataclasses.replace(source, name=":".join([source.path.stem, *map(str, source.select.values())]))
            for source in sources]


def _read_netcdf(path: Path) -> xr.DataArray:
    try:
        with xr.open_dataset(path) as dataset:
            variables = list(dataset.data_vars)
            if len(variables) != 1:
                raise InputError(f"{path}: expected one data variable (an assembly); found {len(variables)}: "
                                 f"{variables[:5]}")
            return dataset[variables[0]].load()
    except InputError:
        raise
    except Exception:  # netCDF4 and scipy each raise their own error types for a foreign file
        raise InputError(f"{path}: not a readable netCDF file") from None


def read_text(path: Path, purpose: str) -> str:
    """A text file given by the user (a stimulus-id list, a config), decoded as UTF-8 with or
    without a byte-order mark.

    Raises
    ------
    InputError
        When the file is absent or not UTF-8 (e.g. Latin-1), naming it and the first bad byte.
    """
    if not path.is_file():
        raise InputError(f"{path}: file not found ({purpose})")
    try:
        return path.read_text("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.object[error.start]:#04x} at position {error.start}); "
                         f"save the {purpose} as UTF-8") from None


def _read_lines(path: Path, purpose: str) -> np.ndarray:
    return np.array([line.strip() for line in read_text(path, purpose).splitlines() if line.strip()])


def _array_assembly(values: np.ndarray, ids: np.ndarray, repetition: np.ndarray | None, where: Path) -> xr.DataArray:
    """(stimuli × features...) array + labels → a presentation × neuroid DataArray."""
    if values.ndim < 2:
        raise InputError(f"{where}: activations must have a stimulus axis and at least one feature axis; "
                         f"shape is {values.shape}")
    values = values.reshape(len(values), int(np.prod(values.shape[1:])))  # -1 fails on 0 rows
    if len(ids) != len(values):
        raise InputError(f"{where}: {len(values)} rows of activations but {len(ids)} stimulus ids")
    coords = {"stimulus_id": ("presentation", ids), "neuroid_id": ("neuroid", np.arange(values.shape[1]))}
    if repetition is not None:
        if len(repetition) != len(values):
            raise InputError(f"{where}: {len(values)} rows of activations but {len(repetition)} repetition labels")
        coords["repetition"] = ("presentation", np.asarray(repetition))
    return xr.DataArray(values, dims=("presentation", "neuroid"), coords=coords)


def _matrix_array(archive: dict[str, np.ndarray], path: Path) -> xr.DataArray:
    """An .npz RDM / kernel → the labelled DataArray that a netCDF RDM file holds."""
    if "stimulus_id" not in archive:
        raise InputError(f"{path}: missing array 'stimulus_id'; it holds {list(archive)}")
    if "rdm" in archive and "kernel" in archive:
        raise InputError(f"{path}: holds both 'rdm' and 'kernel'; give one")
    if "kernel" in archive:
        values, kind = archive["kernel"], "kernel"
    elif "rdm_kind" not in archive:
        raise InputError(f"{path}: an 'rdm' needs 'rdm_kind' (correlation, squared_euclidean or euclidean)")
    else:
        values, kind = archive["rdm"], str(archive["rdm_kind"])
    ids = archive["stimulus_id"]
    dims = (ROW_DIM, COLUMN_DIM) if values.ndim == 2 else (PART_DIM, ROW_DIM, COLUMN_DIM)
    if values.ndim not in (2, 3) or values.shape[-2:] != (len(ids), len(ids)):
        raise InputError(f"{path}: the matrix has shape {values.shape}; expected (n, n) or (2, n, n) "
                         f"with n = {len(ids)} stimulus ids")
    coords = {ROW_DIM: ids, COLUMN_DIM: ids}
    if values.ndim == 3:
        coords[PART_DIM] = (archive["part"].astype(str) if "part" in archive
                            else [f"part {k + 1}" for k in range(len(values))])
    return xr.DataArray(values, dims=dims, coords=coords, attrs={KIND_ATTR: kind})


def _read_npz(path: Path) -> xr.DataArray:
    try:  # every member read here: a damaged one fails now (zipfile, zlib, numpy: each its own error)
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except Exception as error:
        raise InputError(f"{path}: not a readable .npz archive ({type(error).__name__}: {error})") from None
    if "rdm" in arrays or "kernel" in arrays:
        return _matrix_array(arrays, path)
    missing = [key for key in ("activations", "stimulus_id") if key not in arrays]
    if missing:
        raise InputError(f"{path}: missing array(s) {missing}; it holds {list(arrays)}")
    return _array_assembly(arrays["activations"], arrays["stimulus_id"], arrays.get("repetition"), path)


def _read_npy(path: Path, stimulus_ids: Path | None) -> xr.DataArray:
    if stimulus_ids is None:
        raise InputError(f"{path}: a .npy file needs a stimulus-id list (a text file, one id per line); "
                         "pass --stimulus-ids FILE or stimulus_ids: FILE in the config")
    try:  # mapped, not read (see the module docstring); a file shorter than its header says fails here
        values = np.load(path, mmap_mode="r", allow_pickle=False)
    except Exception as error:
        raise InputError(f"{path}: not a readable .npy array ({type(error).__name__}: {error})") from None
    return _array_assembly(values, _read_lines(stimulus_ids, f"stimulus ids for {path.name}"), None, path)


def _select(assembly: xr.DataArray, select: dict[str, str], where: Path) -> xr.DataArray:
    for coordinate, value in select.items():
        if coordinate not in assembly.coords:
            raise InputError(f"{where}: no coordinate '{coordinate}' to select on "
                             f"(coordinates: {sorted(map(str, assembly.coords))})")
        labels = assembly[coordinate]
        keep = labels.values.astype(str) == str(value)
        if not keep.any():
            available = sorted(set(labels.values.astype(str).tolist()))
            raise InputError(f"{where}: no {coordinate} = {value!r}; available: {available[:10]}")
        assembly = assembly.isel({labels.dims[0]: keep})
    return assembly


def _stimulus_key(assembly: xr.DataArray, source: Source) -> str:
    keys = [source.stimulus_key] if source.stimulus_key else STIMULUS_KEYS
    for key in keys:
        if key in assembly.coords:
            return key
    raise InputError(f"{source.path}: no stimulus coordinate (looked for {', '.join(keys)}; "
                     f"coordinates: {sorted(map(str, assembly.coords))})")


def _read(source: Source) -> xr.DataArray:
    path = source.path
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.suffix not in SUFFIXES:
        raise InputError(f"{path}: unknown file type '{path.suffix}'; expected one of {', '.join(SUFFIXES)}")
    if path.suffix == ".nc":
        return _read_netcdf(path)
    if path.suffix == ".npz":
        return _read_npz(path)
    return _read_npy(path, source.stimulus_ids)


def _is_matrix(array: xr.DataArray) -> bool:
    """An RDM or kernel over stimuli (rather than responses)."""
    return COLUMN_DIM in array.dims


def _as_assembly(assembly: xr.DataArray, source: Source) -> xr.DataArray:
    """The selected responses, their stimulus coordinate renamed ``stimulus_id``."""
    path = source.path
    if _is_matrix(assembly):
        raise InputError(f"{path}: holds an RDM or kernel, not responses")
    assembly = _select(assembly, source.select, path)
    key = _stimulus_key(assembly, source)
    if key != STIMULUS_KEY:
        if STIMULUS_KEY in assembly.coords:
            assembly = assembly.drop_vars(STIMULUS_KEY)
        assembly = assembly.rename({key: STIMULUS_KEY})
    return assembly


def load_assembly(source: Source) -> xr.DataArray:
    """Read ``source`` into a DataArray whose stimulus coordinate is called ``stimulus_id``.

    Renaming the file's own stimulus key (e.g. ``stimulus_path``) lets files that use different
    keys for the same stimuli meet: alignment is always on ``stimulus_id``.
    """
    return _as_assembly(_read(source), source)


def _responses(assembly: xr.DataArray, source: Source) -> Responses:
    try:
        return responses_from_assembly(assembly, name=source.label)
    except AssemblyError as error:
        raise InputError(f"{source.path}: {error}") from None


def load_responses(source: Source) -> Responses:
    """Read ``source`` into Responses, named by its label (``simulated`` set when the file says so)."""
    return _responses(load_assembly(source), source)


def load_input(source: Source) -> Responses | StimulusKernel:
    """Read ``source`` into Responses, or into a StimulusKernel when the file holds an RDM or kernel."""
    array = _read(source)
    if not _is_matrix(array):
        return _responses(_as_assembly(array, source), source)
    if source.select or source.stimulus_key:
        raise InputError(f"{source.path}: holds an RDM or kernel; 'select' and 'stimulus_key' apply to responses only")
    try:
        return stimulus_kernel_from_dataarray(array, source.label)
    except AssemblyError as error:
        raise InputError(f"{source.path}: {error}") from None
