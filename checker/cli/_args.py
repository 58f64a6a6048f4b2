"""Arguments several subcommands share, their types, and the parser that fails in one line."""

from __future__ import annotations

import argparse
from pathlib import Path

from .registry import UsageError


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def model_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", metavar="MODEL", help="a bundled model name or path/to/file.py:ClassName")
    p.add_argument("--set", dest="constants", action="append", default=[], metavar="NAME=VALUE", help="set a constant")
    p.add_argument("--variant", help="a named (usually buggy) variant of the model")
    p.add_argument("--property", dest="properties", action="append", metavar="NAME", help="only these properties")


def picture_arguments(p: argparse.ArgumentParser, out: str = "--render") -> None:
    p.add_argument(out, dest="render", metavar="DIR", help="write a sequence chart per counterexample: NAME.dot, NAME.svg")
    p.add_argument("--format", choices=("svg", "png"), default="svg", help="png: also write NAME.png")
    p.add_argument("--report", metavar="FILE.html", help="write a self-contained HTML report for a design review")


def positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {n}")
    return n


def seconds(text: str) -> float:
    return _finite(text, "seconds")


def megabytes(text: str) -> int:
    return int(_finite(text, "megabytes") * 2**20)


def _finite(text: str, unit: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of {unit}, got {text!r}") from None
    if not (0 < x < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number of {unit}, got {text!r}")
    return x


def check_outputs(args) -> None:
    """Refuse output paths that are empty or that two outputs share."""
    named = [(opt, getattr(args, dest, None)) for opt, dest in (("--json", "json"), ("--report", "report"), ("--render", "render"))]
    for opt, path in named:
        if path is not None and not path.strip():
            raise UsageError(f"{opt}: give a file name")
    paths = [(opt, Path(path).resolve()) for opt, path in named if path]
    for i, (opt, path) in enumerate(paths):
        for other, same in paths[i + 1:]:
            if path == same:
                raise UsageError(f"{opt} and {other} name the same path, {path}: one would overwrite the other")
