"""Brain-Score benchmarks re-scored with the Bayesian readout metrics (bayesrep-plugin).

Rendered from bayesrep_plugin/brainscore/registry.yaml by
`python -m bayesrep_plugin.brainscore.registry`; do not edit by hand. Brain-Score finds each
benchmark by a text scan for its literal benchmark_registry line below. Each one is
bayesrep_plugin.brainscore.benchmarks.rescore(load_benchmark(source), metric); the source
benchmark's data load (from S3) when the benchmark is loaded, as Brain-Score's own do.

Cowley2026.V4-bayes_js: Cowley2026.V4-pls re-scored with bayes_js
Cowley2026.V4-bayes_tv: Cowley2026.V4-pls re-scored with bayes_tv
MajajHong2015.IT-bayes_js: MajajHong2015.IT-pls re-scored with bayes_js
MajajHong2015.IT-bayes_tv: MajajHong2015.IT-pls re-scored with bayes_tv
MajajHong2015.V4-bayes_js: MajajHong2015.V4-pls re-scored with bayes_js
MajajHong2015.V4-bayes_tv: MajajHong2015.V4-pls re-scored with bayes_tv
"""

from brainscore_vision import benchmark_registry

from bayesrep_plugin.brainscore.benchmarks import benchmark_factory

benchmark_registry['Cowley2026.V4-bayes_js'] = benchmark_factory('Cowley2026.V4-bayes_js')
benchmark_registry['Cowley2026.V4-bayes_tv'] = benchmark_factory('Cowley2026.V4-bayes_tv')
benchmark_registry['MajajHong2015.IT-bayes_js'] = benchmark_factory('MajajHong2015.IT-bayes_js')
benchmark_registry['MajajHong2015.IT-bayes_tv'] = benchmark_factory('MajajHong2015.IT-bayes_tv')
benchmark_registry['MajajHong2015.V4-bayes_js'] = benchmark_factory('MajajHong2015.V4-bayes_js')
benchmark_registry['MajajHong2015.V4-bayes_tv'] = benchmark_factory('MajajHong2015.V4-bayes_tv')

BIBTEX = r"""@article{schutt2024bayesian,
  title={Bayesian comparisons between representations},
  author={Sch{\"u}tt, Heiko H.},
  journal={arXiv preprint arXiv:2411.08739},
  year={2024},
  url={https://arxiv.org/abs/2411.08739}
}"""
