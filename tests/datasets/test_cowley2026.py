"""The real V4 session, read from the data directory exactly as Brain-Score's packaging builds it."""

from __future__ import annotations

import shutil
import zipfile

import numpy as np
import pytest

from bayesrep_plugin.datasets import MissingDataError, cowley2026, data_dir
from bayesrep_plugin.datasets.cowley2026 import CorruptDataError

SHARED = data_dir() / cowley2026.DATASET


@pytest.fixture(scope="module")
def assembly():
    return cowley2026.load_assembly()


def test_assembly_is_brainscores_packaging(assembly):
    raw = np.load(SHARED / cowley2026.RESPONSES)
    repeats = (~np.isnan(raw[0])).sum(axis=1)
    assert assembly.dims == ("presentation", "neuroid", "time_bin")
    assert assembly.shape == (repeats.sum(), 50, 1) == (4840, 50, 1)
    assert assembly.name == "Cowley2026.210325" and assembly.attrs["experiment_date"] == "2021-03-25"
    # Presentations in image order, then repeat order, as the packaging script loops.
    ids = assembly["stimulus_id"].values
    assert ids[0] == "image0001" and ids[-1] == "image0640"
    assert (np.unique(ids, return_counts=True)[1] == repeats).all()
    assert assembly["object_name"].values[0] == "0001"
    assert assembly["repetition"].values[:repeats[0] + 1].tolist() == [*range(repeats[0]), 0]
    assert assembly["neuroid_id"].values[[0, -1]].tolist() == ["neuron_0", "neuron_49"]
    assert set(assembly["region"].values) == {"V4"}
    assert (assembly["time_bin_start"].values.tolist(), assembly["time_bin_end"].values.tolist()) == ([50], [150])
    # Every value is the raw count of its (neuron, image, repeat): an independent re-indexing.
    image = np.array([int(i[5:]) - 1 for i in ids])
    np.testing.assert_array_equal(assembly.values[:, :, 0], raw[:, image, assembly["repetition"].values].T)


def test_repetition_mean_is_the_shipped_average(assembly):
    from bayesrep_plugin.assemblies import responses_from_assembly

    responses = responses_from_assembly(assembly.squeeze("time_bin"))
    averaged = np.load(SHARED / "responses_repeat_averaged" / "responses_210325.npy")
    np.testing.assert_allclose(responses.means, averaged.T, rtol=0, atol=1e-12)
    assert responses.repetitions.min() == 6 and responses.repetitions.max() == 10


def test_images_and_stimulus_set():
    ids, pixels = cowley2026.load_images()
    assert ids == cowley2026.stimulus_ids(640) and pixels.shape == (640, 112, 112, 3) and pixels.dtype == np.uint8
    stimulus_set = cowley2026.load_stimulus_set()
    assert stimulus_set["stimulus_id"].tolist() == ids
    from PIL import Image
    with Image.open(stimulus_set.get_stimulus("image0007")) as image:
        np.testing.assert_array_equal(np.asarray(image.convert("RGB")), pixels[6])


def _copy_session(tmp_path):
    target = tmp_path / cowley2026.DATASET
    for relative in (cowley2026.RESPONSES, cowley2026.IMAGES):
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHARED / relative, target / relative)
    return target


def test_missing_data_directory_says_where_to_get_it(tmp_path, monkeypatch):
    monkeypatch.delenv("BAYESREP_DATA")
    with pytest.raises(MissingDataError, match="BAYESREP_DATA"):
        cowley2026.load_assembly()
    with pytest.raises(MissingDataError, match="cowleygroup/V4_compact_models"):
        cowley2026.load_assembly(tmp_path)
    with pytest.raises(MissingDataError, match="does not exist"):
        cowley2026.load_assembly(tmp_path / "nowhere")


def test_partial_and_corrupt_files_name_the_file(tmp_path):
    session = _copy_session(tmp_path)
    (session / cowley2026.IMAGES).unlink()
    with pytest.raises(MissingDataError, match="images_210325.zip is missing"):
        cowley2026.load_images(tmp_path)
    (session / cowley2026.RESPONSES).write_bytes(b"not an array")
    with pytest.raises(CorruptDataError, match="responses_210325.npy: not a readable .npy"):
        cowley2026.load_assembly(tmp_path)


def test_bad_responses_are_refused(tmp_path):
    session = _copy_session(tmp_path)
    raw = np.load(session / cowley2026.RESPONSES)
    for change, message in [(lambda a: a.__setitem__((3, 0, 0), np.nan), "neuron 3 has NaN"),
                            (lambda a: a.__setitem__((0, 5, 0), -1), "non-negative"),
                            (lambda a: a.__setitem__((slice(None), 9), np.nan), "image 10 has no repeat")]:
        bad = raw.copy()
        change(bad)
        np.save(session / cowley2026.RESPONSES, bad)
        with pytest.raises(CorruptDataError, match=message):
            cowley2026.load_responses(tmp_path)


def test_images_and_responses_of_different_counts(tmp_path):
    session = _copy_session(tmp_path)
    raw = np.load(session / cowley2026.RESPONSES)
    np.save(session / cowley2026.RESPONSES, raw[:, :639])
    with pytest.raises(CorruptDataError, match="expected 639 images"):
        cowley2026.load_images(tmp_path)
    np.save(session / cowley2026.RESPONSES, raw)
    (session / cowley2026.IMAGES).write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(CorruptDataError, match="not a readable zip"):
        cowley2026.load_images(tmp_path)
    with zipfile.ZipFile(session / cowley2026.IMAGES, "w") as archive:
        with zipfile.ZipFile(SHARED / cowley2026.IMAGES) as source:
            for name in source.namelist():
                archive.writestr(name, b"\xff\xd8 not a jpeg" if name.endswith("image0002.jpg") else source.read(name))
    with pytest.raises(CorruptDataError, match="image0002.jpg is not a readable image"):
        cowley2026.load_images(tmp_path)
