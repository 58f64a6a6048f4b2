"""The replicated register: which read paths are linearizable, sequential or eventually consistent."""

import pytest

from checker import check
from models.kvstore import FollowerRead, KVStore, LeaseRead, LocalRead

SMALL = dict(values=1, ops=1)  # one operation per client: enough for a stale read, small enough for tests


@pytest.mark.parametrize(
    "cls, distinct, violated, witness",
    [
        (KVStore, 39921, {}, 8),
        (LocalRead, 48109, {"Linearizable": 8}, 8),
        (FollowerRead, 74213, {"Linearizable": 7}, 7),
        (LeaseRead, 96218, {"Linearizable": 9}, 9),
    ],
    ids=["read-index", "local-read", "follower-read", "lease-read"],
)
def test_each_read_path_against_all_three_checkers(cls, distinct, violated, witness):
    r = check(cls(**SMALL), stop_at_first=False)
    assert r.stats.distinct == distinct
    assert {v.property: v.length for v in r.violations} == violated
    assert r.witness("ReadsAnEarlierLeadersWrite").length == witness


@pytest.mark.parametrize("cls, length", [(LocalRead, 8), (FollowerRead, 7), (LeaseRead, 9)])
def test_with_two_operations_per_client_stale_reads_break_sequential_consistency_too(cls, length):
    r = check(cls(values=1, ops=2), properties=["SequentiallyConsistent"])
    assert r.violation("SequentiallyConsistent").length == length


def test_local_read_new_leader_answers_before_it_learns_the_commit():
    # The shortest stale read: s2 holds c1's committed write but not its commit index, wins term 2,
    # and answers from its (empty) applied state: why Raft's leader commits a no-op before reading.
    r = check(LocalRead(**SMALL), properties=["Linearizable"])
    events = r.violation("Linearizable").trace[-1].state.history
    assert [(e.type, e.f, e.value) for e in events] == [
        ("invoke", "write", "v1"), ("ok", "write", "v1"), ("invoke", "read", None), ("ok", "read", None)
    ]
    assert (events[-1].server, events[-1].term) == ("s2", 2)


def test_variants_are_declared():
    assert set(KVStore.variants) == {"local-read", "follower-read", "lease-read"}
