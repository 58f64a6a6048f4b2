"""Raft's leader election as an often-copied description states it, without one vote per term.

"Every node draws a number as its election term; followers support a candidate whose number is larger
than that of their current leader; a node supported by a majority becomes leader, and the leader sends
its log to followers, who copy it." Nothing stops a follower supporting two candidates, nor two nodes
drawing the same number. Judged by the same specs/log.py properties as Raft.
"""

from __future__ import annotations

from checker import FrozenMap, Model, action, constraint, derived, ids, record
from specs import log

State = record("State", "number following leader log commit msgs")
Entry = record("Entry", "term value")
Candidacy = record("Candidacy", "type node number")
Support = record("Support", "type node candidate number")


class SeedRaft(Model):
    """The seed's 'Raft': numbers drawn as terms, support for any larger number, logs copied."""

    lanes = ("nodes",)

    def __init__(self, nodes: int = 3, values: int = 1, max_number: int = 2, max_log_len: int = 1):
        self.nodes = ids("n", nodes)
        self.values = ids("v", values)
        self.numbers = tuple(range(1, max_number + 1))
        self.max_log_len = max_log_len
        self.majority = len(self.nodes) // 2 + 1

    def init(self):
        nodes = self.nodes
        return State(number=FrozenMap.const(nodes, 0), following=FrozenMap.const(nodes, 0),
                     leader=FrozenMap.const(nodes, False), log=FrozenMap.const(nodes, ()),
                     commit=FrozenMap.const(nodes, 0), msgs=frozenset())

    @action(i="nodes", n="numbers")
    def Draw(self, s, i, n):
        """Node i draws a number n above its own last one and asks to be supported as leader."""
        if n > s.number[i]:
            return s.set(number=s.number.set(i, n), leader=s.leader.set(i, False),
                         msgs=s.msgs | {Candidacy("candidacy", i, n)})

    def candidacies(self, s) -> list:
        return sorted((m for m in s.msgs if m.type == "candidacy"), key=lambda m: (m.number, m.node))

    @action(j="nodes", m="candidacies")
    def Support(self, s, j, m):
        """Node j supports a candidate whose number is larger than that of j's current leader."""
        if m.number > s.following[j]:
            support = Support("support", j, m.node, m.number)
            if support not in s.msgs:
                return s.set(msgs=s.msgs | {support})

    @action(i="nodes")
    def BecomeLeader(self, s, i):
        """A candidate supported by a majority for its number becomes leader."""
        n = s.number[i]
        backers = {m.node for m in s.msgs if m.type == "support" and m.candidate == i and m.number == n}
        if n > 0 and not s.leader[i] and len(backers) >= self.majority:
            return s.set(leader=s.leader.set(i, True), following=s.following.set(i, n))

    @action(i="nodes", v="values")
    def ClientRequest(self, s, i, v):
        """Leader i adds v to its log, in its number's term."""
        if s.leader[i] and len(s.log[i]) < self.max_log_len:
            return s.set(log=s.log.set(i, s.log[i] + (Entry(s.number[i], v),)))

    @action(i="nodes", j="nodes")
    def Replicate(self, s, i, j):
        """Leader i sends its log; follower j, whose leader's number is not larger, copies it."""
        if i != j and s.leader[i] and s.number[i] >= s.following[j]:
            if (s.log[j], s.following[j]) != (s.log[i], s.number[i]):
                return s.set(log=s.log.set(j, s.log[i]), following=s.following.set(j, s.number[i]),
                             leader=s.leader.set(j, False))

    @action(i="nodes")
    def Commit(self, s, i):
        """Leader i commits its log once a majority holds a copy of it."""
        holders = sum(s.log[j] == s.log[i] for j in self.nodes)
        if s.leader[i] and s.log[i] and holders >= self.majority and s.commit[i] < len(s.log[i]):
            return s.set(commit=s.commit.set(i, len(s.log[i])))

    @constraint
    def Scope(self, s):
        """Every log at most max_log_len entries."""
        return max(map(len, s.log.values())) <= self.max_log_len

    @derived
    def replicated(self, s) -> log.LogState:
        """Each node's log and commit index, and the leaders with their numbers as terms."""
        return log.LogState(s.log, s.commit, frozenset((i, s.number[i]) for i in self.nodes if s.leader[i]))

    ElectionSafety = log.ElectionSafety()
    LeaderAppendOnly = log.LeaderAppendOnly()
    LogMatching = log.LogMatching()
    LeaderCompleteness = log.LeaderCompleteness()
    StateMachineSafety = log.StateMachineSafety()
