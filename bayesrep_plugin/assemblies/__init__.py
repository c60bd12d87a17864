"""Labeled assemblies in: validation, stimulus alignment, repetitions and the recording's noise, time
bins, kernels, a recording's ceiling, chance level and resolving b, the posterior over models
(the bootstrap over stimuli is the core's: :mod:`bayesrep_plugin.core.resampling`).

Knows xarray and the core engine; knows nothing of Brain-Score.
"""

from .align import Aligned, align, align_all
from .ceiling import Resolution, Yardsticks, recording_resolution, resolving_b, yardsticks
from .evidence import NeuralEvidence, evidence_of_models, neural_evidence
from .kernels import KERNELS, cross_validated_kernel, nearest_psd, responses_representation
from .noise import mean_noise, signal_estimate, simulated_recording, split_half
from .rdm import StimulusKernel, stimulus_kernel, stimulus_kernel_from_dataarray
from .responses import STIMULUS_KEY, AssemblyError, Responses, responses_from_assembly

__all__ = ["Aligned", "align", "align_all", "NeuralEvidence", "evidence_of_models", "neural_evidence",
           "KERNELS", "cross_validated_kernel", "nearest_psd",
           "responses_representation", "STIMULUS_KEY", "AssemblyError",
           "Responses", "responses_from_assembly", "StimulusKernel", "stimulus_kernel",
           "stimulus_kernel_from_dataarray", "Resolution", "Yardsticks", "recording_resolution", "resolving_b",
           "yardsticks", "mean_noise", "signal_estimate", "simulated_recording", "split_half"]
