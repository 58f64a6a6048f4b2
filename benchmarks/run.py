"""Benchmarks: each model at a benchmark scope, in its own process (states/s, bytes/state, peak RSS),
and, with --tlc, TLC on the same TLA+ spec and scope (one worker) with the ratio of the two wall times.

Run: python benchmarks/run.py [--tlc] [--workers N | --curve | --modes] [--memory MB] [NAME ...]
     (--tlc needs TLC_JAR=tla2tools.jar and TLA_EXAMPLES=a checkout of github.com/tlaplus/Examples; the Raft
     cases also RAFT_TLA=a directory holding raftnh.tla, made as benchmarks/tlc.py's raft() says)

--workers N runs Concord's BFS on N processes (default 1: the per-core figures); --curve runs each case
on 1, 2, 4, ... up to every core of the machine and prints the speed-up over one process (the counts must
not change, and are checked). TLC runs with one worker either way. --memory MB spills the frontier to
disk (checker/frontier.py) and stops the run if the process reaches MB all the same. --modes runs each case
(default: paxos-2-bare and raft-3) in every mode: one process, every core, a local Ray cluster of every
core (needs pip install 'concord[cluster]'), and one process spilling under a memory limit of its
interpreter plus a quarter of what the one-process run grew; the counts must be the same in each.

The TLC/Concord ratio divides TLC's wall time by that of Concord's whole check (with liveness, the judging
after the search too); "seconds" is the search alone. B/state is what the search keeps per stored state
(fingerprint set and parent links); B/state all is the growth of the peak resident memory per distinct state
(the BFS frontier and caches included).
The benchmark models are the bundled ones and those of benchmarks/models/ (TLA+ Examples specs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import tlc  # noqa: E402

MUTEX = "benchmarks.models.lamport_mutex:LamportMutex"
EWD840 = "benchmarks.models.ewd840:EWD840"
EWD998 = "benchmarks.models.ewd998:EWD998"
FAST_PAXOS = "benchmarks.models.fast_paxos:FastPaxos"
PAXOS_PROPERTIES = {"properties": ["Agreement", "Validity", "Stability"]}
TWO_PHASE_PROPERTIES = {"properties": ["TCConsistent"]}  # TLC's run checks TCConsistent (and TPTypeOK)

# name -> (model: a bundled name or module:Class, constants, check options, the same scope for TLC or None)
CASES = {
    "diehard": ("diehard", {}, {"properties": []}, None),
    "twophase-6": ("twophase", {"rms": 6}, TWO_PHASE_PROPERTIES, tlc.two_phase(6)),
    "paxos-1": ("paxos", {}, {}, None),
    "paxos-2": ("paxos", {"max_ballot": 2}, PAXOS_PROPERTIES, None),
    "paxos-2-bare": ("paxos", {"max_ballot": 2}, {"properties": []}, tlc.paxos(2)),  # as TLC's run: no property
    "paxos-2-naive": ("paxos", {"max_ballot": 2}, {**PAXOS_PROPERTIES, "naive": True}, None),
    "twophase-7": ("twophase", {"rms": 7}, TWO_PHASE_PROPERTIES, tlc.two_phase(7)),
    "kvstore": ("kvstore", {}, {}, None),
    "kvstore-3-terms": ("kvstore", {"max_term": 3}, {"properties": ["Linearizable"]}, None),
    "mutex-3-4": (MUTEX, {"n": 3, "max_clock": 4}, {}, tlc.lamport_mutex(3, 4)),
    "mutex-3-6": (MUTEX, {"n": 3, "max_clock": 6}, {}, tlc.lamport_mutex(3, 6)),
    "ewd840-6": (EWD840, {"n": 6}, {}, tlc.ewd840(6)),
    "ewd998-3": (EWD998, {"n": 3, "max_counter": 2, "max_pending": 1, "max_q": 6}, {}, tlc.ewd998(3, 2, 1, 6)),
    "fastpaxos-sym": (FAST_PAXOS, {}, {"symmetry": True}, tlc.fast_paxos()),
    "zab-3": ("models.zab:Zab", {"servers": 3, "max_timeout_failures": 1, "max_transactions": 2, "max_epoch": 3,
                                 "max_restarts": 0}, {}, None),  # TLC: 671,092 distinct, depth 43 (benchmarks/zab_bugs.py)
    # TLC: 442,263 distinct, 2,035,855 generated, depth 16 (Redlock.tla, a translation kept outside the repository)
    "redlock-3": ("redlock", {"clients": 3, "max_time": 3}, {}, None),
    "raft-2": ("raft", {"servers": 2, "max_term": 3, "max_log_len": 2, "max_messages": 1}, {}, tlc.raft(2, 1, 3, 2, 1)),
    "raft-3": ("raft", {"servers": 3, "max_term": 2, "max_log_len": 1, "max_messages": 1}, {"properties": []},
               tlc.raft(3, 1, 2, 1, 1)),  # as TLC's run: no property
    # the same scope with Raft's liveness property under its fairness: the state graph kept and judged
    "raft-3-live": ("raft", {"servers": 3, "max_term": 2, "max_log_len": 1, "max_messages": 1},
                    {"properties": ["EventuallyLeader"]}, None),
    "paxos-2-live": ("paxos", {"max_ballot": 2}, {"properties": ["EventuallyChosen"]}, None),
    # EWD 840's Liveness (terminated ~> terminationDetected under WF(System)), against TLC on the same spec
    "ewd840-7-bare": ("benchmarks.models.ewd840:EWD840Live", {"n": 7}, {"properties": []}, tlc.ewd840(7, False)),
    "ewd840-7-live": ("benchmarks.models.ewd840:EWD840Live", {"n": 7}, {"properties": ["Liveness"]},
                      tlc.ewd840(7, True)),
}

CHILD = r"""
import importlib, json, sys
from checker import check
from checker.cli.registry import bundled
sys.path.append(sys.argv[2])
from naive import naive_check
ref, consts, opts = json.loads(sys.argv[1])
if ":" in ref:
    module, name = ref.split(":")
    cls = getattr(importlib.import_module(module), name)
else:
    cls = bundled()[ref]
run = naive_check if opts.pop("naive", False) else check
if run is naive_check:
    opts.pop("workers", None)
import time
began = time.monotonic()
r = run(cls(**consts), **opts)
wall = time.monotonic() - began  # the whole check: the search, and the liveness judging after it
st = r.stats
print(json.dumps({"verdict": r.verdict, "distinct": st.distinct, "generated": st.generated, "depth": st.depth,
                  "workers": getattr(st, "workers", 1),
                  "seconds": st.seconds, "rate": st.states_per_second, "rss": st.peak_memory,
                  "bytes_per_state": st.bytes_per_state, "memory_per_state": st.memory_per_state,
                  "grown": st.grown_memory, "own": getattr(st, "own_peak", 0),
                  "disk_bytes_per_state": getattr(st, "disk_bytes_per_state", 0), "partial": r.partial,
                  "liveness": getattr(r, "liveness", None), "wall": wall}))
"""


def run_case(model: str, consts: dict, opts: dict) -> dict:
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps([model, consts, opts]), HERE],
                         capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"{model}: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f'exit {out.returncode}'}")
    return json.loads(out.stdout)


def main(argv: list[str]) -> None:
    argv = list(argv)
    with_tlc = _flag(argv, "--tlc")
    curve = _flag(argv, "--curve")
    modes = _flag(argv, "--modes")
    workers = int(_option(argv, "--workers", "1"))
    memory = _option(argv, "--memory", None)
    names = argv
    unknown = [n for n in names if n not in CASES]
    if unknown or workers < 1:
        sys.exit(f"unknown case {', '.join(unknown)}; cases: {', '.join(CASES)}" if unknown else "--workers: >= 1")
    why_not = tlc.available() if with_tlc else ""
    if why_not:
        sys.exit(f"--tlc: {why_not}")
    if curve:
        return _curve(names or list(CASES))
    if modes:
        return _modes(names or ["paxos-2-bare", "raft-3"], with_tlc)
    print(f"{'case':<16} {'verdict':<9} {'distinct':>10} {'generated':>11} {'depth':>5} {'seconds':>8} {'gen/s':>9} "
          f"{'peak RSS':>9} {'B/state':>8} {'B/state all':>11}" + (f" {'TLC s':>8} {'TLC/Concord':>11}" if with_tlc else ""))
    for name in names or CASES:
        model, consts, opts, spec = CASES[name]
        extra = {"workers": workers, **({"memory": int(float(memory) * 2**20)} if memory else {})}
        r = run_case(model, consts, {**opts, **extra})
        line = (f"{name:<16} {r['verdict']:<9} {r['distinct']:>10,} {r['generated']:>11,} {r['depth']:>5} "
                f"{r['seconds']:>8.2f} {r['rate']:>9,.0f} {r['rss'] / 2**20:>7.0f}MB {r['bytes_per_state']:>8.0f} "
                f"{r['memory_per_state']:>11,.0f}")
        if r.get("disk_bytes_per_state"):
            line += f"  (frontier on disk: {r['disk_bytes_per_state']:,.0f} B/state)"
        if r.get("partial") and r["verdict"] == "partial":
            line += f"  ({r['partial']})"

        if with_tlc and spec is not None and not os.environ.get(spec.root):
            line += f"  (TLC: set {spec.root})"
        elif with_tlc and spec is not None:
            t = tlc.run(spec)
            same = (t["distinct"], t["depth"]) == (r["distinct"], r["depth"])
            line += f" {t['seconds']:>8.2f} {t['seconds'] / r['wall']:>10.2f}x"
            if not same:
                line += f"  COUNTS DIFFER: TLC {t['distinct']:,} distinct, depth {t['depth']}"
        if r.get("liveness"):
            line += f"\n{'':<16} liveness {r['liveness']}"
        print(line, flush=True)


def _curve(names: list[str]) -> None:
    """Each case on 1, 2, 4, ... workers up to every core: seconds, states/s and the speed-up over one."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    steps = sorted({1, cores, *(2 ** k for k in range(1, cores.bit_length()) if 2 ** k < cores)})
    print(f"{'case':<16} {'workers':>7} {'distinct':>10} {'generated':>11} {'seconds':>8} {'gen/s':>9} {'peak RSS':>9} "
          f"{'speed-up':>8}   ({cores} cores)")
    for name in names:
        model, consts, opts, _ = CASES[name]
        one = None
        for n in steps:
            r = run_case(model, consts, {**opts, "workers": n})
            one = one or r
            if (r["distinct"], r["generated"], r["depth"]) != (one["distinct"], one["generated"], one["depth"]):
                sys.exit(f"{name}: {n} workers found {r['distinct']:,} distinct, {r['generated']:,} generated, depth "
                         f"{r['depth']}; one process {one['distinct']:,}, {one['generated']:,}, {one['depth']}")
            print(f"{name:<16} {n:>7} {r['distinct']:>10,} {r['generated']:>11,} {r['seconds']:>8.2f} {r['rate']:>9,.0f} "
                  f"{r['rss'] / 2**20:>7.0f}MB {one['seconds'] / r['seconds']:>7.2f}x", flush=True)


def _modes(names: list[str], with_tlc: bool) -> None:
    """Each case in one process, on every core, on a local Ray cluster, and spilling under a quarter of its
    memory: the same counts, and what each costs."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    print(f"{'case':<14} {'mode':<24} {'verdict':<8} {'distinct':>10} {'generated':>11} {'depth':>5} {'seconds':>8} "
          f"{'distinct/s':>10} {'peak RSS':>9} {'B/state':>7} {'disk B/st':>9}   ({cores} cores)")
    for name in names:
        model, consts, opts, spec = CASES[name]
        one = run_case(model, consts, {**opts, "workers": 1})
        base = one["rss"] - one["grown"]
        limit = base + one["grown"] // 4
        runs = [("1 process", one), (f"{cores} workers", {"workers": cores}),
                (f"Ray local:{cores}", {"cluster": f"local:{cores}"}),
                (f"spilling, {limit / 2**20:,.0f} MB", {"workers": 1, "memory": limit})]
        for mode, r in runs:
            if "verdict" not in r:
                r = run_case(model, consts, {**opts, **r})
            differ = (r["distinct"], r["generated"], r["depth"]) != (one["distinct"], one["generated"], one["depth"])
            print(f"{name:<14} {mode:<24} {r['verdict']:<8} {r['distinct']:>10,} {r['generated']:>11,} {r['depth']:>5} "
                  f"{r['seconds']:>8.2f} {r['distinct'] / r['seconds']:>10,.0f} {r['rss'] / 2**20:>7.0f}MB "
                  f"{r['bytes_per_state']:>7.0f} {r['disk_bytes_per_state']:>9.0f}"
                  + (f"  (own memory {r['own'] / 2**20:,.0f}MB: the seen set in a mapped file)" if r.get("own") else "")
                  + (f"  COUNTS DIFFER ({r['partial'] or 'complete'})" if differ else ""), flush=True)
        if with_tlc and spec is not None and os.environ.get(spec.root):
            t = tlc.run(spec)
            print(f"{name:<14} {'TLC, 1 worker':<24} {'':<8} {t['distinct']:>10,} {'':>11} {t['depth']:>5} "
                  f"{t['seconds']:>8.2f} {t['distinct'] / t['seconds']:>10,.0f}   (TLC/Concord 1 process "
                  f"{t['seconds'] / one['seconds']:.2f}x)", flush=True)


def _flag(argv: list[str], name: str) -> bool:
    if name in argv:
        argv.remove(name)
        return True
    return False


def _option(argv: list[str], name: str, default: str) -> str:
    if name not in argv:
        return default
    i = argv.index(name)
    if i + 1 >= len(argv):
        sys.exit(f"{name} takes a value")
    value = argv[i + 1]
    del argv[i:i + 2]
    return value


if __name__ == "__main__":
    main(sys.argv[1:])
