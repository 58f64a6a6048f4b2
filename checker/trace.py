"""Traces rebuilt from parent links by re-executing the model, and diagnosis of model errors."""

from __future__ import annotations

from .compiled import Compiled, Step
from .search import Search

__all__ = ["rebuild", "verify", "diagnose", "TraceError"]


class TraceError(Exception):
    """A trace could not be rebuilt, or does not show what it should: a bug to report, never printed as a counterexample."""


def _chain(search: Search, idx: int) -> list[int]:
    chain = []
    while idx >= 0:
        chain.append(idx)
        idx = search.parents[idx]
    chain.reverse()
    return chain


def _follow(c: Compiled, s, want):
    """The first successor of s whose fingerprint is want, as (action index, args, state).

    The search stored the first such successor it met while expanding s, and successors come in
    the same order every time, so this is the very state the search stored, even under symmetry.
    """
    for ai, args, t in c.successors(s):
        if c.fingerprint(t) == want:
            return ai, args, t
    return None


def _step(c: Compiled, ai, args, t) -> Step:
    return Step(c.actions[ai].name, c.args_dict(ai, args), t)


def rebuild(search: Search, parent: int, ai, args, t) -> list[Step]:
    """The trace from an initial state to t, which a step (ai, args) reached from stored state parent.

    With ``ai`` None, the trace ends at stored state ``parent`` itself (or is just the initial
    state t when parent is -1). The last step is the one the search took (action ai with args, to a
    state identical to t), not merely some step to a state with t's fingerprint: under symmetry a
    sibling step reaches an equivalent state that may not break a transition property.
    Raises TraceError when the model does not reproduce the stored path.
    """
    c = search.c
    if ai is None and parent < 0:
        return [Step(None, None, t)]
    chain = _chain(search, parent)
    root = search.fps[chain[0]]
    s = next((i for i in c.inits if c.fingerprint(i) == root), None)
    if s is None:
        raise TraceError("no initial state matches the stored trace")
    steps = [Step(None, None, s)]
    for idx in chain[1:]:
        found = _follow(c, s, search.fps[idx])
        if found is None:
            raise TraceError(f"the model did not reproduce step {len(steps)}: are its actions deterministic?")
        steps.append(_step(c, *found))
        s = found[2]
    if ai is not None:
        want = c.identity(t)
        same = [u for u in c.apply(ai, args, s) if c.identity(u) == want]
        if not same:
            raise TraceError(f"the model did not reproduce step {len(steps)} ({c.label(ai, args)}): are its actions deterministic?")
        steps.append(_step(c, ai, args, same[0]))
    return steps


def verify(c: Compiled, trace: list[Step], kind: str | None, name: str | None) -> None:
    """Replay a trace on the model and check that it shows what it claims; raises TraceError if not.

    The first state is initial, each step's action with its arguments (drawn from its domains)
    leads from one state to the next, every state but the last lies within the constraint, and
    the last step breaks property name of the given kind (``reachable``: reaches it; ``deadlock``:
    ends where no action is enabled; None: an error trace, nothing more to check).
    """
    if not trace:
        raise TraceError("the trace is empty")
    identity = c.identity
    if identity(trace[0].state) not in {identity(i) for i in c.inits}:
        raise TraceError("its first state is not an initial state")
    for i in range(1, len(trace)):
        s, step = trace[i - 1].state, trace[i]
        if c.constraint is not None and not c.constraint(s):
            raise TraceError(f"state {i - 1} lies beyond the constraint, so the search never left it")
        ai = c.action_index(step.action)
        args = tuple(step.args[p] for p in c.param_names[ai])
        _, _, static, dynamic = c.calls[ai]
        if identity(args) not in {identity(a) for a in c.arg_tuples(static, dynamic, s)}:
            raise TraceError(f"step {i} ({step.label}) draws arguments from outside the action's domains")
        want = identity(step.state)
        if not any(identity(u) == want for u in c.apply(ai, args, s)):
            raise TraceError(f"step {i} ({step.label}) does not lead to the state the trace shows next")
    if kind is None:
        return
    last = trace[-1].state
    prev = trace[-2].state if len(trace) > 1 else None
    if kind == "deadlock":
        if next(iter(c.successors(last)), None) is not None:
            raise TraceError("its last state has a successor, so it is no deadlock")
        return
    if kind == "reachable":
        pred = dict(c.reachables)[name]
        if not pred(last):
            raise TraceError(f"its last state does not satisfy {name}")
        return
    if kind == "invariant":
        if dict(c.invariants)[name](last):
            raise TraceError(f"{name} holds in its last state")
        return
    if prev is None:  # a refinement property broken by an initial state
        if dict(c.initial_checks)[name](last):
            raise TraceError(f"{name} holds in its initial state")
        return
    if identity(prev) == identity(last):
        raise TraceError("its last step changes nothing, and a stuttering step satisfies every transition property")
    if dict(c.transitions)[name](prev, last):
        raise TraceError(f"{name} holds on its last step")


def diagnose(c: Compiled, s, exc: BaseException) -> str:
    """Find which action or property failed on state s (None: the initial states), in words."""
    if s is None:
        for t in c.inits:
            problem = _check_successor(c, None, "the initial state", t)
            if problem:
                return problem
        return f"{type(exc).__name__}: {exc}"
    for ai, fn, static, dynamic in c.calls:
        name = c.actions[ai].name
        try:
            arg_list = list(c.arg_tuples(static, dynamic, s))
        except (Exception, SystemExit) as e:
            return f"the parameter domains of action {name} {_raised(e)}"
        for args in arg_list:
            label = c.label(ai, args)
            try:
                r = fn(s, *args)
                successors = c.outcomes(r)
            except (Exception, SystemExit) as e:
                return f"action {label} {_raised(e)}"
            for t in successors:
                problem = _check_successor(c, s, f"the state after {label}", t, label)
                if problem:
                    return problem
    return f"{type(exc).__name__}: {exc}"


def _check_successor(c: Compiled, s, where: str, t, label: str | None = None) -> str | None:
    if label and type(t) not in c.state_types:
        return (
            f"action {label} returned a {type(t).__name__} ({t!r:.60}), not a state: "
            "return a state, a list of states, or None when disabled"
        )
    try:
        c.fingerprint(t)
    except (TypeError, ValueError) as e:
        return f"{where} cannot be stored: {e}"
    checks = [(f"invariant {n}", p, (t,)) for n, p in c.invariants]
    checks += [(f"reachable {n}", p, (t,)) for n, p in c.reachables]
    if s is not None:
        checks += [(f"{c.kinds[n]} property {n}", p, (s, t)) for n, p in c.transitions]
    else:
        checks += [(f"{c.kinds[n]} property {n}", p, (t,)) for n, p in c.initial_checks]
    if c.constraint is not None:
        checks.append(("the constraint", c.constraint, (t,)))
    for what, pred, args in checks:
        try:
            pred(*args)
        except (Exception, SystemExit) as e:
            return f"{what} {_raised(e, f' on {where}')}"
    return None


def _raised(e: BaseException, where: str = "") -> str:
    """``raised KeyError on the state after X: 'k'``, or ``called sys.exit(0)``, as diagnosis words."""
    if isinstance(e, SystemExit):
        return f"called sys.exit({e.code!r}){where}"
    return f"raised {type(e).__name__}{where}: {e}"
