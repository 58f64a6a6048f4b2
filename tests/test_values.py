"""The immutable state helpers: record, FrozenMap, Bag, ids."""

import pickle

from checker import Bag, FrozenMap, ids, record


def test_ids():
    assert ids("s", 3) == ("s1", "s2", "s3")


def test_record_set_replaces_fields():
    R = record("R", "a b c")
    r = R(1, 2, 3)
    assert r.set(b=20, c=30) == R(1, 20, 30) and r == R(1, 2, 3)
    assert type(r.set(a=0)) is R


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
