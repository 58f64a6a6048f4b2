"""The ``concord`` command line: check, list, show, quorum, lin."""

from __future__ import annotations

import argparse
import sys
import traceback

from .check import check
from .fingerprint import reexec_with_stable_hashing
from .jsonout import write_json
from .model import ModelError
from .registry import UsageError, build, bundled, load_class
from .report import format_result

__all__ = ["main"]

DELEGATED = {
    "quorum": ("checker.quorum_cli", "prove or refute quorum intersection with Z3"),
    "lin": ("checker.lin_cli", "check a recorded history for linearizability"),
}


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="concord", description="Concord: a model checker for distributed consistency protocols.")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks for errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    c = sub.add_parser("check", help="explore every state of a model and check its properties")
    c.add_argument("model", metavar="MODEL", help="a bundled model name or path/to/file.py:ClassName")
    c.add_argument("--set", dest="constants", action="append", default=[], metavar="NAME=VALUE", help="set a constant")
    c.add_argument("--variant", help="check a named (usually buggy) variant of the model")
    c.add_argument("--property", dest="properties", action="append", metavar="NAME", help="check only these properties")
    c.add_argument("--dfs", action="store_true", help="depth-first search (less memory; traces not shortest)")
    c.add_argument("--symmetry", action="store_true", help="reduce by the ids the model declares interchangeable")
    c.add_argument("--deadlock", action="store_true", help="report a reachable state with no successor")
    c.add_argument("--continue", dest="keep_going", action="store_true", help="collect one shortest trace per violated property")
    c.add_argument("--max-states", type=_positive, metavar="N", help="stop after N distinct states")
    c.add_argument("--max-depth", type=_positive, metavar="N", help="explore at most N levels")
    c.add_argument("--time-limit", type=float, metavar="S", help="stop after S seconds")
    c.add_argument("--json", metavar="FILE", help="write the result as JSON (schema: docs/json.md)")
    c.add_argument("--quiet", action="store_true", help="no progress lines, no coverage table")
    c.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    sub.add_parser("list", help="bundled models with their constants, variants and properties")
    s = sub.add_parser("show", help="a model's actions and properties with their docstrings")
    s.add_argument("model", metavar="MODEL")
    for name, (_, text) in DELEGATED.items():
        sub.add_parser(name, help=text, add_help=False)
    return p


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {n}")
    return n


def cmd_check(args) -> int:
    model = build(load_class(args.model), args.constants, args.variant)
    result = check(
        model,
        properties=args.properties,
        strategy="dfs" if args.dfs else "bfs",
        symmetry=args.symmetry,
        deadlock=args.deadlock,
        stop_at_first=not args.keep_going,
        max_states=args.max_states,
        max_depth=args.max_depth,
        time_limit=args.time_limit,
        progress=not args.quiet,
    )
    print(format_result(result, with_coverage=not args.quiet))
    if result.error:
        print(f"concord: error: {result.error.splitlines()[0]}", file=sys.stderr)
    if args.json:
        write_json(result, args.json)
    return result.exit_code


def cmd_list(args) -> int:
    for name, cls in bundled().items():
        consts = ", ".join(f"{k}={v!r}" for k, v in cls.constants().items()) or "no constants"
        print(f"{name}: {_doc(cls)}")
        print(f"  constants: {consts}")
        print(f"  properties: {', '.join(p.name for p in cls.properties()) or 'none'}")
        if cls.variants:
            print(f"  variants: {', '.join(cls.variants)}")
    return 0


def cmd_show(args) -> int:
    cls = load_class(args.model)
    print(f"{cls.__name__}: {_doc(cls)}")
    consts = cls.constants()
    if consts:
        print("Constants:")
        for k, v in consts.items():
            print(f"  {k} = {v!r}")
    print("Actions:")
    for act in cls.actions():
        params = ", ".join(f"{p} in {_domain_name(d)}" for p, d in act.domains.items())
        print(f"  {act.name}({params})  {act.doc}")
    print("Properties:")
    for p in cls.properties():
        print(f"  {p.kind:<10} {p.name}  {p.doc}")
    if cls.symmetry:
        print(f"Symmetry: {', '.join(cls.symmetry)} (use --symmetry)")
    if cls.variants:
        print("Variants:")
        for name, vcls in cls.variants.items():
            print(f"  {name}  {_doc(vcls)}")
    return 0


def _doc(cls) -> str:
    doc = (cls.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else ""


def _domain_name(d) -> str:
    return d if isinstance(d, str) else getattr(d, "__name__", repr(d))


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``concord`` and ``python -m checker``; returns the exit code."""
    if argv is None:
        reexec_with_stable_hashing()
        argv = sys.argv[1:]
    debug = "--debug" in argv
    try:
        if argv and argv[0] in DELEGATED:
            module = __import__(DELEGATED[argv[0]][0], fromlist=["main"])
            return module.main(argv[1:])
        args = _parser().parse_args(argv)
        if args.command is None:
            _parser().print_help()
            return 2
        return {"check": cmd_check, "list": cmd_list, "show": cmd_show}[args.command](args)
    except (UsageError, ModelError) as e:
        if debug:
            traceback.print_exc()
        print(f"concord: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("concord: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def run() -> None:
    sys.exit(main())
