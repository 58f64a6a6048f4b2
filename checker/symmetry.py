"""Symmetry reduction: permute interchangeable ids through a state, fingerprint the orbit."""

from __future__ import annotations

from itertools import permutations, product
from typing import Callable, Sequence

from .values import Bag, FrozenMap

__all__ = ["permuter", "id_permutations", "orbit_fingerprint"]

_tnew = tuple.__new__


def id_permutations(groups: Sequence[Sequence]) -> list[dict]:
    """Every non-identity renaming that permutes each group of ids within itself."""
    per_group = [[dict(zip(g, p)) for p in permutations(g)] for g in groups]
    renamings = []
    for combo in product(*per_group):
        mapping = {}
        for m in combo:
            mapping.update(m)
        if any(k != v for k, v in mapping.items()):
            renamings.append(mapping)
    return renamings


MEMO_SIZE = 1 << 16


def permuter(mapping: dict) -> Callable:
    """A function that renames every id in a value according to mapping.

    Renamed maps, sets and records are remembered (by value): successive states share most of
    their parts, so most of a state is renamed by a dictionary lookup.
    """
    get = mapping.get
    memo: dict = {}

    def walk(x):
        done = memo.get(x)
        if done is not None and type(done) is type(x):  # equal values of another type (1, True) differ here
            return done
        done = rename(x)
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[x] = done
        return done

    def rename(x):
        cls = type(x)
        if cls is str or cls is int:
            return get(x, x)
        if cls is tuple:
            return tuple([walk(e) for e in x])
        if cls is frozenset:
            return frozenset([walk(e) for e in x])
        if issubclass(cls, FrozenMap):
            keys = cls._keys
            vals = [None] * len(keys)
            index = cls._index
            for k, v in zip(keys, tuple.__iter__(x)):
                vals[index[get(k, k)]] = walk(v)
            return _tnew(cls, vals)
        if cls is Bag:
            return Bag._from({walk(k): c for k, c in x.items()})
        if issubclass(cls, tuple):
            return _tnew(cls, [walk(e) for e in x])
        try:
            hash(x)
        except TypeError:
            raise TypeError(f"cannot permute ids inside a {cls.__name__}") from None
        return get(x, x)

    return walk


def orbit_fingerprint(perms: list[Callable], view: Callable | None) -> Callable:
    """fingerprint(s) = the least hash over the state's orbit under the renamings."""

    if view is None:
        def fp(s):
            return min(hash(s), *[hash(p(s)) for p in perms])
    else:
        def fp(s):
            v = view(s)
            return min(hash(v), *[hash(p(v)) for p in perms])
    return fp
