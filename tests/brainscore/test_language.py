"""brainscore_language finds our metrics too (runs in .venv-language: scripts/language-env.sh).

brainscore-language 2.3.0 needs scikit-learn>=1.6 and brainscore-vision 2.4.2 needs <1.6, so the
two cannot share an environment; in the main environment this module is skipped.
"""

import subprocess
import sys

import pytest

pytest.importorskip("brainscore_language")

from bayesrep_plugin.brainscore.registry import load_registry  # noqa: E402
from bayesrep_plugin.brainscore.simulate import linear_views, neuroid_assembly  # noqa: E402
from bayesrep_plugin.core import compare  # noqa: E402


def test_load_metric_finds_every_identifier(language_plugin):
    from brainscore_language import load_metric

    for identifier, entry in load_registry().entries.items():
        if "brainscore_language" in entry.unavailable_in:   # the noise ceilings: language data have no repetitions
            with pytest.raises(ValueError, match=f"{identifier} is not available in brainscore_language"):
                load_metric(identifier)
        else:
            assert type(load_metric(identifier)) is entry.load_class()


def test_score_through_brainscore_language(language_plugin):
    from brainscore_language import load_metric

    model, signal = linear_views(n=80, dims=(30, 20), seed=5)
    score = load_metric("bayes_js", n_bootstrap=5)(neuroid_assembly(model, region="language_system"),
                                                   neuroid_assembly(signal, region="language_system"))
    expected = compare(model, signal, "js", center="features")   # the metric's default since version 2
    assert float(score) == pytest.approx(1 - float(expected), abs=1e-10)
    with pytest.raises(ValueError, match="its data have one response per stimulus.*benchmark's own ceiling"):
        load_metric("bayes_js_ceiling")


def test_the_plugin_folders_own_test_passes(language_plugin):
    """What Brain-Score's CI runs: the test.py inside the installed folder."""
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             str(language_plugin / "test.py")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
