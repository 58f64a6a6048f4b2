"""The engine on fixed models: exact counts, traces, constraints, limits, errors."""

import pytest
from toys import Broken, Count, Stops, Tokens

from checker import Model, ModelError, action, check, invariant
from models import DieHard, TwoPhase


def test_diehard_full_state_space_matches_tlc():
    r = check(DieHard(), properties=[])
    assert (r.verdict, r.stats.distinct, r.stats.generated, r.stats.depth) == ("ok", 16, 97, 8)


def test_diehard_shortest_solution_is_six_steps():
    r = check(DieHard())
    v = r.violation("NotSolved")
    assert r.verdict == "violation" and r.exit_code == 1
    assert v.length == 6 and len(v.trace) == 7
    assert v.trace[0].action is None and v.trace[-1].state.big == 4
    assert (r.stats.distinct, r.stats.generated, r.stats.depth) == (14, 73, 7)  # TLC: 14, 73, 7


@pytest.mark.parametrize("rms, distinct, generated, depth", [(1, 12, 20, 5), (2, 56, 154, 8), (3, 288, 1146, 11), (4, 1568, 8258, 14), (5, 8832, 58146, 17)])
def test_twophase_matches_tlc(rms, distinct, generated, depth):
    r = check(TwoPhase(rms=rms))
    assert (r.verdict, r.stats.distinct, r.stats.generated, r.stats.depth) == ("ok", distinct, generated, depth)


def test_twophase_symmetry_keeps_one_state_per_orbit():
    r = check(TwoPhase(rms=3), symmetry=True)
    assert (r.verdict, r.stats.distinct) == ("ok", 80)


def test_dfs_explores_the_same_states():
    assert check(TwoPhase(rms=3), strategy="dfs").stats.distinct == 288
    r = check(DieHard(), strategy="dfs")
    assert r.verdict == "violation" and r.violation("NotSolved").trace[-1].state.big == 4


def test_coverage_counts_fired_and_new_states():
    r = check(TwoPhase(rms=3))
    assert sum(c["distinct"] for c in r.coverage.values()) == 288 - 1
    assert sum(c["fired"] for c in r.coverage.values()) == 1146 - 1
    assert r.coverage["TMCommit"] == {"fired": 1, "distinct": 1}


def test_constraint_states_are_checked_but_not_counted_or_explored():
    # x goes 0..3 inside the bound; 4 and 5 lie one step beyond it and are still checked.
    r = check(Count(bound=3, bad=99))
    assert (r.verdict, r.stats.distinct) == ("ok", 4)
    r = check(Count(bound=3, bad=5))
    assert r.verdict == "violation" and r.violation("NotBad").length == 3  # 0 -> 2 -> 3 -> 5 (or 1 -> 3 -> 5)
    assert r.violation("NotBad").trace[-1].state.x == 5
    assert check(Count(bound=3, bad=6)).verdict == "ok"  # 6 is two steps beyond


def test_transition_property_on_every_step():
    class Shrinks(Count):
        """Count that can also go down."""

        @action
        def Dec(self, s):
            """Take one away."""
            if s.x > 0:
                from toys import Counter

                return Counter(s.x - 1)

    r = check(Shrinks())
    v = r.violation("Grows")
    assert v.kind == "transition" and v.length == 2 and v.trace[-1].action == "Dec"


def test_reachable_witness_and_missing_witness():
    r = check(Count(bound=3))
    assert r.witness("ReachesBound").length == 2
    r = check(Count(bound=3), max_depth=2)
    assert r.verdict == "partial" and r.witness("ReachesBound") is None and not r.violations

    class Never(Count):
        """Bound that cannot be reached."""

        def __init__(self):
            super().__init__(bound=-1)

    r = check(Never(), properties=["ReachesBound"])
    assert r.verdict == "violation" and r.violations[0].kind == "reachable" and r.violations[0].trace == []


def test_deadlock_is_found_only_when_asked():
    assert check(Stops()).verdict == "ok"
    r = check(Stops(), deadlock=True)
    v = r.violation("Deadlock")
    assert v.kind == "deadlock" and v.length == 2 and v.trace[-1].state.x == 2
    assert check(Stops(), deadlock=True, strategy="dfs").violation("Deadlock").trace[-1].state.x == 2


def test_continue_collects_one_shortest_trace_per_property():
    everything = check(Tokens(n=3, k=2), properties=[]).stats.distinct
    r = check(Tokens(n=3, k=2), stop_at_first=False, deadlock=True)  # no deadlock: the whole space is searched
    assert [v.property for v in r.violations] == ["NobodyHoardsAll"]
    assert r.violation("NobodyHoardsAll").length == 2
    assert r.stats.distinct == everything and r.partial is None
    r = check(Tokens(n=3, k=2), stop_at_first=False)  # once every property has its trace, nothing is left to find
    assert r.verdict == "violation" and r.partial == "every property has its trace" and r.stats.distinct < everything


def test_limits_give_partial_results():
    r = check(TwoPhase(rms=4), max_states=100)
    assert r.verdict == "partial" and r.stats.distinct == 100 and "max-states" in r.partial and r.exit_code == 3
    r = check(TwoPhase(rms=4), max_depth=3)
    assert r.verdict == "partial" and r.stats.depth == 3
    r = check(TwoPhase(rms=6), time_limit=0.05)
    assert r.verdict == "partial" and "time-limit" in r.partial and r.stats.distinct < 50816


def test_symmetry_reduces_tokens_but_keeps_verdicts():
    plain, reduced = check(Tokens(n=3, k=3), properties=[]), check(Tokens(n=3, k=3), properties=[], symmetry=True)
    assert reduced.stats.distinct < plain.stats.distinct
    assert check(Tokens(n=3, k=2), symmetry=True).violation("NobodyHoardsAll").length == 2


@pytest.mark.parametrize(
    "how, words",
    [
        ("raise", ["Broken(how='raise')", "action Fail(k=7) raised ValueError: boom", "Counter(x=1)"]),
        ("unhashable", ["unhashable", "Fail(k=7)"]),
        ("wrongtype", ["action Fail(k=7) returned a dict"]),
        ("invariant", ["invariant Small raised KeyError"]),
    ],
)
def test_errors_inside_the_model_name_action_and_state(how, words):
    r = check(Broken(how=how))
    assert r.verdict == "error" and r.exit_code == 2
    for w in words:
        assert w in r.error
    assert r.error_trace and r.error_trace[0].action is None


def test_determinism_same_trace_and_counts_in_every_process():
    """Fresh interpreters with different string-hash seeds (set iteration order differs between them) give the
    same traces and counts as this process: nothing in the search may depend on CPython's hash."""
    import os
    import subprocess
    import sys

    script = ("from checker import check; from models import DieHard, TwoPhase\n"
              "for r in (check(DieHard()), check(TwoPhase(rms=3), symmetry=True, stop_at_first=False)):\n"
              "    print(r.verdict, r.stats.distinct, r.stats.generated, [[s.label for s in v.trace] for v in r.violations])")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    runs = {seed: subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                                 env=dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=root)).stdout
            for seed in ("0", "1", "12345")}
    here = "".join(f"{r.verdict} {r.stats.distinct} {r.stats.generated} {[[s.label for s in v.trace] for v in r.violations]}\n"
                   for r in (check(DieHard()), check(TwoPhase(rms=3), symmetry=True, stop_at_first=False)))
    assert set(runs.values()) == {here}, runs


def test_definition_errors_are_raised_when_the_class_is_defined():
    with pytest.raises(ModelError, match="parameter 'i' has no domain"):

        class NoDomain(Model):
            @action
            def Step(self, s, i):
                return s

    with pytest.raises(ModelError, match="domain given for 'j'"):

        class ExtraDomain(Model):
            @action(j=(1,))
            def Step(self, s):
                return s

    with pytest.raises(ModelError, match="needs a one-line docstring"):

        class NoDoc(Model):
            @invariant
            def Safe(self, s):
                return True

    with pytest.raises(ModelError, match="must take"):

        class NoState(Model):
            @action
            def Step(self):
                return None


def test_definition_errors_found_when_the_instance_is_compiled():
    class MissingDomain(Model):
        def init(self):
            return 0

        @action(i="servers")
        def Step(self, s, i):
            """Never runs."""

    with pytest.raises(ModelError, match="MissingDomain.Step: parameter 'i': the model has no attribute 'servers'"):
        check(MissingDomain())
    with pytest.raises(ModelError, match="has no property 'Nope'"):
        check(DieHard(), properties=["Nope"])

    class NoActions(Model):
        def init(self):
            return 0

    with pytest.raises(ModelError, match="has no actions"):
        check(NoActions())


def test_view_fingerprints_only_part_of_the_state():
    from checker import record

    Clocked = record("Clocked", "x ticks")

    class Ticking(Model):
        """x cycles through 0..2 while a tick counter that no property reads grows to 5."""

        def init(self):
            return Clocked(0, 0)

        @action
        def Step(self, s):
            """Advance x and count the tick."""
            if s.ticks < 5:
                return Clocked((s.x + 1) % 3, s.ticks + 1)

        def view(self, s):
            return s.x

    class Unviewed(Ticking):
        """The same without a view."""

        view = None

    assert check(Ticking()).stats.distinct == 3
    assert check(Unviewed()).stats.distinct == 6
