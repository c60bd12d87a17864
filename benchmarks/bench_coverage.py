"""Coverage of the metrics' 95% intervals on simulated recordings: how often the interval of one
recording contains the score's expected value.

A population of stimuli: 16 latent dimensions with a decaying spectrum; a model sees them through a
ReLU of a random map (40 features), a recording through a linear map (25 neuroids) plus Gaussian
noise on each of 4 repetitions. Each of ``--datasets`` draws n stimuli from it (and new noise) and
scores the model against the recording with bayes_js. The expected value is the mean score over
all draws; the coverage is the share of intervals that contain it (its own SE is
√(0.95·0.05/draws), 2.2% at 100 draws). Intervals compared:

* ``quarter + t`` (the default since metric version 3): 20 resamples of a quarter of the stimuli,
  their SD times √(m/(n − m)), score ± t(0.975, 19)·error;
* ``half + percentile`` (version 2): 100 resamples of half the stimuli, the 2.5–97.5 percentiles
  of their values re-centred on the score;

both at a fixed b (the interval is conditional on b), and the default with b="auto" resolved on
each draw, whose interval does not include how the resolved b varies between draws.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_coverage.py [--datasets 100] [--n 200] [--no-auto]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")

from bayesrep_plugin.core.resampling import bootstrap_interval  # noqa: E402
from bayesrep_plugin.brainscore.metrics import SCORE_RANGE, BayesianReadoutSimilarity  # noqa: E402
from bayesrep_plugin.brainscore.simulate import neuroid_assembly  # noqa: E402

LATENT, FEATURES, NEUROIDS, REPETITIONS, NOISE, B = 16, 40, 25, 4, 1.0, 0.05


def draws(count: int, n: int, seed: int = 0):
    """``count`` (model, recording) pairs of assemblies, n stimuli each, from one population."""
    population = np.random.default_rng(seed)
    spectrum = np.arange(1, LATENT + 1) ** -0.75
    to_model, to_brain = population.normal(size=(LATENT, FEATURES)), population.normal(size=(LATENT, NEUROIDS))
    for i in range(count):
        rng = np.random.default_rng([seed, i])
        latent = rng.normal(size=(n, LATENT)) * spectrum
        signal = latent @ to_brain
        trials = signal[None] + NOISE * signal.std() * rng.normal(size=(REPETITIONS, n, NEUROIDS))
        yield neuroid_assembly(np.maximum(latent @ to_model, 0)), neuroid_assembly(trials)


def coverage(intervals: list[tuple[float, float]], points: np.ndarray) -> tuple[float, float]:
    """(share of intervals containing the mean point, mean width)."""
    target = points.mean()
    lows, highs = np.array(intervals).T
    return float(((lows <= target) & (target <= highs)).mean()), float((highs - lows).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=100)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--no-auto", action="store_true", help="leave out b='auto' (it searches b on every draw)")
    args = parser.parse_args()
    quarter = BayesianReadoutSimilarity("js", b=B)                                  # the defaults, b fixed
    half = BayesianReadoutSimilarity("js", b=B, n_bootstrap=100, bootstrap_scheme="half")
    auto = BayesianReadoutSimilarity("js")
    rows = {"quarter + t (20), b fixed": ([], []), "half + percentile (100), b fixed": ([], [])}
    if not args.no_auto:
        rows["quarter + t (20), b auto per draw"] = ([], [])
    start = time.process_time()
    for model, recording in draws(args.datasets, args.n):
        score = quarter(model, recording)
        rows["quarter + t (20), b fixed"][0].append(float(score))
        rows["quarter + t (20), b fixed"][1].append(score.attrs["interval"])
        score = half(model, recording)
        rows["half + percentile (100), b fixed"][0].append(float(score))
        rows["half + percentile (100), b fixed"][1].append(
            bootstrap_interval(float(score), score.attrs["raw"].values, SCORE_RANGE))
        if not args.no_auto:
            score = auto(model, recording)
            rows["quarter + t (20), b auto per draw"][0].append(float(score))
            rows["quarter + t (20), b auto per draw"][1].append(score.attrs["interval"])
    print(f"\nbayes_js, {args.datasets} simulated recordings of n = {args.n} stimuli ({NEUROIDS} neuroids x "
          f"{REPETITIONS} repetitions, model {FEATURES} features), b = {B} where fixed; "
          f"{time.process_time() - start:.0f} CPU s\n")
    print("| interval | coverage of the expected score | mean width | SD of the scores over draws |")
    print("|---|---|---|---|")
    for name, (points, intervals) in rows.items():
        points = np.array(points)
        covered, width = coverage(intervals, points)
        print(f"| {name} | {covered:.0%} | {width:.4f} | {points.std(ddof=1):.4f} |")


if __name__ == "__main__":
    main()
