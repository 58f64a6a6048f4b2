"""The checker against a naive reference search on random transition systems (hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st
from brute import distances

from checker import FrozenMap, Model, action, check, ids, invariant


class Graph(Model):
    """A random finite transition system: nodes, edges, initial nodes and bad nodes."""

    def __init__(self, n=1, edges=(), inits=(0,), bad=()):
        self.nodes = range(n)
        self.succ = {u: sorted({v for a, v in edges if a == u}) for u in range(n)}
        self.inits = sorted(set(inits))
        self.bad = frozenset(bad)

    def init(self):
        return self.inits

    @action(v="nodes")
    def Move(self, s, v):
        """Follow the edge s -> v."""
        if v in self.succ[s]:
            return v

    @invariant
    def Good(self, s):
        """No bad node is reachable."""
        return s not in self.bad


def reference(g: Graph):
    """Naive BFS: reachable nodes and the shortest distance to a bad node (None if unreachable)."""
    dist = distances(g.inits, g.succ)
    bad = [dist[u] for u in dist if u in g.bad]
    return set(dist), min(bad) if bad else None


graphs = st.integers(1, 12).flatmap(
    lambda n: st.builds(
        Graph,
        n=st.just(n),
        edges=st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n),
        inits=st.lists(st.integers(0, n - 1), min_size=1, max_size=3),
        bad=st.lists(st.integers(0, n - 1), max_size=2),
    )
)


def is_path(g: Graph, trace) -> bool:
    states = [step.state for step in trace]
    return states[0] in g.inits and all(b in g.succ[a] for a, b in zip(states, states[1:]))


@settings(max_examples=300, deadline=None)
@given(graphs)
def test_bfs_agrees_with_reference(g):
    reachable, shortest = reference(g)
    full = check(g, properties=[])
    assert full.stats.distinct == len(reachable)
    r = check(g)
    if shortest is None:
        assert r.verdict == "ok" and r.stats.distinct == len(reachable)
    else:
        v = r.violation("Good")
        assert r.verdict == "violation" and v.length == shortest
        assert is_path(g, v.trace) and v.trace[-1].state in g.bad


@settings(max_examples=300, deadline=None)
@given(graphs)
def test_dfs_agrees_on_verdicts_and_gives_real_paths(g):
    reachable, shortest = reference(g)
    assert check(g, properties=[], strategy="dfs").stats.distinct == len(reachable)
    r = check(g, strategy="dfs")
    assert (r.verdict == "ok") == (shortest is None)
    if shortest is not None:
        v = r.violation("Good")
        assert is_path(g, v.trace) and v.trace[-1].state in g.bad and v.length >= shortest


class Votes(Model):
    """n processes move between levels 0..k by random but symmetric rules."""

    symmetry = ("procs",)

    def __init__(self, n=3, k=2, rules=frozenset(), bad=frozenset()):
        self.procs = ids("p", n)
        self.k = k
        self.rules = rules  # (own level, number of others at level 0) pairs allowed to step up
        self.bad = bad  # sorted tuples of levels that must not be reached

    def init(self):
        return FrozenMap.const(self.procs, 0)

    @action(i="procs")
    def Up(self, s, i):
        """i moves one level up if the rules allow it."""
        zeros = sum(1 for p in self.procs if p != i and s[p] == 0)
        if s[i] < self.k and (s[i], zeros) in self.rules:
            return s.set(i, s[i] + 1)

    @action(i="procs")
    def Reset(self, s, i):
        """i drops back to 0 from the top level."""
        if s[i] == self.k:
            return s.set(i, 0)

    @invariant
    def Safe(self, s):
        """The sorted levels never form a bad combination."""
        return tuple(sorted(s.values())) not in self.bad


symmetric_models = st.builds(
    Votes,
    n=st.integers(2, 4),
    k=st.integers(1, 3),
    rules=st.frozensets(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=12),
    bad=st.frozensets(st.lists(st.integers(0, 3), min_size=2, max_size=4).map(lambda x: tuple(sorted(x))), max_size=3),
)


@settings(max_examples=100, deadline=None)
@given(symmetric_models)
def test_symmetry_never_changes_a_verdict(m):
    plain, reduced = check(m), check(m, symmetry=True)
    assert plain.verdict == reduced.verdict
    if plain.violations:
        assert plain.violations[0].length == reduced.violations[0].length
        assert not m.Safe(reduced.violations[0].trace[-1].state)
    assert check(m, properties=[], symmetry=True).stats.distinct <= check(m, properties=[]).stats.distinct
