"""The immutable state helpers: record, FrozenMap, Bag, ids."""

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker import Bag, FrozenMap, ids, record


def test_ids():
    assert ids("s", 3) == ("s1", "s2", "s3")


def test_record_set_replaces_fields():
    R = record("R", "a b c")
    r = R(1, 2, 3)
    assert r.set(b=20, c=30) == R(1, 20, 30) and r == R(1, 2, 3)
    assert type(r.set(a=0)) is R


Vote = record("Vote", "acc bal val")  # at module level, where pickle looks a class up by name


def test_records_pickle_as_the_class_of_the_module_that_made_them():
    v = Vote("a1", 2, frozenset({"v1"}))
    assert Vote.__module__ == __name__
    copy = pickle.loads(pickle.dumps(v))
    assert copy == v and type(copy) is Vote
    nested = Vote("a2", -1, FrozenMap.of({"a1": Vote("a1", 0, None)}))
    assert pickle.loads(pickle.dumps(nested)) == nested


def test_frozen_map_reads_and_updates_by_key():
    m = FrozenMap.const(("a1", "a2", "a3"), -1)
    n = m.set("a2", 5)
    assert n["a2"] == 5 and m["a2"] == -1
    assert list(n) == ["a1", "a2", "a3"] and n.values() == (-1, 5, -1)
    assert dict(n.items()) == {"a1": -1, "a2": 5, "a3": -1}
    assert n.update({"a1": 0, "a3": 0}) == FrozenMap.of({"a1": 0, "a2": 5, "a3": 0})
    assert hash(n) == hash(FrozenMap.of({"a1": -1, "a2": 5, "a3": -1}))
    assert "a1" in n and "zz" not in n and n.get("zz", 7) == 7
    assert pickle.loads(pickle.dumps(n)) == n


def test_bag_counts_copies():
    b = Bag().add("m").add("m").add("k")
    assert b.count("m") == 2 and len(b) == 3 and "k" in b
    assert b.remove("m") == Bag(["m", "k"]) and hash(b.remove("m")) == hash(Bag(["k", "m"]))
    assert b.remove("k").remove("m").remove("m") == Bag() and not Bag()
    assert pickle.loads(pickle.dumps(b)) == b


def test_records_equal_only_records_of_their_own_type():
    Ping, Pong = record("Ping", "n"), record("Pong", "n")
    assert Ping(1) == Ping(1) and not Ping(1) != Ping(1)
    assert Ping(1) != Pong(1) and Ping(1) != (1,) and (1,) != Ping(1) and not Ping(1) == (1,)
    assert len({Ping(1), Pong(1), (1,)}) == 3


def test_maps_are_equal_by_contents_whatever_the_key_order():
    a, b = "key a of test_values", "key b of test_values"  # keys no other test uses: order is per key set
    ab, ba = FrozenMap.of({a: 2, b: 1}), FrozenMap.of({b: 1, a: 2})
    assert ab == ba and hash(ab) == hash(ba) and not ab != ba and type(ab) is type(ba)
    assert list(ba) == [a, b] and ba[b] == 1  # the first key order seen is every such map's order
    assert FrozenMap.of({"a": 1}) != FrozenMap.of({"b": 1}) and FrozenMap.of({"a": 1}) != (1,) and (1,) != FrozenMap.of({"a": 1})
    assert FrozenMap.of({"a": 2, "b": 1}) != FrozenMap.of({"a": 1, "b": 2})


# ----------------------------------------------------------------------------- the C bases and their Python twins

def _python_values():
    """checker/values.py loaded again as another module, where `from ._values import ...` fails: its maps and
    records run on the pure-Python twins of the C bases."""
    import importlib.util
    import pathlib

    import checker

    spec = importlib.util.spec_from_file_location("values_without_c", pathlib.Path(checker.__file__).with_name("values.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.MapBase is module._PyMapBase and module.RecordBase is module._PyRecordBase
    return module


PYTHON_VALUES = _python_values()
KEYS = st.one_of(st.text(max_size=3), st.integers(-3, 3), st.none(), st.tuples(st.integers(-2, 2)),
                 st.frozensets(st.integers(-2, 2), max_size=2))  # no bools: maps compare keys as dicts do, True == 1


def test_the_c_bases_are_built():
    """CI builds the C extension (.ci/run installs gcc and python3-dev); a silent fall back would be slow."""
    from checker import values

    assert values.MapBase.__module__ == "checker._values" and values.RecordBase.__module__ == "checker._values"


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, st.integers(-5, 5) | st.none(), min_size=1, max_size=6).filter(
       lambda d: len({(type(k), k) for k in d}) == len(set(d))), KEYS, st.integers(-5, 5))
def test_maps_behave_as_a_dict_in_c_and_in_python(contents, probe, value):
    """Reads, membership, get, set, iteration and equality of both implementations against a dict."""
    from checker import values

    results = []
    for module in (values, PYTHON_VALUES):
        m = module.FrozenMap.of(contents)
        other = module.FrozenMap.of(dict(reversed(list(contents.items()))))
        known = probe in contents
        row = [list(m) == list(m.keys()), sorted(map(repr, m)) == sorted(map(repr, contents)),
               all(m[k] == v and m.get(k) == v for k, v in contents.items()), probe in m, m.get(probe, "absent"),
               m == other, not m != other, hash(m) == hash(other), m != tuple(m.values()), m == m.set(next(iter(m)), m[next(iter(m))]),
               type(m.values()) is tuple and m.values() == tuple(m[k] for k in m)]
        assert probe in m if known else probe not in m
        if known:
            changed = m.set(probe, value)
            row += [changed[probe], type(changed) is type(m), m[probe] == contents[probe],
                    all(changed[k] == m[k] for k in m if k != probe or (type(k), k) != (type(probe), probe))]
        else:
            with pytest.raises(KeyError):
                m[probe]
            with pytest.raises(KeyError):
                m.set(probe, value)
        results.append(row)
    assert results[0] == results[1]


def test_records_compare_alike_in_c_and_in_python():
    from checker import values

    for module in (values, PYTHON_VALUES):
        P, Q = module.record("P", "n"), module.record("Q", "n")
        assert P(1) == P(1) and P(1) != Q(1) and P(1) != (1,) and (1,) != P(1) and not P(1) == (1,)
        assert hash(P(1)) == hash((1,)) and P(1) < P(2) and sorted([P(2), P(1)]) == [P(1), P(2)]
        assert len({P(1), Q(1), (1,)}) == 3 and P(1).set(n=2) == P(2) and P(1).n == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-3, 3) | st.none() | st.text(max_size=2), min_size=1, max_size=6),
       st.dictionaries(st.sampled_from("abcdefz"), st.integers(-3, 3), max_size=4))
def test_record_set_alike_in_c_and_in_python(values, changes):
    """set replaces exactly the named fields, keeps the class, and refuses an unknown field or a positional
    argument with the same TypeError in both implementations."""
    from checker import values as c_values

    outcomes = []
    for module in (c_values, PYTHON_VALUES):
        R = module.record("R", " ".join("abcdef"[: len(values)]))
        r = R(*values)
        try:
            t = r.set(**changes)
            outcomes.append(("ok", tuple(t), type(t) is R, tuple(r) == tuple(values)))
        except TypeError as e:
            outcomes.append(("error", str(e).replace("R.set()", "set()")))
        with pytest.raises(TypeError):
            r.set(1)
    assert outcomes[0] == outcomes[1]
    if outcomes[0][0] == "ok":
        expected = [changes.get(f, v) for f, v in zip("abcdef", values)]
        assert list(outcomes[0][1]) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-3, 3) | st.none() | st.text(max_size=2), min_size=1, max_size=6))
def test_record_fields_read_alike_in_c_and_in_python(values):
    """Fields read by name (member descriptors in C, namedtuple's getters in Python), in a subclass too,
    read-only in both, and _fields and _asdict unchanged."""
    from checker import values as c_values

    seen = []
    for module in (c_values, PYTHON_VALUES):
        names = "abcdef"[: len(values)]
        R = module.record("R", " ".join(names))
        S = type("S", (R,), {"__slots__": ()})
        r, s = R(*values), S(*values)
        seen.append(([getattr(r, f) for f in names], [getattr(s, f) for f in names], R._fields, r._asdict()))
        with pytest.raises(AttributeError):
            r.a = 1
    assert seen[0] == seen[1] and seen[0][0] == list(values)


def test_a_map_from_the_wrong_constructor_says_how_to_build_one():
    from checker.values import MapBase

    with pytest.raises(TypeError, match="FrozenMap.of"):
        MapBase((1, 2))["a"]
