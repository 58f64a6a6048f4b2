"""Depth-first search: memory for one path of successor iterators instead of a whole BFS level."""

from __future__ import annotations

import time
from array import array

from .bfs import TICK
from .derived import expanding
from .search import Search, Stop

__all__ = ["dfs"]


def dfs(search: Search) -> None:
    """Explore the same states as BFS, deepest first; traces are real but not always shortest.

    Under ``--max-depth`` a state first reached by a long path may lie at the bound, unexpanded,
    while a shorter path reaches it later: as TLC and SPIN do, such a state is explored again from
    the shorter path (its parent link moves there), so every state within the bound is expanded.
    """
    c = search.c
    opts = search.opts
    bound = opts.max_depth
    roots = search.initial_states()
    # With a bound: the stored index of each fingerprint and the smallest depth it was reached at.
    index = {search.fps[idx]: idx for _, idx in roots} if bound else None
    depths = array("i", [1] * len(roots)) if bound else None
    # frames: [state, index, depth, successor iterator, successors seen]; the first initial state on top
    stack = [[t, idx, 1, None, 0] for t, idx in reversed(roots)]
    differs = c.differs
    clock = time.monotonic
    next_tick = 0.0
    frame = None
    try:
        while stack:
            frame = stack[-1]
            s, si, depth, successors, _ = frame
            search.depth = max(search.depth, depth)
            if successors is None:
                if bound and depth >= bound:
                    search.result.partial = f"stopped at --max-depth {bound}"
                    stack.pop()
                    continue
                expanding(s, search.fps[si] if differs is None else None)
                successors = frame[3] = _successors(c, s)
            step = next(successors, None)
            if step is None:
                stack.pop()
                if opts.deadlock and not frame[4] and "Deadlock" not in search.violated:
                    search.violate("Deadlock", "deadlock", si, None, None, s)
                continue
            ai, args, t = step
            frame[4] += 1
            search.generated += 1
            search.fired[ai] += 1
            if clock() >= next_tick:  # the limits and progress, a few times a second
                next_tick = clock() + TICK
                search.queue = len(stack)
                search.tick()
            fp = c.fingerprint(t)
            if c.constraint is not None and not c.constraint(t):
                search.beyond(fp, si, ai, args, t)
            elif fp not in search.seen:
                idx = search.store(fp, si)
                search.new[ai] += 1
                if bound:
                    index[fp] = idx
                    depths.append(depth + 1)
                search.check_state(si, ai, args, t)
                stack.append([t, idx, depth + 1, None, 0])
            elif bound and depth + 1 < depths[index[fp]]:  # reached again closer to the root: explore it again
                idx = index[fp]
                depths[idx] = depth + 1
                search.parents[idx] = si  # depths fall along parent links, so the links stay a tree
                stack.append([t, idx, depth + 1, None, 0])
            if c.transitions and (fp != search.fps[si] or (differs is not None and differs(s, t))):
                search.check_step(si, ai, args, s, t)  # stuttering steps satisfy [][A]_vars
    except Stop:
        search.queue = len(stack)
        raise
    except BaseException:
        if frame is not None:
            search.expanding = (frame[1], frame[0])
        raise
    search.queue = 0


def _successors(c, s):
    for ai, args, t in c.successors(s):
        if type(t) not in c.state_types:
            raise TypeError(f"bad successor of type {type(t).__name__}")
        yield ai, args, t
