"""Benchmarks and the corruption simulator; run each as ``python -m bench.NAME``."""
