"""Posterior predictive comparisons: conditioning, exact TV/JS with mean shifts, and their checks."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

import bayesrep_plugin as br
from bayesrep_plugin.core import Readout, exact
from bayesrep_plugin.core.evidence import standardize
from bayesrep_plugin.core.posterior import PosteriorPair, posterior_distance


@pytest.fixture
def setup():
    rng = np.random.default_rng(0)
    n = 40
    X = rng.standard_normal((n, 6))
    Y = X @ rng.standard_normal((6, 6)) + rng.standard_normal((n, 6))
    responses = X @ rng.standard_normal((6, 3)) + 0.3 * rng.standard_normal((n, 3))
    observed = rng.choice(n, 15, replace=False)
    return br.Representation.from_activations(X), br.Representation.from_activations(Y), responses, observed


def dense_posterior(rep, b, observed, y):
    S = rep.prior(Readout(b)).covariance
    rest = np.setdiff1d(np.arange(rep.n), observed)
    A = S[np.ix_(rest, observed)] @ np.linalg.inv(S[np.ix_(observed, observed)])
    return A @ y, S[np.ix_(rest, rest)] - A @ S[np.ix_(observed, rest)]


def test_conditioning_equals_the_dense_schur_complement(setup):
    rep1, _, responses, observed = setup
    pair = PosteriorPair(rep1, rep1, observed, b=0.05)
    y = standardize(responses[observed])
    mean, cov = dense_posterior(rep1, 0.05, observed, y)
    np.testing.assert_allclose(pair.first.covariance, cov, atol=1e-12)
    np.testing.assert_allclose(pair.first.mean(y), mean, atol=1e-11)


def test_kl_with_means_equals_the_dense_formula(setup):
    rep1, rep2, responses, observed = setup
    y = standardize(responses[observed])
    (m1, C1), (m2, C2) = (dense_posterior(r, 0.05, observed, y) for r in (rep1, rep2))
    r = C1.shape[0]
    for j in range(3):
        d = m2[:, j] - m1[:, j]
        kl = 0.5 * (np.trace(np.linalg.solve(C2, C1)) + d @ np.linalg.solve(C2, d) - r
                    + np.linalg.slogdet(C2)[1] - np.linalg.slogdet(C1)[1])
        value = posterior_distance(rep1, rep2, responses[observed], observed, "kl", b=0.05)[j]
        assert value == pytest.approx(kl, rel=1e-9)


def test_exact_tv_with_means_agrees_with_monte_carlo(setup):
    rep1, rep2, responses, observed = setup
    y = standardize(responses[observed])
    (m1, C1), (m2, C2) = (dense_posterior(r, 0.5, observed, y) for r in (rep1, rep2))
    p, q = stats.multivariate_normal(m1[:, 0], C1), stats.multivariate_normal(m2[:, 0], C2)
    rng = np.random.default_rng(1)
    xp, xq = p.rvs(40_000, random_state=rng), q.rvs(40_000, random_state=rng)
    fp = np.maximum(1 - np.exp(q.logpdf(xp) - p.logpdf(xp)), 0)
    fq = np.maximum(1 - np.exp(p.logpdf(xq) - q.logpdf(xq)), 0)
    mc, se = 0.5 * (fp.mean() + fq.mean()), 0.5 * math.hypot(fp.std() / 200, fq.std() / 200)
    tv = posterior_distance(rep1, rep2, responses[observed], observed, "tv", b=0.5)[0]
    assert abs(tv - mc) < 4 * se and 0.05 < tv < 0.95


def test_one_dimensional_mean_shifts_match_closed_forms_and_quadrature():
    # Equal variances, mean m: TV = 2Φ(|m|/2) − 1.
    for m in (1e-6, 0.3, 2.0):
        spec = exact.Spectrum(np.array([0.0]), np.array([m * m]))
        assert exact.total_variation(spec) == pytest.approx(2 * stats.norm.cdf(m / 2) - 1, rel=1e-8)
    # Variance and mean both differ: TV in closed form from the crossing points, JS by quadrature.
    u, m = 0.3, 0.7
    p, q = stats.norm(0, 1), stats.norm(m, math.exp(u))
    spec = exact.Spectrum(np.array([u]), np.array([m * m]))
    # p > q between the roots of log p − log q = 0 (q is wider): TV = (P − Q)(that interval)
    s = math.exp(u)
    lo, hi = np.sort(np.roots([1 / (2 * s * s) - 0.5, -m / (s * s), m * m / (2 * s * s) + u]))
    tv = (p.cdf(hi) - p.cdf(lo)) - (q.cdf(hi) - q.cdf(lo))
    mix = lambda x: 0.5 * (p.pdf(x) + q.pdf(x))  # noqa: E731
    jsd = 0.5 * integrate.quad(lambda x: p.pdf(x) * math.log(p.pdf(x) / mix(x))
                               + q.pdf(x) * math.log(q.pdf(x) / mix(x)), -20, 20, limit=200)[0] / math.log(2)
    assert exact.total_variation(spec) == pytest.approx(tv, rel=1e-8)
    assert exact.js_divergence_bits(spec) == pytest.approx(jsd, rel=1e-8)


def test_nothing_observed_is_the_prior_comparison(setup):
    rep1, rep2, _, _ = setup
    for measure in ("tv", "js", "kl"):
        value = posterior_distance(rep1, rep2, np.empty((0, 2)), np.array([], dtype=int), measure)
        np.testing.assert_allclose(value, float(br.distance(rep1, rep2, measure)), rtol=1e-9)


def test_observing_what_the_first_representation_explains_brings_its_readout_closer():
    # A neuroid that is a readout of X: after observing it, X's posterior mean predicts the rest well
    # and two copies of X stay identical (distance 0) whatever is observed.
    rng = np.random.default_rng(2)
    X = rng.standard_normal((50, 5))
    rep = br.Representation.from_activations(X)
    y = X @ rng.standard_normal(5)
    assert posterior_distance(rep, rep, y[:20], np.arange(20), "tv")[0] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("observed,responses,match", [
    (np.array([0, 0, 1]), np.ones((3, 1)), "distinct"),
    (np.array([0, 40]), np.ones((2, 1)), r"in \[0, 40\)"),
    (np.arange(39), np.arange(39.0)[:, None], "at least 2 stimuli must be left"),
    (np.arange(5), np.ones((5, 1)), r"neuroid\(s\) \[0\] .* respond the same to every observed stimulus"),
    (np.arange(5), np.arange(4.0)[:, None], r"observed stimulus × neuroid\) with 5 rows; got shape \(4, 1\)"),
    (np.arange(5), np.r_[np.nan, np.arange(4.0)][:, None], "non-finite value nan at observed stimulus 0"),
])
def test_bad_posterior_inputs_are_clear_errors(setup, observed, responses, match):
    rep1, rep2, _, _ = setup
    with pytest.raises(ValueError, match=match):
        posterior_distance(rep1, rep2, responses, observed, "tv")
