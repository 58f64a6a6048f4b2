"""The compiled fingerprint (checker/_fingerprint.c) equals the Python definition, fingerprint_py, on every value."""

import dataclasses
import enum
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from rich_values import Color, Level, Name, Pair, Ping, PingD, Pong, values

from checker import Bag, FrozenMap, record
from checker.canonical import KINDS, Unfingerprintable, described
from checker.fingerprint import fingerprint_py, native

native_only = pytest.mark.skipif(native is None, reason="checker._fingerprint was not built (or CONCORD_PURE_PYTHON is set)")


def same(x):
    assert native(x) == fingerprint_py(x), x


def test_the_extension_was_built():
    """Not skipped: a failed build (pip install falls back to Python silently) must show up here."""
    if os.environ.get("CONCORD_PURE_PYTHON"):
        assert native is None
    else:
        assert native is not None, "checker._fingerprint is missing: pip install -e . did not compile checker/_fingerprint.c"


@native_only
@settings(max_examples=500, deadline=None)
@given(values)
def test_equal_to_the_definition_on_random_values(x):
    same(x)
    same((x, frozenset([x]), FrozenMap.of({"k": x}), Bag([x, x])))  # inside each container kind


@native_only
@pytest.mark.parametrize("n", [0, 1, 2, -1, -2, 2**31, 2**32, 2**62, 2**63 - 1, -(2**63), 2**63, -(2**63) - 1,
                               2**64 - 1, 2**64, -(2**64), 2**64 + 1, 10**30, -(10**30), 7**200, -(7**200)])
def test_int_boundaries_and_big_ints(n):
    same(n)
    same((n, -n, Ping(n)))


@native_only
@pytest.mark.parametrize("n", range(18))
def test_strings_and_bytes_of_every_length_around_a_word(n):
    same("x" * n)
    same("é" * n)
    same(b"\xff" * n)
    same(Name("y" * n))


@native_only
@pytest.mark.parametrize("s", ["", "é", "日本語", "🦀 crab", "\ud800", "a\udfffb", "\ud83d\ude00", "\x00", "ab\x00\x00"])
def test_non_ascii_and_lone_surrogates(s):
    same(s)
    same((s, Name(s), frozenset([s])))


@native_only
@pytest.mark.parametrize("x", [
    None, True, False, 0.0, -0.0, 1.5, float("inf"), -float("inf"), 5e-324, b"", (), frozenset(),
    ((),), (((),),), frozenset([frozenset()]), frozenset([(), frozenset(), ((),)]), (frozenset(), (frozenset(),)),
    (1, True, 1.0, "1", b"1"), FrozenMap.of({}), Bag(), Bag([1, 1, 2]), Bag([Ping(1), Pong(1), Ping(1)]),
    FrozenMap.of({"a": Bag(["m"]), 1: frozenset([Pair(1, 2)]), None: FrozenMap.const((1, 2), -1)}),
    Color.RED, Level.LOW, PingD(PingD((1, "a"))), Name("RED"), Pair(Ping(1), Pong(1)),
])
def test_edge_values(x):
    same(x)


class Big(int):
    pass


class Real(float):
    pass


class Raw(bytes):
    pass


class Loud(str):
    def __str__(self):  # the identity reads the value as a str, not through this
        return "LOUD"


class Triple(tuple):
    pass


class Reversed(tuple):
    def __iter__(self):
        return reversed(tuple(tuple.__iter__(self)))


class Nodes(frozenset):
    pass


class Sorted(frozenset):
    def __iter__(self):
        return iter(sorted(frozenset.__iter__(self)))


class Mode(enum.Enum):
    ON = "on"
    OFF = ("off", 0)


@dataclasses.dataclass(frozen=True)
class Empty:
    pass


@native_only
@pytest.mark.parametrize("x", [
    Big(5), Big(2**70), Real(2.5), Real(-0.0), Raw(b"raw"), Loud("quiet"), Triple((1, 2)), Triple(), Reversed((1, 2, 3)),
    Nodes({1, 2}), Nodes(), Sorted({3, 1, 2}), Mode.ON, Mode.OFF, Empty(), (Big(1), Real(1.0), Raw(b"1"), Loud("1")),
])
def test_subclasses_enums_and_dataclasses(x):
    same(x)


@native_only
def test_a_nan_anywhere_is_refused_with_the_definitions_message():
    for x in [float("nan"), (1, (2, (float("nan"),))), frozenset([Ping(float("nan"))]), FrozenMap.of({"a": float("nan")}),
              Bag([float("nan")]), PingD(float("nan")), Real("nan")]:
        with pytest.raises(ValueError) as python:
            fingerprint_py(x)
        with pytest.raises(ValueError) as compiled:
            native(x)
        assert str(compiled.value) == str(python.value)


@dataclasses.dataclass
class Mutable:
    n: int


@native_only
@pytest.mark.parametrize("bad", [[1], {"a": 1}, {1}, bytearray(b"x"), object(), Mutable(1), 1j])
def test_an_unfingerprintable_part_raises_what_described_raises(bad):
    holders = [bad, (1, (bad,)), Ping(bad), FrozenMap.of({"a": bad}), Bag._from({"a": bad}), PingD(bad)]
    if getattr(bad, "__hash__", None):
        holders += [frozenset([Ping(bad)]), Bag([bad])]
    for x in holders:
        with pytest.raises(Unfingerprintable) as python:
            fingerprint_py(x)
        with pytest.raises(Unfingerprintable) as compiled:
            native(x)
        assert str(compiled.value) == str(python.value)


@native_only
@pytest.mark.parametrize("wrap", [lambda x: (x,), lambda x: frozenset([x]), Ping, PingD, lambda x: FrozenMap.of({"k": x}),
                                  lambda x: Bag([x])])
def test_absurdly_deep_nesting_raises_recursion_error(wrap):
    x = None
    for _ in range(100_000):
        x = wrap(x)
    with pytest.raises(RecursionError):
        native(x)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1_000_000)  # then only the extension's own cap keeps the C stack safe
    try:
        with pytest.raises(RecursionError):
            native(x)
    finally:
        sys.setrecursionlimit(limit)
    same(wrap(wrap(wrap(None))))


@native_only
@settings(max_examples=300, deadline=None)
@given(values, values)
def test_records_and_maps_keep_the_definitions_fingerprint(x, y):
    """A record or map keeps its fingerprint once computed: asked again, alone or inside other values,
    it gives the definition's, and fresh_fingerprint (which reads nothing kept) agrees."""
    from checker.fingerprint import fresh_fingerprint

    Two = record("Two", "left right")
    inner = Two(x, FrozenMap.of({"k": y}))
    first = native(inner)
    for outer in (inner, Two(inner, inner), FrozenMap.of({1: inner, 2: Two(y, inner)}), frozenset([inner]), (inner,)):
        same(outer)
        assert native(outer) == fresh_fingerprint(outer) == fingerprint_py(outer)
    assert native(inner) == first == fingerprint_py(inner)


def test_record_and_map_bases_keep_a_word_after_their_items():
    """The word _fingerprint.c keeps a fingerprint in: a record or map is one word larger than its tuple."""
    import sys

    from checker.values import MapBase, RecordBase

    if RecordBase.__module__ != "checker._values":
        pytest.skip("checker._values was not built")
    Two = record("Two", "left right")
    assert sys.getsizeof(Two(1, 2)) == sys.getsizeof((1, 2)) + 8
    assert sys.getsizeof(FrozenMap.of({"a": 1, "b": 2})) == sys.getsizeof((1, 2)) + 8
    assert MapBase.__basicsize__ == RecordBase.__basicsize__ == tuple.__basicsize__ + 8


@native_only
def test_containers_remembered_by_identity_stay_right():
    """Many short-lived containers (their addresses reused) and shared ones (remembered) in successor-like states."""
    import checker._fingerprint as compiled

    State = record("State", "votes msgs bag")
    state = State(FrozenMap.const(("a1", "a2"), -1), frozenset(), Bag())
    for i in range(3000):
        if i % 3 == 0:
            state = state.set(votes=state.votes.set("a1" if i % 2 else "a2", i))
        elif i % 3 == 1:
            state = state.set(msgs=state.msgs | {Ping(i % 50)})
        else:
            state = state.set(bag=state.bag.add(i % 7))
        if i % 100 == 0:
            same(state)
            compiled.clear()
        assert native(state) == native(state)
        assert native(frozenset([i, str(i)])) == fingerprint_py(frozenset([i, str(i)]))
    same(state)


@native_only
def test_configure_refuses_other_kinds():
    import checker._fingerprint as compiled

    with pytest.raises(ImportError, match="rebuild"):
        compiled.configure(described, fingerprint_py, KINDS[:-1])
    with pytest.raises(ImportError, match="rebuild"):
        compiled.configure(described, fingerprint_py, KINDS[1:] + KINDS[:1])
    same(Ping(1))  # still configured as before


@native_only
def test_independent_of_the_hash_seed():
    x = (frozenset(["a", "b", "c", Ping("d")]), FrozenMap.of({"x": 1, "y": frozenset([2.5, "z"])}), Bag(["m", "n", "m"]))
    code = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "from rich_values import Bag, FrozenMap, Ping\n"
        "from checker.fingerprint import native\n"
        "print(native((frozenset(['a', 'b', 'c', Ping('d')]), FrozenMap.of({'x': 1, 'y': frozenset([2.5, 'z'])}),"
        " Bag(['m', 'n', 'm']))))\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code, root, os.path.join(root, "tests", "models")], capture_output=True,
                         text=True, check=True, env=dict(os.environ, PYTHONHASHSEED="12345")).stdout
    assert int(out) == native(x) == fingerprint_py(x)
