"""The kernel-only core: activations → kernel → prior predictive → distance.

numpy/scipy only; knows nothing of xarray, Brain-Score, files or screens. Tables of pairs are
planned and run here (:mod:`~bayesrep_plugin.core.plan`: serially or in worker processes), their
resamples of stimuli and intervals too (:mod:`~bayesrep_plugin.core.resampling`). The differentiable
versions run in :mod:`bayesrep_plugin.core.torch` (the only module here that imports torch): the
registry's readout measures, through the same functions on tensors (the torch array backend).
"""

from .compare import Comparison, compare, compare_measures, distance, distance_from_kernels, pairwise, prepare
from .gaussian import Pair
from .kernels import center_kernel, linear_kernel
from .measures import MEASURES, Estimate, EstimateMatrix, Measure, get_measure
from .posterior import POSTERIOR_MEASURES, PosteriorPair, posterior_distance
from .prior import DEFAULT_B, Prior, Readout, Representation, b_for_noise
from .rdm import correlation_kernel, kernel_from_rdm

__all__ = ["Comparison", "Readout", "compare", "compare_measures", "distance", "distance_from_kernels", "pairwise", "prepare", "Pair",
           "linear_kernel", "center_kernel", "MEASURES", "Measure", "Estimate", "EstimateMatrix", "get_measure",
           "Representation", "Prior", "DEFAULT_B", "b_for_noise", "kernel_from_rdm", "correlation_kernel",
           "POSTERIOR_MEASURES", "PosteriorPair", "posterior_distance"]
