"""The replicated register: which read paths are linearizable, sequential or eventually consistent."""

import pytest

from checker import check
from checker.cli.registry import build
from models.kvstore import FollowerRead, KVStore, LeaseRead, LocalRead

from brute import reachable

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
    r = check(cls(**SMALL), stop_at_first=False, workers=2)  # the counts of one process (tests/test_parallel.py)
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


@pytest.mark.parametrize("name, cls, length", [("local-read", LocalRead, 8), ("follower-read", FollowerRead, 7),
                                               ("lease-read", LeaseRead, 9)])
def test_each_variant_is_built_by_name_and_breaks_linearizability(name, cls, length):
    """What `concord check kvstore --variant NAME --set values=1 --set ops=1` builds (lengths as pinned above)."""
    assert set(KVStore.variants) == {"local-read", "follower-read", "lease-read"}
    model = build(KVStore, ["values=1", "ops=1"], name)
    assert type(model) is cls and model.variant == name
    assert check(model, properties=["Linearizable"]).violation("Linearizable").length == length


def test_the_pinned_count_agrees_with_dfs():
    """KVStore's 39,921 states (pinned above) come from BFS over fingerprints; DFS, another search order with
    another frontier, finds the same states."""
    assert check(KVStore(**SMALL), properties=[], strategy="dfs").stats.distinct == 39921


@pytest.mark.parametrize("scope, distinct", [(dict(clients=1), 747), (dict(max_term=1), 1067)])
def test_smaller_scopes_agree_with_a_naive_search(scope, distinct):
    """The same counts from BFS and from a naive search keeping whole states keyed by their exact encodings
    (tests/models/brute.py; too slow in pure Python for the 39,921 states of the scope above)."""
    model = KVStore(**SMALL, **scope)
    assert len(reachable(model)) == distinct == check(model, properties=[]).stats.distinct
