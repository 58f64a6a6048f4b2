"""Random simulation: walks from the initial states, each step a successor drawn at random, every state checked.

For bugs deeper than exhaustive search reaches (TLC's -simulate). Each walk starts at an initial state
and takes at most ``max_depth`` steps (default DEPTH) within the constraint, until a violation, a state
with no successor, or the limits (``traces`` walks, ``time_limit``, ``max_states``; WALKS walks when none
of them is given, so that a run always ends). A walk is a *swarm* member (Groce et
al., "Swarm Testing", ISSTA 2012): it draws the subset of actions it may take (each with probability
one half), so that some walks leave out, say, timeouts or message loss for long stretches, as no single
uniform walk would. Each step prefers successors not visited yet, and half the walks start from a
visited state (a uniform sample of them) rather than an initial one, so walks spread over the state space
instead of retracing its first steps. Visited states are stored like the exhaustive searches store them
(fingerprint, and the state they were reached from by the fewest steps seen), so a violation's trace is
rebuilt and replayed as theirs are; then ``shorten`` removes steps (delta debugging over the action
sequence) while the property still fails.
A simulation never proves anything: without a violation its verdict is partial.
"""

from __future__ import annotations

import random
import time
from array import array

from .compiled import Compiled, Step
from .search import Search

__all__ = ["simulate", "shorten", "DEPTH", "WALKS"]

DEPTH = 100  # steps per walk unless max_depth says otherwise
WALKS = 10_000  # walks unless traces, a time limit or a state limit bounds the run
POOL = 50_000  # visited states kept as starting points (a uniform sample)


def simulate(search: Search) -> None:
    """Random walks until a violation (the first, or every property's with stop_at_first off) or the limits."""
    c = search.c
    opts = search.opts
    depth = opts.max_depth or DEPTH
    rng = random.Random(opts.seed)
    starts = search.initial_states()  # stored and checked: [(state, index)]
    index = {search.fps[i]: i for _, i in starts}  # fingerprint -> stored index, for every state visited
    names = [a.name for a in c.actions]
    most = opts.traces or (None if opts.time_limit or opts.max_states else WALKS)
    walks = 0
    pool: list = []  # visited states a walk may start from, besides the initial ones
    dist = array("i", [0] * len(search.fps))  # per stored state, the fewest steps known from an initial state
    try:
        while starts and (most is None or walks < most):
            walks += 1
            allowed = [rng.random() < 0.5 for _ in names]
            if not any(allowed):
                allowed[rng.randrange(len(names))] = True
            s, si = rng.choice(pool) if pool and rng.random() < 0.5 else rng.choice(starts)
            for step in range(depth):
                if not step & 63:
                    search.tick()
                moves = _moves(search, s, si)
                if not moves:
                    if opts.deadlock and "Deadlock" not in search.violated:
                        search.violate("Deadlock", "deadlock", si, None, None, s)
                    break
                mine = [m for m in moves if allowed[m[0]]] or moves
                new = [m for m in mine if m[3] not in index]  # states not visited yet first
                ai, args, t, fp = rng.choice(new or mine)
                for name, at in c.step_checks:
                    check = at(s)
                    if check is not None and not check(t) and name not in search.violated:
                        search.violate(name, c.kinds[name], si, ai, args, t)
                ti = index.get(fp)
                if ti is not None and dist[si] + 1 < dist[ti]:  # a shorter way to a known state: traces take it
                    search.parents[ti], dist[ti] = si, dist[si] + 1
                if ti is None:
                    ti = index[fp] = search.store(fp, si)
                    dist.append(dist[si] + 1)
                    search.depth = max(search.depth, step + 2)
                    search.check_state(si, ai, args, t)
                    if len(pool) < POOL:  # a uniform sample of the states visited (reservoir sampling)
                        pool.append((t, ti))
                    elif (r := rng.randrange(len(index))) < POOL:
                        pool[r] = (t, ti)
                s, si = t, ti
    finally:
        search.queue = 0
        search.walks = walks
        search.result.partial = search.result.partial or (
            f"simulation: {walks:,} random walks of at most {depth} steps visited {len(search.fps):,} distinct states; "
            "not exhaustive")


def _moves(search: Search, s, si: int) -> list:
    """The successors of s within the constraint, as (action index, args, state, fingerprint); those beyond
    it are checked once, as the exhaustive searches check them."""
    c = search.c
    moves = []
    search.expanding = (si, s)  # for the diagnosis of an error inside the model
    for ai, enabled in c.enabled:
        for args, r in enabled(s):
            for t in c.outcomes(r):
                search.generated += 1
                search.fired[ai] += 1
                if t is s:  # a stutter goes nowhere
                    continue
                fp = c.fingerprint(t)
                if c.constraint is not None and not c.constraint(t):
                    search.beyond(fp, si, ai, args, t)
                else:
                    moves.append((ai, args, t, fp))
    return moves


def shorten(c: Compiled, trace: list[Step], kind: str, name: str, seconds: float = 60.0) -> list[Step]:
    """A shorter trace to the same property's violation: steps are removed, in chunks then one by one (delta
    debugging), while the rest still replays within the constraint and still breaks the property; the first
    state that breaks it ends the trace. The result is 1-minimal (no single step can go), not always the
    shortest. Returns trace itself when nothing can be removed (or for a deadlock)."""
    if kind not in ("invariant", "transition", "refinement") or len(trace) < 2:
        return trace
    deadline = time.monotonic() + seconds
    first = trace[0].state
    params = {a.name: i for i, a in enumerate(c.actions)}
    moves = [(params[st.action], tuple(st.args.values())) for st in trace[1:]]
    best = _replay(c, first, moves, kind, name)
    if best is None:
        return trace
    n = 2
    while len(best) >= 2 and time.monotonic() < deadline:
        chunk = -(-len(best) // n)
        for at in range(0, len(best), chunk):
            found = _replay(c, first, best[:at] + best[at + chunk:], kind, name)
            if found is not None:
                best, n = found, max(n - 1, 2)
                break
        else:
            if chunk == 1:
                break
            n = min(n * 2, len(best))
    steps = [Step(None, None, first)]
    s = first
    for ai, args in best:
        s = _next(c, s, ai, args)
        steps.append(Step(c.actions[ai].name, c.args_dict(ai, args), s))
    return steps


def _next(c: Compiled, s, ai: int, args: tuple):
    """The first successor of s by action ai with args (drawn from its domains at s) within the constraint, or None."""
    enabled = c.enabled[ai][1]
    for a, r in enabled(s):
        if a == args:
            for t in c.outcomes(r):
                if c.constraint is None or c.constraint(t):
                    return t
    return None


def _replay(c: Compiled, s, moves: list, kind: str, name: str) -> list | None:
    """The prefix of moves that replays from s and ends at the first violation of property name; None if the
    moves do not replay or never break it."""
    if kind == "invariant":
        pred = dict(c.invariants)[name]
    else:
        pred = dict(c.transitions)[name]
    for k, (ai, args) in enumerate(moves):
        try:
            t = _next(c, s, ai, args)
        except Exception:  # a step out of its context may break the model's own assumptions
            return None
        if t is None:
            return None
        broken = not pred(t) if kind == "invariant" else not pred(s, t)
        if broken:
            return moves[:k + 1]
        s = t
    return None
