"""Regenerate the figures of docs/comparison.md from the real activations (about a minute).

    .venv/bin/python docs/comparison/generate.py

AlexNet (classifier.5), ResNet-18 and ResNet-34 (avgpool) responses to the objectome images ship
with brainscore-vision; the same seeded subset of 600 images is used throughout.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import bayesrep_plugin as br
from bayesrep_plugin import data
from bayesrep_plugin.reports.figures import save_figure
from bayesrep_plugin.reports.inputs import Source
from bayesrep_plugin.reports.leaderboard import build_comparison, write_report
from bayesrep_plugin.reports.settings import Settings

HERE = Path(__file__).parent
NAMES = {"alexnet": "AlexNet", "resnet18": "ResNet-18", "resnet34": "ResNet-34"}
# The reference package's readout (uncentred; b: auto is its 0.01 without a recording), as the core API's.
SETTINGS = Settings(measures=("tv", "js"), n_bootstrap=20, seed=0, max_stimuli=600, center="none")
B_VALUES = (0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 1.0)


def comparison_figures() -> None:
    sources = [Source(data.activations_path(net), NAMES[net]) for net in data.NETWORKS]
    report = build_comparison(sources, SETTINGS, title="Real networks", progress=False)
    with tempfile.TemporaryDirectory() as folder:
        write_report(report, Path(folder))
        for stem in ("heatmap-tv", "mds-tv", "scatter-vs-cka-rsa"):
            shutil.copy(Path(folder) / f"{stem}.png", HERE / f"{stem}.png")
        print(Path(folder, "comparison.md").read_text())


def b_figure() -> None:
    rng = np.random.default_rng(SETTINGS.seed)
    keep = np.sort(rng.choice(2400, SETTINGS.max_stimuli, replace=False))
    activations = {net: data.load_activations(net).values[keep] for net in data.NETWORKS}
    pairs = [("alexnet", "resnet18"), ("alexnet", "resnet34"), ("resnet18", "resnet34")]
    figure = Figure(figsize=(6.5, 4))
    axes = figure.add_subplot()
    for first, second in pairs:
        values = [float(br.distance(activations[first], activations[second], "tv", b=b)) for b in B_VALUES]
        axes.plot(B_VALUES, values, marker="o", label=f"{NAMES[first]} – {NAMES[second]}")
        print(first, second, [round(v, 4) for v in values])
    axes.set_xscale("log")
    axes.set_xlabel("b (noise-to-signal ratio of the readout prior)")
    axes.set_ylabel("TV distance")
    axes.set_ylim(0, 1)
    axes.grid(alpha=0.3)
    axes.legend()
    axes.set_title("TV distance against b (600 objectome images)")
    save_figure(figure, HERE / "tv-vs-b")
    (HERE / "tv-vs-b.svg").unlink()  # the page shows the PNG


if __name__ == "__main__":
    comparison_figures()
    b_figure()
