"""Liveness in a check: the temporal properties and fairness of a model bound to it, the recorded state graph
judged by checker.liveness, and each lasso found rebuilt as a trace, replayed and judged again on its own."""

from __future__ import annotations

from dataclasses import replace
from itertools import product

from .compiled import Compiled, Step
from .graph import Recorder
from .liveness import Lasso, always_eventually, eventually, eventually_always, leads_to
from .model import ModelError
from .result import Violation
from .temporal import Fair, Fairness
from .trace import TraceError

__all__ = ["Plan", "plan", "judge", "verify_lasso", "UNSUPPORTED"]

# What a liveness check needs the search to be: one process, every state kept with its steps.
UNSUPPORTED = {
    "workers": "several workers",
    "cluster": "a cluster",
    "symmetry": "symmetry (TLC's liveness under symmetry is unsound; so would ours be)",
    "bitstate": "bitstate (states may be missed)",
    "checkpoint": "checkpoints (the graph is not written)",
    "dfs": "DFS",
    "simulate": "simulation",
}


class Instance:
    """One temporal property with its parameters drawn: what is judged, and where its marks are."""

    __slots__ = ("prop", "params", "mark")

    def __init__(self, prop, params: dict, mark: int):
        self.prop, self.params, self.mark = prop, params, mark

    @property
    def label(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.params.items())


class Plan:
    """The temporal properties of a run (one Instance per parameter tuple), their mark functions, the fairness."""

    __slots__ = ("instances", "mark_fns", "fairness")

    def __init__(self, instances, mark_fns, fairness):
        self.instances, self.mark_fns, self.fairness = instances, mark_fns, fairness

    def recorder(self, names: list[str]) -> Recorder:
        return Recorder(self.mark_fns, names)


def plan(c: Compiled, fairness: list | None = None) -> Plan | None:
    """Bind the run's temporal properties (None if it has none) and fairness: the model's own unless given
    (a list of checker.temporal's WF/SF, or of Fair). ModelError names a bad declaration."""
    temporal = [p for p in c.properties if p.kind == "liveness"]
    if not temporal:
        return None
    model, name = c.model, type(c.model).__name__
    instances, fns = [], []
    for p in temporal:
        fn = p.fn.__get__(model, type(model))
        domains = [_domain(model, name, p, k, d) for k, d in p.domains.items()]
        for values in product(*domains):
            params = dict(zip(p.domains, values))
            pred = _pred(fn, p.form, params)
            instances.append(Instance(p, params, len(fns)))
            fns.append(pred)
    declared = model.fairness if fairness is None else fairness
    if callable(declared):
        declared = declared()
    return Plan(instances, fns, bind_fairness(c, declared, fns))


def bind_fairness(c: Compiled, declared, marks: list) -> list[Fair]:
    """Each declared condition bound to the model's actions (Fair as it is, Fairness checked against them); a
    condition's ``when`` predicate becomes one more mark (appended to marks)."""
    name = type(c.model).__name__
    params = {act.name: c.param_names[i] for i, act in enumerate(c.actions)}

    def domain(action, param):
        ai = c.action_index(action)
        static = c.calls[ai][2]
        return None if static is None else {args[c.param_names[ai].index(param)] for args in static}

    out = []
    for f in declared:
        if isinstance(f, Fair):
            out.append(f)
        elif isinstance(f, Fairness):
            when = -1
            if f.when:
                test = getattr(c.model, f.when, None)
                if not callable(test):
                    raise ModelError(f"{name}: fairness {f}: the model has no method {f.when!r} (self, s) -> bool")
                when = len(marks)
                marks.append(lambda t, test=test: 1 if test(t) else 0)
            out.append(f.bind(name, params, domain, when))
        else:
            raise ModelError(f"{name}: fairness must be WF(...) or SF(...) conditions, not {f!r}")
    return out


def _domain(model, name: str, p, param: str, d) -> tuple:
    if isinstance(d, str):
        if not hasattr(model, d):
            raise ModelError(f"{name}.{p.name}: parameter {param!r}: the model has no attribute {d!r}")
        d = getattr(model, d)
    if callable(d) or isinstance(d, (str, bytes)):
        raise ModelError(f"{name}.{p.name}: parameter {param!r}: a temporal property's domain is a fixed "
                         "collection (a model attribute), not a function of the state")
    return tuple(sorted(d, key=repr)) if isinstance(d, (set, frozenset)) else tuple(d)


def _pred(fn, form: str, params: dict):
    """state -> its mark: bit 0 for P, and for leads_to bit 1 for Q."""
    if form == "leads_to":
        def mark(t):
            p, q = fn(t, **params)
            return bool(p) | bool(q) << 1
    else:
        def mark(t):
            return 1 if fn(t, **params) else 0
    return mark


def judge(c: Compiled, pl: Plan, graph, fps) -> list[Violation]:
    """Each property instance on the graph; a violation per property (its first instance that fails), with its
    lasso replayed on the model and judged again (TraceError if it does not show what it claims)."""
    out, failed = [], set()
    for inst in pl.instances:
        if inst.prop.name in failed:
            continue
        marks = graph.marks[inst.mark]
        form = inst.prop.form
        if form == "leads_to":
            lasso = leads_to(graph, lambda s: marks[s] & 1, lambda s: marks[s] & 2, pl.fairness)
        else:
            search = {"eventually": eventually, "always_eventually": always_eventually,
                      "eventually_always": eventually_always}[form]
            lasso = search(graph, lambda s: marks[s] & 1, pl.fairness)
        if lasso is None:
            continue
        trace = rebuild_lasso(c, lasso, fps)
        verify_lasso(c, trace, lasso.loop_from, form, pl.mark_fns[inst.mark], pl.fairness, pl.mark_fns)
        v = Violation(inst.prop.name, "liveness", inst.prop.doc, trace)
        v.loop_from, v.instance, v.form = lasso.loop_from, inst.label, form
        out.append(v)
        failed.add(inst.prop.name)
    return out


def rebuild_lasso(c: Compiled, lasso: Lasso, fps) -> list[Step]:
    """The lasso's states, made again by running the model from an initial state, step by step."""
    first = fps[lasso.states[0][1]]
    s = next((i for i in c.inits if c.fingerprint(i) == first), None)
    if s is None:
        raise TraceError("no initial state matches the lasso")
    steps = [Step(None, None, s)]
    for (name, args), number in lasso.states[1:]:
        ai = c.action_index(name)
        want = fps[number]
        t = next((u for u in c.apply(ai, args, s) if c.fingerprint(u) == want), None)
        if t is None:
            raise TraceError(f"the model did not reproduce step {len(steps)} ({c.label(ai, args)})")
        steps.append(Step(name, c.args_dict(ai, args), t))
        s = t
    return steps


def verify_lasso(c: Compiled, trace: list[Step], loop_from: int | None, form: str, mark, fairness,
                 mark_fns: list = ()) -> None:
    """Judge a lasso on its own, from the model alone: it closes, it is fair, and it breaks the property.

    The trace has already been replayed (each step is the model's); here: with loop_from, the last state is
    the state at loop_from again; the behaviour that repeats the cycle forever (or stutters forever in the
    last state) satisfies every fairness condition, enabledness computed by running the actions (a
    condition's ``when``, mark_fns[when], computed again on the state); and the property, computed again on
    each state, fails on it.
    """
    key = c.fingerprint
    states = [step.state for step in trace]
    if loop_from is not None:
        if not 0 <= loop_from < len(states) - 1 or key(states[loop_from]) != key(states[-1]):
            raise TraceError("the lasso does not close: its last state is not the one it loops back to")
        cycle = states[loop_from:-1]
        moves = [(s, (st.action, _args(c, st))) for s, t, st in zip(states[loop_from:], states[loop_from + 1:],
                                                                   trace[loop_from + 1:]) if key(s) != key(t)]
    else:
        cycle, moves = states[-1:], []
    enabled = [(s, _enabled(c, s)) for s in cycle]

    def on(f, s) -> bool:
        return f.when < 0 or bool(mark_fns[f.when](s))

    for f in _expand(fairness, enabled, on):
        if any(f.covers(a) and on(f, s) for s, a in moves):
            continue
        enabled_at = [on(f, s) and any(f.covers(a) for a in e) for s, e in enabled]
        if (f.kind == "WF" and all(enabled_at)) or (f.kind == "SF" and any(enabled_at)):
            raise TraceError(f"the lasso is not fair: {f} is {'always' if f.kind == 'WF' else 'again and again'} "
                             "enabled on it and never taken")
    marks = [mark(s) for s in states]
    start = len(states) - 1 if loop_from is None else loop_from
    forever = marks[start:]
    if form == "eventually":
        broken = not any(m & 1 for m in marks)
    elif form == "leads_to":
        broken = any(m & 1 and not any(n & 2 for n in marks[min(i, start):]) for i, m in enumerate(marks))
    elif form == "always_eventually":
        broken = not any(m & 1 for m in forever)
    else:
        broken = any(not m & 1 for m in forever)
    if not broken:
        raise TraceError(f"the lasso does not break the property ({form})")


def _args(c: Compiled, step: Step) -> tuple:
    return tuple(step.args[p] for p in c.param_names[c.action_index(step.action)])


def _enabled(c: Compiled, s) -> set:
    """The action instances (name, args) with a step out of s that changes it (beyond the constraint too)."""
    here = c.fingerprint(s)
    return {(c.actions[ai].name, args) for ai, args, t in c.successors(s) if c.fingerprint(t) != here}


def _expand(fairness, enabled: list, on) -> list[Fair]:
    """Each "each" condition as one condition per instance enabled on the cycle (where its when holds)."""
    out = []
    for f in fairness:
        if f.each:
            instances = sorted({a for s, e in enabled if on(f, s) for a in e if f.covers(a)}, key=repr)
            out += [replace(f, args=a[1], each=False, where=()) for a in instances]
        else:
            out.append(f)
    return out
