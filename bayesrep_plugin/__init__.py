"""bayesrep-plugin: Bayesian readout distances between representations, exact and fast.

    import bayesrep_plugin as br
    br.distance(X1, X2, measure="js", b=0.01)                   # an Estimate (a float with .stderr)
    br.distance_from_kernels(K1, K2, measure="tv", b=0.01)      # the same from kernels
    br.compare(X1, X2, measure="cka")                           # any measure, similarities too
    br.pairwise([X1, X2, X3], measure="js")                      # (3, 3) EstimateMatrix
    br.kernel_from_rdm(D, "correlation")                          # an RDM's kernel: 1 − D
"""

from .core import (DEFAULT_B, MEASURES, Estimate, EstimateMatrix, Measure, Representation, b_for_noise, center_kernel,
                   compare, compare_measures, correlation_kernel, distance, distance_from_kernels, get_measure,
                   kernel_from_rdm, linear_kernel, pairwise, posterior_distance)
from .errors import BayesrepError

__version__ = "0.1.0"
# What a user calls; the engine's objects (Pair, Prior, prepare, PosteriorPair) are bayesrep_plugin.core's.
__all__ = ["distance", "distance_from_kernels", "compare", "compare_measures", "pairwise", "posterior_distance",
           "Representation", "linear_kernel", "center_kernel", "kernel_from_rdm", "correlation_kernel", "MEASURES",
           "Measure", "get_measure", "Estimate", "EstimateMatrix", "DEFAULT_B", "b_for_noise", "BayesrepError", "__version__"]
