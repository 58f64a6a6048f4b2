"""What a check returns: verdict, statistics, coverage, violations with their traces."""

from __future__ import annotations

from typing import Any

from .compiled import Step

__all__ = ["Result", "Stats", "Violation", "EXIT_OK", "EXIT_VIOLATION", "EXIT_ERROR", "EXIT_INCOMPLETE"]

VERDICTS = ("ok", "violation", "partial", "error")

# The exit codes of every concord command (README, "Exit codes").
EXIT_OK = 0  # complete, nothing violated
EXIT_VIOLATION = 1  # a violation (definite, even if the run was then cut short)
EXIT_ERROR = 2  # bad usage or input, or an error inside the model: one line on stderr
EXIT_INCOMPLETE = 3  # cut short (a limit, Ctrl-C, SIGTERM) with nothing violated so far


class Stats:
    """TLC-style search statistics."""

    __slots__ = ("distinct", "generated", "depth", "queue", "seconds", "peak_memory", "stored_bytes", "grown_memory",
                 "exact", "orbit", "workers", "cluster", "earlier", "disk_bytes_per_state", "disk_peak", "own_peak")

    def __init__(self, distinct=0, generated=0, depth=0, queue=0, seconds=0.0, peak_memory=0, stored_bytes=0,
                 grown_memory=0, exact=False, orbit=1, workers=1):
        self.distinct = distinct
        self.generated = generated
        self.depth = depth
        self.queue = queue
        self.seconds = seconds
        self.peak_memory = peak_memory
        self.stored_bytes = stored_bytes
        self.grown_memory = grown_memory  # how much the peak resident memory grew during the search
        self.exact = exact  # states stored whole (--exact): no collision is possible
        self.orbit = orbit  # renamings tried per state under symmetry (1 without)
        self.workers = workers  # processes that explored (peak_memory and stored_bytes add up all of them)
        self.cluster = None  # the Ray cluster they were actors of (local:N, an address), or None: forked here
        self.earlier = 0  # states generated before a checkpoint this run resumed from (not in its rate)
        self.disk_bytes_per_state = 0.0  # under --memory: bytes a frontier state took on disk (0: none spilled)
        self.disk_peak = 0  # and the most bytes on disk at once
        self.own_peak = 0  # under --memory, the seen set in a mapped file: the peak of the process's own memory

    @property
    def states_per_second(self) -> float:
        """Generated states per second of wall time (this run's: not those before the checkpoint it resumed)."""
        return (self.generated - self.earlier) / self.seconds if self.seconds > 0 else 0.0

    @property
    def bytes_per_state(self) -> float:
        """Bytes the search keeps per distinct state (fingerprint set and parent links)."""
        return self.stored_bytes / self.distinct if self.distinct else 0.0

    @property
    def memory_per_state(self) -> float:
        """Bytes per distinct state of all the memory the search took: stored states, the frontier, caches."""
        return self.grown_memory / self.distinct if self.distinct else 0.0

    @property
    def collision_probability(self) -> float:
        """TLC's optimistic fingerprint-collision estimate (0 when states were stored exactly)."""
        from .fingerprint import collision_probability

        return 0.0 if self.exact else collision_probability(self.distinct, self.generated, self.orbit)

    def as_dict(self) -> dict[str, Any]:
        return {
            "distinct": self.distinct,
            "generated": self.generated,
            "depth": self.depth,
            "queue": self.queue,
            "seconds": round(self.seconds, 4),
            "states_per_second": round(self.states_per_second, 1),
            "peak_memory": self.peak_memory,
            "bytes_per_state": round(self.bytes_per_state, 1),
            "memory_per_state": round(self.memory_per_state, 1),
            "collision_probability": self.collision_probability,
            "exact": self.exact,
            "workers": self.workers,
            "cluster": self.cluster,
            "disk_bytes_per_state": round(self.disk_bytes_per_state, 1),
            "disk_peak": self.disk_peak,
            "own_peak": self.own_peak,
        }


class Violation:
    """A property that failed (or, for ``reachable``, a witness that was never found) and its trace."""

    __slots__ = ("property", "kind", "doc", "trace", "loop_from", "instance", "form")

    def __init__(self, property: str, kind: str, doc: str, trace: list[Step]):
        self.property = property
        self.kind = kind
        self.doc = doc
        self.trace = trace
        self.loop_from: int | None = None  # liveness: the state the lasso's last step goes back to (None: it stutters)
        self.instance = ""  # liveness: the parameters of the property instance that fails ("c=c1"), if any
        self.form = ""  # liveness: eventually, leads_to, always_eventually or eventually_always

    @property
    def length(self) -> int:
        """Number of steps (the trace has one more entry: the initial state)."""
        return max(len(self.trace) - 1, 0)

    def __repr__(self):
        return f"Violation({self.kind} {self.property}, {self.length} steps)"


class Result:
    """The outcome of ``check``: pytest-friendly (``result.ok``, ``result.violation("Name")``)."""

    __slots__ = ("model", "verdict", "stats", "coverage", "violations", "witnesses", "partial", "error", "error_trace", "strategy", "properties", "quorums", "exception",
                 "constraints", "outside", "outside_at_least", "checkpoint", "fairness", "liveness")

    def __init__(self, model: str, strategy: str):
        self.model = model
        self.strategy = strategy
        self.verdict = "ok"
        self.stats = Stats()
        self.coverage: dict[str, dict[str, int]] = {}
        self.violations: list[Violation] = []
        self.witnesses: list[Violation] = []
        self.partial: str | None = None
        self.error: str | None = None
        self.error_trace: list[Step] = []
        self.properties: list = []  # the Property objects that were checked
        self.exception: BaseException | None = None  # what the model raised, for --debug
        self.quorums: list = []  # verdicts on the model's quorum requirements (specs.quorum_z3.Result)
        self.constraints: list[str] = []  # the state constraints that bounded the scope (TLC's CONSTRAINT)
        self.outside = 0  # distinct successors found beyond them: checked, not stored, not explored
        self.outside_at_least = False  # under --memory they were forgotten (and checked again): outside is a bound
        self.checkpoint: str | None = None  # the directory a checkpoint of this run was written to
        self.fairness: list = []  # the fairness conditions liveness was judged under (checker.temporal's Fair)
        self.liveness: str | None = None  # what became of the temporal properties: judged, or why not

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"

    def violation(self, name: str) -> Violation | None:
        """The violation of the named property, if any."""
        return next((v for v in self.violations if v.property == name), None)

    def witness(self, name: str) -> Violation | None:
        """The witness trace of the named reachable property, if one was found."""
        return next((w for w in self.witnesses if w.property == name), None)

    @property
    def exit_code(self) -> int:
        """0 complete and nothing violated, 1 a violation, 2 an error, 3 cut short with nothing violated."""
        return {"ok": EXIT_OK, "violation": EXIT_VIOLATION, "error": EXIT_ERROR, "partial": EXIT_INCOMPLETE}[self.verdict]

    def __repr__(self):
        return f"Result({self.verdict}, distinct={self.stats.distinct}, violations={self.violations})"
