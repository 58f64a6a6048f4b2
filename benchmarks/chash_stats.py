"""Consistent hashing's statistics: load balance and the fraction of keys moved per join, over 10,000 keys,
with 1 and 100 virtual nodes, jump hash and mod-n beside them (the table in docs/consistent-hashing.md).

Run: python benchmarks/chash_stats.py
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from models.chash import measure  # noqa: E402

SETTINGS = (("ring", 1, None), ("ring", 100, None), ("jump", 1, None), ("ring", 1, "mod-n"))


def statistics(sizes=(4, 9), keys: int = 10_000) -> str:
    """A Markdown table of measure() for each cluster size and each placement in SETTINGS."""
    rows = ["| n -> n+1 | placement | vnodes | load balance (max/mean) | moved fraction | 1/(n+1) |",
            "|---|---|---:|---:|---:|---:|"]
    for n in sizes:
        for placement, vnodes, variant in SETTINGS:
            balance, moved = measure(n, vnodes, keys, placement, variant)
            points = "-" if variant or placement != "ring" else vnodes
            rows.append(f"| {n} -> {n + 1} | {variant or placement} | {points} | {balance:.3f} | {moved:.4f} "
                        f"| {1 / (n + 1):.4f} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(statistics())
