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


def test_leaderboard_page_renders_tables_and_every_figure(tmp_path):
    files = write_dataset(tmp_path / "data", n=40)
    config = LeaderboardConfig(
        models=[Source(files["near"]), Source(files["mid"]), Source(files["far"], stimulus_ids=files["far_ids"])],
        neural=[Source(files["brain"], name="IT")], settings=Settings(n_bootstrap=3), output=tmp_path / "board",
        title="Browser check")
    paths = write_report(build_leaderboard(config, progress=False), config.output)

    page = render(paths["html"])

    assert page.errors == []
    assert page.dom["title"] == "Browser check"
    # 3 models + 5 references, for tv and js; the 3 models' posterior; their ranks at 9 b
    assert [t["rows"] for t in page.dom["tables"]] == [8, 8, 3, 27]
    assert all(t["height"] > 50 for t in page.dom["tables"])
    assert ["representation" in t["header"] for t in page.dom["tables"]] == [True, True, False, False]
    assert "posterior" in page.dom["tables"][2]["header"]
    assert len(page.dom["images"]) == 9
    assert page.broken_images == []
    for image in page.dom["images"]:
        assert image["naturalWidth"] > 300 and image["naturalHeight"] > 150 and image["width"] > 100
    assert "IT · chance (stimuli shuffled, 20 permutations)" in page.dom["text"]
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
