"""Exploration on every core: level-synchronous BFS over worker processes, with the counts of one process."""

from .bfs import SHARE, ModelFailed, cores, parallel_bfs
from .local import Pool, WorkerCrashed
from .simulate import parallel_simulate
from .worker import Event, Worker

__all__ = ["parallel_bfs", "parallel_simulate", "cores", "SHARE", "ModelFailed", "Pool", "WorkerCrashed", "Worker", "Event"]
