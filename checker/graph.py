"""The explored state graph kept for liveness: each step as a label and a target number, in flat arrays.

BFS numbers states as it stores them and expands them in that order, so a state's steps are one run of
the arrays (compressed sparse rows): ``starts[s]`` is where state s's steps begin. A step is 8 bytes (a
4-byte target, a 4-byte label); a state costs its entry in the fingerprint-to-number map, its row start and a
byte per temporal predicate. BFS's loop in C (checker/_expand.c) calls expand and new, and writes each step
into the arrays itself as step does; its loop in Python calls expand, state and step. A target of -1 is a successor beyond the constraint: it enables its action (as
TLC's ENABLED does) but is never entered, so behaviours that leave the scope are not judged.
"""

from __future__ import annotations

import sys
from array import array

__all__ = ["Recorder", "StateGraph"]


class Recorder:
    """What BFS hands over while it explores: states as they are numbered, steps as they are generated.

    marks: one function per temporal predicate instance, state -> small int (its bits), kept per state.
    """

    __slots__ = ("index", "label_of", "labels", "starts", "targets", "kinds", "marks", "mark_fns", "inits", "names")

    def __init__(self, mark_fns: list, names: list[str] = ()):
        self.index: dict = {}  # fingerprint (or encoding) -> state number
        self.label_of: dict = {}  # (action name, args) -> label number
        self.labels: list = []  # label number -> (action name, args)
        self.starts = array("q")
        self.targets = array("i")  # as the parent links: fewer than 2^31 states
        self.kinds = array("I")
        self.mark_fns = mark_fns
        self.marks = [bytearray() for _ in mark_fns]
        self.inits: list[int] = []
        self.names = list(names)  # action index -> name

    def state(self, key, number: int, t) -> None:
        """A new state t, stored as number."""
        self.index[key] = number
        for marks, fn in zip(self.marks, self.mark_fns):
            marks.append(fn(t))

    def new(self, key, t) -> None:
        """A new state t, numbered next."""
        self.state(key, len(self.index), t)

    def expand(self, number) -> None:
        """State number is about to be expanded: its steps follow."""
        if len(self.starts) != number:
            raise AssertionError(f"states expanded out of order: {number} after {len(self.starts) - 1}")
        self.starts.append(len(self.targets))

    def step(self, name: str, args: tuple, target: int) -> None:
        """A step of the state being expanded, by action instance name(args), to state target (-1: beyond)."""
        key = (name, args)
        label = self.label_of.get(key)
        if label is None:
            label = self.label_of[key] = len(self.labels)
            self.labels.append(key)
        self.kinds.append(label)
        self.targets.append(target)

    def graph(self) -> "StateGraph":
        """The graph as checker.liveness reads it."""
        self.starts.append(len(self.targets))
        return StateGraph(self)

    def bytes(self) -> int:
        """Memory the graph takes: the arrays, the map from keys to numbers, the labels and the marks."""
        arrays = sum(a.itemsize * len(a) for a in (self.starts, self.targets, self.kinds))
        labels = sys.getsizeof(self.labels) + sys.getsizeof(self.label_of) + sum(
            sys.getsizeof(k) + sys.getsizeof(k[1]) for k in self.labels)
        return arrays + sys.getsizeof(self.index) + labels + sum(len(m) for m in self.marks)


class _Rows:
    """steps[s]: state s's steps as [((name, args), target), ...], decoded from the arrays on demand."""

    __slots__ = ("starts", "targets", "kinds", "labels")

    def __init__(self, r: Recorder):
        self.starts, self.targets, self.kinds, self.labels = r.starts, r.targets, r.kinds, r.labels

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, s: int) -> list:
        a, b = self.starts[s], self.starts[s + 1]
        labels = self.labels
        return [(labels[k], t) for k, t in zip(self.kinds[a:b], self.targets[a:b])]


class StateGraph:
    """checker.liveness's Graph over a Recorder's arrays: inits, steps, and the marks of each predicate."""

    __slots__ = ("inits", "steps", "marks", "starts", "targets", "kinds", "labels", "covered")

    def __init__(self, r: Recorder):
        self.inits = sorted(set(r.inits))
        self.steps = _Rows(r)
        self.marks = r.marks
        self.starts, self.targets, self.kinds, self.labels = r.starts, r.targets, r.kinds, r.labels
        self.covered: dict = {}  # fairness condition -> per label, whether the condition is about it

    def successors(self, s: int):
        """The targets of s's steps, in order (-1: beyond the scope)."""
        return self.targets[self.starts[s]:self.starts[s + 1]]

    def enabled(self, s: int, fair) -> bool:
        """<<A>>_vars enabled: some step of the action leaves s (a target of -1 too: beyond the scope)."""
        if fair.when >= 0 and not self.marks[fair.when][s]:
            return False
        covered = self.covered.get(fair)
        if covered is None or len(covered) < len(self.labels):
            covered = self.covered[fair] = bytes(fair.covers(label) for label in self.labels)
        a, b = self.starts[s], self.starts[s + 1]
        return any(t != s and covered[k] for k, t in zip(self.kinds[a:b], self.targets[a:b]))

    def takes(self, s: int, a: tuple, fair) -> bool:
        """Whether a step of action instance a from s is one fair is about: its instance, and its condition on s."""
        return fair.covers(a) and (fair.when < 0 or bool(self.marks[fair.when][s]))
