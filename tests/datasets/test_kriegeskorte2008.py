"""The 92-image loader on the real files in $BAYESREP_DATA: shapes, ids, what each RDM is, bad files."""

import numpy as np
import pytest
import scipy.io

from bayesrep_plugin.datasets import kriegeskorte2008 as k92
from bayesrep_plugin.datasets.location import CorruptDataError, MissingDataError


def test_images_and_stimulus_ids():
    ids, pixels = k92.load_images()
    assert ids[:3] == ["image01", "image02", "image03"] and ids[-1] == "image92" and len(set(ids)) == 92
    assert pixels.shape == (92, 175, 175, 3) and pixels.dtype == np.uint8
    assert 0 < pixels.mean() < 255 and len({image.tobytes() for image in pixels}) == 92  # 92 distinct images
    assembly = k92.pixel_assembly()
    assert assembly.dims == ("presentation", "neuroid") and assembly.shape == (92, 175 * 175 * 3)
    np.testing.assert_array_equal(assembly.values[5], pixels[5].ravel())
    assert list(assembly["stimulus_id"].values) == ids


def test_stimulus_categories_as_in_the_paper():
    table = k92.load_stimuli()
    assert list(table["stimulus_id"]) == k92.stimulus_ids()
    assert table["category"].value_counts().to_dict() == {
        "natural inanimate": 23, "artificial inanimate": 21, "human bodypart": 12, "human face": 12,
        "nonhuman bodypart": 12, "nonhuman face": 12}
    assert table["animate"].sum() == 48 and (table["animate"] == table["animal"]).all()
    assert (table["face"] == table["category"].str.endswith("face")).all()


def test_figure1_rdms_are_one_minus_pearson_r():
    rdms = k92.load_rdms()
    assert list(rdms) == ["monkey IT", "human IT"]
    for D in rdms.values():
        assert D.shape == (92, 92) and np.array_equal(D, D.T) and not np.diag(D).any()
        off = D[np.triu_indices(92, 1)]
        assert 0.5 < off.min() and off.max() < 1.25  # within [0, 2], around 1: weakly correlated patterns
        assert np.linalg.eigvalsh(1 - D)[0] > 0.1  # a correlation matrix, full rank
    # Figure 1's condensed vector is the upper triangle row by row (MATLAB squareform order).
    raw = scipy.io.loadmat(k92.dataset_file(k92.DATASET, k92.SUPPLEMENT), squeeze_me=True,
                           struct_as_record=False)["RDMs_mIT_hIT_fig1"][0].RDM
    assert rdms["monkey IT"][0, 1] == raw[0] and rdms["monkey IT"][0, 91] == raw[90] and rdms["monkey IT"][1, 2] == raw[91]


def test_session_rdms_and_their_mean_is_figure1_human_it():
    sessions = k92.load_session_rdms()
    assert sessions.shape == (4, 2, 92, 92) and k92.SUBJECTS == ("BE", "KO", "SN", "TI")
    assert (sessions.transpose(0, 1, 3, 2) == sessions).all()
    np.testing.assert_allclose(sessions.mean(axis=(0, 1)), k92.load_rdms()["human IT"], rtol=0, atol=1e-12)
    # each session is a different measurement: the two sessions of one subject differ
    assert np.abs(sessions[0, 0] - sessions[0, 1]).mean() > 0.05


def test_missing_files_say_where_to_get_them(tmp_path):
    with pytest.raises(MissingDataError, match="rsagroup/rsatoolbox"):
        k92.load_rdms(tmp_path)


def _write(tmp_path, name: str, content: dict):
    folder = tmp_path / k92.DATASET
    folder.mkdir(exist_ok=True)
    scipy.io.savemat(folder / name, content)
    return folder / name


def test_corrupt_files_are_named(tmp_path):
    (tmp_path / k92.DATASET).mkdir()
    (tmp_path / k92.DATASET / k92.SUPPLEMENT).write_bytes(b"not a mat file")
    with pytest.raises(CorruptDataError, match=f"{k92.SUPPLEMENT}: not a readable MATLAB file"):
        k92.load_images(tmp_path)

    good = k92.load_session_rdms()
    entries = np.empty((4, 2), dtype=object)
    for s, subject in enumerate(k92.SUBJECTS):
        for t in range(2):
            entries[s, t] = {"RDM": good[s, t], "name": f"hIT | {subject} | Session: {t + 1}"}
    bad = good[1, 0].copy()
    bad[3, 7] += 0.5
    entries[1, 0] = {"RDM": bad, "name": "hIT | KO | Session: 1"}
    _write(tmp_path, k92.SESSIONS, {"RDMs": entries})
    with pytest.raises(CorruptDataError, match=r"92_brainRDMs.mat: hIT \| KO \| Session: 1: not symmetric: D\[3, 7\]"):
        k92.load_session_rdms(tmp_path)
    entries[1, 0] = {"RDM": good[1, 0] * 3, "name": "hIT | KO | Session: 1"}
    _write(tmp_path, k92.SESSIONS, {"RDMs": entries})
    with pytest.raises(CorruptDataError, match=r"outside \[0, 2\]: not 1 − Pearson r"):
        k92.load_session_rdms(tmp_path)
    entries[1, 0] = {"RDM": good[1, 0], "name": "hIT | BE | Session: 1"}
    _write(tmp_path, k92.SESSIONS, {"RDMs": entries})
    with pytest.raises(CorruptDataError, match=r"'hIT \| BE \| Session: 1' occurs twice"):
        k92.load_session_rdms(tmp_path)
