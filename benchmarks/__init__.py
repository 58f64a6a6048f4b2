"""Benchmarks of the engine, and the models they check."""
