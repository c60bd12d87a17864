"""The package's one base exception.

Every exception class of the package derives from :class:`BayesrepError` and keeps a builtin base
that says what kind of failure it is (``ValueError`` for a bad value, ``FileNotFoundError`` for a
missing file, ...), so ``except ValueError`` still catches a bad value while ``except
BayesrepError`` catches every failure the package explains in its message (the CLI prints those in
one line; anything else is a bug).
"""

from __future__ import annotations


class BayesrepError(Exception):
    """A failure the package explains in its message: the base of all the package's exceptions."""
