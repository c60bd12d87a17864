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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.special import logsumexp

from .prior import DEFAULT_B, Representation, check_b, noise_fraction

#: Eigenvalues of K_c below this fraction of the largest are zero (rounding; 1 is always one).
RELATIVE_EIGENVALUE_FLOOR = 1e-12
#: A neuroid whose centred responses are below this fraction of its largest |response| is constant.
RELATIVE_CONSTANT = 1e-12


@dataclass(frozen=True, eq=False)
class ReadoutSpectrum:
    """The per-representation part of the evidence: the feature-centered kernel's eigensystem.

    K_c = H K H = ``basis`` · diag(``eigenvalues``) · ``basis``ᵀ, with only the positive eigenvalues
    kept; ``trace`` = tr K_c; ``n`` stimuli.
    """

    name: str
    n: int
    basis: np.ndarray        # U (n × r), orthonormal columns, orthogonal to 1
    eigenvalues: np.ndarray  # λ (r,), positive
    trace: float


def readout_spectrum(representation: Representation) -> ReadoutSpectrum:
    """The eigensystem of a representation's feature-centered kernel K_c = H K H.

    Uses the representation's centred factor when it has one (thin SVD, O(n d²)); otherwise its
    centred kernel H K H (eigendecomposition, O(n³)); both are cached on the representation.

    Parameters
    ----------
    representation : Representation
        Its centred factor or kernel, ``n`` and ``name`` are used.

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
        centred = representation.centered_factor
        basis, singular_values, _ = np.linalg.svd(centred, full_matrices=False)
        eigenvalues, trace = singular_values**2, float(np.einsum("ij,ij->", centred, centred))
    else:
        centred = representation.centered_kernel
        eigenvalues, basis = np.linalg.eigh((centred + centred.T) / 2)
        trace = float(np.trace(centred))
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


def _standardised(responses, n: int) -> np.ndarray:
    """z = (y − ȳ) / s per column (see the module docstring), checked."""
    Y = np.asarray(responses, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or Y.shape[0] != n:
        raise ValueError(f"responses must be an array (n stimuli × neuroids) with n = {n} rows, the "
                         f"representations' stimuli; got shape {np.shape(responses)}")
    if not np.isfinite(Y).all():
        raise ValueError(f"responses: non-finite value in neuroid {int(np.argwhere(~np.isfinite(Y))[0, 1])}")
    constant = np.flatnonzero(constant_neuroids(Y))
    if constant.size:
        raise ValueError(f"responses: neuroid(s) {constant[:5].tolist()} ({constant.size} in all) respond the same "
                         "to every stimulus; their evidence is undefined (drop them)")
    centred = Y - Y.mean(axis=0, keepdims=True)
    return centred / np.sqrt((centred**2).sum(axis=0) / n)


def _noise(n: int, b: float) -> float:
    b = check_b(b)
    if b == 0:
        raise ValueError("the evidence needs b > 0: with b = 0 the prior is singular unless K_c has rank n − 1")
    return noise_fraction(n, b)


def log_evidence(spectrum: ReadoutSpectrum, responses, b: float = DEFAULT_B) -> np.ndarray:
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
    return _log_evidence(spectrum, _standardised(responses, spectrum.n), _noise(spectrum.n, b))


def _log_evidence(spectrum: ReadoutSpectrum, Z: np.ndarray, a: float) -> np.ndarray:
    n = spectrum.n
    variances = (1 - a) * n / spectrum.trace * spectrum.eigenvalues + a   # c λᵢ + a
    rank = len(variances)
    log_det = np.log(variances).sum() + (n - 1 - rank) * np.log(a)
    projections = spectrum.basis.T @ Z                                    # Uᵀ z_j, (r × p)
    squared = projections**2
    quadratic = (n - squared.sum(axis=0)) / a + (squared / variances[:, None]).sum(axis=0)
    return -0.5 * ((n - 1) * np.log(2 * np.pi) + log_det + quadratic)


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
    Z, a = _standardised(responses, n), _noise(n, b)
    per_neuroid = np.stack([_log_evidence(spectrum, Z, a) for spectrum in spectra])
    return ModelEvidence(tuple(s.name for s in spectra), per_neuroid, _log_prior(prior, len(spectra)))
