"""Comparisons and leaderboards: files in, one folder of tables, figures and a page out.

A *comparison* measures every pair of the given representations. A *leaderboard* puts models and
brains on one axis, at one readout noise b: by default (b: auto) the resolving b of the board's
recordings (:func:`~bayesrep_plugin.assemblies.ceiling.resolving_b`), and the features centred.

- A neural dataset given as responses with repetitions (a recording) is compared as the Brain-Score
  metric compares it: its mean responses, whose noise is put on the model's side too
  (:func:`~bayesrep_plugin.core.prior.matched_priors`). Beside the models its board ranks the
  references of :mod:`.references`: the ceiling (a perfect model, simulated), the chance band (its
  responses with the stimuli shuffled), a constant, its split-half and its neuron split. The
  ``ceiled`` column is each row's similarity relative to the ceiling's.
- A neural dataset given as kernels or RDMs (:class:`~bayesrep_plugin.assemblies.rdm.StimulusKernel`)
  may come in two parts of the same brains (e.g. session 1 and session 2): a model's distance to the
  brain is then the mean of its distances to the two parts, and the brain's own part-to-part
  distance is its reference row. Its board has the chance band too.

Neural datasets of different ``group`` s (e.g. monkey and human) are also ranked on each other's
boards. Intervals come from resampling stimuli (the same resamples for every pair); a reference row's
from its own resampling (simulated recordings, permutations, splits).

Each neural dataset given as responses also gets the posterior over the models
(:mod:`bayesrep_plugin.core.evidence`): the probability of its mean responses under each model's
readout prior, summed over neuroids, and Bayes' rule with a uniform prior. A dataset given as a
kernel or RDM has no responses to score, and the report says so.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Iterator

import numpy as np
import yaml
from tqdm.auto import tqdm

from bayesrep_plugin._io import cache_file, code_digest, write_text
from bayesrep_plugin.assemblies.align import align_all
from bayesrep_plugin.core.resampling import resample_indices
from bayesrep_plugin.assemblies.ceiling import recording_resolution
from bayesrep_plugin.assemblies.evidence import NeuralEvidence, neural_evidence
from bayesrep_plugin.assemblies.kernels import responses_representation
from bayesrep_plugin.assemblies.rdm import CORRELATION_ORIGIN, StimulusKernel, correlation_stimulus_kernel
from bayesrep_plugin.assemblies.responses import Responses
from bayesrep_plugin.core import DEFAULT_B, Comparison, get_measure
from bayesrep_plugin.core.evidence import readout_spectrum

from . import figures
from .folder import Manifest, report_folder
from .inputs import InputError, Source, distinct_labels, load_input, read_text
from .settings import Settings
from .pairs import Entry, PairCache, PairMatrix, pair_matrices
from .references import reference_rows
from .summary import SummaryBlock, comparison_summary, leaderboard_summary
from .settings import AUTO
from .tables import FigureFile, Table, markdown_summary, to_csv, to_html, to_markdown

if TYPE_CHECKING:  # Dask is imported only when a cluster is asked for
    from distributed import Client

CLASSIC = ("cka", "rsa")  # the measures ours are plotted against
EVIDENCE_COLUMNS = ["dataset", "rank", "model", "log_evidence", "log_evidence_per_neuroid", "minus_best", "posterior",
                    "neuroids_won"]
CACHE_FOLDER = ".cache"


@dataclass(frozen=True)
class LeaderboardConfig:
    """Models × neural datasets × measures, and where to write the report."""

    models: list[Source]
    neural: list[Source]
    settings: Settings
    output: Path
    title: str = "bayesrep leaderboard"
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- config files

_SETTING_KEYS = ("measures", "b", "center", "method", "n_bootstrap", "bootstrap_scheme", "seed", "max_stimuli",
                 "response_kernel", "measure_options")  # the Settings fields, under their own names
_TOP_KEYS = {"title", "output", "models", "neural", "notes", *_SETTING_KEYS}
_SOURCE_KEYS = {"path", "name", "layers", "select", "stimulus_ids", "stimulus_key", "group"}


def _sources(items, section: str, where: Path, neural: bool) -> list[Source]:
    if not isinstance(items, list) or not items:
        raise InputError(f"{where}: '{section}' must be a non-empty list of entries with a 'path'")
    sources = []
    for index, item in enumerate(items):
        place = f"{where}: {section}[{index}]"
        item = {"path": item} if isinstance(item, str) else item
        if not isinstance(item, dict) or "path" not in item:
            raise InputError(f"{place}: expected a path or a mapping with 'path'")
        known = _SOURCE_KEYS - {"layers"} if neural else _SOURCE_KEYS - {"group"}
        unknown = set(item) - known
        if unknown:
            raise InputError(f"{place}: unknown key(s) {sorted(unknown)}; known: {sorted(known)}")
        path = (where.parent / str(item["path"])).resolve()
        if not path.exists():
            raise InputError(f"{place}.path: file not found: {path}")
        ids = item.get("stimulus_ids")
        ids = None if ids is None else (where.parent / str(ids)).resolve()
        select = {str(k): str(v) for k, v in (item.get("select") or {}).items()}
        layers = item.get("layers") or [None]
        for layer in layers:
            chosen = select if layer is None else {**select, "layer": str(layer)}
            name = item.get("name")
            if name and layer is not None:
                name = f"{name}:{layer}"
            group = None if item.get("group") is None else str(item["group"])
            sources.append(Source(path, name, chosen, ids, item.get("stimulus_key"), group))
    return sources


def _notes(notes, where: Path) -> list[str]:
    """``notes:`` is one string or a list of strings."""
    if isinstance(notes, str):
        return [notes]
    if not isinstance(notes, list) or not all(isinstance(note, str) for note in notes):
        raise InputError(f"{where}: 'notes' must be a string or a list of strings; got {notes!r}")
    return list(notes)


def read_config(path: Path, output: Path | None = None) -> LeaderboardConfig:
    """Read and check a leaderboard YAML file; paths in it are relative to the file."""
    path = Path(path)
    text = read_text(path, "config file")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise InputError(f"{path}:{line} not valid YAML ({getattr(error, 'problem', error)})") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected a mapping with 'models' and 'neural'")
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise InputError(f"{path}: unknown key(s) {sorted(unknown)}; known: {sorted(_TOP_KEYS)}")
    for key in ("models", "neural"):
        if key not in raw:
            raise InputError(f"{path}: missing '{key}'")
    try:
        given = {key: raw[key] for key in _SETTING_KEYS if key in raw}
        if "measures" in given:  # one name or a list of names
            measures = given["measures"]
            given["measures"] = (measures,) if isinstance(measures, str) else tuple(measures)
        settings = Settings(**given)
    except InputError as error:
        raise InputError(f"{path}: {error}") from None
    except (TypeError, ValueError) as error:
        raise InputError(f"{path}: bad setting ({error})") from None
    return LeaderboardConfig(
        models=_sources(raw["models"], "models", path, neural=False),
        neural=_sources(raw["neural"], "neural", path, neural=True),
        settings=settings,
        output=output or (path.parent / str(raw.get("output", "leaderboard"))).resolve(),
        title=str(raw.get("title", "bayesrep leaderboard")),
        notes=_notes(raw.get("notes", []), path),
    )


# ---------------------------------------------------------------- building the entries

Input = Responses | StimulusKernel


def _subsample(inputs: list[Input], settings: Settings) -> list[Input]:
    aligned = align_all(inputs)
    n = aligned[0].n
    if settings.max_stimuli is None or n <= settings.max_stimuli:
        return aligned
    keep = np.sort(np.random.default_rng(settings.seed).choice(n, settings.max_stimuli, replace=False))
    return [r.subset(keep) for r in aligned]


def _entry(data: Input, kind: str, settings: Settings) -> Entry:
    """One representation: the kernel of the mean responses (``settings.response_kernel``), or the
    kernel given (the mean of its parts)."""
    if isinstance(data, Responses) and settings.response_kernel == "correlation":
        data = correlation_stimulus_kernel(data)
    try:
        prepared = (data.representation(center=settings.center) if isinstance(data, StimulusKernel)
                    else responses_representation(data, center=settings.center))
    except ValueError as error:  # all-zero activations, a kernel that is not PSD, ...
        message = str(error)
        raise InputError(message if message.startswith(data.name) else f"{data.name}: {message}") from None
    if not np.abs(prepared.centered_kernel).max() > 1e-12 * prepared.trace / prepared.n:
        raise InputError(f"{data.name}: every stimulus has the same response (a constant representation); "
                         "no readout can tell the stimuli apart, and CKA and RSA are undefined")
    return Entry(data.name, kind, prepared)


def _kernel_notes(inputs: list[Input], settings: Settings) -> list[str]:
    """What each kernel is, when the inputs were not all turned into kernels the same way."""
    responses = CORRELATION_ORIGIN if settings.response_kernel == "correlation" else "X Xᵀ of the responses"
    origins = {data.name: data.origin if isinstance(data, StimulusKernel) else responses for data in inputs}
    if len(set(origins.values())) < 2:
        return []
    described = "; ".join(f"{name}: {origin}" for name, origin in origins.items())
    advice = (" Brains given as correlation RDMs meet responses like with like under response_kernel: correlation."
              if settings.response_kernel == "linear" and CORRELATION_ORIGIN in origins.values() else "")
    return [f"The kernels come from different transformations of the patterns ({described}).{advice}"]


@dataclass(frozen=True)
class Brain:
    """A neural dataset on a leaderboard, and whose recordings it is (see :class:`~.inputs.Source`)."""

    data: Input
    group: str | None = None


def _parts(data: Input, settings: Settings) -> tuple[list[Entry], str | None]:
    """A brain's entries (its mean responses, its one kernel, or its two parts) and the label of its
    part-to-part reference row (kernels in two parts only)."""
    if isinstance(data, StimulusKernel) and len(data.parts) > 1:
        try:
            entries = [Entry(f"{data.name} ({part})", "brain", data.representation(k, settings.center))
                       for k, part in enumerate(data.part_names)]
        except ValueError as error:
            raise InputError(str(error)) from None
        return entries, f"{data.name} · {data.part_names[1]} vs {data.part_names[0]} (split)"
    if _recording(data, settings):
        data.require_repetitions(2, "a brain on a leaderboard (its noise, ceiling and references)")
    return [_entry(data, "brain", settings)], None


def _recording(data: Input, settings: Settings) -> bool:
    """Whether a brain is compared as a recording (its mean responses, their noise, its references):
    responses, under the linear response kernel (a correlation kernel of them has no noise model)."""
    return isinstance(data, Responses) and settings.response_kernel == "linear"


def board_b(settings: Settings, inputs: list[Input], cache: Path | None = None,
            progress: bool = False) -> tuple[float, str]:
    """The board's b and how it was chosen: the b given; with b: auto, the largest resolving b of
    the recordings among ``inputs`` (under the first of the board's measures that has one, else JS),
    or the reference package's 0.01 when none has repetitions. Each recording's resolving b is kept
    in the folder ``cache`` when one is given (a minute of simulations on two cores), keyed by the
    recording, the measure and its options, the centring, the seed and the code that finds it."""
    if settings.b != AUTO:
        return float(settings.b), "given"
    recorded = [data for data in inputs if _recording(data, settings) and data.repetitions.max() > 1]
    if not recorded:
        return DEFAULT_B, "the reference package's default: no input has repetitions to read b from"
    name = next((m for m in settings.measures if get_measure(m).bayesian and get_measure(m).value_range == (0.0, 1.0)),
                "js")
    resolved = []
    for data in recorded:
        key = hashlib.sha256(json.dumps([data.fingerprint, name, settings.options(name), settings.center, settings.seed,
                                         code_digest(*RESOLUTION_CODE)], sort_keys=True).encode()).hexdigest()[:32]
        path = None if cache is None else cache_file(cache / "resolving-b" / f"{key}.json")
        try:
            b = float(json.loads(path.read_text("utf-8"))["b"]) if path is not None and path.is_file() else None
        except (OSError, ValueError, KeyError, TypeError):
            b = None  # unreadable: found again below
        if b is None:
            with tqdm(desc=f"resolving b of {data.name}", unit="b", disable=not progress, leave=False) as bar:
                b = recording_resolution(data, get_measure(name), settings.options(name), center=settings.center,
                                         seed=settings.seed, tick=bar.update).b
                bar.refresh()
            if path is not None:
                write_text(path, json.dumps({"b": b}))
        resolved.append((b, data.name))
    b, source = max(resolved)
    return b, f"the resolving b of {source} under {name}"


#: The code that finds a recording's resolving b (part of its cache key).
RESOLUTION_CODE = ("bayesrep_plugin.core", "bayesrep_plugin.assemblies")


def _check_unique(labels: list[str]) -> None:
    seen = set()
    for label in labels:
        if label in seen:
            raise InputError(f"two inputs are both named {label!r}; give them distinct names")
        seen.add(label)


# ---------------------------------------------------------------- results

@dataclass
class Report(ABC):
    """What a comparison and a leaderboard share: the pairs measured, their rows and notes, and how
    they are written. :class:`ComparisonReport` and :class:`LeaderboardReport` own their columns,
    table titles, summary, figures and notes."""

    #: The report's name: the stem of its files (``<name>.csv``, ...) and ``kind`` in its JSON.
    name: ClassVar[str]
    #: The columns of its ranked rows (and of ``<name>.csv``).
    columns: ClassVar[tuple[str, ...]]

    title: str
    settings: Settings
    b: float   # the readout noise every pair was measured at (settings.b resolved)
    b_choice: str
    entries: list[Entry]
    n_stimuli: int
    matrices: dict[str, PairMatrix]
    classic: dict[str, PairMatrix]
    rows: list[dict]
    notes: list[str]
    extra_tables: dict[str, Table] = field(default_factory=dict)  # file stem → table, after the ranked ones
    extra_figures: list[tuple[str, str, object]] = field(default_factory=list)  # (file stem, caption, Figure)
    evidence: list[NeuralEvidence] = field(default_factory=list)  # the posterior over models, per neural dataset

    @property
    def evidence_rows(self) -> list[dict]:
        return [row for dataset in self.evidence for row in dataset.rows()]

    @abstractmethod
    def table_title(self, row: dict) -> str:
        """The title of the ranked table a row belongs to."""

    def tables(self) -> list[Table]:
        """One table per measure (and dataset), in reading order; a ``dataset`` column with one value
        (or ``measure``) column with one value is left out (the title names it; the CSV files keep it)."""
        groups: dict[str, list[dict]] = {}
        for row in self.rows:
            groups.setdefault(self.table_title(row), []).append(row)
        evidence = [Table(f"{dataset.dataset} — posterior over models", EVIDENCE_COLUMNS, dataset.rows())
                    for dataset in self.evidence]
        return [_one_dataset_in_title(table) for table in
                [Table(title, list(self.columns), rows) for title, rows in groups.items()] + evidence
                + list(self.extra_tables.values())]

    @abstractmethod
    def summary(self) -> list[SummaryBlock]:
        """The answer at the top of the page (:mod:`.summary`)."""

    def own_figures(self) -> Iterator[tuple[object, str, str]]:
        """(figure, file stem, caption) of the figures only this kind of report draws, after the
        heatmaps and maps; each figure is drawn when its turn comes."""
        return iter(())

    def reading_notes(self) -> list[str]:
        """Notes on how to read the report, before the settings' note."""
        return []

    def to_json(self) -> dict:
        matrices = {}
        for name, matrix in {**self.matrices, **self.classic}.items():
            sd = matrix.resampled.std(axis=-1, ddof=1) if matrix.resampled.shape[-1] > 1 else None
            sd = None if sd is None else [[_none_if_nan(float(v)) for v in row] for row in sd]
            matrices[name] = {"values": matrix.values.tolist(), "bootstrap_sd": sd}
        return {"kind": self.name, "title": self.title, "settings": asdict(self.settings), "b": self.b,
                "b_choice": self.b_choice, "n_stimuli": self.n_stimuli,
                "representations": [{"label": e.label, "kind": e.kind} for e in self.entries],
                "matrices": matrices, "rows": [{k: _none_if_nan(v) for k, v in row.items()} for row in self.rows],
                "evidence": self.evidence_rows, "notes": self.notes}


@dataclass
class ComparisonReport(Report):
    """Every pair of the inputs under every measure: one row per pair, the closest pairs first in the summary."""

    name: ClassVar[str] = "comparison"
    columns: ClassVar[tuple[str, ...]] = ("measure", "first", "second", "value", "ci_low", "ci_high", "bootstrap_sd")

    def table_title(self, row: dict) -> str:
        return row["measure"]

    def summary(self) -> list[SummaryBlock]:
        """The closest pairs under each measure."""
        return comparison_summary(self.rows, self.settings.measures)


@dataclass
class LeaderboardReport(Report):
    """Models ranked against each brain beside its references: a table per dataset and measure,
    score bars, each recording's ranks against b, and a note on how to read the references."""

    name: ClassVar[str] = "leaderboard"
    columns: ClassVar[tuple[str, ...]] = ("dataset", "measure", "rank", "representation", "kind", "value", "ci_low",
                                          "ci_high", "bootstrap_sd", "ceiled")

    def table_title(self, row: dict) -> str:
        return f"{row['dataset']} — {row['measure']}"

    def summary(self) -> list[SummaryBlock]:
        """Per brain: the closest models, how sure, the ceiling and chance."""
        return leaderboard_summary(self.rows, self.settings.measures, self.evidence_rows, self.b)

    def own_figures(self) -> Iterator[tuple[object, str, str]]:
        """Per measure, each model's bar against each brain beside its references; per recording, each
        model's rank against b."""
        for name in self.matrices:
            panels = {}
            for row in (r for r in self.rows if r["measure"] == name):
                ci = (row["value"], row["value"]) if math.isnan(row["ci_low"]) else (row["ci_low"], row["ci_high"])
                panels.setdefault(row["dataset"], []).append(
                    figures.ScoreBar(row["representation"], row["value"], ci[0], ci[1], row["kind"]))
            lower_is_closer = get_measure(name).kind != "similarity"
            yield (figures.score_bars(panels, name, lower_is_closer), f"scores-{name}",
                   f"Each model against the brain under {name}, beside the brain's references")
        sweep = self.extra_tables.get("ranks-vs-b")
        for dataset in dict.fromkeys(row["dataset"] for row in (sweep.rows if sweep else [])):
            rows = [row for row in sweep.rows if row["dataset"] == dataset]
            points: dict[str, list[tuple[float, int]]] = {}
            for row in rows:
                points.setdefault(row["model"], []).append((row["b"], row["rank"]))
            yield (figures.rank_sweep(points, self.b, rows[0]["measure"], dataset), f"ranks-vs-b-{_slug(dataset)}",
                   f"{dataset}: each model's rank against the readout noise b")

    def reading_notes(self) -> list[str]:
        return ["A recording is compared by its mean responses, its noise put on the model's side too. Beside "
                "the models stand its references: the ceiling (a perfect model of it, simulated from its own "
                "repetitions), the chance band (its responses with the stimuli shuffled), a constant, its "
                "split-half (one half of the repetitions against the other) and its neuron split (half the "
                "neurons against the other half); their intervals come from their own resampling. 'ceiled' is "
                "a row's similarity relative to the ceiling's. A brain given as kernels in two parts has the "
                "distance between its parts as its reference row."]


def _one_dataset_in_title(table: Table) -> Table:
    """``table`` without its ``dataset`` and ``measure`` columns where every row has the same one,
    named in the title instead."""
    for column in ("dataset", "measure"):
        values = {row.get(column) for row in table.rows}
        if column in table.columns and len(values) == 1:
            value = str(values.pop())
            title = table.title if value in table.title else f"{value} — {table.title}"
            table = Table(title, [c for c in table.columns if c != column], table.rows)
    return table


def _slug(text: str) -> str:
    """A file-name-safe form of a label."""
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def _none_if_nan(value):
    return None if isinstance(value, float) and math.isnan(value) else value


def _measure_all(entries: list[Entry], settings: Settings, comparison: Comparison, output: Path | None,
                 progress: bool, client: Client | None, device: str | None,
                 resample_if=None) -> tuple[dict[str, PairMatrix], dict[str, PairMatrix]]:
    """The ``comparison``'s measures with resamples (for the pairs ``resample_if`` chooses; default
    all); CKA and RSA (no resamples) when one of ours is chosen; on ``client``'s cluster when one is
    given, the exact readout measures on the torch ``device`` when one is given."""
    n = entries[0].representation.n
    settings.check_stimuli(n)
    for entry in entries:  # b = 0 with a singular kernel is refused now, before any pair
        entry.representation.prior(comparison.readout)
    resamples = (resample_indices(n, settings.n_bootstrap, scheme=settings.bootstrap_scheme, seed=settings.seed)
                 if settings.n_bootstrap else None)
    cache = PairCache(None if output is None else output / CACHE_FOLDER)
    matrices = pair_matrices(entries, comparison, resamples=resamples, resample_if=resample_if, cache=cache,
                             progress=progress, client=client, device=device)
    classic_matrices = {}
    if any(get_measure(name).bayesian for name in settings.measures):
        classic_matrices = pair_matrices(entries, Comparison({name: {} for name in CLASSIC}, comparison.readout),
                                         cache=cache, progress=progress, client=client)
    return matrices, classic_matrices


def build_comparison(sources: list[Source], settings: Settings, *, title: str = "bayesrep comparison",
                     output: Path | None = None, progress: bool = True, client: Client | None = None,
                     device: str | None = None) -> ComparisonReport:
    """Every pair of ``sources`` under every measure (each file is one representation); the pairs
    run on ``client``'s Dask cluster when one is given (:func:`~.distributed.connect`), the exact
    readout measures on the torch ``device`` when one is given (:func:`~.pairs.check_device`)."""
    if len(sources) < 2:
        raise InputError("compare needs at least two inputs")
    inputs = _subsample([load_input(source) for source in distinct_labels(sources)], settings)
    _check_unique([r.name for r in inputs])
    # Responses with repetitions (or kernels in two parts) are recordings, or simulated ones: coloured as brains.
    entries = [_entry(r, "brain" if _recorded(r) else "model", settings) for r in inputs]
    b, choice = board_b(settings, inputs, None if output is None else output / CACHE_FOLDER, progress)
    matrices, classic = _measure_all(entries, settings, settings.comparison(b), output, progress, client, device)
    rows = []
    for name, matrix in matrices.items():
        m = len(entries)
        for i in range(m):
            for j in range(m):
                if i < j or (i != j and not get_measure(name).symmetric):
                    rows.append({"measure": name, "first": entries[i].label, "second": entries[j].label,
                                 **matrix.summary([i], [j])})
    return ComparisonReport(title, settings, b, choice, entries, entries[0].representation.n, matrices, classic,
                            rows, [*_kernel_notes(inputs, settings), *_dropped_notes(inputs), *_simulation_notes(inputs)])


def _recorded(data: Input) -> bool:
    return len(data.parts) > 1 if isinstance(data, StimulusKernel) else data.repetitions.max() > 1


def build_leaderboard(config: LeaderboardConfig, *, progress: bool = True, cache: bool = True,
                      client: Client | None = None, device: str | None = None) -> LeaderboardReport:
    """Models and the brains' split halves on one axis, per neural dataset and measure (files in);
    the pairs run on ``client``'s Dask cluster when one is given, the exact readout measures on the
    torch ``device`` when one is given."""
    sources = distinct_labels([*config.models, *config.neural])
    models, neural = sources[:len(config.models)], sources[len(config.models):]
    return rank(models=[load_input(source) for source in models],
                brains=[Brain(load_input(source), source.group) for source in neural],
                settings=config.settings, title=config.title, notes=config.notes,
                output=config.output if cache else None, progress=progress, client=client, device=device)


def rank(models: list[Input], brains: list[Brain], settings: Settings, *, title: str = "bayesrep leaderboard",
         notes: list[str] = (), output: Path | None = None, progress: bool = True,
         client: Client | None = None, device: str | None = None) -> LeaderboardReport:
    """Models (and brains of other groups) ranked against each brain, beside the brain's references.

    Parameters
    ----------
    models : list of Responses or StimulusKernel
        The candidates; a model's kernel is the kernel given, or that of its mean responses as
        ``settings.response_kernel`` says (X Xᵀ, or Pearson r between the stimuli's patterns).
    brains : list of Brain
        The neural datasets: responses with ≥ 2 repetitions of every stimulus (compared by their
        mean, their noise on the model's side, beside their :mod:`.references`), or kernels in two
        parts (the reference row is the distance between them) or in one.
    settings : Settings
        Measures, b, centring, method, resampling, response kernel.
    title, notes : str, list of str
        The report's title, and notes put before the ones the leaderboard adds.
    output : Path, optional
        Where finished pairs are cached (``<output>/.cache``); None keeps nothing.
    client : distributed.Client, optional
        Measure the pairs on this Dask cluster (:func:`~.distributed.connect`); default: here, serially.
    device : str, optional
        A torch device ("cuda", "cuda:1", "cpu") for the exact readout measures
        (:func:`~.pairs.check_device`); default: the numpy core on the CPU.

    Returns
    -------
    LeaderboardReport
        Its rows: per dataset and measure, every candidate's (mean) distance to the brain and the
        brain's reference rows, ranked, each with its value relative to the ceiling (``ceiled``);
        ``extra_tables["ranks-vs-b"]``: the models' ranks against b for each recording.
    """
    aligned = _subsample([*models, *(brain.data for brain in brains)], settings)
    models, brain_data = aligned[:len(models)], aligned[len(models):]
    _check_unique([r.name for r in aligned])
    for model in models:
        if isinstance(model, StimulusKernel) and len(model.parts) > 1:
            raise InputError(f"{model.name}: a model is one kernel; two parts ({', '.join(model.part_names)}) "
                             "make a brain with a reference row: give it as neural data")
    entries = [_entry(r, "model", settings) for r in models]
    parts, references = [], []
    for data in brain_data:
        brain_entries, reference = _parts(data, settings)
        parts.append(list(range(len(entries), len(entries) + len(brain_entries))))
        references.append(reference)
        entries += brain_entries
    b, choice = board_b(settings, brain_data, None if output is None else output / CACHE_FOLDER, progress)
    comparison = settings.comparison(b)
    # Only pairs with a brain are ranked, so only they need resamples (the map uses the values).
    matrices, classic = _measure_all(entries, settings, comparison, output, progress, client, device,
                                     resample_if=lambda first, second: "brain" in (first.kind, second.kind))

    rows, sweep = [], []
    for d, (brain, data) in enumerate(zip(brains, brain_data)):
        candidates = [(entries[i].label, "model", [i]) for i in range(len(models))]
        candidates += [(other.name, "brain", parts[o]) for o, (rival, other) in enumerate(zip(brains, brain_data))
                       if o != d and None not in (rival.group, brain.group) and rival.group != brain.group]
        own = reference_rows(data, entries[parts[d][0]].representation, comparison, seed=settings.seed,
                             recording=_recording(data, settings)) if len(parts[d]) == 1 else {}
        for name, matrix in matrices.items():
            table = [{"representation": label, "kind": kind, **matrix.summary(indices, parts[d])}
                     for label, kind, indices in candidates]
            if references[d] is not None:
                first, second = parts[d]
                table.append({"representation": references[d], "kind": "brain", **matrix.summary([first], [second])})
            table += own.get(name, [])
            ceiling = next((row["value"] for row in table if row["kind"] == "reference"), math.nan)
            descending = get_measure(name).kind == "similarity"
            table.sort(key=lambda row: row["value"], reverse=descending)
            for position, row in enumerate(table, start=1):
                rows.append({"dataset": data.name, "measure": name, "rank": position, **row,
                             "ceiled": _ceiled(name, row["value"], ceiling)})
        if _recording(data, settings):
            sweep += _ranks_against_b(data.name, entries[:len(models)], entries[parts[d][0]], settings, comparison,
                                      progress)
    evidence, evidence_notes = _posterior_over_models(entries[:len(models)], brain_data, settings, b)
    unreferenced = [f"{data.name}: compared as a single kernel, with no split of its data and no noise model, so its "
                    "board has no ceiling (only the chance band): nothing on it says how close a model could get."
                    for data, reference in zip(brain_data, references)
                    if reference is None and not _recording(data, settings)]
    extra = {"ranks-vs-b": Table("Each model's rank against the readout noise b (the board's b × 0.2 … 5)",
                                 ["dataset", "measure", "b", "model", "value", "rank"], sweep)} if sweep else {}
    return LeaderboardReport(title, settings, b, choice, entries, entries[0].representation.n, matrices, classic,
                             rows, [*notes, *unreferenced, *evidence_notes, *_kernel_notes(aligned, settings),
                                    *_dropped_notes(aligned), *_simulation_notes(aligned)],
                             extra_tables=extra, evidence=evidence)


def _ceiled(measure: str, value: float, ceiling: float) -> float:
    """A row's similarity relative to the ceiling's (1 − distance for the distances in [0, 1]);
    NaN without a ceiling or for a measure without a similarity in [0, 1]."""
    spec = get_measure(measure)
    if spec.value_range != (0.0, 1.0) or math.isnan(ceiling):
        return math.nan
    similarity = (lambda v: v) if spec.kind == "similarity" else (lambda v: 1.0 - v)
    return similarity(value) / similarity(ceiling) if similarity(ceiling) > 0 else math.nan


#: The b of a board's sweep: the board's b times these factors (the R10 steps around it).
SWEEP_FACTORS = (0.2, 0.315, 0.5, 0.8, 1.0, 1.25, 2.0, 3.15, 5.0)


def _ranks_against_b(dataset: str, models: list[Entry], brain: Entry, settings: Settings, comparison: Comparison,
                     progress: bool = False) -> list[dict]:
    """Each model's value and rank against the recording at the board's b × :data:`SWEEP_FACTORS`,
    under the board's first readout measure (JS if none): how much the ranking depends on b."""
    name = next((m for m in settings.measures if get_measure(m).bayesian), "js")
    measure, b = get_measure(name), comparison.readout.b
    alone = Comparison({name: settings.options(name)}, comparison.readout, comparison.center)
    rows = []
    bar = tqdm(total=len(SWEEP_FACTORS) * len(models), desc=f"{dataset}: ranks against b", unit="pair",
               disable=not progress, leave=False)
    for factor in SWEEP_FACTORS:
        values, swept = {}, alone.at(b * factor)
        for model in models:
            values[model.label] = float(swept.value(model.representation, brain.representation))
            bar.update()
        order = sorted(values, key=values.get, reverse=measure.kind == "similarity")
        rows += [{"dataset": dataset, "measure": name, "b": b * factor, "model": label, "value": value,
                  "rank": order.index(label) + 1} for label, value in values.items()]
    bar.refresh()
    bar.close()
    return rows


def _posterior_over_models(models: list[Entry], brain_data: list[Input], settings: Settings,
                           b: float) -> tuple[list[NeuralEvidence], list[str]]:
    """The posterior over the models for each neural dataset given as responses (their mean over
    repetitions), under each model's kernel as the board uses it; notes for the datasets without one."""
    recorded = [data for data in brain_data if isinstance(data, Responses)]
    spectra = [readout_spectrum(entry.representation) for entry in models] if recorded else []
    evidence = [neural_evidence(data, spectra, b=b) for data in recorded]
    notes = [f"{data.name}: given as a kernel or RDM, not responses, so it has no posterior over models (the evidence "
             "is the probability of a dataset's responses under each model)." for data in brain_data
             if isinstance(data, StimulusKernel)]
    notes += [f"{dataset.dataset}: {len(dataset.constant_neuroids)} neuroid(s) with the same response to every "
              "stimulus left out of the posterior over models." for dataset in evidence if dataset.constant_neuroids]
    return evidence, notes


def _dropped_notes(inputs: list) -> list[str]:
    """A note per input that lost neuroids to NaN responses (the warning alone went only to stderr)."""
    return [f"{data.name}: {len(data.dropped_neuroids)} neuroid(s) with NaN responses left out "
            f"({', '.join(map(str, data.dropped_neuroids[:5]))}{', ...' if len(data.dropped_neuroids) > 5 else ''})."
            for data in inputs if getattr(data, "dropped_neuroids", ())]


def _simulation_notes(inputs: list) -> list[str]:
    """A note naming the inputs whose files say they are simulated (a fact of the file, never of a name)."""
    simulated = [data.name for data in inputs if getattr(data, "simulated", False)]
    if not simulated:
        return []
    return [f"{', '.join(simulated)}: SIMULATED neural data from a generative model, not recordings."]


# ---------------------------------------------------------------- writing

def write_report(report: Report, output: Path, progress: bool = False) -> dict[str, Path]:
    """Figures (PNG + SVG), CSV, Markdown, JSON and the HTML page; every file written atomically.

    ``progress`` shows a bar over the figures. The HTML page is written last, so its presence means
    the report is complete. The folder is
    locked while it is written, and the files an earlier report left there that this one does not
    rewrite are removed (:mod:`.folder`).
    """
    with report_folder(output), tqdm(desc="figures", unit="figure", disable=not progress, leave=False) as bar:
        manifest = Manifest(output)
        paths = _write_files(report, output, manifest, bar.update)
        manifest.finish()
    return paths


def _write_files(report: Report, output: Path, manifest: Manifest, tick=lambda: None) -> dict[str, Path]:
    """The files of :func:`write_report`, each recorded in ``manifest`` before it is written;
    ``tick()`` after each figure."""
    labels = [entry.label for entry in report.entries]
    kinds = [entry.kind for entry in report.entries]
    figure_files: list[FigureFile] = []

    def save(figure, stem: str, caption: str) -> None:
        for fmt in figures.FORMATS:
            manifest.add(output / f"{stem}.{fmt}")
        paths = figures.save_figure(figure, output / stem)
        figure_files.append(FigureFile(caption, paths["png"]))
        tick()

    for name, matrix in report.matrices.items():
        if get_measure(name).kind != "distance":
            continue
        save(figures.heatmap(matrix.values, labels, kinds, f"{name} distance between all representations"),
             f"heatmap-{name}", f"Clustered heatmap of the pairwise {name} distances")
        save(figures.mds_map(matrix.values, labels, kinds, f"Map of the representations under {name}"),
             f"mds-{name}", f"Metric MDS map under {name}")
    for figure, stem, caption in report.own_figures():
        save(figure, stem, caption)
    if report.evidence:
        panels = {dataset.dataset: [figures.EvidenceBar(row["model"], row["minus_best"], row["posterior"])
                                    for row in dataset.rows()] for dataset in report.evidence}
        save(figures.evidence_bars(panels), "posterior-over-models",
             "Each model's log evidence minus the most probable model's, with its posterior probability")
    for stem, caption, figure in report.extra_figures:
        save(figure, stem, caption)
    ours = {name: m for name, m in report.matrices.items() if get_measure(name).bayesian}
    if ours and report.classic:
        upper = np.triu_indices(len(labels), k=1)
        save(figures.metric_scatter({n: m.values[upper] for n, m in ours.items()},
                                    {n: m.values[upper] for n, m in report.classic.items()},
                                    [(kinds[i], kinds[j]) for i, j in zip(*upper)]),
             "scatter-vs-cka-rsa", "Our distances against CKA and RSA on the same pairs")

    tables, summary = report.tables(), report.summary()
    # What must not be missed (a brain that is simulated) stands above the summary too.
    warnings = [note for note in report.notes if "SIMULATED" in note]
    notes = [*report.reading_notes(),
             f"{report.n_stimuli} stimuli shared by all inputs; b = {report.b:g} ({report.b_choice}); features "
             f"centred: {report.settings.center}; 95% intervals from {report.settings.n_bootstrap} resamples of stimuli "
             f"({report.settings.bootstrap_scheme}), re-centred on the value; method: {report.settings.method}.",
             *report.notes]
    if report.evidence:
        notes.append("Posterior over models: each neuroid's mean responses, centred and scaled to unit variance, have a "
                     "log evidence (log probability) under each model's readout prior (the same b); a model's "
                     "log_evidence is the sum over neuroids, minus_best its difference to the most probable model's "
                     "(a log Bayes factor), and its posterior probability, under a uniform prior over the models, is "
                     "proportional to exp(log_evidence). neuroids_won counts the neuroids it explains best.")
    stem = report.name
    paths = {
        "csv": write_text(manifest.add(output / f"{stem}.csv"),
                          to_csv(Table(report.title, list(report.columns), report.rows))),
        "markdown": write_text(manifest.add(output / f"{stem}.md"),
                               f"# {report.title}\n\n" + markdown_summary(summary, warnings) + "\n"
                               + to_markdown(tables, report.title).split("\n", 2)[2] + "\n"
                               + "\n".join(f"> {note}\n" for note in notes)),
        "json": write_text(manifest.add(output / f"{stem}.json"), json.dumps(report.to_json(), indent=1)),
    }
    if report.evidence:
        paths["evidence"] = write_text(manifest.add(output / "evidence.csv"),
                                       to_csv(Table("evidence", EVIDENCE_COLUMNS, report.evidence_rows)))
    for extra_stem, table in report.extra_tables.items():
        paths[extra_stem] = write_text(manifest.add(output / f"{extra_stem}.csv"), to_csv(table))
    paths["html"] = write_text(manifest.add(output / f"{stem}.html"),
                               to_html(tables, figure_files, report.title, notes, summary, warnings))
    paths.update({f.png.stem: f.png for f in figure_files})
    return paths
