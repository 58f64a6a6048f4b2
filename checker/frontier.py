"""A BFS level that spills to disk: its states in chunks of CHUNK, pickled to files (TLC's DiskStateQueue)
once the process holds more than half of ``--memory``, so that the frontier, a search's largest part,
takes about two chunks of memory however large the level grows. Below that, chunks stay in memory (no
pickling, no cost). The order of the states is kept, so the search is unchanged."""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile

__all__ = ["Frontier", "Spill", "CHUNK", "own_memory"]

CHUNK = 1_000  # states a chunk: a chunk of large states (3-acceptor Paxos: ~2 KB each in memory) stays a few MB
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def own_memory() -> int | None:
    """The process's own resident memory, in bytes: not what files back (its code, a mapped seen table, whose
    pages the kernel may write out and drop); None where /proc does not say (not Linux)."""
    try:
        with open("/proc/self/statm") as f:
            fields = f.read().split()
        return (int(fields[1]) - int(fields[2])) * PAGE
    except (OSError, ValueError, IndexError):
        return None


class Spill:
    """The directory the chunks of a search go to, removed when the search is over; what went there.
    limit: bytes of resident memory above which chunks go to disk (0: always)."""

    def __init__(self, limit: int = 0, parent: str | None = None):
        self.limit = limit
        self.dir = tempfile.mkdtemp(prefix="concord-spill-", dir=parent)
        self.files = 0
        self.written = 0  # bytes written, all chunks together
        self.most = 0  # bytes on disk at the most
        self.on_disk = 0
        self.states = 0  # states written

    def write(self, states: list) -> str:
        path = os.path.join(self.dir, f"{self.files}.chunk")
        self.files += 1
        with open(path, "wb") as f:
            pickle.dump(states, f, protocol=pickle.HIGHEST_PROTOCOL)
            size = f.tell()
        self.written += size
        self.states += len(states)
        self.on_disk += size
        self.most = max(self.most, self.on_disk)
        return path

    def pressing(self) -> bool:
        """Whether the process now holds more of its own memory than the limit (not Linux: always)."""
        if not self.limit:
            return True
        used = own_memory()
        return used is None or used > self.limit

    def read(self, path: str) -> list:
        with open(path, "rb") as f:
            return pickle.load(f)

    def remove(self, path: str) -> None:
        self.on_disk -= os.path.getsize(path)
        os.remove(path)

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def bytes_per_state(self) -> float:
        return self.written / self.states if self.states else 0.0


class Frontier:
    """The states of one level in order: chunks on disk (paths), then the chunk being filled (a list)."""

    def __init__(self, spill: Spill):
        self.spill = spill
        self.chunks: list = []  # the full chunks in order: paths of those written, lists of those kept
        self.tail: list = []
        self.size = 0

    def extend(self, states: list) -> None:
        """Append states; every full chunk goes to disk."""
        self.tail.extend(states)
        self.size += len(states)
        while len(self.tail) >= CHUNK:
            chunk = self.tail[:CHUNK]
            self.chunks.append(self.spill.write(chunk) if self.spill.pressing() else chunk)
            del self.tail[:CHUNK]

    def __len__(self) -> int:
        return self.size

    def __iter__(self):
        """The chunks in order, each a list, read back from disk when its turn comes."""
        for chunk in self.chunks:
            yield self.spill.read(chunk) if isinstance(chunk, str) else chunk
        if self.tail:
            yield self.tail

    def discard(self) -> None:
        """The level is expanded: its files go."""
        for chunk in self.chunks:
            if isinstance(chunk, str):
                self.spill.remove(chunk)
        self.chunks, self.tail = [], []

    def states(self) -> list:
        """Every state, in memory (for a checkpoint)."""
        out = []
        for chunk in self:
            out.extend(chunk)
        return out
