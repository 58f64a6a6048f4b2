"""``concord graph``: draw every state of a small model and the steps between them."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..compiled import compile_model
from ..render import MAX_STATES, TooManyStates, state_graph, write_picture
from ._args import model_arguments, positive
from ._output import announce, note_without_dot, written
from .registry import UsageError, build, load_class

HELP = "draw every state of a small model and the steps between them"


def arguments(g: argparse.ArgumentParser) -> None:
    model_arguments(g)
    g.add_argument("--out", required=True, metavar="FILE", help="FILE.svg, FILE.png or FILE.dot (the .dot is always written)")
    g.add_argument("--max-states", type=positive, default=MAX_STATES, metavar="N",
                   help=f"refuse above N states (default {MAX_STATES})")


def run(args) -> int:
    out = Path(args.out)
    if out.suffix not in (".svg", ".png", ".dot"):
        raise UsageError(f"--out {args.out}: name a .svg, .png or .dot file")
    compiled = compile_model(build(load_class(args.model), args.constants, args.variant), args.properties)
    try:
        graph = state_graph(compiled, args.max_states)
    except TooManyStates as e:
        raise UsageError(str(e)) from None
    formats = (out.suffix[1:],) if out.suffix != ".dot" else ()
    announce("state graph", written(lambda: write_picture(graph, out.with_suffix(""), formats)))
    note_without_dot()
    return 0
