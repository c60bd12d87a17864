"""Every pair of representations under one measure, with bootstrap values, resumable.

The unit of work is one pair under one measure: its value on all stimuli and on every resample
of stimuli (the same resamples for every pair, so differences between pairs are paired). Each
finished pair is written at once, atomically, to a cache folder as a small JSON file named by a
hash of everything the result depends on (the two kernels, the measure, b, the method, the
resamples and the source of the code that computes it, :data:`PAIR_CODE`: all of the core, the
torch versions among it, and this module); an interrupted run therefore loses at
most the pair in progress, and a rerun computes only what is missing. Change the data, a setting
or the code and the key changes with it. A cached file that cannot be read (emptied, cut short,
edited) is reported by a :class:`~bayesrep_plugin._io.CacheWarning` naming it,
deleted, and its pair recomputed.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
from tqdm.auto import tqdm

from bayesrep_plugin._io import CacheWarning, cache_file, code_digest, write_text
from bayesrep_plugin.core.resampling import bootstrap_interval, bootstrap_values
from bayesrep_plugin.core import Comparison, get_measure
from bayesrep_plugin.core.plan import Executor, plan_pairs, serial
from bayesrep_plugin.core.prior import Representation, matched_priors

from .distributed import on_cluster
from .inputs import InputError

if TYPE_CHECKING:
    from distributed import Client


#: The code that computes a pair's values (numpy or torch), whose source keys the cache of pairs.
PAIR_CODE = ("bayesrep_plugin.core", __name__)

#: Resamples per task on a cluster. A resample of half the stimuli costs about a quarter of its
#: pair on all stimuli, tens of milliseconds at n = 1,000, and a task costs Dask a few: parts of 8
#: keep that overhead small and still spread a single pair's 100 resamples over 13 tasks.
RESAMPLES_PER_TASK = 8


@dataclass(frozen=True, eq=False)
class Entry:
    """One representation on a map or leaderboard."""

    label: str
    kind: str  # "model" or "brain"
    representation: Representation

    @cached_property
    def fingerprint(self) -> str:
        """A hash of the kernel and of the measurement noise it carries (so of the data, the
        stimuli and their order); both are read-only, so the hash stays true."""
        digest = hashlib.sha256(np.ascontiguousarray(self.representation.kernel, dtype=np.float64).tobytes())
        if self.representation.noise is not None:
            digest.update(b"noise" + self.representation.noise.tobytes())
        return digest.hexdigest()


@dataclass(frozen=True)
class PairValue:
    """A measure on all stimuli and on each resample."""

    value: float
    resampled: np.ndarray  # (n_bootstrap,)


class PairCache:
    """Finished pairs as JSON files in ``directory`` (None: keep nothing, compute everything).

    ``served`` and ``stored`` count the results (one per pair and measure) read from it and written
    to it: what a rerun took from the cache and what it computed."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.served = self.stored = 0

    def _path(self, key: str) -> Path:
        return cache_file(self.directory / f"{key}.json")

    def get(self, key: str, n_resamples: int) -> PairValue | None:
        """The cached pair (with ``n_resamples`` resampled values), or None when absent or
        unreadable (then warned about and deleted); a :class:`~bayesrep_plugin._io.CacheError`
        when a folder stands in its place, before anything is computed."""
        path = None if self.directory is None else self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            record = json.loads(path.read_text("utf-8"))
            resampled = np.asarray(record["resampled"], dtype=float)
            if resampled.shape != (n_resamples,):
                raise ValueError(f"{resampled.shape} resampled values, expected ({n_resamples},)")
            result = PairValue(float(record["value"]), resampled)
        except (OSError, ValueError, KeyError, TypeError) as error:  # JSON and Unicode errors are ValueErrors
            warnings.warn(f"{path}: unreadable cached pair ({type(error).__name__}: {error}); deleted, "
                          "recomputing it", CacheWarning, stacklevel=2)
            path.unlink(missing_ok=True)
            return None
        self.served += 1
        return result

    def put(self, key: str, result: PairValue) -> None:
        if self.directory is not None:
            write_text(self._path(key), json.dumps({"value": result.value, "resampled": result.resampled.tolist()}))
            self.stored += 1


def pair_key(first: str, second: str, measure: str, options: dict, b: float, resamples: np.ndarray,
             version: str, device: str | None = None) -> str:
    """The hash that names a pair's result: the two kernels' fingerprints, measure, b, options,
    resamples, code version, and the torch device when the measure runs on one (values agree
    across devices only to rounding)."""
    if get_measure(measure).symmetric:
        first, second = sorted((first, second))
    content = json.dumps({"kernels": [first, second], "measure": measure,
                          "b": b if get_measure(measure).bayesian else None,
                          "options": options, "resamples": hashlib.sha256(resamples.tobytes()).hexdigest(),
                          "version": version, "device": device if on_device(measure, options) else None},
                         sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()[:32]


def check_device(device: str | None) -> str | None:
    """A torch device the exact readout measures can run on
    (:func:`bayesrep_plugin.core.torch.usable_device`), as the reports' input error.

    Parameters
    ----------
    device : str or None
        ``"cuda"``, ``"cuda:1"``, ``"cpu"``; None: the numpy core, no torch.

    Returns
    -------
    str or None
        The device as torch names it (``"cuda"`` → ``"cuda:0"``), or None.

    Raises
    ------
    InputError
        Naming the device and why it cannot be used (torch not installed, no CUDA here, ...).
    """
    if device is None:
        return None
    try:
        from bayesrep_plugin.core.torch import usable_device
    except ImportError:
        raise InputError(f"device {device!r} needs torch: pip install 'bayesrep-plugin[torch]'") from None
    try:
        return usable_device(device)
    except ValueError as error:
        raise InputError(str(error)) from None


def on_device(measure: str, options: dict) -> bool:
    """Whether ``measure`` runs on the torch device when one is given: the exact readout measures
    (the Monte Carlo estimates and the classic measures stay on the CPU)."""
    return get_measure(measure).bayesian and options.get("method", "exact") == "exact"


def measure_rows(first: Representation, second: Representation, comparison: Comparison, names: tuple[str, ...],
                 resamples: np.ndarray, with_all_stimuli: bool = True, device: str | None = None) -> np.ndarray:
    """The ``comparison``'s measures ``names`` on all stimuli (the first row, if ``with_all_stimuli``)
    and on each resample (a row each, :func:`~bayesrep_plugin.core.resampling.bootstrap_values`, on
    one BLAS thread; the first row on the process's setting, as the cached pairs were computed).

    All measures of one row share one pair, so the generalized eigenproblem is solved once for all
    the measures. Given a torch ``device``, the exact readout measures run there
    (:func:`bayesrep_plugin.core.torch.measures_from_kernels`, float64), the others here.

    Returns
    -------
    numpy.ndarray, shape (rows, len(names))
    """
    there = [name for name in names if device is not None and on_device(name, comparison.measures[name])]
    here = [name for name in names if name not in there]
    if there:
        from bayesrep_plugin.core.torch import measures_from_kernels

    def evaluate(rep1: Representation, rep2: Representation) -> list[float]:
        values = comparison.between(rep1, rep2, only=here) if here else {}
        if there:
            # the kernels with the measurement noise the comparison adds (matched_priors), as the numpy core has them
            prior1, prior2 = matched_priors(rep1, rep2, comparison.readout)
            values.update(measures_from_kernels(prior1.kernel, prior2.kernel, there, comparison.readout,
                                                names=(rep1.name, rep2.name), device=device))
        return [float(values[name]) for name in names]

    resampled = bootstrap_values(first, second, evaluate, resamples).reshape(len(resamples), len(names))
    return np.vstack([[evaluate(first, second)], resampled]) if with_all_stimuli else resampled


def pair_values(names: tuple[str, ...], table: np.ndarray) -> dict[str, PairValue]:
    """A pair's :func:`measure_rows` table (all stimuli, then every resample) as PairValues."""
    return {name: PairValue(float(table[0, k]), table[1:, k]) for k, name in enumerate(names)}


def summarize(value: float, resampled: np.ndarray, value_range: tuple[float, float]) -> dict:
    """The value on all stimuli, its bootstrap SD, and a 95% interval re-centred on the value and
    inside the measure's ``value_range`` (:func:`~bayesrep_plugin.core.resampling.bootstrap_interval`,
    the Brain-Score metric's ``interval``)."""
    if resampled.size < 2 or np.isnan(resampled).any():  # no resamples for this pair
        return {"value": float(value), "ci_low": math.nan, "ci_high": math.nan, "bootstrap_sd": math.nan}
    low, high = bootstrap_interval(value, resampled, value_range)
    return {"value": float(value), "ci_low": low, "ci_high": high, "bootstrap_sd": float(np.std(resampled, ddof=1))}


def measure_missing(executor: Executor, representations: list[Representation],
                    missing: dict[tuple[int, int], tuple[tuple[str, ...], np.ndarray]], comparison: Comparison,
                    device: str | None, finished: Callable[[tuple[int, int], dict[str, PairValue]], object],
                    progress: Callable[[int], object]) -> None:
    """The missing pairs ((i, j) → (the names of the ``comparison``'s measures missing, resamples)) as
    tasks of ``executor``
    (:mod:`bayesrep_plugin.core.plan`): each pair's resamples split into parts of
    :data:`RESAMPLES_PER_TASK`, the first part with the value on all stimuli, so that on a cluster
    a pair with many resamples spreads over the workers too. ``finished(pair, values)`` when a
    pair's last part is in; ``progress(rows)`` as each part lands."""
    tasks, parts = {}, {}
    for (i, j), (names, chosen) in missing.items():
        starts = range(0, max(len(chosen), 1), RESAMPLES_PER_TASK)
        parts[i, j] = dict.fromkeys(starts)
        for start in starts:
            tasks[i, j, start] = i, j, (comparison, names, chosen[start:start + RESAMPLES_PER_TASK], start == 0, device)

    def part_finished(task: tuple[int, int, int], table: np.ndarray) -> None:
        i, j, start = task
        parts[i, j][start] = table
        progress(len(table))
        if all(part is not None for part in parts[i, j].values()):
            finished((i, j), pair_values(missing[i, j][0], np.vstack(list(parts.pop((i, j)).values()))))

    executor(representations, tasks, measure_rows, part_finished)


@dataclass(frozen=True)
class PairMatrix:
    """A measure between all entries: values, and their resampled values (m × m × n_bootstrap)."""

    measure: str
    values: np.ndarray
    resampled: np.ndarray

    def summary(self, rows: list[int], columns: list[int]) -> dict:
        """Value, interval and bootstrap SD of the mean over the pairs ``rows`` × ``columns`` (the
        same resamples for all; one row and one column: that pair's)."""
        grid = np.ix_(rows, columns)
        return summarize(self.values[grid].mean(), self.resampled[grid].mean(axis=(0, 1)),
                         get_measure(self.measure).value_range)


def pair_matrices(entries: list[Entry], comparison: Comparison, *, resamples: np.ndarray | None = None,
                  resample_if: Callable[[Entry, Entry], bool] | None = None,
                  cache: PairCache | None = None, progress: bool = True,
                  client: Client | None = None, device: str | None = None) -> dict[str, PairMatrix]:
    """Every measure of the ``comparison`` between every pair of entries (prepared: its centring
    is the entries'), under its readout prior; finished
    pairs from the cache, the others measured here one after the other or, given a Dask ``client``
    (:func:`~.distributed.connect`), as parallel tasks on its cluster: the plan of
    :func:`~bayesrep_plugin.core.plan.plan_pairs` on its serial executor or the cluster's
    (:func:`~.distributed.on_cluster`). Each pair is stored in the cache as soon as it is finished.

    Symmetric measures are computed once per unordered pair, asymmetric ones for both orders.
    ``resample_if(first, second)`` chooses the pairs that get the resamples (default: all); the
    others are measured on all stimuli only and their resampled values are NaN. A leaderboard needs
    intervals only for the pairs it ranks, and the resamples are 20× the work of a pair.
    Given a torch ``device`` (:func:`check_device`), the exact readout measures run there.
    """
    device = check_device(device)
    resamples = np.empty((0, 0), dtype=int) if resamples is None else resamples
    cache = cache or PairCache(None)
    count = len(entries)
    measures, b = comparison.measures, comparison.readout.b
    specs = {name: get_measure(name) for name in measures}
    values = {name: np.full((count, count), spec.identity_value) for name, spec in specs.items()}
    resampled = {name: np.full((count, count, len(resamples)), spec.identity_value) for name, spec in specs.items()}
    version = code_digest(*PAIR_CODE)
    plan = plan_pairs(count, {name: spec.symmetric for name, spec in specs.items()}, resamples,
                      None if resample_if is None else lambda i, j: resample_if(entries[i], entries[j]))
    work = {(i, j): (planned.resamples, {name: pair_key(entries[i].fingerprint, entries[j].fingerprint, name,
                                                        measures[name], b, planned.resamples, version, device)
                                         for name in planned.measures})
            for (i, j), planned in plan.items()}
    evaluations = sum(1 + len(chosen) for chosen, _ in work.values())  # all stimuli, then each resample
    with tqdm(total=evaluations, desc=f"{', '.join(measures)}: {len(work)} pairs", unit="eval",
              disable=not progress, leave=False) as bar:
        results, missing = {}, {}
        for pair, (chosen, keys) in work.items():
            found = {name: cache.get(key, len(chosen)) for name, key in keys.items()}
            results[pair] = {name: result for name, result in found.items() if result is not None}
            if len(results[pair]) < len(keys):
                missing[pair] = tuple(name for name in keys if name not in results[pair]), chosen
            else:
                bar.update(1 + len(chosen))

        def finished(pair: tuple[int, int], computed: dict[str, PairValue]) -> None:
            for name, result in computed.items():  # stored at once: a killed run keeps every finished pair
                cache.put(work[pair][1][name], result)
            results[pair].update(computed)

        measure_missing(serial if client is None else on_cluster(client), [entry.representation for entry in entries],
                        missing, comparison, device, finished, progress=bar.update)
        bar.refresh()  # its last state (every evaluation) drawn before it is cleared, not tqdm's last timed one
    for (i, j), (chosen, _) in work.items():
        for name, result in results[i, j].items():
            pair_resampled = result.resampled if len(chosen) == len(resamples) else np.nan
            values[name][i, j], resampled[name][i, j] = result.value, pair_resampled
            if specs[name].symmetric:
                values[name][j, i], resampled[name][j, i] = result.value, pair_resampled
    return {name: PairMatrix(name, values[name], resampled[name]) for name in measures}
