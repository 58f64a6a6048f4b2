"""Depth-first search: memory for one path of successor iterators instead of a whole BFS level."""

from __future__ import annotations

from .compiled import MULTI
from .derived import expanding
from .search import Search, Stop

__all__ = ["dfs"]


def dfs(search: Search) -> None:
    """Explore the same states as BFS, deepest first; traces are real but not always shortest."""
    c = search.c
    opts = search.opts
    # frames: [state, index, depth, successor iterator, successors seen]; the first initial state on top
    stack = [[t, idx, 1, None, 0] for t, idx in reversed(search.initial_states())]
    differs = c.differs
    count = 0
    frame = None
    try:
        while stack:
            frame = stack[-1]
            s, si, depth, successors, _ = frame
            search.depth = max(search.depth, depth)
            if successors is None:
                if opts.max_depth and depth >= opts.max_depth:
                    search.result.partial = f"stopped at --max-depth {opts.max_depth}"
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
            count += 1
            if not count & 511:
                search.queue = len(stack)
                search.tick()
            fp = c.fingerprint(t)
            if c.constraint is not None and not c.constraint(t):
                search.beyond(fp, si, ai, args, t)
            elif fp not in search.seen:
                idx = search.store(fp, si)
                search.new[ai] += 1
                search.check_state(si, ai, args, t)
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
