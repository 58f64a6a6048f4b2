"""``@derived``: a function of the state (a refinement mapping, ``chosen``), memoized by state identity."""

from __future__ import annotations

from typing import Callable

from .fingerprint import fingerprint

__all__ = ["derived", "expanding"]

CACHE_SIZE = 1 << 15
_MISSING = object()


class derived:
    """Decorate a model method ``(self, s, *args)``; its values are remembered for recent states.

    Properties ask the same question of the same state several times (Agreement, Validity and
    Stability all need ``chosen``), and a transition property asks it again of every state a step
    reaches, new or already seen. Values are keyed by the state's identity as the search knows it
    (its 64-bit fingerprint, or its whole encoding under ``exact``) and the arguments' identity, so
    states that Python finds equal but that differ in type (``(1,)`` and ``(True,)``) never share a
    value. The cache keeps no state alive but the last one asked about; it holds up to 32,768 values
    (about one BFS level of a large model) and starts afresh when full. Asking again about the very
    same state object, from this or another @derived, costs no hashing at all.
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
        key_of = obj.__dict__.get("_concord_state_key", fingerprint)
        memo: dict = {}
        last = [None, _MISSING]  # the state asked about last, and its value without arguments
        state_key = _last_keys.setdefault(key_of, [None, None])  # shared: several @derived ask about one state
        expanding = _expanding

        def cached(s, *args):
            if s is last[0]:
                if not args and last[1] is not _MISSING:
                    return last[1]
            else:
                last[0], last[1] = s, _MISSING
            if s is state_key[0]:
                skey = state_key[1]
            elif s is expanding[0]:
                skey = expanding[1]
                if skey is None:
                    skey = expanding[1] = key_of(s)
            else:
                skey = key_of(s)
                state_key[0], state_key[1] = s, skey
            key = (skey, _args_key(args, key_of)) if args else skey
            value = memo.get(key, _MISSING)
            if value is _MISSING:
                value = fn(obj, s, *args)
                if len(memo) >= CACHE_SIZE:
                    memo.clear()
                memo[key] = value
            if not args:
                last[1] = value
            return value

        cached.__name__, cached.__doc__ = self.name, fn.__doc__
        cached.__wrapped__ = fn.__get__(obj)  # its signature, for a parameter domain that takes earlier parameters
        obj.__dict__[self.name] = cached  # later lookups find the instance attribute directly
        return cached


_last_keys: dict = {}  # per identity function: the state whose key was computed last, and that key
_expanding = [None, None]  # the state the search expands, and its key (None until asked)


def expanding(s, key=None) -> None:
    """The search expands s next (key: its identity key, if the search knows it).

    Its successors are asked about in between, and would push it out of the one-entry cache above;
    this keeps it apart, so @derived values of s cost one key between them (or none).
    """
    _expanding[0], _expanding[1] = s, key


def _args_key(args: tuple, key_of):
    """The arguments' part of a memo key: the arguments themselves when they are plain strs and ints
    (Python's equality is exact on those), else their identity key (so 1 and True differ)."""
    for a in args:
        t = type(a)
        if t is not str and t is not int:
            return key_of(args)
    return args
