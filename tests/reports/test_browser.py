"""The HTML page in a real headless browser (Debian's chromium, installed by `make chromium`).

The page must render every table with its rows and every figure as a decoded image, with no
console error, uncaught exception or failed resource. The checker itself is tested on a page
that is broken on purpose, so a broken report cannot pass unnoticed.
"""

from __future__ import annotations

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
