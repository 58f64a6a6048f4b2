"""Raft's bugs that lie beyond the test suite's time: each variant searched at its scope (BFS, or random
simulation with a fixed seed), with the time and the trace length found (the tests replay the pinned
traces; this re-derives them).

Run: python benchmarks/raft_bugs.py [NAME ...]
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from checker import check  # noqa: E402
from models.raft import Raft  # noqa: E402

# name -> (variant, scope, property, check options)
CASES = {
    "no-log-check": ("no-log-check", dict(servers=3, max_term=3, max_log_len=1, max_messages=1), "LeaderCompleteness",
                     {"symmetry": True}),
    "figure8": ("figure8", dict(servers=3, max_term=5, max_log_len=1, max_messages=1), "LeaderCompleteness",
                {"strategy": "simulate", "seed": 0, "time_limit": 600}),
    "truncate-on-stale": ("truncate-on-stale", dict(servers=3, max_term=3, max_log_len=1, max_messages=2),
                          "LeaderCompleteness", {"strategy": "simulate", "seed": 0, "max_depth": 40, "workers": 2,
                                                 "time_limit": 900}),
}


def main(names: list[str]) -> None:
    unknown = [n for n in names if n not in CASES]
    if unknown:
        sys.exit(f"unknown case {', '.join(unknown)}; cases: {', '.join(CASES)}")
    print(f"{'variant':<16} {'property':<20} {'verdict':<10} {'distinct':>10} {'seconds':>8} {'trace':>6}")
    for name in names or CASES:
        variant, scope, prop, options = CASES[name]
        started = time.perf_counter()
        r = check(Raft.variants[variant](**scope), properties=[prop], **options)
        v = r.violation(prop)
        print(f"{name:<16} {prop:<20} {r.verdict:<10} {r.stats.distinct:>10,} {time.perf_counter() - started:>8.1f} "
              f"{v.length if v else '-':>6}", flush=True)
        for step in v.trace[1:] if v else ():
            print(f"    {step.label}")


if __name__ == "__main__":
    main(sys.argv[1:])
