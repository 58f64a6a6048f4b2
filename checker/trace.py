"""Traces rebuilt from parent links by re-executing the model, and diagnosis of model errors."""

from __future__ import annotations

from .compiled import MULTI, Compiled, Step
from .search import Search

__all__ = ["rebuild", "diagnose"]


def _chain(search: Search, idx: int) -> list[int]:
    chain = []
    while idx >= 0:
        chain.append(idx)
        idx = search.parents[idx]
    chain.reverse()
    return chain


def _follow(c: Compiled, s, want: int):
    """The first successor of s whose fingerprint is want, as (action index, args, state)."""
    for ai, args, t in c.successors(s):
        if c.fingerprint(t) == want:
            return ai, args, t
    return None


def _step(c: Compiled, ai, args, t) -> Step:
    return Step(c.actions[ai].name, c.args_dict(ai, args), t)


def rebuild(search: Search, parent: int, ai, args, t) -> list[Step]:
    """The trace from an initial state to t, which a step (ai, args) reached from stored state parent.

    With ``ai`` None, the trace ends at stored state ``parent`` itself (or is just the initial
    state t when parent is -1).
    """
    c = search.c
    if ai is None and parent < 0:
        return [Step(None, None, t)]
    chain = _chain(search, parent)
    root = search.fps[chain[0]]
    s = next((i for i in c.inits if c.fingerprint(i) == root), None)
    if s is None:
        raise RuntimeError("no initial state matches the stored trace")
    steps = [Step(None, None, s)]
    for idx in chain[1:]:
        found = _follow(c, s, search.fps[idx])
        if found is None:
            raise RuntimeError(f"the model did not reproduce step {len(steps)}: are its actions deterministic?")
        steps.append(_step(c, *found))
        s = found[2]
    if ai is not None:
        found = _follow(c, s, c.fingerprint(t)) or (ai, args, t)
        steps.append(_step(c, *found))
    return steps


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
            arg_list = c.arg_tuples(static, dynamic, s)
        except Exception as e:
            return f"the parameter domains of action {name} raised {type(e).__name__}: {e}"
        for args in arg_list:
            label = c.label(ai, args)
            try:
                r = fn(s, *args)
                successors = list(r) if type(r) in MULTI else [] if r is None else [r]
            except Exception as e:
                return f"action {label} raised {type(e).__name__}: {e}"
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
        except Exception as e:
            return f"{what} raised {type(e).__name__} on {where}: {e}"
    return None
