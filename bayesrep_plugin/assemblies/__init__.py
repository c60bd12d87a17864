"""Labeled assemblies in: validation, stimulus alignment, repetitions, time bins, kernels, bootstrap.

Knows xarray and the core engine; knows nothing of Brain-Score.
"""

from .align import Aligned, align
from .bootstrap import SCHEMES, bootstrap_values, resample_indices
from .kernels import KERNELS, cross_validated_kernel, nearest_psd, representation
from .rdm import StimulusKernel, stimulus_kernel, stimulus_kernel_from_dataarray
from .responses import STIMULUS_KEY, AssemblyError, Responses, responses_from_assembly

__all__ = ["Aligned", "align", "SCHEMES", "bootstrap_values", "resample_indices", "KERNELS",
           "cross_validated_kernel", "nearest_psd", "representation", "STIMULUS_KEY", "AssemblyError",
           "Responses", "responses_from_assembly", "StimulusKernel", "stimulus_kernel",
           "stimulus_kernel_from_dataarray"]
