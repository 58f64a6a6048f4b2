"""Worker processes on this machine: forked from the coordinator (so they share the compiled model without
pickling it), one pipe each; commands go in, replies come out, in lockstep, one level at a time."""

from __future__ import annotations

import multiprocessing
import os
import signal
import traceback
from multiprocessing.connection import wait

__all__ = ["Machine", "Pool", "WorkerCrashed"]


class Machine:
    """Workers on this machine: forked processes (checker/parallel/cluster.py is the other backend)."""

    name = "processes"

    def pool(self, n: int, make) -> "Pool":
        return Pool(n, make)

    def flag(self):
        """A flag every worker sees: set by one, seen by all."""
        return multiprocessing.get_context("fork").Event()

    def close(self) -> None:
        pass


class WorkerCrashed(RuntimeError):
    """A worker process failed outside the model (a bug of Concord's), or died."""


class Pool:
    """n forked worker processes; ``make(w)`` builds worker w's object in its process, and each message
    (method name, *args) calls that method of it; the call's result is the reply."""

    def __init__(self, n: int, make):
        ctx = multiprocessing.get_context("fork")
        self.conns = []
        self.procs = []
        self.outstanding: set = set()  # workers whose reply to the last call has not come (an interrupt)
        try:
            for w in range(n):
                mine, theirs = ctx.Pipe()
                p = ctx.Process(target=_serve, args=(theirs, make, w), daemon=True,
                                name=f"concord-worker-{w}")
                p.start()
                theirs.close()
                self.conns.append(mine)
                self.procs.append(p)
        except BaseException:
            self.close()
            raise

    def call(self, messages: list, waiting=None, only: int | None = None) -> list:
        """Send messages[w] to worker w, then gather every reply in worker order; waiting() is called about
        once a second meanwhile (progress). only: talk to that worker alone."""
        talk = [w for w in (range(len(self.conns)) if only is None else [only]) if messages[w] is not None]
        for w in talk:
            self.conns[w].send(messages[w])
        replies: list = [None] * len(self.conns)
        left = self.outstanding = set(talk)
        while left:
            ready = wait([self.conns[w] for w in left], timeout=1.0)
            if not ready and waiting is not None:
                waiting()
            for conn in ready:
                w = self.conns.index(conn)
                try:
                    status, reply = conn.recv()
                except EOFError:
                    raise WorkerCrashed(f"worker {w} died (exit code {self.procs[w].exitcode})") from None
                if status != "ok":
                    raise WorkerCrashed(f"worker {w} failed:\n{reply}")
                replies[w] = reply
                left.discard(w)
        return replies

    def drain(self) -> None:
        """Wait for and drop the replies of an interrupted call."""
        for w in list(self.outstanding):
            try:
                self.conns[w].recv()
            except EOFError:
                raise WorkerCrashed(f"worker {w} died (exit code {self.procs[w].exitcode})") from None
        self.outstanding = set()

    def ask(self, w: int, msg):
        """Send msg to worker w alone and return its reply."""
        return self.call([msg if v == w else None for v in range(len(self.conns))], only=w)[w]

    def close(self) -> None:
        """Stop every worker: politely, then by force; nothing is left running."""
        for conn in self.conns:
            try:
                conn.send(("stop",))
            except (OSError, ValueError):
                pass
        for p in self.procs:
            p.join(timeout=0.5)
            if p.is_alive():
                p.kill()
                p.join()
        for conn in self.conns:
            conn.close()
        self.conns, self.procs = [], []


def _serve(conn, make, w: int) -> None:
    """A worker process: Ctrl-C is the coordinator's to handle; commands until "stop"."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    code = 0
    try:
        worker = make(w)
        while True:
            name, *args = conn.recv()
            if name == "stop":
                break
            conn.send(("ok", getattr(worker, name)(*args)))
    except EOFError:  # the coordinator is gone
        code = 1
    except BaseException:
        code = 1
        try:
            conn.send(("crash", traceback.format_exc()))
        except OSError:
            pass
    finally:
        os._exit(code)  # skip the interpreter's teardown of everything inherited from the coordinator
