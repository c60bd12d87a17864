"""``bayesrep ARGS``, held at a known point until SIGINT comes: halfway through writing the cache file
that follows the first finished pair (a leaderboard caches tv and js, one file each, per pair).

Usage: ``python interruptible.py READY ARGS...``. It creates the file READY once it is held there;
the Ctrl-C test waits for that file, then sends SIGINT. So the interrupt always lands at the worst
moment (a result half written to disk), however fast or loaded the machine is.
"""

import itertools
import signal
import sys
import time
from pathlib import Path

from bayesrep_plugin import cli
# private: the atomic write's own temporary file, to leave it half written as a real interrupt would
from bayesrep_plugin import _io
from bayesrep_plugin.reports import pairs

FILES_BEFORE_HOLDING = 2  # the first pair's tv and js
files_written = itertools.count(1)
write_text = pairs.write_text


def write_text_held_after_the_first_pair(path: Path, text: str) -> Path:
    if next(files_written) <= FILES_BEFORE_HOLDING:
        return write_text(path, text)
    with _io.replacing(path) as temporary:
        temporary.write_text(text[: len(text) // 2])
        Path(sys.argv[1]).touch()  # READY
        while True:  # held until SIGINT: it cuts the sleep short and raises KeyboardInterrupt here
            time.sleep(1)


if __name__ == "__main__":  # not again in the processes a local Dask cluster spawns (they import this file)
    # a spy: only a hook into the pairs' writes can hold the run at the worst moment (a result half written)
    pairs.write_text = write_text_held_after_the_first_pair
    # A test run started in the background of a non-interactive shell has SIGINT ignored, and Python
    # then leaves it so in its children: restore the KeyboardInterrupt that a terminal's Ctrl-C gives.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(cli.main(sys.argv[2:]))
