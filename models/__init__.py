"""Bundled protocol models, by the name the command line knows them."""

from .diehard import DieHard
from .twophase import TwoPhase

BUNDLED = {
    "diehard": DieHard,
    "twophase": TwoPhase,
}

__all__ = ["BUNDLED", "DieHard", "TwoPhase"]
