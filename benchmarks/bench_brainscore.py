"""Score time of one model–brain pair: our metrics vs Brain-Score's own `cka` and `pls`, in one run.

Model: ResNet-18 avgpool activations (512 features) to n = 1,000 objectome images (shipped with
brainscore-vision). "Neural" data: ResNet-34 activations to the same images seen through a random
projection onto 256 neuroids plus noise (no recordings ship in any wheel we can use offline).
Every metric gets the same two NeuroidAssemblies, through brainscore_vision.load_metric.
Ours: 100 bootstrap resamples (half samples) for the readout metrics, 100 neuroid resamples for
the encoding score (which needs repetitions: it gets the 4 repetitions the average was made of).

    .venv/bin/python benchmarks/bench_brainscore.py [--n 1000] [--n-bootstrap 100]

With ``--bias`` it instead measures the bias of the two bootstrap schemes on the real activations
(the table in docs/guide-brainscore.md): TV at b = 0.01 on all n stimuli vs the mean over
resamples, for each pair of networks.

    .venv/bin/python benchmarks/bench_brainscore.py --bias [--n 1000] [--n-bootstrap 20]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
os.environ.setdefault("RESULTCACHING_DISABLE", "1")

from bayesrep_plugin.brainscore.install import install  # noqa: E402
from bayesrep_plugin.brainscore.simulate import neuroid_assembly  # noqa: E402
from bayesrep_plugin.data import load_activations  # noqa: E402

N_NEUROIDS, REPETITIONS, NOISE = 256, 4, 1.0


def assemblies(n: int):
    rng = np.random.default_rng(0)
    chosen = np.sort(rng.choice(2400, n, replace=False))
    model = load_activations("resnet18").values[chosen]
    source = load_activations("resnet34").values[chosen].astype(np.float64)
    signal = source @ rng.normal(size=(source.shape[1], N_NEUROIDS)) / np.sqrt(source.shape[1])
    trials = signal[None] + NOISE * signal.std() * rng.normal(size=(REPETITIONS, *signal.shape))
    ids = [f"objectome{i:04d}" for i in chosen]
    return (neuroid_assembly(model, stimulus_ids=ids), neuroid_assembly(trials.mean(axis=0), stimulus_ids=ids),
            neuroid_assembly(trials, stimulus_ids=ids))


def timed(call):
    start = time.perf_counter()
    score = call()
    return time.perf_counter() - start, score


def bootstrap_bias(n: int, n_bootstrap: int) -> None:
    """Print resample mean − full-sample TV (and resample SD) per pair and scheme."""
    from itertools import combinations

    from bayesrep_plugin.assemblies.bootstrap import SCHEMES, bootstrap_values, resample_indices
    from bayesrep_plugin.core import compare
    from bayesrep_plugin.core.prior import Representation

    chosen = np.sort(np.random.default_rng(0).choice(2400, n, replace=False))
    reps = {name: Representation.from_activations(load_activations(name).values[chosen], name=name)
            for name in ("alexnet", "resnet18", "resnet34")}
    tv = lambda rep1, rep2: compare(rep1, rep2, "tv", b=0.01)
    print(f"\nTV, b = 0.01, n = {n}, {n_bootstrap} resamples per scheme (bias = resample mean − TV on all n)\n")
    print("| pair | TV on all n | " + " | ".join(f"{s}: bias (SD) | {s}: time (s)" for s in SCHEMES) + " |")
    print("|---|---|" + "---|---|" * len(SCHEMES))
    for first, second in combinations(reps, 2):
        point = float(tv(reps[first], reps[second]))
        cells = []
        for scheme in SCHEMES:
            indices = resample_indices(n, n_bootstrap, scheme=scheme, seed=1)
            seconds, values = timed(lambda: bootstrap_values(reps[first], reps[second], tv, indices))
            cells.append(f"{values.mean() - point:+.4f} ({values.std(ddof=1):.4f}) | {seconds:.1f}")
        print(f"| {first} vs {second} | {point:.4f} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--n-bootstrap", type=int, default=None, help="resamples (default 100; 20 with --bias)")
    parser.add_argument("--bias", action="store_true", help="measure the bias of the bootstrap schemes instead")
    args = parser.parse_args()
    if args.bias:
        bootstrap_bias(args.n, args.n_bootstrap or 20)
        return
    args.n_bootstrap = args.n_bootstrap or 100
    install(["brainscore_vision"])
    from brainscore_vision import load_metric

    model, neural, repeated = assemblies(args.n)
    runs = {
        f"bayes_js ({args.n_bootstrap} resamples)": lambda: load_metric("bayes_js", n_bootstrap=args.n_bootstrap)(model, neural),
        f"bayes_tv ({args.n_bootstrap} resamples)": lambda: load_metric("bayes_tv", n_bootstrap=args.n_bootstrap)(model, neural),
        f"bayes_encoding ({args.n_bootstrap} resamples)": lambda: load_metric("bayes_encoding", n_bootstrap=args.n_bootstrap)(model, repeated),
        "Brain-Score cka (no resampling)": lambda: load_metric("cka")(model, neural),
        "Brain-Score pls (10-fold CV)": lambda: load_metric("pls")(model, neural),
    }
    results = {name: timed(run) for name, run in runs.items()}
    reference = results[next(iter(results))][0]
    print(f"\nn = {args.n} stimuli, model 512 features, neural {N_NEUROIDS} neuroids; 2-core CPU\n")
    print(f"| {'metric':<36} | {'time (s)':>8} | {'score':>7} | {'error':>7} | {'time / bayes_js':>15} |")
    print(f"|{'-' * 38}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 17}|")
    for name, (seconds, score) in results.items():
        value = float(score.mean()) if score.ndim else float(score)  # pls: per split × neuroid raw → mean
        error = score.attrs.get("error")
        error = f"{float(error):7.4f}" if error is not None and np.ndim(error) == 0 else "      -"
        print(f"| {name:<36} | {seconds:8.2f} | {value:7.4f} | {error} | {seconds / reference:15.2f} |")


if __name__ == "__main__":
    main()
