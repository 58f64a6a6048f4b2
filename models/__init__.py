"""Bundled protocol models, by the name the command line knows them."""

from .diehard import DieHard
from .kvstore import KVStore
from .paxos import Paxos
from .twophase import TwoPhase

BUNDLED = {
    "paxos": Paxos,
    "kvstore": KVStore,
    "diehard": DieHard,
    "twophase": TwoPhase,
}

__all__ = ["BUNDLED", "DieHard", "KVStore", "Paxos", "TwoPhase"]
