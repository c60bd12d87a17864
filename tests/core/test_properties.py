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


def value(X, Y, name):
    return float(br.distance(X, Y, name))


ALL = list(br.MEASURES)


def test_every_measure_declares_its_properties():
    for m in br.MEASURES.values():
        assert m.kind in ("distance", "divergence", "similarity")
        assert m.value_range[0] < m.value_range[1]
        assert m.invariant_to <= {ROTATION, SCALING, TRANSLATION}
        assert not (m.is_metric and not m.symmetric)


@pytest.mark.parametrize("name", ALL)
@given(data=activations(count=2))
def test_range_symmetry_and_identity(name, data):
    X, Y = data
    m = br.MEASURES[name]
    v = value(X, Y, name)
    lo, hi = m.value_range
    assert lo - 1e-12 <= v <= hi + 1e-12
    if m.symmetric:
        assert v == pytest.approx(value(Y, X, name), abs=1e-8)
    assert value(X, X, name) == pytest.approx(m.identity_value, abs=1e-7)


@pytest.mark.parametrize("name", ALL)
@given(data=activations(count=2), scale=st.floats(0.01, 100))
def test_declared_invariances_hold(name, data, scale):
    X, Y = data
    m = br.MEASURES[name]
    rng = np.random.default_rng(0)
    reference = value(X, Y, name)
    transforms = {
        ROTATION: lambda Z: Z @ scipy.stats.ortho_group.rvs(Z.shape[1], random_state=rng),
        SCALING: lambda Z: scale * Z,
        TRANSLATION: lambda Z: Z + rng.normal(0, 3, size=Z.shape[1]),
    }
    for prop in m.invariant_to:
        assert value(transforms[prop](X), Y, name) == pytest.approx(reference, rel=1e-6, abs=1e-8), prop


@pytest.mark.parametrize("name", [m for m in ALL if TRANSLATION not in br.MEASURES[m].invariant_to])
def test_undeclared_translation_invariance_really_fails(name):
    # A declared property must be able to fail: the readout measures see each unit's mean.
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((N, 5)), rng.standard_normal((N, 6))
    shifted = X + 5.0
    assert abs(value(shifted, Y, name) - value(X, Y, name)) > 1e-3
    # ... and centering the features restores it
    assert float(br.distance(shifted, Y, name, center="features")) == pytest.approx(
        float(br.distance(X, Y, name, center="features")), rel=1e-8)


@pytest.mark.parametrize("name", [m for m in ALL if br.MEASURES[m].is_metric])
@given(data=activations(count=3))
def test_triangle_inequality(name, data):
    X, Y, Z = data
    assert value(X, Z, name) <= value(X, Y, name) + value(Y, Z, name) + 1e-9


def test_kl_is_asymmetric_as_declared():
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((N, 3)), rng.standard_normal((N, 9))
    assert not math.isclose(value(X, Y, "kl"), value(Y, X, "kl"), rel_tol=1e-3)
