"""Fixtures with the real Brain-Score packages: our plugin installed into brainscore_vision."""

import os

import pytest

os.environ["BS_INSTALL_DEPENDENCIES"] = "no"   # never pip-install from inside a test
os.environ["RESULTCACHING_DISABLE"] = "1"      # never serve or write Brain-Score's on-disk result cache


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
