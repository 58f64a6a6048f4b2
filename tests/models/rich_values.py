"""Hypothesis strategies for every kind of value a state may hold, nested: the hard cases for fingerprints."""

import dataclasses
import enum

from hypothesis import strategies as st

from checker import Bag, FrozenMap, record

Ping = record("Ping", "n")
Pong = record("Pong", "n")
Pair = record("Pair", "a b")


@dataclasses.dataclass(frozen=True)
class PingD:
    n: object


@dataclasses.dataclass(frozen=True)
class PongD:
    n: object


class Color(enum.Enum):
    RED = 1
    GREEN = 2


class Light(enum.Enum):
    RED = 1
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Name(str):
    """A str subclass: the same characters as a str, another value."""


ints = st.one_of(
    st.integers(-4, 4),
    st.sampled_from([-1, -2, 2**61 - 1, 2**61, 2**63 - 1, -(2**63), 2**63, 2**64 - 1, 2**64, -(2**64) - 1, 10**30]),
    st.integers(),
)
floats = st.one_of(st.floats(allow_nan=False), st.sampled_from([0.0, -0.0, 0.5, 1.0, 2.0**60, float("inf"), -float("inf")]))
texts = st.one_of(st.sampled_from(["", "a", "A", "RED", "a1", "s1"]), st.text(max_size=20))
blobs = st.one_of(st.sampled_from([b"", b"a", b"\x00" * 8, b"\x00" * 9]), st.binary(max_size=20))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    ints,
    floats,
    texts,
    blobs,
    st.sampled_from([Color.RED, Color.GREEN, Light.RED, Light.GREEN, Level.LOW, Level.HIGH]),
    texts.map(Name),
)


def _containers(children):
    keys = st.one_of(st.sampled_from(["a", "b", "c", "d"]), st.integers(-2, 2))
    return st.one_of(
        st.tuples(children),
        st.lists(children, max_size=4).map(tuple),
        st.frozensets(children, max_size=4),
        children.map(Ping),
        children.map(Pong),
        st.tuples(children, children).map(lambda ab: Pair(*ab)),
        children.map(PingD),
        children.map(PongD),
        st.dictionaries(keys, children, max_size=4).map(FrozenMap.of),
        st.lists(children, max_size=5).map(Bag),
    )


values = st.recursive(scalars, _containers, max_leaves=12)
