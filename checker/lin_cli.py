"""`concord lin`: check that a recorded history (JSON or Jepsen EDN) is linearizable or sequentially consistent."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from specs.consistency import CONSISTENCIES, check
from specs.datatypes import DATATYPES
from specs.history import HistoryError, load_history, parse_value
from specs.history_render import render_window

EXIT_OK, EXIT_VIOLATION, EXIT_UNREADABLE = 0, 1, 2


class _UsageError(Exception):
    """A command line that argparse refused."""


class _Parser(argparse.ArgumentParser):
    """argparse whose errors become one line on stderr, as elsewhere in `concord`."""

    def error(self, message: str) -> None:
        raise _UsageError(f"{message} (see '{self.prog} --help')")


def main(argv: list[str]) -> int:
    """Run `concord lin` on the words after `lin`: 0 if the history satisfies the model, 1 if not, 2 if unreadable."""
    parser = _Parser(
        prog="concord lin",
        description="Check a history of client operations, as JSON or as a Jepsen EDN history.",
        epilog="exit status: 0 the history satisfies the model, 1 it does not (the failing window is printed), "
               "2 unreadable input")
    parser.add_argument("file", help="history file: .json (events or operations) or .edn (Jepsen)")
    parser.add_argument("--model", choices=list(DATATYPES), default="register",
                        help="the shared object: register (default), kv (Jepsen [key value] values), queue")
    parser.add_argument("--consistency", choices=CONSISTENCIES, default="linearizable",
                        help="linearizable (default) or sequential")
    parser.add_argument("--initial", metavar="V", help="initial value, as JSON or EDN (default nil)")
    parser.add_argument("--json", metavar="OUT", help="also write the verdict as JSON to OUT")
    parser.add_argument("--render", metavar="DIR", help="draw the failing window into DIR (.dot, and .svg)")
    try:
        args = parser.parse_args(argv)
    except _UsageError as error:
        return _error(str(error))
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_UNREADABLE
    try:
        initial = None if args.initial is None else parse_value(args.initial)
    except HistoryError as error:
        return _error(f"--initial: {error}")
    try:
        history = load_history(args.file, keyed=DATATYPES[args.model].keyed)
        result = check(history, args.consistency, args.model, initial)
    except OSError as error:
        return _error(f"cannot read {args.file}: {error.strerror}")
    except HistoryError as error:
        where = f"{args.file}:{error.line}" if error.line else args.file
        return _error(f"{where}: {error}")
    print(result.text())
    try:
        if args.json:
            Path(args.json).write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n", encoding="utf-8")
        if args.render and not result.ok:
            title = f"not {result.consistency}, {result.model} model: {result.reason} (highlighted)"
            for path in render_window(result.window, result.core, title, args.render, Path(args.file).stem):
                print(f"wrote {path}")
    except OSError as error:
        return _error(f"cannot write {error.filename}: {error.strerror}")
    return EXIT_OK if result.ok else EXIT_VIOLATION


def _error(message: str) -> int:
    print(f"concord: error: {message}", file=sys.stderr)
    return EXIT_UNREADABLE
