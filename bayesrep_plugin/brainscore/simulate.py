"""Brain-Score assemblies from arrays: for examples, tests and benchmarks without recordings on disk.

No neural recordings ship in any wheel we can use offline, so a "neural" assembly is built from
a noiseless signal (e.g. real network activations, or a linear view of one) plus independent
Gaussian noise on every repetition.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly


def neuroid_assembly(values, *, stimulus_ids: Sequence | None = None, neuroid_ids: Sequence | None = None,
                     region: str = "IT", time_bins: Sequence[tuple[int, int]] | None = None) -> NeuroidAssembly:
    """A ``NeuroidAssembly`` (presentation × neuroid [× time_bin]) from an array.

    ``values`` has shape (repetitions, n, d [, t]) or (n, d [, t]); presentation coords are
    ``stimulus_id`` (default ``im0000``…), ``repetition`` and ``object_name``; neuroid coords
    ``neuroid_id`` (default ``n0``…) and ``region``; time bins get ``time_bin_start``/``_end``.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 2 + (time_bins is not None):
        values = values[None]
    repetitions, n, d = values.shape[:3]
    stimulus_ids = list(stimulus_ids) if stimulus_ids is not None else [f"im{i:04d}" for i in range(n)]
    neuroid_ids = list(neuroid_ids) if neuroid_ids is not None else [f"n{j}" for j in range(d)]
    coords = {
        "stimulus_id": ("presentation", stimulus_ids * repetitions),
        "repetition": ("presentation", np.repeat(np.arange(repetitions), n)),
        "object_name": ("presentation", [f"object{i % 8}" for i in range(n)] * repetitions),
        "neuroid_id": ("neuroid", neuroid_ids),
        "region": ("neuroid", [region] * d),
    }
    dims = ["presentation", "neuroid"]
    if time_bins is not None:
        coords["time_bin_start"] = ("time_bin", [start for start, _ in time_bins])
        coords["time_bin_end"] = ("time_bin", [end for _, end in time_bins])
        dims.append("time_bin")
    return NeuroidAssembly(values.reshape(repetitions * n, d, *values.shape[3:]), coords=coords, dims=dims)


def recordings(signal, *, repetitions: int, noise: float, seed: int = 0, **kwargs) -> NeuroidAssembly:
    """Simulated recordings: ``signal`` (n × d) + N(0, noise²) independently on each repetition."""
    signal = np.asarray(signal, dtype=float)
    rng = np.random.default_rng(seed)
    trials = signal[None] + noise * rng.normal(size=(repetitions, *signal.shape))
    return neuroid_assembly(trials, **kwargs)


def linear_views(n: int = 120, k: int = 6, dims: Sequence[int] = (40, 25), seed: int = 0) -> list[np.ndarray]:
    """Linear views (n × dᵢ) of the same k shared latents: representations that are related."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, k))
    return [latent @ rng.normal(size=(k, d)) for d in dims]
