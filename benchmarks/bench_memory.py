"""Peak resident memory of a comparison of two large .npy files: the CLI against the Python API.

    .venv/bin/python benchmarks/bench_memory.py [--n 1000] [--d 100000]

Writes two float32 (n, d) .npy files of standard normals (default 1000 × 100,000: 400 MB each) to a
temporary folder, deleted afterwards, and measures, each in a fresh process,

- cli: ``bayesrep compare a.npy b.npy --stimulus-ids ids.txt --measure tv --n-bootstrap 0 --out DIR``
  (the whole report: inputs, kernels, CKA and RSA, figures, page);
- api: ``bayesrep_plugin.distance`` of the two files opened with ``np.load(path, mmap_mode="r")``.

Each runs under a small wrapper process that reports ``getrusage(RUSAGE_CHILDREN).ru_maxrss``, the
peak resident set of the command (pages of the mapped files it holds count). Target: the CLI's peak
≤ 1.5× the input file. Both paths must give the same tv distance (checked).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_core import row, write_random_npy

TARGET = 1.5  # the CLI's peak resident memory / the largest input file

# The wrapper: a fresh, small process, so the peak over its children is the command's alone.
_PEAK_OF_CHILD = """
import resource, subprocess, sys
result = subprocess.run(sys.argv[1:], capture_output=True, text=True)
if result.returncode:
    sys.exit(f"{sys.argv[1:]} failed ({result.returncode}): {result.stderr}")
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)  # KiB on Linux
print(result.stdout)
"""

_API = """
import sys, numpy as np, bayesrep_plugin as br
first, second = (np.load(path, mmap_mode="r") for path in sys.argv[1:3])
print(float(br.distance(first, second, "tv")))
"""


def peak_mb(command: list[str]) -> tuple[float, str]:
    """Peak resident memory (MB) of ``command`` run in a fresh process, and its stdout."""
    lines = subprocess.run([sys.executable, "-c", _PEAK_OF_CHILD, *command], capture_output=True, text=True,
                           check=True).stdout.split("\n", 1)
    return int(lines[0]) * 1024 / 1e6, lines[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="stimuli (rows)")
    parser.add_argument("--d", type=int, default=100_000, help="features (columns)")
    args = parser.parse_args()
    bayesrep = str(Path(sys.executable).with_name("bayesrep"))
    with tempfile.TemporaryDirectory() as tmp:
        files = [os.path.join(tmp, name) for name in ("a.npy", "b.npy")]
        for seed, path in enumerate(files):
            write_random_npy(path, args.n, args.d, seed=seed)
        ids = Path(tmp, "ids.txt")
        ids.write_text("".join(f"s{i:06d}\n" for i in range(args.n)))
        size_mb = os.path.getsize(files[0]) / 1e6
        cli_mb, cli_out = peak_mb([bayesrep, "compare", *files, "--stimulus-ids", str(ids), "--measure", "tv",
                                   "--n-bootstrap", "0", "--out", os.path.join(tmp, "report"), "--json", "-q"])
        api_mb, api_out = peak_mb([sys.executable, "-c", _API, *files])
    cli_tv = json.loads(cli_out)["rows"][0]["value"]
    assert abs(cli_tv - float(api_out)) < 1e-9, (cli_tv, api_out)
    print(f"bayesrep-plugin memory benchmark: two float32 .npy files of n = {args.n}, d = {args.d:,} "
          f"({size_mb:.0f} MB each); tv = {cli_tv:.6f} by both paths")
    print(row("path", "peak RSS MB", "/ file size", "target"))
    for path, mb in (("cli", cli_mb), ("api", api_mb)):
        print(row(path, f"{mb:.0f}", f"{mb / size_mb:.2f}x", f"<= {TARGET}x" if path == "cli" else ""))


if __name__ == "__main__":
    main()
