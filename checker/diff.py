"""What changed between two states, field by field and node by node."""

from __future__ import annotations

import enum
import re
from typing import Any, Iterator

from .values import Bag, FrozenMap

__all__ = ["changes", "fields", "fmt", "Change"]


class Change:
    """One difference: a path such as ``maxBal[a1]``, and either old/new values or items added/removed."""

    __slots__ = ("path", "old", "new", "added", "removed")

    def __init__(self, path: str, old: Any = None, new: Any = None, added=(), removed=()):
        self.path = path
        self.old = old
        self.new = new
        self.added = tuple(added)
        self.removed = tuple(removed)

    @property
    def is_collection(self) -> bool:
        return bool(self.added or self.removed)

    def __str__(self):
        if self.is_collection:
            parts = [f"+ {fmt(x)}" for x in self.added] + [f"- {fmt(x)}" for x in self.removed]
            return f"{self.path}: {', '.join(parts)}"
        return f"{self.path}: {fmt(self.old)} -> {fmt(self.new)}"

    def __repr__(self):
        return f"Change({self})"


def fields(state) -> list[tuple[str, Any]]:
    """The named top-level parts of a state (a record's fields, or the state itself)."""
    names = getattr(type(state), "_fields", None)
    if names:
        return list(zip(names, tuple.__iter__(state)))
    return [("state", state)]


def changes(old, new) -> list[Change]:
    """Every field, map entry or collection member that differs from old to new."""
    out: list[Change] = []
    for (name, a), (_, b) in zip(fields(old), fields(new)):
        out.extend(_diff(name, a, b))
    return out


def _diff(path: str, a, b) -> Iterator[Change]:
    if a == b and type(a) is type(b):
        return
    if isinstance(a, FrozenMap) and isinstance(b, FrozenMap) and a.keys() == b.keys():
        for k in a.keys():
            yield from _diff(f"{path}[{k}]", a[k], b[k])
    elif getattr(type(a), "_fields", None) and type(a) is type(b):
        for (name, x), (_, y) in zip(fields(a), fields(b)):
            yield from _diff(f"{path}.{name}", x, y)
    elif isinstance(a, (frozenset, set)) and isinstance(b, (frozenset, set)):
        yield Change(path, added=_ordered(b - a), removed=_ordered(a - b))
    elif type(a) is tuple and type(b) is tuple and (fifo := _fifo(a, b)) is not None:
        yield Change(path, added=fifo[1], removed=fifo[0])  # a log that grew, a FIFO channel read or written
    elif isinstance(a, Bag) and isinstance(b, Bag):
        added = [x for x in b for _ in range(b.count(x) - a.count(x))]
        removed = [x for x in a for _ in range(a.count(x) - b.count(x))]
        yield Change(path, added=added, removed=removed)
    else:
        yield Change(path, a, b)


def _fifo(a: tuple, b: tuple) -> tuple[tuple, tuple] | None:
    """(taken from the head, appended at the tail) when b is a after some of its first items were taken
    and items appended, sharing at least one item (or growing from, or emptying to, nothing); else None."""
    taken = next(k for k in range(len(a) + 1) if a[k:] == b[: len(a) - k])
    if taken == len(a) and a and b:  # nothing in common: a replacement, not a queue's step
        return None
    return a[:taken], b[len(a) - taken :]


def _ordered(items) -> list:
    try:
        return sorted(items)
    except TypeError:
        return sorted(items, key=repr)


_BARE = re.compile(r"[A-Za-z_][\w.-]*|\d+[A-Za-z_][\w.-]*")  # a1, leader, follower-read, 1b: no quotes needed
_LOOKS_LIKE_DATA = {"None", "True", "False", "inf", "nan"}


def fmt(value) -> str:
    """A compact rendering of a value, the same in text traces, reports and charts.

    Sets sorted in braces (``{r1, r2}``, the empty set ``{}``), maps as ``{k: v}`` (the empty map
    ``{:}``), records as ``Name(f=v)``, bags as ``Bag{m, m×2}``, enum members by name; a string bare
    when it reads as a name (``a1``, ``1b``), quoted when it could pass for another value (``'1'``,
    ``'None'``, ``''``, ``'a b'``), so ``x: 1 -> '1'`` shows a change.
    """
    if isinstance(value, str):
        return value if _BARE.fullmatch(value) and value not in _LOOKS_LIKE_DATA else repr(value)
    if isinstance(value, FrozenMap):
        if not value.keys():
            return "{:}"
        return "{" + ", ".join(f"{fmt(k)}: {fmt(v)}" for k, v in value.items()) + "}"
    if getattr(type(value), "_fields", None):
        return f"{type(value).__name__}({', '.join(f'{n}={fmt(v)}' for n, v in fields(value))})"
    if isinstance(value, (frozenset, set)):
        return "{" + ", ".join(fmt(x) for x in _ordered(value)) + "}"
    if isinstance(value, Bag):
        return "Bag{" + ", ".join(fmt(x) + (f"×{n}" if (n := value.count(x)) > 1 else "") for x in _ordered(value)) + "}"
    if isinstance(value, tuple):
        return "(" + ", ".join(fmt(x) for x in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, enum.Enum):
        return value.name
    return repr(value)
