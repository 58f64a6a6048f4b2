"""`concord quorum ...`: check the intersection a quorum system must give, with Z3, from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from checker.quorum_render import render
from checker.quorum_z3 import PROVED, REFUTED, UNKNOWN, Result, check, check_all_n
from specs.quorum import (MAJORITY_OF_N, Byzantine, FastPaxos, Intersection, Requirement, ThresholdOfN,
                          byzantine, disjoint_change, explicit, grid, grid_phases, joint_consensus,
                          membership_change, server_order, servers, show, weighted)

EXIT_CODES = {PROVED: 0, REFUTED: 1}
PHASES = ("phase-1 quorum", "phase-2 quorum")


class UsageError(Exception):
    """Bad arguments or bad input; reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def main(argv: list[str]) -> int:
    """Run `concord quorum` with the words after `quorum`; 0 proved, 1 refuted, 2 unknown or bad input."""
    try:
        args = _parser().parse_args(["file", *argv] if argv and argv[0] not in KINDS and not argv[0].startswith("-")
                                    else argv)
        requirement = KINDS[args.kind](args)
        every_n = getattr(args, "all_n", False)
        if every_n:
            result = check_all_n(requirement, args.timeout)
        else:
            requirement = _at_n(requirement, args)
            result = check(requirement, args.timeout)
        print(report(result, requirement, every_n))
        _write_outputs(args, result, requirement)
    except SystemExit as done:  # --help
        return done.code or 0
    except (UsageError, ValueError) as error:
        print(f"concord: error: {error}", file=sys.stderr)
        return 2
    return EXIT_CODES.get(result.verdict, 2)


def report(result: Result, requirement: Requirement, every_n: bool = False) -> str:
    """The verdict, the requirement in words with its quorum families, the witness and the time."""
    scope = " for every N" if every_n and result.verdict == PROVED else ""
    at_n = f" at N = {result.n} (the smallest N that fails)" if result.n is not None else ""
    lines = [f"{result.verdict}{scope}{at_n} in {result.ms:.1f} ms", f"requirement: {result.requirement}"]
    lines += [f"  {label}: {family.describe()}" for label, family in requirement.named()]
    if result.witness is not None:
        shared = frozenset.intersection(*result.witness)
        if len(requirement.clauses()) > 1:
            lines.append(f"violated: {result.violated}")
        lines.append("witness:")
        lines += [f"  {chr(65 + i)}  {label:<16} {show(quorum)}"
                  for i, (label, quorum) in enumerate(zip(result.labels, result.witness))]
        lines.append(f"  in all of them: {show(shared) if shared else 'no server'}")
    elif result.verdict == UNKNOWN:
        lines.append(f"Z3 returned unknown on: {result.violated}")
    return "\n".join(lines)


def _write_outputs(args: argparse.Namespace, result: Result, requirement: Requirement) -> None:
    try:
        if args.json:
            families = [{"label": label, "quorum": family.describe()} for label, family in requirement.named()]
            Path(args.json).write_text(json.dumps({**result.to_json(), "families": families}, indent=2) + "\n")
        if args.render:
            written = render(result, Path(args.render))
            print(f"picture: {', '.join(map(str, written))}" if written else "picture: nothing to draw, no witness")
    except OSError as error:
        raise UsageError(f"cannot write {error.filename}: {error.strerror}") from None


# ----------------------------------------------------------------------------- arguments


def _size(text: str) -> ThresholdOfN:
    try:
        return ThresholdOfN.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    return int(text)


def _positive(text: str) -> int:
    if _count(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--json", metavar="OUT", help="also write the result as JSON to OUT")
    common.add_argument("--render", metavar="DIR", help="draw the witness as DIR/witness.dot (and .svg)")
    common.add_argument("--timeout", metavar="MS", type=_positive, default=10_000,
                        help="give up after MS milliseconds per Z3 query (verdict unknown); default 10000")
    parser = _Parser(prog="concord quorum", description="Prove with Z3 that quorums intersect as a protocol needs, "
                     "or show quorums that miss. Sizes may depend on N: 3, n-1, n/2+1 (division rounds down).")
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="{" + ",".join(KINDS) + "} | FILE.json")

    def kind(name: str, summary: str, parametric: bool) -> argparse.ArgumentParser:
        sub = kinds.add_parser(name, help=summary, description=summary, parents=[common])
        if parametric:
            how = sub.add_mutually_exclusive_group(required=True)
            how.add_argument("--n", type=_positive, help="number of servers")
            how.add_argument("--all-n", action="store_true", help="prove for every N, or find the smallest that fails")
        return sub

    kind("majority", "any two majorities meet (Paxos, Raft, Zab)", True)
    kind("threshold", "any two sets of k servers meet", True).add_argument("--k", type=_size, required=True)
    flexible = kind("flexible", "Flexible Paxos: phase-1 quorums meet phase-2 quorums", True)
    flexible.add_argument("--q1", type=_size, required=True, help="phase-1 quorum size")
    flexible.add_argument("--q2", type=_size, required=True, help="phase-2 quorum size")
    fast = kind("fast-paxos", "Fast Paxos: classic quorums meet; two fast quorums meet inside any quorum", True)
    fast.add_argument("--fast", type=_size, required=True, help="fast quorum size")
    fast.add_argument("--classic", type=_size, required=True, help="classic quorum size")
    reconfig = kind("reconfig", "membership change from s1..s<old> to s1..s<new>, one server at a time, "
                    "every step in flight at once (|new-old| = 1 is a single-server change)", False)
    reconfig.add_argument("--old", type=_positive, required=True, help="servers in the old configuration")
    reconfig.add_argument("--new", type=_positive, required=True, help="servers in the new configuration")
    reconfig.add_argument("--disjoint", action="store_true", help="the new configuration has fresh servers only")
    reconfig.add_argument("--joint", action="store_true", help="go through joint consensus C_old,new instead")
    rows_cols = kind("grid", "grid quorums: a full row plus a full column", False)
    rows_cols.add_argument("--rows", type=_positive, required=True)
    rows_cols.add_argument("--cols", type=_positive, required=True)
    rows_cols.add_argument("--phases", action="store_true", help="a full row for phase 1, a full column for phase 2")
    bft = kind("byzantine", "any two quorums share at least f+1 servers", False)
    bft.add_argument("--n", type=_positive, required=True, help="number of servers")
    bft.add_argument("--f", type=_count, required=True, help="faulty servers tolerated")
    bft.add_argument("--k", type=_size, help="quorum size (default: ceil((n+f+1)/2))")
    kind("file", "an explicit or weighted quorum system from a JSON file", False).add_argument("path")
    return parser


# ----------------------------------------------------------------------------- requirements from arguments


def _at_n(requirement: Requirement, args: argparse.Namespace) -> Requirement:
    """Fix N for a requirement over sizes, checking each size fits."""
    if args.kind not in PARAMETRIC:
        return requirement
    for flag in PARAMETRIC[args.kind]:
        _fits(flag, getattr(args, flag), args.n)
    return requirement.at(args.n)


def _fits(flag: str, size: ThresholdOfN, n: int) -> int:
    """The size at N = n, which must lie between 1 and n."""
    value = size.size(n)
    if not 1 <= value <= n:
        gives = "is" if size.scale == 0 else f"gives {value}, which is"
        raise UsageError(f"--{flag} {size} {gives} not between 1 and --n {n}")
    return value


def _majority(args):
    return Intersection(MAJORITY_OF_N, MAJORITY_OF_N)


def _threshold(args):
    return Intersection(args.k, args.k)


def _flexible(args):
    return Intersection(args.q1, args.q2, PHASES)


def _fast_paxos(args):
    return FastPaxos(args.fast, args.classic)


def _reconfig(args):
    if args.joint:
        return joint_consensus(servers(args.old), servers(args.new, args.old + 1 if args.disjoint else 1))
    return disjoint_change(args.old, args.new) if args.disjoint else membership_change(args.old, args.new)


def _grid(args):
    return grid_phases(args.rows, args.cols) if args.phases else Intersection(grid(args.rows, args.cols),
                                                                              grid(args.rows, args.cols))


def _byzantine(args):
    return byzantine(args.n, args.f, None if args.k is None else _fits("k", args.k, args.n))


def _file(args):
    path = Path(args.path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{path} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None
    try:
        return requirement_from_json(data)
    except ValueError as error:
        raise UsageError(f"{path}: {error}") from None


def requirement_from_json(data) -> Requirement:
    """Explicit {"servers", "quorums", "phase2"?, "f"?} or weighted {"weights", "threshold", "f"?}."""
    if not isinstance(data, dict) or not ({"quorums", "weights"} & data.keys()):
        raise ValueError('expected an object with "quorums" (explicit) or "weights" (weighted)')
    allowed = {"weights", "threshold", "f"} if "weights" in data else {"servers", "quorums", "phase2", "f"}
    if data.keys() - allowed:
        raise ValueError(f"unexpected keys {sorted(data.keys() - allowed)}; allowed here: {sorted(allowed)}")
    if "weights" in data:
        weights = data["weights"]
        if not (isinstance(weights, dict) and weights and _names(weights) and all(map(_is_count, weights.values()))):
            raise ValueError('"weights" must map server names to whole numbers of votes')
        if not _is_count(data.get("threshold")):
            raise ValueError('"threshold" must be a whole number')
        system = weighted(weights, data["threshold"])
    else:
        names = data.get("servers")
        if names is not None and not (isinstance(names, list) and _names(names)):
            raise ValueError('"servers" must be a list of server names')
        phase1 = _quorum_list(data, "quorums")
        phase2 = _quorum_list(data, "phase2") if "phase2" in data else None
        everyone = names if names is not None else sorted(
            frozenset().union(*phase1, *(phase2 or [])), key=server_order)
        system = explicit(phase1, everyone)
        if phase2 is not None:
            if "f" in data:
                raise ValueError('"f" and "phase2" cannot be combined')
            return Intersection(system, explicit(phase2, everyone), PHASES)
    if "f" in data:
        if not _is_count(data["f"]):
            raise ValueError('"f" must be a whole number')
        return Byzantine(system, data["f"])
    return Intersection(system, system)


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _names(values) -> bool:
    return all(isinstance(v, str) and v for v in values)


def _quorum_list(data: dict, key: str) -> list[list[str]]:
    value = data[key]
    if not (isinstance(value, list) and value and all(isinstance(q, list) and _names(q) for q in value)):
        raise ValueError(f'"{key}" must be a non-empty list of lists of server names')
    return value


KINDS = {"majority": _majority, "threshold": _threshold, "flexible": _flexible, "fast-paxos": _fast_paxos,
         "reconfig": _reconfig, "grid": _grid, "byzantine": _byzantine, "file": _file}
PARAMETRIC = {"majority": (), "threshold": ("k",), "flexible": ("q1", "q2"), "fast-paxos": ("fast", "classic")}
