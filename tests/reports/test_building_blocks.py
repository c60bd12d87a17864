"""Atomic writes, figures, tables and the pair matrices, each against values known independently."""

from __future__ import annotations

import base64
import csv
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform

import bayesrep_plugin as br
from bayesrep_plugin.core import Comparison, Readout
# private: the atomic writes that every file of the package goes through, tested where an interrupt can be put
# mid-write (through a command only a hook can time one: tests/cli/interruptible.py)
from bayesrep_plugin._io import TEMP_SUFFIX, replacing, write_text
from bayesrep_plugin.models import CacheWarning
from bayesrep_plugin.reports import figures, pairs
from bayesrep_plugin.reports.folder import MANIFEST_FILE, Manifest, report_folder
from bayesrep_plugin.reports.inputs import InputError
from bayesrep_plugin.reports.pairs import Entry, PairCache, pair_matrices, summarize
from bayesrep_plugin.reports.tables import FigureFile, Table, to_csv, to_html, to_markdown


# ------------------------------------------------------------------ atomic writes

def test_write_text_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    write_text(target, "first")
    write_text(target, "second ✓")
    assert target.read_text("utf-8") == "second ✓"
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_interrupted_write_keeps_the_old_file_and_no_partial(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "complete")
    with pytest.raises(KeyboardInterrupt):
        with replacing(target) as temporary:
            temporary.write_text("half-writ")
            raise KeyboardInterrupt
    assert target.read_text() == "complete"
    assert not list(tmp_path.glob(f"*{TEMP_SUFFIX}"))


# ------------------------------------------------------------------ the report folder

def test_an_interrupted_reports_files_are_removed_by_the_next(tmp_path):
    earlier = Manifest(tmp_path)
    write_text(earlier.add(tmp_path / "kept.csv"), "rewritten below")
    write_text(earlier.add(tmp_path / "old.png"), "not asked for again")
    earlier.finish()
    interrupted = Manifest(tmp_path)
    write_text(interrupted.add(tmp_path / "half.svg"), "written before the interruption")  # no finish()
    (tmp_path / "mine.txt").write_text("the user's")
    last = Manifest(tmp_path)
    write_text(last.add(tmp_path / "kept.csv"), "new")
    last.finish()
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST_FILE, "kept.csv", "mine.txt"]
    assert json.loads((tmp_path / MANIFEST_FILE).read_text()) == {"files": ["kept.csv"]}


def test_a_manifest_naming_files_outside_its_folder_removes_nothing(tmp_path):
    folder = tmp_path / "report"
    outside = tmp_path / "precious.txt"
    outside.write_text("keep")
    write_text(folder / MANIFEST_FILE, json.dumps({"files": ["../precious.txt"]}))
    with pytest.warns(UserWarning, match=f"{folder / MANIFEST_FILE}: unreadable list .*not a file inside"):
        manifest = Manifest(folder)
    manifest.finish()
    assert outside.read_text() == "keep"


def _try_lock(folder, queue) -> None:
    """In another process: take the folder's lock, and say what happened."""
    try:
        with report_folder(folder):
            queue.put("locked")
    except InputError as error:
        queue.put(str(error))


def test_the_folder_lock_is_exclusive_between_processes_and_reentrant_within_one(tmp_path):
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # a fresh process: nothing of this one's lock inherited
    queue = context.Queue()

    def other_process_says() -> str:
        other = context.Process(target=_try_lock, args=(tmp_path, queue))
        other.start()
        other.join(120)
        return queue.get(timeout=5)

    with report_folder(tmp_path), report_folder(tmp_path):  # re-entrant: write_report inside a command
        assert other_process_says() == (f"{tmp_path}: another bayesrep run is writing this report folder; "
                                        "wait for it to finish, or choose another output folder")
    assert other_process_says() == "locked"


# ------------------------------------------------------------------ figures

def test_metric_mds_recovers_a_planar_configuration():
    points = np.array([[0, 0], [3, 0], [0, 4], [3, 4], [1.5, 2], [5, 1]], dtype=float)
    distances = squareform(pdist(points))
    embedding, stress = figures.metric_mds(distances)
    assert stress < 1e-6
    np.testing.assert_allclose(squareform(pdist(embedding)), distances, atol=1e-5)


def test_metric_mds_stress_is_positive_when_no_plane_fits():
    simplex = 1.0 - np.eye(5)  # 5 equidistant points need 4 dimensions
    _, stress = figures.metric_mds(simplex)
    assert stress > 0.05


def test_cluster_order_keeps_clusters_together():
    points = np.array([[0.0], [10.0], [0.1], [10.2], [0.2], [10.1]])
    order = figures.cluster_order(squareform(pdist(points)))
    groups = [int(points[i, 0] > 5) for i in order]
    assert groups in ([0, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0])


def test_save_figure_writes_png_and_svg(tmp_path):
    distances = squareform(pdist(np.arange(4.0)[:, None]))
    paths = figures.save_figure(figures.heatmap(distances, list("abcd"), ["model"] * 3 + ["brain"], "t"),
                                tmp_path / "heat")
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = paths["svg"].read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert sorted(p.name for p in tmp_path.iterdir()) == ["heat.png", "heat.svg"]
    again = figures.save_figure(figures.heatmap(distances, list("abcd"), ["model"] * 3 + ["brain"], "t"),
                                tmp_path / "again")
    assert again["svg"].read_bytes() == paths["svg"].read_bytes()  # reruns are byte-identical
    assert again["png"].read_bytes() == paths["png"].read_bytes()


def test_evidence_bars_put_the_most_probable_model_on_top_with_every_posterior(tmp_path):
    bars = [figures.EvidenceBar("mid", -2.5, 0.07), figures.EvidenceBar("best", 0.0, 0.93),
            figures.EvidenceBar("far", -900.0, 0.0)]
    figure = figures.evidence_bars({"V4": bars})
    axes = figure.axes[0]
    assert [label.get_text() for label in axes.get_yticklabels()] == ["far", "mid", "best"]  # bottom to top
    assert [patch.get_width() for patch in axes.patches] == [-900.0, -2.5, 0.0]
    assert [text.get_text() for text in axes.texts] == ["P < 1e-300", "P = 0.07", "P = 0.93"]
    first = figures.save_figure(figure, tmp_path / "first")
    again = figures.save_figure(figures.evidence_bars({"V4": bars}), tmp_path / "again")
    assert again["svg"].read_bytes() == first["svg"].read_bytes()  # reruns are byte-identical


# ------------------------------------------------------------------ tables

ROWS = [{"measure": "tv", "first": "a|b", "second": "<script>x</script>", "value": 0.123456789,
         "ci_low": math.nan, "ci_high": 0.5, "bootstrap_sd": 0.01}]
COLUMNS = ["measure", "first", "second", "value", "ci_low", "ci_high", "bootstrap_sd"]


def test_csv_keeps_full_precision():
    parsed = list(csv.DictReader(io.StringIO(to_csv(Table("t", COLUMNS, ROWS)))))
    assert parsed[0]["value"] == "0.123456789" and parsed[0]["second"] == "<script>x</script>"


def test_markdown_escapes_pipes_and_rounds():
    text = to_markdown([Table("tv", COLUMNS, ROWS)], "Title")
    assert "| tv | a\\|b | <script>x</script> | 0.1235 |  | 0.5000 | 0.0100 |" in text
    assert text.startswith("# Title")


def test_html_is_escaped_and_embeds_the_png(tmp_path):
    png = tmp_path / "f.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    page = to_html([Table("tv", COLUMNS, ROWS)], [FigureFile("caption <b>", png)], "T & T", ["note"])
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "<title>T &amp; T</title>" in page
    encoded = page.split('src="data:image/png;base64,')[1].split('"')[0]
    assert base64.b64decode(encoded) == png.read_bytes()
    assert "src=\"http" not in page and "href=\"http" not in page  # self-contained


# ------------------------------------------------------------------ pairs

@pytest.fixture(scope="module")
def entries():
    rng = np.random.default_rng(3)
    base = rng.normal(size=(40, 5))
    arrays = [base @ rng.normal(size=(5, 12)) + s * rng.normal(size=(40, 12)) for s in (0.1, 0.5, 2.0)]
    return [Entry(f"r{i}", "model", br.Representation.from_activations(x, name=f"r{i}")) for i, x in enumerate(arrays)]


def test_pair_matrices_match_the_core(entries):
    resamples = np.array([[0, 2, 4, 6, 8, 10, 12, 14], [1, 3, 5, 7, 9, 11, 13, 15]])
    matrices = pair_matrices(entries, Comparison({"tv": {}, "js": {}, "kl": {}}, Readout(0.01)), resamples=resamples, progress=False)
    for name in ("tv", "js"):
        values = matrices[name].values
        np.testing.assert_allclose(values, values.T)
        np.testing.assert_array_equal(np.diag(values), 0.0)
        assert values[0, 2] == pytest.approx(float(br.compare(entries[0].representation, entries[2].representation, name)))
        expected = br.compare(entries[1].representation.subset(resamples[1]),
                              entries[2].representation.subset(resamples[1]), name)
        assert matrices[name].resampled[1, 2, 1] == pytest.approx(float(expected))
    kl = matrices["kl"].values  # asymmetric: both orders, and they differ
    assert kl[0, 2] == pytest.approx(float(br.compare(entries[0].representation, entries[2].representation, "kl")))
    assert kl[2, 0] == pytest.approx(float(br.compare(entries[2].representation, entries[0].representation, "kl")))
    assert abs(kl[0, 2] - kl[2, 0]) > 1e-3


def test_only_chosen_pairs_are_resampled(entries):
    resamples = np.array([[0, 2, 4, 6, 8, 10, 12, 14], [1, 3, 5, 7, 9, 11, 13, 15]])
    chosen = pair_matrices(entries, Comparison({"tv": {}}, Readout(0.01)), resamples=resamples, progress=False,
                           resample_if=lambda first, second: "r2" in (first.label, second.label))["tv"]
    full = pair_matrices(entries, Comparison({"tv": {}}, Readout(0.01)), resamples=resamples, progress=False)["tv"]
    np.testing.assert_array_equal(chosen.values, full.values)
    np.testing.assert_array_equal(chosen.resampled[0, 2], full.resampled[0, 2])
    assert np.isnan(chosen.resampled[0, 1]).all() and np.isnan(chosen.resampled[1, 0]).all()
    assert math.isnan(chosen.summary([0], [1])["ci_low"]) and not math.isnan(chosen.summary([1], [2])["ci_low"])


def test_cache_reuses_finished_pairs_and_keys_follow_the_data(entries, tmp_path):
    first = pair_matrices(entries, Comparison({"tv": {}}, Readout(0.01)), cache=PairCache(tmp_path), progress=False)
    assert len(list(tmp_path.glob("*.json"))) == 3
    cache = PairCache(tmp_path)
    again = pair_matrices(entries, Comparison({"tv": {}}, Readout(0.01)), cache=cache, progress=False)
    assert (cache.served, cache.stored) == (3, 0)
    np.testing.assert_array_equal(first["tv"].values, again["tv"].values)
    changed = pair_matrices(entries, Comparison({"tv": {}}, Readout(0.1)), cache=cache, progress=False)
    assert (cache.served, cache.stored) == (3, 3) and len(list(tmp_path.glob("*.json"))) == 6
    assert not np.allclose(changed["tv"].values, first["tv"].values)


@pytest.mark.parametrize("damage", [b"", b"\x00garbage{", b'{"value": 0.5}', b'{"value": 0.5, "resampled": [1, 2]}'])
def test_an_unreadable_cached_pair_is_named_deleted_and_recomputed(entries, tmp_path, damage):
    """Empty, garbage, incomplete or wrong-length files: once a rerun failed on them without naming them."""
    resamples = np.array([[0, 1, 2, 3], [4, 5, 6, 7], [1, 3, 5, 7]])
    clean = pair_matrices(entries, Comparison({"tv": {}}, Readout(0.01)), resamples=resamples, cache=PairCache(tmp_path), progress=False)["tv"]
    damaged = sorted(tmp_path.glob("*.json"))[0]
    damaged.write_bytes(damage)
    with pytest.warns(CacheWarning, match=f"{damaged}: unreadable cached pair .*; deleted, recomputing it"):
        again = pair_matrices(entries, Comparison({"tv": {}}, Readout(0.01)), resamples=resamples, cache=PairCache(tmp_path), progress=False)
    np.testing.assert_array_equal(again["tv"].values, clean.values)
    np.testing.assert_array_equal(again["tv"].resampled, clean.resampled)
    assert json.loads(damaged.read_text())["value"] in clean.values  # rewritten whole


def test_a_torch_device_runs_the_exact_readout_measures_and_keys_them_apart(entries, tmp_path):
    """tv and kl (exact) run in torch on the device, cka and Monte Carlo js in numpy; the values agree
    to rounding; only the pairs computed on the device get other cache keys."""
    resamples = np.array([[0, 2, 4, 6, 8, 10, 12, 14], [1, 3, 5, 7, 9, 11, 13, 15]])
    measures = {"tv": {}, "kl": {}, "cka": {}, "js": {"method": "mc", "n_samples": 200}}
    here = pair_matrices(entries, Comparison(measures, Readout(0.01)), resamples=resamples, cache=PairCache(tmp_path), progress=False)
    cache = PairCache(tmp_path)
    there = pair_matrices(entries, Comparison(measures, Readout(0.01)), resamples=resamples, cache=cache, progress=False, device="cpu")
    # numpy's cka and js served; tv (3 pairs) and kl (both orders: 6) computed on the device, and stored under keys
    # of their own beside numpy's
    assert (cache.served, cache.stored) == (3 + 3, 3 + 6)
    assert len(list(tmp_path.glob("*.json"))) == 3 * 3 + 6 + 3 + 6
    for name in measures:
        np.testing.assert_allclose(there[name].values, here[name].values, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(there[name].resampled, here[name].resampled, rtol=1e-10, atol=1e-13)
        # torch's rounding: not numpy's values to the bit (which would mean the numpy core ran)
        to_the_bit = (np.array_equal(there[name].values, here[name].values)
                      and np.array_equal(there[name].resampled, here[name].resampled))
        assert to_the_bit == (name in ("cka", "js")), name
    with pytest.raises(InputError, match="device 'cuda:99' cannot be used here"):
        pair_matrices(entries, Comparison(measures, Readout(0.01)), progress=False, device="cuda:99")


def cuda_present() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.mark.skipif(not cuda_present(), reason="no GPU on this machine")
def test_pairs_on_the_gpu_give_the_numpy_values(entries):
    resamples = np.array([[0, 2, 4, 6, 8, 10, 12, 14], [1, 3, 5, 7, 9, 11, 13, 15]])
    here = pair_matrices(entries, Comparison({"tv": {}, "js": {}, "kl": {}}, Readout(0.01)), resamples=resamples, progress=False)
    there = pair_matrices(entries, Comparison({"tv": {}, "js": {}, "kl": {}}, Readout(0.01)), resamples=resamples, progress=False,
                          device="cuda")
    for name in here:
        np.testing.assert_allclose(there[name].values, here[name].values, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(there[name].resampled, here[name].resampled, rtol=1e-9, atol=1e-12)


def test_another_code_version_never_serves_cached_pairs(entries, tmp_path, monkeypatch):
    """Results cached by another version of the code are recomputed, not served."""
    pair_matrices(entries, Comparison({"tv": {}}, Readout(0.01)), cache=PairCache(tmp_path), progress=False)
    # a stand-in for another version of the code: the key's digest is of the package's own source, which a test
    # must not edit
    monkeypatch.setattr(pairs, "code_digest", lambda *modules: "another")
    cache = PairCache(tmp_path)
    pair_matrices(entries, Comparison({"tv": {}}, Readout(0.01)), cache=cache, progress=False)
    assert (cache.served, cache.stored) == (0, 3) and len(list(tmp_path.glob("*.json"))) == 6


def test_cached_pairs_are_keyed_by_all_the_code_that_computes_them():
    """Every module of the core, the torch versions of --device among them, and the module that
    measures the pairs: a change to any of them changes the key."""
    from bayesrep_plugin._io import code_files  # private: the files a key is a digest of, which no result names

    package = Path(pairs.__file__).parents[1]
    keyed = set(code_files(*pairs.PAIR_CODE))
    assert {package / "core" / "torch.py", Path(pairs.__file__)} <= keyed
    assert set((package / "core").glob("*.py")) <= keyed
    assert not {path for path in keyed if path.parent.name not in ("core", "reports")}


def test_summary_interval_is_recentred_on_the_value():
    resampled = np.linspace(0.2, 0.4, 101)  # mean 0.3, percentiles 0.205 and 0.395
    summary = summarize(0.5, resampled, (0.0, 1.0))
    assert summary["ci_low"] == pytest.approx(0.405) and summary["ci_high"] == pytest.approx(0.595)
    assert summary["bootstrap_sd"] == pytest.approx(np.std(resampled, ddof=1))
    assert math.isnan(summarize(0.5, np.array([]), (0.0, 1.0))["ci_low"])


def test_summary_interval_stays_in_the_measures_range():
    """Re-centring shifts the percentiles by value − mean; an end it carries past the declared range
    is clipped to it (here TV 0.98 from resamples around 0.9: the upper end would be 1.03)."""
    resampled = np.linspace(0.85, 0.95, 101)  # mean 0.9, percentiles 0.8525 and 0.9475
    summary = summarize(0.98, resampled, (0.0, 1.0))
    assert summary["ci_low"] == pytest.approx(0.9325) and summary["ci_high"] == 1.0
