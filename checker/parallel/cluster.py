"""Workers as Ray actors: on a running Ray cluster (--cluster ADDRESS) or on one started here (local:N).

The same Worker objects and messages as the forked processes of checker/parallel/local.py, so the search
and its counts are the same: only the transport differs. The compiled model goes to the actors pickled as
the model and its options, and is compiled again there: its class by name, so every machine must be able to
import it (a bundled model, an installed package; a local cluster is given this process's import path, so a
model file works there). A flag every worker sees is a small actor. Ray is optional: pip install
'concord[cluster]'.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.abc
import importlib.machinery
import importlib.util
import logging
import os
import socket
import sys
import time

from .local import WorkerCrashed

__all__ = ["Cluster", "ClusterError"]

ASK_EVERY = 0.5  # seconds between two looks of a worker at a flag (a halt is seen that much later at most)
USER = "concord_user_"  # the prefix of the modules checker/cli/registry.py loads from model files


REACH = 10.0  # seconds to wait for a cluster's address to answer (Ray itself would retry for minutes)


class ClusterError(Exception):
    """The cluster could not be reached or started; the message says why, in one line."""


def _reachable(address: str) -> None:
    """An address HOST:PORT that does not take a connection within REACH seconds is an error now."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "://" in address:
        return  # "auto", or a form Ray resolves itself
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=REACH).close()
    except OSError as e:
        raise ClusterError(f"cannot reach the Ray cluster {address}: {e.strerror or e}") from None


class Cluster:
    """A Ray cluster: ``local:N`` starts one of N CPUs on this machine (stopped by close), anything else
    is the address of a running one (ray.init's, e.g. ``auto`` or ``10.0.0.5:6379``); model: the class of
    the model the workers will check."""

    name = "Ray"

    def __init__(self, address: str, model: type | None = None):
        try:
            import ray
        except ImportError:
            raise ClusterError("--cluster needs Ray: pip install 'concord[cluster]'") from None
        self.ray = ray
        local = address == "local" or address.startswith("local:")
        if local:
            n = address.partition(":")[2] or str(os.cpu_count() or 1)
            if not n.isdigit() or int(n) < 1:
                raise ClusterError(f"--cluster local:N: expected a number of CPUs, got {address!r}")
        self.started = not ray.is_initialized()
        if self.started:
            quiet = {"include_dashboard": False, "logging_level": logging.ERROR, "log_to_driver": False}
            try:
                if local:
                    with _environment(PYTHONPATH=_import_path(model)):  # what Ray's processes start with
                        ray.init(num_cpus=int(n), **quiet)
                else:
                    _reachable(address)
                    ray.init(address=address, **quiet)
            except ClusterError:
                raise
            except Exception as e:
                raise ClusterError(f"cannot {'start' if local else 'reach'} the Ray cluster {address}: "
                                   f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
        self.flags: list = []
        self.cpus = int(n) if local else max(int(ray.cluster_resources().get("CPU", 1)), 1)

    def pool(self, n: int, make) -> "_Actors":
        return _Actors(self.ray, n, make, min(1.0, self.cpus / n))

    def flag(self) -> "_Flag":
        flag = _Flag(self.ray)
        self.flags.append(flag)
        return flag

    def close(self) -> None:
        """Stop the cluster if it was started here; a running one is left as it was, less this run's actors."""
        for flag in self.flags:
            _kill(self.ray, flag.switch)
        self.flags = []
        if self.started and self.ray.is_initialized():
            self.ray.shutdown()


class _Actors:
    """n actors, each holding the object make(w) builds; the Pool of checker/parallel/local.py, on Ray."""

    def __init__(self, ray, n: int, make, cpus: float):
        """cpus: what each actor asks of the cluster (less than 1 when there are more workers than CPUs)."""
        self.ray = ray
        actor = ray.remote(num_cpus=cpus)(_Holder)
        self.actors = [actor.remote(make, w) for w in range(n)]
        self.outstanding: dict = {}  # worker -> the reference of its reply to the last call, until it comes

    def call(self, messages: list, waiting=None, only: int | None = None) -> list:
        """Send messages[w] to worker w, then gather every reply in worker order; waiting() is called about
        once a second meanwhile (progress)."""
        ray = self.ray
        talk = [w for w in (range(len(self.actors)) if only is None else [only]) if messages[w] is not None]
        refs = self.outstanding = {w: self.actors[w].call.remote(*messages[w]) for w in talk}
        while True:
            done, _ = ray.wait(list(refs.values()), num_returns=len(refs), timeout=1.0)
            if len(done) == len(refs):
                break
            if waiting is not None:
                waiting()
        replies: list = [None] * len(self.actors)
        for w, ref in refs.items():
            replies[w] = self._get(w, ref)
        self.outstanding = {}
        return replies

    def _get(self, w: int, ref):
        try:
            return self.ray.get(ref)
        except self.ray.exceptions.RayActorError as e:
            raise WorkerCrashed(f"worker {w} (a Ray actor) died: {str(e).splitlines()[0]}") from None
        except self.ray.exceptions.RayTaskError as e:
            raise WorkerCrashed(f"worker {w} failed:\n{e}") from None

    def drain(self) -> None:
        """Wait for and drop the replies of an interrupted call."""
        for w, ref in self.outstanding.items():
            self._get(w, ref)
        self.outstanding = {}

    def ask(self, w: int, msg):
        """Send msg to worker w alone and return its reply."""
        return self.call([msg if v == w else None for v in range(len(self.actors))], only=w)[w]

    def close(self) -> None:
        for a in self.actors:
            _kill(self.ray, a)
        self.actors = []


def _kill(ray, actor) -> None:
    try:
        ray.kill(actor)
    except Exception:  # gone already (a crash, a cluster stopped)
        pass


class _Holder:
    """Inside an actor: the worker object, whose methods the messages name."""

    def __init__(self, make, w: int):
        gc.disable()  # as in the search's own process (checker/check.py): states are acyclic values
        self.held = make(w)

    def call(self, name: str, *args):
        return getattr(self.held, name)(*args)


class _Switch:
    """Inside an actor: the flag's value."""

    def __init__(self):
        self.on = False

    def set(self) -> None:
        self.on = True

    def clear(self) -> None:
        self.on = False

    def is_set(self) -> bool:
        return self.on


class _Flag:
    """A flag every worker sees (multiprocessing.Event's methods); a worker asks the actor that holds it at
    most every ASK_EVERY seconds, so between two asks it answers False: a set flag is never missed, only
    seen up to ASK_EVERY later, and a cleared one is never seen still set."""

    def __init__(self, ray):
        self.ray = ray
        self.switch = ray.remote(num_cpus=0)(_Switch).remote()
        self.next = 0.0

    def __getstate__(self):
        return self.switch

    def __setstate__(self, switch):
        import ray

        self.ray, self.switch, self.next = ray, switch, 0.0

    def set(self) -> None:
        self.ray.get(self.switch.set.remote())

    def clear(self) -> None:
        self.ray.get(self.switch.clear.remote())

    def is_set(self) -> bool:
        now = time.monotonic()
        if now < self.next:
            return False
        self.next = now + ASK_EVERY
        return self.ray.get(self.switch.is_set.remote())


class _UserModels(importlib.abc.MetaPathFinder):
    """In an actor: a model file the command line loaded (as checker/cli/registry.py names it,
    concord_user_<stem>) is imported from <stem>.py on the path the coordinator gave."""

    def find_spec(self, name, path=None, target=None):
        if not name.startswith(USER) or path is not None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name[len(USER):])
        if spec is None or spec.origin is None:
            return None
        return importlib.util.spec_from_file_location(name, spec.origin)


def _import_path(model: type | None) -> str:
    """This process's import path, with the directory of the model's file: the actors of a local cluster
    import what this process imports (a model next to its tests, or from a file, too)."""
    paths = [p for p in sys.path if p]
    module = sys.modules.get(model.__module__) if model is not None else None
    origin = getattr(module, "__file__", None)
    if origin:
        paths.insert(0, os.path.dirname(os.path.abspath(origin)))
    return os.pathsep.join(paths)


@contextlib.contextmanager
def _environment(**values):
    """os.environ with values, for the processes started meanwhile; as it was afterwards."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


if not any(isinstance(f, _UserModels) for f in sys.meta_path):
    sys.meta_path.append(_UserModels())
