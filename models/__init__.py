"""Bundled protocol models, by the name the command line knows them."""

from .diehard import DieHard
from .kvstore import KVStore
from .paxos import Paxos
from .raft import Raft
from .twophase import TwoPhase

BUNDLED = {
    "paxos": Paxos,
    "raft": Raft,
    "kvstore": KVStore,
    "diehard": DieHard,
    "twophase": TwoPhase,
}

__all__ = ["BUNDLED", "DieHard", "KVStore", "Paxos", "Raft", "TwoPhase"]
