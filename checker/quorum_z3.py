"""Z3 checks of quorum requirements: a proof for one N or for every N, or witness quorums that break it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from time import perf_counter

import z3

from specs.quorum import Clause, Quorum, Requirement, server_order

PROVED, REFUTED, UNKNOWN = "proved", "refuted", "unknown"


@dataclass(frozen=True, slots=True)
class Result:
    """The answer to one check; `witness` holds one quorum per label when the verdict is refuted."""

    verdict: str
    requirement: str
    witness: tuple[Quorum, ...] | None
    seconds: float
    labels: tuple[str, ...] = ()
    violated: str = ""
    servers: tuple[str, ...] = ()
    n: int | None = None

    @property
    def ms(self) -> float:
        return self.seconds * 1000

    def to_json(self) -> dict:
        quorums = None if self.witness is None else [
            {"label": label, "servers": sorted(q, key=server_order)} for label, q in zip(self.labels, self.witness)]
        return {"verdict": self.verdict, "requirement": self.requirement, "violated": self.violated or None,
                "witness": quorums, "n": self.n, "servers": list(self.servers), "ms": round(self.ms, 3)}


def check(requirement: Requirement, timeout_ms: int = 10_000) -> Result:
    """Prove `requirement` for its concrete quorum families, or return quorums that violate it."""
    start = perf_counter()
    everyone = _servers(requirement)
    for clause in requirement.clauses():
        if _counting_rules_out(clause, everyone, timeout_ms):
            continue
        answer, witness = _find_violation(clause, everyone, timeout_ms)
        if answer == z3.sat:
            return Result(REFUTED, requirement.describe(), _shrink(clause, witness), perf_counter() - start,
                          clause.labels, clause.describe(), everyone)
        if answer == z3.unknown:
            return Result(UNKNOWN, requirement.describe(), None, perf_counter() - start,
                          violated=clause.describe(), servers=everyone)
    return Result(PROVED, requirement.describe(), None, perf_counter() - start, servers=everyone)


def check_all_n(requirement: Requirement, timeout_ms: int = 10_000) -> Result:
    """Prove a requirement over ThresholdOfN families for every N, or refute it at the smallest failing N.

    Raises ValueError when no N gives every family a size between 1 and N.
    """
    start = perf_counter()
    sizes = [family for _, family in requirement.named()]
    answer, first = _least_n(sizes, None, None, timeout_ms)
    if answer != z3.sat:
        raise ValueError("no N makes every quorum size lie between 1 and N")
    text = f"for every N >= {first}: {requirement.describe()}"
    smallest = None
    for clause in requirement.clauses():
        answer, n = _least_n(sizes, clause, smallest, timeout_ms)
        if answer == z3.unknown:
            return Result(UNKNOWN, text, None, perf_counter() - start, violated=clause.describe())
        smallest = n if answer == z3.sat else smallest
    if smallest is None:
        return Result(PROVED, text, None, perf_counter() - start)
    concrete = check(requirement.at(smallest), timeout_ms)
    return Result(concrete.verdict, text, concrete.witness, perf_counter() - start,
                  concrete.labels, concrete.violated, concrete.servers, smallest)


def _servers(requirement: Requirement) -> tuple[str, ...]:
    names = (s for _, family in requirement.named() for s in family.servers)
    return tuple(sorted(dict.fromkeys(names), key=server_order))


def _counting_rules_out(clause: Clause, everyone: tuple[str, ...], timeout_ms: int) -> bool:
    """Whether quorum sizes alone forbid a violation (unsat is a proof: the constraints are implied ones)."""
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    kinds = Counter(frozenset(i for i, f in enumerate(clause.families) if s in f.servers) for s in everyone)
    _add_venn_counts(solver, clause, list(kinds.items()), [f.least_size() for f in clause.families])
    return solver.check() == z3.unsat


def _find_violation(clause: Clause, everyone: tuple[str, ...], timeout_ms: int):
    """Ask Z3 for one quorum per family with fewer than `at_least` common servers."""
    solver = z3.SolverFor("QF_FD")
    solver.set("timeout", timeout_ms)
    picks = [{s: z3.Bool(f"q{i}_{s}") for s in everyone} for i in range(len(clause.families))]
    for family, member in zip(clause.families, picks):
        solver.add(family.constraint(member))
        solver.add(*(z3.Not(member[s]) for s in everyone if s not in family.servers))
    in_all = [z3.And(*(member[s] for member in picks)) for s in everyone]
    if clause.at_least == 1:
        solver.add(*(z3.Not(shared) for shared in in_all))
    else:
        solver.add(z3.AtMost(*in_all, clause.at_least - 1))
    answer = solver.check()
    if answer != z3.sat:
        return answer, None
    model = solver.model()
    return answer, tuple(frozenset(s for s in everyone if z3.is_true(model.eval(member[s], model_completion=True)))
                         for member in picks)


def _shrink(clause: Clause, witness: tuple[Quorum, ...]) -> tuple[Quorum, ...]:
    """Drop servers from the witness quorums while they stay quorums (the overlap only shrinks)."""
    quorums = list(witness)
    for i, family in enumerate(clause.families):
        for server in sorted(quorums[i], key=server_order, reverse=True):
            if family.contains(quorums[i] - {server}):
                quorums[i] -= {server}
    return tuple(quorums)


def _least_n(sizes: list, clause: Clause | None, below: int | None, timeout_ms: int):
    """The least N where every size lies in 1..N and, given a clause, the counting argument admits a violation."""
    solver = z3.Optimize()
    solver.set("timeout", timeout_ms)
    n = z3.Int("N")
    solver.add(n >= 1, *(z3.And(1 <= f.size_z3(n), f.size_z3(n) <= n) for f in sizes))
    if below is not None:
        solver.add(n < below)
    if clause is not None:
        everywhere = frozenset(range(len(clause.families)))
        _add_venn_counts(solver, clause, [(everywhere, n)], [f.size_z3(n) for f in clause.families])
    solver.minimize(n)
    answer = solver.check()
    return answer, solver.model()[n].as_long() if answer == z3.sat else None


def _add_venn_counts(solver, clause: Clause, kinds: list, least: list) -> None:
    """Integer counts of servers in each Venn region of the clause's quorums (one quorum per family).

    `kinds` pairs a set of family indexes with the number of servers that exactly those families
    range over; `least` is each family's minimum quorum size. The violation: fewer than `at_least`
    servers lie in all the quorums.
    """
    every = 2 ** len(clause.families) - 1
    regions = []
    for families, size in kinds:
        counts = [(mask, z3.Int(f"r_{sorted(families)}_{mask}")) for mask in range(1, every + 1)
                  if all(i in families for i in range(len(clause.families)) if mask >> i & 1)]
        solver.add(*(count >= 0 for _, count in counts), z3.Sum(0, *(count for _, count in counts)) <= size)
        regions += counts
    for i, minimum in enumerate(least):
        solver.add(z3.Sum(0, *(count for mask, count in regions if mask >> i & 1)) >= minimum)
    solver.add(z3.Sum(0, *(count for mask, count in regions if mask == every)) <= clause.at_least - 1)
