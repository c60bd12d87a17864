"""The torch backend: CPU vs GPU (when one is there), float32 vs float64, batched pairwise vs the numpy core.

    .venv/bin/python benchmarks/bench_torch.py [--quick]

1. one exact TV from activations (d = 512), float64, numpy core vs torch on CPU vs torch on CUDA;
   n = 1,000 / 2,000 here, and 5,000 / 10,000 / 20,000 when a GPU is present (the full path:
   the kernels and one generalized eigenproblem of size n).
2. float32 against float64: the relative error of TV, JS, KL and Bures on the same pairs.
3. the pairwise TV matrix of 8 representations, n = 500: numpy core (one pair at a time) vs torch
   with the Cholesky factors and the eigenproblems batched.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import bayesrep_plugin as br
from bayesrep_plugin.core import torch as brt


def seconds(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


def pair(n: int, d: int = 512, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return X, X @ rng.standard_normal((d, d)) / np.sqrt(d) + rng.standard_normal((n, d))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one repeat")
    args = parser.parse_args()
    repeat = 1 if args.quick else 3
    gpu = torch.cuda.is_available()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, GPU: "
          f"{torch.cuda.get_device_name() if gpu else 'none'}")

    print("\n## 1. one exact TV from activations, full path, float64 (seconds)")
    sizes = (500, 1000) if args.quick else (1000, 2000) + ((5000, 10000, 20000) if gpu else ())
    print("| n | numpy | torch cpu | torch cuda | cpu/cuda |\n|---|---|---|---|---|")
    for n in sizes:
        X, Y = pair(n, d=max(512, n))  # d ≥ n: the full path on both backends
        t_numpy = seconds(lambda: br.distance(X, Y, "tv"), repeat) if n <= 5000 else float("nan")
        t_cpu = seconds(lambda: brt.distance(X, Y, "tv", device="cpu"), repeat) if n <= 5000 else float("nan")
        t_gpu = seconds(lambda: brt.distance(X, Y, "tv", device="cuda"), repeat) if gpu else float("nan")
        print(f"| {n} | {t_numpy:.3f} | {t_cpu:.3f} | {t_gpu:.3f} | {t_cpu / t_gpu:.1f}x |")

    print("\n## 2. float32 against float64: relative error of the value")
    print("| n | tv | js | kl | bures |\n|---|---|---|---|---|")
    for n in (50, 200, 500):
        X, Y = pair(n, d=64, seed=n)
        errors = []
        for measure in ("tv", "js", "kl", "bures"):
            high = brt.distance(X, Y, measure).item()
            low = brt.distance(X, Y, measure, dtype=torch.float32).item()
            errors.append(abs(low - high) / high)
        print(f"| {n} | " + " | ".join(f"{e:.1e}" for e in errors) + " |")

    print("\n## 3. pairwise TV, 8 representations, n = 500 (seconds)")
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((500, 600)) for _ in range(8)]  # d > n: the full path for both
    t_numpy = seconds(lambda: br.pairwise(arrays, "tv", progress=False), repeat)
    t_batched = seconds(lambda: brt.pairwise(arrays, "tv", device="cpu"), repeat)
    difference = np.abs(brt.pairwise(arrays, "tv").numpy() - np.asarray(br.pairwise(arrays, "tv", progress=False))).max()
    print(f"| numpy | torch batched | numpy/torch | max |difference| |\n|---|---|---|---|\n"
          f"| {t_numpy:.2f} | {t_batched:.2f} | {t_numpy / t_batched:.2f}x | {difference:.1e} |")


if __name__ == "__main__":
    main()
