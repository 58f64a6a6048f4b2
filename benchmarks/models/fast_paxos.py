"""Simplified Fast Paxos, translated from the TLA+ Examples' FastPaxos.tla (which EXTENDS Paxos.tla).

Source: github.com/tlaplus/Examples, specifications/SimplifiedFastPaxos/FastPaxos.tla and Paxos.tla
(by Lim Ngian Xin Terry and Gaurav Gandhi), commit 32a32c7b. A unique coordinator, so no phase 1: the
coordinator opens a fast ballot with a P2a "any" message, acceptors propose their own values in it,
and on a collision the coordinator picks a value for a later classic ballot. ``messages`` is the set of
every message ever sent (loss and duplication need no actions). Only the P2a and P2b messages of
Paxos.tla's four kinds are ever sent. The model values ``any`` and ``none`` are the strings "any" and
"none"; replicas are "r1".."rN" and values "v1".."vK", the ids symmetry permutes.

Properties are the ones FastPaxos.cfg checks: invariants FastTypeOK and FastNontriviality, and the
temporal property PaxosConsistency == [][decision = none]_<<decision>> (a transition property here).
FastSpec's strong fairness matters for liveness only, which TLC does not check with this cfg.

TLC 2.20 counts (distinct states, states generated, depth; ``-workers 1``), which Concord's equal, the
states generated included (one successor per binding of the spec's existential quantifiers, as TLC
yields them; FastDecide and ClassicDecide once per message m of the quorum):

- ``FastPaxos()``, FastPaxos.cfg's constants (4 replicas, 3 values, Ballots 0..4, FastBallots {1, 3},
  every 3 replicas a quorum and a fast quorum), the benchmark scope: 3,043,684 distinct, 36,868,401
  generated, depth 22 without symmetry; 25,617 distinct, 320,053 generated, depth 22 with
  FastPaxos.cfg's ``SYMMETRY PaxosSymmetry`` (the Examples' manifest figures). TLC closes
  ``Permutations(Values) \\union Permutations(Replicas)`` under composition (MVPerms.permutationSubgroup)
  and keeps each state's least fingerprint over that group of 144 renamings, one per orbit: the
  group Concord's ``symmetry = ("Replicas", "Values")`` declares, hence the same counts.
- ``FastPaxos(replicas=3, values=2, max_ballot=3, fast_ballots=(1, 3))`` and
  ``FastPaxos(replicas=3, values=3, max_ballot=3, fast_ballots=(1,))``, the test's scopes: see
  tests/test_bench_fastpaxos.py.
"""

from __future__ import annotations

from itertools import combinations

from checker import FrozenMap, Model, action, derived, ids, invariant, record, transition

State = record("State", "messages decision maxBallot maxVBallot maxValue cValue")

# Paxos.tla's P2a and P2b messages, each with its type tag first.
P2a = record("P2a", "type ballot value")
P2b = record("P2b", "type ballot acceptor value")

ANY = "any"  # the model value any: the value of a fast ballot's P2a message
NONE = "none"  # the model value none: no value


class FastPaxos(Model):
    """Simplified Fast Paxos with a unique coordinator (TLA+ Examples, FastPaxos.tla)."""

    symmetry = ("Replicas", "Values")
    lanes = ("Replicas",)
    messages = ("messages",)  # the spec's set of every message sent (sequence charts draw its arrows)

    def __init__(self, replicas: int = 4, values: int = 3, max_ballot: int = 4, fast_ballots: tuple = (1, 3),
                 quorum_size: int | None = None, fast_quorum_size: int | None = None):
        if replicas < 1 or values < 1 or max_ballot < 0:
            raise ValueError("need at least one replica and one value, and max_ballot >= 0")
        self.Replicas = ids("r", replicas)
        self.Values = ids("v", values)
        self.Ballots = tuple(range(max_ballot + 1))
        self.FastBallots = tuple(sorted(set(fast_ballots)))
        if not set(self.FastBallots) <= set(self.Ballots):
            raise ValueError(f"fast_ballots must lie in 0..{max_ballot}")
        self.ClassicBallots = tuple(b for b in self.Ballots if b not in self.FastBallots)
        q = replicas // 2 + 1 if quorum_size is None else quorum_size
        # The least fast quorum size that FastAssume allows: three quorums (one classic) always meet.
        k = next((k for k in range(3 * replicas // 4, replicas + 1) if k >= 1 and q + 2 * k > 2 * replicas and 2 * k > replicas),
                 replicas) if fast_quorum_size is None else fast_quorum_size
        self.Quorums = tuple(combinations(self.Replicas, q))
        self.FastQuorums = tuple(combinations(self.Replicas, k))
        self._assume(replicas, q, k)
        self.all_values = frozenset(self.Values)

    def _assume(self, n: int, q: int, k: int) -> None:
        """Paxos.tla's PaxosAssume and FastPaxos.tla's FastAssume, for quorums of sizes q and k."""
        if not (n // 2 < q <= n):
            raise ValueError(f"quorum_size must be a majority of {n} replicas")
        if not (3 * n // 4 <= k <= n and 2 * k > n and q + 2 * k > 2 * n):
            raise ValueError(f"fast_quorum_size {k} breaks FastAssume for {n} replicas and quorums of {q}")

    def init(self):
        return State(
            messages=frozenset(),
            decision=NONE,
            maxBallot=FrozenMap.const(self.Replicas, 0),
            maxVBallot=FrozenMap.const(self.Replicas, 0),
            maxValue=FrozenMap.const(self.Replicas, NONE),
            cValue=NONE,
        )

    def lane(self, action, args):
        """Sequence charts: acceptor a's steps are its own; the coordinator sends P2a, the learner decides."""
        if "a" in args:
            return None
        return "coordinator" if action in ("FastAny", "ClassicAccept") else "learner"

    # -- actions (FastNext) ----------------------------------------------------------------------

    @action(f="FastBallots")
    def FastAny(self, s, f):
        """Phase 2a (fast): the coordinator opens fast ballot f with a P2a "any" message."""
        return s.set(messages=s.messages | {P2a("P2a", f, ANY)})

    @action(a="Replicas", m="p2aMessages", v="Values")
    def FastPropose(self, s, a, m, v):
        """Phase 2b (fast): on a P2a "any" message, acceptor a votes for its own value v (its earlier one if any)."""
        if m.value != ANY or s.maxBallot[a] > m.ballot:
            return None
        if s.maxValue[a] != NONE and s.maxValue[a] != v:
            return None
        if any(n.acceptor == a for n in self.p2b_by_ballot(s).get(m.ballot, ())):
            return None
        return s.set(
            maxBallot=s.maxBallot.set(a, m.ballot),
            maxVBallot=s.maxVBallot.set(a, m.ballot),
            maxValue=s.maxValue.set(a, v),
            messages=s.messages | {P2b("P2b", m.ballot, a, v)},
        )

    @action(b="FastBallots", q="FastQuorums")
    def FastDecide(self, s, b, q):
        """A value is decided when a fast quorum q all voted for it in fast ballot b."""
        M = self.votes(s, b, q)
        if M is None or len({m.value for m in M}) != 1:
            return None
        return [s.set(decision=m.value) for m in M]  # one successor per m, as TLC's \E m \in M

    @action(b="ClassicBallots", f="FastBallots", q="FastQuorums", v="Values")
    def ClassicAccept(self, s, b, f, q, v):
        """Phase 2a (classic): after a collision in fast ballot f, the coordinator proposes v in classic ballot b."""
        if not f < b or not (s.cValue == NONE or s.cValue == v):
            return None
        if any(m.ballot == b for m in self.p2aMessages(s)):
            return None
        M = self.votes(s, f, q)
        if M is None:
            return None
        V = {m.value for m in M}
        if not 1 < len(V):  # no collision
            return None
        if any(is_majority_value(M, w) for w in V):
            if not is_majority_value(M, v):  # the majority value of the quorum
                return None
        elif v not in V:  # else any value proposed
            return None
        return s.set(cValue=v, messages=s.messages | {P2a("P2a", b, v)})

    @action(a="Replicas", m="p2aMessages")
    def ClassicAccepted(self, s, a, m):
        """Phase 2b (classic, Paxos.tla's PaxosAccepted): acceptor a votes for a P2a message's value."""
        if m.value not in self.all_values or s.maxBallot[a] > m.ballot:
            return None
        return s.set(
            maxBallot=s.maxBallot.set(a, m.ballot),
            maxVBallot=s.maxVBallot.set(a, m.ballot),
            maxValue=s.maxValue.set(a, m.value),
            messages=s.messages | {P2b("P2b", m.ballot, a, m.value)},
        )

    @action(b="ClassicBallots", q="Quorums")
    def ClassicDecide(self, s, b, q):
        """A value is decided when a quorum q all voted in classic ballot b."""
        M = self.votes(s, b, q)
        if M is None:
            return None
        return [s.set(decision=m.value) for m in M]  # one successor per m, as TLC's \E m \in M

    # -- the messages, as parameter domains and helpers ------------------------------------------

    @derived
    def p2aMessages(self, s) -> tuple:
        """The P2a messages sent, by ballot then value."""
        return tuple(sorted(m for m in s.messages if m.type == "P2a"))

    @derived
    def p2b_by_ballot(self, s) -> dict:
        """The P2b messages sent, by ballot."""
        by: dict = {}
        for m in s.messages:
            if m.type == "P2b":
                by.setdefault(m.ballot, []).append(m)
        return by

    def votes(self, s, b, q) -> list | None:
        """M: the P2b messages of ballot b from quorum q, or None unless every member of q sent one."""
        M = [m for m in self.p2b_by_ballot(s).get(b, ()) if m.acceptor in q]
        if not set(q) <= {m.acceptor for m in M}:
            return None
        return M

    # -- properties (FastPaxos.cfg) --------------------------------------------------------------

    @invariant
    def FastTypeOK(self, s):
        """Every variable holds a value of its type (messages are well-formed P2a and P2b messages)."""
        values, ballots, replicas = self.all_values, self.Ballots, self.Replicas
        for m in s.messages:
            if type(m) is P2a:
                ok = m.type == "P2a" and m.ballot in ballots and (m.value in values or m.value == ANY)
            else:
                ok = type(m) is P2b and m.type == "P2b" and m.ballot in ballots and m.acceptor in replicas and m.value in values
            if not ok:
                return False
        return (
            (s.decision in values or s.decision == NONE)
            and (s.cValue in values or s.cValue == NONE)
            and all(s.maxBallot[r] in ballots and s.maxVBallot[r] in ballots for r in replicas)
            and all(s.maxValue[r] in values or s.maxValue[r] == NONE for r in replicas)
        )

    @invariant
    def FastNontriviality(self, s):
        """Only a value some acceptor voted for in a fast ballot is decided."""
        return s.decision == NONE or any(
            m.type == "P2b" and m.value == s.decision and m.ballot in self.FastBallots for m in s.messages
        )

    @transition
    def PaxosConsistency(self, s, t):
        """Once decided, the decision never changes ([][decision = none]_<<decision>>)."""
        return s.decision == NONE or t.decision == s.decision


def is_majority_value(M: list, v) -> bool:
    """IsMajorityValue(M, v): more than half of the messages in M carry v."""
    return len(M) // 2 < sum(1 for m in M if m.value == v)
