"""Benchmarks: each bundled model at a benchmark scope, in its own process (states/s, bytes/state).

Run: python benchmarks/run.py [NAME ...]

B/state is what the search keeps per stored state (fingerprint set and parent links); B/state all is
the growth of the peak resident memory per distinct state (the BFS frontier and caches included).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name -> (model, constants, check options)
CASES = {
    "diehard": ("diehard", {}, {"properties": []}),
    "twophase-6": ("twophase", {"rms": 6}, {}),
    "paxos-1": ("paxos", {}, {}),
    "paxos-2": ("paxos", {"max_ballot": 2}, {"properties": ["Agreement", "Validity", "Stability"]}),
    "paxos-2-naive": ("paxos", {"max_ballot": 2}, {"properties": ["Agreement", "Validity", "Stability"], "naive": True}),
    "twophase-7": ("twophase", {"rms": 7}, {}),
    "kvstore": ("kvstore", {}, {}),
    "kvstore-3-terms": ("kvstore", {"max_term": 3}, {"properties": ["Linearizable"]}),
}

CHILD = r"""
import json, sys
from checker import check
from checker.registry import bundled
sys.path.insert(0, sys.argv[2])
from naive import naive_check
name, consts, opts = json.loads(sys.argv[1])
run = naive_check if opts.pop("naive", False) else check
r = run(bundled()[name](**consts), **opts)
st = r.stats
print(json.dumps({"verdict": r.verdict, "distinct": st.distinct, "generated": st.generated, "depth": st.depth,
                  "seconds": st.seconds, "rate": st.states_per_second, "rss": st.peak_memory,
                  "bytes_per_state": st.bytes_per_state, "memory_per_state": st.memory_per_state}))
"""


def run_case(model: str, consts: dict, opts: dict) -> dict:
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps([model, consts, opts]), os.path.dirname(os.path.abspath(__file__))], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)


def main(names: list[str]) -> None:
    print(f"{'case':<14} {'verdict':<9} {'distinct':>10} {'generated':>11} {'depth':>5} {'seconds':>8} {'gen/s':>9} "
          f"{'peak RSS':>9} {'B/state':>8} {'B/state all':>11}")
    for name in names or CASES:
        model, consts, opts = CASES[name]
        r = run_case(model, consts, opts)
        print(
            f"{name:<14} {r['verdict']:<9} {r['distinct']:>10,} {r['generated']:>11,} {r['depth']:>5} {r['seconds']:>8.2f} "
            f"{r['rate']:>9,.0f} {r['rss'] / 2**20:>7.0f}MB {r['bytes_per_state']:>8.0f} {r['memory_per_state']:>11,.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
