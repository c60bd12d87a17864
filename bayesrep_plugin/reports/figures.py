"""The pictures of a comparison or leaderboard, drawn with matplotlib, saved as PNG and SVG.

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot, so no GUI backend
and no global state) and written atomically. Four kinds:

- :func:`heatmap`: the pairwise distance matrix, rows and columns in the leaf order of an
  average-linkage clustering, with the dendrogram on top;
- :func:`mds_map`: a 2-D map of all representations by metric multidimensional scaling
  (SMACOF on the distance matrix), with its stress;
- :func:`score_bars`: distance of each model to a brain, with bootstrap intervals, and the brain's
  references (ceiling, chance band, splits of the brain) drawn across;
- :func:`rank_sweep`: each model's rank against the readout noise b;
- :func:`metric_scatter`: each Bayesian distance against CKA and RSA on the same pairs;
- :func:`evidence_bars`: each model's log evidence for a neural dataset against the best model's,
  with its posterior probability.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from scipy.cluster.hierarchy import dendrogram, linkage
from scipy.spatial.distance import squareform

from bayesrep_plugin._io import write_bytes

FORMATS = ("png", "svg")
MODEL_COLOR = "#1f77b4"
BRAIN_COLOR = "#d62728"


def save_figure(figure: Figure, stem: Path) -> dict[str, Path]:
    """Write ``figure`` as ``stem.png`` and ``stem.svg`` (atomically); return {format: path}."""
    paths = {}
    for fmt in FORMATS:
        buffer = io.BytesIO()
        # No date and a fixed id salt make reruns byte-identical (a rerun rewrites unchanged files).
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        with matplotlib.rc_context({"svg.hashsalt": "bayesrep"}):
            figure.savefig(buffer, format=fmt, dpi=130, bbox_inches="tight", metadata=metadata)
        paths[fmt] = write_bytes(stem.with_suffix(f".{fmt}"), buffer.getvalue())
    return paths


def _kind_colors(kinds: list[str]) -> list[str]:
    return [BRAIN_COLOR if kind == "brain" else MODEL_COLOR for kind in kinds]


def cluster_order(distances: np.ndarray) -> np.ndarray:
    """Leaf order of an average-linkage clustering (optimal leaf ordering) of a distance matrix."""
    if len(distances) < 3:
        return np.arange(len(distances))
    tree = linkage(squareform(distances, checks=False), method="average", optimal_ordering=True)
    return np.asarray(dendrogram(tree, no_plot=True)["leaves"])


#: The heatmap's matrix is at most this many inches on a side: a page shows the figure at about its
#: own width then, and the tick labels' size follows the rows (at most 9 pt, at least 6 pt).
HEATMAP_MAX_INCHES = 10.0


def heatmap(distances: np.ndarray, labels: list[str], kinds: list[str], title: str) -> Figure:
    """Clustered heatmap of a symmetric distance matrix; brain labels in red, models in blue.

    The matrix is square, ``HEATMAP_MAX_INCHES`` on a side at most, with the dendrogram right above
    it; the tick labels are as large as a row allows, so that they stay readable at page width.
    """
    m = len(labels)
    side = min(1.0 + 0.45 * m, HEATMAP_MAX_INCHES)
    font = float(np.clip(0.75 * side * 72 / max(m, 1), 6, 9))
    tree_height = 0.2 * side if m >= 3 else 0.0
    figure = Figure(figsize=(side + 0.9, side + tree_height + 0.3))
    # Inches → figure fractions: the matrix at the bottom left, the dendrogram on it, the colour bar beside.
    width, height = figure.get_size_inches()
    axes = figure.add_axes((0.0, 0.0, side / width, side / height))
    order = cluster_order(distances)
    if m >= 3:
        tree_axes = figure.add_axes((0.0, side / height, side / width, tree_height / height))
        tree = linkage(squareform(distances, checks=False), method="average", optimal_ordering=True)
        dendrogram(tree, ax=tree_axes, color_threshold=0, above_threshold_color="0.4", no_labels=True)
        tree_axes.axis("off")
    ordered = distances[np.ix_(order, order)]
    image = axes.imshow(ordered, cmap="viridis_r", vmin=0, vmax=max(float(distances.max()), 1e-12),
                        aspect="auto", interpolation="nearest")
    ticks = np.arange(m)
    axes.set_xticks(ticks, [labels[i] for i in order], rotation=60, ha="right", rotation_mode="anchor", fontsize=font)
    axes.set_yticks(ticks, [labels[i] for i in order], fontsize=font)
    for tick_labels in (axes.get_xticklabels(), axes.get_yticklabels()):
        for text, color in zip(tick_labels, _kind_colors([kinds[i] for i in order])):
            text.set_color(color)
    if m <= 12:  # numbers stay legible up to about a dozen representations
        for row in range(m):
            for col in range(m):
                value = ordered[row, col]
                dark_cell = value > 0.5 * ordered.max()  # viridis_r: large distances are dark
                axes.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=7,
                          color="white" if dark_cell else "black")
    colorbar_axes = figure.add_axes(((side + 0.25) / width, 0.0, 0.2 / width, side / height))
    figure.colorbar(image, cax=colorbar_axes, label="distance")
    figure.text(0.5 * side / width, (side + tree_height + 0.05) / height, title, ha="center", va="bottom", fontsize=12)
    return figure


def metric_mds(distances: np.ndarray, dims: int = 2, iterations: int = 500,
               tolerance: float = 1e-10) -> tuple[np.ndarray, float]:
    """Metric MDS by SMACOF from a classical-scaling start; returns (coordinates, Kruskal stress-1).

    Deterministic: the start is classical (Torgerson) scaling, and each axis is flipped so that
    its largest coordinate is positive.
    """
    D = np.asarray(distances, dtype=float)
    m = len(D)
    if m < 2:
        return np.zeros((m, dims)), 0.0
    centering = np.eye(m) - 1.0 / m
    inner = -0.5 * centering @ (D**2) @ centering
    values, vectors = np.linalg.eigh(inner)
    top = np.argsort(values)[::-1][:dims]
    X = vectors[:, top] * np.sqrt(np.clip(values[top], 0, None))
    X = np.pad(X, ((0, 0), (0, dims - X.shape[1])))

    def stress(points: np.ndarray) -> float:
        fitted = np.linalg.norm(points[:, None] - points[None], axis=-1)
        return float(((D - fitted) ** 2).sum() / 2)

    current = stress(X)
    for _ in range(iterations):  # Guttman transform, unit weights
        fitted = np.linalg.norm(X[:, None] - X[None], axis=-1)
        ratio = np.divide(D, fitted, out=np.zeros_like(D), where=fitted > 0)
        B = -ratio
        B[np.diag_indices(m)] = ratio.sum(axis=1)
        X = B @ X / m
        new = stress(X)
        if current - new <= tolerance * max(current, 1e-300):
            current = new
            break
        current = new
    X -= X.mean(axis=0)
    signs = np.sign(X[np.abs(X).argmax(axis=0), np.arange(dims)])
    X *= np.where(signs == 0, 1, signs)
    normaliser = (D**2).sum() / 2
    return X, float(np.sqrt(current / normaliser)) if normaliser > 0 else 0.0


#: Where a map label may go, in points from its point: right-above, right-below, left-above, left-below.
LABEL_OFFSETS = ((5, 4, "left"), (5, -11, "left"), (-5, 4, "right"), (-5, -11, "right"))


def mds_map(distances: np.ndarray, labels: list[str], kinds: list[str], title: str) -> Figure:
    """2-D metric-MDS map of all representations; distances on the map approximate the metric.

    Representations at one point (distance 0) share one label ("a (+7 at this point)"). Labels never
    overlap: the brains are labelled first, then shared points, then the models nearest a brain, each at the first of
    :data:`LABEL_OFFSETS` where it overlaps no label already placed and stays inside the axes; a
    point with no such place stays unlabelled, and the title says how many did.
    """
    coordinates, stress = metric_mds(distances)
    figure = Figure(figsize=(9.0, 7.0))
    axes = figure.add_subplot()
    colors = _kind_colors(kinds)
    axes.scatter(coordinates[:, 0], coordinates[:, 1], c=colors, s=50, zorder=3)
    axes.set_aspect("equal", adjustable="datalim")
    axes.margins(0.12)
    axes.set_xlabel("MDS 1")
    axes.set_ylabel("MDS 2")
    axes.grid(alpha=0.3)
    groups: dict[int, list[int]] = {}  # the first index at a point → every index there
    for index in range(len(labels)):
        first = next((g for g in groups if distances[g, index] <= 1e-12 and distances[index, g] <= 1e-12), index)
        groups.setdefault(first, []).append(index)
    brains = [i for i, kind in enumerate(kinds) if kind == "brain"]
    nearest = {g: min((distances[g, b] for b in brains), default=0.0) for g in groups}
    order = sorted(groups, key=lambda g: (kinds[g] != "brain", len(groups[g]) == 1, nearest[g], g))
    renderer = _renderer(figure)
    inside = axes.get_window_extent(renderer)
    placed, unlabelled = [], 0
    for g in order:
        members = groups[g]
        text = labels[g] if len(members) == 1 else f"{labels[g]} (+{len(members) - 1} at this point)"
        for dx, dy, align in LABEL_OFFSETS:
            note = axes.annotate(text, tuple(coordinates[g]), xytext=(dx, dy), textcoords="offset points", fontsize=8,
                                 color=colors[g], ha=align)
            box = note.get_window_extent(renderer)
            if (box.x0 >= inside.x0 and box.x1 <= inside.x1 and box.y0 >= inside.y0 and box.y1 <= inside.y1
                    and not any(box.overlaps(other) for other in placed)):
                placed.append(box)
                break
            note.remove()
        else:
            unlabelled += 1
    left_out = f"; {unlabelled} points unlabelled where labels would overlap" if unlabelled else ""
    axes.set_title(f"{title}\n(metric MDS, stress-1 = {stress:.3f}; red: brain, blue: model{left_out})", fontsize=10)
    return figure


def _renderer(figure: Figure):
    """A renderer for ``figure`` with its axes' limits settled (text extents are measured with it)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return canvas.get_renderer()


@dataclass(frozen=True)
class ScoreBar:
    """One bar: a representation's distance to a brain and its bootstrap interval."""

    label: str
    value: float
    low: float
    high: float
    kind: str = "model"


#: Line styles that no two lines of one figure share (solid, dashed, dotted, dash-dot and longer
#: patterns), and markers likewise: lines that lie on top of each other stay told apart.
DASHES = ("-", "--", ":", "-.", (0, (6, 2)), (0, (1, 3)), (0, (4, 1, 1, 1, 1, 1)), (0, (8, 2, 2, 2)),
          (0, (2, 2)), (0, (6, 1, 1, 1)), (0, (10, 3)), (0, (3, 3, 1, 3)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p")


def distinct_style(index: int) -> tuple[object, str]:
    """The ``index``-th line's (line style, marker): different for every index below 144."""
    return DASHES[index % len(DASHES)], MARKERS[(index // len(DASHES) + index) % len(MARKERS)]


#: How each kind of reference row is drawn across a score panel: colour, the kind's first line style
#: (each line of a figure then gets its own, :func:`distinct_style`), and whether its interval is
#: shaded (the chance band is drawn as the band it is).
REFERENCE_STYLES = {"reference": ("0.15", "-", True), "null": ("0.55", ":", True), "brain": (BRAIN_COLOR, "--", True)}


def score_bars(panels: dict[str, list[ScoreBar]], measure: str, lower_is_closer: bool = True) -> Figure:
    """One panel per brain dataset: each model's value with its interval, and the brain's reference
    rows across it.

    Rows of kind "model" are bars (the closest on top); the others are vertical lines with their
    interval shaded, coloured by kind: "reference" (the ceiling, a perfect model) black, "null" (the
    chance band of shuffled stimuli, a constant) grey, "brain" (a split of the brain itself, another
    brain) red; each line has a dash pattern of its own (:func:`distinct_style`). A model left of a
    line (right of it, for a similarity) is closer to the brain than that reference.
    """
    height = sum(0.32 * max(len(bars), 2) + 1.4 for bars in panels.values())
    figure = Figure(figsize=(9.5, max(height, 3.0)), layout="constrained")
    grid = figure.add_gridspec(len(panels), 1, height_ratios=[max(len(b), 2) for b in panels.values()])
    for index, (dataset, bars) in enumerate(panels.items()):
        axes = figure.add_subplot(grid[index])
        models = sorted((bar for bar in bars if bar.kind == "model"), key=lambda bar: bar.value,
                        reverse=lower_is_closer)
        positions = np.arange(len(models))
        values = np.array([bar.value for bar in models])
        errors = np.array([[bar.value - bar.low for bar in models], [bar.high - bar.value for bar in models]])
        axes.barh(positions, values, xerr=np.clip(errors, 0, None).reshape(2, -1), color=MODEL_COLOR, alpha=0.8,
                  capsize=2, error_kw={"elinewidth": 0.8})
        axes.set_yticks(positions, [bar.label for bar in models], fontsize=7 if len(models) > 25 else 9)
        for number, reference in enumerate(bar for bar in bars if bar.kind != "model"):
            color, _, shaded = REFERENCE_STYLES.get(reference.kind, REFERENCE_STYLES["brain"])
            if shaded and reference.high > reference.low:
                axes.axvspan(reference.low, reference.high, color=color, alpha=0.12, lw=0)
            axes.axvline(reference.value, color=color, ls=distinct_style(number)[0], lw=1.5,
                         label=f"{reference.label.split(' · ')[-1]} = {reference.value:.3f}")
        if any(bar.kind != "model" for bar in bars):
            axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
        shown = [v for bar in bars for v in (bar.low, bar.high, bar.value) if np.isfinite(v)]
        span = max(shown) - min(shown)
        axes.set_xlim(max(0.0, min(shown) - 0.05 * span), max(shown) + 0.05 * span)
        axes.set_ylim(-0.7, len(models) - 0.3)
        axes.set_title(dataset, fontsize=10)
        closer = "lower" if lower_is_closer else "higher"
        axes.set_xlabel(f"{measure} to the brain ({closer} = closer; 95% intervals)")
    return figure


def rank_sweep(values: dict[str, list[tuple[float, int]]], b: float, measure: str, dataset: str) -> Figure:
    """Each model's rank against the readout noise b (log axis), the board's b marked: the models
    that stay in place are ranked the same whatever b; crossing lines say the order depends on b.
    The five best at the board's b are named, the others drawn in grey."""
    figure = Figure(figsize=(8.5, 4.8), layout="constrained")
    axes = figure.add_subplot()
    at_b = {label: dict(points)[b] for label, points in values.items() if b in dict(points)}
    best = sorted(at_b, key=at_b.get)[:5]
    for label, points in values.items():
        x, y = zip(*sorted(points))
        if label in best:
            axes.plot(x, y, marker="o", lw=1.8, label=f"{label} (rank {at_b[label]})")
        else:
            axes.plot(x, y, color="0.75", lw=0.8, zorder=0)
    axes.axvline(b, color="0.2", ls="--", lw=1, label=f"the board's b = {b:g}")
    axes.set_xscale("log")
    axes.invert_yaxis()
    axes.set_xlabel("readout noise b")
    axes.set_ylabel(f"rank under {measure} (1 = closest)")
    axes.set_title(f"{dataset}: ranks against b", fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    return figure


@dataclass(frozen=True)
class EvidenceBar:
    """One bar: a model's log evidence minus the most probable model's (≤ 0), and its posterior."""

    label: str
    minus_best: float
    posterior: float


def evidence_bars(panels: dict[str, list[EvidenceBar]]) -> Figure:
    """One panel per neural dataset: each model's log evidence minus the best model's (its log Bayes
    factor against the most probable model), the most probable on top, its posterior probability
    written beside the zero line."""
    height = sum(0.45 * max(len(bars), 2) + 1.2 for bars in panels.values())
    figure = Figure(figsize=(7.5, max(height, 2.5)), layout="constrained")
    grid = figure.add_gridspec(len(panels), 1, height_ratios=[max(len(b), 2) for b in panels.values()])
    for index, (dataset, bars) in enumerate(panels.items()):
        axes = figure.add_subplot(grid[index])
        ordered = sorted(bars, key=lambda bar: bar.minus_best)  # barh draws the first at the bottom
        positions = np.arange(len(ordered))
        axes.barh(positions, [bar.minus_best for bar in ordered], color=MODEL_COLOR, alpha=0.8)
        axes.set_yticks(positions, [bar.label for bar in ordered])
        axes.axvline(0, color="0.3", lw=1)
        for position, bar in zip(positions, ordered):
            text = "P < 1e-300" if bar.posterior < 1e-300 else f"P = {bar.posterior:.3g}"
            axes.annotate(text, (0, position), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
        lowest = min(-1.0, *[bar.minus_best for bar in ordered])
        axes.set_xlim(1.15 * lowest, -0.35 * lowest)  # room on the right for the probabilities
        axes.set_title(dataset, fontsize=10)
        axes.set_xlabel("log evidence − the most probable model's (nats: a log Bayes factor)")
    figure.suptitle("Posterior over models given the neural responses (uniform prior)")
    return figure


PAIR_STYLES = {  # (kinds of the two representations) → colour and legend label
    ("model", "model"): (MODEL_COLOR, "model – model"),
    ("brain", "model"): ("#9467bd", "model – brain"),
    ("brain", "brain"): (BRAIN_COLOR, "brain – brain (split halves)"),
}


def metric_scatter(ours: dict[str, np.ndarray], classic: dict[str, np.ndarray],
                   pair_kinds: list[tuple[str, str]]) -> Figure:
    """Grid: each of our distances (rows) against each classic similarity (columns), per pair.

    Points are coloured by the kinds of the two representations. The dashed line is
    distance = 1 − similarity: points above it are pairs our measure finds more different than
    the classic one does (it is more stringent there).
    """
    rows, cols = len(ours), len(classic)
    figure = Figure(figsize=(4.2 * cols, 3.6 * rows), layout="constrained")
    axes_grid = figure.subplots(rows, cols, squeeze=False)
    styles = [PAIR_STYLES[tuple(sorted(kinds))] for kinds in pair_kinds]
    for row, (measure, distances) in enumerate(ours.items()):
        for col, (name, similarities) in enumerate(classic.items()):
            axes = axes_grid[row, col]
            axes.plot([0, 1], [1, 0], ls="--", color="0.6", lw=1, label="1 − similarity")
            for color, label in dict.fromkeys(styles):
                chosen = [k for k, style in enumerate(styles) if style == (color, label)]
                axes.scatter(similarities[chosen], distances[chosen], color=color, s=30, zorder=3, label=label)
            axes.set_xlim(min(0.0, float(np.min(similarities))), 1.02)
            axes.set_ylim(0, 1.02)
            axes.set_xlabel(f"{name} (similarity)")
            axes.set_ylabel(f"{measure} (distance)")
            axes.grid(alpha=0.3)
            axes.legend(fontsize=7, loc="lower left")
    figure.suptitle("Bayesian readout distances against CKA and RSA on the same pairs")
    return figure
