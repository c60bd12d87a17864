"""Comparisons and leaderboards as files: tables (CSV, Markdown, JSON), figures (PNG, SVG) and a
self-contained HTML page, computed resumably from input files.

- :mod:`.inputs`: files (.nc, .npz, .npy) → responses, or RDMs / kernels, by stimulus id; :class:`InputError`
- :mod:`.settings`: which measures, b, method, resampling, how responses become kernels
- :mod:`.pairs`: every pair under every measure, with resamples, cached pair by pair
- :mod:`.leaderboard`: comparisons and leaderboards (models and brains' split halves), written out
- :mod:`.figures`, :mod:`.tables`: the pictures and the tables
- :mod:`.folder`: one writer per report folder, and only the last report's files in it

Every file is written atomically (:mod:`bayesrep_plugin._io`). The case studies built on this engine
(the V4 report, the 92-image board, the demo) are in :mod:`bayesrep_plugin.studies`.
"""
