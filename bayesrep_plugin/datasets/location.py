"""Where the real data live: one configurable folder, and a clear error when a file is absent.

The folder holds one subfolder per dataset, laid out as the public sources distribute them:

    <data dir>/cowley2026-v4/           macaque V4 (Cowley, Stan, Pillow & Smith, Nature 2026)
    <data dir>/kriegeskorte2008-92images/   92-image monkey / human IT RDMs (Kriegeskorte et al. 2008)

It is found from, in order: an explicit ``path`` argument (the CLI's ``--data-dir``), the
environment variable ``BAYESREP_DATA``. There is no default: results must never depend on which
copy of a dataset happens to lie nearby.

Files computed from the data go elsewhere, to the cache folder (:func:`bayesrep_plugin._io.cache_dir`).
"""

from __future__ import annotations

import os
from pathlib import Path

from bayesrep_plugin.errors import BayesrepError

DATA_ENV = "BAYESREP_DATA"

#: Where each dataset comes from, for the error message when it is missing.
SOURCES = {
    "cowley2026-v4": (
        "GitHub cowleygroup/V4_compact_models (GPL-3.0), commit f4552ad9d34a466ebc66658f72a08a8e5038f1cf: "
        "responses_raw/responses_210325.npy, images/images_210325.zip and shared_compact_models/ "
        "(cite Cowley, Stan, Pillow & Smith, Nature 2026)"),
    "kriegeskorte2008-92images": (
        "GitHub rsagroup/rsatoolbox, demos/92imageData/ (commit f1f83cadb7243492a1aae7460466e0f0140b20ac): "
        "Kriegeskorte_Neuron2008_supplementalData.mat and 92_brainRDMs.mat "
        "(cite Kriegeskorte et al., Neuron 2008)"),
}


class MissingDataError(BayesrepError, FileNotFoundError):
    """A dataset (or one of its files) is not in the data directory; the message says where to get it."""


class CorruptDataError(BayesrepError, ValueError):
    """A data file exists but does not hold what it should; the message names the file."""


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """The data directory: ``path`` if given, else ``$BAYESREP_DATA``; it must exist.

    Parameters
    ----------
    path : str or os.PathLike, optional

    Returns
    -------
    pathlib.Path

    Raises
    ------
    MissingDataError
        When neither is set, or the folder does not exist.
    """
    chosen = path if path is not None else os.environ.get(DATA_ENV)
    if not chosen:
        raise MissingDataError(f"no data directory: pass --data-dir DIR (data_dir=...) or set {DATA_ENV}=DIR, "
                               f"a folder holding {' and/or '.join(f'{name}/' for name in SOURCES)}")
    folder = Path(chosen).expanduser()
    if not folder.is_dir():
        raise MissingDataError(f"data directory {folder} does not exist (from "
                               f"{'the argument' if path is not None else DATA_ENV})")
    return folder


def dataset_file(dataset: str, relative: str, path: str | os.PathLike | None = None) -> Path:
    """The path of one file of a dataset: ``<data dir>/<dataset>/<relative>``.

    Parameters
    ----------
    dataset : str
        A key of :data:`SOURCES`.
    relative : str
        The file's path inside the dataset's folder.
    path : str or os.PathLike, optional
        The data directory (default: ``$BAYESREP_DATA``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    MissingDataError
        When the file is absent, saying where to get the dataset.
    """
    file = data_dir(path) / dataset / relative
    if not file.is_file():
        raise MissingDataError(f"{file} is missing. Get the dataset '{dataset}' from {SOURCES[dataset]} "
                               f"and put it in {file.parent.parent}")
    return file
