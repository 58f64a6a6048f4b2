"""specs.log: each replicated-log property holds on logs that satisfy it and fails on a state built to
break it (so each can fail), whatever model maps onto it."""

from __future__ import annotations

from checker import FrozenMap, record
from specs import log

E = record("E", "term value")


class View:
    """A stand-in model: replicated(s) is s itself."""

    def replicated(self, s):
        return s


def state(logs: dict, commit: dict | None = None, leaders=()) -> log.LogState:
    return log.LogState(FrozenMap.of({k: tuple(v) for k, v in logs.items()}),
                        FrozenMap.of(commit or {k: 0 for k in logs}), frozenset(leaders))


def holds(prop, *states) -> bool:
    return prop.bind(View())(*states)


def test_election_safety_one_leader_per_term():
    s = state({"a": [], "b": []}, leaders=[("a", 2), ("b", 3)])
    assert holds(log.ElectionSafety(), s)
    assert not holds(log.ElectionSafety(), state({"a": [], "b": []}, leaders=[("a", 2), ("b", 2)]))


def test_log_matching_same_index_and_term_means_same_prefix():
    ok = state({"a": [E(1, "x"), E(2, "y")], "b": [E(1, "x"), E(3, "z")]})
    assert holds(log.LogMatching(), ok)
    bad = state({"a": [E(1, "x"), E(2, "y")], "b": [E(1, "w"), E(2, "y")]})  # index 2 agrees, index 1 not
    assert not holds(log.LogMatching(), bad)


def test_state_machine_safety_committed_entries_agree():
    assert holds(log.StateMachineSafety(), state({"a": [E(1, "x")], "b": [E(1, "x")]}, {"a": 1, "b": 1}))
    assert holds(log.StateMachineSafety(), state({"a": [E(1, "x")], "b": [E(2, "y")]}, {"a": 1, "b": 0}))
    assert not holds(log.StateMachineSafety(), state({"a": [E(1, "x")], "b": [E(2, "y")]}, {"a": 1, "b": 1}))


def test_leader_completeness_later_leaders_hold_committed_entries():
    committed = {"a": [E(1, "x")], "b": []}
    assert holds(log.LeaderCompleteness(), state(committed, {"a": 1, "b": 0}, leaders=[("a", 2)]))
    assert holds(log.LeaderCompleteness(), state(committed, {"a": 1, "b": 0}, leaders=[("b", 1)]))  # not later
    assert not holds(log.LeaderCompleteness(), state(committed, {"a": 1, "b": 0}, leaders=[("b", 2)]))


def test_leader_append_only_a_leader_keeps_its_entries():
    before = state({"a": [E(2, "x")], "b": []}, leaders=[("a", 2)])
    grown = state({"a": [E(2, "x"), E(2, "y")], "b": []}, leaders=[("a", 2)])
    lost = state({"a": [], "b": []}, leaders=[("a", 2)])
    stepped_down = state({"a": [], "b": []}, leaders=[])
    prop = log.LeaderAppendOnly()
    assert holds(prop, before, grown) and holds(prop, before, stepped_down)
    assert not holds(prop, before, lost)


def test_committed_kept_no_server_loses_a_committed_entry():
    before = state({"a": [E(1, "x"), E(1, "y")], "b": [E(1, "x")]}, {"a": 1, "b": 0})
    appended = state({"a": [E(1, "x"), E(2, "z")], "b": []}, {"a": 1, "b": 0})  # uncommitted y and b's x may go
    restarted = state({"a": [E(1, "x"), E(1, "y")], "b": [E(1, "x")]}, {"a": 0, "b": 0})
    replaced = state({"a": [E(2, "z")], "b": [E(1, "x")]}, {"a": 0, "b": 0})
    prop = log.CommittedKept()
    assert prop.kind == "transition"
    assert holds(prop, before, appended) and holds(prop, before, restarted)
    assert not holds(prop, before, replaced)
    assert holds(prop, replaced, state({"a": [], "b": []}))  # nothing committed before: nothing to keep


def test_some_entry_committed_is_a_reachable_property():
    prop = log.SomeEntryCommitted()
    assert prop.kind == "reachable"
    assert not holds(prop, state({"a": [E(1, "x")]}, {"a": 0}))
    assert holds(prop, state({"a": [E(1, "x")]}, {"a": 1}))
