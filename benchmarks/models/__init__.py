"""Benchmark models: TLA+ Examples specs translated to Concord, pinned to TLC's state counts."""
