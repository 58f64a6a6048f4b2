"""Parallel BFS (checker/parallel) against one process: the same verdicts, counts, coverage, depth, queue
and the very same traces, on every kind of model and option, on random transition systems, and with the
model's states moved between workers or not movable at all."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from test_expand import CASES, Faulty, Walker, summary
from test_reference import Graph, graphs

import checker.bfs as bfs
import checker.parallel.bfs as pbfs
from checker import Model, action, check, invariant, record
from checker.parallel.bfs import _plan
from models.paxos import Paxos
from models.raft import Raft
from models.twophase import TwoPhase


@pytest.fixture(autouse=True)
def share_every_level(monkeypatch):
    """Hand every level to the workers, however small (SHARE is a speed setting, not a semantic one)."""
    monkeypatch.setattr(pbfs, "SHARE", 0)


def runs(model_of, workers=(2, 3), **options) -> list[dict]:
    """The summary of one process's run, then of each number of workers."""
    return [summary_with_error(check(model_of(), workers=w, **options)) for w in (1, *workers)]


def summary_with_error(result) -> dict:
    out = summary(result)
    out["error"] = result.error
    out["workers"] = result.stats.workers
    return out


def same(results: list[dict], but=()) -> None:
    first = {k: v for k, v in results[0].items() if k not in ("workers", *but)}
    for other in results[1:]:
        assert {k: v for k, v in other.items() if k not in ("workers", *but)} == first


MORE = {
    "raft-3-messages": (lambda: Raft(servers=3, max_term=2, max_log_len=1, max_messages=1), {"max_depth": 9}),
    "raft-no-persist-vote": (lambda: Raft.variants["no-persist-vote"](servers=2, max_term=2, max_log_len=1,
                                                                         max_messages=1), {}),
    "raft-all-properties": (lambda: Raft.variants["no-log-check"](servers=2, max_term=2, max_log_len=1,
                                                                    max_messages=1), {"stop_at_first": False}),
    "paxos-variants-continue": (lambda: Paxos.variants["minority-quorums"](), {"stop_at_first": False}),
    "twophase-5": (lambda: TwoPhase(rms=5), {}),
}


@pytest.mark.parametrize("name", [n for n in {**CASES, **MORE} if "exact" not in n])  # --exact: one process
def test_workers_give_what_one_process_gives(name):
    model_of, options = {**CASES, **MORE}[name]
    results = runs(model_of, **options)
    same(results, but=("generated", "coverage", "queue") if options.get("max_states") else ())
    assert results[0]["distinct"] > 1
    assert [r["workers"] for r in results] == [1, 2, 3]


def test_max_states_stops_at_exactly_that_many_distinct_states():
    """--max-states cuts a level short: the distinct count is exact, the generated count is what the workers
    generated (more than one process would have before stopping)."""
    results = runs(lambda: Walker(4), properties=["Inside"], max_states=9)
    same(results, but=("generated", "coverage", "queue"))
    assert results[0]["distinct"] == 9 and results[1]["partial"] == "stopped at --max-states 9"


def test_an_error_inside_the_model_is_reported_as_one_process_reports_it():

    results = runs(lambda: Faulty(3), properties=[])
    same(results)
    assert results[1]["verdict"] == "error" and "ZeroDivisionError" in results[1]["error"]


@settings(max_examples=60, deadline=None)
@given(graphs)
def test_workers_on_random_transition_systems(g: Graph):
    same(runs(lambda: g, workers=(2,), stop_at_first=False))
    same(runs(lambda: g, workers=(3,)))


def test_states_that_cannot_be_pickled_stay_with_their_worker():
    """A state type defined inside a function cannot be pickled: no state moves, nothing else changes."""
    Cell = record("Cell", "a b")
    Cell.__qualname__ = "nowhere.Cell"

    class Grid(Model):
        def init(self):
            return Cell(0, 0)

        @action(d=(1, 2))
        def Grow(self, s, d):
            """Grow one coordinate, unevenly."""
            if s.a + d <= 12:
                return s.set(a=s.a + d)

        @action
        def Up(self, s):
            """Grow the other."""
            if s.b < 12 and s.a % 3 == 0:
                return s.set(b=s.b + 1)

        @invariant
        def Small(self, s):
            """Not both at the top."""
            return (s.a, s.b) != (12, 12)

    same(runs(Grid))


def test_the_native_and_python_loops_agree_in_workers(monkeypatch):
    model_of = lambda: Raft.variants["no-persist-term"](servers=2, max_term=2, max_log_len=0, max_messages=1)  # noqa: E731
    native = summary(check(model_of(), workers=2))
    monkeypatch.setattr(bfs, "Expander", None)
    monkeypatch.setattr("checker.parallel.worker.Expander", None)
    assert summary(check(model_of(), workers=2)) == native


def test_exact_runs_in_one_process():
    r = check(Walker(3), exact=True, workers=2)
    assert r.stats.workers == 1 and summary(r) == summary(check(Walker(3), exact=True))


def test_the_plan_evens_out_the_work():
    assert _plan([100, 100]) == []
    assert _plan([104, 100]) == []  # within 5 %: not worth moving
    assert _plan([300, 100]) == [(0, 1, 100)]
    assert _plan([0, 0, 90]) == [(2, 0, 30), (2, 1, 30)]
    moves = _plan([50, 10, 200, 40])
    after = [50, 10, 200, 40]
    for giver, taker, k in moves:
        after[giver] -= k
        after[taker] += k
    assert after == [75, 75, 75, 75]


def test_simulation_on_workers_finds_replays_and_shortens_a_violation():
    r = check(Walker(4), strategy="simulate", workers=2, properties=["NotCorner"], seed=3)
    assert r.verdict == "violation" and r.stats.workers == 2
    (v,) = r.violations
    assert v.property == "NotCorner" and v.trace[-1].state.x == v.trace[-1].state.y == 4
    shortest = check(Walker(4), properties=["NotCorner"]).violations[0].length
    assert shortest <= v.length <= 2 * shortest  # shortened (1-minimal: no single step can go)


def test_simulation_on_workers_walks_as_many_walks_as_asked_and_counts_the_union():
    r = check(Walker(3), strategy="simulate", workers=3, properties=["Inside"], traces=30, max_depth=5)
    assert r.verdict == "partial" and "30 random walks on 3 workers" in r.partial
    one = check(Walker(3), strategy="bfs", properties=["Inside"])
    assert 1 < r.stats.distinct <= one.stats.distinct  # the union of the states the workers visited


def test_simulation_on_workers_reports_an_error_inside_the_model():

    r = check(Faulty(3), strategy="simulate", workers=2, properties=[], traces=50)
    assert r.verdict == "error" and "action Jump(d=-1) raised ZeroDivisionError" in r.error
    assert r.error_trace and r.error_trace[-1].state.x == 2
