"""Real consistent-hashing libraries judged by specs/placement.py through the model-as-oracle bridge.

The chash model decides which membership changes may happen (joins and leaves of n1..n6); the adapter makes
them happen in the library and shows its placement of 200 keys; hypothesis draws the changes and shrinks a
failure to a minimal sequence. uhashring (ketama) keeps every property; jump-consistent-hash keeps them only
when buckets come and go at the end, as its authors say.
"""

from __future__ import annotations

import jump
import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test
from uhashring import HashRing

from checker import FrozenMap, ModelError
from checker.testing import Mismatch, machine
from models.chash import ConsistentHashing
from specs import placement

KEYS = tuple(f"key-{i}" for i in range(200))
PROPERTIES = ["ReplicasDistinct", "Monotonicity", "MinimalMovement"]
RUNS = settings(max_examples=30, stateful_step_count=6, deadline=None, derandomize=True)


class Ketama:
    """uhashring's HashRing (ketama-compatible, 160 points per node): replicas are its distinct successors."""

    def __init__(self, model: ConsistentHashing):
        self.replicas = model.replicas
        self.ring = HashRing(nodes=sorted(model.initial))

    def Join(self, n):
        self.ring.add_node(n)

    def Leave(self, n):
        self.ring.remove_node(n)

    Fail = Leave

    def view(self) -> placement.Placement:
        live = frozenset(self.ring.get_nodes())
        want = min(self.replicas, len(live))
        spots = {k: tuple(v["nodename"] for v in self.ring.range(k, size=want, unique=True)) for k in KEYS}
        return placement.Placement(live, self.replicas, FrozenMap.of(spots))


class Jump:
    """jump-consistent-hash: a key's bucket among the live nodes in the universe's order."""

    def __init__(self, model: ConsistentHashing):
        self.order, self.live = model.nodes, set(model.initial)

    def Join(self, n):
        self.live.add(n)

    def Leave(self, n):
        self.live.discard(n)

    Fail = Leave

    def view(self) -> placement.Placement:
        buckets = [n for n in self.order if n in self.live]
        spots = {k: (buckets[jump.hash(int.from_bytes(k.encode(), "big") % 2**63, len(buckets))],) for k in KEYS}
        return placement.Placement(frozenset(self.live), 1, FrozenMap.of(spots))


def run(model, adapter):
    test = machine(model, lambda: adapter(model), properties=PROPERTIES)
    run_state_machine_as_test(test, settings=RUNS)


def test_uhashring_keeps_every_placement_property_with_two_replicas():
    run(ConsistentHashing(nodes=6, replicas=2, initial=3, max_changes=6), Ketama)


def test_jump_keeps_them_when_buckets_join_and_leave_at_the_end():
    run(ConsistentHashing(nodes=6, replicas=1, initial=3, max_changes=6, placement="jump"), Jump)


def test_jump_breaks_monotonicity_when_a_middle_node_leaves_and_the_failure_shrinks_to_one_step():
    with pytest.raises(Mismatch) as failed:
        run(ConsistentHashing(nodes=6, replicas=1, initial=3, max_changes=6), Jump)
    assert "Monotonicity broken by Leave(n=n1)" in str(failed.value)  # the smallest: the first bucket goes
    notes = "\n".join(getattr(failed.value, "__notes__", []))
    assert notes.count("state.step(") == 1 and "Leave(n=n1)" in notes, notes  # shrunk to one step


def test_a_libraries_placement_that_equals_the_model_passes_the_observe_comparison():
    """observe(): the implementation's view compared with the model's own, step by step (here the model
    compared with itself through an adapter, so the two must agree)."""

    class Own:
        def __init__(self, model):
            self.model, self.live = model, set(model.initial)

        def Join(self, n):
            self.live.add(n)

        def Leave(self, n):
            self.live.discard(n)

        Fail = Leave

        def observe(self):
            return self.model.place(frozenset(self.live)).replicas

    model = ConsistentHashing()
    test = machine(model, lambda: Own(model), observe=lambda m, s: m.placement(s).replicas)
    run_state_machine_as_test(test, settings=RUNS)


def test_a_model_property_that_reads_no_view_cannot_judge_an_implementation():
    with pytest.raises(ModelError, match="no property Nope"):
        machine(ConsistentHashing(), lambda: None, properties=["Nope"])
    with pytest.raises(ModelError, match="KeyRelocated is the model's own property"):
        machine(ConsistentHashing(), lambda: None, properties=["KeyRelocated"])
