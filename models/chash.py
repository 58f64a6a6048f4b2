"""Consistent hashing (Karger et al. 1997): keys placed on a hash ring while nodes join, leave and crash.

Each live node puts ``vnodes`` points on a ring of 64-bit positions; a key's replicas are the first
``replicas`` distinct nodes met clockwise from the key's position. Placement is a pure function of the
live set, so the state is only that set and a count of membership changes (at most ``max_changes``).
With ``placement="jump"`` keys go to buckets by Lamping and Veach's jump consistent hash instead, and
nodes join and leave only at the end of the bucket order, as jump hash requires.
"""

from __future__ import annotations

import bisect
import hashlib

from checker import FrozenMap, Model, action, derived, ids, reachable, record
from specs import placement as spec

__all__ = ["ConsistentHashing", "ModN", "ReplicasByVnode", "Membership", "stable_hash", "jump", "measure"]

Membership = record("Membership", "live changes")
Ring = record("Ring", "positions owners")  # the live nodes' points sorted by position, and the node owning each

SCHEMES = ("ring", "jump")


def stable_hash(text: str) -> int:
    """The first 8 bytes of text's MD5 as a big-endian int: the same in every process (Python's hash is not)."""
    return int.from_bytes(hashlib.md5(text.encode()).digest()[:8], "big")


def jump(key: int, buckets: int) -> int:
    """Jump consistent hash (Lamping and Veach 2014, their published code): key's bucket in range(buckets)."""
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * 2862933555777941757 + 1) % 2**64
        j = int((b + 1) * (2**31 / ((key >> 33) + 1)))
    return b


class ConsistentHashing(Model):
    """Nodes join, leave and crash; each key's replicas follow the ring (or jump hash's buckets)."""

    lanes = ("nodes",)

    def __init__(self, nodes: int = 4, keys: int = 16, vnodes: int = 4, replicas: int = 2, max_changes: int = 3,
                 initial: int = 3, placement: str = "ring"):
        if nodes < 1 or keys < 1 or vnodes < 1 or replicas < 1 or max_changes < 0 or not 1 <= initial <= nodes:
            raise ValueError("nodes, keys, vnodes and replicas must be at least 1, max_changes at least 0, "
                             "and initial between 1 and nodes")
        if placement not in SCHEMES:
            raise ValueError(f"placement is one of {', '.join(SCHEMES)}, not {placement!r}")
        if placement == "jump" and replicas != 1:
            raise ValueError("jump hash places each key on one bucket: set replicas=1")
        self.nodes = ids("n", nodes)
        self.keys = ids("k", keys)
        self.vnodes, self.replicas, self.max_changes = vnodes, replicas, max_changes
        self.initial = frozenset(self.nodes[:initial])
        self.scheme = placement
        self.position = FrozenMap.of({k: stable_hash(k) for k in self.keys})
        self.points = sorted((stable_hash(f"{n}#{v}"), n) for n in self.nodes for v in range(vnodes))
        self._rings: dict = {}
        self._placements: dict = {}

    def init(self):
        return Membership(live=self.initial, changes=0)

    # -- membership ------------------------------------------------------------------------------

    def may_join(self, s, n) -> bool:
        """Jump hash adds only the next bucket: the first node of the universe not yet live."""
        return self.scheme != "jump" or n == self.nodes[len(s.live)]

    def may_leave(self, s, n) -> bool:
        """Jump hash removes only the last bucket: the last live node of the universe."""
        return self.scheme != "jump" or n == self.nodes[len(s.live) - 1]

    @action(n="nodes")
    def Join(self, s, n):
        """Node n, not live, joins: the keys it now owns move to it."""
        if n not in s.live and s.changes < self.max_changes and self.may_join(s, n):
            return s.set(live=s.live | {n}, changes=s.changes + 1)

    @action(n="nodes")
    def Leave(self, s, n):
        """Live node n leaves gracefully, its keys re-placed on the others (one node stays live)."""
        if n in s.live and len(s.live) > 1 and s.changes < self.max_changes and self.may_leave(s, n):
            return s.set(live=s.live - {n}, changes=s.changes + 1)

    @action(n="nodes")
    def Fail(self, s, n):
        """Live node n crashes: to placement the same as a leave (one node stays live)."""
        if n in s.live and len(s.live) > 1 and s.changes < self.max_changes and self.may_leave(s, n):
            return s.set(live=s.live - {n}, changes=s.changes + 1)

    # -- placement: a pure function of the live set, computed once per set -------------------------

    def ring(self, live: frozenset) -> Ring:
        """The live nodes' points on the ring, sorted by position."""
        ring = self._rings.get(live)
        if ring is None:
            kept = [(p, n) for p, n in self.points if n in live]
            ring = self._rings[live] = Ring(tuple(p for p, _ in kept), tuple(n for _, n in kept))
        return ring

    def ring_replicas(self, live: frozenset, h: int) -> tuple:
        """The first min(replicas, live count) distinct nodes met clockwise from position h (wrapping)."""
        ring, want, found = self.ring(live), min(self.replicas, len(live)), []
        i = bisect.bisect_left(ring.positions, h)
        while len(found) < want:
            node = ring.owners[i % len(ring.owners)]
            if node not in found:
                found.append(node)
            i += 1
        return tuple(found)

    def jump_replicas(self, live: frozenset, h: int) -> tuple:
        """Jump hash's bucket for h among the live nodes in universe order."""
        buckets = [n for n in self.nodes if n in live]
        return (buckets[jump(h, len(buckets))],)

    def replicas_for(self, live: frozenset, h: int) -> tuple:
        """The replicas, primary first, of a key at position h."""
        rule = self.jump_replicas if self.scheme == "jump" else self.ring_replicas
        return rule(live, h)

    def place(self, live: frozenset) -> spec.Placement:
        """Every key's replicas when exactly the nodes in live are up."""
        view = self._placements.get(live)
        if view is None:
            replicas = FrozenMap.of({k: self.replicas_for(live, h) for k, h in self.position.items()})
            view = self._placements[live] = spec.Placement(live, self.replicas, replicas)
        return view

    @derived
    def placement(self, s) -> spec.Placement:
        """specs.placement's view: the live nodes and each key's replicas."""
        return self.place(s.live)

    ReplicasDistinct = spec.ReplicasDistinct()
    Monotonicity = spec.Monotonicity()
    MinimalMovement = spec.MinimalMovement()

    @reachable
    def KeyRelocated(self, s):
        """Some key has none of the replicas it started on (the scope moves keys, not only nodes)."""
        start, now = self.place(self.initial).replicas, self.placement(s).replicas
        return any(not set(start[k]) & set(now[k]) for k in self.keys)


class ModN(ConsistentHashing):
    """Bug: a key's primary is its hash modulo the live-node count, among the live nodes in order, and its
    other replicas the nodes after it; a change of count re-places almost every key."""

    def replicas_for(self, live: frozenset, h: int) -> tuple:
        order = [n for n in self.nodes if n in live]
        return tuple(order[(h + r) % len(order)] for r in range(min(self.replicas, len(order))))


class ReplicasByVnode(ConsistentHashing):
    """Bug: a key's replicas are the owners of the next points on the ring, not the next distinct nodes:
    two points of one machine hold two replicas of a key."""

    def ring_replicas(self, live: frozenset, h: int) -> tuple:
        ring = self.ring(live)
        i = bisect.bisect_left(ring.positions, h)
        return tuple(ring.owners[(i + r) % len(ring.owners)] for r in range(min(self.replicas, len(live))))


ConsistentHashing.variants = {"mod-n": ModN, "replicas-by-vnode": ReplicasByVnode}


def measure(n: int, vnodes: int = 1, keys: int = 10_000, placement: str = "ring", variant: str | None = None) -> tuple:
    """One replica per key, nodes n1..n(n+1): (load balance on n + 1 nodes, fraction of keys moved when the
    (n+1)-th node joins the first n)."""
    cls = ConsistentHashing.variants[variant] if variant else ConsistentHashing
    model = cls(nodes=n + 1, keys=keys, vnodes=vnodes, replicas=1, initial=n, placement=placement)
    before, after = model.place(frozenset(model.nodes[:n])), model.place(frozenset(model.nodes))
    return spec.load_balance(after), spec.moved_fraction(before, after)
