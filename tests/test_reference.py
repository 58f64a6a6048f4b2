"""The checker against a naive reference search on random transition systems (hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st
from brute import distances
from rich_values import values

from checker import FrozenMap, Model, action, check, ids, invariant, record
from checker.canonical import encode


Node = record("Node", "label")


class Graph(Model):
    """A random finite transition system: nodes, edges, initial nodes and bad nodes; node u's state holds labels[u],
    a rich value (negative or huge ints, None, floats, bytes, nested sets, records, maps, bags, ...), or is u."""

    def __init__(self, n=1, edges=(), inits=(0,), bad=(), labels=None):
        self.labels = tuple(map(Node, labels)) if labels is not None else tuple(range(n))
        self.index = {encode(label): u for u, label in enumerate(self.labels)}  # not a dict on labels: 1 == True
        self.nodes = range(n)
        self.succ = {u: sorted({v for a, v in edges if a == u}) for u in range(n)}
        self.inits = sorted(set(inits))
        self.bad = frozenset(bad)

    def init(self):
        return [self.labels[u] for u in self.inits]

    @action(v="nodes")
    def Move(self, s, v):
        """Follow the edge s -> v."""
        if v in self.succ[self.node(s)]:
            return self.labels[v]

    @invariant
    def Good(self, s):
        """No bad node is reachable."""
        return self.node(s) not in self.bad

    def node(self, s):
        return self.index[encode(s)]


def reference(g: Graph):
    """Naive BFS over node numbers: reachable nodes and the shortest distance to a bad node (None if unreachable)."""
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
        labels=st.one_of(st.just(None), st.lists(values, min_size=n, max_size=n, unique_by=encode)),
    )
)


def is_path(g: Graph, trace) -> bool:
    nodes = [g.node(step.state) for step in trace]
    return nodes[0] in g.inits and all(b in g.succ[a] for a, b in zip(nodes, nodes[1:]))


@settings(max_examples=300, deadline=None)
@given(graphs)
def test_bfs_agrees_with_reference(g):
    reachable, shortest = reference(g)
    full = check(g, properties=[])
    assert full.stats.distinct == len(reachable) == check(g, properties=[], exact=True).stats.distinct
    r = check(g)
    if shortest is None:
        assert r.verdict == "ok" and r.stats.distinct == len(reachable)
    else:
        v = r.violation("Good")
        assert r.verdict == "violation" and v.length == shortest
        assert is_path(g, v.trace) and g.node(v.trace[-1].state) in g.bad


@settings(max_examples=300, deadline=None)
@given(graphs)
def test_dfs_agrees_on_verdicts_and_gives_real_paths(g):
    reachable, shortest = reference(g)
    assert check(g, properties=[], strategy="dfs").stats.distinct == len(reachable)
    r = check(g, strategy="dfs")
    assert (r.verdict == "ok") == (shortest is None)
    if shortest is not None:
        v = r.violation("Good")
        assert is_path(g, v.trace) and g.node(v.trace[-1].state) in g.bad and v.length >= shortest


class Votes(Model):
    """n processes move between levels 0..k by random but symmetric rules."""

    symmetry = ("procs",)

    def __init__(self, n=3, k=2, rules=frozenset(), bad=frozenset(), base=0):
        self.procs = ids("p", n)
        self.k = k
        self.base = base  # the lowest level, negative or not
        self.rules = rules  # (own level, number of others at the lowest level) pairs allowed to step up
        self.bad = bad  # sorted tuples of levels above the lowest that must not be reached

    def init(self):
        return FrozenMap.const(self.procs, self.base)

    @action(i="procs")
    def Up(self, s, i):
        """i moves one level up if the rules allow it."""
        zeros = sum(1 for p in self.procs if p != i and s[p] == self.base)
        if s[i] < self.base + self.k and (s[i] - self.base, zeros) in self.rules:
            return s.set(i, s[i] + 1)

    @action(i="procs")
    def Reset(self, s, i):
        """i drops back to the lowest level from the top level."""
        if s[i] == self.base + self.k:
            return s.set(i, self.base)

    @invariant
    def Safe(self, s):
        """The sorted levels never form a bad combination."""
        return tuple(sorted(level - self.base for level in s.values())) not in self.bad


symmetric_models = st.builds(
    Votes,
    n=st.integers(2, 4),
    k=st.integers(1, 3),
    rules=st.frozensets(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=12),
    bad=st.frozensets(st.lists(st.integers(0, 3), min_size=2, max_size=4).map(lambda x: tuple(sorted(x))), max_size=3),
    base=st.one_of(st.just(0), st.integers(-5, 5), st.sampled_from([-(2**63), 2**64])),
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
