"""Zab, ZooKeeper's atomic broadcast, translated from the ZooKeeper project's own TLA+ specification
(apache/zookeeper, zookeeper-specifications/protocol-spec/Zab.tla: Zab 1.0 of Junqueira, Reed and
Serafini, DSN 2011), without the recorder's ``pc`` field (the name of the last action, bookkeeping that
nothing reads: with it TLC counts 709 states where the protocol has 641).

Variables, actions, messages and their fields are the spec's. ``msgs[i][j]`` is the FIFO channel from i to
j, a tuple; in a receive action ``X(i, j)`` i receives from j, so it reads the head of ``msgs[j][i]``.
Histories and indexes are 1-based as in the spec (``history[i][k]`` of the spec is ``s.history[i][k - 1]``).
A zxid is a pair (epoch, counter). ``NullPoint`` (CHOOSE p: p \\notin Server) is None. Election is the
spec's abstract oracle (``leaderOracle``).

The scope is the spec's ``Parameters``, read by its own guards through the ``recorder``: Timeout and
Restart stop after ``max_timeout_failures`` failures (a restart counts as one) and ``max_restarts``
restarts, LeaderProcessCEPOCH once an epoch reaches ``max_epoch``, LeaderProcessRequest once a history
holds ``max_transactions``. No constraint is added. On 2 servers with (1, 1, 2, 0) it has TLC's 641
distinct states, depth 24; the default scope, 3 servers with (1, 2, 3, 0), TLC's 671,092 (about a minute
on 2 cores; docs/zab.md).
"""

from __future__ import annotations

from checker import FrozenMap, Model, action, derived, ids, invariant, record, reachable
from specs import log

State = record("State", "state zabState acceptedEpoch currentEpoch history lastCommitted learners cepochRecv "
                        "ackeRecv ackldRecv sendCounter connectInfo leaderOracle msgs epochLeader proposalMsgsLog "
                        "violatedInvariants recorder")
Txn = record("Txn", "zxid value ackSid epoch")
Committed = record("Committed", "index zxid")
CepochInfo = record("CepochInfo", "sid connected epoch")
AckeInfo = record("AckeInfo", "sid connected peerLastEpoch peerHistory")
AckldInfo = record("AckldInfo", "sid connected")
Proposal = record("Proposal", "source epoch zxid data")
Violations = record("Violations", "stateInconsistent proposalInconsistent commitInconsistent ackInconsistent "
                                  "messageIllegal")
Recorder = record("Recorder", "nTimeout nTransaction maxEpoch nRestart nClientRequest")
Entry = record("Entry", "term zxid value")  # a txn as specs.log sees it: TxnEqual's fields, its epoch as term

# Messages: the record type is the spec's mtype.
CEPOCH = record("CEPOCH", "mepoch")
NEWEPOCH = record("NEWEPOCH", "mepoch")
ACKEPOCH = record("ACKEPOCH", "mepoch mhistory")
NEWLEADER = record("NEWLEADER", "mepoch mhistory")
ACKLD = record("ACKLD", "mzxid")
COMMITLD = record("COMMITLD", "mzxid")
PROPOSE = record("PROPOSE", "mzxid mdata")
ACK = record("ACK", "mzxid")
COMMIT = record("COMMIT", "mzxid")

LOOKING, FOLLOWING, LEADING = "LOOKING", "FOLLOWING", "LEADING"
ELECTION, DISCOVERY, SYNCHRONIZATION, BROADCAST = "ELECTION", "DISCOVERY", "SYNCHRONIZATION", "BROADCAST"
NullPoint = None
MAXEPOCH = 10  # the domain of epochLeader, 1..MAXEPOCH
ZERO = (0, 0)
NONE_COMMITTED = Committed(0, ZERO)
TO_LEADER = (CEPOCH, ACKEPOCH, ACKLD, ACK)  # what a follower sends
TO_FOLLOWER = (NEWEPOCH, NEWLEADER, COMMITLD, PROPOSE, COMMIT)  # what a leader sends


def zxid_greater(z1: tuple, z2: tuple) -> bool:
    """ZxidCompare: z1 comes after z2."""
    return z1 > z2


def last_zxid(his: tuple) -> tuple:
    """LastZxidOfHistory."""
    return his[-1].zxid if his else ZERO


def zxid_to_index(his: tuple, zxid: tuple) -> int:
    """ZxidToIndex: 0 for <<0, 0>>; the 1-based index of the one txn with zxid; -1 if several have it;
    Len(his) + 1 if none does."""
    if zxid == ZERO:
        return 0
    found = [k for k, t in enumerate(his, 1) if t.zxid == zxid]
    if not found:
        return len(his) + 1
    return found[0] if len(found) == 1 else -1


def txn_equal(t1, t2) -> bool:
    """TxnEqual: same zxid and value (ackSid and epoch aside)."""
    return t1.zxid == t2.zxid and t1.value == t2.value


def is_next_zxid(cur: tuple, nxt: tuple) -> bool:
    """IsNextZxid: nxt directly follows cur (the first of a later epoch, or the next counter)."""
    return (nxt[1] == 1 and cur[0] < nxt[0]) or (nxt[1] > 1 and cur[0] == nxt[0] and cur[1] + 1 == nxt[1])


def ways(t, *disjuncts: bool):
    r"""t once for each true disjunct of a spec's ``\/ A \/ B`` that leads to it: TLC generates the same
    successor once per disjunct that holds, and so do we (the state is one, its generated count TLC's)."""
    n = sum(map(bool, disjuncts))
    return t if n == 1 else [t] * n


class Zab(Model):
    """Zab 1.0 (ZooKeeper's Zab.tla), without the recorder's pc."""

    lanes = ("Server",)

    def __init__(self, servers: int = 3, max_timeout_failures: int = 1, max_transactions: int = 2,
                 max_epoch: int = 3, max_restarts: int = 0):
        if servers < 1 or min(max_timeout_failures, max_transactions, max_epoch, max_restarts) < 0:
            raise ValueError("need at least one server, and limits of at least 0")
        if max_epoch >= MAXEPOCH:
            raise ValueError(f"max_epoch must stay below the spec's MAXEPOCH ({MAXEPOCH})")
        self.Server = ids("s", servers)
        self.max_timeout_failures, self.max_transactions = max_timeout_failures, max_transactions
        self.max_epoch, self.max_restarts = max_epoch, max_restarts

    def init(self):
        Server = self.Server
        empty = FrozenMap.const(Server, ())
        return State(
            state=FrozenMap.const(Server, LOOKING),
            zabState=FrozenMap.const(Server, ELECTION),
            acceptedEpoch=FrozenMap.const(Server, 0),
            currentEpoch=FrozenMap.const(Server, 0),
            history=FrozenMap.const(Server, ()),
            lastCommitted=FrozenMap.const(Server, NONE_COMMITTED),
            learners=FrozenMap.const(Server, frozenset()),
            cepochRecv=FrozenMap.const(Server, frozenset()),
            ackeRecv=FrozenMap.const(Server, frozenset()),
            ackldRecv=FrozenMap.const(Server, frozenset()),
            sendCounter=FrozenMap.const(Server, 0),
            connectInfo=FrozenMap.const(Server, NullPoint),
            leaderOracle=NullPoint,
            msgs=FrozenMap.const(Server, empty),
            epochLeader=(frozenset(),) * MAXEPOCH,
            proposalMsgsLog=frozenset(),
            violatedInvariants=Violations(False, False, False, False, False),
            recorder=Recorder(0, 0, 0, 0, 0),
        )

    # -- helpers -------------------------------------------------------------------------------

    def is_quorum(self, servers) -> bool:
        """Quorums: the sets of more than half the servers."""
        return 2 * len(servers) > len(self.Server)

    @staticmethod
    def pending(s, i, j, mtype) -> bool:
        """PendingX(i, j): the head of the channel from j to i is an mtype."""
        channel = s.msgs[j][i]
        return bool(channel) and type(channel[0]) is mtype

    @staticmethod
    def send(msgs, i, j, m):
        """Send(i, j, m): append m to the channel from i to j."""
        return msgs.set(i, msgs[i].set(j, msgs[i][j] + (m,)))

    @staticmethod
    def discard(msgs, i, j):
        """Discard(i, j): drop the head of the channel from i to j (if any)."""
        return msgs.set(i, msgs[i].set(j, msgs[i][j][1:])) if msgs[i][j] else msgs

    def reply(self, msgs, i, j, m):
        """Reply(i, j, m): i takes the head of j's channel to it and sends m back."""
        return self.send(self.discard(msgs, j, i), i, j, m)

    def clean(self, msgs, i, j):
        """Clean(i, j): both channels between i and j emptied."""
        msgs = msgs.set(j, msgs[j].set(i, ()))
        return msgs.set(i, msgs[i].set(j, ()))

    def clean_input_buffer(self, msgs, targets):
        """CleanInputBuffer(S): every channel into a member of S emptied."""
        return FrozenMap.of({s: FrozenMap.of({v: () if v in targets else msgs[s][v] for v in self.Server})
                          for s in self.Server})

    def discard_and_broadcast(self, msgs, i, j, m, targets):
        """DiscardAndBroadcast*(i, j, m): drop the head of j's channel to i, then send m to every target
        (the connected learners of a set, i excluded; j is a learner, never i, so the two touch different
        channels)."""
        return self.broadcast(self.discard(msgs, j, i), i, m, targets)

    def broadcast(self, msgs, i, m, targets):
        """Broadcast(i, m): m to every target."""
        out = msgs[i]
        for v in self.Server:
            if v in targets:
                out = out.set(v, out[v] + (m,))
        return msgs.set(i, out)

    def targets(self, s, infos, i) -> frozenset:
        """The connected sids of infos that are learners of i, i excluded."""
        return frozenset(c.sid for c in infos if c.connected) & s.learners[i] - {i}

    @staticmethod
    def recorded(s, *, timeout=0, restart=0, requests=0, history=None, accepted=None):
        """UpdateRecorder: the counters an action moves (nTransaction: the longest history after a request;
        maxEpoch: the largest acceptedEpoch after a CEPOCH is processed)."""
        r = s.recorder
        return r.set(
            nTimeout=r.nTimeout + timeout,
            nRestart=r.nRestart + restart,
            nClientRequest=r.nClientRequest + requests,
            nTransaction=max(map(len, history.values())) if history is not None else r.nTransaction,
            maxEpoch=max(accepted.values()) if accepted is not None else r.maxEpoch,
        )

    def violated(self, s, **flags):
        """violatedInvariants with the given flags raised."""
        return s.violatedInvariants.set(**flags)

    def switch_to_leader(self, s, i) -> dict:
        """SwitchToLeader(i): the updates, as keyword arguments of State.set."""
        return dict(
            state=s.state.set(i, LEADING),
            zabState=s.zabState.set(i, DISCOVERY),
            learners=s.learners.set(i, frozenset({i})),
            cepochRecv=s.cepochRecv.set(i, frozenset({CepochInfo(i, True, s.acceptedEpoch[i])})),
            ackeRecv=s.ackeRecv.set(i, frozenset({AckeInfo(i, True, s.currentEpoch[i], s.history[i])})),
            ackldRecv=s.ackldRecv.set(i, frozenset({AckldInfo(i, True)})),
            sendCounter=s.sendCounter.set(i, 0),
        )

    def follower_shutdown(self, s, i) -> dict:
        """FollowerShutdown(i): back to election, with no leader."""
        return dict(state=s.state.set(i, LOOKING), zabState=s.zabState.set(i, ELECTION),
                    connectInfo=s.connectInfo.set(i, NullPoint))

    def part(self, s, leader, j) -> dict:
        """Follower j and its leader part: RemoveLearner(leader, j), FollowerShutdown(j), Clean(leader, j)."""
        return dict(self.remove_learner(s, leader, j), **self.follower_shutdown(s, j),
                    msgs=self.clean(s.msgs, leader, j))

    def leader_shutdown(self, s, i) -> dict:
        """LeaderShutdown(i): i and its learners back to election, the channels into them emptied."""
        group = s.learners[i]
        return dict(
            state=FrozenMap.of({v: LOOKING if v in group else s.state[v] for v in self.Server}),
            zabState=FrozenMap.of({v: ELECTION if v in group else s.zabState[v] for v in self.Server}),
            connectInfo=FrozenMap.of({v: NullPoint if v in group else s.connectInfo[v] for v in self.Server}),
            msgs=self.clean_input_buffer(s.msgs, group),
            learners=s.learners.set(i, frozenset()),
        )

    @staticmethod
    def disconnect(infos: frozenset, j) -> frozenset:
        """Remove*Recv: j's record (if any) marked disconnected."""
        return frozenset(c.set(connected=False) if c.sid == j else c for c in infos)

    def remove_learner(self, s, i, j) -> dict:
        """RemoveLearner(i, j)."""
        return dict(
            learners=s.learners.set(i, s.learners[i] - {j}),
            cepochRecv=s.cepochRecv.set(i, self.disconnect(s.cepochRecv[i], j)),
            ackeRecv=s.ackeRecv.set(i, self.disconnect(s.ackeRecv[i], j)),
            ackldRecv=s.ackldRecv.set(i, self.disconnect(s.ackldRecv[i], j)),
        )

    @staticmethod
    def updated(infos: frozenset, record) -> frozenset:
        """Update*Recv: the record replaces the one of its sid."""
        return frozenset(c for c in infos if c.sid != record.sid) | {record}

    def lose_follower(self, s, leader, j) -> dict:
        """A leader loses follower j: it goes on without j if the rest are a quorum, else it shuts down
        (Timeout's and Restart's common case)."""
        if self.is_quorum(s.learners[leader] - {j}):
            return self.part(s, leader, j)
        return self.leader_shutdown(s, leader)

    # -- election (an oracle) ------------------------------------------------------------------

    @action(i="Server")
    def UpdateLeader(self, s, i):
        """The oracle names i, which was looking, leader."""
        if s.state[i] == LOOKING and s.leaderOracle != i:
            return s.set(leaderOracle=i, **self.switch_to_leader(s, i))

    @action(i="Server")
    def FollowLeader(self, s, i):
        """Looking server i follows the oracle's leader (or leads, if it is the one)."""
        if s.state[i] == LOOKING and s.leaderOracle != NullPoint:
            if s.leaderOracle == i:
                return s.set(**self.switch_to_leader(s, i))
            return s.set(state=s.state.set(i, FOLLOWING), zabState=s.zabState.set(i, DISCOVERY))

    # -- failures ------------------------------------------------------------------------------

    @action(i="Server", j="Server")
    def Timeout(self, s, i, j):
        """Leader i and its follower j lose touch."""
        if (s.recorder.nTimeout < self.max_timeout_failures and s.state[i] == LEADING and j in s.learners[i]
                and s.state[j] == FOLLOWING and s.connectInfo[j] == i):
            return s.set(**self.lose_follower(s, i, j), recorder=self.recorded(s, timeout=1))

    @action(i="Server")
    def Restart(self, s, i):
        """Server i restarts: it keeps its epochs and history, loses lastCommitted, and its leader or
        followers lose it."""
        if not (s.recorder.nTimeout < self.max_timeout_failures and s.recorder.nRestart < self.max_restarts):
            return None
        if s.state[i] == LOOKING:
            changes = {}
        elif s.state[i] == FOLLOWING and s.connectInfo[i] != NullPoint:
            changes = self.lose_follower(s, s.connectInfo[i], i)
        elif s.state[i] == FOLLOWING:
            changes = dict(self.follower_shutdown(s, i), msgs=self.clean_input_buffer(s.msgs, {i}))
        else:
            changes = self.leader_shutdown(s, i)
        return s.set(**changes, lastCommitted=s.lastCommitted.set(i, NONE_COMMITTED),
                     recorder=self.recorded(s, timeout=1, restart=1))

    # -- discovery -----------------------------------------------------------------------------

    @action(i="Server", j="Server")
    def ConnectAndFollowerSendCEPOCH(self, s, i, j):
        """Follower j connects to leader i, the oracle's, and sends its acceptedEpoch."""
        if (s.state[i] == LEADING and j not in s.learners[i] and s.state[j] == FOLLOWING
                and s.connectInfo[j] == NullPoint and s.leaderOracle == i):
            return s.set(learners=s.learners.set(i, s.learners[i] | {j}), connectInfo=s.connectInfo.set(j, i),
                         msgs=self.send(s.msgs, j, i, CEPOCH(s.acceptedEpoch[j])))

    @action(i="Server", j="Server")
    def LeaderProcessCEPOCH(self, s, i, j):
        """Leader i takes learner j's CEPOCH: with a quorum of them it picks a new epoch and broadcasts
        NEWEPOCH; after that it answers a latecomer at once."""
        if not (s.recorder.maxEpoch < self.max_epoch and s.state[i] == LEADING and self.pending(s, i, j, CEPOCH)
                and j in s.learners[i]):
            return None
        msg = s.msgs[j][i][0]
        cepoch = self.updated(s.cepochRecv[i], CepochInfo(j, True, msg.mepoch))
        if not self.is_quorum({c.sid for c in s.cepochRecv[i]}):
            violations = s.violatedInvariants if s.zabState[i] == DISCOVERY else self.violated(
                s, stateInconsistent=True)
            if self.is_quorum({c.sid for c in cepoch}):
                accepted = s.acceptedEpoch.set(i, max(c.epoch for c in cepoch) + 1)
                msgs = self.discard_and_broadcast(s.msgs, i, j, NEWEPOCH(accepted[i]), self.targets(s, cepoch, i))
            else:
                accepted, msgs = s.acceptedEpoch, self.discard(s.msgs, j, i)
        else:
            violations, accepted = s.violatedInvariants, s.acceptedEpoch
            msgs = self.reply(s.msgs, i, j, NEWEPOCH(s.acceptedEpoch[i]))
        return s.set(cepochRecv=s.cepochRecv.set(i, cepoch), acceptedEpoch=accepted, msgs=msgs,
                     violatedInvariants=violations, recorder=self.recorded(s, accepted=accepted))

    @action(i="Server", j="Server")
    def FollowerProcessNEWEPOCH(self, s, i, j):
        """Follower i takes its leader j's new epoch and acknowledges with its history, or, if the epoch is
        stale, goes back to election."""
        if not (s.state[i] == FOLLOWING and self.pending(s, i, j, NEWEPOCH) and s.connectInfo[i] == j):
            return None
        msg = s.msgs[j][i][0]
        if msg.mepoch >= s.acceptedEpoch[i]:
            if s.zabState[i] == DISCOVERY:
                return s.set(acceptedEpoch=s.acceptedEpoch.set(i, msg.mepoch),
                             msgs=self.reply(s.msgs, i, j, ACKEPOCH(s.currentEpoch[i], s.history[i])),
                             zabState=s.zabState.set(i, SYNCHRONIZATION))
            return s.set(violatedInvariants=self.violated(s, stateInconsistent=True),
                         msgs=self.discard(s.msgs, j, i))
        return s.set(**self.part(s, j, i))

    def initial_history(self, s, acke: frozenset) -> tuple:
        """DetermineInitialHistory: the history of the peer with the latest (currentEpoch, last zxid)."""
        best = max(acke, key=lambda a: (a.peerLastEpoch, last_zxid(a.peerHistory), a.sid))  # ties: the same history
        return best.peerHistory

    @action(i="Server", j="Server")
    def LeaderProcessACKEPOCH(self, s, i, j):
        """Leader i takes learner j's ACKEPOCH: with a quorum it adopts the latest history among them and
        broadcasts NEWLEADER; after that it answers a latecomer at once."""
        if not (s.state[i] == LEADING and self.pending(s, i, j, ACKEPOCH) and j in s.learners[i]):
            return None
        msg = s.msgs[j][i][0]
        acke = self.updated(s.ackeRecv[i], AckeInfo(j, True, msg.mepoch, msg.mhistory))
        if self.is_quorum({a.sid for a in s.ackeRecv[i]}):
            log = {Proposal(i, s.acceptedEpoch[i], t.zxid, t.value) for t in s.history[i]}
            return s.set(ackeRecv=s.ackeRecv.set(i, acke),
                         msgs=self.reply(s.msgs, i, j, NEWLEADER(s.acceptedEpoch[i], s.history[i])),
                         proposalMsgsLog=s.proposalMsgsLog | log)
        violations = s.violatedInvariants if s.zabState[i] == DISCOVERY else self.violated(s, stateInconsistent=True)
        if not self.is_quorum({a.sid for a in acke}):
            return s.set(ackeRecv=s.ackeRecv.set(i, acke), violatedInvariants=violations,
                         msgs=self.discard(s.msgs, j, i))
        e = s.acceptedEpoch[i]
        history = tuple(t.set(ackSid=frozenset({i})) for t in self.initial_history(s, acke))
        leaders = s.epochLeader
        return s.set(
            ackeRecv=s.ackeRecv.set(i, acke),
            violatedInvariants=violations,
            currentEpoch=s.currentEpoch.set(i, e),
            epochLeader=leaders[:e - 1] + (leaders[e - 1] | {i},) + leaders[e:],
            history=s.history.set(i, history),
            zabState=s.zabState.set(i, SYNCHRONIZATION),
            msgs=self.discard_and_broadcast(s.msgs, i, j, NEWLEADER(e, history), self.targets(s, acke, i)),
            proposalMsgsLog=s.proposalMsgsLog | {Proposal(i, e, t.zxid, t.value) for t in history},
        )

    # -- synchronization -----------------------------------------------------------------------

    @action(i="Server", j="Server")
    def FollowerProcessNEWLEADER(self, s, i, j):
        """Follower i takes its leader j's history as its own and acknowledges, or, if the epoch is not the
        one it accepted, goes back to election."""
        if not (s.state[i] == FOLLOWING and self.pending(s, i, j, NEWLEADER) and s.connectInfo[i] == j):
            return None
        msg = s.msgs[j][i][0]
        if s.acceptedEpoch[i] != msg.mepoch:
            return s.set(**self.part(s, j, i))
        violations = (s.violatedInvariants if s.zabState[i] == SYNCHRONIZATION
                      else self.violated(s, stateInconsistent=True))
        return s.set(violatedInvariants=violations, currentEpoch=s.currentEpoch.set(i, s.acceptedEpoch[i]),
                     history=s.history.set(i, self.synced(s.history[i], msg.mhistory)),
                     msgs=self.reply(s.msgs, i, j, ACKLD(last_zxid(msg.mhistory))))

    def synced(self, own: tuple, leaders: tuple) -> tuple:
        """A follower's history after NEWLEADER: the leader's, whatever it had (TRUNC and DIFF alike)."""
        return leaders

    @staticmethod
    def acked(his: tuple, j, upto: tuple) -> tuple:
        """UpdateAcksid: j acknowledges every txn up to zxid upto."""
        out = list(his)
        for k, t in enumerate(his):
            if zxid_greater(t.zxid, upto):
                break
            out[k] = t.set(ackSid=t.ackSid | {j})
        return tuple(out)

    @action(i="Server", j="Server")
    def LeaderProcessACKLD(self, s, i, j):
        """Leader i takes learner j's ACKLD: with a quorum it commits the initial history and broadcasts
        COMMITLD; after that it answers a latecomer with its commit point."""
        if not (s.state[i] == LEADING and self.pending(s, i, j, ACKLD) and j in s.learners[i]):
            return None
        msg = s.msgs[j][i][0]
        ackld = self.updated(s.ackldRecv[i], AckldInfo(j, True))
        history = s.history.set(i, self.acked(s.history[i], j, msg.mzxid))
        if not self.is_quorum({a.sid for a in s.ackldRecv[i]}):
            violations = (s.violatedInvariants if s.zabState[i] == SYNCHRONIZATION
                          else self.violated(s, stateInconsistent=True))
            if self.is_quorum({a.sid for a in ackld}):
                last = last_zxid(s.history[i])
                return s.set(ackldRecv=s.ackldRecv.set(i, ackld), history=history, violatedInvariants=violations,
                             lastCommitted=s.lastCommitted.set(i, Committed(len(s.history[i]), last)),
                             zabState=s.zabState.set(i, BROADCAST),
                             msgs=self.discard_and_broadcast(s.msgs, i, j, COMMITLD(last), self.targets(s, ackld, i)))
            return s.set(ackldRecv=s.ackldRecv.set(i, ackld), history=history, violatedInvariants=violations,
                         msgs=self.discard(s.msgs, j, i))
        violations = s.violatedInvariants if s.zabState[i] == BROADCAST else self.violated(s, stateInconsistent=True)
        return s.set(ackldRecv=s.ackldRecv.set(i, ackld), history=history, violatedInvariants=violations,
                     msgs=self.reply(s.msgs, i, j, COMMITLD(self.commitld_zxid(s, i, msg))))

    def commitld_zxid(self, s, i, msg) -> tuple:
        """What a COMMITLD to a latecomer commits up to: the leader's commit point (the spec's fix of its
        issue 3)."""
        return s.lastCommitted[i].zxid

    @action(i="Server", j="Server")
    def FollowerProcessCOMMITLD(self, s, i, j):
        """Follower i commits what its leader j committed at the end of synchronization, and broadcasts."""
        if not (s.state[i] == FOLLOWING and self.pending(s, i, j, COMMITLD) and s.connectInfo[i] == j):
            return None
        msg = s.msgs[j][i][0]
        index = 0 if msg.mzxid == ZERO else zxid_to_index(s.history[i], msg.mzxid)
        violations = (s.violatedInvariants if 0 <= index <= len(s.history[i])
                      else self.violated(s, proposalInconsistent=True))
        return s.set(violatedInvariants=violations, lastCommitted=s.lastCommitted.set(i, Committed(index, msg.mzxid)),
                     zabState=s.zabState.set(i, BROADCAST), msgs=self.discard(s.msgs, j, i))

    # -- broadcast -----------------------------------------------------------------------------

    @action(i="Server")
    def LeaderProcessRequest(self, s, i):
        """Leader i appends a client's request to its history."""
        if not (s.recorder.nTransaction < self.max_transactions and s.state[i] == LEADING
                and s.zabState[i] == BROADCAST):
            return None
        last = last_zxid(s.history[i])
        zxid = (last[0], last[1] + 1) if s.currentEpoch[i] == last[0] else (s.currentEpoch[i], 1)
        txn = Txn(zxid, s.recorder.nClientRequest, frozenset({i}), s.currentEpoch[i])
        history = s.history.set(i, s.history[i] + (txn,))
        return s.set(history=history, recorder=self.recorded(s, requests=1, history=history))

    def current_counter(self, s, i) -> int:
        """CurrentCounter(i): the counter of i's last zxid, if it is of i's current epoch."""
        last = last_zxid(s.history[i])
        return last[1] if last[0] == s.currentEpoch[i] else 0

    @action(i="Server")
    def LeaderBroadcastPROPOSE(self, s, i):
        """Leader i proposes its next txn of this epoch to its connected followers."""
        if not (s.state[i] == LEADING and s.zabState[i] == BROADCAST
                and s.sendCounter[i] < self.current_counter(s, i)):
            return None
        c = s.sendCounter[i] + 1
        txn = s.history[i][zxid_to_index(s.history[i], (s.currentEpoch[i], c)) - 1]
        return s.set(sendCounter=s.sendCounter.set(i, c),
                     msgs=self.broadcast(s.msgs, i, PROPOSE(txn.zxid, txn.value), self.propose_targets(s, i)),
                     proposalMsgsLog=s.proposalMsgsLog | {Proposal(i, s.currentEpoch[i], txn.zxid, txn.value)})

    def propose_targets(self, s, i) -> frozenset:
        """Who gets a PROPOSE: the connected learners that sent ACKEPOCH (the spec's fix of its issue 1)."""
        return self.targets(s, s.ackeRecv[i], i)

    @action(i="Server", j="Server")
    def FollowerProcessPROPOSE(self, s, i, j):
        """Follower i logs its leader j's next proposal and acknowledges it; a duplicate is dropped."""
        if not (s.state[i] == FOLLOWING and self.pending(s, i, j, PROPOSE) and s.connectInfo[i] == j):
            return None
        msg = s.msgs[j][i][0]
        his = s.history[i]
        if is_next_zxid(last_zxid(his), msg.mzxid):
            txn = Txn(msg.mzxid, msg.mdata, frozenset(), s.currentEpoch[i])
            return s.set(history=s.history.set(i, his + (txn,)), msgs=self.reply(s.msgs, i, j, ACK(msg.mzxid)))
        index = zxid_to_index(his, msg.mzxid)
        violations = s.violatedInvariants if self.duplicate_ok(his, index) else self.violated(
            s, proposalInconsistent=True)
        return s.set(violatedInvariants=violations, msgs=self.discard(s.msgs, j, i))

    def duplicate_ok(self, his: tuple, index: int) -> bool:
        """A PROPOSE that is not the next one is fine if the follower has it already (the spec's fix of its
        issue 2: a latecomer is sent again what NEWLEADER gave it)."""
        return 0 < index <= len(his)

    @action(i="Server", j="Server")
    def LeaderProcessACK(self, s, i, j):
        """Leader i counts learner j's ACK, and commits the txn once a quorum has it and all before it are
        committed."""
        if not (s.state[i] == LEADING and self.pending(s, i, j, ACK) and j in s.learners[i]):
            return None
        msg = s.msgs[j][i][0]
        his, committed = s.history[i], s.lastCommitted[i]
        index = zxid_to_index(his, msg.mzxid)
        acks = [k for k, t in enumerate(his, 1) if j in t.ackSid]
        ack_index = max(acks) if acks else -1
        exist, in_order = 1 <= index <= len(his), ack_index == -1 or ack_index + 1 == index
        if not (exist and in_order):
            t = s.set(violatedInvariants=self.violated(s, ackInconsistent=True), msgs=self.discard(s.msgs, j, i))
            return ways(t, not exist, not in_order)
        txn = his[index - 1].set(ackSid=his[index - 1].ackSid | {j})
        history = s.history.set(i, his[:index - 1] + (txn,) + his[index:])
        outstanding = committed.index < len(his)
        has_committed = not zxid_greater(msg.mzxid, committed.zxid)
        if not outstanding or has_committed:
            return ways(s.set(history=history, msgs=self.discard(s.msgs, j, i)), not outstanding, has_committed)
        all_before, quorum = committed.index >= index - 1, self.is_quorum(txn.ackSid)  # LeaderTryToCommit
        if not (all_before and quorum):
            return ways(s.set(history=history, msgs=self.discard(s.msgs, j, i)), not all_before, not quorum)
        violations = (s.violatedInvariants if committed.index + 1 == index
                      else self.violated(s, commitInconsistent=True))
        return s.set(history=history, violatedInvariants=violations,
                     lastCommitted=s.lastCommitted.set(i, Committed(index, msg.mzxid)),
                     msgs=self.discard_and_broadcast(s.msgs, i, j, COMMIT(msg.mzxid),
                                                     self.targets(s, s.ackldRecv[i], i)))

    @action(i="Server", j="Server")
    def FollowerProcessCOMMIT(self, s, i, j):
        """Follower i commits its next pending txn, which its leader j committed."""
        if not (s.state[i] == FOLLOWING and self.pending(s, i, j, COMMIT) and s.connectInfo[i] == j):
            return None
        msg = s.msgs[j][i][0]
        his, committed = s.history[i], s.lastCommitted[i]
        changes = {}
        if committed.index < len(his):
            first = his[committed.index]
            if first.zxid == msg.mzxid:
                changes["lastCommitted"] = s.lastCommitted.set(i, Committed(committed.index + 1, first.zxid))
            else:
                changes["violatedInvariants"] = self.violated(s, commitInconsistent=True)
        return s.set(**changes, msgs=self.discard(s.msgs, j, i))

    @action(i="Server", j="Server")
    def FilterNonexistentMessage(self, s, i, j):
        """A message i can never take (a leader's message to a leader, a stranger's, anything to a looking
        server) is dropped, and flagged: this must never happen."""
        channel = s.msgs[j][i]
        if j == i or not channel:
            return None
        kind = type(channel[0])
        if ((s.state[i] == LEADING and (kind in TO_FOLLOWER or (j not in s.learners[i] and kind in TO_LEADER)))
                or (s.state[i] == FOLLOWING and (kind in TO_LEADER or (s.connectInfo[i] != j and kind in TO_FOLLOWER)))
                or s.state[i] == LOOKING):
            return s.set(msgs=self.discard(s.msgs, j, i), violatedInvariants=self.violated(s, messageIllegal=True))

    def lane(self, action, args):
        """Sequence charts: a message is taken by its receiver i."""
        return args.get("i") if args else None

    # -- properties ----------------------------------------------------------------------------

    @derived
    def replicated(self, s) -> log.LogState:
        """specs.log's view: each history as entries (zxid and value, TxnEqual's identity), each commit index,
        and the leaders established in an epoch (in synchronization or broadcast)."""
        logs = FrozenMap.of({i: tuple(Entry(t.zxid[0], t.zxid, t.value) for t in s.history[i]) for i in self.Server})
        commit = FrozenMap.of({i: s.lastCommitted[i].index for i in self.Server})
        leaders = frozenset((i, s.currentEpoch[i]) for i in self.Server
                            if s.state[i] == LEADING and s.zabState[i] in (SYNCHRONIZATION, BROADCAST))
        return log.LogState(logs, commit, leaders)

    @invariant
    def ShouldNotBeTriggered(self, s):
        """No action ever met a case the protocol rules out (the spec's violatedInvariants all false)."""
        return not any(s.violatedInvariants)

    Leadership1 = log.ElectionSafety(name="Leadership1")  # one established leader per epoch

    @invariant
    def Leadership2(self, s):
        """At most one server ever becomes leader of an epoch."""
        return all(len(leaders) <= 1 for leaders in s.epochLeader)

    PrefixConsistency = log.StateMachineSafety(name="PrefixConsistency")  # committed prefixes agree

    def committed(self, s, i) -> tuple:
        """history[i][1..lastCommitted[i].index]."""
        return s.history[i][:s.lastCommitted[i].index]

    @invariant
    def Integrity(self, s):
        """A follower commits only transactions some leader proposed."""
        proposed = {(p.zxid, p.data) for p in s.proposalMsgsLog}
        return all((t.zxid, t.value) in proposed for i in self.Server if s.state[i] == FOLLOWING
                   for t in self.committed(s, i))

    @invariant
    def Agreement(self, s):
        """Of two followers that committed something, one committed all the other did (the spec's form)."""
        for i in self.Server:
            for j in self.Server:
                ci, cj = self.committed(s, i), self.committed(s, j)
                if not (s.state[i] == FOLLOWING and ci and s.state[j] == FOLLOWING and cj):
                    continue
                in_j = all(any(txn_equal(x, t) for x in cj) for t in ci)
                in_i = all(any(txn_equal(x, t) for x in ci) for t in cj)
                if not (in_j or in_i):  # for some idx1, idx2 neither is found in the other's
                    return False
        return True

    @invariant
    def TotalOrder(self, s):
        """Two transactions both servers committed are committed in the same order."""
        for i in self.Server:
            for j in self.Server:
                ci, cj = self.committed(s, i), self.committed(s, j)
                if len(ci) < 2 or len(cj) < 2:
                    continue
                for i1 in range(len(ci) - 1):
                    for i2 in range(i1 + 1, len(ci)):
                        at = [k for k, t in enumerate(cj) if txn_equal(ci[i2], t)]
                        if at and not any(txn_equal(ci[i1], cj[j1]) for j2 in at for j1 in range(j2)):
                            return False
        return True

    @invariant
    def LocalPrimaryOrder(self, s):
        """Transactions a leader proposed in an epoch are committed in the order it proposed them (as the
        spec writes it, a pair may be a transaction with itself, so it cannot fail: kept for its name)."""
        for i in self.Server:
            for e in range(1, s.currentEpoch[i] + 1):
                txns = {(p.zxid, p.data) for p in s.proposalMsgsLog if p.source == i and p.epoch == e}
                if len(txns) >= 2 and not any(t1 == t2 for t1 in txns for t2 in txns):
                    return False
        return True

    @invariant
    def GlobalPrimaryOrder(self, s):
        """A server commits the transactions of an earlier epoch before those of a later one."""
        for i in self.Server:
            c = self.committed(s, i)
            if len(c) >= 2 and any(c[a].zxid[0] < c[b].zxid[0] and not a < b
                                   for a in range(len(c)) for b in range(len(c))):
                return False
        return True

    @invariant
    def PrimaryIntegrity(self, s):
        """Every transaction of an earlier epoch that a follower in broadcast committed, its leader (in
        broadcast too) committed as well."""
        for i in self.Server:
            for j in self.Server:
                if not (s.state[i] == LEADING and j in s.learners[i] and s.state[j] == FOLLOWING
                        and s.connectInfo[j] == i and s.zabState[i] == BROADCAST and s.zabState[j] == BROADCAST
                        and s.lastCommitted[j].index >= 1):
                    continue
                ci = self.committed(s, i)
                for t in self.committed(s, j):
                    if t.zxid[0] < s.currentEpoch[i] and not any(txn_equal(x, t) for x in ci):
                        return False
        return True

    @reachable
    def CommittedAfterLeaderChange(self, s):
        """A transaction is committed on a quorum after a leader change: two epochs have had their established
        leader (so a scope where recovery never happens is not mistaken for a safe one)."""
        if sum(1 for leaders in s.epochLeader if leaders) < 2:
            return False
        for i in self.Server:
            for t in self.committed(s, i):
                holders = {j for j in self.Server if any(txn_equal(t, x) for x in self.committed(s, j))}
                if self.is_quorum(holders):
                    return True
        return False


class ProposeToAckld(Zab):
    """Bug (the spec's issue 1): PROPOSE goes to the learners that sent ACKLD, not ACKEPOCH: a follower
    between the two phases misses a proposal that NEWLEADER did not carry either."""

    def propose_targets(self, s, i) -> frozenset:
        return self.targets(s, s.ackldRecv[i], i)


class CommitldFromAckld(Zab):
    """Bug (the spec's issue 3): the COMMITLD a latecomer gets carries the zxid of its own ACKLD, not the
    leader's commit point: it commits what the leader has not."""

    def commitld_zxid(self, s, i, msg) -> tuple:
        return msg.mzxid


class StrictPropose(Zab):
    """Bug (the spec's issue 2): a follower takes a PROPOSE for a transaction it already has as an error."""

    def duplicate_ok(self, his: tuple, index: int) -> bool:
        return False


class NoTruncate(Zab):
    """Bug (ZOOKEEPER-1154's family, DIFF instead of TRUNC): on NEWLEADER a follower keeps its own history
    and appends the leader's transactions above its last zxid: one only it logged survives the new epoch."""

    def synced(self, own: tuple, leaders: tuple) -> tuple:
        last = last_zxid(own)
        return own + tuple(t for t in leaders if zxid_greater(t.zxid, last))


def _variants() -> dict:
    from .zab_seed import SeedZab

    return {
        "propose-to-ackld": ProposeToAckld,
        "commitld-from-ackld": CommitldFromAckld,
        "strict-propose": StrictPropose,
        "no-truncate": NoTruncate,
        "seed": SeedZab,
    }


Zab.variants = _variants()
