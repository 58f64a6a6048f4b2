"""Real systems under faults, their histories judged by Concord's specs: Redis locks under a pause."""

from . import redis_lock

__all__ = ["redis_lock"]
