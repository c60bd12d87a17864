"""The torch backend: same values as the numpy core, correct gradients, and gradients that work."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import bayesrep_plugin as br  # noqa: E402
from bayesrep_plugin.core import Readout, compare_measures  # noqa: E402
from bayesrep_plugin.core import torch as brt  # noqa: E402
from bayesrep_plugin.core.prior import Representation  # noqa: E402


#: The registry's measures with a torch path: the one list of what the torch backend computes.
ON_TORCH = [name for name, measure in br.MEASURES.items() if measure.on_torch]


def _pair(n=40, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    Y = X @ rng.standard_normal((d, d)) + 0.5 * rng.standard_normal((n, d))
    return X, Y


@pytest.mark.parametrize("measure", ON_TORCH)
@pytest.mark.parametrize("center", ["none", "features"])
def test_same_values_as_numpy(measure, center):
    X, Y = _pair()
    expected = br.distance(X, Y, measure, b=0.05, center=center)
    got = brt.distance(torch.from_numpy(X), torch.from_numpy(Y), measure, b=0.05, center=center)
    assert got.item() == pytest.approx(expected, rel=1e-10, abs=1e-12)


def test_every_exact_readout_measure_of_the_registry_runs_on_torch():
    """The torch backend has no list of its own: the registry flags the measures it computes (every
    readout measure; Monte Carlo is an option of those that have it), and anything else is refused."""
    assert ON_TORCH == [name for name, m in br.MEASURES.items() if m.bayesian]
    for name, measure in br.MEASURES.items():
        if not measure.on_torch:
            with pytest.raises(ValueError, match="unknown differentiable measure"):
                brt.distance(np.eye(5), np.eye(5), name)


@pytest.mark.parametrize("measure", ON_TORCH)
def test_options_and_prior_are_the_cores(measure):
    """normalize=False and noise weights give the numpy core's value; a bad option gets the registry's words."""
    X, Y = _pair(n=30, seed=9)
    weights = np.linspace(0.5, 2, 30)
    for options in ({"normalize": False}, {"noise_weights": weights}):
        expected = br.distance(X, Y, measure, b=0.05, **options)
        assert brt.distance(X, Y, measure, b=0.05, **options).item() == pytest.approx(expected, rel=1e-9, abs=1e-12)
    with pytest.raises(ValueError) as core:
        br.distance(X, Y, measure, method="mc", n_samples=1, seed=0)
    with pytest.raises(ValueError) as ours:
        brt.distance(X, Y, measure, method="mc", n_samples=1)
    assert str(ours.value) == str(core.value)


@pytest.mark.parametrize("measure", ON_TORCH)
def test_batched_pairwise_equals_the_core(measure):
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal((30, d)) for d in (3, 12, 45, 8)]
    batched = brt.pairwise([torch.from_numpy(x) for x in arrays], measure, b=0.05)
    np.testing.assert_allclose(batched.numpy(), np.asarray(br.pairwise(arrays, measure, b=0.05, progress=False)),
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("d", [8, 60])  # the core's low-rank path (d₁ + d₂ < n) and its full path
def test_measures_from_kernels_give_the_cores_values_for_every_measure(d):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((50, d))
    Y = X @ rng.standard_normal((d, d)) / np.sqrt(d) + rng.standard_normal((50, d))
    rep1, rep2 = Representation.from_activations(X), Representation.from_activations(Y)
    expected = compare_measures(rep1, rep2, {name: {} for name in ON_TORCH}, b=0.02)
    got = brt.measures_from_kernels(rep1.kernel, rep2.kernel, ON_TORCH, Readout(0.02))
    assert list(got) == list(ON_TORCH)
    for name in ON_TORCH:
        assert got[name] == pytest.approx(float(expected[name]), rel=1e-10, abs=1e-13), name


@pytest.mark.parametrize("b", [0.0, 1e-10])
def test_measures_from_kernels_refuse_what_the_core_refuses_with_its_words(b):
    """b = 0 with singular kernels, and a b below what double precision resolves for the pair."""
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((50, 5)), rng.standard_normal((50, 5))
    rep1, rep2 = Representation.from_kernel(X @ X.T, name="A"), Representation.from_kernel(Y @ Y.T, name="B")
    with pytest.raises(ValueError) as core:
        compare_measures(rep1, rep2, {"tv": {}}, b=b)
    with pytest.raises(type(core.value)) as ours:
        brt.measures_from_kernels(rep1.kernel, rep2.kernel, ["kl", "tv"], Readout(b), names=("A", "B"))
    assert str(ours.value) == str(core.value) and ("singular" if b == 0 else "below what double precision") in str(
        ours.value)


def test_batches_of_pairs_give_the_same_matrix(monkeypatch):
    rng = np.random.default_rng(8)
    arrays = [rng.standard_normal((20, 6)) for _ in range(4)]
    whole = brt.pairwise(arrays, "tv")
    monkeypatch.setattr(brt, "BATCH_BYTES", 1)  # one pair per batch
    assert torch.equal(brt.pairwise(arrays, "tv"), whole)


@pytest.mark.parametrize("measure", ["tv", "js", "kl", "bures"])
def test_float32_loses_little_accuracy(measure):
    # Measured: relative error 1e-8 to 1e-6 at n = 50…500 (benchmarks/bench_torch.py prints it).
    X, Y = _pair(n=200, d=30, seed=6)
    exact64 = brt.distance(X, Y, measure).item()
    exact32 = brt.distance(X, Y, measure, dtype=torch.float32)
    assert exact32.dtype == torch.float32
    assert exact32.item() == pytest.approx(exact64, rel=1e-5)


@pytest.mark.parametrize("u", [[9.45e-13 * v for v in (0.9, -0.4, 0.7, -1.3, 0.2, 1.1)], [1e-12], [0.3, -2.0]])
@pytest.mark.parametrize("measure", ["tv", "jsd"])
def test_same_values_as_numpy_at_the_small_end(u, measure):
    # The rule chosen by the core, evaluated in torch (and the closed form for one eigenvalue).
    from bayesrep_plugin.core import exact
    lam = np.exp(2 * np.array(u))
    spectrum = exact.Spectrum.from_eigenvalues(lam)
    expected = exact.total_variation(spectrum) if measure == "tv" else exact.js_divergence_bits(spectrum)
    # private: torch's rule on these very eigenvalues, which a public call reaches only through kernels and b
    assert brt._exact(torch.from_numpy(lam), measure).item() == pytest.approx(expected, rel=1e-9, abs=0)


def test_monte_carlo_matches_exact_within_error():
    X, Y = _pair(seed=1)
    tx, ty = torch.from_numpy(X), torch.from_numpy(Y)
    exact_tv = brt.distance(tx, ty, "tv").item()
    mc = brt.distance(tx, ty, "tv", method="mc", n_samples=20_000, seed=3).item()
    # the same estimator in the numpy core reports its standard error at this sample size
    stderr = br.distance(X, Y, "tv", method="mc", n_samples=20_000, seed=3).stderr
    assert abs(mc - exact_tv) < 4 * stderr


@pytest.mark.parametrize("measure,method", [("tv", "exact"), ("js", "exact"), ("kl", "exact"), ("jsd", "mc"),
                                            ("hellinger", "exact"), ("bures", "exact")])
def test_gradcheck_float64(measure, method):
    rng = np.random.default_rng(2)
    X = torch.tensor(rng.standard_normal((7, 3)), requires_grad=True)
    Y = torch.tensor(rng.standard_normal((7, 4)))
    fn = lambda x: brt.distance(x, Y, measure, b=0.1, method=method, n_samples=200, seed=0)
    assert torch.autograd.gradcheck(fn, (X,), eps=1e-6, atol=1e-5, rtol=1e-3)


def test_gradient_descent_drives_js_to_a_target_down():
    # The target is a linear map of the source plus noise: a map W exists that gets close.
    rng = np.random.default_rng(4)
    n, d = 60, 5
    source = torch.tensor(rng.standard_normal((n, d)))
    target = source @ torch.tensor(rng.standard_normal((d, d))) + 0.05 * torch.tensor(rng.standard_normal((n, d)))
    W = torch.eye(d, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([W], lr=0.05)
    distance = lambda: brt.distance(source @ W, target, "js", b=0.1)
    start = distance().item()
    for _ in range(100):
        optimizer.zero_grad()
        loss = distance()
        loss.backward()
        optimizer.step()
    end = distance().item()
    assert end < 0.5 * start
    # the learned map also lowers the numpy core's independent value
    assert br.distance((source @ W).detach().numpy(), target.numpy(), "js", b=0.1) == pytest.approx(end, abs=1e-10)


def test_bad_input():
    X = torch.zeros(5, 3, dtype=torch.float64)
    with pytest.raises(ValueError, match="all zero"):
        brt.distance(X, torch.ones(5, 3, dtype=torch.float64), "tv")
    with pytest.raises(ValueError, match="unknown differentiable measure"):
        brt.distance(torch.ones(5, 3), torch.ones(5, 3), "cka")
    with pytest.raises(ValueError, match="different numbers of stimuli"):
        brt.distance(torch.ones(5, 3), torch.ones(4, 3), "tv")
    with pytest.raises(ValueError, match="'kl' takes no option.*closed form"):
        brt.distance(torch.ones(5, 3), torch.ones(5, 3), "kl", method="mc")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU on this machine")
def test_same_value_on_the_gpu():
    X, Y = _pair(seed=5)
    on_gpu = brt.distance(torch.from_numpy(X).cuda(), torch.from_numpy(Y).cuda(), "js")
    assert on_gpu.device.type == "cuda"
    assert on_gpu.item() == pytest.approx(br.distance(X, Y, "js"), abs=1e-9)
