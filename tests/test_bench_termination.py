"""The termination-detection benchmark models (EWD 840, EWD 998) at small scopes, pinned to TLC.

The expected numbers come from TLC 2.20 (tla2tools.jar, "Version 2.20"), one worker, on the TLA+
Examples specs (tlaplus/Examples commit 32a32c7b) with the same constants, checking the same
invariants, CHECK_DEADLOCK FALSE, run as
``java -XX:+UseParallelGC -cp tla2tools.jar tlc2.TLC -workers 1 -config X.cfg EWD840.tla`` (or EWD998.tla):

EWD840.tla, ``CONSTANTS N = 3``, ``SPECIFICATION Spec``, ``INVARIANTS TypeOK TerminationDetection Inv``:
    Finished computing initial states: 192 distinct states generated at ...
    Model checking completed. No error has been found.
    2001 states generated, 302 distinct states found, 0 states left on queue.
    The depth of the complete state graph search is 9.
the same with ``N = 4``:
    Finished computing initial states: 1024 distinct states generated at ...
    Model checking completed. No error has been found.
    15986 states generated, 1566 distinct states found, 0 states left on queue.
    The depth of the complete state graph search is 12.
EWD998.tla, ``CONSTANTS N = 2``, ``CONSTRAINTS StateConstraint``, ``SPECIFICATION Spec``,
``INVARIANT TerminationDetection Inv TypeOK``:
    Finished computing initial states: 32 distinct states generated at ...
    Model checking completed. No error has been found.
    33664 states generated, 6876 distinct states found, 0 states left on queue.
    The depth of the complete state graph search is 28.

Distinct states and depth are TLC's exactly. TLC's "states generated" is higher than Concord's
because TLC enumerates a disjunction in an action's guard branch by branch and yields the same
successor once per true disjunct (PassToken's ``~active[i] \\/ color[i] = "black" \\/ tcolor = "black"``,
InitiateProbe's two or three disjuncts); Concord computes each action's successor once. Adding
those duplicates to Concord's counts gives TLC's exactly (1817 + 184 = 2001, 14962 + 1024 = 15986,
28454 + 5210 = 33664), so the generated counts pinned below are Concord's own.
"""

import pytest

from benchmarks.models import ewd840, ewd998
from benchmarks.models.ewd840 import EWD840
from benchmarks.models.ewd998 import EWD998
from checker import FrozenMap, check

CASES = [
    # model, TLC distinct, TLC depth, TLC generated, Concord generated
    (EWD840(n=3), 302, 9, 2001, 1817),
    (EWD840(n=4), 1566, 12, 15986, 14962),
    (EWD998(n=2), 6876, 28, 33664, 28454),
]


@pytest.mark.parametrize("model, distinct, depth, tlc_generated, generated", CASES, ids=["ewd840-n3", "ewd840-n4", "ewd998-n2"])
def test_counts_match_tlc(model, distinct, depth, tlc_generated, generated):
    r = check(model)  # every invariant: TypeOK, TerminationDetection, Inv
    assert r.verdict == "ok"
    assert [p.name for p in r.properties] == ["TypeOK", "TerminationDetection", "Inv"]
    assert (r.stats.distinct, r.stats.depth) == (distinct, depth)
    assert r.stats.generated == generated <= tlc_generated
    assert r.stats.queue == 0


def test_invariants_are_not_vacuous():
    """A white token at an inactive, white node 0 while node 1 is active breaks both invariants."""
    white, zeros = FrozenMap.const((0, 1), "white"), FrozenMap.const((0, 1), 0)
    active = FrozenMap.of({0: False, 1: True})
    m840 = EWD840(n=2)
    s840 = ewd840.State(active=active, color=white, tpos=0, tcolor="white")
    assert m840.TypeOK(s840) and not m840.TerminationDetection(s840) and not m840.Inv(s840)
    m998 = EWD998(n=2)
    s998 = ewd998.State(active=active, color=white, counter=zeros, pending=zeros, token=ewd998.Token(0, 0, "white"))
    assert m998.TypeOK(s998) and not m998.TerminationDetection(s998) and not m998.Inv(s998)
