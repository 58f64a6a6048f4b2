"""Real consistent-hashing libraries measured: the fraction of 10,000 keys that move when the (n+1)-th node
joins n, and load balance (the busiest node over the mean) after it, for uhashring (ketama) and
jump-consistent-hash, beside 1/(n+1). Their properties are tested in tests/test_hashing_libraries.py.

Run: python benchmarks/hashing_libraries.py   (needs: pip install uhashring jump-consistent-hash)
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jump  # noqa: E402
from uhashring import HashRing  # noqa: E402

from checker import FrozenMap  # noqa: E402
from specs import placement  # noqa: E402

KEYS = [f"key-{i}" for i in range(10_000)]


def ketama(nodes: list[str]) -> placement.Placement:
    ring = HashRing(nodes=nodes)
    return placement.Placement(frozenset(nodes), 1, FrozenMap.of({k: (ring.get_node(k),) for k in KEYS}))


def jump_hash(nodes: list[str]) -> placement.Placement:
    spots = {k: (nodes[jump.hash(int.from_bytes(k.encode(), "big") % 2**63, len(nodes))],) for k in KEYS}
    return placement.Placement(frozenset(nodes), 1, FrozenMap.of(spots))


def main() -> None:
    print("| library | n -> n+1 | load balance (max/mean) | moved fraction | 1/(n+1) |")
    print("|---|---|---:|---:|---:|")
    for name, place in (("uhashring 2.5 (ketama, 160 points)", ketama), ("jump-consistent-hash 3.6", jump_hash)):
        for n in (4, 9):
            nodes = [f"n{i}" for i in range(1, n + 2)]
            before, after = place(nodes[:n]), place(nodes)
            print(f"| {name} | {n} -> {n + 1} | {placement.load_balance(after):.3f} | "
                  f"{placement.moved_fraction(before, after):.4f} | {1 / (n + 1):.4f} |")


if __name__ == "__main__":
    main()
