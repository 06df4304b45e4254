"""Benchmarks: run with ``make bench``; each ``bench_*.py`` module prints its figures."""
