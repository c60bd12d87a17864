"""Bayesian readout metrics (bayesrep-plugin) for brainscore_vision.

Rendered from bayesrep_plugin/brainscore/registry.yaml by
`python -m bayesrep_plugin.brainscore.registry`; do not edit by hand. Brain-Score finds each
metric by a text scan for its literal metric_registry line below.

bayes_tv: 1 − total variation distance between the Bayesian linear readouts' prior predictives, bootstrapped over stimuli
bayes_js: 1 − Jensen–Shannon distance (sqrt of the divergence in bits) between the readouts' prior predictives, bootstrapped over stimuli
bayes_hellinger: 1 − Hellinger distance between the readouts' prior predictives (closed form), bootstrapped over stimuli
bayes_tv_ceiling: noise ceiling under bayes_tv, the expected score of a perfect model on neural data with repetitions (parametric bootstrap from the data's own noise)
bayes_js_ceiling: noise ceiling under bayes_js, the expected score of a perfect model on neural data with repetitions (parametric bootstrap from the data's own noise)
bayes_hellinger_ceiling: noise ceiling under bayes_hellinger, the expected score of a perfect model on neural data with repetitions (parametric bootstrap from the data's own noise)
bayes_encoding: log Bayes factor per stimulus of each neuroid's responses under the model's readout prior vs an isotropic one, mean over neuroids
"""

from brainscore_vision import metric_registry

from bayesrep_plugin.brainscore.registry import factory

metric_registry['bayes_tv'] = factory('bayes_tv', 'brainscore_vision')
metric_registry['bayes_js'] = factory('bayes_js', 'brainscore_vision')
metric_registry['bayes_hellinger'] = factory('bayes_hellinger', 'brainscore_vision')
metric_registry['bayes_tv_ceiling'] = factory('bayes_tv_ceiling', 'brainscore_vision')
metric_registry['bayes_js_ceiling'] = factory('bayes_js_ceiling', 'brainscore_vision')
metric_registry['bayes_hellinger_ceiling'] = factory('bayes_hellinger_ceiling', 'brainscore_vision')
metric_registry['bayes_encoding'] = factory('bayes_encoding', 'brainscore_vision')

BIBTEX = r"""@article{schutt2024bayesian,
  title={Bayesian comparisons between representations},
  author={Sch{\"u}tt, Heiko H.},
  journal={arXiv preprint arXiv:2411.08739},
  year={2024},
  url={https://arxiv.org/abs/2411.08739}
}"""
