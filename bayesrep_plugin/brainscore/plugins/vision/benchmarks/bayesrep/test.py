"""Tests of the re-scored benchmarks as brainscore_vision finds them (run by Brain-Score's CI)."""

import pytest

from brainscore_vision import load_benchmark

IDENTIFIERS = ["Cowley2026.V4-bayes_js", "Cowley2026.V4-bayes_tv",
               "MajajHong2015.IT-bayes_js", "MajajHong2015.IT-bayes_tv"]


@pytest.mark.private_access
@pytest.mark.parametrize("identifier", IDENTIFIERS)
def test_identifier_version_and_ceiling(identifier):
    benchmark = load_benchmark(identifier)   # loads the source benchmark's recordings from S3
    source = load_benchmark(identifier.rsplit("-", 1)[0] + "-pls")
    assert benchmark.identifier == identifier and benchmark.version == source.version
    assert 0 < float(benchmark.ceiling) <= 1
