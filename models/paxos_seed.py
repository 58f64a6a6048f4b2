"""Paxos as an often-copied description states it: no phase 1, no adoption of earlier votes.

"A proposer picks a proposal number larger than its own previous ones and sends (value, number) to
all acceptors; an acceptor that sees a number larger than the largest it has seen stores the value
and number and reports acceptance; otherwise it rejects; a proposal accepted by a majority of
acceptors is the decision." Two proposers, each with its own value.
"""

from __future__ import annotations

from checker import FrozenMap, Model, action, derived, ids, record, refines
from specs import consensus

State = record("State", "last seen accepted msgs")
Propose = record("Propose", "type proposer number value")
Accepted = record("Accepted", "type acc number value")


class SeedPaxos(Model):
    """The seed's 'Paxos': proposers send (value, number); acceptors take any larger number."""

    lanes = ("proposers", "acceptors")

    def __init__(self, acceptors: int = 3, proposers: int = 2, max_number: int = 2):
        self.acceptors = ids("a", acceptors)
        self.proposers = ids("p", proposers)
        self.values = ids("v", proposers)
        self.value_of = dict(zip(self.proposers, self.values))
        self.numbers = tuple(range(1, max_number + 1))
        self.majority = len(self.acceptors) // 2 + 1

    def init(self):
        return State(
            last=FrozenMap.const(self.proposers, 0),
            seen=FrozenMap.const(self.acceptors, 0),
            accepted=FrozenMap.const(self.acceptors, None),
            msgs=frozenset(),
        )

    @action(p="proposers", n="numbers")
    def Propose(self, s, p, n):
        """Proposer p picks a number n above its previous ones and sends its value with it."""
        if n > s.last[p]:
            return s.set(last=s.last.set(p, n), msgs=s.msgs | {Propose("propose", p, n, self.value_of[p])})

    @action(a="acceptors", p="proposers", n="numbers")
    def Accept(self, s, a, p, n):
        """Acceptor a takes proposal (p, n) if n is larger than any number it has seen."""
        m = Propose("propose", p, n, self.value_of[p])
        if m in s.msgs and n > s.seen[a]:
            return s.set(
                seen=s.seen.set(a, n),
                accepted=s.accepted.set(a, (n, m.value)),
                msgs=s.msgs | {Accepted("accepted", a, n, m.value)},
            )

    @derived
    def chosen(self, s) -> frozenset:
        """The values of proposals a majority of acceptors reported accepting."""
        acceptors: dict = {}
        for m in s.msgs:
            if m.type == "accepted":
                acceptors.setdefault((m.number, m.value), set()).add(m.acc)
        return frozenset(v for (n, v), acc in acceptors.items() if len(acc) >= self.majority)

    Agreement = consensus.Agreement()
    Validity = consensus.Validity()
    Stability = consensus.Stability()
    RefinesConsensus = refines(consensus.Consensus.of, "chosen", doc="Every step maps to a Consensus step or a stutter.")
