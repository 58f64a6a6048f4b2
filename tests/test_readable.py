"""Values as text traces, reports and charts print them: sets sorted, empty collections told apart,
strings that could pass for another value quoted; the scope a run was bounded by, said."""

from __future__ import annotations

import enum

from checker import Bag, FrozenMap, Model, action, check, constraint, invariant, record
from checker.cli.jsonout import result_json, result_problem
from checker.cli.report import format_result, format_trace
from checker.diff import Change, fmt

Node = record("Node", "x tags")


class Colour(enum.Enum):
    RED = 1


def test_sets_print_sorted_in_braces_and_the_empty_set_and_map_differ():
    assert fmt(frozenset({"r2", "r1"})) == "{r1, r2}"
    assert fmt(frozenset()) == "{}"
    assert fmt(FrozenMap.of({})) == "{:}"
    assert fmt(FrozenMap.of({"a1": frozenset()})) == "{a1: {}}"
    assert fmt(Bag(["m", "k", "m"])) == "Bag{k, m×2}"
    assert fmt(Colour.RED) == "RED"


def test_a_string_is_quoted_when_it_could_pass_for_another_value():
    assert [fmt(v) for v in ("a1", "1b", "follower-read", "v_2")] == ["a1", "1b", "follower-read", "v_2"]
    assert [fmt(v) for v in ("1", "-1", "", "a b", "None", "True", "{x}")] == [
        "'1'", "'-1'", "''", "'a b'", "'None'", "'True'", "'{x}'"]
    assert [fmt(v) for v in (1, -1, None, True)] == ["1", "-1", "None", "True"]
    assert str(Change("x", 1, "1")) == "x: 1 -> '1'"


class Retype(Model):
    """x goes from 1 to "1": a change a trace must show."""

    def init(self):
        return Node(1, frozenset({"b", "a"}))

    @action
    def Stringify(self, s):
        """x becomes a string."""
        if s.x == 1:
            return s.set(x="1")

    @invariant
    def StaysInt(self, s):
        """x is an int."""
        return isinstance(s.x, int)


def test_a_trace_shows_a_change_from_1_to_the_string_1_and_sets_sorted():
    v = check(Retype()).violation("StaysInt")
    lines = format_trace(v.trace)
    assert "         tags = {a, b}" in lines
    assert "         x: 1 -> '1'" in lines


class Bounded(Model):
    """A counter bounded by a constraint (TLC's CONSTRAINT)."""

    def init(self):
        return Node(0, frozenset())

    @action
    def Inc(self, s):
        """x grows."""
        return s.set(x=s.x + 1)

    @constraint
    def Small(self, s):
        """x stays below 3."""
        return s.x < 3


def test_the_summary_and_the_json_name_the_constraint_that_bounded_the_run():
    result = check(Bounded())
    assert result.stats.distinct == 3 and result.constraints == ["Small"] and result.outside == 1
    text = format_result(result)
    assert "Scope: bounded by the constraint Small; 1 distinct successor beyond it checked, not explored" in text
    data = result_json(result)
    assert data["scope"] == {"constraints": ["Small"], "outside": 1, "outside_at_least": False}
    assert result_problem(data) is None
    data["scope"]["outside"] = "many"
    assert result_problem(data) == "its scope: 'outside' is missing or of the wrong type"


def test_a_run_without_a_constraint_says_nothing_of_one():
    result = check(Retype())
    assert result.constraints == [] and "Scope:" not in format_result(result)


def test_a_fifo_channel_read_or_written_shows_the_messages_not_the_whole_sequences():
    from checker.diff import changes

    Q = record("Q", "ch")
    assert [str(c) for c in changes(Q(("req", "ack")), Q(("ack",)))] == ["ch: - req"]
    assert [str(c) for c in changes(Q(("req",)), Q(()))] == ["ch: - req"]
    assert [str(c) for c in changes(Q(()), Q(("req",)))] == ["ch: + req"]
    assert [str(c) for c in changes(Q(("a", "b")), Q(("b", "c")))] == ["ch: + c, - a"]
    assert [str(c) for c in changes(Q((1, 2)), Q((3, 4)))] == ["ch: (1, 2) -> (3, 4)"]  # a replacement
