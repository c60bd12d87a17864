"""Files the package writes: atomic writes, the one file lock, the cache folder, and content hashes.

Every layer that writes a file (reports, model assemblies, caches) goes through this module, so
each of these is done one way:

* **Atomic writes** (:func:`replacing`, :func:`write_bytes`, :func:`write_text`): the content is
  written to a temporary file in the target's folder, flushed to disk, then moved over the target
  with :func:`os.replace`, which is atomic when both are on one file system. If the writing fails
  or is interrupted, the temporary file is removed and the target is untouched: a reader (or an
  interrupted run) never sees a half-written file.
* **The lock** (:func:`locked`): an exclusive, non-blocking ``fcntl.flock`` on a file, for a folder
  that one process at a time may write (a report folder, a model's activation scratch folder).
* **The cache folder** (:func:`cache_dir`, :func:`cache_file`): files derived from the data
  (extracted images, model assemblies) go to ``$BAYESREP_CACHE``, default ``~/.cache/bayesrep``;
  where the data themselves live is :mod:`bayesrep_plugin.datasets.location`. :func:`cache_file`
  checks the place of any cached file, also those a report keeps in its own folder.
* **Hashes** (:func:`file_hash`, :func:`code_digest`): each cache is keyed by, among its inputs,
  the source of the code that computes what it stores (:func:`code_digest`), so results of other code
  are never served.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from bayesrep_plugin.errors import BayesrepError

# ------------------------------------------------------------------ writing files

TEMP_SUFFIX = ".partial"


@contextmanager
def replacing(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path to write to; it replaces ``path`` when the block ends without error.

    Parameters
    ----------
    path : str or os.PathLike
        The target; its parent folders are created.

    Yields
    ------
    pathlib.Path
        A temporary file beside the target (removed however the block ends).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    os.close(fd)
    temporary = Path(temp_name)
    try:
        yield temporary
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)  # mkstemp creates 0600; a report is meant to be shared
        os.replace(temporary, path)
    finally:  # also on KeyboardInterrupt: leave nothing half-written behind
        temporary.unlink(missing_ok=True)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (creating parent folders).

    Parameters
    ----------
    path : str or os.PathLike
    data : bytes

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    with replacing(path) as temporary:
        temporary.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (creating parent folders).

    Parameters
    ----------
    path : str or os.PathLike
    text : str

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    return write_bytes(path, text.encode("utf-8"))


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


# ------------------------------------------------------------------ the lock

def locked(path: Path) -> IO[str]:
    """The file ``path`` (created if absent), opened and exclusively locked by this process.

    An advisory POSIX lock (``fcntl.flock``): it goes with the process however it ends, and closing
    the returned file releases it, so use it as ``with locked(path): ...``. It does not wait: a
    folder that another process is writing is refused at once, and the caller says why.

    Parameters
    ----------
    path : pathlib.Path

    Returns
    -------
    file object
        Open; the lock is held until it is closed.

    Raises
    ------
    BlockingIOError
        When another process holds the lock.
    OSError
        When the file cannot be opened or the file system cannot lock it.
    """
    handle = open(path, "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BaseException:
        handle.close()
        raise
    return handle


# ------------------------------------------------------------------ the cache folder

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


# ------------------------------------------------------------------ hashes

def file_hash(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, read in blocks of 1 MiB (a weights file need not fit in memory).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    str
        64 hex digits.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


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
