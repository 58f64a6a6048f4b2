"""Safra's EWD 998 termination detection on a ring, translated from the TLA+ Examples'
``specifications/ewd998/EWD998.tla`` (Markus Kuppe, Stephan Merz; tlaplus/Examples commit 32a32c7b).

Variables, actions, the state constraint and the invariants are the spec's; nodes are the integers
``0 .. N-1`` as in the spec (the token travels from node N-1 down to node 0), so there is no
symmetry. Init: any activity and colours, zero counters and nothing pending, a black token with
q = 0 at any node: 4^N * N initial states. ``StateConstraint`` bounds each counter and each node's
pending messages by 3 and the token's q by 9; the constructor's ``max_counter``, ``max_pending`` and
``max_q`` keywords are those bounds (the spec's by default). Other bounds were checked with TLC
through a module ``MC_EWD998`` that EXTENDS EWD998, declares ``CONSTANTS MaxCounter, MaxPending,
MaxQ`` and is run with ``CONSTRAINTS MCStateConstraint``, the spec's StateConstraint with 3, 3, 9
replaced by them.

TLC 2.20 on EWD998.tla (the spec's bounds) or MC_EWD998.tla (others), with ``SPECIFICATION Spec``,
``INVARIANT TerminationDetection Inv TypeOK``, ``CHECK_DEADLOCK FALSE``, one worker; Concord's
distinct states and depth are the same. Its generated count is lower: TLC yields InitiateProbe's
successor once per true disjunct of its guard (token black, node 0 black, counter[0] + q > 0),
Concord once.

===  =====================  =========  =============  =================  =====
N    bounds c, pending, q   distinct   TLC generated  Concord generated  depth
===  =====================  =========  =============  =================  =====
2    3, 3, 9 (the spec's)   6,876      33,664         28,454             28     (test)
3    1, 1, 3                19,474     125,367        117,761            25
3    2, 1, 6                116,564    779,218        727,888            41     (benchmark)
3    3, 3, 9 (the spec's)   1,520,618  11,238,019     10,507,635         59     (TLC: 6 min, one worker)
===  =====================  =========  =============  =================  =====
"""

from __future__ import annotations

from itertools import product

from checker import FrozenMap, Model, action, constraint, invariant, record

State = record("State", "active color counter pending token")
Token = record("Token", "pos q color")

WHITE, BLACK = "white", "black"


class EWD998(Model):
    """Safra's token-based termination detection with message counters, on a ring (EWD 998)."""

    def __init__(self, n: int = 3, max_counter: int = 3, max_pending: int = 3, max_q: int = 9):
        if n < 1:
            raise ValueError("need at least one node (n >= 1)")
        self.N = n
        self.Node = tuple(range(n))
        self.nonzero = self.Node[1:]  # Node \ {0}: the nodes PassToken moves the token from
        self.max_counter, self.max_pending, self.max_q = max_counter, max_pending, max_q
        self.fresh_token = Token(pos=n - 1, q=0, color=WHITE)

    def init(self):
        """Any activity and colours, counters at 0, nothing pending, a black token with q = 0 anywhere."""
        keys = self.Node
        zeros = FrozenMap.const(keys, 0)
        return [
            State(
                active=FrozenMap.of(dict(zip(keys, a))),
                color=FrozenMap.of(dict(zip(keys, c))),
                counter=zeros,
                pending=zeros,
                token=Token(pos=p, q=0, color=BLACK),
            )
            for a in product((False, True), repeat=self.N)
            for c in product((WHITE, BLACK), repeat=self.N)
            for p in keys
        ]

    # -- System: the token-passing actions of the detection algorithm (rules 1, 2, 4-7) ---------

    @action
    def InitiateProbe(self, s):
        """Node 0, holding the token, starts a new round unless the last one was conclusive."""
        tok = s.token
        if tok.pos == 0 and (tok.color == BLACK or s.color[0] == BLACK or s.counter[0] + tok.q > 0):
            return s.set(token=self.fresh_token, color=s.color.set(0, WHITE))

    @action(i="nonzero")
    def PassToken(self, s, i):
        """Inactive node i > 0 passes the token to i-1, adding its counter to q (blackened if i is black)."""
        tok = s.token
        if not s.active[i] and tok.pos == i:
            black = s.color[i] == BLACK
            token = Token(pos=i - 1, q=tok.q + s.counter[i], color=BLACK if black else tok.color)
            return s.set(token=token, color=s.color.set(i, WHITE))

    # -- Environment: the underlying computation (rules 0 and 3) --------------------------------

    @action(i="Node", j="Node")
    def SendMsg(self, s, i, j):
        """Active node i sends a message to node j != i: its counter goes up, j's pending messages too."""
        if s.active[i] and j != i:
            return s.set(counter=s.counter.set(i, s.counter[i] + 1), pending=s.pending.set(j, s.pending[j] + 1))

    @action(i="Node")
    def RecvMsg(self, s, i):
        """Node i receives a pending message: its counter goes down, and it turns active and black."""
        if s.pending[i] > 0:
            return s.set(
                pending=s.pending.set(i, s.pending[i] - 1),
                counter=s.counter.set(i, s.counter[i] - 1),
                color=s.color.set(i, BLACK),
                active=s.active.set(i, True),
            )

    @action(i="Node")
    def Deactivate(self, s, i):
        """Active node i becomes inactive."""
        if s.active[i]:
            return s.set(active=s.active.set(i, False))

    # -- scope ---------------------------------------------------------------------------------

    @constraint
    def StateConstraint(self, s):
        """Counters and pending messages at most 3 per node, the token's q at most 9 (by default)."""
        return (
            s.token.q <= self.max_q
            and max(s.counter.values()) <= self.max_counter
            and max(s.pending.values()) <= self.max_pending
        )

    # -- properties ----------------------------------------------------------------------------

    @invariant
    def TypeOK(self, s):
        """The token is at a node and white or black, and no node has a negative number of messages pending."""
        tok = s.token
        return 0 <= tok.pos < self.N and tok.color in (WHITE, BLACK) and min(s.pending.values()) >= 0

    @invariant
    def TerminationDetection(self, s):
        """When node 0 detects termination, every node is inactive and no message is in flight."""
        tok = s.token
        detected = (
            tok.pos == 0 and tok.color == WHITE and tok.q + s.counter[0] == 0 and s.color[0] == WHITE and not s.active[0]
        )
        return not detected or (not any(s.active.values()) and sum(s.pending.values()) == 0)

    @invariant
    def Inv(self, s):
        """Safra's invariant: counters add up to the messages in flight, and P1 \\/ P2 \\/ P3 \\/ P4."""
        counter = s.counter
        if sum(s.pending.values()) != sum(counter.values()):  # P0
            return False
        tok = s.token
        t = tok.pos
        return (
            (  # P1: nodes past the token are passive, and q sums their counters (0 when t = N-1)
                not any(s.active[i] for i in range(t + 1, self.N))
                and tok.q == sum(counter[i] for i in range(t + 1, self.N))
            )
            or sum(counter[i] for i in range(t + 1)) + tok.q > 0  # P2
            or any(s.color[i] == BLACK for i in range(t + 1))  # P3
            or tok.color == BLACK  # P4
        )
