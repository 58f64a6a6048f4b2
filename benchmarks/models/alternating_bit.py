"""The alternating-bit protocol over lossy FIFO channels, translated from the TLA+ Examples'
``specifications/SpecifyingSystems/TLC/AlternatingBit.tla`` and its model ``MCAlternatingBit.tla`` (Leslie
Lamport, Specifying Systems, chapter 14; tlaplus/Examples commit 32a32c7b).

Variables and actions are the spec's: the sender sends a new value d with a flipped bit (SndNewValue(d)), or
sends its current message again while unacknowledged (ReSndMsg); the receiver takes the head of msgQ
(RcvMsg) and sends its bit back (SndAck); the sender takes the head of ackQ (RcvAck); either channel may lose
any message (LoseMsg, LoseAck: one successor per position lost). Data are the strings of ``data``. As
MCAlternatingBit, the scope is ``SeqConstraint`` (at most msg_len messages on msgQ, ack_len on ackQ).

Fairness is ABFairness: ``WF(ReSndMsg) /\\ WF(SndAck) /\\ SF(RcvMsg) /\\ SF(RcvAck)``; strong fairness for
receiving, since a channel that loses messages can disable RcvMsg again and again. The property is
MCAlternatingBit's ``SentLeadsToRcvd == \\A d \\in Data : (sent = d) /\\ (sBit # sAck) ~> (rcvd = d)``.

TLC 2.20 on MCAlternatingBit.cfg (Data = {d1, d2}, msgQLen = ackQLen = 2): no error, 240 distinct states
(80 with both lengths 1); Concord's counts are the same. With SF(RcvMsg) weakened to WF, SentLeadsToRcvd
fails on a cycle that loses every message sent. tests/test_liveness_tlc.py pins these verdicts to TLC's.
"""

from __future__ import annotations

from checker import SF, WF, Model, action, constraint, invariant, leads_to, record

State = record("State", "msgQ ackQ sBit sAck rBit sent rcvd")  # the queues are tuples; msgQ's items (bit, d)


class AlternatingBit(Model):
    """The alternating-bit protocol: a sender and a receiver over two lossy FIFO channels, bounded in length."""

    fairness = (WF("ReSndMsg"), WF("SndAck"), SF("RcvMsg"), SF("RcvAck"))  # ABFairness

    def __init__(self, data: tuple = ("d1", "d2"), msg_len: int = 2, ack_len: int = 2):
        self.Data = tuple(data)
        self.msg_len, self.ack_len = msg_len, ack_len

    def init(self):
        """Empty channels, the three bits equal, any sent and received value (ABInit)."""
        return [State(msgQ=(), ackQ=(), sBit=b, sAck=b, rBit=b, sent=d, rcvd=e)
                for b in (0, 1) for d in self.Data for e in self.Data]

    @action(d="Data")
    def SndNewValue(self, s, d):
        """Once the last value is acknowledged, send d with the other bit."""
        if s.sAck == s.sBit:
            bit = 1 - s.sBit
            return s.set(sent=d, sBit=bit, msgQ=s.msgQ + ((bit, d),))

    @action
    def ReSndMsg(self, s):
        """Send the unacknowledged message again."""
        if s.sAck != s.sBit:
            return s.set(msgQ=s.msgQ + ((s.sBit, s.sent),))

    @action
    def RcvMsg(self, s):
        """The receiver takes the first message: its bit and value."""
        if s.msgQ:
            (bit, d), rest = s.msgQ[0], s.msgQ[1:]
            return s.set(msgQ=rest, rBit=bit, rcvd=d)

    @action
    def SndAck(self, s):
        """The receiver sends its bit back (always enabled)."""
        return s.set(ackQ=s.ackQ + (s.rBit,))

    @action
    def RcvAck(self, s):
        """The sender takes the first acknowledgement."""
        if s.ackQ:
            return s.set(ackQ=s.ackQ[1:], sAck=s.ackQ[0])

    @action
    def LoseMsg(self, s):
        """msgQ loses one of its messages (any one)."""
        q = s.msgQ
        return [s.set(msgQ=q[:i] + q[i + 1:]) for i in range(len(q))] or None

    @action
    def LoseAck(self, s):
        """ackQ loses one of its acknowledgements (any one)."""
        q = s.ackQ
        return [s.set(ackQ=q[:i] + q[i + 1:]) for i in range(len(q))] or None

    @constraint
    def SeqConstraint(self, s):
        """At most msg_len messages on msgQ and ack_len on ackQ (MCAlternatingBit's scope)."""
        return len(s.msgQ) <= self.msg_len and len(s.ackQ) <= self.ack_len

    @invariant
    def ABTypeInv(self, s):
        """Bits are 0 or 1, values are Data, the queues hold (bit, value) pairs and bits."""
        bits, data = (0, 1), self.Data
        return (all(b in bits and d in data for b, d in s.msgQ) and all(b in bits for b in s.ackQ)
                and s.sBit in bits and s.sAck in bits and s.rBit in bits and s.sent in data and s.rcvd in data)

    @leads_to(d="Data")
    def SentLeadsToRcvd(self, s, d):
        """A value sent and not yet acknowledged is eventually received: (sent = d /\\ sBit # sAck) ~> rcvd = d."""
        return s.sent == d and s.sBit != s.sAck, s.rcvd == d
