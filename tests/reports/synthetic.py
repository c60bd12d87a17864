"""Small synthetic inputs in every accepted format, with a known order of closeness to the brain.

A latent Z (n stimuli × 6) drives a "brain" population (4 repetitions, noise) and three models:
``near`` is a rotation of the brain's signal plus a little noise, ``mid`` mixes the signal with
as much unrelated variance, ``far`` is unrelated. So near < mid < far in distance to the brain.
Each is written in a different format: plain-xarray netCDF (rows shuffled, so alignment must go
by stimulus id), .npz, .npy with an id list, and brainio netCDF for the brain.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
from brainscore_core.supported_data_standards.brainio.packaging import write_netcdf

REPETITIONS = 4


def signals(n: int, seed: int) -> dict[str, np.ndarray]:
    """The noiseless responses (n × features) of the brain and the three models, rows in id order."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 6))
    brain = latent @ rng.normal(size=(6, 30))
    rotation = np.linalg.qr(rng.normal(size=(30, 30)))[0]
    return {"brain": brain,
            "near": brain @ rotation + 0.2 * rng.normal(size=(n, 30)),
            "mid": np.hstack([brain, 2.0 * rng.normal(size=(n, 30))]),
            "far": rng.normal(size=(n, 25))}


def stimulus_ids(n: int) -> np.ndarray:
    return np.array([f"img{i:04d}" for i in range(n)])


def write_dataset(folder: Path, n: int = 60, seed: int = 0, noise: float = 1.0) -> dict[str, Path]:
    """Write near.nc, mid.npz, far.npy (+ far-ids.txt) and brain.nc (brainio); return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 1)
    data, ids = signals(n, seed), stimulus_ids(n)
    shuffled = rng.permutation(n)
    xr.DataArray(data["near"][shuffled], dims=("presentation", "neuroid"),
                 coords={"stimulus_id": ("presentation", ids[shuffled]),
                         "neuroid_id": ("neuroid", np.arange(30)),
                         "layer": ("neuroid", ["early"] * 10 + ["late"] * 20)}).to_netcdf(folder / "near.nc")
    np.savez(folder / "mid.npz", activations=data["mid"], stimulus_id=ids)
    np.save(folder / "far.npy", data["far"])
    (folder / "far-ids.txt").write_text("\n".join(ids) + "\n")
    trials = np.concatenate([data["brain"] + noise * rng.normal(size=data["brain"].shape) for _ in range(REPETITIONS)])
    brain = NeuroidAssembly(trials, dims=["presentation", "neuroid"], coords={
        "stimulus_id": ("presentation", np.tile(ids, REPETITIONS)),
        "repetition": ("presentation", np.repeat(np.arange(REPETITIONS), n)),
        "neuroid_id": ("neuroid", [f"n{j}" for j in range(30)]),
        "region": ("neuroid", ["IT"] * 30)})
    write_netcdf(brain, folder / "brain.nc")
    return {"near": folder / "near.nc", "mid": folder / "mid.npz", "far": folder / "far.npy",
            "far_ids": folder / "far-ids.txt", "brain": folder / "brain.nc"}
