"""Histories of client operations on a shared object: value classes, and readers for JSON, Jepsen EDN and Jepsen
`jepsen.util` log files."""

from __future__ import annotations

import itertools
import json
import math
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Hashable, Iterable, Iterator, Mapping

from specs.edn import MAX_DEPTH, EdnError, Keyword, read_forms, read_value

OPERATION_NAMES = {"read": "read", "write": "write", "cas": "cas", "enq": "enq", "deq": "deq",
                   "enqueue": "enq", "dequeue": "deq", "get": "get", "put": "put", "append": "append"}
KNOWN_OPERATIONS = "read, write, cas, enq, deq, get, put or append"
OBSERVING = ("read", "deq", "get")
"""Operations whose completion carries the value they observed; the others' completions carry nothing."""
EVENT_TYPES = ("invoke", "ok", "fail", "info")
BLANK = re.compile(r"[ \t\r\n]*")
EDN_START = re.compile(r"\s*(;|\[?\s*\{\s*:)")
LOG_OPERATION = re.compile(r"(?:.*?\bjepsen\.util(?::|[ \t]+-)?[ \t]+)?(?P<process>-?[0-9]+|:[^\s\[\]{}\"]+)[ \t]+"
                           r":(?P<type>invoke|ok|fail|info)(?:[ \t]+(?P<f>\S*)[ \t]*(?P<value>.*))?")
"""An operation line of a Jepsen log: `INFO  jepsen.util - 3<TAB>:invoke<TAB>:cas<TAB>[3 0]` (log4j), `INFO [date]
jepsen worker 3 - jepsen.util 3 ...` (unilog), `date{GMT}<TAB>INFO<TAB>[jepsen worker 3] jepsen.util: 3 ...`
(logback), or bare as in Jepsen's history.txt: `3<TAB>:invoke<TAB>:cas<TAB>[3 0]`; tabs or spaces between fields."""
LOG_SNIFF = re.compile(r"^(?:.*?\bjepsen\.util\b|(?:-?[0-9]+|:nemesis)[ \t]+:(?:invoke|ok|fail|info)[ \t])",
                       re.MULTILINE)
LOG_SUFFIXES = (".log", ".txt")
EDN_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
EDN_STRING_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')


class HistoryError(ValueError):
    """A history that cannot be read, or that does not fit the model; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class Operation:
    """One client operation: what it asked (`value`), what it got (`output`), and when.

    `value` is the written value, `(old, new)` for cas, or the enqueued value; `output` is the value read or
    dequeued (None: the register held nil, or the queue was empty). `call` and `ret` are invocation and
    completion times; `ret` is None when no completion was seen (crashed or timed-out client, Jepsen's
    `:info`): such an operation may or may not have taken effect. A completed cas succeeded.
    """

    process: Hashable
    f: str
    value: Any = None
    output: Any = None
    call: float = 0
    ret: float | None = None
    key: Hashable = None
    line: int | None = field(default=None, compare=False)

    @property
    def pending(self) -> bool:
        return self.ret is None

    def __str__(self) -> str:
        return self.describe()

    def describe(self, with_key: bool = True) -> str:
        """`write 3`, `read -> 3`, `cas 1 -> 2`, `deq -> empty`, `get -> "a"`; prefixed with `[key] ` when keyed."""
        result = "?" if self.pending else show(self.output)
        if self.f in ("read", "get"):
            text = f"{self.f} -> {result}"
        elif self.f == "deq":
            text = f"deq -> {'empty' if not self.pending and self.output is None else result}"
        elif self.f == "cas":
            text = f"cas {show(self.value[0])} -> {show(self.value[1])}"
        else:
            text = f"{self.f} {show(self.value)}"
        return text if self.key is None or not with_key else f"[{show(self.key)}] {text}"


@dataclass(frozen=True, slots=True)
class History:
    """An immutable history, which is also a recorder: a model keeps one in its state and extends it.

    `clock` counts the events recorded so far and times the next one. A process has at most one operation in
    flight; a process that crashed mid-operation should come back under a new process id, as in Jepsen.
    """

    operations: tuple[Operation, ...] = ()
    clock: int = 0

    def invoke(self, process: Hashable, f: str, value: Any = None, key: Hashable = None) -> History:
        """This history with `process` invoking `f` (read, write, cas, enq, deq, get, put, append) with `value`."""
        if f not in OPERATION_NAMES:
            raise ValueError(f"unknown operation {f!r}: expected {KNOWN_OPERATIONS}")
        if self._in_flight(process) is not None:
            raise ValueError(f"process {show(process)} already has an operation in flight")
        operation = Operation(process, OPERATION_NAMES[f], value, None, self.clock, None, key)
        return History(self.operations + (operation,), self.clock + 1)

    def complete(self, process: Hashable, output: Any = None) -> History:
        """This history with the operation in flight at `process` acknowledged, returning `output` (read, deq, get)."""
        index = self._require_in_flight(process)
        done = replace(self.operations[index], output=output, ret=self.clock)
        return History(self.operations[:index] + (done,) + self.operations[index + 1:], self.clock + 1)

    def fail(self, process: Hashable) -> History:
        """This history without the operation in flight at `process`: it definitely did not take effect."""
        index = self._require_in_flight(process)
        return History(self.operations[:index] + self.operations[index + 1:], self.clock + 1)

    def _in_flight(self, process: Hashable) -> int | None:
        for index in range(len(self.operations) - 1, -1, -1):
            operation = self.operations[index]
            if operation.process == process:
                return index if operation.ret is None else None
        return None

    def _require_in_flight(self, process: Hashable) -> int:
        index = self._in_flight(process)
        if index is None:
            raise ValueError(f"process {show(process)} has no operation in flight")
        return index


def show(value: Any) -> str:
    """A value as Jepsen would print it: nil, true, :keyword, [vectors]."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + " ".join(show(item) for item in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


def parse_value(text: str) -> Hashable:
    """A value written as JSON or as EDN: `3`, `null` or `nil`, `"a"`, `[1, 2]` or `[1 2]`, `:k`."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        try:
            value = read_value(text)
        except EdnError:
            raise HistoryError(f"cannot read {_cut(repr(text))} as a JSON or EDN value") from None
    return _freeze(value, None)


def load_history(path: str | Path, keyed: bool = False) -> History:
    """Read a JSON, EDN or Jepsen log history file; `keyed` (the kv model) reads Jepsen `[key value]` pairs.

    `.edn` is EDN and `.json`, `.jsonl` JSON; any other file is told by its content: EDN when it starts with an
    event map (Porcupine's kv `.txt` files do), a Jepsen log when it has `jepsen.util` operation lines (a `.log`
    or `.txt` file that starts with neither `[` nor `{` always counts as one), JSON otherwise.
    """
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise HistoryError(f"not UTF-8 text (byte {data[error.start]:#04x})",
                           data.count(b"\n", 0, error.start) + 1) from None
    del data
    if path.suffix in (".edn", ".json", ".jsonl"):
        return parse_edn(text, keyed) if path.suffix == ".edn" else parse_json(text, keyed)
    if EDN_START.match(text):
        return parse_edn(text, keyed)
    if _is_jepsen_log(text, path.suffix in LOG_SUFFIXES):
        return read_jepsen_log(text, keyed, require=True)
    return parse_json(text, keyed)


def parse_edn(text: str, keyed: bool = False) -> History:
    """A Jepsen history: one event map per line, or a vector of them."""
    return from_events(_edn_events(text), keyed)


def parse_json(text: str, keyed: bool = False) -> History:
    """A JSON array (or JSON lines) of Jepsen-style events, or of complete operations with call and return times."""
    forms = _json_objects(text)
    first = next(forms, None)
    if first is None:
        return History()
    forms = itertools.chain([first], forms)
    if "type" not in first[1] and "call" in first[1]:
        operations = tuple(_record(record, line, keyed) for line, record in forms)
        return History(operations, len(operations))
    return from_events(forms, keyed)


def read_jepsen_log(text: str, keyed: bool = False, require: bool = False) -> History:
    """A history from the operation lines of a Jepsen log (see LOG_OPERATION), other lines ignored.

    Each line is process, type, f and value (an EDN value; what follows it, such as Jepsen's error, is ignored).
    The `:nemesis` process's lines are skipped, as `from_events` does. `require`: raise HistoryError when the
    text has no operation line at all.
    """
    return from_events(jepsen_log_events(text, require), keyed)


def jepsen_log_to_edn(text: str) -> str:
    """The operation lines of a Jepsen log as a Jepsen EDN history, one event map per line."""
    return "".join(f"{{:process {_edn(event['process'])}, :type {_edn(event['type'])}, :f {_edn(event['f'])}, "
                   f":value {_edn(event['value'])}}}\n" for _, event in jepsen_log_events(text))


def jepsen_log_events(text: str, require: bool = False) -> Iterator[tuple[int, dict[str, Any]]]:
    """The client events of a Jepsen log with their lines, as `from_events` takes them (nemesis lines skipped)."""
    found = False
    for number, line in enumerate(text.split("\n"), 1):
        match = LOG_OPERATION.fullmatch(line.rstrip("\r"))
        if match is None:
            continue
        found = True
        process = _log_value(match.group("process"), "process", number)
        if type(process) is Keyword and process.name == "nemesis":
            continue
        f = match.group("f") or ""
        if len(f) < 2 or not f.startswith(":"):
            raise HistoryError(f"expected an operation such as :read after :{match.group('type')}, "
                               f"found {_cut(repr(f)) if f else 'nothing'}", number)
        value = _log_value(match.group("value").rstrip(), "value", number)
        yield number, {"process": process, "type": Keyword(match.group("type")), "f": Keyword(f[1:]), "value": value}
    if require and not found:
        raise HistoryError("no operation lines: expected Jepsen log lines such as "
                           "'INFO  jepsen.util - 3<TAB>:invoke<TAB>:cas<TAB>[3 0]'")


def _is_jepsen_log(text: str, by_name: bool) -> bool:
    """Whether a file that is not EDN is a Jepsen log: it starts with neither '[' nor '{', and it is named `.log`
    or `.txt` or has a `jepsen.util` line or an operation line."""
    first = text.lstrip()[:1]
    if first and first in "[{":
        return False
    return by_name or LOG_SNIFF.search(text) is not None


def _log_value(text: str, what: str, line: int) -> Any:
    """The first EDN value of `text` (a log line's process or value); what follows it is ignored."""
    if not text:
        raise HistoryError(f"missing the {what}", line)
    try:
        forms = read_forms("nil " + text)  # not a lone vector, so a vector value stays one form
        next(forms)
        return next(forms, (0, None))[1]
    except EdnError as error:
        raise HistoryError(f"cannot read the {what}: {error}", line) from None


def _edn_escape(match: re.Match) -> str:
    """A character of an EDN string as an escape."""
    char = match.group()
    return EDN_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _edn(value: Any) -> str:
    """`value` as EDN text, as Jepsen prints it: nil, true, 3, "text", :keyword, [1 2], {:a 1}."""
    if isinstance(value, str):
        return '"' + EDN_STRING_ESCAPE.sub(_edn_escape, value) + '"'
    if isinstance(value, tuple):
        return "[" + " ".join(_edn(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_edn(key)} {_edn(item)}" for key, item in value.items()) + "}"
    return show(value)


def from_events(events: Iterable[tuple[int, Mapping[str, Any]]], keyed: bool = False) -> History:
    """Pair each process's invoke with its ok, fail or info; event positions are the times.

    `:fail` operations are dropped (they did not take effect); `:info` and unanswered invocations stay
    pending. Events of the `nemesis` process are skipped.
    """
    operations: list[Operation | None] = []
    in_flight: dict[Hashable, tuple[int, int, int, str, Mapping]] = {}
    time = -1
    for time, (line, event) in enumerate(events):
        process = _freeze(_field(event, "process", line), line)
        if isinstance(process, (str, Keyword)) and _name(process, line) == "nemesis":
            continue
        kind = _name(_field(event, "type", line), line)
        if kind not in EVENT_TYPES:
            raise HistoryError(f"unknown event type {kind!r}: expected invoke, ok, fail or info", line)
        f = _operation_name(_field(event, "f", line), line)
        if kind == "invoke":
            if process in in_flight:
                raise HistoryError(f"process {show(process)} invokes {f} before its {in_flight[process][3]} "
                                   f"(line {in_flight[process][2]}) completed", line)
            in_flight[process] = (len(operations), time, line, f, event)
            operations.append(None)
            continue
        if process not in in_flight:
            raise HistoryError(f"{kind} from process {show(process)}, which has no operation in flight", line)
        slot, call, call_line, invoked, invocation = in_flight.pop(process)
        if f != invoked:
            raise HistoryError(f"process {show(process)} completes {f} but invoked {invoked} (line {call_line})", line)
        if kind != "fail":
            completion = event if kind == "ok" else None
            operations[slot] = _operation(process, f, invocation, completion, call, time if completion else None,
                                          keyed, call_line)
    for process, (slot, call, call_line, f, invocation) in in_flight.items():
        operations[slot] = _operation(process, f, invocation, None, call, None, keyed, call_line)
    return History(tuple(op for op in operations if op is not None), time + 1)


def _operation(process: Hashable, f: str, invocation: Mapping, completion: Mapping | None, call: int,
               ret: int | None, keyed: bool, line: int) -> Operation:
    value = _freeze(invocation.get("value"), line)
    output = _freeze(completion.get("value"), line) if completion else None
    if "key" in invocation:
        key = _freeze(invocation["key"], line)
        if not keyed:
            raise HistoryError("events carry keys: check them with the kv model", line)
    elif keyed:
        key, value = _pair(value, "[key value]", line)
        if completion and f in OBSERVING:
            _, output = _pair(output, "[key value]", line)
    else:
        key = None
    return _build(process, f, value, output, call, ret, key, line)


def _record(record: Mapping, line: int, keyed: bool) -> Operation:
    call, ret = _field(record, "call", line), record.get("return")
    for time in (call, ret):
        if time is not None and (isinstance(time, bool) or not isinstance(time, (int, float))
                                 or isinstance(time, float) and not math.isfinite(time)):
            raise HistoryError(f"call and return must be finite numbers, found {_brief(time)}", line)
    if ret is not None and ret < call:
        raise HistoryError("operation returns before it is called", line)
    if keyed != ("key" in record):
        raise HistoryError("operations of the kv model need a key; other models take none", line)
    f = _operation_name(_field(record, "f", line), line)
    return _build(_freeze(_field(record, "process", line), line), f, _freeze(record.get("value"), line),
                  _freeze(record.get("output"), line), call, ret, _freeze(record.get("key"), line), line)


def _build(process: Hashable, f: str, value: Any, output: Any, call: float, ret: float | None, key: Hashable,
           line: int) -> Operation:
    if f == "cas":
        value = _pair(value, "[old new]", line)
    if f in OBSERVING:
        value = None
    else:
        output = None
    return Operation(process, f, value, output if ret is not None else None, call, ret, key, line)


def _edn_events(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The event maps of an EDN history with their lines, their keys as names."""
    try:
        for line, form in read_forms(text):
            if not isinstance(form, dict):
                raise HistoryError(f"expected an event map, found {_brief(form)}", line)
            try:
                event = {key.name: value for key, value in form.items()}
            except AttributeError:
                event = {_name(key, line): value for key, value in form.items()}
            yield line, event
    except EdnError as error:
        raise HistoryError(str(error), error.line) from None


def _json_objects(text: str) -> Iterator[tuple[int, dict]]:
    """The objects of a JSON history with their lines."""
    for line, form in _json_forms(text):
        if not isinstance(form, dict):
            raise HistoryError(f"expected an object, found {_brief(form, as_json=True)}", line)
        yield line, form


def _json_forms(text: str) -> Iterator[tuple[int, Any]]:
    """Top-level JSON values with their first lines, one at a time; a top-level array yields its elements."""
    decoder = json.JSONDecoder(parse_constant=_refuse_constant)
    counted, line = 0, 1

    def line_at(position: int) -> int:
        nonlocal counted, line
        line += text.count("\n", counted, position)
        counted = position
        return line

    def decode(position: int) -> tuple[int, Any]:
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise HistoryError(f"invalid JSON: {error.msg}", error.lineno) from None
        except RecursionError:
            raise HistoryError("invalid JSON: nested too deeply", line_at(position)) from None
        except HistoryError as error:
            raise HistoryError(str(error), line_at(position)) from None
        except ValueError:
            raise HistoryError(f"an integer of more than {sys.get_int_max_str_digits()} digits",
                               line_at(position)) from None
        return BLANK.match(text, end).end(), (line_at(position), value)

    position = BLANK.match(text).end()
    if not text.startswith("[", position):
        while position < len(text):
            position, form = decode(position)
            yield form
        return
    position = BLANK.match(text, position + 1).end()
    empty = True
    while not (text.startswith("]", position) and empty):
        position, form = decode(position)
        yield form
        empty = False
        if text.startswith("]", position):
            break
        if not text.startswith(",", position):
            raise HistoryError("expected ',' or ']' after an element of the top-level array", line_at(position))
        position = BLANK.match(text, position + 1).end()
    if BLANK.match(text, position + 1).end() < len(text):
        raise HistoryError("unexpected text after the top-level array", line_at(position))


def _field(event: Mapping, name: str, line: int) -> Any:
    if name not in event:
        raise HistoryError(f"missing {name!r}", line)
    return event[name]


def _name(value: Any, line: int) -> str:
    if type(value) is Keyword:
        return value.name
    if isinstance(value, str):
        return value
    raise HistoryError(f"expected a name, found {_brief(value)}", line)


def _operation_name(value: Any, line: int) -> str:
    name = _name(value, line)
    if name not in OPERATION_NAMES:
        raise HistoryError(f"unknown operation {name!r}: expected {KNOWN_OPERATIONS}", line)
    return OPERATION_NAMES[name]


def _pair(value: Any, shape: str, line: int) -> tuple:
    if not (isinstance(value, tuple) and len(value) == 2):
        raise HistoryError(f"expected a value {shape}, found {show(value)}", line)
    return value


def _freeze(value: Any, line: int | None, depth: int = 0) -> Hashable:
    """A JSON or EDN value as a hashable one: lists become tuples; maps, and nesting deeper than MAX_DEPTH, are
    refused."""
    if isinstance(value, (list, tuple)):
        if depth >= MAX_DEPTH:
            raise HistoryError(f"a value nested deeper than {MAX_DEPTH} levels", line)
        return tuple(_freeze(item, line, depth + 1) for item in value)
    if isinstance(value, dict):
        raise HistoryError("maps are not supported as values", line)
    return value


def _brief(value: Any, as_json: bool = False) -> str:
    """`value` for an error message: lists and maps only named, anything else cut short."""
    if isinstance(value, (list, tuple)):
        return "a list" if isinstance(value, list) else "a vector"
    if isinstance(value, dict):
        return "an object" if as_json else "a map"
    return _cut(json.dumps(value) if as_json else show(value))


def _cut(text: str, most: int = 60) -> str:
    return text if len(text) <= most else text[:most - 3] + "..."


def _refuse_constant(name: str) -> None:
    raise HistoryError(f"{name} is not a number this reader takes")
