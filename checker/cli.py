"""The ``concord`` command line: check, list, show, render, graph, quorum, lin."""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import traceback
from pathlib import Path

from .check import check
from .compiled import compile_model
from .files import WriteError, guard_stdout
from .fingerprint import reexec_with_stable_hashing
from .jsonout import result_json, write_json
from .model import ModelError
from .registry import UsageError, build, bundled, load_class
from .render import NO_DOT, load_result, saved_model, saved_violations, write_charts, write_picture
from .render_graph import MAX_STATES, TooManyStates, state_graph
from .render_html import write_report
from .report import format_result
from .result import EXIT_ERROR, EXIT_INCOMPLETE

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
    _model_arguments(c)
    c.add_argument("--dfs", action="store_true", help="depth-first search (less memory; traces not shortest)")
    c.add_argument("--symmetry", action="store_true", help="reduce by the ids the model declares interchangeable")
    c.add_argument("--exact", action="store_true", help="store whole states, not 64-bit fingerprints (certain; more memory)")
    c.add_argument("--deadlock", action="store_true", help="report a reachable state with no successor")
    c.add_argument("--continue", dest="keep_going", action="store_true", help="collect one shortest trace per violated property")
    c.add_argument("--max-states", type=_positive, metavar="N", help="stop after N distinct states")
    c.add_argument("--max-depth", type=_positive, metavar="N", help="explore at most N levels")
    c.add_argument("--time-limit", type=_seconds, metavar="S", help="stop after S seconds")
    c.add_argument("--memory", type=_megabytes, metavar="MB", help="stop when the process has used MB megabytes")
    c.add_argument("--json", metavar="FILE", help="write the result as JSON (schema: docs/json.md)")
    _picture_arguments(c)
    c.add_argument("--quiet", action="store_true", help="no progress lines, no coverage table")
    c.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    sub.add_parser("list", help="bundled models with their constants, variants and properties")
    s = sub.add_parser("show", help="a model's actions and properties with their docstrings")
    s.add_argument("model", metavar="MODEL")

    r = sub.add_parser("render", help="draw the counterexamples of a result saved with check --json")
    r.add_argument("result", metavar="RESULT.json")
    r.add_argument("--model", metavar="MODEL", help="the model's path/to/file.py:ClassName, if it is not bundled")
    _picture_arguments(r, out="--out")

    g = sub.add_parser("graph", help="draw every state of a small model and the steps between them")
    _model_arguments(g)
    g.add_argument("--out", required=True, metavar="FILE", help="FILE.svg, FILE.png or FILE.dot (the .dot is always written)")
    g.add_argument("--max-states", type=_positive, default=MAX_STATES, metavar="N",
                   help=f"refuse above N states (default {MAX_STATES})")
    for name, (_, text) in DELEGATED.items():
        sub.add_parser(name, help=text, add_help=False)
    return p


def _model_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", metavar="MODEL", help="a bundled model name or path/to/file.py:ClassName")
    p.add_argument("--set", dest="constants", action="append", default=[], metavar="NAME=VALUE", help="set a constant")
    p.add_argument("--variant", help="a named (usually buggy) variant of the model")
    p.add_argument("--property", dest="properties", action="append", metavar="NAME", help="only these properties")


def _picture_arguments(p: argparse.ArgumentParser, out: str = "--render") -> None:
    p.add_argument(out, dest="render", metavar="DIR", help="write a sequence chart per counterexample: NAME.dot, NAME.svg")
    p.add_argument("--format", choices=("svg", "png"), default="svg", help="png: also write NAME.png")
    p.add_argument("--report", metavar="FILE.html", help="write a self-contained HTML report for a design review")


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {n}")
    return n


def _seconds(text: str) -> float:
    return _finite(text, "seconds")


def _megabytes(text: str) -> int:
    return int(_finite(text, "megabytes") * 2**20)


def _finite(text: str, unit: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of {unit}, got {text!r}") from None
    if not (0 < x < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number of {unit}, got {text!r}")
    return x


def _outputs(args) -> None:
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


def cmd_check(args) -> int:
    _outputs(args)
    model = build(load_class(args.model), args.constants, args.variant)
    result = check(
        model,
        properties=args.properties,
        strategy="dfs" if args.dfs else "bfs",
        symmetry=args.symmetry,
        exact=args.exact,
        deadlock=args.deadlock,
        stop_at_first=not args.keep_going,
        max_states=args.max_states,
        max_depth=args.max_depth,
        time_limit=args.time_limit,
        memory=args.memory,
        progress=not args.quiet,
    )
    if args.json:
        _written(lambda: write_json(result, args.json))
    if args.render or args.report:
        _pictures(args, compile_model(model), result_json(result), result.violations)
    if result.error:
        if args.debug and result.exception is not None:
            traceback.print_exception(result.exception)
        print(f"concord: error: {result.error.splitlines()[0]}", file=sys.stderr)
    print(format_result(result, with_coverage=not args.quiet), flush=True)
    return result.exit_code


def cmd_render(args) -> int:
    _outputs(args)
    if not (args.render or args.report):
        raise UsageError("nothing to write: give --out DIR and/or --report FILE.html")
    data = load_result(args.result)
    compiled = compile_model(saved_model(data, args.model))
    _pictures(args, compiled, data, saved_violations(data, compiled))
    return 0


def cmd_graph(args) -> int:
    out = Path(args.out)
    if out.suffix not in (".svg", ".png", ".dot"):
        raise UsageError(f"--out {args.out}: name a .svg, .png or .dot file")
    compiled = compile_model(build(load_class(args.model), args.constants, args.variant), args.properties)
    try:
        graph = state_graph(compiled, args.max_states)
    except TooManyStates as e:
        raise UsageError(str(e)) from None
    formats = (out.suffix[1:],) if out.suffix != ".dot" else ()
    _announce("state graph", _written(lambda: write_picture(graph, out.with_suffix(""), formats)))
    _note_without_dot()
    return 0


def _pictures(args, compiled, data: dict, violations: list) -> None:
    """The sequence charts and the HTML report that check and render were asked for."""
    if args.render:
        formats = ("svg", "png") if args.format == "png" else ("svg",)
        _announce("charts", _written(lambda: write_charts(compiled, violations, Path(args.render), formats)))
    if args.report:
        _announce("report", _written(lambda: write_report(data, compiled, violations, Path(args.report))))
    _note_without_dot()


def _written(write):
    """What write returns; a file it cannot write is a one-line error."""
    try:
        return write()
    except WriteError:
        raise
    except OSError as e:
        raise WriteError(e.errno, f"cannot write {e.filename or 'a file'}: {e.strerror or e}") from None


def _announce(what: str, written: list[Path]) -> None:
    print(f"{what}: {', '.join(map(str, written))}" if written else f"{what}: no counterexample to draw")


def _note_without_dot() -> None:
    if not shutil.which("dot"):
        print(NO_DOT)


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
    except (UsageError, ModelError, WriteError) as e:
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
    commands = {"check": cmd_check, "list": cmd_list, "show": cmd_show, "render": cmd_render, "graph": cmd_graph}
    return commands[args.command](args)


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
