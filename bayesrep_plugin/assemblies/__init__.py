"""Labeled assemblies in: validation, stimulus alignment, repetitions, time bins, kernels, bootstrap,
the posterior over models.

Knows xarray and the core engine; knows nothing of Brain-Score.
"""

from .align import Aligned, align, align_all
from .bootstrap import SCHEMES, bootstrap_values, resample_indices
from .evidence import NeuralEvidence, evidence_of_models, neural_evidence
from .kernels import KERNELS, cross_validated_kernel, nearest_psd, representation
from .rdm import StimulusKernel, stimulus_kernel, stimulus_kernel_from_dataarray
from .responses import STIMULUS_KEY, AssemblyError, Responses, responses_from_assembly

__all__ = ["Aligned", "align", "align_all", "NeuralEvidence", "evidence_of_models", "neural_evidence", "SCHEMES",
           "bootstrap_values", "resample_indices", "KERNELS", "cross_validated_kernel", "nearest_psd", "representation", "STIMULUS_KEY", "AssemblyError",
           "Responses", "responses_from_assembly", "StimulusKernel", "stimulus_kernel",
           "stimulus_kernel_from_dataarray"]
