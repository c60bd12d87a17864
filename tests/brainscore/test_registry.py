"""registry.yaml, the shipped plugin folders, and install / uninstall (export: test_export.py)."""

import ast
from pathlib import Path

import pytest

from bayesrep_plugin.brainscore import install as install_module
from bayesrep_plugin.brainscore.install import InstallError, install, uninstall
from bayesrep_plugin.brainscore.registry import (PLUGIN_NAME, REGISTRY_PATH, benchmark_plugin_source,
                                                 check_readout_metric, factory, load_registry, plugin_source,
                                                 readout_metrics, render_benchmark_plugin_init, render_plugin_init)

ROOT = Path(__file__).resolve().parents[2]


def test_root_registry_is_the_packaged_one():
    assert (ROOT / "registry.yaml").resolve() == REGISTRY_PATH.resolve()


@pytest.mark.parametrize("framework", ["brainscore_vision", "brainscore_language"])
def test_shipped_plugin_folders_agree_with_registry(framework):
    folder = plugin_source(framework)
    init = (folder / "__init__.py").read_text(encoding="utf-8")
    assert init == render_plugin_init(framework), "re-render with: python -m bayesrep_plugin.brainscore.registry"
    for identifier in load_registry().entries:   # Brain-Score's own text scan, one line per id
        assert sum(f"metric_registry['{identifier}']" in line for line in init.splitlines()) == 1
    assert (folder / "test.py").is_file()
    assert "@article{schutt2024bayesian" in ast.literal_eval(init.split("BIBTEX = ", 1)[1])


def test_shipped_benchmark_folder_agrees_with_registry():
    benchmarks = load_registry().benchmarks
    assert {(e.id, e.source, e.metric) for e in benchmarks.values()} == {
        (f"{source}-{metric}", f"{source}-pls", metric)
        for source in ("Cowley2026.V4", "MajajHong2015.IT", "MajajHong2015.V4") for metric in ("bayes_js", "bayes_tv")}
    init = (benchmark_plugin_source() / "__init__.py").read_text(encoding="utf-8")
    assert init == render_benchmark_plugin_init(), "re-render with: python -m bayesrep_plugin.brainscore.registry"
    for identifier in benchmarks:   # Brain-Score's own text scan, one line per id
        assert sum(f"benchmark_registry['{identifier}']" in line for line in init.splitlines()) == 1
    assert (benchmark_plugin_source() / "test.py").is_file()


def test_readout_metrics_are_decided_in_one_place():
    assert readout_metrics() == ("bayes_tv", "bayes_js", "bayes_hellinger")
    check_readout_metric("bayes_js")
    with pytest.raises(ValueError, match=r"'bayes_js_ceiling' is not one of our readout metrics \(bayes_tv, bayes_js"):
        check_readout_metric("bayes_js_ceiling")


def test_no_import_circle_among_the_brainscore_modules():
    """Every import counts, a function-local one too: one that dodges a circle at import time is still one."""
    folder = plugin_source("brainscore_vision").parents[2]
    names = {path.stem for path in folder.glob("*.py")}
    graph = {name: set() for name in names}
    for name in names:
        for node in ast.walk(ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:  # from .x import ..., from . import x
                graph[name] |= {node.module.split(".")[0]} if node.module else {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bayesrep_plugin.brainscore."):
                graph[name].add(node.module.split(".")[2])
        graph[name] &= names

    def reaches(start, goal, seen=()):
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, (*seen, nxt))) for nxt in graph[start])

    assert not [name for name in names if reaches(name, name)], graph


def test_registry_refuses_bad_benchmark_entries(tmp_path):
    text = REGISTRY_PATH.read_text(encoding="utf-8")
    bad_metric = tmp_path / "metric.yaml"
    bad_metric.write_text(text.replace("metrics: [bayes_js, bayes_tv]", "metrics: [bayes_js, bayes_encoding]", 1))
    with pytest.raises(ValueError, match="'Cowley2026.V4-pls': 'bayes_encoding' is not one of our readout metrics"):
        load_registry(bad_metric)
    twice = tmp_path / "twice.yaml"
    twice.write_text(text.replace("metrics: [bayes_js, bayes_tv]", "metrics: [bayes_js, bayes_js]", 1))
    with pytest.raises(ValueError, match="benchmark 'Cowley2026.V4-bayes_js' is listed twice"):
        load_registry(twice)


def test_every_entry_builds_its_class_with_its_defaults():
    for identifier, entry in load_registry().entries.items():
        metric = factory(identifier)()
        assert type(metric) is entry.load_class()
        assert entry.description and entry.bibtex.startswith("@article")
    assert factory("bayes_tv")().comparison.measure.name == "tv"
    assert factory("bayes_js")(b=0.2).comparison.b == 0.2


def test_load_metric_finds_every_identifier(vision_plugin):
    from brainscore_vision import load_metric

    for identifier, entry in load_registry().entries.items():
        assert type(load_metric(identifier)) is entry.load_class()


def test_the_tests_install_into_a_stand_in_not_into_the_installed_package(vision_plugin):
    """tests/conftest.py: load_metric scans the stand-in's metrics/, whose other plugins are the installed
    package's own (the session's end checks that the installed package was left as it was)."""
    import importlib.metadata

    import brainscore_vision

    installed = Path(importlib.metadata.distribution("brainscore_vision").locate_file("brainscore_vision"))
    scanned = Path(brainscore_vision.__file__).parent
    assert scanned != installed and vision_plugin == scanned / "metrics" / PLUGIN_NAME
    assert (scanned / "benchmarks" / PLUGIN_NAME / "__init__.py").is_file()
    theirs = [p for p in (scanned / "metrics").iterdir() if p.name not in (PLUGIN_NAME, "__pycache__")]
    assert len(theirs) > 10 and all(p.resolve() == (installed / "metrics" / p.name).resolve() for p in theirs)


def test_install_is_idempotent_and_uninstall_removes_only_ours(tmp_path, monkeypatch):
    metrics = tmp_path / "brainscore_vision" / "metrics"
    metrics.mkdir(parents=True)
    # a stand-in: the installed package's folder is found by the import system, and the session's is in use
    monkeypatch.setattr(install_module, "metrics_dir",
                        lambda framework: metrics if framework == "brainscore_vision" else None)
    assert install() == [metrics / PLUGIN_NAME]
    (metrics / PLUGIN_NAME / "stale.py").write_text("")
    assert install(["brainscore_vision"]) == [metrics / PLUGIN_NAME]
    assert sorted(p.name for p in (metrics / PLUGIN_NAME).iterdir()) == ["__init__.py", "test.py"]
    with pytest.raises(InstallError, match="brainscore_language is not installed"):
        install(["brainscore_language"])
    assert uninstall() == [metrics / PLUGIN_NAME] and not (metrics / PLUGIN_NAME).exists()
    assert uninstall() == []


def test_install_refuses_a_foreign_folder_and_id_collisions(tmp_path, monkeypatch):
    metrics = tmp_path / "metrics"
    # a stand-in: the installed package's folder is found by the import system, and the session's is in use
    monkeypatch.setattr(install_module, "metrics_dir", lambda framework: metrics)
    (metrics / PLUGIN_NAME).mkdir(parents=True)
    (metrics / PLUGIN_NAME / "__init__.py").write_text("metric_registry['other'] = None\n")
    with pytest.raises(InstallError, match="is not a bayesrep-plugin folder"):
        install(["brainscore_vision"])
    with pytest.raises(InstallError, match="is not a bayesrep-plugin folder"):
        uninstall(["brainscore_vision"])
    (metrics / PLUGIN_NAME / "__init__.py").unlink()
    (metrics / PLUGIN_NAME).rmdir()
    (metrics / "someone").mkdir()
    (metrics / "someone" / "__init__.py").write_text('metric_registry["bayes_js"] = object\n')
    with pytest.raises(InstallError, match=r"already registers \['bayes_js'\]"):
        install(["brainscore_vision"])


def test_install_puts_the_benchmarks_beside_the_metrics_and_uninstall_takes_both(tmp_path, monkeypatch):
    vision = tmp_path / "brainscore_vision"
    metrics, benchmarks = vision / "metrics", vision / "benchmarks"
    metrics.mkdir(parents=True)
    benchmarks.mkdir()
    # a stand-in: the installed package's folder is found by the import system, and the session's is in use
    monkeypatch.setattr(install_module, "metrics_dir",
                        lambda framework: metrics if framework == "brainscore_vision" else None)
    assert install() == [metrics / PLUGIN_NAME, benchmarks / PLUGIN_NAME]
    assert sorted(p.name for p in (benchmarks / PLUGIN_NAME).iterdir()) == ["__init__.py", "test.py"]
    assert uninstall() == [metrics / PLUGIN_NAME, benchmarks / PLUGIN_NAME] and not list(vision.glob("*/*"))
    (benchmarks / "someone").mkdir()
    (benchmarks / "someone" / "__init__.py").write_text('benchmark_registry["MajajHong2015.IT-bayes_tv"] = object\n')
    with pytest.raises(InstallError, match=r"someone already registers \['MajajHong2015.IT-bayes_tv'\]"):
        install(["brainscore_vision"])
    assert not (metrics / PLUGIN_NAME).exists()   # checked before anything is written


def test_the_plugin_folders_own_test_passes(vision_plugin):
    """What Brain-Score's CI runs: the test.py inside the installed folder."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(vision_plugin / "test.py")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
