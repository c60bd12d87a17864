"""Brain-Score integration: metrics, ceilings, the encoding score, registry.yaml, plugin folders.

Needs brainscore-core (and brainscore-vision for the benchmark helpers); the rest of
bayesrep_plugin does not import this package.
"""
