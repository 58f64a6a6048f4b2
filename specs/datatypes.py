"""Sequential specifications that histories are checked against: a register, a key-value map, a FIFO queue."""

from __future__ import annotations

import bisect
import itertools
from typing import Any, Callable, Sequence

from specs.history import HistoryError, Operation

INF = float("inf")
INVALID = object()
"""What a step returns when the operation cannot happen in that state."""

Step = Callable[[Any, Operation], Any]


def register_step(state: Any, op: Operation) -> Any:
    """The register after `op`, or INVALID; a pending cas swaps when it can and leaves the value otherwise."""
    f = op.f
    if f == "write":
        return op.value
    if f == "read":
        return state if op.ret is None or op.output == state else INVALID
    old, new = op.value
    if state == old:
        return new
    return state if op.ret is None else INVALID


def queue_step(state: tuple, op: Operation) -> Any:
    """The queue (a tuple, head first) after `op`, or INVALID; a completed deq with output None saw it empty."""
    if op.f == "enq":
        return state + (op.value,)
    if op.ret is None:
        return state[1:]
    if op.output is None:
        return state if not state else INVALID
    return state[1:] if state and state[0] == op.output else INVALID


class Register:
    """A register with read, write and compare-and-set; it starts at `initial` (nil by default)."""

    __slots__ = ()
    name = "register"
    keyed = False
    operations = frozenset({"read", "write", "cas"})
    pending_noops = frozenset({"read"})

    def start(self, initial: Any, history: Sequence[Operation]) -> tuple[Any, Step]:
        """The initial state and the step function for `history`."""
        return initial, register_step

    def partition(self, history: Sequence[Operation]) -> list[list[Operation]]:
        """Independent parts of `history` that can be checked for linearizability one at a time."""
        return [list(history)] if history else []

    def observes_only(self, op: Operation) -> bool:
        """Whether completed `op` leaves the state as it is whenever it can happen: a read, a cas of v to v."""
        return op.f == "read" or (op.f == "cas" and op.value[0] == op.value[1])

    def closure(self, history: Sequence[Operation], core: set[int], seeds: set[int]) -> set[int]:
        """`seeds` plus every operation of `core` that may have observed a value one of them wrote, transitively.

        An operation that reads v (a read, or a cas expecting v) may have observed a dropped write of v unless
        it returned before that write began, or a kept acknowledged write began after that write returned and
        itself returned before the reader began (operations that meet at an instant overlap). Deleting such a
        closed set from any linearization of the core leaves one of the rest: no kept operation saw a deleted
        value, and a pending cas that did nothing moves to the end. So if the rest cannot be linearized,
        neither can the core. A reader whose every possible source is dropped goes too, so that a failing core
        never reads a value from nowhere.
        """
        dropped = set(seeds)
        while True:
            grown = dropped | _observers(history, core, dropped)
            if grown == dropped:
                return dropped
            dropped = grown


class KeyValue(Register):
    """A map from keys to registers, every key starting at `initial`; linearizability is checked key by key."""

    __slots__ = ()
    name = "kv"
    keyed = True

    def start(self, initial: Any, history: Sequence[Operation]) -> tuple[Any, Step]:
        index = {key: position for position, key in enumerate(dict.fromkeys(op.key for op in history))}

        def step(state: tuple, op: Operation) -> Any:
            position = index[op.key]
            value = register_step(state[position], op)
            return INVALID if value is INVALID else state[:position] + (value,) + state[position + 1:]

        return (initial,) * len(index), step

    def partition(self, history: Sequence[Operation]) -> list[list[Operation]]:
        parts: dict[Any, list[Operation]] = {}
        for op in history:
            parts.setdefault(op.key, []).append(op)
        return list(parts.values())


class Queue:
    """A FIFO queue with enq and deq, starting with the elements of `initial` (empty by default)."""

    __slots__ = ()
    name = "queue"
    keyed = False
    operations = frozenset({"enq", "deq"})
    pending_noops = frozenset()

    def start(self, initial: Any, history: Sequence[Operation]) -> tuple[Any, Step]:
        if initial is not None and not isinstance(initial, tuple):
            raise HistoryError("the initial value of a queue must be a list of elements")
        return initial or (), queue_step

    def partition(self, history: Sequence[Operation]) -> list[list[Operation]]:
        return [list(history)] if history else []

    def observes_only(self, op: Operation) -> bool:
        """Whether completed `op` leaves the queue as it is whenever it can happen: a deq that found it empty."""
        return op.f == "deq" and op.output is None

    def closure(self, history: Sequence[Operation], core: set[int], seeds: set[int]) -> set[int]:
        """`seeds` (bar pending deqs, which can't go) plus every operation of `core` on one of their elements.

        Deleting every enq and deq of an element from a linearization leaves one (a pending deq that took the
        element moves to the end), since the other deqs never returned it.
        """
        dropped = {i for i in seeds if not (history[i].f == "deq" and history[i].pending)}
        elements = {_element(history[i]) for i in dropped} - {None}
        return dropped | {i for i in core if _element(history[i]) in elements}


DATATYPES = {datatype.name: datatype for datatype in (Register(), KeyValue(), Queue())}


def validate(datatype: Register | Queue, history: Sequence[Operation]) -> None:
    """Raise HistoryError, with the line of the first offending operation, unless `datatype` has its operations."""
    for op in history:
        if op.f not in datatype.operations:
            raise HistoryError(f"the {datatype.name} model has no {op.f} operation", op.line)
        if op.f == "cas" and not (isinstance(op.value, tuple) and len(op.value) == 2):
            raise HistoryError(f"cas takes [old new], found {op.value!r}", op.line)
        if op.f == "enq" and op.value is None:
            raise HistoryError("nil cannot be enqueued: a deq returning nil means the queue was empty", op.line)
        if datatype.keyed == (op.key is None):
            raise HistoryError("kv operations need a key" if datatype.keyed else
                               f"the {datatype.name} model takes no keys: use the kv model", op.line)


def _observers(history: Sequence[Operation], core: set[int], dropped: set[int]) -> set[int]:
    """The operations of `core` outside `dropped` that may have observed a write in `dropped`, or that would
    be left with no write of the value they read (the core would no longer say where that value came from)."""
    lost: dict[tuple[Any, Any], list[Operation]] = {}
    first_kept_call: dict[tuple[Any, Any], float] = {}
    overwriters: dict[Any, list[Operation]] = {}
    for index in core:
        op = history[index]
        if op.f == "read":
            continue
        value = (op.key, _written(op))
        if index in dropped:
            lost.setdefault(value, []).append(op)
        else:
            first_kept_call[value] = min(op.call, first_kept_call.get(value, INF))
            if op.ret is not None:
                overwriters.setdefault(op.key, []).append(op)
    latest_lost: dict[tuple[Any, Any], tuple[list[float], list[float]]] = {}
    for value, writes in lost.items():
        writes.sort(key=lambda op: op.call)
        returns = list(itertools.accumulate((INF if op.ret is None else op.ret for op in writes), max))
        latest_lost[value] = ([op.call for op in writes], returns)
    earliest_return: dict[Any, tuple[list[float], list[float]]] = {}
    for key, writes in overwriters.items():
        writes.sort(key=lambda op: op.call)
        returns = list(itertools.accumulate((op.ret for op in reversed(writes)), min))[::-1]
        earliest_return[key] = ([op.call for op in writes], returns)

    observers = set()
    for index in core - dropped:
        op = history[index]
        if op.f == "write" or (op.f == "read" and op.ret is None):
            continue
        value = (op.key, op.value[0] if op.f == "cas" else op.output)
        if value not in latest_lost:
            continue
        before = INF if op.ret is None else op.ret
        calls, returns = latest_lost[value]
        begun = bisect.bisect_right(calls, before)
        if not begun:
            continue
        latest = returns[begun - 1]
        calls, earliest = earliest_return.get(op.key, ([], []))
        first = bisect.bisect_right(calls, latest) if latest < INF else len(calls)
        overwritten = first < len(calls) and earliest[first] < op.call
        if not overwritten or not (value in first_kept_call and first_kept_call[value] <= before):
            observers.add(index)
    return observers


def _written(op: Operation) -> Any:
    return op.value[1] if op.f == "cas" else op.value


def _element(op: Operation) -> Any:
    return op.value if op.f == "enq" else None if op.pending else op.output
