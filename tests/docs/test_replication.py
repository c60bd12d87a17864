"""The replication script's core functions on a tiny configuration."""

import importlib.util
import itertools
from pathlib import Path

import numpy as np

# benchmarks/ is a folder of scripts, not a package: load the script by its path.
_SPEC = importlib.util.spec_from_file_location("replicate", Path(__file__).parents[2] / "benchmarks" / "replicate.py")
replicate = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(replicate)


def _tiny_reps():
    return replicate.digits_representations(widths=(8,), depths=(1,), seeds=(0, 1), steps=20)


def test_lrt_accuracy_is_half_plus_half_tv():
    reps = _tiny_reps()
    r = replicate.lrt_simulation(reps["pixels"][:10], reps["w8-d1-s0/relu1"][:10], 0.01, n_test=4000, n_train=4000)
    assert abs(r["lrt"] - r["expected"]) < 4 * r["se"]
    assert r["qda"] < r["expected"] + 4 * r["se"]  # no classifier beats the likelihood-ratio test


def test_variability_ratio_is_the_direct_computation():
    values = np.random.default_rng(0).normal(size=(5, 4, 3))
    direct = [np.mean([np.std(values[:, p, m], ddof=1) for p in range(4)])
              / np.std([values[:, p, m].mean() for p in range(4)], ddof=1) for m in range(3)]
    assert np.allclose(replicate.variability_ratio(values), direct)


def test_pair_values_identical_is_zero_and_in_range():
    reps = _tiny_reps()
    names = list(reps)
    v = replicate.pair_values(reps, [(names[1], names[1])] + list(itertools.combinations(names, 2)), 0.01,
                              np.arange(30))
    assert np.allclose(v[0], 0, atol=1e-6)
    assert np.all((v[1:] >= -1e-9) & (v[1:] <= 1 + 1e-9))
