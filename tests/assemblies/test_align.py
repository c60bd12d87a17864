"""Alignment by stimulus id: order-free, losses reported, too little overlap refused."""

import numpy as np
import pytest
import xarray as xr

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


def test_integer_and_string_ids_are_one_stimulus_whatever_the_order():
    """The integer 7 of one input and the string "7" of another are the same stimulus (ids are
    compared as text): the rows paired are the ones with equal ids, never neighbours in a sort."""
    rng = np.random.default_rng(0)
    values = rng.normal(size=(41, 4))
    integers = np.array([*range(1, 41), 99])
    strings = [str(i) for i in range(30, 0, -1)]  # "1".."30", in another order
    first = read(values, "model", stimulus_ids=integers)
    second = read(values[[i - 1 for i in range(30, 0, -1)]], "neural", stimulus_ids=strings)
    with pytest.warns(UserWarning, match="model lost 11"):
        aligned = align(first, second)
    assert aligned.n == 30
    np.testing.assert_array_equal(aligned.first.means, aligned.second.means)
    assert aligned.first.stimulus_ids.tolist() == aligned.second.stimulus_ids.tolist() == sorted(strings)


@pytest.mark.parametrize("ids, example", [([1.0, 2.0, 3.0], "1.0"), ([True, False, True], "True"),
                                          (["a", None, "c"], "None")])
def test_ids_that_are_neither_text_nor_whole_numbers_are_refused_naming_the_input(ids, example):
    assembly = xr.DataArray(np.ones((3, 2)), dims=("presentation", "neuroid"),
                            coords={"stimulus_id": ("presentation", np.array(ids, dtype=object))})
    with pytest.raises(AssemblyError, match=f"model: stimulus ids must be text or whole numbers .* got {example}"):
        responses_from_assembly(assembly, name="model")


def test_an_id_given_as_number_and_as_text_in_one_input_is_one_repeated_id():
    with pytest.raises(AssemblyError, match="model: stimulus '7' has repetition 0 more than once"):
        read(np.ones((3, 2)), "model", stimulus_ids=np.array([7, "7", "8"], dtype=object))


def test_a_byte_order_mark_is_not_part_of_an_id():
    first = read(np.eye(4), "model", stimulus_ids=["\ufeffa", "b", "c", "d"])
    second = read(np.eye(4), "neural", stimulus_ids=list("abcd"))
    aligned = align(first, second)
    assert aligned.n == 4 and aligned.first.stimulus_ids.tolist() == list("abcd")


def test_too_little_overlap_lists_examples_of_every_input():
    from bayesrep_plugin.assemblies import align_all

    inputs = [read(np.ones((5, 2)), name, stimulus_ids=[f"{name}{i}" for i in range(5)]) for name in ("a", "b", "c")]
    with pytest.raises(AssemblyError, match=r"Examples: a: \['a0', 'a1'\]; b: \['b0', 'b1'\]; c: \['c0', 'c1'\]"):
        align_all(inputs)
