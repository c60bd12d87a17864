"""Where the real data live: one configurable folder, and a clear error when a file is absent.

The folder holds one subfolder per dataset, laid out as the public sources distribute them:

    <data dir>/cowley2026-v4/           macaque V4 (Cowley, Stan, Pillow & Smith, Nature 2026)
    <data dir>/kriegeskorte2008-92images/   92-image monkey / human IT RDMs (Kriegeskorte et al. 2008)

It is found from, in order: an explicit ``path`` argument (the CLI's ``--data-dir``), the
environment variable ``BAYESREP_DATA``. There is no default: results must never depend on which
copy of a dataset happens to lie nearby.

Files computed from the data go to a cache folder (:func:`cache_dir`); each cache is keyed by,
among its inputs, the source of the code that computes what it stores (:func:`code_digest`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
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


CACHE_ENV = "BAYESREP_CACHE"


class CacheWarning(UserWarning):
    """A cached file was unusable (the message names the file and why); it is recomputed."""


class CacheError(BayesrepError, ValueError):
    """Something other than a file stands where a cached file belongs (or a file where a cache
    folder belongs); the message names it. Nothing is removed that the package did not write."""


def cache_file(path: Path) -> Path:
    """``path``, the place of a cached file, checked before anything is computed for it.

    Parameters
    ----------
    path : pathlib.Path

    Returns
    -------
    pathlib.Path

    Raises
    ------
    CacheError
        When a folder stands at ``path``, or a file at one of its parents.
    """
    if path.exists() and not path.is_file():
        raise CacheError(f"{path}: a folder stands where a cached file belongs; remove it")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise CacheError(f"{parent}: a file stands where the cache folder of {path.name} belongs; remove it")
            break
    return path


def cache_dir(subfolder: str) -> Path:
    """A folder for files derived from the data (extracted images, model activations), created on
    demand: ``$BAYESREP_CACHE/<subfolder>``, default ``~/.cache/bayesrep/<subfolder>``. Never inside
    the repository: derived data must not be committed.

    Parameters
    ----------
    subfolder : str

    Returns
    -------
    pathlib.Path
        The folder, existing.

    Raises
    ------
    CacheError
        When it cannot be created (a file in the way, no permission).
    """
    root = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "bayesrep").expanduser()
    folder = root / subfolder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a file in the way (a mistyped $BAYESREP_CACHE), or no permission
        raise CacheError(f"{folder}: cannot create the cache folder ({error.strerror}; set {CACHE_ENV} to a "
                         "writable folder)") from None
    return folder


def code_files(*modules: str) -> list[Path]:
    """The source files of ``modules`` (dotted names; a package stands for every .py file under it), sorted.

    Parameters
    ----------
    *modules : str
        E.g. ``"bayesrep_plugin.core"``, ``"bayesrep_plugin.reports.pairs"``.

    Returns
    -------
    list of pathlib.Path
    """
    files = set()
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ValueError(f"{name} is not an importable module")
        if spec.submodule_search_locations:  # a package: all of it
            files.update(path for folder in spec.submodule_search_locations for path in Path(folder).rglob("*.py"))
        else:
            files.add(Path(spec.origin))
    return sorted(files)


def code_digest(*modules: str) -> str:
    """A SHA-256 (16 hex digits) of the source of ``modules`` (:func:`code_files`): part of the key
    of every cache, taken over the code that computes what the cache stores, so that results of
    other code are never served.

    Parameters
    ----------
    *modules : str
        Dotted module or package names.

    Returns
    -------
    str
    """
    digest = hashlib.sha256()
    for path in code_files(*modules):
        digest.update(f"{path.parent.name}/{path.name}\n".encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def check_writable(folder: Path) -> None:
    """Raise the OSError of creating a file in ``folder`` (a trial file, removed at once), if any.

    ``os.access`` is not enough: it says yes to root on file systems where nothing can be created.

    Parameters
    ----------
    folder : pathlib.Path
        An existing folder.

    Raises
    ------
    OSError
        With the reason (``strerror``): read-only, no permission, ...
    """
    with tempfile.TemporaryFile(dir=folder):
        pass
