"""State identity on rich values: fingerprints, --exact and symmetry against naive references (hypothesis)."""

from itertools import permutations

from hypothesis import given, settings
from brute import distances, reachable
from hypothesis import strategies as st
from rich_values import values

from checker import FrozenMap, Model, action, check, ids, invariant
from checker.canonical import encode
from checker.fingerprint import fingerprint


@settings(max_examples=300, deadline=None)
@given(st.lists(values, min_size=2, max_size=40))
def test_values_share_a_fingerprint_exactly_when_they_are_the_same(xs):
    """Same encoding (kind, type name, parts) <=> same fingerprint; thousands of pairs per run."""
    by_encoding = {}
    for x in xs:
        by_encoding.setdefault(encode(x), set()).add(fingerprint(x))
    assert all(len(fps) == 1 for fps in by_encoding.values())
    assert len({next(iter(fps)) for fps in by_encoding.values()}) == len(by_encoding)


# -- random graphs whose states are rich values --------------------------------------------------


class RichGraph(Model):
    """A random transition system whose states are distinct rich values (1, True and 1.0 among them)."""

    def __init__(self, labels=((0,),), edges=(), inits=(0,), bad=()):
        self.labels = tuple((x,) for x in labels)  # each state a 1-tuple, so every state has one type
        self.index = {encode(x): i for i, x in enumerate(self.labels)}
        self.succ = {u: sorted({v for a, v in edges if a == u}) for u in range(len(labels))}
        self.starts = sorted(set(inits))
        self.bad = frozenset(bad)

    def init(self):
        return [self.labels[i] for i in self.starts]

    @action(k=range(8))
    def Move(self, s, k):
        """Follow the k-th edge out of s."""
        out = self.succ[self.index[encode(s)]]
        if k < len(out):
            return self.labels[out[k]]

    @invariant
    def Good(self, s):
        """No bad state is reachable."""
        return self.index[encode(s)] not in self.bad


def _distinct(xs):
    seen = {}
    for x in xs:
        seen.setdefault(encode(x), x)
    return list(seen.values())


rich_graphs = st.lists(values, min_size=1, max_size=10).map(_distinct).flatmap(
    lambda labels: st.builds(
        RichGraph,
        labels=st.just(tuple(labels)),
        edges=st.lists(st.tuples(st.integers(0, len(labels) - 1), st.integers(0, len(labels) - 1)), max_size=3 * len(labels)),
        inits=st.lists(st.integers(0, len(labels) - 1), min_size=1, max_size=3),
        bad=st.lists(st.integers(0, len(labels) - 1), max_size=2),
    )
)


def reference(g: RichGraph):
    """Naive BFS over node numbers: how many are reachable, and how far the nearest bad one is."""
    dist = distances(g.starts, g.succ)
    bad = [dist[u] for u in dist if u in g.bad]
    return len(dist), min(bad) if bad else None


def is_path(g: RichGraph, trace) -> bool:
    nodes = [g.index[encode(step.state)] for step in trace]
    return nodes[0] in g.starts and all(b in g.succ[a] for a, b in zip(nodes, nodes[1:]))


@settings(max_examples=200, deadline=None)
@given(rich_graphs)
def test_bfs_dfs_and_exact_agree_with_the_reference_on_rich_states(g):
    reachable, shortest = reference(g)
    for strategy in ("bfs", "dfs"):
        for exact in (False, True):
            assert check(g, properties=[], strategy=strategy, exact=exact).stats.distinct == reachable
            r = check(g, strategy=strategy, exact=exact)
            assert (r.verdict == "ok") == (shortest is None)
            if shortest is not None:
                v = r.violation("Good")
                assert is_path(g, v.trace) and g.index[encode(v.trace[-1].state)] in g.bad
                assert v.length == shortest if strategy == "bfs" else v.length >= shortest


# -- symmetric models over rich values ----------------------------------------------------------


class Levels(Model):
    """Processes each hold one of a pool of rich values and move between them by rules that ignore who
    they are (so the model is symmetric in the processes)."""

    symmetry = ("procs",)

    def __init__(self, n=2, pool=(0,), rules=(), bad=()):
        self.procs = ids("proc#", n)  # ids the pool's values never contain (symmetry would rename them there too)
        self.pool = tuple(pool)
        self.index = {encode(x): i for i, x in enumerate(self.pool)}
        self.rules = frozenset(rules)  # (from, to) pool positions
        self.bad = frozenset(bad)  # sorted tuples of pool positions that must not be held together

    def init(self):
        return FrozenMap.const(self.procs, self.pool[0])

    @action(i="procs", to=range(6))
    def Move(self, s, i, to):
        """Process i moves from its value to the pool's value number to, if a rule allows it."""
        if to < len(self.pool) and (self.index[encode(s[i])], to) in self.rules:
            return s.set(i, self.pool[to])

    @invariant
    def Safe(self, s):
        """The values held never form a bad combination."""
        return tuple(sorted(self.index[encode(v)] for v in s.values())) not in self.bad


symmetric_models = st.lists(values.filter(lambda x: "proc#" not in repr(x)), min_size=2, max_size=6).map(_distinct).filter(lambda p: len(p) >= 2).flatmap(
    lambda pool: st.builds(
        Levels,
        n=st.integers(2, 3),
        pool=st.just(tuple(pool)),
        rules=st.frozensets(st.tuples(st.integers(0, len(pool) - 1), st.integers(0, len(pool) - 1)), max_size=10),
        bad=st.frozensets(st.lists(st.integers(0, len(pool) - 1), min_size=2, max_size=3).map(lambda x: tuple(sorted(x))), max_size=3),
    )
)


def orbits(m: Levels) -> int:
    """The number of orbits among the reachable states, by brute force: explore, then rename by hand."""
    keys = set()
    for s in reachable(m):
        keys.add(min(encode(FrozenMap.of({p[i]: s[q] for i, q in enumerate(m.procs)})) for p in permutations(m.procs)))
    return len(keys)


@settings(max_examples=100, deadline=None)
@given(symmetric_models)
def test_symmetry_counts_the_orbits_a_brute_force_finds(m):
    n = orbits(m)
    for exact in (False, True):
        assert check(m, properties=[], symmetry=True, exact=exact).stats.distinct == n
    plain, reduced = check(m), check(m, symmetry=True)
    assert plain.verdict == reduced.verdict
    if plain.violations:
        v = reduced.violation("Safe")
        assert v.length == plain.violation("Safe").length and not m.Safe(v.trace[-1].state)
