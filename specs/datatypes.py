"""Sequential specifications that histories are checked against: a register, a key-value map, a FIFO queue."""

from __future__ import annotations

import bisect
import itertools
from typing import Any, Callable, Sequence

from specs.history import HistoryError, Operation, show

INF = float("inf")
INVALID = object()
"""What a step returns when the operation cannot happen in that state."""

Step = Callable[[Any, Operation], Any]
TEXT_OPERATIONS = frozenset({"get", "put", "append"})
"""The kv model's string operations (Porcupine's and the 6.824 labs' key-value histories): a missing key, and a
key holding nil, read as the empty string."""
MUTATORS = frozenset({"write", "cas", "put", "append"})
OBSERVERS = frozenset({"read", "cas", "get"})
SCANNED = 256
"""Dropped changes that shrinking compares by value with one observer at most; past them it assumes the worst."""


def register_step(state: Any, op: Operation) -> Any:
    """The register after `op`, or INVALID; a pending cas swaps when it can and leaves the value otherwise.

    It also takes the kv model's get (the value, nil read as ""), put (sets it) and append (concatenates).
    """
    f = op.f
    if f == "write" or f == "put":
        return op.value
    if f == "read":
        return state if op.ret is None or op.output == state else INVALID
    if f == "get":
        return state if op.ret is None or _text(op.output) == _text(state) else INVALID
    if f == "append":
        return _text(state) + op.value
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
    pending_noops = frozenset({"read", "get"})

    def start(self, initial: Any, history: Sequence[Operation], real_time: bool = False) -> tuple[Any, Step]:
        """The initial state and the step function for `history`; `real_time`: for a linearizability search,
        which may then refuse an append that a later get shows in the wrong place (see `_append_witnesses`)."""
        _check_text_initial(initial, history)
        witnesses = _append_witnesses(history) if real_time else None
        if not witnesses:
            return initial, register_step

        def step(state: Any, op: Operation) -> Any:
            after = register_step(state, op)
            witness = witnesses.get(id(op)) if op.f == "append" else None
            return INVALID if witness is not None and not witness.startswith(after) else after

        return initial, step

    def partition(self, history: Sequence[Operation]) -> list[list[Operation]]:
        """Independent parts of `history` that can be checked for linearizability one at a time."""
        return [list(history)] if history else []

    def observes_only(self, op: Operation) -> bool:
        """Whether completed `op` leaves the state as it is whenever it can happen: a read or get, a cas of v to v."""
        return op.f == "read" or op.f == "get" or (op.f == "cas" and op.value[0] == op.value[1])

    def closure(self, history: Sequence[Operation], core: set[int], seeds: set[int]) -> set[int]:
        """`seeds` plus every operation of `core` that may have observed a value one of them wrote, transitively.

        An operation that reads v (a read, or a cas expecting v) may have observed a dropped write of v unless
        it returned before that write began, or a kept acknowledged write began after that write returned and
        itself returned before the reader began (operations that meet at an instant overlap). Deleting such a
        closed set from any linearization of the core leaves one of the rest: no kept operation saw a deleted
        value, and a pending cas that did nothing moves to the end. So if the rest cannot be linearized,
        neither can the core. A reader whose every possible source is dropped goes too, so that a failing core
        never reads a value from nowhere.

        When the core has get, put or append, whose values are not told apart by what they wrote (an append's
        depends on the state), `_unobserved_closure` decides instead.
        """
        if any(history[i].f in TEXT_OPERATIONS for i in core):
            return _unobserved_closure(history, core, seeds)
        dropped = set(seeds)
        while True:
            grown = dropped | _observers(history, core, dropped)
            if grown == dropped:
                return dropped
            dropped = grown


class KeyValue(Register):
    """A map from keys to registers, every key starting at `initial`; linearizability is checked key by key.

    Besides read, write and cas it has get, put and append on strings (see TEXT_OPERATIONS).
    """

    __slots__ = ()
    name = "kv"
    keyed = True
    operations = frozenset({"read", "write", "cas", "get", "put", "append"})

    def start(self, initial: Any, history: Sequence[Operation], real_time: bool = False) -> tuple[Any, Step]:
        _check_text_initial(initial, history)
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

    def start(self, initial: Any, history: Sequence[Operation], real_time: bool = False) -> tuple[Any, Step]:
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
    text = any(op.f in TEXT_OPERATIONS for op in history)
    for op in history:
        if op.f not in datatype.operations:
            hint = ": get, put and append are kv operations (--model kv)" if op.f in TEXT_OPERATIONS else ""
            raise HistoryError(f"the {datatype.name} model has no {op.f} operation{hint}", op.line)
        if text:
            _validate_text(op)
        if op.f == "cas" and not (isinstance(op.value, tuple) and len(op.value) == 2):
            raise HistoryError(f"cas takes [old new], found {op.value!r}", op.line)
        if op.f == "enq" and op.value is None:
            raise HistoryError("nil cannot be enqueued: a deq returning nil means the queue was empty", op.line)
        if datatype.keyed == (op.key is None):
            raise HistoryError("kv operations need a key" if datatype.keyed else
                               f"the {datatype.name} model takes no keys: use the kv model", op.line)


def _text(value: Any) -> Any:
    """What get and append take `value` for: nil is the empty string."""
    return "" if value is None else value


def _validate_text(op: Operation) -> None:
    """Raise HistoryError unless `op` fits a history with get, put or append: every value a string (or nil)."""
    if op.f == "append" and not isinstance(op.value, str):
        raise HistoryError(f"append takes a string, found {show(op.value)}", op.line)
    values = {"get": (op.output,), "cas": op.value if isinstance(op.value, tuple) else (op.value,),
              "read": (op.output,)}.get(op.f, (op.value,))
    for value in values:
        if not (value is None or isinstance(value, str)):
            raise HistoryError(f"get, put and append work on strings, but {op.describe(False)} has {show(value)}",
                               op.line)


def _check_text_initial(initial: Any, history: Sequence[Operation]) -> None:
    """Raise HistoryError if get or append would meet an initial value that is not a string."""
    if initial is not None and not isinstance(initial, str) and any(op.f in TEXT_OPERATIONS for op in history):
        raise HistoryError(f"get, put and append work on strings: the initial value {show(initial)} is not one")


def _append_witnesses(history: Sequence[Operation]) -> dict[int, str]:
    """For each completed append of a single-key `history` that has one: the output of a get that every
    linearization puts after it with no write, put or cas in between, so the value right after the append is a
    prefix of that output (by id of the append).

    Such a get began after the append returned; of those, the one that returned first, if no write, put or cas
    (pending ones included) can go between them: none began by the get's return and ended at or after the
    append's call.
    """
    if not any(op.f == "append" for op in history):
        return {}
    gets = sorted((op.call, op.ret, _text(op.output)) for op in history if op.f == "get" and op.ret is not None)
    resets = sorted((op.call, INF if op.ret is None else op.ret) for op in history if op.f in ("write", "put", "cas"))
    first_return = list(itertools.accumulate(((ret, output) for _, ret, output in reversed(gets)), min))[::-1]
    reset_calls = [call for call, _ in resets]
    latest_reset = list(itertools.accumulate((ret for _, ret in resets), max))
    witnesses = {}
    for op in history:
        if op.f != "append" or op.ret is None:
            continue
        after = bisect.bisect_right(gets, op.ret, key=lambda get: get[0])
        if after == len(gets):
            continue
        ret, output = first_return[after]
        between = bisect.bisect_right(reset_calls, ret)
        if not between or latest_reset[between - 1] < op.call:
            witnesses[id(op)] = output
    return witnesses


def _unobserved_closure(history: Sequence[Operation], core: set[int], seeds: set[int]) -> set[int]:
    """`seeds` plus every operation of `core` on the same key that may show the effect of one of them that
    changed the state (write, cas, put, append), transitively.

    An observer (read, get, cas) cannot show a dropped change m when it returned before m began, so comes
    before m in every linearization, or when the value it saw does not show m: until the next write, put or
    cas, a value after an append of v contains v, one after a put or write of v starts with v. Deleting the
    closed set from a linearization of the core leaves one of the rest: what each kept observer saw is
    unchanged, and put, append and write are legal anywhere. An observer that shows a dropped change goes even
    when a write in between hid it, so that a core never shows a value from nowhere.
    """
    dropped = set(seeds)
    changes = [i for i in dropped if history[i].f in MUTATORS]
    spans: dict[Any, list[tuple[float, int]]] = {}
    while changes:
        for i in changes:
            spans.setdefault(history[i].key, []).append((history[i].call, i))
        for items in spans.values():
            items.sort()
        changes = []
        for i in sorted(core - dropped):
            op = history[i]
            if op.f in OBSERVERS and op.key in spans and _shows_dropped(history, op, spans[op.key]):
                dropped.add(i)
                if op.f in MUTATORS:
                    changes.append(i)
    return dropped


def _shows_dropped(history: Sequence[Operation], op: Operation, spans: list[tuple[float, int]]) -> bool:
    """Whether observer `op` may show one of the dropped changes `spans` (call, index), in call order, that
    began by its return; past SCANNED of them, assume it does."""
    begun = len(spans) if op.ret is None else bisect.bisect_right(spans, (op.ret, len(history)))
    for position in range(begun - 1, max(begun - SCANNED, 0) - 1, -1):
        if _may_show(history[spans[position][1]], op):
            return True
    return begun > SCANNED


def _may_show(change: Operation, observer: Operation) -> bool:
    """Whether what `observer` saw may hold the effect of `change`, with nothing reset between them."""
    seen = _text(observer.value[0] if observer.f == "cas" else observer.output)
    effect = _text(change.value[1] if change.f == "cas" else change.value)
    if not (isinstance(seen, str) and isinstance(effect, str)):
        return True
    return effect in seen if change.f == "append" else seen.startswith(effect)


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
