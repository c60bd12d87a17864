"""A new user's first run, measured: `bayesrep demo` (what `make demo` runs) cold, then warm.

Cold: a fresh, empty cache (``BAYESREP_CACHE``) and report folder, so every model assembly is
computed; warm: the same command again on the cache and report folder the cold run left. For each
run it prints wall time, CPU time (user + system, the command and the processes it waited for),
peak RSS, peak scratch (the cache, the report folder and the run's own TMPDIR, sampled twice a
second), the cache's size at the end, the load average when it started and ended, the longest
stretch with no output on the terminal (and what was on screen before it), and every progress bar
whose last drawn state stopped short of its total.

    .venv/bin/python benchmarks/bench_firstrun.py                  # cold + warm demo (needs $BAYESREP_DATA for V4)
    .venv/bin/python benchmarks/bench_firstrun.py --runs warm --cache DIR   # warm only, on an existing cache
    .venv/bin/python benchmarks/bench_firstrun.py --command v4     # `bayesrep v4` instead of the demo

Nothing here is a test: the targets (issue 22: cold ≤ 10 min on an idle 2-core machine, warm ≤ 1 min,
no silent stretch over 10 s, every bar at its total) are read off the printed table.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A tqdm line: "<desc>:  42%|####   | 21/50 [...]" (also without a percentage when the total is unknown).
BAR = re.compile(r"([^\r\n|]+?):\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)")


@dataclass
class Run:
    name: str
    wall: float = 0.0
    cpu: float = 0.0
    peak_rss_mb: float = 0.0
    peak_scratch_mb: float = 0.0
    cache_mb: float = 0.0
    load: tuple[str, str] = ("", "")
    longest_silence: float = 0.0
    silent_after: str = ""
    short_bars: list[str] = field(default_factory=list)
    returncode: int = 0


def folder_mb(*folders: Path) -> float:
    total = 0
    for folder in folders:
        for path in folder.rglob("*") if folder.exists() else ():
            try:
                if path.is_file() and not path.is_symlink():
                    total += path.stat().st_size
            except OSError:  # a file removed while we looked
                pass
    return total / 2**20


def short_bars(text: str) -> list[str]:
    """The bars whose last drawn state is below their total, as 'desc n/total'."""
    last: dict[str, tuple[int, int]] = {}
    for segment in re.split(r"[\r\n]", text):
        for match in BAR.finditer(segment):
            last[match.group(1).strip()] = (int(match.group(2)), int(match.group(3)))
    return [f"{desc} {n}/{total}" for desc, (n, total) in last.items() if n < total]


def measure(name: str, command: list[str], env: dict, watch: list[Path], timeout: float, log: Path) -> Run:
    """Run ``command`` once; what it printed goes to ``log``."""
    run = Run(name, load=(" ".join(f"{x:.2f}" for x in os.getloadavg()), ""))
    scratch = Path(tempfile.mkdtemp(prefix="bench-firstrun-tmp-"))
    env = {**env, "TMPDIR": str(scratch), "PYTHONUNBUFFERED": "1"}
    output: list[tuple[float, str]] = []
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=ROOT)

    def read() -> None:
        while chunk := os.read(process.stdout.fileno(), 65536):
            output.append((time.monotonic(), chunk.decode(errors="replace")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ended: list[tuple[int, int, object]] = []  # (pid, status, rusage) of the command, from os.wait4
    waiter = threading.Thread(target=lambda: ended.append(os.wait4(process.pid, 0)), daemon=True)
    waiter.start()
    peak = 0.0
    while waiter.is_alive():
        peak = max(peak, folder_mb(*watch, scratch))
        if time.monotonic() - start > timeout:
            os.kill(process.pid, 9)
        waiter.join(timeout=0.5)
    reader.join(timeout=10)
    run.wall = time.monotonic() - start
    _, status, usage = ended[0]
    run.returncode = process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    run.cpu = usage.ru_utime + usage.ru_stime
    run.peak_rss_mb = usage.ru_maxrss / 1024
    run.peak_scratch_mb = peak
    run.load = (run.load[0], " ".join(f"{x:.2f}" for x in os.getloadavg()))
    times = [start] + [t for t, _ in output] + [start + run.wall]
    gaps = [(b - a, i) for i, (a, b) in enumerate(zip(times, times[1:]))]
    run.longest_silence, where = max(gaps)
    text = "".join(chunk for _, chunk in output)
    before = "".join(chunk for _, chunk in output[:where])
    run.silent_after = re.split(r"[\r\n]", before.rstrip())[-1][-100:] if before.strip() else "(start)"
    run.short_bars = short_bars(text)
    log.write_text(text)
    shutil.rmtree(scratch, ignore_errors=True)
    return run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", choices=("cold", "warm"), default=["cold", "warm"])
    parser.add_argument("--command", choices=("demo", "v4"), default="demo")
    parser.add_argument("--cache", type=Path, help="the cache folder (default: a fresh one, removed at the end)")
    parser.add_argument("--out", type=Path, help="the report folder (default: a fresh one, removed at the end)")
    parser.add_argument("--keep", action="store_true", help="keep the fresh cache, report and logs")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run is stopped")
    args = parser.parse_args(argv)
    fresh = Path(tempfile.mkdtemp(prefix="bench-firstrun-"))
    cache, out = args.cache or fresh / "cache", args.out or fresh / "report"
    command = [sys.executable, "-m", "bayesrep_plugin.cli", args.command, "--out", str(out)]
    env = {**os.environ, "BAYESREP_CACHE": str(cache), "BS_INSTALL_DEPENDENCIES": "no",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    print(f"{' '.join(command[1:])}; cache {cache}; {os.cpu_count()} CPUs; data: {os.environ.get('BAYESREP_DATA')}")
    runs = []
    for name in args.runs:
        if name == "cold" and args.cache:
            sys.exit("a cold run needs a fresh cache: leave out --cache")
        cache.mkdir(parents=True, exist_ok=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        log = fresh / f"{name}-output.txt"
        run = measure(name, command, env, [cache, out], args.timeout, log)
        run.cache_mb = folder_mb(cache)
        runs.append(run)
        print(f"{name}: exit {run.returncode}, {run.wall:.0f} s wall; its output: {log}", flush=True)
    print(f"\n| run | wall s | CPU s | peak RSS MB | peak scratch MB | cache MB | load avg (start → end) | "
          "longest silence s | silent after | bars short of their total |\n|" + "---|" * 10)
    for run in runs:
        print(f"| {run.name} | {run.wall:.0f} | {run.cpu:.0f} | {run.peak_rss_mb:.0f} | {run.peak_scratch_mb:.0f} | "
              f"{run.cache_mb:.0f} | {run.load[0]} → {run.load[1]} | {run.longest_silence:.1f} | "
              f"`{run.silent_after.strip()}` | {', '.join(run.short_bars) or 'none'} |")
    if not args.cache and not args.out and not args.keep:
        shutil.rmtree(fresh, ignore_errors=True)


if __name__ == "__main__":
    main()
