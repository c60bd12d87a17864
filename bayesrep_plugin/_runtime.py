"""How the process runs its linear algebra: BLAS on one thread where the problems are small.

Resamples, ceilings and pairwise tables are many small eigenproblems, which multithreaded BLAS
slows down: on this project's 2-core machines under load, one 500 × 500 generalized eigenproblem
took 0.25 s with 2 OpenBLAS threads and 0.03 s with 1, and 100 resamples at n = 1000 went from
51 s to 7.6 s. So those loops run inside :func:`single_blas_thread`.

Not part of :mod:`bayesrep_plugin.core`: the thread count changes how fast a result comes, not the
result, so tuning it must not change the code digests that key the caches of core results.
"""

from __future__ import annotations

import functools

from threadpoolctl import ThreadpoolController


@functools.cache
def _blas_libraries() -> ThreadpoolController:
    """The process's BLAS libraries, listed once: listing them costs about 1.6 ms, which every pair
    would otherwise pay (a pair of 1,000 stimuli takes about 70 ms). scipy.linalg is loaded first
    because scipy brings its own BLAS, the one our eigensolvers use."""
    import scipy.linalg  # noqa: F401

    return ThreadpoolController()


def single_blas_thread():
    """Context in which BLAS/LAPACK use one thread: for loops of many small linear-algebra problems."""
    return _blas_libraries().limit(limits=1, user_api="blas")
