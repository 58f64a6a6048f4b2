"""Fingerprints at scale: millions of distinct values (Python's hash merges many of them), no collision allowed.

Run: python benchmarks/fingerprints.py [--python]

Each family of values is built so that its members are pairwise distinct (as Concord identifies
values: 1, True and 1.0 differ; a record differs from the tuple of its fields). The script counts
distinct fingerprints and distinct Python hashes per family and times the fingerprint per value.
--python also times the pure-Python definition on a sample.
"""

from __future__ import annotations

import enum
import os
import sys
import time
from itertools import combinations, islice, product

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from checker import Bag, FrozenMap, record  # noqa: E402
from checker.fingerprint import fingerprint, fingerprint_py, native  # noqa: E402


class Suit(enum.Enum):
    HEARTS = 1
    SPADES = 2


class Rank(enum.Enum):
    HEARTS = 1
    SPADES = 2


Ping = record("Ping", "n")
Pong = record("Pong", "n")
Msg = record("Msg", "type src dst bal")

# Scalars no two of which are the same value (1, True, 1.0 and "1" all differ).
SCALARS = [None, True, False, *range(-20, 21), *(x + 0.5 for x in range(-10, 10)), 1.0, 2.0**60, float("inf"),
           -float("inf"), "", "a", "b", "A", "1", b"", b"a", b"1", 2**61 - 1, 2**61, 2**63, 2**64 - 1, -(2**64),
           Suit.HEARTS, Suit.SPADES, Rank.HEARTS, Rank.SPADES, (), frozenset(), Ping(1), Pong(1), (1,)]
# Elements safe to put together in one set (no two equal in Python either).
UNIVERSE = [None, "a", "b", b"a", -1, -2, 0.5, 2**64, Ping(1), Pong(1), (1,), Suit.HEARTS, Rank.HEARTS, frozenset(), (), "s1"]


def families():
    yield "ints -1,000,000..1,000,000", range(-1_000_000, 1_000_001)
    yield "ints around 2^61, 2^63, 2^64", [b + d for b in (2**61, 2**63, 2**64, -(2**61), -(2**63)) for d in range(-100_000, 100_000)]
    yield "pairs of scalars", list(product(SCALARS, repeat=2))
    yield "triples of small ints -20..20", list(product(range(-20, 21), repeat=3))
    yield "every set over 16 mixed elements", [frozenset(c) for k in range(17) for c in combinations(UNIVERSE, k)]
    keys = ("a1", "a2", "a3")
    yield "maps a1..a3 -> scalars", [FrozenMap.of(dict(zip(keys, vs))) for vs in islice(product(SCALARS, repeat=3), 400_000)]
    yield "bags of 4 from 12 items", [Bag(c) for c in _multisets(UNIVERSE[:12], 4)]
    yield "messages", [Msg(t, s, d, b) for t in ("1a", "1b", "2a", "2b", b"2b") for s in ("a1", "a2", "a3", 1, 2, 3)
                      for d in ("a1", "a2", "a3", None, True) for b in range(-50, 500)]


def _multisets(items, k):
    if k == 0:
        yield ()
        return
    for i, x in enumerate(items):
        for rest in _multisets(items[i:], k - 1):
            yield (x, *rest)


def main(argv: list[str]) -> int:
    print(f"fingerprint: {'compiled (checker/_fingerprint.c)' if native else 'pure Python'}")
    print(f"{'family':<36} {'values':>10} {'fingerprints':>13} {'py hashes':>10} {'ns/value':>9}")
    total = collisions = merged = 0
    for name, vals in families():
        vals = list(vals)
        t0 = time.perf_counter()
        fps = [fingerprint(v) for v in vals]
        ns = (time.perf_counter() - t0) / len(vals) * 1e9
        distinct = len(set(fps))
        hashes = len({hash(v) for v in vals})
        total += len(vals)
        collisions += len(vals) - distinct
        merged += len(vals) - hashes
        print(f"{name:<36} {len(vals):>10,} {distinct:>13,} {hashes:>10,} {ns:>9.0f}", flush=True)
    print(f"{total:,} distinct values, {collisions} fingerprint collisions ({merged:,} values share a Python hash with another)")
    if "--python" in argv:
        sample = [v for _, vals in families() for v in list(vals)[:2000]]
        t0 = time.perf_counter()
        for v in sample:
            fingerprint_py(v)
        print(f"pure-Python definition: {(time.perf_counter() - t0) / len(sample) * 1e9:,.0f} ns/value on {len(sample):,} values")
    return 1 if collisions else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
