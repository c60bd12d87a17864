"""CPU seconds of one model–brain score: bayes_js with its defaults vs Brain-Score's cka, rdm and pls,
and bayes_js_ceiling vs Brain-Score's internal_consistency, in one run on one BLAS thread.

The scale of issue 20 (a Cowley2026-like session): n = 2,560 stimuli, a recording of 168 neuroids
× 50 repetitions, a model of 2,048 or 4,096 features. Simulated (no recording of that size ships
offline): 64 latent dimensions with a decaying spectrum; the model is a ReLU of a random map of
them, the neuroids a linear map of them plus noise of twice the signal's SD on every trial.
Brain-Score's metrics get the repetition-averaged assembly, ours the trials (b="auto" reads the
noise from them), as the re-scored benchmarks give them. Every metric through
brainscore_vision.load_metric; "first call" includes the resolving b's search, which is cached per
recording (a benchmark scores every model against the same recording), "again" a second model
against the same recording.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_brainscore.py [--features 2048 4096] [--no-pls]

With ``--bias`` it instead measures the bias of the bootstrap schemes on the real activations
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

N_STIMULI, N_NEUROIDS, REPETITIONS, LATENT, NOISE = 2560, 168, 50, 64, 2.0


def assemblies(features: int, seed: int = 0):
    """(model, neural trials, neural repetition average) at the scale above."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(N_STIMULI, LATENT)) * np.arange(1, LATENT + 1) ** -0.5
    model = np.maximum(latent @ rng.normal(size=(LATENT, features)), 0).astype(np.float32)
    signal = latent @ rng.normal(size=(LATENT, N_NEUROIDS))
    trials = signal[None] + NOISE * signal.std() * rng.normal(size=(REPETITIONS, *signal.shape))
    ids = [f"im{i:04d}" for i in range(N_STIMULI)]
    return (neuroid_assembly(model, stimulus_ids=ids), neuroid_assembly(trials, stimulus_ids=ids),
            neuroid_assembly(trials.mean(axis=0), stimulus_ids=ids))


def timed(call):
    """(CPU seconds of this process, the result)."""
    start = time.process_time()
    score = call()
    return time.process_time() - start, score


def bootstrap_bias(n: int, n_bootstrap: int) -> None:
    """Print resample mean − full-sample TV (and resample SD) per pair and scheme."""
    from itertools import combinations

    from bayesrep_plugin.core.resampling import SCHEMES, bootstrap_values, resample_indices
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
    parser.add_argument("--features", type=int, nargs="+", default=[2048, 4096])
    parser.add_argument("--no-pls", action="store_true", help="leave out Brain-Score's pls (about a minute or two)")
    parser.add_argument("--n", type=int, default=1000, help="stimuli for --bias")
    parser.add_argument("--n-bootstrap", type=int, default=20, help="resamples for --bias")
    parser.add_argument("--bias", action="store_true", help="measure the bias of the bootstrap schemes instead")
    args = parser.parse_args()
    if args.bias:
        bootstrap_bias(args.n, args.n_bootstrap)
        return
    install(["brainscore_vision"])
    from brainscore_vision import load_metric
    from threadpoolctl import threadpool_limits

    from bayesrep_plugin.assemblies import ceiling

    rows = []
    with threadpool_limits(1):
        for features in args.features:
            model, trials, mean = assemblies(features)
            ceiling._RESOLUTIONS.clear()   # the first call searches b afresh
            runs = {
                "bayes_js, defaults, first call": lambda: load_metric("bayes_js")(model, trials),
                "bayes_js, defaults, again": lambda: load_metric("bayes_js")(model, trials),
                "Brain-Score cka": lambda: load_metric("cka")(model, mean),
                "Brain-Score rdm": lambda: load_metric("rdm")(model, mean),
            }
            if not args.no_pls:
                runs["Brain-Score pls"] = lambda: load_metric("pls")(model, mean)
            runs["bayes_js_ceiling, b cached"] = lambda: load_metric("bayes_js_ceiling")(trials)
            runs["bayes_js_ceiling, b searched"] = lambda: (ceiling._RESOLUTIONS.clear(), load_metric("bayes_js_ceiling")(trials))[1]
            runs["Brain-Score internal_consistency"] = lambda: load_metric("internal_consistency")(trials)
            times = {}
            for name, run in runs.items():
                seconds, score = timed(run)
                times[name] = seconds
                value = float(score.mean()) if score.ndim else float(score)
                print(f"{features} features: {name}: {seconds:.1f} s, score {value:.4f}", flush=True)
            rows.append((features, times))
    print(f"\nn = {N_STIMULI} stimuli, {N_NEUROIDS} neuroids x {REPETITIONS} repetitions; CPU seconds, one BLAS thread\n")
    print("| metric | " + " | ".join(f"{f} features (s) | / cka" for f, _ in rows) + " |")
    print("|---|" + "---|---|" * len(rows))
    for name in rows[0][1]:
        print(f"| {name} | " + " | ".join(f"{t[name]:.1f} | {t[name] / t['Brain-Score cka']:.2f}" for _, t in rows) + " |")
    for features, t in rows:
        if "Brain-Score pls" in t:
            print(f"{features} features: bayes_js (again) / pls = {t['bayes_js, defaults, again'] / t['Brain-Score pls']:.3f}, "
                  f"(first call) / pls = {t['bayes_js, defaults, first call'] / t['Brain-Score pls']:.3f}")
        print(f"{features} features: ceiling / internal_consistency = "
              f"{t['bayes_js_ceiling, b searched'] / t['Brain-Score internal_consistency']:.3f} (b searched), "
              f"{t['bayes_js_ceiling, b cached'] / t['Brain-Score internal_consistency']:.3f} (b cached)")


if __name__ == "__main__":
    main()
