"""Mutual exclusion by leases, protocol-independent: one holder at a time, and writes in lease order.

A model maps its state onto a ``MutexState`` with a method ``leases(self, s)`` (best ``@derived``): the
clients that hold an unexpired lease now, judged by real time (not by what a paused client believes),
and the writes the protected storage has accepted, in order, each with the fencing token (or lease
number) of the lease its writer held. It then declares the properties in its class body::

    MutualExclusion = mutex.MutualExclusion()
    SafeWrites = mutex.SafeWrites()
    AllWrote = mutex.AllWrote()
    Held = mutex.Held()
    NoStarvation = mutex.NoStarvation()   # liveness: also needs ``waiting(self, s)``, the clients that asked
"""

from __future__ import annotations

from checker import Property, Temporal, record

from ._views import of_view

__all__ = ["MutexState", "Write", "MutualExclusion", "SafeWrites", "AllWrote", "Held", "NoStarvation"]

MutexState = record("MutexState", "holders writes clients")  # frozenset, tuple of Write, every client
Write = record("Write", "client token")  # a write the storage accepted, and its writer's lease


def MutualExclusion(mapping: str = "leases") -> Property:
    """At no time do two clients hold an unexpired lease."""
    return of_view("invariant", "MutualExclusion", "At no time do two clients hold an unexpired lease.",
                    lambda v: len(v.holders) <= 1, mapping)


def SafeWrites(mapping: str = "leases") -> Property:
    """The storage never accepts a write of an older lease after one of a newer lease."""
    return of_view("invariant", "SafeWrites",
                    "Writes never go backwards in lease order: no write of an older lease after one of a newer.",
                    lambda v: all(a.token <= b.token for a, b in zip(v.writes, v.writes[1:])), mapping)


def AllWrote(mapping: str = "leases") -> Property:
    """Every client gets a write accepted (a scope where none can is vacuous)."""
    return of_view("reachable", "AllWrote", "Every client has a write accepted by the storage.",
                    lambda v: {w.client for w in v.writes} >= set(v.clients), mapping)


def Held(mapping: str = "leases") -> Property:
    """Some client holds the lock (a scope where none can is vacuous)."""
    return of_view("reachable", "Held", "Some client holds an unexpired lease.", lambda v: bool(v.holders), mapping)


def NoStarvation(waiting: str = "waiting", mapping: str = "leases", clients: str = "clients") -> Temporal:
    """Every client that asks for the lock eventually holds it: waiting(c) ~> c holds (liveness, for each client)."""

    def asks_then_holds(model, s, c):
        return c in getattr(model, waiting)(s), c in getattr(model, mapping)(s).holders

    return Temporal(asks_then_holds, "leads_to", {"c": clients}, "NoStarvation",
                    "Every client that asks for the lock eventually holds it.")
