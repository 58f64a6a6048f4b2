"""A local 3-node etcd cluster: one process per loopback address, started, watched, killed, restarted and stopped."""

from __future__ import annotations

import ctypes
import errno
import http.client
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

ADDRESSES = ("127.0.0.11", "127.0.0.12", "127.0.0.13")
CLIENT_PORT = 2379
PEER_PORT = 2380
HEARTBEAT_MS = 50
ELECTION_MS = 500
START_SECONDS = 20.0
"""How long a cluster may take to elect a leader and report healthy on every node."""
STOP_GRACE_SECONDS = 1.0
"""How long stopping nodes get between SIGTERM and SIGKILL: a leader whose peers stop with it spends seconds
trying to hand over, and the data is thrown away anyway."""
NODE_UID_BASE = 64_210
"""Run as root, node i runs as uid NODE_UID_BASE + i, so that iptables can tell its connections apart."""
PR_SET_PDEATHSIG = 1


class HarnessError(Exception):
    """A harness that cannot run: a missing binary, busy ports, a cluster that does not come up; one line."""


@dataclass
class Node:
    """One etcd member: its name, loopback address, data directory, and process while it runs."""

    name: str
    address: str
    data_dir: Path
    log_path: Path
    uid: int | None = None
    process: subprocess.Popen | None = None
    paused: bool = False

    @property
    def client_url(self) -> str:
        return f"http://{self.address}:{CLIENT_PORT}"

    @property
    def peer_url(self) -> str:
        return f"http://{self.address}:{PEER_PORT}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Cluster:
    """Three etcd processes bootstrapped statically, each on its own loopback address.

    Run as root, each node runs under its own uid (so that the nemesis can give each node's outgoing
    connections its own source address, and cut pairs of nodes apart). Data directories live in a temporary
    directory that `stop` removes; logs go to `logs` when given, else next to the data.
    """

    def __init__(self, etcd: str = "etcd", logs: str | Path | None = None, separate_users: bool | None = None):
        binary = shutil.which(etcd)
        if binary is None:
            raise HarnessError(f"etcd not found: {etcd!r} is not an executable on PATH (Debian: apt-get install "
                               "etcd-server)")
        self.binary = binary
        self.logs = None if logs is None else Path(logs)
        self.separate_users = os.geteuid() == 0 if separate_users is None else separate_users
        self.token = f"concord-{secrets.token_hex(4)}"
        self.root: Path | None = None
        self.nodes: dict[str, Node] = {}

    @property
    def names(self) -> list[str]:
        return list(self.nodes)

    def version(self) -> str:
        """The first line of `etcd --version`."""
        try:
            output = subprocess.run([self.binary, "--version"], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError) as error:
            raise HarnessError(f"cannot run {self.binary}: {error}") from None
        return (output.splitlines() or ["etcd (unknown version)"])[0]

    def check_ports(self) -> None:
        """Raise HarnessError unless every node's client and peer port is free (no etcd left from another run)."""
        for address in ADDRESSES:
            for port in (CLIENT_PORT, PEER_PORT):
                probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind((address, port))
                except OSError as error:
                    reason = "in use (an etcd left running? see `pgrep -a etcd`)" \
                        if error.errno == errno.EADDRINUSE else error.strerror
                    raise HarnessError(f"cannot bind {address}:{port}: {reason}") from None
                finally:
                    probe.close()

    def start(self, stopped: Callable[[], bool] = lambda: False, timeout: float = START_SECONDS) -> None:
        """Create the data directories, start every node, and wait until each reports healthy."""
        self.prepare()
        self.launch(stopped, timeout)

    def prepare(self) -> None:
        """Create the temporary directory and each node's data directory (owned by the node's uid, if any)."""
        self.root = Path(tempfile.mkdtemp(prefix="concord-etcd-"))
        if self.separate_users:
            os.chmod(self.root, 0o711)
        uids = _free_uids(len(ADDRESSES)) if self.separate_users else [None] * len(ADDRESSES)
        for number, (address, uid) in enumerate(zip(ADDRESSES, uids), 1):
            name = f"n{number}"
            data_dir = self.root / name
            data_dir.mkdir(mode=0o700)
            if uid is not None:
                os.chown(data_dir, uid, uid)
            log_dir = self.logs or self.root
            self.nodes[name] = Node(name, address, data_dir, log_dir / f"{name}.log", uid)

    def launch(self, stopped: Callable[[], bool] = lambda: False, timeout: float = START_SECONDS) -> None:
        """Start every prepared node and wait until each reports healthy; `stopped` aborts the wait."""
        for node in self.nodes.values():
            self._spawn(node)
        self.wait_healthy(stopped, timeout)

    def wait_healthy(self, stopped: Callable[[], bool], timeout: float) -> None:
        """Wait until every node answers /health with true and a leader is known."""
        deadline = time.monotonic() + timeout
        waiting = list(self.nodes.values())
        while waiting or self.leader() is None:
            if stopped():
                raise HarnessError("interrupted while the cluster started")
            for node in list(waiting):
                if not node.running:
                    raise HarnessError(f"etcd {node.name} exited with status {node.process.returncode} while "
                                       f"starting: {_last_line(node.log_path)}")
                if _healthy(node.address):
                    waiting.remove(node)
            if time.monotonic() > deadline:
                names = ", ".join(node.name for node in waiting) or "a leader"
                raise HarnessError(f"the etcd cluster was not healthy after {timeout:g} s (waiting for {names}): "
                                   f"{_last_line((waiting or list(self.nodes.values()))[0].log_path)}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop every node (SIGCONT if paused, SIGTERM, then SIGKILL after a grace period), remove the data."""
        running = [node for node in self.nodes.values() if node.running]
        for node in running:
            _signal(node.process, signal.SIGCONT)
            node.paused = False
            _signal(node.process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for node in running:
            try:
                node.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal(node.process, signal.SIGKILL)
        for node in self.nodes.values():
            if node.process is not None:
                node.process.wait()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def kill(self, name: str) -> None:
        """SIGKILL node `name` and reap it; its data directory stays."""
        node = self.nodes[name]
        if node.running:
            _signal(node.process, signal.SIGKILL)
            node.process.wait()
        node.paused = False

    def restart(self, name: str) -> None:
        """Start node `name` again on its existing data directory."""
        node = self.nodes[name]
        if node.running:
            raise HarnessError(f"etcd {name} is still running")
        self._spawn(node)

    def pause(self, name: str) -> None:
        """SIGSTOP node `name`."""
        node = self.nodes[name]
        if node.running:
            _signal(node.process, signal.SIGSTOP)
            node.paused = True

    def resume(self, name: str) -> None:
        """SIGCONT node `name`."""
        node = self.nodes[name]
        if node.running:
            _signal(node.process, signal.SIGCONT)
        node.paused = False

    def status(self, name: str, timeout: float = 0.5) -> dict[str, Any] | None:
        """Node `name`'s /v3/maintenance/status through the JSON gateway, None if it does not answer."""
        return post_json(self.nodes[name].address, "/v3/maintenance/status", {}, timeout)

    def leader(self) -> str | None:
        """The name of the node that the running, unpaused nodes report as leader, None if unknown."""
        members: dict[str, str] = {}
        reported: list[str] = []
        for node in self.nodes.values():
            if not node.running or node.paused:
                continue
            status = self.status(node.name)
            if not status or "header" not in status:
                continue
            members[status["header"].get("member_id", "")] = node.name
            if status.get("leader"):
                reported.append(status["leader"])
        for member in reported:
            if member in members and reported.count(member) * 2 > len(reported):
                return members[member]
        return None

    def _spawn(self, node: Node) -> None:
        peers = ",".join(f"{other.name}={other.peer_url}" for other in self.nodes.values())
        command = [self.binary, "--name", node.name, "--data-dir", str(node.data_dir),
                   "--listen-client-urls", node.client_url, "--advertise-client-urls", node.client_url,
                   "--listen-peer-urls", node.peer_url, "--initial-advertise-peer-urls", node.peer_url,
                   "--initial-cluster", peers, "--initial-cluster-state", "new",
                   "--initial-cluster-token", self.token,
                   "--heartbeat-interval", str(HEARTBEAT_MS), "--election-timeout", str(ELECTION_MS),
                   "--pre-vote", "--logger", "zap", "--log-outputs", "stderr"]
        with open(node.log_path, "ab") as log:
            try:
                node.process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                    user=node.uid, group=node.uid, preexec_fn=_die_with_parent)
            except OSError as error:
                raise HarnessError(f"cannot start {self.binary}: {error.strerror or error}") from None
        node.paused = False


def post_json(address: str, path: str, body: dict, timeout: float) -> dict[str, Any] | None:
    """POST `body` to the etcd JSON gateway at `address`; the answer, or None on any error."""
    connection = http.client.HTTPConnection(address, CLIENT_PORT, timeout=timeout)
    try:
        connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        return json.loads(data) if response.status == 200 else None
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        connection.close()


def _healthy(address: str) -> bool:
    connection = http.client.HTTPConnection(address, CLIENT_PORT, timeout=0.5)
    try:
        connection.request("GET", "/health")
        return json.loads(connection.getresponse().read()).get("health") == "true"
    except (OSError, http.client.HTTPException, ValueError, AttributeError):
        return False
    finally:
        connection.close()


def _free_uids(count: int) -> list[int]:
    """`count` uids from NODE_UID_BASE + 1 up that no user of this machine has."""
    uids: list[int] = []
    candidate = NODE_UID_BASE
    while len(uids) < count:
        candidate += 1
        try:
            pwd.getpwuid(candidate)
        except KeyError:
            uids.append(candidate)
    return uids


def _signal(process: subprocess.Popen, signum: int) -> None:
    """Send `signum` to `process` unless it has already been reaped."""
    if process.returncode is None:
        try:
            process.send_signal(signum)
        except ProcessLookupError:
            pass


_prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)


def _die_with_parent() -> None:
    """In the child, before exec: be killed when the thread that started it ends (say, a harness killed with -9).

    Linux only; the thread that starts the nodes must therefore outlive them (`run` starts and stops them all).
    """
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _last_line(path: Path) -> str:
    """The last line of a node's log, for an error message (zap logs as JSON: its message field)."""
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    if not lines:
        return "empty log"
    try:
        record = json.loads(lines[-1])
        return f"{record.get('msg', '')} {record.get('error', '')}".strip()
    except (ValueError, AttributeError):
        return lines[-1][:200]
