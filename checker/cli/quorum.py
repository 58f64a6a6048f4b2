"""`concord quorum ...`: check the intersection a quorum system must give, with Z3, from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from specs.quorum import (
    MAJORITY_OF_N,
    Byzantine,
    FastPaxosQuorums,
    Intersection,
    Reconfiguration,
    Requirement,
    ThresholdOfN,
    byzantine,
    disjoint_change,
    explicit,
    grid,
    grid_phases,
    joint_consensus,
    membership_change,
    server_order,
    servers,
    show,
    weighted,
)
from specs.quorum_z3 import (
    PROVED,
    REFUTED,
    UNKNOWN,
    Interrupted,
    Result,
    check,
    check_all_n,
)

from ..files import WriteError, write_atomic
from ..render.quorum import render

EXIT_ERROR, EXIT_INCOMPLETE = 2, 3
EXIT_CODES = {PROVED: 0, REFUTED: 1, UNKNOWN: EXIT_INCOMPLETE}
PHASES = ("phase-1 quorum", "phase-2 quorum")

# Bounds on the input, so that building the encoding cannot exhaust memory or outlast --timeout by much:
# beyond them Z3's own phases may ignore an interrupt for many seconds (docs/quorums.md).
MAX_SERVERS = 500  # servers of a system; also bounds every count and every number in a size
MAX_CONFIGS = 100  # configurations a reconfig goes through, |new - old| + 1
MAX_QUORUMS = 10_000  # quorums listed in a file
MAX_MEMBERS = 100_000  # server names in the quorums of a file, counted with repeats
MAX_NAME = 100  # characters of a server name
MAX_VOTES = 10**9  # total weight of a weighted system
MAX_FILE_BYTES = 10_000_000  # size of a quorum file
MAX_TIMEOUT_MS = 86_400_000  # one day

EPILOG = (f"Exit codes: 0 proved, 1 refuted (with a witness), 2 bad usage or input, 3 unknown (--timeout ran out) "
          f"or interrupted. Limits: {MAX_SERVERS:,} servers, {MAX_CONFIGS} configurations for reconfig, "
          f"{MAX_QUORUMS:,} listed quorums holding {MAX_MEMBERS:,} names in all, {MAX_VOTES:,} votes, "
          f"files of {MAX_FILE_BYTES:,} bytes, --timeout up to {MAX_TIMEOUT_MS:,} ms.")


class UsageError(Exception):
    """Bad arguments or bad input; reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def main(argv: list[str]) -> int:
    """Run `concord quorum` with the words after `quorum`; 0 proved, 1 refuted, 2 bad input, 3 unknown/interrupted."""
    try:
        return _run(argv)
    except SystemExit as done:  # --help
        return done.code or 0
    except (UsageError, ValueError) as error:
        return _fail(f"concord: error: {error}", EXIT_ERROR)
    except KeyboardInterrupt:
        return _fail("concord: interrupted", EXIT_INCOMPLETE)
    except MemoryError:
        return _fail("concord: error: out of memory: check a smaller system", EXIT_ERROR)
    except RecursionError:
        return _fail("concord: error: input nested too deeply", EXIT_ERROR)
    except Exception as error:  # a bug of ours: still one line
        return _fail(f"concord: error: internal error: {type(error).__name__}: {error}", EXIT_ERROR)


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(["file", *argv] if argv and argv[0] not in KINDS and not argv[0].startswith("-")
                                else argv)
    _check_outputs(args)
    requirement = KINDS[args.kind](args)
    every_n = getattr(args, "all_n", False)
    if not every_n:
        requirement = _at_n(requirement, args)
    try:
        result = check_all_n(requirement, args.timeout, MAX_SERVERS) if every_n else check(requirement, args.timeout)
    except Interrupted as stop:  # what was known when Ctrl-C came; main reports the interrupt
        print(report(stop.result, requirement, every_n))
        raise
    print(report(result, requirement, every_n))
    _write_outputs(args, result, requirement)
    return EXIT_CODES[result.verdict]


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
        lines += [f"proved before it stopped: {clause}" for clause in result.settled]
        lines += [f"undecided: {result.violated}"] if result.violated else []
        lines.append(f"why: {result.why}")
    return "\n".join(lines)


def _fail(line: str, code: int) -> int:
    """One line on standard error (none if it is closed too), and the exit code."""
    try:
        print(" ".join(line.splitlines()), file=sys.stderr, flush=True)
    except OSError:
        pass
    return code


def _check_outputs(args: argparse.Namespace) -> None:
    for flag, path in (("--json", args.json), ("--render", args.render)):
        if path is not None and not path.strip():
            raise UsageError(f"{flag} needs a file name, got an empty one")


def _write_outputs(args: argparse.Namespace, result: Result, requirement: Requirement) -> None:
    """The --json file and the --render picture, each written whole or not at all."""
    try:
        if args.json:
            families = [{"label": label, "quorum": family.describe()} for label, family in requirement.named()]
            write_atomic(Path(args.json), json.dumps({**result.to_json(), "families": families}, indent=2) + "\n")
        if args.render:
            written = render(result, Path(args.render))
            print(f"picture: {', '.join(map(str, written))}" if written else "picture: nothing to draw, no witness")
    except WriteError as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"cannot write {error.filename}: {error.strerror or error}") from None


# ----------------------------------------------------------------------------- arguments


def _size(text: str) -> ThresholdOfN:
    if len(text) > 40:
        raise argparse.ArgumentTypeError(f"expected a size like 3, n-1 or n/2+1, got {len(text)} characters")
    try:
        size = ThresholdOfN.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if max(size.scale, size.divisor, abs(size.offset)) > MAX_SERVERS:
        raise argparse.ArgumentTypeError(f"size {text!r}: its numbers must be at most {MAX_SERVERS:,}")
    return size


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    if len(text) > 9 or int(text) > MAX_SERVERS:
        raise argparse.ArgumentTypeError(f"expected a whole number of at most {MAX_SERVERS:,}, got {text}")
    return int(text)


def _positive(text: str) -> int:
    if _count(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _milliseconds(text: str) -> float:
    try:
        ms = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of milliseconds, got {text!r}") from None
    if not 0 < ms <= MAX_TIMEOUT_MS:  # also refuses nan
        raise argparse.ArgumentTypeError(f"expected milliseconds above 0 and at most {MAX_TIMEOUT_MS:,}, got {text!r}")
    return ms


def _parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--json", metavar="OUT", help="also write the result as JSON to OUT")
    common.add_argument("--render", metavar="DIR", help="draw the witness as DIR/witness.dot (and .svg)")
    common.add_argument("--timeout", metavar="MS", type=_milliseconds, default=10_000,
                        help="give up after MS milliseconds in all, across every Z3 query (verdict unknown, "
                             "exit 3); default 10000")
    parser = _Parser(prog="concord quorum", description="Prove with Z3 that quorums intersect as a protocol needs, "
                     "or show quorums that miss. Sizes may depend on N: 3, n-1, n/2+1 (division rounds down).",
                     epilog=EPILOG)
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="{" + ",".join(KINDS) + "} | FILE.json")

    def kind(name: str, summary: str, parametric: bool) -> argparse.ArgumentParser:
        sub = kinds.add_parser(name, help=summary, description=summary, parents=[common], epilog=EPILOG)
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
    return FastPaxosQuorums(args.fast, args.classic)


def _reconfig(args):
    if abs(args.new - args.old) + 1 > MAX_CONFIGS:
        raise UsageError(f"--old {args.old} --new {args.new} goes through more than {MAX_CONFIGS} configurations")
    if args.disjoint and args.old + args.new > MAX_SERVERS:
        raise UsageError(f"--old {args.old} --new {args.new} --disjoint needs more than {MAX_SERVERS:,} servers")
    if args.joint:
        return joint_consensus(servers(args.old), servers(args.new, args.old + 1 if args.disjoint else 1))
    return disjoint_change(args.old, args.new) if args.disjoint else membership_change(args.old, args.new)


def _grid(args):
    if args.rows * args.cols > MAX_SERVERS:
        raise UsageError(f"a {args.rows}x{args.cols} grid has more than {MAX_SERVERS:,} servers")
    return grid_phases(args.rows, args.cols) if args.phases else Intersection(grid(args.rows, args.cols),
                                                                              grid(args.rows, args.cols))


def _byzantine(args):
    return byzantine(args.n, args.f, None if args.k is None else _fits("k", args.k, args.n))


def _file(args):
    path = Path(args.path)
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise UsageError(f"{path} is larger than {MAX_FILE_BYTES:,} bytes")
    return requirement_from_bytes(raw, str(path))


def requirement_from_bytes(raw: bytes, name: str = "the quorum file") -> Requirement:
    """The requirement in a JSON quorum file's bytes; any bad content raises UsageError (naming `name`), only that."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"{name} is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{name} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
    except RecursionError:
        raise UsageError(f"{name} is nested too deeply") from None
    except ValueError as error:  # a number with more digits than Python converts
        raise UsageError(f"{name} is not valid JSON: {error}") from None
    try:
        return requirement_from_json(data)
    except ValueError as error:
        raise UsageError(f"{name}: {error}") from None


FORMS = {  # what a quorum file may hold: the key that names the form, and every key allowed with it
    "weights": {"weights", "threshold", "f"},
    "fast": {"servers", "fast", "classic"},
    "configs": {"servers", "configs", "in_flight"},
    "quorums": {"servers", "quorums", "phase2", "f"},
}


def requirement_from_json(data) -> Requirement:
    """One requirement from a quorum file's object, each quorum system given by its quorums listed:
    explicit {"servers"?, "quorums", "phase2"?, "f"?}, weighted {"weights", "threshold", "f"?}, Fast Paxos
    {"servers"?, "fast", "classic"} or a reconfiguration {"servers"?, "configs", "in_flight"?}.

    Raises ValueError, with one line saying what is wrong, for anything else.
    """
    if not isinstance(data, dict) or not (FORMS.keys() & data.keys()):
        raise ValueError('expected an object with "quorums" (explicit), "weights" (weighted), "fast" and "classic" '
                         '(Fast Paxos) or "configs" (a reconfiguration)')
    form = next(key for key in FORMS if key in data)
    allowed = FORMS[form]
    if data.keys() - allowed:
        unexpected = ", ".join(_brief(key) for key in sorted(data.keys() - allowed)[:5])
        raise ValueError(f"unexpected keys {unexpected}; allowed here: {', '.join(sorted(allowed))}")
    if "f" in data and not _is_count(data["f"], MAX_SERVERS):
        raise ValueError(f'"f" must be a whole number of at most {MAX_SERVERS:,}')
    if form == "weights":
        system = _weighted(data)
        return Byzantine(system, data["f"]) if "f" in data else Intersection(system, system)
    names = data.get("servers")
    if names is not None and not (isinstance(names, list) and len(names) <= MAX_SERVERS and _names(names)):
        raise ValueError(f'"servers" must be a list of at most {MAX_SERVERS:,} server names')
    if form == "fast":
        if "classic" not in data:
            raise ValueError('"fast" needs "classic": the classic quorums beside the fast ones')
        fast, classic = _quorum_list(data, "fast"), _quorum_list(data, "classic")
        everyone = _everyone(names, fast, classic)
        return FastPaxosQuorums(explicit(fast, everyone), explicit(classic, everyone))
    if form == "configs":
        configs = data["configs"]
        if not (isinstance(configs, list) and 0 < len(configs) <= MAX_CONFIGS):
            raise ValueError(f'"configs" must be a list of 1 to {MAX_CONFIGS} configurations, each a list of quorums')
        lists = [_quorum_list({"configs": c}, "configs") for c in configs]
        if sum(len(q) for quorums in lists for q in quorums) > MAX_MEMBERS:
            raise ValueError(f'the quorums of "configs" name more than {MAX_MEMBERS:,} servers in all')
        in_flight = data.get("in_flight", 2)
        if not (_is_count(in_flight, MAX_CONFIGS) and in_flight >= 1):
            raise ValueError('"in_flight" must be a whole number of configurations, at least 1')
        everyone = _everyone(names, *lists)
        return Reconfiguration(tuple(explicit(q, everyone) for q in lists),
                               tuple(f"C{i}" for i in range(1, len(lists) + 1)), in_flight)
    phase1 = _quorum_list(data, "quorums")
    phase2 = _quorum_list(data, "phase2") if "phase2" in data else None
    system = explicit(phase1, _everyone(names, phase1, phase2 or []))
    if phase2 is not None:
        if "f" in data:
            raise ValueError('"f" and "phase2" cannot be combined')
        return Intersection(system, explicit(phase2, _everyone(names, phase1, phase2)), PHASES)
    if "f" in data:
        return Byzantine(system, data["f"])
    return Intersection(system, system)


def _everyone(names: list | None, *quorum_lists) -> list:
    """The servers: those named, or else every server some quorum lists."""
    everyone = names if names is not None else sorted(
        frozenset().union(*(q for lists in quorum_lists for q in lists)), key=server_order)
    if len(everyone) > MAX_SERVERS:
        raise ValueError(f"the quorums name more than {MAX_SERVERS:,} servers")
    return everyone


def _weighted(data: dict):
    weights = data["weights"]
    if not (isinstance(weights, dict) and 0 < len(weights) <= MAX_SERVERS and _names(weights)
            and all(_is_count(w, MAX_VOTES) for w in weights.values())):
        raise ValueError(f'"weights" must map 1 to {MAX_SERVERS:,} server names to whole numbers of votes')
    if sum(weights.values()) > MAX_VOTES:
        raise ValueError(f'the "weights" add up to more than {MAX_VOTES:,} votes')
    if not _is_count(data.get("threshold"), MAX_VOTES):
        raise ValueError('"threshold" must be a whole number')
    return weighted(weights, data["threshold"])


def _is_count(value, most: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= most


def _names(values) -> bool:
    """Whether every value is a server name: printable text, 1 to MAX_NAME characters."""
    return all(isinstance(v, str) and 0 < len(v) <= MAX_NAME and v.isprintable() for v in values)


def _brief(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _quorum_list(data: dict, key: str) -> list[list[str]]:
    value = data[key]
    if not (isinstance(value, list) and 0 < len(value) <= MAX_QUORUMS
            and all(isinstance(q, list) and _names(q) for q in value)):
        raise ValueError(f'"{key}" must be a list of 1 to {MAX_QUORUMS:,} lists of server names')
    if sum(map(len, value)) > MAX_MEMBERS:
        raise ValueError(f'the quorums of "{key}" name more than {MAX_MEMBERS:,} servers in all')
    return value


KINDS = {"majority": _majority, "threshold": _threshold, "flexible": _flexible, "fast-paxos": _fast_paxos,
         "reconfig": _reconfig, "grid": _grid, "byzantine": _byzantine, "file": _file}
PARAMETRIC = {"majority": (), "threshold": ("k",), "flexible": ("q1", "q2"), "fast-paxos": ("fast", "classic")}
