"""What a test sees of a cache folder from outside: which files it holds, and whether one was written again."""

from __future__ import annotations

from pathlib import Path


def stamps(folder: Path, pattern: str = "*.json") -> dict[str, tuple[int, int]]:
    """Each file of ``folder`` that matches ``pattern`` → (inode, modification time in ns). The package
    writes a file atomically, by replacing it: a file written again has a new inode, a new result a new name."""
    return {path.name: (path.stat().st_ino, path.stat().st_mtime_ns) for path in Path(folder).glob(pattern)}
