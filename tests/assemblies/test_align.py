"""Alignment by stimulus id: order-free, losses reported, too little overlap refused."""

import numpy as np
import pytest

from bayesrep_plugin.assemblies import AssemblyError, align, responses_from_assembly
from bayesrep_plugin.brainscore.simulate import neuroid_assembly


def read(values, name, **kwargs):
    return responses_from_assembly(neuroid_assembly(values, **kwargs), name=name)


def test_alignment_pairs_rows_by_id_not_position():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(20, 3))
    order = rng.permutation(20)
    ids = [f"s{i:02d}" for i in range(20)]
    first = read(values, "model", stimulus_ids=ids)
    second = read(values[order], "neural", stimulus_ids=[ids[i] for i in order])
    aligned = align(first, second)
    np.testing.assert_array_equal(aligned.first.means, aligned.second.means)
    assert aligned.lost_first == aligned.lost_second == 0


def test_losses_are_reported_and_warned():
    first = read(np.ones((10, 2)), "model", stimulus_ids=[f"s{i}" for i in range(10)])
    second = read(np.ones((8, 2)), "neural", stimulus_ids=[f"s{i}" for i in range(3, 11)])
    with pytest.warns(UserWarning, match="model lost 3, neural lost 1"):
        aligned = align(first, second)
    assert aligned.n == 7 and aligned.report() == {"n_stimuli": 7, "stimuli_lost": {"model": 3, "neural": 1}}
    assert aligned.first.stimulus_ids.tolist() == aligned.second.stimulus_ids.tolist()


def test_too_little_overlap_is_an_error_naming_both():
    first = read(np.ones((10, 2)), "model", stimulus_ids=[f"s{i}" for i in range(10)])
    second = read(np.ones((10, 2)), "neural", stimulus_ids=[f"s{i}" for i in range(6, 16)])
    with pytest.raises(AssemblyError, match=r"model \(10 stimuli\) and neural \(10 stimuli\) share only 4"):
        align(first, second, min_overlap=0.5)
    with pytest.warns(UserWarning, match="aligned on 4 shared stimuli"):
        assert align(first, second, min_overlap=0.4).n == 4


def test_no_overlap():
    first = read(np.ones((5, 2)), "model", stimulus_ids=list("abcde"))
    second = read(np.ones((5, 2)), "neural", stimulus_ids=list("vwxyz"))
    with pytest.raises(AssemblyError, match="share only 0 stimulus ids"):
        align(first, second)
