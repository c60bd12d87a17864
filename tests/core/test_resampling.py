"""Resampling stimuli: seeded, the two schemes, and resamples as submatrices of the kernels."""

import numpy as np
import pytest

from bayesrep_plugin.core.resampling import bootstrap_values, resample_indices
from bayesrep_plugin.core.resampling import check_n_bootstrap
from bayesrep_plugin.core import compare
from bayesrep_plugin.core.prior import Representation


def test_half_samples_are_distinct_stimuli_and_seeded():
    indices = resample_indices(50, 30, scheme="half", seed=1)
    assert indices.shape == (30, 25)
    assert all(len(set(row)) == 25 for row in indices)
    np.testing.assert_array_equal(indices, resample_indices(50, 30, scheme="half", seed=1))
    assert not np.array_equal(indices, resample_indices(50, 30, scheme="half", seed=2))


def test_replacement_samples_repeat_stimuli():
    indices = resample_indices(50, 30, scheme="replacement", seed=1)
    assert indices.shape == (30, 50) and any(len(set(row)) < 50 for row in indices)


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_bootstrap must be a whole number of at least 2"):
        resample_indices(50, 1)
    with pytest.raises(ValueError, match="scheme='jackknife' is not one of"):
        resample_indices(50, 10, scheme="jackknife")


@pytest.mark.parametrize("count", [1, -3, 2.5, True, "20"])
def test_one_rule_for_the_number_of_resamples_at_every_entry_point(count):
    pytest.importorskip("brainscore_core")  # the core's tests also run without the Brain-Score stack
    from bayesrep_plugin.brainscore.encoding import BayesianEncoding
    from bayesrep_plugin.brainscore.registry import factory
    from bayesrep_plugin.reports.settings import Settings

    strict = f"n_bootstrap must be a whole number of at least 2 to estimate a spread; got {count!r}"
    for make in (lambda: check_n_bootstrap(count), lambda: factory("bayes_js")(n_bootstrap=count),
                 lambda: BayesianEncoding(n_bootstrap=count)):
        with pytest.raises(ValueError) as error:
            make()
        assert str(error.value) == strict
    with pytest.raises(ValueError) as error:  # the reports also take 0: no resamples, no intervals
        Settings(n_bootstrap=count)
    assert str(error.value) == strict.replace("must be", "must be 0 (no intervals) or")


def test_zero_resamples_means_no_interval_only_where_asked_for():
    check_n_bootstrap(0, zero_means_no_interval=True)
    check_n_bootstrap(np.int64(2))
    with pytest.raises(ValueError, match="got 0"):
        check_n_bootstrap(0)


def test_a_resample_equals_the_comparison_recomputed_from_its_activations():
    rng = np.random.default_rng(2)
    latent = rng.normal(size=(80, 6))  # two linear views of shared latents: one low-rank factor path, one full kernel
    X1, X2 = latent @ rng.normal(size=(6, 20)), latent @ rng.normal(size=(6, 120))
    rep1, rep2 = Representation.from_activations(X1), Representation.from_activations(X2)
    tv = lambda rep1, rep2: compare(rep1, rep2, "tv")
    indices = resample_indices(80, 3, scheme="replacement", seed=0)
    values = bootstrap_values(rep1, rep2, tv, indices)
    for value, index in zip(values, indices):
        direct = tv(Representation.from_activations(X1[index]), Representation.from_activations(X2[index]))
        assert value == pytest.approx(float(direct), abs=1e-8)
