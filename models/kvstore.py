"""A replicated register behind an abstract leader-based log (Raft-like), with its clients' history.

A leader appends client writes to its log, replicates the log, commits an entry once a quorum holds
it, and applies committed entries in order. A new leader of a higher term is elected by a quorum
whose logs are no more up to date than its own, so it holds every committed entry; it starts its
term with a no-op entry. Two clients read and write; every invocation and response is recorded in
the state, and the history is checked for linearizability at every state. The read path is the
variant: ``read-index`` (the default) is the Raft paper's section 8, the others are known mistakes.
"""

from __future__ import annotations

from checker import FrozenMap, Model, action, derived, ids, invariant, reachable, record
from specs import log
from specs.consistency import check_eventual, is_linearizable, is_sequential
from specs.history import History
from specs.quorum import quorums_of_size

State = record("State", "term leader log commit lease pending history")
Entry = record("Entry", "term value op")  # op: (client, n) for a client's write, None for a no-op
Event = record("Event", "type client f value server term")  # an invoke or ok, with who answered in which term

NOOP = None


class KVStore(Model):
    """A replicated register: leader-based log, elections, and two clients' linearizable reads and writes."""

    leases = False  # leaders hold read leases (the lease-read variant)
    lanes = ("servers", "clients")

    def __init__(self, servers: int = 3, clients: int = 2, values: int = 2, max_term: int = 2, ops: int = 1):
        if min(servers, clients, values, max_term, ops) < 1:
            raise ValueError("servers, clients, values, max_term and ops must each be at least 1")
        self.servers = ids("s", servers)
        self.clients = ids("c", clients)
        self.values = ids("v", values)
        self.max_term = max_term
        self.ops = ops
        self.quorums = tuple(quorums_of_size(self.servers, len(self.servers) // 2 + 1))

    def init(self):
        first = self.servers[0]
        return State(
            term=FrozenMap.const(self.servers, 1),
            leader=FrozenMap.const(self.servers, False).set(first, True),
            log=FrozenMap.const(self.servers, ()),
            commit=FrozenMap.const(self.servers, 0),
            lease=FrozenMap.const(self.servers, "valid" if self.leases else "none").update(
                {i: "none" for i in self.servers[1:]}
            ),
            pending=FrozenMap.const(self.clients, None),
            history=(),
        )

    # -- clients -------------------------------------------------------------------------------

    @action(c="clients", v="values")
    def ClientWrite(self, s, c, v):
        """Client c asks to write v."""
        if s.pending[c] is None and self.done(s, c) < self.ops:
            op = (c, self.done(s, c))
            return s.set(pending=s.pending.set(c, ("write", v, op)), history=s.history + (Event("invoke", c, "write", v, None, None),))

    @action(c="clients")
    def ClientRead(self, s, c):
        """Client c asks to read."""
        if s.pending[c] is None and self.done(s, c) < self.ops:
            return s.set(pending=s.pending.set(c, ("read",)), history=s.history + (Event("invoke", c, "read", None, None, None),))

    # -- the replicated log --------------------------------------------------------------------

    @action(i="servers", c="clients")
    def Append(self, s, i, c):
        """Leader i appends client c's write to its log."""
        request = s.pending[c]
        if s.leader[i] and request and request[0] == "write" and all(e.op != request[2] for e in s.log[i]):
            entry = Entry(s.term[i], request[1], request[2])
            return s.set(log=s.log.set(i, s.log[i] + (entry,)))

    @action(i="servers", j="servers")
    def Replicate(self, s, i, j):
        """Leader i brings follower j up to date: its term and log, and a commit index never lowered (AppendEntries)."""
        if s.leader[i] and i != j and s.term[j] <= s.term[i]:
            if (s.term[j], s.log[j], s.commit[j], s.leader[j]) != (s.term[i], s.log[i], max(s.commit[j], s.commit[i]), False):
                return s.set(
                    term=s.term.set(j, s.term[i]),
                    leader=s.leader.set(j, False),
                    log=s.log.set(j, s.log[i]),
                    commit=s.commit.set(j, max(s.commit[j], s.commit[i])),
                )

    @action(i="servers")
    def Commit(self, s, i):
        """Leader i commits the longest prefix of its log that a quorum holds and that ends in its term."""
        log = s.log[i]
        for n in range(len(log), s.commit[i], -1):
            if log[n - 1].term == s.term[i] and any(all(s.log[j][:n] == log[:n] for j in Q) for Q in self.quorums):
                return s.set(commit=s.commit.set(i, n)) if s.leader[i] else None
        return None

    @action(c="clients", i="servers")
    def AckWrite(self, s, c, i):
        """Leader i tells client c its write is committed."""
        request = s.pending[c]
        if s.leader[i] and request and request[0] == "write":
            if any(e.op == request[2] for e in s.log[i][: s.commit[i]]):
                return self.respond(s, c, "write", request[1], i)

    @action(i="servers")
    def Elect(self, s, i):
        """Follower i becomes leader of the next term, voted in by a quorum whose logs are no more up to date."""
        t = max(s.term.values()) + 1
        if s.leader[i] or t > self.max_term or any(lease == "valid" for lease in s.lease.values()):
            return None
        successors = []
        for Q in self.quorums:
            if i in Q and all(up_to_date(s.log[i], s.log[j]) for j in Q):
                term = s.term.update({j: t for j in Q})
                leader = s.leader.update({j: j == i for j in Q})
                successors.append(
                    s.set(
                        term=term,
                        leader=leader,
                        log=s.log.set(i, s.log[i] + (Entry(t, NOOP, None),)),
                        lease=s.lease.set(i, "valid" if self.leases else "none"),
                    )
                )
        return successors

    # -- reads: the rule each variant changes --------------------------------------------------

    @action(c="clients", i="servers")
    def ServeRead(self, s, c, i):
        """Server i answers client c's read from its applied state, if its read path allows it."""
        if s.pending[c] == ("read",) and self.may_serve_read(s, i):
            return self.respond(s, c, "read", self.applied(s, i), i)

    def may_serve_read(self, s, i) -> bool:
        """Read index: i is leader, has committed an entry of its term, and a quorum confirms its term."""
        log, n = s.log[i], s.commit[i]
        return (
            s.leader[i]
            and n > 0
            and log[n - 1].term == s.term[i]
            and any(all(s.term[j] == s.term[i] for j in Q) for Q in self.quorums)
        )

    def lane(self, action, args):
        """Sequence charts: a server's answer to a client is the server's step."""
        return args.get("i")

    # -- helpers -------------------------------------------------------------------------------

    def respond(self, s, c, f, value, i):
        """Complete client c's operation, recording which server answered."""
        return s.set(pending=s.pending.set(c, None), history=s.history + (Event("ok", c, f, value, i, s.term[i]),))

    def done(self, s, c) -> int:
        """How many operations client c has invoked."""
        return sum(1 for e in s.history if e.type == "invoke" and e.client == c)

    def applied(self, s, i):
        """The register's value at server i: the last committed write it knows (None before any)."""
        for entry in reversed(s.log[i][: s.commit[i]]):
            if entry.op is not None:
                return entry.value
        return None

    @derived
    def recorded(self, s) -> History:
        """The clients' history, as the consistency checkers read it."""
        h = History()
        for e in s.history:
            h = h.invoke(e.client, e.f, e.value if e.f == "write" else None) if e.type == "invoke" else h.complete(
                e.client, e.value if e.f == "read" else None
            )
        return h

    # -- properties ----------------------------------------------------------------------------

    @invariant
    def Linearizable(self, s):
        """The clients' history is linearizable."""
        return is_linearizable(self.recorded(s))

    @invariant
    def SequentiallyConsistent(self, s):
        """The clients' history is sequentially consistent (each client's order, no real-time order)."""
        return is_sequential(self.recorded(s))

    @invariant
    def EventuallyConsistent(self, s):
        """Once writes stop and every server has the leader's log, replicas agree on a latest write."""
        if any(p is not None and p[0] == "write" for p in s.pending.values()):
            return True
        logs = {(s.log[i], s.commit[i]) for i in self.servers}
        if len(logs) > 1:
            return True
        return check_eventual({i: self.applied(s, i) for i in self.servers}, self.recorded(s)).ok

    @reachable
    def ReadsAnEarlierLeadersWrite(self, s):
        """A read answered by a leader of a later term returns a value written under an earlier leader."""
        for e in s.history:
            if e.type == "ok" and e.f == "read" and e.value is not None and e.term > 1:
                if any(x.value == e.value and x.term < e.term for x in s.log[e.server] if x.op):
                    return True
        return False


    # -- the replicated log, judged by specs/log.py as Raft's is ----------------------------------

    @derived
    def replicated(self, s) -> log.LogState:
        """Each server's log and commit index, and the leaders with their terms."""
        return log.LogState(s.log, s.commit, frozenset((i, s.term[i]) for i in self.servers if s.leader[i]))

    ElectionSafety = log.ElectionSafety()
    LeaderAppendOnly = log.LeaderAppendOnly()
    LogMatching = log.LogMatching()
    LeaderCompleteness = log.LeaderCompleteness()
    StateMachineSafety = log.StateMachineSafety()
    SomeEntryCommitted = log.SomeEntryCommitted()


def up_to_date(mine: tuple, theirs: tuple) -> bool:
    """Raft's vote rule: my log is at least as up to date as theirs (last term, then length)."""
    last = lambda log: log[-1].term if log else 0  # noqa: E731
    return (last(mine), len(mine)) >= (last(theirs), len(theirs))


class LocalRead(KVStore):
    """Bug: a server that believes it is leader answers from its own state, without asking a quorum."""

    def may_serve_read(self, s, i) -> bool:
        return s.leader[i]


class FollowerRead(KVStore):
    """Weaker by design: any replica answers from what it has applied."""

    def may_serve_read(self, s, i) -> bool:
        return True


class LeaseRead(KVStore):
    """Bug: a leader answers while it believes its lease holds, and its clock can drift past the lease."""

    leases = True

    @action(i="servers")
    def LeaseExpires(self, s, i):
        """Time passes: i's lease runs out, but i's slow clock lets it go on believing in it."""
        if s.lease[i] == "valid":
            return s.set(lease=s.lease.set(i, "believed"))

    def may_serve_read(self, s, i) -> bool:
        return s.leader[i] and s.lease[i] != "none"


KVStore.variants = {"local-read": LocalRead, "follower-read": FollowerRead, "lease-read": LeaseRead}
