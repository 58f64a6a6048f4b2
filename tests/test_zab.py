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
from specs import log

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
# (3 servers: a quorum of 2 and a latecomer). no-truncate needs 323,341 states (ShouldNotBeTriggered, 29 steps)
# and 436,063 (PrefixConsistency alone, 31; both on 2 workers): its BFS traces are stored (tests/traces/, python
# benchmarks/zab_bugs.py --write) and replayed below.
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


def stored(name: str) -> list[str]:
    """The step labels of a stored trace (benchmarks/zab_bugs.py --write)."""
    with open(os.path.join(os.path.dirname(__file__), "traces", name)) as f:
        return f.read().split("\n")[:-1]


NO_TRUNCATE = (3, 1, 2, 3, 0)


def test_no_truncate_first_breaks_the_specs_own_commit_guard():
    """The stored BFS trace with every property checked (29 steps, 323,341 states): a follower that kept a
    transaction only it logged is sent a COMMIT that is not its next pending one; the spec raises
    commitInconsistent at the last step and at no step before, and along the same steps never does."""
    labels = stored("zab-no-truncate-first.txt")
    states = replay(Zab.variants["no-truncate"](*NO_TRUNCATE), labels)
    assert len(states) - 1 == len(labels) == 29
    assert [s.violatedInvariants.commitInconsistent for s in states] == [False] * 29 + [True]
    assert not any(any(s.violatedInvariants) for s in replay(Zab(*NO_TRUNCATE), labels))


def test_no_truncate_keeps_a_transaction_only_one_follower_logged():
    """The stored BFS trace for PrefixConsistency alone (31 steps) replays on no-truncate and breaks
    PrefixConsistency at its last step, and at no step before; the spec, along the same steps, never does."""
    labels = stored("zab-no-truncate.txt")
    buggy = Zab.variants["no-truncate"](*NO_TRUNCATE)
    states = replay(buggy, labels)
    assert len(states) - 1 == len(labels) == 31
    holds = Zab.PrefixConsistency.bind(buggy)
    assert [holds(s) for s in states] == [True] * 31 + [False]
    spec = Zab(*NO_TRUNCATE)
    assert all(map(Zab.PrefixConsistency.bind(spec), replay(spec, labels)))


def test_the_seed_description_first_elects_two_leaders_of_one_number():
    """Numbers drawn at random can collide, and nothing stops a server supporting two candidates: two leaders
    of epoch 1 after 8 steps, the first thing BFS finds."""
    r = check(Zab.variants["seed"]())
    assert [(v.property, v.length) for v in r.violations] == [("Leadership1", 8)]
    assert [step.label for step in r.violations[0].trace[1:3]] == ["Draw(i=s1, n=1)", "Draw(i=s2, n=1)"]


# With numbers of their own (no collision), what breaks, in BFS order: a leader lacks a committed transaction
# (11), the leader that committed it copies a history without it (12), two servers commit different ones (14).
SEED_UNIQUE = {"LeaderCompleteness": 11, "CommittedKept": 12, "PrefixConsistency": 14}


def test_with_numbers_of_their_own_the_committed_transaction_is_lost_second():
    seed = Zab.variants["seed"](unique_numbers=True, max_number=3)
    assert [(v.property, v.length) for v in check(seed).violations] == [("LeaderCompleteness", 11)]
    found = {p: check(seed, properties=[p]).violation(p) for p in SEED_UNIQUE}
    assert {p: v.length for p, v in found.items()} == SEED_UNIQUE
    before, after = found["CommittedKept"].trace[-2:]
    j = after.label.split("j=")[1].rstrip(")")  # the server that copied
    assert before.state.leading[j] and before.state.lastCommitted[j] == 1 and before.state.history[j]
    assert after.state.history[j] == ()  # a leader's own committed transaction, gone


class KeptZab(Zab):
    """The spec, also judged by specs.log's CommittedKept."""

    CommittedKept = log.CommittedKept()


@pytest.mark.parametrize("scope", [(2, 1, 1, 2, 0), (2, 1, 1, 2, 1), (3, 0, 1, 1, 0)])
def test_the_spec_never_loses_a_committed_transaction(scope):
    """What the seed breaks the spec keeps (a restart lowers lastCommitted, never the history under it)."""
    assert check(KeptZab(*scope), properties=["CommittedKept"]).verdict == "ok"
