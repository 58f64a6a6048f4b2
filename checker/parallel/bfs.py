"""Parallel BFS: level-synchronous over worker processes, with exactly the counts and traces of one process.

The first small levels run here, as checker/bfs.py runs them. From the first level of at least SHARE
states per worker, the level is cut into contiguous slices, one per worker, in the order one process
would expand it. Each worker expands its slice and sends back the fingerprints of the successors it has
not seen itself (a filter, not the truth), in the order it found them. The coordinator *claims* them in
the one global seen set, worker after worker: so a state found by several workers goes to the first in
the order of one process, the next level is the workers' kept states end to end in that same order, and
distinct and generated counts, coverage, depth and parent links are those of checker/bfs.py. States never
leave the worker that found them; fingerprints (8 bytes), parents and actions travel, once per new state.

Verdicts come back as events (checker/parallel/worker.py) and are replayed here in the order of one
process; where one process would have stopped (the first violation, a model error, every property broken
under --continue), the level is cut there, with the counts the worker had at that moment.
"""

from __future__ import annotations

import os
import sys
import time
from array import array
from bisect import bisect_left
from collections import Counter
from itertools import compress

from ..bfs import bfs
from ..checkpoint import CheckpointError
from ..search import DONE, Search, Stop
from ..store import claim, merge
from ..trace import rebuild
from .local import Machine, WorkerCrashed
from .portable import redo
from .worker import Event, Worker

__all__ = ["parallel_bfs", "cores", "SHARE", "ModelFailed"]

SHARE = 1000  # states per worker in a level before the workers take over


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class ModelFailed(Exception):
    """The model raised inside a worker; the message is the worker's."""


def parallel_bfs(search: Search, workers: int, native: bool = True, start: tuple | None = None,
                 backend=None) -> None:
    """checker/bfs.py's search on ``workers`` processes (one, or --exact: in this process); start as bfs's;
    backend: where the workers run (checker/parallel/local.py's Machine unless a Ray cluster is given)."""
    if workers <= 1 or search.c.exact:
        return bfs(search, native, start=start)
    coordinator = _Coordinator(search, workers, native, backend or Machine())
    try:
        bfs(search, native, share=coordinator.wrap, start=start)
    finally:
        coordinator.close()
        coordinator.resolve()


class _Shared:
    """A level the workers hold: how many states each, and which of their candidates each keeps (None for
    the first shared level)."""

    __slots__ = ("counts", "masks", "gifts")

    def __init__(self, counts: list, masks: list | None, gifts: list | None):
        self.counts = counts
        self.masks = masks
        self.gifts = gifts  # per worker, states given to it by others (checker/parallel/worker.py's receive)

    def __len__(self) -> int:
        return sum(self.counts)


class _Raw:
    """A violation or witness as a worker reported it, until the search is over and its state is redone."""

    __slots__ = ("kind", "event")

    def __init__(self, kind: str, event: Event):
        self.kind = kind
        self.event = event


class _Coordinator:
    def __init__(self, search: Search, n: int, native: bool, backend):
        self.search = search
        self.backend = backend
        self.n = n
        self.native = native
        self.pool = None  # checker/parallel/local.py's Pool, or a Ray cluster's actors
        self.rss = [0] * n  # how much each worker's peak resident memory grew beyond what it shares at the fork
        self.filters = [0] * n
        self.busy = [0.0] * n  # seconds each worker spent expanding
        self.waited = 0.0  # seconds the coordinator waited for the slowest worker
        self.merging = 0.0  # seconds the coordinator spent between two levels
        self.candidates = 0  # fingerprints the workers sent
        self.moved = 0  # states given by one worker to another
        self.movable = True  # until a model's states turn out not to pickle

    def wrap(self, sequential):
        """The level expansion bfs.py calls: here while levels are small, then on the workers."""

        def expand(search: Search, level, base: int):
            if isinstance(level, _Shared):
                return self.level(level, base)
            if len(level) < SHARE * self.n:
                return sequential(search, level, base)
            return self.level(self.start(level, base), base)

        expand.gather = self.gather
        return expand

    def start(self, level: list, base: int) -> _Shared:
        """Fork the workers and deal them the states of level in turn (state i to worker i mod n)."""
        s = self.search
        n = self.n
        firsts = [(level[w::n], s.fps[base + w:base + len(level):n]) for w in range(n)]
        self.maps = [array("q", range(base + w, base + len(level), n)) for w in range(n)]
        memory = s.opts.memory // (n + 1) if s.opts.memory else None
        c, opts, native = s.c, s.opts, self.native
        ends = wall_deadline(s.deadline)
        halt = self.halt = self.backend.flag()
        s.result.stats.workers = n

        def make(w: int) -> Worker:
            worker = Worker(c, opts, local_deadline(ends), memory, native, halt)
            worker.take(*firsts[w])
            return worker

        self.pool = self.backend.pool(n, make)
        return _Shared([len(f[0]) for f in firsts], None, None)

    def level(self, level: _Shared, base: int) -> _Shared:
        """Expand a level the workers hold; returns the next one."""
        s = self.search
        violated = list(s.violated)
        pending = [name for name, _ in s.pending_reachables]
        masks = level.masks or [None] * self.n
        gifts = level.gifts or [None] * self.n
        level.masks = level.gifts = None  # the workers take them with this step
        began = time.perf_counter()
        replies = self.pool.call([("step", masks[w], gifts[w], violated, pending) for w in range(self.n)],
                                 waiting=self.waiting)
        received = time.perf_counter()
        self.waited += received - began
        for w, r in enumerate(replies):
            self.rss[w] = r["rss"]
            self.filters[w] = r["bytes"]
            self.busy[w] += r["seconds"]
            self.candidates += len(r["fps"]) // 8
        try:
            return self._merge(level, base, replies)
        finally:
            self.merging += time.perf_counter() - received

    def _merge(self, level: _Shared, base: int, replies: list) -> _Shared:
        """Claim the workers' candidates in the order of one process; stop where one process would."""
        s = self.search
        cut = self.replay(replies)
        fps, parents, ais, outs, outs_parents = ([_words(r[k], t) for r in replies] for k, t in (
            ("fps", "q"), ("parents", "q"), ("ais", "i"), ("outside", "q"), ("outside_parents", "q")))
        generated = [r["generated"] for r in replies]
        fired = [r["fired"] for r in replies]
        if cut is not None:  # keep what one process would have done before it stopped
            w, ev, at = cut
            for v in range(self.n):
                if v == w:
                    k, o = ev.found, ev.outside
                    generated[v], fired[v] = ev.generated, ev.fired
                else:
                    states = bisect_left(self.maps[v], at)  # v's states that come before the stop
                    k, o = bisect_left(parents[v], states), bisect_left(outs_parents[v], states)
                    if states < len(self.maps[v]):
                        generated[v], fired[v] = (0, [0] * len(s.fired)) if not states else \
                            self.pool.ask(v, ("count", states))
                del fps[v][k:], parents[v][k:], ais[v][k:], outs[v][o:]
        most = s.opts.max_states - len(s.fps) if s.opts.max_states else -1
        kept, new_fps, new_parents, places = merge(s.seen, fps, parents, self.maps, most, len(s.fps))
        s.fps.frombytes(new_fps)
        s.parents.frombytes(new_parents)
        for w in range(self.n):
            for ai, k in Counter(compress(ais[w], kept[w])).items():
                s.new[ai] += k
            fresh = claim(s.outside, outs[w])
            if s.outside_log is not None:
                s.outside_log.extend(compress(outs[w], fresh))
            s.generated += generated[w]
            for ai, k in enumerate(fired[w]):
                s.fired[ai] += k
        found = len(new_fps) // 8
        if cut is not None:
            w, ev, at = cut
            if ev.kind == "error":
                s.expanding = (at, None)  # its state is redone once the search is over
                raise ModelFailed(ev.message)
            s.queue = len(level) - (at - base) - 1 + found
            s.depth += bool(found)  # as TLC: the level of the deepest state found so far
            raise Stop
        partial = next((r["partial"] for r in replies if r["partial"]), None)
        if s.opts.max_states and len(s.fps) >= s.opts.max_states:
            partial = f"stopped at --max-states {s.opts.max_states}"
        try:
            if partial:
                s.result.partial = partial
                raise Stop
            s.tick()
        except Stop:
            s.queue = found
            s.depth += bool(found)
            raise
        self.maps = [_words(p, "q") for p in places]  # the next level's, once it is sure to be expanded
        return self.balance(kept)

    def balance(self, kept: list) -> _Shared:
        """The next level; when one worker holds much more of it than another, it gives some states away
        (pickled), so that every worker expands about the same number."""
        counts = [len(m) for m in self.maps]
        total = sum(counts)
        moves = _plan(counts) if self.movable and total >= SHARE * self.n else []
        if not moves:
            return _Shared(counts, kept, None)
        sizes: list = [[] for _ in range(self.n)]
        for giver, taker, k in moves:
            sizes[giver].append(k)
        replies = self.pool.call([("hand_over", kept[w], sizes[w]) if sizes[w] else None for w in range(self.n)])
        if any(sizes[w] and replies[w] is None for w in range(self.n)):
            self.movable = False  # states that cannot be pickled stay where they are found
            masks = [None if sizes[w] else kept[w] for w in range(self.n)]
            for w in range(self.n):
                if sizes[w] and replies[w] is not None:  # gave, but no one will take: cannot happen with two
                    raise WorkerCrashed("a worker gave states no one takes")
            return _Shared(counts, masks, None)
        received: list = [([], array("q")) for _ in range(self.n)]
        for giver in range(self.n):
            if not sizes[giver]:
                continue
            given = sum(sizes[giver])
            indices = self.maps[giver][len(self.maps[giver]) - given:]
            del self.maps[giver][len(self.maps[giver]) - given:]
            at = 0
            for (g, taker, k), chunk in zip([m for m in moves if m[0] == giver], replies[giver]):
                received[taker][0].append(chunk)
                received[taker][1].extend(indices[at:at + k])
                at += k
        gifts: list = [None] * self.n
        for taker, (chunks, indices) in enumerate(received):
            if chunks:
                merged = array("q", sorted(self.maps[taker] + indices))
                places = array("q", (bisect_left(merged, i) for i in indices))
                self.maps[taker] = merged
                gifts[taker] = (chunks, places.tobytes())
        self.moved += sum(len(i) for _, i in received)
        masks = [None if sizes[w] else kept[w] for w in range(self.n)]
        return _Shared([len(m) for m in self.maps], masks, gifts)

    def replay(self, replies: list) -> tuple | None:
        """Every worker's events in the order of one process; (worker, event, index of its state) where one
        process would stop."""
        s = self.search
        c = s.c
        events = sorted(((self.maps[w][ev.si], w, i, ev) for w, r in enumerate(replies)
                         for i, ev in enumerate(r["events"])), key=lambda e: e[:3])
        for at, w, _, ev in events:
            ev.si = at
            if ev.kind == "error":
                return w, ev, at
            if ev.kind == "reachable":
                entry = next((e for e in s.pending_reachables if e[0] == ev.name), None)
                if entry is not None:
                    s.pending_reachables.remove(entry)
                    s.found[ev.name] = _Raw("reachable", ev)
                continue
            if ev.name in s.violated:
                continue
            s.violated[ev.name] = _Raw(ev.kind, ev)
            if s.opts.stop_at_first:
                return w, ev, at
            if len(s.violated) == c.violable + bool(s.opts.deadlock) and not s.pending_reachables:
                s.result.partial = DONE
                return w, ev, at
        return None

    def gather(self, level: _Shared) -> list:
        """The states of the level the workers hold, as (indices, pickled states) chunks, for a checkpoint: a
        level under way is given up first (the workers stop at their next look at the clock)."""
        if self.pool.outstanding:
            self.halt.set()
            self.pool.drain()
            self.halt.clear()
        masks = level.masks or [None] * self.n
        gifts = level.gifts or [None] * self.n
        level.masks = level.gifts = None
        blobs = self.pool.call([("settle", masks[w], gifts[w]) for w in range(self.n)])
        if any(b is None for b in blobs):
            raise CheckpointError("cannot write a checkpoint: the model's states cannot be pickled")
        return [(self.maps[w].tobytes(), blobs[w]) for w in range(self.n)]

    def waiting(self) -> None:
        """While the workers expand a level: the progress line, about once a second."""
        s = self.search
        now = time.monotonic()
        if s.opts.progress and now >= s.next_report:
            s.report(now, f" (a level under way on {self.n} workers)")

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            if os.environ.get("CONCORD_PARALLEL_TIMES"):
                print(f"concord: workers busy {', '.join(f'{b:.2f}' for b in self.busy)} s; waited {self.waited:.2f} s, "
                      f"merged {self.merging:.2f} s; {self.candidates:,} candidates for {len(self.search.fps):,} "
                      "distinct; "
                      f"{self.moved:,} states moved", file=sys.stderr)
            self.search.others_rss = sum(self.rss)
            self.search.others_bytes = sum(self.filters)

    def resolve(self) -> None:
        """Redo the state of each event kept as a violation or witness, now that the search is over."""
        s = self.search
        if s.expanding is not None and s.expanding[1] is None:
            s.expanding = (s.expanding[0], _state_at(s, s.expanding[0]))
        for name, v in list(s.violated.items()):
            if isinstance(v, _Raw):
                s.violated[name] = (v.kind, v.event.si, *_redo(s, v.event))
        for name, v in list(s.found.items()):
            if isinstance(v, _Raw):
                s.found[name] = (v.event.si, *_redo(s, v.event))


def wall_deadline(deadline: float | None) -> float | None:
    """A deadline of time.monotonic() as wall-clock time, which other machines share."""
    return None if deadline is None else time.time() + (deadline - time.monotonic())


def local_deadline(ends: float | None) -> float | None:
    """A wall-clock deadline as one of time.monotonic() here."""
    return None if ends is None else time.monotonic() + (ends - time.time())


def _state_at(search: Search, index: int):
    """The stored state at index, redone from an initial state along the parent links."""
    return rebuild(search, index, None, None, None)[-1].state


def _redo(search: Search, ev: Event) -> tuple:
    """(ai, args, t) of an event's step, or (None, None, s) for an event at a state s itself."""
    s = _state_at(search, ev.si)
    if ev.ai is None:
        return None, None, s
    return (ev.ai, *redo(search.c, s, ev.ai, *ev.where))


def _words(data: bytes, typecode: str) -> array:
    a = array(typecode)
    a.frombytes(data)
    return a


BALANCE = 1.05  # a worker holding more than this times its share of a level gives the surplus away


def _plan(counts: list) -> list:
    """Moves (giver, taker, how many) that even out counts, when the largest exceeds BALANCE times the mean."""
    total, n = sum(counts), len(counts)
    if not total or max(counts) <= BALANCE * total / n:
        return []
    share = [total // n + (w < total % n) for w in range(n)]
    surplus = [(c - t, w) for w, (c, t) in enumerate(zip(counts, share))]
    givers = [[d, w] for d, w in surplus if d > 0]
    takers = [[-d, w] for d, w in surplus if d < 0]
    moves = []
    gi = ti = 0
    while gi < len(givers) and ti < len(takers):
        k = min(givers[gi][0], takers[ti][0])
        moves.append((givers[gi][1], takers[ti][1], k))
        givers[gi][0] -= k
        takers[ti][0] -= k
        gi += not givers[gi][0]
        ti += not takers[ti][0]
    return moves
