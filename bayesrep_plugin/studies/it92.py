"""The 92-image leaderboard: models beside monkey IT and human IT (Kriegeskorte et al., Neuron 2008).

The brains come only as correlation-distance RDMs (1 − Pearson r of response patterns), so every
representation here is compared through the kernel of its per-stimulus z-scored patterns,
R = 1 − RDM (:mod:`bayesrep_plugin.core.rdm`): a model's activations go through exactly the same
transformation (``response_kernel="correlation"``), so models
and brains differ only in their patterns, not in how they were turned into kernels. The readouts
see each stimulus's pattern shape, not its mean or gain over units.

The boards (:func:`brains`):

- **human IT** (4 subjects × 2 sessions, 316 voxels in the paper): two parts, session 1 and
  session 2, each the mean over the 4 subjects of that session's RDMs (the mean of their kernels:
  the kernel of the subjects' z-scored patterns side by side). A model's value is the mean of its
  distances to the two sessions; the reference row is session 2 vs session 1: the same subjects
  measured again, a real reliability estimate on the same axis. The mean of the two parts is
  1 − the paper's Figure 1 human IT RDM (which is the mean of the 8 session RDMs).
- **monkey IT** (674 neurons): one RDM, so no reference row. Human IT and each subject are ranked
  on its board.
- **human IT · <subject>** for each subject (optional): session 1 vs session 2 of one person;
  monkey IT is ranked on each. Human datasets are one group and are never ranked on each other's
  boards (they share data).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import xarray as xr

from bayesrep_plugin._runtime import single_blas_thread
from bayesrep_plugin.assemblies.rdm import StimulusKernel, stimulus_kernel
from bayesrep_plugin.assemblies.responses import Responses, responses_from_assembly
from bayesrep_plugin.datasets import kriegeskorte2008 as data
from bayesrep_plugin.reports.inputs import InputError, Source, load_assembly, load_input
from bayesrep_plugin.reports.leaderboard import Brain, Report, rank
from bayesrep_plugin.reports.settings import Settings

from .v4 import model_sources

TITLE = "92 images: models, monkey IT and human IT (Kriegeskorte et al. 2008)"
MEASURES = ("tv", "js", "cka", "rsa")
SESSIONS = ("session 1", "session 2")

Model = xr.DataArray | str | os.PathLike


def brains(path: str | os.PathLike | None = None, *, subjects: bool = True) -> list[Brain]:
    """The 92-image brains as kernels (see the module docstring): human IT in two sessions, monkey
    IT, and (``subjects``) each human subject in two sessions."""
    ids = data.stimulus_ids()
    sessions = data.load_session_rdms(path)  # (subject, session, 92, 92)
    result = [Brain(stimulus_kernel("human IT", ids, sessions.mean(axis=0), "correlation", SESSIONS), "human"),
              Brain(stimulus_kernel("monkey IT", ids, data.load_rdms(path)["monkey IT"], "correlation"), "monkey")]
    if subjects:
        result += [Brain(stimulus_kernel(f"human IT · {subject}", ids, sessions[s], "correlation", SESSIONS), "human")
                   for s, subject in enumerate(data.SUBJECTS)]
    return result


def model_responses(model: Model, name: str | None = None) -> Responses:
    """A model assembly (presentation × neuroid DataArray with ``stimulus_id``, or a netCDF path),
    checked to hold all 92 images."""
    if isinstance(model, xr.DataArray):
        label = name or (str(model.name) if model.name is not None else None)
        if not label:
            raise InputError("a model assembly needs a name: pass {name: assembly} or set assembly.name")
        loaded = responses_from_assembly(model, name=label)
    else:
        loaded = load_input(Source(Path(model), name))
    if isinstance(loaded, StimulusKernel):
        raise InputError(f"{loaded.name}: give a model as activations; a kernel or RDM file would not be "
                         "re-expressed as the correlation kernel that the 92-image brains are compared by")
    missing = sorted(set(data.stimulus_ids()) - set(loaded.stimulus_ids))
    if missing or loaded.n != data.N_IMAGES:
        raise InputError(f"{loaded.name}: the 92-image board needs activations for exactly the {data.N_IMAGES} "
                         f"images image01 … image92; missing {missing[:5]}, {loaded.n} stimulus ids in all")
    return loaded


def default_settings() -> Settings:
    """tv, js, cka and rsa; b, resamples and seed the defaults; responses as correlation kernels."""
    return Settings(measures=MEASURES, response_kernel="correlation")


def build_92_leaderboard(models: Mapping[str, Model] | Sequence[Model], settings: Settings | None = None, *,
                         path: str | os.PathLike | None = None, subjects: bool = True, pixels: bool = True,
                         output: Path | None = None, progress: bool = True) -> Report:
    """Models ranked against monkey IT and human IT on the 92 images.

    Parameters
    ----------
    models : mapping name → model, or sequence of models
        Each model is a presentation × neuroid ``DataArray`` with ``stimulus_id`` ``image01`` …
        ``image92`` (its ``.name`` names it when not in a mapping), or the path of a netCDF file
        of one (named by the file's stem).
    settings : Settings, optional
        Default: measures tv, js, cka and rsa, b = 0.01, 20 half-resamples of stimuli. Its
        ``response_kernel`` is always "correlation" here (the brains are correlation RDMs).
    path : path, optional
        The data directory (default ``$BAYESREP_DATA``).
    subjects : bool
        Also one board per human subject (session 1 vs 2 of that person).
    pixels : bool
        Add the pixels model (each image flattened) to the models.
    output : Path, optional
        Cache folder for finished pairs.

    Returns
    -------
    Report
        Boards "human IT", "monkey IT" (and "human IT · <subject>"); see the module docstring.
    """
    settings = dataclasses.replace(settings or default_settings(), response_kernel="correlation")
    named = models.items() if isinstance(models, Mapping) else [(None, model) for model in models]
    candidates = [model_responses(model, name) for name, model in named]
    if pixels:
        candidates.insert(0, model_responses(data.pixel_assembly(path)))
    notes = ["Every representation is compared by the kernel of its per-stimulus z-scored patterns, R = 1 − "
             "correlation-distance RDM: the brains come only as such RDMs, and the models' activations are "
             "transformed the same way. The readout sees each stimulus's pattern shape, not its mean or gain."]
    # n = 92: every eigenproblem is small, and multithreaded BLAS only slows small ones down (measured
    # here: the board's 209 eigendecompositions took 3.3 s with 2 OpenBLAS threads, 0.25 s with 1).
    with single_blas_thread():
        return rank(candidates, brains(path, subjects=subjects), settings, title=TITLE, notes=notes, output=output,
                    progress=progress)


def it92_models(path: str | os.PathLike | None = None, progress: bool = True) -> dict[str, xr.DataArray]:
    """The models of the V4 report run on the 92 images (resized to each model's input), the
    leaderboard's layers of each (:func:`~.v4.model_sources`); the pixels are the board's own."""
    from bayesrep_plugin.models import model_assemblies

    stimulus_ids, images = data.load_images(path)
    paths = model_assemblies(stimulus_ids, images, data_dir=path, progress=progress)
    return {source.label: load_assembly(source) for source in model_sources(paths) if source.label != "pixels"}
