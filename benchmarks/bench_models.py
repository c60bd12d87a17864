"""The compact models' forward passes: images per second by model size, Keras vs plain torch.

    BAYESREP_DATA=../shared/data .venv/bin/python benchmarks/bench_models.py [--images 320] [--teacher from_ensemble_model]

For each of a teacher's 8 sizes (5 … 200 filters) on the first ``--images`` V4 images in batches
of :data:`~bayesrep_plugin.models.compact.BATCH_SIZE`, every stage computed (as the full study
asks; the demo's output layer costs the same forward pass), timed after the model is loaded:

* Keras 3 on the torch backend (``keras.Model`` over the stages, what ``bayesrep_plugin`` ran
  before) and the same network in plain torch (:class:`bayesrep_plugin.models.compact.CompactNetwork`,
  what it runs now), both in one process with one torch thread; their largest relative difference;
* plain torch in one process with two threads;
* plain torch in two worker processes with one thread each (two copies of the model, each on all
  the images): what a 2-worker cluster gets from this machine, counted as 2 × images / the slower's
  seconds.

Then one mid-size model against the batch size (4 … 64) in plain torch on one thread. Nothing
here is a test; the table is read off the output (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np



def seconds(path: str, engine: str, threads: int, count: int, batch: int | None = None) -> tuple[float, dict]:
    """Seconds for one model's forward passes over the first ``count`` V4 images (the model loaded
    first, untimed), and the stages it computed on the first batch."""
    import torch

    torch.set_num_threads(threads)
    from bayesrep_plugin.datasets import cowley2026
    from bayesrep_plugin.models import compact

    images, batch = cowley2026.load_images()[1][:count], batch or compact.BATCH_SIZE
    model = compact.load_model(path)
    if engine == "keras":
        keras = compact.import_keras()
        extractor = keras.Model(model.inputs, [compact.keras_stage(model, layer).output for layer in compact.LAYERS])

        def run(x):
            with torch.no_grad():
                return [keras.ops.convert_to_numpy(out) for out in extractor([x], training=False)]
    else:
        network = compact.CompactNetwork(model, compact.LAYERS)

        def run(x):
            with torch.no_grad():
                return [out.numpy() for out in network(torch.from_numpy(x)).values()]
    run(compact.preprocess(images[:batch]))  # warm-up: first-call allocations
    start = time.perf_counter()
    first = None
    for i in range(0, count, batch):
        out = run(compact.preprocess(images[i:i + batch]))
        first = first or dict(zip(compact.LAYERS, out))
    return time.perf_counter() - start, first


def relative(a: dict, b: dict) -> float:
    return max(float(np.linalg.norm(a[k] - b[k]) / np.linalg.norm(b[k])) for k in a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=320)
    parser.add_argument("--teacher", default="from_ensemble_model")
    args = parser.parse_args()
    from bayesrep_plugin.models import compact

    files = [m for m in compact.list_models() if m.teacher == args.teacher]
    n = args.images
    spawn = multiprocessing.get_context("spawn")
    print(f"{len(files)} models of {args.teacher}, {n} V4 images, batches of {compact.BATCH_SIZE}, every stage; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    print(f"\n| filters | Keras, 1 thread (img/s) | torch, 1 thread (img/s) | torch / Keras | max rel. diff "
          f"| torch, 2 threads (img/s) | torch, 2 workers × 1 thread (img/s) |")
    print("|---|---|---|---|---|---|---|")
    for file in files:
        keras_s, keras_out = seconds(str(file.path), "keras", 1, n)
        torch_s, torch_out = seconds(str(file.path), "torch", 1, n)
        two_threads, _ = seconds(str(file.path), "torch", 2, n)
        with ProcessPoolExecutor(2, mp_context=spawn) as pool:
            both = [pool.submit(seconds, str(file.path), "torch", 1, n) for _ in range(2)]
            slower = max(task.result()[0] for task in both)
        print(f"| {file.filters} | {n / keras_s:.1f} | {n / torch_s:.1f} | {keras_s / torch_s:.2f} | "
              f"{relative(torch_out, keras_out):.1e} | {n / two_threads:.1f} | {2 * n / slower:.1f} |", flush=True)
    middle = next(file for file in files if file.filters == 50)
    print(f"\n{middle.name}, plain torch, 1 thread: images/s against the batch size")
    print("| batch | img/s |\n|---|---|")
    for batch in (4, 8, 16, 32, 64):
        took, _ = seconds(str(middle.path), "torch", 1, n, batch)
        print(f"| {batch} | {n / took:.1f} |", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
