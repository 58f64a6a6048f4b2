"""checker.liveness against a brute force on random graphs with random fairness.

The reference enumerates what a lasso can visit infinitely often: every set of non-stuttering steps that is
strongly connected (a closed walk covers exactly it), and every single state for a stuttering end, keeping
those that fairness allows; a property fails when one of them lies where the property says a behaviour must
not stay forever and can be reached so. It shares no code with the checker's SCC decomposition. Every lasso
the checker returns is also replayed step by step and judged on its own: it must be a real behaviour, fair,
and must break the property.
"""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.liveness import Fair, Graph, always_eventually, eventually, eventually_always, leads_to, sccs, vacuous

ACTIONS = [("a", 0), ("a", 1), ("b", 0)]


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 4))
    steps = [sorted(set(draw(st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, n - 1)), max_size=3))))
             for _ in range(n)]
    inits = sorted(set(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=2))))
    fairness = draw(st.lists(st.builds(Fair, st.sampled_from(["WF", "SF"]), st.sampled_from(["a", "b"]),
                                       st.sampled_from([None, 0, 1])), max_size=2))
    p = frozenset(draw(st.sets(st.integers(0, n - 1))))
    q = frozenset(draw(st.sets(st.integers(0, n - 1))))
    return Graph(inits, steps), fairness, p, q


def enabled(g: Graph, s: int, f: Fair) -> bool:
    return any(t != s and f.covers(a) for a, t in g.steps[s])


def infinity_sets(g: Graph, fairness) -> list[frozenset]:
    """The state sets a fair lasso can visit infinitely often (brute force over sets of steps)."""
    moves = [(s, a, t) for s in range(len(g.steps)) for a, t in g.steps[s] if t != s]
    found = []
    for k in range(1, len(moves) + 1):
        for chosen in combinations(moves, k):
            states = {s for s, _, _ in chosen} | {t for _, _, t in chosen}
            if len(sccs(states, lambda v: [t for s, _, t in chosen if s == v])) != 1:
                continue
            if all(any(f.covers(a) for _, a, _ in chosen)
                   or (any(not enabled(g, v, f) for v in states) if f.kind == "WF"
                       else all(not enabled(g, v, f) for v in states)) for f in fairness):
                found.append(frozenset(states))
    found += [frozenset([s]) for s in range(len(g.steps)) if not any(enabled(g, s, f) for f in fairness)]
    return found


def reach(g: Graph, sources, within) -> set[int]:
    """States reachable from sources by paths inside within (the sources too, if inside)."""
    seen = {s for s in sources if s in within}
    todo = list(seen)
    while todo:
        for _, t in g.steps[todo.pop()]:
            if t in within and t not in seen:
                seen.add(t)
                todo.append(t)
    return seen


def brute(kind: str, g: Graph, fairness, p, q) -> bool:
    """Whether the property fails, by the brute force."""
    everything = set(range(len(g.steps)))
    live = reach(g, g.inits, everything)
    sets = [v for v in infinity_sets(g, fairness) if v <= live]
    if kind == "eventually":
        region = everything - p
        return any(v <= region and v & reach(g, g.inits, region) for v in sets)
    if kind == "eventually_always":
        return any(v - p for v in sets)
    if kind == "always_eventually":
        p, q = frozenset(everything), p
    region = everything - q
    return any(v <= region and v & reach(g, live & p & region, region) for v in sets)


def genuine(kind: str, g: Graph, fairness, p, q, lasso) -> bool:
    """The lasso is a behaviour of g from an initial state, fair, and breaks the property."""
    states = [s for _, s in lasso.states]
    if states[0] not in g.inits:
        return False
    if any((a, t) not in g.steps[s] for (_, s), (a, t) in zip(lasso.states, lasso.states[1:])):
        return False
    if lasso.loop_from is None:
        loop, moves = {states[-1]}, []
    else:
        if states[lasso.loop_from] != states[-1] or len(states) - 1 == lasso.loop_from:
            return False
        loop = set(states[lasso.loop_from:])
        moves = [a for (a, t), (_, s) in zip(lasso.states[lasso.loop_from + 1:], lasso.states[lasso.loop_from:])
                 if t != s]
    for f in fairness:
        if lasso.loop_from is None:
            if enabled(g, states[-1], f):
                return False
        elif not any(f.covers(a) for a in moves):
            dis = [not enabled(g, v, f) for v in loop]
            if not (any(dis) if f.kind == "WF" else all(dis)):
                return False
    if kind == "eventually":
        return not any(s in p for s in states)
    if kind == "eventually_always":
        return bool(loop - p)
    if kind == "always_eventually":
        return not loop & p
    first = next((i for i, s in enumerate(states) if s in p), None)  # leads_to: a P state with no Q from it on
    return any(s in p and not any(t in q for t in states[i:]) and not loop & q for i, s in enumerate(states)) \
        if first is not None else False


CHECKS = {
    "eventually": lambda g, f, p, q: eventually(g, lambda s: s in p, f),
    "leads_to": lambda g, f, p, q: leads_to(g, lambda s: s in p, lambda s: s in q, f),
    "always_eventually": lambda g, f, p, q: always_eventually(g, lambda s: s in p, f),
    "eventually_always": lambda g, f, p, q: eventually_always(g, lambda s: s in p, f),
}


@settings(max_examples=400, deadline=None)
@given(graphs(), st.sampled_from(sorted(CHECKS)))
def test_verdicts_equal_the_brute_force_and_every_lasso_is_genuine(case, kind):
    g, fairness, p, q = case
    lasso = CHECKS[kind](g, fairness, p, q)
    assert (lasso is not None) == brute(kind, g, fairness, p, q)
    if lasso is not None:
        assert genuine(kind, g, fairness, p, q, lasso), lasso


def ring(n: int, action: str = "next") -> Graph:
    return Graph([0], [[((action, None), (s + 1) % n)] for s in range(n)])


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_vacuous_when_no_fair_behaviour_starts_anywhere(case):
    """vacuous (a stuck state first, then fair components) against the brute force's infinity sets."""
    g, fairness, _, _ = case
    live = reach(g, g.inits, set(range(len(g.steps))))
    assert vacuous(g, fairness) == (not any(v <= live for v in infinity_sets(g, fairness)))


def test_eventually_is_broken_by_a_cycle_not_only_by_a_dead_end():
    """The pitfall of checkers that look only for dead ends: 0 -> 1 -> 0 forever never reaches 2."""
    g = Graph([0], [[(("go", None), 1)], [(("back", None), 0), (("on", None), 2)], []])
    lasso = eventually(g, lambda s: s == 2, [Fair("WF", "go"), Fair("WF", "back")])
    assert lasso is not None and lasso.loop_from == 0 and [s for _, s in lasso.states] == [0, 1, 0]
    stop = eventually(g, lambda s: s == 2, [Fair("SF", "on")])  # nothing fair is enabled at 0: it may stop there
    assert stop is not None and stop.loop_from is None and [s for _, s in stop.states] == [0]
    assert eventually(g, lambda s: s == 2, [Fair("WF", "go"), Fair("SF", "on")]) is None


def test_weak_fairness_is_met_by_a_cycle_that_leaves_the_action_disabled_somewhere_and_strong_is_not():
    """0 <-> 1 by b; a (to 2) is enabled at 0 only. Round 0, 1, 0, ... a is not continuously enabled (WF holds,
    2 is never reached) but enabled infinitely often (SF forbids the cycle, and stopping at 0)."""
    g = Graph([0], [[(("b", None), 1), (("a", None), 2)], [(("b", None), 0)], []])
    lasso = eventually(g, lambda s: s == 2, [Fair("WF", "a"), Fair("WF", "b")])
    assert lasso is not None and lasso.loop_from == 0 and [s for _, s in lasso.states] == [0, 1, 0]
    assert eventually(g, lambda s: s == 2, [Fair("SF", "a"), Fair("WF", "b")]) is None


def test_without_fairness_a_behaviour_may_stop_anywhere():
    lasso = eventually(ring(3), lambda s: s == 2)
    assert lasso is not None and lasso.loop_from is None and [s for _, s in lasso.states] == [0]
    assert eventually(ring(3), lambda s: s == 2, [Fair("WF", "next")]) is None


def test_tarjan_is_iterative_on_a_long_chain():
    n = 50_000
    g = Graph([0], [[(("next", None), s + 1)] for s in range(n - 1)] + [[(("next", None), 0)]])
    assert len(sccs(range(n), lambda s: [t for _, t in g.steps[s]])) == 1
    assert eventually(g, lambda s: s == n - 1, [Fair("WF", "next")]) is None
