"""The state graph of a small model in Graphviz: states as nodes, actions as edges, violations in red."""

from __future__ import annotations

from collections import deque

import graphviz

from ..check import check
from ..compiled import Compiled
from ..diff import fields, fmt
from ..model import ModelError
from ..trace import diagnose
from .msc import BOLD, FONT, RED

__all__ = ["state_graph", "TooManyStates", "MAX_STATES"]

MAX_STATES = 2000
SHORT = 40  # characters of a field shown in a node; the tooltip has the whole state


class TooManyStates(Exception):
    """The model has more reachable states than a picture can show."""


def state_graph(compiled: Compiled, max_states: int = MAX_STATES) -> graphviz.Digraph:
    """Every reachable state (those beyond the constraint dashed, not explored) and every step between two
    different states; initial states have an incoming arrow, states that break an invariant and steps
    that break a transition property are red, and the first counterexample the checker reports is bold."""
    states, edges, outside = _explore(compiled, max_states)
    index = {compiled.fingerprint(s): i for i, s in enumerate(states)}
    result = check(compiled.model, properties=[p.name for p in compiled.properties])
    if result.error:
        raise ModelError(result.error.splitlines()[0])
    violations = result.violations
    trace = [index[compiled.fingerprint(step.state)] for step in violations[0].trace] if violations else []
    title = f"{compiled.name}: {len(states)} states" + (f", {len(outside)} beyond the constraint (dashed)" if outside else "")
    title += f"; bold: {violations[0].property} violated" if trace else ""
    graph = graphviz.Digraph("states", graph_attr={"label": graphviz.escape(title), "labelloc": "t", "fontname": BOLD},
                             node_attr={"fontname": FONT, "fontsize": "9", "shape": "box"},
                             edge_attr={"fontname": FONT, "fontsize": "8"})
    inits = {index[compiled.fingerprint(s)] for s in compiled.inits}
    for i, s in enumerate(states):
        bad = any(not holds(s) for _, holds in compiled.invariants)
        graph.node(f"s{i}", graphviz.escape(_label(s)), tooltip=graphviz.escape(fmt(s)), color=RED if bad else "grey30",
                   fillcolor="#fbd5d5" if bad else "white", penwidth="2" if bad or i in inits else "1",
                   style="rounded,filled,dashed" if i in outside else "rounded,filled")
        if i in inits:
            graph.node(f"init{i}", "", shape="point", width="0.08")
            graph.edge(f"init{i}", f"s{i}")
    path = set(zip(trace, trace[1:]))
    for (i, j), labels in edges.items():
        bad = any(not holds(states[i], states[j]) for _, holds in compiled.transitions)
        graph.edge(f"s{i}", f"s{j}", graphviz.escape("\n".join(labels)), color=RED if bad else "black",
                   fontcolor=RED if bad else "grey25", penwidth="3" if (i, j) in path else "1")
    return graph


def _explore(compiled: Compiled, max_states: int) -> tuple[list, dict, set]:
    """Breadth-first: the distinct states, the labelled steps between them, and the states beyond the constraint.

    An error inside the model, or a successor that is not a state, is a ModelError saying which action
    on which state, as check says it."""
    expanding = [None]
    try:
        return _breadth_first(compiled, max_states, expanding)
    except TooManyStates:
        raise
    except Exception as e:
        raise ModelError(f"{compiled.name}: {diagnose(compiled, expanding[0], e)}") from e


def _breadth_first(compiled: Compiled, max_states: int, expanding: list) -> tuple[list, dict, set]:
    states: list = []
    index: dict = {}
    outside: set = set()

    def visit(s) -> int:
        fp = compiled.fingerprint(s)
        if fp not in index:
            if len(states) == max_states:
                raise TooManyStates(f"{compiled.name} has more than {max_states:,} reachable states; draw a smaller "
                                    "scope (--set NAME=VALUE) or raise --max-states")
            index[fp] = len(states)
            states.append(s)
            if compiled.constraint is not None and not compiled.constraint(s):
                outside.add(index[fp])
            else:
                queue.append(index[fp])
        return index[fp]

    queue: deque = deque()
    for s in compiled.inits:
        visit(s)
    edges: dict = {}
    while queue:
        i = queue.popleft()
        expanding[0] = states[i]
        for ai, args, t in compiled.successors(states[i]):
            if type(t) not in compiled.state_types:
                raise TypeError(f"bad successor of type {type(t).__name__}")
            j = visit(t)
            if j != i:
                edges.setdefault((i, j), []).append(compiled.label(ai, args))
    return states, edges, outside


def _label(state) -> str:
    """A state in a few lines, one per field, long values cut short."""
    lines = []
    for name, value in fields(state):
        text = fmt(value)
        lines.append(f"{name} = {text if len(text) <= SHORT else text[:SHORT - 1] + '…'}")
    return "\n".join(lines)
