"""The model: the scenario language, the mechanisms, the bargaining arithmetic and the engine.

``scenario`` reads and checks YAML into frozen specs; ``mechanisms`` are the parts of a war
(fighting, sanctions, talks, threats, ...) in one ordered registry; ``bargaining`` is the
arithmetic of offers and verdicts (numba kernels); ``engine`` steps one chunk of replicates
through time; ``history`` is the likelihood of a record of observations. Nothing here writes
files or knows about studies: it depends only on ``sim.io`` helpers and ``sim.errors``.
"""
