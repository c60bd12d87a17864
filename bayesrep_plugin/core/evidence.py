"""The posterior over models: how probable each representation's readout prior makes the responses.

Each neuroid's responses y_j (n stimuli) are read as a draw of a Bayesian linear readout of the
representation, so their probability under the readout's prior predictive (the *evidence*, or
marginal likelihood) scores the representation, and Bayes' rule over a set of candidate
representations turns the evidences into a posterior over models. This is what the reference
package (Schütt lab, BayesCompare: ``encoding.evidence``, ``loglik_score``, ``log_posterior``)
computes; the conventions below follow it where it has one.

The prior. K = X Xᵀ is the representation's kernel, H = I − 11ᵀ/n, and K_c = H K H the kernel of the
feature-centered activations. With a = n·b / (1 + n·b) (:func:`~.prior.noise_fraction`),

    Σ = (1 − a)·n·K_c / tr K_c + a·I,                tr Σ = n,

the prior predictive of a readout that ignores each unit's mean response.

The responses' mean and scale. As the reference does (it z-scores each channel before computing
the evidence), each neuroid's mean over stimuli is removed and its scale is fixed by the data, not
fitted per model: with ȳ_j the mean over stimuli,

    s_j² = ‖y_j − ȳ_j 1‖² / n,        z_j = (y_j − ȳ_j 1) / s_j,       ‖z_j‖² = n = tr Σ,

so the standardised responses have the prior's mean variance. Removing the mean leaves the n − 1
coordinates of z_j orthogonal to 1 (Qᵀ z_j with Q an orthonormal basis of 1^⊥), and the log
evidence is their exact density (a restricted likelihood):

    log E_j = log N(Qᵀ z_j; 0, Qᵀ Σ Q)
            = −½ [(n − 1) log 2π + log det(Qᵀ Σ Q) + z_jᵀ Σ⁻¹ z_j].

The feature-centered kernel makes this exact: 1 is an eigenvector of Σ (eigenvalue a), so Σ has
no covariance between 1 and 1^⊥ for the removed mean to carry. (The reference removes the mean of
the responses but keeps the kernel as given; a representation with large feature means then puts
prior variance on a direction the centred responses never use, and is penalised for it.) In the
responses' own units the density is log E_j − (n − 1) log s_j, the same shift for every model.

Computation. With K_c = U diag(λ) Uᵀ (λ > 0, r of them, U ⊥ 1) and c = (1 − a)·n / tr K_c:

    log det(Qᵀ Σ Q) = Σᵢ log(c λᵢ + a) + (n − 1 − r) log a,
    z_jᵀ Σ⁻¹ z_j   = (n − ‖Uᵀ z_j‖²) / a + Σᵢ (uᵢᵀ z_j)² / (c λᵢ + a),

one eigendecomposition of K_c per representation (O(n³)), or, from a factor F (n × d, d < n,
F Fᵀ = K), a thin SVD of the centred factor (O(n d²)); then O(n r) per neuroid, all at once.

The posterior. Neuroids are independent draws given the model, so a model's log evidence for the
dataset is the sum over neuroids, L_m = Σ_j log E_mj, and with prior probabilities π_m

    P(m | data) = π_m e^{L_m} / Σ_k π_k e^{L_k}      (computed with logsumexp).

Unlike the reference, the noise variance is not estimated per neuroid from repetitions: it is the
readout's a, from the same b whose distances the rest of the package reports.

A fitted signal scale and a known noise (the Brain-Score encoding score). The same prior, with the
neuroid's own scale and its measured noise instead of z-scoring: for neuroid j with mean responses
y (centred over stimuli) and σⱼ² the noise variance of its mean (from repetitions),
y ~ N(0, τ² Σ + σⱼ² I) over all n coordinates, and with z = Uᵀ y and vᵢ = c λᵢ + a

    ℓ(τ²) = −½ [n log 2π + Σᵢ log(τ² vᵢ + σⱼ²) + (n − r) log(τ² a + σⱼ²)
                + Σᵢ zᵢ² / (τ² vᵢ + σⱼ²) + ‖y − U z‖² / (τ² a + σⱼ²)],

the density above with Σ → τ² Σ + σⱼ² I and n − 1 → n coordinates (:func:`readout_log_density`
computes both). τ² maximises ℓ (type-II maximum likelihood, one scalar per neuroid), and the
neuroid's score is the log Bayes factor per stimulus against an isotropic readout (Σ = I, every
direction equally likely), (max ℓ − max ℓ_isotropic) / n (:func:`log_bayes_factors`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp

from .prior import DEFAULT_B, Representation, check_b, noise_fraction

#: Eigenvalues of K_c below this fraction of the largest are zero (rounding; 1 is always one).
RELATIVE_EIGENVALUE_FLOOR = 1e-12
#: A neuroid whose centred responses are below this fraction of its largest |response| is constant.
RELATIVE_CONSTANT = 1e-12
#: Grid of log τ² around a neuroid's own scale, refined per neuroid after the grid search.
LOG_SCALE_GRID = np.linspace(-25.0, 10.0, 141)


@dataclass(frozen=True, eq=False)
class ReadoutSpectrum:
    """The per-representation part of the evidence: the feature-centered kernel's eigensystem.

    K_c = H K H = ``basis`` · diag(``eigenvalues``) · ``basis``ᵀ, with only the positive eigenvalues
    kept; ``trace`` = tr K_c; ``n`` stimuli.
    """

    name: str
    n: int
    basis: np.ndarray        # U (n × r), orthonormal columns (orthogonal to 1 when feature-centred)
    eigenvalues: np.ndarray  # λ (r,), positive
    trace: float

    def variances(self, a: float) -> np.ndarray:
        """vᵢ = c λᵢ + a, c = (1 − a) n / tr K: the prior predictive's variances along U (a beyond it)."""
        return (1 - a) * self.n / self.trace * self.eigenvalues + a


def readout_spectrum(representation: Representation, *, center_features: bool = True) -> ReadoutSpectrum:
    """The eigensystem of a representation's feature-centered kernel K_c = H K H (or of K as held).

    Uses the representation's (centred) factor when it has one (thin SVD, O(n d²)); otherwise its
    (centred) kernel (eigendecomposition, O(n³)); both are cached on the representation.

    Parameters
    ----------
    representation : Representation
        Its factor or kernel, ``n`` and ``name`` are used.
    center_features : bool
        Feature-centre the kernel (default: the posterior over models, whose responses are centred);
        ``False`` takes K as the representation holds it, centred or not when it was built (the
        encoding score's ``center`` option).

    Returns
    -------
    ReadoutSpectrum
        U and λ > 0 with K_c = U diag(λ) Uᵀ, and tr K_c.

    Raises
    ------
    ValueError
        When K_c = 0: every stimulus has the same representation, and no readout can tell them apart.
    """
    name, n = representation.name, representation.n
    if representation.factor is not None:
        factor = representation.centered_factor if center_features else representation.factor
        basis, singular_values, _ = np.linalg.svd(factor, full_matrices=False)
        eigenvalues, trace = singular_values**2, float(np.einsum("ij,ij->", factor, factor))
    else:
        kernel = representation.centered_kernel if center_features else representation.kernel
        eigenvalues, basis = np.linalg.eigh((kernel + kernel.T) / 2)
        trace = float(np.trace(kernel))
    largest = eigenvalues.max(initial=0.0)
    if not largest > 0:
        raise ValueError(f"{name}: the feature-centered kernel is zero (every stimulus has the same "
                         "representation); no readout can tell the stimuli apart")
    keep = eigenvalues > RELATIVE_EIGENVALUE_FLOOR * largest
    return ReadoutSpectrum(name, n, basis[:, keep], eigenvalues[keep], trace)


def constant_neuroids(responses: np.ndarray) -> np.ndarray:
    """Which columns of ``responses`` (n × p) are the same for every stimulus (to rounding), (p,) bool.

    Their standardised responses, and so their evidence, are undefined.
    """
    centred = responses - responses.mean(axis=0, keepdims=True)
    return np.abs(centred).max(axis=0) <= RELATIVE_CONSTANT * np.abs(responses).max(axis=0)


def standardize(responses: ArrayLike, n: int | None = None, *, name: str = "responses",
                rows: str = "stimulus") -> np.ndarray:
    """Each neuroid's responses centred and scaled, z_j = (y_j − ȳ_j 1) / s_j with s_j² = ‖y_j − ȳ_j 1‖² / t
    (t rows): mean 0 and ‖z_j‖² = t, the prior predictive's mean variance (tr Σ / n = 1).

    The one z-scoring of the package: the posterior over models scores z (module docstring), and a
    posterior predictive is conditioned on it (:mod:`~bayesrep_plugin.core.posterior`).

    Parameters
    ----------
    responses : array_like (t,) or (t, p)
        One column per neuroid.
    n : int, optional
        The number of rows required (the representations' stimuli); any when omitted.
    name : str
        Names the responses in error messages.
    rows : str
        What a row is, in error messages (e.g. "observed stimulus").

    Returns
    -------
    numpy.ndarray (t, p)
        z, float64; with no rows (nothing observed), the empty array as it is.

    Raises
    ------
    ValueError
        For a wrong number of rows, a single row, a non-finite value, or a neuroid that responds
        the same to every row (:func:`constant_neuroids`: its z is undefined).
    """
    Y = np.asarray(responses, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or (n is not None and Y.shape[0] != n):
        raise ValueError(f"{name} must be an array ({rows} × neuroid){'' if n is None else f' with {n} rows'}; "
                         f"got shape {np.shape(responses)}")
    if Y.shape[0] == 0:  # nothing observed: a posterior is then the prior
        return Y
    if Y.shape[0] < 2:
        raise ValueError(f"{name}: standardising needs at least 2 rows (one per {rows}); got 1")
    if not np.isfinite(Y).all():
        row, column = np.argwhere(~np.isfinite(Y))[0]
        raise ValueError(f"{name}: non-finite value {Y[row, column]} at {rows} {row}, neuroid {column}")
    constant = np.flatnonzero(constant_neuroids(Y))
    if constant.size:
        raise ValueError(f"{name}: neuroid(s) {constant[:5].tolist()} ({constant.size} in all) respond the same to "
                         f"every {rows}; their standardised responses are undefined (drop them)")
    centred = Y - Y.mean(axis=0, keepdims=True)
    return centred / np.sqrt((centred**2).sum(axis=0) / Y.shape[0])


def _noise(n: int, b: float) -> float:
    b = check_b(b)
    if b == 0:
        raise ValueError("the evidence needs b > 0: with b = 0 the prior is singular unless K_c has rank n − 1")
    return noise_fraction(n, b)


def log_evidence(spectrum: ReadoutSpectrum, responses: ArrayLike, b: float = DEFAULT_B) -> np.ndarray:
    """log E_j, the log evidence of each neuroid's standardised responses under the readout prior.

    log E_j = −½ [(n − 1) log 2π + Σᵢ log(c λᵢ + a) + (n − 1 − r) log a
                  + (n − ‖Uᵀ z_j‖²)/a + Σᵢ (uᵢᵀ z_j)²/(c λᵢ + a)],

    with z_j the neuroid's responses centred and scaled to ‖z_j‖² = n, a = n b / (1 + n b) and
    c = (1 − a) n / tr K_c (the module docstring derives it).

    Parameters
    ----------
    spectrum : ReadoutSpectrum
        The representation's, from :func:`readout_spectrum`.
    responses : array (n,) or (n, p)
        One column per neuroid, rows in the representation's stimulus order.
    b : float
        Noise-to-signal ratio of the readout prior (> 0).

    Returns
    -------
    ndarray (p,)
        log E_j in nats, the density of the n − 1 centred coordinates of z_j.
    """
    return _standardised_log_evidence(spectrum, standardize(responses, spectrum.n), _noise(spectrum.n, b))


def _standardised_log_evidence(spectrum: ReadoutSpectrum, Z: np.ndarray, a: float) -> np.ndarray:
    """log E_j of standardised responses Z (‖z_j‖² = n, orthogonal to 1): n − 1 coordinates, Σ itself."""
    squared = (spectrum.basis.T @ Z) ** 2                                 # (uᵢᵀ z_j)², (r × p)
    return readout_log_density(spectrum, a, squared, spectrum.n - squared.sum(axis=0), dimension=spectrum.n - 1)


def readout_log_density(spectrum: ReadoutSpectrum, a: float, squared: np.ndarray, rest: np.ndarray, *,
                        dimension: int, scale: np.ndarray | None = None,
                        noise: np.ndarray | None = None) -> np.ndarray:
    """The Gaussian log density of responses under the readout prior, τ² Σ + σ² I: the one engine of
    the evidence and of the encoding score (module docstring).

        −½ [D log 2π + Σᵢ log(τ² vᵢ + σ²) + (D − r) log(τ² a + σ²)
            + Σᵢ zᵢ² / (τ² vᵢ + σ²) + ‖y − U z‖² / (τ² a + σ²)],    vᵢ = c λᵢ + a,

    with z = Uᵀ y and D the number of coordinates the density is over (n, or n − 1 for responses
    whose mean is removed and a basis U orthogonal to 1).

    Parameters
    ----------
    spectrum : ReadoutSpectrum
        U and λ of the representation's kernel (:func:`readout_spectrum`).
    a : float
        The readout noise, a = n b / (1 + n b).
    squared : numpy.ndarray (r, p)
        zᵢ² = (uᵢᵀ y_j)² per neuroid.
    rest : numpy.ndarray (p,)
        ‖y_j − U Uᵀ y_j‖², the responses' squared norm outside the basis.
    dimension : int
        D.
    scale, noise : numpy.ndarray (..., p) and (p,), optional
        τ² (e.g. a grid of them per neuroid) and σ², given together. Omitted: τ² = 1 and σ² = 0,
        one covariance Σ for every neuroid, whose log determinant is then computed once.

    Returns
    -------
    numpy.ndarray (..., p)
        The log density in nats, per neuroid (and per τ²).
    """
    variances = spectrum.variances(a)                                     # vᵢ = c λᵢ + a
    rank = len(variances)
    if scale is None:  # τ² = 1, σ² = 0: one covariance for every neuroid, its log determinant once
        log_det = np.log(variances).sum() + (dimension - rank) * np.log(a)
        quadratic = rest / a + (squared / variances[:, None]).sum(axis=0)
    else:
        v = scale[..., None, :] * variances[:, None] + noise              # τ² vᵢ + σ², (..., r, p)
        v_rest = scale * a + noise
        log_det = np.log(v).sum(-2) + (dimension - rank) * np.log(v_rest)
        quadratic = rest / v_rest + (squared / v).sum(-2)
    return -0.5 * (dimension * np.log(2 * np.pi) + log_det + quadratic)


def log_bayes_factors(spectrum: ReadoutSpectrum, means: ArrayLike, noise: np.ndarray,
                      b: float = DEFAULT_B) -> np.ndarray:
    """Per-neuroid log Bayes factor per stimulus of the readout prior, at its best signal scale,
    against an isotropic readout: (max_τ² ℓ(τ²) − max ℓ_isotropic) / n (module docstring).

    τ² is found on :data:`LOG_SCALE_GRID` around the neuroid's own scale, then refined by a bounded
    search within one grid step. The isotropic readout: y ⟂ 1 lies in the (n − 1)-dimensional
    range of H, where the variance v = τ² + σ² is free (v = max(σ², ‖y‖² / (n − 1))), and the
    constant direction has variance σ².

    Parameters
    ----------
    spectrum : ReadoutSpectrum
        The model's (:func:`readout_spectrum`), on the responses' stimuli in the same order.
    means : array_like (n, p)
        Each neuroid's mean responses (centred here over stimuli).
    noise : numpy.ndarray (p,)
        σⱼ² > 0, the noise variance of each neuroid's mean.
    b : float
        The readout's noise-to-signal ratio (> 0).

    Returns
    -------
    numpy.ndarray (p,)
        Nats per stimulus, one per neuroid; 0 when the model's geometry helps no more than none.

    Raises
    ------
    ValueError
        For b = 0 (as :func:`log_evidence`).
    """
    n = spectrum.n
    a = _noise(n, b)
    Y = np.asarray(means, dtype=np.float64)
    Y = Y - Y.mean(axis=0)
    squared = (spectrum.basis.T @ Y) ** 2
    total = (Y**2).sum(axis=0)
    rest = np.clip(total - squared.sum(axis=0), 0, None)

    def log_likelihood(log_scale: np.ndarray, j=slice(None)) -> np.ndarray:
        return readout_log_density(spectrum, a, squared[:, j], rest[j], dimension=n, scale=np.exp(log_scale),
                                   noise=noise[j])

    own_scale = np.log(total / n + noise)
    grid = log_likelihood(own_scale + LOG_SCALE_GRID[:, None])            # (grid, p)
    best = grid.argmax(axis=0)
    step = LOG_SCALE_GRID[1] - LOG_SCALE_GRID[0]
    fitted = np.empty(Y.shape[1])
    for j in range(Y.shape[1]):
        center = own_scale[j] + LOG_SCALE_GRID[best[j]]
        result = minimize_scalar(lambda t: -log_likelihood(np.array([t]), [j])[0],
                                 bounds=(center - step, center + step), method="bounded")
        fitted[j] = max(-result.fun, grid[best[j], j])
    v = np.maximum(noise, total / (n - 1))
    isotropic = -0.5 * ((n - 1) * np.log(v) + total / v + np.log(noise) + n * np.log(2 * np.pi))
    return (fitted - isotropic) / n


def posterior_over_models(total_log_evidence, prior=None) -> np.ndarray:
    """P(m | data) = π_m e^{L_m} / Σ_k π_k e^{L_k}, by logsumexp (no overflow for any L).

    Parameters
    ----------
    total_log_evidence : array (m,)
        L_m, each model's log evidence for the whole dataset.
    prior : array (m,), optional
        Prior probabilities π_m (non-negative, normalised here); uniform when omitted.

    Returns
    -------
    ndarray (m,)
        Posterior probabilities, summing to 1.
    """
    total = np.asarray(total_log_evidence, dtype=np.float64)
    return np.exp(_log_posterior(total, _log_prior(prior, len(total))))


def _log_prior(prior, m: int) -> np.ndarray:
    if prior is None:
        return np.full(m, -np.log(m))
    prior = np.asarray(prior, dtype=np.float64)
    if prior.shape != (m,) or not np.isfinite(prior).all() or (prior < 0).any() or not prior.sum() > 0:
        raise ValueError(f"prior must be {m} non-negative probabilities (one per model), not all zero; got {prior}")
    with np.errstate(divide="ignore"):  # a zero prior probability is log 0 = −inf: that model gets none
        return np.log(prior / prior.sum())


def _log_posterior(total: np.ndarray, log_prior: np.ndarray) -> np.ndarray:
    joint = total + log_prior
    return joint - logsumexp(joint)


@dataclass(frozen=True, eq=False)
class ModelEvidence:
    """Log evidence of every model for every neuroid, and what follows from it."""

    names: tuple[str, ...]
    per_neuroid: np.ndarray   # log E_mj (models × neuroids)
    log_prior: np.ndarray     # log π_m (models,)

    @property
    def total(self) -> np.ndarray:
        """L_m = Σ_j log E_mj, (models,)."""
        return self.per_neuroid.sum(axis=1)

    @property
    def log_posterior(self) -> np.ndarray:
        """log P(m | data), (models,)."""
        return _log_posterior(self.total, self.log_prior)

    @property
    def posterior(self) -> np.ndarray:
        """P(m | data), (models,), summing to 1."""
        return np.exp(self.log_posterior)

    @property
    def neuroids_won(self) -> np.ndarray:
        """How many neuroids each model explains best (highest log E_mj; ties to the first), (models,)."""
        return np.bincount(self.per_neuroid.argmax(axis=0), minlength=len(self.names))


def model_evidence(spectra: Sequence[ReadoutSpectrum], responses, b: float = DEFAULT_B,
                   prior=None) -> ModelEvidence:
    """The log evidence of every model for every neuroid (:func:`log_evidence`) and the posterior.

    Parameters
    ----------
    spectra : sequence of ReadoutSpectrum
        The candidate models, on the responses' stimuli (in the same order).
    responses : array (n, p)
        Neuroids' responses (e.g. means over repetitions), one column per neuroid.
    b : float
        Noise-to-signal ratio of the readout prior (> 0).
    prior : array (m,), optional
        Prior probabilities of the models; uniform when omitted.

    Returns
    -------
    ModelEvidence
        ``per_neuroid`` (m × p), ``total``, ``posterior``, ``neuroids_won``.
    """
    if not spectra:
        raise ValueError("model_evidence needs at least one model")
    if len({spectrum.n for spectrum in spectra}) > 1:
        sizes = ", ".join(f"{spectrum.name}: {spectrum.n}" for spectrum in spectra)
        raise ValueError(f"the models have different numbers of stimuli ({sizes})")
    n = spectra[0].n
    Z, a = standardize(responses, n), _noise(n, b)
    per_neuroid = np.stack([_standardised_log_evidence(spectrum, Z, a) for spectrum in spectra])
    return ModelEvidence(tuple(s.name for s in spectra), per_neuroid, _log_prior(prior, len(spectra)))
