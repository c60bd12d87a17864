"""`make demo`: a real V4 recording on a leaderboard, then three real networks and a SIMULATED brain.

0. Headline, when the data directory is there (``BAYESREP_DATA`` or ``--data-dir``; ``make demo``
   points it at ``../shared/data``): the real V4 report of ``bayesrep v4``
   (:mod:`bayesrep_plugin.studies.v4`), written to ``./bayesrep-demo/v4/``. Without the
   data, the demo says how to get it and goes on with the sections below.
1. Every measure between the real AlexNet, ResNet-18 and ResNet-34 activations to the same
   2,400 objectome images (they ship inside brainscore-vision; nothing is downloaded), kept in
   the report folder's ``.cache/`` so that a rerun reads them.
2. A leaderboard of the three networks against a simulated neural population, beside the
   population's own references (a perfect model of it, the chance band of its shuffled
   responses, a constant, its split-half and its neuron split), at its resolving b, written with
   tables and figures to ``./bayesrep-demo/`` (``leaderboard.html`` is the page to open).

No neural recordings ship with any package we can use, so the "brain" is SIMULATED, and labelled
so everywhere it appears. Its generative model, for each of the 2,400 images s:

- features: ResNet-34's avgpool (512) and AlexNet's classifier.5 (4096) responses, each unit
  z-scored over images; the simulated neurons read 80% of their drive from ResNet-34 and 20% from
  AlexNet: u_j(s) = sqrt(0.8)·a_jᵀz₃₄(s) + sqrt(0.2)·b_jᵀz_A(s), with a_j, b_j ~ N(0, I/d);
- mean rate of neuron j: f_j(s) = r₀ · softplus(g_j·u_j(s) + c_j), r₀ = 10 spikes per repeat,
  gains g_j ~ LogNormal(0, 0.3), offsets c_j ~ N(−0.5, 0.5²): rectified, heterogeneous tuning;
- repeat t = 1..R (R = 6): y_jt(s) = f_j(s) + sqrt(F·f_j(s))·ε_jts, ε ~ N(0, 1), Fano factor
  F = 1.5 (Poisson-like noise whose variance grows with the rate), independent across neurons,
  images and repeats.

So ResNet-34 should rank first, every network should stand above chance, and none should get
as close as a perfect model of the (noisy) simulated brain. The simulated population is written to ``simulated-IT.nc`` (netCDF,
presentation × neuroid with stimulus_id and repetition, attribute ``simulated = 1``) and the leaderboard's config to ``leaderboard.yaml``, so
``bayesrep leaderboard bayesrep-demo/leaderboard.yaml`` reruns it (finished pairs are reused).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
import xarray as xr
import yaml
from tqdm.auto import tqdm

from bayesrep_plugin import data
from bayesrep_plugin._io import cache_file, code_digest, replacing, write_text
from bayesrep_plugin.core import MEASURES, Pair, Readout, Representation, get_measure
from bayesrep_plugin.datasets import MissingDataError, cowley2026
from bayesrep_plugin.reports.folder import report_folder
from bayesrep_plugin.reports.leaderboard import CACHE_FOLDER, build_leaderboard, read_config, write_report

from . import v4

NEURONS = 120
REPETITIONS = 6
BASE_RATE = 10.0
FANO_FACTOR = 1.5
RESNET34_SHARE = 0.8
LEADERBOARD_STIMULI = 600  # a seeded random subset keeps the demo well under two minutes
BOOTSTRAP = 20
SEED = 0
DATASET = "simulated IT"


def measure_table(b: float = 0.01, progress: bool = True,
                  cache: Path | None = None) -> tuple[list[str], list[tuple[str, str]], dict]:
    """{(network1, network2): {measure: value}} for every pair of the shipped networks; kept in the
    folder ``cache`` (when given) under a hash of the activations, b, the measures and the core's code,
    so that a rerun reads them instead of spending minutes on the same numbers."""
    activations = {name: data.load_activations(name).values for name in data.NETWORKS}
    pairs = list(itertools.combinations(data.NETWORKS, 2))
    key = hashlib.sha256(json.dumps({
        "activations": {name: hashlib.sha256(np.ascontiguousarray(values).tobytes()).hexdigest()
                        for name, values in activations.items()},
        "b": b, "measures": list(MEASURES), "code": code_digest("bayesrep_plugin.core")}).encode()).hexdigest()[:32]
    path = None if cache is None else cache_file(cache / f"measure-table-{key}.json")
    if path is not None and path.is_file():
        try:
            stored = json.loads(path.read_text("utf-8"))
            return list(MEASURES), pairs, {(a, c): {m: float(stored[f"{a} vs {c}"][m]) for m in MEASURES}
                                           for a, c in pairs}
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)  # unreadable: computed again below
    reps = {name: Representation.from_activations(values, name=name) for name, values in activations.items()}
    readout, values = Readout(b), {}
    for a, c in pairs:
        start = time.perf_counter()
        # One Pair for all measures, as compare_measures shares it (the eigenproblem is solved once), with a
        # bar over the measures: a pair of the large networks takes a minute on two cores.
        pair = Pair(reps[a], reps[c], readout)
        # updated by hand: a bar that is iterated closes itself when the loop ends, before a final refresh
        with tqdm(total=len(MEASURES), desc=f"  {a} vs {c}", unit="measure", disable=not progress, leave=False) as bar:
            values[a, c] = {}
            for m in MEASURES:
                values[a, c][m] = float(get_measure(m)(pair))
                bar.update()
            bar.refresh()  # 16/16 drawn before the bar is cleared
        if progress:
            print(f"  {a} vs {c}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    if path is not None:
        write_text(path, json.dumps({f"{a} vs {c}": row for (a, c), row in values.items()}))
    return list(MEASURES), pairs, values


def format_table(measures: list[str], pairs: list[tuple[str, str]], values: dict) -> str:
    width = max(map(len, ["measure", *measures])) + 1
    header = f"{'measure':<{width}}" + "".join(f"{a + ' vs ' + c:>22}" for a, c in pairs)
    rows = [f"{m:<{width}}" + "".join(f"{values[p][m]:>22.6f}" for p in pairs) for m in measures]
    kinds = "kind: " + ", ".join(f"{m}={MEASURES[m].kind}" for m in measures)
    return "\n".join([header, "-" * len(header), *rows, "", kinds])


def _zscore(values: np.ndarray) -> np.ndarray:
    std = values.std(axis=0)
    return (values - values.mean(axis=0)) / np.where(std > 0, std, 1.0)


def simulate_population(seed: int = SEED) -> xr.DataArray:
    """The SIMULATED neural population of the module docstring, as a brainio-style assembly."""
    rng = np.random.default_rng(seed)
    resnet34, alexnet = data.load_activations("resnet34"), data.load_activations("alexnet")
    stimuli = resnet34[data.STIMULUS_COORD].values
    drive = (np.sqrt(RESNET34_SHARE) * _zscore(resnet34.values.astype(np.float64))
             @ rng.normal(0, 1 / np.sqrt(resnet34.shape[1]), (resnet34.shape[1], NEURONS))
             + np.sqrt(1 - RESNET34_SHARE) * _zscore(alexnet.values.astype(np.float64))
             @ rng.normal(0, 1 / np.sqrt(alexnet.shape[1]), (alexnet.shape[1], NEURONS)))
    gains, offsets = rng.lognormal(0, 0.3, NEURONS), rng.normal(-0.5, 0.5, NEURONS)
    rates = BASE_RATE * np.logaddexp(0, gains * drive + offsets)  # softplus
    trials = rates + np.sqrt(FANO_FACTOR * rates) * rng.normal(size=(REPETITIONS, *rates.shape))
    n = len(stimuli)
    return xr.DataArray(
        trials.reshape(REPETITIONS * n, NEURONS).astype(np.float32),
        dims=("presentation", "neuroid"),
        coords={"stimulus_id": ("presentation", np.tile(stimuli, REPETITIONS)),
                "repetition": ("presentation", np.repeat(np.arange(REPETITIONS), n)),
                "neuroid_id": ("neuroid", [f"sim{j:03d}" for j in range(NEURONS)]),
                "region": ("neuroid", ["IT (simulated)"] * NEURONS)},
        attrs={"simulated": 1, "description": "SIMULATED neural population, not recordings: see bayesrep_plugin/studies/demo.py",
               "generative_model": f"rates = {BASE_RATE}·softplus(g·u + c), u from z-scored ResNet-34 "
                                   f"({RESNET34_SHARE:.0%}) and AlexNet features; {REPETITIONS} repeats with "
                                   f"Gaussian noise of variance {FANO_FACTOR}·rate; seed {seed}"})


def write_inputs(out: Path) -> Path:
    """Write the simulated population and the leaderboard config into ``out``; return the config."""
    population = out / "simulated-IT.nc"
    if not population.is_file():  # the simulation is seeded: an existing file holds the same data
        with replacing(population) as temporary:
            simulate_population().to_netcdf(temporary)
    config = {
        "title": "Demo leaderboard: real networks vs a SIMULATED brain",
        "output": ".",
        "measures": ["tv", "js"],
        "n_bootstrap": BOOTSTRAP,
        "seed": SEED,
        "max_stimuli": LEADERBOARD_STIMULI,
        "models": [{"path": str(data.activations_path(name)), "name": name} for name in data.NETWORKS],
        "neural": [{"path": population.name, "name": DATASET}],
        "notes": [f"The brain here is SIMULATED ({NEURONS} model neurons, {REPETITIONS} repeats, Poisson-like "
                  f"noise; drive 80% ResNet-34, 20% AlexNet features): see the docstring of bayesrep_plugin/studies/demo.py. "
                  "The networks' activations are real (brainscore-vision's objectome-240 test resources)."],
    }
    return write_text(out / "leaderboard.yaml", yaml.safe_dump(config, sort_keys=False, allow_unicode=True))


def real_recording(out: Path, data_dir=None, progress: bool = True) -> Path | None:
    """The headline section: the real V4 report in ``out``; None (and how to get the data) without it."""
    try:
        cowley2026.load_responses(data_dir)
    except MissingDataError as error:
        print(f"A real recording: skipped. {error}\nWith the data directory in place, this section scores 56 "
              "models of V4, the pixels and EfficientNet-Lite0 against real V4 recordings (`bayesrep v4`).\n")
        return None
    print("A real recording: 56 compact models of V4, the pixels and EfficientNet-Lite0 against 50 V4 neurons "
          "(Cowley et al. 2026, session 210325; 640 images, 6-10 repeats):")
    report, paths = v4.build_v4_report(out, v4.v4_sources(data_dir, progress=progress),
                                              data_dir=data_dir, progress=progress)
    print(v4.summary(report))
    print(f"Real-recording report written to {out}/ — open {paths['html']}\n")
    return paths["html"]


def run(out: Path = Path("bayesrep-demo"), progress: bool = True, data_dir=None) -> Path:
    """The whole demo; returns the simulated leaderboard's page."""
    out = Path(out).resolve()
    with report_folder(out):  # one writer at a time (the v4 report locks out/v4 as it writes it)
        real_recording(out / "v4", data_dir, progress)
        print("Comparing the real AlexNet / ResNet-18 / ResNet-34 activations (2,400 objectome images, b = 0.01):")
        print(format_table(*measure_table(progress=progress, cache=out / CACHE_FOLDER)))
        print(f"\nLeaderboard: the three networks vs a SIMULATED neural population ({DATASET}; "
              f"{LEADERBOARD_STIMULI} images, {BOOTSTRAP} resamples):")
        report = build_leaderboard(read_config(write_inputs(out)), progress=progress)
        paths = write_report(report, out, progress=progress)
    print(f"\nb = {report.b:g} ({report.b_choice})")
    for table in report.tables():
        if any(table is extra for extra in report.extra_tables.values()):  # the ranks against b: in the files
            continue
        print(f"\n{table.title}")
        for row in table.rows:
            if "posterior" in row:  # the posterior-over-models table
                print(f"  {row['rank']}. {row['model']:<40} log evidence {row['log_evidence']:.1f}  "
                      f"posterior {row['posterior']:.4f}")
            elif "representation" in row:
                print(f"  {row['rank']}. {row['representation']:<60} {row['value']:.4f}  "
                      f"[{row['ci_low']:.4f}, {row['ci_high']:.4f}]")
    print(f"\nReport written to {out}/ — open {paths['html']}")
    return paths["html"]

