"""The ``bayesrep`` command: compare representations, score a model, build a leaderboard.

Thin by design: it parses, calls :mod:`bayesrep_plugin.reports`, the Brain-Score metrics and the
case studies (:mod:`bayesrep_plugin.studies`), and prints. Exit codes scripts can rely on:

    0  success
    1  internal error (a bug: please report it; rerun with --debug for the traceback)
    2  usage error (unknown option, missing argument)
    3  bad input (missing, unreadable or damaged file, no stimulus coordinate, unknown measure, a
       plugin folder in the way, a b too small for double precision to resolve, an output folder
       that another run is writing, ...)
    130  interrupted (Ctrl-C); finished pairs are kept and reused by a rerun
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import signal
import sys
import threading
import warnings
from pathlib import Path
from typing import Callable, Iterator, Sequence

from bayesrep_plugin.core.kernels import CENTERINGS
from bayesrep_plugin.errors import BayesrepError

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

EXAMPLES = {
    "compare": """examples:
  bayesrep compare alexnet.nc resnet18.nc resnet34.nc --names AlexNet ResNet-18 ResNet-34
  bayesrep compare a.npy b.npy --stimulus-ids ids.txt --measure tv js cka --n-bootstrap 50 --out cmp/
  bayesrep compare a.nc b.nc --json > distances.json
  bayesrep compare *.nc --workers 2 --out cmp/       # the pairs on a local Dask cluster of 2 processes
  bayesrep compare big1.nc big2.nc --device cuda     # the readout measures on the GPU (large n)""",
    "score": """examples:
  bayesrep score model.nc neural.nc --metric bayes_js
  bayesrep score model.nc neural.nc --metric bayes_tv --n-bootstrap 200 --json > score.json""",
    "leaderboard": """examples:
  bayesrep leaderboard leaderboard.yaml
  bayesrep leaderboard --model alexnet.nc --model resnet18.nc --neural it.nc --measure tv js --out board/
  bayesrep leaderboard leaderboard.yaml --scheduler tcp://head-node:8786   # on a running Dask cluster

config file (paths are relative to it; every key but models and neural is optional):
  title: IT leaderboard
  output: board/              # folder for the report
  measures: [tv, js]          # any of bayesrep's measures
  b: 0.01                     # the readout's noise-to-signal ratio
  n_bootstrap: 20             # resamples of stimuli (0: no intervals)
  measure_options: {knn_jaccard: {k: 5}}   # a measure's own options
  bootstrap_scheme: half      # half | replacement
  seed: 0
  max_stimuli: 600            # optional random subset of the shared stimuli
  models:
    - path: alexnet.nc
      layers: [classifier.5]  # one entry per value of the neuroid coordinate 'layer'
    - {path: resnet18.npy, stimulus_ids: ids.txt, name: ResNet-18}
  neural:
    - {path: it.nc, name: IT, select: {region: IT}}""",
    "v4": """examples:
  bayesrep v4 --data-dir ../shared/data --out v4-report/
  BAYESREP_DATA=../shared/data bayesrep v4 --n-bootstrap 50""",
    "v4-models": """examples:
  bayesrep v4-models --data-dir ../shared/data --workers 2      # every layer of every model, 2 at a time
  bayesrep v4-models --scheduler tcp://head-node:8786 --device cuda   # on a cluster, forward passes on its GPUs
  bayesrep v4-models --layers output_responses --models pixels from_vgg19-25filters""",
    "it92": """examples:
  bayesrep it92 --data-dir ../shared/data --out it92/
  bayesrep it92 --no-models --subjects""",
    "demo": """example:
  bayesrep demo --out bayesrep-demo/""",
    "brainscore": """examples:
  bayesrep brainscore install          # copy the plugin folders into brainscore_vision/metrics/, benchmarks/
  bayesrep brainscore export plugins/  # write the folders to submit upstream
  bayesrep brainscore uninstall""",
}


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keep the examples' layout and show every default that says something (not None/False/[])."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False or action.default == []:
            return action.help
        return super()._get_help_string(action)


# ------------------------------------------------------------------ the parser

def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bars or status messages")
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")


def _b_value(text: str) -> float | str:
    """--b: a number, or 'auto'."""
    if text == "auto":
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'auto'; got {text!r}") from None


def _settings_options(parser: argparse.ArgumentParser, defaults: bool, base=None) -> None:
    """Options of how to measure, with ``base``'s defaults (default: :class:`Settings`'s).
    ``defaults=False`` (config form): unset options keep the config's."""
    from bayesrep_plugin.reports.settings import Settings

    base = base or Settings()

    def default(value):
        return value if defaults else None

    parser.add_argument("--measure", "-m", nargs="+", default=default(list(base.measures)), metavar="NAME",
                        help="measures to compute (tv, js, jsd, hellinger, cka, rsa, ...; see bayesrep_plugin.MEASURES)")
    parser.add_argument("--b", type=_b_value, default=default(base.b), metavar="B",
                        help="noise-to-signal ratio of the readout prior, or 'auto': the resolving b of the recordings "
                             "among the inputs (where a perfect model of a recording stands furthest above chance), "
                             "0.01 (the reference's default) when no input has repetitions")
    parser.add_argument("--center", choices=CENTERINGS, default=default(base.center),
                        help="centre the responses: 'features' (a readout ignores each unit's mean response), 'none' "
                             "(the reference package's convention), 'stimuli'")
    parser.add_argument("--method", choices=["exact", "mc"], default=default(base.method),
                        help="exact (generalized chi-square integrals) or mc (Monte Carlo, the reference's estimator)")
    parser.add_argument("--n-bootstrap", type=int, default=default(base.n_bootstrap), metavar="N",
                        help="resamples of stimuli for the intervals (0: none)")
    parser.add_argument("--bootstrap-scheme", choices=["half", "replacement"], default=default(base.bootstrap_scheme),
                        help="resample half the stimuli without replacement, or all with replacement")
    parser.add_argument("--seed", type=int, default=default(base.seed), help="seed of the resamples")
    parser.add_argument("--max-stimuli", type=int, default=None, metavar="N",
                        help="use a random subset of N of the shared stimuli (faster)")
    parser.add_argument("--measure-option", action="append", default=[], type=_measure_option,
                        metavar="MEASURE.OPTION=VALUE",
                        help="an option of one measure, e.g. knn_jaccard.k=5 or gulp.ridge=0.1 (repeat for several)")
    parser.add_argument("--stimulus-ids", type=Path, metavar="FILE",
                        help="text file of stimulus ids, one per line, for .npy inputs (row order)")


def _measure_option(text: str) -> tuple[str, str, object]:
    """``MEASURE.OPTION=VALUE`` → (measure, option, value), the value read as YAML reads it (5 an
    int, 0.1 a float, cosine a string), so that it means what it would in a config file."""
    import yaml

    name, dot, rest = text.partition(".")
    option, equals, value = rest.partition("=")
    if not (dot and equals and name and option):
        raise argparse.ArgumentTypeError(f"{text!r} is not MEASURE.OPTION=VALUE (e.g. knn_jaccard.k=5)")
    return name, option, yaml.safe_load(value)


#: --device for the commands that measure pairs: where the exact readout measures run.
READOUT_DEVICE_HELP = ("run the exact readout measures (tv, js, kl, ...) in torch, float64, on this device: cuda, "
                       "cuda:1, cpu (default: the numpy core; Monte Carlo estimates and CKA/RSA stay there). Worth it "
                       "for large n on a GPU")


def _cluster_options(parser: argparse.ArgumentParser, tasks: str = "the pairs", workers_need: str = "",
                     device_help: str = READOUT_DEVICE_HELP) -> None:
    """Where ``tasks`` run: here one after another (default), or on a Dask cluster (whose workers
    need ``workers_need``, said after the address); and the torch device."""
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help=f"run {tasks} on a Dask cluster: 'local' starts one here (a worker process per core), "
                             f"an address (tcp://host:8786) uses a running one{workers_need} (default: the environment "
                             f"variable BAYESREP_SCHEDULER; without either, {tasks} run here one after another)")
    parser.add_argument("--workers", type=int, metavar="N", help="worker processes of the local cluster "
                        "(implies --scheduler local)")
    parser.add_argument("--device", metavar="DEVICE", help=device_help)


def _real_data_options(parser: argparse.ArgumentParser, holds: str) -> None:
    """The data directory and how to measure, for the reports on real data."""
    from bayesrep_plugin.reports.settings import Settings

    base = Settings()
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help=f"folder holding {holds} (default: the environment variable BAYESREP_DATA)")
    parser.add_argument("--b", type=_b_value, default=base.b, metavar="B",
                        help="noise-to-signal ratio of the readout prior, or 'auto' (the recording's resolving b)")
    parser.add_argument("--n-bootstrap", type=int, default=base.n_bootstrap, metavar="N",
                        help="resamples of images for the intervals")
    parser.add_argument("--seed", type=int, default=base.seed, help="seed of the resamples (and of the repeats' split)")


def build_parser() -> argparse.ArgumentParser:
    """The ``bayesrep`` argument parser (also rendered into docs/cli.md): the product's commands,
    then the case studies' (:mod:`bayesrep_plugin.studies`), each group under its own heading."""
    parser = argparse.ArgumentParser(
        prog="bayesrep", formatter_class=_Formatter, usage="%(prog)s [-h] COMMAND ...",
        description="Bayesian readout distances (total variation, Jensen–Shannon) between representations of "
                    "models and brains: compare them, score models against neural data, rank them on a leaderboard.",
        epilog="Exit codes: 0 success, 1 internal error, 2 usage error, 3 bad input, 130 interrupted.\n"
               "Inputs: netCDF assemblies (.nc, brainio or plain xarray; stimulus coordinate stimulus_id, "
               "stimulus_path or image_id), .npz (arrays 'activations', 'stimulus_id', optional 'repetition'), "
               ".npy with --stimulus-ids (memory-mapped, not read whole). Outputs (--out, DIR): a folder is "
               "created if absent, inside a folder that exists; every output is checked before anything is "
               "computed.")
    # Listed by the groups below, not by argparse's one list of every command (and so, the usage
    # above and each command's usage, `bayesrep compare ...`, are spelled out).
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", help=argparse.SUPPRESS,
                                     prog=parser.prog)
    for title, adders in COMMAND_GROUPS:
        listed = len(commands._choices_actions)  # argparse has no public way to group subcommands
        for add in adders:
            add(commands)
        parser.add_argument_group(title)._group_actions.extend(commands._choices_actions[listed:])
    return parser


def _command(commands, name: str, help: str, description: str) -> argparse.ArgumentParser:
    """The parser of command ``name``: its one-line help (``bayesrep --help``), its description and
    its examples (:data:`EXAMPLES`) below the options."""
    return commands.add_parser(name, formatter_class=_Formatter, epilog=EXAMPLES[name], help=help,
                               description=description)


def _add_compare(commands) -> None:
    from bayesrep_plugin.reports.settings import COMPARE_SETTINGS

    compare = _command(
        commands, "compare",
        help="pairwise distances between representations, with bootstrap intervals",
        description="Measure every pair of the given representations under the chosen measures, with 95% "
                    "intervals from resampling stimuli. Prints a table; writes CSV, Markdown, JSON, an HTML page "
                    "and figures (clustered heatmap, MDS map, scatter against CKA and RSA) to --out.")
    compare.add_argument("inputs", nargs="+", type=Path, metavar="FILE", help="two or more .nc/.npz/.npy files")
    compare.add_argument("--names", nargs="+", metavar="NAME",
                         help="labels of the inputs, in order (default: the file names without extension; a brainio-style "
                              "name identifier=alexnet,stimuli_identifier=... is labelled alexnet)")
    _settings_options(compare, defaults=True, base=COMPARE_SETTINGS)
    compare.add_argument("--out", type=Path, default=Path("bayesrep-compare"), metavar="DIR",
                         help="folder for the report, one run at a time (finished pairs are cached there and "
                              "reused; an earlier report's files that this one does not write are removed)")
    compare.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    _cluster_options(compare)
    _common(compare)


def _add_score(commands) -> None:
    score = _command(
        commands, "score",
        help="a Brain-Score score of a model against neural data, with error and ceiling",
        description="Score MODEL against NEURAL with a registered Brain-Score metric (registry.yaml): the score "
                    "(1 − distance) with its bootstrap error and interval, the neural data's noise ceiling (the expected "
                    "score of a perfect model, under the metric's own options), "
                    "and the ceiled score (clipped to [0, 1]; the unclipped value is kept).")
    score.add_argument("model", type=Path, metavar="MODEL", help="model activations (.nc/.npz/.npy)")
    score.add_argument("neural", type=Path, metavar="NEURAL", help="neural responses with repetitions (.nc/.npz)")
    score.add_argument("--metric", default="bayes_js", help="metric identifier from registry.yaml")
    score.add_argument("--n-bootstrap", type=int, default=None, metavar="N",
                       help="resamples of stimuli (default: the metric's)")
    score.add_argument("--stimulus-ids", type=Path, metavar="FILE", help="stimulus ids for a .npy MODEL")
    score.add_argument("--out", type=Path, metavar="FILE",
                       help="also write the result as JSON to FILE (in an existing folder; checked before scoring)")
    score.add_argument("--json", action="store_true", help="print the result as JSON")
    _common(score)


def _add_leaderboard(commands) -> None:
    board = _command(
        commands, "leaderboard",
        help="rank models against brains, the brain's split-half on the same axis",
        description="Models (and layers) × neural datasets × measures → one ranked table in which each brain's "
                    "split-half distance (how close another half of the same brain gets) stands on the same axis "
                    "as the models. Writes CSV, Markdown, JSON, a self-contained HTML page and figures. Give a "
                    "YAML config, or --model/--neural flags; flags given with a config override its settings. "
                    "An interrupted run keeps every finished pair; rerun the same command to resume.")
    board.add_argument("config", nargs="?", type=Path, metavar="CONFIG.yaml", help="leaderboard config file")
    board.add_argument("--model", action="append", type=Path, default=[], metavar="FILE",
                       help="model activations (repeat for several)")
    board.add_argument("--neural", action="append", type=Path, default=[], metavar="FILE",
                       help="neural responses with repetitions (repeat for several)")
    _settings_options(board, defaults=False)
    board.add_argument("--title", help="title of the report")
    board.add_argument("--out", type=Path, metavar="DIR", help="folder for the report (default: the config's "
                       "'output', else ./bayesrep-leaderboard)")
    board.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    _cluster_options(board)
    _common(board)


def _add_brainscore(commands) -> None:
    brainscore = _command(
        commands, "brainscore",
        help="install, uninstall or export the Brain-Score metric plugins",
        description="Brain-Score finds metrics only inside its own installed metrics/ folders: install copies our "
                    "plugin folders there (so load_metric('bayes_js') works) and the re-scored benchmarks into "
                    "brainscore_vision/benchmarks/ (so load_benchmark('Cowley2026.V4-bayes_js') works), uninstall "
                    "removes them, export writes "
                    "them to a folder, ready to submit upstream.")
    action = brainscore.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, text in (("install", "copy the plugin folders into the installed Brain-Score packages"),
                       ("uninstall", "remove them again")):
        _common(action.add_parser(name, help=text, description=text[0].upper() + text[1:] + "."))
    export = action.add_parser("export", help="write the plugin folders to DIR",
                               description="Write the plugin folders to DIR, ready to submit upstream: "
                                           "Brain-Score's layout (metrics and benchmarks), requiring this "
                                           "release of bayesrep-plugin (docs/guide-upstream.md).")
    export.add_argument("directory", type=Path, metavar="DIR")
    _common(export)


def _add_v4(commands) -> None:
    v4 = _command(
        commands, "v4",
        help="the real V4 leaderboard: 56 compact models, pixels and EfficientNet against V4 recordings",
        description="Score models of V4 against real macaque V4 recordings (Cowley et al., Nature 2026, session "
                    "210325: 50 neurons, 640 images, 6-10 repeats): the 56 shared compact models (their output "
                    "layer), the pixels and EfficientNet-Lite0, under tv, js, cka and rsa with the brain's split-half "
                    "row, beside Brain-Score's own pls score and internal_consistency ceiling and our bayes_js "
                    "metric with its ceiling. Model activations are computed once and cached (BAYESREP_CACHE). "
                    "The data directory holds cowley2026-v4/ as its source distributes it (see the README).")
    _real_data_options(v4, "cowley2026-v4/")
    v4.add_argument("--out", type=Path, default=Path("bayesrep-v4"), metavar="DIR", help="folder for the report")
    _common(v4)


def _add_v4_models(commands) -> None:
    from bayesrep_plugin.models.compact import BATCH_SIZE, LAYERS

    models = _command(
        commands, "v4-models",
        help="the full V4 study's inputs: every layer of every model on the V4 images, cached",
        description="Run the 640 images of the V4 session through the pixels baseline, the 56 compact models (every "
                    f"stage: {', '.join(LAYERS)}) and EfficientNet-Lite0, and cache each model's layers as one "
                    "netCDF model assembly (BAYESREP_CACHE; a rerun reads them, an interrupted model resumes). "
                    "Prints one line per model: its name and its file, which `bayesrep compare` and leaderboard "
                    "configs read (select a layer with layers: [...]). Each model is a task of its own on a Dask "
                    "cluster when one is given; the forward passes run on --device.")
    models.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="folder holding cowley2026-v4/ (default: the environment variable BAYESREP_DATA)")
    models.add_argument("--layers", nargs="+", choices=LAYERS, metavar="LAYER",
                        help=f"only these stages of the compact models (default: all of {', '.join(LAYERS)})")
    models.add_argument("--models", nargs="+", metavar="NAME",
                        help="only these models (e.g. pixels from_vgg19-25filters; default: all)")
    models.add_argument("--batch-size", type=int, default=BATCH_SIZE, metavar="N", help="images per forward pass")
    _cluster_options(models, "the models", ", one task per model, whose workers must see the same cache folder",
                     "run the forward passes on this torch device: cuda, cuda:1, cpu (default: cpu)")
    _common(models)


def _add_it92(commands) -> None:
    it92 = _command(
        commands, "it92",
        help="the 92-image leaderboard: models beside monkey IT and human IT (Kriegeskorte et al. 2008)",
        description="Rank the pixels, the 56 compact V4 models (output layer) and EfficientNet-Lite0 (three stages), "
                    "run on the 92 images, against monkey IT (674 neurons) and human IT (4 subjects x 2 sessions), "
                    "which come only as correlation-distance RDMs: every representation is compared by the kernel of "
                    "its per-stimulus z-scored patterns, 1 - RDM. Human IT's reference row is session 2 vs session 1; "
                    "monkey IT has a single RDM and so no reference row. The data directory holds "
                    "kriegeskorte2008-92images/ (and cowley2026-v4/ for the models).")
    _real_data_options(it92, "kriegeskorte2008-92images/ and cowley2026-v4/")
    it92.add_argument("--out", type=Path, metavar="DIR", help="also write the full report (tables, figures, page) here")
    it92.add_argument("--no-models", action="store_true", help="the pixels only (no model is run)")
    it92.add_argument("--subjects", action="store_true", help="also one board per human subject")
    _common(it92)


def _add_demo(commands) -> None:
    demo = _command(
        commands, "demo",
        help="the built-in leaderboard: real network activations vs a SIMULATED brain",
        description="Run the demo of `make demo`: real AlexNet / ResNet-18 / ResNet-34 activations (shipped with "
                    "brainscore-vision) against a SIMULATED neural population with repetitions; writes the full "
                    "leaderboard report. Nothing is downloaded.")
    demo.add_argument("--out", type=Path, default=Path("bayesrep-demo"), metavar="DIR", help="folder for the report")
    demo.add_argument("--data-dir", type=Path, metavar="DIR",
                      help="folder holding cowley2026-v4/, for the real-recording headline (default: the environment "
                           "variable BAYESREP_DATA)")
    _common(demo)


#: ``bayesrep --help``'s headings, each with the commands listed under it, in order.
COMMAND_GROUPS = (
    ("commands", (_add_compare, _add_score, _add_leaderboard, _add_brainscore)),
    ("studies (complete reports on named data sets: bayesrep_plugin.studies)", (_add_v4, _add_v4_models, _add_it92, _add_demo)),
)


# ------------------------------------------------------------------ the commands

def _say(args: argparse.Namespace, message: str) -> None:
    """Status messages go to stderr (stdout is for results) and are silenced by --quiet."""
    if not args.quiet:
        print(message, file=sys.stderr)


def _format_rows(rows: list[dict], columns: list[str]) -> str:
    from bayesrep_plugin.reports.tables import format_cell

    cells = [[format_cell(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in cells]
    return "\n".join(lines)


def _print_report(args: argparse.Namespace, report, paths: dict) -> None:
    if args.json:
        print(json.dumps(report.to_json(), indent=1))
    else:
        for table in report.tables():
            print(f"\n{table.title}\n{_format_rows(table.rows, [c for c in table.columns if c not in ('dataset', 'measure')])}")
    _say(args, f"report: {paths['html']}")


def _settings(args: argparse.Namespace, base=None):
    from bayesrep_plugin.reports.settings import Settings

    base = base or Settings()
    options = {name: dict(each) for name, each in base.measure_options.items()}
    for name, option, value in args.measure_option:  # flags add to (or override) the config's
        options.setdefault(name, {})[option] = value
    given = {"measures": args.measure and tuple(args.measure), "b": args.b, "center": args.center,
             "method": args.method, "n_bootstrap": args.n_bootstrap, "bootstrap_scheme": args.bootstrap_scheme,
             "seed": args.seed, "max_stimuli": args.max_stimuli,
             "measure_options": options if args.measure_option else None}
    return dataclasses.replace(base, **{k: v for k, v in given.items() if v is not None})


def run_compare(args: argparse.Namespace) -> int:
    from bayesrep_plugin.reports.distributed import connect
    from bayesrep_plugin.reports.pairs import check_device
    from bayesrep_plugin.reports.folder import report_folder
    from bayesrep_plugin.reports.inputs import InputError, Source
    from bayesrep_plugin.reports.leaderboard import build_comparison, write_report

    names = args.names or [None] * len(args.inputs)
    if len(names) != len(args.inputs):
        raise InputError(f"--names gives {len(names)} labels for {len(args.inputs)} inputs")
    sources = [Source(path, name, stimulus_ids=args.stimulus_ids) for path, name in zip(args.inputs, names)]
    device = check_device(args.device)
    with report_folder(args.out), connect(args.scheduler, args.workers) as client:
        report = build_comparison(sources, _settings(args), output=args.out, progress=not args.quiet, client=client,
                                  device=device)
        _print_report(args, report, write_report(report, args.out, progress=not args.quiet))
    return EXIT_OK


def run_leaderboard(args: argparse.Namespace) -> int:
    from bayesrep_plugin.reports.distributed import connect
    from bayesrep_plugin.reports.pairs import check_device
    from bayesrep_plugin.reports.folder import report_folder
    from bayesrep_plugin.reports.inputs import InputError, Source
    from bayesrep_plugin.reports.leaderboard import LeaderboardConfig, build_leaderboard, read_config, write_report

    if args.config:
        config = read_config(args.config, output=args.out)
        config = dataclasses.replace(config, settings=_settings(args, config.settings),
                                     models=config.models + [Source(p, stimulus_ids=args.stimulus_ids) for p in args.model],
                                     neural=config.neural + [Source(p, stimulus_ids=args.stimulus_ids) for p in args.neural],
                                     title=args.title or config.title)
    else:
        if not args.model or not args.neural:
            raise InputError("leaderboard needs a CONFIG.yaml, or at least one --model and one --neural")
        config = LeaderboardConfig(models=[Source(p, stimulus_ids=args.stimulus_ids) for p in args.model],
                                   neural=[Source(p, stimulus_ids=args.stimulus_ids) for p in args.neural],
                                   settings=_settings(args), output=args.out or Path("bayesrep-leaderboard"),
                                   title=args.title or "bayesrep leaderboard")
    device = check_device(args.device)
    with report_folder(config.output), connect(args.scheduler, args.workers) as client:
        report = build_leaderboard(config, progress=not args.quiet, client=client, device=device)
        _print_report(args, report, write_report(report, config.output, progress=not args.quiet))
    return EXIT_OK


def _score_value(score) -> dict:
    """The parts of a Brain-Score Score worth printing: value, error, interval."""
    out = {"value": float(score), "error": float(score.attrs.get("error", math.nan))}
    if "interval" in score.attrs:
        out["interval"] = [float(v) for v in score.attrs["interval"]]
    return out


def run_score(args: argparse.Namespace) -> int:
    from bayesrep_plugin.brainscore.scores import ceil_score
    from bayesrep_plugin.brainscore.registry import factory, readout_metrics
    from bayesrep_plugin.reports.folder import check_output
    from bayesrep_plugin.reports.inputs import InputError, Source, load_assembly

    scorable = readout_metrics()
    if args.metric not in scorable:
        raise InputError(f"unknown metric {args.metric!r}; metrics with a ceiling: {', '.join(scorable)}")
    if args.out:
        check_output(args.out, "file")
    options = {} if args.n_bootstrap is None else {"n_bootstrap": args.n_bootstrap}
    try:  # the metric checks its options when built: before any data is read
        metric = factory(args.metric)(**options)
    except ValueError as error:
        raise InputError(f"--metric {args.metric} with {options or 'its defaults'}: {error}") from None
    model = load_assembly(Source(args.model, stimulus_ids=args.stimulus_ids))
    neural = load_assembly(Source(args.neural))
    _say(args, f"scoring {args.model.name} against {args.neural.name} with {args.metric} ...")
    score = metric(model, neural)
    ceiling = metric.ceiling()(neural)   # the ceiling under the metric's own options
    ceiled = ceil_score(score, ceiling)
    result = {"metric": args.metric, "model": str(args.model), "neural": str(args.neural),
              "score": _score_value(score), "ceiling": _score_value(ceiling),
              "ceiled": {**_score_value(ceiled), "unclipped": float(ceiled.attrs["unclipped"])},
              "distance": score.attrs.get("distance"), "n_stimuli": int(score.attrs["n_stimuli"])}
    if args.out:
        from bayesrep_plugin._io import write_text
        write_text(args.out, json.dumps(result, indent=1))
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        s, c, k = result["score"], result["ceiling"], result["ceiled"]
        print(f"{args.metric}: score {s['value']:.4f} ± {s['error']:.4f} (n = {result['n_stimuli']} stimuli)\n"
              f"ceiling (expected score of a perfect model): {c['value']:.4f} ± {c['error']:.4f}\n"
              f"ceiled score: {k['value']:.4f} (unclipped {k['unclipped']:.4f}, 95% interval "
              f"[{k['interval'][0]:.4f}, {k['interval'][1]:.4f}])")
    return EXIT_OK


def run_v4(args: argparse.Namespace) -> int:
    from bayesrep_plugin.datasets import cowley2026
    from bayesrep_plugin.reports.folder import report_folder
    from bayesrep_plugin.studies import v4

    settings = dataclasses.replace(v4.SETTINGS, b=args.b, n_bootstrap=args.n_bootstrap, seed=args.seed)
    with report_folder(args.out):
        cowley2026.load_responses(args.data_dir)  # a missing or bad recording fails now, not after the models
        sources = v4.v4_sources(args.data_dir, progress=not args.quiet)
        report, paths = v4.build_v4_report(args.out, sources, data_dir=args.data_dir, settings=settings,
                                           progress=not args.quiet)
    print(v4.summary(report))
    _say(args, f"report: {paths['html']}")
    return EXIT_OK


def run_v4_models(args: argparse.Namespace) -> int:
    from bayesrep_plugin.models import v4_model_assemblies
    from bayesrep_plugin.reports.distributed import connect
    from bayesrep_plugin.reports.inputs import InputError
    from bayesrep_plugin.reports.pairs import check_device

    if args.batch_size < 1:
        raise InputError(f"--batch-size must be at least 1; got {args.batch_size}")
    device = check_device(args.device)
    with connect(args.scheduler, args.workers) as client:
        paths = v4_model_assemblies(args.data_dir, progress=not args.quiet, compact_layers=args.layers,
                                    models=args.models, batch_size=args.batch_size, device=device,
                                    executor=None if client is None else client.get_executor())
    for name, path in paths.items():
        print(f"{name}\t{path}")
    return EXIT_OK


def run_it92(args: argparse.Namespace) -> int:
    from bayesrep_plugin.reports.folder import report_folder
    from bayesrep_plugin.reports.leaderboard import write_report
    from bayesrep_plugin.reports.tables import to_markdown
    from bayesrep_plugin.studies import it92

    settings = dataclasses.replace(it92.default_settings(), b=args.b, n_bootstrap=args.n_bootstrap, seed=args.seed)
    with report_folder(args.out) if args.out else contextlib.nullcontext():
        it92.brains(args.data_dir)  # a missing or bad RDM file fails now, not after the models
        models = {} if args.no_models else it92.it92_models(args.data_dir, progress=not args.quiet)
        report = it92.build_92_leaderboard(models, settings, path=args.data_dir, subjects=args.subjects,
                                           output=args.out, progress=not args.quiet)
        print(to_markdown(report.tables(), report.title))
        for note in report.notes:
            print(f"> {note}\n")
        if args.out:
            _say(args, f"report: {write_report(report, args.out, progress=not args.quiet)['html']}")
    return EXIT_OK


def run_demo(args: argparse.Namespace) -> int:
    from bayesrep_plugin.studies import demo

    demo.run(args.out, progress=not args.quiet, data_dir=args.data_dir)
    return EXIT_OK


def run_brainscore(args: argparse.Namespace) -> int:
    from bayesrep_plugin.brainscore import install
    from bayesrep_plugin.reports.folder import check_output

    if args.action == "export":
        written = install.export(check_output(args.directory))
    else:
        written = getattr(install, args.action)()
    for path in written or []:
        print(path)
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "compare": run_compare, "score": run_score, "leaderboard": run_leaderboard, "brainscore": run_brainscore,
    "v4": run_v4, "v4-models": run_v4_models, "it92": run_it92, "demo": run_demo,
}


# ------------------------------------------------------------------ the entry point

def _one_line_warnings(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"bayesrep: warning: {str(message).splitlines()[0]}", file=sys.stderr)


class _Interrupts:
    """The SIGINT handler while a command runs: raises KeyboardInterrupt, and remembers the signal.

    Python raises it wherever the main thread is, and one raised inside a finalizer (a ``__del__``
    run by the garbage collector, e.g. while figures are drawn) is printed as ignored and lost: the
    run went on and exited 0. A remembered interrupt ends the command with exit 130 all the same.
    """

    def __init__(self) -> None:
        self.received = False

    def __call__(self, signum, frame) -> None:
        self.received = True
        raise KeyboardInterrupt


@contextlib.contextmanager
def _handling_interrupts() -> Iterator[_Interrupts]:
    """:class:`_Interrupts` as the SIGINT handler for the block, where Python's own would be (not
    where SIGINT is ignored, as for a job started in the background, nor outside the main thread)."""
    interrupts = _Interrupts()
    ours = threading.current_thread() is threading.main_thread() and \
        signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if ours:
        signal.signal(signal.SIGINT, interrupts)
    try:
        yield interrupts
    finally:
        if ours:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``bayesrep``; returns the exit code (see the module docstring)."""
    with warnings.catch_warnings():  # the warning settings below end with the command
        # Libraries' deprecation notices (and Brain-Score's import-time note on xarray internals)
        # are for developers, not for someone running a command.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message="xarray subclass .* should explicitly define __slots__")
        args = build_parser().parse_args(argv)
        if not args.debug:
            warnings.showwarning = _one_line_warnings
        with _handling_interrupts() as interrupts:
            return _run(args, interrupts)


def _run(args: argparse.Namespace, interrupts: _Interrupts) -> int:
    try:
        code = COMMANDS[args.command](args)
        if interrupts.received:  # raised where it was lost (see _Interrupts)
            raise KeyboardInterrupt
        return code
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("bayesrep: interrupted; finished pairs are kept, rerun to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BayesrepError as error:  # explained in its message: one line, no traceback
        if args.debug:
            raise
        print(f"bayesrep: error: {' '.join(str(error).split())}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as error:  # a bug: say so in one line, the traceback is behind --debug
        if args.debug:
            raise
        print(f"bayesrep: internal error: {type(error).__name__}: {error} (rerun with --debug for the traceback)",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
