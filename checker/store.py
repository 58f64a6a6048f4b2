"""Where seen states live: a packed set of 64-bit fingerprints, or whole encodings under --exact."""

from __future__ import annotations

import sys
from array import array

from .native import optional

__all__ = ["seen_set", "seen_bytes", "claim", "merge"]


FpSet = optional("_store", "FpSet")  # checker/_store.c, or None
_merge = optional("_store", "merge")


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


def claim(seen, fps, most: int = -1) -> bytes:
    """Add the fingerprints fps (an array of signed 64-bit ints) to seen in order; 1 where one was new,
    0 where seen held it already or `most` were added before it (-1: no bound)."""
    if FpSet is not None and type(seen) is FpSet:
        return seen.claim(fps, most)
    mask = bytearray(len(fps))
    for i, fp in enumerate(fps):
        if most != 0 and fp not in seen:
            seen.add(fp)
            mask[i] = 1
            most -= most > 0
    return bytes(mask)


def merge(seen, fps: list, parents: list, maps: list, most: int, base: int) -> tuple:
    """Workers' candidates claimed in seen in the order of one process (checker/_store.c's merge, whose
    comment says what goes in and out; this is its definition)."""
    if _merge is not None and type(seen) is FpSet:
        return _merge(seen, fps, parents, maps, most, base)
    masks = [bytearray(len(f) // 8) for f in fps]
    fps = [array("q", bytes(f)) for f in fps]
    parents = [array("q", bytes(p)) for p in parents]
    maps = [array("q", bytes(m)) for m in maps]
    order = sorted((maps[w][p], w, i) for w in range(len(fps)) for i, p in enumerate(parents[w]))
    out_fps, out_parents = array("q"), array("i")
    places = [array("q") for _ in fps]
    for parent, w, i in order:
        fp = fps[w][i]
        if most != 0 and fp not in seen:
            seen.add(fp)
            most -= most > 0
            masks[w][i] = 1
            places[w].append(base + len(out_fps))
            out_fps.append(fp)
            out_parents.append(parent)
    return ([bytes(m) for m in masks], out_fps.tobytes(), out_parents.tobytes(), [p.tobytes() for p in places])
