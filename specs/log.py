"""Replicated logs, protocol-independent: the Raft paper's safety properties (its Figure 3).

A model maps its state onto a ``LogState`` with a method ``replicated(self, s)`` (best ``@derived``,
since every property asks it): each server's log (a tuple of entries, each with a ``term``), each
server's commit index (1-based, as in the papers; 0 for nothing committed), and the servers that act
as leaders now, as (server, term) pairs. It then declares the properties in its class body::

    ElectionSafety = log.ElectionSafety()
    LeaderAppendOnly = log.LeaderAppendOnly()
    LogMatching = log.LogMatching()
    LeaderCompleteness = log.LeaderCompleteness()
    StateMachineSafety = log.StateMachineSafety()
    CommittedKept = log.CommittedKept()
    SomeEntryCommitted = log.SomeEntryCommitted()

Checked on each state (no history variables), the properties say what the current leaders, logs and
commit indexes must satisfy; an entry counts as committed when some server's commit index covers it.
"""

from __future__ import annotations

from checker import Property, record

from ._views import of_step, of_view

__all__ = ["LogState", "ElectionSafety", "LeaderAppendOnly", "LogMatching", "LeaderCompleteness",
           "StateMachineSafety", "CommittedKept", "SomeEntryCommitted", "committed"]

LogState = record("LogState", "logs commit leaders")  # FrozenMap server -> entries, FrozenMap server -> int, {(server, term)}


def committed(view) -> dict:
    """index (1-based) -> the entries some server holds there and counts as committed."""
    out: dict = {}
    if not any(view.commit.values()):  # most states: nothing committed anywhere
        return out
    for i, entries in view.logs.items():
        for k in range(min(view.commit[i], len(entries))):
            out.setdefault(k + 1, set()).add(entries[k])
    return out


def ElectionSafety(mapping: str = "replicated", name: str = "ElectionSafety") -> Property:
    """At most one leader per term (name: what a protocol calls it, e.g. Zab's Leadership1)."""

    def check(v) -> bool:
        return len({term for _, term in v.leaders}) == len(v.leaders)

    return of_view("invariant", name, "At most one leader can be elected in a given term.", check, mapping)


def LeaderAppendOnly(mapping: str = "replicated") -> Property:
    """A leader never overwrites or deletes entries in its log; it only appends new entries."""

    def at(before):
        if not before.leaders:
            return None  # no leader: nothing to keep
        # the same server, leading in the same term, keeps its log as a prefix
        return lambda after: all(after.logs[i][:len(before.logs[i])] == before.logs[i]
                                 for i, _ in before.leaders & after.leaders)

    return of_step("LeaderAppendOnly",
                    "A leader never overwrites or deletes entries in its log; it only appends new entries.", at, mapping)


def LogMatching(mapping: str = "replicated") -> Property:
    """Two logs with an entry of the same index and term are identical up to that index."""

    def check(v) -> bool:
        logs = [x for x in v.logs.values() if x]  # an empty log agrees with every other
        for a in range(len(logs)):
            for b in range(a + 1, len(logs)):
                x, y = logs[a], logs[b]
                k = next((k for k in range(min(len(x), len(y)) - 1, -1, -1) if x[k].term == y[k].term), None)
                if k is not None and x[: k + 1] != y[: k + 1]:  # the last index they agree on decides
                    return False
        return True

    return of_view("invariant", "LogMatching",
                    "If two logs contain an entry with the same index and term, the logs are identical through that index.",
                    check, mapping)


def LeaderCompleteness(mapping: str = "replicated") -> Property:
    """A committed entry is in the log of every leader of a later term."""

    def check(v) -> bool:
        if not v.leaders:
            return True
        for index, entries in committed(v).items():
            for entry in entries:
                for leader, term in v.leaders:
                    log = v.logs[leader]
                    if term > entry.term and (len(log) < index or log[index - 1] != entry):
                        return False
        return True

    return of_view("invariant", "LeaderCompleteness",
                    "If a log entry is committed in a given term, it is present in the logs of the leaders of all "
                    "higher-numbered terms.", check, mapping)


def StateMachineSafety(mapping: str = "replicated", name: str = "StateMachineSafety") -> Property:
    """No two servers commit different entries at the same index (name: e.g. Zab's PrefixConsistency)."""

    return of_view("invariant", name,
                    "If a server has applied a log entry at a given index, no other server ever applies a different "
                    "entry for the same index.", lambda v: all(len(e) <= 1 for e in committed(v).values()), mapping)


def CommittedKept(mapping: str = "replicated") -> Property:
    """No server's log loses or changes an entry it had committed (a step may lower a commit index, as a
    restart does, but not take a committed entry out of the log)."""

    def at(before):
        kept = {i: entries[:before.commit[i]] for i, entries in before.logs.items() if before.commit[i]}
        if not kept:
            return None  # nothing committed: nothing to keep
        return lambda after: all(after.logs[i][:len(old)] == old for i, old in kept.items())

    return of_step("CommittedKept", "A server never deletes or overwrites an entry it has committed.", at, mapping)


def SomeEntryCommitted(mapping: str = "replicated") -> Property:
    """Some entry gets committed (a scope where none can is vacuous)."""

    return of_view("reachable", "SomeEntryCommitted", "Some server commits an entry.", lambda v: any(committed(v)),
                    mapping)
