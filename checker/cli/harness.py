"""`concord harness etcd`: record a real 3-node etcd cluster's history under faults and check it for linearizability."""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from specs.consistency import Budget, CheckResult, check
from specs.history import show

from ..files import WriteError, make_directory, write_atomic
from ..harness import FAULTS, Fault, HarnessError, RunResult, can_use_iptables, edn_text, json_text, run
from ..render.history import render_window
from ..result import EXIT_ERROR, EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATION
from ._args import Parser, positive
from ._output import error_line as _error
from ._output import say as _say
from .registry import UsageError



def main(argv: list[str]) -> int:
    """Run `concord harness` on the words after `harness`: 0 the history is linearizable, 1 it is not, 2 an error
    (bad usage, no etcd, partitions without root), 3 interrupted or undecided."""
    try:
        return _run(argv)
    except KeyboardInterrupt:
        _say("concord: interrupted")
        return EXIT_INCOMPLETE


def _run(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.system is None:
            raise UsageError("choose the system to test: etcd or redis-lock (see 'concord harness --help')")
        if args.system == "redis-lock":
            return _redis_lock(args)
        faults = _faults(args.faults)
    except UsageError as error:
        return _error(str(error))
    except SystemExit as stop:  # --help
        return stop.code if isinstance(stop.code, int) else EXIT_ERROR
    if shutil.which(args.etcd) is None:
        return _error(f"etcd not found: {args.etcd!r} is not an executable on PATH (Debian: apt-get install "
                      "etcd-server; or give --etcd PATH)")
    if "partition" in faults and not can_use_iptables():
        return _error("--faults partition needs root and iptables (to cut loopback addresses apart): run as root, "
                      "or use --faults pause,kill")
    out = Path(args.out or time.strftime("concord-etcd-%Y%m%d-%H%M%S"))
    created = not out.exists()
    try:
        make_directory(out / "logs")
    except WriteError as error:
        return _error(str(error))
    progress = None if args.quiet else _say
    try:
        result = run(reads=args.reads, clients=args.clients, ops=args.ops, keys=args.keys,
                     time_limit=args.time_limit, seed=args.seed, faults=faults, etcd=args.etcd,
                     logs=str(out / "logs"), progress=progress)
    except HarnessError as error:
        if created and not any((out / "logs").iterdir()):  # nothing started: leave no empty directory
            shutil.rmtree(out, ignore_errors=True)
        return _error(str(error))
    if result.interrupted:
        _say(f"concord: {result.interrupted}: checking the {len(result.records)} operations recorded so far")
    for rule in result.left_behind:
        _say(f"concord: warning: an iptables rule is left behind: iptables {rule}")
    try:
        return _judge(result, args, faults, out)
    except WriteError as error:
        return _error(str(error))
    except OSError as error:
        return _error(f"cannot write {error.filename or out}: {error.strerror or error}")


def _redis_lock(args: argparse.Namespace) -> int:
    """`concord harness redis-lock`: the pause schedule on real Redis; 0 every property holds, 1 one is broken."""
    try:
        from ..harness import redis_lock

        result = redis_lock.run(servers=args.servers, fencing=args.fencing, ttl=args.ttl)
    except ImportError as error:
        return _error(f"{error.name or error}: not installed (pip install 'concord[harness]')")
    except (FileNotFoundError, TimeoutError) as error:
        return _error(str(error))
    lock = "redis-py's Lock on 1 server" if args.servers == 1 else "pottery's Redlock on 3 servers"
    print(f"Redis lock, {lock}, TTL {args.ttl:g} s, {'with' if args.fencing else 'without'} fencing tokens")
    print(result.timeline())
    for name, ok in result.verdicts.items():
        print(f"{name}: {'holds' if ok else 'VIOLATED'}")
    return EXIT_OK if result.ok else EXIT_VIOLATION


def _judge(result: RunResult, args: argparse.Namespace, faults: list[str], out: Path) -> int:
    """Write the history, check it, write the report and the picture; the exit code."""
    write_atomic(out / "history.edn", edn_text(result.records, result.faults))
    write_atomic(out / "history.json", json_text(result.records, result.faults))
    write_atomic(out / "faults.txt", "".join(f"{fault}\n" for fault in result.faults) or "no faults\n")
    history = result.history
    started = time.monotonic()
    verdict = check(history, "linearizable", "kv", budget=Budget())
    seconds = time.monotonic() - started
    written = ["report.txt", "history.edn", "history.json", "faults.txt"]
    if verdict.ok is False and verdict.core:
        title = f"etcd, {result.reads} reads: not linearizable: {verdict.reason} (highlighted)"
        written += [path.name for path in render_window(verdict.window, verdict.core, title, out, "history")]
    report = _report(result, args, faults, verdict, seconds)
    write_atomic(out / "report.txt", report)
    tally = result.counts
    print(verdict.text() if verdict.operations else "UNKNOWN: no operation completed")
    if result.interrupted:
        print(f"(a partial history: the run was {result.interrupted} after {result.duration:.1f} s)")
    print(f"{len(result.records)} operations in {result.duration:.1f} s ({result.ops_per_second:.1f} ops/s): "
          f"{tally['ok']} ok, {tally['fail']} fail, {tally['info']} info; {len(result.faults)} fault events; "
          f"checked in {seconds:.3f} s")
    print(f"wrote {', '.join(str(out / name) for name in written)}")
    if verdict.ok is False:
        return EXIT_VIOLATION
    if result.interrupted or verdict.ok is None or not verdict.operations:
        return EXIT_INCOMPLETE
    return EXIT_OK


def _report(result: RunResult, args: argparse.Namespace, faults: list[str], verdict: CheckResult,
            seconds: float) -> str:
    """report.txt: the configuration, the figures, the faults with their times, the verdict, and where and when
    the operations that cannot be ordered ran."""
    tally = result.counts
    nodes = ", ".join(f"{name} {address}" for name, address in result.nodes.items())
    stopped = f", {result.interrupted}: a partial history" if result.interrupted else ""
    lines = [
        "concord harness etcd",
        f"etcd: {result.etcd_version}; nodes {nodes}",
        f"configuration: {result.reads} reads, {args.clients} clients (client i on node i mod 3), {args.keys} keys, "
        f"time limit {args.time_limit:g} s, at most {args.ops} operations, faults {','.join(faults) or 'none'}, "
        f"seed {result.seed}",
        f"data directory: {result.data_dir or '-'} (removed)",
        f"run: {result.duration:.1f} s{stopped}",
        f"operations: {len(result.records)} ({tally['ok']} ok, {tally['fail']} fail, {tally['info']} info), "
        f"{result.ops_per_second:.1f} ops/s",
        "",
        "faults (seconds since the workload began):",
        *([f"  {fault}" for fault in result.faults] or ["  none"]),
        "",
        f"verdict (checked in {seconds:.3f} s):",
        verdict.text() if verdict.operations else "UNKNOWN: no operation completed",
    ]
    if verdict.ok is False and verdict.core:
        lines += ["", "where the operations that cannot be ordered ran:"]
        served_by = {(record.process, record.call): record.node for record in result.records}
        for op in verdict.core:
            during = _active(result.faults, op.call)
            ended = "never returned" if op.ret is None else f"returned {op.ret:.3f} s"
            context = "during " + "; ".join(during) if during else "no fault"
            lines.append(f"  client {show(op.process)} on {served_by.get((op.process, op.call), '?')}: {op} "
                         f"(called {op.call:.3f} s, {ended}; {context})")
    return "\n".join(lines) + "\n"


def _active(faults: list[Fault], moment: float) -> list[str]:
    """The faults in effect at `moment`, as `partition: n2 isolated from n1, n3 (since 2.080 s)`."""
    undone_by = {"resume": "pause", "restart": "kill"}
    active: dict[tuple[str, str], Fault] = {}
    for fault in faults:
        if fault.time > moment:
            break
        node = fault.description.split()[0]
        if fault.kind == "heal":
            active = {key: value for key, value in active.items() if key[0] != "partition"}
        elif fault.kind in undone_by:
            active.pop((undone_by[fault.kind], node), None)
        else:
            active[fault.kind, node] = fault
    return [f"{fault.kind}: {fault.description} (since {fault.time:.3f} s)" for fault in active.values()]


def _parser() -> Parser:
    parser = Parser(prog="concord harness",
                    description="Run a real system under faults, record its history, and check it.",
                    epilog="exit status: 0 linearizable, 1 not (the failing operations are printed and drawn), "
                           "2 an error (bad usage, no etcd, partitions without root), 3 interrupted or undecided")
    systems = parser.add_subparsers(dest="system", metavar="SYSTEM", parser_class=Parser)
    etcd = systems.add_parser(
        "etcd", help="a 3-node etcd cluster on 127.0.0.11-13, through its v3 JSON gateway",
        description="Start 3 etcd processes (127.0.0.11, .12, .13; ports 2379 and 2380), run clients that read, "
                    "write and compare-and-set a few keys while a nemesis injects faults, then check the history "
                    "for linearizability (kv model). Partitions need root (iptables).",
        epilog="writes DIR/history.edn (Jepsen EDN), history.json, faults.txt, report.txt, logs/, and "
               "history.svg (the operations that cannot be ordered) when the history is not linearizable")
    etcd.add_argument("--reads", choices=("linearizable", "serializable"), default="linearizable",
                      help="linearizable (default: a quorum read) or serializable (a node's own state)")
    etcd.add_argument("--clients", type=positive, default=5, metavar="N", help="client threads (default 5)")
    etcd.add_argument("--ops", type=positive, default=2000, metavar="N",
                      help="at most N operations, spread over the time limit (default 2000)")
    etcd.add_argument("--keys", type=positive, default=3, metavar="N", help="keys the clients share (default 3)")
    etcd.add_argument("--time-limit", type=_seconds, default=30.0, metavar="S",
                      help="run for S seconds (default 30)")
    etcd.add_argument("--seed", type=_seed, metavar="N", help="seed of the random choices (default: random)")
    etcd.add_argument("--faults", default="partition", metavar="LIST",
                      help="comma-separated: partition, pause, kill (default partition; '' for none)")
    etcd.add_argument("--out", metavar="DIR", type=_directory,
                      help="directory for the results (default ./concord-etcd-<time>)")
    etcd.add_argument("--etcd", default="etcd", metavar="PATH", help="the etcd binary (default: etcd on PATH)")
    etcd.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    lock = systems.add_parser(
        "redis-lock", help="Redis locks under a pause: a holder stopped past its TTL writes after the next one",
        description="Start redis-server on 127.0.0.1 (1, or 3 for Redlock), let client c1 take the lock and pause "
                    "it (SIGSTOP) past the TTL while c2 takes the lock and writes, resume c1, and judge the grants "
                    "and the storage's writes by specs/mutex.py (SafeWrites, MutualExclusion).",
        epilog="exit status: 0 every property holds, 1 one is violated (the timeline shows it), 2 an error")
    lock.add_argument("--servers", type=int, choices=(1, 3), default=1,
                      help="1 (redis-py's Lock, default) or 3 (pottery's Redlock)")
    lock.add_argument("--fencing", action="store_true",
                      help="fencing tokens: the storage refuses a token below the highest it accepted")
    lock.add_argument("--ttl", type=_seconds, default=1.0, metavar="S", help="the lock's time to live (default 1)")
    return parser


def _faults(text: str) -> list[str]:
    faults = [word.strip() for word in text.split(",") if word.strip()]
    for fault in faults:
        if fault not in FAULTS:
            raise UsageError(f"--faults: unknown fault {fault!r}: expected a comma-separated list of "
                             f"{', '.join(FAULTS)}, or '' for none")
    return sorted(set(faults), key=faults.index)


def _seconds(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not (0 < number < 86_400):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds (under a day), got {text!r}")
    return number


def _seed(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a seed of 0 or more, got {number}")
    return number


def _directory(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a directory name, not ''")
    return text
