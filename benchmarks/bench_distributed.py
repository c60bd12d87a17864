"""The pairwise TV matrix of 25 representations, here serially vs on a local Dask cluster.

    .venv/bin/python benchmarks/bench_distributed.py [--representations 25] [--n 1000] [--resamples 64]
                                                     [--api-only]

25 representations of n = 1,000 stimuli, d = 64 ... 2,048 features (log-spaced; random
activations): 300 pairs, the low-rank path where d₁ + d₂ < n, a generalized eigenproblem of
size n otherwise. Each row is one run (no cache) of ``pair_matrices``; the cluster's start is
timed apart. Every run, as every worker, uses one BLAS thread, so all give the same numbers. A
last row runs the same pairs in two plain forked processes (every other pair each, no Dask): what
two processes get from this machine, the bound for 2 workers. Targets: the matrix ≤ 30 s on 2
workers; 1 → 2 workers ≥ 1.7× faster; with another process keeping one core busy (a busy loop),
the time per pair on 2 workers rises ≤ 2.5×.

Then one pair with many resamples (the two largest representations, 64 resamples of half the
stimuli), serially and on 2 workers, which split its resamples into tasks. The matrix's time vs
the number of workers (1 to 4: on this machine's 2 cores, 3 and 4 show the saturation) is drawn
in docs/benchmarks/workers.png beside the ideal, serial time / workers.

First (alone with --api-only), the Python API: ``bayesrep_plugin.pairwise`` on the same 25
representations, serially and with ``workers=2`` (this process and a spawned one, one BLAS thread
each; the spawned one's start is included) and on a 2-worker local Dask cluster (``executor=on_cluster(client)``),
as ratios. Target: ≤ 0.6× the serial time on 2 cores.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import bayesrep_plugin as br
from bayesrep_plugin._runtime import single_blas_thread
from bayesrep_plugin.core import Comparison, Readout, compare_measures
from bayesrep_plugin.core.prior import Representation
from bayesrep_plugin.reports.distributed import available_cores, connect, on_cluster
from bayesrep_plugin.core.resampling import resample_indices
from bayesrep_plugin.reports.pairs import Entry, pair_matrices

BUSY_LOOP = "while True: pass"
FIGURE = Path(__file__).resolve().parents[1] / "docs" / "benchmarks" / "workers.png"


def board(count: int, n: int) -> list[Entry]:
    rng = np.random.default_rng(0)
    sizes = np.unique(np.geomspace(64, 2048, count).round().astype(int))
    return [Entry(f"d={d}", "model", Representation.from_activations(rng.standard_normal((n, d)))) for d in sizes]


def timed_matrix(entries: list[Entry], client, resamples: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    matrix = pair_matrices(entries, Comparison({"tv": {}}, Readout(0.01)), resamples=resamples, progress=False, client=client)["tv"]
    return time.perf_counter() - start, np.concatenate([matrix.values.ravel(), matrix.resampled.ravel()])


def every_other_pair(entries: list[Entry], parity: int) -> list[float]:
    pairs = [(i, j) for i in range(len(entries)) for j in range(i + 1, len(entries))][parity::2]
    with single_blas_thread():  # as in a worker: two processes of two BLAS threads each would oversubscribe
        return [float(compare_measures(entries[i].representation, entries[j].representation, {"tv": {}}, b=0.01)["tv"])
                for i, j in pairs]


def timed_plain_processes(entries: list[Entry]) -> float:
    """Every other pair in each of two forked processes (they inherit the representations: give
    fresh ones, so that each process derives what a worker derives, not what the serial run cached)."""
    with multiprocessing.get_context("fork").Pool(2) as pool:
        start = time.perf_counter()
        pool.starmap(every_other_pair, [(entries, 0), (entries, 1)])
        return time.perf_counter() - start


def api_pairwise(entries: list[Entry]) -> None:
    """``bayesrep_plugin.pairwise`` serially, with workers=2 and on a local Dask cluster of 2 workers,
    timed end to end (the workers' or the cluster's start too)."""
    representations = [entry.representation for entry in entries]
    start = time.perf_counter()
    serial = br.pairwise(representations, "tv", b=0.01)
    serial_time = time.perf_counter() - start
    start = time.perf_counter()
    spread = br.pairwise(representations, "tv", b=0.01, workers=2)
    spread_time = time.perf_counter() - start
    start = time.perf_counter()
    with connect(workers=2) as client:
        cluster = br.pairwise(representations, "tv", b=0.01, executor=on_cluster(client))
    cluster_time = time.perf_counter() - start
    pairs = len(entries) * (len(entries) - 1) // 2
    print(f"\nbayesrep_plugin.pairwise, {pairs} pairs of TV (load average {os.getloadavg()[0]:.1f} after):")
    print(f"{'run':<34} | {'matrix (s)':>10} | {'vs serial':>9} | max |diff|")
    print(f"{'serial (one BLAS thread)':<34} | {serial_time:10.1f} | {1.0:9.2f} |")
    print(f"{'workers=2 (processes)':<34} | {spread_time:10.1f} | {spread_time / serial_time:9.2f} | "
          f"{np.abs(np.asarray(spread) - np.asarray(serial)).max():.1e}")
    print(f"{'executor=on_cluster (2 Dask workers)':<34} | {cluster_time:10.1f} | {cluster_time / serial_time:9.2f} | "
          f"{np.abs(np.asarray(cluster) - np.asarray(serial)).max():.1e}")
    print(f"workers=2 / serial: {spread_time / serial_time:.2f}× the serial time (target ≤ 0.6×)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--representations", type=int, default=25)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--resamples", type=int, default=64)
    parser.add_argument("--api-only", action="store_true", help="only bayesrep_plugin.pairwise: serial vs workers=2")
    args = parser.parse_args()
    entries = board(args.representations, args.n)
    pairs = len(entries) * (len(entries) - 1) // 2
    load = os.getloadavg()
    print(f"# {len(entries)} representations (d = {entries[0].label[2:]} ... {entries[-1].label[2:]}), "
          f"n = {args.n}, {pairs} pairs of TV; {available_cores()} cores; one BLAS thread per process")
    print(f"# NOTE: this machine is shared with other jobs now (load average {load[0]:.1f} before the runs): "
          "the times are as measured, not on an idle machine")
    api_pairwise(entries)
    if args.api_only:
        return
    print(f"\n{'run':<34} | {'start (s)':>9} | {'matrix (s)':>10} | {'s / pair':>8} | {'vs serial':>9} | max |diff|")
    with single_blas_thread():
        serial, reference = timed_matrix(entries, None)
    print(f"{'serial, in this process':<34} | {'':>9} | {serial:10.1f} | {serial / pairs:8.3f} | {1.0:9.2f} | ")
    times = {}
    for workers, busy in ((1, False), (2, False), (2, True), (3, False), (4, False)):
        loop = subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) if busy else None
        try:
            start = time.perf_counter()
            with connect(workers=workers) as client:
                started = time.perf_counter() - start
                times[workers, busy], values = timed_matrix(entries, client)
        finally:
            if loop is not None:
                loop.kill()
                loop.wait()
        name = f"{workers} worker{'s' if workers > 1 else ''}" + (", one core kept busy" if busy else "")
        wall = times[workers, busy]
        print(f"{name:<34} | {started:9.1f} | {wall:10.1f} | {wall * min(workers, available_cores()) / pairs:8.3f} | "
              f"{serial / wall:9.2f} | {np.abs(values - reference).max():.1e}")
    plain = timed_plain_processes(board(args.representations, args.n))
    print(f"{'2 plain processes (no Dask)':<34} | {'':>9} | {plain:10.1f} | {plain * 2 / pairs:8.3f} | "
          f"{serial / plain:9.2f} |")

    largest = entries[-2:]
    resamples = resample_indices(args.n, args.resamples, seed=0)
    with single_blas_thread():
        one_serial, one_reference = timed_matrix(largest, None, resamples)
    with connect(workers=2) as client:
        one_spread, one_values = timed_matrix(largest, client, resamples)
    print(f"\none pair ({largest[0].label} vs {largest[1].label}) with {args.resamples} resamples: serial "
          f"{one_serial:.1f} s, 2 workers {one_spread:.1f} s ({one_serial / one_spread:.2f}×), "
          f"max |diff| {np.abs(one_values - one_reference).max():.1e}")

    print(f"\n1 → 2 workers: {times[1, False] / times[2, False]:.2f}× faster (target ≥ 1.7×); "
          f"serial → 2 plain processes: {serial / plain:.2f}×, what this machine gives two processes now")
    print(f"one core busy: time per pair on 2 workers × {times[2, True] / times[2, False]:.2f} (target ≤ 2.5×)")
    print(f"the matrix on 2 workers: {times[2, False]:.1f} s (target ≤ 30 s)")
    plot(serial, {workers: wall for (workers, busy), wall in times.items() if not busy}, plain, pairs, args.n)
    print(f"figure: {FIGURE.relative_to(FIGURE.parents[2])}")


def plot(serial: float, times: dict[int, float], plain: float, pairs: int, n: int) -> None:
    """The matrix's time vs workers, beside the ideal serial / min(workers, cores)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workers = sorted(times)
    cores = available_cores()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.plot(workers, [times[w] for w in workers], "o-", label="Dask LocalCluster")
    ax.plot(workers, [serial / min(w, cores) for w in workers], "k--", label=f"serial / min(workers, {cores} cores)")
    ax.plot([2], [plain], "s", label="2 plain processes (no Dask)")
    ax.axhline(serial, color="grey", lw=0.8, label="serial, in one process")
    ax.set(xlabel="workers (one thread, one BLAS thread each)", ylabel="time (s)", xticks=workers, ylim=(0, None),
           title=f"{pairs} pairs of exact TV, n = {n}, on {cores} cores")
    ax.legend(fontsize=8)
    fig.tight_layout()
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURE, dpi=100, metadata={"Software": None})


if __name__ == "__main__":
    main()
