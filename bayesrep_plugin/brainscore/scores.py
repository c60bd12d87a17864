"""Brain-Score ``Score`` objects, built the way Brain-Score's validators expect.

Conventions followed (brainscore_vision ``metric_helpers/bootstrap_error.py``,
``benchmark_helpers/validate_error.py``): a 0-d ``Score``; ``attrs['error']`` a float on the
score's own scale; ``attrs['error_over']`` the resampled units; ``attrs['n_bootstrap']``;
``attrs['raw']`` the disaggregated values (here the resampled scores over a ``bootstrap`` or
``replicate`` dimension). A ceiled score keeps the unceiled score in ``attrs['raw']`` and the
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
    """score / ceiling, clipped to [0, 1], with an interval for both uncertainties.

    Value: u = s/c clipped to [0, 1]; the unclipped u is kept in ``attrs['unclipped']``
    (brainscore_language clips and keeps it the same way; Brain-Score vision does not clip and has
    open issues about ceiled scores above 1, #1984 and #2272). A perfect model's u scatters
    around 1, so it is clipped about half the time; anything clearly below the ceiling is not.

    Uncertainty: the score's own interval [l, h] (or s ± 1.96·error) and the ceiling's ``error``
    σ_c, the SD of a perfect model's score over noise draws, combined in quadrature on the ratio
    (the delta method for s/c, treating the two as independent, which is conservative when they
    move together as they do for a near-perfect model):

        interval = [u − √(((s − l)/c)² + (1.96·u·σ_c/c)²),  u + √(((h − s)/c)² + (1.96·u·σ_c/c)²)]
        error    = u·√((error_s/s)² + (σ_c/c)²)

    The interval is on the unclipped scale (it may pass 1); ``attrs['raw']`` keeps the score and
    ``attrs['ceiling']`` the ceiling.
    """
    ceiling_value = float(ceiling)
    if not ceiling_value > 0:
        raise ValueError(f"cannot ceil a score with a ceiling of {ceiling_value}: a perfect model is expected to "
                         "score no better than unrelated representations on these data (noise swamps the signal)")
    point = float(score)
    unclipped = point / ceiling_value
    ceiled = Score(float(np.clip(unclipped, 0.0, 1.0)))
    ceiled.attrs["unclipped"] = unclipped
    for key in ("error_over", "n_bootstrap"):
        if key in score.attrs:
            ceiled.attrs[key] = score.attrs[key]
    ceiling_relative = float(ceiling.attrs.get("error", 0.0)) / ceiling_value
    score_error = float(score.attrs.get("error", 0.0))
    low, high = score.attrs.get("interval", (point - 1.96 * score_error, point + 1.96 * score_error))
    spread = 1.96 * unclipped * ceiling_relative
    ceiled.attrs["interval"] = [unclipped - float(np.hypot((point - low) / ceiling_value, spread)),
                                unclipped + float(np.hypot((high - point) / ceiling_value, spread))]
    ceiled.attrs["error"] = float(np.hypot(score_error / ceiling_value, unclipped * ceiling_relative))
    ceiled.attrs[Score.RAW_VALUES_KEY] = score
    ceiled.attrs["ceiling"] = ceiling
    return ceiled
