"""Where seen states live: a packed set of 64-bit fingerprints, or whole encodings under --exact."""

from __future__ import annotations

import sys

from .native import optional

__all__ = ["seen_set", "seen_bytes"]


FpSet = optional("_store", "FpSet")  # checker/_store.c, or None


def seen_set(exact: bool):
    """An empty set of seen keys: packed fingerprints (8 bytes a slot) when built, else a Python set; a set
    of bytes under exact."""
    return set() if exact or FpSet is None else FpSet()


def seen_bytes(seen, sample: list) -> int:
    """The memory seen takes: its table, or for a Python set its table and its keys (estimated from sample)."""
    if FpSet is not None and type(seen) is FpSet:
        return seen.nbytes
    per_key = sum(-(-sys.getsizeof(k) // 16) * 16 for k in sample) / len(sample) if sample else 0
    return int(sys.getsizeof(seen) + per_key * len(seen))
