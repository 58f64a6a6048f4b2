"""A trace as a sequence chart's content: lanes, one row per step, and the messages sent and received."""

from __future__ import annotations

import enum
import re
from typing import Any

from ..compiled import Compiled, Step
from ..diff import _fifo, _ordered, changes, fields, fmt
from ..values import Bag, FrozenMap

__all__ = ["Chart", "Row", "Message", "chart", "node_lanes", "name_of", "message_fields", "message_kind", "message_lines",
           "message_text", "value_lines", "state_grid", "MESSAGES", "SYSTEM"]

MESSAGES = "msgs"  # the state field that holds the messages when the model declares none (``messages``)
SYSTEM = "system"  # the lane of steps that belong to no node
_ENTRY = re.compile(r"(\w+)\[(.+?)\](.*)")
_NOBODY = object()  # no sender to leave out of a message's label


class Message:
    """One send: the message, the row that sent it, the rows whose steps received it, and for a FIFO
    channel where it was queued (``network[1][2]``; None for a set or a bag)."""

    __slots__ = ("value", "row", "receivers", "channel")

    def __init__(self, value: Any, row: int, channel: str | None = None):
        self.value = value
        self.row = row
        self.receivers: list[int] = []
        self.channel = channel


class Row:
    """One step: its lane, the event drawn there, and what changed, as (node or None, text) pairs."""

    __slots__ = ("step", "lane", "event", "changed")

    def __init__(self, step: Step, lane: Any, event: str, changed: list[tuple[Any, str]]):
        self.step = step
        self.lane = lane
        self.event = event
        self.changed = changed


class Chart:
    """Everything a sequence chart of one trace shows."""

    __slots__ = ("title", "violated", "lanes", "nodes", "rows", "messages", "message_fields", "loop_from", "lasso")

    def __init__(self, title: str, violated: str, lanes: list, nodes: list, rows: list[Row], messages: list[Message],
                 message_fields: tuple = (MESSAGES,)):
        self.message_fields = message_fields  # the state fields that hold messages
        self.title = title
        self.violated = violated  # what the last step breaks: "Agreement violated: At most one value is chosen."
        self.lanes = lanes  # every lane, left to right: undeclared ones (leaders, a TM) first, then the nodes
        self.nodes = nodes  # the declared nodes, whose per-node state the tables show
        self.rows = rows  # rows[0] is the initial state
        self.messages = messages
        self.lasso = False  # a liveness counterexample: it repeats a cycle forever, or stutters at its end
        self.loop_from: int | None = None  # the lasso's cycle goes back to this row (None: it stutters)

    @property
    def final(self):
        return self.rows[-1].step.state

    def sender(self, message: Message):
        return self.rows[message.row].lane


def node_lanes(model, init) -> list:
    """The nodes named by the model's ``lanes`` attributes, or else the keys of the per-node maps in init."""
    if type(model).lanes:
        return _unique(node for attr in type(model).lanes for node in getattr(model, attr))
    return _unique(key for _, value in fields(init) if isinstance(value, FrozenMap) for key in value.keys())


def message_fields(model, state) -> tuple[str, ...]:
    """The state fields that hold messages: the model's ``messages`` (names of fields), else ``msgs``."""
    declared = getattr(type(model), "messages", None)
    if isinstance(declared, str):
        declared = (declared,)
    if declared:
        return tuple(declared)
    return (MESSAGES,) if MESSAGES in dict(fields(state)) else ()


def chart(compiled: Compiled, trace: list[Step], title: str = "", violated: str = "") -> Chart:
    """The sequence chart of a trace: who took each step, what it sent, and which earlier sends it read.

    A message field may be a set (sent once, read by the steps that need it), a Bag (copies added and
    taken), or FIFO channels: a tuple, or a map (of maps) of tuples such as ``network[p][q]``, where a
    step appends what it sends and takes what it receives from the head.
    """
    model = compiled.model
    nodes = node_lanes(model, trace[0].state)
    names = message_fields(model, trace[0].state)
    rows = [Row(trace[0], None, "Init", [])]
    messages: list[Message] = []
    latest: dict = {}  # (field, message) -> its latest send, for sets and bags
    queued: dict = {}  # (field, channel path) -> the sends in that channel, oldest first
    for before, step in zip(trace, trace[1:]):
        lane = _lane(model, nodes, step)
        rows.append(Row(step, lane, _event(step, lane), _changed(before.state, step.state, nodes, names)))
        row = len(rows) - 1
        for name in names:
            old, new = _field(before.state, name), _field(step.state, name)
            if _is_channel(old) or _is_channel(new):
                for path, taken, appended in _queue_changes(old, new, ()):
                    queue = queued.setdefault((name, path), [])
                    for _ in taken:
                        if queue:
                            queue.pop(0).receivers.append(row)
                    for m in appended:
                        queue.append(Message(m, row, name + "".join(f"[{fmt(k)}]" for k in path)))
                        messages.append(queue[-1])
                continue
            sent, removed = _traffic(old, new)
            for m in _ordered({*removed, *_read(compiled, step, before.state, name)}):
                if (name, m) in latest:
                    latest[(name, m)].receivers.append(row)
            for m in sent:
                latest[(name, m)] = Message(m, row)
                messages.append(latest[(name, m)])
    messages.sort(key=lambda m: m.row)
    named = _unique(row.lane for row in rows[1:] if row.lane is not None and row.lane not in nodes)
    return Chart(title, violated, named + nodes, nodes, rows, messages, names)


def name_of(node) -> str:
    """A node or a lane as a picture names it: a string as it is, anything else as fmt writes it."""
    return node if isinstance(node, str) else fmt(node)


def message_kind(m) -> str:
    """A message's type: its ``type`` field, its record name, or the string that starts a plain tuple."""
    names = getattr(type(m), "_fields", None)
    if names:
        return fmt(m[0]) if names[0] == "type" else type(m).__name__
    return m[0] if isinstance(m, tuple) and m and isinstance(m[0], str) else type(m).__name__


def message_text(m, sender=_NOBODY) -> str:
    """A message as a label: its type, then its other fields (leaving out the sender, which the arrow shows,
    when it is an id no data can equal: a string or an Enum member, not a number that a clock may equal)."""
    if not isinstance(sender, (str, enum.Enum)):
        sender = _NOBODY
    names = getattr(type(m), "_fields", None)
    if names:
        parts = [(k, v) for k, v in zip(names, tuple.__iter__(m)) if k != "type" and v != sender]
        return " ".join([message_kind(m), *(f"{k}={fmt(v)}" for k, v in parts)])
    if isinstance(m, tuple) and m and isinstance(m[0], str):
        return " ".join(fmt(v) for v in m if v != sender)
    return fmt(m)


def message_lines(messages) -> list[str]:
    """Every message of a set or Bag as a label, in order (a Bag's copies counted)."""
    if isinstance(messages, Bag):
        return [message_text(m) + (f" ×{n}" if (n := messages.count(m)) > 1 else "") for m in _ordered(messages)]
    return [message_text(m) for m in _ordered(messages)]


def value_lines(value, name: str = "", message_fields: tuple = (MESSAGES,)) -> list[str]:
    """A value as lines: the messages, or a collection of records, one member per line; FIFO channels one
    non-empty channel per line; anything else as one line."""
    if _is_channel(value) and type(value) is not tuple:
        return [f"{''.join(f'[{fmt(k)}]' for k in path)}: {', '.join(map(message_text, queue))}"
                for path, queue in _channels(value, ()) if queue]
    if (name in message_fields and isinstance(value, (frozenset, set, Bag))) or (
            isinstance(value, (frozenset, set, Bag)) and all(map(_is_record, value)) and value):
        return message_lines(value)
    if type(value) is tuple and value and all(map(_is_record, value)):
        return [message_text(x) for x in value]
    return [fmt(value)]


def state_grid(state, nodes: list) -> tuple[list[str], list[tuple[str, Any]]]:
    """A state split for per-node tables: the fields that map nodes to values, and the other fields."""
    names = set(nodes)
    per_node = [name for name, v in fields(state) if isinstance(v, FrozenMap) and names & set(v.keys())]
    return per_node, [(name, v) for name, v in fields(state) if name not in per_node]


def _is_record(value) -> bool:
    return bool(getattr(type(value), "_fields", None))


def _lane(model, nodes: list, step: Step):
    hook = getattr(model, "lane", None)
    chosen = hook(step.action, step.args) if callable(hook) else None
    if chosen is not None:
        return chosen
    return next((v for v in step.args.values() if v in nodes), SYSTEM)


def _event(step: Step, lane) -> str:
    shown = {k: v for k, v in step.args.items() if v != lane}
    return f"{step.action}({', '.join(f'{k}={fmt(v)}' for k, v in shown.items())})" if shown else step.action


def _changed(old, new, nodes: list, message_fields: tuple = (MESSAGES,)) -> list[tuple[Any, str]]:
    """What changed, node by node (in lane order, then the other fields): ``maxBal[a1]: -1 -> 0`` becomes
    (a1, "maxBal: -1 → 0"); a sequence grown at its end shows what was appended; messages are left out
    (the arrows show them)."""
    by_text = {f"{n}": n for n in nodes}  # as changes() writes a key in a path
    out = []
    for c in changes(old, new):
        if any(c.path == f or c.path.startswith(f + "[") for f in message_fields):
            continue
        entry = _ENTRY.fullmatch(c.path)
        owner = by_text.get(entry.group(2)) if entry else None
        path = entry.group(1) + entry.group(3) if owner is not None else c.path
        if c.is_collection:  # set members, bag copies, or entries appended to a sequence
            text = ", ".join([*(f"+ {message_text(x)}" for x in c.added), *(f"− {message_text(x)}" for x in c.removed)])
        else:
            text = f"{fmt(c.old)} → {fmt(c.new)}"
        out.append((owner, f"{path}: {text}"))
    return sorted(out, key=lambda change: len(nodes) if change[0] is None else nodes.index(change[0]))


def _field(state, name: str):
    return dict(fields(state)).get(name, frozenset())


def _is_channel(value) -> bool:
    """A FIFO channel (a tuple), or a map (of maps) whose entries are channels."""
    if type(value) is tuple:
        return True
    if isinstance(value, FrozenMap) and value.keys():
        return _is_channel(value[next(iter(value))])
    return False


def _channels(value, path: tuple):
    """(path, queue) for every channel in value, in key order."""
    if isinstance(value, FrozenMap):
        for k in value:
            yield from _channels(value[k], path + (k,))
    elif type(value) is tuple:
        yield path, value


def _queue_changes(old, new, path: tuple):
    """(path, taken from the head, appended at the tail) for every channel a step changed."""
    if isinstance(old, FrozenMap) and isinstance(new, FrozenMap) and old.keys() == new.keys():
        for k in old:
            if old[k] is not new[k]:
                yield from _queue_changes(old[k], new[k], path + (k,))
    elif type(old) is tuple and type(new) is tuple and old != new:
        yield (path, *(_fifo(old, new) or (old, new)))  # a replacement: everything taken, everything new


def _traffic(old, new) -> tuple[list, list]:
    """The messages a step added to a set or Bag, and those it removed (a set only grows; a Bag may lose copies)."""
    if isinstance(new, Bag):
        return _copies(new, old if isinstance(old, Bag) else Bag()), _copies(old, new) if isinstance(old, Bag) else []
    if isinstance(new, (frozenset, set)) and isinstance(old, (frozenset, set)):
        return _ordered(new - old), _ordered(old - new)
    return [], []


def _copies(bag: Bag, other) -> list:
    """The copies of messages bag holds beyond those other holds."""
    return [m for m in bag for _ in range(bag.count(m) - other.count(m))]


def _read(compiled: Compiled, step: Step, s, name: str) -> list:
    """The messages of field name the step needed: without any one of them it would be disabled or end elsewhere."""
    held = _field(s, name)
    if not isinstance(held, (frozenset, set, Bag)):
        return []
    ai = next(i for i, act in enumerate(compiled.actions) if act.name == step.action)
    args = tuple(step.args[p] for p in compiled.param_names[ai])
    return [m for m in held
            if _without(step.state, name, m) not in _outcomes(compiled, ai, args, _without(s, name, m), name, m)]


def _outcomes(compiled: Compiled, ai: int, args: tuple, s, name: str, m) -> list:
    """The successors of s by action ai with args, each with message m left out; none if the step fails."""
    _, fn, static, dynamic = compiled.calls[ai]
    try:
        if args not in list(compiled.arg_tuples(static, dynamic, s)):
            return []
        r = fn(s, *args)
    except Exception:
        return []
    found = compiled.outcomes(r)
    return [_without(t, name, m) for t in found]


def _without(state, name: str, m):
    """The state with every copy of message m taken out of field name."""
    msgs = _field(state, name)
    if not isinstance(msgs, (frozenset, set, Bag)) or m not in msgs:
        return state
    rest = Bag(x for x in _copies(msgs, Bag()) if x != m) if isinstance(msgs, Bag) else msgs - {m}
    return state.set(**{name: rest})


def _unique(items) -> list:
    return list(dict.fromkeys(items))
