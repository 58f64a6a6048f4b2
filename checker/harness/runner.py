"""One harness run: start the cluster, run the workload under the fault schedule, always clean up, return the lot."""

from __future__ import annotations

import contextlib
import dataclasses
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

from specs.history import History

from .etcd import ADDRESSES, Cluster, HarnessError
from .history import Record, counts, to_history
from .nemesis import FAULTS, Fault, Nemesis, can_use_iptables, forget_connections, schedule, sweep_stale_rules
from .workload import TIMEOUT_SECONDS, Workload

PROGRESS_SECONDS = 5.0
TICK_SECONDS = 0.05


@dataclass
class RunResult:
    """What a run recorded: the operations with their outcomes, the faults, and how long it took."""

    records: list[Record]
    faults: list[Fault]
    duration: float
    seed: int
    reads: str
    etcd_version: str = ""
    data_dir: str = ""
    interrupted: str = ""
    """Empty, or why the run stopped early: `interrupted (Ctrl-C)`, `interrupted (SIGTERM)`."""
    left_behind: list[str] = field(default_factory=list)
    """iptables rules tagged concord-harness that cleanup could not delete (none, normally)."""
    nodes: dict[str, str] = field(default_factory=dict)

    @property
    def history(self) -> History:
        return to_history(self.records)

    @property
    def counts(self) -> dict[str, int]:
        return counts(self.records)

    @property
    def ops_per_second(self) -> float:
        return len(self.records) / self.duration if self.duration > 0 else 0.0


def run(*, reads: str = "linearizable", clients: int = 5, ops: int = 2000, keys: int = 3, time_limit: float = 30.0,
        seed: int | None = None, faults: Sequence[str] = ("partition",), etcd: str = "etcd",
        logs: str | None = None, progress: Callable[[str], None] | None = None,
        timeout: float = TIMEOUT_SECONDS) -> RunResult:
    """Run `clients` clients against a fresh 3-node etcd cluster for `time_limit` seconds (or `ops` operations)
    while the nemesis injects `faults` (partition, pause, kill); return what was recorded.

    The cluster, its data directory and every iptables rule are removed whatever happens, Ctrl-C and SIGTERM
    included (they end the run early: `interrupted` says so, and the history is what was recorded so far).
    Raises HarnessError (one line) when the run cannot start: no etcd, busy ports, partitions without root.
    """
    if reads not in ("linearizable", "serializable"):
        raise ValueError(f"reads must be linearizable or serializable, not {reads!r}")
    if min(clients, ops, keys) < 1 or not time_limit > 0:
        raise ValueError("clients, ops and keys must be at least 1, and time_limit positive")
    unknown = sorted(set(faults) - set(FAULTS))
    if unknown:
        raise ValueError(f"unknown fault {unknown[0]!r}: expected {', '.join(FAULTS)}")
    if "partition" in faults and not can_use_iptables():
        raise HarnessError("partition faults need root and iptables (to cut loopback addresses apart): run as root, "
                           "or choose --faults pause,kill")
    seed = random.randrange(2**31) if seed is None else seed
    say = progress or (lambda line: None)
    cluster = Cluster(etcd, logs=logs)
    origin = time.monotonic_ns()

    def clock() -> float:
        return (time.monotonic_ns() - origin) / 1e9

    nemesis = Nemesis(cluster, clock)
    result = RunResult([], nemesis.log, 0.0, seed, reads, etcd_version=cluster.version(),
                       nodes={f"n{number}": address for number, address in enumerate(ADDRESSES, 1)})
    stop = threading.Event()
    workload: Workload | None = None
    with _signals_stop(stop) as caught:
        try:
            try:
                _start(cluster, nemesis, "partition" in faults, stop, say)
            except HarnessError:
                if not stop.is_set():
                    raise
            else:
                result.data_dir = str(cluster.root)
                say(f"concord harness: etcd cluster up ({', '.join(cluster.names)}), data in {cluster.root}; "
                    f"{clients} clients, {reads} reads, faults {','.join(faults) or 'none'}, seed {seed}")
                origin = time.monotonic_ns()
                workload = Workload(cluster, nemesis, clock, clients=clients, keys=keys, ops=ops,
                                    seconds=time_limit, serializable=reads == "serializable", seed=seed,
                                    timeout=timeout)
                workload.start()
                _drive(workload, nemesis, faults, random.Random(seed), time_limit, clock, stop, say)
        finally:
            if workload is not None:
                result.duration = clock()
                workload.stop(wait=timeout + 1.0)  # each client finishes the operation it is in
                result.records = _settled(workload.snapshot(), clock())
            try:
                result.left_behind = nemesis.cleanup()
            finally:
                cluster.stop()
                if "partition" in faults and cluster.root is not None:  # the ports were ours: no other run is live
                    with contextlib.suppress(HarnessError):
                        forget_connections(ADDRESSES)
        result.interrupted = caught[0]
    return result


def _start(cluster: Cluster, nemesis: Nemesis, partitions: bool, stop: threading.Event,
           say: Callable[[str], None]) -> None:
    """Start the cluster; with partitions, first clear what earlier runs left and route each node by its address."""
    cluster.check_ports()
    cluster.prepare()
    if partitions:
        stale = sweep_stale_rules()
        if stale:
            say(f"concord harness: deleted {stale} iptables rules left by an earlier run")
        try:
            forget_connections(ADDRESSES)  # no node runs (the ports are free): every entry is stale
        except HarnessError as error:
            say(f"concord harness: warning: {error}: a partition may cut connections it should not")
        nemesis.route_by_node()  # before the nodes dial each other: a connection keeps its first address
    cluster.launch(stop.is_set)


def _drive(workload: Workload, nemesis: Nemesis, faults: Sequence[str], rng: random.Random, time_limit: float,
           clock: Callable[[], float], stop: threading.Event, say: Callable[[str], None]) -> None:
    """The run's main loop, on the caller's thread: step the fault schedule, print progress, end on time."""
    steps = schedule(nemesis, faults, rng, lambda: time_limit - clock())
    next_step = clock() + next(steps, float("inf"))
    next_report = PROGRESS_SECONDS
    while not stop.is_set() and clock() < time_limit and not workload.done:
        now = clock()
        if now >= next_step:
            next_step = now + next(steps, float("inf"))
        if now >= next_report:
            tally = counts(workload.snapshot())
            impaired = ", ".join(sorted(nemesis.impaired)) or "none"
            say(f"concord harness: {now:5.1f} s, {sum(tally.values())} operations ({tally['ok']} ok, "
                f"{tally['fail']} fail, {tally['info']} info), impaired: {impaired}")
            next_report += PROGRESS_SECONDS
        stop.wait(min(TICK_SECONDS, max(0.0, min(next_step, time_limit) - now)))


def _settled(records: list[Record], now: float) -> list[Record]:
    """Copies of `records`, those still in flight completed as info (writes, cas) or fail (reads)."""
    settled = []
    for record in records:
        record = dataclasses.replace(record)
        if not record.outcome:
            record.outcome = "fail" if record.f == "read" else "info"
            record.end, record.error = now, "still running when the run ended"
        settled.append(record)
    return settled


@contextlib.contextmanager
def _signals_stop(stop: threading.Event) -> Iterator[list[str]]:
    """While inside, SIGINT and SIGTERM set `stop` (so the run winds down and cleans up) instead of raising;
    yields a one-item list holding why the run was interrupted ("" if it was not)."""
    caught = [""]
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return

    def handler(signum, frame):
        caught[0] = caught[0] or f"interrupted ({'Ctrl-C' if signum == signal.SIGINT else 'SIGTERM'})"
        stop.set()

    previous = {signum: signal.signal(signum, handler) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield caught
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
