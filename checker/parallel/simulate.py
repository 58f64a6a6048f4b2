"""Simulation on every core: checker/simulate.py's random walks in each worker process, each drawn from its
own seed (worker 0 from --seed itself, so one worker walks as one process does), their findings merged.

The first violation found stops every worker (a shared flag); its trace comes back as indices
(checker/parallel/portable.py) and is redone and shortened here, as one process's would be. Distinct
states are the union of what the workers visited (their fingerprints claimed here); generated states,
walks and coverage add up.
"""

from __future__ import annotations

import sys
import time
from array import array
from itertools import compress

from ..search import Options, Search, Stop
from ..simulate import simulate
from ..store import claim
from ..trace import rebuild
from .bfs import ModelFailed, local_deadline, wall_deadline
from .local import Machine
from .portable import cook, recipe

__all__ = ["parallel_simulate"]


def parallel_simulate(search: Search, workers: int, backend=None) -> None:
    """checker/simulate.py's search on ``workers`` processes (backend: as parallel_bfs's); findings, counts and
    limits merged into search."""
    opts = search.opts
    n = workers
    backend = backend or Machine()
    stop = backend.flag()
    quota = [None] * n if opts.traces is None else [opts.traces // n + (w < opts.traces % n) for w in range(n)]
    most = [None] * n if opts.max_states is None else [max(opts.max_states // n, 1)] * n
    memory = opts.memory // (n + 1) if opts.memory else None
    c, ends = search.c, wall_deadline(search.deadline)

    def make(w: int) -> _Walker:
        seed = opts.seed if w == 0 else f"{opts.seed}/{w}"
        mine = Options(opts.stop_at_first, opts.deadlock, most[w], opts.max_depth, opts.time_limit, False, memory,
                       quota[w], seed)
        return _Walker(c, mine, local_deadline(ends), stop)

    search.result.stats.workers = n
    pool = backend.pool(n, make)
    try:
        replies = pool.call([("run",) for _ in range(n)], waiting=lambda: _progress(search, n))
    finally:
        pool.close()
    _merge(search, replies)


class _Stoppable(Search):
    """A worker's Search, stopped when another worker raises the shared flag."""

    def __init__(self, compiled, options, stop):
        super().__init__(compiled, options, "simulate")
        self.stop = stop

    def tick(self) -> None:
        if self.stop.is_set():
            self.result.partial = "another worker found a violation"
            raise Stop
        super().tick()


class _Walker:
    """One worker's walks."""

    def __init__(self, compiled, options: Options, deadline: float | None, stop):
        self.search = _Stoppable(compiled, options, stop)
        self.search.deadline = deadline

    def run(self) -> dict:
        s = self.search
        c = s.c
        error = None
        try:
            simulate(s)
        except Stop:
            pass
        except (Exception, SystemExit) as exc:
            error = f"called sys.exit({exc.code!r})" if isinstance(exc, SystemExit) else f"{type(exc).__name__}: {exc}"
            if s.expanding is not None:  # the walk that led to it
                error = (error, recipe(c, rebuild(s, s.expanding[0], None, None, s.expanding[1])))
        if s.violated and s.opts.stop_at_first:
            s.stop.set()
        violated = {name: (kind, recipe(c, rebuild(s, parent, ai, args, t)))
                    for name, (kind, parent, ai, args, t) in s.violated.items()}
        found = {name: recipe(c, rebuild(s, parent, ai, args, t)) for name, (parent, ai, args, t) in s.found.items()}
        outside = s.outside_log if isinstance(s.outside_log, list) else s.outside_log.tobytes()
        return {
            "violated": violated, "found": found, "error": error, "generated": s.generated, "fired": list(s.fired),
            "depth": s.depth, "walks": getattr(s, "walks", 0), "fps": s.fps.tobytes(), "outside": outside,
            "partial": s.result.partial, "cut": s.result.partial and not s.result.partial.startswith("simulation"),
        }


def _merge(search: Search, replies: list) -> None:
    """The workers' findings and counts, in worker order."""
    c = search.c
    walks = 0
    for r in replies:
        fps = array("q")
        fps.frombytes(r["fps"])
        mask = claim(search.seen, fps)
        kept = array("q", compress(fps, mask))
        search.fps.extend(kept)
        search.parents.extend(array("i", [-1]) * len(kept))  # traces come whole, not from parent links
        outside = r["outside"]
        if isinstance(outside, bytes):
            outside = array("q")
            outside.frombytes(r["outside"])
        for fp in outside:
            search.outside.add(fp)
        search.generated += r["generated"]
        for ai, k in enumerate(r["fired"]):
            search.fired[ai] += k
        search.depth = max(search.depth, r["depth"])
        walks += r["walks"]
        for name, (kind, made) in r["violated"].items():
            if name not in search.violated:
                search.violated[name] = (kind, None, None, None, None)
                search.traces[name] = cook(c, made)
        for name, made in r["found"].items():
            if name not in search.found:
                search.found[name] = (None, None, None, None)
                search.traces[name] = cook(c, made)
                search.pending_reachables = [e for e in search.pending_reachables if e[0] != name]
    errors = [r["error"] for r in replies if r["error"]]
    cut = next((r["partial"] for r in replies if r["cut"] and "another worker" not in r["partial"]), None)
    search.result.partial = cut or (
        f"simulation: {walks:,} random walks on {len(replies)} workers visited {len(search.fps):,} distinct "
        "states; not exhaustive")
    if errors and not search.violated:
        error = errors[0]
        if isinstance(error, tuple):
            error, made = error
            trace = search.traces[None] = cook(c, made)
            search.expanding = (None, trace[-1].state)
        raise ModelFailed(error)


def _progress(search: Search, n: int) -> None:
    now = time.monotonic()
    if search.opts.progress and now >= search.next_report:
        search.next_report = now + 1.0
        print(f"concord: simulating on {n} workers, {now - search.start:,.0f} s", file=sys.stderr, flush=True)
