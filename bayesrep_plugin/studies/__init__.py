"""The case studies: complete reports on named data sets, built from the general engine
(:mod:`bayesrep_plugin.reports`), the real data (:mod:`bayesrep_plugin.datasets`) and the models run
on it (:mod:`bayesrep_plugin.models`). Nothing else in the package imports them but the command line.

- :mod:`.v4`: the real V4 report of ``bayesrep v4``: models of V4 against the Cowley et al. 2026
  session, beside Brain-Score's own scores
- :mod:`.it92`: the 92-image board of ``bayesrep it92``: models beside monkey IT and human IT
  (Kriegeskorte et al. 2008)
- :mod:`.demo`: ``bayesrep demo`` (``make demo``): the V4 report as its headline, then the shipped
  networks against a SIMULATED brain
"""
