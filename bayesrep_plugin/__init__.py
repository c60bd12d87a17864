"""bayesrep-plugin: Bayesian readout distances between representations, exact and fast.

    import bayesrep_plugin as br
    br.distance(X1, X2, measure="js", b=0.01, method="exact")   # float
    br.distance_from_kernels(K1, K2, measure="tv", b=0.01)      # float
    br.pairwise([X1, X2, X3], measure="js")                      # (3, 3) ndarray
    br.kernel_from_rdm(D, "correlation")                          # an RDM's kernel: 1 − D
"""

from .core import (DEFAULT_B, MEASURES, Estimate, Measure, Representation, center_kernel, compare, distance,
                   correlation_kernel, distance_from_kernels, get_measure, kernel_from_rdm, linear_kernel, pairwise,
                   b_for_noise)

__version__ = "0.1.0"
__all__ = ["distance", "distance_from_kernels", "pairwise", "compare", "Representation", "linear_kernel",
           "center_kernel", "MEASURES", "Measure", "Estimate", "get_measure", "DEFAULT_B", "b_for_noise",
           "kernel_from_rdm", "correlation_kernel", "__version__"]
