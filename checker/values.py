"""Immutable helpers for states: records, maps keyed by node id, bags of messages, ids."""

from __future__ import annotations

import sys
from collections import namedtuple
from typing import Any, Hashable, Iterable, Iterator, Mapping

__all__ = ["record", "FrozenMap", "Bag", "ids"]

_tnew = tuple.__new__
_tget = tuple.__getitem__
_tlen = tuple.__len__
_teq = tuple.__eq__
_tne = tuple.__ne__


def ids(prefix: str, n: int) -> tuple[str, ...]:
    """Node or value ids ``prefix1 .. prefixN``, e.g. ``ids("s", 3) == ("s1", "s2", "s3")``."""
    return tuple(f"{prefix}{i}" for i in range(1, n + 1))


def record(name: str, fields: str | Iterable[str]) -> type:
    """A named tuple class with ``set(field=value, ...)``, a faster ``_replace`` (in C when built).

    A record equals only records of its own type: ``Prepare(1) != Promise(1) != (1,)``, so a set
    of messages keeps both. (Its hash is the tuple's; unequal values may share a hash.)
    """
    module = sys._getframe(1).f_globals.get("__name__", "__main__")  # where pickle finds the class, as namedtuple does
    base = namedtuple(name, fields, module=module)
    names = base._fields
    # Generated like namedtuple's own __new__: keyword-only parameters, no dict, no loop.
    source = (
        f"def set(self, *, {', '.join(f'{f}=_KEEP' for f in names)}):\n"
        f"    return _tnew(cls, ({', '.join(f'self[{i}] if {f} is _KEEP else {f}' for i, f in enumerate(names))},))\n"
    )
    namespace = {"_KEEP": _KEEP, "_tnew": _tnew}
    exec(source, namespace)
    setter = namespace["set"]
    setter.__doc__ = "A copy with the given fields replaced."
    body = {"__slots__": (), "__doc__": f"State record {name}({', '.join(names)}).", "__module__": module,
            "_field_index": {f: i for i, f in enumerate(names)}}  # what the C base's set reads
    if RecordBase is _PyRecordBase:
        body["set"] = setter
    cls = type(name, (base, RecordBase), body)
    namespace["cls"] = cls
    if _field is not None:  # reads at the speed of a slot (see _values.field)
        for i, f in enumerate(names):
            setattr(cls, f, _field(cls, f, i))
    return cls


_KEEP = object()


class _PyRecordBase(tuple):
    """Records equal only records of their own type (the pure-Python twin of _values.RecordBase)."""

    __slots__ = ()

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and _teq(self, other)

    def __ne__(self, other) -> bool:
        return type(other) is not type(self) or _tne(self, other)

    __hash__ = tuple.__hash__


class _PyMapBase(_PyRecordBase):
    """A map's reads and updates, its equality a record's (the pure-Python twin of _values.MapBase)."""

    __slots__ = ()

    def __getitem__(self, key):
        return _tget(self, self._index[key])

    def __contains__(self, key) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator:
        return iter(self._keys)

    def get(self, key, default=None):
        """The value of key, or default when key is not one of the map's keys."""
        i = self._index.get(key)
        return default if i is None else _tget(self, i)

    def set(self, key, value) -> "FrozenMap":
        """A copy with key sent to value."""
        vals = list(tuple.__iter__(self))
        vals[self._index[key]] = value
        return _tnew(type(self), vals)

    def values(self) -> tuple:
        """The values as a plain tuple, in the order of the keys."""
        return _tget(self, slice(None))


try:
    from ._values import MapBase, RecordBase
    from ._values import field as _field
except ImportError:  # not compiled (pip could not build it): the same methods in Python
    MapBase, RecordBase, _field = _PyMapBase, _PyRecordBase, None


class FrozenMap(MapBase):
    """An immutable map over a fixed key domain (node ids), stored as a tuple of values.

    Two maps are equal when they send the same keys to the same values, whatever order they were
    built in: all maps over one set of keys share a class, which fixes the order of their values
    (the first order seen). A map equals no plain tuple and no map over other keys. Keys are
    compared as a dict compares them. ``m[k]`` reads, ``m.set(k, v)`` and ``m.update({k: v})``
    return new maps. Iteration yields keys, as for a dict.
    """

    __slots__ = ()
    _keys: tuple = ()
    _index: dict = {}
    _classes: dict = {}  # frozenset of keys -> the class of the maps over them
    _orders: dict = {}  # tuple of keys, in any order seen -> that class

    @staticmethod
    def of(mapping: Mapping[Hashable, Any]) -> "FrozenMap":
        """A map with mapping's keys and values."""
        keys = tuple(mapping)
        cls = FrozenMap._over(keys)
        if cls._keys == keys:
            return _tnew(cls, tuple(mapping.values()))
        return _tnew(cls, tuple(mapping[k] for k in cls._keys))

    @staticmethod
    def const(keys: Iterable[Hashable], value: Any) -> "FrozenMap":
        """The map sending every key to the same value."""
        cls = FrozenMap._over(tuple(keys))
        return _tnew(cls, (value,) * len(cls._keys))

    @staticmethod
    def _over(keys: tuple) -> type:
        cls = FrozenMap._orders.get(keys)
        if cls is None:
            domain = frozenset(keys)
            if len(domain) != len(keys):
                raise ValueError(f"FrozenMap keys must be distinct: {keys!r}")
            cls = FrozenMap._classes.get(domain)
            if cls is None:
                body = {"__slots__": (), "_keys": keys, "_index": {k: i for i, k in enumerate(keys)}}
                cls = FrozenMap._classes[domain] = type("FrozenMap", (FrozenMap,), body)
            FrozenMap._orders[keys] = cls
        return cls

    def update(self, changes: Mapping[Hashable, Any]) -> "FrozenMap":
        """A copy with several keys changed."""
        vals = list(tuple.__iter__(self))
        for k, v in changes.items():
            vals[self._index[k]] = v
        return _tnew(type(self), vals)

    def keys(self) -> tuple:
        return self._keys

    def items(self):
        return zip(self._keys, tuple.__iter__(self))

    def __repr__(self):
        return "{" + ", ".join(f"{k!r}: {v!r}" for k, v in self.items()) + "}"

    def __reduce__(self):
        return (FrozenMap.of, (dict(self.items()),))


class Bag:
    """An immutable multiset (messages in flight): ``add``, ``remove`` one copy, ``count``."""

    __slots__ = ("_counts", "_hash")

    def __init__(self, items: Iterable[Hashable] = ()):
        counts: dict = {}
        for item in items:
            counts[item] = counts.get(item, 0) + 1
        self._counts = counts
        self._hash = None

    @classmethod
    def _from(cls, counts: dict) -> "Bag":
        bag = object.__new__(cls)
        bag._counts = counts
        bag._hash = None
        return bag

    def add(self, item: Hashable, n: int = 1) -> "Bag":
        """A copy with n more copies of item."""
        counts = dict(self._counts)
        counts[item] = counts.get(item, 0) + n
        return Bag._from(counts)

    def remove(self, item: Hashable) -> "Bag":
        """A copy with one copy of item less; KeyError if item is absent."""
        counts = dict(self._counts)
        left = counts[item] - 1
        if left:
            counts[item] = left
        else:
            del counts[item]
        return Bag._from(counts)

    def count(self, item: Hashable) -> int:
        return self._counts.get(item, 0)

    def items(self):
        """(item, count) pairs."""
        return self._counts.items()

    def __contains__(self, item) -> bool:
        return item in self._counts

    def __iter__(self) -> Iterator:
        """Distinct items, in insertion order."""
        return iter(self._counts)

    def __len__(self) -> int:
        return sum(self._counts.values())

    def __bool__(self) -> bool:
        return bool(self._counts)

    def __eq__(self, other) -> bool:
        return isinstance(other, Bag) and self._counts == other._counts

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = self._hash = hash(frozenset(self._counts.items()))
        return h

    def __repr__(self):
        inner = ", ".join(repr(k) if c == 1 else f"{k!r}*{c}" for k, c in self._counts.items())
        return f"Bag({{{inner}}})"

    def __reduce__(self):
        return (Bag._from, (dict(self._counts),))
