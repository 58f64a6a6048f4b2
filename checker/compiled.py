"""A model instance bound into the flat structures the search loops run on."""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Iterable
from functools import partial
from itertools import product
from types import GeneratorType
from typing import Any, Callable

from .canonical import encode
from .diff import fmt
from .fingerprint import fingerprint
from .model import Action, Model, ModelError, Property
from .symmetry import canonical_fingerprint, check_ids

__all__ = ["Compiled", "compile_model", "Step", "TooManyInits", "MAX_INITS", "MULTI", "SETS", "in_order", "lower_ticks"]

MULTI = (list, GeneratorType, set, frozenset)  # several successors (unless states are of that type); else one state
SETS = (set, frozenset)  # several successors, taken in fingerprint order (the same under any hash seed)
MAX_INITS = 1_000_000  # initial states taken from init before it is judged endless (check: --max-states)
MAX_RENAMINGS = 40_320  # symmetry renamings per state (8 interchangeable ids)
MEMO_BUDGET = 1 << 20  # renamed parts remembered by symmetry, shared among the renamings


class TooManyInits(Exception):
    """init gives more initial states than the run may take (by_time: it was still giving them at the deadline)."""

    def __init__(self, message: str, by_time: bool = False):
        super().__init__(message)
        self.by_time = by_time


class Step:
    """One step of a trace: the action that led to a state, with its parameters."""

    __slots__ = ("action", "args", "state")

    def __init__(self, action: str | None, args: dict | None, state: Any):
        self.action = action
        self.args = args
        self.state = state

    @property
    def label(self) -> str | None:
        return label(self.action, self.args)

    def __repr__(self):
        return f"Step({self.label or 'Init'})"


def label(name: str | None, args: dict | None) -> str | None:
    """``Name(p=v, ...)`` as traces, coverage and errors show a step."""
    if name is None:
        return None
    return f"{name}({', '.join(f'{k}={_short(v)}' for k, v in args.items())})" if args else name


def _short(v) -> str:
    return fmt(v)


class Compiled:
    """Everything the engine needs from one model instance, resolved once before the search; pickled (for a
    Ray actor), it is its model and options, compiled again where it is unpickled."""

    def __reduce__(self):
        return Compiled, (self.model, *self.made)

    def __init__(self, model: Model, properties: list[str] | None = None, symmetry: bool = False, exact: bool = False,
                 deadline: float | None = None, max_inits: int = MAX_INITS):
        cls = type(model)
        self.model = model
        self.made = (properties, symmetry, exact, None, max_inits)  # how: pickled, it is compiled again
        self.name = model.describe()
        self.exact = exact
        # What makes two states the same: their fingerprints, or with exact, their whole encodings.
        self.identity: Callable = encode if exact else fingerprint
        _key_derived_values(model, self.identity)
        self.actions: list[Action] = cls.actions()
        if not self.actions:
            raise ModelError(f"{cls.__name__} has no actions; declare some with @action")
        # (action index, bound function, static argument tuples or None, dynamic domains)
        self.calls: list[tuple[int, Callable, list[tuple], list | None]] = []
        self.param_names: list[tuple[str, ...]] = []
        # ticks[0]: raised by the search's ticker a few times a second; then, before the next action call,
        # ticks[1]() (the search's look at its limits, which may raise Stop) runs and lowers it.
        self.ticks: list = [False, lower_ticks]
        # (action index, enabled): enabled(s) lists (args, result) for the calls on s that return a state or states
        self.enabled: list[tuple[int, Callable]] = []
        # (fn, kind, a, b) per action: the same calls as enabled's, drawn by checker/_expand.c (see _plan)
        self.plans: list[tuple] = []
        for ai, act in enumerate(self.actions):
            fn = act.fn.__get__(model, cls)
            names = tuple(act.domains)
            self.param_names.append(names)
            resolved = [self._domain(act, p, d) for p, d in act.domains.items()]
            needs = [self._needs(act, names, i, r) for i, r in enumerate(resolved)]
            if all(not callable(r) for r in resolved):
                self.calls.append((ai, fn, list(product(*resolved)), None))
            elif any(needs):
                self.calls.append((ai, fn, None, _dependent(resolved, needs)))
            else:
                self.calls.append((ai, fn, None, _arguments(resolved)))
            self.enabled.append((ai, _enabled(fn, *self.calls[-1][2:], resolved, needs, self.ticks)))
            self.plans.append(_plan(fn, *self.calls[-1][2:], resolved, needs))
        props = cls.properties()
        if properties is not None:
            known = {p.name: p for p in props}
            unknown = [n for n in properties if n not in known]
            if unknown:
                raise ModelError(
                    f"{cls.__name__} has no property {unknown[0]!r}; it has: {', '.join(known) or 'none'}"
                )
            props = [known[n] for n in properties]
        self.properties: list[Property] = props
        self.invariants = [(p.name, p.bind(model)) for p in props if p.kind == "invariant"]
        self.transitions = [(p.name, p.bind(model)) for p in props if p.kind == "transition"]
        self.reachables = [(p.name, p.bind(model)) for p in props if p.kind == "reachable"]
        self.initial_checks = []  # (name, predicate) pairs checked on initial states only
        self.kinds = {p.name: p.kind for p in props}
        self.violable = sum(p.kind != "reachable" for p in props)  # properties a trace can break
        for p in props:
            if p.kind == "refinement":
                refinement = p.checker_for(model, self.identity)
                self.initial_checks.append((p.name, refinement.init_ok))
                self.transitions.append((p.name, refinement.step_ok))
        # Per expanded state s, each transition property gives a check of t (or None: nothing to check).
        self.step_checks = [(name, _curried(pred)) for name, pred in self.transitions]
        self.constraint_names = [c.name for c in cls.constraints()]
        constraints = [c.fn.__get__(model, cls) for c in cls.constraints()]
        self.constraint = _all_of(constraints)
        view = getattr(model, "view", None)
        self.view = view if callable(view) else None
        self.orbit = 1  # renamings of a state tried by symmetry, the identity included
        self.fingerprint = self._fingerprinter(symmetry)
        # differs(s, t): whether a step whose ends share a fingerprint still changes the state (None:
        # it never does, the fingerprint being the state's identity); stuttering steps are not checked.
        identity = self.identity
        self.differs = None if self.fingerprint is identity else (lambda s, t: identity(s) != identity(t))
        self.inits = self._init_states(deadline, max_inits)
        self.state_types = frozenset(type(s) for s in self.inits)

    # -- definition checks ------------------------------------------------------------------

    def _domain(self, act: Action, param: str, domain: Any):
        """A static tuple of values, or a function of the state that returns the values."""
        where = f"{type(self.model).__name__}.{act.name}: parameter {param!r}"
        if isinstance(domain, str):
            if not hasattr(self.model, domain):
                raise ModelError(f"{where}: the model has no attribute {domain!r} to draw values from")
            domain = getattr(self.model, domain)
        if callable(domain):
            return domain
        if isinstance(domain, (frozenset, set)):
            return tuple(_sorted(domain))
        if isinstance(domain, Iterable):
            return tuple(domain)
        raise ModelError(f"{where}: domain {domain!r} is not a collection or a function of the state")

    def _needs(self, act: Action, names: tuple, i: int, domain) -> tuple[int, ...]:
        """The earlier parameters a dependent domain takes after the state (``q="others"`` with
        ``def others(self, s, p)``), as their positions; () for a collection or a function of the state alone."""
        if not callable(domain):
            return ()
        try:
            params = list(inspect.signature(domain).parameters.values())
        except (TypeError, ValueError):  # a builtin without a signature: a function of the state
            return ()
        positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        asked = positional[1:]
        where = f"{type(self.model).__name__}.{act.name}: parameter {names[i]!r}"
        for name in asked:
            if name not in names[:i]:
                before = ", ".join(names[:i]) or "none"
                raise ModelError(f"{where}: its domain {getattr(domain, '__name__', domain)!r} takes {name!r}, which is "
                                 f"not a parameter before {names[i]!r} (before it: {before}); a domain takes the state, "
                                 "then earlier parameters by name")
        return tuple(names.index(name) for name in asked)

    def _init_states(self, deadline: float | None, most: int) -> list:
        """The initial states, at most ``most`` of them, by ``deadline`` (time.monotonic) if one is given."""
        name = type(self.model).__name__
        try:
            got = self.model.init()
            if type(got) not in MULTI or type(got) in SETS:
                states = [got]
            else:
                states = []
                for s in got:
                    states.append(s)
                    if len(states) > most:
                        raise TooManyInits(f"{name}.init gives more than {most:,} initial states")
                    if deadline is not None and not len(states) & 255 and time.monotonic() >= deadline:
                        raise TooManyInits(f"{name}.init was still giving initial states at the time limit", by_time=True)
        except (TooManyInits, KeyboardInterrupt, MemoryError):
            raise
        except Exception as e:
            raise ModelError(f"{name}.init raised {type(e).__name__}: {e}") from e
        if not states or any(s is None for s in states):
            raise ModelError(f"{name}.init returned no state")
        for s in states:
            try:
                self.fingerprint(s)
            except (TypeError, ValueError) as e:
                raise ModelError(f"{type(self.model).__name__}.init returned a state the checker cannot store ({e}): {s!r}") from e
        return states

    def _fingerprinter(self, symmetry: bool) -> Callable:
        key = self.identity
        groups = []
        for attr in type(self.model).symmetry if symmetry else ():
            ids = getattr(self.model, attr, None)
            if ids is None or isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
                raise ModelError(f"{type(self.model).__name__}.symmetry names {attr!r}, which is not a collection of ids")
            groups.append(check_ids(type(self.model).__name__, attr, tuple(ids), groups))
        renamings = math.prod(math.factorial(len(g)) for g in groups)
        if renamings > MAX_RENAMINGS:
            raise ModelError(
                f"{type(self.model).__name__}.symmetry: {' x '.join(f'{len(g)}!' for g in groups)} = {renamings:,} renamings "
                f"of every state; at most {MAX_RENAMINGS:,} are supported: check without --symmetry, or with fewer ids"
            )
        if renamings > 1:
            self.orbit = renamings  # the most renamings one state may need (all its ids alike)
            return canonical_fingerprint(groups, self.view, key, MEMO_BUDGET // renamings)
        if self.view is not None:
            view = self.view
            return lambda s: key(view(s))
        return key

    # -- successors, used by traces and diagnosis (the search loops inline this) -------------

    def arg_tuples(self, static, dynamic, s):
        return static if dynamic is None else dynamic(s)

    def successors(self, s):
        """Every (action index, args tuple, successor) from s, in the search order."""
        for ai, enabled in self.enabled:
            for args, r in enabled(s):
                for t in self.outcomes(r):
                    yield ai, args, t

    def apply(self, ai: int, args: tuple, s) -> list:
        """The successors of s by one action call (action ai with args)."""
        return self.outcomes(self.calls[ai][1](s, *args))

    def outcomes(self, r) -> list:
        """What an action call returned, as a list of successors: none for None, a list, generator or
        set (in fingerprint order) for several, else one state."""
        if r is None:
            return []
        if type(r) in self.state_types or type(r) not in MULTI:
            return [r]
        return in_order(r) if type(r) in SETS else list(r)

    def action_index(self, name: str) -> int:
        return next(i for i, act in enumerate(self.actions) if act.name == name)

    def args_dict(self, ai: int, args: tuple) -> dict:
        return dict(zip(self.param_names[ai], args))

    def label(self, ai: int, args: tuple) -> str:
        return label(self.actions[ai].name, self.args_dict(ai, args))


def in_order(successors) -> list:
    """A set of successors in the order of their fingerprints: the search order must not depend on hashing."""
    return sorted(successors, key=fingerprint)


def lower_ticks(ticks: list) -> None:
    """What a raised tick does when no search is watching: lower the flag."""
    ticks[0] = False


def _enabled(fn: Callable, static: list | None, dynamic: Callable | None, domains: list, needs: list,
             ticks: list) -> Callable:
    """``enabled(s)``: [(args, what fn returned)] for every argument tuple on which fn(s, *args) is not None.

    What the search loops run: one comprehension per action, its calls written with their arguments
    (a call with ``*args`` costs about twice as much in CPython as one with its arguments spelled out).
    Before each call it reads the ticks' flag, so that a time limit holds within one action's domain,
    however large.
    """
    arity = len(domains)
    if static is not None:
        if arity == 0:
            return lambda s: [] if (ticks[0] and ticks[1](ticks)) or (r := fn(s)) is None else [((), r)]
        if arity == 1:
            values = [a for (a,) in static]
            return lambda s: [((a,), r) for a in values if not (ticks[0] and ticks[1](ticks)) and (r := fn(s, a)) is not None]
        if arity == 2:
            return lambda s: [((a, b), r) for a, b in static
                              if not (ticks[0] and ticks[1](ticks)) and (r := fn(s, a, b)) is not None]
        return lambda s: [(t, r) for t in static if not (ticks[0] and ticks[1](ticks)) and (r := fn(s, *t)) is not None]
    if arity == 1:
        (only,) = domains
        return lambda s: [((a,), r) for a in only(s) if not (ticks[0] and ticks[1](ticks)) and (r := fn(s, a)) is not None]
    if arity == 2 and needs[1] == (0,):  # q in a domain given p, the common dependent case
        first, second = domains
        if callable(first):
            return lambda s: [((a, b), r) for a in first(s) for b in second(s, a)
                              if not (ticks[0] and ticks[1](ticks)) and (r := fn(s, a, b)) is not None]
        return lambda s: [((a, b), r) for a in first for b in second(s, a)
                          if not (ticks[0] and ticks[1](ticks)) and (r := fn(s, a, b)) is not None]
    if arity == 2:
        return lambda s: [((a, b), r) for a, b in dynamic(s)
                          if not (ticks[0] and ticks[1](ticks)) and (r := fn(s, a, b)) is not None]
    return lambda s: [(t, r) for t in dynamic(s) if not (ticks[0] and ticks[1](ticks)) and (r := fn(s, *t)) is not None]


def _plan(fn: Callable, static: list | None, dynamic: Callable | None, domains: list, needs: list) -> tuple:
    """How checker/_expand.c draws an action's argument tuples, in _enabled's order: (fn, kind, a, b) with
    kind 0 (a: the static tuples), 1 (a: a function of the state giving tuples), 2 (p in a, a collection or a
    function of the state; q in b(s, p)), 3 (a: a function of the state giving single values) or 4 (p in a, q
    in b, each a collection or a function of the state)."""
    if static is not None:
        return (fn, 0, static, None)
    if len(domains) == 1:
        return (fn, 3, domains[0], None)
    if len(domains) == 2 and needs[1] == (0,):
        return (fn, 2, domains[0], domains[1])
    if len(domains) == 2 and not any(needs):
        return (fn, 4, domains[0], domains[1])
    return (fn, 1, dynamic, None)


def _arguments(domains: list) -> Callable:
    """A function of the state giving every argument tuple, for an action with state-dependent domains."""
    parts = [d if callable(d) else (lambda s, d=d: d) for d in domains]
    if len(parts) == 1:
        (only,) = parts
        return lambda s: [(x,) for x in only(s)]
    if len(parts) == 2:
        first, second = parts
        return lambda s: product(first(s), second(s))
    return lambda s: product(*[p(s) for p in parts])


def _dependent(domains: list, needs: list) -> Callable:
    """The argument tuples of an action whose later domains depend on earlier parameters: for each tuple of
    the earlier values, the later domain is asked again (``q in Proc \\ {p}``)."""
    steps = [(d, None if not callable(d) else need) for d, need in zip(domains, needs)]

    def arguments(s) -> list:
        tuples = [()]
        for d, need in steps:
            if need is None:
                tuples = [t + (x,) for t in tuples for x in d]
            elif not need:
                values = tuple(d(s))
                tuples = [t + (x,) for t in tuples for x in values]
            else:
                tuples = [t + (x,) for t in tuples for x in d(s, *[t[j] for j in need])]
        return tuples

    return arguments


def _key_derived_values(model: Model, key: Callable) -> None:
    """Make the model's @derived values remembered by this check's notion of state identity."""
    from .derived import derived

    model.__dict__["_concord_state_key"] = key
    for klass in type(model).__mro__:
        for name, value in vars(klass).items():
            if isinstance(value, derived):
                model.__dict__.pop(name, None)  # a memo built under another key is dropped


def _curried(pred: Callable) -> Callable:
    """``at(s)``: the check of the steps out of s. A predicate may supply its own ``at`` attribute,
    returning None when no step out of s can violate it (then its successors cost nothing)."""
    at = getattr(pred, "at", None)
    return at if callable(at) else (lambda s: partial(pred, s))


def _all_of(preds: list[Callable]) -> Callable | None:
    if not preds:
        return None
    if len(preds) == 1:
        return preds[0]
    return lambda s: all(p(s) for p in preds)


def _sorted(values) -> list:
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=repr)


def compile_model(model: Model, properties: list[str] | None = None, symmetry: bool = False, exact: bool = False,
                  deadline: float | None = None, max_inits: int = MAX_INITS) -> Compiled:
    """Bind a model instance, raising ModelError for anything malformed.

    properties: names to check (None: all of them). symmetry: reduce by the model's declared
    interchangeable ids. exact: identify states by their whole encoding instead of a fingerprint.
    deadline, max_inits: bounds on computing the initial states (TooManyInits beyond them).
    """
    if not isinstance(model, Model):
        raise ModelError(f"{model!r} is not a concord Model instance")
    return Compiled(model, properties, symmetry, exact, deadline, max_inits)
