"""Where seen states live: a packed set of 64-bit fingerprints, or whole encodings under --exact."""

from __future__ import annotations

import os
import sys

__all__ = ["seen_set", "seen_bytes"]


def _native():
    """checker/_store.c's FpSet, or None when it was not built (or CONCORD_PURE_PYTHON is set)."""
    if os.environ.get("CONCORD_PURE_PYTHON"):
        return None
    try:
        from ._store import FpSet
    except ImportError:
        return None
    return FpSet


FpSet = _native()


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
