"""Leaderboards and comparisons end to end: values against the core, ranking, files, config, resume."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

import bayesrep_plugin as br
from bayesrep_plugin.core import Comparison, Readout
from bayesrep_plugin.core.resampling import resample_indices
from bayesrep_plugin.assemblies.ceiling import recording_resolution, yardsticks
from bayesrep_plugin.assemblies.kernels import responses_representation
from bayesrep_plugin.assemblies.noise import split_half
from bayesrep_plugin.assemblies.responses import responses_from_assembly
from bayesrep_plugin.core.evidence import model_evidence, readout_spectrum
from bayesrep_plugin.reports import pairs
from bayesrep_plugin.reports.inputs import InputError, Source, load_assembly, load_responses
from bayesrep_plugin.reports.leaderboard import (CACHE_FOLDER, LeaderboardConfig, build_comparison,
                                                 build_leaderboard, read_config, write_report)
from bayesrep_plugin.reports.settings import Settings

from cachefiles import stamps

from .synthetic import signals, stimulus_ids, write_dataset

SETTINGS = Settings(measures=("tv", "js"), n_bootstrap=4, seed=1)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_dataset(tmp_path_factory.mktemp("data"))


def config_for(files, output: Path, settings: Settings = SETTINGS) -> LeaderboardConfig:
    return LeaderboardConfig(models=[Source(files["near"]), Source(files["mid"]),
                                     Source(files["far"], stimulus_ids=files["far_ids"])],
                             neural=[Source(files["brain"], name="V4")], settings=settings, output=output)


@pytest.fixture(scope="module")
def report(files, tmp_path_factory):
    return build_leaderboard(config_for(files, tmp_path_factory.mktemp("board")), progress=False)


def test_inputs_align_by_stimulus_id_in_every_format(files):
    expected = signals(60, 0)
    near = load_responses(Source(files["near"]))  # rows were shuffled on disk
    np.testing.assert_array_equal(near.stimulus_ids, stimulus_ids(60))
    np.testing.assert_allclose(near.means, expected["near"])
    np.testing.assert_allclose(load_responses(Source(files["mid"])).means, expected["mid"])
    np.testing.assert_allclose(load_responses(Source(files["far"], stimulus_ids=files["far_ids"])).means,
                               expected["far"])
    brain = load_responses(Source(files["brain"]))
    assert brain.repetitions.tolist() == [4] * 60


def test_layer_selection(files):
    assembly = load_assembly(Source(files["near"], select={"layer": "late"}))
    assert assembly.sizes["neuroid"] == 20
    with pytest.raises(InputError, match=r"near\.nc: no layer = 'fc7'; available: \['early', 'late'\]"):
        load_assembly(Source(files["near"], select={"layer": "fc7"}))


def test_leaderboard_values_are_the_core_distances_to_the_recording(files, report):
    rows = {(r["measure"], r["representation"]): r for r in report.rows}
    brain = responses_from_assembly(load_assembly(Source(files["brain"])), name="V4")
    # b: auto is the recording's resolving b under the board's first readout measure
    b = recording_resolution(brain, br.get_measure("tv"), {"method": "exact"}, center="features",
                             seed=SETTINGS.seed).b
    assert report.b == b and report.b_choice == "the resolving b of V4 under tv"
    recording = responses_representation(brain, center="features")
    assert recording.noise is not None and recording.noise_share > 0.02   # the noise goes to the model's side
    near = br.Representation.from_activations(signals(60, 0)["near"], center="features")
    for measure in ("tv", "js"):
        assert rows[measure, "near"]["value"] == pytest.approx(float(br.compare(near, recording, measure, b=b)),
                                                               rel=1e-9)
        index = resample_indices(60, SETTINGS.n_bootstrap, seed=SETTINGS.seed)[0]
        near_to_brain = report.matrices[measure].resampled[0, 3, 0]  # entries: 3 models, then the brain
        assert near_to_brain == pytest.approx(float(br.compare(near.subset(index), recording.subset(index), measure,
                                                               b=b)))


def test_the_recordings_references_stand_on_its_board(files, report):
    rows = {(r["measure"], r["representation"]): r for r in report.rows}
    brain = responses_from_assembly(load_assembly(Source(files["brain"])), name="V4")
    recording = responses_representation(brain, center="features")
    labels = [label for measure, label in rows if measure == "tv" and label.startswith("V4 · ")]
    assert sorted(labels) == sorted(["V4 · ceiling (a perfect model, 20 simulated recordings)",
                                     "V4 · chance (stimuli shuffled, 20 permutations)",
                                     "V4 · constant (mean response + 1e-6 noise)", "V4 · split-half (repetitions)",
                                     "V4 · neuron split (half the neurons vs the other half)"])
    for measure in ("tv", "js"):
        ceiling = rows[measure, "V4 · ceiling (a perfect model, 20 simulated recordings)"]
        sticks = yardsticks(brain, center="features", n_replicates=20, seed=SETTINGS.seed)
        perfect, _ = sticks.values(Comparison({measure: {"method": "exact"}}, Readout(report.b)))
        assert ceiling["kind"] == "reference" and ceiling["value"] == pytest.approx(perfect.mean(), rel=1e-10)
        assert ceiling["ceiled"] == pytest.approx(1.0)
        chance = rows[measure, "V4 · chance (stimuli shuffled, 20 permutations)"]
        assert chance["kind"] == "null" and chance["ci_low"] <= chance["value"] <= chance["ci_high"]
        # every model of the signal is closer than chance, and the ceiling closer than every model
        for model in ("near", "mid"):
            assert ceiling["value"] < rows[measure, model]["value"] < chance["ci_low"]
            assert 0 < rows[measure, model]["ceiled"] < 1
        assert rows[measure, "far"]["value"] < chance["ci_low"]
        # a row's ceiled value is its similarity relative to the ceiling's
        near = rows[measure, "near"]
        assert near["ceiled"] == pytest.approx((1 - near["value"]) / (1 - ceiling["value"]))
    # the chance band is the recording's own means, shuffled, against the recording
    rng = np.random.default_rng(SETTINGS.seed)
    first = br.Representation.from_activations(brain.means[rng.permutation(60)], center="features")
    permuted = [float(br.compare(first, recording, "tv", b=report.b))]
    assert min(permuted) >= rows["tv", "V4 · chance (stimuli shuffled, 20 permutations)"]["ci_low"] - 1e-12


def test_ranking_follows_the_known_order(report):
    for measure in ("tv", "js"):
        ranked = [r["representation"] for r in report.rows if r["measure"] == measure]
        models = [name for name in ranked if not name.startswith("V4")]
        assert models == ["near", "mid", "far"]
        assert ranked[0] == "V4 · ceiling (a perfect model, 20 simulated recordings)"
        ranks = [r["rank"] for r in report.rows if r["measure"] == measure]
        assert ranks == list(range(1, 9))
        for row in (r for r in report.rows if r["measure"] == measure):
            assert row["ci_low"] <= row["value"] <= row["ci_high"] or not row["bootstrap_sd"] > 0


def test_ranks_against_b_are_the_core_values_at_each_b(report):
    sweep = report.extra_tables["ranks-vs-b"]
    near = [row for row in sweep.rows if row["model"] == "near"]
    assert [row["b"] for row in near] == pytest.approx([report.b * f for f in (0.2, 0.315, 0.5, 0.8, 1, 1.25, 2, 3.15, 5)])
    at_b = next(row for row in near if row["b"] == pytest.approx(report.b))
    board = next(r for r in report.rows if r["measure"] == "tv" and r["representation"] == "near")
    assert at_b["value"] == pytest.approx(board["value"], rel=1e-12) and at_b["rank"] == 1
    for b in {row["b"] for row in sweep.rows}:
        ranks = sorted(row["rank"] for row in sweep.rows if row["b"] == b)
        assert ranks == [1, 2, 3]


def test_write_report_files_agree_with_the_rows(report, tmp_path):
    paths = write_report(report, tmp_path)
    names = {p.name for p in tmp_path.iterdir() if p.is_file()}
    figures = ["heatmap-tv", "mds-tv", "heatmap-js", "mds-js", "scores-tv", "scores-js", "ranks-vs-b-v4",
               "posterior-over-models", "scatter-vs-cka-rsa"]
    written = {f"leaderboard.{ext}" for ext in ("csv", "md", "json", "html")} | {"evidence.csv", "ranks-vs-b.csv"} | {
        f"{stem}.{ext}" for stem in figures for ext in ("png", "svg")}
    assert names == written | {".bayesrep-files.json", ".bayesrep.lock"}
    assert set(json.loads((tmp_path / ".bayesrep-files.json").read_text())["files"]) == written
    parsed = list(csv.DictReader(paths["csv"].open()))
    assert len(parsed) == len(report.rows) == 16   # 3 models and 5 references, under tv and js
    assert [float(r["value"]) for r in parsed] == [r["value"] for r in report.rows]
    data = json.loads(paths["json"].read_text())
    assert data["n_stimuli"] == 60 and len(data["rows"]) == 16 and data["b"] == report.b
    assert np.allclose(data["matrices"]["tv"]["values"], report.matrices["tv"].values)
    html = paths["html"].read_text()
    # the summary's table; then, each under its title, tv, js, posterior, ranks against b
    assert html.count("<img ") == len(figures) and html.count("<table>") == 5 and html.count("<details>") == 4
    assert html.index('<section id="summary">') < html.index("<img ") < html.index("<details>")
    assert [row["model"] for row in data["evidence"]] == [row["model"] for row in report.evidence_rows]
    assert [float(r["posterior"]) for r in csv.DictReader(paths["evidence"].open())] == [
        row["posterior"] for row in report.evidence_rows]


def test_posterior_over_models_is_the_core_evidence_of_the_brains_mean_responses(files, report):
    brain = load_responses(Source(files["brain"]))
    data = signals(60, 0)
    spectra = [readout_spectrum(br.Representation.from_activations(data[name], name=name, center="features"))
               for name in ("near", "mid", "far")]
    expected = model_evidence(spectra, brain.means, report.b)
    (dataset,) = report.evidence
    assert dataset.dataset == "V4" and dataset.n_neuroids == 30
    rows = {row["model"]: row for row in dataset.rows()}
    for m, name in enumerate(("near", "mid", "far")):
        assert rows[name]["log_evidence"] == pytest.approx(expected.total[m], rel=1e-10)
        assert rows[name]["log_evidence_per_neuroid"] == pytest.approx(expected.total[m] / 30, rel=1e-10)
        assert rows[name]["posterior"] == pytest.approx(expected.posterior[m], rel=1e-9, abs=1e-300)
    assert [row["model"] for row in dataset.rows()] == ["near", "mid", "far"]  # the brain's signal is a rotation of near
    assert rows["near"]["posterior"] > 0.99 and sum(row["posterior"] for row in rows.values()) == pytest.approx(1)
    assert not any("no posterior over models" in note for note in report.notes)


def test_comparison_of_files(files, tmp_path):
    sources = [Source(files["near"]), Source(files["mid"]), Source(files["brain"], name="brain mean")]
    report = build_comparison(sources, Settings(measures=("tv",), n_bootstrap=0, center="none"), output=tmp_path,
                              progress=False)
    data = signals(60, 0)
    models = {r["first"] + " vs " + r["second"]: r["value"] for r in report.rows}
    assert models["near vs mid"] == pytest.approx(float(br.distance(data["near"], data["mid"], "tv", b=report.b)),
                                                  rel=1e-9)
    # the recording among the inputs: b is its resolving b, and its noise goes to the other side
    brain = responses_from_assembly(load_assembly(Source(files["brain"])), name="brain mean")
    assert report.b == recording_resolution(brain, br.get_measure("tv"), {"method": "exact"}, center="none").b
    expected = br.compare(br.Representation.from_activations(data["near"]), responses_representation(brain), "tv",
                          b=report.b)
    assert models["near vs brain mean"] == pytest.approx(float(expected), rel=1e-9)
    assert len(report.rows) == 3 and all(np.isnan(r["ci_low"]) for r in report.rows)
    assert [e.kind for e in report.entries] == ["model", "model", "brain"]  # it has repetitions
    assert set(report.classic) == {"cka", "rsa"}
    assert report.classic["cka"].values[0, 1] == pytest.approx(float(br.compare(data["near"], data["mid"], "cka")))


def test_several_neural_datasets(files, tmp_path):
    config = LeaderboardConfig(models=[Source(files["near"]), Source(files["mid"])],
                               neural=[Source(files["brain"], name="IT"), Source(files["brain"], name="IT again")],
                               settings=Settings(measures=("tv",), n_bootstrap=0), output=tmp_path)
    report = build_leaderboard(config, progress=False)
    by_dataset = {name: [(r["representation"].removeprefix(name), r["value"]) for r in report.rows if r["dataset"] == name]
                  for name in ("IT", "IT again")}
    assert by_dataset["IT"] == by_dataset["IT again"]  # same data, same seeds: same table
    ranked = [name for name, _ in by_dataset["IT"]]
    assert ranked.index(" · ceiling (a perfect model, 20 simulated recordings)") < ranked.index("near") \
        < ranked.index("mid") < ranked.index(" · chance (stimuli shuffled, 20 permutations)")
    assert [e.kind for e in report.entries] == ["model", "model", "brain", "brain"]


# ------------------------------------------------------------------ config files

def write_config(folder: Path, text: str) -> Path:
    path = folder / "board.yaml"
    path.write_text(text)
    return path


def test_config_is_read_relative_to_its_folder(files):
    folder = files["near"].parent
    config = read_config(write_config(folder, """
title: T
measures: js
n_bootstrap: 3
models:
  - {path: near.nc, name: N, layers: [early, late]}
  - {path: far.npy, stimulus_ids: far-ids.txt}
neural:
  - {path: brain.nc, select: {region: IT}}
"""))
    assert [s.label for s in config.models] == ["N:early", "N:late", "far"]
    assert config.models[0].select == {"layer": "early"} and config.models[2].stimulus_ids == files["far_ids"]
    assert config.settings.measures == ("js",) and config.settings.n_bootstrap == 3
    assert config.output == folder / "leaderboard"


@pytest.mark.parametrize("text, message", [
    ("models: [near.nc]\nneural: [brain.nc]\nmeasures: [tv, wasserstein]\n", "unknown measure 'wasserstein'"),
    ("models: [near.nc, missing.nc]\nneural: [brain.nc]\n", r"models\[1\]\.path: file not found: .*missing\.nc"),
    ("models: [near.nc]\nneural: [brain.nc]\nmodles: []\n", r"unknown key\(s\) \['modles'\]"),
    ("models: [near.nc]\n", "missing 'neural'"),
    ("models: [near.nc\nneural: x\n", "not valid YAML"),
    ("models: [{path: near.nc, layer: x}]\nneural: [brain.nc]\n", r"models\[0\]: unknown key\(s\) \['layer'\]"),
    ("models: [near.nc]\nneural: [brain.nc]\nmax_stimuli: 3\n", "max_stimuli must be a whole number of at least 10"),
    ("models: [near.nc]\nneural: [brain.nc]\nn_bootstrap: 1\n", "bootstrap must be 0 .no intervals. or a whole number of at least 2"),
    ("models: [near.nc]\nneural: [brain.nc]\nb: -1\n", "b .noise-to-signal ratio. must be a finite number >= 0"),
    # the keys of version 0.1 are unknown keys like any other (no compatibility shim names their new names)
    ("models: [near.nc]\nneural: [brain.nc]\nbootstrap: 5\nscheme: half\n",
     r"unknown key\(s\) \['bootstrap', 'scheme'\]; known: \[.*'bootstrap_scheme'.*'n_bootstrap'"),
])
def test_bad_config_names_the_file_and_the_problem(files, text, message):
    path = write_config(files["near"].parent, text)
    with pytest.raises(InputError, match=message) as error:
        read_config(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_an_old_key_gets_the_plain_unknown_key_message(files):
    """``bootstrap:`` (version 0.1's name of n_bootstrap) is refused as any unknown key is: named,
    beside every known key, with no word of what it became."""
    path = write_config(files["near"].parent, "models: [near.nc]\nneural: [brain.nc]\nbootstrap: 5\n")
    with pytest.raises(InputError) as error:
        read_config(path)
    message = str(error.value)
    assert message.startswith(f"{path}: unknown key(s) ['bootstrap']; known: ['b', 'bootstrap_scheme', 'center', ")
    assert "'n_bootstrap'" in message and "now called" not in message


# ------------------------------------------------------------------ interruption and resume

def test_interrupted_leaderboard_leaves_no_partial_file_and_resumes(files, tmp_path, monkeypatch):
    output = tmp_path / "board"
    real_rows = pairs.measure_rows
    calls = []

    def interrupt_after_some(*args, **kwargs):
        calls.append(args)
        if len(calls) == 5:  # the fifth pair
            raise KeyboardInterrupt
        return real_rows(*args, **kwargs)

    # Entries: 3 models, then the brain: 6 pairs, each one task (tv and js at once, on all stimuli
    # and, for the pairs with the brain, on its 4 resamples).
    order = [(i, j) for i in range(4) for j in range(i + 1, 4)]

    # a spy: the interrupt must land at a chosen pair, which only a hook into the measuring can time
    monkeypatch.setattr(pairs, "measure_rows", interrupt_after_some)
    with pytest.raises(KeyboardInterrupt):
        build_leaderboard(config_for(files, output), progress=False)
    finished = stamps(output / CACHE_FOLDER)
    assert len(finished) == 4 * 2  # four pairs done, each under tv and js
    for path in (path for path in output.rglob("*") if path.is_file()):  # the board's b, found first, among them
        assert path.suffix == ".json" and json.loads(path.read_text()), path  # whole results, nothing half written
    assert [p.name for p in output.iterdir()] == [CACHE_FOLDER]  # no report file yet

    monkeypatch.setattr(pairs, "measure_rows", real_rows)
    resumed = build_leaderboard(config_for(files, output), progress=False)
    done = stamps(output / CACHE_FOLDER)
    assert {name: done[name] for name in finished} == finished  # the finished pairs read, not computed again
    assert len(done) == len(finished) + 2 * len(order[4:]) + 2 * len(order)  # the rest; cka and rsa of each pair
    fresh = build_leaderboard(config_for(files, tmp_path / "fresh"), progress=False)
    assert [r["value"] for r in resumed.rows] == [r["value"] for r in fresh.rows]


def test_simulated_is_a_fact_of_the_file_never_of_a_name(files, tmp_path):
    import xarray as xr

    with xr.open_dataarray(files["brain"]) as brain:
        simulated_brain = brain.load()
    simulated_brain.attrs["simulated"] = 1
    simulated_path = tmp_path / "sim.nc"
    simulated_brain.to_netcdf(simulated_path)
    config = LeaderboardConfig(models=[Source(files["near"], name="simulated-resnet"), Source(files["mid"])],
                               neural=[Source(files["brain"], name="V4")], settings=SETTINGS, output=tmp_path / "a")
    assert not any("SIMULATED" in note for note in build_leaderboard(config, progress=False).notes)
    config = dataclasses.replace(config, neural=[Source(simulated_path, name="IT")], output=tmp_path / "b")
    notes = [note for note in build_leaderboard(config, progress=False).notes if "SIMULATED" in note]
    assert notes == ["IT: SIMULATED neural data from a generative model, not recordings."]


def test_a_neuroid_dropped_for_nan_responses_is_in_the_reports_notes(files, tmp_path):
    """It was only a warning on stderr: the written report did not say that the brain lost a neuroid."""
    import xarray as xr

    with xr.open_dataarray(files["brain"]) as brain:
        holey = brain.load()
    holey.values[3, 7] = np.nan
    holey_path = tmp_path / "holey.nc"
    holey.to_netcdf(holey_path)
    config = LeaderboardConfig(models=[Source(files["near"]), Source(files["mid"])],
                               neural=[Source(holey_path, name="V4")], settings=SETTINGS, output=tmp_path / "board")
    with pytest.warns(UserWarning, match="V4: dropped 1 of 30 neuroids with NaN responses"):
        report = build_leaderboard(config, progress=False)
    assert "V4: 1 neuroid(s) with NaN responses left out (n7)." in report.notes
    write_report(report, config.output)
    assert "V4: 1 neuroid(s) with NaN responses left out (n7)." in (config.output / "leaderboard.md").read_text()


def test_a_rerun_reads_the_recordings_resolving_b_from_the_cache(files, tmp_path):
    config = config_for(files, tmp_path / "board", dataclasses.replace(SETTINGS, n_bootstrap=0))
    first = build_leaderboard(config, progress=False)
    resolving = tmp_path / "board" / CACHE_FOLDER / "resolving-b"
    found = stamps(resolving)
    assert len(found) == 1
    again = build_leaderboard(config, progress=False)
    assert (again.b, again.b_choice) == (first.b, first.b_choice)
    assert stamps(resolving) == found  # read: a b found again is written again
    # another seed is another search, not the cached one: a b of its own beside it
    build_leaderboard(dataclasses.replace(config, settings=dataclasses.replace(config.settings, seed=7)),
                      progress=False)
    other = stamps(resolving)
    assert len(other) == 2 and {name: other[name] for name in found} == found
