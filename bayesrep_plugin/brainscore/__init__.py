"""Brain-Score integration: metrics, ceilings, the encoding score, registry.yaml, plugin folders.

Needs brainscore-core (and brainscore-vision for the benchmark helpers). The rest of
bayesrep_plugin imports from it only inside the functions that score with Brain-Score (the CLI's
``score``, the real-recording report).
"""
