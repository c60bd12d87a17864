"""The `bayesrep` command: results against the library, exit codes, one-line errors, quiet, resume.

Most tests call ``main(argv)`` in-process (fast); a few run the installed console script in a
subprocess, because exit codes, stderr and Ctrl-C are only real there.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import mmap
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import bayesrep_plugin as br
from bayesrep_plugin import cli
from bayesrep_plugin.brainscore import install
from bayesrep_plugin.brainscore.registry import factory
from bayesrep_plugin.reports.inputs import Source, load_assembly

from reports.synthetic import signals, write_dataset

BAYESREP = Path(sys.executable).with_name("bayesrep")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_dataset(tmp_path_factory.mktemp("data"))


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "BS_INSTALL_DEPENDENCIES": "no"}
    return subprocess.run([str(BAYESREP), *args], capture_output=True, text=True, timeout=timeout, env=env)


# ------------------------------------------------------------------ help

@pytest.mark.parametrize("command, words", [
    ([], ["compare", "score", "leaderboard", "demo", "brainscore", "Exit codes"]),
    (["compare"], ["--measure", "--n-bootstrap", "--out", "--json", "--stimulus-ids", "--quiet", "examples:"]),
    (["score"], ["--metric", "ceiling", "--json"]),
    (["leaderboard"], ["CONFIG.yaml", "--model", "--neural", "split-half", "config file", "max_stimuli"]),
    (["demo"], ["SIMULATED", "--out"]),
    (["brainscore"], ["install", "uninstall", "export"]),
    (["v4"], ["--data-dir", "BAYESREP_DATA", "Cowley", "pls", "internal_consistency"]),
    (["it92"], ["--data-dir", "monkey IT", "human IT", "--no-models", "1 - RDM"]),
    (["v4-models"], ["--layers", "--models", "--scheduler", "--workers", "--device", "output_responses", "BAYESREP_CACHE"]),
])
def test_help_explains_each_command(command, words, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main([*command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for word in words:
        assert word in text


def test_help_lists_the_studies_after_the_product_commands(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = capsys.readouterr().out
    studies = text.index("\nstudies")
    for command in ("compare", "score", "leaderboard", "brainscore"):
        assert text.index(f"\n  {command} ") < studies
    for command in ("v4", "it92", "demo"):
        assert text.index(f"\n  {command} ") > studies


# ------------------------------------------------------------------ results

def test_compare_json_matches_the_library(files, tmp_path, capsys):
    code = cli.main(["compare", str(files["near"]), str(files["mid"]), str(files["far"]),
                     "--stimulus-ids", str(files["far_ids"]), "--measure", "tv", "cka",
                     "--n-bootstrap", "3", "--out", str(tmp_path / "cmp"), "--json", "--quiet"])
    captured = capsys.readouterr()
    assert code == cli.EXIT_OK and captured.err == ""
    result = json.loads(captured.out)
    data = signals(60, 0)
    pairs = {(r["measure"], r["first"], r["second"]): r for r in result["rows"]}
    assert pairs["tv", "near", "far"]["value"] == pytest.approx(float(br.distance(data["near"], data["far"], "tv")))
    assert pairs["cka", "mid", "far"]["value"] == pytest.approx(float(br.compare(data["mid"], data["far"], "cka")))
    assert len(result["rows"]) == 6 and result["settings"]["n_bootstrap"] == 3
    assert (tmp_path / "cmp" / "comparison.html").is_file() and (tmp_path / "cmp" / "heatmap-tv.svg").is_file()


def test_npy_inputs_reach_the_kernel_as_memory_maps(tmp_path, capsys, monkeypatch):
    """A .npy is mapped, never read whole: with its rows in id order (one per stimulus) the kernel is
    streamed from the mapped file (d ≥ n), so memory is the kernel's, not the file's."""
    from bayesrep_plugin.core.prior import Representation

    rng = np.random.default_rng(0)
    arrays = {"wide": rng.normal(size=(30, 50)).astype(np.float32), "wider": rng.normal(size=(30, 80))}
    for name, values in arrays.items():
        np.save(tmp_path / f"{name}.npy", values)
    (tmp_path / "ids.txt").write_text("".join(f"s{i:02d}\n" for i in range(30)))
    mapped = {}
    real = Representation.from_activations.__func__

    def spy(cls, X, **kwargs):
        mapped[kwargs["name"]] = file_mapped(X)
        return real(cls, X, **kwargs)

    # a spy: whether the array that reaches the kernel is the file's map shows in no result (only in the
    # memory of a file larger than a test can afford)
    monkeypatch.setattr(Representation, "from_activations", classmethod(spy))
    code = cli.main(["compare", str(tmp_path / "wide.npy"), str(tmp_path / "wider.npy"), "--stimulus-ids",
                     str(tmp_path / "ids.txt"), "--measure", "tv", "--n-bootstrap", "0", "--out", str(tmp_path / "out"),
                     "--json", "-q"])
    assert code == 0 and mapped == {"wide": True, "wider": True}
    value = json.loads(capsys.readouterr().out)["rows"][0]["value"]
    expected = float(br.distance(arrays["wide"].astype(np.float64), arrays["wider"], "tv"))
    assert value == pytest.approx(expected, rel=1e-12)


def file_mapped(X: np.ndarray) -> bool:
    """Whether X is backed by a memory map of a file (np.load's mmap_mode), itself or through views."""
    while X is not None and not isinstance(X, mmap.mmap):
        X = getattr(X, "base", None)
    return X is not None


def test_compare_table_on_the_terminal(files, tmp_path, capsys):
    code = cli.main(["compare", str(files["near"]), str(files["mid"]), "--measure", "js", "--n-bootstrap", "0",
                     "--out", str(tmp_path), "--quiet"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    expected = float(br.distance(signals(60, 0)["near"], signals(60, 0)["mid"], "js"))
    assert out[1] == "js" and out[2].split() == ["first", "second", "value", "ci_low", "ci_high", "bootstrap_sd"]
    assert out[3].split() == ["near", "mid", f"{expected:.4f}"]


def test_brainio_file_names_are_labelled_by_their_identifier(files, tmp_path, capsys):
    named = {}
    for model, stimuli in (("alexnet", "objectome-240"), ("resnet18", "objectome-240"), ("resnet18", "other-60")):
        named[model, stimuli] = tmp_path / f"identifier={model},stimuli_identifier={stimuli}.nc"
        named[model, stimuli].symlink_to(files["near"])
    code = cli.main(["compare", *map(str, named.values()), "--measure", "js", "--n-bootstrap", "0",
                     "--out", str(tmp_path / "out"), "--json", "--quiet"])
    assert code == 0
    labels = {row[key] for row in json.loads(capsys.readouterr().out)["rows"] for key in ("first", "second")}
    # short where that is unique; the two resnet18 files keep their full names, so that they stay apart
    assert labels == {"alexnet", "identifier=resnet18,stimuli_identifier=objectome-240",
                      "identifier=resnet18,stimuli_identifier=other-60"}


def test_a_plain_library_call_draws_no_progress_bar(capsys):
    three = [np.random.default_rng(seed).standard_normal((30, 5)) for seed in range(3)]
    br.pairwise(three, "js")
    assert capsys.readouterr().err == ""
    br.pairwise(three, "js", progress=True)
    assert "pairwise js" in capsys.readouterr().err


def test_leaderboard_flags_only(files, tmp_path, capsys):
    code = cli.main(["leaderboard", "--model", str(files["near"]), "--model", str(files["mid"]),
                     "--neural", str(files["brain"]), "--measure", "tv", "--n-bootstrap", "2",
                     "--out", str(tmp_path / "b"), "--json", "-q"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    ranked = [r["representation"] for r in result["rows"]]
    assert ranked[0] == "brain · ceiling (a perfect model, 20 simulated recordings)"
    assert ranked.index("near") < ranked.index("mid") < ranked.index("brain · chance (stimuli shuffled, 20 permutations)")
    assert [r["rank"] for r in result["rows"]] == list(range(1, 8)) and result["b_choice"].startswith("the resolving b")
    assert {p.name for p in (tmp_path / "b").iterdir()} >= {"leaderboard.csv", "leaderboard.md", "leaderboard.html",
                                                             "scores-tv.png", "scores-tv.svg"}


def test_leaderboard_config_with_flag_overrides(files, tmp_path, capsys):
    config = files["near"].parent / "cli-board.yaml"
    config.write_text("measures: [tv, js]\nn_bootstrap: 2\noutput: cli-out\nmodels: [near.nc]\nneural: [brain.nc]\n")
    code = cli.main(["leaderboard", str(config), "--measure", "js", "--out", str(tmp_path / "o"), "--json", "-q"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and {r["measure"] for r in result["rows"]} == {"js"}
    assert result["settings"]["n_bootstrap"] == 2 and (tmp_path / "o" / "leaderboard.html").is_file()


def test_score_matches_the_brainscore_metric(files, tmp_path, capsys):
    out = tmp_path / "score.json"
    code = cli.main(["score", str(files["mid"]), str(files["brain"]), "--metric", "bayes_tv", "--n-bootstrap", "4",
                     "--out", str(out), "--json", "-q"])
    printed = json.loads(capsys.readouterr().out)
    assert code == 0 and json.loads(out.read_text()) == printed
    model, neural = load_assembly(Source(files["mid"])), load_assembly(Source(files["brain"]))
    score = factory("bayes_tv")(n_bootstrap=4)(model, neural)
    ceiling = factory("bayes_tv")(n_bootstrap=4).ceiling()(neural)
    assert float(ceiling) == float(factory("bayes_tv_ceiling")()(neural))   # same options, same seed
    assert printed["score"]["value"] == pytest.approx(float(score))
    assert printed["score"]["error"] == pytest.approx(score.attrs["error"])
    assert printed["ceiling"]["value"] == pytest.approx(float(ceiling))
    assert printed["ceiled"]["unclipped"] == pytest.approx(float(score) / float(ceiling))
    assert printed["ceiled"]["value"] == pytest.approx(min(1.0, float(score) / float(ceiling)))


def test_brainscore_export_writes_the_plugin_folders(tmp_path, capsys):
    code = cli.main(["brainscore", "export", str(tmp_path / "plugins")])
    listed = capsys.readouterr().out.split()
    assert code == 0 and listed
    inits = list((tmp_path / "plugins").rglob("__init__.py"))
    assert any("metric_registry['bayes_js']" in p.read_text() for p in inits)
    assert all(Path(p).exists() for p in listed)


@pytest.mark.parametrize("action", ["install", "uninstall"])
def test_brainscore_install_and_uninstall_call_the_plugin_functions(action, monkeypatch, capsys):
    # a stand-in: the real install/uninstall are tested in tests/brainscore; here only the wiring, without
    # touching the session's Brain-Score packages, whose plugin folder other tests are using.
    monkeypatch.setattr(install, action, lambda: [Path(f"/site/brainscore_vision/metrics/bayesrep-{action}")])
    assert cli.main(["brainscore", action]) == 0
    assert capsys.readouterr().out.strip() == f"/site/brainscore_vision/metrics/bayesrep-{action}"


# ------------------------------------------------------------------ bad input

def no_stimulus_coordinate(folder: Path) -> Path:
    import xarray as xr

    path = folder / "anonymous.nc"
    xr.DataArray(np.ones((5, 3)), dims=("presentation", "neuroid"),
                 coords={"image_number": ("presentation", np.arange(5))}).to_netcdf(path)
    return path


def not_netcdf(folder: Path) -> Path:
    path = folder / "notes.nc"
    path.write_text("these are not activations\n")
    return path


def cut_short(path: Path, folder: Path, fraction: float) -> Path:
    """The first ``fraction`` of the file's bytes (an interrupted download or copy)."""
    data = path.read_bytes()
    cut = folder / f"cut{path.suffix}"
    cut.write_bytes(data[:int(len(data) * fraction)])
    return cut


def damaged_member(path: Path, folder: Path) -> Path:
    """The .npz with bytes of its first member's data overwritten (its directory intact)."""
    data = bytearray(path.read_bytes())
    start = data.find(b"\x93NUMPY") + 200
    data[start:start + 64] = b"\xff" * 64
    damaged = folder / "damaged.npz"
    damaged.write_bytes(bytes(data))
    return damaged


@pytest.mark.parametrize("make_args, message", [
    (lambda f, t: ["compare", str(f["near"]), str(t / "absent.nc")], r"absent\.nc: file not found"),
    (lambda f, t: ["compare", str(f["near"]), str(not_netcdf(t))], r"notes\.nc: not a readable netCDF file"),
    (lambda f, t: ["compare", str(f["near"]), str(no_stimulus_coordinate(t))],
     r"anonymous\.nc: no stimulus coordinate \(looked for stimulus_id, stimulus_path, image_id"),
    (lambda f, t: ["compare", str(f["near"]), str(f["far"])], r"far\.npy: a \.npy file needs a stimulus-id list"),
    (lambda f, t: ["compare", str(f["near"]), str(cut_short(f["brain"], t, 0.6))],
     r"cut\.nc: not a readable netCDF file"),
    (lambda f, t: ["compare", str(f["near"]), str(cut_short(f["far"], t, 0.5)), "--stimulus-ids", str(f["far_ids"])],
     r"cut\.npy: not a readable \.npy array \(ValueError: mmap length is greater than file size\)"),
    (lambda f, t: ["compare", str(f["near"]), str(cut_short(f["far"], t, 0.005)), "--stimulus-ids", str(f["far_ids"])],
     r"cut\.npy: not a readable \.npy array \(ValueError: EOF: reading array header"),
    (lambda f, t: ["compare", str(f["near"]), str(damaged_member(f["mid"], t))],
     r"damaged\.npz: not a readable \.npz archive \(BadZipFile: Bad CRC-32 for file 'activations\.npy'\)"),
    (lambda f, t: ["compare", str(f["near"]), str(f["mid"]), "--measure", "bogus"], "unknown measure 'bogus'"),
    (lambda f, t: ["leaderboard", "--model", str(f["near"]), "--neural", str(f["mid"])],
     "mid: a brain on a leaderboard .* needs at least 2 repetitions of every stimulus"),
    (lambda f, t: ["score", str(f["near"]), str(f["brain"]), "--metric", "bayes_nope"], "unknown metric 'bayes_nope'"),
])
def test_bad_input_is_one_line_and_exit_3(files, tmp_path, capsys, make_args, message):
    assert_one_line_exit_3(make_args(files, tmp_path), capsys, message)


def assert_one_line_exit_3(args: list[str], capsys, message: str) -> None:
    code = cli.main([*args, "-q"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_INPUT
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bayesrep: error: ")
    assert __import__("re").search(message, lines[0]), lines[0]


def npy_inputs(folder: Path, **arrays: np.ndarray) -> list[str]:
    """.npy files of the same stimuli, and the option that names their ids."""
    for name, values in arrays.items():
        np.save(folder / f"{name}.npy", values)
        (folder / "ids.txt").write_text("\n".join(f"s{i}" for i in range(len(values))))
    return [*(str(folder / f"{name}.npy") for name in arrays), "--stimulus-ids", str(folder / "ids.txt")]


def config_with(folder: Path, files, extra: str) -> str:
    path = folder / "board.yaml"
    path.write_text(f"models: [{files['near']}]\nneural: [{files['brain']}]\nmeasures: [tv]\n{extra}\n")
    return str(path)


@pytest.mark.parametrize("make_args, message", [
    (lambda f, t: ["compare", *npy_inputs(t, random=np.random.default_rng(0).normal(size=(30, 4)),
                                          zeros=np.zeros((30, 4)))], r"zeros: tr K = 0; the activations are all zero"),
    (lambda f, t: ["compare", *npy_inputs(t, random=np.random.default_rng(0).normal(size=(30, 4)),
                                          flat=np.ones((30, 4)))], r"flat: every stimulus has the same response"),
    (lambda f, t: ["compare", str(f["near"]), str(f["mid"]), "--seed", "-1"], r"seed must be a whole number ≥ 0; got -1"),
    (lambda f, t: ["leaderboard", config_with(t, f, "seed: 1.5")], r"seed must be a whole number ≥ 0; got 1\.5"),
    (lambda f, t: ["leaderboard", config_with(t, f, "n_bootstrap: 2.5")], r"bootstrap must be 0 .* got 2\.5"),
    (lambda f, t: ["leaderboard", config_with(t, f, "notes: {a: 1}")], r"'notes' must be a string or a list"),
    (lambda f, t: ["compare", str(f["near"]), str(f["mid"]), "--out", str(f["near"])],
     r"the output must be a folder, and this is a file"),
    (lambda f, t: ["compare", str(f["near"]), str(f["mid"]), "--device", "gpu0"],
     r"device 'gpu0' cannot be used here: .*gpu0"),
    (lambda f, t: ["leaderboard", config_with(t, f, ""), "--device", "cuda:99"],  # absent with or without CUDA
     r"device 'cuda:99' cannot be used here: "),
])
def test_user_input_never_reads_as_an_internal_error(files, tmp_path, capsys, make_args, message):
    assert_one_line_exit_3(make_args(files, tmp_path), capsys, message)


def test_every_package_exception_is_a_one_line_input_error(capsys, monkeypatch):
    class NewError(br.BayesrepError, ValueError):  # one the CLI was never told about
        pass

    def fail(args):
        raise NewError("what went wrong, and where")

    monkeypatch.setitem(cli.COMMANDS, "demo", fail)
    assert_one_line_exit_3(["demo"], capsys, "what went wrong, and where")


def test_a_bad_center_is_refused_with_the_same_message_at_every_entry_point(files, tmp_path, capsys):
    from bayesrep_plugin.brainscore.encoding import BayesianEncoding
    from bayesrep_plugin.core.kernels import CENTERINGS

    message = f"center='middle' is not one of {CENTERINGS}"
    X = np.random.default_rng(0).normal(size=(20, 5))
    calls = [lambda: br.compare(X, X, center="middle"), lambda: br.linear_kernel(X, center="middle"),
             lambda: factory("bayes_js")(center="middle"), lambda: BayesianEncoding(center="middle")]
    if importlib.util.find_spec("torch") is not None:  # torch is an optional extra
        from bayesrep_plugin.core import torch as torch_backend
        calls.append(lambda: torch_backend.kernel(torch_backend.torch.from_numpy(X), center="middle"))
    for call in calls:
        with pytest.raises(ValueError) as error:
            call()
        assert str(error.value) == message
    assert_one_line_exit_3(["leaderboard", config_with(tmp_path, files, "center: middle")], capsys, re.escape(message))


@pytest.mark.parametrize("command", ["compare", "leaderboard"])
def test_a_torch_device_gives_the_numpy_values(files, tmp_path, capsys, command):
    """--device runs tv, js and kl (both orders) in torch; cka stays in numpy; values to rounding."""
    arguments = {
        "compare": ["compare", str(files["near"]), str(files["mid"]), str(files["far"]), "--stimulus-ids",
                    str(files["far_ids"]), "--measure", "tv", "js", "kl", "cka", "--n-bootstrap", "4"],
        "leaderboard": ["leaderboard", "--model", str(files["near"]), "--model", str(files["mid"]), "--neural",
                        str(files["brain"]), "--measure", "tv", "js", "kl", "cka", "--n-bootstrap", "4"]}[command]
    results = {}
    for where in ([], ["--device", "cpu"]):
        assert cli.main([*arguments, *where, "--out", str(tmp_path / str(len(where))), "--json", "-q"]) == cli.EXIT_OK
        results[len(where)] = json.loads(capsys.readouterr().out)["rows"]
    numpy_rows, torch_rows = results[0], results[2]
    assert len(numpy_rows) == len(torch_rows) > 0
    if command == "compare":
        assert len(numpy_rows) == 3 * 3 + 6  # tv, js, cka per unordered pair, kl per ordered pair
    labels = [key for key in numpy_rows[0] if isinstance(numpy_rows[0][key], str)]
    for ours, theirs in zip(numpy_rows, torch_rows):
        assert [ours[key] for key in labels] == [theirs[key] for key in labels]
        for key in ("value", "ci_low", "ci_high"):   # None: a reference row without a spread
            assert theirs[key] == (None if ours[key] is None else pytest.approx(ours[key], rel=1e-9, abs=1e-12))
    assert [row for row in numpy_rows if row["measure"] == "cka"] == [row for row in torch_rows if row["measure"] == "cka"]
    assert any(ours[key] != theirs[key] for ours, theirs in zip(numpy_rows, torch_rows)  # torch ran: not to the bit
               for key in ("value", "ci_low", "ci_high") if ours["measure"] != "cka")


def test_compare_refuses_a_small_overlap_as_the_metrics_do(tmp_path, capsys):
    """10% overlap: one alignment rule everywhere (the metric refused this; compare used 30 of 300)."""
    rng = np.random.default_rng(0)
    ids = np.array([f"s{i:03d}" for i in range(570)])
    np.savez(tmp_path / "a.npz", activations=rng.normal(size=(300, 5)), stimulus_id=ids[:300])
    np.savez(tmp_path / "b.npz", activations=rng.normal(size=(300, 5)), stimulus_id=ids[270:])
    assert_one_line_exit_3(["compare", str(tmp_path / "a.npz"), str(tmp_path / "b.npz")], capsys,
                           r"a \(300 stimuli\) and b \(300 stimuli\) share only 30 stimulus ids; at least 150")


def test_integer_ids_of_a_netcdf_meet_the_string_ids_of_an_npz(tmp_path, capsys):
    """The issue's case: .nc ids 1..40 and 99 (integers) against .npz ids "1".."30" (strings). The
    values are those of the rows with equal ids (a sort of mixed types once paired wrong rows)."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(41, 20)), rng.normal(size=(41, 10))
    Y[:, :5] += X[:, :5]
    ids = np.array([*range(1, 41), 99])
    xr.DataArray(X, dims=("presentation", "neuroid"),
                 coords={"stimulus_id": ("presentation", ids)}).to_netcdf(tmp_path / "x41_int.nc")
    order = rng.permutation(30)
    np.savez(tmp_path / "y30_str.npz", activations=Y[:30][order], stimulus_id=np.array([str(i + 1) for i in order]))
    code = cli.main(["compare", str(tmp_path / "x41_int.nc"), str(tmp_path / "y30_str.npz"), "-m", "tv", "cka",
                     "--n-bootstrap", "0", "--out", str(tmp_path / "out"), "--json", "-q"])
    rows = {row["measure"]: row["value"] for row in json.loads(capsys.readouterr().out)["rows"]}
    assert code == 0
    assert rows["tv"] == pytest.approx(float(br.distance(X[:30], Y[:30], "tv")), rel=1e-12)
    assert rows["cka"] == pytest.approx(float(br.compare(X[:30], Y[:30], "cka")), rel=1e-12)


def test_a_byte_order_mark_in_an_ids_file_keeps_the_first_stimulus(files, tmp_path, capsys):
    with_mark = tmp_path / "ids-bom.txt"
    with_mark.write_bytes(files["far_ids"].read_text().encode("utf-8-sig"))
    values = []
    for ids in (files["far_ids"], with_mark):
        assert cli.main(["compare", str(files["near"]), str(files["far"]), "--stimulus-ids", str(ids), "-m", "tv",
                         "--n-bootstrap", "0", "--out", str(tmp_path / ids.stem), "--json", "-q"]) == 0
        result = json.loads(capsys.readouterr().out)
        values.append((result["n_stimuli"], result["rows"][0]["value"]))
    assert values[0] == values[1] and values[0][0] == 60


@pytest.mark.parametrize("make_args, message", [
    (lambda f, t: ["compare", str(f["near"]), str(f["far"]), "--stimulus-ids", str(latin1(t, "ids.txt", "img0000\ncafé\n"))],
     r"ids\.txt: not UTF-8 text \(byte 0xe9 at position 11\); save the stimulus ids for far\.npy as UTF-8"),
    (lambda f, t: ["leaderboard", str(latin1(t, "board.yaml", f"title: café\nmodels: [{f['near']}]\nneural: [{f['brain']}]\n"))],
     r"board\.yaml: not UTF-8 text \(byte 0xe9 at position 10\); save the config file as UTF-8"),
    (lambda f, t: ["compare", str(f["near"]), str(empty_npz(t))], r"empty\.npz: .*no stimuli \(0 presentations\)"),
])
def test_text_and_archives_that_cannot_be_read_are_named(files, tmp_path, capsys, make_args, message):
    assert_one_line_exit_3(make_args(files, tmp_path), capsys, message)


def latin1(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_bytes(text.encode("latin-1"))
    return path


def empty_npz(folder: Path) -> Path:
    np.savez(folder / "empty.npz", activations=np.zeros((0, 5)), stimulus_id=np.array([], dtype=str))
    return folder / "empty.npz"


def test_notes_given_as_one_string_are_one_note(files, tmp_path):
    from bayesrep_plugin.reports.leaderboard import read_config

    config = read_config(Path(config_with(tmp_path, files, "notes: recorded in 2021")))
    assert config.notes == ["recorded in 2021"]


def test_bad_config_through_the_installed_command(files, tmp_path, capsys):
    config = tmp_path / "board.yaml"
    config.write_text(f"models: [{files['near']}, {tmp_path / 'gone.nc'}]\nneural: [{files['brain']}]\n"
                      "measures: [tv]\n")
    result = run("leaderboard", str(config))
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        f"bayesrep: error: {config}: models[1].path: file not found: {tmp_path / 'gone.nc'}"]
    config.write_text(f"models: [{files['near']}]\nneural: [{files['brain']}]\nmeasures: [tv, nonsense]\n")
    assert_one_line_exit_3(["leaderboard", str(config)], capsys, "unknown measure 'nonsense'")


def test_debug_shows_the_traceback(files, tmp_path):
    result = run("compare", str(files["near"]), str(tmp_path / "absent.nc"), "--debug")
    assert result.returncode == 1  # an uncaught exception, as Python reports it
    assert "Traceback" in result.stderr and "InputError" in result.stderr


def test_usage_error_exits_2():
    result = run("compare", "--n-bootstrap", "many")
    assert result.returncode == 2 and "invalid int value" in result.stderr


def test_progress_bars_only_without_quiet(files, tmp_path, capsys):
    args = ["compare", str(files["near"]), str(files["mid"]), "--n-bootstrap", "3", "--out", str(tmp_path)]
    assert cli.main(args) == 0
    loud = capsys.readouterr()
    assert "pairs" in loud.err and "report:" in loud.err
    drawn = {}  # each bar's last drawn "n/total", even of a bar cleared at its end
    for match in re.finditer(r"([^\r\n|]+?):\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)", loud.err):
        drawn[match.group(1).strip()] = match.group(2, 3)
    assert drawn and all(n == total for n, total in drawn.values()), drawn
    quiet = run(*args, "--quiet")  # a fresh process: no library's import-time warning gets through either
    assert quiet.returncode == 0 and quiet.stderr == "" and "tv" in quiet.stdout


# ------------------------------------------------------------------ one report folder, one writer, one run

HOLD_FOLDER = """
import sys
from bayesrep_plugin.reports.folder import report_folder
with report_folder(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.read()  # until the test closes our stdin
"""


@pytest.mark.parametrize("command", ["compare", "leaderboard"])
def test_a_second_writer_of_a_report_folder_is_refused(files, tmp_path, capsys, command):
    out = tmp_path / "report"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_FOLDER, str(out)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(Path(br.__file__).parents[1])})
    try:
        assert holder.stdout.readline().strip() == "held"
        args = (["compare", str(files["near"]), str(files["mid"])] if command == "compare" else
                ["leaderboard", "--model", str(files["near"]), "--neural", str(files["brain"])])
        args += ["--measure", "tv", "--n-bootstrap", "0", "--out", str(out)]
        assert_one_line_exit_3(args, capsys, f"{out}: another bayesrep run is writing this report folder")
        assert not [p for p in out.iterdir() if not p.name.startswith(".bayesrep")]  # nothing written
    finally:
        holder.communicate("", timeout=60)
    assert holder.returncode == 0
    assert cli.main([*args, "-q"]) == cli.EXIT_OK  # the lock went with the process that held it


def report_files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and ".cache" not in p.parts}


def test_a_rerun_with_other_settings_leaves_only_its_own_files(files, tmp_path, capsys):
    out = tmp_path / "report"
    out.mkdir()
    (out / "my-notes.txt").write_text("the user's own file")
    base = ["--n-bootstrap", "0", "--out", str(out), "-q"]
    assert cli.main(["compare", str(files["near"]), str(files["mid"]), "--measure", "tv", "js", *base]) == 0
    first = report_files(out)
    assert {"heatmap-tv.png", "mds-tv.svg", "heatmap-js.png", "comparison.html"} <= first
    assert cli.main(["compare", str(files["near"]), str(files["mid"]), "--measure", "js", *base]) == 0
    second = report_files(out)
    listed = set(json.loads((out / ".bayesrep-files.json").read_text())["files"])
    assert not [name for name in second if "-tv." in name] and "heatmap-js.svg" in second
    assert second == listed | {"my-notes.txt", ".bayesrep-files.json", ".bayesrep.lock"}
    assert json.loads((out / "comparison.json").read_text())["settings"]["measures"] == ["js"]

    assert cli.main(["leaderboard", "--model", str(files["near"]), "--neural", str(files["brain"]),
                     "--measure", "tv", *base]) == 0
    third = report_files(out)
    assert not [name for name in third if name.startswith("comparison.") or "-js." in name]
    assert {"leaderboard.html", "scores-tv.png", "my-notes.txt"} <= third


def test_a_damaged_cached_pair_is_named_and_recomputed(files, tmp_path, capsys):
    """Once, one empty cached pair made every rerun fail, without naming the file."""
    args = ["compare", str(files["near"]), str(files["mid"]), "--measure", "tv", "js", "--n-bootstrap", "3",
            "--out", str(tmp_path), "--json", "-q"]
    assert cli.main(args) == 0
    clean = json.loads(capsys.readouterr().out)
    empty, garbage = sorted((tmp_path / ".cache").glob("*.json"))[:2]
    empty.write_text("")
    garbage.write_bytes(b"\x00\xff not json")
    assert cli.main(args) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == clean
    warned = captured.err.strip().splitlines()
    assert len(warned) == 2 and all(line.startswith("bayesrep: warning: ") for line in warned)
    assert {line.split(": ")[2] for line in warned} == {str(empty), str(garbage)}
    assert all("unreadable cached pair" in line for line in warned)


def test_a_folder_where_a_cached_pair_belongs_is_named_before_any_pair_is_computed(tmp_path, capsys):
    """The last pair's cached file is a folder: no other pair is computed (and stored) before it is named."""
    inputs = npz_inputs(tmp_path, n=20, names="abc")
    args = ["-m", "cka", "--n-bootstrap", "0", "--out", str(tmp_path / "out")]
    assert cli.main(["compare", *inputs[1:], *args, "-q"]) == 0  # the pair (b, c) alone: measured last below
    cached, = (tmp_path / "out" / ".cache").glob("*.json")
    cached.unlink()
    cached.mkdir()
    assert_one_line_exit_3(["compare", *inputs, *args], capsys,
                           f"{cached}: a folder stands where a cached file belongs; remove it")
    assert [p.name for p in cached.parent.iterdir()] == [cached.name]  # (a, b) and (a, c) were not measured first


# ------------------------------------------------------------------ output paths

def read_only_folder(tmp_path: Path) -> Path:
    """A folder where no file can be created. Root writes into any folder whatever its mode, so as
    root it is /sys (sysfs: nothing can be created there, even by root); otherwise a folder of mode 0o555."""
    if os.geteuid() == 0:
        return Path("/sys")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


#: Where each kind of bad output path points, and what the one line says about it.
BAD_OUTPUTS = {
    "file": (lambda t: t / "taken.txt", r"taken\.txt: the output must be a folder, and this is a file"),
    "folder": (lambda t: t / "taken", r"taken: the output must be a file, and this is a folder"),
    "missing parent": (lambda t: t / "absent" / "out", r"absent/out: the folder .*absent does not exist"),
    "under a file": (lambda t: t / "taken.txt" / "out", r"taken\.txt/out: .*taken\.txt is a file, not a folder"),
    "read-only": (lambda t: read_only_folder(t) / "bayesrep-out", r"bayesrep-out: cannot write in .*\((Permission denied|"
                                                                  r"Operation not permitted|Read-only file system)\)"),
}
#: Every command that writes, the kind of its output, and its arguments around the output path.
WRITERS = {
    "compare": ("folder", lambda f, t, out: ["compare", str(f["near"]), str(f["mid"]), "--out", out]),
    "leaderboard": ("folder", lambda f, t, out: ["leaderboard", "--model", str(f["near"]), "--neural", str(f["brain"]),
                                                 "--out", out]),
    "leaderboard config": ("folder", lambda f, t, out: ["leaderboard", config_with(t, f, f"output: {out}")]),
    "score": ("file", lambda f, t, out: ["score", str(f["near"]), str(f["brain"]), "--out", out]),
    "v4": ("folder", lambda f, t, out: ["v4", "--data-dir", str(t), "--out", out]),
    "it92": ("folder", lambda f, t, out: ["it92", "--data-dir", str(t), "--out", out]),
    "demo": ("folder", lambda f, t, out: ["demo", "--out", out]),
    "brainscore export": ("folder", lambda f, t, out: ["brainscore", "export", out]),
}


@pytest.mark.parametrize("command, kind", [(command, kind) for command, (output, _) in WRITERS.items()
                                           for kind in BAD_OUTPUTS if kind != output])  # an existing folder is a folder output
def test_every_bad_output_path_is_one_line_and_exit_3_before_any_work(tmp_path, capsys, command, kind):
    """Each command that writes, with each kind of output path that cannot be written: exit 3 and one
    line naming the path, before any input is read (the inputs cannot be read: reading first would name them;
    --data-dir is a folder without the data)."""
    _, make_args = WRITERS[command]
    (tmp_path / "taken.txt").write_text("a file")
    (tmp_path / "taken").mkdir()
    where, message = BAD_OUTPUTS[kind]
    args = make_args(unreadable_inputs(tmp_path), tmp_path, str(where(tmp_path)))
    assert_one_line_exit_3(args, capsys, message)


def unreadable_inputs(folder: Path) -> dict[str, Path]:
    """Input files (as the ``files`` fixture names them) that exist but hold no netCDF: reading one is exit 3
    naming it."""
    inputs = {name: folder / f"unreadable-{name}.nc" for name in ("near", "mid", "brain")}
    for path in inputs.values():
        path.write_bytes(b"not a netCDF file")
    return inputs


def test_unreadable_inputs_are_named_when_read(tmp_path, capsys):
    """What the tests of checks made before reading rely on: reading the unreadable inputs is refused, naming one."""
    inputs = unreadable_inputs(tmp_path)
    assert_one_line_exit_3(["compare", str(inputs["near"]), str(inputs["mid"]), "--out", str(tmp_path / "out")], capsys,
                           r"unreadable-near\.nc: not a readable netCDF file")
    assert_one_line_exit_3(["score", str(inputs["near"]), str(inputs["brain"])], capsys,
                           r"unreadable-near\.nc: not a readable netCDF file")


def test_install_into_a_package_folder_that_cannot_be_written_is_one_line_and_exit_3(tmp_path, capsys, monkeypatch):
    folder = read_only_folder(tmp_path)
    # a stand-in: the installed package's folders are found by the import system, and the session's are in use
    monkeypatch.setattr(install, "metrics_dir", lambda framework: folder)
    monkeypatch.setattr(install, "benchmarks_dir", lambda framework: None)
    assert_one_line_exit_3(["brainscore", "install"], capsys,
                           f"{folder}: cannot write in the installed package's folder")


def test_score_options_are_checked_before_the_data_are_read(tmp_path, capsys):
    inputs = unreadable_inputs(tmp_path)  # reading them first would name them
    for count in ("0", "1"):
        assert_one_line_exit_3(["score", str(inputs["near"]), str(inputs["brain"]), "--n-bootstrap", count], capsys,
                               f"--metric bayes_js with {{'n_bootstrap': {count}}}: "
                               "n_bootstrap must be a whole number of at least 2")


# ------------------------------------------------------------------ few stimuli, options, b

def npz_inputs(folder: Path, n: int, names: str) -> list[str]:
    """.npz files of n stimuli, one per letter of ``names``, of 8, 9, 10, ... random features."""
    rng = np.random.default_rng(n)
    ids = np.array([f"s{i}" for i in range(n)])
    for d, name in enumerate(names, 8):
        np.savez(folder / f"{name}.npz", activations=rng.normal(size=(n, d)), stimulus_id=ids)
    return [str(folder / f"{name}.npz") for name in names]


def npz_pair(folder: Path, n: int) -> list[str]:
    return npz_inputs(folder, n, "ab")


@pytest.mark.parametrize("extra, n, message", [
    ([], 5, r"half-sampling needs at least 6 stimuli; got 5 shared stimuli \(use more stimuli, or no resamples"),
    (["-m", "knn_jaccard"], 20, r"measure 'knn_jaccard' needs at least 11 stimuli; got 10 \(each resample holds 10 "
                                r"of the 20 shared stimuli"),
    (["-m", "cka_unbiased"], 6, r"measure 'cka_unbiased' needs at least 4 stimuli; got 3"),
    (["-m", "tv", "--b", "0"], 20, r"a: the prior covariance is singular; b = 0 needs a nonsingular kernel"),
    (["-m", "gulp", "--measure-option", "gulp.ridge='0.1'"], 20, r"measure 'gulp': ridge='0\.1' must be a finite number"),
    (["-m", "tv", "--measure-option", "knn_jaccard.k=3"], 20, r"measure_options names 'knn_jaccard', which is not among"),
])
def test_what_the_stimuli_cannot_support_is_refused_before_any_pair(tmp_path, capsys, extra, n, message):
    """Too few stimuli for the resamples or a measure, and b = 0 with singular kernels: exit 3 and one
    line before any pair is measured (these were 'internal error' exit 1, or a refusal mid-run). Run with its
    progress bars on: the one line is all it prints, so the bar over the pairs never started."""
    code = cli.main(["compare", *npz_pair(tmp_path, n), *extra, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == cli.EXIT_INPUT and err.count("\n") == 1 and err.startswith("bayesrep: error: "), err
    assert re.search(message, err), err


def test_a_measures_options_come_from_the_command_line_and_the_config(files, tmp_path, capsys):
    """knn_jaccard's k (its default 10 needs 11 stimuli on every resample) can be set as
    --measure-option knn_jaccard.k=3 or in the config's measure_options; the value is the core's."""
    args = ["compare", *npz_pair(tmp_path, 20), "-m", "knn_jaccard", "--n-bootstrap", "4", "--json", "-q"]
    assert cli.main([*args, "--measure-option", "knn_jaccard.k=3", "--out", str(tmp_path / "flag")]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    arrays = [np.load(tmp_path / f"{name}.npz")["activations"] for name in "ab"]
    assert row["value"] == float(br.compare(*arrays, "knn_jaccard", k=3)) != float(br.compare(*arrays, "knn_jaccard"))
    config = config_with(tmp_path, files, "measure_options: {tv: {method: mc}}")
    assert_one_line_exit_3(["leaderboard", config], capsys, "measure_options of 'tv': the method is a setting of its own")
    config = config_with(tmp_path, files, "measures: [knn_jaccard]\nmeasure_options: {knn_jaccard: {k: 3}}")
    assert cli.main(["leaderboard", config, "--n-bootstrap", "0", "--out", str(tmp_path / "board"), "--json", "-q"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["measure_options"] == {"knn_jaccard": {"k": 3}}


def test_a_stimulus_key_the_file_lacks_is_named_with_the_coordinates_it_has(files, tmp_path, capsys):
    path = tmp_path / "board.yaml"
    path.write_text(f"models: [{{path: {files['near']}, stimulus_key: image_path}}]\nneural: [{files['brain']}]\n")
    assert_one_line_exit_3(["leaderboard", str(path), "--out", str(tmp_path / "out")], capsys,
                           r"near\.nc: no stimulus coordinate \(looked for image_path; coordinates: \['layer', 'neuroid_id', "
                           r"'stimulus_id'\]\)")


# ------------------------------------------------------------------ Ctrl-C and resume

def test_ctrl_c_leaves_only_complete_files_and_a_rerun_resumes_to_the_clean_table(files, tmp_path, capsys):
    """SIGINT to a real leaderboard process held halfway through writing a cache file (interruptible.py)."""
    args = ["leaderboard", "--model", str(files["near"]), "--model", str(files["mid"]), "--model", str(files["far"]),
            "--stimulus-ids", str(files["far_ids"]), "--neural", str(files["brain"]), "--n-bootstrap", "3", "-q"]
    out, ready = tmp_path / "board", tmp_path / "held"
    process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("interruptible.py")), str(ready),
                                *args, "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while not ready.exists():  # polls for the child's own signal that it is held: no guessed delay
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the leaderboard was not held within 240 s"
        time.sleep(0.05)
    cache = out / ".cache"
    assert len(list(cache.glob("*.partial"))) == 1  # the third result, half written
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == cli.EXIT_INTERRUPTED, err
    assert err.strip() == "bayesrep: interrupted; finished pairs are kept, rerun to resume"
    assert sorted(p.name for p in out.iterdir()) == [".bayesrep.lock", ".cache"]
    finished = {p.name: p.stat().st_ino for p in cache.iterdir() if p.is_file()}
    assert len(finished) == 2 and all(name.endswith(".json") for name in finished)  # the first pair; no .partial
    assert [p.name for p in cache.iterdir() if p.is_dir()] == ["resolving-b"]  # the board's b, found before the pairs
    for name in finished:
        json.loads((cache / name).read_text())  # complete

    assert cli.main([*args, "--out", str(out)]) == cli.EXIT_OK
    assert {name: (cache / name).stat().st_ino for name in finished} == finished  # read, not computed again
    assert cli.main([*args, "--out", str(tmp_path / "clean")]) == cli.EXIT_OK
    assert (out / "leaderboard.csv").read_text() == (tmp_path / "clean" / "leaderboard.csv").read_text()
    assert capsys.readouterr().err == ""


def test_ctrl_c_to_a_run_with_workers_is_one_line(files, tmp_path):
    """A terminal's Ctrl-C reaches every process of the run: the local cluster's workers printed their
    tracebacks (four with two workers) before the run's own line. They ignore SIGINT now."""
    args = ["compare", str(files["near"]), str(files["mid"]), str(files["far"]), "--stimulus-ids",
            str(files["far_ids"]), "--n-bootstrap", "3", "--workers", "2", "-q"]
    out, ready = tmp_path / "cmp", tmp_path / "held"
    process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("interruptible.py")), str(ready),
                                *args, "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)  # its own process group, as a terminal's foreground job
    deadline = time.monotonic() + 240
    while not ready.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the comparison was not held within 240 s"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the whole group
    _, err = process.communicate(timeout=120)
    assert process.returncode == cli.EXIT_INTERRUPTED, err
    assert err.strip() == "bayesrep: interrupted; finished pairs are kept, rerun to resume"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the lost interrupt, as meant
def test_an_interrupt_lost_in_a_finalizer_still_ends_the_run_as_interrupted(files, tmp_path, capsys, monkeypatch):
    """Python raises KeyboardInterrupt wherever the main thread is; raised inside a __del__ (the garbage
    collector runs them at any allocation, e.g. while figures are drawn) it is printed as ignored and
    lost, and the run went on to exit 0."""
    import signal as signals

    from bayesrep_plugin.reports import figures

    save_figure = figures.save_figure

    class InterruptedWhileFinalized:
        def __del__(self):
            os.kill(os.getpid(), signals.SIGINT)  # the handler runs here, inside __del__

    def drawn_during_an_interrupt(*args, **kwargs):
        InterruptedWhileFinalized()  # finalized at once
        return save_figure(*args, **kwargs)

    # a spy: the interrupt must land inside a finalizer while the run is at work, which only a hook into it can time
    monkeypatch.setattr(figures, "save_figure", drawn_during_an_interrupt)
    code = cli.main(["compare", str(files["near"]), str(files["mid"]), "-m", "tv", "--n-bootstrap", "0",
                     "--out", str(tmp_path), "-q"])
    assert code == cli.EXIT_INTERRUPTED
    assert capsys.readouterr().err.strip().endswith("bayesrep: interrupted; finished pairs are kept, rerun to resume")


def test_real_data_commands_say_where_to_get_the_data(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("BAYESREP_DATA")
    for command in (["v4", "--out", str(tmp_path / "v4")], ["it92"]):
        assert cli.main([*command, "-q"]) == cli.EXIT_INPUT
        assert capsys.readouterr().err.startswith("bayesrep: error: no data directory: pass --data-dir DIR")
    assert cli.main(["v4", "--data-dir", str(tmp_path), "-q"]) == cli.EXIT_INPUT
    assert "cowleygroup/V4_compact_models" in capsys.readouterr().err


def test_it92_board_with_the_pixels(tmp_path, capsys):
    from bayesrep_plugin.studies.it92 import build_92_leaderboard, default_settings

    assert cli.main(["it92", "--no-models", "--n-bootstrap", "4", "--out", str(tmp_path), "-q"]) == 0
    out = capsys.readouterr().out
    expected = build_92_leaderboard({}, dataclasses.replace(default_settings(), n_bootstrap=4), subjects=False,
                                    progress=False)
    tv = {row["representation"]: row["value"] for row in expected.rows
          if row["measure"] == "tv" and row["dataset"] == "human IT"}
    table = out[out.index("## human IT — tv"):]  # one table per dataset and measure, each named in its title
    assert f"| pixels | model | {tv['pixels']:.4f} |" in table[:table.index("\n## ")]
    assert (tmp_path / "leaderboard.html").is_file()


def test_v4_models_computes_and_caches_the_models_named_and_prints_their_files(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BAYESREP_CACHE", str(tmp_path))
    arguments = ["v4-models", "--models", "pixels", "from_resnet50-5filters", "--layers", "output_responses", "-q"]
    assert cli.main(arguments) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["pixels", "from_resnet50-5filters"]
    files = [Path(line.split("\t")[1]) for line in lines]
    assert all(path.is_file() and path.is_relative_to(tmp_path) for path in files)
    stamps = [path.stat().st_mtime_ns for path in files]
    assert cli.main(arguments) == 0  # a rerun reads them
    assert capsys.readouterr().out.splitlines() == lines and [path.stat().st_mtime_ns for path in files] == stamps
    assert cli.main(["v4-models", "--models", "from_nowhere", "-q"]) == 3
    assert "no model named ['from_nowhere']" in capsys.readouterr().err
