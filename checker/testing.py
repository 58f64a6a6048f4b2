"""The model as a test oracle: hypothesis runs random action sequences on a model and an implementation at once.

An adapter stands for the implementation: one method per model action, called with the action's arguments
by name (``Join(n="n3")``), and optionally

- ``observe()``: what the implementation shows, compared after every step with ``observe(model, state)``;
- ``view()``: the implementation's state as a spec's properties read it (a ``specs.placement.Placement``,
  a ``specs.mutex.MutexState``, ...), judged after every step by the named properties of the model;
- ``close()``: called when a run ends, passing or failing.

The model chooses what may happen next (the enabled actions of its current state) and the adapter makes it
happen; hypothesis draws the choices and shrinks a failing run to a minimal sequence of actions::

    from checker.testing import machine
    TestRing = machine(ConsistentHashing(), RingAdapter, properties=["Monotonicity"]).TestCase
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from hypothesis import note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from .compiled import compile_model
from .model import Model, ModelError

__all__ = ["machine", "holds", "Mismatch"]


class Mismatch(AssertionError):
    """The implementation and the model disagree, or the implementation broke a property."""


class _Identity:
    """Stands for a model whose every view is the value it is given: a property then judges a view directly."""

    def __getattr__(self, name: str) -> Callable:
        return lambda view: view


def holds(prop, *views) -> bool:
    """Whether a spec's property (one that reads a view) holds of a view, or of a step between two views."""
    return prop.bind(_Identity())(*views)


def _judges(model: Model, names: Iterable[str]) -> tuple[list, list]:
    """The named properties bound to views: (invariants as (name, check(view)), transitions as (name, check(a, b)))."""
    found = {p.name: p for p in type(model).properties()}
    unknown = [n for n in names if n not in found]
    if unknown:
        raise ModelError(f"{type(model).__name__} has no property {', '.join(unknown)}; it has: {', '.join(found)}")
    invariants, transitions = [], []
    for name in names:
        prop = found[name]
        if prop.factory is None:
            raise ModelError(f"{name} is the model's own property: only a spec's properties (which read a view) "
                             "judge an implementation")
        if prop.kind not in ("invariant", "transition"):
            raise ModelError(f"{name} is a {prop.kind} property: only invariants and transitions judge an implementation")
        (invariants if prop.kind == "invariant" else transitions).append((name, prop.bind(_Identity())))
    return invariants, transitions


def machine(model: Model, adapter: Callable[[], Any], *, observe: Callable[[Model, Any], Any] | None = None,
            properties: Iterable[str] = (), max_steps: int = 50) -> type[RuleBasedStateMachine]:
    """A hypothesis state machine that steps model and implementation together; run it with ``.TestCase``
    (unittest/pytest) or ``hypothesis.stateful.run_state_machine_as_test``."""
    compiled = compile_model(model)
    names = [act.name for act in compiled.actions]
    invariants, transitions = _judges(model, list(properties))

    class ModelTest(RuleBasedStateMachine):
        """Random action sequences, drawn from what the model enables, applied to the model and the adapter."""

        @initialize(start=st.sampled_from(range(len(compiled.inits))))
        def begin(self, start):
            self.state = compiled.inits[start]
            self.impl = adapter()
            self.view = self.impl.view() if invariants or transitions else None
            self.steps = 0

        @rule(data=st.data())
        def step(self, data):
            if self.steps >= max_steps:
                return
            choices = [(compiled.label(ai, args), ai, args, t) for ai, args, t in compiled.successors(self.state)]
            if not choices:
                return  # the model is stuck: nothing more may happen
            label = data.draw(st.sampled_from([c[0] for c in choices]), label="action")
            _, ai, args, t = next(c for c in choices if c[0] == label)
            note(label)
            getattr(self.impl, names[ai])(**compiled.args_dict(ai, args))
            self.state, self.steps = t, self.steps + 1
            if transitions or invariants:
                before, self.view = self.view, self.impl.view()
                for name, holds in transitions:
                    if not holds(before, self.view):
                        raise Mismatch(f"{name} broken by {label}")

        @invariant()
        def agrees(self):
            if not hasattr(self, "impl"):
                return
            for name, holds in invariants:
                if not holds(self.view):
                    raise Mismatch(f"{name} broken")
            if observe is not None:
                want, got = observe(model, self.state), self.impl.observe()
                if want != got:
                    raise Mismatch(f"the implementation shows {got!r} where the model has {want!r}")

        def teardown(self):
            close = getattr(getattr(self, "impl", None), "close", None)
            if close is not None:
                close()

    ModelTest.__name__ = f"{type(model).__name__}Test"
    ModelTest.TestCase.settings = settings(max_examples=100, stateful_step_count=max_steps, deadline=None)
    return ModelTest
