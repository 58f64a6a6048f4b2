"""Real systems under faults, their histories judged by Concord's specs: Redis locks, etcd under partitions."""

from . import redis_lock
from .etcd import Cluster, HarnessError
from .history import Record, counts, edn_text, json_text, to_history
from .nemesis import FAULTS, Fault, Nemesis, can_use_iptables, tagged_rules
from .runner import RunResult, run
from .workload import Gateway, Workload

__all__ = [
    "redis_lock",
    "run",
    "RunResult",
    "HarnessError",
    "Cluster",
    "Nemesis",
    "Fault",
    "FAULTS",
    "Workload",
    "Gateway",
    "Record",
    "to_history",
    "counts",
    "edn_text",
    "json_text",
    "can_use_iptables",
    "tagged_rules",
]
