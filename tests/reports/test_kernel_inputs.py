"""RDMs and kernels as inputs: files, alignment by stimulus id, brains in two parts, groups, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.spatial.distance as ssd
import xarray as xr

import bayesrep_plugin as br
from bayesrep_plugin.assemblies.rdm import correlation_stimulus_kernel, stimulus_kernel
from bayesrep_plugin.assemblies.responses import responses_from_assembly
from bayesrep_plugin.core.evidence import model_evidence, readout_spectrum
from bayesrep_plugin.reports.inputs import InputError, Source, load_input
from bayesrep_plugin.reports.leaderboard import Brain, LeaderboardConfig, build_leaderboard, rank, read_config
from bayesrep_plugin.reports.settings import Settings

from .synthetic import signals, stimulus_ids, write_dataset

N = 40


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_dataset(tmp_path_factory.mktemp("data"), n=N)


@pytest.fixture(scope="module")
def sessions():
    """Two noisy 'sessions' of the brain's signal, as correlation RDMs (rows in id order)."""
    rng = np.random.default_rng(7)
    brain = signals(N, 0)["brain"]
    return np.stack([ssd.squareform(ssd.pdist(brain + rng.normal(size=brain.shape), "correlation")) for _ in range(2)])


def write_rdm_nc(path, rdms, ids, kind="correlation", parts=("session 1", "session 2"), order=None):
    """An RDM file with rows and columns in different shuffled orders: only the ids say which is which."""
    rng = np.random.default_rng(3)
    rows, columns = rng.permutation(len(ids)), rng.permutation(len(ids))
    values = rdms[..., rows, :][..., columns]
    dims, coords = ("stimulus_id", "stimulus_id_other"), {"stimulus_id": ids[rows], "stimulus_id_other": ids[columns]}
    if values.ndim == 3:
        dims, coords["part"] = ("part", *dims), list(parts)
    xr.DataArray(values, dims=dims, coords=coords, attrs={"rdm_kind": kind}).to_netcdf(path)
    return path


def test_rdm_files_are_aligned_by_stimulus_id(tmp_path, sessions):
    ids = stimulus_ids(N)
    loaded = load_input(Source(write_rdm_nc(tmp_path / "it.nc", sessions, ids), name="IT"))
    assert list(loaded.stimulus_ids) == sorted(ids) and loaded.part_names == ("session 1", "session 2")
    np.testing.assert_allclose(loaded.parts, 1 - sessions, rtol=0, atol=1e-15)  # ids are sorted = original order
    np.savez(tmp_path / "it.npz", rdm=sessions[0][::-1, ::-1], stimulus_id=ids[::-1], rdm_kind="correlation")
    from_npz = load_input(Source(tmp_path / "it.npz"))
    np.testing.assert_array_equal(from_npz.kernel, 1 - sessions[0])
    np.savez(tmp_path / "k.npz", kernel=1 - sessions[1], stimulus_id=ids)
    np.testing.assert_array_equal(load_input(Source(tmp_path / "k.npz")).kernel, 1 - sessions[1])
    # the same subset of stimuli from a kernel and from its rows and columns
    subset = loaded.subset(np.array([3, 1, 4]))
    np.testing.assert_array_equal(subset.parts[1], (1 - sessions[1])[np.ix_([3, 1, 4], [3, 1, 4])])


def test_leaderboard_with_a_brain_in_two_sessions_and_one_without_a_split(files, tmp_path, sessions):
    ids = stimulus_ids(N)
    it = write_rdm_nc(tmp_path / "it.nc", sessions, ids)
    np.savez(tmp_path / "single.npz", rdm=sessions.mean(axis=0), stimulus_id=ids, rdm_kind="correlation")
    config = LeaderboardConfig(models=[Source(files["near"]), Source(files["far"], stimulus_ids=files["far_ids"])],
                               neural=[Source(it, name="IT", group="monkey"), Source(tmp_path / "single.npz",
                                                                                     name="IT mean", group="human")],
                               settings=Settings(measures=("tv", "cka"), n_bootstrap=3), output=tmp_path / "board")
    report = build_leaderboard(config, progress=False)
    rows = {(r["dataset"], r["measure"], r["representation"]): r for r in report.rows}
    near = signals(N, 0)["near"]  # a model from activations: its linear kernel, as everywhere else
    H = br.center_kernel   # every kernel centred, as the responses' features are (the board's default)
    tv = lambda K1, K2: br.distance_from_kernels(H(K1), H(K2), "tv")  # noqa: E731  (b: 0.01, no recording)
    expected = np.mean([tv(near @ near.T, 1 - sessions[k]) for k in range(2)])
    assert report.b == 0.01 and rows["IT", "tv", "near"]["value"] == pytest.approx(expected, abs=1e-10)
    reference = rows["IT", "tv", "IT · session 2 vs session 1 (split)"]
    assert reference["value"] == pytest.approx(tv(1 - sessions[0], 1 - sessions[1]), abs=1e-10)
    assert np.isnan(reference["ceiled"])   # no ceiling for kernels
    # the brains of other groups are ranked too, by the same mean over parts
    single = 1 - sessions.mean(axis=0)
    cross = np.mean([tv(single, 1 - sessions[k]) for k in range(2)])
    assert rows["IT", "tv", "IT mean"]["value"] == pytest.approx(cross, abs=1e-10)
    assert rows["IT mean", "tv", "IT"]["value"] == pytest.approx(cross, abs=1e-10)
    # one kernel: no ceiling, only the chance band of its own kernel shuffled, and the report says so
    chance = "IT mean · chance (stimuli shuffled, 20 permutations)"
    assert {r["representation"] for r in report.rows if r["dataset"] == "IT mean"} == {"near", "far", "IT", chance}
    assert rows["IT mean", "tv", chance]["kind"] == "null"
    assert any("IT mean: compared as a single kernel" in note for note in report.notes)
    # kernels and RDMs have no responses to score: no posterior over models, and the report says so
    assert report.evidence == [] and sum("given as a kernel or RDM, not responses" in note for note in report.notes) == 2
    assert rows["IT", "tv", "near"]["rank"] < rows["IT", "tv", "far"]["rank"]
    assert not np.isnan(rows["IT", "tv", "near"]["bootstrap_sd"])
    # responses as linear kernels beside a correlation RDM: the report says so
    assert any("near: X Xᵀ of the responses;" in note and "IT: Pearson r between the stimuli's patterns" in note
               and "response_kernel: correlation" in note for note in report.notes)


def test_response_kernel_correlation_turns_responses_into_pearson_r(files, tmp_path, sessions):
    it = write_rdm_nc(tmp_path / "it.nc", sessions, stimulus_ids(N))
    settings = Settings(measures=("tv",), n_bootstrap=0, response_kernel="correlation")
    config = LeaderboardConfig(models=[Source(files["near"])], neural=[Source(it, name="IT"), Source(files["brain"])],
                               settings=settings, output=tmp_path / "board")
    report = build_leaderboard(config, progress=False)
    near = signals(N, 0)["near"]
    np.testing.assert_allclose(report.entries[0].representation.kernel, br.center_kernel(np.corrcoef(near)),
                               rtol=0, atol=1e-12)
    brain = load_input(Source(files["brain"]))
    (recorded,) = [e.representation for e in report.entries if e.label == "brain"]   # its means' Pearson r, centred
    np.testing.assert_allclose(recorded.kernel, br.center_kernel(np.corrcoef(brain.means)), atol=1e-12)
    assert recorded.noise is None and report.b == 0.01   # a correlation kernel has no noise model
    assert not any("different transformations" in note for note in report.notes)
    # the posterior over models scores the brain's responses under the model's kernel as the board uses it
    (evidence,) = report.evidence
    spectrum = readout_spectrum(br.Representation.from_kernel(br.center_kernel(np.corrcoef(near)), name="near"))
    expected = model_evidence([spectrum], brain.means, report.b)
    assert evidence.dataset == "brain" and evidence.rows()[0]["log_evidence"] == pytest.approx(expected.total[0], rel=1e-9)
    with pytest.raises(InputError, match="unknown response_kernel 'cosine'"):
        Settings(response_kernel="cosine")


def test_groups_keep_recordings_of_the_same_brains_apart(files, tmp_path, sessions):
    ids = stimulus_ids(N)
    brains = [Brain(stimulus_kernel(name, ids, 1 - sessions, "kernel", ("a", "b")), group)
              for name, group in (("human", "h"), ("human · S1", "h"), ("monkey", "m"), ("ungrouped", None))]
    near = correlation_stimulus_kernel(responses_from_assembly(xr.DataArray(
        signals(N, 0)["near"], dims=("presentation", "neuroid"), coords={"stimulus_id": ("presentation", ids)}),
        name="near"))
    report = rank([near], brains, Settings(measures=("tv",), n_bootstrap=0), progress=False)
    boards = {}
    for row in report.rows:
        boards.setdefault(row["dataset"], set()).add(row["representation"].split(" · b vs a")[0])
    assert boards["human"] == {"near", "monkey", "human"}
    assert boards["monkey"] == {"near", "human", "human · S1", "monkey"}
    assert boards["ungrouped"] == {"near", "ungrouped"}


@pytest.mark.parametrize("write, message", [
    (lambda p, r, ids: xr.DataArray(r[0], dims=("stimulus_id", "stimulus_id_other"),
                                    coords={"stimulus_id": ids, "stimulus_id_other": ids}).to_netcdf(p),
     "no attribute 'rdm_kind'"),
    (lambda p, r, ids: xr.DataArray(r[0], dims=("stimulus_id", "stimulus_id_other"), attrs={"rdm_kind": "cosine"},
                                    coords={"stimulus_id": ids, "stimulus_id_other": ids}).to_netcdf(p),
     "rdm_kind='cosine' is not one of"),
    (lambda p, r, ids: xr.DataArray(r[0], dims=("stimulus_id", "stimulus_id_other"), attrs={"rdm_kind": "correlation"},
                                    coords={"stimulus_id": ids, "stimulus_id_other": [*ids[:-1], "other"]}).to_netcdf(p),
     "rows' and the columns' stimulus ids must be the same"),
    (lambda p, r, ids: xr.DataArray(np.stack([r[0]] * 3), dims=("part", "stimulus_id", "stimulus_id_other"),
                                    attrs={"rdm_kind": "correlation"},
                                    coords={"stimulus_id": ids, "stimulus_id_other": ids}).to_netcdf(p),
     r"expected an \(n, n\) matrix or two of them"),
    (lambda p, r, ids: xr.DataArray(r[0] + np.eye(len(ids)), dims=("stimulus_id", "stimulus_id_other"),
                                    attrs={"rdm_kind": "correlation"},
                                    coords={"stimulus_id": ids, "stimulus_id_other": ids}).to_netcdf(p),
     r"the diagonal must be zero"),
    (lambda p, r, ids: np.savez(p.with_suffix(".npz"), rdm=r[0], stimulus_id=ids),
     "an 'rdm' needs 'rdm_kind'"),
    (lambda p, r, ids: np.savez(p.with_suffix(".npz"), rdm=r[0][:-1, :-1], stimulus_id=ids, rdm_kind="correlation"),
     r"the matrix has shape \(39, 39\); expected \(n, n\) or \(2, n, n\) with n = 40"),
])
def test_bad_rdm_files_say_what_is_wrong(tmp_path, sessions, write, message):
    path = tmp_path / "bad.nc"
    write(path, sessions, stimulus_ids(N))
    path = path if path.exists() else path.with_suffix(".npz")
    with pytest.raises(InputError, match=rf"{path.name}: .*{message}"):
        load_input(Source(path))


def test_a_model_cannot_be_two_sessions(files, tmp_path, sessions):
    it = write_rdm_nc(tmp_path / "it.nc", sessions, stimulus_ids(N))
    config = LeaderboardConfig(models=[Source(it)], neural=[Source(files["brain"])],
                               settings=Settings(measures=("tv",), n_bootstrap=0), output=tmp_path)
    with pytest.raises(InputError, match="it: a model is one kernel; two parts"):
        build_leaderboard(config, progress=False)


def test_config_group_key(files, tmp_path):
    path = tmp_path / "board.yaml"
    path.write_text(f"models: [{files['near']}]\nneural: [{{path: {files['brain']}, group: monkey}}]\n")
    assert read_config(path).neural[0].group == "monkey"
    path.write_text(f"models: [{{path: {files['near']}, group: x}}]\nneural: [{files['brain']}]\n")
    with pytest.raises(InputError, match=r"models\[0\]: unknown key\(s\) \['group'\]"):
        read_config(path)
