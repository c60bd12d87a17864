"""Labeled assemblies → validated responses by stimulus, with repetitions kept.

Everything in this package reads an assembly once, through :func:`responses_from_assembly`, into
a :class:`Responses`: one row per stimulus id, every repetition kept (for the ceiling and the
noise-aware kernel), the mean over repetitions available for the comparison. All checks on the
input happen here, and each failure is an :class:`AssemblyError` naming the assembly.

Accepted input: a brainio ``NeuroidAssembly`` / ``DataAssembly`` (dims ``presentation`` ×
``neuroid`` [× ``time_bin``], MultiIndex coords) or a plain ``xarray.DataArray``. The stimulus
dimension is whichever dimension carries the stimulus key coordinate (default ``stimulus_id``;
the activations shipped with brainscore-vision use ``stimulus_path``); the feature dimension must
be ``neuroid``; ``time_bin`` is optional. Any other dimension is an error.

Stimulus ids are text: every input's ids are read through :func:`canonical_stimulus_ids`, the one
rule by which ids of any origin (a brainio assembly, an .npz array, an ids file) are compared.

Repetitions: only a ``repetition`` coordinate makes them; its values label the repetitions (a
pair (stimulus, repetition) may occur only once). Without one, a repeated stimulus id is an error
that names the ids: averaging rows that merely share an id would silently turn a model into a
"brain" with repetitions.

NaN responses: a neuroid with any NaN response is dropped (and counted in
:attr:`Responses.dropped_neuroids`, which the metrics report in the score's attrs), because in
recordings a NaN marks a neuroid that was not recorded for some presentations; dropping the whole
neuroid keeps every stimulus and keeps the kernel an inner product over the same features for all
stimulus pairs, while imputing would invent responses. If every neuroid is dropped it is an
error. Infinite values are always an error (they are a bug, not missing data).
"""

from __future__ import annotations

import hashlib
import numbers
import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import xarray as xr

from bayesrep_plugin.core.kernels import column_blocks
from bayesrep_plugin.errors import BayesrepError

#: The default stimulus coordinate, as in Brain-Score.
STIMULUS_KEY = "stimulus_id"
FEATURE_DIM = "neuroid"
TIME_DIM = "time_bin"
REPETITION_COORD = "repetition"


class AssemblyError(BayesrepError, ValueError):
    """An assembly cannot be used as given; the message names the assembly and the problem."""


#: A byte-order mark: what a text file's encoding leaves before its first line, never part of an id.
BYTE_ORDER_MARK = "\ufeff"


def _id_text(value, name: str) -> str:
    """One stimulus id as text (see :func:`canonical_stimulus_ids`)."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise AssemblyError(f"{name}: stimulus id {value!r} is not UTF-8 text") from None
    if isinstance(value, str):
        return value.removeprefix(BYTE_ORDER_MARK)
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        return str(int(value))
    raise AssemblyError(f"{name}: stimulus ids must be text or whole numbers (they are compared as text, so 7 and "
                        f"'7' are one stimulus); got {value!r} ({type(value).__name__})")


def canonical_stimulus_ids(ids, name: str) -> np.ndarray:
    """Stimulus ids as text: the one type in which the ids of every input are compared.

    Whole numbers become their decimal text, so the integer 7 of one file and the string "7" of
    another are the same stimulus; bytes are decoded as UTF-8; a leading byte-order mark is
    dropped. Anything else (floats, booleans, missing values) is refused, since 7.0 would
    otherwise be "7.0" in one input and 7 in another.

    Parameters
    ----------
    ids : array_like, shape (n,)
        Stimulus ids of any of those types, mixed or not.
    name : str
        The input's name, in errors.

    Returns
    -------
    numpy.ndarray of str, shape (n,)

    Raises
    ------
    AssemblyError
        Naming the input and an id of a refused type.
    """
    values = np.asarray(ids)
    if values.ndim != 1:
        raise AssemblyError(f"{name}: stimulus ids must be one-dimensional; got shape {values.shape}")
    if values.dtype.kind == "U":
        return np.char.lstrip(values, BYTE_ORDER_MARK) if values.size else values
    if values.dtype.kind in "iu":
        return values.astype(str)
    return np.array([_id_text(value, name) for value in values.tolist()], dtype=str)


@dataclass(frozen=True, eq=False)
class Responses:
    """Responses of one assembly by stimulus, repetitions kept.

    ``trials[r, i]`` is the response vector of stimulus ``stimulus_ids[i]`` on its r-th
    repetition, where ``present[r, i]`` is True; absent repetitions hold zeros (stimuli may have
    different numbers of repetitions).

    Parameters
    ----------
    name : str
        The assembly's name, in errors and reports.
    stimulus_ids : numpy.ndarray, shape (n,)
        Sorted, unique.
    trials : numpy.ndarray, shape (R, n, d)
    present : numpy.ndarray of bool, shape (R, n)
    neuroid_ids : numpy.ndarray, shape (d,)
    dropped_neuroids : tuple
        Ids of the neuroids dropped for NaN responses.
    simulated : bool
        The assembly says (attribute ``simulated``) that it is not a recording.
    trial_noise : numpy.ndarray, shape (n,), optional
        The trial-to-trial noise variance of each stimulus, summed over neuroids (tr Σᵢ), when it
        is known from more repetitions than these responses hold (a half of a recording:
        :func:`~bayesrep_plugin.assemblies.noise.split_half`); otherwise it is estimated from the
        repetitions here (:func:`~bayesrep_plugin.assemblies.noise.trial_noise`).
    """

    name: str
    stimulus_ids: np.ndarray   # (n,)
    trials: np.ndarray         # (R, n, d)
    present: np.ndarray        # (R, n) bool
    neuroid_ids: np.ndarray    # (d,)
    dropped_neuroids: tuple = ()
    simulated: bool = False    # the assembly says (attribute ``simulated``) that it is not a recording
    trial_noise: np.ndarray | None = None   # (n,) tr Σᵢ, known from the whole recording (a half's)

    @property
    def n(self) -> int:
        return len(self.stimulus_ids)

    @cached_property
    def fingerprint(self) -> str:
        """A BLAKE2b digest of what a comparison reads (values, presence, stimulus ids, a known
        ``trial_noise``): the key of a recording's cached work (computed once per object)."""
        digest = hashlib.blake2b(digest_size=16)
        arrays = (self.trials, self.present, self.stimulus_ids.astype(str))
        for array in arrays + (() if self.trial_noise is None else (self.trial_noise,)):
            digest.update(np.ascontiguousarray(array))  # the buffer itself: no copy of the trials
        return digest.hexdigest()

    @property
    def repetitions(self) -> np.ndarray:
        """Number of repetitions of each stimulus, (n,)."""
        return self.present.sum(axis=0)

    @property
    def means(self) -> np.ndarray:
        """Mean response over repetitions, (n, d) float64: what the comparison uses."""
        return self.trials.sum(axis=0, dtype=np.float64) / self.repetitions[:, None]

    def subset(self, index: np.ndarray) -> "Responses":
        """The responses of a subset of the stimuli; itself when that is every stimulus in order (no
        copy: the trials may be a memory-mapped file).

        Parameters
        ----------
        index : numpy.ndarray of int
            Stimulus positions, in the order wanted.

        Returns
        -------
        Responses
        """
        if np.array_equal(index, np.arange(self.n)):
            return self
        return Responses(self.name, self.stimulus_ids[index], self.trials[:, index],
                         self.present[:, index], self.neuroid_ids, self.dropped_neuroids, self.simulated,
                         None if self.trial_noise is None else self.trial_noise[index])

    def require_repetitions(self, minimum: int, purpose: str) -> None:
        """Refuse responses with too few repetitions of some stimulus.

        Parameters
        ----------
        minimum : int
            Repetitions every stimulus needs.
        purpose : str
            What needs them, for the message.

        Raises
        ------
        AssemblyError
            Saying how many stimuli have fewer.
        """
        short = int((self.repetitions < minimum).sum())
        if short:
            raise AssemblyError(
                f"{self.name}: {purpose} needs at least {minimum} repetitions of every stimulus; "
                f"{short} of {self.n} stimuli have fewer (minimum found: {self.repetitions.min()})")


def _coord(assembly: xr.DataArray, key: str) -> xr.DataArray | None:
    """A coordinate by name, also a MultiIndex level (which xarray 2022.3 hides from ``.coords``)."""
    try:
        return assembly[key]
    except KeyError:
        return None


def _coord_names(assembly: xr.DataArray) -> list[str]:
    names = set(map(str, assembly.coords))
    for dim in assembly.dims:
        names.update(str(level) for level in (assembly.get_index(dim).names or ()) if level)
    return sorted(names)


def _stimulus_dim(assembly: xr.DataArray, key: str, name: str) -> str:
    coord = _coord(assembly, key)
    if coord is None:
        hint = ("; brainio turns a dimension's only coordinate into the dimension's index, so a "
                "'presentation' index may be the stimulus ids under another name" if "presentation" in assembly.dims
                and not isinstance(assembly.get_index("presentation"), pd.MultiIndex) else "")
        raise AssemblyError(f"{name}: no stimulus coordinate '{key}' (coordinates: "
                            f"{_coord_names(assembly)}); pass stimulus_key=... to name it{hint}")
    dims = coord.dims
    if len(dims) != 1:
        raise AssemblyError(f"{name}: the stimulus coordinate '{key}' must lie along one dimension; "
                            f"it spans {dims}")
    return dims[0]


def _check_dims(assembly: xr.DataArray, stim_dim: str, name: str) -> None:
    known = {stim_dim, FEATURE_DIM, TIME_DIM}
    unknown = [d for d in assembly.dims if d not in known]
    if unknown:
        raise AssemblyError(f"{name}: unknown dimension(s) {unknown}; expected '{stim_dim}' "
                            f"(stimuli), '{FEATURE_DIM}' and optionally '{TIME_DIM}'")
    if FEATURE_DIM not in assembly.dims:
        raise AssemblyError(f"{name}: no '{FEATURE_DIM}' dimension (dims: {assembly.dims})")


def _neuroid_ids(assembly: xr.DataArray, name: str) -> np.ndarray:
    coord = _coord(assembly, "neuroid_id")
    if coord is not None and coord.dims == (FEATURE_DIM,):
        ids = np.asarray(coord.values)
    else:
        ids = np.asarray(assembly.get_index(FEATURE_DIM).values)
    values, counts = np.unique(ids.astype(str), return_counts=True)
    if (counts > 1).any():
        raise AssemblyError(f"{name}: duplicate neuroid ids {values[counts > 1][:5].tolist()} "
                            f"({int((counts > 1).sum())} ids occur more than once)")
    return ids


def _select_time(assembly: xr.DataArray, time_bin, name: str) -> xr.DataArray:
    """Average over time bins (``time_bin=None``) or take one, by position."""
    if TIME_DIM not in assembly.dims:
        return assembly
    if time_bin is None:
        return assembly.mean(TIME_DIM, skipna=False)
    if not 0 <= time_bin < assembly.sizes[TIME_DIM]:
        raise AssemblyError(f"{name}: time bin {time_bin} out of range "
                            f"({assembly.sizes[TIME_DIM]} time bins)")
    return assembly.isel({TIME_DIM: time_bin})


def _check_stimulus_coords(assembly: xr.DataArray, stim_dim: str, ids: np.ndarray, name: str) -> None:
    """Stimulus-level coordinates (the stimulus set's columns) must agree within a stimulus id."""
    stimulus_set = assembly.attrs.get("stimulus_set")
    columns = getattr(stimulus_set, "columns", ())
    for column in columns:
        coord = _coord(assembly, column)
        if coord is not None and coord.dims == (stim_dim,):
            frame = pd.DataFrame({"id": ids, "value": coord.values})
            n_values = frame.groupby("id")["value"].nunique(dropna=False)
            bad = n_values[n_values > 1]
            if len(bad):
                raise AssemblyError(f"{name}: stimulus id {bad.index[0]!r} maps to rows with different "
                                    f"'{column}' values ({len(bad)} ids inconsistent)")


def _repetition_index(assembly: xr.DataArray, stim_dim: str, ids: np.ndarray, name: str) -> np.ndarray:
    """Repetition number (0..R-1) of each row along the stimulus dimension."""
    frame = pd.DataFrame({"id": ids})
    coord = _coord(assembly, REPETITION_COORD)
    if coord is not None and coord.dims == (stim_dim,):
        frame["rep"] = coord.values
        duplicated = frame.duplicated(["id", "rep"])
        if duplicated.any():
            row = frame[duplicated].iloc[0]
            raise AssemblyError(f"{name}: stimulus {row['id']!r} has repetition {row['rep']!r} more "
                                f"than once ({int(duplicated.sum())} duplicated rows)")
        return pd.factorize(frame["rep"], sort=True)[0]
    duplicated = frame["id"].duplicated(keep=False)
    if duplicated.any():
        ids = pd.unique(frame["id"][duplicated])
        raise AssemblyError(f"{name}: stimulus ids occur more than once ({len(ids)} ids, e.g. {ids[:3].tolist()}) "
                            f"and there is no '{REPETITION_COORD}' coordinate to say they are repetitions; add one "
                            "(one label per presentation), or remove the duplicates")
    return np.zeros(len(frame), dtype=int)


def responses_from_assembly(assembly: xr.DataArray, *, stimulus_key: str = STIMULUS_KEY,
                            time_bin: int | None = None, name: str = "assembly") -> Responses:
    """Read an assembly into :class:`Responses`, checking everything about it.

    Parameters
    ----------
    assembly : xarray.DataArray
        A brainio assembly or DataArray with dims stimulus × ``neuroid`` [× ``time_bin``]; the
        stimulus dimension is the one that carries ``stimulus_key``. Only a ``repetition``
        coordinate makes repetitions; neuroids with a NaN response are dropped (with a warning).
    stimulus_key : str
        The stimulus coordinate (Brain-Score's default ``stimulus_id``).
    time_bin : int, optional
        None averages over time bins; an integer selects one time bin by position.
    name : str
        Named in every error.

    Returns
    -------
    Responses

    Raises
    ------
    AssemblyError
        For anything that makes the assembly unusable: not a DataArray, no stimulus coordinate,
        other dimensions, duplicate neuroid ids, repeated stimulus ids without a ``repetition``
        coordinate, non-numeric or infinite responses, NaN in every neuroid.
    """
    if not isinstance(assembly, xr.DataArray):
        raise AssemblyError(f"{name}: expected an xarray DataArray / brainio assembly, got "
                            f"{type(assembly).__name__}")
    stim_dim = _stimulus_dim(assembly, stimulus_key, name)
    _check_dims(assembly, stim_dim, name)
    neuroids = _neuroid_ids(assembly, name)
    assembly = _select_time(assembly, time_bin, name)
    ids = canonical_stimulus_ids(assembly[stimulus_key].values, name)
    if not len(ids):
        raise AssemblyError(f"{name}: no stimuli (0 presentations)")
    _check_stimulus_coords(assembly, stim_dim, ids, name)
    reps = _repetition_index(assembly, stim_dim, ids, name)

    values = np.asarray(assembly.transpose(stim_dim, FEATURE_DIM).values)
    if not np.issubdtype(values.dtype, np.number) or np.iscomplexobj(values):
        raise AssemblyError(f"{name}: responses must be real numbers; got dtype {values.dtype}")
    values = values.astype(np.result_type(values.dtype, np.float32), copy=False)
    if not values.shape[1]:
        raise AssemblyError(f"{name}: no neuroids (0 features)")
    infinite, nan_neuroids = 0, np.zeros(values.shape[1], dtype=bool)
    for start, block in column_blocks(values):  # chunk by chunk: a memory-mapped file is never read whole
        infinite += int(np.isinf(block).sum())
        nan_neuroids[start:start + block.shape[1]] = np.isnan(block).any(axis=0)
    if infinite:
        raise AssemblyError(f"{name}: infinite responses ({infinite} values)")
    if nan_neuroids.all():
        raise AssemblyError(f"{name}: every neuroid has NaN responses; nothing left to compare")
    dropped: tuple = ()
    if nan_neuroids.any():
        dropped = tuple(neuroids[nan_neuroids].tolist())
        warnings.warn(f"{name}: dropped {len(dropped)} of {len(neuroids)} neuroids with NaN responses",
                      stacklevel=2)
        values, neuroids = values[:, ~nan_neuroids], neuroids[~nan_neuroids]

    unique_ids, stim_index = np.unique(ids, return_inverse=True)
    if np.array_equal(unique_ids, ids) and not reps.any():
        # One row per stimulus, already in id order: the trials are a read-only view of the values,
        # so a memory-mapped file stays mapped (see representation in .kernels).
        trials = values[None]
        trials.flags.writeable = False
        return Responses(name, unique_ids, trials, np.ones((1, len(ids)), dtype=bool), neuroids, dropped,
                         is_simulated(assembly))
    trials = np.zeros((reps.max() + 1, len(unique_ids), values.shape[1]), dtype=values.dtype)
    present = np.zeros(trials.shape[:2], dtype=bool)
    trials[reps, stim_index] = values
    present[reps, stim_index] = True
    return Responses(name, unique_ids, trials, present, neuroids, dropped, is_simulated(assembly))


def is_simulated(assembly: xr.DataArray) -> bool:
    """Whether the assembly says its responses are simulated (attribute ``simulated``: 1, true, yes)."""
    return str(assembly.attrs.get("simulated", "")).lower() in {"1", "true", "yes"}

