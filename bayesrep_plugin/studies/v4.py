"""The V4 study: models of V4 against a real recording (the Cowley et al. session) on a leaderboard.

The report that ``bayesrep v4`` (and ``make demo``'s headline section) writes. Its inputs are all
real: the spike counts of 50 V4 neurons to 640 images, 6–10 repeats each (session 210325 of
Cowley, Stan, Pillow & Smith, Nature 2026; :mod:`bayesrep_plugin.datasets.cowley2026`), and
models run on those images (:mod:`bayesrep_plugin.models`): the 56 shared compact models of V4
from the same paper (trained on four *other* sessions, so this one is held out for them), the
images' pixels, and an ImageNet-trained network.

What it writes, into one folder:

1. the leaderboard (:func:`~bayesrep_plugin.reports.leaderboard.build_leaderboard`): every model
   against two halves of the session's repeats, under TV, JS, CKA and RSA, with the brain's own
   split-half row on the same axis and bootstrap intervals over images;
2. Brain-Score's own scores beside ours, on the same data: the ``pls`` metric and the
   ``internal_consistency`` ceiling exactly as brainscore_vision's ``Cowley2026`` benchmark
   computes them for a session (ceiled = r² / ceiling), and our ``bayes_js`` metric with its ceiling;
3. a table of ceilings (ours, Brain-Score's) and figures: the scores by model size and teacher,
   Brain-Score's ranking against ours, and the leaderboard's own figures;
3b. the posterior comparison: our posterior metric with ``n_observed`` = k, each model's and V4's readouts
   conditioned on a neuron's responses to k images and compared on the others, for
   :data:`POSTERIOR_OBSERVED` (a table and a figure);
4. ``inputs/``: the session as a netCDF file and ``leaderboard.yaml``, so ``bayesrep leaderboard
   inputs/leaderboard.yaml`` reruns the leaderboard part (finished pairs are reused).
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import math
import os
import re
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import xarray as xr
import yaml
from matplotlib.figure import Figure
from scipy.stats import spearmanr
from tqdm.auto import tqdm

from bayesrep_plugin._io import cache_file, code_digest, replacing, write_text
from bayesrep_plugin.datasets import cowley2026

from bayesrep_plugin.reports import figures
from bayesrep_plugin.reports.inputs import InputError, Source, load_assembly
from bayesrep_plugin.reports.leaderboard import CACHE_FOLDER, LeaderboardConfig, Report, build_leaderboard, write_report
from bayesrep_plugin.reports.settings import Settings
from bayesrep_plugin.reports.tables import Table, to_markdown

DATASET = "V4 (Cowley 2026, session 210325)"
SETTINGS = Settings(measures=("tv", "js", "cka", "rsa"))  # b, resamples and seed: the defaults
#: Brain-Score's pls for the Cowley2026 benchmark: no object categories, so plain random CV splits.
PLS_OPTIONS = {"crossvalidation_kwargs": {"stratification_coord": None}}
#: Resamples of images for our Brain-Score metric's error (the leaderboard has its own).
METRIC_BOOTSTRAP = 20
#: Images of each neuron's responses that both readouts see in the posterior comparison.
POSTERIOR_OBSERVED = (10, 40, 160, 320)


@dataclass(frozen=True)
class BrainScoreRow:
    """One model under Brain-Score's metrics: pls (raw r, ceiled r²/c), our bayes_js (raw, ceiled),
    and bayes_js after the readouts observe k images (one per :data:`POSTERIOR_OBSERVED`)."""

    label: str
    pls: float
    pls_ceiled: float
    bayes_js: float
    bayes_js_ceiled: float
    bayes_js_posterior: tuple[float, ...]


def neural_assembly(data_dir=None):
    """The session as Brain-Score has it, with its one time bin squeezed out (presentation × neuroid)."""
    return cowley2026.load_assembly(data_dir).squeeze("time_bin", drop=True)


def write_neural(assembly, path: Path) -> Path:
    """The session as a plain netCDF assembly (MultiIndex coords reset), readable by every CLI path."""
    plain = xr.DataArray(assembly.values, dims=("presentation", "neuroid"), name="spike_counts",
                         coords={name: (assembly[name].dims[0], assembly[name].values)
                                 for name in ("stimulus_id", "object_name", "repetition", "neuroid_id", "region")},
                         attrs={"identifier": cowley2026.IDENTIFIER, "experiment_date": cowley2026.EXPERIMENT_DATE,
                                "units": "spike counts in 50-150 ms after image onset", "simulated": 0})
    with replacing(path) as temporary:
        plain.to_netcdf(temporary)
    return path


def brainscore_model(assembly: xr.DataArray, stimulus_ids: np.ndarray):
    """A model assembly as Brain-Score's metrics take it, rows in the neural data's stimulus order."""
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly

    position = {stimulus: index for index, stimulus in enumerate(assembly["stimulus_id"].values)}
    missing = [s for s in stimulus_ids if s not in position]
    if missing:
        raise InputError(f"the model assembly lacks {len(missing)} of the recording's images, e.g. {missing[:3]}")
    rows = [position[s] for s in stimulus_ids]
    values = np.asarray(assembly.values, dtype=np.float64).reshape(assembly.shape[0], -1)[rows]
    return NeuroidAssembly(values, dims=["presentation", "neuroid"], coords={
        "stimulus_id": ("presentation", stimulus_ids), "object_name": ("presentation", stimulus_ids),
        "neuroid_id": ("neuroid", [f"f{j}" for j in range(values.shape[1])]),
        "region": ("neuroid", ["model"] * values.shape[1])})


#: The code behind a model's scores here (Brain-Score's own is named by its packages' versions): the
#: engine, the metrics, and the reading of a model's file into its assembly (``load_assembly``); of
#: this module, only the functions that score (:func:`_scoring_source`), so that editing a figure or
#: a table keeps the scores.
SCORE_CODE = ("bayesrep_plugin.core", "bayesrep_plugin.assemblies", "bayesrep_plugin.brainscore",
              "bayesrep_plugin.reports.inputs")
SCORE_PACKAGES = ("brainscore-vision", "brainscore-core", "scikit-learn", "numpy", "scipy")


def _score_key(source: Source, neural_digest: str) -> str:
    """The hash that names a model's cached scores: its file's bytes and the part read, the
    recording's, every setting of the scores, the packages' versions and our code."""
    digest = hashlib.sha256()
    with open(source.path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    content = json.dumps({"model": digest.hexdigest(), "select": source.select, "neural": neural_digest,
                          "pls": PLS_OPTIONS, "bootstrap": METRIC_BOOTSTRAP, "observed": POSTERIOR_OBSERVED,
                          "packages": [metadata.version(name) for name in SCORE_PACKAGES],
                          "code": code_digest(*SCORE_CODE), "scoring": SCORING_DIGEST}, sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()[:32]


def _scoring_source() -> str:
    """A digest of the source of this module's scoring functions (part of the scores' cache key)."""
    functions = (brainscore_scores, brainscore_model, posterior_similarities, neural_assembly)
    return hashlib.sha256("".join(inspect.getsource(f) for f in functions).encode()).hexdigest()[:16]


def _cached_row(path: Path | None, label: str) -> BrainScoreRow | None:
    """A model's scores from ``path`` (None when absent; an unreadable file is deleted and recomputed)."""
    if path is None or not path.is_file():
        return None
    try:
        record = json.loads(path.read_text("utf-8"))
        return BrainScoreRow(label, *(float(record[k]) for k in ("pls", "pls_ceiled", "bayes_js", "bayes_js_ceiled")),
                             tuple(float(v) for v in record["bayes_js_posterior"]))
    except (OSError, ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)
        return None


def brainscore_scores(models: list[Source], assembly, progress: bool = True,
                      cache: Path | None = None) -> tuple[list[BrainScoreRow], dict]:
    """Brain-Score's pls and our bayes_js for every model, and the ceilings both are divided by.

    pls and internal_consistency are called exactly as brainscore_vision's Cowley2026 benchmark
    calls them for one session (repetition-averaged data; even/odd repeat halves for the ceiling;
    ceiled score r²/c, its ``explained_variance``). Our metric takes the repeats itself. Given a
    ``cache`` folder, each model's scores are kept there as JSON, keyed by :func:`_score_key`, and a
    rerun on the same model, recording, settings, packages and code reads them instead of scoring.
    """
    # Brain-Score would shell out to pip for each plugin's requirements on every load; ours are installed.
    os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
    from brainscore_vision import load_ceiling, load_metric
    from brainscore_vision.benchmark_helpers.neural_common import average_repetition, explained_variance
    from brainscore_vision.benchmarks.cowley2026.benchmark import alternate_repetition_halves
    from sklearn.exceptions import ConvergenceWarning

    from bayesrep_plugin.brainscore.registry import factory
    from bayesrep_plugin.brainscore.scores import ceil_score

    averaged = average_repetition(assembly)
    stimulus_ids = averaged["stimulus_id"].values
    pls = load_metric("pls", **PLS_OPTIONS)
    internal_consistency = load_ceiling("internal_consistency")(alternate_repetition_halves(assembly))
    bayes_js = factory("bayes_js")(n_bootstrap=METRIC_BOOTSTRAP)
    bayes_ceiling = bayes_js.ceiling()(assembly)
    neural_digest = hashlib.sha256(np.ascontiguousarray(assembly.values).tobytes()
                                   + "".join(map(str, assembly["stimulus_id"].values)).encode()).hexdigest()
    rows = []
    # updated by hand: a bar that is iterated closes itself when the loop ends, before a final refresh
    bar = tqdm(total=len(models), desc="Brain-Score pls and bayes_js", unit="model", disable=not progress, leave=False)
    for source in models:
        path = None if cache is None else cache_file(cache / f"{_score_key(source, neural_digest)}.json")
        cached = _cached_row(path, source.label)
        if cached is not None:
            rows.append(cached)
            bar.update()
            continue
        model = brainscore_model(load_assembly(source), stimulus_ids)
        with warnings.catch_warnings():
            # Brain-Score's pls (sklearn's PLSRegression, its own max_iter) often stops before sklearn's
            # tolerance on these models; that is how the benchmark scores them, not ours to report.
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            raw = pls(model, averaged)
        ours = bayes_js(model, assembly)
        rows.append(BrainScoreRow(source.label, float(raw), float(explained_variance(raw, internal_consistency)),
                                  float(ours), float(ceil_score(ours, bayes_ceiling)),
                                  posterior_similarities(model, assembly)))
        if path is not None:
            write_text(path, json.dumps({k: v for k, v in dataclasses.asdict(rows[-1]).items() if k != "label"}))
        bar.update()
    bar.refresh()  # n/n drawn before the bar is cleared (cached models go faster than tqdm redraws)
    bar.close()
    return rows, {"internal_consistency": internal_consistency, "bayes_js_ceiling": bayes_ceiling}


def posterior_similarities(model, assembly) -> tuple[float, ...]:
    """Our posterior JS similarity (bayes_js's defaults) between ``model``'s and the recording's
    readouts after both observe each neuron's responses to k images, one value per k in
    :data:`POSTERIOR_OBSERVED`.

    Parameters
    ----------
    model : NeuroidAssembly
        The model (presentation × neuroid), as :func:`brainscore_model` gives it.
    assembly : NeuroidAssembly
        The recording with its repeats (:func:`neural_assembly`).

    Returns
    -------
    tuple of float
        1 − JS between the posterior predictives on the unobserved images, mean over neurons.
    """
    from bayesrep_plugin.brainscore.metrics import BayesianPosteriorSimilarity

    return tuple(float(BayesianPosteriorSimilarity("js", n_bootstrap=METRIC_BOOTSTRAP, n_observed=k)(model, assembly))
                 for k in POSTERIOR_OBSERVED)


def model_facts(label: str) -> tuple[str, int] | None:
    """(teacher, filters) of a compact model's label ``<teacher>-<k>filters``; None for others."""
    match = re.fullmatch(r"(.+)-(\d+)filters", label)
    return (match.group(1), int(match.group(2))) if match else None


#: The layer of each kind of model that stands on the leaderboard. The compact models' output is
#: their prediction of 219 V4 neurons (of other sessions); EfficientNet-Lite0's stages at 28² and
#: 14² resolution are where V4-like features are usually found in ImageNet networks, its pooled
#: head for contrast.
COMPACT_LAYER = "output_responses"
OTHER_LAYERS = {"pixels": ("pixels",), "efficientnet-lite0": ("block4", "block10", "avgpool")}


def model_sources(paths: dict[str, Path]) -> list[Source]:
    """The leaderboard's layers (:data:`COMPACT_LAYER`, :data:`OTHER_LAYERS`) of cached model assemblies."""
    sources = []
    for name, path in paths.items():
        if model_facts(name):
            sources.append(Source(path, name, {"layer": COMPACT_LAYER}))
        for layer in OTHER_LAYERS.get(name, ()):
            sources.append(Source(path, name if name == layer else f"{name}:{layer}", {"layer": layer}))
    return sources


def v4_sources(data_dir=None, progress: bool = True) -> list[Source]:
    """The models on the V4 leaderboard, as Sources of their cached assemblies (computed if missing)."""
    from bayesrep_plugin.models import v4_model_assemblies

    return model_sources(v4_model_assemblies(data_dir, progress=progress, compact_layers=(COMPACT_LAYER,)))


def side_by_side(report: Report, scores: list[BrainScoreRow]) -> Table:
    """One row per model: our distances to the brain, CKA/RSA, Brain-Score's pls and our bayes_js."""
    values = {(row["measure"], row["representation"]): row["value"]
              for row in report.rows if row["kind"] == "model"}
    rows = []
    for score in scores:
        row = {"model": score.label, **{m: values[m, score.label] for m in report.settings.measures},
               "pls_r": score.pls, "pls_ceiled": score.pls_ceiled,
               "bayes_js": score.bayes_js, "bayes_js_ceiled": score.bayes_js_ceiled}
        rows.append(row)
    rows.sort(key=lambda row: row.get("js", row["model"]))
    columns = ["model", *report.settings.measures, "pls_r", "pls_ceiled", "bayes_js", "bayes_js_ceiled"]
    return Table(f"{DATASET}: every model under every measure (sorted by JS distance to the brain)", columns, rows)


def rank_agreement(table: Table) -> Table:
    """Spearman correlation across models between every two measures' orderings (closer = higher)."""
    closer = {"tv": -1, "js": -1, "cka": 1, "rsa": 1, "pls_r": 1, "pls_ceiled": 1, "bayes_js": 1, "bayes_js_ceiled": 1}
    measures = [c for c in table.columns if c in closer]
    data = {m: closer[m] * np.array([row[m] for row in table.rows]) for m in measures}
    rows = [{"measure": a, **{b: float(spearmanr(data[a], data[b])[0]) for b in measures}} for a in measures]
    return Table("Rank agreement across models (Spearman ρ; each measure oriented so that higher = closer)",
                 ["measure", *measures], rows)


def posterior_table(scores: dict[str, tuple[float, ...]]) -> Table:
    """bayes_js before (k = 0) and after the readouts see k images of each neuron, per model.

    ``scores``: {model: (bayes_js, *posterior_similarities)}."""
    columns = ["model", "k=0", *(f"k={k}" for k in POSTERIOR_OBSERVED)]
    rows = [{"model": label, **dict(zip(columns[1:], values))} for label, values in scores.items()]
    rows.sort(key=lambda row: -row[columns[-1]])
    return Table(f"{DATASET}: bayes_js (1 − JS, mean over neurons) between each model's and V4's readouts after both "
                 "observe a neuron's responses to k images, on the other images (sorted by the largest k)", columns, rows)


def posterior_figure(table: Table) -> Figure:
    """The posterior bayes_js against k, one line per model; the five best at the largest k named."""
    figure = Figure(figsize=(7.5, 4.5), layout="constrained")
    axes = figure.add_subplot()
    ks = [0, *POSTERIOR_OBSERVED]
    x = [max(k, 1) for k in ks]  # k = 0 on the log axis at 1
    named = 0
    for rank, row in enumerate(table.rows):
        values = [row[c] for c in table.columns[1:]]
        if rank < 5 or not model_facts(row["model"]):
            # a style and marker of its own, so that lines on top of one another stay told apart
            style, marker = figures.distinct_style(named)
            axes.plot(x, values, ls=style, marker=marker, label=row["model"], lw=1.5, alpha=0.9)
            named += 1
        else:
            axes.plot(x, values, color="0.8", lw=0.8, zorder=0)
    axes.set_xscale("log")
    axes.set_xticks(x, ["0", *map(str, POSTERIOR_OBSERVED)])
    axes.set_xlabel("images of each neuron observed by both readouts (k)")
    axes.set_ylabel("bayes_js after observing (1 − JS; higher = closer)")
    # A figure title (not the axes'), so that constrained layout keeps it inside beside the legend.
    figure.suptitle("Which models' readouts agree with V4's after seeing data (grey: the other compact models)",
                    fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    return figure


def ceiling_table(report: Report, ceilings: dict) -> Table:
    """The recording's yardsticks: Brain-Score's ceiling, ours with its chance level, and the
    leaderboard's reference rows (ceiling, chance band, constant, split-half, neuron split)."""
    ic, ours = ceilings["internal_consistency"], ceilings["bayes_js_ceiling"]
    rows = [
        {"reference": "internal_consistency (Brain-Score; of the pls score r, Spearman–Brown corrected)",
         "value": float(ic), "error": float(ic.attrs.get("error", math.nan))},
        {"reference": f"bayes_js_ceiling (ours; the bayes_js similarity a perfect model reaches, b = {ours.attrs['b']:g})",
         "value": float(ours), "error": float(ours.attrs.get("error", math.nan))},
        {"reference": "bayes_js chance (ours; the same perfect model with the images shuffled)",
         "value": ours.attrs["chance"], "error": ours.attrs["chance_spread"]},
        *({"reference": f"{row['representation'].split(' · ')[-1]} under {row['measure']} (leaderboard row)",
           "value": row["value"], "error": row["bootstrap_sd"]}
          for row in report.rows if row["kind"] != "model"),
    ]
    return Table(f"{DATASET}: ceilings, chance and the brain's own references", ["reference", "value", "error"], rows)


def size_figure(report: Report) -> Figure:
    """JS distance to the brain against model size, one line per teacher; pixels and the split-half."""
    rows = [row for row in report.rows if row["measure"] == "js"]
    figure = Figure(figsize=(7.5, 4.5), layout="constrained")
    axes = figure.add_subplot()
    teachers: dict[str, list[tuple[int, float]]] = {}
    lines = 0  # every horizontal line gets a dash pattern of its own (figures.distinct_style)
    for row in rows:
        facts = model_facts(row["representation"])
        if facts:
            teachers.setdefault(facts[0], []).append((facts[1], row["value"]))
            continue
        style = figures.distinct_style(lines)[0]
        lines += 1
        if row["kind"] != "model":   # the brain's references: ceiling, chance band, constant, splits
            color = figures.REFERENCE_STYLES[row["kind"]][0]
            if row["ci_high"] > row["ci_low"]:
                axes.axhspan(row["ci_low"], row["ci_high"], color=color, alpha=0.12, lw=0)
            axes.axhline(row["value"], color=color, ls=style, label=row["representation"].split(" · ")[-1])
        else:
            axes.axhline(row["value"], color="0.4", ls=style, label=row["representation"])
    for number, (teacher, points) in enumerate(sorted(teachers.items())):
        points.sort()
        axes.plot([p[0] for p in points], [p[1] for p in points], marker=figures.MARKERS[number % len(figures.MARKERS)],
                  label=teacher)
    axes.set_xscale("log")
    axes.set_xlabel("filters in the first three layers")
    axes.set_ylabel("JS distance to V4 (lower = closer)")
    axes.set_title("Compact models of V4 against held-out V4 recordings")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    return figure


def agreement_figure(table: Table) -> Figure:
    """Brain-Score's ceiled pls score against our JS distance, one point per model."""
    figure = Figure(figsize=(5.5, 4.5), layout="constrained")
    axes = figure.add_subplot()
    js = [row["js"] for row in table.rows]
    pls = [row["pls_ceiled"] for row in table.rows]
    axes.scatter(js, pls, color=figures.MODEL_COLOR, s=20)
    rho = spearmanr(js, pls)[0]
    axes.set_xlabel("JS distance to V4 (ours; lower = closer)")
    axes.set_ylabel("pls, ceiled (Brain-Score; higher = closer)")
    axes.set_title(f"Brain-Score's ranking against ours (rank agreement ρ = {-rho:.2f})")
    axes.grid(alpha=0.3)
    return figure


def config_for(models: list[Source], neural: Path, settings: Settings, output: Path) -> LeaderboardConfig:
    return LeaderboardConfig(models=models, neural=[Source(neural, DATASET)], settings=settings, output=output,
                             title="Models of V4 against a real V4 recording",
                             notes=[f"{DATASET}: spike counts of 50 neurons to 640 images, 6–10 repeats each, "
                                    "from Cowley, Stan, Pillow & Smith (Nature 2026). The compact models were trained "
                                    "on four other sessions: this one is held out for all of them."])


def write_config(config: LeaderboardConfig, path: Path) -> Path:
    """``leaderboard.yaml`` that reruns the leaderboard part with ``bayesrep leaderboard``."""
    settings = config.settings
    text = yaml.safe_dump({
        "title": config.title, "output": str(config.output), "measures": list(settings.measures), "b": settings.b,
        "n_bootstrap": settings.n_bootstrap, "bootstrap_scheme": settings.bootstrap_scheme, "seed": settings.seed,
        "models": [{"path": str(s.path), "name": s.label, **({"select": s.select} if s.select else {})}
                   for s in config.models],
        "neural": [{"path": str(s.path), "name": s.label} for s in config.neural], "notes": config.notes,
    }, sort_keys=False, allow_unicode=True)
    return write_text(path, text)


def build_v4_report(output: Path, models: list[Source], *, data_dir=None, settings: Settings = SETTINGS,
                    progress: bool = True) -> tuple[Report, dict[str, Path]]:
    """The whole report (see the module docstring) for ``models``; returns it and the paths written."""
    output = Path(output).resolve()
    assembly = neural_assembly(data_dir)
    neural = write_neural(assembly, output / "inputs" / "cowley2026-210325.nc")
    config = config_for(models, neural, settings, output)
    write_config(config, output / "inputs" / "leaderboard.yaml")
    report = build_leaderboard(config, progress=progress)
    scores, ceilings = brainscore_scores(models, assembly, progress=progress, cache=output / CACHE_FOLDER / "brainscore")
    table = side_by_side(report, scores)
    posterior = posterior_table({s.label: (s.bayes_js, *s.bayes_js_posterior) for s in scores})
    report = dataclasses.replace(
        report, extra_tables={**report.extra_tables, "side-by-side": table, "rank-agreement": rank_agreement(table),
                              "ceilings": ceiling_table(report, ceilings), "posterior": posterior},
        extra_figures=[("scores-by-size", "JS distance to V4 by model size and teacher", size_figure(report)),
                       ("pls-vs-js", "Brain-Score's ceiled pls against our JS distance", agreement_figure(table)),
                       ("posterior", "bayes_js after both readouts observe k images", posterior_figure(posterior))])
    return report, write_report(report, output, progress=progress)


def summary(report: Report) -> str:
    """The side-by-side and ceiling tables as Markdown, for a terminal."""
    return to_markdown([report.extra_tables["side-by-side"], report.extra_tables["ceilings"]], report.title)


#: The source of the scoring functions, taken once they are all defined (see :func:`_score_key`).
SCORING_DIGEST = _scoring_source()
