"""Raft (Ongaro's raft.tla without its history variables): state counts pinned to TLC, the replicated-log
properties, and Raft's bugs found with their shortest traces.

The counts come from TLC 2.20 (one worker) on ongardie/raft.tla at commit 6ecbdbc with the history
variables elections, allLogs, voterLog and the mlog fields removed, through a wrapper module adding
CONSTANT MaxTerm, MaxLogLen, MaxMessages and CONSTRAINT Scope (every currentTerm <= MaxTerm, every
Len(log[i]) <= MaxLogLen, the bag's total count <= MaxMessages), servers and values as model values.
"""

from __future__ import annotations

import pytest

from checker import check
from models.raft import NoPersistTerm, NoPersistVote, Raft

# (servers, values, max_term, max_log_len, max_messages) -> TLC's (distinct, generated, depth)
TLC = {
    (2, 1, 2, 1, 1): (1_645, 12_861, 28),  # the public check
    (2, 1, 2, 2, 1): (2_431, 18_727, 33),
    (2, 2, 2, 1, 1): (1_989, 15_877, 28),
    (2, 1, 3, 1, 1): (18_575, 147_375, 41),
}
# also equal, too slow for the suite: (2, 1, 2, 1, 2) 22,231 / 210,801 / 33; (3, 1, 2, 1, 1) 1,931,973 /
# 22,844,275 / 53 (benchmarks/run.py raft-3)


@pytest.mark.parametrize("scope", list(TLC), ids=lambda s: "-".join(map(str, s)))
def test_counts_equal_tlcs_and_every_property_holds(scope):
    servers, values, max_term, max_log_len, max_messages = scope
    r = check(Raft(servers, values, max_term, max_log_len, max_messages))
    assert (r.stats.distinct, r.stats.generated, r.stats.depth) == TLC[scope]
    assert r.verdict == "ok" and not r.violations
    assert r.witness("SomeEntryCommitted") is not None  # the scope is not vacuous
    assert [q.verdict for q in r.quorums] == ["proved"]


def test_no_persist_term_elects_two_leaders_in_one_term():
    scope = dict(servers=2, max_term=3, max_log_len=1, max_messages=1)
    v = check(NoPersistTerm(**scope)).violation("ElectionSafety")
    assert v is not None and v.length == 20
    labels = [step.label for step in v.trace[1:]]
    assert labels[4:6] == ["Restart(i=s1)", "Timeout(i=s1)"]  # back in term 1, then a second term 2
    assert labels[-1] == "BecomeLeader(i=s2)"
    assert check(Raft(**scope)).ok


def test_no_persist_vote_lets_a_server_vote_twice_in_a_term():
    scope = dict(servers=3, max_term=2, max_log_len=1, max_messages=1)
    r = check(NoPersistVote(**scope), symmetry=True, properties=["ElectionSafety"])
    v = r.violation("ElectionSafety")
    assert v is not None and v.length == 18  # the same length as plain BFS finds (234,361 states)
    labels = [step.label for step in v.trace[1:]]
    restart = labels.index("Restart(i=s2)")
    assert any(label.startswith("Receive(m=RequestVoteRequest") and "mdest=s2" in label for label in labels[:restart])
    assert any(label.startswith("Receive(m=RequestVoteRequest") and "mdest=s2" in label for label in labels[restart:])


def test_the_variants_are_listed_with_their_one_changed_rule():
    assert set(Raft.variants) == {"no-persist-vote", "no-persist-term", "no-log-check", "truncate-on-stale", "seed"}
    for name, cls in Raft.variants.items():
        assert cls.__doc__.startswith("Bug:") or name == "seed"


def test_the_seed_description_elects_two_leaders_with_the_same_number():
    from models.raft_seed import SeedRaft

    v = check(SeedRaft()).violation("ElectionSafety")
    assert v is not None and v.length == 8
    labels = [step.label for step in v.trace[1:]]
    assert labels[:2] == ["Draw(i=n1, n=1)", "Draw(i=n2, n=1)"]  # the same number drawn twice
    assert labels[-2:] == ["BecomeLeader(i=n1)", "BecomeLeader(i=n2)"]  # n1 and n2 supported both
