"""The 92-image leaderboard on the real RDMs, with the pixels model: values against direct computations."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.spatial.distance as ssd
import xarray as xr

import bayesrep_plugin as br
from bayesrep_plugin.datasets import kriegeskorte2008 as k92
from bayesrep_plugin.reports.inputs import InputError
from bayesrep_plugin.studies.it92 import brains, build_92_leaderboard
from bayesrep_plugin.reports.settings import Settings


@pytest.fixture(scope="module")
def direct():
    """The kernels computed here from the files, independently of the loaders' conversions."""
    _, pixels = k92.load_images()
    flat = pixels.reshape(92, -1).astype(np.float64)
    sessions = k92.load_session_rdms()
    return {"pixels": np.corrcoef(flat),  # Pearson r between images = 1 − their correlation RDM
            "monkey IT": 1 - k92.load_rdms()["monkey IT"],
            "session 1": 1 - sessions[:, 0].mean(axis=0), "session 2": 1 - sessions[:, 1].mean(axis=0),
            "rdms": {"monkey IT": k92.load_rdms()["monkey IT"], "session 1": sessions[:, 0].mean(axis=0),
                     "session 2": sessions[:, 1].mean(axis=0)}}


@pytest.fixture(scope="module")
def report():
    # A second model given as an assembly: the pixels of the images' green channel only.
    ids, pixels = k92.load_images()
    green = xr.DataArray(pixels[..., 1].reshape(92, -1).astype(np.float32), dims=("presentation", "neuroid"),
                         coords={"stimulus_id": ("presentation", ids)}, name="green")
    return build_92_leaderboard([green], Settings(measures=("tv", "cka", "rsa"), n_bootstrap=2), progress=False)


def values(report, dataset: str, measure: str) -> dict[str, float]:
    return {r["representation"]: r["value"] for r in report.rows if r["dataset"] == dataset and r["measure"] == measure}


def test_human_it_in_two_sessions_is_figure1_human_it():
    human = brains(subjects=False)[0].data
    np.testing.assert_allclose(human.kernel, 1 - k92.load_rdms()["human IT"], rtol=0, atol=1e-12)
    assert human.part_names == ("session 1", "session 2")


def test_values_are_the_direct_distances(report, direct):
    for measure in ("tv", "cka"):
        human, monkey = values(report, "human IT", measure), values(report, "monkey IT", measure)
        d = lambda a, b: float(br.compare(br.Representation.from_kernel(br.center_kernel(direct[a])),  # noqa: E731
                                      br.Representation.from_kernel(br.center_kernel(direct[b])), measure))
        assert monkey["pixels"] == pytest.approx(d("pixels", "monkey IT"), abs=1e-10)
        assert human["pixels"] == pytest.approx((d("pixels", "session 1") + d("pixels", "session 2")) / 2, abs=1e-10)
        assert human["monkey IT"] == pytest.approx((d("monkey IT", "session 1") + d("monkey IT", "session 2")) / 2,
                                                   abs=1e-10)
        assert monkey["human IT"] == human["monkey IT"]  # the same pairs, from the other board
        assert human["human IT · session 2 vs session 1 (split)"] == pytest.approx(d("session 1", "session 2"), abs=1e-10)


def test_rsa_is_the_correlation_of_the_published_rdms(report, direct):
    rdms = {name: ssd.squareform(rdm, checks=False) for name, rdm in direct["rdms"].items()}
    expected = np.mean([np.corrcoef(rdms["monkey IT"], rdms[s])[0, 1] for s in ("session 1", "session 2")])
    assert values(report, "human IT", "rsa")["monkey IT"] == pytest.approx(expected, abs=1e-12)


def test_monkey_and_human_it_are_closer_to_each_other_than_pixels_to_either(report):
    for measure in ("tv",):
        human, monkey = values(report, "human IT", measure), values(report, "monkey IT", measure)
        assert human["monkey IT"] < min(human["pixels"], monkey["pixels"]) - 0.04
        # centred, monkey IT is closer to the human group's sessions than they are to each other
        split = human["human IT · session 2 vs session 1 (split)"]
        assert human["monkey IT"] < split < human["pixels"] and 0.75 < split < 0.9  # TV at b = 0.01, n = 92
    for measure in ("cka", "rsa"):  # similarities
        human, monkey = values(report, "human IT", measure), values(report, "monkey IT", measure)
        assert human["monkey IT"] > max(human["pixels"], monkey["pixels"]) + 0.1
    assert any("monkey IT: compared as a single kernel" in note for note in report.notes)


def test_models_must_cover_the_92_images():
    ids, pixels = k92.load_images()
    partial = xr.DataArray(pixels[:50].reshape(50, -1).astype(np.float32), dims=("presentation", "neuroid"),
                           coords={"stimulus_id": ("presentation", ids[:50])}, name="half")
    with pytest.raises(InputError, match=r"half: the 92-image board needs activations for exactly the 92 images"):
        build_92_leaderboard([partial], subjects=False, pixels=False, progress=False)
    with pytest.raises(InputError, match="needs a name"):
        build_92_leaderboard([partial.rename(None)], subjects=False, pixels=False, progress=False)


def test_each_subject_has_a_session_split_and_monkey_it_beats_it(report):
    for subject in k92.SUBJECTS:
        board = values(report, f"human IT · {subject}", "tv")
        assert set(board) == {"pixels", "green", "monkey IT", f"human IT · {subject} · session 2 vs session 1 (split)"}
        assert board["monkey IT"] < board[f"human IT · {subject} · session 2 vs session 1 (split)"]
    monkey = values(report, "monkey IT", "tv")
    chance = "monkey IT · chance (stimuli shuffled, 20 permutations)"   # its only reference: a single kernel
    assert set(monkey) == {"pixels", "green", "human IT", *(f"human IT · {s}" for s in k92.SUBJECTS), chance}
    # human IT (the group) is closer to monkey IT than chance; the pixels, a single subject's noisy
    # RDM, are not: monkey IT's own spectrum, shuffled, is closer than theirs
    assert min(monkey, key=monkey.get) == "human IT" and monkey["human IT"] < monkey[chance] < monkey["pixels"]
