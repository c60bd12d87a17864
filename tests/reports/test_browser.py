"""The HTML page in a real headless browser (Debian's chromium, installed by `make chromium`).

The page must render every table with its rows and every figure as a decoded image, with no
console error, uncaught exception or failed resource. The checker itself is tested on a page
that is broken on purpose, so a broken report cannot pass unnoticed.
"""

from __future__ import annotations

import numpy as np
import pytest

from bayesrep_plugin.reports.inputs import Source
from bayesrep_plugin.reports.leaderboard import LeaderboardConfig, build_leaderboard, write_report
from bayesrep_plugin.reports.settings import Settings

from .chromium import find_chromium, render
from .synthetic import write_dataset


@pytest.fixture(scope="module", autouse=True)
def chromium_present():
    if find_chromium() is None:
        pytest.fail("chromium is not installed; `make chromium` installs Debian's package")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def small_board(folder, title: str):
    """Three models and a brain on 40 stimuli: the report and the paths of its files."""
    files = write_dataset(folder / "data", n=40)
    config = LeaderboardConfig(
        models=[Source(files["near"]), Source(files["mid"]), Source(files["far"], stimulus_ids=files["far_ids"])],
        neural=[Source(files["brain"], name="IT")], settings=Settings(n_bootstrap=3), output=folder / "board",
        title=title)
    report = build_leaderboard(config, progress=False)
    return report, write_report(report, config.output)


def test_leaderboard_page_renders_tables_and_every_figure(tmp_path):
    _, paths = small_board(tmp_path, "Browser check")

    page = render(paths["html"])

    assert page.errors == []
    assert page.dom["title"] == "Browser check"
    summary = [t for t in page.dom["tables"] if t["inSummary"]]
    full = [t for t in page.dom["tables"] if not t["inSummary"]]
    # the summary: 3 models (all of them: fewer than its 5) + 5 references under js, open
    assert [t["rows"] for t in summary] == [8] and summary[0]["height"] > 50 and not summary[0]["collapsed"]
    # in full, collapsed: 3 models + 5 references, for tv and js; the 3 models' posterior; their ranks at 9 b
    assert [t["rows"] for t in full] == [8, 8, 3, 27]
    assert all(t["collapsed"] for t in full)
    assert ["representation" in t["header"] for t in full] == [True, True, False, False]
    assert "posterior" in full[2]["header"]
    assert not any("dataset" in t["header"] for t in page.dom["tables"])  # one dataset: named in the titles
    assert len(page.dom["images"]) == 9
    assert page.broken_images == []
    for image in page.dom["images"]:
        assert image["naturalWidth"] > 300 and image["naturalHeight"] > 150 and image["width"] > 100
    assert "chance (stimuli shuffled, 20 permutations)" in page.dom["summary"]["text"]  # the full tables: collapsed
    width, height = png_size(page.screenshot)
    assert width >= 1000 and height >= 1000
    assert len(page.screenshot) > 20_000  # a blank page compresses to a few kB


def test_checker_reports_a_broken_page(tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html><head><title>x</title></head><body>"
                      "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>"
                      '<img src="data:image/png;base64,iVBORw0KGgo=" alt="truncated">'
                      '<img src="missing.png" alt="missing">'
                      "<script>console.error('boom'); undefinedFunction();</script></body></html>")
    page = render(broken)
    assert [img["alt"] for img in page.broken_images] == ["truncated", "missing"]
    assert any("boom" in e for e in page.errors)
    assert any("undefinedFunction" in e for e in page.errors)
    assert any("missing.png" in e for e in page.errors)


def test_the_first_screen_answers_which_model_is_closest_how_sure_and_where_chance_is(tmp_path):
    report, paths = small_board(tmp_path, "First screen")

    page = render(paths["html"], window=(1400, 900))

    assert page.errors == [] and page.dom["viewport"]["width"] == 1400
    summary = page.dom["summary"]
    # all of it on the first screen (the window's inner height, about 760 px of its 900)
    assert 0 < summary["top"] and summary["bottom"] <= page.dom["viewport"]["height"]
    best = min((row for row in report.rows if row["measure"] == "js" and row["kind"] == "model"),
               key=lambda row: row["value"])
    text = summary["text"]
    assert f"Closest under js (lower = closer, b = {report.b:g}): {best['representation']}" in text
    assert "How sure:" in text and "Posterior over the models" in text
    assert "Chance (stimuli shuffled)" in text and "models stand clear of it" in text
    assert "A perfect model of the recording" in text
    # then the figures, below the summary
    assert min(image["top"] for image in page.dom["images"]) >= summary["bottom"]


def test_every_figure_is_readable_at_page_width(tmp_path, monkeypatch):
    """A board of 40 models with long names, in a 1400 px window: every text of every figure (tick
    labels, legends, annotations) is at least 8 CSS px tall as the page shows it, and no two labels
    of the map or of the heatmap's rows overlap."""
    from matplotlib.text import Text

    from bayesrep_plugin.reports import figures
    from bayesrep_plugin.reports.leaderboard import Brain, rank
    from bayesrep_plugin.reports.inputs import load_input

    files = write_dataset(tmp_path / "data", n=40)
    brain = load_input(Source(files["brain"], name="V4 (a long dataset name, session 210325)"))
    rng = np.random.default_rng(0)
    signal = brain.means @ rng.standard_normal((brain.means.shape[1], 6))
    folder = tmp_path / "models"
    folder.mkdir()
    models = []
    for k in range(40):
        path = folder / f"from_teacher{k % 4}-{(5, 10, 25, 50, 100, 200, 300, 400, 500, 600)[k // 4]}filters.npz"
        noise = 0.0 if k < 6 else 0.3 * (1 + k % 7)  # six identical models: one point on the map
        np.savez(path, activations=signal + noise * rng.standard_normal(signal.shape), stimulus_id=brain.stimulus_ids)
        models.append(load_input(Source(path)))
    drawn = []
    real_save = figures.save_figure

    def save(figure, stem):
        texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
        drawn.append((stem.name, min(t.get_fontsize() for t in texts), figure))
        return real_save(figure, stem)

    # a spy: the figures as they were saved, whose text sizes the page is checked against (no file keeps them)
    monkeypatch.setattr(figures, "save_figure", save)
    report = rank(models, [Brain(brain)], Settings(n_bootstrap=3), title="Readable", progress=False)
    paths = write_report(report, tmp_path / "board")

    page = render(paths["html"], window=(1400, 900))

    assert page.errors == [] and len(page.dom["images"]) == len(drawn)
    for image, (stem, points, _) in zip(page.dom["images"], drawn):
        shown = points * 130 / 72 * image["width"] / image["naturalWidth"]  # figures are written at 130 dpi
        assert shown >= 8, f"{stem}: its smallest text is {shown:.1f} px tall at page width"
    for stem, _, figure in drawn:
        renderer = figures._renderer(figure)  # private: the renderer the figure was saved with, to measure its labels
        if stem.startswith("mds-"):
            boxes = [t.get_window_extent(renderer) for t in figure.axes[0].texts]
            assert any("(+5 at this point)" in t.get_text() for t in figure.axes[0].texts)
        elif stem.startswith("heatmap-"):
            boxes = [t.get_window_extent(renderer) for t in figure.axes[0].get_yticklabels()]
        else:
            continue
        assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)], stem
