"""Validation of the noise ceiling on simulated populations with a known signal, and on the real V4 session.

    BAYESREP_DATA=/work/shared/data .venv/bin/python benchmarks/bench_ceiling.py [--seeds 10] [--processes 2]

Simulated population: a signal X (n stimuli × d neurons) of rank 10 with a decaying spectrum, or
of full rank with a 1/k variance spectrum; trials are X + Gaussian noise (trial noise SD =
`noise` × signal SD), or Poisson counts of the
rates X = μ·exp(0.5·z) with mean count μ = 1/noise² (Poisson-like: noise variance = rate). The
design varies one factor at a time around a base cell (Gaussian, noise 1, R = 4, d = 50,
n = 300): noise level, repetitions 2–20, neurons 20–500, stimuli 100–2,000, Poisson, unequal
repetition counts, a power-law spectrum. Per cell and seed the noise-free signal X is scored as a model against the
recording with `bayes_js` (b = 0.01), ceiled with `metric.ceiling()`.

Columns: `perfect` = mean raw score of X (what the ceiling must estimate); `ceiling`; `ceiled` =
mean unclipped ceiled score of X (target 1 ± 0.05); `abs(ceiled−1)`; `half-width` = mean
half-width of its 95% interval; `cover` = share of seeds whose interval contains 1 (target
≥ 0.9); `clip` = share clipped at 1; `plug-in` = the mean ceiled score when the bootstrap is
run around the means themselves (X̂ = x̄, first 5 seeds); `old ratio` =
raw score / the former split-half ceiling (10 splits, first 3 seeds).

Mixture series: models √(1−α)·X̃ ⊕ √α·F̃ (features concatenated; X̃, F̃ the signal and an unrelated
population of the same spectrum, each scaled to unit Frobenius norm), α the unrelated share.
Their noise-free scores (against X) and ceiled scores (against the recording) must fall in the
same order, all below the perfect one.

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

from bayesrep_plugin.assemblies.noise import simulated_recording  # noqa: E402
from bayesrep_plugin.assemblies.responses import Responses, responses_from_assembly, split_half  # noqa: E402
from bayesrep_plugin.brainscore.metrics import BayesianReadoutSimilarity  # noqa: E402
from bayesrep_plugin.brainscore.scores import ceil_score  # noqa: E402
from bayesrep_plugin.brainscore.simulate import neuroid_assembly  # noqa: E402

BASE = {"kind": "gauss", "noise": 1.0, "R": 4, "d": 50, "n": 300, "unequal": False}
ALPHAS = (0.0, 0.1, 0.25, 0.5, 0.75)


def cells() -> list[dict]:
    varied = ([{"noise": v} for v in (0.5, 2.0)] + [{"R": v} for v in (2, 3, 10, 20)]
              + [{"d": v} for v in (20, 150, 500)] + [{"n": v} for v in (100, 1000, 2000)]
              + [{"kind": "poisson", "noise": v} for v in (0.5, 1.0)]
              + [{"kind": "poisson", "noise": 1.0, "R": 2}, {"kind": "poisson", "noise": 0.7, "d": 300, "n": 100},
                 {"unequal": True}, {"unequal": True, "kind": "poisson", "noise": 0.7},
                 {"R": 2, "d": 500, "n": 100}, {"R": 20, "d": 20, "n": 2000, "noise": 2.0},
                 {"kind": "powerlaw"}, {"kind": "powerlaw", "R": 2}, {"kind": "powerlaw", "d": 500, "n": 100}])
    return [BASE] + [{**BASE, **v} for v in varied]


def population(n: int, d: int, rng: np.random.Generator, rank: int = 10) -> np.ndarray:
    latent = rng.normal(size=(n, rank)) * 0.8 ** np.arange(rank)
    return latent @ rng.normal(size=(rank, d)) / np.sqrt(rank)


def power_law(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """A full-rank signal whose k-th principal component has variance ∝ 1/k (as in V1, Stringer et al. 2019)."""
    rank = min(n, d)
    U, V = np.linalg.qr(rng.normal(size=(n, rank)))[0], np.linalg.qr(rng.normal(size=(d, rank)))[0]
    return (U * np.arange(1, rank + 1) ** -0.5) @ V.T * np.sqrt(n)


def recording(cell: dict, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(signal X, trials (R, n, d) with NaN for absent repetitions, present mask)."""
    n, d, R = cell["n"], cell["d"], cell["R"]
    z = population(n, d, rng)
    if cell["kind"] in ("gauss", "powerlaw"):
        X = z if cell["kind"] == "gauss" else power_law(n, d, rng)
        trials = X[None] + cell["noise"] * X.std() * rng.normal(size=(R, n, d))
    else:
        X = np.exp(0.5 * z / z.std()) / cell["noise"] ** 2
        trials = rng.poisson(np.broadcast_to(X, (R, n, d))).astype(float)
    present = np.ones((R, n), dtype=bool)
    if cell["unequal"]:   # like the V4 session: 60–100% of the repetition slots, at least 2
        counts = rng.integers(max(2, int(0.6 * R)), R + 1, size=n)
        present = np.arange(R)[:, None] < counts[None, :]
    return X, trials, present


def neural_assembly(trials: np.ndarray, present: np.ndarray):
    """The recording as a NeuroidAssembly, only the present repetitions (presentation r·n + i)."""
    return neuroid_assembly(trials).isel(presentation=np.flatnonzero(present.ravel()))


def old_split_half(metric: BayesianReadoutSimilarity, responses: Responses, n_splits: int = 10) -> float:
    """The former ceiling: the similarity of two random half-means, averaged over splits."""
    c, rng = metric.comparison, np.random.default_rng(0)
    values = []
    for _ in range(n_splits):
        a, b = split_half(responses, rng)
        values.append(c.similarity(c.representation(a)[0], c.representation(b)[0]))
    return float(np.mean(values))


def plug_in_ceiling(metric: BayesianReadoutSimilarity, responses: Responses, n_replicates: int = 20) -> float:
    """The bootstrap around the means themselves (X̂ = x̄), to show why the signal is estimated."""
    c, rng = metric.comparison, np.random.default_rng(0)
    means = responses.means
    model = c.representation(Responses("x̄", responses.stimulus_ids, means[None], np.ones((1, responses.n), bool),
                                       responses.neuroid_ids))[0]
    return float(np.mean([c.similarity(model, c.representation(simulated_recording(responses, means, rng))[0])
                          for _ in range(n_replicates)]))


def run_cell(args: tuple[dict, int, bool]) -> dict:
    cell, seeds, mixtures = args
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)
    n_boot = 20 if cell["n"] <= 1000 else 10
    metric = BayesianReadoutSimilarity("js", n_bootstrap=n_boot)
    rows = []
    for seed in range(seeds):
        rng = np.random.default_rng(1000 + seed)
        X, trials, present = recording(cell, rng)
        neural = neural_assembly(trials, present)
        ceiling = metric.ceiling()(neural)
        score = metric(neuroid_assembly(X), neural)
        ceiled = ceil_score(score, ceiling)
        low, high = ceiled.attrs["interval"]
        responses = responses_from_assembly(neural)
        old = old_split_half(metric, responses) if seed < 3 else np.nan
        row = {"perfect": float(score), "ceiling": float(ceiling), "ceiled": ceiled.attrs["unclipped"],
               "plug_in": float(score) / plug_in_ceiling(metric, responses) if seed < 5 else np.nan,
               "covered": low <= 1 <= high, "width": (high - low) / 2, "clipped": ceiled.attrs["unclipped"] > 1,
               "old_ratio": float(score) / old}
        if mixtures:
            F = population(cell["n"], cell["d"], rng)
            truth = neuroid_assembly(X)
            for alpha in ALPHAS:
                model = neuroid_assembly(np.hstack([np.sqrt(1 - alpha) * X / np.linalg.norm(X),
                                                    np.sqrt(alpha) * F / np.linalg.norm(F)]))
                quick = BayesianReadoutSimilarity("js", n_bootstrap=2)
                row[f"clean{alpha}"] = float(quick(model, truth))
                mixed = ceil_score(metric(model, neural), ceiling)
                row[f"ceiled{alpha}"], row[f"clip{alpha}"] = mixed.attrs["unclipped"], mixed.attrs["unclipped"] > 1
        rows.append(row)
    return {"cell": cell, "rows": rows}


def describe(cell: dict) -> str:
    kind = {"poisson": "Poisson", "gauss": "Gauss", "powerlaw": "Gauss, 1/k spectrum"}[cell["kind"]]
    reps = f"{max(2, int(0.6 * cell['R']))}–{cell['R']}" if cell["unequal"] else str(cell["R"])
    return f"| {kind} | {cell['noise']:g} | {reps} | {cell['d']} | {cell['n']} "


def v4_table() -> str:
    """Our ceiling beside Brain-Score's internal_consistency on the real V4 session (as Cowley2026 computes it)."""
    from brainscore_vision import load_ceiling
    from brainscore_vision.benchmarks.cowley2026.benchmark import alternate_repetition_halves

    from bayesrep_plugin.datasets.cowley2026 import load_assembly

    assembly = load_assembly().squeeze("time_bin", drop=True)
    lines = ["| ceiling on the V4 session (50 neurons, 640 images, 6–10 repeats) | value | error |", "|---|---|---|"]
    consistency = load_ceiling("internal_consistency")(alternate_repetition_halves(assembly))
    lines.append(f"| Brain-Score internal_consistency (median over neurons of the Spearman–Brown corrected split-half "
                 f"Pearson r; one fixed even/odd split) | {float(consistency):.4f} | "
                 f"{float(consistency.attrs.get('error', np.nan)):.4f} |")
    responses = responses_from_assembly(assembly)
    for measure in ("js", "tv", "hellinger"):
        for kernel in ("mean", "cross_validated"):
            metric = BayesianReadoutSimilarity(measure, kernel=kernel)
            ceiling = metric.ceiling()(assembly)
            old = old_split_half(metric, responses, n_splits=20)
            lines.append(f"| bayes_{measure}_ceiling, kernel={kernel} (new) | {float(ceiling):.4f} | "
                         f"{ceiling.attrs['error']:.4f} |")
            lines.append(f"| former split-half {measure}, kernel={kernel} | {old:.4f} | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--no-v4", action="store_true", help="skip the real V4 session")
    args = parser.parse_args()
    start = time.time()
    jobs = [(cell, args.seeds if cell["n"] <= 1000 else max(3, args.seeds // 2), i == 0 or cell["kind"] == "poisson"
             and cell["noise"] == 0.5) for i, cell in enumerate(cells())]
    with ProcessPoolExecutor(args.processes) as pool:
        results = list(pool.map(run_cell, jobs))
    print("| noise | level | R | d | n | seeds | perfect | ceiling | ceiled | abs(ceiled−1) | half-width | cover | clip | plug-in | old ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for result in results:
        rows = result["rows"]
        get = lambda key: np.array([r[key] for r in rows], dtype=float)  # noqa: E731
        ceiled = get("ceiled")
        print(describe(result["cell"]) + f"| {len(rows)} | {get('perfect').mean():.3f} | {get('ceiling').mean():.3f} | "
              f"{ceiled.mean():.3f} | {abs(ceiled.mean() - 1):.3f} | {get('width').mean():.3f} | {get('covered').mean():.2f} | "
              f"{get('clipped').mean():.2f} | {np.nanmean(get('plug_in')):.3f} | "
              f"{np.nanmean(get('old_ratio')):.2f} |")
    print("\nMixtures: share α of unrelated features; noise-free score against X, ceiled score against the recording "
          "(mean over seeds; clip = share of seeds clipped at 1; order = share of seeds whose ceiled scores fall in the "
          "noise-free order)")
    print("| population | α | noise-free score | ceiled | clip | order kept |")
    print("|---|---|---|---|---|---|")
    for result in results:
        rows = result["rows"]
        if "clean0.0" not in rows[0]:
            continue
        order = np.mean([all(np.diff([r[f"ceiled{a}"] for a in ALPHAS]) < 0) for r in rows])
        for alpha in ALPHAS:
            print(f"| {describe(result['cell']).split('|')[1].strip()} noise {result['cell']['noise']:g}", end="")
            print(f" | {alpha} | {np.mean([r[f'clean{alpha}'] for r in rows]):.3f} | "
                  f"{np.mean([r[f'ceiled{alpha}'] for r in rows]):.3f} | {np.mean([r[f'clip{alpha}'] for r in rows]):.2f} | "
                  f"{order:.2f} |")
    print(f"\n(simulations: {time.time() - start:.0f} s)")
    if not args.no_v4:
        print()
        print(v4_table())


if __name__ == "__main__":
    main()
