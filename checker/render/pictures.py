"""Pictures on disk: a sequence chart per violation (DOT; SVG or PNG with Graphviz)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import graphviz

from ..compiled import Compiled
from ..files import make_directory, write_atomic
from ..result import Violation
from .chart import Chart, chart
from .msc import sequence_chart

__all__ = ["NO_DOT", "violation_chart", "write_picture", "write_charts", "svg_inline"]

NO_DOT = "Graphviz's dot is not installed: DOT only, no SVG or PNG pictures (apt-get install graphviz)"


def violation_chart(compiled: Compiled, v: Violation) -> Chart:
    """The sequence chart of a violation's trace, titled with the model, and its last step marked."""
    steps = f"{v.length} step{'s' * (v.length != 1)}"
    headline = f"{v.property} violated after {steps}"
    violated = f"{v.property} violated" + (f": {v.doc}" if v.doc else "")
    if v.kind == "liveness":
        which = f" ({v.instance})" if v.instance else ""
        if v.loop_from is None:
            headline = f"{v.property}{which} violated: {steps}, then it stutters forever"
            violated = f"stutters here forever: {violated}"
        else:
            headline = f"{v.property}{which} violated: {steps}, then back to state {v.loop_from}, forever"
            violated = f"back to state {v.loop_from}, forever: {violated}"
    drawn = chart(compiled, v.trace, f"{compiled.name}\n{headline}", violated)
    if v.kind == "liveness":
        drawn.lasso, drawn.loop_from = True, v.loop_from
    return drawn


def write_picture(graph: graphviz.Digraph, base: Path, formats: tuple[str, ...] = ("svg",)) -> list[Path]:
    """Write base.dot, and base.svg (or other formats) when Graphviz's dot is installed; return the files
    written. Each file is written whole or not at all."""
    make_directory(base.parent)
    written = [write_atomic(base.with_name(base.name + ".dot"), graph.source)]
    if shutil.which("dot"):
        for fmt in formats:
            written.append(write_atomic(base.with_name(f"{base.name}.{fmt}"), graph.pipe(format=fmt)))
    return written


def write_charts(compiled: Compiled, violations: list[Violation], directory: Path,
                 formats: tuple[str, ...] = ("svg",)) -> list[Path]:
    """A sequence chart per violation that has a trace, named after its property."""
    written = []
    for v in violations:
        if v.trace:
            name = re.sub(r"[^\w.-]", "_", v.property)
            written += write_picture(sequence_chart(violation_chart(compiled, v), name), directory / name, formats)
    return written


def svg_inline(graph: graphviz.Digraph) -> str:
    """The graph as an <svg> element to put inside HTML: no XML prolog, no namespace URLs."""
    svg = graph.pipe(format="svg").decode("utf-8")
    svg = svg[svg.index("<svg"):]
    return re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
