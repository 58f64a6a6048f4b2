"""Z3 quorum checks against brute-force enumeration, pinned protocol facts, and the `concord quorum` CLI."""

import json
import shutil
import subprocess
import sys
from itertools import product
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.cli.quorum import main
from checker.render.quorum import render
from specs.quorum import (
    MAJORITY_OF_N,
    Byzantine,
    FastPaxosQuorums,
    Grid,
    Intersection,
    JointMajority,
    Reconfiguration,
    Threshold,
    ThresholdOfN,
    byzantine,
    disjoint_change,
    explicit,
    fast_paxos,
    flexible,
    grid,
    grid_phases,
    joint_consensus,
    majorities,
    majority,
    membership_change,
    quorums_of_size,
    servers,
    threshold,
    weighted,
)
from specs.quorum_z3 import Interrupted, check, check_all_n

ROOT = Path(__file__).resolve().parents[1]
QUICK = settings(max_examples=100, deadline=None)


def holds_by_enumeration(requirement) -> bool:
    """The requirement checked the slow way: every choice of quorums, one per family, per clause."""
    return all(len(frozenset.intersection(*choice)) >= clause.at_least
               for clause in requirement.clauses() for choice in product(*(f.members() for f in clause.families)))


def agrees_with_enumeration(requirement) -> None:
    result = check(requirement)
    assert result.verdict == ("proved" if holds_by_enumeration(requirement) else "refuted")
    if result.verdict == "refuted":
        assert any(clause.violated_by(result.witness) for clause in requirement.clauses())
        assert len(result.labels) == len(result.witness)
    else:
        assert result.witness is None


@st.composite
def explicit_systems(draw, names=None):
    names = names or servers(draw(st.integers(1, 6)))
    subsets = st.frozensets(st.sampled_from(names))
    return explicit(draw(st.lists(subsets, min_size=1, max_size=6)), names)


@st.composite
def weighted_systems(draw):
    names = servers(draw(st.integers(1, 6)))
    weights = {name: draw(st.integers(0, 3)) for name in names}
    total = sum(weights.values())
    if total == 0:
        weights[names[0]] = total = 1
    return weighted(weights, draw(st.integers(1, total)))


# ----------------------------------------------------------------------------- Z3 against enumeration


@QUICK
@given(explicit_systems())
def test_self_intersection_matches_enumeration(system):
    agrees_with_enumeration(Intersection(system, system))


@QUICK
@given(st.data())
def test_two_phase_intersection_matches_enumeration(data):
    first = data.draw(explicit_systems())
    agrees_with_enumeration(Intersection(first, data.draw(explicit_systems(first.servers)), ("phase-1 quorum",
                                                                                             "phase-2 quorum")))


@QUICK
@given(explicit_systems(), st.integers(0, 3))
def test_byzantine_overlap_matches_enumeration(system, f):
    agrees_with_enumeration(Byzantine(system, f))


@QUICK
@given(weighted_systems())
def test_weighted_matches_enumeration(system):
    agrees_with_enumeration(Intersection(system, system))


@QUICK
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n), st.integers(1, n))))
def test_fast_paxos_matches_enumeration(sizes):
    n, fast, classic = sizes
    agrees_with_enumeration(fast_paxos(n, fast, classic))


@QUICK
@given(st.integers(1, 3), st.integers(1, 3), st.booleans(), st.booleans())
def test_grids_match_enumeration(rows, cols, row_first, column_second):
    first = Grid(rows, cols, full_row=True, full_column=not row_first)
    second = Grid(rows, cols, full_row=not column_second, full_column=True)
    agrees_with_enumeration(Intersection(first, second, ("phase-1 quorum", "phase-2 quorum")))


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_joint_majorities_match_enumeration(data):
    config = st.sets(st.sampled_from(servers(5)), min_size=1).map(lambda s: tuple(sorted(s)))
    old, new, other = data.draw(config), data.draw(config), data.draw(config)
    others = Threshold(other, data.draw(st.integers(1, len(other))))
    agrees_with_enumeration(Intersection(JointMajority(old, new), others, ("joint quorum", "other quorum")))
    agrees_with_enumeration(joint_consensus(old, new))


def test_explicit_witness_is_listed():
    system = explicit([{"s1", "s2"}, {"s2", "s3"}, {"s3", "s4"}])
    result = check(Intersection(system, system))
    assert result.verdict == "refuted"
    assert set(result.witness) == {frozenset({"s1", "s2"}), frozenset({"s3", "s4"})}


# ----------------------------------------------------------------------------- pinned protocol facts


def test_majority_safe_for_every_n():
    assert check_all_n(Intersection(MAJORITY_OF_N, MAJORITY_OF_N)).verdict == "proved"


@pytest.mark.parametrize("n", range(1, 16))
def test_majority_safe_for_each_n_up_to_15(n):
    assert check(Intersection(majority(n), majority(n))).verdict == "proved"


def test_flexible_safe_iff_phases_outnumber_servers():
    for n in range(1, 8):
        for q1, q2 in product(range(1, n + 1), repeat=2):
            assert (check(flexible(n, q1, q2)).verdict == "proved") == (q1 + q2 > n), (n, q1, q2)


@pytest.mark.parametrize("q1, q2, smallest", [("n-2", "3", None), ("n-3", "3", 4), ("2", "3", 5),
                                              ("n/2+1", "n/2", 3), ("n/2", "n/2", 2), ("n-1", "2", None)])
def test_flexible_for_every_n(q1, q2, smallest):
    result = check_all_n(Intersection(ThresholdOfN.parse(q1), ThresholdOfN.parse(q2), ("phase-1", "phase-2")))
    assert result.verdict == ("proved" if smallest is None else "refuted")
    assert result.n == smallest
    if smallest is not None:
        first, second = result.witness
        assert not first & second and len(first) == ThresholdOfN.parse(q1).size(smallest)


@given(st.sampled_from(["2", "3", "n-1", "n-2", "n/2", "n/2+1", "2n/3", "n/3+1"]),
       st.sampled_from(["2", "3", "n-1", "n/2", "n/2+1", "2n/3+1"]))
@settings(max_examples=25, deadline=None)
def test_smallest_failing_n_matches_concrete_checks(q1, q2):
    sizes = ThresholdOfN.parse(q1), ThresholdOfN.parse(q2)
    result = check_all_n(Intersection(*sizes))
    fits = [n for n in range(1, 13) if all(1 <= s.size(n) <= n for s in sizes)]
    failing = [n for n in fits if sizes[0].size(n) + sizes[1].size(n) <= n]
    assert result.n == (failing[0] if failing else None)
    assert (result.verdict == "proved") == (not failing)


def test_fast_paxos_five_servers():
    assert check(fast_paxos(5, 4, 3)).verdict == "proved"
    refuted = check(fast_paxos(5, 3, 3))
    assert refuted.verdict == "refuted"
    assert not frozenset.intersection(*refuted.witness)


def test_fast_paxos_for_every_n():
    assert check_all_n(FastPaxosQuorums(ThresholdOfN.parse("3n/4+1"), MAJORITY_OF_N)).verdict == "proved"
    assert check_all_n(FastPaxosQuorums(ThresholdOfN.parse("3"), ThresholdOfN.parse("3"))).n == 5


def test_single_server_changes_are_safe():
    for old, new in [(3, 4), (4, 5), (4, 3), (5, 4), (1, 2)]:
        assert check(membership_change(old, new)).verdict == "proved", (old, new)


def test_two_servers_added_at_once_from_three_refuted():
    result = check(membership_change(3, 5))
    assert result.verdict == "refuted"
    small, large = result.witness
    assert result.labels == ("quorum of C", "quorum of C+2")
    assert len(small) == 2 and small <= set(servers(3)) and len(large) == 3 and not small & large


def test_disjoint_change_refuted_and_joint_consensus_proved():
    assert check(disjoint_change(3, 3)).verdict == "refuted"
    assert check(joint_consensus(servers(3), servers(5))).verdict == "proved"
    assert check(joint_consensus(servers(3), servers(3, first=4))).verdict == "proved"


def test_grids():
    assert check(Intersection(grid(3, 3), grid(3, 3))).verdict == "proved"
    assert check(grid_phases(3, 4)).verdict == "proved"
    rows_only = Grid(3, 3, full_row=True, full_column=False)
    assert check(Intersection(rows_only, rows_only)).verdict == "refuted"


def test_byzantine_quorums():
    assert check(byzantine(4, 1)).verdict == "proved"
    assert check(byzantine(7, 2)).verdict == "proved"
    result = check(byzantine(4, 1, k=2))
    assert result.verdict == "refuted" and len(frozenset.intersection(*result.witness)) <= 1


def test_helpers_for_models():
    assert majorities(("a", "b", "c")) == [frozenset("ab"), frozenset("ac"), frozenset("bc"), frozenset("abc")]
    assert quorums_of_size(servers(4), 3)[0] == frozenset({"s1", "s2", "s3"})
    assert len(majority(5).members()) == 16 and threshold(4, 5).members() == majorities(servers(5))[10:]


def test_sizes_parse_and_reject():
    assert [ThresholdOfN.parse(t).size(7) for t in ("3", "n-1", "n/2+1", "2n/3+1")] == [3, 6, 4, 5]
    for bad in ("", "n3", "2n", "x", "n/0"):
        with pytest.raises(ValueError):
            ThresholdOfN.parse(bad)


def test_render_writes_dot_and_svg(tmp_path):
    written = render(check(flexible(5, 2, 3)), tmp_path)
    assert (tmp_path / "witness.dot").read_text().startswith("graph witness")
    assert len(written) == (2 if shutil.which("dot") else 1)
    assert render(check(flexible(5, 3, 3)), tmp_path / "none") == []


# ----------------------------------------------------------------------------- CLI


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv, code", [
    (["majority", "--n", "5"], 0), (["majority", "--all-n"], 0), (["threshold", "--n", "6", "--k", "3"], 1),
    (["flexible", "--n", "5", "--q1", "2", "--q2", "3"], 1), (["flexible", "--n", "5", "--q1", "3", "--q2", "3"], 0),
    (["flexible", "--all-n", "--q1", "2", "--q2", "3"], 1),
    (["fast-paxos", "--n", "5", "--fast", "4", "--classic", "3"], 0),
    (["fast-paxos", "--n", "5", "--fast", "3", "--classic", "3"], 1), (["reconfig", "--old", "4", "--new", "5"], 0),
    (["reconfig", "--old", "3", "--new", "5"], 1), (["reconfig", "--old", "3", "--new", "3", "--disjoint"], 1),
    (["reconfig", "--old", "3", "--new", "3", "--disjoint", "--joint"], 0), (["grid", "--rows", "3", "--cols", "3"], 0),
    (["grid", "--rows", "2", "--cols", "3", "--phases"], 0), (["byzantine", "--n", "4", "--f", "1"], 0),
    (["byzantine", "--n", "4", "--f", "1", "--k", "2"], 1),
])
def test_cli_verdicts(capsys, argv, code):
    got, out, _ = run(capsys, *argv)
    assert got == code
    assert out.split()[0] == ("proved" if code == 0 else "refuted")
    assert " ms" in out.splitlines()[0] and "requirement: " in out
    assert ("witness:" in out) == (code == 1)


def test_cli_smallest_n(capsys):
    code, out, _ = run(capsys, "flexible", "--all-n", "--q1", "2", "--q2", "3")
    assert code == 1 and "at N = 5" in out


def test_cli_explicit_file_with_json_and_render(capsys, tmp_path):
    path = tmp_path / "system.json"
    path.write_text(json.dumps({"servers": ["a", "b", "c", "d"], "quorums": [["a", "b"], ["c", "d"], ["a", "c"]]}))
    code, out, _ = run(capsys, str(path), "--json", str(tmp_path / "out.json"), "--render", str(tmp_path / "pic"))
    assert code == 1 and "{a, b}" in out and "{c, d}" in out
    written = json.loads((tmp_path / "out.json").read_text())
    assert written["verdict"] == "refuted"
    assert sorted(map(frozenset, (q["servers"] for q in written["witness"]))) == sorted(
        [frozenset("ab"), frozenset("cd")], key=sorted)
    assert (tmp_path / "pic" / "witness.dot").exists()


@pytest.mark.parametrize("system, code", [
    ({"quorums": [["s1", "s2"], ["s2", "s3"]], "phase2": [["s2"]]}, 0),
    ({"quorums": [["s1", "s2"], ["s2", "s3"]], "f": 1}, 1),
    ({"weights": {"s1": 2, "s2": 1, "s3": 1}, "threshold": 3}, 0),
    ({"weights": {"s1": 2, "s2": 1, "s3": 1}, "threshold": 2}, 1),
])
def test_cli_file_kinds(capsys, tmp_path, system, code):
    path = tmp_path / "system.json"
    path.write_text(json.dumps(system))
    assert run(capsys, "file", str(path))[0] == code


@pytest.mark.parametrize("argv, content", [
    (["missing.json"], None),
    (["bad.json"], '{"quorums": [["s1"]'),
    (["bad.json"], '{"quorums": "s1"}'),
    (["bad.json"], '{"quorums": [["s1"]], "extra": 1}'),
    (["bad.json"], '{"servers": ["s1"], "quorums": [["s2"]]}'),
    (["bad.json"], '{"weights": {"s1": -1}, "threshold": 1}'),
    (["bad.json"], '[1, 2]'),
    (["flexible", "--n", "5", "--q1", "6", "--q2", "3"], None),
    (["flexible", "--n", "5", "--q1", "two", "--q2", "3"], None),
    (["majority"], None),
    (["majority", "--n", "0"], None),
    (["majority", "--n", "5", "--bogus"], None),
    (["threshold", "--all-n", "--k", "n+1"], None),
    ([], None),
])
def test_cli_bad_input(capsys, tmp_path, monkeypatch, argv, content):
    monkeypatch.chdir(tmp_path)
    if content is not None:
        Path(argv[0]).write_text(content)
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("concord: error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_unknown_when_z3_gives_up(capsys, monkeypatch):
    monkeypatch.setattr("specs.quorum_z3._counting_rules_out", lambda *args: False)  # leave only the hard search
    code, out, _ = run(capsys, "byzantine", "--n", "40", "--f", "9", "--k", "25", "--timeout", "50")
    assert code == 3 and out.startswith("unknown")
    assert "undecided: any two quorums share at least 10 servers" in out and "why: the time limit of 50 ms" in out


def test_timeout_bounds_all_the_queries_together():
    """30 configurations all in flight: 465 clauses, each proved by Z3 in milliseconds, but not all in 100 ms."""
    many = Reconfiguration(tuple(majority(5) for _ in range(30)), tuple(f"C{i}" for i in range(30)), in_flight=30)
    result = check(many, timeout_ms=100)
    assert result.verdict == "unknown" and "time limit" in result.why
    assert 0 < len(result.settled) < len(many.clauses())  # a limit per query would have let every clause through
    assert check_all_n(Intersection(MAJORITY_OF_N, MAJORITY_OF_N), timeout_ms=0.001).verdict == "unknown"


def test_every_n_beyond_the_witness_bound_is_unknown_with_its_n():
    result = check_all_n(Intersection(ThresholdOfN.parse("2"), ThresholdOfN.parse("3")), max_n=4)
    assert (result.verdict, result.n, result.witness) == ("unknown", 5, None) and "more than 4 servers" in result.why


def test_ctrl_c_reports_what_was_proved_and_exits_3(capsys, monkeypatch):
    def interrupt(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr("specs.quorum_z3._find_violation", interrupt)  # the counting argument cannot prove C+2
    with pytest.raises(Interrupted) as stopped:
        check(membership_change(3, 5))
    assert stopped.value.result.verdict == "unknown" and stopped.value.result.why == "interrupted"
    code, out, err = run(capsys, "reconfig", "--old", "3", "--new", "5")
    assert code == 3 and err == "concord: interrupted\n"
    assert out.startswith("unknown") and "proved before it stopped: " in out and "undecided: " in out


def test_cli_in_a_subprocess():
    script = "import sys; from checker.cli.quorum import main; sys.exit(main(sys.argv[1:]))"
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    ok = subprocess.run([sys.executable, "-c", script, "reconfig", "--old", "3", "--new", "5"],
                        capture_output=True, text=True, env=env, cwd=ROOT)
    assert ok.returncode == 1 and ok.stdout.startswith("refuted") and "quorum of C+2" in ok.stdout
    bad = subprocess.run([sys.executable, "-c", script, "no-such-file.json"], capture_output=True, text=True, env=env,
                         cwd=ROOT)
    assert bad.returncode == 2 and bad.stderr.startswith("concord: error: cannot read no-such-file.json")


# -- quorum files for every requirement: explicit lists give the verdicts of the families they list ----------


@pytest.mark.parametrize("n, fast, classic", [(4, 3, 3), (4, 4, 2), (5, 4, 3), (5, 3, 3), (6, 5, 4)])
def test_a_fast_paxos_file_listing_the_quorums_gets_the_verdict_of_the_thresholds(n, fast, classic):
    from itertools import combinations

    from checker.cli.quorum import requirement_from_json

    names = [f"s{i}" for i in range(1, n + 1)]
    listed = {"servers": names, "fast": [list(q) for q in combinations(names, fast)],
              "classic": [list(q) for q in combinations(names, classic)]}
    by_list, by_threshold = check(requirement_from_json(listed)), check(fast_paxos(n, fast, classic))
    assert by_list.verdict == by_threshold.verdict
    assert by_list.violated == by_threshold.violated


def test_a_reconfiguration_file_lists_each_configuration_and_how_many_run_at_once():
    from checker.cli.quorum import requirement_from_json

    def majorities_of(names):
        from itertools import combinations
        return [list(q) for q in combinations(names, len(names) // 2 + 1)]

    one_added = {"configs": [majorities_of(["s1", "s2", "s3"]), majorities_of(["s1", "s2", "s3", "s4"])]}
    assert check(requirement_from_json(one_added)).verdict == "proved"  # Raft's single-server change
    one_swapped = {"configs": [majorities_of(["s1", "s2", "s3"]), majorities_of(["s2", "s3", "s4"])]}
    assert check(requirement_from_json(one_swapped)).verdict == "refuted"  # {s1, s2} and {s3, s4}
    apart = {"configs": [majorities_of(["s1", "s2", "s3"]), majorities_of(["s2", "s3", "s4", "s5", "s6"]),
                         majorities_of(["s4", "s5", "s6"])]}
    assert check(requirement_from_json(apart)).verdict == "refuted"  # C1 and C2 may miss: {s1,s2} vs {s4,s5,s6}
    one_at_a_time = dict(apart, in_flight=1)
    assert check(requirement_from_json(one_at_a_time)).verdict == "proved"  # each configuration alone: majorities
