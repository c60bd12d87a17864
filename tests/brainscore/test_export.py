"""The exported (upstream) plugin folders: self-contained, versioned, registering every identifier.

The full upstream flow (a clean environment without bayesrep-plugin, Brain-Score's own CI entry
point) runs in scripts/upstream-plugin.sh; here: the folders' content, and that the vendored code
computes exactly what the package computes while ``bayesrep_plugin`` cannot be imported.
"""

import ast
import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly

import bayesrep_plugin
from bayesrep_plugin.brainscore import vendor
from bayesrep_plugin.brainscore.install import InstallError, export
from bayesrep_plugin.brainscore.registry import PLUGIN_NAME, factory, load_registry

FRAMEWORKS = ("brainscore_vision", "brainscore_language")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    directory = tmp_path_factory.mktemp("export")
    return {folder.parts[-3]: folder for folder in export(directory)}


def _version(folder: Path) -> str:
    tree = ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))
    [version] = [ast.literal_eval(node.value) for node in tree.body
                 if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "VERSION"]
    return version


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_identifier_is_registered_once_as_brainscore_finds_it(exported, framework):
    folder = exported[framework]
    init = (folder / "__init__.py").read_text(encoding="utf-8")
    registered = re.findall(r"^metric_registry\['(\w+)'\] = ", init, flags=re.MULTILINE)   # Brain-Score's text scan
    assert registered == list(load_registry().entries)
    assert f"from {framework} import metric_registry" in init
    assert "@article{schutt2024bayesian" in ast.literal_eval(init.split("BIBTEX = ", 1)[1])
    # Brain-Score's CI runs every test*.py in the folder (recursively): only ours may match
    assert [p.relative_to(folder).as_posix() for p in folder.rglob("test*.py")] == ["test.py"]


def test_metrics_a_framework_cannot_serve_refuse_there_as_in_the_package(exported):
    """The ceilings refuse in brainscore_language (no repetitions there), in the exported folder as in install."""
    namespace: dict = {}
    init = (exported["brainscore_language"] / "__init__.py").read_text(encoding="utf-8")
    exec(vendor.UNAVAILABLE, namespace)
    for entry in load_registry().entries.values():
        refused = "brainscore_language" in entry.unavailable_in
        assert (f"metric_registry['{entry.id}'] = partial(unavailable, " in init) == refused
        if refused:
            with pytest.raises(ValueError) as exported_error:
                namespace["unavailable"](entry.id, "brainscore_language", entry.unavailable_in["brainscore_language"])
            with pytest.raises(ValueError) as package_error:
                factory(entry.id, "brainscore_language")()
            assert str(exported_error.value) == str(package_error.value)
    assert "unavailable" not in (exported["brainscore_vision"] / "__init__.py").read_text(encoding="utf-8")


def test_version_is_ours_plus_a_content_hash_in_every_generated_file(exported):
    versions = {_version(folder) for folder in exported.values()}
    [version] = versions   # same code, same registrations: one version for both frameworks
    assert re.fullmatch(re.escape(bayesrep_plugin.__version__) + r"\+[0-9a-f]{12}", version)
    for folder in exported.values():
        for path in [folder / "__init__.py", *sorted((folder / vendor.VENDOR_DIR).rglob("*.py"))]:
            first = path.read_text(encoding="utf-8").splitlines()[0]
            assert first.startswith(f"# {vendor.GENERATED_MARK} (bayesrep-plugin {version}, commit "), path


def test_version_changes_with_the_vendored_code(tmp_path, monkeypatch, exported):
    original = vendor.relative_source
    monkeypatch.setattr(vendor, "relative_source", lambda module: original(module) + "\n# one more line\n")
    changed = vendor.write_plugin("brainscore_vision", tmp_path / PLUGIN_NAME)
    assert changed != _version(exported["brainscore_vision"])
    assert changed.split("+")[0] == bayesrep_plugin.__version__


def test_vendored_code_is_the_metric_closure_with_relative_imports_only(exported):
    vendored = exported["brainscore_vision"] / vendor.VENDOR_DIR
    files = {p.relative_to(vendored).as_posix() for p in vendored.rglob("*.py")}
    assert {"bayesrep_plugin/core/prior.py", "bayesrep_plugin/brainscore/metrics.py",
            "bayesrep_plugin/brainscore/encoding.py", "bayesrep_plugin/assemblies/bootstrap.py"} <= files
    # torch, the reports, the CLI, the registry loader and the install code are not needed
    assert not any(re.search(r"torch|reports/|cli|registry|install|vendor\.py|datasets/", f) for f in files)
    for path in vendored.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("bayesrep_plugin") for a in node.names), path
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                assert not node.module.startswith("bayesrep_plugin"), (path, node.lineno)
            elif isinstance(node, ast.ImportFrom):   # every relative import lands on a vendored file
                base = path.parent.joinpath(*[".."] * (node.level - 1), *(node.module or "").split("."))
                assert (base / "__init__.py").is_file() or base.with_suffix(".py").is_file(), (path, node.lineno)


def test_requirements_name_only_what_brainscore_core_does_not_bring(exported):
    core = {re.split(r"[<>=!~ ;\[]", r)[0].lower().replace("_", "-")
            for r in importlib.metadata.requires("brainscore-core")}
    ours = set(importlib.metadata.requires("bayesrep-plugin"))
    for folder in exported.values():
        lines = (folder / "requirements.txt").read_text(encoding="utf-8").splitlines()
        assert [re.split(r"[<>=]", line)[0] for line in lines] == ["scipy", "threadpoolctl"]
        assert set(lines) <= ours and not {"scipy", "threadpoolctl"} & core


def test_export_overwrites_its_own_folder_only(tmp_path, exported):
    written = export(tmp_path)
    assert written == [tmp_path / framework / "metrics" / PLUGIN_NAME for framework in FRAMEWORKS]
    assert sorted(p.name for p in written[0].iterdir()) == ["__init__.py", "_vendor", "requirements.txt", "test.py"]
    assert export(tmp_path) == written
    foreign = tmp_path / "elsewhere" / "brainscore_vision" / "metrics" / PLUGIN_NAME
    foreign.mkdir(parents=True)
    (foreign / "__init__.py").write_text("metric_registry['other'] = None\n")
    with pytest.raises(InstallError, match="is not an exported bayesrep-plugin folder"):
        export(tmp_path / "elsewhere")


def test_vendored_code_is_not_something_that_cannot_be_made_relative(tmp_path, monkeypatch):
    (tmp_path / "__init__.py").write_text("import bayesrep_plugin.core\n")
    monkeypatch.setattr(vendor, "PACKAGE_ROOT", tmp_path)
    with pytest.raises(vendor.VendorError, match="cannot be made relative"):
        vendor.vendored_modules(["bayesrep_plugin"])


# In a fresh interpreter where `import bayesrep_plugin` fails: load the exported folder as a package
# (brainscore_vision's real metric_registry) and score with every identifier through it.
_SCORE_WITHOUT_PACKAGE = r"""
import importlib.util, json, sys
import numpy as np
sys.modules["bayesrep_plugin"] = None   # any import of the package now raises ImportError
spec = importlib.util.spec_from_file_location("exported_bayesrep", sys.argv[1] + "/__init__.py",
                                              submodule_search_locations=[sys.argv[1]])
plugin = importlib.util.module_from_spec(spec); sys.modules[spec.name] = plugin; spec.loader.exec_module(plugin)
from brainscore_vision import metric_registry
from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
arrays = np.load(sys.argv[2])
def assembly(values, repetitions):
    n, d = values.shape[-2:]
    return NeuroidAssembly(values.reshape(-1, d), dims=["presentation", "neuroid"], coords={
        "stimulus_id": ("presentation", [f"im{i}" for i in range(n)] * repetitions),
        "repetition": ("presentation", np.repeat(np.arange(repetitions), n)),
        "neuroid_id": ("neuroid", [f"n{j}" for j in range(d)]), "region": ("neuroid", ["IT"] * d)})
model, neural = assembly(arrays["model"], 1), assembly(arrays["neural"], 3)
scores, modules = {}, set()
for identifier in json.loads(sys.argv[3]):
    metric = metric_registry[identifier](**json.loads(sys.argv[4]).get(identifier, {}))
    modules.add(type(metric).__module__)
    scores[identifier] = float(metric(neural) if identifier.endswith("_ceiling") else metric(model, neural))
package = sorted(m for m in sys.modules if m.split(".")[0] == "bayesrep_plugin" and sys.modules[m] is not None)
print(json.dumps({"scores": scores, "modules": sorted(modules), "package": package}))
"""


def blas_settings() -> dict[str, str]:
    """This process's BLAS settings (threads, and a forced OPENBLAS_CORETYPE where the machine sets one):
    another kernel or thread count rounds the last bit differently."""
    return {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS_", "OMP_", "MKL_"))}


def test_exported_folder_scores_exactly_like_the_package_without_it(exported, tmp_path):
    rng = np.random.default_rng(3)
    latent = rng.normal(size=(30, 4))
    model = latent @ rng.normal(size=(4, 16))
    neural = latent @ rng.normal(size=(4, 9)) + 0.5 * rng.normal(size=(3, 30, 9))
    np.savez(tmp_path / "arrays.npz", model=model, neural=neural)
    identifiers = list(load_registry().entries)
    overrides = {i: ({"n_replicates": 3} if i.endswith("_ceiling") else {"n_bootstrap": 3}) for i in identifiers}
    result = subprocess.run([sys.executable, "-c", _SCORE_WITHOUT_PACKAGE, str(exported["brainscore_vision"]),
                             str(tmp_path / "arrays.npz"), json.dumps(identifiers), json.dumps(overrides)],
                            capture_output=True, text=True, cwd=tmp_path, env={"BS_INSTALL_DEPENDENCIES": "no",
                                                                                "RESULTCACHING_DISABLE": "1",
                                                                                **blas_settings()})
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.splitlines()[-1])
    assert out["modules"] == ["exported_bayesrep._vendor.bayesrep_plugin.brainscore.encoding",
                              "exported_bayesrep._vendor.bayesrep_plugin.brainscore.metrics"]
    assert out["package"] == []

    def assembly(values, repetitions):
        n, d = values.shape[-2:]
        return NeuroidAssembly(values.reshape(-1, d), dims=["presentation", "neuroid"], coords={
            "stimulus_id": ("presentation", [f"im{i}" for i in range(n)] * repetitions),
            "repetition": ("presentation", np.repeat(np.arange(repetitions), n)),
            "neuroid_id": ("neuroid", [f"n{j}" for j in range(d)]), "region": ("neuroid", ["IT"] * d)})

    for identifier in identifiers:
        metric = factory(identifier)(**overrides[identifier])
        expected = float(metric(assembly(neural, 3)) if identifier.endswith("_ceiling")
                         else metric(assembly(model, 1), assembly(neural, 3)))
        assert out["scores"][identifier] == expected, identifier
