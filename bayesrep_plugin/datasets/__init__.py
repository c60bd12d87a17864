"""Real recordings and stimuli that live outside the repository, read from a data directory.

Nothing here is shipped or downloaded: the files are public data that the user keeps in a folder
(``--data-dir``, or the environment variable ``BAYESREP_DATA``); :mod:`.location` says where to
get them when they are missing.
"""

from .location import DATA_ENV, CorruptDataError, MissingDataError, data_dir

__all__ = ["DATA_ENV", "CorruptDataError", "MissingDataError", "data_dir"]
