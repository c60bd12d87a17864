"""Atomic file writes: a reader (or an interrupted run) never sees a half-written file.

Every output of a report goes through :func:`write_bytes` / :func:`write_text`: the content is
written to a temporary file in the same directory, flushed to disk, then moved over the target
with :func:`os.replace`, which is atomic on POSIX and Windows when both are on one file system.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".partial"


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (creating parent folders); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, 0o644)  # mkstemp creates 0600; a report is meant to be shared
        os.replace(temp_name, path)
    except BaseException:  # also KeyboardInterrupt: leave nothing half-written behind
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically; return the path."""
    return write_bytes(path, text.encode("utf-8"))
