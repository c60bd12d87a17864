"""One pair plan, and the executors of the core that run it: here, or in worker processes.

Every table of comparisons is the same work: which pairs (one of each unordered pair for a
symmetric measure, both orders for an asymmetric one), in which order (row by row), and on which
resamples of stimuli (the same for every pair, so that differences between pairs are paired).
:func:`ordered_pairs` and :func:`plan_pairs` say it once for the three places that run it:
:func:`bayesrep_plugin.core.pairwise`, the reports'
:func:`~bayesrep_plugin.reports.pairs.pair_matrices`, and the batched
:func:`bayesrep_plugin.core.torch.pairwise` (the torch device's executor).

An executor is ``executor(representations, tasks, measure, finished)``: for each task ``key →
(i, j, arguments)`` it calls ``measure(representations[i], representations[j], *arguments)`` and
then ``finished(key, result)`` in this process, in any order. Two live here, where the core can use
them: :func:`serial` and :func:`in_processes` (this process and the standard library's worker
processes, each sent every representation once). The third runs tasks on a Dask cluster,
:func:`bayesrep_plugin.reports.distributed.on_cluster`: it stays with the code that starts clusters
and connects to them, because the core imports neither Dask nor anything above itself; a caller
with a client passes it in (``pairwise(..., executor=on_cluster(client))``).

The executors in other processes measure with BLAS on one thread
(:func:`bayesrep_plugin._runtime.single_blas_thread`): a pair is many small eigenproblems, on which
more threads are slower or compete with the other workers. :func:`serial` leaves the caller's
setting as it is; a caller that asks for one thread around it (as
:func:`~bayesrep_plugin.core.pairwise` does) gets from every executor the same values to the bit.
"""

from __future__ import annotations

import multiprocessing
import pickle
import tempfile
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Hashable, Mapping, Sequence

import numpy as np

from .._runtime import single_blas_thread
from .prior import Representation

#: Tasks on pairs: key → (first position, second position, the task's further arguments).
PairTasks = Mapping[Hashable, tuple[int, int, tuple]]
#: The work of a task: (first, second, *further arguments) → result.
MeasurePair = Callable[..., Any]
#: Runs tasks: (representations, tasks, measure, finished(key, result)) → None.
Executor = Callable[[Sequence[Representation], PairTasks, MeasurePair, Callable[[Hashable, Any], object]], None]


def ordered_pairs(count: int, symmetric: bool) -> list[tuple[int, int]]:
    """The pairs among ``count`` representations, in the order every executor is given them.

    Parameters
    ----------
    count : int
        Number of representations.
    symmetric : bool
        Whether the measure is symmetric: then one of each unordered pair (i < j), else both
        orders (i ≠ j).

    Returns
    -------
    list of (int, int)
        Row by row.
    """
    return [(i, j) for i in range(count) for j in range(count) if (i < j if symmetric else i != j)]


@dataclass(frozen=True)
class PlannedPair:
    """One ordered pair's work: the measures computed for it and the resamples it is measured on."""

    measures: tuple[str, ...]
    resamples: np.ndarray  # (resamples, stimuli per resample) positions; shape (0, 0) for none


def plan_pairs(count: int, symmetric: Mapping[str, bool], resamples: np.ndarray | None = None,
               resample_if: Callable[[int, int], bool] | None = None) -> dict[tuple[int, int], PlannedPair]:
    """Several measures between all pairs: each ordered pair with the measures computed for it.

    Parameters
    ----------
    count : int
        Number of representations.
    symmetric : mapping of str to bool
        Measure name → whether it is symmetric (computed on i < j only; an asymmetric one on both
        orders).
    resamples : numpy.ndarray (resamples, m), optional
        Stimulus positions of the resamples, the same for every pair (default: none).
    resample_if : callable (i, j) → bool, optional
        The pairs that get the resamples (default: all); the others get none.

    Returns
    -------
    dict of (int, int) to PlannedPair
        In the order of :func:`ordered_pairs`; pairs with no measure left out.
    """
    everything = np.empty((0, 0), dtype=int) if resamples is None else resamples
    nothing = np.empty((0, 0), dtype=int)
    plan = {}
    for i, j in ordered_pairs(count, symmetric=False):
        names = tuple(name for name, both_ways_equal in symmetric.items() if i < j or not both_ways_equal)
        if names:
            plan[i, j] = PlannedPair(names, everything if resample_if is None or resample_if(i, j) else nothing)
    return plan


def serial(representations: Sequence[Representation], tasks: PairTasks, measure: MeasurePair,
           finished: Callable[[Hashable, Any], object]) -> None:
    """The executor that runs every task here, one after the other, in the order given, with BLAS
    as the caller has set it."""
    for key, (i, j, arguments) in tasks.items():
        finished(key, measure(representations[i], representations[j], *arguments))


def check_workers(workers: object) -> None:
    """Raise ValueError unless ``workers`` is a whole number ≥ 1."""
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValueError(f"workers must be a whole number ≥ 1; got {workers!r}")


def in_processes(workers: int) -> Executor:
    """The executor that runs tasks in ``workers`` processes, this one included, one BLAS thread each.

    This process measures pairs from the first moment; the other ``workers - 1`` are started
    fresh (``spawn``: no threads of this one inherited) and join when they are ready, so their
    start (an import of the package and of the script that started them, seconds) costs no idle
    time here. Each is sent every representation once, pickled without its cached work
    (:class:`~bayesrep_plugin.core.prior.Representation` pickles as its kernel or factor); a task
    then sends two positions. ``measure`` and its arguments must pickle: a module's function.
    Spawned processes import the script that started them, as Dask's local workers do: a script
    calls this under ``if __name__ == "__main__":`` (a notebook or the REPL need nothing).

    Parameters
    ----------
    workers : int
        Processes measuring pairs, this one included (≥ 1; 1 runs every task here; no more are
        started than there are tasks).

    Returns
    -------
    Executor

    Raises
    ------
    ValueError
        For ``workers`` other than a whole number ≥ 1.
    """
    check_workers(workers)

    def run(representations: Sequence[Representation], tasks: PairTasks, measure: MeasurePair,
            finished: Callable[[Hashable, Any], object]) -> None:
        waiting = deque(tasks.items())
        helpers = min(workers - 1, len(tasks) - 1)
        if helpers < 1:
            with single_blas_thread():
                serial(representations, tasks, measure, finished)
            return
        # The representations go through a file: sent through the start pipe, they would hold this
        # process until each helper had imported the script and read them.
        folder = tempfile.TemporaryDirectory(prefix="bayesrep-workers-")
        parcel = Path(folder.name) / "representations.pickle"
        parcel.write_bytes(pickle.dumps(list(representations), protocol=pickle.HIGHEST_PROTOCOL))
        pool = ProcessPoolExecutor(helpers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_receive, initargs=(str(parcel),))
        pending: dict = {}
        try:
            while waiting or pending:
                for future in [future for future in pending if future.done()]:
                    finished(pending.pop(future), future.result())  # a task's error is raised here, as it is
                while waiting and len(pending) < 2 * helpers:  # each helper has its next task at hand
                    key, (i, j, arguments) = waiting.popleft()
                    pending[pool.submit(_measure_received, measure, i, j, arguments)] = key
                if waiting:  # this process takes the next task itself
                    key, (i, j, arguments) = waiting.popleft()
                    with single_blas_thread():
                        finished(key, measure(representations[i], representations[j], *arguments))
                elif pending:
                    wait(pending, return_when=FIRST_COMPLETED)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            folder.cleanup()

    return run


#: A worker process's representations, received once when it starts (:func:`_receive`).
_received: list[Representation] = []


def _receive(parcel: str) -> None:
    _received[:] = pickle.loads(Path(parcel).read_bytes())


def _measure_received(measure: MeasurePair, i: int, j: int, arguments: tuple) -> Any:
    with single_blas_thread():
        return measure(_received[i], _received[j], *arguments)
