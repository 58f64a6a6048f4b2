"""`concord lin`: check that a recorded history (JSON, Jepsen EDN or a Jepsen log) is linearizable or sequentially
consistent."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import signal
import threading
from pathlib import Path

from specs.consistency import CONSISTENCIES, Budget, CheckResult, Stopped, check
from specs.datatypes import DATATYPES
from specs.history import HistoryError, load_history, parse_value

from ..files import WriteError, write_atomic
from ..render.history import render_window
from ..result import EXIT_ERROR, EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATION
from ._output import error_line as _error
from ._output import say as _say


class _UsageError(Exception):
    """A command line that argparse refused."""


class _Parser(argparse.ArgumentParser):
    """argparse whose errors become one line on stderr, as elsewhere in `concord`."""

    def error(self, message: str) -> None:
        raise _UsageError(f"{message} (see '{self.prog} --help')")


def main(argv: list[str]) -> int:
    """Run `concord lin` on the words after `lin`: 0 the history satisfies the model, 1 it does not, 2 an error,
    3 the check was cut short (a limit, Ctrl-C or SIGTERM) before any violation was found."""
    try:
        return _run(argv)
    except KeyboardInterrupt:
        _say("concord: interrupted")
        return EXIT_INCOMPLETE


def _run(argv: list[str]) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as error:
        return _error(str(error))
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_ERROR
    budget = Budget(args.time_limit, args.memory)
    try:
        initial = None if args.initial is None else parse_value(args.initial)
    except HistoryError as error:
        return _error(f"--initial: {error}")
    try:
        with _reading_deadline(args.time_limit):
            history = load_history(args.file, keyed=DATATYPES[args.model].keyed)
        result = check(history, args.consistency, args.model, initial, budget)
        if not result.operations:
            raise HistoryError("no operations")
    except OSError as error:
        return _error(f"cannot read {args.file}: {error.strerror or error}")
    except HistoryError as error:
        where = f"{args.file}:{error.line}" if error.line else args.file
        return _error(f"{where}: {error}")
    except MemoryError:
        print(f"UNKNOWN: stopped: out of memory while reading {args.file}")
        return EXIT_INCOMPLETE
    except Stopped as stop:
        print(f"UNKNOWN: {stop} while reading {args.file}")
        return EXIT_INCOMPLETE
    except Exception as error:  # a bug of the checker: still one line, never a traceback
        return _error(f"internal error: {type(error).__name__}: {error}")
    print(result.text())
    if result.stopped.startswith("interrupted"):
        _say("concord: interrupted")
    try:
        if args.json:
            write_atomic(args.json, json.dumps(result.to_json(), indent=2, default=str) + "\n")
    except WriteError as error:
        return _error(str(error))
    try:
        if args.render and result.ok is False:
            title = f"not {result.consistency}, {result.model} model: {result.reason} (highlighted)"
            for path in render_window(result.window, result.core, title, args.render, Path(args.file).stem):
                print(f"wrote {path}")
    except OSError as error:
        return _error(f"cannot write {error.filename or args.render}: {error.strerror or error}")
    return _exit_code(result)


def _parser() -> _Parser:
    parser = _Parser(
        prog="concord lin",
        description="Check a history of client operations, as JSON, as a Jepsen EDN history or as a Jepsen log.",
        epilog="exit status: 0 the history satisfies the model, 1 it does not (the failing window is printed), "
               "2 an error (bad usage, unreadable input), 3 incomplete: stopped by --time-limit, --memory, "
               "Ctrl-C or SIGTERM before any violation was found")
    parser.add_argument("file", help="history file: .json (events or operations), .edn (Jepsen); any other is told "
                        "by its content: EDN event maps (as Porcupine's .txt) or a Jepsen log (jepsen.util lines)")
    parser.add_argument("--model", choices=list(DATATYPES), default="register",
                        help="the shared object: register (default), kv (Jepsen [key value] values or :key, "
                             "with read/write/cas or get/put/append), queue")
    parser.add_argument("--consistency", choices=CONSISTENCIES, default="linearizable",
                        help="linearizable (default) or sequential")
    parser.add_argument("--initial", metavar="V", help="initial value, as JSON or EDN (default nil)")
    parser.add_argument("--json", metavar="OUT", type=_file_name, help="also write the verdict as JSON to OUT")
    parser.add_argument("--render", metavar="DIR", type=_file_name,
                        help="draw the failing window into DIR (.dot, and .svg)")
    parser.add_argument("--time-limit", metavar="S", type=_positive,
                        help="stop after S seconds (exit 3 unless a violation was found)")
    parser.add_argument("--memory", metavar="MB", type=_positive,
                        help="stop once the process has used MB megabytes (exit 3 unless a violation was found)")
    return parser


def _positive(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number, not {text!r}")
    return number


def _file_name(text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError("expected a file name, not ''")
    return text


def _exit_code(result: CheckResult) -> int:
    if result.ok is None:
        return EXIT_INCOMPLETE
    return EXIT_OK if result.ok else EXIT_VIOLATION


@contextlib.contextmanager
def _reading_deadline(seconds: float | None):
    """Raise Stopped if reading the history outlasts --time-limit (the check's own budget takes over after)."""
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Stopped(f"stopped at --time-limit {seconds:g}s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
