"""Z3 checks of quorum requirements: a proof for one N or for every N, or witness quorums that break it."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections import Counter
from dataclasses import dataclass
from time import perf_counter

import z3

from specs.quorum import Clause, Quorum, Requirement, server_order

PROVED, REFUTED, UNKNOWN = "proved", "refuted", "unknown"


@dataclass(frozen=True, slots=True)
class Result:
    """The answer to one check; `witness` holds one quorum per label when the verdict is refuted."""

    verdict: str
    requirement: str
    witness: tuple[Quorum, ...] | None
    seconds: float
    labels: tuple[str, ...] = ()
    violated: str = ""
    servers: tuple[str, ...] = ()
    n: int | None = None
    settled: tuple[str, ...] = ()  # with an unknown verdict: the clauses proved before the check stopped
    why: str = ""  # with an unknown verdict: why the check stopped

    @property
    def ms(self) -> float:
        return self.seconds * 1000

    def to_json(self) -> dict:
        quorums = None if self.witness is None else [
            {"label": label, "servers": sorted(q, key=server_order)} for label, q in zip(self.labels, self.witness)]
        return {"verdict": self.verdict, "requirement": self.requirement, "violated": self.violated or None,
                "witness": quorums, "n": self.n, "servers": list(self.servers), "ms": round(self.ms, 3)}


GRACE_S = 2.0
"""Seconds a Z3 query is given to stop once interrupted, before it is left running in its daemon thread."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM delivered as KeyboardInterrupt) during a check; `result` holds what was known then."""

    def __init__(self, stop: KeyboardInterrupt, result: Result):
        super().__init__(*stop.args)
        self.result = result


class Deadline:
    """The wall-clock budget shared by every Z3 query of one check, and why the last query gave up."""

    def __init__(self, ms: float):
        self.ms = ms
        self.end = perf_counter() + ms / 1000
        self.why = ""

    def left_ms(self) -> int:
        return max(0, int((self.end - perf_counter()) * 1000))

    def passed(self) -> bool:
        return perf_counter() >= self.end


def check(requirement: Requirement, timeout_ms: float = 10_000) -> Result:
    """Prove `requirement` for its concrete quorum families, or return quorums that violate it.

    Every Z3 query shares one budget of `timeout_ms` milliseconds; when it runs out the verdict is unknown.
    Ctrl-C raises Interrupted, holding the unknown result so far.
    """
    with _interrupts_at_safe_points():
        return _check(requirement, Deadline(timeout_ms), perf_counter())


def _check(requirement: Requirement, deadline: Deadline, start: float) -> Result:
    everyone = _servers(requirement)
    clause, settled = None, []
    try:
        for clause in requirement.clauses():
            _safe_point()
            if _counting_rules_out(clause, everyone, deadline):
                settled.append(clause.describe())
                continue
            answer, witness = _find_violation(clause, everyone, deadline)
            if answer == z3.sat:
                return Result(REFUTED, requirement.describe(), _shrink(clause, witness), perf_counter() - start,
                              clause.labels, clause.describe(), everyone)
            if answer == z3.unknown:
                return _unknown(requirement.describe(), start, clause, settled, deadline.why, servers=everyone)
            settled.append(clause.describe())
    except KeyboardInterrupt as stop:
        raise Interrupted(stop, _unknown(requirement.describe(), start, clause, settled, _interrupted(stop),
                                         servers=everyone)) from None
    return Result(PROVED, requirement.describe(), None, perf_counter() - start, servers=everyone)


def check_all_n(requirement: Requirement, timeout_ms: float = 10_000, max_n: int | None = None) -> Result:
    """Prove a requirement over ThresholdOfN families for every N, or refute it at the smallest failing N.

    The queries share one budget of `timeout_ms` milliseconds, as in `check`. When the smallest failing
    N is above `max_n` the verdict is unknown (with that N): a witness would need too many servers.
    Raises ValueError when no N gives every family a size between 1 and N.
    """
    with _interrupts_at_safe_points():
        return _check_all_n(requirement, timeout_ms, max_n)


def _check_all_n(requirement: Requirement, timeout_ms: float, max_n: int | None) -> Result:
    start, deadline = perf_counter(), Deadline(timeout_ms)
    sizes = [family for _, family in requirement.named()]
    text = f"for every N: {requirement.describe()}"
    clause, settled = None, []
    try:
        answer, first = _least_n(sizes, None, None, deadline)
        if answer == z3.unknown:
            return _unknown(text, start, None, settled, deadline.why)
        if answer != z3.sat:
            raise ValueError("no N makes every quorum size lie between 1 and N")
        text = f"for every N >= {first}: {requirement.describe()}"
        smallest, failing = None, None
        for clause in requirement.clauses():
            answer, n = _least_n(sizes, clause, smallest, deadline)
            if answer == z3.unknown:
                return _unknown(text, start, clause, settled, deadline.why)
            if answer == z3.sat:
                smallest, failing = n, clause
            elif smallest is None:  # unsat with no upper bound on N: the clause holds for every N
                settled.append(clause.describe())
        if smallest is None:
            return Result(PROVED, text, None, perf_counter() - start)
        if max_n is not None and smallest > max_n:
            return _unknown(text, start, failing, settled, f"the smallest N that fails is {smallest}, and a witness "
                            f"would need more than {max_n} servers", n=smallest)
        concrete = _check(requirement.at(smallest), deadline, start)
    except KeyboardInterrupt as stop:
        raise Interrupted(stop, _unknown(text, start, clause, settled, _interrupted(stop))) from None
    return Result(concrete.verdict, text, concrete.witness, perf_counter() - start, concrete.labels,
                  concrete.violated, concrete.servers, smallest, concrete.settled, concrete.why)


def _unknown(text: str, start: float, clause: Clause | None, settled: list, why: str, **more) -> Result:
    """The unknown verdict: the clause being checked when the check stopped, and those proved before it."""
    return Result(UNKNOWN, text, None, perf_counter() - start, violated=clause.describe() if clause else "",
                  settled=tuple(settled), why=why, **more)


def _interrupted(stop: KeyboardInterrupt) -> str:
    return f"interrupted ({stop})" if str(stop) else "interrupted"


def _solve(solver, deadline: Deadline):
    """solver.check() within the deadline, in a worker thread, so that Ctrl-C and SIGTERM stop it at once."""
    _safe_point()
    if deadline.passed():
        deadline.why = f"the time limit of {deadline.ms:g} ms ran out"
        return z3.unknown
    solver.set("timeout", max(1, deadline.left_ms()))
    solver.set("ctrl_c", False)  # the handlers of _interrupts_at_safe_points interrupt Z3 instead
    outcome = []
    worker = threading.Thread(target=_run_check, args=(solver, outcome), daemon=True)
    worker.start()
    while worker.is_alive() and not deadline.passed() and not _pending:
        worker.join(min(0.1, deadline.left_ms() / 1000))
    if worker.is_alive():  # past the deadline (Z3's own timeout is late) or interrupted
        solver.ctx.interrupt()
        worker.join(GRACE_S)  # some phases of Z3 ignore an interrupt for long: then leave the thread behind
    _safe_point()
    if not outcome:
        deadline.why = f"the time limit of {deadline.ms:g} ms ran out (Z3 did not stop within {GRACE_S:g} s)"
        return z3.unknown
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    if outcome[0] == z3.unknown:
        reason = solver.reason_unknown()
        out_of_time = deadline.passed() or reason in ("timeout", "canceled", "interrupted")
        deadline.why = f"the time limit of {deadline.ms:g} ms ran out" if out_of_time else f"Z3: {reason}"
    return outcome[0]


_pending: list[str] = []
"""Interrupts received while a check runs, raised at its next safe point: "" for Ctrl-C, "SIGTERM"."""


@contextlib.contextmanager
def _interrupts_at_safe_points():
    """Meanwhile, Ctrl-C and SIGTERM stop Z3 and are raised as KeyboardInterrupt at the next safe point.

    Raised at once, they could land inside Z3's Python layer (in a ctypes conversion, or in a __del__ that
    swallows them) and be lost or turned into another error.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def defer(signum, frame):
        _pending.append("SIGTERM" if signum == signal.SIGTERM else "")
        z3.main_ctx().interrupt()

    previous = {number: signal.signal(number, defer) for number in (signal.SIGINT, signal.SIGTERM)}
    _pending.clear()
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        pending = list(_pending)
        _pending.clear()
    if pending:  # came after the last safe point: still an interrupt
        raise KeyboardInterrupt(pending[0])


def _safe_point() -> None:
    if _pending:
        raise KeyboardInterrupt(_pending[0])


def _run_check(solver, outcome: list) -> None:
    try:
        outcome.append(solver.check())
    except Exception as error:  # raised again in the caller's thread
        outcome.append(error)


def _servers(requirement: Requirement) -> tuple[str, ...]:
    names = (s for _, family in requirement.named() for s in family.servers)
    return tuple(sorted(dict.fromkeys(names), key=server_order))


def _counting_rules_out(clause: Clause, everyone: tuple[str, ...], deadline: Deadline) -> bool:
    """Whether quorum sizes alone forbid a violation (unsat is a proof: the constraints are implied ones)."""
    solver = z3.Solver()
    ranges = [frozenset(f.servers) for f in clause.families]
    kinds = Counter(frozenset(i for i, names in enumerate(ranges) if s in names) for s in everyone)
    _add_venn_counts(solver, clause, list(kinds.items()), [f.least_size() for f in clause.families])
    return _solve(solver, deadline) == z3.unsat


def _find_violation(clause: Clause, everyone: tuple[str, ...], deadline: Deadline):
    """Ask Z3 for one quorum per family with fewer than `at_least` common servers."""
    solver = z3.SolverFor("QF_FD")
    picks = [{s: z3.Bool(f"q{i}_{s}") for s in everyone} for i in range(len(clause.families))]
    for family, member in zip(clause.families, picks):
        solver.add(family.constraint(member))
        names = frozenset(family.servers)
        solver.add(*(z3.Not(member[s]) for s in everyone if s not in names))
    in_all = [z3.And(*(member[s] for member in picks)) for s in everyone]
    if clause.at_least == 1:
        solver.add(*(z3.Not(shared) for shared in in_all))
    else:
        solver.add(z3.AtMost(*in_all, clause.at_least - 1))
    answer = _solve(solver, deadline)
    if answer != z3.sat:
        return answer, None
    model = solver.model()
    return answer, tuple(frozenset(s for s in everyone if z3.is_true(model.eval(member[s], model_completion=True)))
                         for member in picks)


def _shrink(clause: Clause, witness: tuple[Quorum, ...]) -> tuple[Quorum, ...]:
    """Drop servers from the witness quorums while they stay quorums (the overlap only shrinks)."""
    quorums = list(witness)
    for i, family in enumerate(clause.families):
        for server in sorted(quorums[i], key=server_order, reverse=True):
            if family.contains(quorums[i] - {server}):
                quorums[i] -= {server}
    return tuple(quorums)


def _least_n(sizes: list, clause: Clause | None, below: int | None, deadline: Deadline):
    """The least N where every size lies in 1..N and, given a clause, the counting argument admits a violation."""
    solver = z3.Optimize()
    n = z3.Int("N")
    solver.add(n >= 1, *(z3.And(1 <= f.size_z3(n), f.size_z3(n) <= n) for f in sizes))
    if below is not None:
        solver.add(n < below)
    if clause is not None:
        everywhere = frozenset(range(len(clause.families)))
        _add_venn_counts(solver, clause, [(everywhere, n)], [f.size_z3(n) for f in clause.families])
    solver.minimize(n)
    answer = _solve(solver, deadline)
    return answer, solver.model()[n].as_long() if answer == z3.sat else None


def _add_venn_counts(solver, clause: Clause, kinds: list, least: list) -> None:
    """Integer counts of servers in each Venn region of the clause's quorums (one quorum per family).

    `kinds` pairs a set of family indexes with the number of servers that exactly those families
    range over; `least` is each family's minimum quorum size. The violation: fewer than `at_least`
    servers lie in all the quorums.
    """
    every = 2 ** len(clause.families) - 1
    regions = []
    for families, size in kinds:
        counts = [(mask, z3.Int(f"r_{sorted(families)}_{mask}")) for mask in range(1, every + 1)
                  if all(i in families for i in range(len(clause.families)) if mask >> i & 1)]
        solver.add(*(count >= 0 for _, count in counts), z3.Sum(0, *(count for _, count in counts)) <= size)
        regions += counts
    for i, minimum in enumerate(least):
        solver.add(z3.Sum(0, *(count for mask, count in regions if mask >> i & 1)) >= minimum)
    solver.add(z3.Sum(0, *(count for mask, count in regions if mask == every)) <= clause.at_least - 1)
