"""Bundled protocol models, by the name the command line knows them."""

from .chash import ConsistentHashing
from .diehard import DieHard
from .kvstore import KVStore
from .lock import Lock, LockWait, Redlock
from .paxos import Paxos
from .raft import Raft
from .twophase import TwoPhase
from .zab import Zab

BUNDLED = {
    "paxos": Paxos,
    "raft": Raft,
    "kvstore": KVStore,
    "diehard": DieHard,
    "twophase": TwoPhase,
    "zab": Zab,
    "lock": Lock,
    "redlock": Redlock,
    "lock-wait": LockWait,
    "chash": ConsistentHashing,
}

__all__ = ["BUNDLED", "ConsistentHashing", "DieHard", "KVStore", "Lock", "LockWait", "Paxos", "Raft", "Redlock",
           "TwoPhase", "Zab"]
