"""Faults for a local etcd cluster: partitions by iptables between loopback addresses, pauses, kills; each logged.

How a partition between loopback addresses is made. etcd dials its peers without binding a source address, so
every connection between nodes would come from 127.0.0.1, and a rule on address pairs would never match. Run as
root, each node runs under its own uid (see `checker.harness.etcd`), and `route_by_node` adds one SNAT rule per
node (nat POSTROUTING, matched by that uid) so that its outgoing connections carry its own address. A partition
then drops, in the raw table, every packet between an isolated address and another in both directions: in
PREROUTING (a node's dialled packets, after their SNAT) and in OUTPUT (replies, seen there before conntrack
turns their destination back into 127.0.0.1). Clients run as the harness's own user and still reach every node.
Every rule carries the comment `concord-harness`; only loopback addresses (127.0.0.0/8) are ever named.

The SNAT lives in conntrack entries, and entries outlive their connections: one torn down during a partition
never shows conntrack its FIN, and stays ESTABLISHED for days. All nodes dial from 127.0.0.1, so a later
connection of another node that happens to get the same source port joins that entry and inherits the wrong
node's address: a partition would then cut a pair it should not, or miss one. `forget_connections` deletes
every conntrack entry of the node addresses; the runner calls it before the nodes start and after they stop.
"""

from __future__ import annotations

import ipaddress
import os
import random
import shlex
import shutil
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from .etcd import Cluster, HarnessError

TAG = "concord-harness"
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
FAULTS = ("partition", "pause", "kill")
FIRST_FAULT_SECONDS = 2.0
DURATIONS = {"partition": (4.0, 6.0), "pause": (1.0, 2.5), "kill": (3.0, 5.0)}
"""Seconds a fault of each kind lasts, drawn uniformly. Pauses are shorter than the clients' timeout, so that
reads held by a paused node are answered, from its stale state, as soon as it continues."""
QUIET = (2.0, 3.0)
"""Seconds without a fault between two."""
NETLINK_NETFILTER = 12
CT_DELETE = (1 << 8) | 2
"""A ctnetlink (subsystem 1) request to delete a conntrack entry (IPCTNL_MSG_CT_DELETE)."""


@dataclass(frozen=True)
class Fault:
    """One nemesis action: when (seconds since the workload began), what kind, and on what."""

    time: float
    kind: str
    description: str

    def __str__(self) -> str:
        return f"{self.time:8.3f} s  {self.kind:<9}  {self.description}"


class Nemesis:
    """Injects and heals faults on `cluster`, logging each with the time `clock` gives."""

    def __init__(self, cluster: Cluster, clock: Callable[[], float] = time.monotonic):
        self.cluster = cluster
        self.clock = clock
        self.log: list[Fault] = []
        self._rules: list[tuple[str, str, tuple[str, ...]]] = []
        self._partition_rules: list[tuple[str, str, tuple[str, ...]]] = []
        self._isolated: frozenset[str] = frozenset()
        self._paused: frozenset[str] = frozenset()
        self._killed: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    @property
    def impaired(self) -> frozenset[str]:
        """The nodes isolated, paused or killed right now."""
        return self._isolated | self._paused | self._killed

    def route_by_node(self) -> None:
        """Give each node's outgoing connections its own address (SNAT by uid), so partitions can match it."""
        for node in self.cluster.nodes.values():
            if node.uid is None:
                raise HarnessError("partitions need the nodes to run under their own uids (run as root)")
            self._add("nat", "POSTROUTING", "-p", "tcp", "-s", "127.0.0.1", "-d", str(LOOPBACK), "-m", "owner",
                      "--uid-owner", str(node.uid), "-j", "SNAT", "--to-source", _loopback(node.address))

    def partition(self, isolated: str | Iterable[str], others: str | Iterable[str]) -> None:
        """Cut every node of `isolated` off from every node of `others`, both ways."""
        isolated, others = _names(isolated), _names(others)
        if not isolated or not others or set(isolated) & set(others):
            raise ValueError(f"a partition needs two disjoint, non-empty sides, not {isolated} and {others}")
        for a in isolated:
            for b in others:
                a_address = _loopback(self.cluster.nodes[a].address)
                b_address = _loopback(self.cluster.nodes[b].address)
                for source, destination in ((a_address, b_address), (b_address, a_address)):
                    for chain in ("PREROUTING", "OUTPUT"):
                        rule = self._add("raw", chain, "-s", source, "-d", destination, "-j", "DROP")
                        self._partition_rules.append(rule)
        self._isolated = self._isolated | frozenset(isolated)
        self._record("partition", f"{', '.join(isolated)} isolated from {', '.join(others)}")

    def heal(self) -> None:
        """Remove every partition rule."""
        if not self._partition_rules:
            return
        healed = sorted(self._isolated)
        for rule in self._partition_rules:
            self._delete(rule)
        self._partition_rules.clear()
        self._isolated = frozenset()
        self._record("heal", f"{', '.join(healed)} reconnected")

    def pause(self, name: str) -> None:
        """SIGSTOP node `name`."""
        self.cluster.pause(name)
        self._paused |= {name}
        self._record("pause", f"{name} stopped (SIGSTOP)")

    def resume(self, name: str) -> None:
        """SIGCONT node `name`."""
        self.cluster.resume(name)
        self._paused -= {name}
        self._record("resume", f"{name} continued (SIGCONT)")

    def kill(self, name: str) -> None:
        """SIGKILL node `name`; its data stays."""
        self.cluster.kill(name)
        self._killed |= {name}
        self._record("kill", f"{name} killed (SIGKILL)")

    def restart(self, name: str) -> None:
        """Start node `name` again on its data."""
        self.cluster.restart(name)
        self._killed -= {name}
        self._record("restart", f"{name} restarted on its data")

    def cleanup(self) -> list[str]:
        """Undo every fault and delete every rule added; the rules tagged concord-harness still present (if any,
        their deletion failed)."""
        self.heal()
        for name in sorted(self._paused):
            self.resume(name)
        self._killed = frozenset()
        for rule in reversed(list(self._rules)):
            self._delete(rule)
        self._rules.clear()
        return tagged_rules() if can_use_iptables() else []

    def _add(self, table: str, chain: str, *spec: str) -> tuple[str, str, tuple[str, ...]]:
        rule = (table, chain, (*spec, "-m", "comment", "--comment", TAG))
        with self._lock:
            _iptables("-t", table, "-A", chain, *rule[2])
            self._rules.append(rule)
        return rule

    def _delete(self, rule: tuple[str, str, tuple[str, ...]]) -> None:
        table, chain, spec = rule
        with self._lock:
            try:
                _iptables("-t", table, "-D", chain, *spec)
            except HarnessError:
                pass  # already gone; cleanup reports what is left
            if rule in self._rules:
                self._rules.remove(rule)

    def _record(self, kind: str, description: str) -> None:
        self.log.append(Fault(self.clock(), kind, description))


def schedule(nemesis: Nemesis, faults: Iterable[str], rng: random.Random,
             remaining: Callable[[], float]) -> Iterator[float]:
    """The fault schedule, as a generator of waits: the driver sleeps for each yielded number of seconds.

    After FIRST_FAULT_SECONDS, over and over while time remains: pick a kind among `faults` and a follower of
    the current leader, inject the fault for a few seconds, undo it, wait a little. Random choices come from
    `rng` in a fixed order, so a seed fixes them all except which nodes are followers (that is timing).
    """
    faults = sorted(set(faults))
    if not faults:
        return
    yield FIRST_FAULT_SECONDS
    while True:
        kind = rng.choice(faults)
        duration = rng.uniform(*DURATIONS[kind])
        pick = rng.randrange(2)
        quiet = rng.uniform(*QUIET)
        if remaining() < duration + 0.5:
            return
        leader = nemesis.cluster.leader()
        if leader is None:
            yield 0.5
            continue
        followers = [name for name in nemesis.cluster.names if name != leader]
        victim = followers[pick % len(followers)]
        if kind == "partition":
            nemesis.partition(victim, followers[:pick] + followers[pick + 1:] + [leader])
            yield duration
            nemesis.heal()
        elif kind == "pause":
            nemesis.pause(victim)
            yield duration
            nemesis.resume(victim)
        else:
            nemesis.kill(victim)
            yield duration
            nemesis.restart(victim)
        yield quiet


def can_use_iptables() -> bool:
    """Whether this process may add iptables rules: root, and an iptables binary."""
    return os.geteuid() == 0 and shutil.which("iptables") is not None


def tagged_rules() -> list[str]:
    """Every iptables rule tagged concord-harness, as `-t TABLE -A CHAIN ...` lines."""
    rules = []
    for table in ("raw", "nat", "filter", "mangle"):
        try:
            listing = _iptables("-t", table, "-S")
        except HarnessError:
            continue
        for line in listing.splitlines():
            words = shlex.split(line)
            if words[:1] == ["-A"] and _tagged(words):
                rules.append(f"-t {table} {line}")
    return rules


def sweep_stale_rules() -> int:
    """Delete every rule tagged concord-harness; the number deleted. Only safe when no harness runs (the
    runner calls it after finding the cluster's ports free: a live run would hold them)."""
    deleted = 0
    for rule in tagged_rules():
        words = shlex.split(rule)
        words[words.index("-A")] = "-D"
        try:
            _iptables(*words)
            deleted += 1
        except HarnessError:
            pass
    return deleted


def forget_connections(addresses: Iterable[str], table: str = "/proc/net/nf_conntrack") -> int:
    """Delete every TCP conntrack entry with one of `addresses` (loopback only) in its tuples; the number deleted.

    Only safe when no connection of those addresses is alive (a live one would lose its address translation):
    the runner calls it before starting the nodes and after stopping them. Entries are read from `table` and
    deleted through ctnetlink, with the standard library only. Raises HarnessError if that is not possible.
    """
    wanted = {_loopback(address) for address in addresses}
    try:
        with open(table) as listing:
            lines = listing.readlines()
    except OSError as error:
        raise HarnessError(f"cannot read {table}: {error.strerror or error}") from None
    stale = []
    for line in lines:
        words = line.split()
        fields = [word.split("=", 1) for word in words if "=" in word]
        if "tcp" not in words or len(fields) < 8:
            continue
        tuples = [value for key, value in fields[:8] if key in ("src", "dst")]
        if wanted & set(tuples):
            original = dict(fields[:4])
            zone = dict(fields).get("zone", "0")
            stale.append((original["src"], original["dst"], int(original["sport"]), int(original["dport"]),
                          int(zone)))
    if not stale:
        return 0
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER) as channel:
            channel.bind((0, 0))
            channel.settimeout(5)
            for sequence, entry in enumerate(stale, 1):
                channel.send(_delete_message(sequence, *entry))
                _acknowledged(channel.recv(65536))
    except OSError as error:
        raise HarnessError(f"cannot delete conntrack entries: {error.strerror or error}") from None
    return len(stale)


def _delete_message(sequence: int, source: str, destination: str, source_port: int, destination_port: int,
                    zone: int) -> bytes:
    """A ctnetlink request deleting the TCP entry whose original tuple is given."""
    addresses = _attribute(1, socket.inet_aton(source)) + _attribute(2, socket.inet_aton(destination))
    ports = (_attribute(1, bytes([socket.IPPROTO_TCP])) + _attribute(2, struct.pack("!H", source_port))
             + _attribute(3, struct.pack("!H", destination_port)))
    body = struct.pack("=BBH", socket.AF_INET, 0, 0)
    body += _attribute(1, _attribute(1, addresses, nested=True) + _attribute(2, ports, nested=True), nested=True)
    if zone:
        body += _attribute(18, struct.pack("!H", zone))
    return struct.pack("=IHHII", 16 + len(body), CT_DELETE, 1 | 4, sequence, 0) + body


def _attribute(kind: int, payload: bytes, nested: bool = False) -> bytes:
    header = struct.pack("=HH", 4 + len(payload), kind | (0x8000 if nested else 0))
    return header + payload + bytes(-len(payload) % 4)


def _acknowledged(reply: bytes) -> None:
    """Raise OSError unless `reply` acknowledges (an entry gone meanwhile counts as deleted)."""
    if len(reply) >= 20 and struct.unpack_from("=H", reply, 4)[0] == 2:
        error = -struct.unpack_from("=i", reply, 16)[0]
        if error and error != 2:  # ENOENT: already gone
            raise OSError(error, os.strerror(error))


def _tagged(words: list[str]) -> bool:
    return any(word == "--comment" and following == TAG for word, following in zip(words, words[1:]))


def _iptables(*args: str) -> str:
    try:
        done = subprocess.run(["iptables", "-w", "5", *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        raise HarnessError(f"cannot run iptables: {error}") from None
    if done.returncode != 0:
        message = next((line for line in done.stderr.splitlines() if "Warning" not in line), "failed")
        raise HarnessError(f"iptables {' '.join(args)}: {message}")
    return done.stdout


def _loopback(address: str) -> str:
    """`address` if it is a loopback address (127.0.0.0/8); refuse anything else."""
    if ipaddress.ip_address(address) not in LOOPBACK:
        raise ValueError(f"{address} is not a loopback address: the nemesis only cuts 127.0.0.0/8")
    return address


def _names(nodes: str | Iterable[str]) -> list[str]:
    return [nodes] if isinstance(nodes, str) else list(nodes)
