"""Steps and traces as indices, so they cross from one process to another without pickling a state: which
initial state, and per step which action, which of its argument tuples, which of the call's successors."""

from __future__ import annotations

from ..compiled import Compiled, Step

__all__ = ["locate", "redo", "recipe", "cook"]


def locate(c: Compiled, s, ai: int, args: tuple, t) -> tuple[int, int]:
    """(k, j): args is the k-th argument tuple of action ai at s, and t the j-th successor of that call."""
    _, _, static, dynamic = c.calls[ai]
    want = c.identity(args)
    k = next(i for i, a in enumerate(c.arg_tuples(static, dynamic, s)) if c.identity(a) == want)
    tid = c.identity(t)
    j = next(i for i, u in enumerate(c.apply(ai, args, s)) if c.identity(u) == tid)
    return k, j


def redo(c: Compiled, s, ai: int, k: int, j: int) -> tuple:
    """(args, t) of the step locate named (ai, k, j) from s."""
    _, _, static, dynamic = c.calls[ai]
    args = list(c.arg_tuples(static, dynamic, s))[k]
    return args, c.apply(ai, args, s)[j]


def recipe(c: Compiled, trace: list[Step]) -> tuple:
    """A trace as (index of its initial state, ((ai, k, j), ...))."""
    first = c.identity(trace[0].state)
    start = next(i for i, s in enumerate(c.inits) if c.identity(s) == first)
    steps = []
    for before, step in zip(trace, trace[1:]):
        ai = c.action_index(step.action)
        args = tuple(step.args[p] for p in c.param_names[ai])
        steps.append((ai, *locate(c, before.state, ai, args, step.state)))
    return start, tuple(steps)


def cook(c: Compiled, made: tuple) -> list[Step]:
    """The trace a recipe names, redone on the model."""
    start, steps = made
    s = c.inits[start]
    trace = [Step(None, None, s)]
    for ai, k, j in steps:
        args, s = redo(c, s, ai, k, j)
        trace.append(Step(c.actions[ai].name, c.args_dict(ai, args), s))
    return trace
