"""Small models whose right answers are known by hand: each once fooled the checker into merging states."""

from rich_values import PingD as Ping
from rich_values import PongD as Pong

from checker import Bag, FrozenMap, Model, action, derived, ids, invariant, record, transition
from checker.canonical import encode


class Walk(Model):
    """Visits the given values in order (each state a 1-tuple holding one); the last one must not be
    reached (it is, after len - 1 steps)."""

    def __init__(self, values: tuple = (0, -1, -2, -3)):
        self.values = tuple((v,) for v in values)
        self.position = {encode(v): i for i, v in enumerate(self.values)}  # by identity: 1 and True differ

    def init(self):
        return self.values[0]

    @action
    def Next(self, s):
        """Move on to the next value."""
        i = self.position[encode(s)]
        if i + 1 < len(self.values):
            return self.values[i + 1]

    @invariant
    def NotLast(self, s):
        """The last value is never reached."""
        return self.position[encode(s)] != len(self.values) - 1

    @derived
    def tenfold(self, s):
        """A value derived from the state, remembered per state."""
        return ("tenfold", self.position[encode(s)] * 10)

    @invariant
    def DerivedMatches(self, s):
        """The remembered derived value is the one of this very state."""
        return self.tenfold(s) == ("tenfold", self.position[encode(s)] * 10)


# -- ping-pong: three steps, with messages as frozen dataclasses or as records --------------------


PingR = record("PingR", "n")
PongR = record("PongR", "n")
Net = record("Net", "msgs done")


class PingPong(Model):
    """A client pings, the server pongs, the client finishes on the pong (three steps)."""

    ping, pong = Ping(1), Pong(1)

    def init(self):
        return Net(msgs=frozenset(), done=False)

    @action
    def SendPing(self, s):
        """The client sends a ping."""
        if not s.msgs and not s.done:
            return s.set(msgs=frozenset({self.ping}))

    @action
    def Reply(self, s):
        """The server answers a ping with a pong."""
        if self.ping in s.msgs:
            return s.set(msgs=frozenset({self.pong}))

    @action
    def Finish(self, s):
        """The client consumes the pong and is done."""
        if self.pong in s.msgs:
            return s.set(msgs=frozenset(), done=True)

    @invariant
    def NeverDone(self, s):
        """The client never finishes (its violation shows the whole exchange)."""
        return not s.done


class PingPongRecords(PingPong):
    """The same protocol with messages as records, as the README recommends."""

    ping, pong = PingR(1), PongR(1)


class MapOrders(Model):
    """Two actions build the same map in two key orders; a third builds a map over other keys."""

    def init(self):
        return (FrozenMap.of({"a": 0, "b": 0}),)

    @action
    def AB(self, s):
        """Set both, a first."""
        return (FrozenMap.of({"a": 1, "b": 1}),)

    @action
    def BA(self, s):
        """Set both, b first: the same map."""
        return (FrozenMap.of({"b": 1, "a": 1}),)

    @action
    def Other(self, s):
        """A map over other keys with the same values."""
        return (FrozenMap.of({"c": 1, "d": 1}),)


class NaNState(Model):
    """A state holding NaN, which equals nothing, not even itself."""

    def init(self):
        return (0.0,)

    @action
    def Divide(self, s):
        """Compute 0 * inf."""
        return (s[0] * float("inf"),)


# -- symmetry with ids that look like data --------------------------------------------------------


class Flags(Model):
    """Two nodes each raise a boolean flag; both raised is the violation (after 2 steps)."""

    symmetry = ("nodes",)

    def __init__(self, nodes: tuple = ("n1", "n2")):
        self.nodes = tuple(nodes)

    def init(self):
        return FrozenMap.const(self.nodes, False)

    @action(i="nodes")
    def Raise(self, s, i):
        """Node i raises its flag."""
        if not s[i]:
            return s.set(i, True)

    @invariant
    def NotBoth(self, s):
        """Never both flags up."""
        return not all(s.values())


class Counters(Model):
    """Two nodes count up to 2 each; both at 2 is the violation (after 4 steps)."""

    symmetry = ("nodes",)

    def __init__(self, nodes: tuple = ("n1", "n2")):
        self.nodes = tuple(nodes)

    def init(self):
        return FrozenMap.const(self.nodes, 0)

    @action(i="nodes")
    def Inc(self, s, i):
        """Node i counts one up."""
        if s[i] < 2:
            return s.set(i, s[i] + 1)

    @invariant
    def NotBothDone(self, s):
        """Never both counters at 2."""
        return not all(v == 2 for v in s.values())


Term = record("Term", "active sent received inflight detected")


class Termination(Model):
    """Termination detection by counting messages: nodes work, send, receive and stop; a detector
    declares termination when every node is passive and as many messages were received as sent."""

    symmetry = ("nodes",)

    def __init__(self, nodes: tuple = ids("n", 3), max_sent: int = 1):
        self.nodes = tuple(nodes)
        self.max_sent = max_sent

    def init(self):
        return Term(
            active=FrozenMap.const(self.nodes, True),
            sent=FrozenMap.const(self.nodes, 0),
            received=FrozenMap.const(self.nodes, 0),
            inflight=Bag(),
            detected=False,
        )

    @action(i="nodes", j="nodes")
    def Send(self, s, i, j):
        """Active node i sends a message to j."""
        if s.active[i] and i != j and s.sent[i] < self.max_sent:
            return s.set(sent=s.sent.set(i, s.sent[i] + 1), inflight=s.inflight.add(j))

    @action(j="nodes")
    def Receive(self, s, j):
        """Node j receives a message and becomes active."""
        if j in s.inflight:
            return s.set(
                inflight=s.inflight.remove(j),
                active=s.active.set(j, True),
                received=s.received.set(j, s.received[j] + 1),
            )

    @action(i="nodes")
    def Stop(self, s, i):
        """Node i becomes passive."""
        if s.active[i]:
            return s.set(active=s.active.set(i, False))

    @action
    def Detect(self, s):
        """The detector sees every node passive and the counts balanced."""
        if not s.detected and not any(s.active.values()) and sum(s.sent.values()) == sum(s.received.values()):
            return s.set(detected=True)

    @invariant
    def DetectionIsRight(self, s):
        """Termination is declared only when no node is active and no message is in flight."""
        return not s.detected or (not any(s.active.values()) and not s.inflight)


class Asymmetric(Model):
    """Two symmetric processes step up once; the property (declared asymmetric on purpose) is
    broken only by p2's step, which symmetry stores under p1's equivalent state."""

    symmetry = ("procs",)

    def __init__(self):
        self.procs = ("p1", "p2")

    def init(self):
        return FrozenMap.const(self.procs, 0)

    @action(i="procs")
    def Up(self, s, i):
        """Process i steps up once."""
        if s[i] == 0:
            return s.set(i, 1)

    @transition
    def P2StaysPut(self, s, t):
        """p2 never moves."""
        return t["p2"] == s["p2"]


class Diamond(Model):
    """A long way and a short way to x; the bad state lies two steps past x (depth 4 by the short way)."""

    edges = {"s": ("a1", "x"), "a1": ("a2",), "a2": ("a3",), "a3": ("x",), "x": ("y",), "y": ("bad",), "bad": ()}

    def init(self):
        return "s"

    @action(k=(0, 1))
    def Go(self, s, k):
        """Follow the k-th edge out of s."""
        out = self.edges[s]
        if k < len(out):
            return out[k]

    @invariant
    def Good(self, s):
        """The bad state is never reached."""
        return s != "bad"
