"""The public contract, pairwise matrices, and clear errors for bad input."""

import numpy as np
import pytest

import bayesrep_plugin as br


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


@pytest.mark.parametrize("measure", ["tv", "kl", "cka"])
def test_pairwise_equals_each_pair(three, measure):
    D = br.pairwise(three, measure=measure, b=0.1, progress=False)
    for i in range(3):
        for j in range(3):
            expected = br.MEASURES[measure].identity_value if i == j else br.distance(three[i], three[j], measure, b=0.1)
            assert D[i, j] == pytest.approx(expected, abs=1e-12)


def test_pairwise_prepares_each_representation_once(three, monkeypatch):
    calls = []
    original = br.Representation.from_activations.__func__
    monkeypatch.setattr(br.Representation, "from_activations",
                        classmethod(lambda cls, *a, **k: calls.append(1) or original(cls, *a, **k)))
    br.pairwise(three, "tv", progress=False)
    assert len(calls) == 3


def test_b_changes_what_is_measured(three):
    # More readout noise hides fine structure: distances shrink as b grows.
    X1, X2, _ = three
    values = [br.distance(X1, X2, "tv", b=b) for b in (0.001, 0.01, 0.1, 1.0)]
    assert all(a > b for a, b in zip(values, values[1:]))


def test_representation_keeps_its_b_unless_told(three):
    r1 = br.Representation.from_activations(three[0], b=0.2)
    r2 = br.Representation.from_activations(three[1], b=0.2)
    assert br.distance(r1, r2, "tv") == pytest.approx(br.distance(three[0], three[1], "tv", b=0.2))
    assert br.distance(r1, r2, "tv", b=0.01) == pytest.approx(br.distance(three[0], three[1], "tv"))


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
    rep = br.Representation.from_activations(three[0], b=b)
    assert rep.noise == pytest.approx(0.5)
    assert np.trace(rep.covariance) == pytest.approx(n)
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
