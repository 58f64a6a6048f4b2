"""The ``concord`` command: one parser, one error path and one interrupt rule for every subcommand."""

from __future__ import annotations

import argparse
import signal
import sys
import traceback

from ..files import WriteError, guard_stdout
from ..fingerprint import reexec_with_stable_hashing
from ..model import ModelError
from ..parallel import ClusterError
from ..result import EXIT_ERROR, EXIT_INCOMPLETE
from . import check, graph, render, show
from ._args import Parser
from .registry import UsageError

__all__ = ["main", "run"]

DELEGATED = {
    "quorum": ("checker.cli.quorum", "prove or refute quorum intersection with Z3"),
    "lin": ("checker.cli.lin", "check a recorded history for linearizability"),
    "harness": ("checker.cli.harness", "run etcd under faults, record its history and check it"),
}

# name -> (help, add its arguments, run it)
COMMANDS = {
    "check": (check.HELP, check.arguments, check.run),
    "resume": (check.RESUME_HELP, check.resume_arguments, check.run_resume),
    "list": (show.LIST_HELP, None, show.run_list),
    "show": (show.SHOW_HELP, show.show_arguments, show.run_show),
    "render": (render.HELP, render.arguments, render.run),
    "graph": (graph.HELP, graph.arguments, graph.run),
}


def _parser() -> argparse.ArgumentParser:
    p = Parser(prog="concord", description="Concord: a model checker for distributed consistency protocols.")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks for errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name, (text, arguments, _) in COMMANDS.items():
        c = sub.add_parser(name, help=text)
        if arguments is not None:
            arguments(c)
    for name, (_, text) in DELEGATED.items():
        sub.add_parser(name, help=text, add_help=False)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``concord`` and ``python -m checker``; returns the exit code.

    One error path for every subcommand: a usage or model error, unreadable input, running out of
    memory or an unexpected exception is one line on stderr and exit 2 (``--debug`` adds the
    traceback); Ctrl-C and SIGTERM are interrupts (exit 3, after whatever report the subcommand
    could still give); a closed standard output never changes the exit code.
    """
    if argv is None:
        reexec_with_stable_hashing()
        argv = sys.argv[1:]
    debug = "--debug" in argv
    out = guard_stdout()
    previous = _terminate_as_interrupt()
    try:
        code = _dispatch(argv, debug)
    except KeyboardInterrupt:
        code = _fail("interrupted", debug, prefix="concord: ", exit_code=EXIT_INCOMPLETE)
    except (UsageError, ModelError, WriteError, ClusterError) as e:
        code = _fail(str(e), debug)
    except MemoryError:
        code = _fail("out of memory: bound the run (--max-states, --max-depth) or use --dfs", debug)
    except RecursionError:
        code = _fail("input or state nested too deeply (Python's recursion limit)", debug)
    except Exception as e:  # a bug of ours: still one line, the traceback with --debug
        code = _fail(f"internal error: {type(e).__name__}: {e}", debug)
    finally:
        signal.signal(signal.SIGTERM, previous)
    out.flush()
    if out.failure is not None:
        code = _fail(f"cannot write standard output: {out.failure.strerror or out.failure}", debug)
    return code


def _dispatch(argv: list[str], debug: bool) -> int:
    if argv and argv[0] in DELEGATED:
        module = __import__(DELEGATED[argv[0]][0], fromlist=["main"])
        return module.main([a for a in argv[1:] if a != "--debug"])
    args = _parser().parse_args(argv)
    args.debug = debug
    if args.command is None:
        _parser().print_help()
        return EXIT_ERROR
    return COMMANDS[args.command][2](args)


def _fail(message: str, debug: bool, prefix: str = "concord: error: ", exit_code: int = EXIT_ERROR) -> int:
    if debug and sys.exc_info()[0] is not None:
        traceback.print_exc()
    print(f"{prefix}{message.splitlines()[0] if message else ''}", file=sys.stderr, flush=True)
    return exit_code


def _terminate_as_interrupt():
    """SIGTERM is handled as Ctrl-C is: the run stops and reports what it found, marked partial."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt("SIGTERM")

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (tests calling main directly)
        return signal.getsignal(signal.SIGTERM)


def run() -> None:
    sys.exit(main())
