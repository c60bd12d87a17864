"""The 92-image set of Kriegeskorte et al. (Neuron 2008): monkey IT and human IT as dissimilarity matrices.

Two files, from rsatoolbox's ``demos/92imageData/``:

- ``Kriegeskorte_Neuron2008_supplementalData.mat``: the 92 images (``stimuli_92objs``, 175 × 175 × 3
  uint8, with category flags) and the RDMs of the paper's Figure 1 (``RDMs_mIT_hIT_fig1``,
  condensed): monkey IT (674 neurons; Kiani et al., J Neurophysiol 2007) and human IT (316 fMRI
  voxels).
- ``92_brainRDMs.mat``: the human IT RDMs of 4 subjects (BE, KO, SN, TI) × 2 sessions, 92 × 92.

Each RDM is 1 − Pearson r between the stimuli's response patterns, as the paper states; the values
agree (all in [0, 2], 1 − RDM positive definite; checked on load, :func:`load_rdms`). The Figure 1
human IT RDM is exactly the mean of the 8 session RDMs (asserted in the tests). There are no
response matrices: a kernel comes from ``1 − RDM``
(:func:`bayesrep_plugin.core.rdm.kernel_from_rdm`, ``kind="correlation"``).

Stimulus ids are ``image01`` … ``image92``, 1-based in the files' order (the rows of every RDM).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from bayesrep_plugin.core.rdm import check_rdm

from .location import CorruptDataError, MissingDataError, dataset_file

DATASET = "kriegeskorte2008-92images"
SUPPLEMENT = "Kriegeskorte_Neuron2008_supplementalData.mat"
SESSIONS = "92_brainRDMs.mat"
N_IMAGES = 92
IMAGE_SHAPE = (175, 175, 3)
#: The Figure 1 RDMs by the names the file gives them, and ours.
FIGURE1 = {"mIT_674neurons": "monkey IT", "hITvisStim_316vx": "human IT"}
SUBJECTS = ("BE", "KO", "SN", "TI")
#: Yes/no flags of each stimulus in the file (struct fields of stimuli_92objs).
FLAGS = ("human", "face", "animal", "natural")


def stimulus_ids(n_images: int = N_IMAGES) -> list[str]:
    """The stimulus ids: image i (1-based) is row i of every RDM.

    Parameters
    ----------
    n_images : int

    Returns
    -------
    list of str
        ``image01`` … ``image92``.
    """
    return [f"image{i:02d}" for i in range(1, n_images + 1)]


def _load_mat(name: str, path) -> tuple[Path, dict]:
    import scipy.io

    file = dataset_file(DATASET, name, path)
    try:
        return file, scipy.io.loadmat(file, squeeze_me=True, struct_as_record=False)
    except Exception as error:
        raise CorruptDataError(f"{file}: not a readable MATLAB file ({type(error).__name__}: {error})") from None


def _field(file: Path, content: dict, key: str):
    if key not in content:
        variables = sorted(k for k in content if not k.startswith("__"))
        raise CorruptDataError(f"{file}: no variable '{key}' (it holds {variables})")
    return content[key]


def _stimuli(file: Path, content: dict) -> np.ndarray:
    stimuli = np.atleast_1d(_field(file, content, "stimuli_92objs"))
    if len(stimuli) != N_IMAGES:
        raise CorruptDataError(f"{file}: stimuli_92objs holds {len(stimuli)} stimuli, expected {N_IMAGES}")
    return stimuli


def load_images(path: str | os.PathLike | None = None) -> tuple[list[str], np.ndarray]:
    """The 92 images, in the order of the RDMs' rows.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The data directory (default: ``$BAYESREP_DATA``).

    Returns
    -------
    tuple of (list of str, numpy.ndarray)
        The stimulus ids, and uint8 RGB pixels (92, 175, 175, 3).

    Raises
    ------
    MissingDataError
        When the data directory or the file is absent (saying where to get it).
    CorruptDataError
        When the file does not hold what it should (naming it).
    """
    file, content = _load_mat(SUPPLEMENT, path)
    pixels = np.empty((N_IMAGES, *IMAGE_SHAPE), dtype=np.uint8)
    for i, stimulus in enumerate(_stimuli(file, content)):
        image = np.asarray(getattr(stimulus, "image", None))
        if image.shape != IMAGE_SHAPE or image.dtype != np.uint8:
            raise CorruptDataError(f"{file}: stimuli_92objs({i + 1}).image is {image.dtype} {image.shape}, "
                                   f"expected uint8 {IMAGE_SHAPE}")
        pixels[i] = image
    return stimulus_ids(), pixels


def pixel_assembly(path: str | os.PathLike | None = None) -> xr.DataArray:
    """The images as a model.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The data directory (default: ``$BAYESREP_DATA``).

    Returns
    -------
    xarray.DataArray
        presentation × neuroid, pixel values 0–255 as float32, each image flattened to
        175·175·3 features, with ``stimulus_id``.

    Raises
    ------
    MissingDataError
        When the data directory or the file is absent (saying where to get it).
    CorruptDataError
        When the file does not hold what it should (naming it).
    """
    ids, pixels = load_images(path)
    return xr.DataArray(pixels.reshape(len(ids), -1).astype(np.float32), dims=("presentation", "neuroid"),
                        coords={"stimulus_id": ("presentation", ids),
                                "neuroid_id": ("neuroid", np.arange(pixels[0].size))},
                        name="pixels")


def load_stimuli(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """One row per image: ``stimulus_id``, ``category`` (one of human/nonhuman bodypart/face,
    natural/artificial inanimate) and the file's yes/no flags ``human``, ``face``, ``animal``,
    ``natural`` (bool); ``animate`` is the category's animate/inanimate half.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The data directory (default: ``$BAYESREP_DATA``).

    Returns
    -------
    pandas.DataFrame
        92 rows.

    Raises
    ------
    MissingDataError
        When the data directory or the file is absent (saying where to get it).
    CorruptDataError
        When the file does not hold what it should (naming it).
    """
    file, content = _load_mat(SUPPLEMENT, path)
    rows = []
    for i, stimulus in enumerate(_stimuli(file, content)):
        try:
            row = {"stimulus_id": stimulus_ids()[i], "category": str(stimulus.category)}
            row.update({flag: bool(getattr(stimulus, flag)) for flag in FLAGS})
        except AttributeError as error:
            raise CorruptDataError(f"{file}: stimuli_92objs({i + 1}) lacks a field ({error})") from None
        rows.append(row)
    table = pd.DataFrame(rows)
    table["animate"] = ~table["category"].str.endswith("inanimate")
    return table


def _checked(file: Path, D, what: str, shape: tuple[int, ...]) -> np.ndarray:
    """A correlation-distance RDM (square, n = 92), checked; its errors name the file and the RDM."""
    D = np.asarray(D)
    if D.shape not in shape:
        raise CorruptDataError(f"{file}: {what} has shape {D.shape}, expected one of {shape}")
    try:
        D = check_rdm(D, what)
    except ValueError as error:
        raise CorruptDataError(f"{file}: {error}") from None
    if D.max() > 2:
        raise CorruptDataError(f"{file}: {what} reaches {D.max():.4g}, outside [0, 2]: not 1 − Pearson r")
    if np.linalg.eigvalsh(1 - D)[0] < 0:
        raise CorruptDataError(f"{file}: 1 − {what} is not positive semi-definite: not 1 − Pearson r of patterns")
    return D


def load_rdms(path: str | os.PathLike | None = None) -> dict[str, np.ndarray]:
    """The Figure 1 RDMs, {"monkey IT": D, "human IT": D}, each (92, 92) float64, 1 − Pearson r.

    Checked: condensed with 92·91/2 entries (or square 92 × 92), symmetric, zero diagonal, finite,
    within [0, 2], and 1 − D positive semi-definite (a correlation matrix), as 1 − r of response
    patterns must be.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The data directory (default: ``$BAYESREP_DATA``).

    Returns
    -------
    dict of str to numpy.ndarray
        ``"monkey IT"`` and ``"human IT"``, each (92, 92).

    Raises
    ------
    MissingDataError
        When the data directory or the file is absent (saying where to get it).
    CorruptDataError
        When the file does not hold what it should (naming it).
    """
    file, content = _load_mat(SUPPLEMENT, path)
    found = {}
    for rdm in np.atleast_1d(_field(file, content, "RDMs_mIT_hIT_fig1")):
        name = str(getattr(rdm, "name", ""))
        if name in FIGURE1:
            found[FIGURE1[name]] = _checked(file, rdm.RDM, name, ((N_IMAGES * (N_IMAGES - 1) // 2,),
                                                                  (N_IMAGES, N_IMAGES)))
    missing = [name for name in FIGURE1 if FIGURE1[name] not in found]
    if missing:
        raise CorruptDataError(f"{file}: RDMs_mIT_hIT_fig1 lacks {missing}")
    return {ours: found[ours] for ours in FIGURE1.values()}


def load_session_rdms(path: str | os.PathLike | None = None) -> np.ndarray:
    """Human IT RDMs by subject and session: (4 subjects, 2 sessions, 92, 92) float64, 1 − Pearson r.

    Subjects in the order of :data:`SUBJECTS`; sessions 1 and 2. The file's entries are matched by
    their names ("hIT | BE | Session: 1"), not by position, and each is checked as in
    :func:`load_rdms`.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The data directory (default: ``$BAYESREP_DATA``).

    Returns
    -------
    numpy.ndarray, shape (4, 2, 92, 92)

    Raises
    ------
    MissingDataError
        When the data directory or the file is absent (saying where to get it).
    CorruptDataError
        When the file does not hold what it should (naming it).
    """
    file, content = _load_mat(SESSIONS, path)
    rdms = np.atleast_1d(_field(file, content, "RDMs")).ravel()
    result = np.full((len(SUBJECTS), 2, N_IMAGES, N_IMAGES), np.nan)
    for rdm in rdms:
        name = str(getattr(rdm, "name", ""))
        match = re.fullmatch(r"hIT \| (\w+) \| Session: ([12])", name)
        if not match or match[1] not in SUBJECTS:
            raise CorruptDataError(f"{file}: unexpected RDM name {name!r} (expected 'hIT | <subject> | Session: <1|2>' "
                                   f"with subject in {SUBJECTS})")
        subject, session = SUBJECTS.index(match[1]), int(match[2]) - 1
        if not np.isnan(result[subject, session, 0, 0]):
            raise CorruptDataError(f"{file}: {name!r} occurs twice")
        result[subject, session] = _checked(file, rdm.RDM, name, ((N_IMAGES, N_IMAGES),))
    if np.isnan(result[:, :, 0, 0]).any():
        subject, session = np.argwhere(np.isnan(result[:, :, 0, 0]))[0]
        raise CorruptDataError(f"{file}: no RDM for subject {SUBJECTS[subject]}, session {session + 1}")
    return result


__all__ = ["SUBJECTS", "CorruptDataError", "MissingDataError", "load_images", "load_rdms", "load_session_rdms",
           "load_stimuli", "pixel_assembly", "stimulus_ids"]
