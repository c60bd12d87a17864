"""The replication script's core functions on a tiny configuration, and the page it wrote."""

import importlib.util
import itertools
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import bayesrep_plugin.core as br
from bayesrep_plugin.core.posterior import posterior_distance
from bayesrep_plugin.datasets import cowley2026
from bayesrep_plugin.datasets.location import MissingDataError

# benchmarks/ is a folder of scripts, not a package: load the script by its path (registered in
# sys.modules, which its dataclass needs).
_SPEC = importlib.util.spec_from_file_location("replicate", Path(__file__).parents[2] / "benchmarks" / "replicate.py")
replicate = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = replicate
_SPEC.loader.exec_module(replicate)

PAGE = (replicate.DOCS / "replication.md").read_text()
NUMBER = r"-?\d+(?:\.\d+)?"


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


def test_v4_selection_covers_every_teacher_filter_count_and_layer():
    teachers = ["from_a", "from_b", "linear_from_c", "from_d", "from_e", "from_f", "from_g"]
    filters = [5, 10, 25, 35, 50, 75, 100, 200]
    paths = {"pixels": None, **{f"{t}-{f}filters": None for t in teachers for f in filters}}
    layers = [f"layer{i}" for i in range(7)]
    chosen = replicate.v4_selection(paths, layers)
    assert len(set(chosen)) == replicate.V4_MODEL_LAYERS == len(chosen)
    assert {m.rsplit("-", 1)[0] for m, _ in chosen} == set(teachers)
    assert {int(m.rsplit("-", 1)[1].removesuffix("filters")) for m, _ in chosen} == set(filters)
    assert {layer for _, layer in chosen} == set(layers)
    assert all(len({layer for m, layer in chosen if m.startswith(t + "-")}) > 1 for t in teachers)
    assert replicate.v4_selection(paths, layers) == chosen  # seeded


def test_representation_bootstrap_keeps_references_and_drops_self_pairs():
    names = ["V4", "a", "b", "c", "d"]
    pairs = list(itertools.combinations(names, 2))
    position = replicate.pair_positions(names, pairs)
    draws = replicate.representation_draws(names, fixed=("V4",), n_boot=200, seed=1)
    for draw in draws:
        assert len(draw) == len(names) and np.sum(draw == 0) == 1   # the reference exactly once
        chosen = replicate.drawn_pairs(draw, position)
        expected = [tuple(sorted((names[draw[s]], names[draw[t]]), key=names.index))
                    for s, t in itertools.combinations(range(len(draw)), 2) if draw[s] != draw[t]]
        assert sorted(pairs[p] for p in chosen) == sorted(expected)
    # the identity draw gives every pair once
    assert sorted(replicate.drawn_pairs(np.arange(len(names)), position)) == list(range(len(pairs)))


def test_representation_bootstrap_sees_what_a_pair_bootstrap_misses():
    """Pairs that share a representation move together: when each representation carries its own offset,
    the spread of a mean over pairs comes from the representations, and resampling pairs as if they were
    independent understates it."""
    rng = np.random.default_rng(0)
    names = [str(i) for i in range(12)]
    pairs = list(itertools.combinations(names, 2))
    offsets = rng.normal(size=len(names))
    values = np.array([offsets[int(a)] + offsets[int(c)] + 0.1 * rng.normal() for a, c in pairs])
    position = replicate.pair_positions(names, pairs)
    by_reps = np.std([values[replicate.drawn_pairs(d, position)].mean()
                      for d in replicate.representation_draws(names, n_boot=500)])
    by_pairs = np.std([values[rng.integers(0, len(values), len(values))].mean() for _ in range(500)])
    assert by_reps > 2 * by_pairs


def _agreement(rho, se=0.01, within=None):
    cases = {(o, b, t, None): (rho, se) for o in replicate.OURS for b in replicate.B_VALUES for t in replicate.CLASSIC}
    cases.update({("tv", b, t, "kind"): within or (rho, se) for b in replicate.B_VALUES for t in replicate.CLASSIC})
    return cases


def test_agreement_verdict_follows_its_thresholds():
    assert replicate.agreement_verdict(_agreement(0.8)).startswith("holds:")
    assert replicate.agreement_verdict(_agreement(0.8, within=(0.1, 0.1))).startswith("holds only partly:")
    assert replicate.agreement_verdict(_agreement(0.5)).startswith("holds only partly:")
    assert replicate.agreement_verdict(_agreement(0.01)).startswith("does not hold:")


def test_stringency_verdict_needs_the_lower_bound_above_zero():
    def margins(lower):
        return {b: {"margin": lo + 0.1, "interval": (lo, lo + 0.2), "types": {"t": lo + 0.1}}
                for b, lo in zip(replicate.B_VALUES, lower)}

    assert replicate.stringency_verdict(margins([0.1, 0.1, 0.1, 0.01])).startswith("holds:")
    assert replicate.stringency_verdict(margins([0.1, 0.1, 0.1, -0.01])).startswith("holds only partly:")
    assert replicate.stringency_verdict(margins([-0.1] * 4)).startswith("does not hold:")


def test_variability_verdict_holds_only_when_the_lower_bound_is_above_one():
    shape = (len(replicate.B_VALUES), len(replicate.SUBSET_SIZES))
    rng = np.random.default_rng(0)
    point = np.full(shape, 1.5)
    assert replicate.variability_verdict(point, 1.5 + 0.1 * rng.normal(size=(200, *shape))).startswith("holds:")
    wide = 1.5 + 0.1 * rng.normal(size=(200, *shape))
    wide[:, 0, 0] = 1.5 + 0.5 * rng.normal(size=200)   # one cell's interval reaches below 1
    assert replicate.variability_verdict(point, wide).startswith("holds only partly:")
    assert replicate.variability_verdict(point, 1.5 + 0.5 * rng.normal(size=(200, *shape))).startswith("does not hold:")
    point[0, 0] = 0.9
    assert "margin ≤ 1" in replicate.variability_verdict(point, 0.9 + 0.01 * rng.normal(size=(200, *shape)))


# The page: every family's sections, tables and verdicts, consistent with their own numbers.

def _family(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", PAGE, re.S | re.M)
    assert match, f"no section '{title}' on the page"
    return match.group(1)


def _table(text: str, heading: str) -> list[list[str]]:
    """The rows (cells) of the first table after ``heading``, without its header."""
    block = text[text.index(heading):]
    rows = re.findall(r"^\|(.*)\|$", block[block.index("|"):].split("\n\n")[0], re.M)
    return [[cell.strip() for cell in row.split(" | ")] for row in rows[2:]]


def _pm(cell: str) -> tuple[float, float]:
    return tuple(map(float, re.fullmatch(rf"({NUMBER}) ± ({NUMBER})", cell).groups()))


FAMILIES = [("Digit networks", "digits"), ("Models of V4 and the V4 session", "v4")]
LABELS = {1: "Claim 1 (broad agreement)", 2: "Claim 2 (more stringent)", 3: "Claim 3 (less variable)",
          4: "Check 4 (identity: LRT accuracy = ½ + ½ TV)", 5: "Check 5 (exact = Monte Carlo, without its error)"}
CATEGORY = r"(holds|holds only partly|does not hold)"


def _verdict(text: str, claim: int) -> tuple[str, str]:
    """(category, rest) of a claim's or check's verdict line."""
    match = re.search(rf"^{re.escape(LABELS[claim])} {CATEGORY}: (.*)$", text, re.M)
    assert match, (claim, text[:200])
    return match.groups()


@pytest.mark.parametrize("title,key", FAMILIES)
def test_page_has_every_claim_for_each_family(title, key):
    text = _family(title)
    n_reps, n_pairs = map(int, re.search(r"(\d+) representations, (\d+) pairs", text).groups())
    assert n_pairs == n_reps * (n_reps - 1) // 2 >= 435
    counts = [int(k) for k in re.findall(r"[\w ,]+ \((\d+)\)", text.split("Pair types: ")[1].split("\n")[0])]
    assert sum(counts) == n_pairs
    assert f"Spearman ρ across the {n_pairs} pairs" in text
    n_var = replicate.VARIABILITY_REPS
    assert f"All {n_var * (n_var - 1) // 2} pairs of {n_var} of the representations" in text
    agreement = _table(text, "### 1.")
    assert len(agreement) == 6
    for row in agreement:
        assert len(row) == 2 + len(replicate.B_VALUES)
        for cell in row[2:]:
            value, se = _pm(cell)
            assert -1 <= value <= 1 and 0 < se < 0.5
    for claim in LABELS:
        _verdict(text, claim)
    assert "an identity" in text and "Not a test of the paper's claim" in text
    for figure in ("agreement", "stringency", "variability"):
        assert f"(replication/{key}-{figure}.png)" in text
        assert (replicate.DOCS / "replication" / f"{key}-{figure}.png").is_file()


@pytest.mark.parametrize("title,key", FAMILIES)
def test_agreement_verdict_matches_its_tables(title, key):
    text = _family(title)
    overall = [_pm(cell) for row in _table(text, "### 1.") for cell in row[2:]]
    within = [_pm(cell) for row in _table(text, "Within pair types") for cell in row[3:]]
    weakest = min(r for r, _ in overall)
    if weakest >= replicate.STRONG_RHO and all(r - 2 * s > 0 for r, s in within):
        expected = "holds"
    elif all(r - 2 * s > 0 for r, s in overall):
        expected = "holds only partly"
    else:
        expected = "does not hold"
    category, rest = _verdict(text, 1)
    assert category == expected
    assert f"{weakest:.2f}" in rest


@pytest.mark.parametrize("title,key", FAMILIES)
def test_stringency_verdict_matches_its_tables(title, key):
    text = _family(title)
    medians = {row[0]: float(row[1].split(" ")[0]) for row in _table(text, "### 2.")}
    margins = _table(text, "The margin:")
    assert [float(row[0]) for row in margins] == list(replicate.B_VALUES)
    held = 0
    for row in margins:
        b = float(row[0])
        ours = max(medians[f"TV, b = {b:g}"], medians[f"JS, b = {b:g}"])
        theirs = max(medians[replicate.LABELS[m]] for m in replicate.CLASSIC)
        assert abs(float(row[1]) - (ours - theirs)) < 0.0015
        lo, hi = map(float, re.fullmatch(rf"({NUMBER}) – ({NUMBER})", row[2].replace("+", "")).groups())
        assert lo <= float(row[1]) <= hi
        held += lo > 0
    expected = "holds" if held == len(margins) else "holds only partly" if held else "does not hold"
    assert _verdict(text, 2)[0] == expected


@pytest.mark.parametrize("title,key", FAMILIES)
def test_variability_verdict_matches_its_table(title, key):
    text = _family(title)
    rows = _table(text, "### 3.")
    assert len(rows) == len(replicate.B_VALUES) * len(replicate.SUBSET_SIZES)
    cells_lo = []
    for row in rows:
        ratios = np.array([float(c) for c in row[2:2 + len(replicate.MEASURES)]])
        margin = float(row[-2])
        lo, hi = map(float, row[-1].split("–"))
        # the margin from the rounded ratios: the lowest classic ratio over the higher of TV's and JS's
        assert abs(margin - ratios[2:].min() / ratios[:2].max()) < 0.02 * margin + 0.01
        cells_lo.append(lo)
    category, rest = _verdict(text, 3)
    overall, lo = map(float, re.search(rf"is ({NUMBER})× with 95% interval ({NUMBER})–", rest).groups())
    assert f"{min(float(row[-2]) for row in rows):.2f}" == f"{overall:.2f}"
    expected = "holds" if lo > 1 else "holds only partly" if max(cells_lo) > 1 else "does not hold"
    assert category == expected


def test_summary_table_repeats_each_family_verdict():
    summary = _table(PAGE, "| claim |")
    assert len(summary) == len(LABELS)
    for column, (title, _) in enumerate(FAMILIES, 1):
        text = _family(title)
        for claim, row in enumerate(summary, 1):
            assert _verdict(text, claim)[0] == row[column], (title, claim)


def test_posterior_table_is_sorted_similarities_of_every_v4_model():
    text = PAGE[PAGE.index("## Posterior predictive"):]
    rows = _table(text, "| model |")
    assert len(rows) >= 57  # the 56 compact models and the pixels
    values = np.array([[float(c) for c in row[1:]] for row in rows])
    assert values.shape[1] == 1 + len(replicate.v4.POSTERIOR_OBSERVED)
    assert np.all((values >= 0) & (values <= 1))
    assert np.all(np.diff(values[:, -1]) <= 0)
    assert (replicate.DOCS / "replication" / "v4-posterior.png").is_file()


# Where the script left the model assemblies: the user's cache (the tests' own is a fresh folder, see
# conftest.py).
SCRIPT_CACHE = Path(os.environ["BAYESREP_USER_CACHE"]) / "model-assemblies"


def _v4_layer(model: str, layer: str, ids: list[str]) -> np.ndarray:
    """A layer of a cached model assembly on the V4 images, read straight from its netCDF file."""
    import xarray as xr

    for path in sorted(SCRIPT_CACHE.glob(f"{model}.*.nc")):
        assembly = xr.load_dataarray(path)
        stimuli = list(assembly["stimulus_id"].values.astype(str))
        # the cache also holds assemblies of only some layers (the V4 report computes just the output)
        if sorted(stimuli) == ids and layer in assembly["layer"].values:
            rows = [stimuli.index(s) for s in ids]
            return assembly.values[rows][:, assembly["layer"].values == layer].astype(float)
    pytest.skip(f"the model assembly of {model} on the V4 images is not in {SCRIPT_CACHE} (benchmarks/replicate.py "
                "computes it there)")


@pytest.fixture(scope="module")
def v4_session():
    try:
        responses = np.nanmean(cowley2026.load_responses(), axis=2).T
    except MissingDataError as error:
        pytest.skip(f"the V4 session is not here: {error}")
    return responses, cowley2026.stimulus_ids(len(responses))


def test_v4_exact_tv_cell_recomputed_from_the_cached_assembly(v4_session):
    responses, ids = v4_session
    text = _family("Models of V4 and the V4 session")
    pair, exact = _table(text, "### 5.")[0][:2]
    reps = []
    for name in pair.split(" vs "):
        model, _, layer = name.partition("/")
        reps.append(responses if name == replicate.V4_NAME else _v4_layer(model, layer or "pixels", ids))
    assert f"{float(br.compare(*reps, 'tv')):.4f}" == exact


def test_v4_posterior_cells_recomputed_with_the_metric(v4_session):
    """The first compact model's k=0 and k=10 cells, recomputed through the registered bayes_js metric with its
    defaults (the page states them) and the posterior metric with the same, from the model's output layer
    read straight from the cached file."""
    from bayesrep_plugin.brainscore.metrics import BayesianPosteriorSimilarity
    from bayesrep_plugin.brainscore.registry import factory

    responses, ids = v4_session
    text = PAGE[PAGE.index("## Posterior predictive"):]
    header = re.search(r"^\| model \|.*\|$", text, re.M).group(0)
    row = next(row for row in _table(text, "| model |") if replicate.v4.model_facts(row[0]))
    values = _v4_layer(row[0], replicate.v4.COMPACT_LAYER, ids)
    assembly = replicate.v4.neural_assembly()
    model = replicate.v4.brainscore_model(_as_assembly(values, ids, row[0]), np.unique(assembly["stimulus_id"].values))
    prior = factory("bayes_js")(n_bootstrap=2)(model, assembly)
    assert f"version {prior.attrs['version']}: center = {prior.attrs['center']}, b = {prior.attrs['b']:g}" in text
    assert f"{float(prior):.4f}" == row[1]
    k = replicate.v4.POSTERIOR_OBSERVED[0]
    assert f"| k={k} |" in header
    posterior = BayesianPosteriorSimilarity("js", n_bootstrap=2, n_observed=k)(model, assembly)   # bayes_js's defaults
    assert f"{float(posterior):.4f}" == row[2]


def _as_assembly(values: np.ndarray, ids: list[str], name: str):
    """A model assembly (presentation × neuroid) of one layer, as :func:`load_assembly` gives it."""
    import xarray as xr

    return xr.DataArray(values, dims=("presentation", "neuroid"),
                        coords={"stimulus_id": ("presentation", ids),
                                "neuroid_id": ("neuroid", [f"{name}.{i}" for i in range(values.shape[1])])})


def test_plain_words_repeat_each_verdict_and_its_numbers():
    summary = _table(PAGE, "| claim |")
    for column, (title, _) in enumerate(FAMILIES, 1):
        for claim in (1, 2, 3):
            bullet = re.search(rf"^- \*\*{re.escape(title)}\*\*, claim {claim} \(.*?\) {CATEGORY}: (.*)$", PAGE, re.M)
            assert bullet and bullet.group(1) == summary[claim - 1][column], (title, claim)
    v4 = _family("Models of V4 and the V4 session")
    overall = re.search(rf"is ({NUMBER})× with 95% interval ({NUMBER})–({NUMBER})", _verdict(v4, 3)[1]).groups()
    assert "the variability margin is {} (95% interval {}–{})".format(*overall) in PAGE
