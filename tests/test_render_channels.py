"""Sequence charts for any message field: FIFO channels (a map of maps of tuples) and a set under
another name than msgs, declared by the model; arrows checked by parsing the DOT."""

from __future__ import annotations

import re

from checker import FrozenMap, Model, action, check, ids, invariant, record
from checker.compiled import compile_model
from checker.render import sequence_chart, violation_chart
from checker.render.chart import chart, value_lines

State = record("State", "chan acks done")
Ping = record("Ping", "type n")
Ack = record("Ack", "type by")


class Relay(Model):
    """Per-pair FIFO channels chan[p][q] (from p to q), and a set of acks everyone can read."""

    messages = ("chan", "acks")
    lanes = ("Node",)

    def __init__(self, n: int = 2):
        self.Node = ids("n", n)

    def init(self):
        return State(FrozenMap.const(self.Node, FrozenMap.const(self.Node, ())), frozenset(), frozenset())

    def Others(self, s, p):
        return [q for q in self.Node if q != p]

    @action(p="Node", q="Others")
    def Send(self, s, p, q):
        """p queues two pings for q."""
        if not s.chan[p][q] and p not in s.done:
            row = s.chan[p]
            return s.set(chan=s.chan.set(p, row.set(q, (Ping("ping", 1), Ping("ping", 2)))), done=s.done | {p})

    @action(p="Node", q="Others")
    def Receive(self, s, p, q):
        """p takes the head of the channel from q and acknowledges it in the set."""
        ch = s.chan[q][p]
        if ch:
            return s.set(chan=s.chan.set(q, s.chan[q].set(p, ch[1:])), acks=s.acks | {Ack("ack", p)})

    @action(p="Node")
    def Finish(self, s, p):
        """p, once it holds an ack from someone else, is done reading."""
        if any(a.by != p for a in s.acks) and p in s.done:
            return s.set(done=s.done - {p})

    @invariant
    def NotEmptied(self, s):
        """Some channel still holds a ping, or nobody ever sent one."""
        return not s.done or any(ch for row in s.chan.values() for ch in row.values())


def arrows(dot: str) -> list[tuple[int, int, int, int, bool]]:
    """(row sent, lane, row received, lane, dangling) for each message arrow of a chart."""
    out = []
    for line in dot.splitlines():
        m = re.search(r"n(\w+)_(\d+) -> ([ng])(\w+)_(\d+) \[(.*)\]", line)
        if m and "constraint=false" in m.group(6) and "invis" not in m.group(6) and "dir=none" not in m.group(6):
            dangling = m.group(3) == "g"
            out.append((m.group(1), int(m.group(2)), m.group(4), int(m.group(5)), dangling))
    return out


def test_a_fifo_dequeue_is_an_arrow_from_the_send_to_the_step_that_took_it():
    result = check(Relay())
    v = result.violation("NotEmptied")
    assert v is not None and v.length == 3  # Send, Receive, Receive: both pings taken
    c = compile_model(Relay())
    ch = chart(c, v.trace)
    assert [m.channel for m in ch.messages if m.channel] == ["chan[n1][n2]", "chan[n1][n2]"]
    pings = [m for m in ch.messages if m.value.type == "ping"]
    assert [m.receivers for m in pings] == [[2], [3]]  # first in, first out
    acks = [m for m in ch.messages if m.value.type == "ack"]
    assert len(acks) == 1 and acks[0].channel is None  # the second ack equals the first: a set holds it once
    lanes = ch.lanes
    assert [ch.rows[r].lane for r in (1, 2, 3)] == ["n1", "n2", "n2"]
    dot = sequence_chart(violation_chart(c, v)).source
    drawn = arrows(dot)
    sender, receiver = lanes.index("n1"), lanes.index("n2")
    assert ("1", sender, "2", receiver, False) in drawn and ("1", sender, "3", receiver, False) in drawn  # rows 1 -> 2, 3
    assert ("2", receiver, "3", receiver, True) in drawn  # the ack nobody needed: a dangling arrow
    assert len(drawn) == 3
    assert "ping n=1 on chan[n1][n2]" in dot


def test_the_state_table_lists_each_channel_that_holds_messages():
    queued = FrozenMap.const(("n1", "n2"), ())
    queued = queued.set("n2", (Ping("ping", 1),))
    assert value_lines(queued) == ["[n2]: ping n=1"]
    assert value_lines(FrozenMap.const(("n1", "n2"), ())) == []


def test_message_fields_default_to_msgs_and_the_changes_leave_them_out():
    from checker.render.chart import _changed, message_fields

    class Plain(Model):
        def init(self):
            return record("S", "msgs x")(frozenset(), 0)

        @action
        def Go(self, s):
            """x grows, a message goes out."""
            if s.x < 1:
                return s.set(msgs=s.msgs | {("m", s.x)}, x=s.x + 1)

    m = Plain()
    s = m.init()
    assert message_fields(m, s) == ("msgs",) and message_fields(Relay(), Relay().init()) == ("chan", "acks")
    t = m.Go(s)
    assert _changed(s, t, []) == [(None, "x: 0 → 1")]
    r = Relay()
    a = r.init()
    b = r.Send(a, "n1", "n2")
    assert _changed(a, b, ["n1", "n2"], ("chan", "acks")) == [(None, "done: + n1")]
