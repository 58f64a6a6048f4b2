"""Lamport's distributed mutual exclusion (Time, Clocks and the Ordering of Events, CACM 1978),
translated from the TLA+ Examples' ``specifications/lamport_mutex/LamportMutex.tla`` (Stephan Merz;
tlaplus/Examples commit 32a32c7b), checked as ``MCLamportMutex.tla``/``.cfg`` check it.

Variables, actions and invariants are the spec's. Processes are the integers ``1 .. N`` as in the
spec (``beats`` breaks ties by process number), so there is no symmetry. ``network[p][q]`` is the
FIFO channel from p to q: a map of maps of tuples (TLA+ sequences). A message is a record
``Msg(type, clock)`` like the spec's ``[type |-> ..., clock |-> ...]``. The state constraint is the
spec's ``ClockConstraint`` (every clock at most ``maxClock``); MCLamportMutex's ``Nat <- 0 .. MaxNat``
override only makes TLC able to enumerate ``Message`` and needs no counterpart here.

TLC 2.20 on MCLamportMutex.tla with ``CONSTANTS N, maxClock, MaxNat = maxClock + 1, Nat <- NatOverride``,
``INVARIANTS TypeOK BoundedNetwork Mutex``, ``SPECIFICATION Spec``, ``CONSTRAINT ClockConstraint``, one
worker (Concord gives the same distinct states, generated states and depth):

====  ========  ===========  ============  =====
N     maxClock  distinct     generated     depth
====  ========  ===========  ============  =====
2     3         191          384           22
2     4         401          787           28
2     5         685          1,326         34
2     6         1,043        2,001         40
2     8         1,981        3,759         52
3     3         10,209       41,533        31
3     4         70,472       276,114       41
3     5         270,115      1,033,743     52
3     6         724,274      2,729,079     61
====  ========  ===========  ============  =====

Generated states agree too: each action with given parameters has at most one successor, as each
TLA+ disjunct with given p, q has (an Enter by a process already inside is a stuttering successor,
counted by both). Successors beyond the constraint are counted as generated and checked against
the invariants, but not stored or explored, by TLC and Concord alike.

The test scope is ``n=3, max_clock=3``; the benchmark scope is MCLamportMutex.cfg's own,
``n=3, max_clock=6`` (724,274 states).
"""

from __future__ import annotations

from checker import FrozenMap, Model, action, constraint, invariant, record

State = record("State", "clock req ack network crit")
Msg = record("Msg", "type clock")

AckMessage = Msg("ack", 0)
RelMessage = Msg("rel", 0)


def ReqMessage(c: int) -> Msg:
    """The request message carrying clock c."""
    return Msg("req", c)


class LamportMutex(Model):
    """Lamport's distributed mutual exclusion over pairwise FIFO channels (TLA+ LamportMutex)."""

    lanes = ("Proc",)
    messages = ("network",)  # network[p][q], the FIFO channel from p to q: charts draw an arrow per message

    def __init__(self, n: int = 3, max_clock: int = 3):
        if n < 1 or max_clock < 1:
            raise ValueError("need at least one process (n >= 1) and max_clock >= 1")
        self.N = n
        self.maxClock = max_clock
        self.Proc = tuple(range(1, n + 1))
        self.all_procs = frozenset(self.Proc)
        self.others = {p: tuple(q for q in self.Proc if q != p) for p in self.Proc}

    def init(self):
        Proc = self.Proc
        return State(
            clock=FrozenMap.const(Proc, 1),
            req=FrozenMap.const(Proc, FrozenMap.const(Proc, 0)),
            ack=FrozenMap.const(Proc, frozenset()),
            network=FrozenMap.const(Proc, FrozenMap.const(Proc, ())),
            crit=frozenset(),
        )

    # -- operators -----------------------------------------------------------------------------

    def Others(self, s, p) -> tuple:
        """Proc \\ {p}: the domain of q, given p (Next's \\E p \\in Proc : \\E q \\in Proc \\ {p})."""
        return self.others[p]

    def beats(self, s, p, q) -> bool:
        """p believes its request has priority over q's: none from q, an earlier clock, or a tie and p < q."""
        rp = s.req[p]
        return rp[q] == 0 or rp[p] < rp[q] or (rp[p] == rp[q] and p < q)

    def Broadcast(self, s, p, m) -> FrozenMap:
        """network[p] with m appended to the channel from p to every other process."""
        row = s.network[p]
        return row.update({r: row[r] + (m,) for r in self.others[p]})

    # -- actions -------------------------------------------------------------------------------

    @action(p="Proc")
    def Request(self, s, p):
        """p, not already requesting, requests the critical section and broadcasts its clock."""
        if s.req[p][p] == 0:
            return s.set(
                req=s.req.set(p, s.req[p].set(p, s.clock[p])),
                network=s.network.set(p, self.Broadcast(s, p, ReqMessage(s.clock[p]))),
                ack=s.ack.set(p, frozenset((p,))),
            )

    @action(p="Proc")
    def Enter(self, s, p):
        """p enters the critical section once everyone acknowledged and its request beats all others."""
        if s.ack[p] == self.all_procs and all(self.beats(s, p, q) for q in self.others[p]):
            return s.set(crit=s.crit | {p})

    @action(p="Proc")
    def Exit(self, s, p):
        """p leaves the critical section, withdraws its request and broadcasts a release."""
        if p in s.crit:
            return s.set(
                crit=s.crit - {p},
                network=s.network.set(p, self.Broadcast(s, p, RelMessage)),
                req=s.req.set(p, s.req[p].set(p, 0)),
                ack=s.ack.set(p, frozenset()),
            )

    @action(p="Proc", q="Others")
    def ReceiveRequest(self, s, p, q):
        """p takes q's request off the channel from q, records it, advances its clock and acknowledges."""
        ch = s.network[q][p]
        if ch and ch[0].type == "req":
            c = ch[0].clock
            net = s.network
            net = net.set(q, net[q].set(p, ch[1:]))
            net = net.set(p, net[p].set(q, net[p][q] + (AckMessage,)))
            return s.set(
                req=s.req.set(p, s.req[p].set(q, c)),
                clock=s.clock.set(p, c + 1 if c > s.clock[p] else s.clock[p] + 1),
                network=net,
            )

    @action(p="Proc", q="Others")
    def ReceiveAck(self, s, p, q):
        """p takes q's acknowledgement off the channel from q."""
        ch = s.network[q][p]
        if ch and ch[0].type == "ack":
            return s.set(
                ack=s.ack.set(p, s.ack[p] | {q}),
                network=s.network.set(q, s.network[q].set(p, ch[1:])),
            )

    @action(p="Proc", q="Others")
    def ReceiveRelease(self, s, p, q):
        """p takes q's release off the channel from q and forgets q's request."""
        ch = s.network[q][p]
        if ch and ch[0].type == "rel":
            return s.set(
                req=s.req.set(p, s.req[p].set(q, 0)),
                network=s.network.set(q, s.network[q].set(p, ch[1:])),
            )

    # -- scope and properties ------------------------------------------------------------------

    @constraint
    def ClockConstraint(self, s):
        """Every clock is at most maxClock."""
        return max(s.clock.values()) <= self.maxClock

    @invariant
    def TypeOK(self, s):
        """Clocks are positive, requests natural, acks and crit sets of processes, channels hold messages."""
        procs = self.all_procs  # (the maps' domains are Proc by construction)
        if min(s.clock.values()) < 1 or not s.crit <= procs:
            return False
        for a in s.ack.values():
            if not a <= procs:
                return False
        for row in s.req.values():
            if min(row.values()) < 0:
                return False
        for row in s.network.values():
            for ch in row.values():
                for m in ch:  # m \in Message: an ack or a release with clock 0, or a request with a clock
                    if not (m.clock >= 1 if m.type == "req" else m == AckMessage or m == RelMessage):
                        return False
        return True

    @invariant
    def BoundedNetwork(self, s):
        """No channel ever holds more than three messages."""
        for row in s.network.values():
            for ch in row.values():
                if len(ch) > 3:
                    return False
        return True

    @invariant
    def Mutex(self, s):
        """At most one process is in the critical section."""
        return len(s.crit) <= 1
