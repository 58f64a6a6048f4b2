"""How often the etcd harness catches a stale serializable read: repeated runs of serializable reads under follower
partitions, each judged for linearizability, with the operations recorded, ops/s and the time to a verdict.

Run (as root: partitions use iptables; needs etcd on PATH):
    python benchmarks/etcd_runs.py [--runs 20] [--seconds 15] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Sequence

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from checker.harness import edn_text, run  # noqa: E402
from specs.consistency import check  # noqa: E402
from specs.history import Operation  # noqa: E402


def earliest_violation(operations: Sequence[Operation]) -> tuple[float, tuple[Operation, ...]]:
    """When the history first stops being linearizable, and a failing core there: the earliest completion time T
    such that the operations called by T (those still running at T as never returned) cannot be linearized;
    key by key, the earliest over the keys. (The checker's own core need not be the earliest violation.)"""
    found = []
    for key in sorted({op.key for op in operations}):
        on_key = [op for op in operations if op.key == key]
        cuts = sorted({op.ret for op in on_key if op.ret is not None})
        low, high = 0, len(cuts) - 1
        if check(on_key, "linearizable", "kv").ok is not False:
            continue
        while low < high:
            middle = (low + high) // 2
            if check(_cut(on_key, cuts[middle]), "linearizable", "kv").ok is False:
                high = middle
            else:
                low = middle + 1
        found.append((cuts[low], check(_cut(on_key, cuts[low]), "linearizable", "kv").core))
    return min(found, key=lambda item: item[0])


def _cut(operations: Sequence[Operation], moment: float) -> list[Operation]:
    """The operations called by `moment`; those still running then as never returned (reads dropped)."""
    cut = []
    for op in operations:
        if op.call <= moment:
            if op.ret is not None and op.ret <= moment:
                cut.append(op)
            elif op.f != "read":
                cut.append(replace(op, ret=None, output=None))
    return cut


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--ops", type=int, default=1000, help="operations per run at most (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the first run; run i uses seed + i")
    parser.add_argument("--reads", default="serializable", choices=("serializable", "linearizable"))
    parser.add_argument("--faults", default="partition")
    parser.add_argument("--out", metavar="DIR", help="keep each run's history.edn and faults.txt in DIR/<run>/")
    args = parser.parse_args()
    faults = [fault for fault in args.faults.split(",") if fault]
    print(f"{args.runs} runs: etcd, {args.reads} reads, faults {','.join(faults)}, {args.seconds:g} s each, "
          f"at most {args.ops} operations, 5 clients, 3 keys")
    print(f"{'run':>3}  {'verdict':<9} {'ops':>5} {'ok':>5} {'fail':>5} {'info':>4} {'ops/s':>6} {'check s':>8} "
          f"{'first at':>9} {'wall s':>6}  stale read (first)")
    caught, rates, checks, walls, moments = 0, [], [], [], []
    for number in range(args.runs):
        started = time.monotonic()
        result = run(reads=args.reads, ops=args.ops, time_limit=args.seconds, seed=args.seed + number,
                     faults=faults)
        checked = time.monotonic()
        verdict = check(result.history, "linearizable", "kv")
        check_seconds = time.monotonic() - checked
        wall = time.monotonic() - started
        tally = result.counts
        if args.out:
            kept = Path(args.out) / f"{number + 1:02}"
            kept.mkdir(parents=True, exist_ok=True)
            (kept / "history.edn").write_text(edn_text(result.records, result.faults))
            (kept / "faults.txt").write_text("".join(f"{fault}\n" for fault in result.faults))
        moment, stale = "", ""
        if verdict.ok is False:
            caught += 1
            first, core = earliest_violation(result.history.operations)
            moments.append(first)
            moment = f"{first:.2f} s"
            served = {(record.process, record.call): record.node for record in result.records}
            stale = "; ".join(f"{op} on {served.get((op.process, op.call), '?')}" for op in core if op.f == "read")
        rates.append(result.ops_per_second)
        checks.append(check_seconds)
        walls.append(wall)
        label = "ok" if verdict.ok else "not lin." if verdict.ok is False else "unknown"
        print(f"{number + 1:>3}  {label:<9} {len(result.records):>5} {tally['ok']:>5} {tally['fail']:>5} "
              f"{tally['info']:>4} {result.ops_per_second:>6.1f} {check_seconds:>8.3f} {moment:>9} {wall:>6.1f}  "
              f"{stale}", flush=True)
        if result.left_behind:
            print(f"     iptables rules left behind: {result.left_behind}")
    print(f"caught: {caught} of {args.runs} runs; ops/s median {statistics.median(rates):.1f} "
          f"(min {min(rates):.1f}, max {max(rates):.1f}); check median {statistics.median(checks):.3f} s "
          f"(max {max(checks):.3f} s); wall median {statistics.median(walls):.1f} s per run"
          + (f"; first violation visible after median {statistics.median(moments):.2f} s of the run (the first "
             f"fault at 2 s)" if moments else ""))


if __name__ == "__main__":
    main()
