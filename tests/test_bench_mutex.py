"""The LamportMutex benchmark model gives TLC's counts on the TLA+ Examples' LamportMutex spec."""

import pytest

from benchmarks.models.lamport_mutex import LamportMutex
from checker import action, check

# TLC 2.20, one worker, MCLamportMutex.tla from tlaplus/Examples (specifications/lamport_mutex) with
#   CONSTANTS N = n  MaxNat = max_clock + 1  maxClock = max_clock  Nat <- NatOverride
#   INVARIANTS TypeOK BoundedNetwork Mutex  SPECIFICATION Spec  CONSTRAINT ClockConstraint
# printed:
#   N = 2, maxClock = 6: "2001 states generated, 1043 distinct states found, 0 states left on queue."
#                        "The depth of the complete state graph search is 40."
#   N = 3, maxClock = 3: "41533 states generated, 10209 distinct states found, 0 states left on queue."
#                        "The depth of the complete state graph search is 31."
#                        "Model checking completed. No error has been found."
SCOPES = [
    # n, max_clock, distinct, generated, depth
    (2, 6, 1_043, 2_001, 40),
    (3, 3, 10_209, 41_533, 31),
]


@pytest.mark.parametrize("n, max_clock, distinct, generated, depth", SCOPES)
def test_counts_and_mutex_match_tlc(n, max_clock, distinct, generated, depth):
    r = check(LamportMutex(n=n, max_clock=max_clock))
    assert r.ok, r.violations
    assert r.violation("Mutex") is None
    assert (r.stats.distinct, r.stats.generated, r.stats.depth) == (distinct, generated, depth)
    assert r.stats.queue == 0


class EnterWithoutAcks(LamportMutex):
    """Bug: a process enters as soon as its own request beats the ones it has heard of."""

    @action(p="Proc")
    def Enter(self, s, p):
        """p enters without waiting for every acknowledgement."""
        if s.req[p][p] != 0 and all(self.beats(s, p, q) for q in self.others[p]):
            return s.set(crit=s.crit | {p})


def test_mutex_is_not_vacuous():
    """Without waiting for the acknowledgements, two processes can be in the critical section."""
    r = check(EnterWithoutAcks(n=2, max_clock=3), properties=["Mutex"])
    v = r.violation("Mutex")
    assert [step.label for step in v.trace[1:]] == ["Request(p=1)", "Request(p=2)", "Enter(p=1)", "Enter(p=2)"]


def test_the_chart_of_the_bug_shows_each_request_on_its_channel_never_received():
    from checker.compiled import compile_model
    from checker.render import sequence_chart, violation_chart
    from checker.render.chart import chart

    model = EnterWithoutAcks(n=2, max_clock=3)
    v = check(model, properties=["Mutex"]).violation("Mutex")
    c = compile_model(model, properties=["Mutex"])
    ch = chart(c, v.trace)
    assert [(m.row, m.channel, m.receivers) for m in ch.messages] == [
        (1, "network[1][2]", []), (2, "network[2][1]", [])]  # both enter before reading the other's request
    dot = sequence_chart(violation_chart(c, v)).source
    assert "req clock=1 on network[1][2]" in dot and "req clock=1 on network[2][1]" in dot
    assert dot.count("arrowhead=odot") == 2  # two sends nobody received
