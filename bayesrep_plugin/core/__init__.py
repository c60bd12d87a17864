"""The kernel-only core: activations → kernel → prior predictive → distance.

numpy/scipy only; knows nothing of xarray, Brain-Score, files or screens. The differentiable
versions live in :mod:`bayesrep_plugin.core.torch` (the only module here that imports torch).
"""

from .compare import compare, distance, distance_from_kernels, pairwise
from .kernels import center_kernel, linear_kernel
from .measures import MEASURES, Estimate, Measure, get_measure
from .prior import DEFAULT_B, Representation, b_for_noise
from .rdm import correlation_kernel, kernel_from_rdm

__all__ = ["compare", "distance", "distance_from_kernels", "pairwise", "linear_kernel", "center_kernel",
           "MEASURES", "Measure", "Estimate", "get_measure", "Representation", "DEFAULT_B", "b_for_noise",
           "kernel_from_rdm", "correlation_kernel"]
