"""checker/_expand.c (the BFS level loop in C) against its definition, the Python loop in checker/bfs.py:
the same counts, coverage, depth, queue, verdicts and traces on every kind of model and option."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from test_domains import Chain, Choice, DerivedDomain, Pairs, SetState
from test_reference import Graph, graphs

import checker.bfs as bfs
from checker import Model, action, check, invariant, record, reachable, transition
from checker.fingerprint import fingerprint
from models.diehard import DieHard
from models.kvstore import KVStore
from models.paxos import Paxos
from models.raft import Raft
from models.twophase import TwoPhase

native = pytest.mark.skipif(bfs.Expander is None, reason="checker._expand was not built (or CONCORD_PURE_PYTHON is set)")

Pos = record("Pos", "x y")


class Walker(Model):
    """Every plan kind of _expand.c: a static action, a dynamic one (arity 1 and 3), a product of a static and a
    dynamic domain, a dependent pair; sets, lists and generators of successors, stutters and a deadlock."""

    def __init__(self, top: int = 3):
        self.top = top
        self.steps = (-1, 1)

    def init(self):
        return [Pos(0, 0), Pos(1, 0)]

    def room(self, s):
        return [d for d in self.steps if 0 <= s.x + d <= self.top]

    def ys(self, s, dx):
        return [dy for dy in (0, 1) if s.y + dy * dx <= self.top]

    @action(d="steps")
    def MoveX(self, s, d):
        """Move along x."""
        if 0 <= s.x + d <= self.top:
            return s.set(x=s.x + d)

    @action(d="room")
    def Jump(self, s, d):
        """Move along x, or up."""
        return frozenset({s.set(x=s.x + d), s.set(y=min(s.y + 1, self.top))})

    @action(d="steps", e="room")
    def Both(self, s, d, e):
        """Move along both axes, or stay."""
        if 0 <= s.y + d <= self.top:
            return [s.set(x=s.x + e, y=s.y + d), s]

    @action(dx="room", dy="ys")
    def Diagonal(self, s, dx, dy):
        """Move diagonally (a generator of one successor)."""
        return (t for t in (s.set(x=s.x + dx, y=min(s.y + dy, self.top)),))

    @action(a=lambda s: (0, 1), b=lambda s: (s.x,), c=lambda s: (s.y,))
    def Three(self, s, a, b, c):
        """Back to the origin from the far corner."""
        if a and b == c == self.top:
            return s.set(x=0, y=0)

    @invariant
    def Inside(self, s):
        """Both coordinates within 0 .. top."""
        return 0 <= s.x <= self.top and 0 <= s.y <= self.top

    @invariant
    def NotCorner(self, s):
        """The far corner is never reached."""
        return (s.x, s.y) != (self.top, self.top)

    @transition
    def SmallSteps(self, s, t):
        """A step moves at most two squares."""
        return abs(t.x - s.x) + abs(t.y - s.y) <= 2

    @reachable
    def Far(self, s):
        """A square next to the far corner."""
        return s.x + s.y == 2 * self.top - 1


class Stuck(Model):
    """A deadlock at x = 2."""

    def init(self):
        return Pos(0, 0)

    @action
    def Step(self, s):
        """One step right."""
        if s.x < 2:
            return s.set(x=s.x + 1)


def summary(result) -> dict:
    st_ = result.stats
    return {
        "verdict": result.verdict, "partial": result.partial, "distinct": st_.distinct, "generated": st_.generated,
        "depth": st_.depth, "queue": st_.queue, "coverage": result.coverage, "outside": result.outside,
        "violations": [(v.property, v.kind, [(step.label, fingerprint(step.state)) for step in v.trace])
                       for v in result.violations],
        "witnesses": [(w.property, [step.label for step in w.trace]) for w in result.witnesses],
    }


def both(model_of, **options) -> tuple[dict, dict]:
    """The run's summary with the C loop, and with the Python loop."""
    with_c = summary(check(model_of(), **options))
    saved = bfs.Expander
    bfs.Expander = None
    try:
        in_python = summary(check(model_of(), **options))
    finally:
        bfs.Expander = saved
    return with_c, in_python


CASES = {
    "walker": (lambda: Walker(3), {}),
    "walker-all": (lambda: Walker(3), {"stop_at_first": False}),
    "walker-inside-only": (lambda: Walker(3), {"properties": ["Inside", "SmallSteps", "Far"], "stop_at_first": False}),
    "walker-max-states": (lambda: Walker(4), {"properties": ["Inside"], "max_states": 9}),
    "walker-deadlock": (lambda: Walker(3), {"properties": [], "deadlock": True}),
    "stuck-deadlock": (Stuck, {"deadlock": True}),
    "chain": (lambda: Chain(3), {}),
    "choice": (Choice, {}),
    "pairs": (lambda: Pairs(3), {}),
    "derived-domain": (lambda: DerivedDomain(3), {}),
    "set-states": (SetState, {}),
    "diehard": (DieHard, {"stop_at_first": False}),
    "twophase": (lambda: TwoPhase(rms=3), {}),
    "paxos": (lambda: Paxos(), {}),
    "paxos-exact": (lambda: Paxos(), {"exact": True, "max_states": 3000}),
    "paxos-symmetry": (lambda: Paxos(), {"symmetry": True}),
    "paxos-no-promise": (lambda: Paxos.variants["no-promise"](), {"stop_at_first": False, "max_states": 3000}),
    "kvstore": (lambda: KVStore(), {"max_states": 3000}),
    "raft-seed": (lambda: Raft.variants["no-persist-term"](servers=2, max_term=2, max_log_len=0, max_messages=1), {}),
    "raft-max-depth": (lambda: Raft(servers=2, max_term=2, max_log_len=1, max_messages=1), {"max_depth": 6}),
}


@native
@pytest.mark.parametrize("name", CASES)
def test_the_c_loop_gives_what_the_python_loop_gives(name):
    model_of, options = CASES[name]
    with_c, in_python = both(model_of, **options)
    assert with_c == in_python
    assert with_c["distinct"] > 1


@native
@settings(max_examples=150, deadline=None)
@given(graphs)
def test_the_c_loop_on_random_transition_systems(g: Graph):
    with_c, in_python = both(lambda: g, stop_at_first=False)
    assert with_c == in_python


class Faulty(Walker):
    """Walker whose Jump fails at x = 2."""

    @action(d="room")
    def Jump(self, s, d):
        """Move along x, or fail at x = 2."""
        if s.x == 2:
            return 1 / 0


@native
def test_an_error_inside_the_model_names_the_same_state_in_both():
    with_c, in_python = both(lambda: Faulty(3), properties=[])
    assert with_c == in_python and with_c["verdict"] == "error"
