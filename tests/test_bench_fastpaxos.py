"""The Simplified Fast Paxos benchmark model at small scopes, pinned to TLC, with and without symmetry.

The expected numbers come from TLC 2.20 (tla2tools.jar, "Version 2.20"), one worker, on the TLA+
Examples spec specifications/SimplifiedFastPaxos/FastPaxos.tla (tlaplus/Examples commit 32a32c7b),
run through a wrapper ``MC.tla`` (``EXTENDS FastPaxos, TLC``, defining
``UnionSymmetry == PaxosSymmetry``, i.e. ``Permutations(Values) \\union Permutations(Replicas)`` as
FastPaxos.cfg has it) as ``java -XX:+UseParallelGC -cp tla2tools.jar tlc2.TLC -workers 1 -config X.cfg MC.tla``,
each cfg being FastPaxos.cfg with the constants below, every majority of Replicas a quorum and
the whole of Replicas the one fast quorum (3 replicas), ``SPECIFICATION FastSpec``,
``INVARIANTS FastTypeOK FastNontriviality``, ``PROPERTY PaxosConsistency``, and either no SYMMETRY
or ``SYMMETRY UnionSymmetry``:

Replicas = {r1, r2, r3}, Values = {v1, v2}, Ballots = {0, 1, 2, 3}, FastBallots = {1, 3}:
    no symmetry:     6841 states generated, 1086 distinct states found, 0 states left on queue.
                     The depth of the complete state graph search is 14.
    SYMMETRY:        868 states generated, 136 distinct states found, 0 states left on queue.
                     The depth of the complete state graph search is 14.
Replicas = {r1, r2, r3}, Values = {v1, v2, v3}, Ballots = {0, 1, 2, 3}, FastBallots = {1}:
    no symmetry:     41919 states generated, 4964 distinct states found, 0 states left on queue.
                     The depth of the complete state graph search is 14.
    SYMMETRY:        1571 states generated, 185 distinct states found, 0 states left on queue.
                     The depth of the complete state graph search is 14.
(Each run ends "Model checking completed. No error has been found.")

Concord matches all three figures, states generated too: the model yields one successor per
binding of the spec's existential quantifiers, as TLC does (FastDecide and ClassicDecide once per
message m of the quorum, even when they all carry the same value). With symmetry both keep one
state per orbit of the same group: TLC closes the union of the two permutation sets under
composition (MVPerms.permutationSubgroup), which gives every renaming of replicas and values at
once, the group Concord's ``symmetry = ("Replicas", "Values")`` declares; TLC given that product
(``{p @@ q : p \\in Permutations(Replicas), q \\in Permutations(Values)}``) reports the same figures.
"""

import pytest

from benchmarks.models.fast_paxos import NONE, P2a, FastPaxos
from checker import action, check

SCOPES = {
    # name: (constants, (distinct, generated, depth) without symmetry, the same with symmetry), from TLC
    "r3-v2-b3-fast13": (dict(replicas=3, values=2, max_ballot=3, fast_ballots=(1, 3)), (1086, 6841, 14), (136, 868, 14)),
    "r3-v3-b3-fast1": (dict(replicas=3, values=3, max_ballot=3, fast_ballots=(1,)), (4964, 41919, 14), (185, 1571, 14)),
}
ACTIONS = {"FastAny", "FastPropose", "FastDecide", "ClassicAccept", "ClassicAccepted", "ClassicDecide"}


@pytest.mark.parametrize("name", sorted(SCOPES))
@pytest.mark.parametrize("symmetry", [False, True], ids=["plain", "symmetry"])
def test_counts_match_tlc(name, symmetry):
    consts, plain, reduced = SCOPES[name]
    r = check(FastPaxos(**consts), symmetry=symmetry)  # every property: FastTypeOK, FastNontriviality, PaxosConsistency
    assert (r.verdict, r.stats.distinct, r.stats.generated, r.stats.depth) == ("ok", *(reduced if symmetry else plain))
    assert {p.name for p in r.properties} == {"FastTypeOK", "FastNontriviality", "PaxosConsistency"}
    assert set(r.coverage) == ACTIONS
    assert all(c["fired"] > 0 and c["distinct"] > 0 for c in r.coverage.values())


def test_state_graph_alone_matches_tlc():
    consts, plain, _ = SCOPES["r3-v2-b3-fast13"]
    r = check(FastPaxos(**consts), properties=[])
    assert (r.verdict, r.stats.distinct, r.stats.generated, r.stats.depth) == ("ok", *plain)


def test_default_constants_are_fastpaxos_cfg():
    m = FastPaxos()
    assert (m.Replicas, m.Values, m.Ballots, m.FastBallots, m.ClassicBallots) == (
        ("r1", "r2", "r3", "r4"), ("v1", "v2", "v3"), (0, 1, 2, 3, 4), (1, 3), (0, 2, 4))
    assert {frozenset(q) for q in m.Quorums} == {frozenset(q) for q in m.FastQuorums} == {
        frozenset(m.Replicas) - {r} for r in m.Replicas}


class NoMajority(FastPaxos):
    """Bug: after a collision the coordinator picks any value proposed, even against a majority of the quorum."""

    @action(b="ClassicBallots", f="FastBallots", q="FastQuorums", v="Values")
    def ClassicAccept(self, s, b, f, q, v):
        """Phase 2a (classic) without the majority rule."""
        if not f < b or not (s.cValue == NONE or s.cValue == v):
            return None
        if any(m.ballot == b for m in self.p2aMessages(s)):
            return None
        M = self.votes(s, f, q)
        if M is None or len({m.value for m in M}) < 2 or v not in {m.value for m in M}:
            return None
        return s.set(cValue=v, messages=s.messages | {P2a("P2a", b, v)})


@pytest.mark.parametrize("symmetry", [False, True], ids=["plain", "symmetry"])
def test_ignoring_the_majority_decides_twice(symmetry):
    """Non-vacuity: v1 is decided in the fast ballot, then a collision quorum's minority value v2 in ballot 2."""
    r = check(NoMajority(replicas=4, values=2, max_ballot=2, fast_ballots=(1,)), symmetry=symmetry)
    v = r.violation("PaxosConsistency")
    assert r.verdict == "violation" and v.length == 11
    assert [s.action for s in v.trace[-6:]] == ["FastDecide", "ClassicAccept"] + ["ClassicAccepted"] * 3 + ["ClassicDecide"]
