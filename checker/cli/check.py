"""``concord check``: explore every state of a model and check its properties."""

from __future__ import annotations

import argparse
import ast
import os
import re
import sys
import traceback

from ..check import check
from ..checkpoint import CheckpointError, read
from ..compiled import compile_model
from ..model import ModelError
from ..parallel import cores
from ..temporal import SF, WF
from ._args import (
    check_outputs,
    megabytes,
    model_arguments,
    picture_arguments,
    positive,
    seconds,
    UsageError,
)
from ._output import pictures, written
from .jsonout import result_json, write_json
from .registry import build, load_class
from .report import format_result

HELP = "explore every state of a model and check its properties"


def arguments(c: argparse.ArgumentParser) -> None:
    model_arguments(c)
    how = c.add_mutually_exclusive_group()
    how.add_argument("--dfs", action="store_true", help="depth-first search (less memory; traces not shortest)")
    how.add_argument("--simulate", action="store_true",
                     help="random walks (--max-depth steps each, default 100) instead of every state; traces "
                          "shortened; never proves a property")
    c.add_argument("--workers", type=positive, metavar="N",
                   help="processes for BFS or --simulate (default: every core; BFS's counts and traces are those "
                        "of one)")
    c.add_argument("--cluster", metavar="ADDRESS",
                   help="run the workers as Ray actors: local:N starts a Ray cluster of N CPUs here, else the address "
                        "of a running one (needs pip install 'concord[cluster]'; --workers defaults to its CPUs)")
    c.add_argument("--bitstate", type=bits, metavar="BITS",
                   help="store each state as 3 bits of a table of BITS bits (a power of two: 2^30, 1G), as SPIN's "
                        "supertrace; some states may be missed (the report estimates how many)")
    c.add_argument("--symmetry", action="store_true", help="reduce by the ids the model declares interchangeable")
    c.add_argument("--exact", action="store_true", help="store whole states, not 64-bit fingerprints (certain; more memory)")
    c.add_argument("--deadlock", action="store_true", help="report a reachable state with no successor")
    c.add_argument("--continue", dest="keep_going", action="store_true", help="collect one shortest trace per violated property")
    c.add_argument("--max-states", type=positive, metavar="N", help="stop after N distinct states")
    c.add_argument("--max-depth", type=positive, metavar="N", help="explore at most N levels (--simulate: steps per walk)")
    c.add_argument("--traces", type=positive, metavar="N", help="--simulate: stop after N walks (default 10,000 without --time-limit or --max-states)")
    c.add_argument("--seed", type=int, default=0, metavar="S", help="--simulate: the random seed (default 0)")
    c.add_argument("--time-limit", type=seconds, metavar="S", help="stop after S seconds")
    c.add_argument("--memory", type=megabytes, metavar="MB",
                   help="BFS: keep the frontier on disk (one process unless --workers); stop when the process has "
                        "used MB megabytes all the same")
    c.add_argument("--checkpoint", metavar="DIR",
                   help="BFS: write the search to DIR now and then and when cut short; 'concord resume DIR' goes on")
    c.add_argument("--checkpoint-every", type=seconds, default=300.0, metavar="S",
                   help="seconds between two checkpoints (default 300)")
    c.add_argument("--fair", dest="fairness", action="append", type=fair, metavar="WF(A)",
                   help="judge liveness under this fairness instead of the model's: WF(Action), SF(Action, each), "
                        "WF(Action, p=v) for some instances, WF(Action, when=method) from the states where the "
                        "model's method holds; repeat for more; 'none' for no fairness")
    c.add_argument("--json", metavar="FILE", help="write the result as JSON (schema: docs/json.md)")
    picture_arguments(c)
    c.add_argument("--quiet", action="store_true", help="no progress lines, no coverage table")
    c.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)


def run(args) -> int:
    check_outputs(args)
    model = build(load_class(args.model), args.constants, args.variant)
    workers = _workers(args, _temporal(model, args.properties))
    if args.bitstate and (args.dfs or args.simulate or args.exact):
        raise UsageError("--bitstate: BFS only, and not with --exact")
    if args.checkpoint and (args.dfs or args.simulate):
        raise UsageError("--checkpoint: only BFS writes checkpoints (not --dfs or --simulate)")
    options = {"properties": args.properties, "symmetry": args.symmetry, "exact": args.exact,
               "deadlock": args.deadlock, "stop_at_first": not args.keep_going}
    origin = {"model": _absolute(args.model), "constants": args.constants, "variant": args.variant, "options": options}
    if args.fairness and not _temporal(model, args.properties):
        raise UsageError(f"--fair: {type(model).__name__} has no liveness property to judge under it"
                         + (" among those asked for" if args.properties else ""))
    try:
        result = _check(model, args, options, workers, origin)
    except ValueError as e:  # a mode in which liveness cannot be judged, asked for by name
        raise UsageError(str(e)) from None
    return _report(args, model, result)


def _check(model, args, options, workers, origin):
    return check(
        model,
        **options,
        strategy="dfs" if args.dfs else "simulate" if args.simulate else "bfs",
        max_states=args.max_states,
        max_depth=args.max_depth,
        time_limit=args.time_limit,
        memory=args.memory,
        progress=not args.quiet,
        traces=args.traces,
        seed=args.seed,
        workers=workers,
        checkpoint=args.checkpoint,
        checkpoint_every=args.checkpoint_every,
        origin=origin,
        bitstate=args.bitstate,
        cluster=args.cluster,
        fairness=None if args.fairness is None else [f for f in args.fairness if f is not None],
    )


def _temporal(model, properties) -> list[str]:
    """The liveness properties a run of model checks (with --property, those asked for)."""
    names = [p.name for p in type(model).properties() if p.kind == "liveness"]
    return [n for n in names if n in properties] if properties else names


FAIR = re.compile(r"\s*(WF|SF)\s*\(\s*(\w+)\s*(?:,(.*))?\)\s*")


def fair(text: str):
    """--fair's condition: WF(A), SF(A, each), WF(A, p=v, ...); None for 'none'."""
    if text.strip().lower() == "none":
        return None
    match = FAIR.fullmatch(text)
    if not match:
        raise argparse.ArgumentTypeError(f"expected WF(Action), SF(Action, each) or WF(Action, p=v), got {text!r}")
    kind, action, rest = match.groups()
    each, params, when = False, {}, None
    for part in filter(None, (p.strip() for p in (rest or "").split(","))):
        if part == "each":
            each = True
            continue
        if part.startswith("when="):
            when = part[5:].strip()
            continue
        name, eq, value = part.partition("=")
        if not eq or not name.strip().isidentifier():
            raise argparse.ArgumentTypeError(f"{text!r}: expected p=v or each, got {part!r}")
        try:
            params[name.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            params[name.strip()] = value.strip()
    try:
        return (WF if kind == "WF" else SF)(action, each, when, **params)
    except ModelError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


RESUME_HELP = "go on with a BFS from its checkpoint (concord check --checkpoint DIR)"


def resume_arguments(c: argparse.ArgumentParser) -> None:
    c.add_argument("dir", metavar="DIR", help="the checkpoint directory")
    c.add_argument("--workers", type=positive, metavar="N", help="processes (default: every core)")
    c.add_argument("--cluster", metavar="ADDRESS", help="run the workers as Ray actors (as concord check's)")
    c.add_argument("--max-states", type=positive, metavar="N", help="stop after N distinct states")
    c.add_argument("--max-depth", type=positive, metavar="N", help="explore at most N levels")
    c.add_argument("--time-limit", type=seconds, metavar="S", help="stop after S seconds (a new checkpoint is written)")
    c.add_argument("--memory", type=megabytes, metavar="MB", help="stop when the process has used MB megabytes")
    c.add_argument("--checkpoint-every", type=seconds, default=300.0, metavar="S",
                   help="seconds between two checkpoints (default 300)")
    c.add_argument("--json", metavar="FILE", help="write the result as JSON (schema: docs/json.md)")
    picture_arguments(c)
    c.add_argument("--quiet", action="store_true", help="no progress lines, no coverage table")


def run_resume(args) -> int:
    """The run a checkpoint holds, to its end (or the next cut, which writes the checkpoint again)."""
    check_outputs(args)
    try:
        origin = read(args.dir)["origin"]
    except CheckpointError as e:
        raise UsageError(str(e)) from None
    if not isinstance(origin, dict) or not isinstance(origin.get("options"), dict):
        raise UsageError(f"{args.dir} was not written by 'concord check --checkpoint': no model to build again")
    model = build(load_class(origin["model"]), origin["constants"], origin["variant"])
    args.exact = origin["options"].get("exact", False)
    if args.cluster and args.exact:
        raise UsageError("--cluster: this checkpoint's run is --exact, which runs in one process")
    try:
        result = check(
            model,
            **origin["options"],
            max_states=args.max_states,
            max_depth=args.max_depth,
            time_limit=args.time_limit,
            memory=args.memory,
            progress=not args.quiet,
            workers=(1 if args.cluster else cores()) if args.workers is None else args.workers,
            cluster=args.cluster,
            checkpoint=args.dir,
            checkpoint_every=args.checkpoint_every,
            resume=args.dir,
            origin=origin,
        )
    except CheckpointError as e:
        raise UsageError(str(e)) from None
    return _report(args, model, result)


def _report(args, model, result) -> int:
    """The result, as text on stdout, JSON and pictures as asked; the exit code."""
    if args.json:
        written(lambda: write_json(result, args.json))
    if args.render or args.report:
        pictures(args, compile_model(model), result_json(result), result.violations)
    if result.error:
        if getattr(args, "debug", False) and result.exception is not None:
            traceback.print_exception(result.exception)
        print(f"concord: error: {result.error.splitlines()[0]}", file=sys.stderr)
    print(format_result(result, with_coverage=not args.quiet), flush=True)
    if result.verdict == "partial" and result.checkpoint:
        print(f"concord: checkpoint in {result.checkpoint}: 'concord resume {result.checkpoint}' goes on",
              file=sys.stderr, flush=True)
    return result.exit_code


def bits(text: str) -> int:
    """--bitstate's size, a power of two: 2^30, 1G, 1073741824; returns its log2."""
    units = {"K": 10, "M": 20, "G": 30}
    t = text.strip().upper()
    try:
        if t.startswith("2^"):
            b = int(t[2:])
        elif t[-1:] in units:
            n = int(t[:-1])
            if n <= 0 or n & (n - 1):
                raise ValueError
            b = n.bit_length() - 1 + units[t[-1]]
        else:
            n = int(t)
            if n <= 0 or n & (n - 1):
                raise ValueError
            b = n.bit_length() - 1
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a power of two of bits (2^30, 1G), got {text!r}") from None
    if not 6 <= b <= 40:
        raise argparse.ArgumentTypeError(f"expected 2^6 to 2^40 bits, got 2^{b}")
    return b


def _absolute(model: str) -> str:
    """A model named by file, with the file's absolute path (a checkpoint may be resumed from elsewhere)."""
    path, sep, name = model.rpartition(":")
    return f"{os.path.abspath(path)}:{name}" if sep and path.endswith(".py") else model


def _workers(args, temporal: list | None = None) -> int:
    """--workers, or every core where the search can use them (one for liveness: it is judged in one process)."""
    alone = "--dfs" if args.dfs else "--exact" if args.exact and not args.simulate else None
    if args.cluster:
        if alone:
            raise UsageError(f"--cluster: {alone} runs in one process")
        return args.workers or 1  # 1: one worker per CPU of the cluster
    if args.workers is None:  # --memory: one process, whose frontier spills to disk (checker/frontier.py)
        one = temporal and not (args.simulate or args.dfs or args.symmetry or args.bitstate or args.checkpoint)
        return 1 if alone or one or (args.memory and not args.simulate) else cores()
    if args.workers > 1 and alone:
        raise UsageError(f"--workers: {alone} runs in one process")
    return args.workers
