"""Consensus, protocol-independent: Agreement, Validity, Stability, and the abstract specs to refine.

A model says which values are chosen with a method ``chosen(self, s) -> frozenset`` (best declared
``@derived``, since every property asks it) and which values may be proposed in ``self.values``;
it then declares the properties in its class body::

    Agreement = consensus.Agreement()
    Validity = consensus.Validity()
    Stability = consensus.Stability()
    EventuallyChosen = consensus.EventuallyChosen()   # liveness, under the model's fairness
    RefinesConsensus = refines(consensus.Consensus.of, "chosen")
"""

from __future__ import annotations

from checker import FrozenMap, Model, Property, Temporal, action, invariant, record

__all__ = ["Agreement", "Validity", "Stability", "EventuallyChosen", "Consensus", "Voting", "VotingState"]


def Agreement(chosen: str = "chosen") -> Property:
    """At most one value is chosen."""

    def build(model):
        mapping = getattr(model, chosen)
        return lambda s: len(mapping(s)) <= 1

    return Property(None, "invariant", "Agreement", "At most one value is chosen.", factory=build)


def Validity(chosen: str = "chosen", values: str = "values") -> Property:
    """A chosen value is one of the proposable values."""

    def build(model):
        mapping, allowed = getattr(model, chosen), frozenset(getattr(model, values))
        return lambda s: mapping(s) <= allowed

    return Property(None, "invariant", "Validity", "A chosen value is one of the values that may be proposed.", factory=build)


def Stability(chosen: str = "chosen") -> Property:
    """Once chosen, a value stays chosen."""

    def build(model):
        mapping = getattr(model, chosen)

        def holds(s, t):
            return mapping(s) <= mapping(t)

        def at(s):
            before = mapping(s)
            return (lambda t: before <= mapping(t)) if before else None  # nothing chosen: nothing to lose

        holds.at = at
        return holds

    return Property(None, "transition", "Stability", "Once a value is chosen it stays chosen.", factory=build)


def EventuallyChosen(chosen: str = "chosen") -> Temporal:
    """<>(chosen # {}): some value is eventually chosen (liveness: it needs fairness to hold)."""

    def holds(model, s):
        return bool(getattr(model, chosen)(s))

    return Temporal(holds, "eventually", {}, "EventuallyChosen", "Some value is eventually chosen.")


class Consensus(Model):
    """Lamport's Consensus spec: chosen goes from empty to a single value and never changes."""

    def __init__(self, values: tuple = ("v1", "v2")):
        self.values = tuple(values)

    @staticmethod
    def of(model) -> "Consensus":
        """The Consensus spec over a concrete model's values."""
        return Consensus(values=model.values)

    def init(self):
        return frozenset()

    @action(v="values")
    def Choose(self, chosen, v):
        """Choose v, if nothing was chosen yet."""
        if not chosen:
            return frozenset({v})

    @invariant
    def Inv(self, chosen):
        """At most one value is chosen."""
        return len(chosen) <= 1


VotingState = record("VotingState", "votes maxBal")


class Voting(Model):
    """Lamport's Voting spec: acceptors vote in ballots; a value is chosen by a quorum in one ballot."""

    def __init__(self, acceptors: tuple = ("a1", "a2", "a3"), values: tuple = ("v1", "v2"), ballots: tuple = (0, 1), quorums: tuple = ()):
        self.acceptors = tuple(acceptors)
        self.values = tuple(values)
        self.ballots = tuple(ballots)
        self.quorums = tuple(frozenset(q) for q in quorums)

    @staticmethod
    def of(model) -> "Voting":
        """The Voting spec over a concrete model's acceptors, values, ballots and phase-1 quorums."""
        return Voting(model.acceptors, model.values, model.ballots, model.phase1_quorums)

    def init(self):
        return VotingState(votes=FrozenMap.const(self.acceptors, frozenset()), maxBal=FrozenMap.const(self.acceptors, -1))

    # -- operators ------------------------------------------------------------------------------

    def voted_for(self, s, a, b, v) -> bool:
        return (b, v) in s.votes[a]

    def did_not_vote_at(self, s, a, b) -> bool:
        return all(vote[0] != b for vote in s.votes[a])

    def shows_safe_at(self, s, Q, b, v) -> bool:
        if any(s.maxBal[a] < b for a in Q):
            return False
        for c in range(-1, b):
            if c != -1 and not any(self.voted_for(s, a, c, v) for a in Q):
                continue
            if all(self.did_not_vote_at(s, a, d) for d in range(c + 1, b) for a in Q):
                return True
        return False

    # -- actions --------------------------------------------------------------------------------

    @action(a="acceptors", b="ballots")
    def IncreaseMaxBal(self, s, a, b):
        """a promises not to vote in ballots below b."""
        if b > s.maxBal[a]:
            return s.set(maxBal=s.maxBal.set(a, b))

    @action(a="acceptors", b="ballots", v="values")
    def VoteFor(self, s, a, b, v):
        """a votes for v in ballot b, if no other value can be or has been chosen in lower ballots."""
        if (
            s.maxBal[a] <= b
            and self.did_not_vote_at(s, a, b)
            and all(vote[1] == v for c in self.acceptors if c != a for vote in s.votes[c] if vote[0] == b)
            and any(self.shows_safe_at(s, Q, b, v) for Q in self.quorums)
        ):
            return s.set(votes=s.votes.set(a, s.votes[a] | {(b, v)}), maxBal=s.maxBal.set(a, b))
