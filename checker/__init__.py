"""Concord's engine: the model API a model author writes with, explicit-state search and its results.

The pictures (checker.render) and the command line (checker.cli) sit on top; this package imports neither,
nor the specs and models.
"""

from .check import check
from .compiled import Step
from .derived import derived
from .model import Action, Model, ModelError, Property, action, constraint, invariant, reachable, transition
from .refinement import refines
from .result import Result, Stats, Violation
from .sets import functions, subsets
from .temporal import SF, WF, Temporal, always_eventually, eventually, eventually_always, leads_to
from .values import Bag, FrozenMap, ids, record

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
    "eventually",
    "leads_to",
    "always_eventually",
    "eventually_always",
    "WF",
    "SF",
    "Temporal",
    "derived",
    "refines",
    "check",
    "Result",
    "Stats",
    "Violation",
    "Step",
    "record",
    "FrozenMap",
    "Bag",
    "ids",
    "subsets",
    "functions",
]
