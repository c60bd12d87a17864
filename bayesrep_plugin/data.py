"""The real activations that ship inside the brainscore-vision wheel (no downloads).

AlexNet (classifier.5, 4096 features), ResNet-18 and ResNet-34 (avgpool, 512 features) responses
to the same 2,400 objectome-240 images, stimuli in the same order (coordinate ``stimulus_path``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import xarray as xr

NETWORKS = ("alexnet", "resnet18", "resnet34")
#: The coordinate that names the stimuli in these files (Brain-Score's own assemblies use stimulus_id).
STIMULUS_COORD = "stimulus_path"


def activations_path(network: str) -> Path:
    """Path of the netCDF file with ``network``'s activations inside brainscore-vision."""
    if network not in NETWORKS:
        raise ValueError(f"no shipped activations for {network!r}; available: {', '.join(NETWORKS)}")
    spec = importlib.util.find_spec("brainscore_vision")  # locate without importing (slow)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("brainscore-vision is not installed; it carries the real activations "
                                "(pip install brainscore-vision)")
    root = Path(list(spec.submodule_search_locations)[0])
    path = (root / "benchmarks" / "rajalingham2018" / "test_resources"
            / f"identifier={network},stimuli_identifier=objectome-240.nc")
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed brainscore-vision")
    return path


def load_activations(network: str) -> xr.DataArray:
    """The (2400 stimuli × features) float32 activations of ``network``, loaded into memory."""
    with xr.open_dataarray(activations_path(network)) as data:
        return data.load()
