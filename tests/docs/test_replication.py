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


def test_agreement_verdict_follows_its_thresholds():
    def corr(rho, se=0.01):
        return {(o, t, "spearman"): (rho, se) for o in ("tv", "js") for t in replicate.CLASSIC}

    assert replicate.agreement_verdict(corr(0.8)).startswith("holds:")
    assert replicate.agreement_verdict(corr(0.5)).startswith("holds only partly:")
    assert replicate.agreement_verdict(corr(0.01)).startswith("does not hold:")


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


FAMILIES = [("Digit networks", "digits"), ("Models of V4 and the V4 session", "v4")]


@pytest.mark.parametrize("title,key", FAMILIES)
def test_page_has_every_claim_for_each_family(title, key):
    text = _family(title)
    n_reps, n_pairs = map(int, re.search(r"(\d+) representations, (\d+) pairs", text).groups())
    assert n_pairs == n_reps * (n_reps - 1) // 2 >= 435
    assert f"Correlation across the {n_pairs} pairs" in text
    assert "For 100 of the pairs" in text
    agreement = _table(text, "### 1.")
    assert len(agreement) == 6
    for row in agreement:
        for cell in row[2:]:
            value, se = map(float, re.fullmatch(rf"({NUMBER}) ± ({NUMBER})", cell).groups())
            assert -1 <= value <= 1 and 0 < se < 0.5
    for claim in range(1, 6):
        assert re.search(rf"^Claim {claim} \(.*\) (holds|does not hold)", text, re.M), (title, claim)
    for figure in ("agreement", "stringency", "variability"):
        assert f"(replication/{key}-{figure}.png)" in text
        assert (replicate.DOCS / "replication" / f"{key}-{figure}.png").is_file()


@pytest.mark.parametrize("title,key", FAMILIES)
def test_stringency_and_variability_verdicts_match_their_tables(title, key):
    text = _family(title)
    medians = {row[0]: float(row[1]) for row in _table(text, "### 2.")}
    assert list(medians) == [replicate.LABELS[m] for m in replicate.MEASURES]
    ours = max(medians["TV"], medians["JS"]) == max(medians.values())
    assert re.search(r"^Claim 2 \(more stringent\) holds:", text, re.M) if ours else "Claim 2 (more stringent) does not" in text
    ratios = np.array([[float(c) for c in row[2:]] for row in _table(text, "### 3.")])
    assert ratios.shape == (len(replicate.VARIABILITY_B) * len(replicate.SUBSET_SIZES), len(replicate.MEASURES))
    less = bool(np.all(ratios[:, :2].max(axis=1) < ratios[:, 2:].min(axis=1)))
    assert re.search(r"^Claim 3 \(less variable\) holds:", text, re.M) if less else "Claim 3 (less variable) does not" in text
    summary = _table(PAGE, "| claim |")
    column = [f[0] for f in FAMILIES].index(title) + 1
    assert len(summary) == 5
    for claim, row in enumerate(summary, 1):
        assert re.search(rf"^Claim {claim} \(.*\) {re.escape(row[column])}:", text, re.M), (claim, row)


def test_posterior_table_is_sorted_similarities_of_every_v4_model():
    text = PAGE[PAGE.index("## Posterior predictive"):]
    rows = _table(text, "| model |")
    assert len(rows) >= 57  # the 56 compact models and the pixels
    values = np.array([[float(c) for c in row[1:]] for row in rows])
    assert values.shape[1] == 1 + len(replicate.recording.POSTERIOR_OBSERVED)
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


def test_v4_posterior_cells_recomputed_with_the_core(v4_session):
    """The first compact model's k=0 and k=10 cells: 1 − JS between prior / posterior predictives, with the
    metric's seeded observed images (seed 0) and b = 0.01, mean over the 50 neurons."""
    responses, ids = v4_session
    text = PAGE[PAGE.index("## Posterior predictive"):]
    header = re.search(r"^\| model \|.*\|$", text, re.M).group(0)
    row = next(row for row in _table(text, "| model |") if replicate.recording.model_facts(row[0]))
    model = _v4_layer(row[0], replicate.recording.COMPACT_LAYER, ids)
    rep_model, rep_v4 = br.Representation.from_activations(model), br.Representation.from_activations(responses)
    assert f"{1 - float(br.compare(model, responses, 'js')):.4f}" == row[1]
    k = replicate.recording.POSTERIOR_OBSERVED[0]
    assert f"| k={k} |" in header
    observed = np.sort(np.random.default_rng(0).choice(len(ids), k, replace=False))
    similarity = 1 - posterior_distance(rep_model, rep_v4, responses[observed], observed, "js", b=0.01).mean()
    assert f"{similarity:.4f}" == row[2]
