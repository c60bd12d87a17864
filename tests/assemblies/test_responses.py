"""Reading assemblies: coordinates, repetitions, time bins, and every kind of bad input."""

import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from bayesrep_plugin.assemblies import AssemblyError, responses_from_assembly
from bayesrep_plugin.brainscore.simulate import neuroid_assembly


def plain(n=30, d=8, seed=3):
    """Like the activations shipped with brainscore-vision: dims stimulus_path × neuroid."""
    values = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return xr.DataArray(values, dims=["stimulus_path", "neuroid"],
                        coords={"stimulus_path": [f"/images/{i}.png" for i in range(n)], "neuroid": np.arange(d)})


def test_neuroid_assembly_with_repetitions_keeps_them_and_averages():
    rng = np.random.default_rng(0)
    trials = rng.normal(size=(3, 10, 4))
    responses = responses_from_assembly(neuroid_assembly(trials), name="neural")
    assert responses.trials.shape == (3, 10, 4) and responses.repetitions.tolist() == [3] * 10
    np.testing.assert_allclose(responses.means, trials.mean(axis=0))
    assert responses.stimulus_ids.tolist() == [f"im{i:04d}" for i in range(10)]


def test_repeated_ids_need_a_repetition_coordinate():
    values = np.arange(12.0).reshape(6, 2)
    assembly = xr.DataArray(values, dims=["presentation", "neuroid"],
                            coords={"stimulus_id": ("presentation", list("abcabc")), "neuroid": [0, 1]})
    with pytest.raises(AssemblyError, match=r"3 ids, e.g. \['a', 'b', 'c'\]\) and there is no 'repetition'"):
        responses_from_assembly(assembly, name="model")
    responses = responses_from_assembly(assembly.assign_coords(repetition=("presentation", [0, 0, 0, 1, 1, 1])))
    assert responses.repetitions.tolist() == [2, 2, 2]
    np.testing.assert_allclose(responses.means, (values[:3] + values[3:]) / 2)


def test_unbalanced_repetitions():
    values = np.array([[1.0], [2.0], [3.0], [5.0]])
    assembly = xr.DataArray(values, dims=["presentation", "neuroid"],
                            coords={"stimulus_id": ("presentation", ["a", "a", "a", "b"]),
                                    "repetition": ("presentation", [0, 1, 2, 0]), "neuroid": [0]})
    responses = responses_from_assembly(assembly)
    assert responses.repetitions.tolist() == [3, 1]
    np.testing.assert_allclose(responses.means[:, 0], [2.0, 5.0])


def test_plain_dataarray_with_stimulus_path_key():
    responses = responses_from_assembly(plain(), stimulus_key="stimulus_path")
    assert responses.n == 30 and responses.trials.dtype == np.float32


def test_missing_stimulus_key_names_the_assembly_and_the_coords():
    with pytest.raises(AssemblyError, match=r"model: no stimulus coordinate 'stimulus_id'.*stimulus_path"):
        responses_from_assembly(plain(), name="model")


def test_unknown_dimension():
    data = xr.DataArray(np.zeros((4, 3, 2)), dims=["presentation", "neuroid", "channel"],
                        coords={"stimulus_id": ("presentation", list("abcd"))})
    with pytest.raises(AssemblyError, match=r"neural: unknown dimension\(s\) \['channel'\]"):
        responses_from_assembly(data, name="neural")


def test_duplicate_neuroid_ids():
    assembly = neuroid_assembly(np.ones((5, 3)), neuroid_ids=["n0", "n1", "n0"])
    with pytest.raises(AssemblyError, match=r"neural: duplicate neuroid ids \['n0'\]"):
        responses_from_assembly(assembly, name="neural")


def test_duplicate_stimulus_repetition_pair():
    assembly = xr.DataArray(np.ones((3, 2)), dims=["presentation", "neuroid"],
                            coords={"stimulus_id": ("presentation", ["a", "a", "b"]),
                                    "repetition": ("presentation", [0, 0, 0]), "neuroid": [0, 1]})
    with pytest.raises(AssemblyError, match=r"neural: stimulus 'a' has repetition 0 more than once"):
        responses_from_assembly(assembly, name="neural")


def test_inconsistent_stimulus_set_columns():
    assembly = neuroid_assembly(np.ones((2, 4, 3)))
    labels = ["cat", "dog", "cat", "dog", "cat", "dog", "dog", "dog"]  # im0002 is 'cat' then 'dog'
    assembly = assembly.reset_index("presentation").assign_coords(object_name=("presentation", labels))
    assembly = assembly.set_index(presentation=["stimulus_id", "repetition", "object_name"])
    assembly.attrs["stimulus_set"] = pd.DataFrame({"stimulus_id": [f"im{i:04d}" for i in range(4)],
                                                   "object_name": ["cat", "dog", "cat", "dog"]})
    with pytest.raises(AssemblyError, match=r"neural: stimulus id 'im0002' maps to rows with different 'object_name'"):
        responses_from_assembly(assembly, name="neural")


def test_nan_neuroids_are_dropped_counted_and_warned():
    values = np.random.default_rng(1).normal(size=(2, 6, 4))
    values[1, 3, 2] = np.nan
    with pytest.warns(UserWarning, match="neural: dropped 1 of 4 neuroids with NaN"):
        responses = responses_from_assembly(neuroid_assembly(values), name="neural")
    assert responses.dropped_neuroids == ("n2",) and responses.neuroid_ids.tolist() == ["n0", "n1", "n3"]
    np.testing.assert_allclose(responses.means, values.mean(axis=0)[:, [0, 1, 3]])


def test_all_nan_and_infinite_responses_are_errors():
    values = np.ones((5, 2))
    values[0] = np.nan
    with warnings.catch_warnings(), pytest.raises(AssemblyError, match="neural: every neuroid has NaN"):
        responses_from_assembly(neuroid_assembly(values), name="neural")
    values = np.ones((5, 2))
    values[1, 1] = np.inf
    with pytest.raises(AssemblyError, match=r"neural: infinite responses \(1 values\)"):
        responses_from_assembly(neuroid_assembly(values), name="neural")


def test_time_bins_are_averaged_or_selected():
    values = np.random.default_rng(2).normal(size=(7, 3, 2))
    assembly = neuroid_assembly(values, time_bins=[(70, 170), (170, 270)])
    np.testing.assert_allclose(responses_from_assembly(assembly).means, values.mean(axis=2))
    np.testing.assert_allclose(responses_from_assembly(assembly, time_bin=1).means, values[..., 1])
    with pytest.raises(AssemblyError, match="time bin 2 out of range"):
        responses_from_assembly(assembly, time_bin=2)


def test_require_repetitions_counts_the_short_stimuli():
    responses = responses_from_assembly(neuroid_assembly(np.ones((5, 2))), name="neural")
    with pytest.raises(AssemblyError, match=r"neural: the ceiling needs at least 2 repetitions of every stimulus; "
                                            r"5 of 5 stimuli have fewer"):
        responses.require_repetitions(2, "the ceiling")


def test_a_lone_stimulus_coordinate_turned_into_the_index_gets_a_hint():
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly

    assembly = NeuroidAssembly(np.zeros((3, 2)), dims=["presentation", "neuroid"],
                               coords={"stimulus_id": ("presentation", list("abc")), "neuroid_id": ("neuroid", ["x", "y"])})
    with pytest.raises(AssemblyError, match="a 'presentation' index may be the stimulus ids"):
        responses_from_assembly(assembly, name="model")
