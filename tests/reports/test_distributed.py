"""Pairs on a real Dask cluster (2 worker processes): the same numbers as serially, each
representation sent once, one BLAS thread per worker, and a killed worker or run losing nothing
finished."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter

import numpy as np
import pytest
from distributed import Future
from threadpoolctl import threadpool_info

import bayesrep_plugin as br
from bayesrep_plugin import cli
from bayesrep_plugin.core.resampling import resample_indices
from bayesrep_plugin.core import Comparison, Readout
from bayesrep_plugin.core.prior import Representation
from bayesrep_plugin.reports import distributed, pairs
from bayesrep_plugin.reports.distributed import SCHEDULER_VARIABLE, connect
from bayesrep_plugin.reports.inputs import InputError
from bayesrep_plugin.reports.pairs import Entry, PairCache, pair_matrices

from cachefiles import stamps
from reports.synthetic import write_dataset

MEASURES = {"tv": {}, "js": {}, "kl": {}, "cka": {}}  # kl: both orders of a pair


@pytest.fixture(scope="module")
def client():
    with connect(workers=2) as client:
        yield client


def entries(count: int, n: int = 80, seed: int = 0) -> list[Entry]:
    """Representations of n stimuli: low-rank (d < n, the factor path) and full (d ≥ n, the kernel path)."""
    rng = np.random.default_rng(seed)
    return [Entry(f"r{k}", "model", Representation.from_activations(rng.standard_normal((n, n // 4 + 29 * k))))
            for k in range(count)]


def assert_same(first: dict, second: dict) -> None:
    assert first.keys() == second.keys()
    for name in first:  # exactly: the same operations on the same arrays, wherever they run
        np.testing.assert_array_equal(first[name].values, second[name].values)
        np.testing.assert_array_equal(first[name].resampled, second[name].resampled)


def test_the_cluster_gives_exactly_the_serial_matrices(client):
    board = entries(5)
    resamples = resample_indices(80, 3, seed=1)
    some = lambda first, second: "r0" in (first.label, second.label)  # the others get NaN resamples
    serial = pair_matrices(board, Comparison(MEASURES, Readout(0.01)), resamples=resamples, resample_if=some, progress=False)
    spread = pair_matrices(board, Comparison(MEASURES, Readout(0.01)), resamples=resamples, resample_if=some, progress=False,
                           client=client)
    assert_same(serial, spread)
    assert not np.isnan(serial["tv"].resampled[0, 1]).any() and np.isnan(serial["tv"].resampled[1, 2]).all()
    assert serial["kl"].values[1, 2] != serial["kl"].values[2, 1]  # both orders were computed


def test_the_python_apis_pairwise_on_the_cluster_gives_the_serial_values_to_the_bit(client):
    arrays = [np.random.default_rng(k).standard_normal((60, 10 + 40 * k)) for k in range(4)]
    serial = br.pairwise(arrays, "kl", b=0.01)
    np.testing.assert_array_equal(br.pairwise(arrays, "kl", b=0.01, executor=distributed.on_cluster(client)), serial)


def test_each_representation_is_sent_once_and_tasks_take_futures(client, monkeypatch):
    board = entries(4)
    scattered, submitted = [], []
    scatter, submit = client.scatter, client.submit
    # a spy (on Dask's client, passing every call on): what crosses to the cluster shows in no result
    monkeypatch.setattr(client, "scatter", lambda data, **kw: scattered.append(data) or scatter(data, **kw))
    monkeypatch.setattr(client, "submit", lambda *args, **kw: submitted.append(args) or submit(*args, **kw))
    pair_matrices(board, Comparison({"tv": {}, "kl": {}}, Readout(0.01)), progress=False, client=client)
    assert len(scattered) == 1 and [id(rep) for rep in scattered[0]] == [id(e.representation) for e in board]
    assert len(submitted) == 4 * 3  # every ordered pair: kl is asymmetric (tv rides along on i < j)
    keys = [(args[2].key, args[3].key) for args in submitted]
    assert all(isinstance(f, Future) for args in submitted for f in args[2:4])
    assert len({key for pair in keys for key in pair}) == 4  # four futures shared by twelve tasks


def test_a_pairs_resamples_are_split_into_tasks_that_give_the_serial_values(client, monkeypatch):
    board = entries(2, n=120, seed=4)
    resamples = resample_indices(120, 2 * pairs.RESAMPLES_PER_TASK + 3, seed=5)
    submitted = []
    submit = client.submit
    # a spy (on Dask's client, passing every call on): how a pair is cut into tasks shows in no result
    monkeypatch.setattr(client, "submit", lambda *args, **kw: submitted.append(args) or submit(*args, **kw))
    serial = pair_matrices(board, Comparison(MEASURES, Readout(0.01)), resamples=resamples, progress=False)
    spread = pair_matrices(board, Comparison(MEASURES, Readout(0.01)), resamples=resamples, progress=False, client=client)
    assert_same(serial, spread)
    # kl asks for both orders: two pairs, each in parts of 8, 8 and 3 resamples, the first with all stimuli
    parts = sorted((len(args[6]), args[7]) for args in submitted)
    assert parts == [(3, False)] * 2 + [(8, False)] * 2 + [(8, True)] * 2
    chunks = np.concatenate([args[6] for args in submitted if (args[2].key, args[3].key) == (
        submitted[0][2].key, submitted[0][3].key)])
    assert sorted(map(bytes, chunks)) == sorted(map(bytes, resamples))  # every resample once, none twice


def test_the_device_reaches_the_workers(client):
    """With device="cpu" the workers run tv and kl in torch: the serial numpy values to rounding, and
    not to the bit (which would mean the numpy core ran)."""
    board = entries(3)
    resamples = resample_indices(80, 3, seed=1)
    serial = pair_matrices(board, Comparison({"tv": {}, "kl": {}}, Readout(0.01)), resamples=resamples, progress=False)
    spread = pair_matrices(board, Comparison({"tv": {}, "kl": {}}, Readout(0.01)), resamples=resamples, progress=False, client=client,
                           device="cpu")
    for name in serial:
        np.testing.assert_allclose(spread[name].values, serial[name].values, rtol=1e-10)
        np.testing.assert_allclose(spread[name].resampled, serial[name].resampled, rtol=1e-10)
    assert any(not np.array_equal(spread[name].resampled, serial[name].resampled) for name in serial)


def test_workers_run_one_thread_and_blas_on_one_thread_without_dasks_malloc_setting(client):
    for variable in distributed.WORKER_ENVIRONMENT:
        assert set(client.run(os.environ.get, variable).values()) == {"1"}
    assert set(client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_").values()) == {None}
    inside = {}  # a task of the cluster's executor reports the thread pools it runs in
    distributed.on_cluster(client)([e.representation for e in entries(2)], {"task": (0, 1, ())},
                                   lambda first, second: threadpool_info(), inside.__setitem__)
    inside = inside["task"]
    assert {library["num_threads"] for library in inside if library["user_api"] == "blas"} == {1}
    assert len(client.scheduler_info()["workers"]) == 2
    assert {w["nthreads"] for w in client.scheduler_info()["workers"].values()} == {1}


def test_connect_without_a_request_is_serial_and_the_variable_names_a_scheduler(client, monkeypatch):
    monkeypatch.delenv(SCHEDULER_VARIABLE, raising=False)
    with connect() as none:
        assert none is None
    monkeypatch.setenv(SCHEDULER_VARIABLE, client.scheduler.address)
    with connect() as other:
        assert other.scheduler.address == client.scheduler.address
        assert other.submit(abs, -2).result() == 2


def test_connect_refuses_what_it_cannot_do(monkeypatch):
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 1)
    with pytest.raises(InputError, match="workers must be a whole number ≥ 1; got 0"):
        connect(workers=0).__enter__()
    with pytest.raises(InputError, match="not to the scheduler at tcp://127.0.0.1:1: start that cluster's workers"):
        connect("tcp://127.0.0.1:1", workers=2).__enter__()
    with pytest.raises(InputError, match="no Dask scheduler at 'tcp://127.0.0.1:1'"):
        connect("tcp://127.0.0.1:1").__enter__()


def test_a_killed_worker_loses_nothing_and_a_rerun_computes_only_what_is_missing(tmp_path):
    board = entries(9, n=160, seed=2)
    resamples = resample_indices(160, 4, seed=3)
    total = 9 * 8 // 2 * 2 + 9 * 8  # tv and js per unordered pair (one file each), kl per ordered pair
    measures = {"tv": {}, "js": {}, "kl": {}}
    clean = pair_matrices(board, Comparison(measures, Readout(0.01)), resamples=resamples, progress=False)
    folder = tmp_path / "store"
    killed = {}

    def kill_a_worker_after_the_first_pair(client):
        while not any(folder.glob("*.json")):
            time.sleep(0.002)
        holders = Counter(worker for key, workers in client.who_has().items()
                          if str(key).startswith("Representation") for worker in workers)
        victim = holders.most_common(1)[0][0]  # one that holds representations: they are lost with it
        killed.update(pid=client.run(os.getpid)[victim], stored=len(stamps(folder)), held=holders[victim])
        os.kill(killed["pid"], signal.SIGKILL)

    with connect(workers=2) as client:
        killer = threading.Thread(target=kill_a_worker_after_the_first_pair, args=(client,))
        killer.start()
        survived = pair_matrices(board, Comparison(measures, Readout(0.01)), resamples=resamples, cache=PairCache(folder),
                                 progress=False, client=client)
        killer.join()
        assert 0 < killed["stored"] < total and killed["held"] > 0  # killed mid-run, with representations
        assert_same(clean, survived)
        assert len(stamps(folder)) == total

        before = stamps(folder)
        lost = sorted(before)[::3]
        for name in lost:
            (folder / name).unlink()
        resumed = pair_matrices(board, Comparison(measures, Readout(0.01)), resamples=resamples, cache=PairCache(folder),
                                progress=False, client=client)
    after = stamps(folder)
    assert_same(clean, resumed)
    assert {name: after[name] for name in before if name not in lost} == {
        name: before[name] for name in before if name not in lost}  # finished pairs untouched
    assert after.keys() == before.keys()  # the lost ones were computed again

    cache = PairCache(folder)  # a third run computes nothing: every result served, none stored
    assert_same(clean, pair_matrices(board, Comparison(measures, Readout(0.01)), resamples=resamples, cache=cache, progress=False))
    assert (cache.served, cache.stored) == (total, 0) and stamps(folder) == after


def test_compare_and_leaderboard_commands_on_a_cluster_print_the_serial_results(client, tmp_path, capsys):
    files = write_dataset(tmp_path / "data")
    commands = {
        "compare": ["compare", str(files["near"]), str(files["mid"]), str(files["far"]),
                    "--stimulus-ids", str(files["far_ids"]), "--measure", "tv", "kl", "--n-bootstrap", "3"],
        "leaderboard": ["leaderboard", "--model", str(files["near"]), "--model", str(files["mid"]),
                        "--neural", str(files["brain"]), "--measure", "js", "--n-bootstrap", "3"]}
    for name, command in commands.items():
        results = []
        for where in ([], ["--scheduler", client.scheduler.address]):
            code = cli.main([*command, *where, "--out", str(tmp_path / f"{name}-{len(where)}"), "--json", "-q"])
            assert code == cli.EXIT_OK
            results.append(json.loads(capsys.readouterr().out))
        assert results[0]["rows"] and results[0] == results[1]


def test_the_commands_refuse_workers_with_an_address(tmp_path, capsys):
    code = cli.main(["compare", "a.npy", "b.npy", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2",
                     "--out", str(tmp_path)])
    assert code == cli.EXIT_INPUT and "applies to a local cluster" in capsys.readouterr().err
