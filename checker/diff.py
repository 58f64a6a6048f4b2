"""What changed between two states, field by field and node by node."""

from __future__ import annotations

from typing import Any, Iterator

from .values import Bag, FrozenMap

__all__ = ["changes", "fields", "Change"]


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
    elif type(a) is tuple and type(b) is tuple and len(b) > len(a) and b[: len(a)] == a:
        yield Change(path, added=b[len(a) :])  # a sequence that grew at the end: a log, a history
    elif isinstance(a, Bag) and isinstance(b, Bag):
        added = [x for x in b for _ in range(b.count(x) - a.count(x))]
        removed = [x for x in a for _ in range(a.count(x) - b.count(x))]
        yield Change(path, added=added, removed=removed)
    else:
        yield Change(path, a, b)


def _ordered(items) -> list:
    try:
        return sorted(items)
    except TypeError:
        return sorted(items, key=repr)


def fmt(value) -> str:
    """A compact rendering of a value: strings bare, sets in order, records as Name(f=v)."""
    if isinstance(value, str):
        return value
    if isinstance(value, FrozenMap):
        return "{" + ", ".join(f"{k}: {fmt(v)}" for k, v in value.items()) + "}"
    if getattr(type(value), "_fields", None):
        return f"{type(value).__name__}({', '.join(f'{n}={fmt(v)}' for n, v in fields(value))})"
    if isinstance(value, (frozenset, set)):
        return "{" + ", ".join(fmt(x) for x in _ordered(value)) + "}"
    if isinstance(value, tuple):
        return "(" + ", ".join(fmt(x) for x in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)
