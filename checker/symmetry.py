"""Symmetry reduction: one fingerprint per orbit, from a canonical renaming found by id signatures."""

from __future__ import annotations

import enum
from itertools import permutations, product
from typing import Callable, Sequence

from .canonical import DATACLASS, MAP, BAG, NOMINAL_SET, NOMINAL_TUPLE, RECORD, described
from .model import ModelError

__all__ = ["check_ids", "permuter", "canonical_fingerprint"]

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
SIGNATURE_MEMO_SIZE = 1 << 16


def canonical_fingerprint(groups: Sequence[Sequence], view: Callable | None, key: Callable,
                          memo_size: int = MEMO_SIZE) -> Callable:
    """fingerprint(s) = the least key over the renamings that list each group's ids in the order of their
    signatures in s: the same number for every state of an orbit, found without trying all n! renamings.

    An id's signature is the key of the state seen with that id told apart and every other id of every
    group blurred into its group (maps then read as sets of pairs): renaming the state renames nothing
    the signature sees, so the ids of a renamed state sort the same way. Ids with equal signatures are
    tried in every order among themselves, so the least key is taken over the same set of states for
    every member of the orbit, which makes it a canonical form (the orbit's count and verdicts are those
    of the full search over all renamings; only the work differs). Signatures need not be injective.
    """
    group_of = {i: g for g, ids in enumerate(groups) for i in ids}
    id_types = frozenset(type(i) for i in group_of)
    identity = tuple(tuple(ids) for ids in groups)
    permuters: dict = {}  # target order of every group -> its permuter
    swaps: dict = {}  # (a, b) -> the permuter that swaps ids a and b
    budget = max(64, memo_size)
    orbit_memo: dict = {}
    sign_memo: dict = {}  # key(part) -> signed(part)
    no_ids: dict = {}

    def signed(x):
        """x's key with every id blurred into its group, and, for each id inside x, x's key with that id
        told apart (the others still blurred): all of an id's signatures of x's parts in one walk."""
        cls = type(x)
        if cls in id_types and x in group_of:
            return key(("\x00symmetry id", group_of[x], False)), {x: key(("\x00symmetry id", group_of[x], True))}
        if cls in _LEAVES:
            return key(x), no_ids
        k = key(x)
        result = sign_memo.get(k)
        if result is None:
            result = sign(x, cls)
            if len(sign_memo) >= SIGNATURE_MEMO_SIZE:
                sign_memo.clear()
            sign_memo[k] = result
        return result

    def sign(x, cls):
        if cls is tuple:
            return combine(("\x00tuple",), [signed(e) for e in x], True)
        if cls is frozenset:
            return combine(("\x00set",), [signed(e) for e in x], False)
        kind, name, extra = described(cls)
        if kind == RECORD or kind == NOMINAL_TUPLE:
            return combine(("\x00tuple", name), [signed(e) for e in x], True)
        if kind == MAP:
            pairs = [combine(("\x00pair",), [signed(k), signed(v)], True) for k, v in x.items()]
            return combine(("\x00map",), pairs, False)
        if kind == BAG:
            pairs = [combine(("\x00pair",), [signed(k), (key(n), no_ids)], True) for k, n in x.items()]
            return combine(("\x00bag", name), pairs, False)
        if kind == DATACLASS:
            return combine(("\x00dataclass", name), [signed(getattr(x, f)) for f in extra], True)
        if kind == NOMINAL_SET:
            return combine(("\x00set", name), [signed(e) for e in x], False)
        return key(x), no_ids  # an enum member that is not an id, a subclass of a scalar: data, never renamed

    def combine(tag, parts, ordered):
        """The signed key of a container of parts (ordered: a sequence; else a set, whose keys are sorted)."""
        bases = [base for base, _ in parts]
        base = key((*tag, tuple(bases) if ordered else tuple(sorted(bases))))
        inside = {i for _, told in parts if told for i in told}
        if not inside:
            return base, no_ids
        told = {}
        for i in inside:
            keys = [apart.get(i, b) for b, apart in parts]
            told[i] = key((*tag, tuple(keys) if ordered else tuple(sorted(keys))))
        return base, told

    def orders(v):
        """For each group, its ids in signature order, and the runs of equal signatures."""
        base, told = signed(v)
        result = []
        for ids in groups:
            sigs = sorted((told.get(i, base), n) for n, i in enumerate(ids))
            runs, start = [], 0
            for n in range(1, len(sigs) + 1):
                if n == len(sigs) or sigs[n][0] != sigs[start][0]:
                    runs.append([ids[m] for _, m in sigs[start:n]])
                    start = n
            result.append(runs)
        return result

    def candidates(v, k, runs_per_group):
        """Every listing of the ids that keeps the signature order and tries ties in every order, except
        that a run whose ids can be swapped pairwise without changing the state is tried in one order
        (every order then gives the same renamed state)."""
        per_group = []
        for runs in runs_per_group:
            orders = [[tuple(run)] if len(run) == 1 or interchangeable(v, k, run) else list(permutations(run))
                      for run in runs]
            per_group.append([sum(choice, ()) for choice in product(*orders)])
        return product(*per_group)

    def interchangeable(v, k, run):
        """Whether swapping any two neighbours of run leaves v as it is (then every permutation of run does)."""
        for a, b in zip(run, run[1:]):
            walk = swaps.get((a, b))
            if walk is None:
                walk = swaps[a, b] = permuter({a: b, b: a}, key, budget)
            if key(walk(v)) != k:
                return False
        return True

    def rename(v, listing):
        if listing == identity:
            return v
        walk = permuters.get(listing)
        if walk is None:
            mapping = {old: new for olds, news in zip(listing, identity) for old, new in zip(olds, news)}
            walk = permuters[listing] = permuter(mapping, key, budget)
        return walk(v)

    def fp(s):
        v = s if view is None else view(s)
        k = key(v)
        least = orbit_memo.get(k)
        if least is None:
            least = min(key(rename(v, listing)) for listing in candidates(v, k, orders(v)))
            if len(orbit_memo) >= ORBIT_MEMO_SIZE:
                orbit_memo.clear()
            orbit_memo[k] = least
        return least

    return fp
