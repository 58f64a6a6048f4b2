"""Checkpoints: a BFS as it stood when a level began (the states stored, that level's states, every count),
written to a directory so that ``check(..., resume=DIR)`` ends with the counts of a run never interrupted.

Files: ``meta.json`` (the model, the options, the counts), ``fps.bin`` and ``parents.bin`` (the stored
states' keys and parent links, as the search keeps them), ``outside.bin`` (the states beyond the
constraint checked so far), ``level.pickle`` (the states of the level to expand, whole, pickled: the
model's states must pickle) and ``records.pickle`` (violations and witnesses so far, under --continue).
A checkpoint is written into a fresh directory beside DIR and renamed into place, so DIR always holds a
whole one.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
from array import array

from .store import claim

__all__ = ["Mark", "write", "read", "restore", "CheckpointError", "FORMAT"]

FORMAT = 1


class CheckpointError(Exception):
    """A checkpoint cannot be written or read back (one line, for the command line)."""


class Mark:
    """The search when a level began: where the level starts among the stored states, and every count."""

    __slots__ = ("base", "size", "generated", "fired", "new", "depth", "outside", "violated", "found", "pending")

    def __init__(self, search, base: int, size: int):
        self.base = base  # index of the level's first state
        self.size = size  # states in the level
        self.generated = search.generated
        self.fired = list(search.fired)
        self.new = list(search.new)
        self.depth = search.depth
        self.outside = len(search.outside_log)
        self.violated = dict(search.violated)
        self.found = dict(search.found)
        self.pending = [name for name, _ in search.pending_reachables]


def write(directory: str, search, mark: Mark, level, origin: dict | None) -> None:
    """Write the search as mark says it stood; level: the level's states (a list), or a list of (indices,
    pickled states) chunks as parallel workers hand them over."""
    directory = os.path.abspath(directory)
    fresh = directory + ".writing"
    try:
        shutil.rmtree(fresh, ignore_errors=True)
        os.makedirs(fresh)
        stored = mark.base + mark.size
        c = search.c
        meta = {
            "format": FORMAT, "model": c.name, "actions": [a.name for a in c.actions], "origin": origin,
            "exact": c.exact, "base": mark.base, "size": mark.size, "generated": mark.generated,
            "fired": mark.fired, "new": mark.new, "depth": mark.depth, "pending": mark.pending,
        }
        with open(os.path.join(fresh, "fps.bin"), "wb") as f:
            if c.exact:
                pickle.dump(search.fps[:stored], f, protocol=pickle.HIGHEST_PROTOCOL)
            else:
                search.fps[:stored].tofile(f)
        with open(os.path.join(fresh, "parents.bin"), "wb") as f:
            search.parents[:stored].tofile(f)
        with open(os.path.join(fresh, "outside.bin"), "wb") as f:
            pickle.dump(search.outside_log[:mark.outside], f, protocol=pickle.HIGHEST_PROTOCOL)
        with open(os.path.join(fresh, "records.pickle"), "wb") as f:
            pickle.dump((mark.violated, mark.found), f, protocol=pickle.HIGHEST_PROTOCOL)
        with open(os.path.join(fresh, "level.pickle"), "wb") as f:
            if level and isinstance(level[0], tuple) and len(level[0]) == 2 and isinstance(level[0][1], bytes):
                pickle.dump(("chunks", level), f, protocol=pickle.HIGHEST_PROTOCOL)
            else:
                pickle.dump(("states", level), f, protocol=pickle.HIGHEST_PROTOCOL)
        with open(os.path.join(fresh, "meta.json"), "w") as f:
            json.dump(meta, f, indent=1)
        old = directory + ".old"
        shutil.rmtree(old, ignore_errors=True)
        if os.path.exists(directory):
            os.rename(directory, old)
        os.rename(fresh, directory)
        shutil.rmtree(old, ignore_errors=True)
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as e:
        shutil.rmtree(fresh, ignore_errors=True)
        raise CheckpointError(f"cannot write the checkpoint {directory}: {e}") from None


def read(directory: str) -> dict:
    """meta.json of a checkpoint."""
    path = os.path.join(directory, "meta.json")
    try:
        with open(path) as f:
            meta = json.load(f)
    except FileNotFoundError:
        raise CheckpointError(f"{directory} holds no checkpoint (no meta.json)") from None
    except (OSError, ValueError) as e:
        raise CheckpointError(f"cannot read {path}: {e}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a checkpoint this Concord writes (format {FORMAT})")
    return meta


def restore(directory: str, search) -> tuple[list, int]:
    """Load a checkpoint into a fresh search of the same model; returns (the level to expand, its base)."""
    meta = read(directory)
    c = search.c
    if meta["model"] != c.name or meta["actions"] != [a.name for a in c.actions] or meta["exact"] != c.exact:
        raise CheckpointError(f"{directory} is a checkpoint of {meta['model']}"
                              f"{' (--exact)' if meta['exact'] else ''}, not of {c.name}"
                              f"{' (--exact)' if c.exact else ''}")
    try:
        with open(os.path.join(directory, "fps.bin"), "rb") as f:
            if c.exact:
                search.fps = pickle.load(f)
                for key in search.fps:
                    search.seen.add(key)
            else:
                search.fps = array("q")
                search.fps.frombytes(f.read())
                claim(search.seen, search.fps)
        with open(os.path.join(directory, "parents.bin"), "rb") as f:
            search.parents = array("i")
            search.parents.frombytes(f.read())
        with open(os.path.join(directory, "outside.bin"), "rb") as f:
            search.outside_log = pickle.load(f)
        for fp in search.outside_log:
            search.outside.add(fp)
        with open(os.path.join(directory, "records.pickle"), "rb") as f:
            search.violated, search.found = pickle.load(f)
        with open(os.path.join(directory, "level.pickle"), "rb") as f:
            kind, level = pickle.load(f)
    except (OSError, EOFError, ValueError, pickle.UnpicklingError, AttributeError, ImportError) as e:
        raise CheckpointError(f"cannot read the checkpoint {directory}: {e}") from None
    if kind == "chunks":
        level = _assemble(level, meta["base"], meta["size"])
    if len(search.fps) != meta["base"] + meta["size"] or len(level) != meta["size"]:
        raise CheckpointError(f"the checkpoint {directory} is damaged: its files disagree on how many states")
    search.generated = meta["generated"]
    search.fired[:] = meta["fired"]
    search.new[:] = meta["new"]
    search.depth = meta["depth"]
    search.pending_reachables = [e for e in c.reachables if e[0] in meta["pending"]]
    return level, meta["base"]


def _assemble(chunks: list, base: int, size: int) -> list:
    """The level in the order of one process, from the workers' (indices, pickled states) chunks."""
    level: list = [None] * size
    for indices, blob in chunks:
        at = array("q")
        at.frombytes(indices)
        for i, s in zip(at, pickle.loads(blob)):
            level[i - base] = s
    return level
