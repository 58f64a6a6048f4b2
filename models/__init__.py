"""Bundled protocol models, by the name the command line knows them."""

from .diehard import DieHard
from .paxos import Paxos
from .twophase import TwoPhase

BUNDLED = {
    "paxos": Paxos,
    "diehard": DieHard,
    "twophase": TwoPhase,
}

__all__ = ["BUNDLED", "DieHard", "Paxos", "TwoPhase"]
