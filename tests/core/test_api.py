"""The public contract, pairwise matrices, and clear errors for bad input."""

import dataclasses
import tempfile

import numpy as np
import pytest

import bayesrep_plugin as br
from bayesrep_plugin.core import Comparison, Readout


@pytest.fixture
def three():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 6))
    return [X, X @ rng.standard_normal((6, 6)) + rng.standard_normal((40, 6)), rng.standard_normal((40, 90))]


def test_contract(three):
    X1, X2, X3 = three
    assert isinstance(br.distance(X1, X2, measure="js", b=0.01, method="exact"), float)
    assert isinstance(br.distance_from_kernels(X1 @ X1.T, X2 @ X2.T, measure="tv", b=0.01), float)
    D = br.pairwise([X1, X2, X3], measure="js", progress=False)
    assert D.shape == (3, 3)
    assert br.distance(X1, X2, "js") == pytest.approx(br.distance_from_kernels(X1 @ X1.T, X2 @ X2.T, "js"), abs=1e-12)


def test_a_comparison_is_checked_when_it_is_built_and_then_frozen(three):
    """Every setting is refused where the comparison is built, before any data; what is built
    cannot change, and measures exactly what the keyword API measures."""
    with pytest.raises(ValueError, match=r"b \(noise-to-signal ratio\) must be a finite number >= 0"):
        Readout(-1)
    with pytest.raises(ValueError, match="normalize must be True or False"):
        Readout(0.1, normalize="yes")
    with pytest.raises(ValueError, match="noise_weights must be finite and > 0; stimulus 1 has 0.0"):
        Readout(0.1, noise_weights=[1, 0])
    with pytest.raises(ValueError, match=r"measure 'cka' takes no option\(s\) \['method'\]"):
        Comparison({"cka": {"method": "mc"}})
    with pytest.raises(ValueError, match="center"):
        Comparison({"tv": {}}, center="rows")
    with pytest.raises(TypeError, match=r"expected a Readout, e.g. Readout\(b=0.05\); got 0.05"):
        Comparison({"tv": {}}, 0.05)
    X1, X2, _ = three
    comparison = Comparison({"tv": {}, "kl": {}}, Readout(0.05), center="features")
    with pytest.raises(dataclasses.FrozenInstanceError):
        comparison.readout = Readout()
    r1, r2 = comparison.prepare(X1, "X1"), comparison.prepare(X2, "X2")
    for old_spelling in (lambda: br.core.Pair(r1, r2, 0.05), lambda: r1.prior(0.05)):  # a bare b, as before
        with pytest.raises(TypeError, match="expected a Readout"):
            old_spelling()
    assert comparison.between(r1, r2) == br.compare_measures(X1, X2, {"tv": {}, "kl": {}}, b=0.05, center="features")
    assert comparison.alone("kl").at(0.2).value(r1, r2) == br.compare(X1, X2, "kl", b=0.2, center="features")
    assert comparison.readout.b == 0.05  # at() made another comparison
    with pytest.raises(ValueError, match="for a comparison of one measure"):
        comparison.value(r1, r2)
    with pytest.raises(ValueError, match=r"one value per stimulus, shape \(40,\); got shape \(3,\)"):
        Comparison({"tv": {}}, Readout(0.1, noise_weights=np.ones(3))).between(r1, r2)


def test_the_top_level_exports_what_a_user_calls_and_core_the_engine_too():
    assert {"distance", "compare", "compare_measures", "pairwise", "Representation", "MEASURES"} <= set(br.__all__)
    assert not {"Pair", "Prior", "prepare", "PosteriorPair"} & set(br.__all__)
    # every top-level name is the core's, but the base exception, which every layer raises
    assert set(br.__all__) - {"__version__", "BayesrepError"} <= set(br.core.__all__)
    assert issubclass(br.core.prior.UnresolvedError, br.BayesrepError)
    assert {"Pair", "Prior", "prepare", "PosteriorPair"} <= set(br.core.__all__)


def test_compare_measures_takes_what_compare_takes(three):
    X1, X2, _ = three
    values = br.compare_measures(X1, X2, {"tv": {}, "cka": {}, "js": {"method": "mc", "n_samples": 500}}, b=0.1,
                                 center="features")
    for name, options in (("tv", {}), ("cka", {}), ("js", {"method": "mc", "n_samples": 500})):
        assert values[name] == br.compare(X1, X2, name, b=0.1, center="features", **options)
    prepared = [br.Representation.from_activations(X, center="features") for X in (X1, X2)]
    assert br.compare_measures(*prepared, {"tv": {}}, b=0.1)["tv"] == values["tv"]
    with pytest.raises(ValueError, match="center='features' applies to activations"):
        br.compare_measures(prepared[0], X2, {"tv": {}}, center="features")


@pytest.mark.parametrize("measure", ["tv", "kl", "cka"])
def test_pairwise_equals_each_pair(three, measure):
    D = br.pairwise(three, measure=measure, b=0.1, progress=False)
    for i in range(3):
        for j in range(3):
            expected = br.MEASURES[measure].identity_value if i == j else br.compare(three[i], three[j], measure, b=0.1)
            assert D[i, j] == pytest.approx(expected, abs=1e-12)


class ReadCounted:
    """An array-like that counts how often its values are read (converted to an array)."""

    def __init__(self, values: np.ndarray):
        self.values, self.reads = values, 0

    def __array__(self, dtype=None, copy=None):
        self.reads += 1
        return self.values if dtype is None else self.values.astype(dtype)


def test_pairwise_prepares_each_representation_once(three):
    """Each input is read once, and the executor (any executor of bayesrep_plugin.core.plan) gets one
    prepared representation per input, which every task names by its position."""
    from bayesrep_plugin.core.plan import serial

    inputs, handed = [ReadCounted(X) for X in three], []

    def recording(representations, tasks, measure, finished):
        handed.append((list(representations), dict(tasks)))
        serial(representations, tasks, measure, finished)

    D = br.pairwise(inputs, "tv", progress=False, executor=recording)
    assert [x.reads for x in inputs] == [1, 1, 1]
    (representations, tasks), = handed
    assert len(representations) == 3 and all(isinstance(r, br.Representation) for r in representations)
    assert sorted((i, j) for i, j, _ in tasks.values()) == [(0, 1), (0, 2), (1, 2)]
    np.testing.assert_array_equal(D, br.pairwise(three, "tv", progress=False))


def test_b_changes_what_is_measured(three):
    # More readout noise hides fine structure: distances shrink as b grows.
    X1, X2, _ = three
    values = [br.distance(X1, X2, "tv", b=b) for b in (0.001, 0.01, 0.1, 1.0)]
    assert all(a > b for a, b in zip(values, values[1:]))


def test_b_belongs_to_the_comparison_and_representations_are_immutable(three):
    # Issue 9: `r1.b = r2.b = 1.0` gave 0.9487 (stale caches keyed by object) instead of 0.0418.
    X1, X2 = three[0], three[1]
    r1, r2 = br.Representation.from_activations(X1), br.Representation.from_activations(X2)
    assert br.distance(r1, r2, "tv", b=1.0) == pytest.approx(br.distance(X1, X2, "tv", b=1.0), abs=1e-14)
    assert br.distance(r1, r2, "tv", b=0.01) == pytest.approx(br.distance(X1, X2, "tv"), abs=1e-14)
    assert br.distance(r1, r2, "tv", b=1.0) < br.distance(r1, r2, "tv", b=0.01)
    with pytest.raises(AttributeError, match="immutable"):
        r1.b = 1.0
    for array in (r1.kernel, r1.factor, r1.prior(Readout(0.01)).covariance, r1.basis[0]):
        with pytest.raises(ValueError, match="read-only"):
            array[0, 0] = 5.0


def test_arrays_given_are_copied_not_shared():
    rng = np.random.default_rng(1)
    K1, K2 = (Z @ Z.T for Z in rng.standard_normal((2, 20, 30)))
    rep, other = br.Representation(K1), br.Representation(K2)
    before = br.compare(rep, other, "tv")
    K1 *= 0.0  # the caller's array changes; the representation does not
    assert br.compare(rep, other, "tv") == before


def test_a_pickled_representation_is_what_defines_it_in_fresh_aligned_arrays(three):
    """What Dask sends to its workers: the kernel or factor, not the cached n × n work; unpickled
    arrays are copies (a received buffer may put them at any byte offset) and stay read-only."""
    import pickle

    for rep in (br.Representation.from_activations(three[0]), br.Representation.from_activations(three[2])):
        bare = len(pickle.dumps(rep, protocol=5))
        rep.prior(Readout(0.01)).covariance, rep.kernel, rep.centered_kernel
        data = pickle.dumps(rep, protocol=5)
        again = pickle.loads(data)
        assert len(data) <= bare + 10 and again.name == rep.name and again.n == rep.n and again.trace == rep.trace
        defining = "factor" if rep.factor is not None else "kernel"  # the array that defines it, as given
        array = getattr(again, defining)
        np.testing.assert_array_equal(array, getattr(rep, defining))
        assert array.flags.owndata and not array.flags.writeable and array.ctypes.data % 16 == 0
        assert br.distance(again, three[1], "tv") == br.distance(rep, three[1], "tv")


def test_a_b_sweep_reuses_the_representations_own_work(three):
    rep = br.Representation.from_activations(three[0])
    basis = rep.basis[0]
    for b in (0.001, 0.01, 0.1):
        assert rep.prior(Readout(b)).noise == pytest.approx(40 * b / (1 + 40 * b))
    assert rep.basis[0] is basis
    assert rep.prior(Readout(0.1)) is rep.prior(Readout(0.1))


def test_distance_refuses_similarities_and_compare_gives_them(three):
    X1, X2, _ = three
    with pytest.raises(ValueError, match="'cka' is a similarity"):
        br.distance(X1, X2, "cka")
    with pytest.raises(ValueError, match="'rsa' is a similarity"):
        br.distance_from_kernels(X1 @ X1.T, X2 @ X2.T, "rsa")
    assert 0 < br.compare(X1, X2, "cka") < 1


def test_the_front_doors_share_one_default_measure():
    import inspect
    defaults = {fn.__name__: inspect.signature(fn).parameters["measure"].default
                for fn in (br.compare, br.distance, br.distance_from_kernels, br.pairwise)}
    assert set(defaults.values()) == {"js"}, defaults


def test_center_on_a_prepared_representation_is_refused(three):
    rep = br.Representation.from_activations(three[0])
    with pytest.raises(ValueError, match="center='features' applies to activations"):
        br.distance(rep, three[1], "tv", center="features")
    # centring both from activations is what was meant, and it is translation invariant
    shifted = three[0] + 5.0
    assert br.distance(shifted, three[1], "tv", center="features") == pytest.approx(
        br.distance(three[0], three[1], "tv", center="features"), abs=1e-10)


def test_options_are_checked_before_any_data_is_read():
    class Unreadable:
        def __array__(self, *args, **kwargs):
            pytest.fail("data read before the options were checked")

    for options, match in (({"method": "sampling"}, "method='sampling'"), ({"method": "mc", "measure": "kl"}, "closed form"),
                           ({"b": -1.0}, "b .* >= 0"), ({"center": "both"}, "center='both'")):
        options = {"measure": "tv", **options}
        with pytest.raises(ValueError, match=match):
            br.distance(Unreadable(), Unreadable(), **options)


def test_pairwise_monte_carlo_keeps_the_standard_errors(three):
    D = br.pairwise(three[:2], "tv", method="mc", n_samples=2000, progress=False)
    single = br.distance(three[0], three[1], "tv", method="mc", n_samples=2000)
    assert D.method == "mc"
    assert D[0, 1] == pytest.approx(float(single), abs=1e-14)
    assert D.stderr[0, 1] == pytest.approx(single.stderr) and single.stderr > 0
    assert D.stderr[0, 0] == 0.0
    exact = br.pairwise(three[:2], "tv", progress=False)
    assert exact.method == "exact" and not exact.stderr.any()


@pytest.mark.parametrize("measure, options", [("tv", {}), ("kl", {}), ("js", {"method": "mc", "n_samples": 500})])
def test_pairwise_in_worker_processes_gives_the_serial_values_to_the_bit(three, measure, options, tmp_path,
                                                                         monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the workers' parcel of representations goes
    reps = three + [three[1] + 0.5 * three[0]]
    serial = br.pairwise(reps, measure, b=0.05, **options)
    spread = br.pairwise(reps, measure, b=0.05, workers=2, **options)
    assert not list(tmp_path.iterdir())  # the parcel is removed with the workers
    np.testing.assert_array_equal(spread, serial)
    np.testing.assert_array_equal(spread.stderr, serial.stderr)
    assert spread.method == serial.method


def test_pairwise_runs_on_any_executor_and_refuses_bad_workers(three):
    seen = []

    def recording(representations, tasks, measure, finished):  # the executor protocol of core.plan
        for key, (i, j, arguments) in tasks.items():
            seen.append(key)
            finished(key, measure(representations[i], representations[j], *arguments))

    D = br.pairwise(three, "kl", b=0.1, executor=recording)
    assert seen == [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]  # both orders: kl is asymmetric
    np.testing.assert_array_equal(D, br.pairwise(three, "kl", b=0.1))
    for workers in (0, 1.5, True):
        with pytest.raises(ValueError, match="workers must be a whole number"):
            br.pairwise(three, "tv", workers=workers)
    with pytest.raises(ValueError, match="not both"):
        br.pairwise(three, "tv", workers=2, executor=recording)


def test_subset_is_the_submatrix(three):
    r = br.Representation.from_activations(three[0])
    idx = np.array([3, 3, 7, 0, 39])
    sub = r.subset(idx)
    np.testing.assert_allclose(sub.kernel, three[0][idx] @ three[0][idx].T, atol=1e-12)
    assert br.compare(sub, br.Representation.from_activations(three[1]).subset(idx), "tv") == pytest.approx(
        br.distance(three[0][idx], three[1][idx], "tv"), abs=1e-12)


@pytest.mark.parametrize("call,match", [
    (lambda X, Y: br.distance(X, Y[:30], "tv"), "different numbers of stimuli"),
    (lambda X, Y: br.distance(X, np.zeros_like(Y), "tv"), "all zero"),
    (lambda X, Y: br.distance(X, Y, "tv", b=-0.1), "b .* >= 0"),
    (lambda X, Y: br.distance(X, Y, "tv", b=0.0), "b = 0 needs a nonsingular kernel"),
    (lambda X, Y: br.distance(X, Y, "wasserstein"), "unknown measure 'wasserstein'; known measures: tv"),
    (lambda X, Y: br.distance(X, Y, "tv", method="sampling"), "method='sampling'"),
    (lambda X, Y: br.distance(X, Y, "kl", method="mc"), "takes no option"),
    (lambda X, Y: br.distance(np.where(X > 1, np.inf, X), Y, "tv"), "non-finite value inf at stimulus"),
    (lambda X, Y: br.distance(X[:1], Y[:1], "tv"), "at least 2 stimuli"),
    (lambda X, Y: br.distance_from_kernels(X @ X.T, -(Y @ Y.T), "tv"), "not positive semi-definite"),
])
def test_bad_input_is_a_clear_error(three, call, match):
    with pytest.raises(ValueError, match=match):
        call(three[0], three[1])


def test_b_zero_works_for_nonsingular_kernels():
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((10, 30)), rng.standard_normal((10, 30))
    assert 0 < br.distance(X, Y, "tv", b=0.0) <= 1


def test_noise_variance_can_be_set_instead_of_b(three):
    n = three[0].shape[0]
    b = br.b_for_noise(n, 0.5)
    prior = br.Representation.from_activations(three[0]).prior(Readout(b))
    assert prior.noise == pytest.approx(0.5)
    assert np.trace(prior.covariance) == pytest.approx(n)
    with pytest.raises(ValueError, match=r"noise .* must be in \[0, 1\)"):
        br.b_for_noise(n, 1.0)


def test_labelled_arrays_are_refused_not_compared_by_position():
    xr = pytest.importorskip("xarray")
    rng = np.random.default_rng(0)
    values = rng.normal(size=(20, 5))
    first = xr.DataArray(values, dims=("presentation", "neuroid"), coords={"stimulus_id": ("presentation", np.arange(20))})
    shuffled = first.isel(presentation=rng.permutation(20))
    with pytest.raises(ValueError, match="X2: a labelled array .* Align them by stimulus id first"):
        br.distance(first.values, shuffled, "tv")
    with pytest.raises(ValueError, match="representation 0: a labelled array"):
        br.pairwise([first, first.values], "tv", progress=False)


@pytest.mark.parametrize("way_in", [
    lambda A, B: br.Representation.from_activations(B, name="B"),
    lambda A, B: br.Representation.from_kernel(B @ B.T.rename(presentation="other"), name="B"),
    lambda A, B: br.Representation(B.values @ B.values.T, factor=B, name="B"),
    lambda A, B: br.distance_from_kernels(A.values @ A.values.T, B @ B.T.rename(presentation="other"), "tv"),
    lambda A, B: br.linear_kernel(B, name="B"),
    lambda A, B: br.compare_measures(A.values, B, {"tv": {}}),
    lambda A, B: __import__("bayesrep_plugin.core.torch", fromlist=["distance"]).distance(A.values, B, "tv"),
], ids=["from_activations", "from_kernel", "Representation", "distance_from_kernels", "linear_kernel",
        "compare_measures", "torch"])
def test_every_way_into_the_core_refuses_labelled_arrays(way_in):
    """The core compares rows by position: a shuffled assembly would give 0.9994 where the aligned
    value is 0.8768. Every way in refuses it, as distance does, instead of using the row order."""
    xr = pytest.importorskip("xarray")
    rng = np.random.default_rng(0)
    A = xr.DataArray(rng.normal(size=(20, 5)), dims=("presentation", "neuroid"),
                     coords={"stimulus_id": ("presentation", np.arange(20))})
    B = A.isel(presentation=rng.permutation(20))
    with pytest.raises(ValueError, match="a labelled array .* Align them by stimulus id first"):
        way_in(A, B)


@pytest.mark.parametrize("measure", ["tv", "js", "jsd", "hellinger", "kl", "kl_symmetric", "bhattacharyya", "bures"])
@pytest.mark.parametrize("features", [6, 90], ids=["low-rank", "full"])
def test_a_representation_is_exactly_zero_from_itself(measure, features):
    """Identical priors have every generalized eigenvalue exactly 1; an eigensolver gave 1 ± nε, so
    TV, JS and Hellinger were 6e-16 (2.2e-15 between two files of the same activations)."""
    X = np.random.default_rng(0).standard_normal((40, features))
    assert br.distance(X, X, measure) == 0.0
    assert br.distance(X, X.copy(), measure) == 0.0
    assert br.distance(X, X.copy(), measure, noise_weights=np.arange(1, 41)) == 0.0
    assert br.distance(X, X + 1e-9, measure) > 0 or measure == "bures"  # only identity is exactly 0


def test_a_representation_is_exactly_zero_from_itself_on_the_torch_device():
    torch_core = pytest.importorskip("bayesrep_plugin.core.torch")
    X = np.random.default_rng(0).standard_normal((40, 6))
    on_torch = [name for name, measure in br.MEASURES.items() if measure.on_torch]
    values = torch_core.measures_from_kernels(X @ X.T, (X @ X.T).copy(), on_torch, device="cpu")
    assert values == dict.fromkeys(on_torch, 0.0)


def test_b_zero_with_a_singular_kernel_is_refused_when_the_comparison_is_built(three):
    """Every measure gets the core's message when the prior is built, never a LinAlgError (bures) or
    "3-th leading minor not positive definite" (the posterior comparison) from deep inside."""
    from bayesrep_plugin.core.gaussian import Pair
    from bayesrep_plugin.core.prior import UnresolvedError

    X, Y = three[0], three[1]  # 6 features < 40 stimuli: singular kernels
    message = "X1: the prior covariance is singular; b = 0 needs a nonsingular kernel"
    for measure in ("tv", "bures", "hellinger", "kl"):
        with pytest.raises(UnresolvedError, match=message):
            br.distance(X, Y, measure, b=0)
    rep1, rep2 = (br.Representation.from_activations(Z, name=name) for Z, name in ((X, "X1"), (Y, "X2")))
    with pytest.raises(UnresolvedError, match=message):
        Pair(rep1, rep2, Readout(0.0))
    with pytest.raises(UnresolvedError, match=message):
        br.posterior_distance(rep1, rep2, np.random.default_rng(0).normal(size=(10, 2)), np.arange(10), "tv", b=0)
    kernel_only = br.Representation.from_kernel(X @ X.T, name="K")  # no factor: the Cholesky decides
    with pytest.raises(UnresolvedError, match="K: the prior covariance is singular"):
        kernel_only.prior(Readout(0.0))


def test_huge_noise_weights_are_named_not_blamed_on_b(three):
    """Noise a/w with w = 1e300 is below double precision: the weights' scale is the cause, not b."""
    from bayesrep_plugin.core.prior import UnresolvedError

    with pytest.raises(UnresolvedError, match=r"with b = 0\.01 and noise weights up to 1e\+300, stimulus noise a/w "
                                              r"goes down to .*rescale them \(e\.g\. to mean 1\)"):
        br.distance(three[0], three[1], "tv", noise_weights=np.full(40, 1e300))
    assert br.distance(three[0], three[1], "tv", noise_weights=np.ones(40)) == br.distance(three[0], three[1], "tv")


def test_estimate_matrix_slices_and_drops_its_errors_with_its_values(three):
    """D[0] had the whole (3, 3) stderr and D + 1 kept D's: errors go where their values go, or nowhere."""
    D = br.pairwise(three, "tv", method="mc", n_samples=500, progress=False)
    row = D[0]
    assert isinstance(row, br.EstimateMatrix) and row.stderr.shape == (3,)
    np.testing.assert_array_equal(row.stderr, D.stderr[0])
    element = D[0, 2]
    assert isinstance(element, br.Estimate) and element.stderr == D.stderr[0, 2] > 0 and element.method == "mc"
    np.testing.assert_array_equal(D[[1, 2]][:, [0]].stderr, D.stderr[[1, 2]][:, [0]])
    np.testing.assert_array_equal(D.T.stderr, D.stderr.T)
    for derived in (D + 1, D * 2, D - D, D == D, np.sqrt(D)):
        assert type(derived) is np.ndarray and not hasattr(derived, "stderr")
    assert type(D.mean()) is np.float64 and float(D.sum()) == pytest.approx(float(np.asarray(D).sum()))
    assert D.reshape(9).stderr is None and D.copy().stderr is None  # numpy's own: errors not known
