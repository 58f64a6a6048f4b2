"""Where seen states live: a packed set of 64-bit fingerprints, or whole encodings under --exact."""

from __future__ import annotations

import math
import sys
from array import array

from .native import optional

__all__ = ["seen_set", "mapped", "seen_bytes", "claim", "merge", "BitState", "omission"]


FpSet = optional("_store", "FpSet")  # checker/_store.c, or None
_merge = optional("_store", "merge")
_BitState = optional("_store", "BitState")


def seen_set(exact: bool, bitstate: int | None = None):
    """An empty set of seen keys: packed fingerprints (8 bytes a slot) when built, else a Python set; a set
    of bytes under exact; under bitstate, a BitState of 2^bitstate bits."""
    if bitstate:
        return (_BitState or BitState)(bitstate)
    return set() if exact or FpSet is None else FpSet()


def mapped(seen, keys, directory: str):
    """seen (holding keys, an array of its fingerprints), its table now in a mapped file in directory
    (checker/_store.c's FpSet(directory)); seen itself where that cannot be (a set, a BitState)."""
    if FpSet is None or type(seen) is not FpSet:
        return seen
    table = FpSet(directory)
    claim(table, keys)
    return table


def seen_bytes(seen, sample: list) -> int:
    """The memory seen takes: its table, or for a Python set its table and its keys (estimated from sample)."""
    if hasattr(seen, "nbytes"):  # FpSet or BitState
        return seen.nbytes
    per_key = sum(-(-sys.getsizeof(k) // 16) * 16 for k in sample) / len(sample) if sample else 0
    return int(sys.getsizeof(seen) + per_key * len(seen))


def claim(seen, fps, most: int = -1) -> bytes:
    """Add the fingerprints fps (an array of signed 64-bit ints) to seen in order; 1 where one was new,
    0 where seen held it already or `most` were added before it (-1: no bound)."""
    if hasattr(seen, "claim"):  # FpSet or BitState
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
    if _merge is not None and (type(seen) is FpSet or type(seen) is _BitState):
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


MASK = (1 << 64) - 1


def _mix(x: int) -> int:
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


class BitState:
    """SPIN's bitstate hashing (supertrace): checker/_store.c's BitState, whose comment says how a state
    becomes k bits of a table of 2^b bits; this is its definition (tests/test_store.py holds them equal)."""

    def __init__(self, b: int, k: int = 3):
        if not (6 <= b <= 40 and 1 <= k <= 16):
            raise ValueError("BitState(b, k): 2^b bits with 6 <= b <= 40, 1 <= k <= 16 bits a state")
        self.b, self.k = b, k
        self.table = bytearray(1 << (b - 3))
        self.len = 0

    def _bits(self, fp: int) -> list:
        w = fp & MASK
        h1, h2 = _mix(w), _mix(w ^ 0x9E3779B97F4A7C15) | 1
        return [(h1 + i * h2) & ((1 << self.b) - 1) for i in range(self.k)]

    def __contains__(self, fp: int) -> bool:
        return all(self.table[bit >> 3] >> (bit & 7) & 1 for bit in self._bits(fp))

    def add(self, fp: int) -> None:
        fresh = False
        for bit in self._bits(fp):
            if not self.table[bit >> 3] >> (bit & 7) & 1:
                fresh = True
                self.table[bit >> 3] |= 1 << (bit & 7)
        self.len += fresh

    def __len__(self) -> int:
        return self.len

    @property
    def nbytes(self) -> int:
        return len(self.table)

    @property
    def filled(self) -> int:
        return sum(bin(byte).count("1") for byte in self.table)


def omission(seen) -> tuple[float, float, float]:
    """A bitstate table's (fraction of bits set, probability that a new state is now taken for one seen,
    expected number of states missed so far). The last two assume the bits are drawn uniformly: with m bits
    and k a state, after i states a fraction of about 1 - exp(-k i / m) is set, so the i-th new state is
    missed with probability about that to the k; summed over the states stored (Holzmann's estimate)."""
    m, k, n = 1 << seen.b, seen.k, len(seen)
    fill = seen.filled / m
    steps = 1000
    width = n / steps if n else 0
    missed = sum((1 - math.exp(-k * (j + 0.5) * width / m)) ** k for j in range(steps)) * width
    return fill, fill ** k, missed
