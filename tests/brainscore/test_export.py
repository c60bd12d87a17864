"""The exported (upstream) plugin folders: Brain-Score's layout, registering every identifier, pinning
this package's release, computing what the package computes.

The full upstream flow (a clean environment, our wheel from a local index, Brain-Score's own CI
entry point) runs in scripts/upstream-plugin.sh; here: the folders' content, that metric.py builds
exactly the package's metrics, and that the exported metric test passes against the package.
"""

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly

import bayesrep_plugin
from bayesrep_plugin.brainscore import upstream
from bayesrep_plugin.brainscore.install import InstallError, export
from bayesrep_plugin.brainscore.registry import PLUGIN_NAME, factory, load_registry

FRAMEWORKS = ("brainscore_vision", "brainscore_language")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    directory = tmp_path_factory.mktemp("export")
    return {"/".join(folder.parts[-3:-1]): folder for folder in export(directory)}


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_layout_is_brainscores(exported):
    assert sorted(exported) == ["brainscore_language/metrics", "brainscore_vision/benchmarks", "brainscore_vision/metrics"]
    for kind, folder in exported.items():
        code = "benchmark.py" if kind.endswith("benchmarks") else "metric.py"
        assert sorted(p.name for p in folder.iterdir()) == sorted(["__init__.py", code, "requirements.txt", "test.py"])
        for path in folder.iterdir():
            assert upstream.GENERATED_MARK in path.read_text(encoding="utf-8") or path.name == "requirements.txt"
        # the release these registrations were written for, on the package index
        assert (folder / "requirements.txt").read_text() == f"bayesrep-plugin=={bayesrep_plugin.__version__}\n"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_identifier_is_registered_once_as_brainscore_finds_it(exported, framework):
    init = (exported[f"{framework}/metrics"] / "__init__.py").read_text(encoding="utf-8")
    registered = re.findall(r"^metric_registry\['(\w+)'\] = (\w+)$", init, flags=re.MULTILINE)   # Brain-Score's text scan
    assert registered == [(i, i) for i in load_registry().entries]
    assert f"from {framework} import metric_registry" in init
    assert "@article{schutt2024bayesian" in ast.literal_eval(init.split("BIBTEX = ", 1)[1])


def test_benchmarks_are_registered_and_built_from_public_names_only(exported):
    folder = exported["brainscore_vision/benchmarks"]
    init = (folder / "__init__.py").read_text(encoding="utf-8")
    registered = re.findall(r"^benchmark_registry\['([\w.-]+)'\] = lambda: ", init, flags=re.MULTILINE)
    assert registered == list(load_registry().benchmarks)
    source = (folder / "benchmark.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    private = [ast.unparse(node) for node in ast.walk(tree)
               if (isinstance(node, ast.Attribute) and node.attr.startswith("_"))
               or (isinstance(node, ast.ImportFrom) and any(a.name.startswith("_") for a in node.names))]
    assert not private and "inspect" not in source and "closure" not in source.replace("closures", "")
    assert upstream.benchmark_versions() == {"Cowley2026.V4-bayes_js": 3, "Cowley2026.V4-bayes_tv": 3,
                                             "MajajHong2015.IT-bayes_js": 6, "MajajHong2015.IT-bayes_tv": 6,
                                             "MajajHong2015.V4-bayes_js": 6, "MajajHong2015.V4-bayes_tv": 6}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_metric_py_builds_exactly_the_packages_metrics(exported, framework):
    metric_py = _module(exported[f"{framework}/metrics"] / "metric.py", f"exported_{framework}_metric")
    rng = np.random.default_rng(3)
    latent = rng.normal(size=(30, 4))
    ids = [f"im{i}" for i in range(30)]

    def assembly(values, repetitions):
        return NeuroidAssembly(values.reshape(-1, values.shape[-1]), dims=["presentation", "neuroid"], coords={
            "stimulus_id": ("presentation", ids * repetitions),
            "repetition": ("presentation", np.repeat(np.arange(repetitions), 30)),
            "neuroid_id": ("neuroid", [f"n{j}" for j in range(values.shape[-1])])})

    model = assembly(latent @ rng.normal(size=(4, 16)), 1)
    neural = assembly(latent @ rng.normal(size=(4, 9)) + 0.5 * rng.normal(size=(3, 30, 9)), 3)
    for entry in load_registry().entries.values():
        build = getattr(metric_py, entry.id)
        if framework in entry.unavailable_in:
            with pytest.raises(ValueError, match=f"{entry.id} is not available in {framework}"):
                build()
            continue
        options = {"n_replicates": 3} if entry.id.endswith("_ceiling") else {"n_bootstrap": 3}
        ours, theirs = build(**options), factory(entry.id, framework)(**options)
        assert type(ours) is type(theirs) and ours.registered == theirs.registered
        args = (neural,) if entry.id.endswith("_ceiling") else (model, neural)
        first, second = ours(*args), theirs(*args)
        assert float(first) == float(second) and first.attrs["error"] == second.attrs["error"], entry.id


def test_the_exported_metric_test_passes_against_the_package(exported, vision_plugin, tmp_path):
    """test.py's reference values are this package's: the exported test passes where load_metric finds
    the package's own plugin folder (installed in this session's stand-in brainscore_vision)."""
    test = tmp_path / "test_exported_metrics.py"
    test.write_text((exported["brainscore_vision/metrics"] / "test.py").read_text(encoding="utf-8"))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)],
                            capture_output=True, text=True, cwd=tmp_path,
                            env={**os.environ, "BS_INSTALL_DEPENDENCIES": "no", "RESULTCACHING_DISABLE": "1"})
    assert result.returncode == 0, result.stdout[-3000:]


def test_export_overwrites_its_own_folders_only(tmp_path, exported):
    written = export(tmp_path)
    assert export(tmp_path) == written
    foreign = tmp_path / "elsewhere" / "brainscore_vision" / "metrics" / PLUGIN_NAME
    foreign.mkdir(parents=True)
    (foreign / "__init__.py").write_text("metric_registry['other'] = None\n")
    with pytest.raises(InstallError, match="is not an exported bayesrep-plugin folder"):
        export(tmp_path / "elsewhere")


def test_every_file_names_the_commit_it_was_exported_from(tmp_path):
    folders = upstream.write(tmp_path, commit="0123456789ab")
    for folder in folders:
        for path in folder.glob("*.py"):
            assert path.read_text(encoding="utf-8").startswith(
                f"# {upstream.GENERATED_MARK} (bayesrep-plugin {bayesrep_plugin.__version__}, commit 0123456789ab).")
    assert "(commit 0123456789ab;" in (folders[0] / "test.py").read_text(encoding="utf-8")
