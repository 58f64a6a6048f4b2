"""What check, render and graph write: pictures, the report, and one line naming each file."""

from __future__ import annotations

import contextlib
import shutil
import sys
from pathlib import Path

from ..files import WriteError
from ..render import NO_DOT, write_charts, write_report
from ..result import EXIT_ERROR


def pictures(args, compiled, data: dict, violations: list) -> None:
    """The sequence charts and the HTML report that check and render were asked for."""
    if args.render:
        formats = ("svg", "png") if args.format == "png" else ("svg",)
        announce("charts", written(lambda: write_charts(compiled, violations, Path(args.render), formats)))
    if args.report:
        announce("report", written(lambda: write_report(data, compiled, violations, Path(args.report))))
    note_without_dot()


def written(write):
    """What write returns; a file it cannot write is a one-line error."""
    try:
        return write()
    except WriteError:
        raise
    except OSError as e:
        raise WriteError(e.errno, f"cannot write {e.filename or 'a file'}: {e.strerror or e}") from None


def announce(what: str, files: list[Path]) -> None:
    print(f"{what}: {', '.join(map(str, files))}" if files else f"{what}: no counterexample to draw")


def note_without_dot() -> None:
    if not shutil.which("dot"):
        print(NO_DOT)


MOST_MESSAGE = 300
"""Characters of an error message shown at most: it stays one line."""


def say(text: str) -> None:
    """One line on standard error, unless it is closed too."""
    with contextlib.suppress(OSError):
        print(text, file=sys.stderr, flush=True)


def error_line(message: str) -> int:
    """The message as one line on standard error, `concord: error: ...`; the exit status of an error."""
    message = " ".join(message.splitlines())
    if len(message) > MOST_MESSAGE:
        message = message[:MOST_MESSAGE - 3] + "..."
    say(f"concord: error: {message}")
    return EXIT_ERROR
