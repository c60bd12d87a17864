"""A report folder: one writer at a time, and only the files of the last report in it.

Two runs writing one folder (``--out``) at once would leave a report whose tables and figures
come from both. :func:`report_folder` therefore holds an exclusive, non-blocking lock
(:func:`bayesrep_plugin._io.locked`) on ``<folder>/.bayesrep.lock`` while a run lasts; a second run
on the folder is refused at once with an :class:`~.inputs.InputError` naming it. The lock goes with the process (however it ends),
and is re-entrant within one: the command holds it for the whole run and :func:`.leaderboard.write_report`
takes it again for its own writing, so a report written from Python is protected too.

Runs one after the other must not mix either: a rerun with other measures would leave the earlier
run's figures beside its own. :class:`Manifest` lists every file a report writes in
``<folder>/.bayesrep-files.json`` (each before it is written, so an interrupted run's files are
listed too) and, once the report is complete, removes the files listed by earlier reports that
this one did not write. Only listed files are ever removed: anything else in the folder is the
user's. The cache of finished pairs (``.cache/``) is keyed by content and outlives reports.
"""

from __future__ import annotations

import json
import warnings
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Iterator, Literal

from bayesrep_plugin._io import check_writable, locked, write_text

from .inputs import InputError

LOCK_FILE = ".bayesrep.lock"
MANIFEST_FILE = ".bayesrep-files.json"

_held: set[Path] = set()  # the folders whose lock this process holds


def check_output(output: Path, kind: Literal["folder", "file"] = "folder") -> Path:
    """An output path, checked before anything is computed: a report folder (created if absent) or
    a file to be written later. Either way its parent folder must exist (a mistyped path is not
    turned into a chain of new folders) and a file must be creatable where it will be written.

    Parameters
    ----------
    output : pathlib.Path
    kind : {"folder", "file"}

    Returns
    -------
    pathlib.Path
        ``output``; a folder is created.

    Raises
    ------
    InputError
        One line naming the path and what is wrong: a file where a folder is wanted or the
        reverse, a parent that is missing or a file, a folder that cannot be created or written.
    """
    output = Path(output)
    if kind == "folder" and output.exists() and not output.is_dir():
        raise InputError(f"{output}: the output must be a folder, and this is a file")
    if kind == "file" and output.is_dir():
        raise InputError(f"{output}: the output must be a file, and this is a folder")
    parent = output.absolute().parent
    if parent.exists() and not parent.is_dir():
        raise InputError(f"{output}: {parent} is a file, not a folder")
    if not parent.exists():
        raise InputError(f"{output}: the folder {parent} does not exist (create it first)")
    folder = output if kind == "folder" else parent
    try:
        folder.mkdir(exist_ok=True)
        check_writable(folder)
    except OSError as error:
        raise InputError(f"{output}: cannot write in {folder} ({error.strerror})") from None
    return output


@contextmanager
def report_folder(output: Path) -> Iterator[Path]:
    """The report folder (created if needed), this process its only writer while the block runs.

    Raises
    ------
    InputError
        When another process holds the folder (or the file system cannot lock it).
    """
    folder = check_output(output).resolve()
    if folder in _held:  # taken further up in this process
        yield folder
        return
    try:
        lock = locked(folder / LOCK_FILE)
    except BlockingIOError:
        raise InputError(f"{folder}: another bayesrep run is writing this report folder; wait for it to "
                         "finish, or choose another output folder") from None
    except OSError as error:
        raise InputError(f"{folder}: cannot lock the report folder ({error.strerror})") from None
    with lock:  # closing it releases the lock
        _held.add(folder)
        try:
            yield folder
        finally:
            _held.discard(folder)


class Manifest:
    """The files a report writes into ``folder``, and the removal of earlier reports' other files."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / MANIFEST_FILE
        self.earlier = self._read()
        self.written: list[str] = []

    def _read(self) -> set[str]:
        """The files the manifest lists: relative paths inside the folder (else none, with a warning)."""
        if not self.path.is_file():
            return set()
        try:
            names = json.loads(self.path.read_text("utf-8"))["files"]
            inside = all(isinstance(name, str) and name and not PurePosixPath(name).is_absolute()
                         and ".." not in PurePosixPath(name).parts for name in names)
            if not inside:
                raise ValueError("a name that is not a file inside the folder")
            return set(names)
        except (OSError, ValueError, KeyError, TypeError) as error:
            warnings.warn(f"{self.path}: unreadable list of an earlier report's files ({error}); "
                          "files of that report not rewritten now stay in the folder", stacklevel=3)
            return set()

    def _write(self, names: set[str]) -> None:
        write_text(self.path, json.dumps({"files": sorted(names)}, indent=1))

    def add(self, path: Path) -> Path:
        """Record ``path`` (in the folder) as this report's, before it is written; return it."""
        self.written.append(Path(path).relative_to(self.folder).as_posix())
        self._write(self.earlier | set(self.written))
        return Path(path)

    def finish(self) -> None:
        """The report is complete: remove the earlier reports' files it did not write."""
        for name in sorted(self.earlier - set(self.written)):
            (self.folder / name).unlink(missing_ok=True)
        self._write(set(self.written))
