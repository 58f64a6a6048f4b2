"""Exploration on every core, or on a Ray cluster: level-synchronous BFS over workers, with the counts of one
process; and simulation on them."""

from .bfs import SHARE, ModelFailed, cores, parallel_bfs
from .cluster import Cluster, ClusterError
from .local import Machine, Pool, WorkerCrashed
from .simulate import parallel_simulate
from .worker import Event, Worker

__all__ = ["parallel_bfs", "parallel_simulate", "cores", "SHARE", "ModelFailed", "Pool", "Machine", "Cluster", "ClusterError", "WorkerCrashed", "Worker", "Event"]
