"""Dijkstra's EWD 840 termination detection on a ring, translated from the TLA+ Examples'
``specifications/ewd840/EWD840.tla`` (Stephan Merz; tlaplus/Examples commit 32a32c7b).

Variables, actions and invariants are the spec's; nodes are the integers ``0 .. N-1`` as in the
spec (the token travels from node N-1 down to node 0, and SendMsg compares node numbers), so there
is no symmetry. Init is every type-correct state with a black token: 2^N * 2^N * N initial states.

TLC 2.20 on EWD840.tla with ``SPECIFICATION Spec``, ``INVARIANTS TypeOK TerminationDetection Inv``,
``CHECK_DEADLOCK FALSE`` and ``CONSTANTS N = n``, one worker; Concord's distinct states and depth
are the same. Its generated count is lower: TLC yields a successor once per true disjunct of a guard
(``~active[i] \\/ color[i] = "black" \\/ tcolor = "black"``), Concord once per action.

=====  ========  =============  ==================  =====
n      distinct  TLC generated  Concord generated   depth
=====  ========  =============  ==================  =====
3      302       2,001          1,817               9      (test; N of the Examples' EWD840.cfg)
4      1,566     15,986         14,962              12     (test)
5      7,742     114,211        108,963             15
6      36,990    750,020        724,420             18     (benchmark)
=====  ========  =============  ==================  =====

Liveness: ``EWD840Live`` adds the spec's ``Liveness == terminated ~> terminationDetected`` under its
``WF_vars(System)`` (the ``fairness`` below), which holds, as TLC finds; without fairness it fails with a
stuttering end. Its verdicts are pinned to TLC's in tests/test_liveness_tlc.py.
"""

from __future__ import annotations

from itertools import product

from checker import WF, FrozenMap, Model, action, eventually, invariant, leads_to, record

State = record("State", "active color tpos tcolor")

WHITE, BLACK = "white", "black"


class EWD840(Model):
    """Dijkstra, Feijen and van Gasteren's token-based termination detection on a ring (EWD 840)."""

    # Spec's WF_vars(System), System == InitiateProbe \/ \E i \in Node \ {0} : PassToken(i), kept as the
    # spec's two actions under two conditions: here that is the same. Every System step moves the token, and
    # only System steps do, so a behaviour with infinitely many System steps takes both InitiateProbe and
    # PassToken infinitely often (N > 1; with N = 1 PassToken has no instance); in one with finitely many, the
    # token rests at some node t and System is enabled exactly when InitiateProbe (t = 0) or PassToken(t)
    # (t > 0) is, the other never. (TLC agrees on Spec and on SpecSplit; see tests/test_liveness_tlc.py.)
    # Only EWD840Live's temporal properties use it.
    fairness = (WF("InitiateProbe"), WF("PassToken"))

    def __init__(self, n: int = 4):
        if n < 1:
            raise ValueError("need at least one node (n >= 1)")
        self.N = n
        self.Node = tuple(range(n))
        self.nonzero = self.Node[1:]  # Node \ {0}: the nodes PassToken moves the token from

    def init(self):
        """Any activity and colours, the token anywhere, and black."""
        keys = self.Node
        return [
            State(active=FrozenMap.of(dict(zip(keys, a))), color=FrozenMap.of(dict(zip(keys, c))), tpos=t, tcolor=BLACK)
            for a in product((False, True), repeat=self.N)
            for c in product((WHITE, BLACK), repeat=self.N)
            for t in keys
        ]

    # -- System: the token-passing actions of the detection algorithm ---------------------------

    @action
    def InitiateProbe(self, s):
        """Node 0, holding the token, starts a new round if it or the token is black."""
        if s.tpos == 0 and (s.tcolor == BLACK or s.color[0] == BLACK):
            return s.set(tpos=self.N - 1, tcolor=WHITE, color=s.color.set(0, WHITE))

    @action(i="nonzero")
    def PassToken(self, s, i):
        """Node i > 0, holding the token, passes it on to i-1 (blackened if i is black) and turns white."""
        if s.tpos == i and (not s.active[i] or s.color[i] == BLACK or s.tcolor == BLACK):
            tcolor = BLACK if s.color[i] == BLACK else s.tcolor
            return s.set(tpos=i - 1, tcolor=tcolor, color=s.color.set(i, WHITE))

    # -- Environment: the underlying computation ------------------------------------------------

    @action(i="Node", j="Node")
    def SendMsg(self, s, i, j):
        """Active node i activates node j != i; i turns black if j > i (against the token's direction)."""
        if s.active[i] and j != i:
            color = s.color.set(i, BLACK) if j > i else s.color
            return s.set(active=s.active.set(j, True), color=color)

    @action(i="Node")
    def Deactivate(self, s, i):
        """Active node i becomes inactive."""
        if s.active[i]:
            return s.set(active=s.active.set(i, False))

    # -- properties ----------------------------------------------------------------------------

    def terminated(self, s) -> bool:
        """Every node is inactive (the spec's terminated)."""
        return not any(s.active[i] for i in self.Node)

    def terminationDetected(self, s) -> bool:
        """A white token at a white, inactive node 0 (the spec's terminationDetected)."""
        return s.tpos == 0 and s.tcolor == WHITE and s.color[0] == WHITE and not s.active[0]

    @invariant
    def TypeOK(self, s):
        """The token is at a node and white or black (the maps' domains and ranges hold by construction)."""
        return 0 <= s.tpos < self.N and s.tcolor in (WHITE, BLACK)

    @invariant
    def TerminationDetection(self, s):
        """A white token at a white, inactive node 0 means every node is inactive."""
        detected = s.tpos == 0 and s.tcolor == WHITE and s.color[0] == WHITE and not s.active[0]
        return not detected or not any(s.active[i] for i in self.Node)

    @invariant
    def Inv(self, s):
        """Dijkstra's invariant: nodes past the token are inactive, or a node up to it is black, or the token is."""
        t = s.tpos
        return (
            all(not s.active[i] for i in self.Node if i > t)  # P0
            or any(s.color[j] == BLACK for j in range(t + 1))  # P1
            or s.tcolor == BLACK  # P2
        )


class EWD840Live(EWD840):
    """EWD 840 with the spec's liveness: under WF(System), termination is eventually detected."""

    # A subclass, so that EWD840's own check (the benchmark, tests/test_bench_termination.py) stays what it
    # was: the same properties, and a safety check (a temporal property makes BFS record the state graph, in
    # Python, without the native expander).

    @leads_to
    def Liveness(self, s):
        """terminated ~> terminationDetected: once every node is inactive, node 0 eventually detects it."""
        return self.terminated(s), self.terminationDetected(s)

    @eventually
    def EventuallyTerminated(self, s):
        """<>terminated: not in the spec and not meant to hold (nodes may keep activating each other)."""
        return self.terminated(s)
