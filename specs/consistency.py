"""Consistency checkers for histories: linearizability, sequential consistency and eventual consistency."""

from __future__ import annotations

import functools
import itertools
import resource
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Hashable, Iterable, Mapping, Sequence

from specs.datatypes import DATATYPES, INVALID, Queue, Register, validate
from specs.edn import Keyword
from specs.history import History, HistoryError, Operation, show
from specs.timeline import client_name, labels, timeline

INF = float("inf")
MOST_LANES = 24
"""Cores up to this size are also drawn as text lanes; larger ones only as a table (and with --render)."""
MOST_ROWS = 200
"""A core that could not be shrunk (the check was cut short) is printed up to this many rows."""
CONSISTENCIES = ("linearizable", "sequential")
MEMO_LIMIT = 1 << 20
"""Configurations a search remembers at most; beyond, it forgets the oldest half (it may then explore some
configurations again, but it never answers differently)."""
MEMO_PER_MEGABYTE = 1000
"""Configurations remembered per megabyte of --memory (each takes about 250 bytes)."""
STEPS_PER_CHECK = 1024
"""Search steps between two looks at the budget."""
PROBE_CHECKS = 64
"""Looks at the budget (of STEPS_PER_CHECK steps each) that one search made while shrinking a failure may take,
plus one per 64 operations of the failing part; a search that takes longer counts as not failing, so the
core stays larger rather than the shrinking stalling on a hard sub-history."""
Datatype = Register | Queue
Search = Callable[[Sequence[Operation], Datatype, Hashable, "Budget"], bool]


class Stopped(Exception):
    """A check cut short by a limit or an interrupt; the message says which, as `stopped at --time-limit 5s`."""


class _Unsettled(Exception):
    """A search made while shrinking that ran past its share of steps (see PROBE_CHECKS)."""


class Budget:
    """What a check may spend: `seconds`, `megabytes` of peak resident memory, `memo` configurations remembered
    by a search; it counts how far the check got. A check given a budget also turns Ctrl-C (and SIGTERM, which
    `concord` raises as KeyboardInterrupt("SIGTERM")) and running out of memory into an incomplete verdict."""

    def __init__(self, seconds: float | None = None, megabytes: float | None = None, memo: int = MEMO_LIMIT):
        self.seconds, self.megabytes = seconds, megabytes
        self.memo = memo if megabytes is None else max(1000, min(memo, int(megabytes * MEMO_PER_MEGABYTE)))
        self.deadline = INF if seconds is None else time.monotonic() + seconds
        self.decided = 0
        self.reached = 0
        self.cap: int | None = None

    @property
    def progress(self) -> int:
        """Operations checked: those of the parts decided, and how far the current search got."""
        return self.decided + self.reached

    def spend(self, reached: int) -> None:
        """Note that the current search got `reached` operations far; raise Stopped if a limit is hit."""
        self.reached = max(self.reached, reached)
        if self.cap is not None:
            self.cap -= 1
            if self.cap < 0:
                raise _Unsettled()
        if time.monotonic() > self.deadline:
            raise Stopped(f"stopped at --time-limit {self.seconds:g}s")
        if self.megabytes is not None and _peak_megabytes() > self.megabytes:
            raise Stopped(f"stopped at --memory {self.megabytes:,.0f} MB")

    def next_part(self, size: int) -> None:
        """Count a part of `size` operations as decided."""
        self.decided += size
        self.reached = 0


UNLIMITED = Budget()
STOPS = (Stopped, KeyboardInterrupt, MemoryError)
"""What cuts a check with a budget short."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """A verdict on a history.

    When it fails, `core` is the smallest set of operations found that cannot be ordered (each of them an
    operation of the history, as recorded), `window` every operation of the same key that overlaps the core's
    time span, and `reason` says what is wrong in one line.
    """

    ok: bool | None
    consistency: str
    model: str
    operations: int
    reason: str = ""
    core: tuple[Operation, ...] = ()
    window: tuple[Operation, ...] = ()
    stopped: str = ""
    checked: int = 0

    @property
    def complete(self) -> bool:
        """Whether the check ran to its end; a violation is definite even when it did not."""
        return not self.stopped

    def text(self) -> str:
        """The verdict for a terminal; when failing, the core as a table and as client lanes."""
        scope = f"{self.model} model, {self.operations} operations"
        if self.ok:
            return f"OK: {self.consistency} ({scope})"
        if self.ok is None:
            return (f"UNKNOWN: {self.stopped} after {self.checked} of {self.operations} operations "
                    f"(no violation of {self.consistency} found so far, {self.model} model)")
        lines = [f"FAIL: not {self.consistency} ({scope})", self.reason]
        if self.stopped:
            lines.append(f"(shrinking the failure {self.stopped.replace('stopped ', '')}: these operations fail "
                         "together, but fewer may do)")
        if self.core:
            shown = self.core[:MOST_ROWS]
            columns = {"client": [client_name(op.process) for op in shown],
                       "called": [_time(op.call) for op in shown],
                       "returned": ["-" if op.ret is None else _time(op.ret) for op in shown],
                       "operation": labels(shown)}
            if any(op.line for op in shown):
                columns["line"] = [str(op.line or "") for op in shown]
            widths = [max(map(len, [name, *cells])) for name, cells in columns.items()]
            rows = zip(*([name, *cells] for name, cells in columns.items()))
            lines += ["", *("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
                            for row in rows)]
            if len(self.core) > len(shown):
                lines.append(f"  ... and {len(self.core) - len(shown)} more")
            if len(self.core) <= MOST_LANES:
                lines += ["", *("  " + lane for lane in timeline(self.core))]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The verdict as JSON-ready data; operations as in the JSON operation schema, plus their line.

        `ok` is null when the check stopped before finding a violation; `stopped` says why it stopped early.
        """
        return {"ok": self.ok, "complete": self.complete, "stopped": self.stopped or None,
                "consistency": self.consistency, "model": self.model,
                "operations": self.operations, "checked": self.checked if self.stopped else self.operations,
                "reason": self.reason,
                "core": [_operation_json(op) for op in self.core],
                "window": [_operation_json(op) for op in self.window]}


def check(history: History | Iterable[Operation], consistency: str = "linearizable", model: str = "register",
          initial: Hashable = None, budget: Budget | None = None) -> CheckResult:
    """Check `history` for `consistency` (linearizable or sequential) against `model` (register, kv, queue).

    With a `budget`, a check cut short (by a limit, Ctrl-C, SIGTERM or running out of memory) returns what it
    knows: a violation already found (its core perhaps not the smallest), or `ok` None.
    """
    if consistency not in CONSISTENCIES:
        raise ValueError(f"unknown consistency {consistency!r}: expected one of {', '.join(CONSISTENCIES)}")
    checker = check_linearizable if consistency == "linearizable" else check_sequential
    return checker(history, model, initial, budget)


def check_linearizable(history: History | Iterable[Operation], model: str = "register",
                       initial: Hashable = None, budget: Budget | None = None) -> CheckResult:
    """Linearizability: one order of the operations that respects real time and the model's semantics.

    Each key of a kv history is checked on its own (linearizability is compositional). On failure, the
    result holds a small core of operations that cannot be linearized.
    """
    datatype = _datatype(model)
    operations = _prepare(history, datatype)
    local = DATATYPES["register"] if datatype.keyed else datatype
    searches = budget or Budget()
    fails = _fails(local, initial, _linearizable, searches)
    try:
        for part in sorted(datatype.partition(operations), key=len):
            if fails(part):
                probe = _capped(fails, searches, len(part))
                core, stopped = _smallest_core(part, local, probe, real_time=True, budget=budget)
                return _failure("linearizable", datatype, operations, part, core, stopped)
            if budget:
                budget.next_part(len(part))
    except STOPS as stop:
        return _unknown("linearizable", datatype, operations, _stop_reason(stop, budget), budget)
    return CheckResult(True, "linearizable", datatype.name, len(operations))


def check_sequential(history: History | Iterable[Operation], model: str = "register",
                     initial: Hashable = None, budget: Budget | None = None) -> CheckResult:
    """Sequential consistency: one order that keeps each client's operations in program order; real time is
    ignored, and keys are not independent (sequential consistency is not compositional)."""
    datatype = _datatype(model)
    operations = _prepare(history, datatype)
    searches = budget or Budget()
    fails = _fails(datatype, initial, _sequentially_consistent, searches)
    try:
        if not fails(operations):
            return CheckResult(True, "sequential", datatype.name, len(operations))
    except STOPS as stop:
        return _unknown("sequential", datatype, operations, _stop_reason(stop, budget), budget)
    probe = _capped(fails, searches, len(operations))
    core, stopped = _smallest_core(operations, datatype, probe, real_time=False, budget=budget)
    return _failure("sequential", datatype, operations, operations, core, stopped)


def check_eventual(replicas: Mapping[Hashable, Any], history: History | Iterable[Operation] | None = None,
                   model: str = "register", initial: Hashable = None) -> CheckResult:
    """Eventual consistency, judged once writes have stopped and replicas have exchanged everything.

    `replicas` maps each replica to its final state: the register's value, or for kv a mapping from keys to
    values (a missing key holds `initial`). Converged means every replica holds the same value for every key.
    With the `history`, each converged value must also be one that a latest write installed: a write, or
    cas, on that key that no acknowledged write began after (`initial` when no write was acknowledged), so
    neither a value from nowhere nor a lost update passes.
    """
    datatype = _datatype(model)
    if isinstance(datatype, Queue):
        raise ValueError("eventual consistency is checked for the register and kv models")
    operations = _prepare(history or (), datatype)
    states = {name: (state if datatype.keyed else {None: state}) for name, state in replicas.items()}
    keys = list(dict.fromkeys(key for state in states.values() for key in state))
    for key in keys:
        values = {name: state.get(key, initial) for name, state in states.items()}
        distinct = list({show(value): value for value in values.values()}.values())
        on_key = "" if key is None else f" on key {show(key)}"
        if len(distinct) > 1:
            held = ", ".join(f"{show(name)} holds {show(value)}" for name, value in values.items())
            return CheckResult(False, "eventual", datatype.name, len(operations),
                               f"replicas have not converged{on_key}: {held}")
        if history is not None and distinct:
            failure = _stale_final_value(distinct[0], key, operations, initial)
            if failure:
                reason, core = failure
                return CheckResult(False, "eventual", datatype.name, len(operations),
                                   f"replicas converged{on_key} on {show(distinct[0])}, {reason}", core, core)
    return CheckResult(True, "eventual", datatype.name, len(operations))


@functools.lru_cache(maxsize=1 << 16)
def is_linearizable(history: History, model: str = "register", initial: Hashable = None) -> bool:
    """Whether `history` is linearizable; cached by value, so a model can afford it at every state."""
    datatype = _datatype(model)
    return _all_linearizable(_prepare(history, datatype), datatype, initial)


@functools.lru_cache(maxsize=1 << 16)
def is_sequential(history: History, model: str = "register", initial: Hashable = None) -> bool:
    """Whether `history` is sequentially consistent; cached by value like `is_linearizable`."""
    datatype = _datatype(model)
    return _sequentially_consistent(_prepare(history, datatype), datatype, initial)


def client_programs(operations: Iterable[Operation]) -> list[list[Operation]]:
    """Each client's operations in program order; a client that crashed (pending operation) and carried on
    counts as a new client from then on, as Jepsen does."""
    programs: dict[Hashable, list[list[Operation]]] = {}
    for op in sorted(operations, key=lambda op: op.call):
        incarnations = programs.setdefault(op.process, [[]])
        previous = incarnations[-1][-1] if incarnations[-1] else None
        if previous is not None and previous.ret is None:
            incarnations.append([])
        elif previous is not None and previous.ret >= op.call:
            raise HistoryError(f"client {show(op.process)} invokes {op.f} before its previous operation returned: "
                               "a client runs one operation at a time", op.line)
        incarnations[-1].append(op)
    return [program for incarnations in programs.values() for program in incarnations]


class _Entries:
    """Porcupine's entry list: the calls and returns of a history in time order (calls first at equal times),
    as a doubly linked list over arrays; an operation that never returned has no return entry."""

    __slots__ = ("following", "preceding", "operation_at", "return_of", "tail")

    def __init__(self, history: Sequence[Operation]):
        events = sorted([(op.call, 0, i) for i, op in enumerate(history)]
                        + [(op.ret, 1, i) for i, op in enumerate(history) if op.ret is not None])
        self.tail = len(events) + 1
        self.following = list(range(1, self.tail + 2))
        self.preceding = list(range(-1, self.tail))
        self.operation_at = [-1] * (self.tail + 1)
        self.return_of = [self.tail] * (self.tail + 1)
        call_entry = [0] * len(history)
        for entry, (_, kind, index) in enumerate(events, 1):
            if kind:
                self.return_of[call_entry[index]] = entry
            else:
                call_entry[index] = entry
                self.operation_at[entry] = index

    def calls(self) -> list[int]:
        """The operations in the order of their calls."""
        return [index for index in self.operation_at if index >= 0]

    def lift(self, entry: int) -> None:
        """Take a call, and its return, out of the list."""
        following, preceding = self.following, self.preceding
        for unlinked in (entry, self.return_of[entry]):
            if unlinked != self.tail:
                following[preceding[unlinked]] = following[unlinked]
                preceding[following[unlinked]] = preceding[unlinked]

    def unlift(self, entry: int) -> None:
        """Put back a call, and its return, lifted last."""
        following, preceding = self.following, self.preceding
        for linked in (self.return_of[entry], entry):
            if linked != self.tail:
                following[preceding[linked]] = linked
                preceding[following[linked]] = linked


def _linearizable(history: Sequence[Operation], datatype: Datatype, initial: Hashable,
                  budget: Budget = UNLIMITED) -> bool:
    """Wing and Gong's search with Lowe's cache of (linearized set, state), over Porcupine's entry list.

    Linearizing an operation lifts its call and return out of the list; reaching a return whose operation is
    not linearized means backtracking. Three refinements keep the search small:
    - a completed observer (an operation that leaves the state as it is, like a read) that can go next goes
      next, without alternatives: it could be moved to the front of any linearization that follows;
    - operations that never returned can always go last (their step never fails), so the history holds once
      every completed operation is linearized; they are tried only when no completed operation can go
      next, and those with the same effect in call order;
    - a configuration is skipped when one with the same completed set and state, but a subset of those
      pending operations, was reached before.

    The completed set is held relative to a frontier, as in Lowe's and Horn and Kroening's checkers: every
    completed operation called before the `frontier`-th is linearized, and `done` holds the bits of those
    after it. An operation can only be linearized before the first one not linearized returns, so `done`
    spans the operations that overlap that one: a few bits when clients seldom overlap, however long the
    history. The memo of configurations is bounded by the budget (the oldest half is forgotten).
    """
    state, step = datatype.start(initial, history, real_time=True)
    entries = _Entries(history)
    following, operation_at, tail = entries.following, entries.operation_at, entries.tail
    pending = [op.ret is None for op in history]
    observer = [op.ret is not None and datatype.observes_only(op) for op in history]
    place, effect, rank = [0] * len(history), [0] * len(history), [0] * len(history)
    effects: dict[tuple, int] = {}
    ranks: list[int] = []
    counts = [0, 0]
    for index in entries.calls():
        place[index] = counts[pending[index]]
        counts[pending[index]] += 1
        if pending[index]:
            op = history[index]
            effect[index] = effects.setdefault((op.f, op.key, op.value), len(effects))
            ranks += [0] * (len(effects) - len(ranks))
            rank[index] = ranks[effect[index]]
            ranks[effect[index]] += 1
    used = [0] * len(effects)
    completed = counts[False]
    seen: dict[tuple[int, int, Any], list[int]] = {}
    memo = budget.memo

    def fresh(frontier: int, done: int, maybe: int, state: Any) -> bool:
        """Record a configuration, unless one with the same completed set and state, and a subset of its
        pending operations, was recorded before."""
        nonlocal seen
        reached = seen.get((frontier, done, state))
        if reached is None:
            if len(seen) >= memo:
                seen = _newest_half(seen)
            seen[frontier, done, state] = [maybe]
            return True
        for earlier in reached:
            if earlier & ~maybe == 0:
                return False
        reached.append(maybe)
        return True

    stack = []
    frontier = done = maybe = 0
    phase = passed_pending = False
    probe_observers = True
    entry = following[0]
    countdown = STEPS_PER_CHECK
    while completed:
        countdown -= 1
        if not countdown:
            countdown = STEPS_PER_CHECK
            budget.spend(len(stack))
        chosen = None
        if probe_observers:
            probe_observers = False
            probe = following[0]
            while operation_at[probe] >= 0 and not (
                    observer[operation_at[probe]] and step(state, history[operation_at[probe]]) is not INVALID):
                probe = following[probe]
            if operation_at[probe] >= 0:
                linearized = (*_with(frontier, done, place[operation_at[probe]]), maybe)
                if fresh(*linearized, state):
                    chosen = (probe, state, True, linearized)
                else:
                    phase, entry = True, tail
        if chosen is None:
            index = operation_at[entry]
            if index < 0:
                if passed_pending and not phase:
                    phase, entry = True, following[0]
                    continue
                if not stack:
                    return False
                entry, state, phase, passed_pending, forced, frontier, done, maybe = stack.pop()
                entries.unlift(entry)
                index = operation_at[entry]
                if pending[index]:
                    used[effect[index]] -= 1
                else:
                    completed += 1
                if forced:
                    phase, entry = True, tail
                    continue
            elif pending[index] is not phase:
                passed_pending = passed_pending or pending[index]
            elif not phase or rank[index] == used[effect[index]]:
                after = step(state, history[index])
                if after is not INVALID:
                    linearized = ((frontier, done, maybe | 1 << place[index]) if phase
                                  else (*_with(frontier, done, place[index]), maybe))
                    if fresh(*linearized, after):
                        chosen = (entry, after, False, linearized)
            if chosen is None:
                entry = following[entry]
                continue
        entry, after, forced, linearized = chosen
        stack.append((entry, state, phase, passed_pending, forced, frontier, done, maybe))
        entries.lift(entry)
        index = operation_at[entry]
        if pending[index]:
            used[effect[index]] += 1
        else:
            completed -= 1
        frontier, done, maybe = linearized
        state, phase, passed_pending, probe_observers = after, False, False, True
        entry = following[0]
    return True


def _with(frontier: int, done: int, place: int) -> tuple[int, int]:
    """The completed set (`frontier`, `done`) with the operation at `place` in call order added."""
    done |= 1 << (place - frontier)
    if place != frontier:
        return frontier, done
    run = (~done & (done + 1)).bit_length() - 1
    return frontier + run, done >> run


def _newest_half(memo: dict) -> dict:
    """The newer half of `memo`'s entries."""
    return dict(itertools.islice(memo.items(), len(memo) // 2, None))


def _sequentially_consistent(history: Sequence[Operation], datatype: Datatype, initial: Hashable,
                             budget: Budget = UNLIMITED) -> bool:
    """Depth-first search over (position in each client's program, state), earliest invocation first.

    A linearizable history is sequentially consistent (a linearization keeps each client's order), which
    settles most histories at once. As in `_linearizable`, a completed observer that can go next goes next,
    alone; an operation that never returned may be skipped: it need not have taken effect. The configurations
    seen are bounded by the budget, as there.
    """
    programs = client_programs(history)
    if _all_linearizable(history, datatype, initial, budget):
        return True
    state, step = datatype.start(initial, history)
    ends = tuple(len(program) for program in programs)
    start = ((0,) * len(programs), state)
    seen = {start: None}
    stack = [start]
    countdown = STEPS_PER_CHECK
    while stack:
        countdown -= 1
        if not countdown:
            countdown = STEPS_PER_CHECK
            budget.spend(sum(stack[-1][0]))
        positions, state = stack.pop()
        if positions == ends:
            return True
        moves = []
        for number, program in enumerate(programs):
            position = positions[number]
            if position < len(program):
                op = program[position]
                advanced = positions[:number] + (position + 1,) + positions[number + 1:]
                after = step(state, op)
                if after is not INVALID and op.ret is not None and datatype.observes_only(op):
                    moves = [(op.call, (advanced, after))]
                    break
                if after is not INVALID:
                    moves.append((op.call, (advanced, after)))
                if op.ret is None:
                    moves.append((op.call, (advanced, state)))
        moves.sort(key=lambda move: move[0], reverse=True)
        for _, configuration in moves:
            if configuration not in seen:
                if len(seen) >= budget.memo:
                    seen = _newest_half(seen)
                seen[configuration] = None
                stack.append(configuration)
    return False


def _smallest_core(history: list[Operation], datatype: Datatype, fails: Callable[[list[Operation]], bool],
                   real_time: bool, budget: Budget | None = None) -> tuple[tuple[Operation, ...], str]:
    """A small failing sub-history, as recorded operations of `history`, and why shrinking stopped early ("" if
    it did not: with a budget, a limit or an interrupt leaves the smallest failing sub-history found so far).

    Every step keeps a sub-history that still fails and whose failure implies the one before's: dropping
    sets of operations closed under the model's `closure` (what is left never observed what was dropped),
    first everything that completed before the latest point that allows it; then, under real time, cutting
    to the shortest failing prefix (linearizability is prefix-closed; operations still running at the cut
    become pending, which only loosens them); then delta debugging down to single operations. The costly
    checks are the failing ones, and they cost in proportion to the history before the failure, so the
    start goes first.
    """
    found = tuple(history)
    try:
        kept = sorted(_trim_start(history, datatype, fails))
        operations = [history[i] for i in kept]
        found = tuple(operations)
        positions = list(range(len(operations)))
        if real_time:
            positions, operations = _failing_prefix(operations, datatype, fails)
            found = tuple(history[kept[i]] for i in positions)
        core = _delta_debug(operations, datatype, fails)
    except STOPS as stop:
        return found, _stop_reason(stop, budget)
    return tuple(history[kept[positions[i]]] for i in sorted(core)), ""


def _trim_start(history: list[Operation], datatype: Datatype, fails: Callable[[list[Operation]], bool]) -> set[int]:
    """What is left of a failing `history` after soundly dropping all it can that completed early."""
    core = set(range(len(history)))
    cuts = sorted({op.ret for op in history if op.ret is not None})
    low, high = 0, len(cuts)
    while low < high:
        middle = (low + high + 1) // 2
        seeds = {i for i in core if history[i].ret is not None and history[i].ret <= cuts[middle - 1]}
        rest = core - datatype.closure(history, core, seeds)
        if rest and fails([history[i] for i in sorted(rest)]):
            low, core = middle, rest
        else:
            high = middle - 1
    return core


def _delta_debug(history: list[Operation], datatype: Datatype, fails: Callable[[list[Operation]], bool]) -> set[int]:
    """Delta debugging over closed sets: sweep chunks of halving size, dropping each whose loss still fails,
    until no single operation can go."""
    core = set(range(len(history)))
    size = max(len(core) // 2, 1)
    while core:
        shrunk = False
        ordered = sorted(core)
        for start in range(0, len(ordered), size):
            chunk = core.intersection(ordered[start:start + size])
            rest = core - datatype.closure(history, core, chunk) if chunk else core
            if rest and len(rest) < len(core) and fails([history[i] for i in sorted(rest)]):
                core, shrunk = rest, True
        if size == 1 and not shrunk:
            return core
        size = max(size // 2, 1) if not shrunk or size > len(core) else size
    return core


def _failing_prefix(history: list[Operation], datatype: Datatype,
                    fails: Callable[[list[Operation]], bool]) -> tuple[list[int], list[Operation]]:
    """The shortest failing prefix of `history`, cut just after a completion, with the positions it keeps."""
    def prefix(cut: float) -> tuple[list[int], list[Operation]]:
        positions, operations = [], []
        for position, op in enumerate(history):
            if op.call <= cut:
                if op.ret is None or op.ret > cut:
                    if op.f in datatype.pending_noops:
                        continue
                    op = replace(op, ret=None, output=None)
                positions.append(position)
                operations.append(op)
        return positions, operations

    cuts = sorted({op.ret for op in history if op.ret is not None}) + [INF]
    low, high = 0, len(cuts) - 1
    while low < high:
        middle = (low + high) // 2
        if fails(prefix(cuts[middle])[1]):
            high = middle
        else:
            low = middle + 1
    return prefix(cuts[low])


def _fails(datatype: Datatype, initial: Hashable, search: Search,
           budget: Budget = UNLIMITED) -> Callable[[list[Operation]], bool]:
    def fails(operations: list[Operation]) -> bool:
        return not search(operations, datatype, initial, budget)
    return fails


def _capped(fails: Callable[[list[Operation]], bool], budget: Budget,
            size: int) -> Callable[[list[Operation]], bool]:
    """`fails` for shrinking a failing part of `size` operations: True only when a search within PROBE_CHECKS
    (and one more per 64 operations) looks at `budget` shows the failure."""
    def probe(operations: list[Operation]) -> bool:
        budget.cap = PROBE_CHECKS + size // 64
        try:
            return fails(operations)
        except _Unsettled:
            return False
        finally:
            budget.cap = None
    return probe


def _all_linearizable(operations: Sequence[Operation], datatype: Datatype, initial: Hashable,
                      budget: Budget = UNLIMITED) -> bool:
    local = DATATYPES["register"] if datatype.keyed else datatype
    fails = _fails(local, initial, _linearizable, budget)
    return not any(fails(part) for part in datatype.partition(operations))


def _stop_reason(stop: BaseException, budget: Budget | None) -> str:
    """Why a check with a budget stopped early, in a few words; without a budget, `stop` goes on up."""
    if budget is None:
        raise stop
    if isinstance(stop, KeyboardInterrupt):
        return f"interrupted ({'SIGTERM' if str(stop) == 'SIGTERM' else 'Ctrl-C'})"
    if isinstance(stop, MemoryError):
        return "stopped: out of memory"
    return str(stop)


def _unknown(consistency: str, datatype: Datatype, operations: list[Operation], stopped: str,
             budget: Budget) -> CheckResult:
    return CheckResult(None, consistency, datatype.name, len(operations), stopped=stopped,
                       checked=min(budget.progress, len(operations)))


def _peak_megabytes() -> float:
    """The peak resident memory of this process so far, in megabytes (2**20 bytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _failure(consistency: str, datatype: Datatype, operations: list[Operation], part: list[Operation],
             core: tuple[Operation, ...], stopped: str = "") -> CheckResult:
    start = min(op.call for op in core)
    end = max(INF if op.ret is None else op.ret for op in core)
    window = tuple(op for op in part if op.call <= end and (op.ret is None or op.ret >= start))
    keys = {op.key for op in core}
    on_key = f" on key {show(next(iter(keys)))}" if len(keys) == 1 and None not in keys else ""
    verb = "linearized" if consistency == "linearizable" else "put in one order that keeps each client's order"
    subject = "this operation" if len(core) == 1 else f"these {len(core)} operations"
    reason = f"{subject}{on_key} cannot be {verb}"
    return CheckResult(False, consistency, datatype.name, len(operations), reason, core, window, stopped,
                       len(operations))


def _stale_final_value(value: Any, key: Hashable, operations: list[Operation],
                       initial: Hashable) -> tuple[str, tuple[Operation, ...]] | None:
    """Why `value` cannot be the final value of `key`, with the operations that show it; None if it can."""
    writes = [op for op in operations if op.key == key and op.f in ("write", "cas")]
    acknowledged = [op for op in writes if op.ret is not None]
    last_call = max((op.call for op in acknowledged), default=-INF)
    latest = [op for op in writes if op.ret is None or op.ret >= last_call]
    candidates = [(op.value[1] if op.f == "cas" else op.value) for op in latest]
    if any(candidate == value for candidate in candidates) or (not acknowledged and value == initial):
        return None
    installers = tuple(op for op in writes if (op.value[1] if op.f == "cas" else op.value) == value)
    if not installers and value != initial:
        return "a value that no operation wrote", ()
    newest = max(acknowledged, key=lambda op: op.call)
    if not installers:
        return f"the initial value, though {newest} was acknowledged (a lost update)", (newest,)
    return (f"but {newest} began after every write of it was acknowledged (a lost update)",
            installers + (newest,))


def _prepare(history: History | Iterable[Operation], datatype: Datatype) -> list[Operation]:
    """The operations to check: validated, without pending ones that cannot change the state (pending reads)."""
    operations = history.operations if isinstance(history, History) else tuple(history)
    validate(datatype, operations)
    return [op for op in operations if not (op.ret is None and op.f in datatype.pending_noops)]


def _datatype(model: str) -> Datatype:
    if model not in DATATYPES:
        raise ValueError(f"unknown model {model!r}: expected one of {', '.join(DATATYPES)}")
    return DATATYPES[model]


def _time(time: float) -> str:
    return str(time) if isinstance(time, int) else str(int(time)) if time.is_integer() else str(time)


def _operation_json(op: Operation) -> dict[str, Any]:
    record = {"process": _plain(op.process), "f": op.f, "value": _plain(op.value), "output": _plain(op.output),
              "call": op.call, "return": op.ret, "line": op.line}
    if op.key is not None:
        record["key"] = _plain(op.key)
    return record


def _plain(value: Any) -> Any:
    if isinstance(value, Keyword):
        return str(value)
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value
