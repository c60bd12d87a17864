"""Benchmark plugin folders shipped for brainscore_vision (copied into the framework by install.py; not imported from here)."""
