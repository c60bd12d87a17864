"""The noise ceiling and the metric's defaults on simulated populations with a known signal, and on V4.

    .venv/bin/python benchmarks/bench_ceiling.py [--seeds 10] [--processes 2] [--quick]

Everything goes through the public entry points with their defaults: the metric
``load_metric('bayes_js')`` (centred features, the recording's noise on the model's side,
b = the recording's resolving b) and its ceiling ``metric.ceiling()``.

Simulated population: a signal X (n stimuli × d neurons) with a low-rank (rank 10, decaying),
power-law (k-th component's variance ∝ 1/k) or flat (all components equal; rank min(d, n/2), since
a flat spectrum of rank n is the identity kernel, the same for every population) spectrum; trials are
X + Gaussian noise (trial noise SD = ``noise`` × signal SD), optionally correlated across neurons
(correlation ρ), plus a drift shared by all stimuli of a repetition (SD = ``drift`` × noise SD),
or Poisson counts of rates exp(…) with mean count 1/noise². The design varies one factor at a time
around a base cell (low-rank, Gaussian, noise 1, R = 4, d = 50, n = 300).

Per cell and seed, scored against the recording and ceiled:

* the perfect model X: ``ceiled`` (target: mean within 0.05 of 1), ``cover`` (the share of seeds
  whose ceiled interval contains 1; target ≥ 0.9);
* impure models, each of which must lose to X (``beaten``: share of seeds where X scores higher;
  target ≥ 0.95 for every one): X mixed with an unrelated population of the same spectrum, or with
  600 white features, at variance shares 0.1, 0.25 and 0.5 (features concatenated, each part
  scaled to its share), and X plus a fresh draw of the recording's mean noise (``noisy copy``);
* the mixture series with an unrelated population (shares 0, 0.1, 0.25, 0.5, 0.75): the share of
  seeds whose ceiled scores fall in the order of their noise-free scores against X (``order``).

Runs cells in processes with one BLAS thread each.
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")

import numpy as np  # noqa: E402

from bayesrep_plugin.brainscore.metrics import BayesianReadoutSimilarity  # noqa: E402
from bayesrep_plugin.brainscore.scores import ceil_score  # noqa: E402
from bayesrep_plugin.brainscore.simulate import neuroid_assembly  # noqa: E402

BASE = {"spectrum": "lowrank", "noise": 1.0, "poisson": False, "R": 4, "d": 50, "n": 300, "rho": 0.0,
        "drift": 0.0, "unequal": False}
SHARES = (0.1, 0.25, 0.5)
ORDER_SHARES = (0.0, 0.1, 0.25, 0.5, 0.75)
WHITE_FEATURES = 600


def cells(quick: bool = False) -> list[dict]:
    """The design: one factor at a time around :data:`BASE` (a few combinations too)."""
    if quick:
        varied = [{"R": 2}, {"spectrum": "flat", "R": 2}, {"rho": 0.3}, {"drift": 0.5}, {"d": 500, "n": 100}]
    else:
        varied = ([{"noise": v} for v in (0.5, 2.0)] + [{"R": v} for v in (2, 3, 10, 20)]
                  + [{"d": v} for v in (20, 150, 500)] + [{"n": v} for v in (50, 100, 1000)]
                  + [{"spectrum": "powerlaw"}, {"spectrum": "powerlaw", "R": 2}, {"spectrum": "flat"},
                     {"spectrum": "flat", "R": 2}, {"spectrum": "flat", "d": 500, "n": 100}]
                  + [{"poisson": True, "noise": v} for v in (0.5, 1.0)] + [{"poisson": True, "R": 2}]
                  + [{"rho": v} for v in (0.1, 0.3)] + [{"drift": v} for v in (0.25, 0.5)]
                  + [{"unequal": True}, {"unequal": True, "poisson": True, "noise": 0.7, "R": 10},
                     {"R": 2, "d": 500, "n": 100}, {"R": 20, "d": 20, "n": 1000, "noise": 2.0}])
    return [BASE] + [{**BASE, **v} for v in varied]


def signal(spectrum: str, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """A signal n × d with the spectrum asked for (total variance n·d, so the noise level is relative)."""
    if spectrum == "lowrank":
        rank = 10
        X = (rng.normal(size=(n, rank)) * 0.8 ** np.arange(rank)) @ rng.normal(size=(rank, d))
    else:  # a flat spectrum of rank n would be the identity kernel, the same for every population: rank ≤ n/2
        rank = min(d, n // 2)
        U, V = np.linalg.qr(rng.normal(size=(n, rank)))[0], np.linalg.qr(rng.normal(size=(d, rank)))[0]
        scale = np.arange(1, rank + 1) ** -0.5 if spectrum == "powerlaw" else np.ones(rank)
        X = (U * scale) @ V.T
    X -= X.mean(axis=0)
    return X * np.sqrt(n * d) / np.linalg.norm(X)


def recording(cell: dict, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(signal X, trials (R, n, d), present mask (R, n))."""
    n, d, R = cell["n"], cell["d"], cell["R"]
    X = signal(cell["spectrum"], n, d, rng)
    if cell["poisson"]:
        X = np.exp(0.5 * X / X.std()) / cell["noise"] ** 2          # rates; Poisson noise variance = rate
        trials = rng.poisson(np.broadcast_to(X, (R, n, d))).astype(float)
    else:
        sd = cell["noise"] * X.std()
        shared = rng.normal(size=(R, n, 1))                          # one draw per trial, shared by the neurons
        noise = np.sqrt(1 - cell["rho"]) * rng.normal(size=(R, n, d)) + np.sqrt(cell["rho"]) * shared
        drift = cell["drift"] * rng.normal(size=(R, 1, d))           # shared by every stimulus of a repetition
        trials = X[None] + sd * (noise + drift)
    present = np.ones((R, n), dtype=bool)
    if cell["unequal"]:   # like the V4 session: 60–100% of the repetition slots, at least 2
        counts = rng.integers(max(2, int(0.6 * R)), R + 1, size=n)
        present = np.arange(R)[:, None] < counts[None, :]
    return X, trials, present


def neural_assembly(trials: np.ndarray, present: np.ndarray):
    """The recording as a NeuroidAssembly, only the present repetitions (presentation r·n + i)."""
    return neuroid_assembly(trials).isel(presentation=np.flatnonzero(present.ravel()))


def mixture(parts: list[tuple[np.ndarray, float]]) -> np.ndarray:
    """Features concatenated, each part centred and scaled to its share of the total variance."""
    return np.hstack([np.sqrt(share) * (P - P.mean(axis=0)) / np.linalg.norm(P - P.mean(axis=0))
                      for P, share in parts if share > 0])


def run_cell(args: tuple[dict, int]) -> dict:
    cell, seeds = args
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)
    metric = BayesianReadoutSimilarity("js", n_bootstrap=100 if cell["n"] <= 300 else 20)
    rows = []
    for seed in range(seeds):
        rng = np.random.default_rng(1000 + seed)
        X, trials, present = recording(cell, rng)
        neural = neural_assembly(trials, present)
        ceiling = metric.ceiling()(neural)
        ceiled = ceil_score(metric(neuroid_assembly(X), neural), ceiling)
        low, high = ceiled.attrs["interval"]
        row = {"perfect": float(ceiled.attrs["raw"]), "ceiling": float(ceiling), "chance": ceiling.attrs["chance"],
               "b": ceiling.attrs["b"], "ceiled": ceiled.attrs["unclipped"], "covered": low <= 1 <= high}
        other = signal(cell["spectrum"], cell["n"], cell["d"], rng)
        white = rng.normal(size=(cell["n"], WHITE_FEATURES))
        counts = present.sum(axis=0)
        fresh = (trials - trials.mean(axis=0)).std() * rng.normal(size=X.shape) / np.sqrt(counts)[:, None]
        impure = {f"unrelated {s}": mixture([(X, 1 - s), (other, s)]) for s in SHARES}
        impure |= {f"white {s}": mixture([(X, 1 - s), (white, s)]) for s in SHARES}
        impure["noisy copy"] = X + fresh
        quick = BayesianReadoutSimilarity("js", n_bootstrap=2)
        for name, model in impure.items():
            row[f"beaten {name}"] = float(quick(neuroid_assembly(model), neural)) < row["perfect"]
        clean = BayesianReadoutSimilarity("js", b=row["b"], n_bootstrap=2)
        series = [mixture([(X, 1 - s), (other, s)]) for s in ORDER_SHARES]
        noise_free = [float(clean(neuroid_assembly(M), neuroid_assembly(X))) for M in series]
        against_data = [float(quick(neuroid_assembly(M), neural)) for M in series]
        row["order"] = list(np.argsort(noise_free)) == list(np.argsort(against_data))
        rows.append(row)
    return {"cell": cell, "rows": rows}


def describe(cell: dict) -> str:
    kind = "Poisson" if cell["poisson"] else f"Gauss {cell['noise']:g}"
    if cell["rho"]:
        kind += f", ρ {cell['rho']:g}"
    if cell["drift"]:
        kind += f", drift {cell['drift']:g}"
    reps = f"{max(2, int(0.6 * cell['R']))}–{cell['R']}" if cell["unequal"] else str(cell["R"])
    return f"| {cell['spectrum']} | {kind} | {reps} | {cell['d']} | {cell['n']} "


def summary(results: list[dict]) -> str:
    impure = [key for key in results[0]["rows"][0] if key.startswith("beaten ")]
    lines = ["| spectrum | noise | R | d | n | seeds | b | chance | ceiling | ceiled | abs(ceiled−1) | cover | "
             "worst impure (beaten) | order |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for result in results:
        rows = result["rows"]
        get = lambda key: np.array([r[key] for r in rows], dtype=float)  # noqa: E731
        beaten = {key[7:]: get(key).mean() for key in impure}
        worst = min(beaten, key=beaten.get)
        lines.append(describe(result["cell"]) + f"| {len(rows)} | {np.median(get('b')):g} | {get('chance').mean():.3f} | "
                     f"{get('ceiling').mean():.3f} | {get('ceiled').mean():.3f} | {abs(get('ceiled').mean() - 1):.3f} | "
                     f"{get('covered').mean():.2f} | {worst} ({beaten[worst]:.2f}) | {get('order').mean():.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="five hard cells only")
    args = parser.parse_args()
    start = time.time()
    jobs = [(cell, args.seeds) for cell in cells(args.quick)]
    with ProcessPoolExecutor(args.processes) as pool:
        results = list(pool.map(run_cell, jobs))
    print(summary(results))
    print(f"\n(simulations: {time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
