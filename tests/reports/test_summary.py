"""The summary at the top of a report reads the right rows: the closest models, which intervals
overlap the best one's, how many models stand clear of the chance band, for distances and similarities."""

from __future__ import annotations

import math

from bayesrep_plugin.reports.summary import TOP, comparison_summary, leaderboard_summary


def row(measure, rank, label, kind, value, low=math.nan, high=math.nan, ceiled=math.nan, dataset="V4"):
    return {"dataset": dataset, "measure": measure, "rank": rank, "representation": label, "kind": kind,
            "value": value, "ci_low": low, "ci_high": high, "ceiled": ceiled}


def test_a_distance_board():
    rows = [row("js", 1, "V4 · ceiling (a perfect model)", "reference", 0.10, 0.09, 0.11, 1.0),
            row("js", 2, "a", "model", 0.20, 0.18, 0.22, 0.89),
            row("js", 3, "b", "model", 0.21, 0.20, 0.23),     # overlaps a
            row("js", 4, "c", "model", 0.30, 0.25, 0.35),     # clear of a; reaches into the chance band
            *(row("js", 5 + k, f"m{k}", "model", 0.4 + 0.01 * k, 0.39 + 0.01 * k, 0.41 + 0.01 * k) for k in range(4)),
            row("js", 9, "V4 · chance (stimuli shuffled)", "null", 0.5, 0.34, 0.6),
            row("tv", 1, "a", "model", 0.9)]
    (block,) = leaderboard_summary(rows, ("tv", "js"), b=0.05)
    assert block.heading == "Which model is closest to V4?"
    assert block.sentences[0] == "Closest under js (lower = closer, b = 0.05): a, 0.200 [0.180, 0.220]."
    assert block.sentences[1].startswith("How sure: 1 of the other 6 models have 95% intervals overlapping")
    assert "0.500 [0.340, 0.600]; 2 of 7 models stand clear of it" in block.sentences[2]  # a and b; c reaches 0.35
    assert block.sentences[3] == ("A perfect model of the recording: 0.100 [0.090, 0.110]; the best model reaches "
                                  "0.89 of it ('ceiled').")
    labels = [r["representation"] for r in block.table.rows]
    assert labels == ["a", "b", "c", "m0", "m1", "ceiling (a perfect model)", "chance (stimuli shuffled)"]
    assert len([r for r in block.table.rows if r["kind"] == "model"]) == TOP


def test_a_similarity_board_and_the_posterior():
    rows = [row("cka", 1, "a", "model", 0.9, 0.85, 0.95), row("cka", 2, "b", "model", 0.7, 0.6, 0.8),
            row("cka", 3, "V4 · chance", "null", 0.3, 0.2, 0.65)]
    evidence = [{"dataset": "V4", "model": "a", "posterior": 0.25}, {"dataset": "V4", "model": "b", "posterior": 0.75}]
    (block,) = leaderboard_summary(rows, ("cka",), evidence)
    assert block.sentences[0] == "Closest under cka (higher = closer): a, 0.900 [0.850, 0.950]."
    assert block.sentences[1].startswith("How sure: 0 of the other 1 model has a 95% interval")
    assert block.sentences[2] == "Posterior over the models (uniform prior): b, probability 0.750."
    assert "1 of 2 models stand clear of it" in block.sentences[3]  # b reaches into the band (0.6 < 0.65)


def test_a_comparison_lists_its_closest_pairs():
    rows = [{"measure": "js", "first": "x", "second": "y", "value": 0.4, "ci_low": 0.3, "ci_high": 0.5},
            {"measure": "js", "first": "x", "second": "z", "value": 0.2, "ci_low": 0.1, "ci_high": 0.3}]
    (block,) = comparison_summary(rows, ("js",))
    assert block.sentences == ["x and z: 0.200 [0.100, 0.300] (lower = closer)."]
    assert [r["second"] for r in block.table.rows] == ["z", "y"]
