"""Quorum systems and the intersection requirements protocols place on them, as immutable values."""

from __future__ import annotations

import ctypes
import re
from collections import Counter
from dataclasses import dataclass
from itertools import chain, combinations
from typing import Callable, Iterable, Mapping, Sequence

import z3

Quorum = frozenset[str]


# ----------------------------------------------------------------------------- server names and sets


def servers(n: int, first: int = 1) -> tuple[str, ...]:
    """The server names s<first>..s<first+n-1>."""
    return tuple(f"s{i}" for i in range(first, first + n))


def server_order(name: str) -> list:
    """Sort key putting s2 before s10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def show(quorum: Iterable[str]) -> str:
    """A quorum as text, e.g. {s1, s2, s10}."""
    return "{" + ", ".join(sorted(quorum, key=server_order)) + "}"


def show_servers(names: Sequence[str]) -> str:
    """A server tuple as text: s1..s5 for a run of consecutive names, else the set."""
    numbers = [int(name[1:]) if re.fullmatch(r"s\d+", name) else None for name in names]
    if len(names) > 2 and None not in numbers and numbers == list(range(numbers[0], numbers[0] + len(names))):
        return f"{names[0]}..{names[-1]}"
    return show(names)


def quorums_of_size(names: Sequence[str], k: int) -> list[Quorum]:
    """Every subset of exactly k of the servers."""
    return [frozenset(c) for c in combinations(names, k)]


def majorities(names: Sequence[str]) -> list[Quorum]:
    """Every subset holding more than half of the servers (smallest first)."""
    return [q for k in range(len(names) // 2 + 1, len(names) + 1) for q in quorums_of_size(names, k)]


def _all_subsets(names: Sequence[str]) -> Iterable[Quorum]:
    return (frozenset(c) for c in chain.from_iterable(combinations(names, k) for k in range(len(names) + 1)))


def any_of(literals: Sequence[z3.BoolRef]) -> z3.BoolRef:
    """z3.Or of Boolean literals, built in one call: z3.Or's checks of every argument are slow for thousands."""
    if not literals:
        return z3.BoolVal(False)
    ctx = literals[0].ctx
    return z3.BoolRef(z3.Z3_mk_or(ctx.ref(), len(literals), _asts(literals)), ctx)


def exactly_one(literals: Sequence[z3.BoolRef]) -> z3.BoolRef:
    """z3.PbEq([(literal, 1), ...], 1) of at least one literal, built in one call as any_of is."""
    ctx = literals[0].ctx
    ones = (ctypes.c_int * len(literals))(*[1] * len(literals))
    return z3.BoolRef(z3.Z3_mk_pbeq(ctx.ref(), len(literals), _asts(literals), ones, 1), ctx)


def _asts(literals: Sequence[z3.BoolRef]):
    return (z3.Ast * len(literals))(*(literal.as_ast() for literal in literals))


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


# ----------------------------------------------------------------------------- quorum systems


class QuorumSystem:
    """A family of server sets over `servers`; subclasses say which sets are quorums."""

    __slots__ = ()
    servers: tuple[str, ...]

    def contains(self, quorum: Quorum) -> bool:
        """Whether `quorum` is a quorum of this system."""
        raise NotImplementedError

    def constraint(self, member: Mapping[str, z3.BoolRef]) -> z3.BoolRef:
        """Z3 formula: the servers whose `member` literal is true form a quorum."""
        raise NotImplementedError

    def describe(self) -> str:
        """What one quorum is, in words."""
        raise NotImplementedError

    def least_size(self) -> int:
        """A lower bound on the size of every quorum (the counting argument's input)."""
        raise NotImplementedError

    def members(self) -> list[Quorum]:
        """Every quorum, by enumerating all subsets (small N only)."""
        return [q for q in _all_subsets(self.servers) if self.contains(q)]


@dataclass(frozen=True, slots=True)
class Threshold(QuorumSystem):
    """Any k or more of the servers."""

    servers: tuple[str, ...]
    k: int

    def __post_init__(self) -> None:
        _check(1 <= self.k <= len(self.servers), f"quorum size {self.k} is not between 1 and {len(self.servers)}")

    def contains(self, quorum: Quorum) -> bool:
        return quorum <= frozenset(self.servers) and len(quorum) >= self.k

    def constraint(self, member: Mapping[str, z3.BoolRef]) -> z3.BoolRef:
        return z3.AtLeast(*(member[s] for s in self.servers), self.k)

    def least_size(self) -> int:
        return self.k

    def describe(self) -> str:
        if self.k == len(self.servers) // 2 + 1:
            return f"a majority of {show_servers(self.servers)} ({self.k} or more)"
        return f"at least {self.k} of {show_servers(self.servers)}"


@dataclass(frozen=True, slots=True)
class Weighted(QuorumSystem):
    """Any servers whose votes add up to at least `threshold`."""

    weights: tuple[tuple[str, int], ...]
    threshold: int

    def __post_init__(self) -> None:
        _check(all(w >= 0 for _, w in self.weights), "weights must not be negative")
        _check(1 <= self.threshold <= sum(w for _, w in self.weights),
               f"threshold {self.threshold} is not between 1 and the total weight")

    @property
    def servers(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.weights)

    def contains(self, quorum: Quorum) -> bool:
        return quorum <= frozenset(self.servers) and sum(w for s, w in self.weights if s in quorum) >= self.threshold

    def constraint(self, member: Mapping[str, z3.BoolRef]) -> z3.BoolRef:
        return z3.PbGe([(member[s], w) for s, w in self.weights], self.threshold)

    def least_size(self) -> int:
        heaviest = sorted((w for _, w in self.weights), reverse=True)
        return next(i for i in range(len(heaviest) + 1) if sum(heaviest[:i]) >= self.threshold)

    def describe(self) -> str:
        votes = ", ".join(f"{s}:{w}" for s, w in self.weights)
        return f"servers with total weight at least {self.threshold} (weights {votes})"


@dataclass(frozen=True, slots=True)
class Grid(QuorumSystem):
    """Servers s1..s(rows*cols) laid out row by row; a quorum covers a full row and/or a full column."""

    rows: int
    cols: int
    full_row: bool = True
    full_column: bool = True

    def __post_init__(self) -> None:
        _check(self.rows >= 1 and self.cols >= 1, "a grid needs at least one row and one column")
        _check(self.full_row or self.full_column, "a grid quorum needs a full row or a full column")

    @property
    def servers(self) -> tuple[str, ...]:
        return servers(self.rows * self.cols)

    def required_lines(self) -> list[list[tuple[str, ...]]]:
        """The groups of lines a quorum must cover one of: the rows and/or the columns."""
        names = self.servers
        rows = [names[r * self.cols:(r + 1) * self.cols] for r in range(self.rows)]
        columns = [names[c::self.cols] for c in range(self.cols)]
        return [rows] * self.full_row + [columns] * self.full_column

    def contains(self, quorum: Quorum) -> bool:
        return quorum <= frozenset(self.servers) and all(
            any(quorum >= frozenset(line) for line in lines) for lines in self.required_lines())

    def constraint(self, member: Mapping[str, z3.BoolRef]) -> z3.BoolRef:
        return z3.And(*(z3.Or(*(z3.And(*(member[s] for s in line)) for line in lines))
                        for lines in self.required_lines()))

    def least_size(self) -> int:
        if self.full_row and self.full_column:
            return self.rows + self.cols - 1
        return self.cols if self.full_row else self.rows

    def describe(self) -> str:
        need = " and ".join(part for part, wanted in (("a full row", self.full_row),
                                                      ("a full column", self.full_column)) if wanted)
        return f"{need} of the {self.rows}x{self.cols} grid {show_servers(self.servers)} (row by row)"


@dataclass(frozen=True, slots=True)
class Explicit(QuorumSystem):
    """Exactly the listed sets."""

    servers: tuple[str, ...]
    quorums: tuple[Quorum, ...]

    def __post_init__(self) -> None:
        _check(len(self.quorums) > 0, "the list of quorums is empty")
        _check(len(set(self.servers)) == len(self.servers), "a server is listed twice")
        stray = sorted(frozenset().union(*self.quorums) - frozenset(self.servers), key=server_order)
        more = f" and {len(stray) - 5} more" if len(stray) > 5 else ""
        _check(not stray, f"quorum members {show(stray[:5])}{more} are not among the servers")

    def contains(self, quorum: Quorum) -> bool:
        return quorum in self.quorums

    def constraint(self, member: Mapping[str, z3.BoolRef]) -> z3.BoolRef:
        picked = [z3.FreshBool("listed") for _ in self.quorums]
        holders = {s: [] for s in self.servers}  # per server, the picks of the quorums holding it
        for p, q in zip(picked, self.quorums):
            for s in q:
                holders[s].append(p)
        return z3.And(exactly_one(picked), *(member[s] == any_of(holders[s]) for s in self.servers))

    def least_size(self) -> int:
        return min(len(q) for q in self.quorums)

    def describe(self) -> str:
        listed = "the one listed set" if len(self.quorums) == 1 else f"one of the {len(self.quorums)} listed sets"
        return f"{listed} over {show_servers(self.servers)}"

    def members(self) -> list[Quorum]:
        return list(dict.fromkeys(self.quorums))


@dataclass(frozen=True, slots=True)
class JointMajority(QuorumSystem):
    """Raft joint consensus C_old,new: a majority of the old configuration and a majority of the new one."""

    old: tuple[str, ...]
    new: tuple[str, ...]

    def __post_init__(self) -> None:
        _check(len(self.old) > 0 and len(self.new) > 0, "a configuration needs at least one server")

    @property
    def servers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.old + self.new))

    def contains(self, quorum: Quorum) -> bool:
        return (quorum <= frozenset(self.servers) and len(quorum & frozenset(self.old)) > len(self.old) // 2
                and len(quorum & frozenset(self.new)) > len(self.new) // 2)

    def constraint(self, member: Mapping[str, z3.BoolRef]) -> z3.BoolRef:
        return z3.And(z3.AtLeast(*(member[s] for s in self.old), len(self.old) // 2 + 1),
                      z3.AtLeast(*(member[s] for s in self.new), len(self.new) // 2 + 1))

    def least_size(self) -> int:
        both = len(frozenset(self.old) & frozenset(self.new))
        return max(len(self.old) // 2 + 1 + max(0, len(self.new) // 2 + 1 - both),
                   len(self.new) // 2 + 1 + max(0, len(self.old) // 2 + 1 - both))

    def describe(self) -> str:
        return f"a majority of {show_servers(self.old)} and a majority of {show_servers(self.new)}"


# ----------------------------------------------------------------------------- quorum sizes for every N


@dataclass(frozen=True, slots=True)
class ThresholdOfN:
    """A threshold family for every N: quorums are sets of at least floor(scale*N/divisor)+offset of N servers."""

    scale: int
    divisor: int
    offset: int

    SYNTAX = re.compile(r"(?P<constant>\d+)|(?P<scale>[1-9]\d*)?n(?:/(?P<divisor>[1-9]\d*))?(?P<offset>[+-]\d+)?")

    def __post_init__(self) -> None:
        _check(self.divisor >= 1 and 0 <= self.scale <= self.divisor, f"size {self} must not grow faster than n")

    @classmethod
    def parse(cls, text: str) -> ThresholdOfN:
        """Read a size such as 3, n-1, n/2+1 or 2n/3+1 (division rounds down)."""
        match = cls.SYNTAX.fullmatch(text.replace(" ", "").lower())
        _check(match is not None, f"expected a size like 3, n-1 or n/2+1, got {text!r}")
        if match["constant"] is not None:
            return cls(0, 1, int(match["constant"]))
        return cls(int(match["scale"] or 1), int(match["divisor"] or 1), int(match["offset"] or 0))

    def size(self, n: int) -> int:
        return self.scale * n // self.divisor + self.offset

    def size_z3(self, n: z3.ArithRef) -> z3.ArithRef:
        scaled = self.scale * n
        return (scaled / self.divisor if self.divisor != 1 else scaled) + self.offset

    def at(self, n: int) -> Threshold:
        return Threshold(servers(n), self.size(n))

    def describe(self) -> str:
        return f"at least {self} of N servers"

    def __str__(self) -> str:
        if self.scale == 0:
            return str(self.offset)
        text = ("" if self.scale == 1 else str(self.scale)) + "n" + (f"/{self.divisor}" if self.divisor != 1 else "")
        return text + (f"{self.offset:+d}" if self.offset else "")


MAJORITY_OF_N = ThresholdOfN(1, 2, 1)


# ----------------------------------------------------------------------------- requirements


NUMBERS = {1: "any", 2: "any two", 3: "any three"}


@dataclass(frozen=True, slots=True)
class Clause:
    """Any choice of one quorum from each family shares at least `at_least` servers."""

    families: tuple
    labels: tuple[str, ...]
    at_least: int = 1

    def describe(self) -> str:
        counts = Counter(self.labels)
        picks = " and ".join(f"{NUMBERS[c]} {label.replace('quorum', 'quorums', 1) if c > 1 else label}"
                             for label, c in counts.items())
        share = "a server" if self.at_least == 1 else f"at least {self.at_least} servers"
        return f"{picks} share {share}"

    def violated_by(self, quorums: Sequence[Quorum]) -> bool:
        """Whether these quorums (one per family, each a genuine member) break the clause."""
        return (len(quorums) == len(self.families) and all(f.contains(q) for f, q in zip(self.families, quorums))
                and len(frozenset.intersection(*quorums)) < self.at_least)


class Requirement:
    """What a protocol needs from its quorum families: a conjunction of clauses."""

    __slots__ = ()

    def named(self) -> tuple[tuple[str, object], ...]:
        """(label, family) for every family involved."""
        raise NotImplementedError

    def pattern(self) -> tuple[tuple[tuple[int, ...], int], ...]:
        """Each clause as (indexes into named(), servers the chosen quorums must share)."""
        raise NotImplementedError

    def map(self, fn: Callable) -> Requirement:
        """The same requirement over fn(family) for each family."""
        raise NotImplementedError

    def clauses(self) -> tuple[Clause, ...]:
        named = self.named()
        return tuple(Clause(tuple(named[i][1] for i in picks), tuple(named[i][0] for i in picks), at_least)
                     for picks, at_least in self.pattern())

    def at(self, n: int) -> Requirement:
        """A requirement over ThresholdOfN families, instantiated at N = n."""
        return self.map(lambda family: family.at(n))

    def describe(self) -> str:
        return "; ".join(c.describe() for c in self.clauses())

    def prove(self, timeout_ms: float = 10_000):
        """Z3's verdict on this requirement (specs.quorum_z3.check): proved, or refuted with a witness."""
        from specs.quorum_z3 import check  # it imports this module

        return check(self, timeout_ms)


@dataclass(frozen=True, slots=True)
class Intersection(Requirement):
    """Every quorum of `first` meets every quorum of `second` (Paxos, Raft, Zab; Flexible Paxos phases)."""

    first: object
    second: object
    names: tuple[str, str] = ("quorum", "quorum")

    def named(self):
        if self.first == self.second and self.names[0] == self.names[1]:
            return ((self.names[0], self.first),)
        return ((self.names[0], self.first), (self.names[1], self.second))

    def pattern(self):
        return (((0, 0) if len(self.named()) == 1 else (0, 1), 1),)

    def map(self, fn):
        return Intersection(fn(self.first), fn(self.second), self.names)


@dataclass(frozen=True, slots=True)
class FastPaxosQuorums(Requirement):
    """Lamport's Fast Paxos quorum requirement for classic and fast quorums."""

    fast: object
    classic: object

    def named(self):
        return (("fast quorum", self.fast), ("classic quorum", self.classic))

    def pattern(self):
        return (((1, 1), 1), ((0, 0, 1), 1), ((0, 0, 0), 1))

    def map(self, fn):
        return FastPaxosQuorums(fn(self.fast), fn(self.classic))


@dataclass(frozen=True, slots=True)
class Byzantine(Requirement):
    """Any two quorums share at least f+1 servers, so at least one honest server."""

    quorums: object
    f: int

    def __post_init__(self) -> None:
        _check(self.f >= 0, "f must not be negative")

    def named(self):
        return (("quorum", self.quorums),)

    def pattern(self):
        return (((0, 0), self.f + 1),)

    def map(self, fn):
        return Byzantine(fn(self.quorums), self.f)

    def describe(self) -> str:
        return f"{self.clauses()[0].describe()} (f = {self.f}, so at least one of them is correct)"


@dataclass(frozen=True, slots=True)
class Reconfiguration(Requirement):
    """Configurations C1..Ck in order; any `in_flight` consecutive ones may run at once, so their quorums meet."""

    configs: tuple
    names: tuple[str, ...]
    in_flight: int = 2

    def named(self):
        return tuple((f"quorum of {name}", config) for name, config in zip(self.names, self.configs))

    def pattern(self):
        count = len(self.configs)
        return tuple(((i, j), 1) for i in range(count) for j in range(i, min(count, i + self.in_flight)))

    def map(self, fn):
        return Reconfiguration(tuple(map(fn, self.configs)), self.names, self.in_flight)

    def describe(self) -> str:
        together = "all" if self.in_flight >= len(self.configs) else f"any {self.in_flight} consecutive"
        return (f"a quorum of each configuration that can be active at once ({together} of "
                f"{', '.join(self.names)}) shares a server with every other such quorum")


# ----------------------------------------------------------------------------- constructors


def majority(n: int) -> Threshold:
    return Threshold(servers(n), n // 2 + 1)


def threshold(k: int, n: int) -> Threshold:
    return Threshold(servers(n), k)


def flexible(n: int, q1: int, q2: int) -> Intersection:
    """Flexible Paxos: only phase-1 and phase-2 quorums must meet."""
    return Intersection(threshold(q1, n), threshold(q2, n), ("phase-1 quorum", "phase-2 quorum"))


def weighted(weights: Mapping[str, int], threshold: int) -> Weighted:
    return Weighted(tuple(weights.items()), threshold)


def grid(rows: int, cols: int) -> Grid:
    """A full row plus a full column: any two such quorums meet."""
    return Grid(rows, cols)


def grid_phases(rows: int, cols: int) -> Intersection:
    """Flexible Paxos on a grid: a full row for phase 1, a full column for phase 2."""
    return Intersection(Grid(rows, cols, True, False), Grid(rows, cols, False, True),
                        ("phase-1 quorum", "phase-2 quorum"))


def explicit(quorums: Iterable[Iterable[str]], names: Sequence[str] | None = None) -> Explicit:
    """The listed sets as quorums, over `names` (default: every server some quorum mentions)."""
    sets = tuple(frozenset(q) for q in quorums)
    everyone = names if names is not None else sorted(frozenset().union(*sets), key=server_order)
    return Explicit(tuple(everyone), sets)


def fast_paxos(n: int, fast: int, classic: int) -> FastPaxosQuorums:
    return FastPaxosQuorums(threshold(fast, n), threshold(classic, n))


def byzantine(n: int, f: int, k: int | None = None) -> Byzantine:
    """Quorums of k of n servers (default the smallest size meeting in f+1: ceil((n+f+1)/2))."""
    return Byzantine(threshold((n + f + 2) // 2 if k is None else k, n), f)


def membership_change(old: int, new: int) -> Reconfiguration:
    """Raft single-server changes from s1..s<old> to s1..s<new>, one server at a time, all in flight at once.

    With |new - old| = 1 this is one single-server change, which is safe; more means changes overlap.
    """
    step = 1 if new >= old else -1
    sizes = range(old, new + step, step)
    names = tuple("C" if k == old else f"C{k - old:+d}" for k in sizes)
    return Reconfiguration(tuple(majority(k) for k in sizes), names, in_flight=len(names))


def disjoint_change(old: int, new: int) -> Reconfiguration:
    """A direct switch from s1..s<old> to <new> fresh servers, both configurations active."""
    return Reconfiguration((majority(old), Threshold(servers(new, old + 1), new // 2 + 1)), ("C", "C'"))


def joint_consensus(old: Sequence[str], new: Sequence[str]) -> Reconfiguration:
    """Raft joint consensus: C_old, then C_old,new, then C_new, each overlapping only its neighbours."""
    old, new = tuple(old), tuple(new)
    configs = (Threshold(old, len(old) // 2 + 1), JointMajority(old, new), Threshold(new, len(new) // 2 + 1))
    return Reconfiguration(configs, ("C_old", "C_old,new", "C_new"), in_flight=2)
