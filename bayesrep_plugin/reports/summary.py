"""The top of a report: which model is closest to each brain, how sure that is, and where chance is.

A leaderboard's rows are many (every model, every measure, every reference); a reader's first
question is answered by a few of them. For each neural dataset, under the board's headline measure
(JS when the board has it, else its first measure), the summary keeps:

- the closest models (:data:`TOP`), with their intervals and their value relative to the ceiling;
- how sure the order is: how many models' intervals overlap the best one's, and, for a dataset
  given as responses, the posterior over models (the most probable model and its probability);
- the yardsticks: the ceiling (a perfect model), the chance band and the constant (nulls), the
  brain's own splits; and how many models stand clear of the chance band.

A comparison (no brain) gets its closest pairs instead. Everything here is read from the report's
rows; nothing is computed anew.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bayesrep_plugin.core import get_measure

from .tables import Table

#: How many of the closest models (or pairs) the summary lists.
TOP = 5
SUMMARY_COLUMNS = ["rank", "representation", "kind", "value", "ci_low", "ci_high", "ceiled"]


@dataclass(frozen=True)
class SummaryBlock:
    """One dataset's answer: a heading, a few sentences, and a short table."""

    heading: str
    sentences: list[str]
    table: Table


def headline_measure(measures) -> str:
    """JS when the board has it (the metric Brain-Score users load), else the board's first measure."""
    return "js" if "js" in measures else measures[0]


def _interval(row: dict) -> str:
    if math.isnan(row["ci_low"]):
        return f"{row['value']:.3f}"
    return f"{row['value']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def _edges(row: dict, similarity: bool) -> tuple[float, float]:
    """A row's interval as (near edge, far edge) from the closer side; its value twice without one."""
    low, high = (row["value"], row["value"]) if math.isnan(row["ci_low"]) else (row["ci_low"], row["ci_high"])
    return (high, low) if similarity else (low, high)


def _clear_of(row: dict, other: dict, similarity: bool) -> bool:
    """Whether all of ``row``'s interval is closer than all of ``other``'s."""
    far, near = _edges(row, similarity)[1], _edges(other, similarity)[0]
    return far > near if similarity else far < near


def _short(label: str) -> str:
    """A reference row's label without its dataset (``V4 · chance (...)`` → ``chance (...)``)."""
    return label.split(" · ")[-1]


def leaderboard_summary(rows: list[dict], measures, evidence_rows: list[dict] = (), b: float | None = None
                        ) -> list[SummaryBlock]:
    """One :class:`SummaryBlock` per neural dataset of a leaderboard's ``rows`` (see the module docstring)."""
    name = headline_measure(list(measures))
    similarity = get_measure(name).kind == "similarity"
    closer = "higher" if similarity else "lower"
    blocks = []
    for dataset in dict.fromkeys(row["dataset"] for row in rows):
        ranked = sorted((row for row in rows if row["dataset"] == dataset and row["measure"] == name),
                        key=lambda row: row["rank"])
        models = [row for row in ranked if row["kind"] == "model"]
        yardsticks = [row for row in ranked if row["kind"] != "model"]
        if not models:
            continue
        best = models[0]
        sentences = [f"Closest under {name} ({closer} = closer{'' if b is None else f', b = {b:g}'}): "
                     f"{best['representation']}, {_interval(best)}."]
        if len(models) > 1 and not math.isnan(best["ci_low"]):
            near = [row for row in models[1:] if not _clear_of(best, row, similarity)]
            others = len(models) - 1
            sentences.append(f"How sure: {len(near)} of the other {others} model{'s' if others > 1 else ''} "
                             f"{'have 95% intervals' if others > 1 else 'has a 95% interval'} overlapping the best one's" + (" (the data do not settle the order among them)."
                                                             if near else "; it is ahead of them all."))
        posterior = [row for row in evidence_rows if row.get("dataset") == dataset]
        if posterior:
            top = max(posterior, key=lambda row: row["posterior"])
            sentences.append(f"Posterior over the models (uniform prior): {top['model']}, probability "
                             f"{top['posterior']:.3f}.")
        chance = next((row for row in yardsticks if row["kind"] == "null" and "chance" in row["representation"]),
                      None)
        if chance is not None:
            clear = sum(_clear_of(row, chance, similarity) for row in models)
            sentences.append(f"Chance (stimuli shuffled): {_interval(chance)}; {clear} of {len(models)} models "
                             "stand clear of it (their whole interval on the closer side of the band).")
        ceiling = next((row for row in yardsticks if row["kind"] == "reference"), None)
        if ceiling is not None:
            sentences.append(f"A perfect model of the recording: {_interval(ceiling)}"
                             + ("" if math.isnan(best.get("ceiled", math.nan))
                                else f"; the best model reaches {best['ceiled']:.2f} of it ('ceiled')") + ".")
        shown = models[:TOP] + yardsticks
        table = Table(f"{dataset}: the {min(TOP, len(models))} closest of {len(models)} models and the references "
                      f"({name})", [c for c in SUMMARY_COLUMNS if any(c in row for row in shown)],
                      [{**row, "representation": row["representation"] if row["kind"] == "model"
                        else _short(row["representation"])} for row in shown])
        blocks.append(SummaryBlock(f"Which model is closest to {dataset}?", sentences, table))
    return blocks


def comparison_summary(rows: list[dict], measures) -> list[SummaryBlock]:
    """The closest pairs under the headline measure, for a comparison (no brain)."""
    name = headline_measure(list(measures))
    spec = get_measure(name)
    pairs = sorted((row for row in rows if row["measure"] == name), key=lambda row: row["value"],
                   reverse=spec.kind == "similarity")
    if not pairs:
        return []
    best = pairs[0]
    table = Table(f"The {min(TOP, len(pairs))} closest of {len(pairs)} pairs ({name})",
                  ["first", "second", "value", "ci_low", "ci_high"], pairs[:TOP])
    return [SummaryBlock(f"Which representations are closest under {name}?",
                         [f"{best['first']} and {best['second']}: {_interval(best)} "
                          f"({'higher' if spec.kind == 'similarity' else 'lower'} = closer)."], table)]
