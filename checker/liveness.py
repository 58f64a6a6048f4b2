"""Liveness on an explored state graph: fair cycles and stuttering ends, found by strongly connected components.

The graph is explicit: states are numbered, each with its outgoing steps as (action instance, target). A step
to the same state is stuttering: it neither enables nor takes an action (TLA+'s <<A>>_vars). Fairness is per
action, or per action instance, with TLC's semantics on a behaviour that ends in a lasso:

- ``WF(A)``: A is taken infinitely often, or is disabled at some state the cycle visits;
- ``SF(A)``: A is taken infinitely often, or is disabled at every state the cycle visits;
- a behaviour may stop (stutter forever) in a state where no fair action is enabled.

A property fails when some fair behaviour stays in a region forever (never reaching what it must reach).
Fair components are found as TLC and Streett-automaton checkers do: take the SCCs of the region; one that
takes each fair action (or, for weak fairness, leaves it disabled somewhere; for strong fairness, everywhere)
is fair; for a strong-fairness action enabled somewhere but never taken, drop the states where it is enabled
and look again inside (Tarjan's algorithm, iterative, so deep graphs do not overflow the stack).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Sequence

from .temporal import Fair

__all__ = ["Fair", "Graph", "Lasso", "vacuous", "eventually", "leads_to", "always_eventually", "eventually_always",
           "sccs"]


@dataclass(frozen=True, slots=True)
class Graph:
    """States 0..n-1, the initial ones, and each state's steps as (action instance (name, args), target)."""

    inits: Sequence[int]
    steps: Sequence[Sequence[tuple]]  # a target of -1 is a state beyond the scope: it enables, it is never entered

    def enabled(self, s: int, fair: Fair) -> bool:
        """<<A>>_vars enabled: some step of the action leaves s (a target of -1: a state beyond the scope)."""
        return any(t != s and fair.covers(a) for a, t in self.steps[s])

    def takes(self, s: int, a: tuple, fair: Fair) -> bool:
        """Whether a step of action instance a from s is one fair is about (here: by a alone)."""
        return fair.covers(a)

    def successors(self, s: int) -> list[int]:
        """The targets of s's steps, in order (-1: beyond the scope)."""
        return [t for _, t in self.steps[s]]


@dataclass(frozen=True, slots=True)
class Lasso:
    """A fair behaviour that breaks a property: states (with the action instance into each, None for the first),
    then back to position loop_from forever; loop_from is None when it stutters forever in its last state."""

    states: tuple
    loop_from: int | None


def sccs(nodes: Iterable[int], successors: Callable[[int], Iterable[int]]) -> list[list[int]]:
    """The strongly connected components of the subgraph on nodes (Tarjan's algorithm, without recursion)."""
    inside = set(nodes)
    index, low, on_stack, stack, out, counter = {}, {}, set(), [], [], 0
    for root in sorted(inside):
        if root in index:
            continue
        work = [(root, iter([t for t in successors(root) if t in inside]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter([t for t in successors(child) if t in inside])))
                elif child in on_stack:
                    low[v] = min(low[v], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                out.append(component)
    return out


def _conditions(graph: Graph, part: set[int], fairness: Sequence[Fair]) -> list[Fair]:
    """The fairness conditions as they apply to part: one "each" condition becomes one per instance of its action
    enabled somewhere in part (an instance never enabled there asks nothing of it)."""
    out = []
    for f in fairness:
        if not f.each:
            out.append(f)
            continue
        instances = {a: None for s in part for a, t in graph.steps[s] if t != s and graph.takes(s, a, f)}
        out += [replace(f, args=a[1], each=False, where=()) for a in instances]
    return out


def _fair_parts(graph: Graph, region: set[int], fairness: Sequence[Fair], need: set[int] | None) -> list[set[int]]:
    """Sets of states in region, each strongly connected by non-stuttering steps, in which a behaviour can stay
    forever, fairly, visiting every state (and some state of need, when given)."""
    found, todo = [], [region]
    while todo:
        part = todo.pop()
        for component in sccs(part, lambda s: [t for t in graph.successors(s) if t != s]):
            c = set(component)
            if len(c) == 1 and not any(t in c and t != s for s in c for t in graph.successors(s)):
                continue  # a single state without a cycle: only stuttering, handled apart
            if need is not None and not c & need:
                continue
            moves = [(s, a) for s in c for a, t in graph.steps[s] if t in c and t != s]
            conditions = _conditions(graph, c, fairness)
            taken = {f for f in conditions if any(graph.takes(s, a, f) for s, a in moves)}
            fair, smaller = True, None
            for f in conditions:
                if f in taken:
                    continue
                enabled = {s for s in c if graph.enabled(s, f)}
                if f.kind == "WF" and enabled == c:
                    fair = False  # enabled throughout, never taken: no part of c helps either
                    break
                if f.kind == "SF" and enabled:
                    fair, smaller = False, c - enabled  # look inside, where it is never enabled
                    break
            if fair:
                found.append(c)
            elif smaller:
                todo.append(smaller)
    return found


def _stuck(graph: Graph, region: set[int], fairness: Sequence[Fair], need: set[int] | None) -> set[int]:
    """States of region where a behaviour may stutter forever: no fair action is enabled there."""
    return {s for s in region if (need is None or s in need) and not any(graph.enabled(s, f) for f in fairness)}


def _path(graph: Graph, sources: Iterable[int], targets: set[int], within: set[int] | None = None) -> list | None:
    """A shortest path (BFS) from a source to a target, through states of within: [(action, state), ...]."""
    parent: dict = {}
    queue = deque()
    for s in sources:
        if (within is None or s in within) and s not in parent:
            parent[s] = None
            queue.append(s)
    while queue:
        s = queue.popleft()
        if s in targets:
            path = []
            while s is not None:
                step = parent[s]  # (the state before, the number of its step that led here), or None
                path.append((graph.steps[step[0]][step[1]][0] if step else None, s))
                s = step[0] if step else None
            return path[::-1]
        for k, t in enumerate(graph.successors(s)):
            if t >= 0 and t not in parent and (within is None or t in within):
                parent[t] = (s, k)
                queue.append(t)
    return None


def _cycle(graph: Graph, part: set[int], fairness: Sequence[Fair], need: set[int] | None, start: int) -> list:
    """A closed walk in part from start that takes each fair action the part takes, visits a state where each
    other one is disabled, and visits need, going each time to the nearest place that does: [(action, state)]."""
    inside = [(s, a, t) for s in part for a, t in graph.steps[s] if t in part and t != s]
    wants: list = []  # ("edge", fair) or ("state", the states that will do)
    for f in _conditions(graph, part, fairness):
        if any(graph.takes(s, a, f) for s, a, _ in inside):
            wants.append(("edge", f))
        else:
            wants.append(("state", {s for s in part if not graph.enabled(s, f)}))
    if need is not None:
        wants.append(("state", part & need))
    walk = [(None, start)]

    def met(want) -> bool:
        if want[0] == "state":
            return any(s in want[1] for _, s in walk)
        return any(a is not None and t != s and graph.takes(s, a, want[1]) for (_, s), (a, t) in zip(walk, walk[1:]))

    for want in wants:
        if met(want):
            continue
        here = walk[-1][1]
        if want[0] == "state":
            walk += _path(graph, [here], want[1], part)[1:]
        else:
            edge = {s: (a, t) for s, a, t in sorted(inside, key=_order, reverse=True) if graph.takes(s, a, want[1])}
            walk += _path(graph, [here], set(edge), part)[1:]
            walk.append(edge[walk[-1][1]])
    if len(walk) == 1:  # a cycle must move: take a step first
        _, a, t = min((e for e in inside if e[0] == start), key=_order)
        walk.append((a, t))
    if walk[-1][1] != start:
        walk += _path(graph, [walk[-1][1]], {start}, part)[1:]
    return walk


def _order(edge: tuple) -> tuple:
    """Steps (s, action instance, t) in a fixed order, whatever the types of the arguments."""
    return edge[0], edge[2], repr(edge[1])


def _violation(graph: Graph, starts: set[int], region: set[int], fairness: Sequence[Fair],
               need: set[int] | None = None) -> Lasso | None:
    """A fair lasso that reaches a state of starts (from an initial state, anywhere), then stays in region forever."""
    parts = _fair_parts(graph, region, fairness, need)
    stuck = _stuck(graph, region, fairness, need)
    ends = set(stuck).union(*parts) if parts else set(stuck)
    if not ends:
        return None
    # states of region from which region leads to an end: backwards from the ends
    back: dict[int, list[int]] = {}
    for s in region:
        for t in graph.successors(s):
            if t in region:
                back.setdefault(t, []).append(s)
    doomed, queue = set(ends), deque(ends)
    while queue:
        t = queue.popleft()
        for s in back.get(t, ()):
            if s not in doomed:
                doomed.add(s)
                queue.append(s)
    entries = starts & doomed
    if not entries:
        return None
    prefix = _path(graph, graph.inits, entries)
    if prefix is None:
        return None
    rest = _path(graph, [prefix[-1][1]], ends, region)
    states = prefix + rest[1:]
    end = states[-1][1]
    if end in stuck:
        return Lasso(tuple(states), None)
    part = next(p for p in parts if end in p)
    cycle = _cycle(graph, part, fairness, need, end)
    return Lasso(tuple(states + cycle[1:]), len(states) - 1)


def reachable(graph: Graph) -> set[int]:
    """Every state reachable from an initial one."""
    return set(_breadth_first(graph))


def vacuous(graph: Graph, fairness: Sequence[Fair] = ()) -> bool:
    """Whether no fair behaviour at all starts in an initial state (every property then holds)."""
    for s in _breadth_first(graph):  # a state where a behaviour may stop: the quick answer, most often
        if not any(graph.enabled(s, f) for f in fairness):
            return False
    return eventually(graph, lambda s: False, fairness) is None


def _breadth_first(graph: Graph):
    """The states reachable from an initial one, nearest first, as they are found."""
    seen, queue = set(graph.inits), deque(graph.inits)
    while queue:
        s = queue.popleft()
        yield s
        for t in graph.successors(s):
            if t >= 0 and t not in seen:
                seen.add(t)
                queue.append(t)


def eventually(graph: Graph, p: Callable[[int], bool], fairness: Sequence[Fair] = ()) -> Lasso | None:
    """<>P: a fair behaviour from an initial state along which P never holds, or None."""
    never = {s for s in reachable(graph) if not p(s)}
    return _violation(graph, set(graph.inits) & never, never, fairness)


def leads_to(graph: Graph, p: Callable[[int], bool], q: Callable[[int], bool],
             fairness: Sequence[Fair] = ()) -> Lasso | None:
    """P ~> Q: a fair behaviour with a P state after which Q never holds, or None."""
    states = reachable(graph)
    never = {s for s in states if not q(s)}
    return _violation(graph, {s for s in never if p(s)}, never, fairness)


def always_eventually(graph: Graph, p: Callable[[int], bool], fairness: Sequence[Fair] = ()) -> Lasso | None:
    """[]<>P: a fair behaviour along which P holds only finitely often, or None."""
    return leads_to(graph, lambda s: True, p, fairness)


def eventually_always(graph: Graph, p: Callable[[int], bool], fairness: Sequence[Fair] = ()) -> Lasso | None:
    """<>[]P: a fair behaviour along which P fails infinitely often, or None."""
    states = reachable(graph)
    return _violation(graph, states, states, fairness, need={s for s in states if not p(s)})
