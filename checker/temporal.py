"""Liveness as a model author writes it: temporal properties (<>P, P ~> Q, []<>P, <>[]P) and fairness (WF, SF).

A temporal property is declared in a model's class body like an invariant, on a method of the state; keyword
arguments give parameter domains, and the property must hold for every value drawn from them::

    @eventually
    def EventuallyChosen(self, s):
        \"\"\"Some value is eventually chosen.\"\"\"
        return bool(self.chosen(s))

    @leads_to(c="clients")
    def RequestsGranted(self, s, c):
        \"\"\"A client that asks for the lock eventually holds it.\"\"\"
        return self.asking(s, c), self.holding(s, c)     # leads_to's method returns the pair (P, Q)

    fairness = (WF("Timeout"), SF("Receive", each=True), WF("Phase1a", b=3))

Fairness is TLC's: ``WF(A)`` says a behaviour may not keep A enabled forever without taking it, ``SF(A)``
that it may not keep enabling A again and again without taking it. Keyword arguments narrow it to the
instances with those values (all of them: one instance); ``each=True`` makes every instance a condition of
its own (TLA+'s ``\\A m : SF_vars(Receive(m))``). A model's
``fairness`` may also be a method returning the conditions, to use its constants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Hashable

from .model import ModelError, Property

__all__ = ["Fair", "WF", "SF", "Temporal", "eventually", "leads_to", "always_eventually", "eventually_always",
           "FORMS"]

FORMS = {  # form -> how it reads (the docs and the text output)
    "eventually": "<>P",
    "leads_to": "P ~> Q",
    "always_eventually": "[]<>P",
    "eventually_always": "<>[]P",
}


@dataclass(frozen=True, slots=True)
class Fair:
    """A fairness condition: kind "WF" or "SF" on an action: on all its instances together (args None), on one
    instance (args: its argument tuple, in parameter order), or on each instance apart (each); where, pairs
    (parameter position, value), narrows it to the instances with those values."""

    kind: str
    action: str
    args: Hashable = None
    each: bool = False
    where: tuple = ()
    names: tuple = ()  # the action's parameter names, for printing
    when: int = -1  # the number of a state predicate the step's source must satisfy (the graph's marks), or -1
    when_name: str = ""

    def covers(self, step: tuple) -> bool:
        """Whether an action instance (name, args) is one this condition is about."""
        return (step[0] == self.action and (self.args is None or step[1] == self.args)
                and all(step[1][i] == v for i, v in self.where))

    def __str__(self) -> str:
        if self.args is not None:
            given = list(zip(self.names, self.args)) if self.names else [("args", self.args)]
        else:
            given = [(self.names[i] if self.names else str(i), v) for i, v in self.where]
        inner = ", ".join([self.action] + [f"{k}={v}" for k, v in given] + (["each"] if self.each else [])
                          + ([f"when={self.when_name}"] if self.when_name else []))
        return f"{self.kind}({inner})"


def WF(action: str, each: bool = False, when: str | None = None, **args) -> "Fairness":
    """Weak fairness: an action (or instance, given its arguments by name) that stays enabled is taken;
    when: the name of a model method (self, s) -> bool: only its steps from states where that holds (WF of
    A /\\ when)."""
    return Fairness("WF", action, args, each, when)


def SF(action: str, each: bool = False, when: str | None = None, **args) -> "Fairness":
    """Strong fairness: an action (or instance) enabled again and again is taken (when: as WF's)."""
    return Fairness("SF", action, args, each, when)


class Fairness:
    """A fairness condition as declared, with its arguments by name; bound to a model it becomes a Fair."""

    __slots__ = ("kind", "action", "args", "each", "when")

    def __init__(self, kind: str, action: str, args: dict, each: bool = False, when: str | None = None):
        if kind not in ("WF", "SF"):
            raise ModelError(f"fairness is WF or SF, not {kind!r}")
        self.kind, self.action, self.args, self.each, self.when = kind, action, dict(args), each, when

    def bind(self, model_name: str, params: dict[str, tuple], domain: Callable[[str, str], Any] | None,
             when: int = -1) -> Fair:
        """The Fair for a model whose actions have these parameter names; a ModelError names what is wrong.
        domain(action, param) gives the values a parameter may take, when they are static (else None);
        when: the number of the mark that holds self.when's predicate."""
        if self.action not in params:
            raise ModelError(f"{model_name}: fairness {self}: there is no action {self.action!r}; "
                             f"the actions are {', '.join(params)}")
        names = tuple(params[self.action])
        unknown = [k for k in self.args if k not in names]
        if unknown:
            raise ModelError(f"{model_name}: fairness {self}: {self.action} has no parameter {unknown[0]!r} (its "
                             f"parameters: {', '.join(names) or 'none'})")
        values = []
        for k in names:
            if k not in self.args:
                continue
            v = self.args[k]
            allowed = domain(self.action, k) if domain else None
            if allowed is not None and v not in allowed:
                same = [a for a in allowed if str(a) == str(v)]  # from the command line, 3 is "3"
                if len(same) != 1:
                    raise ModelError(f"{model_name}: fairness {self}: {k}={v!r} is not in the domain of "
                                     f"{self.action}'s {k!r}")
                v = same[0]
            values.append((names.index(k), v))
        named = {"names": names, "when": when, "when_name": self.when or ""}
        if len(values) == len(names) and names and not self.each:
            return Fair(self.kind, self.action, tuple(v for _, v in values), False, (), **named)
        return Fair(self.kind, self.action, None, self.each, tuple(values), **named)

    def __str__(self) -> str:
        inner = ", ".join([self.action] + [f"{k}={v!r}" for k, v in self.args.items()] + (["each"] if self.each else [])
                          + ([f"when={self.when}"] if self.when else []))
        return f"{self.kind}({inner})"

    __repr__ = __str__


class Temporal(Property):
    """A liveness property: its form (eventually, leads_to, ...), its method and the domains of its parameters."""

    __slots__ = ("form", "domains")

    def __init__(self, fn: Callable, form: str, domains: dict[str, Any], name: str | None = None,
                 doc: str | None = None):
        if form not in FORMS:
            raise ModelError(f"unknown temporal form {form!r}; expected one of {', '.join(FORMS)}")
        super().__init__(fn, "liveness", name, doc)
        self.form = form
        self.domains = domains

    def __repr__(self):
        return f"<{self.form} {self.name}>"


def _declare(form: str):
    def declare(fn: Callable | None = None, /, **domains):
        if fn is not None:
            if not callable(fn):
                raise ModelError(f"@{form} takes parameter domains as keyword arguments, e.g. @{form}(c='clients')")
            return Temporal(fn, form, {})
        return lambda f: Temporal(f, form, domains)

    declare.__name__ = form
    declare.__doc__ = f"Declare a method as a temporal property {FORMS[form]} (keyword arguments: parameter domains)."
    return declare


eventually = _declare("eventually")
leads_to = _declare("leads_to")
always_eventually = _declare("always_eventually")
eventually_always = _declare("eventually_always")
