"""Random simulation (checker/simulate.py): walks that find the bugs exhaustive search finds, traces shortened
to 1-minimal ones that still replay, and never a verdict of ok."""

from __future__ import annotations

import pytest

from checker import check
from checker.compiled import compile_model
from checker.simulate import _replay, shorten
from models.diehard import DieHard
from models.paxos import Paxos


def moves(c, trace):
    return [(c.action_index(st.action), tuple(st.args.values())) for st in trace[1:]]


def test_die_hard_is_solved_by_a_walk():
    r = check(DieHard(), strategy="simulate", traces=1000)
    v = r.violation("NotSolved")
    assert r.verdict == "violation" and v is not None
    assert v.length >= check(DieHard()).violation("NotSolved").length == 6  # BFS's is the shortest


@pytest.mark.parametrize("name", ["no-highest-vote", "no-promise", "no-promise-update", "minority-quorums", "seed"])
def test_paxos_bugs_are_found_with_replayable_one_minimal_traces(name):
    model = Paxos.variants[name]()
    r = check(model, strategy="simulate", traces=2000)
    assert r.verdict == "violation", r.partial
    c = compile_model(model)
    for v in r.violations:
        assert v.length >= check(model, properties=[v.property]).violation(v.property).length  # no walk beats BFS
        steps = moves(c, v.trace)
        first = v.trace[0].state
        assert _replay(c, first, steps, v.kind, v.property) == steps  # it replays and breaks only at its end
        for k in range(len(steps)):  # 1-minimal: without any one step it no longer breaks the property
            assert _replay(c, first, steps[:k] + steps[k + 1:], v.kind, v.property) is None


def test_without_a_violation_a_simulation_is_partial_never_ok():
    r = check(Paxos(), strategy="simulate", traces=50, max_depth=20)
    assert r.verdict == "partial" and not r.violations
    assert "50 random walks of at most 20 steps" in r.partial and "not exhaustive" in r.partial
    assert r.stats.depth <= 21 and r.stats.queue == 0


def test_the_same_seed_gives_the_same_run_another_seed_another():
    runs = [check(Paxos.variants["no-promise"](), strategy="simulate", traces=2000, seed=s) for s in (7, 7, 8)]
    first = [(st.label for st in v.trace) for v in runs[0].violations]
    assert [list(t) for t in first] == [[st.label for st in v.trace] for v in runs[1].violations]
    assert (runs[0].stats.distinct, runs[0].stats.generated) == (runs[1].stats.distinct, runs[1].stats.generated)
    assert (runs[0].stats.distinct, runs[0].stats.generated) != (runs[2].stats.distinct, runs[2].stats.generated)


def test_shorten_drops_the_detours_of_a_long_trace():
    model = DieHard()
    c = compile_model(model)
    long = check(model, strategy="dfs").violation("NotSolved")  # depth-first: a long way round
    assert long.length > 6
    short = shorten(c, long.trace, "invariant", "NotSolved")
    assert 6 <= len(short) - 1 < long.length and not dict(c.invariants)["NotSolved"](short[-1].state)


def test_the_command_line_simulates_and_says_it_proved_nothing():
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def concord(*args):
        return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, PYTHONPATH=root))

    p = concord("check", "paxos", "--simulate", "--traces", "30", "--seed", "3", "--quiet")
    assert p.returncode == 3 and "PARTIAL" in p.stdout and "30 random walks" in p.stdout and "[simulate]" in p.stdout
    p = concord("check", "paxos", "--variant", "no-promise-update", "--simulate", "--quiet")
    assert p.returncode == 1 and "VIOLATION" in p.stdout
    p = concord("check", "paxos", "--simulate", "--dfs")
    assert p.returncode == 2 and "not allowed with" in p.stderr and "Traceback" not in p.stderr


def test_a_simulation_without_bounds_ends_after_its_default_number_of_walks(monkeypatch):
    import checker.simulate as simulation

    monkeypatch.setattr(simulation, "WALKS", 25)
    r = check(Paxos(), strategy="simulate", max_depth=5)
    assert r.verdict == "partial" and "25 random walks of at most 5 steps" in r.partial
