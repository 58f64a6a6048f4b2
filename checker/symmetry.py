"""Symmetry reduction: permute interchangeable ids through a state, fingerprint the orbit."""

from __future__ import annotations

import enum
from itertools import permutations, product
from typing import Callable, Sequence

from .canonical import DATACLASS, MAP, BAG, NOMINAL_SET, NOMINAL_TUPLE, RECORD, described
from .model import ModelError

__all__ = ["check_ids", "permuter", "id_permutations", "orbit_fingerprint"]

_tnew = tuple.__new__
_LEAVES = (type(None), bool, int, float, str, bytes)


def check_ids(model: str, attr: str, ids: tuple, groups: list) -> tuple:
    """The ids of one symmetry group, refused when renaming them could rename data too.

    Symmetry renames every occurrence of an id in a state. Ids must therefore be values no counter,
    flag or payload can equal: strings (``ids("n", 3)``) or members of an Enum. Integer ids
    (``Node == 0..N-1`` in TLA+) would rename a counter or a boolean that happens to equal one.
    """
    where = f"{model}.symmetry: {attr!r}"
    if len(set(ids)) != len(ids):
        raise ModelError(f"{where} holds the same id twice: {ids!r}")
    for i in ids:
        if type(i) is not str and not isinstance(i, enum.Enum):
            raise ModelError(
                f"{where} holds {type(i).__name__} ids ({', '.join(map(repr, ids[:3]))}{', ...' if len(ids) > 3 else ''}): "
                "symmetry would also rename every counter, flag or value equal to one; "
                f"use ids that cannot be confused with data: strings, e.g. ids('n', {len(ids)}), or Enum members"
            )
    for other in groups:
        if set(other) & set(ids):
            raise ModelError(f"{where} shares ids with another symmetry group: {sorted(map(str, set(other) & set(ids)))}")
    return ids


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


MEMO_SIZE = 1 << 13  # per renaming at most; bigger measured no faster (TwoPhase, Paxos)


def permuter(mapping: dict, key: Callable, size: int = MEMO_SIZE) -> Callable:
    """A function that renames every id in a value according to mapping.

    Ids are matched by type and value (an id ``"n1"`` is renamed, an int or a bytes value never
    is). Renamed parts are remembered by their identity key (``key``: the fingerprint, or the
    exact encoding), not by Python's equality, which would take ``(True,)`` for ``(1,)``: most of
    a state is renamed by one lookup, since states share most of their parts. At most ``size``
    parts are remembered (bounded by MEMO_SIZE and at least 64), then the memo starts afresh.
    """
    size = max(64, min(size, MEMO_SIZE))
    get = mapping.get
    id_types = frozenset(type(k) for k in mapping)
    memo: dict = {}  # key(part) -> renamed part

    def walk(x):
        cls = type(x)
        if cls in id_types:
            return get(x, x)
        if cls in _LEAVES:
            return x
        k = key(x)
        renamed = memo.get(k)
        if renamed is None:
            renamed = rename(x, cls)
            if len(memo) >= size:
                memo.clear()
            memo[k] = renamed
        return renamed

    def rename(x, cls):
        if cls is tuple:
            return tuple([walk(e) for e in x])
        if cls is frozenset:
            return frozenset([walk(e) for e in x])
        kind, _, extra = described(cls)
        if kind == RECORD or kind == NOMINAL_TUPLE:
            return _tnew(cls, [walk(e) for e in x])
        if kind == MAP:
            index = cls._index
            vals = [None] * len(cls._keys)
            for k, v in x.items():
                vals[index[walk(k)]] = walk(v)
            return _tnew(cls, vals)
        if kind == BAG:
            return cls._from({walk(k): n for k, n in x.items()})
        if kind == DATACLASS:
            copy = object.__new__(cls)
            for f in extra:
                object.__setattr__(copy, f, walk(getattr(x, f)))
            return copy
        if kind == NOMINAL_SET:
            return cls(walk(e) for e in x)
        return x  # an enum member that is not an id, a subclass of a scalar: data, never renamed

    return walk


ORBIT_MEMO_SIZE = 1 << 18


def orbit_fingerprint(perms: list[Callable], view: Callable | None, key: Callable) -> Callable:
    """fingerprint(s) = the least key over the state's orbit under the renamings.

    Most successors a search generates are states it has met before: their orbit's key is
    remembered by the state's own key, so the renamings run once per state, not once per step.
    """
    memo: dict = {}

    def fp(s):
        v = s if view is None else view(s)
        k = key(v)
        least = memo.get(k)
        if least is None:
            least = min(k, *[key(p(v)) for p in perms])
            if len(memo) >= ORBIT_MEMO_SIZE:
                memo.clear()
            memo[k] = least
        return least

    return fp
