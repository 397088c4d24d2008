"""Helpers shared by the tests (and the benchmarks): servers, mail builders, paths.

Test modules import from here and never from one another.
"""
