"""The model contract: a Model base class and the decorators a model author writes with."""

from __future__ import annotations

import ast
import functools
import inspect
import re
from typing import Any, Callable

__all__ = [
    "Model",
    "ModelError",
    "Action",
    "Property",
    "action",
    "invariant",
    "transition",
    "reachable",
    "constraint",
]

PROPERTY_KINDS = ("invariant", "transition", "reachable", "refinement", "liveness")


class ModelError(Exception):
    """A model is badly defined, or failed while it was being explored."""


class Action:
    """A named protocol step: a method ``(self, s, **params)`` and a domain per parameter."""

    __slots__ = ("fn", "name", "doc", "domains")

    def __init__(self, fn: Callable, domains: dict[str, Any]):
        self.fn = fn
        self.name = fn.__name__
        self.doc = _first_line(fn.__doc__)
        self.domains = domains

    def __get__(self, obj, owner=None):
        return self if obj is None else self.fn.__get__(obj, owner)

    def __repr__(self):
        return f"<action {self.name}({', '.join(self.domains)})>"


class Property:
    """A named check: an invariant ``(s)``, a transition ``(s, t)`` or a reachable ``(s)`` predicate."""

    __slots__ = ("fn", "name", "doc", "kind", "factory")

    def __init__(self, fn: Callable, kind: str, name: str | None = None, doc: str | None = None, factory: Callable | None = None):
        if kind not in PROPERTY_KINDS:
            raise ModelError(f"unknown property kind {kind!r}; expected one of {', '.join(PROPERTY_KINDS)}")
        if not callable(fn) and not (fn is None and callable(factory)):
            raise ModelError(f"{kind} {name or fn!r} is not callable")
        self.fn = fn
        self.kind = kind
        self.name = name or getattr(fn, "__name__", None)
        self.doc = doc or _first_line(getattr(fn, "__doc__", None))
        self.factory = factory  # optional: model -> predicate, built once when the check starts

    def bind(self, model):
        """The predicate for one model instance."""
        return self.factory(model) if self.factory else self.fn.__get__(model, type(model))

    def __set_name__(self, owner, name):
        if self.name in (None, "<lambda>"):
            self.name = name

    def __get__(self, obj, owner=None):
        return self if obj is None else self.bind(obj)

    def __repr__(self):
        return f"<{self.kind} {self.name}>"


class _Constraint:
    """A state predicate that bounds the scope (TLC's CONSTRAINT)."""

    __slots__ = ("fn", "name")

    def __init__(self, fn):
        self.fn = fn
        self.name = fn.__name__

    def __get__(self, obj, owner=None):
        return self if obj is None else self.fn.__get__(obj, owner)


def action(fn: Callable | None = None, /, **domains):
    """Declare a method as an action; keyword arguments give each parameter its domain.

    A domain is the name of a model attribute (a collection, or a method of the state that
    returns one), a collection, or a function of the state.
    """
    if fn is not None:
        if not callable(fn):
            raise ModelError("@action takes parameter domains as keyword arguments, e.g. @action(i='servers')")
        return Action(fn, {})
    return lambda f: Action(f, domains)


def invariant(fn: Callable) -> Property:
    """Declare a method ``(self, s) -> bool`` that must hold in every reachable state."""
    return Property(fn, "invariant")


def transition(fn: Callable) -> Property:
    """Declare a method ``(self, s, t) -> bool`` that must hold on every step from s to t."""
    return Property(fn, "transition")


def reachable(fn: Callable) -> Property:
    """Declare a method ``(self, s) -> bool`` that some reachable state must satisfy."""
    return Property(fn, "reachable")


def constraint(fn: Callable) -> _Constraint:
    """Declare a method ``(self, s) -> bool`` that bounds the explored scope (TLC's CONSTRAINT)."""
    return _Constraint(fn)


class Model:
    """Base class of every protocol model.

    Subclasses define ``init(self)`` (one state or an iterable of states), actions, properties and
    optionally ``view(self, s)``, ``symmetry`` (names of attributes holding interchangeable ids),
    ``variants`` (name -> subclass, each changing one rule), and for sequence charts ``lanes``
    (names of attributes holding node ids) and ``lane(self, action, args)`` (the node that takes a
    step, or None for the first argument that names a node), ``fairness`` (checker.temporal's WF and SF,
    for its liveness properties). Constructor keyword arguments with defaults are the model's constants.
    """

    symmetry: tuple[str, ...] = ()
    lanes: tuple[str, ...] = ()
    fairness: tuple = ()  # WF/SF conditions (checker.temporal), or a method returning them
    variants: dict[str, type] = {}
    variant: str | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _check_definition(cls)
        if "__init__" in vars(cls):
            cls.__init__ = _recording_constants(cls.__init__)

    def init(self):  # pragma: no cover - replaced by every model
        raise NotImplementedError

    @classmethod
    def actions(cls) -> list[Action]:
        """The model's actions, in definition order (base classes first)."""
        return list(_members(cls, Action).values())

    @classmethod
    def properties(cls) -> list[Property]:
        """The model's properties, in definition order (base classes first)."""
        return list(_members(cls, Property).values())

    @classmethod
    def constraints(cls) -> list[_Constraint]:
        """The model's scope constraints."""
        return list(_members(cls, _Constraint).values())

    @classmethod
    def constants(cls) -> dict[str, Any]:
        """The constructor's keyword parameters with their defaults."""
        return {
            name: p.default
            for name, p in inspect.signature(cls.__init__).parameters.items()
            if name != "self" and p.default is not inspect.Parameter.empty
        }

    def describe(self) -> str:
        """A one-line description of this instance: class, variant and constants."""
        given = getattr(self, "_constants", {})
        consts = ", ".join(f"{k}={given.get(k, v)!r}" for k, v in self.constants().items())
        variant = f" [{self.variant}]" if self.variant else ""
        return f"{type(self).__name__}{variant}({consts})"


_DESCRIPTION = re.compile(r"(\w+)(?: \[([^\]]+)\])?\((.*)\)", re.S)


def parse_description(text: str) -> tuple[str, str | None, dict]:
    """``Name [variant](k=v, ...)``, as Model.describe writes it, split into class name, variant and
    constants; ValueError for anything else."""
    match = _DESCRIPTION.fullmatch(text)
    if not match:
        raise ValueError(f"cannot read the model {text!r}")
    try:
        call = ast.parse(f"f({match.group(3)})", mode="eval").body
        constants = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    except (SyntaxError, ValueError):
        raise ValueError(f"cannot read the constants of {text!r}") from None
    return match.group(1), match.group(2), constants


def _recording_constants(init):
    """Wrap a model's __init__ so the instance remembers the constants it was built with."""
    signature = inspect.signature(init)

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        if "_constants" not in self.__dict__:
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            self._constants = dict(list(bound.arguments.items())[1:])
        init(self, *args, **kwargs)

    return __init__


def _members(cls, kind) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, kind):
                found[name] = value
            elif name in found:  # overridden by something that is no longer of this kind
                del found[name]
    return found


def _first_line(doc: str | None) -> str:
    return doc.strip().splitlines()[0].strip() if doc and doc.strip() else ""


def _check_definition(cls) -> None:
    """Raise ModelError at class creation for anything malformed."""
    where = cls.__name__
    for name, value in vars(cls).items():
        if name.startswith("__"):
            continue
        if isinstance(value, Action):
            _check_action(where, name, value)
        elif isinstance(value, Property):
            if not value.name:
                raise ModelError(f"{where}: a {value.kind} has no name")
            if not value.doc:
                raise ModelError(f"{where}: {value.kind} {value.name} needs a one-line docstring")
        elif name in ("invariant", "transition", "reachable", "action"):
            raise ModelError(f"{where}: {name!r} is a decorator; use @{name} on a method")
    for attr in ("symmetry", "lanes"):
        if not isinstance(getattr(cls, attr), (tuple, list)):
            raise ModelError(f"{where}: {attr} must be a tuple of attribute names, got {getattr(cls, attr)!r}")
    if not isinstance(cls.variants, dict):
        raise ModelError(f"{where}: variants must be a dict of name -> Model subclass")
    for vname, vcls in cls.variants.items():
        if not (isinstance(vcls, type) and issubclass(vcls, Model)):
            raise ModelError(f"{where}: variant {vname!r} must be a Model subclass, got {vcls!r}")


def _check_action(where: str, name: str, act: Action) -> None:
    if not act.name or act.name == "<lambda>":
        raise ModelError(f"{where}: an action has no name; declare it with def")
    try:
        params = list(inspect.signature(act.fn).parameters.values())
    except (TypeError, ValueError):
        raise ModelError(f"{where}: action {name} is not a function") from None
    if len(params) < 2:
        raise ModelError(f"{where}: action {name} must take (self, s, ...), it takes ({', '.join(p.name for p in params)})")
    declared = [p.name for p in params[2:]]
    for p in declared:
        if p not in act.domains:
            raise ModelError(f"{where}: action {name}: parameter {p!r} has no domain; write @action({p}=...)")
    for d in act.domains:
        if d not in declared:
            raise ModelError(f"{where}: action {name}: domain given for {d!r}, which is not a parameter")
    act.domains = {p: act.domains[p] for p in declared}
