"""Client threads that read, write and compare-and-set a few keys through etcd's v3 JSON gateway, recording each."""

from __future__ import annotations

import base64
import http.client
import json
import random
import socket
import threading
from typing import Any, Callable

from .etcd import CLIENT_PORT, Cluster
from .history import Record
from .nemesis import Nemesis

TIMEOUT_SECONDS = 3.0
"""How long a client waits for an answer before it records the operation as timed out."""
BACKOFF_SECONDS = 0.1
"""The least a client waits after an error before its next operation."""
MIX = (("read", 2), ("write", 2), ("cas", 1))
"""Relative weights of the operations a client on a healthy node picks (a client on an impaired node reads)."""


class Unavailable(Exception):
    """The request certainly did not reach etcd (the connection was refused): the operation did not happen."""


class Indeterminate(Exception):
    """No answer, or an error: the operation may or may not have happened."""


class Gateway:
    """One client's keep-alive connection to one node's JSON gateway, with base64 keys and values."""

    def __init__(self, address: str, timeout: float = TIMEOUT_SECONDS):
        self.address = address
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None

    def read(self, key: str, serializable: bool = False) -> int | None:
        """The value of `key` (None: absent), from the node's own state when `serializable`."""
        body: dict[str, Any] = {"key": _encode(key)}
        if serializable:
            body["serializable"] = True
        kvs = self.post("/v3/kv/range", body).get("kvs") or []
        try:
            return int(_decode(kvs[0]["value"])) if kvs else None
        except (KeyError, IndexError, TypeError, ValueError):
            raise Indeterminate(f"unexpected answer {str(kvs)[:80]}") from None

    def write(self, key: str, value: int) -> None:
        """Put `value` at `key`."""
        self.post("/v3/kv/put", {"key": _encode(key), "value": _encode(str(value))})

    def cas(self, key: str, old: int, new: int) -> bool:
        """Put `new` at `key` if it holds `old`, in one transaction; whether it did."""
        answer = self.post("/v3/kv/txn", {
            "compare": [{"key": _encode(key), "result": "EQUAL", "target": "VALUE", "value": _encode(str(old))}],
            "success": [{"request_put": {"key": _encode(key), "value": _encode(str(new))}}]})
        return bool(answer.get("succeeded"))

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `body` as JSON; the decoded answer. Raises Unavailable or Indeterminate."""
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.address, CLIENT_PORT, timeout=self.timeout)
        try:
            self.connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
            response = self.connection.getresponse()
            data = response.read()
        except ConnectionRefusedError:
            self.close()
            raise Unavailable("connection refused") from None
        except (socket.timeout, TimeoutError):
            self.close()
            raise Indeterminate("timeout") from None
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise Indeterminate(type(error).__name__) from None
        try:
            answer = json.loads(data)
        except ValueError:
            raise Indeterminate(f"HTTP {response.status}: not JSON") from None
        if response.status != 200 or not isinstance(answer, dict) or "error" in answer:
            message = answer.get("error") or answer.get("message") if isinstance(answer, dict) else None
            raise Indeterminate(str(message or f"HTTP {response.status}"))
        return answer

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class Workload:
    """`clients` threads, client i pinned to node i mod 3, sharing a budget of `ops` operations over `keys` keys.

    Writes and cas put unique values (per key 1, 2, 3, ...), so a stale read shows. A client whose node is
    impaired (isolated, paused or killed) only reads, while the others mostly write: a read served from an
    isolated follower's own state then returns a value older than writes acknowledged before it began. Clients
    pace themselves so that the `ops` spread over `seconds`. A write or cas that times out is info (the client
    then comes back as a new process, as in Jepsen); a read that gets no answer is fail.
    """

    def __init__(self, cluster: Cluster, nemesis: Nemesis, clock: Callable[[], float], *, clients: int = 5,
                 keys: int = 3, ops: int = 2000, seconds: float = 30.0, serializable: bool = False, seed: int = 0,
                 timeout: float = TIMEOUT_SECONDS):
        self.cluster, self.nemesis, self.clock = cluster, nemesis, clock
        self.clients, self.keys, self.ops = clients, keys, ops
        self.serializable, self.seed, self.timeout = serializable, seed, timeout
        self.mean_wait = clients * seconds / ops
        self.records: list[Record] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._taken = 0
        self._written = [0] * keys
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        names = self.cluster.names
        for number in range(self.clients):
            thread = threading.Thread(target=self._client, args=(number, names[number % len(names)]),
                                      name=f"concord-client-{number}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self, wait: float | None = None) -> None:
        """Ask every client to stop after its current operation, and wait for them (at most `wait` seconds)."""
        self.stopping.set()
        for thread in self._threads:
            thread.join(wait if wait is None else max(wait, 0.0))

    @property
    def done(self) -> bool:
        """Whether every client has finished (the budget of operations is spent, or they were stopped)."""
        return all(not thread.is_alive() for thread in self._threads)

    def snapshot(self) -> list[Record]:
        with self._lock:
            return list(self.records)

    def _take(self) -> bool:
        with self._lock:
            if self.stopping.is_set() or self._taken >= self.ops:
                return False
            self._taken += 1
            return True

    def _next_value(self, key: int) -> int:
        with self._lock:
            self._written[key] += 1
            return self._written[key]

    def _client(self, number: int, node: str) -> None:
        rng = random.Random(self.seed * 1_000_003 + number)
        gateway = Gateway(self.cluster.nodes[node].address, self.timeout)
        process = number
        seen: dict[int, int | None] = {}
        operations, weights = zip(*MIX)
        last_end = -1.0
        try:
            while self._take():
                key = rng.randrange(self.keys)
                f = "read" if node in self.nemesis.impaired else rng.choices(operations, weights)[0]
                if f == "cas" and seen.get(key) is None:
                    f = "write"
                value = (seen[key], self._next_value(key)) if f == "cas" else \
                    self._next_value(key) if f == "write" else None
                call = max(self.clock(), last_end + 1e-9)
                record = Record(process, node, f, key, value, call)
                with self._lock:
                    self.records.append(record)
                self._perform(gateway, record, seen)
                last_end = record.end
                if record.outcome == "info":
                    process += self.clients
                wait = rng.uniform(0, 2 * self.mean_wait) - (record.end - record.call)
                if record.outcome != "ok":
                    wait = max(wait, BACKOFF_SECONDS)
                if wait > 0 and self.stopping.wait(wait):
                    break
        finally:
            gateway.close()

    def _perform(self, gateway: Gateway, record: Record, seen: dict[int, int | None]) -> None:
        name = f"k{record.key}"
        try:
            if record.f == "read":
                output = gateway.read(name, self.serializable)
                record.output = seen[record.key] = output
                outcome = "ok"
            elif record.f == "write":
                gateway.write(name, record.value)
                seen[record.key] = record.value
                outcome = "ok"
            elif gateway.cas(name, *record.value):
                seen[record.key] = record.value[1]
                outcome = "ok"
            else:
                outcome, record.error = "fail", "compare failed"
        except Unavailable as error:
            outcome, record.error = "fail", str(error)
        except Indeterminate as error:
            outcome, record.error = ("fail" if record.f == "read" else "info"), str(error)
        record.end = self.clock()
        record.outcome = outcome


def _encode(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _decode(text: str) -> str:
    return base64.b64decode(text).decode()
