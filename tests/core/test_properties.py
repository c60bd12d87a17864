"""Every measure's declared properties, checked on random data (hypothesis)."""

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st

import bayesrep_plugin as br
from bayesrep_plugin.core.measures import ROTATION, SCALING, TRANSLATION

N = 14  # stimuli
# How many examples each property gets, and whether they change between runs: the hypothesis profiles
# in tests/conftest.py.


@st.composite
def activations(draw, count=1):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        d = draw(st.integers(2, 20))
        X = rng.standard_normal((N, d)) * rng.uniform(0.1, 10) + rng.uniform(-2, 2, size=d)
        out.append(X)
    return out


def value(X, Y, name, **options):
    return float(br.compare(X, Y, name, **options))


ALL = list(br.MEASURES)
# Each measure with its defaults, and with the options that change what it computes: what a
# measure declares must hold for every option.
VARIANTS = [(name, {}) for name in ALL] + [
    ("rsa", {"rdm_comparison": "spearman"}), ("rsa", {"rdm_comparison": "cosine"}),
    ("distance_correlation", {"exponent": 0.5}), ("distance_correlation", {"exponent": 2.0}),
    ("knn_jaccard", {"k": 3, "neighbours": "euclidean"}), ("gulp", {"ridge": 1.0})]


def variants(keep=lambda measure: True):
    """pytest parameters (name, options) of the VARIANTS whose measure ``keep`` accepts."""
    return [pytest.param(name, options, id=name + "".join(f"-{key}={option}" for key, option in options.items()))
            for name, options in VARIANTS if keep(br.MEASURES[name])]


def test_every_measure_declares_its_properties():
    for m in br.MEASURES.values():
        assert m.kind in ("distance", "divergence", "similarity")
        assert m.value_range[0] < m.value_range[1]
        assert m.invariant_to <= {ROTATION, SCALING, TRANSLATION}
        assert not (m.is_metric and not m.symmetric)


@pytest.mark.parametrize("name, options", variants())
@given(data=activations(count=2))
def test_range_symmetry_and_identity(name, options, data):
    X, Y = data
    m = br.MEASURES[name]
    v = value(X, Y, name, **options)
    lo, hi = m.value_range
    assert lo - 1e-12 <= v <= hi + 1e-12
    if m.symmetric:
        assert v == pytest.approx(value(Y, X, name, **options), abs=1e-8)
    assert value(X, X, name, **options) == pytest.approx(m.identity_value, abs=1e-7)


@pytest.mark.parametrize("name", [name for name in ALL if br.MEASURES[name].bayesian])
@given(data=activations(count=2))
def test_range_holds_under_each_prior_option(name, data):
    """The declared range under normalize=False too (bures reached 163 against (0, √2) without it)."""
    X, Y = data
    m = br.MEASURES[name]
    for normalize in (True, False):
        lo, hi = m.range_for(normalize)
        assert lo - 1e-12 <= float(br.compare(X, Y, name, normalize=normalize)) <= hi + 1e-12


def test_unnormalized_bures_needs_its_own_range():
    rng = np.random.default_rng(0)
    X, Y = 100 * rng.standard_normal((N, 4)), rng.standard_normal((N, 4))
    assert float(br.compare(X, Y, "bures", normalize=False)) > math.sqrt(2) == br.MEASURES["bures"].range_for(True)[1]
    assert br.MEASURES["bures"].range_for(False) == (0.0, math.inf)


@pytest.mark.parametrize("name, options", variants())
@given(data=activations(count=2), scale=st.floats(0.01, 100))
def test_declared_invariances_hold(name, options, data, scale):
    X, Y = data
    m = br.MEASURES[name]
    rng = np.random.default_rng(0)
    reference = value(X, Y, name, **options)
    transforms = {
        ROTATION: lambda Z: Z @ scipy.stats.ortho_group.rvs(Z.shape[1], random_state=rng),
        SCALING: lambda Z: scale * Z,
        TRANSLATION: lambda Z: Z + rng.normal(0, 3, size=Z.shape[1]),
    }
    for prop in m.invariant_to:
        assert value(transforms[prop](X), Y, name, **options) == pytest.approx(reference, rel=1e-6, abs=1e-8), prop


@pytest.mark.parametrize("name", [m for m in ALL if TRANSLATION not in br.MEASURES[m].invariant_to])
def test_undeclared_translation_invariance_really_fails(name):
    # A declared property must be able to fail: the readout measures see each unit's mean.
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((N, 5)), rng.standard_normal((N, 6))
    shifted = X + 5.0
    assert abs(value(shifted, Y, name) - value(X, Y, name)) > 1e-3
    # ... and centering the features restores it
    assert float(br.compare(shifted, Y, name, center="features")) == pytest.approx(
        float(br.compare(X, Y, name, center="features")), rel=1e-8)


@pytest.mark.parametrize("name, options", variants(lambda measure: measure.is_metric))
@given(data=activations(count=3))
def test_triangle_inequality(name, options, data):
    X, Y, Z = data
    assert value(X, Z, name, **options) <= value(X, Y, name, **options) + value(Y, Z, name, **options) + 1e-9


def test_knn_jaccard_neighbours_have_the_invariances_their_closeness_has():
    # Cosine neighbours ignore each stimulus's own scale but not a translation; Euclidean ones the reverse.
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((N, 6)), rng.standard_normal((N, 4))
    per_stimulus = X * rng.uniform(0.1, 10, size=(N, 1))
    shifted = X + rng.normal(0, 3, size=6)
    cosine, euclidean = value(X, Y, "knn_jaccard", k=3), value(X, Y, "knn_jaccard", k=3, neighbours="euclidean")
    assert value(per_stimulus, Y, "knn_jaccard", k=3) == cosine
    assert value(shifted, Y, "knn_jaccard", k=3, neighbours="euclidean") == euclidean
    assert value(shifted, Y, "knn_jaccard", k=3) != cosine
    assert value(per_stimulus, Y, "knn_jaccard", k=3, neighbours="euclidean") != euclidean


def test_kl_is_asymmetric_as_declared():
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((N, 3)), rng.standard_normal((N, 9))
    assert not math.isclose(value(X, Y, "kl"), value(Y, X, "kl"), rel_tol=1e-3)
