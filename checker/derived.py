"""``@derived``: a function of the state (a refinement mapping, ``chosen``), memoized by fingerprint."""

from __future__ import annotations

from typing import Callable

__all__ = ["derived"]

CACHE_SIZE = 1 << 15
_MISSING = object()


class derived:
    """Decorate a model method ``(self, s, *args)``; its values are remembered for recent states.

    Properties ask the same question of the same state several times (Agreement, Validity and
    Stability all need ``chosen``), and a transition property asks it again of every state a step
    reaches, new or already seen. Values are keyed by the state's 64-bit fingerprint, as the
    search's seen-set is (a collision is as unlikely here as there), so the cache keeps no state
    alive; it holds up to 32,768 values (about one BFS level of a large model) and starts afresh
    when full. Asking again about the very same state object costs no hashing at all.
    """

    def __init__(self, fn: Callable):
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        fn = self.fn
        memo: dict = {}
        last = [None, None]  # the state asked about last, and its value

        def cached(s, *args):
            if not args and s is last[0]:
                return last[1]
            key = hash((s, *args)) if args else hash(s)
            value = memo.get(key, _MISSING)
            if value is _MISSING:
                value = fn(obj, s, *args)
                if len(memo) >= CACHE_SIZE:
                    memo.clear()
                memo[key] = value
            if not args:
                last[0], last[1] = s, value
            return value

        cached.__name__, cached.__doc__ = self.name, fn.__doc__
        obj.__dict__[self.name] = cached  # later lookups find the instance attribute directly
        return cached
