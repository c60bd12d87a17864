"""The V4 report's own figures, drawn from made-up rows: no recording or model is needed."""

from __future__ import annotations

from types import SimpleNamespace

from bayesrep_plugin.reports.tables import Table
from bayesrep_plugin.studies import v4


def test_no_two_lines_of_the_v4_figures_look_alike():
    """The scores-by-size figure (references, other models) and the posterior figure (the named
    models) give every line a look of its own, so that lines on top of one another stay told apart."""

    def row(label, kind, value):
        return {"measure": "js", "representation": label, "kind": kind, "value": value, "ci_low": value - 0.01,
                "ci_high": value + 0.01}

    rows = [row(f"teacher{t}-{k}filters", "model", 0.5 + 0.01 * k) for t in range(3) for k in (5, 10, 25)]
    rows += [row("V4 · ceiling", "reference", 0.2), row("V4 · chance", "null", 0.9), row("V4 · constant", "null", 0.9),
             row("V4 · split-half", "brain", 0.4), row("V4 · neuron split", "brain", 0.45),
             row("pixels", "model", 0.8), *(row(f"efficientnet-lite0:block{b}", "model", 0.7) for b in (4, 10, 16))]
    axes = v4.size_figure(SimpleNamespace(rows=rows)).axes[0]
    # colour, dash pattern (offset, on-off sequence) and marker of each line: 3 teachers, 5 references, 4 models
    styles = [repr((line.get_color(), line._dash_pattern, line.get_marker())) for line in axes.get_lines()]
    assert len(styles) == 3 + 5 + 4 and len(set(styles)) == len(styles)

    columns = ["model", "k=0", *(f"k={k}" for k in v4.POSTERIOR_OBSERVED)]
    same = dict(zip(columns[1:], [0.5] * len(columns[1:])))  # every line on top of the others
    table = Table("posterior", columns, [{"model": f"teacher{t}-{k}filters", **same} for t in range(3)
                                         for k in (5, 10, 25)] + [{"model": "pixels", **same}])
    named = [line for line in v4.posterior_figure(table).axes[0].get_lines() if not line.get_label().startswith("_")]
    assert len(named) == 6  # the five best and the pixels
    assert len({(line._dash_pattern[1] and tuple(line._dash_pattern[1]), line.get_marker()) for line in named}) == 6
