"""The Ray backend (checker/parallel/cluster.py) against one process: on a local 2-CPU Ray cluster, the same
verdicts, counts, coverage, depth and traces on Paxos, Raft, a model of the tests and random transition
systems (TwoPhase through the command line; the transport is the only difference from the forked workers
that tests/test_parallel.py holds to one process on every kind of model);
simulation and checkpoints there too; and one-line errors for a cluster that is missing or unreachable."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import ray
from hypothesis import given, settings
from test_expand import Walker, summary
from test_reference import Graph, graphs

import checker.parallel.bfs as pbfs
from checker import check
from checker.compiled import compile_model
from checker.simulate import _replay
from checker.parallel import Cluster, ClusterError
from models.paxos import Paxos
from models.raft import Raft
from models.twophase import TwoPhase

HERE = os.path.dirname(os.path.abspath(__file__))
ON = "local:2"  # with Ray already started in this process (the fixture), the cluster used as it is


@pytest.fixture(scope="module", autouse=True)
def cluster():
    """One local Ray cluster of 2 CPUs for the module (starting one takes seconds), whose actors import what
    the tests import; check(cluster=...) uses it as it finds it."""
    started = Cluster(ON)
    yield
    started.close()
    assert not ray.is_initialized()


@pytest.fixture(autouse=True)
def share_every_level(monkeypatch):
    """Hand every level to the workers, however small (SHARE is a speed setting, not a semantic one)."""
    monkeypatch.setattr(pbfs, "SHARE", 0)


def described(result) -> dict:
    out = summary(result)
    out["traces"] = [[(s.action, s.args, s.state) for s in v.trace] for v in result.violations]
    return out


CASES = {
    "paxos": (lambda: Paxos(), {}),
    "raft": (lambda: Raft(servers=2, max_term=2, max_log_len=1, max_messages=1), {}),
    "walker": (lambda: Walker(4), {"stop_at_first": False}),  # two violations, each with its shortest trace
}


@pytest.mark.parametrize("name", CASES)
def test_ray_actors_give_what_one_process_gives(name):
    model_of, options = CASES[name]
    one = check(model_of(), **options)
    on_ray = check(model_of(), cluster=ON, **options)
    assert on_ray.stats.workers == 2 and on_ray.stats.cluster == ON
    assert described(on_ray) == described(one)
    assert one.stats.distinct > 20


@settings(max_examples=6, deadline=None)
@given(graphs)
def test_ray_actors_on_random_transition_systems(g: Graph):
    assert summary(check(g, cluster=ON, stop_at_first=False)) == summary(check(g, stop_at_first=False))


def test_simulation_on_ray_finds_and_shortens_a_violation():
    r = check(Walker(4), strategy="simulate", cluster=ON, properties=["NotCorner"], seed=3)
    assert r.verdict == "violation" and r.stats.workers == 2
    (v,) = r.violations
    assert v.trace[-1].state.x == v.trace[-1].state.y == 4
    assert v.length >= check(Walker(4), properties=["NotCorner"]).violations[0].length  # no walk beats BFS
    c = compile_model(Walker(4))
    steps = [(c.action_index(st.action), tuple(st.args.values())) for st in v.trace[1:]]
    first = v.trace[0].state
    assert _replay(c, first, steps, v.kind, v.property) == steps  # it replays, breaking the property at its end
    for k in range(len(steps)):  # shortened to 1-minimal (the walk on Ray varies, so its length is not pinned)
        assert _replay(c, first, steps[:k] + steps[k + 1:], v.kind, v.property) is None


def test_a_run_cut_on_ray_resumes_to_the_uninterrupted_run(tmp_path):
    model_of = lambda: Raft(servers=2, max_term=2, max_log_len=1, max_messages=1)  # noqa: E731
    whole = summary(check(model_of()))
    first = check(model_of(), cluster=ON, max_depth=whole["depth"] // 2, checkpoint=str(tmp_path))
    assert first.checkpoint == str(tmp_path) and "max-depth" in first.partial
    assert summary(check(model_of(), cluster=ON, resume=str(tmp_path))) == whole


def test_without_ray_the_error_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ClusterError, match=r"pip install 'concord\[cluster\]'"):
        Cluster("local:2")


def concord(*args, timeout=120):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


@pytest.mark.parametrize("address, said", [
    ("127.0.0.1:9", "cannot reach the Ray cluster 127.0.0.1:9: Connection refused"),
    ("local:many", "--cluster local:N: expected a number of CPUs, got 'local:many'"),
])
def test_a_cluster_that_cannot_be_had_is_a_one_line_error(address, said):
    p = concord("check", "twophase", "--cluster", address, "--quiet")
    assert p.returncode == 2 and p.stderr == f"concord: error: {said}\n" and p.stdout == ""


def test_the_command_line_starts_a_cluster_and_stops_it(tmp_path):
    """concord check --cluster local:2 (its own Ray, started and stopped), a state space that the actors share."""
    out = tmp_path / "r.json"
    p = concord("check", "twophase", "--set", "rms=6", "--cluster", "local:2", "--quiet", "--json", str(out))
    assert p.returncode == 0, p.stderr
    stats = json.loads(out.read_text())["stats"]
    assert (stats["workers"], stats["cluster"]) == (2, "local:2")
    assert stats["distinct"] == check(TwoPhase(rms=6)).stats.distinct
    assert "on 2 Ray actors (local:2" in p.stdout
