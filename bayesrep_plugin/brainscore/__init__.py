"""Brain-Score integration: metrics, ceilings, the encoding score, registry.yaml, plugin folders.

Needs brainscore-core (and brainscore-vision for the benchmark helpers). The rest of
bayesrep_plugin imports from it only :func:`.vendor.code_version` (the cached pairs of the reports
are keyed by it), which reads our own source and registry.yaml and needs no Brain-Score package.
"""
