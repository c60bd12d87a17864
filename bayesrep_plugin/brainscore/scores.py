"""Brain-Score ``Score`` objects, built the way Brain-Score's validators expect.

Conventions followed (brainscore_vision ``metric_helpers/bootstrap_error.py``,
``benchmark_helpers/validate_error.py``): a 0-d ``Score``; ``attrs['error']`` a float on the
score's own scale; ``attrs['error_over']`` the resampled units; ``attrs['n_bootstrap']``;
``attrs['raw']`` the disaggregated values (here the resampled scores over a ``bootstrap`` or
``split`` dimension). A ceiled score keeps the unceiled score in ``attrs['raw']`` and the
ceiling in ``attrs['ceiling']``.
"""

from __future__ import annotations

import numpy as np
from brainscore_core.metrics import Score


def resampled_score(point: float, values: np.ndarray, *, dim: str, over: list[str], **attrs) -> Score:
    """A score with its resampled values: error = their SD (ddof=1), raw = them over ``dim``."""
    values = np.asarray(values, dtype=np.float64)
    score = Score(float(point))
    score.attrs["error"] = float(np.std(values, ddof=1))
    score.attrs["error_over"] = list(over)
    score.attrs["n_bootstrap"] = int(values.size)
    score.attrs[Score.RAW_VALUES_KEY] = Score(values, coords={dim: np.arange(values.size)}, dims=[dim])
    score.attrs.update(attrs)
    return score


def ceil_score(score: Score, ceiling: Score) -> Score:
    """raw / ceiling clipped to [0, 1]; the unclipped ratio is kept in ``attrs['unclipped']``.

    Brain-Score vision does not clip and has open issues about ceiled scores above 1 (#1984,
    #2272); brainscore_language clips and keeps the unclipped value, which we follow. The error
    is scaled by 1/ceiling so that it stays on the ceiled score's scale.
    """
    ceiling_value = float(ceiling)
    if not ceiling_value > 0:
        raise ValueError(f"cannot ceil a score with a ceiling of {ceiling_value}; the split halves of the "
                         "neural data are no more similar than unrelated representations")
    unclipped = float(score) / ceiling_value
    ceiled = Score(float(np.clip(unclipped, 0.0, 1.0)))
    ceiled.attrs["unclipped"] = unclipped
    for key in ("error_over", "n_bootstrap"):
        if key in score.attrs:
            ceiled.attrs[key] = score.attrs[key]
    if "error" in score.attrs:
        ceiled.attrs["error"] = float(score.attrs["error"]) / ceiling_value
    ceiled.attrs[Score.RAW_VALUES_KEY] = score
    ceiled.attrs["ceiling"] = ceiling
    return ceiled
