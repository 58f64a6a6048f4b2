"""Redis locks under a process pause: real redis-server instances, lock clients as processes, one paused past its TTL.

The schedule is Kleppmann's: client c1 takes the lock, and the nemesis pauses it (SIGSTOP) at once, in its
critical section. It stays paused for the TTL and half a second more, so the lock expires. Client c2 then
takes the lock and writes, the nemesis resumes c1 (SIGCONT), and c1 writes too, still believing it holds
the lock. The recorded grants and writes are judged by ``specs.mutex``: without fencing the storage accepts
c1's stale write (SafeWrites fails); with fencing tokens (INCR at grant, checked by the storage's Lua
script) it refuses it. Every process started is stopped, on errors and Ctrl-C too; only 127.0.0.1 is used.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from checker.testing import holds
from specs import mutex

CLIENTS = ("c1", "c2")


@dataclass
class LockRun:
    """What a run recorded and what specs.mutex says of it."""

    servers: int
    fencing: bool
    ttl: float
    events: list = field(default_factory=list)  # (time, who, what), time from the run's start, in order
    writes: list = field(default_factory=list)  # the storage's log: client, token, accepted, in order
    verdicts: dict = field(default_factory=dict)  # property name -> bool

    @property
    def ok(self) -> bool:
        return all(self.verdicts.values())

    def timeline(self) -> str:
        """One line per event, with its time from the start of the run."""
        return "\n".join(f"{t:+8.3f} s  {who:8} {what}" for t, who, what in self.events)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(port: int, workdir: str) -> subprocess.Popen:
    """A redis-server on 127.0.0.1:port, persisting nothing."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server is not installed (Debian: apt-get install redis-server)")
    return subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", workdir, "--protected-mode", "yes"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(port: int, deadline: float) -> None:
    """Wait until the server on port answers PING."""
    import redis

    while True:
        try:
            if redis.Redis(host="127.0.0.1", port=port, socket_timeout=0.5).ping():
                return
        except redis.exceptions.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"redis-server on port {port} did not answer within its start-up time")
        time.sleep(0.05)


def start_client(name: str, ports: list[int], ttl: float, fencing: bool) -> subprocess.Popen:
    """The lock client as a process of its own (checker.harness.lock_client)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    return subprocess.Popen([sys.executable, "-m", "checker.harness.lock_client", name, ",".join(map(str, ports)),
                             str(ttl), "1" if fencing else "0"], env=env)


def wait_for(store, kind: str, client: str, deadline: float) -> dict:
    """The first event of that kind from that client, waiting for it."""
    while True:
        for raw in store.lrange("events", 0, -1):
            e = json.loads(raw)
            if e["kind"] == kind and e["client"] == client:
                return e
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {kind} from {client} in time")
        time.sleep(0.01)


def stop(proc: subprocess.Popen | None) -> None:
    """Resume (it may be paused), then terminate and reap a process; kill it if it does not go."""
    if proc is None or proc.poll() is not None:
        return
    for sig in (signal.SIGCONT, signal.SIGTERM):
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            return
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def run(servers: int = 1, fencing: bool = False, ttl: float = 1.0, time_limit: float = 60) -> LockRun:
    """One run of the pause schedule; the result holds the events, the storage's writes and the verdicts."""
    import redis

    if servers not in (1, 3):
        raise ValueError("servers: 1 (redis-py's Lock) or 3 (pottery's Redlock)")
    result, procs, workdir = LockRun(servers, fencing, ttl), [], tempfile.mkdtemp(prefix="concord-redis-")
    deadline = time.monotonic() + time_limit
    start = time.time()
    try:
        ports = [free_port() for _ in range(servers)]
        procs += [start_redis(p, workdir) for p in ports]
        for p in ports:
            wait_ready(p, deadline)
        store = redis.Redis(host="127.0.0.1", port=ports[0])
        nemesis = []
        c1 = start_client("c1", ports, ttl, fencing)
        procs.append(c1)
        wait_for(store, "grant", "c1", deadline)
        c1.send_signal(signal.SIGSTOP)
        nemesis.append((time.time(), "pauses c1 (SIGSTOP) in its critical section"))
        time.sleep(ttl + 0.5)
        c2 = start_client("c2", ports, ttl, fencing)
        procs.append(c2)
        c2.wait(max(1.0, deadline - time.monotonic()))
        nemesis.append((time.time(), "resumes c1 (SIGCONT)"))
        c1.send_signal(signal.SIGCONT)
        c1.wait(max(1.0, deadline - time.monotonic()))
        record(result, store, nemesis, start)
    finally:
        for proc in reversed(procs):
            stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)
    judge(result)
    return result


def record(result: LockRun, store, nemesis: list, start: float) -> None:
    """Read the clients' events and the storage's log back into the result, with the nemesis's actions."""
    events = [json.loads(raw) for raw in store.lrange("events", 0, -1)]
    writes = [json.loads(raw) for raw in store.lrange("writes", 0, -1)]
    lines = [(t, "nemesis", what) for t, what in nemesis]
    for e in events:
        if e["kind"] == "grant":
            lines.append((e["time"], e["client"], f"granted the lock, token {e['token']} (TTL {e['ttl']} s)"))
        elif e["kind"] == "write-sent":
            lines.append((e["time"], e["client"], f"writes with token {e['token']}"))
    for w in writes:
        verdict = "accepted" if w["accepted"] else "refused (a newer token was accepted)"
        lines.append((float(w["time"]), "storage", f"{verdict}: {w['client']}'s write, token {w['token']}"))
    result.events = [(t - start, who, what) for t, who, what in sorted(lines)]
    result.writes = writes
    result.grants = [e for e in events if e["kind"] == "grant"]


def judge(result: LockRun) -> None:
    """specs.mutex on what was recorded: SafeWrites over the accepted writes in the storage's order, and
    MutualExclusion at each grant, a lease counted from its grant until TTL after it."""
    accepted = tuple(mutex.Write(w["client"], w["token"]) for w in result.writes if w["accepted"])
    writes_ok = holds(mutex.SafeWrites(), mutex.MutexState(frozenset(), accepted, CLIENTS))
    exclusive = True
    for g in getattr(result, "grants", []):
        holders = frozenset(h["client"] for h in result.grants if h["time"] <= g["time"] < h["time"] + h["ttl"])
        exclusive &= holds(mutex.MutualExclusion(), mutex.MutexState(holders, (), CLIENTS))
    result.verdicts = {"SafeWrites": writes_ok, "MutualExclusion": exclusive}
