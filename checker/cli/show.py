"""``concord list`` and ``concord show``: the bundled models, and one model's actions and properties."""

from __future__ import annotations

import argparse

from ..temporal import FORMS
from .registry import bundled, load_class

LIST_HELP = "bundled models with their constants, variants and properties"
SHOW_HELP = "a model's actions and properties with their docstrings"


def show_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("model", metavar="MODEL")


def run_list(args) -> int:
    for name, cls in bundled().items():
        consts = ", ".join(f"{k}={v!r}" for k, v in cls.constants().items()) or "no constants"
        print(f"{name}: {_doc(cls)}")
        print(f"  constants: {consts}")
        print(f"  properties: {', '.join(p.name for p in cls.properties()) or 'none'}")
        if cls.variants:
            print(f"  variants: {', '.join(cls.variants)}")
    return 0


def run_show(args) -> int:
    cls = load_class(args.model)
    print(f"{cls.__name__}: {_doc(cls)}")
    consts = cls.constants()
    if consts:
        print("Constants:")
        for k, v in consts.items():
            print(f"  {k} = {v!r}")
    print("Actions:")
    for act in cls.actions():
        params = ", ".join(f"{p} in {_domain_name(d)}" for p, d in act.domains.items())
        print(f"  {act.name}({params})  {act.doc}")
    print("Properties:")
    for p in cls.properties():
        form = f" ({FORMS[p.form]})" if p.kind == "liveness" else ""
        print(f"  {p.kind:<10} {p.name}{form}  {p.doc}")
    fairness = _fairness(cls)
    if fairness:
        print(f"Fairness: {fairness}")
    for c in cls.constraints():
        print(f"Constraint: {c.name}  {_doc(c.fn)}")
    if cls.symmetry:
        print(f"Symmetry: {', '.join(cls.symmetry)} (use --symmetry)")
    view = getattr(cls, "view", None)
    if callable(view):
        print(f"View: {_doc(view) or 'states are identified by view(s)'}")
    if cls.variants:
        print("Variants:")
        for name, vcls in cls.variants.items():
            print(f"  {name}  {_doc(vcls)}")
    return 0


def _fairness(cls) -> str:
    """The model's fairness at its default constants (a method of the model may build it from them)."""
    declared = cls.fairness
    if callable(declared):
        try:
            declared = cls().fairness()
        except Exception as e:  # a model whose defaults do not build: say so, on one line
            return f"{_doc(declared)} (cannot build it at the default constants: {type(e).__name__})"
    return ", ".join(map(str, declared))


def _doc(cls) -> str:
    doc = (cls.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else ""


def _domain_name(d) -> str:
    return d if isinstance(d, str) else getattr(d, "__name__", repr(d))
