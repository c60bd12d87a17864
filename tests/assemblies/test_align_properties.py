"""Stimulus ids of any type and order, at every labelled entry point, give the values of the same
data aligned by hand (hypothesis).

Each example draws two inputs over partly shared stimuli: the ids of each as integers, strings,
numpy integers or strings, a mix of integers and strings, or strings after a byte-order mark (an
ids file's), each input in its own order and with stimuli of its own. Ids are compared as text,
so the integer 7 and the string "7" are one stimulus. The reference is the core's value on the
shared stimuli's rows, put side by side by hand.
"""

from __future__ import annotations

import contextlib
import io
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import bayesrep_plugin as br
from bayesrep_plugin import cli
from bayesrep_plugin.assemblies import align, responses_from_assembly
from bayesrep_plugin.brainscore.metrics import BayesianReadoutSimilarity

#: How an input holds its ids in memory (API, metric) ...
MEMORY_KINDS = ("int", "str", "numpy_int", "numpy_str", "mixed", "bom")
#: ... and in a file (the CLI): netCDF or .npz arrays of integers or strings, or an ids file (text,
#: with or without a byte-order mark) beside a .npy.
FILE_KINDS = ("nc_int", "nc_str", "npz_int", "npz_str", "ids_file", "ids_file_bom")


def ids_of(numbers: list[int], kind: str) -> np.ndarray:
    """The ids of stimuli ``numbers`` as an input of ``kind`` holds them in memory."""
    if kind == "int":
        return np.array(numbers, dtype=object)  # Python integers
    if kind == "str":
        return np.array([str(k) for k in numbers], dtype=object)
    if kind == "numpy_int":
        return np.array(numbers, dtype=np.int32)
    if kind == "numpy_str":
        return np.array([str(k) for k in numbers])
    if kind == "mixed":
        return np.array([k if i % 2 else str(k) for i, k in enumerate(numbers)], dtype=object)
    return np.array(["\ufeff" + str(numbers[0]), *map(str, numbers[1:])])  # bom: as a file's first line


@dataclass(frozen=True)
class Side:
    """One input: which stimuli (by number), in which order, its ids' kind, and its responses."""

    numbers: list[int]
    kind: str
    values: np.ndarray  # rows in the order of ``numbers``


@st.composite
def two_inputs(draw, kinds: tuple[str, ...], second_kinds: tuple[str, ...] | None = None):
    """Two inputs sharing at least 6 stimuli (and at least half of each), with data by stimulus number;
    the second's ids of ``second_kinds`` when given."""
    shared = draw(st.lists(st.integers(0, 199), min_size=6, max_size=14, unique=True))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    features = {number: (rng.normal(size=4), rng.normal(size=5)) for number in range(300)}
    sides = []
    for which in range(2):
        own = draw(st.lists(st.integers(200 + 50 * which, 249 + 50 * which), max_size=3, unique=True))
        numbers = draw(st.permutations(shared + own))
        values = np.array([features[number][which] for number in numbers])
        sides.append(Side(list(numbers), draw(st.sampled_from(second_kinds if which and second_kinds else kinds)),
                          values))
    by_hand = [np.array([features[number][which] for number in shared]) for which in range(2)]
    return sides, float(br.distance(*by_hand, "tv")), len(shared)


def assembly(side: Side) -> xr.DataArray:
    return xr.DataArray(side.values, dims=("presentation", "neuroid"),
                        coords={"stimulus_id": ("presentation", ids_of(side.numbers, side.kind)),
                                "neuroid_id": ("neuroid", np.arange(side.values.shape[1]))})


@given(example=two_inputs(MEMORY_KINDS))
def test_the_assemblies_api_aligns_ids_of_any_type_and_order(example):
    (first, second), truth, n = example
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "aligned on n shared stimuli": the stimuli each input has alone
        aligned = align(responses_from_assembly(assembly(first), name="first"),
                        responses_from_assembly(assembly(second), name="second"))
    assert aligned.n == n
    assert float(br.distance(aligned.first.means, aligned.second.means, "tv")) == pytest.approx(truth, rel=1e-9)


@given(example=two_inputs(MEMORY_KINDS))
def test_the_brainscore_metric_aligns_ids_of_any_type_and_order(example):
    (first, second), truth, n = example
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        score = BayesianReadoutSimilarity("tv", b=0.01, center="none", n_bootstrap=2)(assembly(first), assembly(second))
    assert score.attrs["n_stimuli"] == n
    assert float(score) == pytest.approx(1 - truth, rel=1e-9)


def write(side: Side, folder: Path, name: str) -> tuple[list[str], list[str]]:
    """The input as a file of its kind; its path, and the option naming its ids file if it has one."""
    numbers, values = side.numbers, side.values
    texts = [str(k) for k in numbers]
    if side.kind.startswith("nc"):
        ids = np.array(numbers) if side.kind == "nc_int" else np.array(texts)
        xr.DataArray(values, dims=("presentation", "neuroid"),
                     coords={"stimulus_id": ("presentation", ids)}).to_netcdf(folder / f"{name}.nc")
        return [str(folder / f"{name}.nc")], []
    if side.kind.startswith("npz"):
        ids = np.array(numbers) if side.kind == "npz_int" else np.array(texts)
        np.savez(folder / f"{name}.npz", activations=values, stimulus_id=ids)
        return [str(folder / f"{name}.npz")], []
    np.save(folder / f"{name}.npy", values)
    encoding = "utf-8-sig" if side.kind == "ids_file_bom" else "utf-8"
    (folder / f"{name}-ids.txt").write_bytes("\n".join(texts).encode(encoding))
    return [str(folder / f"{name}.npy")], ["--stimulus-ids", str(folder / f"{name}-ids.txt")]


@settings(max_examples=6)  # a whole run with its report per example (about 1.5 s): fewer than the profile's
@given(example=two_inputs(FILE_KINDS, second_kinds=("nc_int", "nc_str", "npz_int", "npz_str")))  # one ids file
def test_the_command_line_aligns_ids_of_any_type_and_order(example, tmp_path_factory):
    (first, second), truth, n = example
    folder = tmp_path_factory.mktemp("inputs")
    (path1, ids1), (path2, ids2) = write(first, folder, "first"), write(second, folder, "second")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = cli.main(["compare", *path1, *path2, *ids1, *ids2, "-m", "tv", "--n-bootstrap", "0",
                         "--out", str(folder / "out"), "--json", "-q"])
    assert code == cli.EXIT_OK
    result = json.loads(out.getvalue())
    assert result["n_stimuli"] == n
    assert result["rows"][0]["value"] == pytest.approx(truth, rel=1e-9)
