"""Liveness verdicts pinned to TLC's: three TLA+ Examples specs with fairness, on their own fairness and on others.

Every expected verdict below is TLC's: TLC2 Version 2.20 of Day Month 20?? (rev: bacd9d2), tla2tools.jar, run
as ``java -XX:+UseParallelGC -cp tla2tools.jar tlc2.TLC -workers 1 -config X.cfg M.tla`` on the specs of
tlaplus/Examples commit 32a32c7b (their files unchanged; the other fairness conditions are in small modules
that EXTEND them, quoted below). Concord's models are benchmarks/models/ewd840.py, dining.py and
alternating_bit.py. What is compared is the verdict and the shape of the counterexample: a lasso whose last
step goes back to an earlier state (TLC: "Back to state N: <action>"; Concord: ``loop_from`` an index), or
one that ends stuttering forever (TLC: "State N: Stuttering"; Concord: ``loop_from is None``). The lengths
pinned are Concord's own: TLC prints a different lasso (its own search order), so its "State N" numbers
differ. Distinct states are TLC's exactly in every case (so are states generated: Concord's
``stats.generated`` equals TLC's "states generated" for dining and alternating bit; for EWD 840 see
tests/test_bench_termination.py). In each run TLC explores the whole space before judging, so its distinct
count is the full one on violations too. Where counterexamples of both shapes exist, which one a checker prints
is its search order's choice (a differential run of 586 random fairness and property combinations on these
three specs, at several constants, found the verdicts and distinct counts always equal, the shapes in 561); the
cases pinned here are ones where only one shape exists, but for the two marked "either" below, where TLC and
Concord happen to print the same shape.

EWD 840 (specifications/ewd840/EWD840.tla; ``Spec == Init /\\ [][Next]_vars /\\ WF_vars(System)``,
``Liveness == terminated ~> terminationDetected``). The Examples' own EWD840.cfg (N = 3, PROPERTIES Liveness
TDSpec) gives "Model checking completed. No error has been found." and "2001 states generated, 302 distinct
states found, 0 states left on queue." The cfgs below are ``CONSTANT N = n``, ``SPECIFICATION S``,
``CHECK_DEADLOCK FALSE``, ``PROPERTY P``, on MCEWD840.tla::

    EXTENDS EWD840
    SpecNoFair    == Init /\\ [][Next]_vars
    SpecSplit     == Init /\\ [][Next]_vars /\\ WF_vars(InitiateProbe)
                                         /\\ WF_vars(\\E i \\in Node \\ {0} : PassToken(i))
    SpecProbeOnly == Init /\\ [][Next]_vars /\\ WF_vars(InitiateProbe)
    SpecPassOnly  == Init /\\ [][Next]_vars /\\ WF_vars(\\E i \\in Node \\ {0} : PassToken(i))
    EventuallyTerminated == <>terminated

    N=3 Spec Liveness            No error has been found.       2001 states generated, 302 distinct states found
    N=4 Spec Liveness            No error has been found.       15986 states generated, 1566 distinct states found
    N=3 SpecSplit Liveness       No error has been found.       302 distinct (N=4: 1566, no error)
    N=3 SpecNoFair Liveness      Temporal properties were violated.  State 4: Stuttering      302 distinct
    N=4 SpecNoFair Liveness      Temporal properties were violated.  State 5: Stuttering      1566 distinct
    N=3 SpecProbeOnly Liveness   Temporal properties were violated.  State 4: Stuttering      302 distinct
    N=3 SpecPassOnly Liveness    Temporal properties were violated.  State 2: Stuttering      302 distinct
    N=3 Spec EventuallyTerminated  Temporal properties were violated.
                                 Back to state 1: <Deactivate(1) line 86, col 3 to line 88, col 38 of module EWD840>

After termination only System steps remain and they only whiten nodes and token, so no cycle avoids
detection: every counterexample to Liveness stutters. EventuallyTerminated has both shapes ("either").

Concord's EWD840 keeps the spec's two System actions under WF(InitiateProbe), WF(PassToken) (SpecSplit),
equivalent to WF(System) for this spec (the argument is in benchmarks/models/ewd840.py; TLC agrees on both).

Dining philosophers (specifications/DiningPhilosophers/DiningPhilosophers.tla, PlusCal; ``Spec`` has
``\\A self \\in 1..NP : WF_vars(Philosopher(self))``, ``NobodyStarves == \\A p \\in 1..NP: []<>(~hungry[p])``).
The Examples' DiningPhilosophers.cfg (NP = 5, INVARIANT TypeOK ExclusiveAccess, PROPERTY NobodyStarves):
"No error has been found.", "336 states generated, 67 distinct states found, 0 states left on queue."
The cfgs below are ``SPECIFICATION S``, ``CONSTANT NP = n``, ``INVARIANT TypeOK ExclusiveAccess``,
``PROPERTY P`` on MCDining.tla::

    EXTENDS DiningPhilosophers
    SpecNoFair   == Init /\\ [][Next]_vars
    SpecWFNext   == Init /\\ [][Next]_vars /\\ WF_vars(Next)
    SpecSF       == Init /\\ [][Next]_vars /\\ \\A self \\in 1..NP : SF_vars(Philosopher(self))
    SpecWFButOne == Init /\\ [][Next]_vars /\\ \\A self \\in 2..NP : WF_vars(Philosopher(self))
    AllSatedAgain == []<>(\\A p \\in 1..NP : ~hungry[p])

    NP=3 Spec          No error has been found.  58 states generated, 19 distinct states found
    NP=5 Spec          No error has been found.  336 states generated, 67 distinct states found
    NP=5 SpecWFNext    No error has been found.  67 distinct (NP=3: 19, no error)
    NP=5 SpecSF        No error has been found.  67 distinct (NP=3: 19, no error)
    NP=3 SpecNoFair    Temporal properties were violated.  State 16: Stuttering   19 distinct
    NP=5 SpecNoFair    Temporal properties were violated.  State 28: Stuttering   67 distinct
    NP=5 SpecWFButOne  Temporal properties were violated.  State 28: Stuttering   67 distinct
    NP=3 Spec AllSatedAgain (no INVARIANT)  Temporal properties were violated.
                       Back to state 4: <Loop(1) line 155, col 15 to line 175, col 33 of module DiningPhilosophers>

WF_vars(Next) suffices here: every cycle of the graph takes Next steps, and none starves anyone, so every
counterexample to NobodyStarves ends stuttering (one philosopher stops; the others soon wait for its forks).
Under Spec no state stutters with a hungry philosopher (else NobodyStarves would fail), so AllSatedAgain
fails on cycles only.

Alternating bit (specifications/SpecifyingSystems/TLC/AlternatingBit.tla with MCAlternatingBit.tla;
``ABFairness == WF(ReSndMsg) /\\ WF(SndAck) /\\ SF(RcvMsg) /\\ SF(RcvAck)``, ``SentLeadsToRcvd ==
\\A d \\in Data : (sent = d) /\\ (sBit # sAck) ~> (rcvd = d)``, ``CONSTRAINT SeqConstraint``). The Examples'
MCAlternatingBit.cfg (Data = {d1, d2}, msgQLen = ackQLen = 2, PROPERTIES ABCSpec SentLeadsToRcvd): "No error
has been found.", "1392 states generated, 240 distinct states found, 0 states left on queue." The cfgs below
are ``CONSTANT Data = {d1, d2} msgQLen = m ackQLen = a``, ``SPECIFICATION S``, ``INVARIANT ABTypeInv``,
``CONSTRAINT SeqConstraint``, ``PROPERTIES P`` on MCABLive.tla::

    EXTENDS MCAlternatingBit
    ABSpecNoFair   == ABInit /\\ [][ABNext]_abvars
    ABSpecWFMsg    == ABInit /\\ [][ABNext]_abvars /\\ WF_abvars(ReSndMsg) /\\ WF_abvars(SndAck)
                                               /\\ WF_abvars(RcvMsg) /\\ SF_abvars(RcvAck)
    ABSpecWFAck    == ... /\\ SF_abvars(RcvMsg) /\\ WF_abvars(RcvAck)      (the rest as ABFairness)
    ABSpecWF       == ... /\\ WF_abvars(RcvMsg) /\\ WF_abvars(RcvAck)
    ABSpecNoResend == ABInit /\\ [][ABNext]_abvars /\\ WF_abvars(SndAck) /\\ SF_abvars(RcvMsg) /\\ SF_abvars(RcvAck)
    ABSpecNoSndAck == ABInit /\\ [][ABNext]_abvars /\\ WF_abvars(ReSndMsg) /\\ SF_abvars(RcvMsg) /\\ SF_abvars(RcvAck)
    UnackedLeadsToAcked == (sBit # sAck) ~> (sBit = sAck)

    m=a=2 ABSpec SentLeadsToRcvd          No error has been found.  1392 states generated, 240 distinct states found
    m=a=1 ABSpec SentLeadsToRcvd          No error has been found.  352 states generated, 80 distinct states found
    m=a=2 ABSpecWFAck SentLeadsToRcvd     No error has been found.  240 distinct
    m=a=2 ABSpecNoFair SentLeadsToRcvd    Temporal properties were violated.  State 4: Stuttering   240 distinct
    m=a=2 ABSpecWFMsg SentLeadsToRcvd     Temporal properties were violated.
                  Back to state 3: <LoseMsg line 62, col 12 to line 62, col 39 of module AlternatingBit>   240 distinct
    m=a=1 ABSpecWFMsg SentLeadsToRcvd     Temporal properties were violated.
                  Back to state 3: <SndAck line 47, col 11 to line 48, col 61 of module AlternatingBit>    80 distinct
    m=a=2 ABSpecWF SentLeadsToRcvd        Temporal properties were violated.
                  Back to state 4: <ReSndMsg line 36, col 3 to line 38, col 53 of module AlternatingBit>  240 distinct
    m=a=2 ABSpecNoResend SentLeadsToRcvd  Temporal properties were violated.
                  Back to state 3: <RcvAck line 50, col 11 to line 53, col 55 of module AlternatingBit>   240 distinct
    m=2 a=0 ABSpec UnackedLeadsToAcked    No error has been found.  164 states generated, 44 distinct states found
    m=2 a=0 ABSpecNoSndAck UnackedLeadsToAcked  Temporal properties were violated.
                  Back to state 3: <RcvMsg line 41, col 3 to line 45, col 41 of module AlternatingBit>    44 distinct

Under WF(SndAck) no lasso can stutter (SndAck is always enabled), so the WF violations above are cycles only;
without fairness both shapes exist ("either").
The last two pin the CONSTRAINT semantics: with ackQLen = 0 every SndAck step leaves the scope, but
ENABLED SndAck is still true (TLC evaluates it on the state), so under ABSpec no behaviour inside the scope
is fair and every property holds (vacuously: Concord's note says so); without WF(SndAck) the sender waits
for an acknowledgement forever, on a cycle (ReSndMsg stays enabled, so it cannot stutter).
"""

from __future__ import annotations

import pytest

from benchmarks.models.alternating_bit import AlternatingBit
from benchmarks.models.dining import DiningPhilosophers
from benchmarks.models.ewd840 import EWD840Live
from checker import SF, WF, check, leads_to


class ABAcked(AlternatingBit):
    """The alternating-bit protocol with a property not in the spec, to probe TLC's CONSTRAINT semantics."""

    @leads_to
    def UnackedLeadsToAcked(self, s):
        """(sBit # sAck) ~> (sBit = sAck): what the sender sent is eventually acknowledged."""
        return s.sBit != s.sAck, s.sBit == s.sAck


AB_FAIR = {  # name -> fairness, as in MCABLive.tla (ABSpec: the model's own, ABFairness)
    "ABSpecNoFair": [],
    "ABSpecWFMsg": [WF("ReSndMsg"), WF("SndAck"), WF("RcvMsg"), SF("RcvAck")],
    "ABSpecWFAck": [WF("ReSndMsg"), WF("SndAck"), SF("RcvMsg"), WF("RcvAck")],
    "ABSpecWF": [WF("ReSndMsg"), WF("SndAck"), WF("RcvMsg"), WF("RcvAck")],
    "ABSpecNoResend": [WF("SndAck"), SF("RcvMsg"), SF("RcvAck")],
    "ABSpecNoSndAck": [WF("ReSndMsg"), SF("RcvMsg"), SF("RcvAck")],
}

OK, CYCLE, STUTTER = "ok", "cycle", "stutter"

# id: model, property, fairness (None: the model's own, the spec's), TLC's verdict or lasso shape, TLC's distinct
# states, Concord's lasso length (steps)
CASES = {
    # EWD 840
    "ewd840-n3-Spec": (EWD840Live(n=3), "Liveness", None, OK, 302, None),
    "ewd840-n4-Spec": (EWD840Live(n=4), "Liveness", None, OK, 1566, None),
    "ewd840-n3-SpecNoFair": (EWD840Live(n=3), "Liveness", [], STUTTER, 302, 0),
    "ewd840-n4-SpecNoFair": (EWD840Live(n=4), "Liveness", [], STUTTER, 1566, 0),
    "ewd840-n3-SpecProbeOnly": (EWD840Live(n=3), "Liveness", [WF("InitiateProbe")], STUTTER, 302, 1),
    "ewd840-n3-SpecPassOnly": (EWD840Live(n=3), "Liveness", [WF("PassToken")], STUTTER, 302, 0),
    "ewd840-n3-Spec-EventuallyTerminated": (EWD840Live(n=3), "EventuallyTerminated", None, CYCLE, 302, 12),  # either
    # dining philosophers
    "dining-np3-Spec": (DiningPhilosophers(np=3), "NobodyStarves", None, OK, 19, None),
    "dining-np5-Spec": (DiningPhilosophers(np=5), "NobodyStarves", None, OK, 67, None),
    "dining-np5-SpecWFNext": (DiningPhilosophers(np=5), "NobodyStarves", [WF("Philosopher")], OK, 67, None),
    "dining-np5-SpecSF": (DiningPhilosophers(np=5), "NobodyStarves", [SF("Philosopher", each=True)], OK, 67, None),
    "dining-np3-SpecNoFair": (DiningPhilosophers(np=3), "NobodyStarves", [], STUTTER, 19, 0),
    "dining-np5-SpecNoFair": (DiningPhilosophers(np=5), "NobodyStarves", [], STUTTER, 67, 0),
    "dining-np5-SpecWFButOne": (DiningPhilosophers(np=5), "NobodyStarves",
                                [WF("Philosopher", p=p) for p in (2, 3, 4, 5)], STUTTER, 67, 3),
    "dining-np3-Spec-AllSatedAgain": (DiningPhilosophers(np=3), "AllSatedAgain", None, CYCLE, 19, 17),
    # alternating bit
    "ab-2-2-ABSpec": (AlternatingBit(), "SentLeadsToRcvd", None, OK, 240, None),
    "ab-1-1-ABSpec": (AlternatingBit(msg_len=1, ack_len=1), "SentLeadsToRcvd", None, OK, 80, None),
    "ab-2-2-ABSpecWFAck": (AlternatingBit(), "SentLeadsToRcvd", AB_FAIR["ABSpecWFAck"], OK, 240, None),
    "ab-2-2-ABSpecNoFair": (AlternatingBit(), "SentLeadsToRcvd", AB_FAIR["ABSpecNoFair"], STUTTER, 240, 1),  # either
    "ab-2-2-ABSpecWFMsg": (AlternatingBit(), "SentLeadsToRcvd", AB_FAIR["ABSpecWFMsg"], CYCLE, 240, 7),
    "ab-1-1-ABSpecWFMsg": (AlternatingBit(msg_len=1, ack_len=1), "SentLeadsToRcvd", AB_FAIR["ABSpecWFMsg"],
                           CYCLE, 80, 5),
    "ab-2-2-ABSpecWF": (AlternatingBit(), "SentLeadsToRcvd", AB_FAIR["ABSpecWF"], CYCLE, 240, 7),
    "ab-2-2-ABSpecNoResend": (AlternatingBit(), "SentLeadsToRcvd", AB_FAIR["ABSpecNoResend"], CYCLE, 240, 4),
    "ab-2-0-ABSpec-Unacked": (ABAcked(msg_len=2, ack_len=0), "UnackedLeadsToAcked", None, OK, 44, None),
    "ab-2-0-ABSpecNoSndAck-Unacked": (ABAcked(msg_len=2, ack_len=0), "UnackedLeadsToAcked", AB_FAIR["ABSpecNoSndAck"],
                                      CYCLE, 44, 4),
}


@pytest.mark.parametrize("case", list(CASES))
def test_verdict_and_shape_match_tlc(case):
    model, prop, fairness, expected, distinct, length = CASES[case]
    r = check(model, properties=[prop], fairness=fairness)
    assert r.stats.distinct == distinct  # TLC's "distinct states found"
    assert r.stats.queue == 0 and not r.partial and r.error is None
    if expected == OK:
        assert r.verdict == "ok" and r.violations == []
        return
    assert r.verdict == "violation"
    [v] = r.violations
    assert (v.property, v.kind) == (prop, "liveness")
    assert (STUTTER if v.loop_from is None else CYCLE) == expected
    assert v.length == length  # Concord's lasso; TLC prints another one
    if v.loop_from is not None:  # the lasso closes: its last state is the one it goes back to
        assert v.trace[-1].state == v.trace[v.loop_from].state and v.loop_from < v.length


def test_generated_counts_match_tlc():
    """Dining and alternating bit yield each successor once in TLC too: Concord's "generated" is TLC's."""
    assert check(DiningPhilosophers(np=5), properties=["NobodyStarves"]).stats.generated == 336
    assert check(AlternatingBit(), properties=["SentLeadsToRcvd"]).stats.generated == 1392
    assert check(ABAcked(msg_len=2, ack_len=0), properties=["UnackedLeadsToAcked"]).stats.generated == 164


def test_spec_fairness_is_the_models_own():
    """Each model's fairness is its spec's; for EWD 840 the split form TLC also finds equivalent (SpecSplit)."""
    assert [str(f) for f in EWD840Live.fairness] == ["WF(InitiateProbe)", "WF(PassToken)"]
    assert [str(f) for f in DiningPhilosophers.fairness] == ["WF(Philosopher, each)"]
    assert [str(f) for f in AlternatingBit.fairness] == ["WF(ReSndMsg)", "WF(SndAck)", "SF(RcvMsg)", "SF(RcvAck)"]


def test_vacuous_scope_is_noted():
    """ackQLen = 0 under ABFairness: WF(SndAck) is enabled everywhere and never taken inside the scope."""
    r = check(ABAcked(msg_len=2, ack_len=0), properties=["UnackedLeadsToAcked"])
    assert r.verdict == "ok" and "vacuously" in r.liveness
    r = check(ABAcked(msg_len=2, ack_len=0), properties=["UnackedLeadsToAcked"], fairness=AB_FAIR["ABSpecNoSndAck"])
    assert "vacuously" not in r.liveness
