"""How to measure: the settings shared by comparisons, leaderboards and the CLI's options.

Kept apart from :mod:`.leaderboard` so that building the command-line parser does not import
plotting or Brain-Score.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bayesrep_plugin.core.resampling import SCHEMES, check_n_bootstrap, resample_size
from bayesrep_plugin.core import MEASURES, Comparison, Readout, get_measure
from bayesrep_plugin.core.kernels import check_center
from bayesrep_plugin.core.measures import METHODS
from bayesrep_plugin.core.prior import check_b

from .inputs import InputError


#: How responses become a kernel: "linear", X Xᵀ of the mean responses; "correlation", the Pearson
#: correlations between the stimuli's mean patterns (the kernel 1 − RDM of a correlation-distance
#: RDM: see bayesrep_plugin.core.rdm), to stand beside brains that are known only by such RDMs.
RESPONSE_KERNELS = ("linear", "correlation")
#: b="auto": the resolving b of the board's recordings (:func:`~bayesrep_plugin.assemblies.ceiling.resolving_b`),
#: or the reference package's 0.01 where no input has repetitions.
AUTO = "auto"


def _whole(value) -> bool:
    """An int and not a bool (YAML's ``yes`` is a bool; ``3.5`` and ``"3"`` are not counts)."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Settings:
    """How to measure: which measures, the readout's b, the centring, the method, the resampling of
    stimuli, how responses become kernels (:data:`RESPONSE_KERNELS`), and the measures' own options
    (``measure_options``: measure → {option: value}, e.g. ``{"knn_jaccard": {"k": 5}}``), each
    checked by the measure when the settings are made."""

    measures: tuple[str, ...] = ("tv", "js")
    b: float | str = AUTO
    center: str = "features"
    method: str = "exact"
    n_bootstrap: int = 20
    bootstrap_scheme: str = "half"
    seed: int = 0
    max_stimuli: int | None = None
    response_kernel: str = "linear"
    measure_options: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.measures:
            raise InputError("no measure chosen")
        for name in self.measures:
            if name not in MEASURES:
                raise InputError(f"unknown measure {name!r}; known measures: {', '.join(MEASURES)}")
        if self.method not in METHODS:
            raise InputError(f"unknown method {self.method!r}; expected one of {', '.join(METHODS)}")
        closed_forms = [name for name in self.measures if "method" not in get_measure(name).options]
        if self.method != "exact" and closed_forms:
            raise InputError(f"method {self.method!r} does not apply to {', '.join(closed_forms)}: they have closed "
                             "forms and no Monte Carlo estimate (choose them with method: exact, or leave them out)")
        if self.bootstrap_scheme not in SCHEMES:
            raise InputError(f"unknown bootstrap scheme {self.bootstrap_scheme!r}; expected one of {', '.join(SCHEMES)}")
        if self.b != AUTO:
            try:
                check_b(self.b)
            except ValueError as error:
                raise InputError(f"{error} (or 'auto')") from None
        try:
            check_center(self.center)
        except ValueError as error:  # the core's check, as a bad input of ours (the CLI's one-line error)
            raise InputError(str(error)) from None
        try:
            check_n_bootstrap(self.n_bootstrap, zero_means_no_interval=True)
        except ValueError as error:
            raise InputError(str(error)) from None
        if not _whole(self.seed) or self.seed < 0:
            raise InputError(f"seed must be a whole number ≥ 0; got {self.seed!r}")
        if self.response_kernel not in RESPONSE_KERNELS:
            raise InputError(f"unknown response_kernel {self.response_kernel!r}; expected one of "
                             f"{', '.join(RESPONSE_KERNELS)}")
        if self.max_stimuli is not None and not (_whole(self.max_stimuli) and self.max_stimuli >= 10):
            raise InputError(f"max_stimuli must be a whole number of at least 10; got {self.max_stimuli!r}")
        self._check_measure_options()

    def _check_measure_options(self) -> None:
        if not isinstance(self.measure_options, dict) or not all(
                isinstance(options, dict) for options in self.measure_options.values()):
            raise InputError(f"measure_options must map measures to their options, e.g. {{knn_jaccard: {{k: 5}}}}; "
                             f"got {self.measure_options!r}")
        for name, options in self.measure_options.items():
            if name not in self.measures:
                raise InputError(f"measure_options names {name!r}, which is not among the measures {list(self.measures)}")
            if "method" in options:
                raise InputError(f"measure_options of {name!r}: the method is a setting of its own (method: ...)")
            try:
                get_measure(name).check_options(options)
            except ValueError as error:
                raise InputError(str(error)) from None

    def options(self, measure: str) -> dict:
        """Keyword options of ``measure``: the method, for the readout measures, and its ``measure_options``."""
        method = {"method": self.method} if "method" in get_measure(measure).options else {}
        return {**method, **self.measure_options.get(measure, {})}

    def comparison(self, b: float) -> Comparison:
        """The core's comparison these settings make at ``b`` (the given b, or the one ``"auto"``
        resolved to): every measure with its options, the readout prior and the centring, passed
        down to every pair unchecked."""
        return Comparison({name: self.options(name) for name in self.measures}, Readout(b), self.center)

    def check_stimuli(self, n: int) -> None:
        """Refuse, before anything is measured, ``n`` shared stimuli too few for the resamples or for
        a measure (e.g. knn_jaccard's k + 1 on each resample).

        Parameters
        ----------
        n : int
            The stimuli all inputs share (after ``max_stimuli``).

        Raises
        ------
        ResamplingError
            Too few stimuli for the resamples (:func:`~bayesrep_plugin.core.resampling.resample_size`).
        InputError
            Too few for a measure; both say how many stimuli are needed, and what to change.
        """
        size = resample_size(n, self.bootstrap_scheme) if self.n_bootstrap else n
        where = f"each resample holds {size} of the {n} shared stimuli" if size != n else f"{n} shared stimuli"
        for name in self.measures:
            try:
                get_measure(name).check_stimuli(size, self.options(name))
            except ValueError as error:
                raise InputError(f"{error} ({where}; use more stimuli, other measure_options, or n_bootstrap 0)") from None


#: ``bayesrep compare``'s defaults: the reference package's readout, uncentred, as the core API's
#: (b: auto is 0.01 there unless an input is a recording with repetitions).
COMPARE_SETTINGS = Settings(center="none")
