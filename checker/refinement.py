"""Refinement: every step of a model maps, through a mapping, to a step or a stutter of an abstract model."""

from __future__ import annotations

from typing import Any, Callable

from .model import Model, ModelError, Property

__all__ = ["refines", "RefinementProperty", "RefinementCheck"]


class RefinementProperty(Property):
    """A property of kind ``refinement``: an abstract model (built from the concrete one) and a mapping."""

    __slots__ = ("abstract", "mapping")

    def __init__(self, abstract: Callable[[Model], Model], mapping: str | Callable, name: str | None, doc: str | None):
        super().__init__(lambda model, s, t: True, "refinement", name, doc)
        self.abstract = abstract
        self.mapping = mapping

    def checker_for(self, model: Model, identity: Callable) -> "RefinementCheck":
        """The check for one model instance; identity tells when two abstract states are the same."""
        mapping = getattr(model, self.mapping) if isinstance(self.mapping, str) else self.mapping.__get__(model)
        abstract = self.abstract(model)
        if not isinstance(abstract, Model):
            raise ModelError(f"{type(model).__name__}.{self.name}: the abstraction is not a Model instance: {abstract!r}")
        return RefinementCheck(abstract, mapping, identity)


def refines(abstract: Callable[[Model], Model], mapping: str | Callable, name: str | None = None, doc: str | None = None):
    """Declare, in a model's class body, that the model implements an abstract model.

    ``abstract(model)`` builds the abstract model instance; ``mapping`` (a method name, or a function
    ``(model, s)``) sends a concrete state to an abstract one. The engine checks that every initial
    state maps to an abstract initial state and every step to an abstract step or a stutter.
    """
    doc = doc or "Every step maps to a step, or a stutter, of the abstract model."
    return RefinementProperty(abstract, mapping, name, doc)


class RefinementCheck:
    """The compiled abstraction: its initial states and, memoized, the successors of each abstract state.

    Abstract states are compared by identity (fingerprint or exact encoding), as concrete ones are.
    """

    def __init__(self, abstract: Model, mapping: Callable[[Any], Any], identity: Callable):
        from .compiled import compile_model
        from .fingerprint import fingerprint

        self.abstract = compile_model(abstract, properties=[], exact=identity is not fingerprint)
        self.mapping = mapping
        self.identity = identity
        self.inits = {identity(a) for a in self.abstract.inits}
        self.next: dict[Any, frozenset] = {}

    def init_ok(self, s) -> bool:
        return self.identity(self.mapping(s)) in self.inits

    def step_ok(self, s, t) -> bool:
        identity = self.identity
        a, b = self.mapping(s), self.mapping(t)
        ka, kb = identity(a), identity(b)
        if ka == kb:
            return True
        succ = self.next.get(ka)
        if succ is None:
            succ = self.next[ka] = frozenset(identity(u) for _, _, u in self.abstract.successors(a))
        return kb in succ
