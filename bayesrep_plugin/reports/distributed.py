"""The Dask executor of the pair plan, and the clusters it runs on: a local one (one process per
core) or any scheduler's.

The one module that imports Dask. The plan and the executors that need nothing installed (here,
worker processes) are the core's (:mod:`bayesrep_plugin.core.plan`); this one is kept apart
because the core imports neither Dask nor anything above itself, and because a cluster has a
life of its own (started, connected to, interrupted, closed: :func:`connect`).

Only when asked: without a scheduler or a number of workers, :func:`connect` gives ``None`` and
:func:`~.pairs.pair_matrices` measures every pair here, one after the other. Asked, the same
work runs as independent tasks on pairs of representations (:mod:`~.pairs` makes one task per
pair and part of its resamples; :func:`bayesrep_plugin.core.pairwise` one per pair, given
``executor=on_cluster(client)``):

- each prepared :class:`~bayesrep_plugin.core.prior.Representation` is sent to the workers once
  (``client.scatter``) and every task takes the two futures, so a representation's kernel or
  factor crosses the network once, and a worker keeps what it derives from it (the prior
  covariance, the basis) for its next tasks;
- each finished task is handed back at once (``as_completed``), and the caller stores what it
  completes atomically (:class:`~.pairs.PairCache`), so a killed run loses only the work in progress;
- a worker that dies takes its scattered representations with it, and Dask cancels the tasks
  that needed them: those are sent again, with their representations, in a new round.

Workers run one thread each and BLAS one thread inside each (:data:`WORKER_ENVIRONMENT` for the
local cluster's worker processes, and :func:`single_blas_thread` inside every task for
any cluster): a pair is many small eigenproblems, on which more BLAS threads only compete with
the other workers (see :mod:`bayesrep_plugin._runtime`).

Ctrl-C: a terminal sends SIGINT to every process of the run, the local cluster's workers too.
They ignore it once started (:func:`dask_setup`, their preload): the run's own process is
interrupted, says so once, and closes the cluster, whose shutdown is then not logged. A Ctrl-C
during the cluster's start (a second or two) is held until it is up (:func:`_interrupt_deferred`).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from concurrent.futures import CancelledError
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Hashable, Iterator

from bayesrep_plugin._runtime import single_blas_thread
from bayesrep_plugin.core.plan import Executor, MeasurePair, PairTasks
from bayesrep_plugin.core.prior import Representation

from .inputs import InputError

if TYPE_CHECKING:  # Dask is imported only when a cluster is asked for
    from distributed import Client

#: The environment variable that names a scheduler when none is given: "local" or an address.
SCHEDULER_VARIABLE = "BAYESREP_SCHEDULER"
#: The whole environment that the local cluster adds for its worker processes, set before they
#: start (so before numpy loads BLAS): one BLAS thread each, and not Dask's default
#: MALLOC_TRIM_THRESHOLD_, which turns every n × n array into a fresh mmap (the 25-representation
#: benchmark ran 18% slower with it).
WORKER_ENVIRONMENT = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: Seconds to wait for a scheduler at an address to answer.
CONNECT_TIMEOUT = 10
#: Rounds of resending the tasks whose representations were lost with a worker, before giving up.
ROUNDS = 5


def available_cores() -> int:
    """The cores this process may run on (fewer than os.cpu_count() under a CPU affinity mask)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextmanager
def connect(scheduler: str | None = None, workers: int | None = None) -> Iterator[Client | None]:
    """A Dask client for the duration of the block, or ``None`` (measure here, serially).

    Parameters
    ----------
    scheduler : str, optional
        ``"local"``: start a local cluster; an address (``"tcp://host:8786"``): connect to that
        scheduler and its workers. Default: the environment variable ``BAYESREP_SCHEDULER``, and
        without it no cluster unless ``workers`` is given.
    workers : int, optional
        Worker processes of the local cluster (default: one per available core), each with one
        thread. Implies ``scheduler="local"``; refused with an address (the workers of a running
        cluster are the ones started with it).

    Returns
    -------
    context manager of distributed.Client or None
        The local cluster, if one was started, is closed when the block ends. (Dask's nannies
        also set :data:`WORKER_ENVIRONMENT` in this process's ``os.environ``, after its BLAS has
        loaded: only processes started later see it.)

    Raises
    ------
    InputError
        For workers < 1, workers with an address, no scheduler at the address, or no Dask installed.
    """
    scheduler = scheduler or os.environ.get(SCHEDULER_VARIABLE) or None
    if workers is not None and not (isinstance(workers, int) and not isinstance(workers, bool) and workers >= 1):
        raise InputError(f"workers must be a whole number ≥ 1; got {workers!r}")
    if scheduler is None and workers is None:
        yield None
        return
    if workers is not None and scheduler not in (None, "local"):
        raise InputError(f"workers={workers} applies to a local cluster, not to the scheduler at {scheduler}: start "
                         "that cluster's workers with `dask worker ADDRESS --nworkers N --nthreads 1`")
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("a Dask cluster was asked for, but dask.distributed is not installed: "
                         "pip install 'bayesrep-plugin[distributed]'") from None
    if scheduler in (None, "local"):
        # After Ctrl-C the cluster's closing (workers killed mid-task, connections cut) is expected: Dask's and
        # tornado's log of it would bury the run's one-line report of the interrupt, so it is not logged.
        try:
            with _interrupt_deferred() as interrupted, \
                    dask.config.set({"distributed.nanny.pre-spawn-environ": WORKER_ENVIRONMENT}):  # read as they start
                try:
                    cluster = LocalCluster(n_workers=workers or available_cores(), threads_per_worker=1,
                                           processes=True, preload=[__name__],
                                           dashboard_address=":0")  # any free port: never "8787 is already in use"
                except Exception:
                    if interrupted():  # Ctrl-C reached the workers before their preload: that is why
                        logging.disable(logging.CRITICAL)
                        raise KeyboardInterrupt from None
                    raise
            with cluster, Client(cluster) as client:
                try:
                    if interrupted():  # a Ctrl-C during the start lands here, where the cluster closes in order
                        raise KeyboardInterrupt
                    yield client
                except KeyboardInterrupt:
                    logging.disable(logging.CRITICAL)
                    raise
        finally:
            logging.disable(logging.NOTSET)
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError) as error:  # nothing answers there, or not an address
        raise InputError(f"no Dask scheduler at {scheduler!r} ({SCHEDULER_VARIABLE} or --scheduler): {error}") from None
    with client:
        yield client


@contextmanager
def _interrupt_deferred() -> Iterator[Callable[[], bool]]:
    """SIGINT recorded, not raised, while the block runs (Dask's start, cut short, left it half made:
    "Nanny failed to start"); yields whether one came. Only where Python raises it (the main thread,
    a Python handler installed): an ignored SIGINT stays ignored."""
    received = []
    if threading.current_thread() is not threading.main_thread() or not callable(signal.getsignal(signal.SIGINT)):
        yield lambda: False
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield lambda: bool(received)
    finally:
        signal.signal(signal.SIGINT, previous)


def dask_setup(worker) -> None:
    """A local worker's preload (also of a worker restarted later): SIGINT ignored, the run's own
    process handles it; and only errors logged, not the warnings of tasks cancelled when an
    interrupted run closes the cluster."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("distributed.worker").setLevel(logging.ERROR)


def _on_one_blas_thread(measure: MeasurePair, *arguments) -> Any:
    """One task on a worker, BLAS on one thread whatever the worker's environment says."""
    with single_blas_thread():
        return measure(*arguments)


def on_cluster(client: Client) -> Executor:
    """The executor of :mod:`bayesrep_plugin.core.plan` that runs tasks on ``client``'s cluster
    (:func:`measure_pairs`).

    Parameters
    ----------
    client : distributed.Client
        From :func:`connect`, or any Dask client.

    Returns
    -------
    Executor
    """
    return partial(measure_pairs, client)


def measure_pairs(client: Client, representations: list[Representation], tasks: PairTasks,
                  measure: MeasurePair, finished: Callable[[Hashable, Any], object]) -> None:
    """``measure(first, second, *arguments)`` for every task on the cluster; ``finished(key,
    result)`` as each one ends (the executor :func:`on_cluster` gives).

    Each representation a task needs is scattered once per round; a round ends when every task has
    finished or was cancelled because a worker died with one of its representations. Errors of the
    measures themselves (e.g. an unresolvable b) are raised as they are.

    Raises
    ------
    RuntimeError
        When tasks are still cancelled after :data:`ROUNDS` rounds (workers keep dying).
    """
    from distributed import as_completed

    remaining = dict(tasks)
    for _ in range(ROUNDS):
        if not remaining:
            return
        needed = sorted({position for i, j, _ in remaining.values() for position in (i, j)})
        shared = dict(zip(needed, client.scatter([representations[k] for k in needed], broadcast=False, hash=False)))
        futures = {client.submit(_on_one_blas_thread, measure, shared[i], shared[j], *arguments, pure=False): key
                   for key, (i, j, arguments) in remaining.items()}
        for future in as_completed(futures):
            try:
                result = future.result()
            except CancelledError:  # a worker died holding one of its representations
                continue
            key = futures.pop(future)
            finished(key, result)
            del remaining[key]
    if remaining:
        raise RuntimeError(f"{len(remaining)} tasks were cancelled in each of {ROUNDS} rounds: workers of the "
                           f"cluster at {client.scheduler.address} keep dying (out of memory?)")
