"""Pictures of counterexamples: sequence charts rendered by dot, the state graph, the HTML report, the CLI."""

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from checker import (
    Bag,
    FrozenMap,
    Model,
    ModelError,
    action,
    check,
    ids,
    invariant,
    record,
)
from checker.cli import main
from checker.cli.jsonout import result_json
from checker.cli.registry import build, load_class
from checker.compiled import compile_model
from checker.render import (
    NO_DOT,
    TooManyStates,
    report_html,
    sequence_chart,
    state_graph,
    violation_chart,
    write_charts,
)
from checker.render.chart import SYSTEM, chart, message_text, value_lines
from models import DieHard, TwoPhase

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
needs_dot = pytest.mark.skipif(not shutil.which("dot"), reason="Graphviz's dot is not installed (apt-get install graphviz)")
SVG = "{http://www.w3.org/2000/svg}"


def paxos(variant, prop="Agreement"):
    model = build(load_class("paxos"), [], variant)
    return compile_model(model), check(model, properties=[prop]).violation(prop)


def drawn(compiled, violation):
    """The chart's SVG as dot draws it, checked to come without a warning: lanes, arrows, dangling sends, texts."""
    source = sequence_chart(violation_chart(compiled, violation)).source
    p = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    root = ET.fromstring(p.stdout)
    nodes = {g.find(f"{SVG}title").text: g for g in root.iter(f"{SVG}g") if g.get("class") == "node"}
    edges = [g.find(f"{SVG}title").text.replace("&#45;", "-") for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
    lanes = [text(nodes[f"nhead_{j}"]) for j in range(sum(e.startswith("nhead_") for e in edges))]
    arrows = [tuple(map(int, m.groups())) for e in edges if (m := re.fullmatch(r"n(\d+)_(\d+)->n(\d+)_(\d+)", e))]
    dangling = [e for e in edges if re.fullmatch(r"n\d+_\d+->g\w+", e)]
    return lanes, arrows, dangling, nodes


def text(node) -> str:
    """The text a node shows, its lines joined by spaces."""
    return " ".join(t.text for t in node.iter(f"{SVG}text"))


@needs_dot
def test_no_highest_vote_chart_shows_lanes_deliveries_and_the_violation():
    compiled, v = paxos("no-highest-vote")
    lanes, arrows, dangling, nodes = drawn(compiled, v)
    assert lanes == ["leader b0", "leader b1", "a1", "a2", "a3"]
    # 1a to two acceptors each, four 1b to the leaders, 2a of ballot 0 to a2 and a3, of ballot 1 to a1 and a2
    assert len(arrows) == 12 and len(dangling) == 4  # the four 2b votes: no action receives them
    assert (8, 3, 9, 1) in arrows  # a2's 1b reporting its vote for v1 reaches the leader of ballot 1 ...
    assert "2a bal=1 val=v2" in text(nodes["n9_1"])  # ... who proposes v2 all the same
    violating = nodes["n12_4"]  # the last step, on a3's lane
    assert "Phase2b(b=0)" in text(violating)
    assert any(p.get("stroke") == "#d62728" for p in violating.iter(f"{SVG}path"))
    assert "Agreement violated: At most one value is chosen." in text(nodes["tab12"])


@needs_dot
def test_seed_chart():
    compiled, v = paxos("seed")
    lanes, arrows, dangling, nodes = drawn(compiled, v)
    assert lanes == ["p1", "p2", "a1", "a2", "a3"]
    assert sorted(arrows) == [(1, 0, 3, 2), (1, 0, 5, 3), (2, 1, 4, 2), (2, 1, 6, 3)]  # each proposal reaches a1, a2
    assert len(dangling) == 4  # the four "accepted" reports
    assert "Agreement violated" in text(nodes["tab6"])


class TwoPhaseCommits(TwoPhase):
    """TwoPhase with a claim that breaks once every RM committed, so its trace is a whole commit."""

    @invariant
    def NotAllCommitted(self, s):
        """Not every RM has committed."""
        return set(s.rmState.values()) != {"committed"}


def test_twophase_chart_has_a_tm_lane():
    model = TwoPhaseCommits(rms=2)
    v = check(model, properties=["NotAllCommitted"]).violation("NotAllCommitted")
    c = chart(compile_model(model), v.trace)
    assert c.lanes == ["TM", "r1", "r2"] and c.nodes == ["r1", "r2"]
    deliveries = {(message_text(m.value), c.sender(m), tuple(c.rows[r].lane for r in m.receivers)) for m in c.messages}
    assert deliveries == {("Prepared r1", "r1", ("TM",)), ("Prepared r2", "r2", ("TM",)), ("Commit", "TM", ("r1", "r2"))}
    tm = next(row for row in c.rows if row.step.action == "TMCommit")
    assert tm.lane == "TM" and tm.changed == [(None, "tmState: init → committed")]


Note = record("Note", "type src dst")
Net = record("Net", "got msgs")


class Relay(Model):
    """Notes in a Bag: n1 sends two, n2 consumes one of them; a bad claim stops the trace there."""

    def __init__(self):
        self.nodes = ids("n", 2)

    def init(self):
        return Net(got=FrozenMap.const(self.nodes, 0), msgs=Bag())

    @action
    def Send(self, s):
        """n1 sends a note to n2 (at most two)."""
        if len(s.msgs) + s.got["n2"] < 2:
            return s.set(msgs=s.msgs.add(Note("note", "n1", "n2")))

    @action(i="nodes")
    def Receive(self, s, i):
        """Node i takes a note addressed to it."""
        m = Note("note", "n1", i)
        if m in s.msgs:
            return s.set(got=s.got.set(i, s.got[i] + 1), msgs=s.msgs.remove(m))

    @invariant
    def NothingReceived(self, s):
        """n2 never receives a note."""
        return s.got["n2"] == 0


def test_bag_messages_taken_out_are_received_and_lanes_default_to_map_keys():
    model = Relay()
    v = check(model).violation("NothingReceived")
    c = chart(compile_model(model), v.trace)
    assert c.lanes == [SYSTEM, "n1", "n2"] and c.nodes == ["n1", "n2"]  # no declaration: the keys of the FrozenMap
    assert [row.lane for row in c.rows[1:]] == [SYSTEM, "n2"]  # Send names no node
    assert [(m.row, m.receivers) for m in c.messages] == [(1, [2])]


def test_a_step_without_nodes_is_the_systems():
    v = check(DieHard()).violation("NotSolved")
    c = chart(compile_model(DieHard()), v.trace)
    assert c.lanes == [SYSTEM] and c.nodes == [] and c.messages == []
    assert [row.changed for row in c.rows[1:3]] == [[(None, "big: 0 → 5")], [(None, "small: 0 → 3"), (None, "big: 5 → 2")]]


Entry = record("Entry", "term value")
Log = record("Log", "log")


class Logger(Model):
    """A log that grows until a claim about its length fails."""

    def init(self):
        return Log(log=())

    @action
    def Append(self, s):
        """Append an entry of the next term."""
        return s.set(log=(*s.log, Entry(len(s.log) + 1, "v")))

    @invariant
    def Short(self, s):
        """The log holds at most one entry."""
        return len(s.log) < 2


def test_appended_entries_and_sequences_of_records_read_line_by_line():
    v = check(Logger()).violation("Short")
    c = chart(compile_model(Logger()), v.trace)
    assert c.rows[2].changed == [(None, "log: + Entry term=2 value=v")]
    assert value_lines(c.final.log) == ["Entry term=1 value=v", "Entry term=2 value=v"]
    assert value_lines((1, "v1")) == ["(1, v1)"] and value_lines(frozenset({"r2", "r1"})) == ["{r1, r2}"]


@needs_dot
def test_a_violation_in_the_initial_state_is_marked(tmp_path):
    model = DieHard(goal=0)
    written = write_charts(compile_model(model), check(model).violations, tmp_path)
    assert [w.name for w in written] == ["NotSolved.dot", "NotSolved.svg"]
    assert "NotSolved violated: The big jug never holds the goal amount" in (tmp_path / "NotSolved.svg").read_text()


@needs_dot
def test_odd_values_are_escaped_in_html_labels(tmp_path):
    Odd = record("Odd", "who msgs")

    class Markup(Model):
        """Values full of markup."""

        lanes = ("nodes",)

        def __init__(self):
            self.nodes = ("<a&b>",)

        def init(self):
            return Odd(who=FrozenMap.const(self.nodes, '"x" < y'), msgs=frozenset())

        @action(n="nodes")
        def Say(self, s, n):
            """Send markup."""
            return s.set(who=s.who.set(n, "<br/>&amp;"), msgs=s.msgs | {("<tag>", "&")})

        @invariant
        def Quiet(self, s):
            """Nothing is said."""
            return not s.msgs

    model = Markup()
    written = write_charts(compile_model(model), check(model).violations, tmp_path)
    assert [w.name for w in written] == ["Quiet.dot", "Quiet.svg"]
    svg = (tmp_path / "Quiet.svg").read_text()
    assert "&lt;br/&gt;&amp;amp;" in svg and "&lt;a&amp;b&gt;" in svg  # a lane named <a&b>, a value <br/>&amp;
    title = chart(compile_model(model), check(model).violations[0].trace, title='a "title" with \\ and <b>')
    assert 'a &quot;title&quot; with \\ and &lt;b&gt;' in sequence_chart(title).pipe(format="svg").decode()


def test_lanes_must_be_a_tuple():
    with pytest.raises(ModelError, match="lanes must be a tuple"):
        class Bad(Model):  # noqa: F841
            """Lanes named by a bare string."""

            lanes = "nodes"


def test_state_graph_of_diehard():
    graph = state_graph(compile_model(DieHard()))
    source = graph.source
    states = re.findall(r"^\ts(\d+) \[", source, re.M)
    assert len(states) == 16
    red = re.findall(r"^\ts\d+ \[label=\"small = \d+\nbig = (\d+)\".*color=\"#d62728\"", source, re.M)
    assert red == ["4", "4"]
    assert source.count("penwidth=3") == 6  # the six steps of the shortest solution
    assert source.count("init0 -> s0") == 1


def test_state_graph_refuses_large_models():
    with pytest.raises(TooManyStates, match="more than 100 reachable states"):
        state_graph(compile_model(TwoPhase(rms=3)), max_states=100)


# -- the command line -------------------------------------------------------------------------


def concord(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


@needs_dot
def test_check_render_report_and_render_from_json_agree(tmp_path):
    p = concord("check", "paxos", "--variant", "no-highest-vote", "--continue", "--quiet", "--json", str(tmp_path / "r.json"),
                "--render", str(tmp_path / "check"), "--format", "png", "--report", str(tmp_path / "review.html"))
    assert p.returncode == 1, p.stderr
    assert f"charts: {tmp_path / 'check' / 'RefinesVoting.dot'}, " in p.stdout and "report: " in p.stdout
    assert sorted(os.listdir(tmp_path / "check")) == sorted(f"{n}.{x}" for n in ("Agreement", "RefinesConsensus", "RefinesVoting")
                                                            for x in ("dot", "svg", "png"))
    assert (tmp_path / "check" / "Agreement.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = (tmp_path / "review.html").read_text()
    for external in ("http:", "https:", "src=", "<script", "<link", "url("):
        assert external not in html.lower()
    assert html.count("<svg") == 3  # one chart per violation
    assert "violated after 12 steps" in html and '<td class="chg">v2</td>' in html
    p = concord("render", str(tmp_path / "r.json"), "--out", str(tmp_path / "saved"))
    assert p.returncode == 0, p.stderr
    for name in ("Agreement", "RefinesConsensus", "RefinesVoting"):
        assert (tmp_path / "saved" / f"{name}.dot").read_text() == (tmp_path / "check" / f"{name}.dot").read_text()


def test_report_draws_the_quorums_that_miss():
    model = build(load_class("paxos"), [], "minority-quorums")
    result = check(model)
    html = report_html(result_json(result), compile_model(model), result.violations)
    assert "refuted" in html and "phase-1 quorum: {a2}" in html
    assert html.count("<svg") == (2 if shutil.which("dot") else 0)  # the two quorums, and the chart


def test_render_errors_are_one_line(tmp_path):
    concord("check", "diehard", "--quiet", "--json", str(tmp_path / "real.json"))
    saved = json.loads((tmp_path / "real.json").read_text())
    (tmp_path / "r.json").write_text(json.dumps(dict(saved, model="Nope(n=1)")))
    for args, message in [(["render", str(tmp_path / "r.json")], "nothing to write"),
                          (["render", str(tmp_path / "r.json"), "--out", str(tmp_path)], "Nope is not a bundled model"),
                          (["render", str(tmp_path / "none.json"), "--out", str(tmp_path)], "cannot read"),
                          (["graph", "paxos", "--out", str(tmp_path / "g.svg")], "more than 2,000 reachable states"),
                          (["graph", "diehard", "--out", str(tmp_path / "g.txt")], "name a .svg, .png or .dot file")]:
        p = concord(*args)
        assert p.returncode == 2 and message in p.stderr and p.stderr.count("\n") == 1, (args, p.stderr)


def test_render_replays_a_saved_user_model(tmp_path):
    user = os.path.join(HERE, "test_render.py") + ":TwoPhaseCommits"
    p = concord("check", user, "--set", "rms=2", "--property", "NotAllCommitted", "--quiet", "--json", str(tmp_path / "r.json"))
    assert p.returncode == 1, p.stderr
    p = concord("render", str(tmp_path / "r.json"), "--out", str(tmp_path / "o"), "--model", user)
    assert p.returncode == 0 and (tmp_path / "o" / "NotAllCommitted.dot").exists(), p.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    data["violations"][0]["trace"][1]["state"]["rmState"]["r1"] = "aborted"  # not what the step did
    (tmp_path / "r.json").write_text(json.dumps(data))
    p = concord("render", str(tmp_path / "r.json"), "--out", str(tmp_path / "o"), "--model", user)
    assert p.returncode == 2 and "does not replay" in p.stderr


def test_without_dot_only_dot_files_are_written(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["check", "diehard", "--quiet", "--render", str(tmp_path), "--report", str(tmp_path / "r.html")]) == 1
    out = capsys.readouterr().out
    assert sorted(os.listdir(tmp_path)) == ["NotSolved.dot", "r.html"]
    assert out.count(NO_DOT) == 1 and "apt-get install graphviz" in (tmp_path / "r.html").read_text()


@needs_dot
def test_graph_command_writes_the_picture(tmp_path):
    p = concord("graph", "twophase", "--set", "rms=1", "--out", str(tmp_path / "tp.png"))
    assert p.returncode == 0, p.stderr
    assert sorted(os.listdir(tmp_path)) == ["tp.dot", "tp.png"]


@pytest.mark.skipif(not shutil.which("chromium"), reason="Chromium is not installed (apt-get install chromium; .ci/run does)")
def test_headless_chromium_draws_the_report(tmp_path):
    report = tmp_path / "review.html"
    assert concord("check", "paxos", "--variant", "seed", "--quiet", "--report", str(report)).returncode == 1
    shot = tmp_path / "shot.png"
    done = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                           "--no-first-run", "--disable-background-networking", "--disable-component-update",
                           "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
                           "--window-size=1400,2000", report.as_uri()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1400, 2000) and len(png) > 20_000  # the whole window, drawn, not a blank page
