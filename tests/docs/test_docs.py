"""The documentation builds with `mkdocs build --strict`, and its generated pages match the code."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bayesrep_plugin import MEASURES
from bayesrep_plugin.brainscore.registry import load_registry
from bayesrep_plugin.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(target)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "BS_INSTALL_DEPENDENCIES": "no"})
    assert result.returncode == 0, result.stderr
    return target


def page_text(site: Path, page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", (site / page / "index.html").read_text("utf-8")))


def nav_pages(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [page for item in node for page in nav_pages(item)]
    return [page for value in node.values() for page in nav_pages(value)]


def test_every_nav_page_is_built(site):
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    pages = nav_pages(config["nav"])
    assert {"index.md", "method.md", "guide-brainscore.md", "guide-benchmark.md", "guide-leaderboard.md",
            "reference/metrics.md", "reference/cli.md", "comparison.md"} <= set(pages)
    for page in pages:
        built = site / ("index.html" if page == "index.md" else page.removesuffix(".md") + "/index.html")
        assert built.is_file(), page


def test_metric_reference_lists_every_registry_entry(site):
    text = page_text(site, "reference/metrics")
    assert "<!-- generated" not in text
    for entry in load_registry().entries.values():
        assert entry.id in text and entry.description in text and entry.cls in text
        for key, value in entry.defaults.items():
            assert f"{key}={value!r}" in text
    assert "Bayesian comparisons between representations" in text  # the BibTeX
    for name, measure in MEASURES.items():
        assert f"{name}\n" in text or f"{name} " in text
        assert measure.description in text


def test_cli_reference_is_the_parsers_help(site):
    text = page_text(site, "reference/cli")
    for command in ("compare", "score", "leaderboard", "demo", "brainscore"):
        assert f"usage: bayesrep {command}" in text
    for option in ("--measure", "--bootstrap", "--stimulus-ids", "--metric", "--model", "--neural", "--quiet"):
        assert option in text
    description = " ".join(build_parser()._subparsers._group_actions[0].choices["leaderboard"].description.split())
    assert description[:60] in " ".join(text.split())


def test_comparison_page_shows_its_figures(site):
    page = (site / "comparison" / "index.html").read_text("utf-8")
    images = re.findall(r'<img[^>]+src="([^"]+)"', page)
    assert len(images) == 4
    for source in images:
        image = (site / "comparison" / source).resolve()
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", source
    assert not (site / "comparison" / "generate.py").exists() and not (site / "hooks").exists()


def test_benchmarks_page_shows_the_measured_table_and_figure(site):
    """bench_peers.py writes its table between the markers and its figure beside the page."""
    page = (site / "benchmarks" / "index.html").read_text("utf-8")
    images = re.findall(r'<img[^>]+src="([^"]+)"', page)
    assert len(images) == 1 and (site / "benchmarks" / images[0]).resolve().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = page_text(site, "benchmarks")
    assert "not yet measured" not in text and "Brain-Score cka_biased" in text
    assert re.search(r"\b(PASS|MISS)\b", text)
