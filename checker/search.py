"""Bookkeeping shared by the search strategies: stored states, limits, progress, violations."""

from __future__ import annotations

import resource
import sys
import time
from array import array

from .compiled import Compiled
from .frontier import own_memory
from .result import Result
from .store import seen_bytes, seen_set

__all__ = ["Search", "Stop", "Options", "DONE"]

DONE = "every property has its trace"  # why --continue stops early


class Stop(Exception):
    """Ends a search early: the first violation, a limit, or an error inside the model."""


class Options:
    """How far and how to search."""

    __slots__ = ("stop_at_first", "deadlock", "max_states", "max_depth", "time_limit", "memory", "progress", "traces",
                 "seed", "checkpoint", "checkpoint_every", "origin", "bitstate")

    def __init__(self, stop_at_first=True, deadlock=False, max_states=None, max_depth=None, time_limit=None,
                 progress=False, memory=None, traces=None, seed=0, checkpoint=None, checkpoint_every=300.0,
                 origin=None, bitstate=None):
        self.stop_at_first = stop_at_first
        self.deadlock = deadlock
        self.max_states = max_states
        self.max_depth = max_depth
        self.time_limit = time_limit  # seconds
        self.memory = memory  # bytes of peak resident memory
        self.progress = progress
        self.traces = traces  # simulation: at most this many walks (max_depth: steps per walk)
        self.seed = seed  # simulation: the random generator's seed
        self.checkpoint = checkpoint  # BFS: a directory to write checkpoints to (checker/checkpoint.py)
        self.checkpoint_every = checkpoint_every  # seconds between two checkpoints
        self.origin = origin  # how to build the model again (the command line's words), kept in checkpoints
        self.bitstate = bitstate  # b: the seen set is a table of 2^b bits (SPIN's supertrace), not fingerprints


class Search:
    """Stored states as fingerprints (a set) plus parent links (compact arrays), and the counters.

    Under ``exact`` the stored keys are whole state encodings (bytes) instead of 64-bit fingerprints.
    """

    def __init__(self, compiled: Compiled, options: Options, strategy: str):
        self.c = compiled
        self.opts = options
        self.result = Result(compiled.name, strategy)
        self.seen = seen_set(compiled.exact, options.bitstate)  # fingerprints (packed), encodings, or bits
        self.fps = [] if compiled.exact else array("q")
        self.parents = array("i")
        self.ais = None  # per stored state its action's index, when a parallel worker needs them
        self.graph = None  # for liveness: the state graph as it is explored (checker/graph.py's Recorder)
        self.generated = 0
        self.depth = 0
        self.queue = 0
        n = len(compiled.actions)
        self.fired = [0] * n
        self.new = [0] * n
        self.violated: dict[str, tuple] = {}  # property -> (kind, parent index, action index, args, state)
        self.found: dict[str, tuple] = {}  # reachable property -> the same, for its witness
        self.traces: dict = {}  # property (None: the error) -> its trace, when it came whole from another process
        self.pending_reachables = list(compiled.reachables)
        self.outside = seen_set(compiled.exact)  # fingerprints of checked states beyond the constraint (packed)
        self.outside_most: int | None = None  # under --memory: held at most (then forgotten, and checked again)
        self.outside_forgot = 0  # the most it held before it was forgotten: the count is then a lower bound
        # the same, in the order they were met: for checkpoints (undoing a level cut short) and simulation workers
        keep = options.checkpoint or strategy == "simulate"
        self.outside_log = ([] if compiled.exact else array("q")) if keep else None
        self.spilled = None  # the frontier's files under --memory (checker/frontier.py's Spill), when it spilled
        self.mapped = False  # under --memory: the seen set's table is a mapped file (checker/store.py's mapped)
        self.own_peak = 0  # and then the peak of the process's own memory, as sampled
        self.checkpointed: int | None = None  # the first index of the level the last checkpoint holds
        self.others_rss = 0  # growth of the peak resident memory of worker processes (checker/parallel)
        self.others_bytes = 0  # and of what they keep per state
        self.expanding: tuple | None = None  # (index, state) being expanded when the model raised
        self.start = time.monotonic()
        self.rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self.next_report = self.start + 1.0
        self.deadline = self.start + options.time_limit if options.time_limit else None

    def initial_states(self) -> list[tuple]:
        """Store and check the initial states; returns the new ones with their indices."""
        c = self.c
        found = []
        for k, t in enumerate(c.inits):
            if not k & 255:
                self.tick()
            self.generated += 1
            fp = c.fingerprint(t)
            if c.constraint is not None and not c.constraint(t):
                self.beyond(fp, -1, None, None, t)
            elif fp not in self.seen:
                self.depth = 1  # as TLC: the level of the deepest state stored
                self.queue = len(found) + 1
                found.append((t, self.store(fp, -1)))
                if self.graph is not None:
                    self.graph.state(fp, found[-1][1], t)
                self.check_state(-1, None, None, t)
            if self.graph is not None and fp in self.graph.index:
                self.graph.inits.append(self.graph.index[fp])
        return found

    # -- states -------------------------------------------------------------------------------

    def store(self, fp: int, parent: int) -> int:
        """Record a new distinct state; returns its index."""
        self.seen.add(fp)
        idx = len(self.fps)
        self.fps.append(fp)
        self.parents.append(parent)
        if self.opts.max_states and idx + 1 >= self.opts.max_states:
            self.result.partial = f"stopped at --max-states {self.opts.max_states}"
            raise Stop
        return idx

    def check_state(self, parent: int, ai, args, t) -> None:
        """Invariants and reachables on a state (new, or beyond the constraint); more on initial states."""
        if parent < 0 and ai is None:
            for name, pred in self.c.initial_checks:
                if not pred(t) and name not in self.violated:
                    self.violate(name, self.c.kinds[name], parent, ai, args, t)
        for name, pred in self.c.invariants:
            if not pred(t) and name not in self.violated:
                self.violate(name, "invariant", parent, ai, args, t)
        if self.pending_reachables:
            for entry in list(self.pending_reachables):
                if entry[1](t):
                    self.found[entry[0]] = (parent, ai, args, t)
                    self.pending_reachables.remove(entry)

    def check_step(self, parent: int, ai, args, s, t) -> None:
        """Transition properties on a step s -> t."""
        for name, pred in self.c.transitions:
            if not pred(s, t) and name not in self.violated:
                self.violate(name, self.c.kinds[name], parent, ai, args, t)

    def beyond(self, fp: int, parent: int, ai, args, t) -> None:
        """A successor outside the constraint: checked once (under --memory, maybe again), never stored or
        explored."""
        if fp not in self.outside:
            if self.outside_most is not None and len(self.outside) >= self.outside_most:
                self.outside_forgot = max(self.outside_forgot, len(self.outside))
                self.outside = seen_set(self.c.exact)  # a check done twice changes no verdict, no count
            self.outside.add(fp)
            if self.outside_log is not None:
                self.outside_log.append(fp)
            self.check_state(parent, ai, args, t)

    def violate(self, name: str, kind: str, parent: int, ai, args, t) -> None:
        self.violated[name] = (kind, parent, ai, args, t)
        if self.opts.stop_at_first:
            raise Stop
        if len(self.violated) == self.c.violable + bool(self.opts.deadlock) and not self.pending_reachables:
            self.result.partial = DONE  # --continue has nothing left to find
            raise Stop

    # -- limits and progress ------------------------------------------------------------------

    def tick(self) -> None:
        """Called every few hundred action calls: the limits, and a progress line about once a second."""
        now = time.monotonic()
        if self.deadline and now >= self.deadline:
            self.result.partial = f"stopped at --time-limit {self.opts.time_limit:g}s"
            raise Stop
        if self.opts.memory and self.used() >= self.opts.memory:
            self.result.partial = f"stopped at --memory {self.opts.memory / 2**20:,.0f} MB"
            raise Stop
        if self.opts.progress and now >= self.next_report:
            self.report(now)

    def used(self) -> int:
        """The memory --memory bounds: the peak resident memory; with the seen table in a mapped file, the
        peak of the process's own (checker/frontier.py's own_memory, as sampled at each look)."""
        if self.mapped:
            now = own_memory()
            if now is not None:
                self.own_peak = max(self.own_peak, now)
                return self.own_peak
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def report(self, now: float, where: str = "") -> None:
        """The progress line."""
        self.next_report = now + 1.0
        rate = (self.generated - self.result.stats.earlier) / max(now - self.start, 1e-9)
        print(
            f"concord: {len(self.fps):,} distinct, {self.generated:,} generated, queue {self.queue:,}, "
            f"depth {self.depth}, {rate:,.0f} states/s{where}",
            file=sys.stderr,
            flush=True,
        )

    def stored_bytes(self) -> int:
        """Memory kept per stored state: the seen set, the key list or array, the parent links."""
        keys = sys.getsizeof(self.fps) if isinstance(self.fps, list) else self.fps.itemsize * len(self.fps)
        arrays = keys + self.parents.itemsize * len(self.parents)
        return seen_bytes(self.seen, self.fps[:1000]) + arrays

    def finish(self) -> Result:
        """Fill in the statistics and coverage; traces are rebuilt by the caller."""
        r = self.result
        st = r.stats
        st.distinct = len(self.fps)
        st.generated = self.generated
        st.depth = self.depth
        st.queue = self.queue
        st.seconds = time.monotonic() - self.start
        st.peak_memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 + self.others_rss
        st.grown_memory = max(st.peak_memory - self.rss_start, 0)  # the workers' growth included
        st.stored_bytes = self.stored_bytes() + self.others_bytes
        st.exact = self.c.exact
        if self.mapped:
            self.used()
            st.own_peak = self.own_peak
        if self.spilled is not None and self.spilled.states:
            st.disk_bytes_per_state = self.spilled.bytes_per_state
            st.disk_peak = self.spilled.most
        st.orbit = self.c.orbit
        r.constraints = list(self.c.constraint_names)
        r.outside = max(len(self.outside), self.outside_forgot)
        r.outside_at_least = bool(self.outside_forgot)
        r.coverage = {
            act.name: {"fired": self.fired[i], "distinct": self.new[i]} for i, act in enumerate(self.c.actions)
        }
        return r
