"""The pairwise TV matrix of 25 representations, here serially vs on a local Dask cluster.

    .venv/bin/python benchmarks/bench_distributed.py [--representations 25] [--n 1000]

25 representations of n = 1,000 stimuli, d = 64 ... 2,048 features (log-spaced; random
activations): 300 pairs, the low-rank path where d₁ + d₂ < n, a generalized eigenproblem of
size n otherwise. Each row is one run (no cache) of ``pair_matrices``; the cluster's start is
timed apart. Every run, as every worker, uses one BLAS thread, so all give the same numbers. A
last row runs the same pairs in two plain forked processes (every other pair each, no Dask): what
two processes get from this machine, the bound for 2 workers. Targets: the matrix ≤ 30 s on 2
workers; 1 → 2 workers ≥ 1.7× faster; with another process keeping one core busy (a busy loop),
the time per pair on 2 workers rises ≤ 2.5×.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time

import numpy as np

from bayesrep_plugin.assemblies.bootstrap import single_blas_thread
from bayesrep_plugin.core import compare_measures
from bayesrep_plugin.core.prior import Representation
from bayesrep_plugin.reports.distributed import available_cores, connect
from bayesrep_plugin.reports.pairs import Entry, pair_matrices

BUSY_LOOP = "while True: pass"


def board(count: int, n: int) -> list[Entry]:
    rng = np.random.default_rng(0)
    sizes = np.unique(np.geomspace(64, 2048, count).round().astype(int))
    return [Entry(f"d={d}", "model", Representation.from_activations(rng.standard_normal((n, d)))) for d in sizes]


def timed_matrix(entries: list[Entry], client) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    values = pair_matrices(entries, {"tv": {}}, b=0.01, progress=False, client=client)["tv"].values
    return time.perf_counter() - start, values


def every_other_pair(entries: list[Entry], parity: int) -> list[float]:
    pairs = [(i, j) for i in range(len(entries)) for j in range(i + 1, len(entries))][parity::2]
    with single_blas_thread():  # as in a worker: two processes of two BLAS threads each would oversubscribe
        return [float(compare_measures(entries[i].representation, entries[j].representation, {"tv": {}}, b=0.01)["tv"])
                for i, j in pairs]


def timed_plain_processes(entries: list[Entry]) -> float:
    """Every other pair in each of two forked processes (they inherit the representations)."""
    with multiprocessing.get_context("fork").Pool(2) as pool:
        start = time.perf_counter()
        pool.starmap(every_other_pair, [(entries, 0), (entries, 1)])
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--representations", type=int, default=25)
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    entries = board(args.representations, args.n)
    pairs = len(entries) * (len(entries) - 1) // 2
    load = os.getloadavg()
    print(f"# {len(entries)} representations (d = {entries[0].label[2:]} ... {entries[-1].label[2:]}), "
          f"n = {args.n}, {pairs} pairs of TV; {available_cores()} cores; one BLAS thread per process")
    print(f"# NOTE: this machine is shared with other jobs now (load average {load[0]:.1f} before the runs): "
          "the times are as measured, not on an idle machine")
    print(f"\n{'run':<34} | {'start (s)':>9} | {'matrix (s)':>10} | {'s / pair':>8} | {'vs serial':>9} | max |diff|")
    with single_blas_thread():
        serial, reference = timed_matrix(entries, None)
    print(f"{'serial, in this process':<34} | {'':>9} | {serial:10.1f} | {serial / pairs:8.3f} | {1.0:9.2f} | ")
    times = {}
    for workers, busy in ((1, False), (2, False), (2, True)):
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
        print(f"{name:<34} | {started:9.1f} | {wall:10.1f} | {wall * workers / pairs:8.3f} | "
              f"{serial / wall:9.2f} | {np.abs(values - reference).max():.1e}")
    plain = timed_plain_processes(entries)
    print(f"{'2 plain processes (no Dask)':<34} | {'':>9} | {plain:10.1f} | {plain * 2 / pairs:8.3f} | "
          f"{serial / plain:9.2f} |")
    print(f"\n1 → 2 workers: {times[1, False] / times[2, False]:.2f}× faster (target ≥ 1.7×); "
          f"serial → 2 plain processes: {serial / plain:.2f}×, what this machine gives two processes now")
    print(f"one core busy: time per pair on 2 workers × {times[2, True] / times[2, False]:.2f} (target ≤ 2.5×)")
    print(f"the matrix on 2 workers: {times[2, False]:.1f} s (target ≤ 30 s)")


if __name__ == "__main__":
    main()
