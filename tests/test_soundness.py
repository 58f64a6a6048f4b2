"""Soundness: the models that once fooled the checker, each pinned with the answer worked out by hand."""

import enum
from itertools import permutations, product

import pytest
from brute import reachable
from rich_values import Ping as PingRec
from rich_values import Pong as PongRec
from soundness import (
    Asymmetric, Counters, Diamond, Flags, MapOrders, NaNState, PingPong, PingPongRecords, Termination, Walk,
)

from checker import Bag, FrozenMap, ModelError, check, ids
from checker.canonical import encode


class A(enum.Enum):
    X = 1


class B(enum.Enum):
    X = 1


# Values Python's hash() cannot tell apart (the list); each walk visits them as distinct states.
COLLIDING = [
    (0, -1, -2, -3),
    (7, 2**64 - 1),
    (0, 2**61 - 1),
    (1, 2**61),
    (0.5, 2**60),
    (float("inf"), 314159),
    ("a", b"a"),
    (PingRec(1), PongRec(1), (1,)),
    (A.X, B.X, "X"),
    (frozenset({("a", 1)}), Bag(["a"])),
    (1, True, 1.0),
    (FrozenMap.of({"a": 1}), FrozenMap.of({"b": 1}), (1,)),
    (None, 0, False, "", b"", (), frozenset()),
]


@pytest.mark.parametrize("values", COLLIDING, ids=lambda v: repr(v)[:40])
@pytest.mark.parametrize("exact", [False, True])
def test_values_that_share_a_python_hash_are_distinct_states(values, exact):
    """Right answer by hand: one state per value, the last reached after len - 1 steps."""
    r = check(Walk(values), exact=exact)
    assert r.stats.distinct == len(values) and r.stats.generated == len(values)
    assert r.violation("NotLast").length == len(values) - 1
    assert r.violation("DerivedMatches") is None  # @derived never hands one state another's value


def test_a_counter_going_negative_reaches_minus_three():
    r = check(Walk((0, -1, -2, -3)))
    assert (r.stats.distinct, r.violation("NotLast").length) == (4, 3)
    assert [step.state for step in r.violation("NotLast").trace] == [(0,), (-1,), (-2,), (-3,)]


@pytest.mark.parametrize("model", [PingPong, PingPongRecords])
def test_ping_pong_takes_three_steps(model):
    """Init, ping sent, pong sent, done: 4 states, and Finish consumes a pong that was really sent."""
    r = check(model())
    v = r.violation("NeverDone")
    assert r.stats.distinct == 4 and v.length == 3
    assert [s.action for s in v.trace[1:]] == ["SendPing", "Reply", "Finish"]
    assert r.coverage["Finish"]["fired"] == 1


def test_a_map_is_the_same_whatever_order_its_keys_were_given_in():
    r = check(MapOrders(), properties=[])
    assert r.stats.distinct == 3  # the init map, {a: 1, b: 1} (built twice), {c: 1, d: 1}


def test_nan_in_a_state_is_an_error_naming_the_action():
    r = check(NaNState())
    assert r.verdict == "error" and "Divide" in r.error and "NaN" in r.error
    assert r.exit_code == 2


@pytest.mark.parametrize("model", [Flags, Counters, Termination])
def test_symmetry_refuses_integer_ids(model):
    """Renaming ints would rename flags (True == 1) and counters equal to an id."""
    with pytest.raises(ModelError, match="symmetry would also rename"):
        check(model(nodes=(0, 1)), symmetry=True)
    check(model(nodes=(0, 1)))  # without symmetry integer ids are fine


def test_symmetry_with_flags():
    plain, reduced = check(Flags()), check(Flags(), symmetry=True)
    assert (plain.stats.distinct, plain.violation("NotBoth").length) == (4, 2)
    assert (reduced.stats.distinct, reduced.violation("NotBoth").length) == (3, 2)


def test_symmetry_with_counters():
    plain, reduced = check(Counters()), check(Counters(), symmetry=True)
    assert (plain.stats.distinct, plain.violation("NotBothDone").length) == (9, 4)
    assert (reduced.stats.distinct, reduced.violation("NotBothDone").length) == (6, 4)


def _orbit_key(s, nodes):
    """A Term state's least encoding over every renaming of the nodes (a reference independent of checker.symmetry)."""
    keys = []
    for p in permutations(nodes):
        pi = dict(zip(nodes, p))
        renamed = s.set(
            active=FrozenMap.of({pi[n]: v for n, v in s.active.items()}),
            sent=FrozenMap.of({pi[n]: v for n, v in s.sent.items()}),
            received=FrozenMap.of({pi[n]: v for n, v in s.received.items()}),
            inflight=Bag._from({pi[n]: c for n, c in s.inflight.items()}),
        )
        keys.append(encode(renamed))
    return min(keys)


@pytest.mark.parametrize("n, max_sent", [(2, 1), (3, 1), (3, 2)])
def test_termination_detection_orbits_equal_a_brute_force_count(n, max_sent):
    nodes = ids("n", n)
    states = reachable(Termination(nodes, max_sent))
    orbits = len({_orbit_key(s, nodes) for s in states})
    plain = check(Termination(nodes, max_sent))
    reduced = check(Termination(nodes, max_sent), symmetry=True)
    assert plain.ok and reduced.ok
    assert plain.stats.distinct == len(states)
    assert reduced.stats.distinct == orbits
    assert check(Termination(nodes, max_sent), symmetry=True, exact=True).stats.distinct == orbits


def test_termination_detection_pinned():
    """The scope of the pinned counts (brute force above): 3 nodes, one message each."""
    assert check(Termination()).stats.distinct == 842
    assert check(Termination(), symmetry=True).stats.distinct == 165


def test_the_trace_shows_the_step_that_breaks_a_transition_property():
    """Under symmetry p1's step reaches p2's orbit first; the trace must show p2's step, which breaks it."""
    r = check(Asymmetric(), symmetry=True)
    v = r.violation("P2StaysPut")
    assert v.length == 1 and v.trace[1].args == {"i": "p2"}
    assert v.trace[1].state["p2"] == 1


@pytest.mark.parametrize("exact", [False, True])
def test_dfs_re_expands_a_state_reached_again_closer_to_the_root(exact):
    assert check(Diamond()).violation("Good").length == 3  # BFS: s, x, y, bad
    r = check(Diamond(), strategy="dfs", max_depth=5, exact=exact)
    assert r.verdict == "violation" and r.violation("Good").length == 3
    assert [s.state for s in r.violation("Good").trace] == ["s", "x", "y", "bad"]
    assert check(Diamond(), strategy="dfs", max_depth=4).verdict == "violation"
    assert check(Diamond(), strategy="dfs", max_depth=3).verdict == "partial"


def test_exhaustive_small_domains_have_no_colliding_fingerprints():
    """The issue's examples: every 4-tuple over -3..4, every set over -3..8 (CPython's hash: 1,695 and 1,024 collide)."""
    from checker.fingerprint import fingerprint

    tuples = list(product(range(-3, 5), repeat=4))
    assert len({fingerprint(t) for t in tuples}) == len(tuples) == 4096
    universe = range(-3, 9)
    sets = [frozenset(x for x, bit in zip(universe, f"{mask:012b}") if bit == "1") for mask in range(4096)]
    assert len({fingerprint(s) for s in sets}) == 4096


def test_exact_and_fingerprints_agree_on_the_bundled_models():
    from models import Paxos, TwoPhase

    for model, kw in [(Paxos(max_ballot=0), {}), (TwoPhase(rms=3), {}), (TwoPhase(rms=3), {"symmetry": True})]:
        a, b = check(model, **kw), check(model, exact=True, **kw)
        assert (a.stats.distinct, a.stats.generated, a.stats.depth, a.verdict) == (b.stats.distinct, b.stats.generated, b.stats.depth, b.verdict)
        assert b.stats.exact and b.stats.collision_probability == 0.0


def test_a_trace_that_does_not_show_the_violation_is_never_printed(monkeypatch):
    """Replay rejects a wrong last state, a step the model cannot take, a stutter; the run then says error."""
    from checker.compiled import compile_model
    from checker.trace import TraceError, verify
    from models import DieHard

    c = compile_model(DieHard())
    trace = check(DieHard()).violation("NotSolved").trace
    verify(c, trace, "invariant", "NotSolved")
    with pytest.raises(TraceError, match="holds in its last state"):
        verify(c, trace[:-1], "invariant", "NotSolved")
    with pytest.raises(TraceError, match="does not lead"):
        verify(c, [trace[0], trace[2]], "invariant", "NotSolved")
    with pytest.raises(TraceError, match="not an initial state"):
        verify(c, trace[1:], "invariant", "NotSolved")

    import sys

    monkeypatch.setattr(sys.modules["checker.check"], "rebuild", lambda search, parent, ai, args, t: trace[:-1])
    r = check(DieHard())
    assert r.verdict == "error" and not r.violations and "does not replay" in r.error
