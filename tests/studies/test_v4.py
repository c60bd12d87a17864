"""The real V4 report on the real recording, with two small models made from the real images."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
import xarray as xr

from bayesrep_plugin.datasets import cowley2026
from bayesrep_plugin.studies import v4
from bayesrep_plugin.reports.inputs import Source, load_assembly
from bayesrep_plugin.reports.leaderboard import build_leaderboard, read_config

from cachefiles import stamps

pytestmark = pytest.mark.usefixtures("vision_plugin")


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """Two real-image models: 8×8 block means of the pixels (192 features), and a random ReLU layer on them."""
    folder = tmp_path_factory.mktemp("models")
    ids, pixels = cowley2026.load_images()
    blocks = pixels.reshape(640, 8, 14, 8, 14, 3).mean(axis=(2, 4)).reshape(640, -1)
    relu = np.maximum(blocks @ np.random.default_rng(0).normal(size=(192, 120)), 0)
    order = np.random.default_rng(1).permutation(640)  # rows in another order: alignment is by stimulus id
    made = []
    for name, values in (("blocks", blocks), ("from_test-5filters", relu)):
        path = folder / f"{name}.nc"
        xr.DataArray(values[order], dims=("presentation", "neuroid"),
                     coords={"stimulus_id": ("presentation", np.array(ids)[order]),
                             "neuroid_id": ("neuroid", np.arange(values.shape[1]))}).to_netcdf(path)
        made.append(Source(path, name))
    return made


@pytest.fixture(scope="module")
def built(sources, tmp_path_factory):
    output = tmp_path_factory.mktemp("v4")
    settings = dataclasses.replace(v4.SETTINGS, n_bootstrap=4)
    report, paths = v4.build_v4_report(output, sources, settings=settings, progress=False)
    return output, report, paths


def test_side_by_side_agrees_with_the_leaderboard_and_brainscore(built, sources):
    from brainscore_vision import load_ceiling, load_metric
    from brainscore_vision.benchmarks.cowley2026.benchmark import alternate_repetition_halves

    _, report, _ = built
    table = report.extra_tables["side-by-side"]
    assert [row["model"] for row in table.rows] == sorted([s.label for s in sources],
                                                          key=lambda m: [r for r in table.rows if r["model"] == m][0]["js"])
    ranked = {(r["measure"], r["representation"]): r["value"] for r in report.rows}
    assembly = v4.neural_assembly()
    ceiling = float(load_ceiling("internal_consistency")(alternate_repetition_halves(assembly)))
    for row in table.rows:
        for measure in ("tv", "js", "cka", "rsa"):
            assert row[measure] == ranked[measure, row["model"]]
        assert 0 < row["tv"] < 1 and 0 < row["js"] < 1
        # Brain-Score's ceiled score is r² / ceiling (its explained_variance), with the same ceiling.
        assert row["pls_ceiled"] == pytest.approx(row["pls_r"] ** 2 / ceiling, rel=1e-12)
        model = v4.brainscore_model(load_assembly([s for s in sources if s.label == row["model"]][0]),
                                            np.unique(assembly["stimulus_id"].values))
        direct = load_metric("bayes_js", n_bootstrap=v4.METRIC_BOOTSTRAP)(model, assembly)
        assert row["bayes_js"] == pytest.approx(float(direct), abs=1e-12)
    ceilings = {row["reference"].split(" ")[0]: row["value"] for row in report.extra_tables["ceilings"].rows}
    assert ceilings["internal_consistency"] == pytest.approx(ceiling, rel=1e-12)
    # our metric's ceiling is the board's perfect model under JS, at the same b (the same simulation)
    board = {r["representation"].split(" · ")[-1]: r for r in report.rows if r["measure"] == "js"}
    assert ceilings["bayes_js_ceiling"] == pytest.approx(1 - board["ceiling (a perfect model, 20 simulated recordings)"]
                                                         ["value"], rel=1e-12)
    assert 1 - ceilings["bayes_js_ceiling"] < min(row["js"] for row in table.rows)


def test_posterior_table_is_our_metric_after_observing_k_images(built, sources):
    from bayesrep_plugin.brainscore.metrics import BayesianPosteriorSimilarity

    _, report, _ = built
    table = report.extra_tables["posterior"]
    assert table.columns == ["model", "k=0", *(f"k={k}" for k in v4.POSTERIOR_OBSERVED)]
    side = {row["model"]: row for row in report.extra_tables["side-by-side"].rows}
    assembly = v4.neural_assembly()
    row = table.rows[-1]
    assert row["k=0"] == side[row["model"]]["bayes_js"]
    model = v4.brainscore_model(load_assembly([s for s in sources if s.label == row["model"]][0]),
                                        np.unique(assembly["stimulus_id"].values))
    k = v4.POSTERIOR_OBSERVED[0]
    direct = BayesianPosteriorSimilarity("js", n_bootstrap=v4.METRIC_BOOTSTRAP, n_observed=k)(model, assembly)
    assert row[f"k={k}"] == pytest.approx(float(direct), abs=1e-12)
    assert all(0 <= r[c] <= 1 for r in table.rows for c in table.columns[1:])


def test_rank_agreement_is_a_correlation_matrix(built):
    _, report, _ = built
    rows = report.extra_tables["rank-agreement"].rows
    for row in rows:
        assert row[row["measure"]] == pytest.approx(1.0)
        assert all(-1 <= value <= 1 for key, value in row.items() if key != "measure")
    # tv and js are both distances: with two models they order them alike or oppositely, never in between.
    assert abs(rows[0]["js"]) == pytest.approx(1.0)


def test_report_files_and_the_rerun_config(built):
    output, report, paths = built
    for stem in ("leaderboard.html", "side-by-side.csv", "ceilings.csv", "rank-agreement.csv", "scores-by-size.png",
                 "pls-vs-js.png", "posterior.csv", "posterior.png", "inputs/leaderboard.yaml", "inputs/cowley2026-210325.nc"):
        assert (output / stem).is_file(), stem
    rerun = build_leaderboard(read_config(output / "inputs" / "leaderboard.yaml"), progress=False)
    assert [r["value"] for r in rerun.rows] == [r["value"] for r in report.rows]


def test_docs_page_is_written_from_the_report(built, tmp_path):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("generate", Path(__file__).parents[2] / "docs/real-recording/generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    output, report, _ = built
    page = generate.write(output, tmp_path / "page.md", tmp_path / "figures").read_text("utf-8")
    js = {row["representation"]: row for row in report.rows if row["measure"] == "js"}
    first = min((row for row in js.values() if row["kind"] == "model"), key=lambda row: row["value"])
    assert f"| {first['representation']} | model | {first['value']:.3f} |" in page
    assert f"b = {report.b:g}" in page and "The board under JS" in page
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == sorted(f"{stem}.png" for stem, _ in generate.SHOWN)
    assert page.count("](real-recording/") == len(generate.SHOWN)


@pytest.mark.slow
def test_every_teachers_compact_model_of_v4_beats_the_chance_band_on_the_held_out_session(tmp_path):
    """The real session against the real compact models (the smallest of each of the 7 teachers: their
    outputs, about a minute to compute), at the metric's defaults: each model is closer to V4 than
    every one of the 20 shufflings of V4's own responses, and no closer than a perfect model of V4.
    (docs/real-v4.md has the same for all 56 models.)"""
    from bayesrep_plugin.models import compact, model_assemblies
    from bayesrep_plugin.reports.leaderboard import Brain, rank
    from bayesrep_plugin.reports.inputs import load_input

    smallest = {}
    for file in compact.list_models():
        smallest.setdefault(file.teacher, file)
    assert len(smallest) == 7
    ids, images = cowley2026.load_images()
    paths = model_assemblies(ids, images, efficientnet=False, compact_layers=(v4.COMPACT_LAYER,),
                             models=[file.name for file in smallest.values()], progress=False, folder=tmp_path / "models")
    models = [load_input(Source(paths[file.name], file.name, {"layer": v4.COMPACT_LAYER}))
              for file in smallest.values()]
    neural = v4.write_neural(v4.neural_assembly(), tmp_path / "v4.nc")
    report = rank(models, [Brain(load_input(Source(neural, "V4")))], v4.SETTINGS, progress=False)
    for measure in ("tv", "js"):
        rows = {row["representation"]: row for row in report.rows if row["measure"] == measure}
        chance = rows["V4 · chance (stimuli shuffled, 20 permutations)"]
        ceiling = rows["V4 · ceiling (a perfect model, 20 simulated recordings)"]
        for file in smallest.values():
            assert ceiling["value"] < rows[file.name]["value"] < chance["ci_low"], (measure, file.name)
    assert report.b == 0.05   # V4's resolving b under TV, the board's first measure


def test_a_rerun_reads_each_models_brainscore_scores_from_the_cache(built, sources, tmp_path):
    output, report, _ = built
    cache = tmp_path / "brainscore"  # a copy: the module's report folder stays as built
    shutil.copytree(output / ".cache" / "brainscore", cache)
    cached = stamps(cache)
    assert len(cached) == len(sources)
    assembly = v4.neural_assembly()
    rows, _ = v4.brainscore_scores(sources, assembly, progress=False, cache=cache)
    assert stamps(cache) == cached  # none scored: a scored model's file is written anew (a new inode)
    table = {row["model"]: row for row in report.extra_tables["side-by-side"].rows}
    for row in rows:
        assert (row.pls, row.bayes_js, row.bayes_js_ceiled) == tuple(table[row.label][k] for k in
                                                                     ("pls_r", "bayes_js", "bayes_js_ceiled"))
    # another recording (here: one neuron's counts changed) is scored anew: a file of its own beside the others
    changed = assembly.copy()
    changed.values[0, 0] += 1
    v4.brainscore_scores(sources[:1], changed, progress=False, cache=cache)
    again = stamps(cache)
    assert len(again) == len(cached) + 1 and {name: again[name] for name in cached} == cached
