"""Zab as an often-copied description states it (word for word its text for Raft), judged by Zab's properties.

"Each node draws a number at start-up as its election term; a node supports a candidate whose number is
larger than that of its current leader; a node supported by a majority leads and sends its own log, which
followers copy." There is no discovery phase (the new leader never learns what a quorum has) and no epoch
handshake (nothing stops a node supporting two candidates, or two nodes drawing the same number). A
leader proposes transactions with zxids (number, counter) and commits once a majority holds its history;
a follower copies the leader's history and commit point. ``unique_numbers`` gives each node its own
numbers (node k of N draws only numbers congruent to k modulo N), as a careful reader might add.
"""

from __future__ import annotations

from checker import FrozenMap, Model, action, derived, ids, record
from specs import log

State = record("State", "number following leading history lastCommitted supports")
Txn = record("Txn", "term zxid value")  # specs.log reads the term: the zxid's epoch part
Support = record("Support", "node candidate number")


class SeedZab(Model):
    """The description's 'Zab': numbers drawn as epochs, support for any larger number, histories copied."""

    lanes = ("Server",)

    def __init__(self, servers: int = 3, max_number: int = 2, max_transactions: int = 1, unique_numbers: bool = False):
        if servers < 1 or max_number < 1 or max_transactions < 0:
            raise ValueError("servers and max_number must be at least 1, max_transactions at least 0")
        self.Server = ids("s", servers)
        self.max_transactions = max_transactions
        self.numbers = FrozenMap.of({
            i: tuple(n for n in range(1, max_number + 1) if not unique_numbers or n % servers == k % servers)
            for k, i in enumerate(self.Server, start=1)})
        self.majority = servers // 2 + 1

    def init(self):
        server = self.Server
        return State(number=FrozenMap.const(server, 0), following=FrozenMap.const(server, 0),
                     leading=FrozenMap.const(server, False), history=FrozenMap.const(server, ()),
                     lastCommitted=FrozenMap.const(server, 0), supports=frozenset())

    @action(i="Server", n="Number")
    def Draw(self, s, i, n):
        """Server i starts up and draws n, above its last number, as its election term (its history is kept)."""
        if n in self.numbers[i] and n > s.number[i]:
            return s.set(number=s.number.set(i, n), leading=s.leading.set(i, False))

    @property
    def Number(self) -> tuple:
        return tuple(sorted({n for ns in self.numbers.values() for n in ns}))

    @action(j="Server", i="Server")
    def Support(self, s, j, i):
        """Server j supports candidate i, whose number is larger than that of j's current leader."""
        support = Support(j, i, s.number[i])
        if s.number[i] > s.following[j] and support not in s.supports:
            return s.set(supports=s.supports | {support})

    @action(i="Server")
    def Lead(self, s, i):
        """Server i, supported by a majority for its number, leads."""
        n = s.number[i]
        backers = sum(1 for m in s.supports if m.candidate == i and m.number == n)
        if n > 0 and not s.leading[i] and backers >= self.majority:
            return s.set(leading=s.leading.set(i, True), following=s.following.set(i, n))

    @action(i="Server")
    def LeaderProcessRequest(self, s, i):
        """Leader i appends a transaction with the next zxid of its number (its value: who proposed it)."""
        his = s.history[i]
        if s.leading[i] and len(his) < self.max_transactions:
            counter = sum(1 for t in his if t.zxid[0] == s.number[i]) + 1
            return s.set(history=s.history.set(i, his + (Txn(s.number[i], (s.number[i], counter), i),)))

    @action(i="Server", j="Server")
    def LeaderSendLog(self, s, i, j):
        """Leader i sends its history and commit point; j, whose leader's number is not larger, copies both."""
        if i != j and s.leading[i] and s.number[i] >= s.following[j]:
            copied = (s.history[i], s.lastCommitted[i], s.number[i], False)
            if (s.history[j], s.lastCommitted[j], s.following[j], s.leading[j]) != copied:
                return s.set(history=s.history.set(j, s.history[i]),
                             lastCommitted=s.lastCommitted.set(j, s.lastCommitted[i]),
                             following=s.following.set(j, s.number[i]), leading=s.leading.set(j, False))

    @action(i="Server")
    def LeaderCommit(self, s, i):
        """Leader i commits its history once a majority holds it."""
        his = s.history[i]
        holders = sum(1 for j in self.Server if s.history[j][:len(his)] == his)
        if s.leading[i] and s.lastCommitted[i] < len(his) and holders >= self.majority:
            return s.set(lastCommitted=s.lastCommitted.set(i, len(his)))

    @derived
    def replicated(self, s) -> log.LogState:
        """specs.log's view: histories, commit points, and the leaders with their numbers as epochs."""
        leaders = frozenset((i, s.number[i]) for i in self.Server if s.leading[i])
        return log.LogState(s.history, s.lastCommitted, leaders)

    Leadership1 = log.ElectionSafety(name="Leadership1")  # one leader per epoch
    LeaderCompleteness = log.LeaderCompleteness()  # what Zab's discovery phase ensures
    CommittedKept = log.CommittedKept()  # no server's history loses a transaction it committed
    PrefixConsistency = log.StateMachineSafety(name="PrefixConsistency")  # committed prefixes agree
