"""``@derived``: a function of the state (a refinement mapping, ``chosen``), memoized on recent states."""

from __future__ import annotations

import functools
from typing import Callable

__all__ = ["derived"]

CACHE_SIZE = 1 << 14


class derived:
    """Decorate a model method ``(self, s)``; its value is remembered for the most recent states.

    Properties ask the same question of the same state several times (Agreement, Validity and
    Stability all need ``chosen``), and a transition property asks it again of every state a step
    reaches, new or already seen. The cache is keyed by the state's value (an LRU of 16,384 states),
    so a state reached again from another predecessor is not recomputed either.
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
        cached = functools.lru_cache(maxsize=CACHE_SIZE)(functools.partial(self.fn, obj))
        obj.__dict__[self.name] = cached  # later lookups find the instance attribute directly
        return cached
