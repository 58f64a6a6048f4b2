"""Key placement under membership change, protocol-independent: consistent hashing's guarantees.

A model maps its state onto a ``Placement`` with a method ``placement(self, s)`` (best ``@derived``,
since every property asks it): the live nodes (a frozenset), the replication factor asked for, and
each key's replicas (a FrozenMap key -> tuple of nodes, primary first). It then declares the
properties in its class body::

    ReplicasDistinct = placement.ReplicasDistinct()
    Monotonicity = placement.Monotonicity()
    MinimalMovement = placement.MinimalMovement()

The two transition properties judge a step that adds nodes (a join) or removes nodes (a leave or a
crash); a step that changes no membership is not judged, nor one that both adds and removes nodes.
``moved_fraction`` and ``load_balance`` measure a placement; they are not properties.
"""

from __future__ import annotations

from checker import Property, record

from ._views import of_step, of_view

__all__ = ["Placement", "ReplicasDistinct", "Monotonicity", "MinimalMovement", "moved_fraction", "load_balance",
           "membership_change"]

Placement = record("Placement", "live factor replicas")  # frozenset of nodes, int, FrozenMap key -> tuple of nodes


def membership_change(before, after) -> tuple[frozenset, frozenset]:
    """The nodes that joined and the nodes that left between two placements."""
    return after.live - before.live, before.live - after.live


def _of_change(name: str, doc: str, judge, mapping: str) -> Property:
    """A transition property over membership changes: judge(before, after, joined, left) -> bool."""

    def at(before):
        def check(after):
            joined, left = membership_change(before, after)
            if bool(joined) == bool(left):
                return True  # no membership change, or a join and a leave at once: not judged
            return judge(before, after, joined, left)

        return check

    return of_step(name, doc, at, mapping)


def ReplicasDistinct(mapping: str = "placement") -> Property:
    """Each key's replicas are distinct live nodes, min(factor, live count) of them."""

    def check(v) -> bool:
        want = min(v.factor, len(v.live))
        return all(len(r) == want and len(set(r)) == want and v.live.issuperset(r) for r in v.replicas.values())

    return of_view("invariant", "ReplicasDistinct",
                    "Each key has min(replicas, live nodes) replicas, on distinct live nodes.", check, mapping)


def _monotone(old: tuple, new: tuple, joined: frozenset, left: frozenset) -> bool:
    """One key across a join (new replicas among the old and the joined) or a leave (the survivors stay)."""
    old, new = set(old), set(new)
    if joined:
        return new <= old | joined
    return new == old if not old & left else old - left <= new


def Monotonicity(mapping: str = "placement") -> Property:
    """On a join of n, a key moves only to n; on a leave of n, only n's keys move, and they keep their other
    replicas (Karger et al. 1997, monotonicity; replica sets compared as sets)."""

    def judge(before, after, joined, left) -> bool:
        return all(_monotone(r, after.replicas[k], joined, left) for k, r in before.replicas.items())

    return _of_change("Monotonicity",
                    "On a join a key's replicas move only to the joining node; on a leave only the leaving "
                    "node's replicas move, and the key keeps its others.", judge, mapping)


def MinimalMovement(mapping: str = "placement") -> Property:
    """The keys whose placement (replica tuple, primary first) changes are exactly those now on a joining
    node, or those that were on a leaving node: no more than the changed node's share of the keys moves."""

    def judge(before, after, joined, left) -> bool:
        changed = {k for k, r in before.replicas.items() if after.replicas[k] != r}
        side, nodes = (after, joined) if joined else (before, left)
        touched = {k for k, r in side.replicas.items() if nodes.intersection(r)}
        return changed == touched

    return _of_change("MinimalMovement",
                    "The keys whose replicas change are exactly those placed on the joining node (or that were on "
                    "the leaving node).", judge, mapping)


def moved_fraction(before, after) -> float:
    """The fraction of keys whose replica tuple differs between two placements."""
    moved = sum(1 for k, r in before.replicas.items() if after.replicas[k] != r)
    return moved / len(before.replicas)


def load_balance(view) -> float:
    """The most replicas one live node holds over the mean per live node (1.0 is perfect balance)."""
    held = dict.fromkeys(view.live, 0)
    for r in view.replicas.values():
        for node in r:
            held[node] = held.get(node, 0) + 1
    mean = sum(held.values()) / len(held)
    return max(held.values()) / mean
