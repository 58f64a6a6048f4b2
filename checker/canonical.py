"""Values as the checker sees them: a type-aware kind for every value a state may hold, and its exact encoding.

Two values are the same state part when they have the same kind and the same parts, recursively:
``1``, ``True`` and ``1.0`` differ, as do ``"a"`` and ``b"a"``, two records or dataclasses of different
types with the same fields, a record and the plain tuple of its fields. Sets, maps and bags are
unordered. ``encode`` writes that identity as bytes (``--exact`` stores them); ``fingerprint``
hashes the same structure to 64 bits.
"""

from __future__ import annotations

import dataclasses
import enum
import struct

from .values import Bag, FrozenMap

__all__ = ["encode", "describe", "Unfingerprintable", "KINDS"]

# Every kind a value can have; the numbers are part of the fingerprint (change them and every
# fingerprint changes). ``describe`` gives the kind of a type that is not a built-in one.
KINDS = (
    "none", "bool", "int", "bigint", "float", "str", "bytes", "tuple", "frozenset", "record",
    "nominal_tuple", "map", "pair", "bag", "enum", "dataclass", "nominal_set", "nominal_leaf", "element",
)
(NONE, BOOL, INT, BIGINT, FLOAT, STR, BYTES, TUPLE, FROZENSET, RECORD,
 NOMINAL_TUPLE, MAP, PAIR, BAG, ENUM, DATACLASS, NOMINAL_SET, NOMINAL_LEAF, ELEMENT) = range(1, len(KINDS) + 1)

STATE_TYPES = "None, bool, int, float, str, bytes, tuple, frozenset, record, FrozenMap, Bag, Enum or a frozen dataclass"


class Unfingerprintable(TypeError):
    """A state holds a value the checker cannot identify by its contents (mutable, or of an unknown type)."""


def describe(cls: type) -> tuple:
    """How values of a non-built-in type are identified: ``(kind, name, extra)``.

    name is the type's name as it enters the identity (records by name and fields, other classes by
    module and qualified name); extra is the field names of a dataclass, the base type of a subclass
    of str, bytes, int or float. Raises Unfingerprintable for types a state cannot hold.
    """
    if issubclass(cls, FrozenMap):
        return MAP, "", None
    if issubclass(cls, Bag):
        return BAG, "", None
    if isinstance(cls, enum.EnumMeta):
        return ENUM, _qualified(cls), None
    if dataclasses.is_dataclass(cls):
        if not cls.__dataclass_params__.frozen:
            raise Unfingerprintable(f"a {cls.__name__} is a mutable dataclass: declare it @dataclass(frozen=True) to use it in a state")
        return DATACLASS, _qualified(cls), tuple(f.name for f in dataclasses.fields(cls))
    if issubclass(cls, tuple):
        fields = getattr(cls, "_fields", None)
        if isinstance(fields, tuple) and all(isinstance(f, str) for f in fields):
            return RECORD, f"{cls.__name__}({' '.join(fields)})", None
        return NOMINAL_TUPLE, _qualified(cls), None
    if issubclass(cls, frozenset):
        return NOMINAL_SET, _qualified(cls), None
    for base, plain in _SCALARS:
        if issubclass(cls, base):
            return NOMINAL_LEAF, _qualified(cls), plain
    if cls in (list, dict, set, bytearray) or issubclass(cls, (list, dict, set, bytearray)):
        raise Unfingerprintable(f"a {cls.__name__} is mutable (unhashable): states hold tuples, frozensets, FrozenMap and Bag instead")
    raise Unfingerprintable(f"cannot identify a {cls.__name__} by its contents: a state may hold {STATE_TYPES}")


# A subclass of a built-in scalar is identified by its name and its value as the base type (read
# with the base type's own conversion, whatever the subclass overrides).
_SCALARS = ((str, str.__str__), (bytes, bytes.__bytes__), (int, int.__int__), (float, float.__float__))


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


_described: dict[type, tuple] = {}


def described(cls: type) -> tuple:
    """describe(cls), remembered."""
    d = _described.get(cls)
    if d is None:
        d = _described[cls] = describe(cls)
    return d


def float_bits(x: float) -> int:
    """The 64 bits of a float as an unsigned int; -0.0 is 0.0 (they are equal), NaN is refused."""
    if x != x:
        raise ValueError("NaN cannot be part of a state: it is not equal to itself, so no two states holding it would ever match")
    return struct.unpack("<Q", struct.pack("<d", x + 0.0 if x == 0 else x))[0]


def str_bytes(x: str) -> bytes:
    """A string's UTF-8 bytes (lone surrogates kept, as Python strings may hold them)."""
    return x.encode("utf-8", "surrogatepass")


def int_bytes(x: int) -> bytes:
    """An int's shortest two's-complement bytes, little-endian."""
    return x.to_bytes(x.bit_length() // 8 + 1, "little", signed=True)


# -- the exact encoding -------------------------------------------------------------------------


def encode(x) -> bytes:
    """The canonical bytes of a value: equal exactly when the values are the same state part.

    Every encoding is self-delimiting (a kind byte, then lengths before contents), so a sequence
    of them is unambiguous; unordered collections list their elements' encodings sorted.
    """
    out = bytearray()
    _encode(x, out)
    return bytes(out)


def _length(n: int, out: bytearray) -> None:
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)


def _blob(kind: int, data: bytes, out: bytearray) -> None:
    out.append(kind)
    _length(len(data), out)
    out += data


def _sequence(kind: int, name: str, items, out: bytearray) -> None:
    out.append(kind)
    if name:
        _blob(STR, str_bytes(name), out)
    _length(len(items), out)
    for item in items:
        _encode(item, out)


def _unordered(kind: int, name: str, parts: list, out: bytearray) -> None:
    out.append(kind)
    if name:
        _blob(STR, str_bytes(name), out)
    _length(len(parts), out)
    for part in sorted(parts):
        out += part


def _encode(x, out: bytearray) -> None:
    cls = type(x)
    if x is None:
        out.append(NONE)
    elif cls is bool:
        out += bytes((BOOL, x))
    elif cls is int:
        _blob(INT, int_bytes(x), out)
    elif cls is float:
        out.append(FLOAT)
        out += struct.pack("<Q", float_bits(x))
    elif cls is str:
        _blob(STR, str_bytes(x), out)
    elif cls is bytes:
        _blob(BYTES, x, out)
    elif cls is tuple:
        _sequence(TUPLE, "", x, out)
    elif cls is frozenset:
        _unordered(FROZENSET, "", [encode(e) for e in x], out)
    else:
        kind, name, extra = described(cls)
        if kind == RECORD or kind == NOMINAL_TUPLE:
            _sequence(kind, name, x, out)
        elif kind == MAP:
            _unordered(MAP, "", [encode((k, v)) for k, v in x.items()], out)
        elif kind == BAG:
            _unordered(BAG, "", [encode((k, n)) for k, n in x.items()], out)
        elif kind == ENUM:
            _sequence(ENUM, name, (x._name_,), out)
        elif kind == DATACLASS:
            _sequence(DATACLASS, name, [getattr(x, f) for f in extra], out)
        elif kind == NOMINAL_SET:
            _unordered(NOMINAL_SET, name, [encode(e) for e in x], out)
        else:  # NOMINAL_LEAF: a subclass of a built-in scalar, by its name and its value as the base type
            _sequence(NOMINAL_LEAF, name, (extra(x),), out)
