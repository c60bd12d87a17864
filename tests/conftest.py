import atexit
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# One BLAS / OpenMP thread in the tests and in the processes they start, set before numpy or torch
# is first imported (both read these once, when they load). The tests' problems are small: on two
# shared cores more threads only wait on each other (a torch step took 7× longer with two).
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

# Brain-Score shells out to pip on every load_* unless told not to; tests never install anything.
os.environ["BS_INSTALL_DEPENDENCIES"] = "no"
os.environ["RESULTCACHING_DISABLE"] = "1"  # never serve or write Brain-Score's on-disk result cache

# The real recordings and models live beside the project, never in it (../shared/data/README.md).
SHARED_DATA = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
os.environ.setdefault("BAYESREP_DATA", SHARED_DATA)
# Files derived from the data (extracted images, activations) go to a fresh folder per test run:
# no test may pass because of what an earlier run left behind.
# The user's own cache (where benchmarks/replicate.py left its model assemblies) stays readable to the
# tests that recompute a documented number from it: BAYESREP_USER_CACHE.
os.environ.setdefault("BAYESREP_USER_CACHE", os.environ.get("BAYESREP_CACHE") or str(Path.home() / ".cache" / "bayesrep"))
os.environ["BAYESREP_CACHE"] = tempfile.mkdtemp(prefix="bayesrep-test-cache-")
atexit.register(shutil.rmtree, os.environ["BAYESREP_CACHE"], ignore_errors=True)

# Property tests (hypothesis): by default the same 12 examples per test on every run, so that a
# failure is reproducible; `make test` then runs them once more under "randomized", on 200 new
# examples each (pytest -m hypothesis --hypothesis-profile=randomized). A randomized failure prints
# the blob for @reproduce_failure(...), and .hypothesis/ keeps the example, replayed first by the
# next randomized run. (The language environment runs its one test file without hypothesis.)
try:
    from hypothesis import HealthCheck, settings
except ImportError:
    pass
else:
    settings.register_profile("reproducible", max_examples=12, derandomize=True, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("randomized", max_examples=200, derandomize=False, deadline=None, print_blob=True,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("reproducible")


# Brain-Score finds a plugin only in <package>/metrics/ (benchmarks/, ...) next to the package's own
# __init__.py: brainscore_core.plugin_management.import_plugin scans Path(package.__file__).parent.
# So that no test writes into the installed packages (where a developer's environment and concurrent
# test runs would share them), each installed framework gets a stand-in for this session: a folder of
# symbolic links to the real package's files, in which metrics/ and benchmarks/ are real folders (of
# links) that our plugin folders can be installed into. The stand-ins come first on sys.path and, for
# the processes tests start, on PYTHONPATH; everything but our folders is Brain-Score's own.
FRAMEWORKS = ("brainscore_vision", "brainscore_language")
PLUGIN_PARENTS = ("metrics", "benchmarks")
STAND_INS = Path(tempfile.mkdtemp(prefix="bayesrep-test-site-"))
atexit.register(shutil.rmtree, STAND_INS, ignore_errors=True)


def installed_package(framework: str) -> Path | None:
    """The folder of the installed ``framework`` (found before the stand-ins are on sys.path)."""
    spec = importlib.util.find_spec(framework)
    return None if spec is None else Path(spec.origin).parent


def link_stand_in(package: Path, stand_in: Path) -> None:
    """``stand_in`` as ``package``: links to its entries, with metrics/ and benchmarks/ real folders
    (of links to their entries, leaving out any installed folder of ours: each test run installs its own)."""
    from bayesrep_plugin.brainscore.registry import PLUGIN_NAME

    stand_in.mkdir()
    for entry in package.iterdir():
        if entry.name in PLUGIN_PARENTS and entry.is_dir():
            (stand_in / entry.name).mkdir()
            for plugin in entry.iterdir():
                if plugin.name not in (PLUGIN_NAME, "__pycache__"):
                    (stand_in / entry.name / plugin.name).symlink_to(plugin)
        elif entry.name != "__pycache__":
            (stand_in / entry.name).symlink_to(entry)


REAL_PACKAGES = {name: package for name in FRAMEWORKS if (package := installed_package(name)) is not None}
for _name, _package in REAL_PACKAGES.items():
    link_stand_in(_package, STAND_INS / _name)
sys.path.insert(0, str(STAND_INS))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(STAND_INS), os.environ.get("PYTHONPATH")]))


def plugin_folders_of_installed_packages() -> dict[Path, set[str]]:
    """Every plugin folder name in the installed packages' metrics/ and benchmarks/."""
    return {folder: {p.name for p in folder.iterdir() if p.name != "__pycache__"}
            for package in REAL_PACKAGES.values() for folder in (package / name for name in PLUGIN_PARENTS)
            if folder.is_dir()}


@pytest.fixture(scope="session", autouse=True)
def installed_packages_unchanged():
    """The session fails if it added or removed a plugin folder in the installed Brain-Score packages."""
    before = plugin_folders_of_installed_packages()
    yield
    after = plugin_folders_of_installed_packages()
    changed = {str(folder): sorted(names ^ after[folder]) for folder, names in before.items() if names != after[folder]}
    assert not changed, f"the tests added or removed these folders in the installed Brain-Score packages: {changed}"


def installed_plugin(framework: str) -> Path:
    """Our folder in this session's stand-in ``framework``'s metrics/ (and, for vision, benchmarks/);
    returns the metrics folder."""
    from bayesrep_plugin.brainscore.install import install

    metrics_folder, *_ = install([framework])
    assert metrics_folder.is_relative_to(STAND_INS), metrics_folder
    return metrics_folder


@pytest.fixture(scope="session")
def vision_plugin() -> Path:
    return installed_plugin("brainscore_vision")


@pytest.fixture(scope="session")
def language_plugin() -> Path:
    return installed_plugin("brainscore_language")


@pytest.fixture(autouse=True)
def working_directory_of_its_own(tmp_path_factory, monkeypatch):
    """Each test runs in an empty folder of its own, so that a command's default output folder
    (``bayesrep-compare/``, ``bayesrep-leaderboard/``, even just their lock files) lands in a temp
    folder, never in the repository the tests were started from."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(scope="session", autouse=True)
def repository_left_clean():
    """The session fails if a test left a command's default output folder in the repository's root."""
    root = Path(__file__).resolve().parents[1]
    defaults = ("bayesrep-compare", "bayesrep-leaderboard", "bayesrep-v4", "bayesrep-demo", "it92")
    before = {name for name in defaults if (root / name).exists()}
    yield
    left = sorted(name for name in defaults if (root / name).exists() and name not in before)
    assert not left, f"tests wrote {left} into the repository ({root}); tests write only into their temp folders"
