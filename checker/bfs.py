"""Breadth-first search: level by level, so the first violation found has a shortest trace."""

from __future__ import annotations

import threading
import time

from .checkpoint import Mark, write
from .compiled import MULTI, SETS, lower_ticks, in_order
from .derived import expanding
from .frontier import Frontier, Spill
from .native import optional
from .search import DONE, Search, Stop
from .store import mapped

__all__ = ["bfs"]

TICK = 0.05  # seconds between two looks at the limits


Expander = optional("_expand", "Expander")  # checker/_expand.c, or None


def bfs(search: Search, native: bool = True, share=None, start: tuple | None = None) -> None:
    """Explore every state reachable within the constraint, checking properties as they appear.

    native: run the level loop in C when it is built (False: the Python loop below, its definition).
    share: given the level expansion, returns the one to use instead (checker/parallel hands levels out).
    start: (level, base) to go on from (a checkpoint, checker/checkpoint.py) instead of the initial states.
    """
    ticks = search.c.ticks
    expander = None

    def look(ticks: list) -> None:  # before an action call, when the ticker raised the flag
        ticks[0] = False
        if expander is not None:
            search.generated = expander.generated  # for the progress line
        search.tick()

    ticks[1] = look
    spill = None
    if share is None and search.opts.memory:  # the frontier spills to disk rather than outgrow the memory
        spill = Spill(search.opts.memory // 2)
        search.outside_most = outside_most(search.opts.memory)
        search.seen = mapped(search.seen, search.fps, spill.dir)  # and the seen set is the page cache's
        search.mapped = getattr(search.seen, "directory", None) is not None
    try:
        with _ticking(ticks):
            if start is None:
                level, base = [t for t, _ in search.initial_states()], 0
                search.depth = 1 if level else 0
            else:
                level, base = start
            if native and Expander is not None:
                expander = _expander(search)
                expand = lambda search, level, base, stored=None: _expand_native(  # noqa: E731
                    search, expander, level, base, stored)
            else:
                expand = _expand_level
            if share is not None:
                expand = share(expand)
            elif spill is not None:
                _bfs(search, level, _spilling(expand, spill), base)
                return
            _bfs(search, level, expand, base)
    finally:
        ticks[0], ticks[1] = False, lower_ticks
        if spill is not None:
            search.spilled = spill
            spill.close()


def _bfs(search: Search, level: list, expand, base: int = 0) -> None:
    """Level after level from level (its first state stored at index base), checkpointing if asked."""
    saving = search.opts.checkpoint
    due = time.monotonic() + search.opts.checkpoint_every
    while level:
        mark = Mark(search, base, len(level)) if saving else None
        if search.opts.max_depth and search.depth >= search.opts.max_depth:
            search.queue = len(level)
            search.result.partial = f"stopped at --max-depth {search.opts.max_depth}"
            if saving:
                _save(search, mark, level, expand)
            return
        if saving and time.monotonic() >= due:
            _save(search, mark, level, expand)
            due = time.monotonic() + search.opts.checkpoint_every
        search.queue = len(level)
        try:
            nxt = expand(search, level, base)
        except Stop:
            if saving and search.result.partial and search.result.partial != DONE:  # cut short, not by a verdict
                _save(search, mark, level, expand)
            raise
        except KeyboardInterrupt:
            if saving:
                _save(search, mark, level, expand)
            raise
        base += len(level)
        level = nxt
        if level:
            search.depth += 1
    search.queue = 0


def outside_most(memory: int) -> int:
    """How many states beyond the constraint a search under --memory remembers: a table of at most an eighth
    of the memory as it grows (checker/_store.c's, three quarters full, doubled with the old one beside)."""
    slots = 1024
    while 12 * 2 * slots <= memory // 8:
        slots *= 2
    return slots * 3 // 4


def _spilling(expand, spill: Spill):
    """The level expansion on a Frontier, chunk by chunk; the next level is a Frontier too."""

    def expand_frontier(search: Search, level, base: int) -> Frontier:
        nxt = Frontier(spill)
        at = base
        for chunk in ([level] if isinstance(level, list) else level):
            stored = len(search.fps)
            try:
                nxt.extend(expand(search, chunk, at, stored=stored))
            except Stop:  # the counts of the whole level, not of this chunk alone
                found = len(search.fps) - stored
                search.queue += len(level) - (at - base) - len(chunk) + len(nxt)
                if nxt and not found:
                    search.depth += 1
                raise
            at += len(chunk)
        if isinstance(level, Frontier):
            level.discard()
        return nxt

    return expand_frontier


def _save(search: Search, mark: Mark, level, expand) -> None:
    """Write the checkpoint of the level that mark began (its states: level, or the workers')."""
    if isinstance(level, Frontier):
        states = level.states()
    else:
        states = level if isinstance(level, list) else expand.gather(level)
    write(search.opts.checkpoint, search, mark, states, search.opts.origin)
    search.checkpointed = mark.base


class _ticking:
    """A flag (``ticks[0]``) raised every TICK seconds by a daemon thread while the search runs, so that the
    action calls read a list item, not the clock, before each call."""

    def __init__(self, ticks: list):
        self.ticks = ticks

    def __enter__(self) -> list:
        self.done = threading.Event()
        self.ticks[0] = True
        self.thread = threading.Thread(target=self._raise, daemon=True, name="concord-tick")
        self.thread.start()
        return self.ticks

    def _raise(self) -> None:
        while not self.done.wait(TICK):
            self.ticks[0] = True

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()


def _expander(search: Search):
    """checker/_expand.c's loop bound to this search: the rare events call back the search's own methods."""
    c = search.c
    max_states = search.opts.max_states or 0
    kinds = c.kinds
    step_checks = c.step_checks

    def many(r) -> list:
        if type(r) in SETS:
            return in_order(r)
        if type(r) in MULTI:
            return list(r)
        raise TypeError(f"bad successor of type {type(r).__name__}")

    def transitions(s) -> tuple:
        return tuple((n, check) for n, at in step_checks if (check := at(s)) is not None)

    def step_violation(name, si, ai, args, t) -> None:
        search.violate(name, kinds[name], si, ai, args, t)

    def limit() -> None:
        search.result.partial = f"stopped at --max-states {max_states}"
        raise Stop

    def deadlock(si, s) -> None:
        if "Deadlock" not in search.violated:
            search.violate("Deadlock", "deadlock", si, None, None, s)

    return Expander(
        plans=c.plans, fired=search.fired, new=search.new, ticks=c.ticks, fingerprint=c.fingerprint,
        seen=search.seen, fps_append=search.fps.append, parents_append=search.parents.append,
        constraint=c.constraint, invariants=tuple(c.invariants), violated=search.violated,
        state_types=c.state_types, multi=many, beyond=search.beyond, violate=search.violate,
        check_state=search.check_state, pending=search.pending_reachables,
        step_checks=transitions if step_checks else None, step_violation=step_violation, differs=c.differs,
        expanding=expanding, limit=limit, deadlock=deadlock if search.opts.deadlock else None,
        known=c.differs is None, max_states=max_states, generated=search.generated,
        ais_append=None if search.ais is None else search.ais.append, graph=search.graph,
    )


def _expand_native(search: Search, expander, level: list, base: int, stored: int | None = None) -> list:
    """_expand_level, run by checker/_expand.c."""
    try:
        keys = search.fps[base:base + len(level)]
        return expander.level(level, base, keys) if stored is None else expander.level(level, base, keys, stored)
    except Stop:
        si, nxt = expander.si, expander.nxt
        search.queue = len(level) - (si - base) - 1 + len(nxt)
        if nxt:
            search.depth += 1  # as TLC: the level of the deepest state found so far
        raise
    except BaseException:
        search.expanding = (expander.si, level[expander.si - base])
        raise
    finally:
        search.generated = expander.generated


def _expand_level(search: Search, level: list, base: int, keys=None, stored: int | None = None) -> list:
    """Generate every successor of one BFS level; returns the next level. keys: the level's stored keys
    (by default, those the search stored from index base); stored: how many states are stored (by default
    base + len(level)), for --max-states.

    The hot loop of the checker, written out by hand: locals only, no call per step beyond the
    action (made by the action's ``enabled`` comprehension), the fingerprint and the properties. On an exception, ``search.expanding`` says which
    stored state was being expanded, so the caller can diagnose it.
    """
    c = search.c
    fingerprint = c.fingerprint
    constraint = c.constraint
    invariants = c.invariants
    step_checks = c.step_checks
    differs = c.differs
    known = differs is None  # a stored fingerprint is the state's identity key
    kinds = c.kinds
    actions = c.enabled
    state_types = c.state_types
    seen = search.seen
    seen_add = seen.add
    fps_append = search.fps.append
    if keys is None:
        keys = search.fps[base:base + len(level)]
    parents_append = search.parents.append
    ais_append = None if search.ais is None else search.ais.append
    graph = search.graph  # for liveness: every step is recorded, with its target's number
    index = graph.index if graph is not None else None
    names = [act.name for act in c.actions]
    fired = search.fired
    new = search.new
    violated = search.violated
    max_states = search.opts.max_states or 0
    deadlock = search.opts.deadlock
    if stored is None:
        stored = base + len(level)
    generated = search.generated
    nxt = []
    nxt_append = nxt.append
    s = None
    si = -1
    try:
        for k, s in enumerate(level):
            si = base + k
            sfp = keys[k]
            before = generated
            expanding(s, sfp if known else None)
            if graph is not None:
                graph.expand(si)
            if step_checks:
                transitions = [(n, check) for n, at in step_checks if (check := at(s)) is not None]
            else:
                transitions = ()
            search.generated = generated  # for the progress line the ticks may print
            for ai, enabled in actions:
                for args, r in enabled(s):
                    if type(r) in state_types:
                        r = (r,)
                    elif type(r) in MULTI:
                        r = in_order(r) if type(r) in SETS else tuple(r)
                    else:
                        raise TypeError(f"bad successor of type {type(r).__name__}")
                    generated += len(r)
                    fired[ai] += len(r)
                    for t in r:
                        if t is s:  # a stutter: nothing new, nothing to check
                            if graph is not None:
                                graph.step(names[ai], args, si)
                            continue
                        fp = fingerprint(t)
                        if fp in seen:  # every stored state satisfied the constraint: no need to ask again
                            if graph is not None:
                                graph.step(names[ai], args, index[fp])
                        elif constraint is not None and not constraint(t):
                            search.generated = generated
                            search.beyond(fp, si, ai, args, t)
                            if graph is not None:
                                graph.step(names[ai], args, -1)
                        else:
                            seen_add(fp)
                            fps_append(fp)
                            parents_append(si)
                            new[ai] += 1
                            nxt_append(t)
                            if ais_append is not None:
                                ais_append(ai)
                            if graph is not None:
                                graph.state(fp, len(search.fps) - 1, t)
                                graph.step(names[ai], args, len(search.fps) - 1)
                            stored += 1
                            for name, pred in invariants:
                                if not pred(t) and name not in violated:
                                    search.generated = generated
                                    search.violate(name, "invariant", si, ai, args, t)
                            if search.pending_reachables:
                                search.generated = generated
                                search.check_state(si, ai, args, t)
                            if max_states and stored >= max_states:
                                search.result.partial = f"stopped at --max-states {max_states}"
                                raise Stop
                        if transitions and (fp != sfp or (differs is not None and differs(s, t))):  # stuttering steps satisfy [][A]_vars
                            for name, check in transitions:
                                if not check(t) and name not in violated:
                                    search.generated = generated
                                    search.violate(name, kinds[name], si, ai, args, t)
            if deadlock and generated == before and "Deadlock" not in violated:
                search.generated = generated
                search.violate("Deadlock", "deadlock", si, None, None, s)
    except Stop:
        search.queue = len(level) - (si - base) - 1 + len(nxt)
        if nxt:
            search.depth += 1  # as TLC: the level of the deepest state found so far
        raise
    except BaseException:
        search.expanding = (si, s)
        raise
    finally:
        search.generated = generated
    return nxt
