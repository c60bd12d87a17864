import os
import tempfile

import pytest

# Brain-Score shells out to pip on every load_* unless told not to; tests never install anything.
os.environ["BS_INSTALL_DEPENDENCIES"] = "no"
os.environ["RESULTCACHING_DISABLE"] = "1"  # never serve or write Brain-Score's on-disk result cache

# The real recordings and models live beside the project, never in it (../shared/data/README.md).
SHARED_DATA = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
os.environ.setdefault("BAYESREP_DATA", SHARED_DATA)
# Files derived from the data (extracted images, activations) go to a fresh folder per test run:
# no test may pass because of what an earlier run left behind.
os.environ["BAYESREP_CACHE"] = tempfile.mkdtemp(prefix="bayesrep-test-cache-")

# Property tests draw the same examples on every run, so CI is reproducible. (The language
# environment runs its one test file without hypothesis installed.)
try:
    from hypothesis import settings
except ImportError:
    pass
else:
    settings.register_profile("reproducible", derandomize=True)
    settings.load_profile("reproducible")


# Fixtures with the real Brain-Score packages: our plugin installed into brainscore_vision.

def installed_plugin(framework: str):
    """Our folder in the installed ``framework``'s metrics/ (and, for vision, benchmarks/), removed
    again if it was not there; yields the metrics folder."""
    from bayesrep_plugin.brainscore.install import install, metrics_dir, uninstall
    from bayesrep_plugin.brainscore.registry import PLUGIN_NAME

    was_installed = (metrics_dir(framework) / PLUGIN_NAME).exists()
    metrics_folder, *_ = install([framework])
    yield metrics_folder
    if not was_installed:
        uninstall([framework])


@pytest.fixture(scope="session")
def vision_plugin():
    yield from installed_plugin("brainscore_vision")


@pytest.fixture(scope="module")
def language_plugin():
    yield from installed_plugin("brainscore_language")
