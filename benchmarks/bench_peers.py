"""Our measures vs every peer library a user would pick instead: time and agreement, in one run.

    .venv/bin/python benchmarks/bench_peers.py [--quick]      (make benchmarks installs the peers)

1. Shared measures, real ResNet-18 vs ResNet-34 activations (512 features each) on the 2,400
   objectome images shipped with brainscore-vision: our ``br.compare`` from activations vs
   Brain-Score's own metrics (through ``load_metric``, on NeuroidAssemblies), rsatoolbox
   (``calc_rdm`` + ``rdm.compare``), repsim (``cka``) and ``scipy.spatial.procrustes``. Each time
   is the best of 3, with one BLAS thread (fair to single-threaded peers) and with the default
   threads. Agreement |ours − theirs| where the definitions match, or match after the stated
   preprocessing. Target (issue 11): ≥ 5× faster than the peer and equal to 1e-6.
2. Our exact TV vs the reference Monte Carlo estimator (method="mc", the reference package's
   operations, 10,000 samples): n = 500, 1000, 2000 (real) and 5,000 (random, d = 256).
3. Scaling: time vs n and time vs the number of representations of a pairwise matrix, as a
   figure (docs/benchmarks/scaling.png); a full run also writes section 1's table into
   docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from pathlib import Path

os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
os.environ.setdefault("RESULTCACHING_DISABLE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")  # Brain-Score's cross-validation bars would bury the table

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.spatial  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import bayesrep_plugin as br  # noqa: E402
from bayesrep_plugin.brainscore.simulate import neuroid_assembly  # noqa: E402
from bayesrep_plugin.data import load_activations  # noqa: E402
from bench_core import best_of  # noqa: E402  (the script's own folder is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
FIGURE = ROOT / "docs" / "benchmarks" / "scaling.png"
PAGE = ROOT / "docs" / "benchmarks.md"
TABLE_START, TABLE_END = "<!-- peers table: start -->", "<!-- peers table: end -->"
SPEED_TARGET, AGREEMENT_TARGET = 5.0, 1e-6
#: Peers timed beside a measure of ours that is not the same quantity: no agreement, no target.
TIMING_ONLY = ("Brain-Score pls",)


def single_thread(fn, repeat: int) -> float:
    with threadpool_limits(1):
        return best_of(fn, repeat)


def row_standardized(X: np.ndarray) -> np.ndarray:
    """Each stimulus's pattern centred and scaled to unit norm: then ‖zᵢ − zⱼ‖² = 2(1 − rᵢⱼ), so
    our squared-Euclidean RDM is 2 × the correlation-distance RDM and every rank statistic agrees."""
    Z = X - X.mean(axis=1, keepdims=True)
    return Z / np.linalg.norm(Z, axis=1, keepdims=True)


def peers(X: np.ndarray, Y: np.ndarray):
    """(our measure, peer, note, ours(), theirs()) for every measure we share with a peer; theirs
    returns the peer's value in our measure's units. Names in TIMING_ONLY are not the same quantity."""
    from brainscore_vision import load_metric

    ids = [f"objectome{i:04d}" for i in range(X.shape[0])]
    A, B = neuroid_assembly(X, stimulus_ids=ids), neuroid_assembly(Y, stimulus_ids=ids)
    rows = [
        ("cka_unbiased", "Brain-Score cka", "same estimator (Song et al.); theirs is the default, unbiased=True",
         lambda: br.compare(X, Y, "cka_unbiased"), lambda: float(load_metric("cka")(A, B))),
        ("cka", "Brain-Score cka_biased", "same: HSIC of HKH-centred kernels (theirs by dense n×n products with H)",
         lambda: br.compare(X, Y, "cka"), lambda: float(load_metric("cka_biased")(A, B))),
        ("rsa spearman, rows z-scored", "Brain-Score rdm",
         "theirs: 1 − Pearson r RDM, Spearman; ours on centred unit-norm rows (RDM = 2 × theirs)",
         lambda: br.compare(row_standardized(X), row_standardized(Y), "rsa", rdm_comparison="spearman"),
         lambda: float(load_metric("rdm")(A, B))),
        ("js (exact)", "Brain-Score pls", "timing only: a 10-fold PLS regression score, not the same quantity",
         lambda: br.distance(X, Y, "js"), lambda: load_metric("pls")(A, B)),
    ]
    try:
        from rsatoolbox.data import Dataset
        from rsatoolbox.rdm import calc_rdm, compare as rdm_compare
    except ImportError as error:
        print(f"   rsatoolbox is not importable ({error}): its rows are left out")
    else:
        def rsatoolbox_rsa(rdm_method, comparison):
            return lambda: float(rdm_compare(calc_rdm(Dataset(X), method=rdm_method),
                                             calc_rdm(Dataset(Y), method=rdm_method), method=comparison)[0, 0])
        for ours_name, theirs_name in (("pearson", "corr"), ("spearman", "spearman"), ("cosine", "cosine")):
            rows.append((f"rsa {ours_name}", f"rsatoolbox euclidean + {theirs_name}",
                         "theirs: squared Euclidean / channels; every comparison here is scale-free",
                         lambda c=ours_name: br.compare(X, Y, "rsa", rdm_comparison=c),
                         rsatoolbox_rsa("euclidean", theirs_name)))
        rows.append(("rsa spearman, rows z-scored", "rsatoolbox correlation + spearman",
                     "as Brain-Score rdm", rows[2][3], rsatoolbox_rsa("correlation", "spearman")))
    try:
        import repsim
    except ImportError as error:
        print(f"   repsim is not importable ({error}): its rows are left out")
    else:
        rows += [
            ("cka", "repsim cka linear gretton", "same (biased HSIC); repsim computes the whole 2 × 2 matrix",
             lambda: br.compare(X, Y, "cka"), lambda: float(repsim.cka([X, Y], "linear", "gretton")[0, 1])),
            ("cka_unbiased", "repsim cka linear song",
             "should match: repsim's hsic(song) equals ours, but its cka(song) is not hsic(X,Y)/√(hsic(X,X) hsic(Y,Y))",
             lambda: br.compare(X, Y, "cka_unbiased"),
             lambda: float(repsim.cka([X, Y], "linear", "song")[0, 1])),
        ]
    rows.append(("procrustes", "scipy.spatial.procrustes", "θ = arccos √(1 − disparity); theirs needs equal widths",
                 lambda: br.compare(X, Y, "procrustes"),
                 lambda: math.acos(math.sqrt(1 - scipy.spatial.procrustes(X, Y)[2]))))
    return rows


def shared_measures(X: np.ndarray, Y: np.ndarray, repeat: int) -> list[str]:
    """Section 1: print and return the markdown table."""
    header = (f"| our measure | peer | ours 1 thread (s) | peer 1 thread (s) | peer / ours | "
              f"ours default (s) | peer default (s) | peer / ours | abs(ours − peer) | target |")
    lines = [header, "|" + "---|" * 10]
    for ours_name, peer_name, note, ours, theirs in peers(X, Y):
        timing_only = peer_name in TIMING_ONLY
        peer_repeat = 1 if timing_only else repeat  # pls: a cross-validated regression; once, said in the title
        t_ours, t_peer = single_thread(ours, repeat), single_thread(theirs, peer_repeat)
        d_ours, d_peer = best_of(ours, repeat), best_of(theirs, peer_repeat)
        if timing_only:
            difference, verdict = "—", "n/a (different quantity)"
        else:
            gap = abs(float(ours()) - theirs())
            difference = f"{gap:.1e}"
            fast, equal = t_peer / t_ours >= SPEED_TARGET, gap <= AGREEMENT_TARGET
            verdict = "PASS" if fast and equal else "MISS (" + ", ".join(
                [w for w, ok in (("slower than 5×", fast), ("values differ", equal)) if not ok]) + ")"
        lines.append(f"| {ours_name} | {peer_name} | {t_ours:.3f} | {t_peer:.3f} | {t_peer / t_ours:.1f}× | "
                     f"{d_ours:.3f} | {d_peer:.3f} | {d_peer / d_ours:.1f}× | {difference} | {verdict} |")
        print(lines[-1], flush=True)
        print(f"   ({note})")
    return lines


def exact_vs_monte_carlo(cases, repeat: int) -> dict[int, tuple[float, float]]:
    """Section 2: {n: (exact seconds, MC seconds)}, one BLAS thread."""
    print("\n## 2. exact TV vs the reference Monte Carlo (method='mc', 10,000 samples), one BLAS thread (s)")
    print("| n | data | exact | MC | MC / exact | TV exact | TV MC ± SE | abs(diff) / SE |\n|---|---|---|---|---|---|---|---|")
    times = {}
    for n, label, X, Y in cases:
        mc_repeat = 1 if n > 2000 else repeat
        t_exact = single_thread(lambda: br.distance(X, Y, "tv"), repeat)
        t_mc = single_thread(lambda: br.distance(X, Y, "tv", method="mc"), mc_repeat)
        tv, mc = br.distance(X, Y, "tv"), br.distance(X, Y, "tv", method="mc")
        times[n] = (t_exact, t_mc)
        print(f"| {n} | {label} | {t_exact:.3f} | {t_mc:.3f}{' (1 run)' if mc_repeat < repeat else ''} | "
              f"{t_mc / t_exact:.0f}× | {tv:.5f} | {mc:.4f} ± {mc.stderr:.4f} | {abs(mc - tv) / mc.stderr:.1f} |",
              flush=True)
    return times


def scaling(cases, tv_times, pairwise_counts, repeat: int):
    """Section 3: peers' CKA and RSA on the same sizes, ours pairwise vs m; the figure."""
    from brainscore_vision import load_metric

    print("\n## 3. scaling, one BLAS thread (s)")
    curves = {"ours exact TV": [], "ours MC TV (10,000 samples)": [],
              "ours cka_unbiased": [], "Brain-Score cka": [], "ours rsa": [], "rsatoolbox RSA (corr)": []}
    try:
        from rsatoolbox.data import Dataset
        from rsatoolbox.rdm import calc_rdm, compare as rdm_compare
    except ImportError:
        del curves["rsatoolbox RSA (corr)"]
    sizes = [n for n, *_ in cases]
    for n, _, X, Y in cases:
        ids = [f"s{i:05d}" for i in range(n)]
        A, B = neuroid_assembly(X, stimulus_ids=ids), neuroid_assembly(Y, stimulus_ids=ids)
        curves["ours exact TV"].append(tv_times[n][0])
        curves["ours MC TV (10,000 samples)"].append(tv_times[n][1])
        curves["ours cka_unbiased"].append(single_thread(lambda: br.compare(X, Y, "cka_unbiased"), repeat))
        curves["Brain-Score cka"].append(single_thread(lambda: load_metric("cka")(A, B), repeat))
        curves["ours rsa"].append(single_thread(lambda: br.compare(X, Y, "rsa"), repeat))
        if "rsatoolbox RSA (corr)" in curves:
            curves["rsatoolbox RSA (corr)"].append(single_thread(lambda: rdm_compare(
                calc_rdm(Dataset(X), method="euclidean"), calc_rdm(Dataset(Y), method="euclidean"),
                method="corr"), repeat))
    print("| curve | " + " | ".join(f"n = {n}" for n in sizes) + " |\n|---|" + "---|" * len(sizes))
    for name, values in curves.items():
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in values) + " |")

    rng = np.random.default_rng(5)
    n_pairwise, pairwise_times = 1000, []
    representations = [rng.standard_normal((n_pairwise, 256)) for _ in range(max(pairwise_counts))]
    for m in pairwise_counts:
        pairwise_times.append(single_thread(
            lambda: br.pairwise(representations[:m], "tv", progress=False), 1))
    print(f"\nours pairwise TV matrix, n = {n_pairwise}, d = 256 random, one run each: "
          + ", ".join(f"m = {m}: {t:.2f} s" for m, t in zip(pairwise_counts, pairwise_times)))
    plot(sizes, curves, pairwise_counts, pairwise_times, n_pairwise)


def plot(sizes, curves, counts, pairwise_times, n_pairwise):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, values in curves.items():
        left.loglog(sizes, values, "o-" if name.startswith("ours") else "s--", label=name)
    left.set(xlabel="n stimuli (≤ 2,000 real ResNet-18 vs ResNet-34; 5,000 random, d = 256)",
             ylabel="seconds (best of 3; MC at 5,000: one run)", title="time vs n, one BLAS thread")
    left.legend(fontsize=8)
    right.plot(counts, pairwise_times, "o-", label="ours pairwise TV (exact)")
    right.set(xlabel="number of representations m", ylabel="seconds (one run)",
              title=f"pairwise m × m matrix, n = {n_pairwise}, d = 256")
    right.legend(fontsize=8)
    for axis in (left, right):
        axis.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURE, dpi=100, metadata={"Software": None})  # no version stamp: same bytes for same numbers
    print(f"figure: {FIGURE.relative_to(ROOT)}")


def write_page(table: list[str], context: str) -> None:
    text = PAGE.read_text()
    block = f"{TABLE_START}\n{context}\n\n" + "\n".join(table) + f"\n{TABLE_END}"
    PAGE.write_text(re.sub(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), lambda _: block, text,
                           flags=re.S))
    print(f"table written into {PAGE.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="n ≤ 500, one repeat, no files written (a smoke run)")
    args = parser.parse_args()
    repeat = 1 if args.quick else 3
    context = (f"Measured on {os.cpu_count()} CPU cores shared with other jobs (times as measured, not "
               f"isolated); numpy {np.__version__}, scipy {scipy.__version__}. Peers not run: netrep "
               "(not on the package registry); rsatoolbox ≥ 0.3 (needs scikit-learn ≥ 1.6, against our "
               "pin < 1.6: 0.2.0 is used).")
    print("bayesrep-plugin vs peer libraries. " + context)
    resnet18, resnet34 = (load_activations(m).values.astype(np.float64) for m in ("resnet18", "resnet34"))
    n = 400 if args.quick else resnet18.shape[0]
    print(f"\n## 1. shared measures, ResNet-18 vs ResNet-34, n = {n}, best of {repeat}; "
          "Brain-Score pls: one run")
    table = shared_measures(resnet18[:n], resnet34[:n], repeat)

    rng = np.random.default_rng(4)
    big_n = 1000 if args.quick else 5000
    low_rank = rng.standard_normal((big_n, 256))
    random_pair = (low_rank, low_rank @ rng.standard_normal((256, 256)) / 16 + rng.standard_normal((big_n, 256)))
    cases = [(k, "real", resnet18[:k], resnet34[:k]) for k in ((200, 500) if args.quick else (500, 1000, 2000))]
    cases.append((big_n, "random, d = 256", *random_pair))
    tv_times = exact_vs_monte_carlo(cases, repeat)
    if not args.quick:
        scaling(cases, tv_times, (2, 4, 8, 16), repeat)
        write_page(table, f"n = {n}, best of {repeat}. {context}")


if __name__ == "__main__":
    main()
