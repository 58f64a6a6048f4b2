"""Operations as a harness records them (ok, fail or info), as a Concord History, and as Jepsen EDN or JSON text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from specs.history import History, Operation

from .nemesis import Fault

OUTCOMES = ("ok", "fail", "info")


@dataclass
class Record:
    """One client operation on one key: its invocation, and its outcome once known.

    `outcome` is ok, fail (it certainly did not take effect: a cas whose comparison failed, a read that got no
    answer, a refused connection) or info (unknown: a write or cas that timed out). `end` is when the outcome
    was seen; times are seconds since the workload began.
    """

    process: int
    node: str
    f: str
    key: int
    value: Any
    call: float
    outcome: str = ""
    output: Any = None
    end: float | None = None
    error: str = ""

    def operation(self) -> Operation | None:
        """The Concord operation: None for a failed one (it did not happen), pending (no return) for info."""
        if self.outcome == "fail" or not self.outcome:
            return None
        done = self.outcome == "ok"
        return Operation(self.process, self.f, self.value, self.output if done else None, self.call,
                         self.end if done else None, self.key)


def to_history(records: Iterable[Record]) -> History:
    """The ok and info operations of `records`, in invocation order."""
    operations = tuple(op for op in (record.operation() for record in sorted(records, key=_by_call)) if op)
    return History(operations, 2 * len(operations))


def counts(records: Iterable[Record]) -> dict[str, int]:
    """Operations per outcome: ok, fail, info (in flight: not counted)."""
    tally = dict.fromkeys(OUTCOMES, 0)
    for record in records:
        if record.outcome in tally:
            tally[record.outcome] += 1
    return tally


def edn_text(records: Iterable[Record], faults: Iterable[Fault] = ()) -> str:
    """A Jepsen history: one event map per line, values `[key value]` as Jepsen's independent checker writes
    them, `:time` in nanoseconds; nemesis events as `:info` of the `:nemesis` process."""
    lines = []
    for index, (time, event) in enumerate(_events(records, faults)):
        fields = {"index": index, "time": round(time * 1e9), **event}
        if "key" in fields:
            key = fields.pop("key")
            fields["value"] = (key, fields["value"])
        lines.append("{" + ", ".join(f":{name} {_edn(value, name)}" for name, value in fields.items()) + "}")
    return "".join(line + "\n" for line in lines)


def json_text(records: Iterable[Record], faults: Iterable[Fault] = ()) -> str:
    """The same events as JSON, one object per line in one array, with the key in its own field."""
    lines = [json.dumps({"index": index, "time": round(time * 1e9), **event})
             for index, (time, event) in enumerate(_events(records, faults))]
    return "[\n" + ",\n".join(lines) + "\n]\n"


def _events(records: Iterable[Record], faults: Iterable[Fault]) -> Iterator[tuple[float, dict[str, Any]]]:
    """Every invocation, completion and fault in time order (an invocation before a completion at the same time,
    so that they overlap, as Concord's checker takes equal times)."""
    events: list[tuple[float, int, int, dict[str, Any]]] = []
    for number, record in enumerate(sorted(records, key=_by_call)):
        invoke = {"type": "invoke", "process": record.process, "f": record.f, "key": record.key,
                  "value": None if record.f == "read" else record.value, "node": record.node}
        events.append((record.call, 1, 2 * number, invoke))
        if record.outcome:
            done = dict(invoke, type=record.outcome)
            if record.outcome == "ok" and record.f == "read":
                done["value"] = record.output
            if record.error:
                done["error"] = record.error
            events.append((record.end, 2, 2 * number + 1, done))
    for number, fault in enumerate(faults):
        events.append((fault.time, 0, number, {"type": "info", "process": "nemesis", "f": fault.kind,
                                               "value": fault.description}))
    for time, _, _, event in sorted(events, key=lambda item: item[:3]):
        yield time, event


def _edn(value: Any, name: str = "") -> str:
    if name in ("type", "f") or (name == "process" and value == "nemesis"):
        return ":" + value
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return "[" + " ".join(_edn(item) for item in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


def _by_call(record: Record) -> tuple[float, int]:
    return record.call, record.process
