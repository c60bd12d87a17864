"""The documentation builds with `mkdocs build --strict`, and its generated pages match the code."""

from __future__ import annotations

import html
import inspect
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

from .test_docstrings import import_paths, load_package, public_objects

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
            "reference/metrics.md", "reference/cli.md", "reference/api-core.md", "reference/api-assemblies.md",
            "reference/api-brainscore.md", "comparison.md"} <= set(pages)
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
    for option in ("--measure", "--n-bootstrap", "--stimulus-ids", "--metric", "--model", "--neural", "--quiet"):
        assert option in text
    assert leaderboard_description()[:60] in " ".join(text.split())


def leaderboard_description() -> str:
    """The description `bayesrep leaderboard --help` prints (its first paragraph after the usage), in one line."""
    import contextlib
    import io

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), pytest.raises(SystemExit):
        build_parser().parse_args(["leaderboard", "--help"])
    usage, description, *_ = printed.getvalue().split("\n\n")
    assert usage.startswith("usage: bayesrep leaderboard")
    return " ".join(description.split())


def test_comparison_page_shows_its_figures(site):
    page = (site / "comparison" / "index.html").read_text("utf-8")
    images = re.findall(r'<img[^>]+src="([^"]+)"', page)
    assert len(images) == 4
    for source in images:
        image = (site / "comparison" / source).resolve()
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", source
    assert not (site / "comparison" / "generate.py").exists() and not (site / "hooks").exists()


def test_api_reference_shows_every_public_object_with_its_sections(site):
    pages = {page: (site / "reference" / page / "index.html").read_text("utf-8")
             for page in ("api-core", "api-assemblies", "api-brainscore", "api-models")}
    shown = set()
    for page in pages.values():
        shown |= set(re.findall(r'id="(bayesrep_plugin\.[\w.]+)"', page))
    package = load_package()
    ways_in = import_paths(package)
    missing = sorted(path for path in public_objects(package) if not ways_in[path] & shown)
    assert not missing, f"not in the API reference under a path it is imported by: {missing}"
    distance = page_text(site, "reference/api-core")
    assert "Parameters:" in distance and "Returns:" in distance and "Raises:" in distance
    assert ":func:" not in distance and ":class:" not in distance  # Sphinx roles turned into code


def html_tables(site: Path, page: str) -> list[list[list[str]]]:
    """Each table of a built page as rows of cell texts (header row first)."""
    source = (site / page / "index.html").read_text("utf-8")
    cell = lambda text: html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
    return [[[cell(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
             for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
            for table in re.findall(r"<table>(.*?)</table>", source, re.S)]


def test_comparison_tables_back_the_pages_claims(site):
    all_images, subset = html_tables(site, "comparison")
    assert all_images[0][2:] == ["AlexNet – ResNet-18", "AlexNet – ResNet-34", "ResNet-18 – ResNet-34"]
    values = {row[0]: [float(v) for v in row[2:]] for row in all_images[1:]}
    kinds = {row[0]: row[1] for row in all_images[1:]}
    for measure, (alex18, alex34, resnets) in values.items():
        # the two ResNets are the closest pair, AlexNet about equally far from both
        assert resnets == (max if kinds[measure] == "similarity" else min)(alex18, alex34, resnets), measure
        assert abs(alex18 - alex34) < 0.05 * alex18, measure
    for pair in range(3):  # "more stringent": TV above 1 − CKA and 1 − RSA; JS a little above TV
        assert values["tv"][pair] > 1 - values["cka"][pair] and values["tv"][pair] > 1 - values["rsa"][pair]
        assert values["tv"][pair] < values["js"][pair] < values["tv"][pair] + 0.05
    sentence = " ".join(page_text(site, "comparison").split())
    assert f"{values['cka'][0]:.0%} similar" in sentence and f"TV = {values['tv'][0]:.2f}" in sentence
    assert f"(1 + TV)/2 = {(1 + values['tv'][0]) / 2:.0%}" in sentence
    for row, all_tv, all_js in zip(subset[1:], values["tv"], values["js"]):
        for value, interval, on_all in ((row[1], row[2], all_tv), (row[3], row[4], all_js)):
            low, high = map(float, interval.strip("[]").split(","))
            assert low < float(value) < high and high - low < 0.02  # narrow intervals
            assert abs(float(value) - on_all) < 0.02  # close to the values on all images
            assert float(value) < on_all  # guide-brainscore.md: TV and JS grow with the number of stimuli
    assert round(values["tv"][2], 2) == 0.65  # method.md: ResNet-18 vs ResNet-34 at b = 0.01


def test_the_comparison_pages_description_of_its_data_and_of_b():
    """The shapes the page states, and what it reads off the figure of TV against b (the values
    docs/comparison/generate.py plots)."""
    import importlib.util

    import numpy as np

    import bayesrep_plugin as br
    from bayesrep_plugin import data

    shapes = {net: data.load_activations(net).shape for net in data.NETWORKS}
    assert shapes == {"alexnet": (2400, 4096), "resnet18": (2400, 512), "resnet34": (2400, 512)}
    spec = importlib.util.spec_from_file_location("comparison_figures", ROOT / "docs/comparison/generate.py")
    figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figures)
    keep = np.sort(np.random.default_rng(figures.SETTINGS.seed).choice(2400, figures.SETTINGS.max_stimuli,
                                                                        replace=False))
    reps = {net: br.Representation.from_activations(data.load_activations(net).values[keep]) for net in data.NETWORKS}
    pairs = [("alexnet", "resnet18"), ("alexnet", "resnet34"), ("resnet18", "resnet34")]
    tv = np.array([[float(br.distance(reps[a], reps[c], "tv", b=b)) for a, c in pairs] for b in figures.B_VALUES])
    b = np.array(figures.B_VALUES)
    assert (tv[b <= 0.001] > 0.999).all()                      # told apart almost surely
    assert (np.diff(tv, axis=0) <= 1e-12).all()                 # every distance shrinks as b grows
    assert (tv.argmin(axis=1)[b > 0.001] == 2).all()            # the ResNets are the closest pair
    assert b[np.argmax(tv.max(axis=1) - tv.min(axis=1))] == 0.01  # b = 0.01 spreads them furthest
    assert tv[b == 1.0, 2] < 0.05                               # method.md: ResNets near 0 at b = 1


def page_source(page: str) -> str:
    """A Markdown page (or README.md) with its line breaks folded into spaces."""
    return " ".join((ROOT / page).read_text("utf-8").split())


def assert_stated(page: str, *facts: str) -> None:
    """One sentence of ``page`` (a :func:`page_source`) states every one of ``facts``: the numbers and names
    a test guards, with the word or two that say what each is, in whatever prose the page puts around them."""
    sentences = re.split(r"(?<=[.!?])\s+", page)
    assert any(all(fact in sentence for fact in facts) for sentence in sentences), f"no sentence states {facts}"


def test_numbers_the_pages_quote_from_the_code_and_the_tests():
    from bayesrep_plugin import DEFAULT_B
    from bayesrep_plugin.assemblies.align import MIN_STIMULI
    from bayesrep_plugin.brainscore.metrics import BayesianReadoutCeiling, BayesianReadoutSimilarity
    from bayesrep_plugin.core import exact
    from bayesrep_plugin.core.montecarlo import DEFAULT_SAMPLES
    from bayesrep_plugin.reports.pairs import RESAMPLES_PER_TASK
    from bayesrep_plugin.studies import demo

    from core.test_exact import ACCURACY_CASES

    index, method = page_source("docs/index.md"), page_source("docs/method.md")
    brainscore, leaderboard = page_source("docs/guide-brainscore.md"), page_source("docs/guide-leaderboard.md")
    short = lambda value: f"{value:.0e}".replace("e-0", "e-")  # 1e-9, as the pages write a tolerance
    assert_stated(index, "default", f"b = {DEFAULT_B:g}")
    assert_stated(method, "`b`", "reference", f"default {DEFAULT_B:g}")
    # the accuracy of the exact computation: what test_exact asserts against 30 digits, over its range of values
    lowest, highest = min(case[2] for case in ACCURACY_CASES), max(case[2] for case in ACCURACY_CASES)
    for page in (index, method):
        assert_stated(page, "30", f"below {exact.MEASURED_RTOL:g}", f"{lowest:g}", f"{highest:g}")
    assert_stated(index, f"below {short(exact.RTOL)}")
    assert_stated(method, "quadrature", f"tolerance of {short(exact.RTOL)}")
    assert_stated(method, "JS", f"`t = {exact.JS_T_MAX:g}`")
    assert_stated(method, "TV", short(exact.RTOL * exact.TV_ESTIMATE_MARGIN))
    assert_stated(method, "Monte Carlo", f"S = {DEFAULT_SAMPLES:,}")
    assert_stated(brainscore, "min_overlap", f"fewer than {MIN_STIMULI}")
    defaults = inspect.signature(BayesianReadoutSimilarity).parameters
    assert_stated(brainscore, "defaults", f"b={defaults['b'].default}", f"{defaults['n_bootstrap'].default} bootstrap")
    assert_stated(brainscore, "n_replicates",
                  f"default {inspect.signature(BayesianReadoutCeiling).parameters['n_replicates'].default}")
    assert_stated(leaderboard, f"{demo.NEURONS} model neurons", f"ResNet-34 ({demo.RESNET34_SHARE:.0%})",
                  f"AlexNet ({1 - demo.RESNET34_SHARE:.0%})", f"{demo.BASE_RATE:g} spikes per repeat",
                  f"{demo.REPETITIONS} times", f"{demo.FANO_FACTOR:g} × rate")
    assert_stated(leaderboard, "Dask", f"{RESAMPLES_PER_TASK} at a time")
    assert_stated(leaderboard, f"tasks of {RESAMPLES_PER_TASK}")


def test_benchmarks_page_shows_the_measured_table_and_figure(site):
    """bench_peers.py writes its table between the markers and its figure beside the page."""
    page = (site / "benchmarks" / "index.html").read_text("utf-8")
    images = re.findall(r'<img[^>]+src="([^"]+)"', page)
    assert [Path(image).name for image in images] == ["scaling.png", "workers.png"]  # the peers' and the cluster's
    assert all((site / "benchmarks" / image).resolve().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for image in images)
    text = page_text(site, "benchmarks")
    assert "not yet measured" not in text and "Brain-Score cka_biased" in text
    assert re.search(r"\b(PASS|MISS)\b", text)


def test_make_clean_removes_every_environment_the_tests_build():
    """Every virtual environment the Makefile or scripts/ create is removed by `make clean`, and the
    README says what `make test` installs."""
    makefile = (ROOT / "Makefile").read_text()
    built = set(re.findall(r"VENV\s*:?=\s*(\.venv[\w-]*)", makefile))
    for script in (ROOT / "scripts").glob("*.sh"):
        text = script.read_text()
        built |= set(re.findall(r"VENV=(\.venv[\w-]*)", text)) | set(re.findall(r"venv=(\.venv[\w-]*)", text))
    assert {".venv", ".venv-numpy2", ".venv-language", ".venv-upstream", ".venv-upstream-language"} <= built
    recipe = makefile[makefile.index("\nclean:") + 1:].split("\n")[1]  # the line after "clean:"
    removed = set(recipe.replace("$(VENV)", ".venv").split())
    assert built <= removed, f"make clean leaves {sorted(built - removed)}"
    readme = (ROOT / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in built - {".venv"})
