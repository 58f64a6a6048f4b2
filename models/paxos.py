"""Single-decree Paxos, translated from Lamport's Paxos.tla ("Paxos: How to Win a Turing Award").

Variables, actions and messages are the spec's; ``msgs`` is the set of every message ever sent
(never emptied, so loss and duplication need no actions of their own).
"""

from __future__ import annotations

from checker import WF, FrozenMap, Model, action, derived, ids, record, refines
from specs import consensus
from specs.quorum import Intersection, explicit, quorums_of_size

State = record("State", "maxBal maxVBal maxVal msgs")

# The spec's four message records, each with its type tag first.
Msg1a = record("Msg1a", "type bal")
Msg1b = record("Msg1b", "type acc bal mbal mval")
Msg2a = record("Msg2a", "type bal val")
Msg2b = record("Msg2b", "type acc bal val")


class Paxos(Model):
    """Lamport's single-decree Paxos consensus (Paxos.tla)."""

    symmetry = ("acceptors", "values")
    lanes = ("acceptors",)

    def __init__(self, acceptors: int = 3, values: int = 2, max_ballot: int = 1, quorums: list | None = None):
        if acceptors < 1 or values < 1 or max_ballot < 0:
            raise ValueError("need at least one acceptor and one value, and max_ballot >= 0")
        self.acceptors = ids("a", acceptors)
        self.values = ids("v", values)
        self.ballots = tuple(range(max_ballot + 1))
        self.use_quorums(self._quorums(quorums))
        self.all_values = frozenset(self.values)
        self.msg1a = {b: Msg1a("1a", b) for b in self.ballots}

    def _quorums(self, quorums) -> tuple[frozenset, ...]:
        if quorums is None:
            return tuple(quorums_of_size(self.acceptors, len(self.acceptors) // 2 + 1))
        qs = tuple(frozenset(q) for q in quorums)
        if not qs or any(not q or not q <= set(self.acceptors) for q in qs):
            raise ValueError(f"quorums must be non-empty sets of acceptors {', '.join(self.acceptors)}")
        return qs

    def use_quorums(self, phase1: tuple, phase2: tuple | None = None) -> None:
        """Phase-1 quorums (whose 1b messages Phase2a needs) and phase-2 quorums (whose 2b votes choose)."""
        self.quorums = self.phase1_quorums = phase1
        self.phase2_quorums = phase1 if phase2 is None else phase2
        self.smallest_phase2_quorum = min(len(q) for q in self.phase2_quorums)

    def init(self):
        return State(
            maxBal=FrozenMap.const(self.acceptors, -1),
            maxVBal=FrozenMap.const(self.acceptors, -1),
            maxVal=FrozenMap.const(self.acceptors, None),
            msgs=frozenset(),
        )

    # -- actions -------------------------------------------------------------------------------

    @action(b="ballots")
    def Phase1a(self, s, b):
        """The leader of ballot b asks the acceptors to join it (a 1a message)."""
        return send(s, self.msg1a[b])

    @action(a="acceptors", b="started")
    def Phase1b(self, s, a, b):
        """On the 1a message of a ballot b above its promise, acceptor a promises b and reports its latest vote."""
        if b > s.maxBal[a]:
            return self.promised(s, a, b).set(msgs=s.msgs | {self.promise(s, a, b)})

    @action(b="unproposed", v="values")
    def Phase2a(self, s, b, v):
        """Once a quorum promised ballot b, its leader proposes v, the value of their highest vote."""
        if v in self.safe_values(s, b):
            return send(s, Msg2a("2a", b, v))

    @action(a="acceptors", b="proposed")
    def Phase2b(self, s, a, b):
        """On the 2a message of a ballot b it has not promised to skip, acceptor a votes for its value."""
        if not self.accepts(s, a, b):
            return None
        if s.maxVBal[a] == b and s.maxBal[a] == b:
            return s  # voting again in the same ballot changes nothing
        v = self.proposals(s)[b]
        return s.set(
            maxBal=s.maxBal.set(a, b),
            maxVBal=s.maxVBal.set(a, b),
            maxVal=s.maxVal.set(a, v),
            msgs=s.msgs | {Msg2b("2b", a, b, v)},
        )

    def fairness(self) -> tuple:
        """Progress needs a distinguished leader: the highest ballot's. It starts its ballot and proposes, and
        every acceptor answers it; any other ballot may start, or not, at any time (Paxos Made Simple, 3)."""
        top = self.ballots[-1]
        return (WF("Phase1a", b=top), WF("Phase1b", b=top, each=True), WF("Phase2a", b=top),
                WF("Phase2b", b=top, each=True))

    def lane(self, action, args):
        """Sequence charts: Phase1a and Phase2a are steps of the ballot's leader (the others, of acceptor a)."""
        return None if "a" in args else f"leader b{args['b']}"

    # -- the messages in flight, as parameter domains ------------------------------------------

    def started(self, s) -> list:
        """Ballots whose 1a message was sent."""
        return [b for b in self.ballots if self.msg1a[b] in s.msgs]

    def unproposed(self, s) -> list:
        """Ballots with no 2a message yet."""
        proposals = self.proposals(s)
        return [b for b in self.ballots if b not in proposals]

    def proposed(self, s) -> list:
        """Ballots with a 2a message."""
        proposals = self.proposals(s)
        return [b for b in self.ballots if b in proposals]

    # -- the rules a variant may change --------------------------------------------------------

    def promised(self, s, a, b) -> State:
        """a promises ballot b: it raises maxBal[a] to b."""
        return s.set(maxBal=s.maxBal.set(a, b))

    def promise(self, s, a, b) -> Msg1b:
        """The 1b message a sends for ballot b: its latest vote."""
        return Msg1b("1b", a, b, s.maxVBal[a], s.maxVal[a])

    @derived
    def safe_values(self, s, b) -> frozenset:
        """What the leader of ballot b may propose: for each phase-1 quorum Q that all sent 1b messages
        for b, the value of the highest-ballot vote among all their 1b messages for b (Paxos.tla's Q1bv),
        or any value if none of them voted. (A buggy variant may let an acceptor send two for b.)"""
        promises = [m for m in s.msgs if m.type == "1b" and m.bal == b]
        senders = {m.acc for m in promises}
        safe = set()
        for Q in self.phase1_quorums:
            if Q <= senders:
                votes = [m for m in promises if m.acc in Q and m.mbal >= 0]
                if not votes:
                    return self.all_values
                top = max(m.mbal for m in votes)
                safe.update(m.mval for m in votes if m.mbal == top)
        return frozenset(safe)

    def accepts(self, s, a, b) -> bool:
        """a votes in ballot b only if it promised no higher ballot."""
        return b >= s.maxBal[a]

    # -- what is chosen ------------------------------------------------------------------------

    @derived
    def proposals(self, s) -> dict:
        """The value of each ballot's 2a message, for the ballots that have one."""
        return {m.bal: m.val for m in s.msgs if m.type == "2a"}

    @derived
    def chosen(self, s) -> frozenset:
        """The values some phase-2 quorum voted for in one ballot (2b messages)."""
        voters: dict = {}
        for m in s.msgs:
            if m.type == "2b":
                voters.setdefault((m.bal, m.val), set()).add(m.acc)
        chosen = set()
        for (b, v), acc in voters.items():
            if len(acc) >= self.smallest_phase2_quorum and any(Q <= acc for Q in self.phase2_quorums):
                chosen.add(v)
        return frozenset(chosen)

    @derived
    def voting(self, s) -> consensus.VotingState:
        """Lamport's refinement mapping to Voting: votes from 2b messages, and maxBal."""
        votes = {a: set() for a in self.acceptors}
        for m in s.msgs:
            if m.type == "2b":
                votes[m.acc].add((m.bal, m.val))
        return consensus.VotingState(FrozenMap.of({a: frozenset(vs) for a, vs in votes.items()}), s.maxBal)

    def quorum_requirements(self) -> list:
        """What Z3 must prove before the search: every phase-1 quorum meets every phase-2 quorum."""
        phase1, phase2 = explicit(self.phase1_quorums, self.acceptors), explicit(self.phase2_quorums, self.acceptors)
        return [Intersection(phase1, phase2, ("phase-1 quorum", "phase-2 quorum"))]

    # -- properties ----------------------------------------------------------------------------

    Agreement = consensus.Agreement()
    Validity = consensus.Validity()
    Stability = consensus.Stability()
    EventuallyChosen = consensus.EventuallyChosen()
    RefinesConsensus = refines(consensus.Consensus.of, "chosen", doc="Every step maps to a Consensus step or a stutter.")
    RefinesVoting = refines(consensus.Voting.of, "voting", doc="Every step maps to a Voting step or a stutter.")


class NoHighestVote(Paxos):
    """Bug: Phase2a proposes any value once a quorum promised, ignoring the votes they reported."""

    @derived
    def safe_values(self, s, b) -> frozenset:
        promised = {m.acc for m in s.msgs if m.type == "1b" and m.bal == b}
        return self.all_values if any(Q <= promised for Q in self.phase1_quorums) else frozenset()


class NoPromise(Paxos):
    """Bug: Phase2b accepts a 2a message whatever ballot the acceptor promised."""

    def accepts(self, s, a, b) -> bool:
        return True


class NoPromiseUpdate(Paxos):
    """Bug: Phase1b answers a higher ballot without raising maxBal[a]."""

    def promised(self, s, a, b) -> State:
        return s


class MinorityQuorums(Paxos):
    """Bug: every single acceptor is a quorum, so two quorums need not intersect."""

    def __init__(self, acceptors: int = 3, values: int = 2, max_ballot: int = 1):
        super().__init__(acceptors, values, max_ballot, quorums=[[a] for a in ids("a", acceptors)])


class FlexiblePaxos(Paxos):
    """Flexible Paxos (Howard, Malkhi, Spiegelman 2016): any q1 acceptors for phase 1, any q2 for phase 2.

    Safe exactly when q1 + q2 > acceptors, so that every phase-1 quorum meets every phase-2 quorum.
    """

    def __init__(self, acceptors: int = 3, values: int = 2, max_ballot: int = 1, q1: int = 2, q2: int = 2):
        super().__init__(acceptors, values, max_ballot)
        if not (1 <= q1 <= acceptors and 1 <= q2 <= acceptors):
            raise ValueError(f"q1 and q2 must lie between 1 and acceptors={acceptors}")
        self.use_quorums(tuple(quorums_of_size(self.acceptors, q1)), tuple(quorums_of_size(self.acceptors, q2)))


def send(s: State, m) -> State:
    """Add m to the set of sent messages (sending it again changes nothing)."""
    if m in s.msgs:
        return s
    return s.set(msgs=s.msgs | {m})


def _variants() -> dict:
    from .paxos_seed import SeedPaxos

    return {
        "no-highest-vote": NoHighestVote,
        "no-promise": NoPromise,
        "no-promise-update": NoPromiseUpdate,
        "minority-quorums": MinorityQuorums,
        "flexible": FlexiblePaxos,
        "seed": SeedPaxos,
    }


Paxos.variants = _variants()
