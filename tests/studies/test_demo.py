"""The demo: its simulated population follows the documented generative model, and the whole
pipeline runs end to end on the real shipped activations (restricted to 150 images to be quick)."""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest
import xarray as xr

from bayesrep_plugin import cli, data
from bayesrep_plugin.reports.leaderboard import CACHE_FOLDER
from bayesrep_plugin.studies import demo

from cachefiles import stamps


@pytest.fixture(scope="module")
def population():
    return demo.simulate_population()


def test_population_follows_the_generative_model(population):
    assert population.attrs["simulated"] == 1 and "SIMULATED" in population.attrs["description"]
    assert population.sizes == {"presentation": 2400 * demo.REPETITIONS, "neuroid": demo.NEURONS}
    trials = population.values.reshape(demo.REPETITIONS, 2400, demo.NEURONS).astype(np.float64)
    mean, variance = trials.mean(axis=0), trials.var(axis=0, ddof=1)
    # Poisson-like noise: variance across repeats = Fano factor × rate, pooled over stimuli and neurons
    assert variance.sum() / mean.sum() == pytest.approx(demo.FANO_FACTOR, rel=0.03)
    assert demo.BASE_RATE / 4 < mean.mean() < 2 * demo.BASE_RATE  # r0 · softplus(·): of the order of r0
    np.testing.assert_array_equal(population["stimulus_id"].values[:2400],
                                  data.load_activations("alexnet")[data.STIMULUS_COORD].values)
    np.testing.assert_array_equal(demo.simulate_population().values, population.values)  # seeded


def test_demo_end_to_end(tmp_path, monkeypatch, capsys):
    real_load = data.load_activations
    # a stand-in: the shipped activations cut to their first 150 images, to be quick (no setting does it)
    monkeypatch.setattr(data, "load_activations", lambda name: real_load(name)[:150])
    monkeypatch.setattr(demo, "LEADERBOARD_STIMULI", 100)
    monkeypatch.setattr(demo, "BOOTSTRAP", 3)
    monkeypatch.delenv("BAYESREP_DATA")  # the real-recording headline says how to get the data, then goes on

    assert cli.main(["demo", "--out", str(tmp_path), "--quiet"]) == 0

    out = capsys.readouterr().out
    assert out.startswith("A real recording: skipped. no data directory: pass --data-dir DIR")
    assert "measure" in out and "procrustes" in out  # the table of every measure between the networks
    assert f"Report written to {tmp_path}/" in out
    files = {p.name for p in tmp_path.iterdir()}
    assert {"leaderboard.html", "leaderboard.csv", "leaderboard.md", "leaderboard.yaml", "simulated-IT.nc",
            "heatmap-tv.png", "scores-js.svg", "scatter-vs-cka-rsa.png"} <= files
    with xr.open_dataarray(tmp_path / "simulated-IT.nc") as written:
        assert written.attrs["simulated"] == 1
    rows = list(csv.DictReader((tmp_path / "leaderboard.csv").open()))
    assert {r["dataset"] for r in rows} == {"simulated IT"}
    tv = {r["representation"]: float(r["value"]) for r in rows if r["measure"] == "tv"}
    assert sorted(tv) == ["alexnet", "resnet18", "resnet34",
                          *(f"simulated IT · {reference}" for reference in (
                              "ceiling (a perfect model, 20 simulated recordings)",
                              "chance (stimuli shuffled, 20 permutations)", "constant (mean response + 1e-6 noise)",
                              "neuron split (half the neurons vs the other half)", "split-half (repetitions)"))]
    models = [r["representation"] for r in rows if r["measure"] == "tv" and r["kind"] == "model"]
    assert models[0] == "resnet34"  # the population is driven 80% by ResNet-34's features
    # every network above chance, none as close as a perfect model of the simulated brain
    assert tv["simulated IT · ceiling (a perfect model, 20 simulated recordings)"] < min(tv[m] for m in models)
    assert max(tv[m] for m in models) < tv["simulated IT · chance (stimuli shuffled, 20 permutations)"]
    page = (tmp_path / "leaderboard.html").read_text()
    assert page.count("SIMULATED") >= 3 and "100 stimuli shared by all inputs" in page

    # a rerun reads the table of every measure from the report folder's cache, computing none of it:
    # the cached table is neither written again (a computed one is, atomically: a new inode) nor joined by another
    cached = stamps(tmp_path / CACHE_FOLDER, "measure-table-*.json")
    assert len(cached) == 1
    assert cli.main(["demo", "--out", str(tmp_path), "--quiet"]) == 0
    again = capsys.readouterr().out
    table = out[out.index("measure "):out.index("kind: ")]
    assert table in again
    assert stamps(tmp_path / CACHE_FOLDER, "measure-table-*.json") == cached


def test_the_measure_tables_bars_are_drawn_at_their_totals(monkeypatch, capsys):
    """Each pair's bar over the measures ends on n/n before it is cleared (an iterated tqdm closes
    itself when its loop ends, so a refresh after the loop drew nothing: the first run stopped at 15/16)."""
    real_load = data.load_activations
    # a stand-in: the shipped activations cut to their first 60 images, to be quick (no setting does it)
    monkeypatch.setattr(data, "load_activations", lambda name: real_load(name)[:60])
    demo.measure_table(progress=True)
    drawn = {}
    for match in re.finditer(r"([^\r\n|]+?):\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)", capsys.readouterr().err):
        drawn[match.group(1).strip()] = match.group(2, 3)
    assert len(drawn) == 3 and all(n == total for n, total in drawn.values()), drawn
