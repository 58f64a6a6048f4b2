"""TLA+'s set constructions that Python has no one-liner for: ``SUBSET S`` and ``[S -> T]``."""

from __future__ import annotations

from itertools import combinations, product
from typing import Hashable, Iterable, Iterator

from .values import FrozenMap

__all__ = ["subsets", "functions"]


def subsets(s: Iterable[Hashable]) -> Iterator[frozenset]:
    """``SUBSET S``: every subset of s as a frozenset, smallest first (the empty set, then each single
    element, ...), each size in the order of s."""
    items = _distinct(s)
    for k in range(len(items) + 1):
        for chosen in combinations(items, k):
            yield frozenset(chosen)


def functions(domain: Iterable[Hashable], codomain: Iterable) -> Iterator[FrozenMap]:
    """``[S -> T]``: every map sending each key of domain to a value of codomain, as FrozenMaps
    (``len(codomain) ** len(domain)`` of them), in the order of codomain, the last key varying fastest."""
    keys, values = _distinct(domain), list(codomain)
    for chosen in product(values, repeat=len(keys)):
        yield FrozenMap.of(dict(zip(keys, chosen)))


def _distinct(s: Iterable) -> list:
    """The members of s once each, sets in sorted order (as parameter domains take them)."""
    if isinstance(s, (set, frozenset)):
        try:
            return sorted(s)
        except TypeError:
            return sorted(s, key=repr)
    return list(dict.fromkeys(s))
