"""A lock client as its own process (so it can be paused): acquire, note the grant, work, write to storage.

Run by the Redis lock harness: ``python -m checker.harness.lock_client NAME PORTS TTL FENCING``. It takes the
lock through redis-py's ``Lock`` (one server) or pottery's ``Redlock`` (several), takes a fencing token
(INCR on the storage server), pushes a grant event, works briefly (the harness may pause it here), then
writes through the storage's Lua script, which checks the token when fencing is on. Every event carries the
wall-clock time; the harness reads them back from the storage server.
"""

from __future__ import annotations

import json
import sys
import time

import redis

# The storage: a write is accepted unless fencing is on and its token is below the highest accepted.
WRITE = """
local highest = tonumber(redis.call('GET', KEYS[1]) or '0')
local token = tonumber(ARGV[2])
if ARGV[3] == '1' and token < highest then
  redis.call('RPUSH', KEYS[2], cjson.encode({client=ARGV[1], token=token, accepted=false, time=ARGV[4]}))
  return 0
end
if token > highest then redis.call('SET', KEYS[1], token) end
redis.call('RPUSH', KEYS[2], cjson.encode({client=ARGV[1], token=token, accepted=true, time=ARGV[4]}))
return 1
"""


def event(store: redis.Redis, kind: str, **fields) -> None:
    """Push one event with its wall-clock time."""
    store.rpush("events", json.dumps({"kind": kind, "time": time.time(), **fields}))


def main(name: str, ports: str, ttl: float, fencing: bool, work: float = 0.3) -> None:
    servers = [redis.Redis(host="127.0.0.1", port=int(p)) for p in ports.split(",")]
    store = servers[0]
    if len(servers) == 1:
        lock = store.lock("the-lock", timeout=ttl, blocking=True, blocking_timeout=30)
    else:
        from pottery import Redlock

        lock = Redlock(key="the-lock", masters=servers, auto_release_time=ttl)
    if not lock.acquire():
        event(store, "gave-up", client=name)
        return
    token = store.incr("fence")
    event(store, "grant", client=name, token=token, ttl=ttl)
    time.sleep(work)  # the critical section: the harness may pause this process here
    event(store, "write-sent", client=name, token=token)
    store.eval(WRITE, 2, "highest", "writes", name, token, "1" if fencing else "0", time.time())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4] == "1")
