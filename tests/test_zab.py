"""Zab (models/zab.py), the translation of ZooKeeper's Zab.tla without the recorder's pc: the state space
TLC explores, scope by scope.

Every pinned triple is TLC's (2.20, one worker, no constraint, Server as model values, NullPoint a model
value) on apache/zookeeper's zookeeper-specifications/protocol-spec/Zab.tla at 53a78e36 with ``pc``
removed from the recorder (its initial value, RecorderSetPc and its use in UpdateRecorder: nothing reads
it). With pc, TLC finds 709 states at the first scope: the name of the last action splits states.
"""

from __future__ import annotations

import os

import pytest
from test_raft import replay

from checker import check
from models.zab import Txn, Zab, zxid_to_index

PROPERTIES = ["ShouldNotBeTriggered", "Leadership1", "Leadership2", "PrefixConsistency", "Integrity", "Agreement",
              "TotalOrder", "LocalPrimaryOrder", "GlobalPrimaryOrder", "PrimaryIntegrity"]

# (servers, max_timeout_failures, max_transactions, max_epoch, max_restarts) -> TLC's (distinct, generated, depth)
WITNESS = 20  # states on the shortest path to CommittedAfterLeaderChange (BFS), at every scope with 2 epochs

TLC = {
    (2, 1, 1, 2, 0): (641, 729, 24),  # the issue's public check
    (2, 1, 2, 2, 0): (1_843, 2_337, 29),
    (2, 1, 1, 2, 1): (1_288, 1_507, 24),
    (3, 0, 1, 1, 0): (445, 760, 17),
    (3, 1, 1, 2, 0): (45_514, 88_774, 33),
}


@pytest.mark.parametrize("scope", TLC, ids=lambda s: "-".join(map(str, s)))
def test_the_state_space_is_tlcs_and_every_invariant_holds_as_tlc_found(scope):
    """TLC checked the spec's ten invariants at each scope and found no error; so does Concord. The witness (a
    transaction committed on a quorum after a leader change) needs a second epoch: not at max_epoch 1."""
    servers, timeouts, transactions, epoch, restarts = scope
    r = check(Zab(servers, timeouts, transactions, epoch, restarts), stop_at_first=False)
    assert (r.stats.distinct, r.stats.generated, r.stats.depth) == TLC[scope]
    assert [v.property for v in r.violations] == ([] if epoch > 1 else ["CommittedAfterLeaderChange"])
    assert [w.property for w in r.witnesses] == (["CommittedAfterLeaderChange"] if epoch > 1 else [])
    assert {p.name for p in r.properties} >= {"ShouldNotBeTriggered", "Leadership1", "Leadership2", "PrefixConsistency",
                                              "Integrity", "Agreement", "TotalOrder", "LocalPrimaryOrder",
                                              "GlobalPrimaryOrder", "PrimaryIntegrity"}


def test_per_action_coverage_is_tlcs_on_three_servers():
    """TLC's -coverage on the 3-server scope: per action, (distinct states found, states generated)."""
    tlc = {"UpdateLeader": (18, 105), "FollowLeader": (15, 102), "ConnectAndFollowerSendCEPOCH": (21, 102),
           "LeaderProcessCEPOCH": (30, 30), "FollowerProcessNEWEPOCH": (30, 30), "LeaderProcessACKEPOCH": (30, 30),
           "FollowerProcessNEWLEADER": (30, 30), "LeaderProcessACKLD": (30, 30), "FollowerProcessCOMMITLD": (30, 90),
           "LeaderProcessRequest": (60, 60), "LeaderBroadcastPROPOSE": (60, 60), "FollowerProcessPROPOSE": (30, 30),
           "LeaderProcessACK": (30, 30), "FollowerProcessCOMMIT": (30, 30), "Timeout": (0, 0), "Restart": (0, 0),
           "FilterNonexistentMessage": (0, 0)}
    r = check(Zab(3, 0, 1, 1, 0), properties=[])
    assert {name: (c["distinct"], c["fired"]) for name, c in r.coverage.items()} == tlc


def test_zxid_to_index_is_the_specs():
    """0 for <<0, 0>>, the index of the one txn with the zxid, -1 for several, Len + 1 for none."""
    his = (Txn((1, 1), 0, frozenset(), 1), Txn((1, 2), 1, frozenset(), 1), Txn((1, 2), 2, frozenset(), 1))
    assert zxid_to_index(his, (0, 0)) == 0
    assert zxid_to_index(his, (1, 1)) == 1
    assert zxid_to_index(his, (1, 2)) == -1
    assert zxid_to_index(his, (2, 1)) == 4
    assert zxid_to_index((), (1, 1)) == 1


def test_the_default_scope_is_the_benchmarks():
    """concord check zab: 3 servers, (1, 2, 3, 0), where TLC finds 671,092 states (benchmarks/zab_bugs.py)."""
    z = Zab()
    assert (len(z.Server), z.max_timeout_failures, z.max_transactions, z.max_epoch, z.max_restarts) == (3, 1, 2, 3, 0)


def test_bad_limits_are_refused():
    with pytest.raises(ValueError):
        Zab(servers=0)
    with pytest.raises(ValueError):
        Zab(max_epoch=10)


def test_the_witness_is_a_leader_change_then_a_quorum_commit():
    r = check(Zab(2, 1, 1, 2, 0), properties=["CommittedAfterLeaderChange"])
    w = r.witness("CommittedAfterLeaderChange")
    assert len(w.trace) == WITNESS
    assert sum(1 for leaders in w.trace[-1].state.epochLeader if leaders) == 2


# variant -> (scope, the property it breaks first, BFS trace length); each the smallest scope tried that shows it
# (3 servers: a quorum of 2 and a latecomer). no-truncate needs 646,408 states (104 s): its BFS trace is stored
# (tests/traces/zab-no-truncate.txt: python benchmarks/zab_bugs.py) and replayed here.
FOUND = {
    "propose-to-ackld": ((3, 1, 1, 2, 0), "ShouldNotBeTriggered", 21, "proposalInconsistent"),
    "commitld-from-ackld": ((3, 0, 2, 2, 0), "ShouldNotBeTriggered", 25, "commitInconsistent"),
    "strict-propose": ((3, 1, 1, 2, 0), "ShouldNotBeTriggered", 17, "proposalInconsistent"),
}


@pytest.mark.parametrize("variant", FOUND)
def test_each_bug_of_the_specs_issues_is_found_and_the_spec_passes_the_same_scope(variant):
    """The flag the spec raises says which rule broke: a latecomer meets a PROPOSE it lacks the history for
    (propose-to-ackld), is told a commit that is not its next pending transaction (commitld-from-ackld), or
    calls a duplicate an error (strict-propose). The spec passes each scope (those in TLC above, and this)."""
    scope, prop, length, flag = FOUND[variant]
    r = check(Zab.variants[variant](*scope), workers=2)
    assert [(v.property, v.length) for v in r.violations] == [(prop, length)]
    raised = r.violations[0].trace[-1].state.violatedInvariants._asdict()
    assert {k for k, v in raised.items() if v} == {flag}
    if scope not in TLC:
        assert check(Zab(*scope), properties=PROPERTIES).verdict == "ok"


def test_no_truncate_keeps_a_transaction_only_one_follower_logged():
    """The stored BFS trace (31 steps, benchmarks/zab_bugs.py) replays on no-truncate and breaks
    PrefixConsistency at its last step, and at no step before; the spec, along the same steps, never does."""
    path = os.path.join(os.path.dirname(__file__), "traces", "zab-no-truncate.txt")
    labels = open(path).read().split("\n")[:-1]
    scope = (3, 1, 2, 3, 0)
    buggy = Zab.variants["no-truncate"](*scope)
    states = replay(buggy, labels)
    assert len(states) - 1 == len(labels) == 31
    holds = Zab.PrefixConsistency.bind(buggy)
    assert [holds(s) for s in states] == [True] * 31 + [False]
    spec = Zab(*scope)
    assert all(map(Zab.PrefixConsistency.bind(spec), replay(spec, labels)))
