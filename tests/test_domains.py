"""Parameter domains: collections, functions of the state, domains that depend on earlier parameters;
and actions that return several successors (a list, a generator or a set)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker import FrozenMap, Model, ModelError, action, check, derived, record
from checker.compiled import compile_model, in_order
from checker.fingerprint import fingerprint

Net = record("Net", "sent")


class Pairs(Model):
    """Every process sends once to every other: q in Proc \\ {p} as a dependent domain."""

    def __init__(self, n: int = 3):
        self.Proc = tuple(range(1, n + 1))

    def init(self):
        return Net(frozenset())

    def Others(self, s, p):
        return [q for q in self.Proc if q != p]

    @action(p="Proc", q="Others")
    def Send(self, s, p, q):
        if (p, q) not in s.sent:
            return s.set(sent=s.sent | {(p, q)})


class PairsGuarded(Pairs):
    """The same protocol written with a guard instead: q in Proc, and None when p = q."""

    @action(p="Proc", q="Proc")
    def Send(self, s, p, q):
        if p != q and (p, q) not in s.sent:
            return s.set(sent=s.sent | {(p, q)})


def test_a_dependent_domain_gives_the_states_of_the_guarded_model_without_the_disabled_calls():
    for n in (1, 2, 3, 4):
        dependent, guarded = check(Pairs(n)), check(PairsGuarded(n))
        assert dependent.verdict == guarded.verdict == "ok"
        assert dependent.stats.distinct == guarded.stats.distinct == 2 ** (n * (n - 1))  # every subset of the pairs
        assert dependent.stats.generated == guarded.stats.generated


def test_a_dependent_domain_is_asked_with_the_state_and_each_earlier_value():
    c = compile_model(Pairs(3))
    args = [a for a, _ in c.enabled[0][1](c.inits[0])]
    assert args == [(p, q) for p in (1, 2, 3) for q in (1, 2, 3) if q != p]


Triple = record("Triple", "x picks")


class Chain(Model):
    """Three parameters: b depends on a, c on a, b and the state."""

    def __init__(self, top: int = 3):
        self.top = top

    def init(self):
        return Triple(0, frozenset())

    def bs(self, s, a):
        return range(a, self.top + 1)

    def cs(self, s, a, b):
        return [c for c in range(self.top + 1) if a + b + c == s.x + 3]

    @action(a=lambda s: range(0, 2), b="bs", c="cs")
    def Pick(self, s, a, b, c):
        if s.x < 2:
            return s.set(x=s.x + 1, picks=s.picks | {(a, b, c)})


def test_three_parameters_each_domain_given_the_earlier_ones_and_the_state():
    c = compile_model(Chain(3))
    s = c.inits[0]
    got = [args for args, _ in c.enabled[0][1](s)]
    assert got == [(a, b, cc) for a in range(0, 2) for b in range(a, 4) for cc in range(4) if a + b + cc == 3]
    result = check(Chain(3))
    assert result.verdict == "ok" and result.stats.depth == 3


class DerivedDomain(Pairs):
    """A @derived method as a dependent domain: its signature is the method's."""

    @derived
    def Others(self, s, p):
        return tuple(q for q in self.Proc if q != p and (p, q) not in s.sent)

    @action(p="Proc", q="Others")
    def Send(self, s, p, q):
        return s.set(sent=s.sent | {(p, q)})


def test_a_derived_value_can_be_a_dependent_domain():
    assert check(DerivedDomain(3)).stats.distinct == check(Pairs(3)).stats.distinct == 64


def test_a_domain_asking_for_a_later_or_unknown_parameter_is_a_one_line_model_error():
    class Backwards(Pairs):
        def Mine(self, s, q):
            return [q]

        @action(p="Mine", q="Proc")
        def Send(self, s, p, q):
            return None

    with pytest.raises(ModelError) as e:
        compile_model(Backwards(2))
    message = str(e.value)
    assert "\n" not in message
    assert "Backwards.Send: parameter 'p'" in message and "takes 'q'" in message


# -- several successors from one call ----------------------------------------------------------------

Cell = record("Cell", "v")


class Choice(Model):
    """x' \\in {a, b}: an action returning a set of states, duplicates merged by the set."""

    def init(self):
        return Cell(0)

    @action(how=("set", "list", "generator"))
    def Step(self, s, how):
        if s.v >= 3:
            return None
        options = [Cell(s.v + 1), Cell(s.v + 2), Cell(s.v + 1)]  # one duplicate
        if how == "set":
            return frozenset(options)
        if how == "list":
            return options
        return (t for t in options)


def test_a_set_of_successors_counts_each_distinct_successor_once():
    result = check(Choice())
    assert result.verdict == "ok"
    assert result.stats.distinct == 5  # v = 0 .. 4: steps of 1 or 2 while v < 3
    assert result.stats.generated == 1 + 3 * (2 + 3 + 3)  # the initial state (as TLC counts), then from v = 0, 1, 2: the set's 2, the list's and generator's 3
    c = compile_model(Choice())
    s = c.inits[0]
    by_how = {args[0]: c.outcomes(r) for args, r in c.enabled[0][1](s)}
    assert len(by_how["set"]) == 2 and len(by_how["list"]) == 3 and len(by_how["generator"]) == 3


@settings(max_examples=50, deadline=None)
@given(st.frozensets(st.integers(-5, 5) | st.none(), max_size=6))
def test_a_set_of_successors_is_taken_in_fingerprint_order_whatever_the_hash_order(values):
    states = frozenset(Cell(v) for v in values)
    ordered = in_order(states)
    assert sorted(map(fingerprint, ordered)) == list(map(fingerprint, ordered))
    assert set(ordered) == set(states)


class SetState(Model):
    """A model whose states are frozensets: a frozenset returned is one successor, not several."""

    def init(self):
        return frozenset()

    @action(x=(1, 2))
    def Add(self, s, x):
        if x not in s:
            return s | {x}


def test_a_set_returned_by_a_model_whose_states_are_sets_is_one_state():
    result = check(SetState())
    assert result.stats.distinct == 4  # {}, {1}, {2}, {1, 2}


def test_maps_of_maps_as_domains_are_not_mistaken_for_dependent_domains():
    class Static(Model):
        def __init__(self):
            self.table = FrozenMap.of({"a": 1, "b": 2})

        def init(self):
            return Cell(0)

        @action(k="table")
        def Go(self, s, k):
            if s.v == 0:
                return s.set(v=self.table[k])

    assert check(Static()).stats.distinct == 3
