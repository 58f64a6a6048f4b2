"""Raft, translated from Diego Ongaro's raft.tla (github.com/ongardie/raft.tla), without its proof-only
history variables (``elections``, ``allLogs``, ``voterLog`` and the ``mlog`` field of messages).

Variables, actions, messages and their fields are the spec's. ``messages`` is a bag of messages in flight,
as the spec's function from message to count: a count that drops to zero takes the message out, so
``Receive``, ``DuplicateMessage`` and ``DropMessage`` range over the messages with a count above zero.
A message's class is its ``mtype``. ``Nil`` is None; indexes are 1-based as in the spec (``log[i][k]`` of
the spec is ``s.log[i][k - 1]`` here).

The scope is the constants and one constraint, with TLC's semantics: every ``currentTerm`` at most
``max_term``, every log at most ``max_log_len`` entries, at most ``max_messages`` messages in flight
(copies counted). On 2 servers, 1 value and bounds 2, 1, 1 it has TLC's 1,645 distinct states, depth 28.
The default scope (2 servers, terms up to 3, logs up to 2 entries, 1 message) takes seconds; the smallest
scope on 3 servers (terms up to 2, 1 entry, 1 message) has 1,931,973 states (benchmarks/run.py raft-3).
"""

from __future__ import annotations

from checker import SF, WF, Bag, FrozenMap, Model, action, constraint, derived, eventually, ids, record
from specs import log
from specs.quorum import Intersection, Threshold

State = record("State", "currentTerm state votedFor log commitIndex votesResponded votesGranted nextIndex "
                        "matchIndex messages")
Entry = record("Entry", "term value")

RequestVoteRequest = record("RequestVoteRequest", "mterm mlastLogTerm mlastLogIndex msource mdest")
RequestVoteResponse = record("RequestVoteResponse", "mterm mvoteGranted msource mdest")
AppendEntriesRequest = record("AppendEntriesRequest", "mterm mprevLogIndex mprevLogTerm mentries mcommitIndex "
                                                      "msource mdest")
AppendEntriesResponse = record("AppendEntriesResponse", "mterm msuccess mmatchIndex msource mdest")

Follower, Candidate, Leader = "Follower", "Candidate", "Leader"
Nil = None
NOBODY = frozenset()


def LastTerm(xlog: tuple) -> int:
    """The term of the last entry of a log, or 0 if it is empty."""
    return xlog[-1].term if xlog else 0


class Raft(Model):
    """Raft consensus (Ongaro's raft.tla), without the proof's history variables."""

    symmetry = ("Server", "Value")
    lanes = ("Server",)
    messages = ("messages",)

    def __init__(self, servers: int = 2, values: int = 1, max_term: int = 3, max_log_len: int = 2,
                 max_messages: int = 1):
        if servers < 1 or values < 1 or max_term < 1 or max_log_len < 0 or max_messages < 0:
            raise ValueError("need servers, values and max_term of at least 1, and bounds of at least 0")
        self.Server = ids("s", servers)
        self.Value = ids("v", values)
        self.max_term, self.max_log_len, self.max_messages = max_term, max_log_len, max_messages
        self.ones = FrozenMap.const(self.Server, 1)
        self.zeros = FrozenMap.const(self.Server, 0)

    def init(self):
        Server = self.Server
        return State(
            currentTerm=FrozenMap.const(Server, 1),
            state=FrozenMap.const(Server, Follower),
            votedFor=FrozenMap.const(Server, Nil),
            log=FrozenMap.const(Server, ()),
            commitIndex=FrozenMap.const(Server, 0),
            votesResponded=FrozenMap.const(Server, NOBODY),
            votesGranted=FrozenMap.const(Server, NOBODY),
            nextIndex=FrozenMap.const(Server, self.ones),
            matchIndex=FrozenMap.const(Server, self.zeros),
            messages=Bag(),
        )

    # -- helpers -------------------------------------------------------------------------------

    def is_quorum(self, servers: frozenset) -> bool:
        """Quorum: a set of more than half the servers."""
        return 2 * len(servers) > len(self.Server)

    def Others(self, s, i) -> tuple:
        """Server \\ {i}."""
        return tuple(j for j in self.Server if j != i)

    def in_flight(self, s) -> list:
        """DOMAIN messages: each message with a count above zero, once."""
        return list(s.messages)

    # -- state transitions ---------------------------------------------------------------------

    @action(i="Server")
    def Restart(self, s, i):
        """Server i restarts from stable storage: it keeps currentTerm, votedFor and log, and loses the rest."""
        return s.set(
            state=s.state.set(i, Follower),
            votesResponded=s.votesResponded.set(i, NOBODY),
            votesGranted=s.votesGranted.set(i, NOBODY),
            nextIndex=s.nextIndex.set(i, self.ones),
            matchIndex=s.matchIndex.set(i, self.zeros),
            commitIndex=s.commitIndex.set(i, 0),
        )

    @action(i="Server")
    def Timeout(self, s, i):
        """Server i times out and starts a new election."""
        if s.state[i] in (Follower, Candidate):
            return s.set(
                state=s.state.set(i, Candidate),
                currentTerm=s.currentTerm.set(i, s.currentTerm[i] + 1),
                votedFor=s.votedFor.set(i, Nil),
                votesResponded=s.votesResponded.set(i, NOBODY),
                votesGranted=s.votesGranted.set(i, NOBODY),
            )

    @action(i="Server", j="Server")
    def RequestVote(self, s, i, j):
        """Candidate i sends j a RequestVote request."""
        if s.state[i] == Candidate and j not in s.votesResponded[i]:
            li = s.log[i]
            return s.set(messages=s.messages.add(RequestVoteRequest(s.currentTerm[i], LastTerm(li), len(li), i, j)))

    @action(i="Server", j="Others")
    def AppendEntries(self, s, i, j):
        """Leader i sends j an AppendEntries request containing up to 1 entry."""
        if s.state[i] == Leader:
            li, next_index = s.log[i], s.nextIndex[i][j]
            prevLogIndex = next_index - 1
            prevLogTerm = li[prevLogIndex - 1].term if prevLogIndex > 0 else 0
            lastEntry = min(len(li), next_index)
            entries = li[next_index - 1:lastEntry]
            m = AppendEntriesRequest(s.currentTerm[i], prevLogIndex, prevLogTerm, entries,
                                     min(s.commitIndex[i], lastEntry), i, j)
            return s.set(messages=s.messages.add(m))

    @action(i="Server")
    def BecomeLeader(self, s, i):
        """Candidate i, granted votes by a quorum, becomes leader."""
        if s.state[i] == Candidate and self.is_quorum(s.votesGranted[i]):
            return s.set(
                state=s.state.set(i, Leader),
                nextIndex=s.nextIndex.set(i, FrozenMap.const(self.Server, len(s.log[i]) + 1)),
                matchIndex=s.matchIndex.set(i, self.zeros),
            )

    @action(i="Server", v="Value")
    def ClientRequest(self, s, i, v):
        """Leader i receives a client request to add v to its log."""
        if s.state[i] == Leader:
            return s.set(log=s.log.set(i, s.log[i] + (Entry(s.currentTerm[i], v),)))

    @action(i="Server")
    def AdvanceCommitIndex(self, s, i):
        """Leader i commits the highest index a quorum stores, if that entry is from its own term."""
        if s.state[i] == Leader:
            return s.set(commitIndex=s.commitIndex.set(i, self.new_commit_index(s, i)))

    def new_commit_index(self, s, i) -> int:
        """The highest index a quorum agrees on, if its entry is of i's current term; else commitIndex[i]."""
        li, match = s.log[i], s.matchIndex[i]
        agree = [index for index in range(1, len(li) + 1)
                 if self.is_quorum(frozenset({i} | {k for k in self.Server if match[k] >= index}))]
        if agree and li[max(agree) - 1].term == s.currentTerm[i]:
            return max(agree)
        return s.commitIndex[i]

    # -- message handlers (i = recipient, j = sender, m = message) -----------------------------

    @action(m="in_flight")
    def Receive(self, s, m):
        """Receive a message: a newer term is adopted first; stale responses are dropped."""
        i, j = m.mdest, m.msource
        if m.mterm > s.currentTerm[i]:
            return self.UpdateTerm(s, i, j, m)
        kind = type(m)
        if kind is RequestVoteRequest:
            return self.HandleRequestVoteRequest(s, i, j, m)
        if kind is RequestVoteResponse:
            if m.mterm < s.currentTerm[i]:
                return self.DropStaleResponse(s, i, j, m)
            return self.HandleRequestVoteResponse(s, i, j, m)
        if kind is AppendEntriesRequest:
            return self.HandleAppendEntriesRequest(s, i, j, m)
        if m.mterm < s.currentTerm[i]:
            return self.DropStaleResponse(s, i, j, m)
        return self.HandleAppendEntriesResponse(s, i, j, m)

    def UpdateTerm(self, s, i, j, m):
        """Any RPC with a newer term makes the recipient adopt it first (the message stays, to be handled)."""
        return s.set(
            currentTerm=s.currentTerm.set(i, m.mterm),
            state=s.state.set(i, Follower),
            votedFor=s.votedFor.set(i, Nil),
        )

    def log_ok(self, s, i, m) -> bool:
        """A candidate's log is at least as up to date as i's."""
        li = s.log[i]
        return m.mlastLogTerm > LastTerm(li) or (m.mlastLogTerm == LastTerm(li) and m.mlastLogIndex >= len(li))

    def HandleRequestVoteRequest(self, s, i, j, m):
        """i answers j's vote request (m.mterm <= currentTerm[i]), granting it at most once a term."""
        grant = m.mterm == s.currentTerm[i] and self.log_ok(s, i, m) and s.votedFor[i] in (Nil, j)
        reply = RequestVoteResponse(s.currentTerm[i], grant, i, j)
        return s.set(
            votedFor=s.votedFor.set(i, j) if grant else s.votedFor,
            messages=s.messages.add(reply).remove(m),
        )

    def HandleRequestVoteResponse(self, s, i, j, m):
        """i tallies j's answer to its vote request (m.mterm = currentTerm[i])."""
        return s.set(
            votesResponded=s.votesResponded.set(i, s.votesResponded[i] | {j}),
            votesGranted=s.votesGranted.set(i, s.votesGranted[i] | {j}) if m.mvoteGranted else s.votesGranted,
            messages=s.messages.remove(m),
        )

    def HandleAppendEntriesRequest(self, s, i, j, m):
        """i handles leader j's AppendEntries (m.mterm <= currentTerm[i]): rejects it, steps down from
        candidate, or accepts it (done already, one conflicting entry removed, or the entry appended)."""
        li, term = s.log[i], s.currentTerm[i]
        logOk = m.mprevLogIndex == 0 or (0 < m.mprevLogIndex <= len(li) and m.mprevLogTerm == li[m.mprevLogIndex - 1].term)
        if m.mterm < term or (m.mterm == term and s.state[i] == Follower and not logOk):
            reply = AppendEntriesResponse(term, False, 0, i, j)
            return s.set(messages=s.messages.add(reply).remove(m))
        if m.mterm == term and s.state[i] == Candidate:
            return s.set(state=s.state.set(i, Follower))  # the message stays, to be handled as a follower
        if m.mterm == term and s.state[i] == Follower and logOk:
            return self.accept(s, i, j, m)
        return None

    def accept(self, s, i, j, m):
        """i, a follower whose log matches at m.mprevLogIndex, applies the request's entry (if any)."""
        li, index = s.log[i], m.mprevLogIndex + 1
        if not m.mentries or (len(li) >= index and li[index - 1].term == m.mentries[0].term):  # done already
            reply = AppendEntriesResponse(s.currentTerm[i], True, m.mprevLogIndex + len(m.mentries), i, j)
            return s.set(commitIndex=s.commitIndex.set(i, m.mcommitIndex), messages=s.messages.add(reply).remove(m))
        if len(li) >= index:  # conflict: remove 1 entry
            return s.set(log=s.log.set(i, li[:-1]))
        if len(li) == m.mprevLogIndex:  # no conflict: append the entry
            return s.set(log=s.log.set(i, li + (m.mentries[0],)))
        return None

    def HandleAppendEntriesResponse(self, s, i, j, m):
        """Leader i learns how far j's log matches its own (m.mterm = currentTerm[i])."""
        if m.msuccess:
            return s.set(
                nextIndex=s.nextIndex.set(i, s.nextIndex[i].set(j, m.mmatchIndex + 1)),
                matchIndex=s.matchIndex.set(i, s.matchIndex[i].set(j, m.mmatchIndex)),
                messages=s.messages.remove(m),
            )
        return s.set(
            nextIndex=s.nextIndex.set(i, s.nextIndex[i].set(j, max(s.nextIndex[i][j] - 1, 1))),
            messages=s.messages.remove(m),
        )

    def DropStaleResponse(self, s, i, j, m):
        """A response from an older term is dropped."""
        return s.set(messages=s.messages.remove(m))

    # -- the network ---------------------------------------------------------------------------

    @action(m="in_flight")
    def DuplicateMessage(self, s, m):
        """The network duplicates a message."""
        return s.set(messages=s.messages.add(m))

    @action(m="in_flight")
    def DropMessage(self, s, m):
        """The network drops a message."""
        return s.set(messages=s.messages.remove(m))

    def lane(self, action, args):
        """Sequence charts: a message is received by its destination; the network duplicates and drops."""
        if action == "Receive":
            return args["m"].mdest
        if action in ("DuplicateMessage", "DropMessage"):
            return "network"
        return None

    # -- scope and properties ------------------------------------------------------------------

    @constraint
    def Scope(self, s):
        """Terms up to max_term, logs up to max_log_len entries, at most max_messages messages in flight."""
        return (max(s.currentTerm.values()) <= self.max_term
                and max(map(len, s.log.values())) <= self.max_log_len
                and len(s.messages) <= self.max_messages)

    @derived
    def replicated(self, s) -> log.LogState:
        """Each server's log and commit index, and who leads in which term (specs.log's view)."""
        leaders = frozenset((i, s.currentTerm[i]) for i in self.Server if s.state[i] == Leader)
        return log.LogState(s.log, s.commitIndex, leaders)

    def quorum_requirements(self) -> list:
        """What Z3 must prove: every two majorities of the servers meet (votes and commits)."""
        quorums = Threshold(self.Server, len(self.Server) // 2 + 1)
        return [Intersection(quorums, quorums)]

    ElectionSafety = log.ElectionSafety()

    @eventually
    def EventuallyLeader(self, s):
        """Some server eventually becomes leader."""
        return Leader in s.state.values()

    def leaderless(self, s) -> bool:
        """No server is leader."""
        return Leader not in s.state.values()

    def quiet(self, s) -> bool:
        """No server is leader or candidate: no election is under way."""
        return all(x == Follower for x in s.state.values())

    def fairness(self) -> tuple:
        """What Raft's elections rest on: with no leader, some server's election timer fires; a candidate asks
        for votes; a message sent again and again is eventually delivered; a candidate with a quorum leads."""
        return (WF("Timeout", when="leaderless"), WF("RequestVote"), SF("Receive", each=True), WF("BecomeLeader"))
    LeaderAppendOnly = log.LeaderAppendOnly()
    LogMatching = log.LogMatching()
    LeaderCompleteness = log.LeaderCompleteness()
    StateMachineSafety = log.StateMachineSafety()
    SomeEntryCommitted = log.SomeEntryCommitted()


class NoPersistVote(Raft):
    """Bug: Restart forgets votedFor, which the paper keeps on stable storage: a server votes twice in a term."""

    @action(i="Server")
    def Restart(self, s, i):
        """Server i restarts, losing votedFor too."""
        return Raft.Restart.fn(self, s, i).set(votedFor=s.votedFor.set(i, Nil))


class NoPersistTerm(Raft):
    """Bug: Restart resets currentTerm, which the paper keeps on stable storage."""

    @action(i="Server")
    def Restart(self, s, i):
        """Server i restarts, back in term 1."""
        return Raft.Restart.fn(self, s, i).set(currentTerm=s.currentTerm.set(i, 1))


class Figure8(Raft):
    """Bug: a leader commits the highest index a quorum stores even when its entry is from an earlier term
    (the Raft paper, section 5.4.2 and Figure 8): a later leader may overwrite it."""

    def new_commit_index(self, s, i) -> int:
        li, match = s.log[i], s.matchIndex[i]
        agree = [index for index in range(1, len(li) + 1)
                 if self.is_quorum(frozenset({i} | {k for k in self.Server if match[k] >= index}))]
        return max(agree) if agree else s.commitIndex[i]


class NoLogCheck(Raft):
    """Bug: a vote is granted without checking that the candidate's log is at least as up to date."""

    def log_ok(self, s, i, m) -> bool:
        return True


class TruncateOnStale(Raft):
    """Bug: a follower whose log matches a request deletes every entry after prevLogIndex, even without a
    conflict, so a delayed or duplicated request erases entries."""

    def accept(self, s, i, j, m):
        li = s.log[i]
        kept = li[:m.mprevLogIndex] + tuple(m.mentries)
        if kept != li:
            return s.set(log=s.log.set(i, kept))
        reply = AppendEntriesResponse(s.currentTerm[i], True, m.mprevLogIndex + len(m.mentries), i, j)
        return s.set(commitIndex=s.commitIndex.set(i, m.mcommitIndex), messages=s.messages.add(reply).remove(m))


def _variants() -> dict:
    from .raft_seed import SeedRaft

    return {
        "no-persist-vote": NoPersistVote,
        "no-persist-term": NoPersistTerm,
        "figure8": Figure8,
        "no-log-check": NoLogCheck,
        "truncate-on-stale": TruncateOnStale,
        "seed": SeedRaft,
    }


Raft.variants = _variants()
