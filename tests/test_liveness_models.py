"""Liveness on the bundled models: Paxos's EventuallyChosen, Raft's EventuallyLeader, the lock's NoStarvation.

Each verdict is pinned with its counterexample's shape (a cycle back to a state, or a stuttering end) and
length. Where they come from: the checker's own search (checker/liveness.py), whose every lasso is replayed
on the model and judged again by checker/live.py's verify_lasso, which shares no code with the search; on
the lock's graph, small enough, the brute force of tests/test_liveness.py (every strongly connected set of
steps) gives the same verdicts; and the state counts are the safety checker's, pinned to TLC elsewhere
(Paxos 3,921 in test_paxos.py's scope, Raft 46,207 at its default scope). Raft's elections are judged at
its default scope with logs of no entries, the election scope: what an election does never depends on a log
entry there. At the default scope, which docs/liveness.md shows, the verdicts and lassos are the same (its blocks
are checked by a plain ``python docs/generate.py --check``).
"""

from __future__ import annotations

import json

import pytest

from checker import SF, WF, check
from checker.bfs import bfs
from checker.cli.main import main
from checker.compiled import compile_model
from checker.live import plan
from checker.search import Options, Search
from checker.temporal import Fair
from models.lock import LockWait
from models.paxos import Paxos
from models.raft import Raft

from test_liveness import brute


def lasso(result, name):
    """(steps, loop_from, the step labels) of the property's counterexample."""
    v = result.violation(name)
    assert v is not None and v.kind == "liveness", result
    return v.length, v.loop_from, [st.label for st in v.trace[1:]]


# -- Paxos -------------------------------------------------------------------------------------

def leader_fairness(b):
    return [WF("Phase1a", b=b), WF("Phase1b", b=b, each=True), WF("Phase2a", b=b), WF("Phase2b", b=b, each=True)]


def test_paxos_chosen_under_the_distinguished_leader():
    r = check(Paxos(), properties=["Agreement", "EventuallyChosen"])
    assert r.ok and r.stats.distinct == 3921
    assert "vacuous" not in r.liveness
    assert [str(f) for f in r.fairness] == ["WF(Phase1a, b=1)", "WF(Phase1b, b=1, each)", "WF(Phase2a, b=1)",
                                           "WF(Phase2b, b=1, each)"]


def test_paxos_without_fairness_stops_at_once():
    r = check(Paxos(), fairness=[], properties=["EventuallyChosen"])
    assert lasso(r, "EventuallyChosen") == (0, None, [])


def test_paxos_a_lower_leader_is_preempted():
    """Fairness for ballot 0 alone: ballot 1 starts, takes a quorum's promises and is never finished."""
    r = check(Paxos(), fairness=leader_fairness(0), properties=["EventuallyChosen"])
    assert lasso(r, "EventuallyChosen") == (5, None, [
        "Phase1a(b=0)", "Phase1a(b=1)", "Phase1b(a=a1, b=0)", "Phase1b(a=a2, b=1)", "Phase1b(a=a3, b=1)"])


# -- Raft --------------------------------------------------------------------------------------

QUIET = [WF("Timeout", when="quiet"), WF("RequestVote"), SF("Receive", each=True), WF("BecomeLeader")]


@pytest.fixture(scope="module")
def raft_runs():
    fair = {"raft": None, "none": [], "quiet": QUIET,
            "weak receive": [WF("Timeout", when="quiet"), WF("RequestVote"), WF("Receive"), WF("BecomeLeader")],
            "every timeout": [WF("Timeout")]}
    return {k: check(Raft(max_log_len=0), fairness=f, properties=["EventuallyLeader"]) for k, f in fair.items()}


def test_raft_elects_under_its_fairness(raft_runs):
    """At the election scope (no log entries: 6,485 states) and at the default scope (46,207)."""
    r = raft_runs["raft"]
    assert r.ok and r.stats.distinct == 6485 and "vacuous" not in r.liveness
    r = check(Raft(), properties=["EventuallyLeader"])
    assert r.ok and r.stats.distinct == 46207 and "vacuous" not in r.liveness


def test_raft_without_fairness(raft_runs):
    assert lasso(raft_runs["none"], "EventuallyLeader") == (0, None, [])


def test_raft_an_election_without_retries_can_stall(raft_runs):
    """Timers fire only when every server is a follower: a candidate short of a quorum waits forever."""
    steps, loop, labels = lasso(raft_runs["quiet"], "EventuallyLeader")
    assert (steps, loop) == (9, None)
    assert labels[:2] == ["Timeout(i=s1)", "RequestVote(i=s1, j=s1)"] and labels[-1].startswith("Receive(")


def test_raft_weak_fairness_on_receive_lets_the_network_drop_forever(raft_runs):
    assert lasso(raft_runs["weak receive"], "EventuallyLeader") == (3, 1, [
        "Timeout(i=s1)", "RequestVote(i=s1, j=s1)",
        "DropMessage(m=RequestVoteRequest(mterm=2, mlastLogTerm=0, mlastLogIndex=0, msource=s1, mdest=s1))"])


def test_raft_timeouts_always_fair_is_vacuous(raft_runs):
    """A follower may always time out: forcing it drives every behaviour past max_term, out of the scope."""
    r = raft_runs["every timeout"]
    assert r.ok and "holds vacuously" in r.liveness


# -- the lock ----------------------------------------------------------------------------------

def test_weak_fairness_lets_a_client_starve():
    r = check(LockWait())
    assert lasso(r, "NoStarvation") == (4, 1, ["Request(c=c1)", "Request(c=c2)", "Acquire(c=c2)", "Release(c=c2)"])
    assert r.violation("NoStarvation").instance == "c=c1"


@pytest.mark.parametrize("clients", [2, 3])
def test_strong_fairness_or_a_queue_serves_everyone(clients):
    strong = check(LockWait(clients), fairness=[SF("Acquire", each=True), WF("Release", each=True)])
    fifo = check(LockWait.variants["fifo"](clients))
    assert strong.ok and fifo.ok


def test_no_fairness_a_request_is_never_granted():
    assert lasso(check(LockWait(), fairness=[]), "NoStarvation") == (1, None, ["Request(c=c1)"])


@pytest.mark.parametrize("fairness", [None, [], [SF("Acquire", each=True), WF("Release", each=True)],
                                      [WF("Release", each=True)], [SF("Acquire")]])
@pytest.mark.parametrize("variant", [None, "fifo"])
def test_the_lock_against_the_brute_force(fairness, variant):
    """The lock's whole graph (9 states) judged by the brute force over every strongly connected step set."""
    model = LockWait() if variant is None else LockWait.variants[variant]()
    c = compile_model(model)
    pl = plan(c, fairness)
    search = Search(c, Options(), "bfs")
    search.graph = pl.recorder([act.name for act in c.actions])
    bfs(search)
    g = search.graph.graph()
    conditions = []
    for f in pl.fairness:  # each instance its own condition, as "each" means
        instances = {a for row in g.steps for a, _ in row if f.covers(a)} if f.each else [None]
        conditions += [Fair(f.kind, f.action, a[1] if a else f.args) for a in instances]
    failing = set()
    for inst in pl.instances:
        marks = g.marks[inst.mark]
        p = frozenset(s for s in range(len(g.steps)) if marks[s] & 1)
        q = frozenset(s for s in range(len(g.steps)) if marks[s] & 2)
        if brute("leads_to", g, conditions, p, q):
            failing.add(inst.label)
    v = check(model, fairness=fairness, properties=["NoStarvation"]).violation("NoStarvation")
    assert (v is not None) == bool(failing), fairness
    assert v is None or v.instance in failing  # the instance reported is one the brute force finds failing


# -- the command line and the outputs ---------------------------------------------------------

def test_the_text_json_and_chart_of_a_lasso(tmp_path, capsys):
    code = main(["check", "lock-wait", "--quiet", "--json", str(tmp_path / "r.json"), "--render", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "by a behaviour of 4 steps whose last step goes back to state 1, and steps 2-4 repeat forever" in out
    assert "back to state 1: steps 2-4 repeat forever; NoStarvation fails." in out
    data = json.loads((tmp_path / "r.json").read_text())
    v = data["violations"][0]
    assert (v["kind"], v["loop_from"], v["length"], v["instance"], v["form"]) == ("liveness", 1, 4, "c=c1", "leads_to")
    assert data["fairness"] == ["WF(Acquire, each)", "WF(Release, each)"]
    assert "back to 1" in (tmp_path / "NoStarvation.dot").read_text()


def test_a_stuttering_end_in_text_and_json(tmp_path, capsys):
    code = main(["check", "paxos", "--quiet", "--property", "EventuallyChosen", "--fair", "none",
                 "--json", str(tmp_path / "r.json")])
    out = capsys.readouterr().out
    assert code == 1 and "then stutters in state 0 forever" in out
    assert json.loads((tmp_path / "r.json").read_text())["violations"][0]["loop_from"] is None


@pytest.mark.parametrize("args, message", [
    (["--fair", "WF(Nope)"], "fairness WF(Nope): there is no action 'Nope'"),
    (["--fair", "XF(Acquire)"], "expected WF(Action), SF(Action, each) or WF(Action, p=v)"),
    (["--fair", "WF(Acquire, x=1)"], "Acquire has no parameter 'x'"),
    (["--fair", "WF(Acquire, c=c9)"], "c='c9' is not in the domain of Acquire's 'c'"),
    (["--fair", "WF(Acquire, when=nothing)"], "the model has no method 'nothing'"),
    (["--workers", "2", "--property", "NoStarvation"], "NoStarvation is a liveness property: it is judged by BFS"),
    (["--symmetry", "--property", "NoStarvation"], "not with symmetry"),
])
def test_bad_fairness_and_modes_are_one_line_errors(args, message, capsys):
    assert main(["check", "lock-wait", "--quiet", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_fair_needs_a_liveness_property(capsys):
    assert main(["check", "lock-wait", "--quiet", "--property", "MutualExclusion", "--fair", "WF(Acquire)"]) == 2
    assert "no liveness property" in capsys.readouterr().err


def test_what_is_not_judged_is_said():
    parallel = check(LockWait(), workers=2)
    assert parallel.ok and parallel.liveness == "not judged with several workers: NoStarvation"
    assert [p.name for p in parallel.properties] == ["MutualExclusion"]
    cut = check(LockWait(), max_states=5)
    assert cut.verdict == "partial" and cut.liveness.startswith("not judged (the search was cut short)")


def test_render_and_report_from_the_json_keep_the_cycle(tmp_path, capsys):
    main(["check", "lock-wait", "--quiet", "--json", str(tmp_path / "r.json")])
    assert main(["render", str(tmp_path / "r.json"), "--out", str(tmp_path / "charts"),
                 "--report", str(tmp_path / "r.html")]) == 0
    assert "back to 1" in (tmp_path / "charts" / "NoStarvation.dot").read_text()
    assert "violated: 4 steps, then goes back to state 1: steps 2-4 repeat forever" in (tmp_path / "r.html").read_text()
    data = json.loads((tmp_path / "r.json").read_text())
    data["violations"][0]["loop_from"] = 9
    (tmp_path / "bad.json").write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["render", str(tmp_path / "bad.json"), "--out", str(tmp_path / "x")]) == 2
    assert "loop_from 9 is not a state of its trace" in capsys.readouterr().err


@pytest.mark.parametrize("model", [LockWait(3), Paxos(), Raft(max_log_len=0, max_term=2)],
                         ids=lambda m: type(m).__name__)
def test_the_c_loop_and_the_python_loop_record_the_same_graph(model):
    """checker/_expand.c tells the recorder every step as bfs.py's Python loop does: the same arrays."""
    graphs = []
    for native in (True, False):
        c = compile_model(model)
        pl = plan(c)
        search = Search(c, Options(), "bfs")
        search.graph = pl.recorder([act.name for act in c.actions])
        bfs(search, native=native)
        r = search.graph
        graphs.append((list(r.starts), list(r.targets), list(r.kinds), r.labels, [bytes(m) for m in r.marks]))
    assert graphs[0] == graphs[1]
    assert len(graphs[0][1]) == search.generated - len(c.inits)  # every step but the initial states is recorded
